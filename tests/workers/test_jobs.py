"""Background jobs: queued in the caller's transaction, run by a real worker, idempotent."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import session_scope
from app.kit.jobs import defer_job
from app.kit.security import hash_secret
from app.models import ApiToken, Enterprise, EnterpriseKind, Role, Session, User
from tests.factories import make_enterprise, make_user, run_jobs

REVOKE = "brigade.revoke_enterprise_credentials"
PURGE = "brigade.purge_expired_sessions"


async def _queued(db: AsyncSession) -> list[tuple[str, str]]:
    rows = await db.execute(text("SELECT task_name, status FROM procrastinate_jobs ORDER BY id"))
    return [(r.task_name, r.status) for r in rows]


async def _unfinished(db: AsyncSession) -> list[tuple[str, str]]:
    """Jobs left over that did not succeed (succeeded ones may be deleted or kept)."""
    return [(name, status) for name, status in await _queued(db) if status != "succeeded"]


def _session(user: User, **kw: datetime) -> Session:
    expires_at = kw.pop("expires_at", datetime.now(UTC) + timedelta(hours=1))
    return Session(
        user_id=user.id, secret_hash=hash_secret(secrets.token_hex()), expires_at=expires_at, **kw
    )


def _token(enterprise: Enterprise) -> ApiToken:
    return ApiToken(
        enterprise_id=enterprise.id,
        name="etl",
        role=Role.ENTERPRISE_ADMIN,
        prefix="brg_test",
        secret_hash=hash_secret(secrets.token_hex()),
    )


async def test_a_queued_job_becomes_visible_only_when_the_transaction_commits(
    app: FastAPI, db: AsyncSession
) -> None:
    enterprise_id = str(uuid.uuid4())
    async with session_scope(app.state.sessionmaker) as session:
        job_id = await defer_job(session, REVOKE, enterprise_id=enterprise_id)
        assert await _queued(db) == []  # another connection sees nothing yet

    rows = await db.execute(text("SELECT id, task_name, args, queue_name FROM procrastinate_jobs"))
    assert [tuple(r) for r in rows] == [
        (job_id, REVOKE, {"enterprise_id": enterprise_id}, "default")
    ]


async def _defer_then_fail(app: FastAPI) -> None:
    async with session_scope(app.state.sessionmaker) as session:
        await defer_job(session, REVOKE, enterprise_id=str(uuid.uuid4()))
        raise RuntimeError("changed my mind")


async def test_a_rolled_back_transaction_queues_nothing(app: FastAPI, db: AsyncSession) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"):
        await _defer_then_fail(app)

    assert await _queued(db) == []


async def _defer(app: FastAPI, job_name: str, **payload: Any) -> None:
    async with session_scope(app.state.sessionmaker) as session:
        await defer_job(session, job_name, **payload)


async def _credentials_alive(db: AsyncSession, enterprise: Enterprise) -> tuple[int, int]:
    """Live (unrevoked) sessions and tokens of ``enterprise``."""
    users = select(User.id).where(User.enterprise_id == enterprise.id)
    sessions = await db.scalars(
        select(Session.id).where(Session.user_id.in_(users), Session.revoked_at.is_(None))
    )
    tokens = await db.scalars(
        select(ApiToken.id).where(
            ApiToken.enterprise_id == enterprise.id, ApiToken.revoked_at.is_(None)
        )
    )
    return len(sessions.all()), len(tokens.all())


async def test_worker_revokes_one_enterprises_credentials_and_is_idempotent(
    app: FastAPI, db: AsyncSession
) -> None:
    gone = await make_enterprise(db, EnterpriseKind.VENDOR, is_active=False)
    kept = await make_enterprise(db, EnterpriseKind.VENDOR)
    for enterprise in (gone, gone, kept):
        db.add_all([_session(await make_user(db, enterprise)), _token(enterprise)])
    await db.commit()
    assert await _credentials_alive(db, gone) == (2, 2)

    await _defer(app, REVOKE, enterprise_id=str(gone.id))
    await run_jobs(app)
    tokens_of_gone = select(ApiToken.revoked_at).where(ApiToken.enterprise_id == gone.id)
    revoked_at = set(await db.scalars(tokens_of_gone))
    await _defer(app, REVOKE, enterprise_id=str(gone.id))
    await run_jobs(app)

    assert await _unfinished(db) == []
    assert await _credentials_alive(db, gone) == (0, 0)
    assert await _credentials_alive(db, kept) == (1, 1)
    # The second run found nothing live and left the first run's timestamps alone.
    assert set(await db.scalars(tokens_of_gone)) == revoked_at


async def test_purge_deletes_only_sessions_that_ended_over_a_week_ago(
    app: FastAPI, db: AsyncSession
) -> None:
    user = await make_user(db, await make_enterprise(db))
    now = datetime.now(UTC)
    old_expired = _session(user, expires_at=now - timedelta(days=8))
    old_revoked = _session(user, revoked_at=now - timedelta(days=8))
    recent_expired = _session(user, expires_at=now - timedelta(days=1))
    recent_revoked = _session(user, revoked_at=now - timedelta(days=6))
    live = _session(user)
    db.add_all([old_expired, old_revoked, recent_expired, recent_revoked, live])
    await db.commit()

    await _defer(app, PURGE, timestamp=int(now.timestamp()))
    await run_jobs(app)

    assert await _unfinished(db) == []
    remaining = set(await db.scalars(select(Session.id)))
    assert remaining == {recent_expired.id, recent_revoked.id, live.id}


async def test_jobs_of_a_worker_that_stopped_are_queued_again(
    app: FastAPI, db: AsyncSession
) -> None:
    """A job left "doing" by a worker whose heartbeat stopped (killed, machine lost) is queued
    again; one held by a live worker is left alone."""
    dead, alive = (
        (
            await db.execute(
                text(
                    "INSERT INTO procrastinate_workers (last_heartbeat) VALUES"
                    " (now() - interval '10 minutes'), (now()) RETURNING id"
                )
            )
        )
        .scalars()
        .all()
    )
    await _defer(app, REVOKE, enterprise_id=str(uuid.uuid4()))
    await _defer(app, REVOKE, enterprise_id=str(uuid.uuid4()))
    ids = (await db.execute(text("SELECT id FROM procrastinate_jobs ORDER BY id"))).scalars().all()
    for job_id, worker in zip(ids, (dead, alive), strict=True):
        await db.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :j"),
            {"w": worker, "j": job_id},
        )
    await db.commit()
    async with session_scope(app.state.sessionmaker) as session:
        await defer_job(session, "brigade.retry_stalled_jobs", timestamp=0)
    await run_jobs(app)
    states = {
        r[0]: r[1] for r in await db.execute(text("SELECT id, status FROM procrastinate_jobs"))
    }
    assert states[ids[1]] == "doing"  # its worker is alive
    # Queued again, and run by this worker (a succeeded job may be deleted at once).
    assert states.get(ids[0], "succeeded") in ("todo", "succeeded")
