"""API tokens: created by an enterprise admin, shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiToken, AuditEvent, Enterprise, EnterpriseKind, Role, User
from tests.factories import login, make_enterprise, make_user, with_token

TOKENS = "/api/v1/tokens"


async def _admin(db: AsyncSession, kind: EnterpriseKind = EnterpriseKind.CLIENT) -> User:
    enterprise = await make_enterprise(db, kind)
    return await make_user(db, enterprise, Role.ENTERPRISE_ADMIN)


async def _create(client: AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(TOKENS, json={"name": "pipeline", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _issue(app: FastAPI, admin: User, **body: Any) -> dict[str, Any]:
    async with login(app, admin) as c:
        return await _create(c, **body)


async def _whoami(app: FastAPI, secret: str) -> Response:
    async with with_token(app, secret) as program:
        return await program.get("/api/v1/auth/me")


def _error(response: Response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")


async def test_created_token_secret_is_shown_once_and_stored_only_as_a_hash(
    app: FastAPI, db: AsyncSession
) -> None:
    admin = await _admin(db)
    await db.commit()
    async with login(app, admin) as c:
        created = await _create(c)
        listed = await c.get(TOKENS)
    secret = created["token"]
    assert secret.startswith("brg_")
    assert created["prefix"] == secret[:10]
    assert created["role"] == "client_member"  # a client's default
    assert created["created_by"] == str(admin.id)
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["items"]] == [created["id"]]
    assert secret not in listed.text
    assert "token" not in listed.json()["items"][0]
    row = (
        (await db.execute(select(ApiToken.__table__).where(ApiToken.id == created["id"])))
        .mappings()
        .one()
    )
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not [column for column, value in row.items() if secret in str(value)]


async def test_token_authenticates_as_its_role_and_records_last_use(
    app: FastAPI, db: AsyncSession
) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    admin = await make_user(db, vendor, Role.ENTERPRISE_ADMIN)
    await db.commit()
    created = await _issue(app, admin, role="qa_lead")
    assert created["last_used_at"] is None

    me = await _whoami(app, created["token"])

    assert me.status_code == 200, me.text
    assert me.json() == {
        "token_id": created["id"],
        "role": "qa_lead",
        "enterprise": {
            "id": str(vendor.id),
            "name": vendor.name,
            "kind": "vendor",
        },
    }
    last_used = await db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == created["id"]))
    assert last_used is not None
    assert datetime.now(UTC) - last_used < timedelta(minutes=1)


async def test_revoked_token_is_refused_and_cannot_be_revoked_twice(
    app: FastAPI, db: AsyncSession
) -> None:
    admin = await _admin(db)
    await db.commit()
    async with login(app, admin) as c:
        created = await _create(c)
        assert (await _whoami(app, created["token"])).status_code == 200
        first = await c.delete(f"{TOKENS}/{created['id']}")
        again = await c.delete(f"{TOKENS}/{created['id']}")
        listed = (await c.get(TOKENS)).json()["items"]
    assert first.status_code == 204
    assert _error(await _whoami(app, created["token"])) == (401, "NotAuthenticated")
    assert _error(again) == (409, "Conflict")
    assert listed[0]["revoked_at"] is not None


async def test_expired_token_is_refused(app: FastAPI, db: AsyncSession) -> None:
    admin = await _admin(db)
    await db.commit()
    created = await _issue(app, admin, expires_in_days=1)
    assert (await _whoami(app, created["token"])).status_code == 200
    await db.execute(
        update(ApiToken)
        .where(ApiToken.id == created["id"])
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await db.commit()

    response = await _whoami(app, created["token"])

    assert _error(response) == (401, "NotAuthenticated")
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token brg_abc", "Bearer brg_not-a-real-token"],
)
async def test_malformed_or_unknown_authorization_is_refused(
    client: AsyncClient, header: str
) -> None:
    response = await client.get("/api/v1/auth/me", headers={"Authorization": header})

    assert _error(response) == (401, "NotAuthenticated")


async def test_only_enterprise_admins_create_tokens(app: FastAPI, db: AsyncSession) -> None:
    member = await make_user(db, await make_enterprise(db), Role.CLIENT_MEMBER)
    await db.commit()
    async with login(app, member) as c:
        response = await c.post(TOKENS, json={"name": "mine"})

    assert _error(response) == (403, "PermissionDenied")
    assert await db.scalar(select(ApiToken.id)) is None


async def test_an_api_token_cannot_create_or_revoke_tokens(app: FastAPI, db: AsyncSession) -> None:
    admin = await _admin(db, EnterpriseKind.VENDOR)
    await db.commit()
    created = await _issue(app, admin, role="enterprise_admin")
    async with with_token(app, created["token"]) as program:
        create = await program.post(TOKENS, json={"name": "child"})
        revoke = await program.delete(f"{TOKENS}/{created['id']}")
        listed = await program.get(TOKENS)

    assert _error(create) == (403, "PermissionDenied")
    assert _error(revoke) == (403, "PermissionDenied")
    assert "people" in create.json()["detail"]
    # Reading the enterprise's tokens is fine for an admin token.
    assert [t["id"] for t in listed.json()["items"]] == [created["id"]]


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (EnterpriseKind.CLIENT, "annotator"),
        (EnterpriseKind.CLIENT, "qa_lead"),
        (EnterpriseKind.VENDOR, "client_member"),
        (EnterpriseKind.CLIENT, "park_admin"),
        (EnterpriseKind.PARK_OPERATOR, "park_admin"),
    ],
)
async def test_token_role_must_fit_the_enterprise_and_is_never_park_admin(
    app: FastAPI, db: AsyncSession, kind: EnterpriseKind, role: str
) -> None:
    enterprise = await make_enterprise(db, kind)
    admin_role = Role.PARK_ADMIN if kind is EnterpriseKind.PARK_OPERATOR else Role.ENTERPRISE_ADMIN
    admin = await make_user(db, enterprise, admin_role)
    await db.commit()
    async with login(app, admin) as c:
        response = await c.post(TOKENS, json={"name": "x", "role": role})

    assert _error(response) == (422, "ValidationError")
    assert response.json()["detail"].startswith("role:")
    assert await db.scalar(select(ApiToken.id)) is None


async def test_database_refuses_a_park_admin_token(db: AsyncSession) -> None:
    park = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR)
    db.add(
        ApiToken(
            enterprise_id=park.id,
            name="root",
            role=Role.PARK_ADMIN,
            prefix="brg_x",
            secret_hash="0" * 64,
        )
    )
    with pytest.raises(IntegrityError, match="no_park_admin_tokens"):
        await db.flush()
    await db.rollback()


async def test_tokens_are_invisible_to_other_enterprises(app: FastAPI, db: AsyncSession) -> None:
    owner = await _admin(db)
    stranger = await _admin(db)
    annotator = await make_user(db, await make_enterprise(db, EnterpriseKind.VENDOR))
    park_admin = await make_user(db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR))
    await db.commit()
    created = await _issue(app, owner)

    async with login(app, stranger) as c:
        listed = await c.get(TOKENS)
        revoke = await c.delete(f"{TOKENS}/{created['id']}")
        unknown = await c.delete(f"{TOKENS}/{uuid.uuid4()}")
    async with login(app, annotator) as c:
        annotator_list = await c.get(TOKENS)
    async with login(app, park_admin) as c:
        park_list = await c.get(TOKENS)

    assert listed.json()["items"] == []
    assert _error(revoke) == (404, "NotFound")
    assert _error(unknown) == (404, "NotFound")
    assert annotator_list.json()["items"] == []
    assert [t["id"] for t in park_list.json()["items"]] == [created["id"]]
    assert (await _whoami(app, created["token"])).status_code == 200


async def test_tokens_of_a_deactivated_enterprise_are_refused(
    app: FastAPI, db: AsyncSession
) -> None:
    admin = await _admin(db)
    await db.commit()
    created = await _issue(app, admin)
    await db.execute(
        update(Enterprise).where(Enterprise.id == admin.enterprise_id).values(is_active=False)
    )
    await db.commit()

    assert _error(await _whoami(app, created["token"])) == (401, "NotAuthenticated")


async def test_create_and_revoke_are_audited(app: FastAPI, db: AsyncSession) -> None:
    admin = await _admin(db)
    await db.commit()
    async with login(app, admin) as c:
        created = await _create(c, name="etl", expires_in_days=30)
        assert (await c.delete(f"{TOKENS}/{created['id']}")).status_code == 204

    events = (await db.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    assert [e.action for e in events] == ["token.create", "token.revoke"]
    for event in events:
        assert event.target_type == "api_token"
        assert event.target_id == created["id"]
        assert event.actor_user_id == admin.id
        assert event.enterprise_id == admin.enterprise_id
    assert events[0].changes["name"] == "etl"
    assert events[0].changes["role"] == "client_member"
    assert events[0].changes["expires_at"] is not None
    assert created["token"] not in str(events[0].changes)


async def test_token_name_must_not_be_blank(app: FastAPI, db: AsyncSession) -> None:
    admin = await _admin(db)
    await db.commit()
    async with login(app, admin) as c:
        response = await c.post(TOKENS, json={"name": "   "})

    assert _error(response) == (422, "ValidationError")
