"""Deliveries end to end: queued with the change, POSTed by a real worker to a real receiver,
signed, retried with backoff, logged, and refused for private addresses unless allowed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import session_scope
from app.models import (
    DataKind,
    EnterpriseKind,
    Export,
    ExportLabels,
    ExportStatus,
    JobStatus,
    LabelingJob,
    Role,
)
from app.webhooks import events
from tests.factories import as_user, make_dataset, make_enterprise, make_job, run_jobs
from tests.webhooks.conftest import (
    WEBHOOKS,
    Receiver,
    register,
    verify,
    waiting_jobs,
)


async def _log(http: AsyncClient, hook: dict[str, Any]) -> list[dict[str, Any]]:
    r = await http.get(f"{WEBHOOKS}/{hook['id']}/deliveries")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def _admin_with_hook(
    app: FastAPI, db: AsyncSession, url: str, *topics: str
) -> tuple[AsyncClient, dict[str, Any]]:
    admin = await as_user(app, db, await make_enterprise(db), Role.ENTERPRISE_ADMIN)
    return admin, await register(admin, url, *topics)


@pytest.mark.usefixtures("private_ok")
async def test_a_ping_arrives_signed_with_the_secret_from_creation(
    app: FastAPI, db: AsyncSession, receiver: Receiver
) -> None:
    admin, hook = await _admin_with_hook(app, db, receiver.url)
    r = await admin.post(f"{WEBHOOKS}/{hook['id']}/test")
    assert r.status_code == 202, r.text
    queued = r.json()
    assert (queued["event"], queued["status"], queued["attempts"]) == ("ping", "pending", 0)

    await run_jobs(app)

    [got] = receiver.requests
    assert (got.method, got.path) == ("POST", "/hooks/brigade")
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("Brigade-Webhooks")
    assert got.headers["brigade-event"] == "ping"
    assert got.headers["brigade-delivery"] == queued["id"]
    assert got.headers["host"] == f"127.0.0.1:{receiver.port}"
    signature = got.headers["brigade-signature"]
    assert verify(hook["secret"], signature, got.body)
    assert not verify(hook["secret"], signature, got.body.replace(b"ping", b"pong"))
    assert not verify("whsec_someone-else", signature, got.body)
    assert not verify(hook["secret"], signature, got.body, tolerance=-1)  # "too old"
    body = orjson.loads(got.body)
    assert body["id"] == queued["id"]
    assert body["event"] == "ping"
    assert body["data"] == {"webhook_id": hook["id"], "events": ["export.ready"]}
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    [logged] = await _log(admin, hook)
    assert logged["status"] == "succeeded"
    assert (logged["attempts"], logged["last_status_code"], logged["last_error"]) == (1, 200, None)
    assert logged["delivered_at"] is not None
    assert await waiting_jobs(db) == []
    await admin.aclose()


@pytest.mark.usefixtures("private_ok")
async def test_a_failed_attempt_is_retried_later_with_the_same_body(
    app: FastAPI, db: AsyncSession, receiver: Receiver
) -> None:
    receiver.answers = [500]
    admin, hook = await _admin_with_hook(app, db, receiver.url)
    delivery = (await admin.post(f"{WEBHOOKS}/{hook['id']}/test")).json()

    await run_jobs(app)

    [logged] = await _log(admin, hook)
    assert (logged["status"], logged["attempts"]) == ("pending", 1)
    assert (logged["last_status_code"], logged["last_error"]) == (500, "HTTP 500: boom")
    [(status, wait)] = await waiting_jobs(db)
    assert status == "todo"
    assert 0 < wait <= 2.5  # exponential backoff: 2 s after the first failure
    await run_jobs(app)  # not due yet: nothing happens
    assert len(receiver.requests) == 1

    # Redelivering a delivery whose retry waits makes that retry due now (no second job).
    r = await admin.post(f"{WEBHOOKS}/deliveries/{delivery['id']}/redeliver")
    assert r.status_code == 202, r.text
    await run_jobs(app)

    first, second = receiver.requests
    assert second.body == first.body
    assert second.headers["brigade-delivery"] == first.headers["brigade-delivery"]
    assert verify(hook["secret"], second.headers["brigade-signature"], second.body)
    [logged] = await _log(admin, hook)
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == (
        "succeeded",
        2,
        200,
    )
    assert logged["last_error"] is None
    assert await waiting_jobs(db) == []
    await admin.aclose()


@pytest.mark.usefixtures("two_attempts")
async def test_the_last_failed_attempt_fails_the_delivery_and_redeliver_sends_it_again(
    app: FastAPI, db: AsyncSession, receiver: Receiver
) -> None:
    receiver.answers = [503, 404]
    admin, hook = await _admin_with_hook(app, db, receiver.url)
    delivery = (await admin.post(f"{WEBHOOKS}/{hook['id']}/test")).json()
    await run_jobs(app)
    await admin.post(f"{WEBHOOKS}/deliveries/{delivery['id']}/redeliver")  # retry now
    await run_jobs(app)

    [logged] = await _log(admin, hook)
    assert (logged["status"], logged["attempts"]) == ("failed", 2)
    assert (logged["last_status_code"], logged["last_error"]) == (404, "HTTP 404: boom")
    assert await waiting_jobs(db) == []  # no more retries

    r = await admin.post(f"{WEBHOOKS}/deliveries/{delivery['id']}/redeliver")
    assert r.status_code == 202
    assert r.json()["status"] == "pending"
    await run_jobs(app)

    assert len(receiver.requests) == 3
    [logged] = await _log(admin, hook)
    assert (logged["status"], logged["attempts"], logged["last_error"]) == ("succeeded", 3, None)
    await admin.aclose()


@pytest.mark.usefixtures("public_only")
async def test_private_addresses_are_refused_unless_the_setting_allows_them(
    app: FastAPI, db: AsyncSession, receiver: Receiver
) -> None:
    admin, hook = await _admin_with_hook(app, db, receiver.url)
    await admin.post(f"{WEBHOOKS}/{hook['id']}/test")

    await run_jobs(app)

    assert receiver.requests == []
    [logged] = await _log(admin, hook)
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == (
        "pending",
        1,
        None,
    )
    assert "127.0.0.1, a private, loopback or link-local address" in logged["last_error"]
    await admin.aclose()


@pytest.mark.usefixtures("private_ok")
async def test_completing_a_job_notifies_its_clients_subscribed_webhooks_only(
    app: FastAPI, db: AsyncSession, receiver: Receiver
) -> None:
    client = await make_enterprise(db)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db, client, [vendor], status=JobStatus.RUNNING, data_kind=DataKind.TEXT, name="Reviews"
    )
    await make_dataset(db, job, ["good", "bad", "fine"])
    admin = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    await register(admin, receiver.url, "job.completed")
    exports_only = await register(admin, f"{receiver.url}/exports", "export.ready")
    other, _ = await _admin_with_hook(app, db, f"{receiver.url}/other", "job.completed")

    r = await admin.post(f"/api/v1/jobs/{job.id}/status", json={"status": "completed"})
    assert r.status_code == 200, r.text
    await run_jobs(app)

    [got] = receiver.requests
    assert got.path == "/hooks/brigade"
    assert got.headers["brigade-event"] == "job.completed"
    assert orjson.loads(got.body)["data"] == {
        "job_id": str(job.id),
        "name": "Reviews",
        "status": "completed",
        "items_total": 3,
    }
    assert await _log(admin, exports_only) == []
    await admin.aclose()
    await other.aclose()


@pytest.mark.usefixtures("private_ok")
async def test_export_ready_tells_the_client_where_to_download_the_file(
    app: FastAPI, db: AsyncSession, receiver: Receiver
) -> None:
    client = await make_enterprise(db)
    job = await make_job(db, client)
    export = Export(
        job_id=job.id,
        format="coco",
        labels=ExportLabels.CONSENSUS,
        status=ExportStatus.DONE,
        object_key="exports/x/y/job.zip",
        file_name="job-consensus.zip",
        size_bytes=1234,
        sha256="ab" * 32,
        items_written=10,
        labels_written=0,
        finished_at=datetime.now(UTC),
    )
    db.add(export)
    admin = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    hook = await register(admin, receiver.url, "export.ready")

    # As the export job does when it stores the file: in the transaction that marks it done.
    async with session_scope(app.state.sessionmaker) as session:
        await events.export_ready(session, export.id)
    await run_jobs(app)

    [got] = receiver.requests
    assert got.headers["brigade-event"] == "export.ready"
    assert verify(hook["secret"], got.headers["brigade-signature"], got.body)
    assert orjson.loads(got.body)["data"] == {
        "export_id": str(export.id),
        "job_id": str(job.id),
        "format": "coco",
        "labels": "consensus",
        "file_name": "job-consensus.zip",
        "size_bytes": 1234,
        "sha256": "ab" * 32,
        "items_written": 10,
        "labels_written": 0,
        "download": f"/api/v1/exports/{export.id}/download",
    }
    await admin.aclose()


class ChangedMyMind(Exception):
    pass


async def _completed(app: FastAPI, job_id: uuid.UUID, *, then_fail: bool = False) -> None:
    async with session_scope(app.state.sessionmaker) as session:
        await events.job_completed(session, await session.get_one(LabelingJob, job_id))
        if then_fail:
            raise ChangedMyMind


async def test_deliveries_and_their_jobs_commit_with_the_change_or_not_at_all(
    app: FastAPI, db: AsyncSession
) -> None:
    client = await make_enterprise(db)
    job_id = (await make_job(db, client)).id
    admin = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    hook = await register(admin, "https://ml.example.com/hook", "job.completed")
    await register(admin, "https://ml.example.com/exports", "export.ready")

    with pytest.raises(ChangedMyMind):
        await _completed(app, job_id, then_fail=True)
    assert await _log(admin, hook) == []
    assert await waiting_jobs(db) == []

    await _completed(app, job_id)
    [logged] = await _log(admin, hook)
    assert (logged["event"], logged["status"], logged["attempts"]) == (
        "job.completed",
        "pending",
        0,
    )
    assert [status for status, _ in await waiting_jobs(db)] == ["todo"]
    await admin.aclose()


@pytest.mark.usefixtures("private_ok")
async def test_a_paused_webhook_gets_nothing_until_resumed_and_redelivered(
    app: FastAPI, db: AsyncSession, receiver: Receiver
) -> None:
    admin, hook = await _admin_with_hook(app, db, receiver.url, "job.completed")
    queued = (await admin.post(f"{WEBHOOKS}/{hook['id']}/test")).json()
    r = await admin.patch(f"{WEBHOOKS}/{hook['id']}", json={"is_active": False})
    assert r.status_code == 200, r.text
    await run_jobs(app)  # the ping queued before the pause is not sent

    assert receiver.requests == []
    [logged] = await _log(admin, hook)
    assert logged["status"] == "failed"
    assert "paused" in logged["last_error"]
    assert await waiting_jobs(db) == []  # and not retried
    redeliver = f"{WEBHOOKS}/deliveries/{queued['id']}/redeliver"
    assert (await admin.post(redeliver)).status_code == 409

    await admin.patch(f"{WEBHOOKS}/{hook['id']}", json={"is_active": True})
    assert (await admin.post(redeliver)).status_code == 202
    await run_jobs(app)
    assert [r.headers["brigade-event"] for r in receiver.requests] == ["ping"]
    [logged] = await _log(admin, hook)
    assert logged["status"] == "succeeded"
    await admin.aclose()
