"""People: created by their enterprise's admin, roles that fit the enterprise, audited changes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, Enterprise, EnterpriseKind, Role, Session, User
from tests.factories import PASSWORD, login, make_enterprise, make_team, make_user

USERS = "/api/v1/users"
NEW_PASSWORD = "a brand new passphrase"


async def _vendor_admin(db: AsyncSession) -> tuple[Enterprise, User]:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    return vendor, await make_user(db, vendor, Role.ENTERPRISE_ADMIN)


async def _admin_and_annotator(db: AsyncSession) -> tuple[User, User]:
    """A vendor's admin and one of its annotators, committed."""
    vendor, admin = await _vendor_admin(db)
    annotator = await make_user(db, vendor)
    await db.commit()
    return admin, annotator


def _new_user(**overrides: Any) -> dict[str, Any]:
    body = {
        "email": f"new-{uuid.uuid4().hex[:8]}@vendor.example.com",
        "display_name": "New Person",
        "role": "annotator",
    }
    return {**body, **overrides}


async def _can_log_in(client: AsyncClient, email: str, password: str) -> bool:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def _error(response: Response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")


async def _audit(db: AsyncSession, action: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list((await db.scalars(stmt)).all())


async def test_admin_creates_a_user_with_a_generated_password_that_logs_in(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    vendor, admin = await _vendor_admin(db)
    team = await make_team(db, vendor)
    await db.commit()
    body = _new_user(email="New.Person@Vendor.Example.com", team_id=str(team.id))
    async with login(app, admin) as c:
        response = await c.post(USERS, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["email"] == "new.person@vendor.example.com"
    assert created["enterprise_id"] == str(vendor.id)
    assert created["team_id"] == str(team.id)
    assert created["role"] == "annotator"
    password = created["initial_password"]
    assert password
    assert await _can_log_in(client, "new.person@vendor.example.com", password)
    [event] = await _audit(db, "user.create")
    assert event.actor_user_id == admin.id
    assert event.target_id == created["id"]
    assert password not in str(event.changes)


async def test_admin_may_set_the_initial_password(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    _, admin = await _vendor_admin(db)
    await db.commit()
    body = _new_user(password=NEW_PASSWORD, role="qa_lead")
    async with login(app, admin) as c:
        response = await c.post(USERS, json=body)

    assert response.status_code == 201, response.text
    assert response.json()["initial_password"] is None
    assert await _can_log_in(client, body["email"], NEW_PASSWORD)


async def test_admin_cannot_add_people_to_another_enterprise(
    app: FastAPI, db: AsyncSession
) -> None:
    _, admin = await _vendor_admin(db)
    other = await make_enterprise(db, EnterpriseKind.VENDOR)
    await db.commit()
    async with login(app, admin) as c:
        response = await c.post(USERS, json=_new_user(enterprise_id=str(other.id)))

    assert _error(response) == (403, "PermissionDenied")
    assert response.json()["detail"].startswith("enterprise_id")
    assert await db.scalar(select(User.id).where(User.enterprise_id == other.id)) is None


async def test_park_admin_adds_people_to_any_enterprise(app: FastAPI, db: AsyncSession) -> None:
    park_admin = await make_user(db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR))
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    await db.commit()
    body = _new_user(enterprise_id=str(client.id), role="enterprise_admin")
    async with login(app, park_admin) as c:
        response = await c.post(USERS, json=body)

    assert response.status_code == 201, response.text
    assert response.json()["enterprise_id"] == str(client.id)


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (EnterpriseKind.CLIENT, "annotator"),
        (EnterpriseKind.CLIENT, "qa_lead"),
        (EnterpriseKind.VENDOR, "client_member"),
        (EnterpriseKind.VENDOR, "park_admin"),
    ],
)
async def test_role_must_fit_the_enterprise_kind(
    app: FastAPI, db: AsyncSession, kind: EnterpriseKind, role: str
) -> None:
    admin = await make_user(db, await make_enterprise(db, kind), Role.ENTERPRISE_ADMIN)
    await db.commit()
    async with login(app, admin) as c:
        response = await c.post(USERS, json=_new_user(role=role))

    assert _error(response) == (422, "ValidationError")
    assert response.json()["detail"].startswith("role:")
    assert kind.value in response.json()["detail"]


async def test_only_a_park_admin_grants_park_admin(app: FastAPI, db: AsyncSession) -> None:
    park = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR)
    operator_admin = await make_user(db, park, Role.ENTERPRISE_ADMIN)
    await db.commit()
    async with login(app, operator_admin) as c:
        response = await c.post(USERS, json=_new_user(role="park_admin"))

    assert _error(response) == (403, "PermissionDenied")
    assert response.json()["detail"].startswith("role:")


async def test_team_must_belong_to_the_users_enterprise(app: FastAPI, db: AsyncSession) -> None:
    _, admin = await _vendor_admin(db)
    foreign_team = await make_team(db, await make_enterprise(db, EnterpriseKind.VENDOR))
    await db.commit()
    async with login(app, admin) as c:
        foreign = await c.post(USERS, json=_new_user(team_id=str(foreign_team.id)))
        unknown = await c.post(USERS, json=_new_user(team_id=str(uuid.uuid4())))

    assert _error(foreign) == (422, "ValidationError")
    assert foreign.json()["detail"].startswith("team_id:")
    assert _error(unknown) == (422, "ValidationError")
    assert unknown.json()["detail"].startswith("team_id:")


async def test_email_is_unique_regardless_of_case(app: FastAPI, db: AsyncSession) -> None:
    vendor, admin = await _vendor_admin(db)
    existing = await make_user(db, vendor)
    await db.commit()
    async with login(app, admin) as c:
        response = await c.post(USERS, json=_new_user(email=existing.email.upper()))

    assert _error(response) == (409, "Conflict")
    assert response.json()["detail"].startswith("email:")


async def test_only_admins_create_users(app: FastAPI, db: AsyncSession) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    qa_lead = await make_user(db, vendor, Role.QA_LEAD)
    await db.commit()
    async with login(app, qa_lead) as c:
        response = await c.post(USERS, json=_new_user())

    assert _error(response) == (403, "PermissionDenied")


async def test_patch_role_team_and_active_is_audited_with_from_and_to(
    app: FastAPI, db: AsyncSession
) -> None:
    vendor, admin = await _vendor_admin(db)
    team = await make_team(db, vendor)
    annotator = await make_user(db, vendor, Role.ANNOTATOR)
    await db.commit()
    async with login(app, admin) as c:
        response = await c.patch(
            f"{USERS}/{annotator.id}",
            json={"role": "qa_lead", "team_id": str(team.id), "is_active": False},
        )
        unchanged = await c.patch(f"{USERS}/{annotator.id}", json={"role": "qa_lead"})

    assert response.status_code == 200, response.text
    assert response.json()["role"] == "qa_lead"
    assert response.json()["team_id"] == str(team.id)
    assert response.json()["is_active"] is False
    assert unchanged.status_code == 200
    [event] = await _audit(db, "user.update")  # the no-op PATCH records nothing
    assert event.target_id == str(annotator.id)
    assert event.actor_user_id == admin.id
    assert event.changes == {
        "role": {"from": "annotator", "to": "qa_lead"},
        "team_id": {"from": None, "to": str(team.id)},
        "is_active": {"from": True, "to": False},
    }


async def test_role_change_must_fit_the_enterprise(app: FastAPI, db: AsyncSession) -> None:
    admin, annotator = await _admin_and_annotator(db)
    async with login(app, admin) as c:
        response = await c.patch(f"{USERS}/{annotator.id}", json={"role": "client_member"})

    assert _error(response) == (422, "ValidationError")
    assert response.json()["detail"].startswith("role:")


async def test_deactivating_a_user_ends_their_sessions(app: FastAPI, db: AsyncSession) -> None:
    admin, annotator = await _admin_and_annotator(db)
    async with login(app, annotator) as annotator_client, login(app, admin) as admin_client:
        assert (await annotator_client.get("/api/v1/auth/me")).status_code == 200
        response = await admin_client.patch(f"{USERS}/{annotator.id}", json={"is_active": False})
        assert response.status_code == 200, response.text
        assert _error(await annotator_client.get("/api/v1/auth/me")) == (401, "NotAuthenticated")
        assert not await _can_log_in(admin_client, annotator.email, PASSWORD)

    revoked = await db.scalars(select(Session.revoked_at).where(Session.user_id == annotator.id))
    assert [r is not None for r in revoked] == [True]


async def test_admin_cannot_deactivate_or_demote_themselves(app: FastAPI, db: AsyncSession) -> None:
    _, admin = await _vendor_admin(db)
    await db.commit()
    async with login(app, admin) as c:
        deactivate = await c.patch(f"{USERS}/{admin.id}", json={"is_active": False})
        demote = await c.patch(f"{USERS}/{admin.id}", json={"role": "annotator"})
        rename = await c.patch(f"{USERS}/{admin.id}", json={"display_name": "Still Admin"})

    assert _error(deactivate) == (409, "Conflict")
    assert _error(demote) == (409, "Conflict")
    assert rename.status_code == 200


async def test_non_admins_cannot_patch_people(app: FastAPI, db: AsyncSession) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    qa_lead = await make_user(db, vendor, Role.QA_LEAD)
    annotator = await make_user(db, vendor)
    await db.commit()
    async with login(app, qa_lead) as c:
        response = await c.patch(f"{USERS}/{annotator.id}", json={"display_name": "X"})

    assert _error(response) == (403, "PermissionDenied")


async def test_reset_password_replaces_the_old_one_and_ends_sessions(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    admin, annotator = await _admin_and_annotator(db)
    async with login(app, annotator) as annotator_client, login(app, admin) as admin_client:
        response = await admin_client.post(f"{USERS}/{annotator.id}/reset-password")
        stale = await annotator_client.get("/api/v1/auth/me")

    assert response.status_code == 200, response.text
    new_password = response.json()["password"]
    assert _error(stale) == (401, "NotAuthenticated")
    assert not await _can_log_in(client, annotator.email, PASSWORD)
    assert await _can_log_in(client, annotator.email, new_password)
    assert len(await _audit(db, "user.reset_password")) == 1


async def test_changing_own_password_needs_the_current_one(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    annotator = await make_user(db, await make_enterprise(db, EnterpriseKind.VENDOR))
    await db.commit()
    async with login(app, annotator) as c:
        wrong = await c.post(
            f"{USERS}/me/password",
            json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        )
        right = await c.post(
            f"{USERS}/me/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )

    assert _error(wrong) == (401, "NotAuthenticated")
    assert wrong.json()["detail"].startswith("current_password:")
    assert right.status_code == 204, right.text
    assert not await _can_log_in(client, annotator.email, PASSWORD)
    assert await _can_log_in(client, annotator.email, NEW_PASSWORD)


async def _visible_ids(app: FastAPI, user: User) -> set[str]:
    async with login(app, user) as c:
        response = await c.get(USERS, params={"limit": 500})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == len(response.json()["items"])
    return {u["id"] for u in response.json()["items"]}


async def test_who_sees_whom_in_the_user_list(app: FastAPI, db: AsyncSession) -> None:
    vendor, admin = await _vendor_admin(db)
    qa_lead = await make_user(db, vendor, Role.QA_LEAD)
    annotator = await make_user(db, vendor)
    client_member = await make_user(db, await make_enterprise(db))
    park_admin = await make_user(db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR))
    await db.commit()
    vendor_staff = {str(u.id) for u in (admin, qa_lead, annotator)}
    everyone = vendor_staff | {str(client_member.id), str(park_admin.id)}

    assert await _visible_ids(app, annotator) == {str(annotator.id)}
    assert await _visible_ids(app, qa_lead) == vendor_staff
    assert await _visible_ids(app, admin) == vendor_staff
    assert await _visible_ids(app, client_member) == {str(client_member.id)}
    assert await _visible_ids(app, park_admin) == everyone


async def test_people_of_other_enterprises_are_not_found(app: FastAPI, db: AsyncSession) -> None:
    _, admin = await _vendor_admin(db)
    outsider = await make_user(db, await make_enterprise(db, EnterpriseKind.VENDOR))
    await db.commit()
    async with login(app, admin) as c:
        get = await c.get(f"{USERS}/{outsider.id}")
        patch = await c.patch(f"{USERS}/{outsider.id}", json={"is_active": False})
        reset = await c.post(f"{USERS}/{outsider.id}/reset-password")

    for response in (get, patch, reset):
        assert _error(response) == (404, "NotFound")


async def test_database_refuses_a_role_that_does_not_fit_the_enterprise(
    db: AsyncSession,
) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    with pytest.raises(IntegrityError, match="role_fits_enterprise_kind"):
        await make_user(db, client, Role.ANNOTATOR)
    await db.rollback()


async def test_database_refuses_a_team_of_another_enterprise(db: AsyncSession) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    other_team = await make_team(db, await make_enterprise(db, EnterpriseKind.VENDOR))
    with pytest.raises(IntegrityError, match="fk_users_team_id_enterprise_id_teams"):
        await make_user(db, vendor, Role.ANNOTATOR, team_id=other_team.id)
    await db.rollback()


async def _operator_admin_and_park_admin(db: AsyncSession) -> tuple[User, User]:
    park = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR)
    operator_admin = await make_user(db, park, Role.ENTERPRISE_ADMIN)
    park_admin = await make_user(db, park, Role.PARK_ADMIN)
    await db.commit()
    return operator_admin, park_admin


async def test_operator_admin_cannot_take_over_the_park_admin(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    operator_admin, park_admin = await _operator_admin_and_park_admin(db)
    async with login(app, operator_admin) as c:
        response = await c.post(f"{USERS}/{park_admin.id}/reset-password")

    assert _error(response) == (403, "PermissionDenied")
    assert await _can_log_in(client, park_admin.email, PASSWORD)


@pytest.mark.parametrize("change", [{"role": "enterprise_admin"}, {"is_active": False}])
async def test_operator_admin_cannot_demote_or_deactivate_the_park_admin(
    app: FastAPI, db: AsyncSession, change: dict[str, Any]
) -> None:
    operator_admin, park_admin = await _operator_admin_and_park_admin(db)
    async with login(app, operator_admin) as c:
        response = await c.patch(f"{USERS}/{park_admin.id}", json=change)

    assert _error(response) == (403, "PermissionDenied")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_display_name_must_not_be_blank(app: FastAPI, db: AsyncSession, method: str) -> None:
    admin, annotator = await _admin_and_annotator(db)
    async with login(app, admin) as c:
        if method == "POST":
            response = await c.post(USERS, json=_new_user(display_name="   "))
        else:
            response = await c.patch(f"{USERS}/{annotator.id}", json={"display_name": "   "})

    assert _error(response) == (422, "ValidationError")
