"""``CurrentPrincipal`` / ``CurrentUser``: authentication for every protected endpoint.

A program sends ``Authorization: Bearer brg_…``; a browser sends the session cookie. Cookie
requests that change state must also carry ``X-Requested-With`` (a header a cross-site form
cannot set), which together with ``SameSite=Lax`` closes CSRF.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.auth import service
from app.auth.principal import Principal
from app.auth.session_cache import PrincipalCache
from app.config import Settings
from app.errors import NotAuthenticated, PermissionDenied
from app.kit.db import Db
from app.kit.deps import AppSettings, DbSession
from app.kit.security import hash_secret
from app.models import User

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticated("Use 'Authorization: Bearer <API token>'.")
    return value.strip()


async def get_principal(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    token = _bearer(request)
    if token is not None:
        principal = await service.principal_from_token(session, token)
        request.state.principal = principal  # for access logs
        return principal
    return await cookie_principal(request, session, settings)


def has_bearer(request: Request) -> bool:
    """Whether the request authenticates by header (``_bearer`` reads or refuses it)."""
    return bool(request.headers.get("authorization"))


async def cookie_principal(request: Request, db: Db, settings: Settings) -> Principal:
    """The person behind the browser session cookie (cached per process, see session_cache)."""
    cookie = request.cookies.get(settings.auth.cookie_name)
    if not cookie:
        raise NotAuthenticated("Log in, or send an API token as 'Authorization: Bearer <token>'.")
    if request.method not in _SAFE_METHODS and not request.headers.get("x-requested-with"):
        raise PermissionDenied(
            "Browser requests that change data must send the X-Requested-With header."
        )
    cache: PrincipalCache = request.app.state.principal_cache
    key = hash_secret(cookie)
    principal = cache.get(key)
    if principal is None:
        epoch = cache.epoch
        principal, expires_at = await service.principal_from_session(db, cookie)
        cache.put(key, principal, epoch=epoch, session_expires_at=expires_at)
    request.state.principal = principal  # for access logs
    return principal


async def get_person(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.user_id is None:
        raise PermissionDenied("This endpoint is for logged-in people, not API tokens.")
    return principal


async def get_current_user(
    principal: Annotated[Principal, Depends(get_person)], session: DbSession
) -> User:
    assert principal.user_id is not None
    return await service.load_user(session, principal.user_id)  # identity-map hit after login


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
CurrentPerson = Annotated[Principal, Depends(get_person)]
CurrentUser = Annotated[User, Depends(get_current_user)]
