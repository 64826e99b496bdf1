"""Dataset ingest as a resumable background job.

Batches of source records are cleaned, de-duplicated by the database and committed together
with the dataset's checkpoint, so a crash loses at most the batch in flight and a rerun resumes
after the checkpoint: no record is stored twice, none is skipped. Splitting into tasks, writing
the manifests and marking the dataset ready happen in one final transaction; a dataset that
cannot finish is marked failed and its items are removed, never left half-usable.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.ingest import repository as repo
from app.ingest.near_dup import NearDupIndex
from app.ingest.sources import Problem, Record, SourceRejected, TextOptions, read_text_source
from app.ingest.text_batch import TextCleaning, clean_records
from app.kit.db import session_scope
from app.kit.storage import ObjectStore
from app.models import Dataset, DatasetStatus, Item, LabelingJob

log = structlog.get_logger(__name__)

BATCH_SIZE = 20_000
TASKS_PER_SHARD = 1_000


def manifest_key(job_id: uuid.UUID, dataset_id: uuid.UUID, shard: int) -> str:
    return f"manifests/{job_id}/{dataset_id}/tasks-{shard:05d}.jsonl"


async def _claim(maker: async_sessionmaker[AsyncSession], dataset_id: uuid.UUID) -> Any:
    async with session_scope(maker) as session:
        ds = await session.get(Dataset, dataset_id, with_for_update=True)
        if ds is None or ds.status in (DatasetStatus.READY, DatasetStatus.FAILED):
            return None
        job = await session.get_one(LabelingJob, ds.job_id)
        ds.status = DatasetStatus.PROCESSING
        ds.started_at = ds.started_at or datetime.now(UTC)
        return {
            "job_id": ds.job_id,
            "gold": ds.is_gold,
            "format": ds.format,
            "options": dict(ds.options),
            "raw_key": ds.raw_key,
            "checkpoint": ds.checkpoint,
            "task_size": job.task_size,
        }


async def _spool(store: ObjectStore, key: str, directory: str) -> Path:
    path = Path(directory) / "raw"
    with path.open("wb") as fh:
        async for chunk in store.iter_chunks(key):
            fh.write(chunk)
    return path


def _batches(
    records: Iterator[Record | Problem], after: int
) -> Iterator[tuple[list[Record], list[Problem], int]]:
    recs: list[Record] = []
    probs: list[Problem] = []
    last = after
    for r in records:
        if r.seq <= after:
            continue  # committed by an earlier attempt
        (recs if isinstance(r, Record) else probs).append(r)  # type: ignore[arg-type]
        last = r.seq
        if len(recs) + len(probs) >= BATCH_SIZE:
            yield recs, probs, last
            recs, probs = [], []
    if recs or probs:
        yield recs, probs, last


async def _rebuild_near_index(
    maker: async_sessionmaker[AsyncSession], dataset_id: uuid.UUID, index: NearDupIndex
) -> None:
    async with session_scope(maker) as session:
        rows = await session.execute(
            select(Item.seq, Item.text).where(Item.dataset_id == dataset_id).order_by(Item.seq)
        )
        index.add_many((seq, text or "") for seq, text in rows)


async def run(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    dataset_id: uuid.UUID,
    *,
    final_attempt: bool = True,
) -> None:
    claim = await _claim(maker, dataset_id)
    if claim is None:
        return
    try:
        await _ingest_text(maker, store, dataset_id, claim)
        await _finish(maker, store, dataset_id, claim)
    except SourceRejected as exc:
        await _fail(maker, dataset_id, f"{exc.code}: {exc.message}")
    except Exception as exc:
        if final_attempt:
            await _fail(maker, dataset_id, f"internal error ({type(exc).__name__}); ingest gave up")
        raise


async def _ingest_text(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    dataset_id: uuid.UUID,
    claim: dict[str, Any],
) -> None:
    opts = claim["options"]
    source_opts = TextOptions(
        text_field=opts.get("text_field", "text"),
        answer_field=opts.get("answer_field") if claim["gold"] else None,
    )
    cleaning = TextCleaning(
        max_chars=opts.get("max_chars", 100_000), mask_pii=opts.get("mask_pii", False)
    )
    near = NearDupIndex() if opts.get("near_duplicates", True) else None
    if near is not None and claim["checkpoint"] >= 0:
        await _rebuild_near_index(maker, dataset_id, near)
    with tempfile.TemporaryDirectory(prefix="brigade-ingest-") as tmp:
        path = await _spool(store, claim["raw_key"], tmp)
        records = read_text_source(path, claim["format"], source_opts)
        for recs, probs, last in _batches(records, claim["checkpoint"]):
            rows, rejected = clean_records(recs, cleaning)
            probs.extend(rejected)
            near_of: dict[int, int] = {}
            if near is not None:
                matches = near.add_many((row[0], row[3]) for row in rows)
                near_of = {row[0]: m for row, m in zip(rows, matches, strict=True) if m is not None}
            async with session_scope(maker) as session:
                result = await repo.write_text_batch(
                    session,
                    job_id=claim["job_id"],
                    dataset_id=dataset_id,
                    gold=claim["gold"],
                    rows=rows,
                    near=near_of,
                    problems=probs,
                )
                await repo.advance(
                    session,
                    dataset_id,
                    received=len(recs) + len(probs) - len(rejected),
                    accepted=result.accepted,
                    rejected=len(probs),
                    duplicates=result.duplicates,
                    near_duplicates=result.near_duplicates,
                    checkpoint=last,
                )


async def _finish(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    dataset_id: uuid.UUID,
    claim: dict[str, Any],
) -> None:
    async with session_scope(maker) as session:
        if not claim["gold"]:
            tasks = await repo.split_into_tasks(
                session,
                job_id=claim["job_id"],
                dataset_id=dataset_id,
                task_size=claim["task_size"],
                per_shard=TASKS_PER_SHARD,
            )
            await _write_manifests(session, store, claim["job_id"], dataset_id, claim["task_size"])
        else:
            tasks = 0
        ds = await session.get_one(Dataset, dataset_id, with_for_update=True)
        ds.tasks = tasks
        ds.status = DatasetStatus.READY
        ds.finished_at = datetime.now(UTC)
    log.info("dataset_ready", dataset_id=str(dataset_id), tasks=tasks)


async def _write_manifests(
    session: AsyncSession,
    store: ObjectStore,
    job_id: uuid.UUID,
    dataset_id: uuid.UUID,
    task_size: int,
) -> None:
    """One JSON-lines object per shard of tasks; a line per task listing its items."""
    async for shard, body in repo.manifest_shards(session, dataset_id, task_size):
        key = manifest_key(job_id, dataset_id, shard)
        await store.put_at(key, body.encode(), "application/x-ndjson")


async def _fail(maker: async_sessionmaker[AsyncSession], dataset_id: uuid.UUID, why: str) -> None:
    async with session_scope(maker) as session:
        ds = await session.get(Dataset, dataset_id, with_for_update=True)
        if ds is None:
            return
        await repo.discard_items(session, dataset_id)
        ds.status = DatasetStatus.FAILED
        ds.error = why
        ds.finished_at = datetime.now(UTC)
    log.warning("dataset_failed", dataset_id=str(dataset_id), reason=why)
