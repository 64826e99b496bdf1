"""The audit log: who sees which events, filters, and the link to the request that caused them."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.models import Enterprise, EnterpriseKind, Role, User
from tests.factories import login, make_enterprise, make_user

AUDIT = "/api/v1/audit"


def _event(db: AsyncSession, enterprise: Enterprise | None, action: str) -> None:
    record(
        db,
        None,
        action,
        target_type="thing",
        target_id=action,
        enterprise_id=enterprise.id if enterprise else None,
    )


async def _actions(app: FastAPI, user: User, **params: str) -> list[str]:
    async with login(app, user) as c:
        response = await c.get(AUDIT, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["total"] == len(response.json()["items"])
    return [e["action"] for e in response.json()["items"]]


async def test_each_enterprise_admin_sees_only_their_enterprises_events(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    client_admin = await make_user(db, client, Role.ENTERPRISE_ADMIN)
    vendor_admin = await make_user(db, vendor, Role.ENTERPRISE_ADMIN)
    _event(db, client, "client.one")
    _event(db, vendor, "vendor.one")
    _event(db, client, "client.two")
    _event(db, None, "park.wide")
    await db.commit()

    assert await _actions(app, client_admin) == ["client.two", "client.one"]  # newest first
    assert await _actions(app, vendor_admin) == ["vendor.one"]


async def test_park_admin_sees_every_event(app: FastAPI, db: AsyncSession) -> None:
    client = await make_enterprise(db)
    park_admin = await make_user(db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR))
    _event(db, client, "client.one")
    _event(db, None, "park.wide")
    await db.commit()

    assert await _actions(app, park_admin) == ["park.wide", "client.one"]


async def test_people_who_are_not_admins_see_no_events(app: FastAPI, db: AsyncSession) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    client = await make_enterprise(db)
    staff = [
        await make_user(db, vendor, Role.ANNOTATOR),
        await make_user(db, vendor, Role.QA_LEAD),
        await make_user(db, client, Role.CLIENT_MEMBER),
    ]
    _event(db, vendor, "vendor.one")
    _event(db, client, "client.one")
    await db.commit()

    for user in staff:
        assert await _actions(app, user) == []


async def test_events_filter_by_action_and_target_type(app: FastAPI, db: AsyncSession) -> None:
    client = await make_enterprise(db)
    admin = await make_user(db, client, Role.ENTERPRISE_ADMIN)
    _event(db, client, "token.create")
    _event(db, client, "token.revoke")
    _event(db, client, "token.create")
    record(db, None, "user.create", target_type="user", target_id="u1", enterprise_id=client.id)
    await db.commit()

    assert await _actions(app, admin, action="token.create") == ["token.create", "token.create"]
    assert await _actions(app, admin, target_type="user") == ["user.create"]
    assert await _actions(app, admin, action="token.create", target_type="user") == []
    assert await _actions(app, admin, action="nothing.like.this") == []


async def test_events_carry_the_request_id_of_the_request_that_caused_them(
    app: FastAPI, db: AsyncSession
) -> None:
    admin = await make_user(db, await make_enterprise(db), Role.ENTERPRISE_ADMIN)
    await db.commit()
    async with login(app, admin) as c:
        generated = await c.post("/api/v1/tokens", json={"name": "first"})
        chosen = await c.post(
            "/api/v1/tokens", json={"name": "second"}, headers={"X-Request-ID": "ci-run-42:7"}
        )
        events = (await c.get(AUDIT, params={"action": "token.create"})).json()["items"]

    assert chosen.headers["x-request-id"] == "ci-run-42:7"
    by_target = {e["target_id"]: e["request_id"] for e in events}
    assert by_target == {
        generated.json()["id"]: generated.headers["x-request-id"],
        chosen.json()["id"]: "ci-run-42:7",
    }
    assert all(e["actor_user_id"] == str(admin.id) for e in events)


async def test_audit_log_requires_authentication(client: AsyncClient) -> None:
    response = await client.get(AUDIT)

    assert response.status_code == 401
    assert response.json()["error"] == "NotAuthenticated"
