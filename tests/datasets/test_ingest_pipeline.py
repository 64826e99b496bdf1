"""Big text datasets go through the pipeline (worker processes clean, this process plans, a
writer task stores): the result must be exactly the serial path's, a failed batch must leave a
resumable dataset, and a job whose other datasets hold items falls back to the locked path."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest import pipeline
from app.ingest import pool as pool_module
from app.ingest import repository as repo
from app.ingest import service as ingest
from app.models import DataKind, EnterpriseKind, Item, LabelingJob, Role
from tests.factories import (
    browser_client,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_user,
)

SCHEMA: dict[str, Any] = {"kind": "text_classification", "labels": [{"name": "a"}, {"name": "b"}]}


def _source() -> bytes:
    """60 records over 9 batches of 7: repeats across batches, near-duplicates, bad lines."""
    lines = []
    for i in range(60):
        if i == 21:
            lines.append(b"{not json")
        elif i == 34:
            lines.append(orjson.dumps({"no_text": 1}))
        elif i % 11 == 5:
            lines.append(orjson.dumps({"text": f"第{i - 5}条：这家店的东西质量很好，物流也快"}))
        elif i % 13 == 7:
            lines.append(orjson.dumps({"text": f"第{i - 7}条：这家店的东西质量很好，物流也快！"}))
        else:
            lines.append(orjson.dumps({"text": f"第{i}条：这家店的东西质量很好，物流也快", "n": i}))
    return b"\n".join(lines) + b"\n"


async def _job(app: FastAPI, db: AsyncSession) -> tuple[AsyncClient, LabelingJob]:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    member = await make_user(db, client, Role.CLIENT_MEMBER)
    job = await make_job(db, client, data_kind=DataKind.TEXT, label_schema=SCHEMA, task_size=3)
    cookie = await make_session_cookie(db, member)
    await db.commit()
    return browser_client(app, cookie), job


async def _upload(c: AsyncClient, job: LabelingJob, body: bytes, fmt: str = "jsonl") -> str:
    r = await c.post(
        f"/api/v1/jobs/{job.id}/datasets",
        files={"file": (f"d.{fmt}", body)},
        data={"format": fmt},
    )
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


async def _outcome(db: AsyncSession, dataset_id: str) -> dict[str, Any]:
    """Everything ingest decided, with ids replaced by seqs so two datasets compare."""
    ds = {"ds": dataset_id}
    counts = (
        await db.execute(
            text(
                "SELECT status, received, accepted, rejected, duplicates, near_duplicates, tasks"
                " FROM datasets WHERE id = :ds"
            ),
            ds,
        )
    ).one()
    items = (
        await db.execute(
            text(
                "SELECT i.seq, i.text, i.meta, n.seq FROM items i"
                " LEFT JOIN items n ON n.id = i.near_dup_of WHERE i.dataset_id = :ds ORDER BY i.seq"
            ),
            ds,
        )
    ).all()
    rejections = (
        await db.execute(
            text(
                "SELECT r.seq, r.code, d.seq FROM ingest_rejections r"
                " LEFT JOIN items d ON d.id = r.duplicate_of"
                " WHERE r.dataset_id = :ds ORDER BY r.seq"
            ),
            ds,
        )
    ).all()
    tasks = (
        await db.execute(
            text(
                "SELECT t.seq, f.seq, l.seq, t.item_count FROM tasks t"
                " JOIN items f ON f.id = t.first_item_id JOIN items l ON l.id = t.last_item_id"
                " WHERE t.dataset_id = :ds ORDER BY t.seq"
            ),
            ds,
        )
    ).all()
    return {
        "counts": tuple(counts),
        "items": [tuple(r) for r in items],
        "rejections": [tuple(r) for r in rejections],
        "tasks": [tuple(r) for r in tasks],
    }


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text file takes the pipeline, in batches of 7 records."""
    monkeypatch.setattr(ingest, "BATCH_SIZE", 7)
    monkeypatch.setattr(ingest, "POOL_MIN_BYTES", 0)


async def _serial_and_piped(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch, body: bytes, fmt: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same file ingested the serial way and through the pipeline, in two jobs."""
    monkeypatch.setattr(ingest, "BATCH_SIZE", 7)
    outcomes = []
    for pool_min in (1 << 40, 0):
        monkeypatch.setattr(ingest, "POOL_MIN_BYTES", pool_min)
        c, job = await _job(app, db)
        ds = await _upload(c, job, body, fmt)
        await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(ds))
        outcomes.append(await _outcome(db, ds))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("writers", [1, 2, 3])
async def test_the_pipeline_decides_exactly_what_the_serial_path_does(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch, writers: int
) -> None:
    monkeypatch.setattr(pipeline, "WRITERS", writers)
    expected, got = await _serial_and_piped(app, db, monkeypatch, _source(), "jsonl")
    assert got == expected
    status, received, accepted, rejected, duplicates, near, tasks = got["counts"]
    assert (status, received, rejected) == ("ready", 60, 2)
    assert duplicates > 0
    assert near > 0
    assert accepted + duplicates + rejected == 60
    assert tasks == -(-accepted // 3)


def _as_csv(body: bytes) -> bytes:
    """The same records as CSV (a bad JSON line becomes a ragged row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "n"])
    for line in body.splitlines():
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            writer.writerow(["a", "b", "c"])
            continue
        writer.writerow([obj.get("text", ""), obj.get("n", "")])
    return out.getvalue().encode()


def _as_labelstudio(body: bytes) -> bytes:
    tasks = []
    for line in body.splitlines():
        try:
            tasks.append({"data": orjson.loads(line)})
        except orjson.JSONDecodeError:
            tasks.append({"no_data": True})
    return orjson.dumps(tasks)


@pytest.mark.parametrize(("fmt", "convert"), [("csv", _as_csv), ("labelstudio", _as_labelstudio)])
async def test_records_parsed_here_and_cleaned_in_the_workers_match_the_serial_path(
    app: FastAPI,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    convert: Callable[[bytes], bytes],
) -> None:
    expected, got = await _serial_and_piped(app, db, monkeypatch, convert(_source()), fmt)
    assert got == expected
    assert got["counts"][:2] == ("ready", 60)
    assert got["counts"][3] == 2  # the two bad records
    assert got["counts"][5] > 0  # near-duplicates found


@pytest.mark.usefixtures("piped")
async def test_a_batch_that_fails_in_the_writer_leaves_a_resumable_dataset(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, job = await _job(app, db)
    ds = await _upload(c, job, _source())
    real_advance = repo.advance
    calls = 0

    async def fail_third(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ConnectionError("the database went away mid-batch")
        await real_advance(*args, **kwargs)

    monkeypatch.setattr(repo, "advance", fail_third)
    with pytest.raises(ConnectionError):
        await ingest.run(
            app.state.sessionmaker, app.state.store, uuid.UUID(ds), final_attempt=False
        )
    half = (await db.execute(text("SELECT status, received, checkpoint FROM datasets"
                                  " WHERE id = :ds"), {"ds": ds})).one()  # fmt: skip
    # Two batches committed (the pipeline's short first block, 7 // 5 = 1 line, and 7 more),
    # nothing after them.
    assert tuple(half) == ("processing", 8, 7)

    monkeypatch.setattr(repo, "advance", real_advance)
    await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(ds))
    outcome = await _outcome(db, ds)
    assert outcome["counts"][:2] == ("ready", 60)
    seqs = [row[0] for row in outcome["items"]] + [row[0] for row in outcome["rejections"]]
    assert sorted(seqs) == list(range(60))  # every record once: stored or rejected


@pytest.mark.usefixtures("piped")
async def test_content_already_in_another_dataset_of_the_job_is_a_duplicate(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, job = await _job(app, db)
    first = await _upload(c, job, _source())
    await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(first))
    second = await _upload(c, job, _source() + orjson.dumps({"text": "全新的一条评论"}) + b"\n")
    await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(second))

    outcome = await _outcome(db, second)
    assert outcome["counts"][:3] == ("ready", 61, 1)  # only the new line is accepted
    assert [row[1] for row in outcome["items"]] == ["全新的一条评论"]
    first_ids = set((await db.scalars(select(Item.id).where(Item.dataset_id == first))).all())
    pointed = (
        await db.scalars(
            text("SELECT duplicate_of FROM ingest_rejections WHERE dataset_id = :ds"
                 " AND code = 'duplicate'"),
            {"ds": second},
        )
    ).all()  # fmt: skip
    assert pointed
    assert set(pointed) <= first_ids


@pytest.mark.usefixtures("piped")
async def test_a_worker_process_that_dies_fails_the_attempt_and_the_retry_gets_a_new_pool(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, job = await _job(app, db)
    ds = await _upload(c, job, _source())
    await pool_module.warm()
    for process in list(pool_module.pool()._processes.values()):
        process.kill()  # as the kernel's OOM killer would
        process.join()

    with pytest.raises(BrokenProcessPool):
        await ingest.run(
            app.state.sessionmaker, app.state.store, uuid.UUID(ds), final_attempt=False
        )
    await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(ds))  # the retry
    outcome = await _outcome(db, ds)
    assert outcome["counts"][:2] == ("ready", 60)


@pytest.mark.usefixtures("piped")
async def test_a_big_gold_set_keeps_its_answers_apart_and_makes_no_tasks(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, job = await _job(app, db)
    rows = [{"text": f"第{i}条金标：质量很好", "label": "ab"[i % 2]} for i in range(30)]
    rows.append({"text": "没有答案的金标"})
    body = b"".join(orjson.dumps(r) + b"\n" for r in rows)
    r = await c.post(
        f"/api/v1/jobs/{job.id}/datasets",
        files={"file": ("gold.jsonl", body)},
        data={"format": "jsonl", "gold": "true", "answer_field": "label"},
    )
    assert r.status_code == 202, r.text
    ds = r.json()["id"]
    await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(ds))

    outcome = await _outcome(db, ds)
    assert outcome["counts"][:4] == ("ready", 31, 30, 1)  # the one without an answer rejected
    assert outcome["tasks"] == []
    answers = (
        await db.execute(
            text(
                "SELECT i.text, g.answer FROM gold_answers g JOIN items i ON i.id = g.item_id"
                " WHERE i.dataset_id = :ds ORDER BY i.seq"
            ),
            {"ds": ds},
        )
    ).all()
    assert [a for _, a in answers] == ["ab"[i % 2] for i in range(30)]
    metas = await db.scalars(text("SELECT meta FROM items WHERE dataset_id = :ds"), {"ds": ds})
    assert all("label" not in m for m in metas)  # the answer is not in the item's metadata
