"""Text dataset ingest end to end: upload over the API, run the real ingest job, check rows,
rejections, tasks and manifests; resume after a crash; idempotent uploads."""

from __future__ import annotations

import json
import uuid
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest import batch as ingest_batch
from app.ingest import repository as repo
from app.ingest import service as ingest
from app.ingest.tasks import manifest_key
from app.models import (
    DataKind,
    Dataset,
    Enterprise,
    EnterpriseKind,
    GoldAnswer,
    Item,
    LabelingJob,
    Role,
    Task,
    TaskSlot,
)
from tests.factories import (
    browser_client,
    make_enterprise,
    make_job,
    make_session_cookie,
    make_user,
)

TEXT_SCHEMA: dict[str, Any] = {
    "kind": "text_classification",
    "labels": [{"name": "pos"}, {"name": "neg"}],
}


async def _client_and_job(
    app: FastAPI, db: AsyncSession, task_size: int = 2
) -> tuple[AsyncClient, LabelingJob]:
    client = await make_enterprise(db, EnterpriseKind.CLIENT)
    member = await make_user(db, client, Role.CLIENT_MEMBER)
    job = await make_job(
        db, client, data_kind=DataKind.TEXT, label_schema=TEXT_SCHEMA, task_size=task_size
    )
    cookie = await make_session_cookie(db, member)
    await db.commit()
    return browser_client(app, cookie), job


async def _upload(
    c: AsyncClient, job: LabelingJob, body: bytes, name: str = "data.jsonl", **options: Any
) -> dict[str, Any]:
    form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in options.items()}
    form.setdefault("format", "jsonl")
    r = await c.post(f"/api/v1/jobs/{job.id}/datasets", files={"file": (name, body)}, data=form)
    assert r.status_code == 202, r.text
    return dict(r.json())


async def _ingest(app: FastAPI, dataset_id: str) -> None:
    await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(dataset_id))


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


async def test_jsonl_upload_is_cleaned_stored_and_split(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db, task_size=2)
    texts = [{"text": f"  商品{i}很好，物流快。  ", "sku": i} for i in range(5)]
    texts.append({"text": "商品0很好，物流快。"})  # the same as the first once cleaned
    body = _jsonl(texts) + b"\n" + b'{"nope": 1}\n' + b"not json\n"
    ds = await _upload(c, job, body)
    assert ds["status"] == "queued"
    await _ingest(app, ds["id"])

    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert state["status"] == "ready", state
    assert state["received"] == 8
    assert state["accepted"] == 5
    assert state["duplicates"] == 1
    assert state["rejected"] == 2  # a record without text, a broken line
    assert state["received"] == state["accepted"] + state["rejected"] + state["duplicates"]
    assert state["tasks"] == 3  # 5 items, 2 per task

    items = (await c.get(f"/api/v1/datasets/{ds['id']}/items")).json()["items"]
    assert [i["text"] for i in items][:2] == ["商品0很好，物流快。", "商品1很好，物流快。"]
    assert items[1]["meta"] == {"sku": 1}
    reasons = (await c.get(f"/api/v1/datasets/{ds['id']}/rejections")).json()["items"]
    assert sorted(r["code"] for r in reasons) == ["duplicate", "invalid_json", "missing_field"]
    dup = next(r for r in reasons if r["code"] == "duplicate")
    assert dup["duplicate_of"] == items[0]["id"]

    tasks = (await db.scalars(select(Task).where(Task.job_id == job.id).order_by(Task.seq))).all()
    assert [t.item_count for t in tasks] == [2, 2, 1]
    # Tasks cut in one batch share a shard; the short last task closes the dataset in its own.
    assert [t.manifest_shard for t in tasks] == [0, 0, 2]
    lines = []
    for shard in (0, 2):
        body = await app.state.store.get_bytes(manifest_key(job.id, tasks[0].dataset_id, shard))
        lines += [json.loads(line) for line in body.splitlines()]
    assert [line["task_id"] for line in lines] == [t.id for t in tasks]
    assert [len(line["items"]) for line in lines] == [2, 2, 1]
    assert lines[0]["items"][0] == {"id": items[0]["id"], "sha256": items[0]["content_sha256"]}


async def test_same_content_in_a_second_dataset_is_a_duplicate(
    app: FastAPI, db: AsyncSession
) -> None:
    c, job = await _client_and_job(app, db)
    first = await _upload(c, job, _jsonl([{"text": "一模一样的文本"}]))
    await _ingest(app, first["id"])
    second = await _upload(c, job, _jsonl([{"text": "一模一样的文本"}, {"text": "新的"}]))
    await _ingest(app, second["id"])
    state = (await c.get(f"/api/v1/datasets/{second['id']}")).json()
    assert (state["accepted"], state["duplicates"]) == (1, 1)
    count = await db.scalar(select(func.count()).select_from(Item).where(Item.job_id == job.id))
    assert count == 2


async def test_idempotency_key_returns_the_first_dataset(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    headers = {"Idempotency-Key": "upload-2026-11-26-a"}
    files = {"file": ("d.jsonl", _jsonl([{"text": "x"}]))}
    first = await c.post(
        f"/api/v1/jobs/{job.id}/datasets", files=files, data={"format": "jsonl"}, headers=headers
    )
    again = await c.post(
        f"/api/v1/jobs/{job.id}/datasets", files=files, data={"format": "jsonl"}, headers=headers
    )
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert await db.scalar(select(func.count()).select_from(Dataset)) == 1


async def test_bad_lines_are_rejected_one_by_one(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    body = (
        b'{"text": "ok one"}\n'
        + b'{"text": "bad \xff\xfe bytes"}\n'
        + b'{"text": "'
        + b"x" * (2 << 20)
        + b'"}\n'  # a 2 MB line
        + b'{"text": "   "}\n'
        + b'{"text": "ok two"}\n'
    )
    ds = await _upload(c, job, body)
    await _ingest(app, ds["id"])
    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert state["status"] == "ready"
    assert state["accepted"] == 2
    codes = {
        r["seq"]: r["code"]
        for r in (await c.get(f"/api/v1/datasets/{ds['id']}/rejections")).json()["items"]
    }
    assert codes == {1: "invalid_utf8", 2: "too_long", 3: "empty"}


async def test_csv_with_bom_and_ragged_rows(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    body = '\ufeffid,text\n1,第一条\n2,第二条,多余的列\n3,"带,逗号"\n'.encode()
    ds = await _upload(c, job, body, name="d.csv", format="csv")
    await _ingest(app, ds["id"])
    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert (state["status"], state["accepted"], state["rejected"]) == ("ready", 2, 1)
    items = (await c.get(f"/api/v1/datasets/{ds['id']}/items")).json()["items"]
    assert [i["text"] for i in items] == ["第一条", "带,逗号"]
    assert items[0]["meta"] == {"id": "1"}


async def test_csv_without_the_column_fails_clearly(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    ds = await _upload(c, job, b"a,b\n1,2\n", name="d.csv", format="csv")
    await _ingest(app, ds["id"])
    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert state["status"] == "failed"
    assert "missing_column" in state["error"]
    assert await db.scalar(select(func.count()).select_from(Item)) == 0


async def test_gold_answers_are_kept_apart(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    body = _jsonl([{"text": "好评", "label": "pos"}, {"text": "差评", "label": "neg"}])
    ds = await _upload(c, job, body, gold=True, answer_field="label")
    await _ingest(app, ds["id"])
    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert (state["status"], state["accepted"], state["tasks"]) == ("ready", 2, 0)
    answers = (await db.scalars(select(GoldAnswer.answer))).all()
    assert sorted(answers) == ["neg", "pos"]
    items = (await c.get(f"/api/v1/datasets/{ds['id']}/items")).json()["items"]
    assert all("label" not in i["meta"] for i in items)


async def test_crash_mid_ingest_resumes_without_duplicates(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, job = await _client_and_job(app, db, task_size=3)
    monkeypatch.setattr(ingest, "BATCH_SIZE", 4)
    ds = await _upload(c, job, _jsonl([{"text": f"第{i}条"} for i in range(10)]))
    real_advance = repo.advance
    calls = 0

    async def crash_on_second_batch(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("worker lost its database mid-batch")
        await real_advance(*args, **kwargs)

    monkeypatch.setattr(repo, "advance", crash_on_second_batch)
    with pytest.raises(ConnectionError):
        await ingest.run(
            app.state.sessionmaker, app.state.store, uuid.UUID(ds["id"]), final_attempt=False
        )
    half = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    # The first batch (4 items) is committed with the one whole task it made.
    assert (half["status"], half["accepted"], half["tasks"]) == ("processing", 4, 1)

    monkeypatch.setattr(repo, "advance", real_advance)
    await _ingest(app, ds["id"])  # the retry
    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert (state["status"], state["accepted"], state["duplicates"], state["tasks"]) == (
        "ready",
        10,
        0,
        4,
    )
    seqs = (await db.scalars(select(Item.seq).order_by(Item.seq))).all()
    assert seqs == list(range(10))


async def test_final_failure_leaves_no_items(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, job = await _client_and_job(app, db)
    monkeypatch.setattr(ingest, "BATCH_SIZE", 2)
    ds = await _upload(c, job, _jsonl([{"text": f"t{i}"} for i in range(6)]))

    async def broken_put_at(*_: Any, **__: Any) -> None:
        raise RuntimeError("disk full while writing a manifest")

    monkeypatch.setattr(app.state.store, "put_at", broken_put_at)
    with pytest.raises(RuntimeError):
        await ingest.run(app.state.sessionmaker, app.state.store, uuid.UUID(ds["id"]))
    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert state["status"] == "failed"
    assert "RuntimeError" in state["error"]
    assert await db.scalar(select(func.count()).select_from(Item)) == 0


async def test_upload_checks(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    bad_format = await c.post(
        f"/api/v1/jobs/{job.id}/datasets", files={"file": ("d", b"x")}, data={"format": "xml"}
    )
    assert bad_format.status_code == 422
    assert bad_format.json()["fields"][0]["field"].endswith("format")
    gold_without_answer = await c.post(
        f"/api/v1/jobs/{job.id}/datasets",
        files={"file": ("d", b"x")},
        data={"format": "jsonl", "gold": "true"},
    )
    assert gold_without_answer.status_code == 422
    image_job = await make_job(db, await db.get_one(Enterprise, job.client_id))
    await db.commit()
    wrong_kind = await c.post(
        f"/api/v1/jobs/{image_job.id}/datasets",
        files={"file": ("d", b"x")},
        data={"format": "jsonl"},
    )
    assert wrong_kind.status_code == 422


async def test_presigned_upload_then_process(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    ticket = (await c.post("/api/v1/uploads")).json()
    assert ticket["method"] == "PUT"
    body = "第一条\n第二条\n\n第三条\n".encode()
    put = await c.put(
        ticket["url"].removeprefix(app.state.settings.server.public_url), content=body
    )
    assert put.status_code in (200, 201), put.text
    r = await c.post(
        f"/api/v1/jobs/{job.id}/datasets/from-upload",
        json={"format": "txt", "upload_key": ticket["key"]},
    )
    assert r.status_code == 202, r.text
    await _ingest(app, r.json()["id"])
    items = (await c.get(f"/api/v1/datasets/{r.json()['id']}/items")).json()["items"]
    assert [i["text"] for i in items] == ["第一条", "第二条", "第三条"]
    missing = await c.post(
        f"/api/v1/jobs/{job.id}/datasets/from-upload",
        json={"format": "txt", "upload_key": ticket["key"] + "-never-uploaded"},
    )
    assert missing.status_code == 404


async def test_label_studio_tasks_and_pii_masking(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    tasks = [
        {"id": 7, "data": {"text": "请联系张先生 13812345678 或 zhang@example.com"}},
        {"id": 8, "data": {"text": "普通评论"}},
        {"id": 9, "predictions": []},
    ]
    ds = await _upload(c, job, orjson.dumps(tasks), name="ls.json", format="labelstudio",
                       mask_pii=True)  # fmt: skip
    await _ingest(app, ds["id"])
    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert (state["accepted"], state["rejected"]) == (2, 1)
    items = (await c.get(f"/api/v1/datasets/{ds['id']}/items")).json()["items"]
    masked = items[0]
    assert "13812345678" not in masked["text"]
    assert "zhang@example.com" not in masked["text"]
    assert masked["meta"] == {"labelstudio_id": 7}
    spans = masked["cleaning"]["pii_spans"]
    assert sorted(s["kind"] for s in spans) == ["email", "phone"]
    for span in spans:
        assert masked["text"][span["start"] : span["end"]].startswith("[")


async def test_tsv_and_near_duplicates_can_be_excluded(app: FastAPI, db: AsyncSession) -> None:
    c, job = await _client_and_job(app, db)
    sentence = "这家店的客服非常耐心，帮我换了两次尺码，物流也很快，下次还会再来买"
    body = f"text\tshop\n{sentence}\ta\n{sentence}！\tb\n完全不同的另一条评论内容\tc\n".encode()
    ds = await _upload(c, job, body, name="d.tsv", format="tsv")
    await _ingest(app, ds["id"])
    state = (await c.get(f"/api/v1/datasets/{ds['id']}")).json()
    assert (state["accepted"], state["near_duplicates"]) == (3, 1)
    flagged = (
        await c.get(f"/api/v1/datasets/{ds['id']}/items", params={"near_duplicates": "true"})
    ).json()["items"]
    assert len(flagged) == 1
    r = await c.patch(
        f"/api/v1/datasets/{ds['id']}/items/{flagged[0]['id']}", json={"excluded": True}
    )
    assert r.status_code == 200
    assert r.json()["excluded"] is True


async def test_a_ready_dataset_opens_k_slots_per_task_the_rest_by_a_job(
    app: FastAPI, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first tasks join the queue with the ready mark; a big dataset's rest follows in
    chunks from a background job (here: 10 inline, then chunks of 7)."""
    monkeypatch.setattr(ingest_batch, "INLINE_TASKS", 10)
    monkeypatch.setattr(ingest, "SLOT_CHUNK", 7)
    c, job = await _client_and_job(app, db, task_size=1)
    ds = await _upload(c, job, _jsonl([{"text": f"第{i}条评论，还不错"} for i in range(30)]))
    await _ingest(app, ds["id"])

    def slots_per_task() -> Any:
        return (
            select(TaskSlot.task_id, func.count())
            .join(Task, Task.id == TaskSlot.task_id)
            .where(Task.dataset_id == uuid.UUID(ds["id"]))
            .group_by(TaskSlot.task_id)
        )

    opened = (await db.execute(slots_per_task())).all()
    assert len(opened) == 10
    assert {n for _, n in opened} == {job.overlap}
    queued = (
        await db.execute(
            text(
                "SELECT args FROM procrastinate_jobs WHERE task_name = 'brigade.open_dataset_slots'"
            )
        )
    ).scalar_one()
    assert queued["dataset_id"] == ds["id"]

    chunks = await ingest.open_remaining_slots(
        app.state.sessionmaker, uuid.UUID(ds["id"]), queued["after"]
    )
    assert chunks == 3  # 20 tasks left, 7 at a time
    opened = (await db.execute(slots_per_task())).all()
    assert len(opened) == 30
    assert {n for _, n in opened} == {job.overlap}
    # Running it again (a retried job) changes nothing.
    assert await ingest.open_remaining_slots(app.state.sessionmaker, uuid.UUID(ds["id"]), 0) == 5
    assert len((await db.execute(slots_per_task())).all()) == 30
