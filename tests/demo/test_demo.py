"""The demo park: built through the real services, loaded once, with working accounts."""

from __future__ import annotations

import io
import json
from collections import Counter
from decimal import Decimal

from fastapi import FastAPI
from httpx import AsyncClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.history import JOB_NAME as SENTIMENT_JOB
from app.demo.service import Account, load_demo
from app.labeling.checker import check
from app.models import (
    Dataset,
    Enterprise,
    EnterpriseKind,
    GoldAnswer,
    Item,
    Label,
    LabelingJob,
    Task,
    User,
)
from app.models.base import Base


async def _load(app: FastAPI, *, reset_passwords: bool = False) -> list[Account]:
    return await load_demo(app.state.sessionmaker, app.state.store, reset_passwords=reset_passwords)


async def _row_counts(db: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = int(await db.scalar(select(func.count()).select_from(table)) or 0)
    return counts


async def _logs_in(client: AsyncClient, email: str, password: str) -> bool:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    return response.status_code == 200


async def test_demo_builds_a_small_park_with_working_accounts(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    accounts = await _load(app)

    kinds = Counter((await db.scalars(select(Enterprise.kind))).all())
    assert kinds == {
        EnterpriseKind.PARK_OPERATOR: 1,
        EnterpriseKind.CLIENT: 1,
        EnterpriseKind.VENDOR: 2,
    }
    roles = Counter(role for _, role, _ in accounts)
    assert roles == {
        "park_admin": 1,
        "enterprise_admin": 3,
        "client_member": 1,
        "qa_lead": 2,
        "annotator": 14,  # annotator1..3 and crowd1..4 per vendor
    }
    stored_roles = Counter(r.value for r in (await db.scalars(select(User.role))).all())
    assert stored_roles == roles
    assert all(password for _, _, password in accounts)
    for email, role, password in accounts:
        if role in ("park_admin", "annotator"):
            assert await _logs_in(client, email, password), email


async def test_demo_jobs_are_visible_to_their_admitted_vendors(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    accounts = await _load(app)

    jobs = {j.label_schema["kind"]: j for j in (await db.scalars(select(LabelingJob))).all()}
    assert set(jobs) == {"image_boxes", "text_spans", "text_classification"}
    assert len(jobs["image_boxes"].vendor_ids) == 2
    assert len(jobs["text_spans"].vendor_ids) == 1
    assert len(jobs["text_classification"].vendor_ids) == 2
    passwords = {email: password for email, _, password in accounts}
    visible: dict[str, set[str]] = {}
    for email in ("annotator1@xinghe.example.com", "annotator1@jiangxin.example.com"):
        assert await _logs_in(client, email, passwords[email])
        response = await client.get("/api/v1/jobs")
        visible[email] = {j["label_schema"]["kind"] for j in response.json()["items"]}
    assert visible == {
        "annotator1@xinghe.example.com": {"image_boxes", "text_spans", "text_classification"},
        "annotator1@jiangxin.example.com": {"image_boxes", "text_classification"},
    }


async def test_demo_samples_are_in_object_storage(app: FastAPI, db: AsyncSession) -> None:
    await _load(app)
    store = app.state.store
    jobs = {j.label_schema["kind"]: j for j in (await db.scalars(select(LabelingJob))).all()}

    images = json.loads(await store.get_bytes(f"demo/{jobs['image_boxes'].id}/samples.json"))
    texts = json.loads(await store.get_bytes(f"demo/{jobs['text_spans'].id}/samples.json"))

    assert images["job_id"] == str(jobs["image_boxes"].id)
    assert len(images["items"]) == 12
    first = images["items"][0]
    assert first["truth"]
    with Image.open(io.BytesIO(await store.get_bytes(first["key"]))) as picture:
        assert picture.format == "PNG"
        assert picture.size == (640, 480)
    assert len(texts["items"]) == 20
    assert all(item["text"] for item in texts["items"])


async def test_loading_the_demo_twice_changes_nothing(app: FastAPI, db: AsyncSession) -> None:
    await _load(app)
    before = await _row_counts(db)

    assert await _load(app) == []
    assert await _row_counts(db) == before


async def test_reset_passwords_gives_the_demo_accounts_new_working_passwords(
    app: FastAPI, client: AsyncClient
) -> None:
    first = {email: password for email, _, password in await _load(app)}

    reset = {email: password for email, _, password in await _load(app, reset_passwords=True)}

    assert set(reset) == set(first)
    email = "qa@jiangxin.example.com"
    assert reset[email] != first[email]
    assert not await _logs_in(client, email, first[email])
    assert await _logs_in(client, email, reset[email])


async def test_demo_samples_are_ingested_into_items_and_tasks(
    app: FastAPI, db: AsyncSession
) -> None:
    await _load(app)
    datasets = (await db.scalars(select(Dataset).order_by(Dataset.kind, Dataset.accepted))).all()
    assert [(d.kind.value, d.is_gold, d.status.value, d.accepted) for d in datasets] == [
        ("image", False, "ready", 12),
        ("text", True, "ready", 6),
        ("text", False, "ready", 20),
        ("text", False, "ready", 40),
    ]
    assert len((await db.scalars(select(GoldAnswer))).all()) == 6
    tasks = int(await db.scalar(select(func.count()).select_from(Task)) or 0)
    assert tasks == 72  # one item per task in every demo job; gold items have none


async def test_demo_jobs_run_and_a_demo_annotator_gets_work(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    accounts = await _load(app)
    statuses = {j.name: j.status.value for j in (await db.scalars(select(LabelingJob))).all()}
    assert set(statuses.values()) == {"running"}
    email, _, password = next(a for a in accounts if a[1] == "annotator")
    assert await _logs_in(client, email, password)
    response = await client.post(
        "/api/v1/labeling/next", json={}, headers={"X-Requested-With": "test"}
    )
    assert response.status_code == 200, response.text
    assignment = response.json()["assignment"]
    assert assignment is not None
    assert assignment["items"]


async def test_demo_sentiment_job_has_a_quality_history_for_the_qa_lead(
    app: FastAPI, client: AsyncClient, db: AsyncSession
) -> None:
    passwords = {email: password for email, _, password in await _load(app)}
    job = await db.scalar(select(LabelingJob).where(LabelingJob.name == SENTIMENT_JOB))
    assert job is not None
    assert (job.overlap, job.max_overlap, job.min_gold, job.gold_rate) == (3, 5, 3, Decimal("0.1"))
    assert (await check(db, job.id)).ok

    # About half the items were labeled by the crowd; the rest are left for annotator1..3.
    labeled = await db.scalar(
        select(func.count(func.distinct(Label.item_id))).where(
            Label.job_id == job.id, Label.is_gold.is_(False)
        )
    )
    items = await db.scalar(
        select(func.count()).where(Item.job_id == job.id, Item.is_gold.is_(False))
    )
    assert items == 40
    assert 10 <= (labeled or 0) <= 30

    assert await _logs_in(client, "qa@xinghe.example.com", passwords["qa@xinghe.example.com"])
    report = (await client.get(f"/api/v1/jobs/{job.id}/quality")).json()
    assert report["items"]["decided"] >= 10
    assert report["items"]["review"] >= 1
    assert report["model_fitted_at"] is not None
    queue = (await client.get(f"/api/v1/jobs/{job.id}/review")).json()
    assert queue["items"], "the review queue is empty"
    # A QA lead sees their own vendor's people: crowd1..4 of 星河, each with gold answers.
    standing = (await client.get(f"/api/v1/jobs/{job.id}/annotators")).json()["items"]
    crowd = [a for a in standing if a["gold_total"] > 0]
    assert len(crowd) == 4
    assert all(a["gold_accuracy"] is not None and a["est_accuracy"] is not None for a in crowd)
    assert all(a["pause_reason"] for a in standing if a["paused"])

    # The demo annotators still get work in this job.
    email = "annotator1@jiangxin.example.com"
    assert await _logs_in(client, email, passwords[email])
    response = await client.post(
        "/api/v1/labeling/next", json={"job_id": str(job.id)}, headers={"X-Requested-With": "t"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["assignment"] is not None
