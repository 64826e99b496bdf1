"""The SDK against the real app: jobs, uploads with progress, waiting for ingest, pagination and
the API's errors as typed exceptions."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.client import (
    AsyncBrigade,
    AuthenticationError,
    ConflictError,
    IngestFailed,
    InvalidArguments,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    WaitTimeout,
)
from app.client.models import Job
from app.models import Enterprise, EnterpriseKind, Role
from tests.client.conftest import BASE_URL, Customer, issue_token
from tests.factories import make_enterprise, make_user


async def text_job(sdk: AsyncBrigade, name: str = "Reviews") -> Job:
    return await sdk.create_job(
        name=name,
        kind="text_classification",
        labels=["positive", "negative"],
        price_per_item="0.05",
        domain="ecommerce",
        overlap=2,
    )


def jsonl(path: Path, texts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts))
    return path


async def test_whoami_tells_the_tokens_enterprise_and_role(
    sdk: AsyncBrigade, customer: Customer
) -> None:
    me = await sdk.whoami()

    assert me.enterprise.id == customer.enterprise.id
    assert (me.enterprise.kind, me.role) == ("client", "client_member")


async def test_create_read_update_and_start_a_job(
    sdk: AsyncBrigade, customer: Customer, vendor: Enterprise
) -> None:
    job = await sdk.create_job(
        name="Shelves",
        kind="image_boxes",
        labels=["car", {"name": "person", "title": "行人", "shortcut": "p"}],
        price_per_item="0.35",
        vendor_ids=[vendor.id],
        label_options={"min_size_px": 4},
        settings={"gold_rate": "0", "lease_seconds": 600},
    )
    assert job.client_id == customer.enterprise.id
    assert (job.status, job.data_kind, job.overlap, str(job.price_per_item)) == (
        "draft",
        "image",
        3,
        "0.35",
    )
    assert job.label_schema["min_size_px"] == 4
    assert [x["title"] for x in job.label_schema["labels"]] == [None, "行人"]

    renamed = await sdk.update_job(job.id, {"name": "Shelves v2", "overlap": 5})
    started = await sdk.start_job(job.id)
    fetched = await sdk.get_job(str(job.id))

    assert (renamed.name, renamed.overlap) == ("Shelves v2", 5)
    assert started.status == fetched.status == "running"
    assert fetched.lease_seconds == 600


async def test_iterating_jobs_walks_every_page(sdk: AsyncBrigade) -> None:
    for n in range(5):
        await text_job(sdk, f"job {n}")

    names = [job.name async for job in sdk.iter_jobs(page_size=2)]
    running = [job async for job in sdk.iter_jobs(status="running")]

    assert sorted(names) == [f"job {n}" for n in range(5)]
    assert running == []


@pytest.mark.usefixtures("worker")
async def test_upload_streams_with_progress_and_waits_for_ingest(
    sdk: AsyncBrigade, tmp_path: Path
) -> None:
    job = await text_job(sdk)
    path = jsonl(tmp_path / "reviews.jsonl", [f"评论 {n}：质量很好" for n in range(40)])
    seen: list[tuple[int, int | None]] = []

    queued = await sdk.upload_dataset(job.id, path, progress=lambda d, t: seen.append((d, t)))
    ready = await sdk.wait_for_dataset(queued.id)

    assert (queued.format, queued.name) == ("jsonl", "reviews.jsonl")  # format from the suffix
    assert ready.status == "ready"
    assert (ready.received, ready.accepted, ready.tasks) == (40, 40, 40)
    total = seen[-1][1]
    assert total is not None
    assert total > path.stat().st_size  # the multipart body: the file and the form fields
    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert [d.id async for d in sdk.iter_datasets(job.id)] == [queued.id]


@pytest.mark.usefixtures("worker")
async def test_an_upload_with_the_same_idempotency_key_is_the_same_dataset(
    sdk: AsyncBrigade, tmp_path: Path
) -> None:
    job = await text_job(sdk)
    path = jsonl(tmp_path / "a.jsonl", ["one", "two"])
    key = str(uuid.uuid4())

    first = await sdk.upload_dataset(job.id, path, idempotency_key=key, wait=True)
    again = await sdk.upload_dataset(job.id, path, idempotency_key=key)

    assert again.id == first.id
    assert [d.id async for d in sdk.iter_datasets(job.id)] == [first.id]


@pytest.mark.usefixtures("worker")
async def test_a_failed_ingest_raises_with_the_servers_reason(
    sdk: AsyncBrigade, tmp_path: Path
) -> None:
    job = await text_job(sdk)
    path = tmp_path / "reviews.csv"
    path.write_text("id,body\n1,good\n")

    with pytest.raises(IngestFailed, match="text") as failed:
        await sdk.upload_dataset(job.id, path, wait=True)

    assert failed.value.dataset.status == "failed"


async def test_waiting_gives_up_after_the_timeout(
    app: FastAPI, customer: Customer, tmp_path: Path
) -> None:
    # Its own client, without the worker fixture's worker: ingest never starts.
    async with AsyncBrigade(
        BASE_URL, customer.token, transport=httpx.ASGITransport(app=app)
    ) as sdk:
        job = await text_job(sdk)
        queued = await sdk.upload_dataset(job.id, jsonl(tmp_path / "a.jsonl", ["one"]))
        with pytest.raises(WaitTimeout, match="queued"):
            await sdk.wait_for_dataset(queued.id, timeout=0.3)


async def test_arguments_that_cannot_work_are_refused_before_sending(
    sdk: AsyncBrigade, tmp_path: Path
) -> None:
    a, b = jsonl(tmp_path / "a.jsonl", ["x"]), jsonl(tmp_path / "b.jsonl", ["y"])
    notes = tmp_path / "notes.md"
    notes.write_text("# hi")

    with pytest.raises(InvalidArguments, match="one file"):
        await sdk.upload_dataset(uuid.uuid4(), [a, b])
    with pytest.raises(InvalidArguments, match="give the format"):
        await sdk.upload_dataset(uuid.uuid4(), notes)
    with pytest.raises(InvalidArguments, match="BRIGADE_TOKEN"):
        AsyncBrigade(BASE_URL, "")


async def test_api_errors_are_typed_with_detail_and_fields(app: FastAPI, sdk: AsyncBrigade) -> None:
    await text_job(sdk, "Taken")

    with pytest.raises(InvalidInputError) as invalid:
        await sdk.create_job(name="Bad", kind="text_spans", labels=[], price_per_item="-1")
    with pytest.raises(ConflictError, match="Taken"):
        await text_job(sdk, "Taken")
    with pytest.raises(NotFoundError):
        await sdk.get_job(uuid.uuid4())

    fields = {f.field for f in invalid.value.fields}
    assert {"label_schema.text_spans.labels", "price_per_item"} <= fields
    assert invalid.value.status_code == 422
    assert invalid.value.error == "ValidationError"


async def test_a_vendors_token_may_not_create_jobs(app: FastAPI, db: AsyncSession) -> None:
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    admin = await make_user(db, vendor, Role.ENTERPRISE_ADMIN)
    await db.commit()
    token = await issue_token(app, admin)

    async with AsyncBrigade(BASE_URL, token, transport=httpx.ASGITransport(app=app)) as sdk:
        with pytest.raises(PermissionDeniedError, match="create labeling jobs"):
            await text_job(sdk)


async def test_a_wrong_token_is_an_authentication_error(app: FastAPI) -> None:
    async with AsyncBrigade(
        BASE_URL, "brg_not-a-token", transport=httpx.ASGITransport(app=app)
    ) as sdk:
        with pytest.raises(AuthenticationError) as denied:
            await sdk.whoami()
    assert denied.value.status_code == 401
