"""Managing webhooks: a client's enterprise admins (people and tokens) register and delete
them, the secret is shown once and kept sealed, URLs are checked, other tenants see nothing."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.crypto import unseal
from app.models import AuditEvent, EnterpriseKind, Role, Webhook, WebhookDelivery
from app.webhooks.delivery import SECRET_PURPOSE
from tests.factories import as_user, make_enterprise, with_token
from tests.webhooks.conftest import WEBHOOKS, register

HOOK = "https://ml.example.com/brigade/webhook"


async def test_an_admin_token_registers_a_webhook_whose_secret_is_shown_once_and_sealed(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    admin = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    r = await admin.post("/api/v1/tokens", json={"name": "ml", "role": "enterprise_admin"})
    assert r.status_code == 201, r.text
    async with with_token(app, r.json()["token"]) as program:
        created = await register(program, f"  {HOOK}  ", "job.completed", "export.ready")
        listed = (await program.get(WEBHOOKS)).json()
        again = await program.post(WEBHOOKS, json={"url": HOOK, "events": ["export.ready"]})
    await admin.aclose()

    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["url"] == HOOK
    assert created["events"] == ["export.ready", "job.completed"]
    assert created["enterprise_id"] == str(client.id)
    assert created["created_by"] is None  # a program made it
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == created["id"]
    assert "secret" not in listed["items"][0]
    assert again.status_code == 409
    assert again.json()["error"] == "Conflict"
    row = (await db.execute(select(Webhook.__table__))).mappings().one()
    assert not [column for column, value in row.items() if secret in str(value)]
    assert unseal(app.state.server_secret, SECRET_PURPOSE, row["secret_sealed"]) == secret
    audit = await db.scalar(select(AuditEvent).where(AuditEvent.action == "webhook.create"))
    assert audit is not None
    assert audit.target_id == created["id"]
    assert audit.enterprise_id == client.id
    assert secret not in str(audit.changes)


async def test_urls_and_events_are_checked_at_the_edge(app: FastAPI, db: AsyncSession) -> None:
    admin = await as_user(app, db, await make_enterprise(db), Role.ENTERPRISE_ADMIN)
    bad: list[tuple[dict[str, Any], str, str]] = [
        ({"url": "ftp://ml.example.com/x"}, "url", "https://"),
        ({"url": "https://user:pw@ml.example.com/x"}, "url", "credentials"),
        ({"url": "https://ml.example.com/x#frag"}, "url", "fragment"),
        ({"url": "https:///no-host"}, "url", "host"),
        ({"url": "https://ml.example.com:99999/"}, "url", "valid URL"),
        ({"url": "https://ml.example.com/a b"}, "url", "spaces"),
        ({"url": "https://ml.example.com/" + "a" * 2100}, "url", "2048"),
        ({"url": "   "}, "url", "at least 1"),
        ({"events": []}, "events", "at least 1"),
        ({"events": ["ping"]}, "events[0]", "export.ready"),
        ({"events": ["job.started"]}, "events[0]", "job.completed"),
    ]
    for change, field, says in bad:
        body = {"url": HOOK, "events": ["export.ready"], **change}
        r = await admin.post(WEBHOOKS, json=body)
        assert r.status_code == 422, (change, r.text)
        error = r.json()
        assert error["error"] == "ValidationError"
        assert [f["field"] for f in error["fields"]] == [field], (change, error)
        assert says in error["fields"][0]["message"], (change, error)
    # Where a host points is checked by the worker at each delivery (DNS changes), not here.
    private = {"url": "http://10.0.0.7:8080/x", "events": ["export.ready"]}
    assert (await admin.post(WEBHOOKS, json=private)).status_code == 201
    assert (await admin.get(WEBHOOKS)).json()["total"] == 1
    await admin.aclose()


async def test_only_the_owning_clients_admins_manage_them_and_the_park_reads_them(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    owner = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    hook = await register(owner, HOOK)
    ping = (await owner.post(f"{WEBHOOKS}/{hook['id']}/test")).json()
    other = await as_user(app, db, await make_enterprise(db), Role.ENTERPRISE_ADMIN)
    member = await as_user(app, db, client, Role.CLIENT_MEMBER)
    vendor = await as_user(
        app, db, await make_enterprise(db, EnterpriseKind.VENDOR), Role.ENTERPRISE_ADMIN
    )
    park = await as_user(app, db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR))
    body = {"url": "https://elsewhere.example.com/hook", "events": ["export.ready"]}
    hook_url = f"{WEBHOOKS}/{hook['id']}"
    redeliver = f"{WEBHOOKS}/deliveries/{ping['id']}/redeliver"

    for outsider in (other, member, vendor):
        assert (await outsider.get(WEBHOOKS)).json()["total"] == 0
        assert (await outsider.get(f"{hook_url}/deliveries")).status_code == 404
        assert (await outsider.post(f"{hook_url}/test")).status_code == 404
        assert (await outsider.post(redeliver)).status_code == 404
        assert (await outsider.delete(hook_url)).status_code == 404
    for refused in (member, vendor, park):
        r = await refused.post(WEBHOOKS, json=body)
        assert r.status_code == 403, r.text
        assert r.json()["error"] == "PermissionDenied"
    assert (await other.post(WEBHOOKS, json=body)).status_code == 201  # its own: fine
    seen = (await park.get(WEBHOOKS)).json()
    assert seen["total"] == 2
    log = await park.get(f"{hook_url}/deliveries")
    assert [d["id"] for d in log.json()["items"]] == [ping["id"]]
    for change in (park.post(f"{hook_url}/test"), park.post(redeliver), park.delete(hook_url)):
        assert (await change).status_code == 403
    assert (await owner.get(WEBHOOKS)).json()["total"] == 1
    for http in (owner, other, member, vendor, park):
        await http.aclose()


async def test_deleting_a_webhook_takes_its_delivery_log_and_is_audited(
    app: FastAPI, db: AsyncSession
) -> None:
    admin = await as_user(app, db, await make_enterprise(db), Role.ENTERPRISE_ADMIN)
    hook = await register(admin, HOOK)
    for _ in range(3):
        assert (await admin.post(f"{WEBHOOKS}/{hook['id']}/test")).status_code == 202
    log = (await admin.get(f"{WEBHOOKS}/{hook['id']}/deliveries", params={"limit": 2})).json()
    assert (log["total"], len(log["items"]), log["limit"]) == (3, 2, 2)

    assert (await admin.delete(f"{WEBHOOKS}/{hook['id']}")).status_code == 204
    assert (await admin.delete(f"{WEBHOOKS}/{hook['id']}")).status_code == 404
    assert (await admin.get(f"{WEBHOOKS}/{hook['id']}/deliveries")).status_code == 404
    missing = await admin.post(f"{WEBHOOKS}/deliveries/{uuid.uuid4()}/redeliver")
    assert missing.status_code == 404
    await admin.aclose()
    assert await db.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    audit = await db.scalar(select(AuditEvent).where(AuditEvent.action == "webhook.delete"))
    assert audit is not None
    assert audit.target_id == hook["id"]
    assert audit.changes["url"] == HOOK


async def test_a_webhook_is_paused_resumed_and_resubscribed_by_its_owners_only(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    owner = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    park = await as_user(app, db, await make_enterprise(db, EnterpriseKind.PARK_OPERATOR))
    other = await as_user(app, db, await make_enterprise(db), Role.ENTERPRISE_ADMIN)
    hook = await register(owner, HOOK, "export.ready")
    url = f"{WEBHOOKS}/{hook['id']}"

    paused = await owner.patch(url, json={"is_active": False})
    assert paused.status_code == 200, paused.text
    assert paused.json()["is_active"] is False
    refused = await owner.post(f"{url}/test")
    assert refused.status_code == 409
    assert "paused" in refused.json()["detail"]
    resubscribed = await owner.patch(
        url, json={"is_active": True, "events": ["job.completed", "export.ready", "job.completed"]}
    )
    assert resubscribed.json()["is_active"] is True
    assert resubscribed.json()["events"] == ["export.ready", "job.completed"]
    assert (await owner.post(f"{url}/test")).status_code == 202
    assert (await other.patch(url, json={"is_active": False})).status_code == 404
    assert (await park.patch(url, json={"is_active": False})).status_code == 403

    bad: list[tuple[dict[str, Any], str]] = [
        ({}, "give is_active, events or both"),
        ({"events": []}, "events"),
        ({"events": None}, "events"),
        ({"is_active": None}, "is_active"),
        ({"url": "https://elsewhere.example.com/x"}, "url"),
        ({"events": ["nothing.happened"]}, "events"),
    ]
    for body, said in bad:
        r = await owner.patch(url, json=body)
        assert r.status_code == 422, (body, r.text)
        assert said in r.text, (body, r.text)
    for http in (owner, park, other):
        await http.aclose()

    audits = (
        await db.scalars(select(AuditEvent).where(AuditEvent.action == "webhook.update"))
    ).all()
    assert [a.changes.get("is_active") for a in audits] == [
        {"from": True, "to": False},
        {"from": False, "to": True},
    ]
    assert audits[1].changes["events"] == {
        "from": ["export.ready"],
        "to": ["export.ready", "job.completed"],
    }
