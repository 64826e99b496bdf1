"""Export requests end to end: asked through the API, written by a real worker into object
storage, downloaded through the link, and only by the job's client (and the park)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ConsensusState, EnterpriseKind, ItemConsensus, JobStatus, Role
from app.quality.sweep import sweep
from tests.factories import (
    IMAGE_BOXES,
    as_user,
    make_dataset,
    make_enterprise,
    make_job,
    run_jobs,
)
from tests.labeling.conftest import Park

POS, NEG = {"label": "positive"}, {"label": "negative"}


async def _label_everything(park: Park, db: AsyncSession) -> None:
    """Three annotators: two say positive, one negative, on every item."""
    people = [await park.annotator(db) for _ in range(3)]
    for a, answer in zip(people, (POS, POS, NEG), strict=True):
        while (assignment := await a.next_assignment()) is not None:
            assert (await a.submit(assignment, answer)).status_code == 200
    await sweep(park.app.state.sessionmaker)


async def _export(http: AsyncClient, app: FastAPI, job_id: Any, **body: Any) -> dict[str, Any]:
    r = await http.post(f"/api/v1/jobs/{job_id}/exports", json=body)
    assert r.status_code == 202, r.text
    queued = r.json()
    assert queued["status"] == "queued"
    assert queued["download_url"] is None
    await run_jobs(app)
    r = await http.get(f"/api/v1/exports/{queued['id']}")
    assert r.status_code == 200, r.text
    done: dict[str, Any] = r.json()
    assert done["status"] == "done", done
    return done


async def _download(http: AsyncClient, export: dict[str, Any]) -> bytes:
    r = await http.get(f"/api/v1/exports/{export['id']}/download")
    assert r.status_code == 307
    got = await http.get(r.headers["location"])
    assert got.status_code == 200, got.text
    assert len(got.content) == export["size_bytes"]
    return got.content


async def test_a_client_exports_the_consensus_and_downloads_it(
    park: Park, db: AsyncSession
) -> None:
    await _label_everything(park, db)
    member = await as_user(park.app, db, park.client, Role.CLIENT_MEMBER)
    export = await _export(member, park.app, park.job.id, format="jsonl")
    assert export["items_written"] == 6
    assert export["labels_written"] == 0
    assert export["file_name"].endswith(".jsonl")
    lines = [orjson.loads(x) for x in (await _download(member, export)).splitlines()]
    texts = {r[0]: r[1] for r in await db.execute(text("SELECT id, text FROM items"))}
    assert len(lines) == 6
    for line in lines:
        assert line["text"] == texts[line["item_id"]]
        assert line["answer"] == POS
        assert line["state"] == "decided"
    # Raw: every annotator's label beside the consensus; only accepted ones when asked.
    raw = await _export(member, park.app, park.job.id, format="jsonl", labels="raw")
    assert (raw["items_written"], raw["labels_written"]) == (6, 18)
    accepted = await _export(
        member, park.app, park.job.id, format="jsonl", labels="raw", only_accepted=True
    )
    assert accepted["labels_written"] == 12
    body = await _download(member, accepted)
    for line in (orjson.loads(x) for x in body.splitlines()):
        assert {label["answer"]["label"] for label in line["labels"]} == {"positive"}
    listed = (await member.get(f"/api/v1/jobs/{park.job.id}/exports")).json()
    assert [e["id"] for e in listed["items"]] == [accepted["id"], raw["id"], export["id"]]
    await member.aclose()


async def test_formats_must_fit_the_job(park: Park, db: AsyncSession) -> None:
    member = await as_user(park.app, db, park.client, Role.CLIENT_MEMBER)
    r = await member.post(f"/api/v1/jobs/{park.job.id}/exports", json={"format": "coco"})
    assert r.status_code == 422
    assert "text_csv" in r.text  # what fits a text classification job instead
    r = await member.post(f"/api/v1/jobs/{park.job.id}/exports", json={"format": "pdf"})
    assert r.status_code == 422
    r = await member.post(
        f"/api/v1/jobs/{park.job.id}/exports",
        json={"format": "jsonl", "submitted_from": "2026-11-01T00:00:00"},
    )
    assert r.status_code == 422
    assert "time zone" in r.text
    formats = (await member.get("/api/v1/exports/formats")).json()
    assert {"jsonl", "coco", "yolo", "voc", "conll", "label_studio"} <= {f["name"] for f in formats}
    await member.aclose()


async def test_only_the_client_and_the_park_export(park: Park, db: AsyncSession) -> None:
    member = await as_user(park.app, db, park.client, Role.CLIENT_MEMBER)
    r = await member.post(f"/api/v1/jobs/{park.job.id}/exports", json={"format": "jsonl"})
    assert r.status_code == 202
    export_id = r.json()["id"]
    # Not done yet: no file to download.
    assert (await member.get(f"/api/v1/exports/{export_id}/download")).status_code == 409
    vendor_admin = await as_user(park.app, db, park.vendor, Role.ENTERPRISE_ADMIN)
    r = await vendor_admin.post(f"/api/v1/jobs/{park.job.id}/exports", json={"format": "jsonl"})
    assert r.status_code == 403
    assert (await vendor_admin.get(f"/api/v1/exports/{export_id}")).status_code == 403
    other = await as_user(
        park.app, db, await make_enterprise(db, EnterpriseKind.CLIENT), Role.CLIENT_MEMBER
    )
    assert (await other.get(f"/api/v1/exports/{export_id}")).status_code == 404
    r = await other.post(f"/api/v1/jobs/{park.job.id}/exports", json={"format": "jsonl"})
    assert r.status_code == 404
    operator = await make_enterprise(db, EnterpriseKind.PARK_OPERATOR)
    admin = await as_user(park.app, db, operator, Role.PARK_ADMIN)
    assert (await admin.get(f"/api/v1/exports/{export_id}")).status_code == 200
    for http in (member, vendor_admin, other, admin):
        await http.aclose()


async def test_coco_of_an_image_job_names_what_it_left_out(app: FastAPI, db: AsyncSession) -> None:
    """A COCO file holds decided images only: the open one is counted as skipped. The job's
    Chinese name survives into the download's file name."""
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    vendor = await make_enterprise(db, EnterpriseKind.VENDOR)
    job = await make_job(
        db, client, [vendor], label_schema=IMAGE_BOXES, data_kind="image",
        status=JobStatus.RUNNING, gold_rate=0, name="街景车辆",
    )  # fmt: skip
    _, items = await make_dataset(db, job, images=2)
    box = {"label": "car", "x": 10.0, "y": 20.0, "w": 30.0, "h": 40.0}
    db.add(
        ItemConsensus(
            item_id=items[0].id, job_id=job.id, state=ConsensusState.DECIDED,
            answer={"boxes": [box]}, confidence=0.9, n_labels=3, method="boxes",
        )
    )  # fmt: skip
    await db.commit()
    admin = await as_user(app, db, client, Role.ENTERPRISE_ADMIN)
    export = await _export(admin, app, job.id, format="coco")
    assert (export["items_written"], export["items_skipped"]) == (1, 1)
    assert export["file_name"].startswith("街景车辆-consensus-")
    coco = orjson.loads(await _download(admin, export))
    (image,) = coco["images"]
    assert (image["item_id"], image["width"], image["height"]) == (items[0].id, 640, 480)
    (annotation,) = coco["annotations"]
    assert annotation["bbox"] == [10.0, 20.0, 30.0, 40.0]
    assert coco["categories"][annotation["category_id"] - 1]["name"] == "car"
    await admin.aclose()
