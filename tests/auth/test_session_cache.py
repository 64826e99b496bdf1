"""The per-process session cache: reuse within its TTL, eviction on logout, off at 0."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.session_cache import PrincipalCache
from app.models import EnterpriseKind, Role, Session
from tests.factories import browser_client, make_enterprise, make_session_cookie, make_user


def _principal() -> Principal:
    return Principal(
        enterprise_id=uuid.uuid4(),
        enterprise_kind=EnterpriseKind.VENDOR,
        role=Role.ANNOTATOR,
        user_id=uuid.uuid4(),
    )


def test_entries_live_for_the_ttl_only(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PrincipalCache(ttl=5)
    p = _principal()
    cache.put("h", p)
    assert cache.get("h") is p
    later = time.monotonic() + 6
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert cache.get("h") is None


def test_ttl_zero_caches_nothing() -> None:
    cache = PrincipalCache(ttl=0)
    cache.put("h", _principal())
    assert cache.get("h") is None


async def test_a_cached_session_survives_a_revocation_elsewhere_but_not_a_logout_here(
    app: FastAPI, db: AsyncSession
) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    user = await make_user(db, vendor)
    cookie = await make_session_cookie(db, user)
    await db.commit()
    original = app.state.principal_cache
    app.state.principal_cache = PrincipalCache(ttl=30)
    try:
        async with browser_client(app, cookie) as http:
            assert (await http.get("/api/v1/auth/me")).status_code == 200
            # Revoked by another process: this one keeps its lookup for the TTL …
            await db.execute(update(Session).values(revoked_at=Session.created_at))
            await db.commit()
            assert (await http.get("/api/v1/auth/me")).status_code == 200
            # … but a logout through this process ends the session here at once.
            assert (await http.post("/api/v1/auth/logout")).status_code == 204
            http.cookies.set("brigade_session", cookie)
            assert (await http.get("/api/v1/auth/me")).status_code == 401
    finally:
        app.state.principal_cache = original
