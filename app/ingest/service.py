"""Dataset ingest as a resumable background job.

Batches of source records are cleaned, de-duplicated against the job, stored, cut into tasks
and committed together with the dataset's checkpoint, so a crash loses at most the batch in
flight and a rerun resumes after the checkpoint: no record is stored twice, none is skipped.
Only a ready dataset is served to annotators; one that cannot finish is marked failed and its
items are removed, never left half-usable.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.ingest import images
from app.ingest import repository as repo
from app.ingest.batch import BatchWriter
from app.ingest.images import ImageInput
from app.ingest.near_dup import NearDupIndex
from app.ingest.phash_index import PhashIndex
from app.ingest.pipeline import Cleaned, run_pipeline
from app.ingest.pool import pool, shutdown_pool
from app.ingest.rows import prepare
from app.ingest.s3_import import ImportRejected, S3Location, fetch_listing, fetch_object
from app.ingest.sources import (
    Problem,
    Record,
    SourceRejected,
    TextOptions,
    line_blocks,
    read_text_source,
)
from app.ingest.tasks import TaskCutter
from app.ingest.text_batch import TextCleaning, TextSpec, prepare_text
from app.kit.db import session_scope
from app.kit.storage import ObjectStore
from app.labeling.repository import SLOT_CHUNK, open_slots_chunk
from app.models import DataKind, Dataset, DatasetStatus, LabelingJob

IMAGE_FORMATS = ("images", "zip")

log = structlog.get_logger(__name__)

BATCH_SIZE = 5_000  # source records per transaction
# Below this size a text file is cleaned in the job's own process: starting worker processes
# costs more than they save.
POOL_MIN_BYTES = 4 << 20


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
        if isinstance(r, Problem):
            probs.append(r)
        else:
            recs.append(r)
        last = r.seq
        if len(recs) + len(probs) >= BATCH_SIZE:
            yield recs, probs, last
            recs, probs = [], []
    if recs or probs:
        yield recs, probs, last


async def run(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    dataset_id: uuid.UUID,
    *,
    final_attempt: bool = True,
    server_secret: bytes | None = None,
) -> None:
    claim = await _claim(maker, dataset_id)
    if claim is None:
        return
    try:
        if claim["raw_key"] is None:
            claim["raw_key"] = await _fetch_source(maker, store, dataset_id, claim, server_secret)
        if claim["format"] in IMAGE_FORMATS:
            await _ingest_images(maker, store, dataset_id, claim)
        else:
            await _ingest_text(maker, store, dataset_id, claim)
    except SourceRejected as exc:
        await _fail(maker, dataset_id, f"{exc.code}: {exc.message}")
    except ImportRejected as exc:
        await _fail(maker, dataset_id, f"import_failed: {exc}")
    except Exception as exc:
        if isinstance(exc, BrokenProcessPool):
            # A worker process died (killed, out of memory): the pool takes no more work, so the
            # retry, and every later dataset, gets a new one.
            shutdown_pool()
        if final_attempt:
            await _fail(maker, dataset_id, f"internal error ({type(exc).__name__}); ingest gave up")
        raise


async def _fetch_source(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    dataset_id: uuid.UUID,
    claim: dict[str, Any],
    server_secret: bytes | None,
) -> str:
    """Copy an S3 import into our store, then forget the client's credentials."""
    source = claim["options"].get("source")
    if source is None or server_secret is None:
        raise SourceRejected("no_source", "the dataset has neither an upload nor an S3 source")
    loc = S3Location.unsealed(server_secret, source)
    if claim["format"] == "images":
        key, size = await fetch_listing(loc, store)
    else:
        key, size = await fetch_object(loc, store)
    async with session_scope(maker) as session:
        ds = await session.get_one(Dataset, dataset_id, with_for_update=True)
        ds.raw_key, ds.raw_size = key, size
        ds.options = _without_credentials(ds.options)
    return key


def _without_credentials(options: dict[str, Any]) -> dict[str, Any]:
    source = options.get("source")
    if not source:
        return options
    kept = {k: v for k, v in source.items() if k not in ("access_key", "secret_key")}
    return {**options, "source": kept}


async def _open_batch(
    maker: async_sessionmaker[AsyncSession],
    dataset_id: uuid.UUID,
    claim: dict[str, Any],
    kind: DataKind,
    near: NearDupIndex | PhashIndex | None,
) -> BatchWriter:
    batch = BatchWriter(
        job_id=claim["job_id"],
        dataset_id=dataset_id,
        kind=kind,
        gold=claim["gold"],
        near=near,
        cutter=TaskCutter(size=claim["task_size"]),
    )
    if claim["checkpoint"] >= 0:  # a retry: pick up what committed batches left
        await batch.resume(maker)
    return batch


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
    batch = await _open_batch(maker, dataset_id, claim, DataKind.TEXT, near)
    fmt = claim["format"]
    spec = TextSpec(
        cleaning=cleaning,
        source=source_opts,
        format="jsonl" if fmt == "jsonl" else "txt",
        after=claim["checkpoint"],
        near=None if near is None else near.params,
        job_id=str(claim["job_id"]),
        dataset_id=str(dataset_id),
        gold=claim["gold"],
    )
    with tempfile.TemporaryDirectory(prefix="brigade-ingest-") as tmp:
        path = await _spool(store, claim["raw_key"], tmp)
        if path.stat().st_size < POOL_MIN_BYTES:
            records = read_text_source(path, fmt, source_opts)
            for recs, probs, last in _batches(records, claim["checkpoint"]):
                prepared = prepare_text(recs, spec)
                async with session_scope(maker) as session:
                    await batch.write(session, store, prepared, probs, last)
        else:
            batch.reserve(_expected_records(path, fmt))
            if fmt in ("jsonl", "txt"):
                with path.open("rb") as fh:
                    await run_pipeline(maker, store, batch, _cleaned_blocks(fh, spec))
            else:
                records = read_text_source(path, fmt, source_opts)
                await run_pipeline(maker, store, batch, _cleaned_records(records, spec))
    async with session_scope(maker) as session:
        await batch.close(session, store)


def _cleaned_records(records: Iterator[Record | Problem], spec: TextSpec) -> Iterator[Cleaned]:
    """CSV and Label Studio records can span lines, so they are parsed here (the csv module
    and ijson, both in C) and cleaned in the worker processes."""
    loop = asyncio.get_running_loop()
    for recs, probs, last in _batches(records, spec.after):
        yield loop.run_in_executor(pool(), prepare_text, recs, spec), probs, last


# Indexes are sized up front for at most this many items; a bigger dataset grows them.
RESERVE_MAX = 2_000_000


def _expected_records(path: Path, fmt: str) -> int:
    """About how many records the file has, from its size and its first MiB: lines, or
    Label Studio tasks (one JSON array, often on one line)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    marker = b'"data"' if fmt == "labelstudio" else b"\n"
    per_record = len(sample) / max(sample.count(marker), 1)
    return min(int(size / per_record * 1.05) + 1, RESERVE_MAX)


def _cleaned_blocks(fh: BinaryIO, spec: TextSpec) -> Iterator[Cleaned]:
    """Lines go to the worker processes unparsed: parsing is a quarter of the cleaning work,
    and this process is the pipeline's narrowest stage."""
    loop = asyncio.get_running_loop()
    limit = spec.source.max_record_bytes
    for block in line_blocks(fh, limit, BATCH_SIZE, first=BATCH_SIZE // 5):
        if block.records and block.last_seq > spec.after:
            yield loop.run_in_executor(pool(), prepare_text, block, spec), [], block.last_seq


async def _ingest_images(
    maker: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    dataset_id: uuid.UUID,
    claim: dict[str, Any],
) -> None:
    opts = claim["options"]
    near = (
        PhashIndex(opts.get("max_phash_distance", 6)) if opts.get("near_duplicates", True) else None
    )
    batch = await _open_batch(maker, dataset_id, claim, DataKind.IMAGE, near)
    after = claim["checkpoint"]
    max_pixels = opts.get("max_pixels", 100_000_000)

    async def flush(pending: list[ImageInput | Problem]) -> None:
        inputs = [p for p in pending if isinstance(p, ImageInput)]
        probs = [p for p in pending if isinstance(p, Problem)]
        rows, rejected = await images.clean_batch(store, inputs, max_pixels)
        prepared = prepare(
            rows,
            rejected,
            job_id=str(claim["job_id"]),
            dataset_id=str(dataset_id),
            kind="image",
            gold=claim["gold"],
            near=[r.phash for r in rows] if near is not None else None,
        )
        async with session_scope(maker) as session:
            await batch.write(session, store, prepared, probs, pending[-1].seq)

    pending: list[ImageInput | Problem] = []
    with tempfile.TemporaryDirectory(prefix="brigade-ingest-") as tmp:
        if claim["format"] == "zip":
            path = await _spool(store, claim["raw_key"], tmp)
            for entry in images.iter_zip_inputs(path, after):
                pending.append(entry)
                if len(pending) >= images.IMAGE_BATCH:
                    await flush(pending)
                    pending = []
        else:
            listing = await store.get_bytes(claim["raw_key"])
            async for entry in images.iter_listed_inputs(store, listing, after):
                pending.append(entry)
                if len(pending) >= images.IMAGE_BATCH:
                    await flush(pending)
                    pending = []
        if pending:
            await flush(pending)
    async with session_scope(maker) as session:
        await batch.close(session, store)


async def _fail(maker: async_sessionmaker[AsyncSession], dataset_id: uuid.UUID, why: str) -> None:
    async with session_scope(maker) as session:
        ds = await session.get(Dataset, dataset_id, with_for_update=True)
        if ds is None:
            return
        await repo.discard_items(session, dataset_id)
        ds.options = _without_credentials(ds.options)
        ds.status = DatasetStatus.FAILED
        ds.error = why
        ds.finished_at = datetime.now(UTC)
    log.warning("dataset_failed", dataset_id=str(dataset_id), reason=why)


async def open_remaining_slots(
    maker: async_sessionmaker[AsyncSession], dataset_id: uuid.UUID, after: int
) -> int:
    """The rest of a ready dataset's slots, one chunk per transaction (safe to run twice)."""
    chunks = 0
    while True:
        async with session_scope(maker) as session:
            ds = await session.get(Dataset, dataset_id)
            if ds is None or ds.status is not DatasetStatus.READY:
                return chunks
            await repo.lock_job(session, ds.job_id)
            last = await open_slots_chunk(session, dataset_id, after, SLOT_CHUNK)
        if last is None:
            return chunks
        after, chunks = last, chunks + 1
