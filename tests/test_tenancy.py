"""Tenancy isolation matrix: nobody reads or changes another enterprise's data, on any endpoint.

The world: a park, clients A and B, vendors V1 (admitted to A's job) and V2 (admitted to B's).
Each probe sends one request as one actor at another tenant's resource and states the answer.
``test_every_endpoint_is_probed`` fails when an endpoint exists that no probe covers, so a new
endpoint cannot ship without its isolation cases.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.security import hash_secret
from app.models import (
    ApiToken,
    Assignment,
    AuditEvent,
    DataKind,
    Dataset,
    EnterpriseKind,
    Export,
    ExportLabels,
    Item,
    JobStatus,
    Role,
    Webhook,
    WebhookDelivery,
)
from tests.factories import (
    browser_client,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_team,
    make_user,
)

# Endpoints deliberately outside tenant scoping, with the reason.
UNSCOPED = {
    ("POST", "/api/v1/auth/login"): "public: the login itself",
    ("POST", "/api/v1/auth/logout"): "acts on the caller's own session only",
    ("GET", "/api/v1/auth/me"): "the caller's own identity",
    ("PATCH", "/api/v1/auth/me"): "the caller's own profile",
    ("POST", "/api/v1/users/me/password"): "the caller's own password",
    ("GET", "/api/v1/enterprises/directory"): "the park's public register: id, name, kind only",
    ("POST", "/api/v1/enterprises"): "park admin only (role test below)",
    ("POST", "/api/v1/tokens"): "creates in the caller's own enterprise only",
    ("GET", "/api/v1/storage/objects/{key}"): "signed URL is the credential (tests/storage)",
    ("POST", "/api/v1/uploads"): "mints an upload URL under the caller's own enterprise prefix",
    ("GET", "/api/v1/exports/formats"): "the list of export formats: no tenant data",
    ("PUT", "/api/v1/storage/objects/{key}"): "signed URL is the credential (tests/storage)",
    ("POST", "/api/v1/labeling/next"): "serves jobs admitting the caller's vendor (tests/labeling)",
    ("GET", "/api/v1/labeling/standing"): "the caller's own standing only (tests/quality)",
}


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # template with {names} filled from the world
    actor: str
    expect: int
    body: dict[str, Any] | None = None
    files: bool = False  # send ``body`` as a multipart form with a small file


_HOOK = {"url": "https://hooks.example.com/brigade", "events": ["export.ready"]}

_SUBMIT = {
    "submission_id": "00000000-0000-4000-8000-000000000001",
    "labels": [{"item_id": 1, "answer": {"label": "a"}}],
    "active_ms": 1,
}

PROBES = [
    # Labeling: an assignment belongs to its annotator alone.
    *(
        Probe(m, f"/api/v1/labeling/assignments/{{assignment_a}}/{op}", actor, 404, body)
        for actor in ("v1_annot2", "v2_annot")
        for m, op, body in (
            ("POST", "submit", _SUBMIT),
            ("POST", "skip", {"reason": "other"}),
            ("POST", "heartbeat", None),
            ("PUT", "draft", {"answers": {}}),
        )
    ),
    Probe("POST", "/api/v1/labeling/assignments/{assignment_a}/heartbeat", "v1_annot", 200),
    Probe("POST", "/api/v1/jobs/{job_a}/status", "b_member", 404, {"status": "paused"}),
    Probe("POST", "/api/v1/jobs/{job_a}/status", "v1_admin", 403, {"status": "paused"}),
    Probe("POST", "/api/v1/jobs/{job_a}/status", "park", 403, {"status": "paused"}),
    Probe("POST", "/api/v1/jobs/{job_a}/status", "a_member", 200, {"status": "running"}),
    *(Probe("GET", "/api/v1/jobs/{job_a}/progress", a, 404) for a in ("b_admin", "v2_annot")),
    Probe("GET", "/api/v1/jobs/{job_a}/progress", "v1_annot", 200),
    *(Probe("GET", "/api/v1/jobs/{job_a}/annotators", a, 404) for a in ("b_admin", "v2_admin")),
    Probe("GET", "/api/v1/jobs/{job_a}/annotators", "v1_qa", 200),
    # Quality control: the job's side and its vendors' staff; never annotators or strangers.
    *(
        Probe(m, f"/api/v1/jobs/{{job_a}}/{path}", actor, code, body)
        for m, path, body in (
            ("GET", "quality", None),
            ("POST", "quality/refit", None),
            ("GET", "review", None),
            ("GET", "items/{item_a}/review", None),
            ("POST", "items/{item_a}/review", {"action": "accept"}),
            ("PUT", "annotators/{v1_annot_id}/pause", {"paused": False}),
        )
        for actor, code in (("b_admin", 404), ("v2_admin", 404), ("b_token", 404))
    ),
    *(
        Probe(m, f"/api/v1/jobs/{{job_a}}/{path}", "v1_annot", 403, body)
        for m, path, body in (
            ("GET", "quality", None),
            ("GET", "review", None),
            ("GET", "items/{item_a}/review", None),
            ("POST", "items/{item_a}/review", {"action": "accept"}),
            ("PUT", "annotators/{v1_annot_id}/pause", {"paused": False}),
        )
    ),
    Probe("GET", "/api/v1/jobs/{job_a}/quality", "v1_qa", 200),
    # Roll-ups: every caller gets a report of its own scope (tests/stats checks the contents).
    *(Probe("GET", "/api/v1/stats/work", a, 200) for a in ("v2_annot", "b_token", "park")),
    Probe("GET", "/api/v1/stats/statements/{month}", "v1_annot", 403),
    Probe("GET", "/api/v1/stats/statements/{month}?enterprise_id={vendor_1}", "b_admin", 404),
    Probe("GET", "/api/v1/stats/statements/{month}?enterprise_id={vendor_1}", "v2_admin", 404),
    Probe("GET", "/api/v1/stats/statements/{month}?enterprise_id={vendor_1}", "park", 200),
    Probe("GET", "/api/v1/stats/statements/{month}", "v1_admin", 200),
    *(Probe("GET", "/api/v1/stats/park", a, 403) for a in ("a_admin", "v1_admin", "b_token")),
    Probe("GET", "/api/v1/stats/park", "park", 200),
    *(
        Probe(m, p, a, 403, body)
        for a in ("a_admin", "v1_admin")
        for m, p, body in (
            ("GET", "/api/v1/stats/award-rules", None),
            ("PUT", "/api/v1/stats/award-rules", {"rules": []}),
            ("GET", "/api/v1/stats/milestones/{year}", None),
        )
    ),
    Probe("GET", "/api/v1/stats/milestones/{year}", "park", 200),
    Probe("GET", "/api/v1/jobs/{job_a}/review", "a_member", 200),
    Probe("GET", "/api/v1/jobs/{job_a}/items/{item_a}/review", "park", 200),
    Probe("POST", "/api/v1/jobs/{job_a}/quality/refit", "v1_qa", 202),
    # No consensus yet: nothing to accept (but the item is visible and reviewable).
    Probe("POST", "/api/v1/jobs/{job_a}/items/{item_a}/review", "v1_qa", 409, {"action": "accept"}),
    Probe(
        "PUT",
        "/api/v1/jobs/{job_a}/annotators/{v1_annot_id}/pause",
        "v1_qa",
        204,
        {"paused": False},
    ),
    Probe(
        "PUT",
        "/api/v1/jobs/{job_a}/annotators/{v1_annot_id}/pause",
        "a_member",
        403,
        {"paused": False},
    ),
    # Jobs: A's job is invisible to B's people and to the vendor not admitted to it.
    *(Probe("GET", "/api/v1/jobs/{job_a}", a, 404) for a in ("b_admin", "b_member", "v2_annot")),
    Probe("GET", "/api/v1/jobs/{job_a}", "b_token", 404),
    Probe("GET", "/api/v1/jobs/{job_a}", "v1_annot", 200),
    Probe("GET", "/api/v1/jobs/{job_a}", "park", 200),
    Probe("PATCH", "/api/v1/jobs/{job_a}", "b_member", 404, {"priority": 5}),
    Probe("PATCH", "/api/v1/jobs/{job_a}", "b_token", 404, {"priority": 5}),
    Probe("PATCH", "/api/v1/jobs/{job_a}", "v2_admin", 404, {"priority": 5}),
    Probe("PATCH", "/api/v1/jobs/{job_a}", "v1_admin", 403, {"priority": 5}),
    Probe("PATCH", "/api/v1/jobs/{job_a}", "park", 403, {"priority": 5}),
    Probe("PATCH", "/api/v1/jobs/{job_a}", "a_member", 200, {"priority": 5}),
    Probe(
        "POST",
        "/api/v1/jobs",
        "v1_admin",
        403,
        {
            "name": "j",
            "domain": "other",
            "price_per_item": "1",
            "label_schema": {"kind": "text_classification", "labels": [{"name": "a"}]},
        },
    ),
    # Datasets and items of A: only A's people see or change them; vendors never list them.
    Probe("POST", "/api/v1/jobs/{job_a}/datasets", "b_member", 404, {"format": "jsonl"}, True),
    Probe("POST", "/api/v1/jobs/{job_a}/datasets", "v1_admin", 403, {"format": "jsonl"}, True),
    Probe(
        "POST",
        "/api/v1/jobs/{job_a}/datasets/from-upload",
        "b_token",
        404,
        {"format": "jsonl", "upload_key": "uploads/{client_a}/x"},
    ),
    Probe(
        "POST",
        "/api/v1/jobs/{job_a}/datasets/from-upload",
        "a_member",
        403,
        {"format": "jsonl", "upload_key": "uploads/{client_b}/x"},
    ),
    Probe(
        "POST",
        "/api/v1/jobs/{job_a}/datasets/from-s3",
        "b_member",
        404,
        {
            "format": "jsonl",
            "source": {
                "endpoint": "s3.example.com",
                "bucket": "abc",
                "prefix": "x.jsonl",
                "access_key": "k",
                "secret_key": "s",
            },
        },
    ),
    Probe("GET", "/api/v1/datasets/{dataset_a}", "b_admin", 404),
    Probe("GET", "/api/v1/datasets/{dataset_a}", "v1_admin", 404),
    Probe("GET", "/api/v1/datasets/{dataset_a}", "a_member", 200),
    Probe("GET", "/api/v1/datasets/{dataset_a}/rejections", "b_member", 404),
    Probe("GET", "/api/v1/datasets/{dataset_a}/items", "v1_annot", 404),
    Probe("GET", "/api/v1/datasets/{dataset_a}/items", "b_token", 404),
    Probe(
        "PATCH", "/api/v1/datasets/{dataset_a}/items/{item_a}", "b_member", 404, {"excluded": True}
    ),
    Probe(
        "PATCH", "/api/v1/datasets/{dataset_a}/items/{item_a}", "v1_admin", 404, {"excluded": True}
    ),
    Probe(
        "PATCH", "/api/v1/datasets/{dataset_a}/items/{item_a}", "a_member", 200, {"excluded": False}
    ),
    # Exports: the job's client (people and tokens) and the park; vendors never.
    Probe("POST", "/api/v1/jobs/{job_a}/exports", "b_member", 404, {"format": "jsonl"}),
    Probe("POST", "/api/v1/jobs/{job_a}/exports", "v1_admin", 403, {"format": "jsonl"}),
    Probe("POST", "/api/v1/jobs/{job_a}/exports", "a_token", 202, {"format": "jsonl"}),
    Probe("GET", "/api/v1/jobs/{job_a}/exports", "b_admin", 404),
    Probe("GET", "/api/v1/jobs/{job_a}/exports", "v1_qa", 403),
    Probe("GET", "/api/v1/exports/{export_a}", "b_member", 404),
    Probe("GET", "/api/v1/exports/{export_a}", "v1_admin", 403),
    Probe("GET", "/api/v1/exports/{export_a}", "park", 200),
    Probe("GET", "/api/v1/exports/{export_a}", "a_member", 200),
    Probe("GET", "/api/v1/exports/{export_a}/download", "b_token", 404),
    Probe("GET", "/api/v1/exports/{export_a}/download", "a_member", 409),  # not written yet
    # Label Studio imports: into the client's own jobs only (A's member gets as far as reading
    # the file, which is not a task list).
    Probe("POST", "/api/v1/jobs/{job_a}/imports/label-studio", "b_member", 404, {}, files=True),
    Probe("POST", "/api/v1/jobs/{job_a}/imports/label-studio", "v1_admin", 403, {}, files=True),
    Probe("POST", "/api/v1/jobs/{job_a}/imports/label-studio", "a_member", 422, {}, files=True),
    # Users of A: not visible to B, not changeable, no password reset.
    Probe("GET", "/api/v1/users/{a_member_id}", "b_admin", 404),
    Probe("GET", "/api/v1/users/{a_member_id}", "v1_admin", 404),
    Probe("GET", "/api/v1/users/{v1_annot_id}", "v1_annot2", 404),
    Probe("GET", "/api/v1/users/{v1_annot_id}", "v1_qa", 200),
    Probe("PATCH", "/api/v1/users/{a_member_id}", "b_admin", 404, {"display_name": "x"}),
    Probe("PATCH", "/api/v1/users/{a_member_id}", "b_token", 404, {"display_name": "x"}),
    Probe("PATCH", "/api/v1/users/{v1_annot_id}", "v1_qa", 403, {"display_name": "x"}),
    Probe("POST", "/api/v1/users/{a_member_id}/reset-password", "b_admin", 404),
    Probe("POST", "/api/v1/users/{v1_annot_id}/reset-password", "v1_qa", 403),
    Probe(
        "POST",
        "/api/v1/users",
        "b_admin",
        403,
        {
            "email": "x@a.example.com",
            "display_name": "x",
            "role": "client_member",
            "enterprise_id": "{client_a}",
        },
    ),
    # Enterprises and teams.
    Probe("GET", "/api/v1/enterprises/{client_a}", "b_admin", 404),
    Probe("GET", "/api/v1/enterprises/{vendor_1}", "v2_admin", 404),
    Probe("PATCH", "/api/v1/enterprises/{client_a}", "b_admin", 404, {"name": "Mine now"}),
    Probe("PATCH", "/api/v1/enterprises/{client_a}", "a_member", 403, {"name": "Mine now"}),
    Probe("POST", "/api/v1/enterprises/{vendor_1}/teams", "v2_admin", 404, {"name": "t"}),
    Probe("GET", "/api/v1/enterprises/{vendor_1}/teams", "v2_admin", 404),
    Probe("GET", "/api/v1/enterprises/{vendor_1}/teams", "v1_annot", 200),
    # Tokens.
    Probe("DELETE", "/api/v1/tokens/{a_token_id}", "b_admin", 404),
    Probe("DELETE", "/api/v1/tokens/{a_token_id}", "a_member", 404),
    # Webhooks: a client's enterprise admins (people and tokens) manage theirs; the park reads.
    *(Probe("POST", "/api/v1/webhooks", a, 403, _HOOK) for a in ("a_member", "v1_admin", "park")),
    Probe("POST", "/api/v1/webhooks", "a_token", 201, _HOOK),
    *(
        Probe("GET", "/api/v1/webhooks/{webhook_a}/deliveries", a, 404)
        for a in ("b_admin", "a_member", "v1_admin")
    ),
    Probe("GET", "/api/v1/webhooks/{webhook_a}/deliveries", "park", 200),
    *(Probe("DELETE", "/api/v1/webhooks/{webhook_a}", a, 404) for a in ("b_admin", "b_token")),
    Probe("DELETE", "/api/v1/webhooks/{webhook_a}", "park", 403),
    *(
        Probe("PATCH", "/api/v1/webhooks/{webhook_a}", a, 404, {"is_active": False})
        for a in ("b_admin", "b_token")
    ),
    Probe("PATCH", "/api/v1/webhooks/{webhook_a}", "park", 403, {"is_active": False}),
    Probe("POST", "/api/v1/webhooks/{webhook_a}/test", "b_admin", 404),
    Probe("POST", "/api/v1/webhooks/{webhook_a}/test", "park", 403),
    Probe("POST", "/api/v1/webhooks/deliveries/{delivery_a}/redeliver", "b_token", 404),
    Probe("POST", "/api/v1/webhooks/deliveries/{delivery_a}/redeliver", "park", 403),
    Probe("POST", "/api/v1/webhooks/deliveries/{delivery_a}/redeliver", "a_admin", 202),
]

# List endpoints: what each actor must NOT find in the listing.
LIST_PROBES = [
    ("/api/v1/jobs", "b_admin", "job_a"),
    ("/api/v1/jobs", "v2_annot", "job_a"),
    ("/api/v1/jobs", "b_token", "job_a"),
    ("/api/v1/users", "b_admin", "a_member_id"),
    ("/api/v1/users", "v1_annot", "v1_annot2_id"),
    ("/api/v1/enterprises", "b_admin", "client_a"),
    ("/api/v1/tokens", "b_admin", "a_token_id"),
    ("/api/v1/audit", "b_admin", "client_a"),
    ("/api/v1/jobs/{job_a}/datasets", "v1_annot", "dataset_a"),
    ("/api/v1/webhooks", "b_admin", "webhook_a"),
    ("/api/v1/webhooks", "a_member", "webhook_a"),
]

# And what they must find, so an empty list cannot pass the test above by accident.
LIST_POSITIVE = [
    ("/api/v1/jobs", "v1_annot", "job_a"),
    ("/api/v1/jobs", "park", "job_a"),
    ("/api/v1/users", "a_admin", "a_member_id"),
    ("/api/v1/enterprises", "park", "client_a"),
    ("/api/v1/tokens", "a_admin", "a_token_id"),
    ("/api/v1/audit", "a_admin", "client_a"),
    ("/api/v1/jobs/{job_a}/datasets", "a_member", "dataset_a"),
    ("/api/v1/webhooks", "a_token", "webhook_a"),
    ("/api/v1/webhooks", "park", "webhook_a"),
]


@dataclass
class World:
    ids: dict[str, str]
    clients: dict[str, AsyncClient]


async def _token(db: AsyncSession, enterprise_id: uuid.UUID, role: Role) -> tuple[str, ApiToken]:
    secret = f"brg_test_{uuid.uuid4().hex}"
    token = ApiToken(
        enterprise_id=enterprise_id,
        name="t",
        role=role,
        prefix=secret[:10],
        secret_hash=hash_secret(secret),
    )
    db.add(token)
    await db.flush()
    return secret, token


@pytest.fixture
async def world(app: FastAPI, db: AsyncSession) -> Any:
    park = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR)
    a = await make_enterprise(db, EnterpriseKind.CLIENT)
    b = await make_enterprise(db, EnterpriseKind.CLIENT)
    v1 = await make_enterprise(db, EnterpriseKind.VENDOR)
    v2 = await make_enterprise(db, EnterpriseKind.VENDOR)
    await make_team(db, v1)
    people = {
        "park": await make_user(db, park, Role.PARK_ADMIN),
        "a_admin": await make_user(db, a, Role.ENTERPRISE_ADMIN),
        "a_member": await make_user(db, a, Role.CLIENT_MEMBER),
        "b_admin": await make_user(db, b, Role.ENTERPRISE_ADMIN),
        "b_member": await make_user(db, b, Role.CLIENT_MEMBER),
        "v1_admin": await make_user(db, v1, Role.ENTERPRISE_ADMIN),
        "v1_qa": await make_user(db, v1, Role.QA_LEAD),
        "v1_annot": await make_user(db, v1, Role.ANNOTATOR),
        "v1_annot2": await make_user(db, v1, Role.ANNOTATOR),
        "v2_admin": await make_user(db, v2, Role.ENTERPRISE_ADMIN),
        "v2_annot": await make_user(db, v2, Role.ANNOTATOR),
    }
    job_a = await make_job(
        db,
        a,
        [v1],
        data_kind=DataKind.TEXT,
        label_schema={"kind": "text_classification", "labels": [{"name": "x"}]},
        status=JobStatus.RUNNING,
    )
    dataset_a = Dataset(
        job_id=job_a.id, client_id=a.id, name="d", kind=DataKind.TEXT, format="jsonl"
    )
    db.add(dataset_a)
    await db.flush()
    item_a = Item(
        job_id=job_a.id,
        dataset_id=dataset_a.id,
        seq=0,
        kind=DataKind.TEXT,
        content_sha256="a" * 64,
        text="x",
    )
    db.add(item_a)
    await db.flush()
    assignment_a = Assignment(
        job_id=job_a.id,
        annotator_id=people["v1_annot"].id,
        vendor_id=v1.id,
        item_id=item_a.id,
        item_ids=[item_a.id],
        is_gold=True,
        lease_until=datetime.now(UTC) + timedelta(hours=1),
    )
    db.add(assignment_a)
    await db.flush()
    await make_job(db, b, [v2])
    a_secret, a_token = await _token(db, a.id, Role.ENTERPRISE_ADMIN)
    b_secret, _ = await _token(db, b.id, Role.CLIENT_MEMBER)
    db.add(AuditEvent(enterprise_id=a.id, action="test.seed", target_type="t", target_id="1"))
    webhook_a = Webhook(
        enterprise_id=a.id,
        url="https://a.example.com/hook",
        events=["job.completed"],
        secret_sealed="x",
    )
    db.add(webhook_a)
    await db.flush()
    delivery_a = WebhookDelivery(webhook_id=webhook_a.id, event="ping", payload={})
    db.add(delivery_a)
    export_a = Export(job_id=job_a.id, format="jsonl", labels=ExportLabels.CONSENSUS)
    db.add(export_a)
    await db.commit()
    ids = {
        "client_a": str(a.id),
        "client_b": str(b.id),
        "dataset_a": str(dataset_a.id),
        "item_a": str(item_a.id),
        "assignment_a": str(assignment_a.id),
        "vendor_1": str(v1.id),
        "month": "2026-11",
        "year": "2026",
        "job_a": str(job_a.id),
        "a_token_id": str(a_token.id),
        "webhook_a": str(webhook_a.id),
        "delivery_a": str(delivery_a.id),
        "export_a": str(export_a.id),
        **{f"{name}_id": str(user.id) for name, user in people.items()},
    }
    clients = {
        name: browser_client(app, await make_session_cookie(db, u)) for name, u in people.items()
    }
    await db.commit()
    clients["a_token"] = browser_client(app, Authorization=f"Bearer {a_secret}")
    clients["b_token"] = browser_client(app, Authorization=f"Bearer {b_secret}")
    yield World(ids=ids, clients=clients)
    for c in clients.values():
        await c.aclose()


def _fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**ids) if "{" in template else template
    if isinstance(template, dict):
        return {k: _fill(v, ids) for k, v in template.items()}
    return template


def _probe_id(p: Probe) -> str:
    return f"{p.actor}-{p.method}-{p.path}"


async def _send(world: World, probe: Probe) -> Any:
    client = world.clients[probe.actor]
    path = _fill(probe.path, world.ids)
    body = _fill(probe.body, world.ids)
    if probe.files:
        return await client.request(
            probe.method, path, data=body, files={"file": ("d.jsonl", b'{"text": "x"}\n')}
        )
    return await client.request(probe.method, path, json=body)


@pytest.mark.parametrize("probe", PROBES, ids=_probe_id)
async def test_cross_tenant_probe(world: World, probe: Probe) -> None:
    response = await _send(world, probe)
    assert response.status_code == probe.expect, response.text
    if probe.expect >= 400:
        assert set(response.json()) >= {"error", "detail"}


@pytest.mark.parametrize(("path", "actor", "hidden"), LIST_PROBES)
async def test_lists_hide_other_tenants(world: World, path: str, actor: str, hidden: str) -> None:
    response = await world.clients[actor].get(_fill(path, world.ids))
    assert response.status_code == 200, response.text
    assert world.ids[hidden] not in response.text


@pytest.mark.parametrize(("path", "actor", "shown"), LIST_POSITIVE)
async def test_lists_show_own_tenant(world: World, path: str, actor: str, shown: str) -> None:
    response = await world.clients[actor].get(_fill(path, world.ids))
    assert response.status_code == 200, response.text
    assert world.ids[shown] in response.text


async def test_rejected_writes_change_nothing(world: World) -> None:
    """After every cross-tenant write was refused, A's data is as it was."""
    for probe in PROBES:
        if probe.method != "GET" and probe.expect >= 400:
            await _send(world, probe)
    job = (await world.clients["a_member"].get(f"/api/v1/jobs/{world.ids['job_a']}")).json()
    assert job["priority"] == 0
    me = (await world.clients["a_member"].get("/api/v1/auth/me")).json()
    assert me["display_name"] != "x"
    ent = await world.clients["a_admin"].get(f"/api/v1/enterprises/{world.ids['client_a']}")
    assert ent.json()["name"] != "Mine now"
    tokens = (await world.clients["a_admin"].get("/api/v1/tokens")).json()["items"]
    assert [t["revoked_at"] for t in tokens] == [None]
    hooks = (await world.clients["a_admin"].get("/api/v1/webhooks")).json()["items"]
    assert [h["id"] for h in hooks] == [world.ids["webhook_a"]]


def test_every_endpoint_is_probed(app: FastAPI) -> None:
    covered = {(p.method, p.path) for p in PROBES}
    covered |= {("GET", path) for path, _, _ in LIST_PROBES}
    routes = set()
    for path, ops in app.openapi()["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method in ops:
            routes.add((method.upper(), path))
    normalized = {(m, _template(p)) for m, p in covered}
    missing = sorted(
        r for r in routes if (r[0], _template(r[1])) not in normalized and r not in UNSCOPED
    )
    assert not missing, f"endpoints without tenancy probes: {missing}"


def _template(path: str) -> str:
    """Compare paths by shape: every {name} is the same placeholder."""
    import re

    return re.sub(r"\{[^}]+\}", "{}", path.split("?")[0])
