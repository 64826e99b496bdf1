from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EnterpriseKind, Session
from tests.factories import PASSWORD, login, make_enterprise, make_user


async def test_login_sets_httponly_cookie_and_me_answers(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    user = await make_user(db, vendor)
    await db.commit()
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    me = await client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["enterprise"]["kind"] == "vendor"
    assert me.json()["role"] == "annotator"
    # Only a hash of the cookie's secret is stored.
    secret = client.cookies.get("brigade_session")
    assert secret
    stored = (await db.scalars(select(Session.secret_hash))).all()
    assert secret not in stored
    assert len(stored) == 1


async def test_wrong_password_and_unknown_email_look_the_same(
    client: AsyncClient, db: AsyncSession
) -> None:
    user = await make_user(db, await make_enterprise(db))
    await db.commit()
    wrong = await client.post("/api/v1/auth/login", json={"email": user.email, "password": "x"})
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "error": "NotAuthenticated",
            "detail": "Wrong email or password.",
        }
    )


async def test_logout_ends_the_session(app: FastAPI, db: AsyncSession) -> None:
    user = await make_user(db, await make_enterprise(db))
    await db.commit()
    async with login(app, user) as c:
        secret = c.cookies.get("brigade_session")
        assert secret
        assert (await c.post("/api/v1/auth/logout")).status_code == 204
        # A copy of the old cookie (a stolen one, say) no longer works.
        c.cookies.set("brigade_session", secret)
        stale = await c.get("/api/v1/auth/me")
        assert stale.status_code == 401
        assert stale.json()["error"] == "NotAuthenticated"
