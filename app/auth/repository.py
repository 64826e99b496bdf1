from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import Db, DriverSQL, fetch
from app.models import ApiToken, Session, User


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def live_session(session: AsyncSession, secret_hash: str) -> Session | None:
    return await session.scalar(
        select(Session).where(
            Session.secret_hash == secret_hash,
            Session.revoked_at.is_(None),
            Session.expires_at > func.now(),
        )
    )


_SESSION_PRINCIPAL = DriverSQL("""
SELECT u.id, u.enterprise_id, u.enterprise_kind, u.role, u.team_id,
       u.is_active AND e.is_active AS active, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id JOIN enterprises e ON e.id = u.enterprise_id
WHERE s.secret_hash = :h AND s.revoked_at IS NULL AND s.expires_at > now()
""")


async def session_principal(session: Db, secret_hash: str) -> Any:
    """The person behind a live session, in one lean query: it runs on every browser request."""
    rows = await fetch(session, _SESSION_PRINCIPAL, {"h": secret_hash})
    return rows[0] if rows else None


async def live_token(session: AsyncSession, secret_hash: str) -> ApiToken | None:
    return await session.scalar(
        select(ApiToken).where(
            ApiToken.secret_hash == secret_hash,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > func.now()),
        )
    )


async def touch_token(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> None:
    # Conditional, so concurrent requests of one token write it once.
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - timedelta(minutes=1),
            ),
        )
        .values(last_used_at=now)
    )


async def revoke_session(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(Session)
        .where(Session.id == session_id, Session.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(Session)
        .where(Session.user_id == user_id, Session.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_enterprise_credentials(
    session: AsyncSession, enterprise_id: uuid.UUID
) -> dict[str, int]:
    """Idempotent: only touches credentials that are still live."""
    now = datetime.now(UTC)
    users = select(User.id).where(User.enterprise_id == enterprise_id)
    sessions = await session.execute(
        update(Session)
        .where(Session.user_id.in_(users), Session.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    tokens = await session.execute(
        update(ApiToken)
        .where(ApiToken.enterprise_id == enterprise_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return {"sessions": _rowcount(sessions), "tokens": _rowcount(tokens)}


async def purge_old_sessions(session: AsyncSession, keep: timedelta = timedelta(days=7)) -> int:
    cutoff = datetime.now(UTC) - keep
    result = await session.execute(
        delete(Session).where(or_(Session.expires_at < cutoff, Session.revoked_at < cutoff))
    )
    return _rowcount(result)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
