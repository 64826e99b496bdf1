"""Password login, browser sessions, and turning credentials into a ``Principal``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository
from app.auth.principal import Principal
from app.config import Settings
from app.errors import NotAuthenticated
from app.kit.db import Db
from app.kit.security import (
    hash_password_async,
    hash_secret,
    new_secret,
    password_needs_rehash,
    verify_password_async,
)
from app.models import EnterpriseKind, Role, Session, User

LOCKOUT = timedelta(minutes=15)
# last_used_at is advisory: one write a minute per token keeps busy programs' reads read-only.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
_WRONG = "Wrong email or password."


@dataclass(frozen=True)
class LoginResult:
    user: User
    session_secret: str
    expires_at: datetime


def principal_for_user(user: User) -> Principal:
    return Principal(
        enterprise_id=user.enterprise_id,
        enterprise_kind=user.enterprise_kind,
        role=user.role,
        user_id=user.id,
        team_id=user.team_id,
    )


async def login(
    session: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    user_agent: str | None,
    ip: str | None,
) -> LoginResult:
    now = datetime.now(UTC)
    user = await repository.user_by_email(session, email)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise NotAuthenticated(
            "Too many failed logins for this account; try again in 15 minutes "
            "or ask your enterprise admin to reset your password."
        )
    if not await verify_password_async(user.password_hash if user else None, password) or (
        user is None
    ):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.auth.max_failed_logins:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
        raise NotAuthenticated(_WRONG, keep_changes=True)
    if not user.is_active or not user.enterprise.is_active:
        raise NotAuthenticated("This account is deactivated; ask your enterprise admin.")
    if user.password_hash and password_needs_rehash(user.password_hash):
        user.password_hash = await hash_password_async(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    secret = new_secret("bss")
    expires_at = now + timedelta(hours=settings.auth.session_ttl_hours)
    session.add(
        Session(
            user_id=user.id,
            secret_hash=hash_secret(secret),
            expires_at=expires_at,
            user_agent=(user_agent or "")[:300] or None,
            ip=ip,
        )
    )
    await session.flush()
    return LoginResult(user=user, session_secret=secret, expires_at=expires_at)


async def logout(session: AsyncSession, session_secret: str) -> None:
    row = await repository.live_session(session, hash_secret(session_secret))
    if row is not None:
        await repository.revoke_session(session, row.id, datetime.now(UTC))


async def principal_from_session(session: Db, session_secret: str) -> tuple[Principal, datetime]:
    """The person behind a live session, and when the session expires."""
    row = await repository.session_principal(session, hash_secret(session_secret))
    if row is None:
        raise NotAuthenticated("Your session has expired; log in again.")
    if not row.active:
        raise NotAuthenticated("This account is deactivated; ask your enterprise admin.")
    principal = Principal(
        enterprise_id=row.enterprise_id,
        enterprise_kind=EnterpriseKind(row.enterprise_kind),
        role=Role(row.role),
        user_id=row.id,
        team_id=row.team_id,
    )
    return principal, row.expires_at


async def principal_from_token(session: AsyncSession, token: str) -> Principal:
    row = await repository.live_token(session, hash_secret(token))
    if row is None:
        raise NotAuthenticated("The API token is unknown, expired or revoked.")
    if not row.enterprise.is_active:
        raise NotAuthenticated("The token's enterprise is deactivated.")
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_INTERVAL:
        await repository.touch_token(session, row.id, now)
    return Principal(
        enterprise_id=row.enterprise_id,
        enterprise_kind=row.enterprise.kind,
        role=row.role,
        token_id=row.id,
    )


async def load_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    return await session.get_one(User, user_id)
