from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from app.auth import service
from app.auth.dependencies import CurrentPrincipal, CurrentUser
from app.auth.schemas import EnterpriseRef, LoginRequest, Me, TokenIdentity, UpdateMe
from app.errors import ErrorResponse
from app.kit.deps import AppSettings, DbSession
from app.kit.request_context import client_ip_var
from app.kit.security import hash_secret
from app.models import Enterprise

router = APIRouter(prefix="/auth", tags=["auth"])

_401: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Wrong credentials or expired session"}
}


@router.post("/login", response_model=Me, responses=_401, operation_id="login")
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: DbSession,
    settings: AppSettings,
) -> Me:
    """Log a person in with email and password; sets an httpOnly session cookie."""
    result = await service.login(
        session,
        settings,
        email=body.email,
        password=body.password,
        user_agent=request.headers.get("user-agent"),
        ip=client_ip_var.get(),
    )
    response.set_cookie(
        settings.auth.cookie_name,
        result.session_secret,
        max_age=settings.auth.session_ttl_hours * 3600,
        httponly=True,
        secure=settings.auth.cookie_secure,
        samesite="lax",
        path="/",
    )
    return Me.model_validate(result.user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, operation_id="logout")
async def logout(
    request: Request, response: Response, session: DbSession, settings: AppSettings
) -> None:
    """End the browser session (idempotent: logging out twice is fine)."""
    cookie = request.cookies.get(settings.auth.cookie_name)
    if cookie:
        await service.logout(session, cookie)
        request.app.state.principal_cache.evict(hash_secret(cookie))
    response.delete_cookie(settings.auth.cookie_name, path="/")


@router.get("/me", response_model=Me | TokenIdentity, responses=_401, operation_id="whoami")
async def whoami(principal: CurrentPrincipal, session: DbSession) -> Me | TokenIdentity:
    """The logged-in person, or for an API token, the token's enterprise and role."""
    if principal.user_id is not None:
        user = await service.load_user(session, principal.user_id)
        return Me.model_validate(user)
    assert principal.token_id is not None
    enterprise = await session.get_one(Enterprise, principal.enterprise_id)
    return TokenIdentity(
        token_id=principal.token_id,
        role=principal.role,
        enterprise=EnterpriseRef.model_validate(enterprise),
    )


@router.patch("/me", response_model=Me, responses=_401, operation_id="update_me")
async def update_me(body: UpdateMe, user: CurrentUser, session: DbSession) -> Me:
    """Change one's own display name or interface language."""
    if body.locale is not None:
        user.locale = body.locale
    if body.display_name is not None:
        user.display_name = body.display_name
    await session.flush()
    return Me.model_validate(user)
