"""Dataset ingest as a resumable background job.

Batches of source records are cleaned, de-duplicated against the job, stored, cut into tasks
and committed together with the dataset's checkpoint, so a crash loses at most the batch in
flight and a rerun resumes after the checkpoint: no record is stored twice, none is skipped.
Only a ready dataset is served to annotators; one that cannot finish is marked failed and its
items are removed, never left half-usable.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.ingest import images
from app.ingest import repository as repo
from app.ingest.images import ImageInput
from app.ingest.near_dup import NearDupIndex
from app.ingest.phash_index import PhashIndex
from app.ingest.rows import ItemRow
from app.ingest.s3_import import ImportRejected, S3Location, fetch_listing, fetch_object
from app.ingest.sources import Problem, Record, SourceRejected, TextOptions, read_text_source
from app.ingest.tasks import PendingItem, TaskCutter, manifest_body, manifest_key, task_rows
from app.ingest.text_batch import TextCleaning, clean_records
from app.kit.db import session_scope
from app.kit.jobs import defer_job
from app.kit.storage import ObjectStore
from app.labeling.repository import INLINE_TASKS, SLOT_CHUNK, open_slots_chunk
from app.models import DataKind, Dataset, DatasetStatus, LabelingJob

IMAGE_FORMATS = ("images", "zip")

log = structlog.get_logger(__name__)

BATCH_SIZE = 20_000


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
) -> _Batch:
    batch = _Batch(
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
    with tempfile.TemporaryDirectory(prefix="brigade-ingest-") as tmp:
        path = await _spool(store, claim["raw_key"], tmp)
        records = read_text_source(path, claim["format"], source_opts)
        for recs, probs, last in _batches(records, claim["checkpoint"]):
            rows, rejected = clean_records(recs, cleaning)
            async with session_scope(maker) as session:
                await batch.write(session, store, rows, probs, rejected, last)
    async with session_scope(maker) as session:
        await batch.close(session, store)


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
        async with session_scope(maker) as session:
            await batch.write(session, store, rows, probs, rejected, pending[-1].seq)

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


@dataclass
class _Batch:
    """Writes one batch of cleaned rows: items, duplicates, gold answers, tasks, progress."""

    job_id: uuid.UUID
    dataset_id: uuid.UUID
    kind: DataKind
    gold: bool
    near: NearDupIndex | PhashIndex | None
    cutter: TaskCutter
    # Content already in this dataset, as 16-byte digest prefixes (a million fit in ~50 MB):
    # repeats inside the upload are found here; the database is asked only about other datasets.
    seen: set[bytes] = field(default_factory=set)

    def near_value(self, text: str | None, phash: int | None) -> Any:
        """What the near-duplicate index compares: the text, or the image's perceptual hash."""
        return phash if self.kind is DataKind.IMAGE else (text or "")

    async def resume(self, maker: async_sessionmaker[AsyncSession]) -> None:
        async with session_scope(maker) as session:
            stored = await repo.stored_items(session, self.dataset_id)
            self.seen.update(bytes.fromhex(sha)[:16] for _, sha, _, _ in stored)
            if self.near is not None:
                self.near.add_many((i, self.near_value(t, p)) for i, _, t, p in stored)
            self.cutter.next_seq = await repo.next_task_seq(session, self.dataset_id)
            self.cutter.pending = await repo.pending_for_tasks(session, self.dataset_id)

    async def write(
        self,
        session: AsyncSession,
        store: ObjectStore,
        rows: list[ItemRow],
        probs: list[Problem],
        rejected: list[Problem],
        last_seq: int,
    ) -> None:
        await repo.lock_job(session, self.job_id)
        known: dict[str, int] = {}
        if await repo.job_has_other_items(session, self.job_id, self.dataset_id):
            known = await repo.existing_hashes(session, self.job_id, [r.sha256 for r in rows])
        fresh: list[ItemRow] = []
        repeats: list[ItemRow] = []
        for row in rows:
            digest = bytes.fromhex(row.sha256)[:16]
            if row.sha256 in known or digest in self.seen:
                repeats.append(row)
            else:
                self.seen.add(digest)
                fresh.append(row)
        ids = await repo.take_ids(session, "items", len(fresh))
        known.update({row.sha256: i for row, i in zip(fresh, ids, strict=True)})
        earlier = [r.sha256 for r in repeats if r.sha256 not in known]  # earlier batches
        if earlier:
            known.update(await repo.existing_hashes(session, self.job_id, earlier))
        near_of: list[int | None] = [None] * len(fresh)
        if self.near is not None:
            near_of = self.near.add_many(
                (i, self.near_value(r.text, r.phash)) for r, i in zip(fresh, ids, strict=True)
            )
        job, ds, gold = str(self.job_id), str(self.dataset_id), "t" if self.gold else "f"
        await repo.copy_rows(
            session,
            "items",
            repo.ITEM_COLUMNS,
            (
                (
                    i,
                    job,
                    ds,
                    r.seq,
                    self.kind,
                    r.sha256,
                    r.source,
                    r.text,
                    r.object_key,
                    r.thumb_key,
                    r.width,
                    r.height,
                    r.phash,
                    r.meta,
                    r.cleaning,
                    gold,
                    near,
                )
                for r, i, near in zip(fresh, ids, near_of, strict=True)
            ),
        )
        if self.gold:
            await repo.copy_rows(
                session,
                "gold_answers",
                ("item_id", "answer"),
                ((i, r.answer) for r, i in zip(fresh, ids, strict=True) if r.answer is not None),
            )
        duplicates = [
            (
                Problem(r.seq, r.source, "duplicate", f"same content as item {known[r.sha256]}"),
                known[r.sha256],
            )
            for r in repeats
        ]
        await repo.write_problems(session, self.dataset_id, [*probs, *rejected], duplicates)
        tasks = 0
        if not self.gold:
            tasks = await self._cut(
                session,
                store,
                [(i, r.sha256, r.object_key) for r, i in zip(fresh, ids, strict=True)],
            )
        await repo.advance(
            session,
            self.dataset_id,
            received=len(rows) + len(probs) + len(rejected),
            accepted=len(fresh),
            rejected=len(probs) + len(rejected),
            duplicates=len(repeats),
            near_duplicates=sum(1 for n in near_of if n is not None),
            tasks=tasks,
            checkpoint=last_seq,
        )

    async def _cut(
        self,
        session: AsyncSession,
        store: ObjectStore,
        items: list[PendingItem],
        final: bool = False,
    ) -> int:
        cut = self.cutter.cut(items, final=final)
        if not cut.groups:
            return 0
        task_ids = await repo.take_ids(session, "tasks", len(cut.groups))
        await repo.copy_rows(
            session, "tasks", repo.TASK_COLUMNS,
            task_rows(cut, task_ids, self.job_id, self.dataset_id),
        )  # fmt: skip
        # Written before the commit: a retried batch cuts the same seqs into the same object.
        key = manifest_key(self.job_id, self.dataset_id, cut.first_seq)
        await store.put_at(key, manifest_body(cut, task_ids), "application/x-ndjson")
        return len(cut.groups)

    async def close(self, session: AsyncSession, store: ObjectStore) -> None:
        """The last, short task; then the dataset is ready."""
        tasks = 0 if self.gold else await self._cut(session, store, [], final=True)
        ds = await session.get_one(Dataset, self.dataset_id, with_for_update=True)
        ds.tasks += tasks
        # Its tasks join the job's queue only now (annotators never see a dataset that might
        # still fail): the first ones in this transaction, the rest by a job in chunks, so a
        # million-item dataset does not end in one huge insert. The job lock keeps k fixed.
        await repo.lock_job(session, self.job_id)
        last = await open_slots_chunk(session, self.dataset_id, 0, INLINE_TASKS)
        if last is not None and last == await repo.last_task_id(session, self.dataset_id):
            last = None  # all opened
        if last is not None:
            await defer_job(
                session, "brigade.open_dataset_slots", dataset_id=str(self.dataset_id), after=last
            )
        ds.status = DatasetStatus.READY
        ds.finished_at = datetime.now(UTC)
        log.info("dataset_ready", dataset_id=str(self.dataset_id), tasks=ds.tasks)


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
