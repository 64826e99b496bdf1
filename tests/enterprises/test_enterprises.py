"""Enterprises and teams: registered by the park admin, self-managed settings, deactivation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, Enterprise, EnterpriseKind, Role, User
from tests.factories import PASSWORD, login, make_enterprise, make_user

ENTERPRISES = "/api/v1/enterprises"
CREDIT_CODE = "91350100M000100Y43"


async def _park_admin(db: AsyncSession) -> User:
    return await make_user(db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR))


def _error(response: Response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")


def _field_names(response: Response) -> list[str]:
    return [f["field"] for f in response.json()["fields"]]


async def _post_enterprise(app: FastAPI, user: User, **body: Any) -> Response:
    async with login(app, user) as c:
        return await c.post(ENTERPRISES, json={"kind": "vendor", **body})


async def test_park_admin_registers_an_enterprise(app: FastAPI, db: AsyncSession) -> None:
    park_admin = await _park_admin(db)
    await db.commit()
    settings = {"contact_name": "王经理", "credit_code": CREDIT_CODE, "staff_count": 120}

    response = await _post_enterprise(app, park_admin, name="星河数据", settings=settings)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "星河数据"
    assert body["kind"] == "vendor"
    assert body["is_active"] is True
    assert body["settings"]["credit_code"] == CREDIT_CODE
    stored = await db.get(Enterprise, body["id"])
    assert stored is not None
    assert stored.settings == settings  # unset keys are not stored as nulls
    [event] = (await db.scalars(select(AuditEvent))).all()
    assert event.action == "enterprise.create"
    assert event.target_id == body["id"]


async def test_enterprise_names_are_unique_regardless_of_case(
    app: FastAPI, db: AsyncSession
) -> None:
    park_admin = await _park_admin(db)
    await make_enterprise(db, EnterpriseKind.CLIENT, name="Acme Data")
    await db.commit()

    response = await _post_enterprise(app, park_admin, name="ACME data")

    assert _error(response) == (409, "Conflict")
    assert response.json()["detail"].startswith("name:")


@pytest.mark.parametrize(
    ("bad_settings", "field"),
    [
        ({"website": "https://acme.example.com"}, "settings.website"),
        ({"credit_code": "91350100M000100Y4"}, "settings.credit_code"),  # 17 characters
        ({"credit_code": "91350100M000100I43"}, "settings.credit_code"),  # I is not allowed
        ({"contact_email": "not-an-email"}, "settings.contact_email"),
        ({"staff_count": -1}, "settings.staff_count"),
    ],
)
async def test_enterprise_settings_are_validated(
    app: FastAPI, db: AsyncSession, bad_settings: dict[str, Any], field: str
) -> None:
    park_admin = await _park_admin(db)
    await db.commit()

    response = await _post_enterprise(app, park_admin, name="Strict Co", settings=bad_settings)

    assert _error(response) == (422, "ValidationError")
    assert _field_names(response) == [field]
    assert await db.scalar(select(Enterprise.id).where(Enterprise.name == "Strict Co")) is None


@pytest.mark.parametrize("role", [Role.ENTERPRISE_ADMIN, Role.CLIENT_MEMBER])
async def test_only_the_park_admin_registers_enterprises(
    app: FastAPI, db: AsyncSession, role: Role
) -> None:
    user = await make_user(db, await make_enterprise(db), role)
    await db.commit()

    response = await _post_enterprise(app, user, name="Sneaky Co")

    assert _error(response) == (403, "PermissionDenied")


async def _listed(app: FastAPI, user: User, **params: str) -> list[str]:
    async with login(app, user) as c:
        response = await c.get(ENTERPRISES, params=params)
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["items"]]


async def test_park_admin_lists_all_enterprises_and_others_only_their_own(
    app: FastAPI, db: AsyncSession
) -> None:
    park_admin = await _park_admin(db)
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    member = await make_user(db, client)
    annotator = await make_user(db, vendor)
    await db.commit()

    assert set(await _listed(app, park_admin)) == {
        str(park_admin.enterprise_id),
        str(client.id),
        str(vendor.id),
    }
    assert await _listed(app, park_admin, kind="vendor") == [str(vendor.id)]
    assert await _listed(app, member) == [str(client.id)]
    assert await _listed(app, annotator) == [str(vendor.id)]
    async with login(app, member) as c:
        assert _error(await c.get(f"{ENTERPRISES}/{vendor.id}")) == (404, "NotFound")


async def test_directory_lists_active_vendors_to_anyone_logged_in(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    member = await make_user(db, await make_enterprise(db))
    active = await make_enterprise(db, EnterpriseKind.VENDOR, name="B vendor")
    other = await make_enterprise(db, EnterpriseKind.VENDOR, name="A vendor")
    await make_enterprise(db, EnterpriseKind.VENDOR, name="C gone", is_active=False)
    await db.commit()
    async with login(app, member) as c:
        response = await c.get(f"{ENTERPRISES}/directory")

    assert response.status_code == 200, response.text
    assert response.json() == [
        {"id": str(other.id), "name": "A vendor", "kind": "vendor"},
        {"id": str(active.id), "name": "B vendor", "kind": "vendor"},
    ]
    assert _error(await client.get(f"{ENTERPRISES}/directory")) == (401, "NotAuthenticated")


async def test_enterprise_admin_updates_own_settings_with_an_audit_trail(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db, settings={"contact_name": "Old"})
    admin = await make_user(db, client, Role.ENTERPRISE_ADMIN)
    await db.commit()
    new_settings = {"contact_name": "New", "contact_phone": "+86 591 1234 5678"}
    async with login(app, admin) as c:
        response = await c.patch(f"{ENTERPRISES}/{client.id}", json={"settings": new_settings})

    assert response.status_code == 200, response.text
    assert response.json()["settings"]["contact_phone"] == "+86 591 1234 5678"
    [event] = (await db.scalars(select(AuditEvent))).all()
    assert event.action == "enterprise.update"
    assert event.actor_user_id == admin.id
    assert event.changes == {"settings": {"from": {"contact_name": "Old"}, "to": new_settings}}


async def test_enterprise_admin_cannot_change_activation_or_other_enterprises(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db)
    admin = await make_user(db, client, Role.ENTERPRISE_ADMIN)
    member = await make_user(db, client, Role.CLIENT_MEMBER)
    other = await make_enterprise(db)
    await db.commit()
    async with login(app, admin) as c:
        deactivate = await c.patch(f"{ENTERPRISES}/{client.id}", json={"is_active": False})
        foreign = await c.patch(f"{ENTERPRISES}/{other.id}", json={"name": "Mine now"})
    async with login(app, member) as c:
        by_member = await c.patch(f"{ENTERPRISES}/{client.id}", json={"name": "Renamed"})

    assert _error(deactivate) == (403, "PermissionDenied")
    assert deactivate.json()["detail"].startswith("is_active:")
    assert _error(foreign) == (404, "NotFound")
    assert _error(by_member) == (403, "PermissionDenied")


async def test_deactivating_a_vendor_locks_its_people_out_and_queues_cleanup(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    park_admin = await _park_admin(db)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    annotator = await make_user(db, vendor)
    await db.commit()
    async with login(app, annotator) as annotator_client, login(app, park_admin) as c:
        response = await c.patch(f"{ENTERPRISES}/{vendor.id}", json={"is_active": False})
        assert response.status_code == 200, response.text
        assert _error(await annotator_client.get("/api/v1/auth/me")) == (401, "NotAuthenticated")
    login_again = await client.post(
        "/api/v1/auth/login", json={"email": annotator.email, "password": PASSWORD}
    )

    assert _error(login_again) == (401, "NotAuthenticated")
    assert "deactivated" in login_again.json()["detail"]
    [event] = (await db.scalars(select(AuditEvent))).all()
    assert event.action == "enterprise.update"
    assert event.changes == {"is_active": {"from": True, "to": False}}
    jobs = (await db.execute(text("SELECT task_name, args, status FROM procrastinate_jobs"))).all()
    assert [tuple(j) for j in jobs] == [
        ("brigade.revoke_enterprise_credentials", {"enterprise_id": str(vendor.id)}, "todo")
    ]


async def test_park_operator_cannot_deactivate_itself(app: FastAPI, db: AsyncSession) -> None:
    park_admin = await _park_admin(db)
    await db.commit()
    async with login(app, park_admin) as c:
        response = await c.patch(
            f"{ENTERPRISES}/{park_admin.enterprise_id}", json={"is_active": False}
        )

    assert _error(response) == (409, "Conflict")
    assert response.json()["detail"].startswith("is_active:")


async def test_teams_are_created_and_listed_in_vendors_only(app: FastAPI, db: AsyncSession) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    vendor_admin = await make_user(db, vendor, Role.ENTERPRISE_ADMIN)
    annotator = await make_user(db, vendor)
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    client_admin = await make_user(db, client, Role.ENTERPRISE_ADMIN)
    await db.commit()
    teams = f"{ENTERPRISES}/{vendor.id}/teams"
    async with login(app, vendor_admin) as c:
        first = await c.post(teams, json={"name": "一组"})
        duplicate = await c.post(teams, json={"name": "一组"})
        second = await c.post(teams, json={"name": "二组"})
    async with login(app, annotator) as c:
        by_annotator = await c.post(teams, json={"name": "三组"})
        listed = await c.get(teams)
    async with login(app, client_admin) as c:
        in_client = await c.post(f"{ENTERPRISES}/{client.id}/teams", json={"name": "x"})
        foreign = await c.get(teams)

    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    assert _error(duplicate) == (409, "Conflict")
    assert duplicate.json()["detail"].startswith("name:")
    assert _error(by_annotator) == (403, "PermissionDenied")
    assert [t["name"] for t in listed.json()["items"]] == ["一组", "二组"]
    assert _error(in_client) == (409, "Conflict")
    assert _error(foreign) == (404, "NotFound")
