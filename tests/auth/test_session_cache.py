"""The per-process session cache: TTLs, eviction by notification, and the listener that feeds it
from PostgreSQL's triggers (migration 0015)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.session_cache import EVERYONE, PrincipalCache
from app.models import Enterprise, EnterpriseKind, Role, Session, User
from tests.factories import browser_client, make_enterprise, make_session_cookie, make_user


def _principal(user: uuid.UUID | None = None) -> Principal:
    return Principal(
        enterprise_id=uuid.uuid4(),
        enterprise_kind=EnterpriseKind.VENDOR,
        role=Role.ANNOTATOR,
        user_id=user or uuid.uuid4(),
    )


def _watched(ttl: float = 300) -> PrincipalCache:
    cache = PrincipalCache(ttl=ttl)
    cache.set_watched(True)
    return cache


def test_entries_live_for_the_ttl_only(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _watched(ttl=60)
    p = _principal()
    cache.put("h", p, epoch=cache.epoch)
    assert cache.get("h") is p
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert cache.get("h") is None


def test_unwatched_entries_live_five_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PrincipalCache(ttl=300)
    cache.put("h", _principal(), epoch=cache.epoch)
    assert cache.get("h") is not None
    later = time.monotonic() + 6
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert cache.get("h") is None


def test_an_entry_never_outlives_its_session() -> None:
    cache = _watched()
    cache.put("gone", _principal(), epoch=cache.epoch, session_expires_at=datetime.now(UTC))
    assert cache.get("gone") is None
    soon = datetime.now(UTC) + timedelta(milliseconds=50)
    cache.put("soon", _principal(), epoch=cache.epoch, session_expires_at=soon)
    assert cache.get("soon") is not None
    time.sleep(0.06)
    assert cache.get("soon") is None


def test_ttl_zero_caches_nothing() -> None:
    cache = PrincipalCache(ttl=0)
    cache.set_watched(True)
    cache.put("h", _principal(), epoch=cache.epoch)
    assert cache.get("h") is None


def test_a_notification_evicts_that_users_sessions_only() -> None:
    cache = _watched()
    alice, bob = uuid.uuid4(), uuid.uuid4()
    cache.put("a1", _principal(alice), epoch=cache.epoch)
    cache.put("a2", _principal(alice), epoch=cache.epoch)
    cache.put("b1", _principal(bob), epoch=cache.epoch)
    cache.invalidate(str(alice))
    assert cache.get("a1") is None
    assert cache.get("a2") is None
    assert cache.get("b1") is not None
    cache.invalidate(EVERYONE)
    assert len(cache) == 0


def test_a_lookup_that_raced_an_invalidation_is_not_kept() -> None:
    cache = _watched()
    user = uuid.uuid4()
    epoch = cache.epoch  # the lookup starts …
    cache.invalidate(str(user))  # … the session is revoked meanwhile …
    cache.put("h", _principal(user), epoch=epoch)  # … and the stale answer comes back
    assert cache.get("h") is None


def test_the_cache_starts_over_when_the_listener_comes_or_goes() -> None:
    cache = _watched()
    cache.put("h", _principal(), epoch=cache.epoch)
    cache.set_watched(False)
    assert cache.get("h") is None
    cache.put("h", _principal(), epoch=cache.epoch)
    cache.set_watched(True)
    assert cache.get("h") is None


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_the_running_app_listens_for_changes(app: FastAPI) -> None:
    cache: PrincipalCache = app.state.principal_cache

    async def watched() -> bool:
        return cache.watched

    assert await _eventually(watched)


@pytest.mark.parametrize(
    "change",
    ["revoke elsewhere", "deactivate user", "change role", "deactivate enterprise"],
)
async def test_a_change_made_anywhere_ends_the_cached_lookup(
    app: FastAPI, db: AsyncSession, change: str
) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    user = await make_user(db, vendor)
    cookie = await make_session_cookie(db, user)
    await db.commit()
    listening: PrincipalCache = app.state.principal_cache

    async def watched() -> bool:
        return listening.watched

    assert await _eventually(watched)
    original_ttl = listening.ttl
    listening.ttl = 300  # the suite runs uncached; this test needs the cache on
    try:
        async with browser_client(app, cookie) as http:
            me = await http.get("/api/v1/auth/me")
            assert me.status_code == 200
            assert len(listening) == 1  # the lookup is kept
            # Changed by another process (straight in the database): PostgreSQL notifies.
            if change == "revoke elsewhere":
                await db.execute(update(Session).values(revoked_at=Session.created_at))
            elif change == "deactivate user":
                await db.execute(update(User).where(User.id == user.id).values(is_active=False))
            elif change == "change role":
                await db.execute(
                    update(User).where(User.id == user.id).values(role=Role.ENTERPRISE_ADMIN)
                )
            else:
                await db.execute(
                    update(Enterprise).where(Enterprise.id == vendor.id).values(is_active=False)
                )
            await db.commit()

            async def evicted() -> bool:
                return len(listening) == 0

            assert await _eventually(evicted)
            after = await http.get("/api/v1/auth/me")
            if change == "change role":
                assert after.json()["role"] == Role.ENTERPRISE_ADMIN.value
            else:
                assert after.status_code == 401
    finally:
        listening.ttl = original_ttl
        listening.clear()


async def test_a_logout_here_ends_the_session_at_once(app: FastAPI, db: AsyncSession) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    user = await make_user(db, vendor)
    cookie = await make_session_cookie(db, user)
    await db.commit()
    cache: PrincipalCache = app.state.principal_cache
    original_ttl = cache.ttl
    cache.ttl = 300
    try:
        async with browser_client(app, cookie) as http:
            assert (await http.get("/api/v1/auth/me")).status_code == 200
            assert (await http.post("/api/v1/auth/logout")).status_code == 204
            http.cookies.set("brigade_session", cookie)
            assert (await http.get("/api/v1/auth/me")).status_code == 401
    finally:
        cache.ttl = original_ttl
        cache.clear()
