"""Running one export: the job's items read in batches from one database snapshot, written by
the format's writer into a temporary file, the file stored, the request marked done.

Memory stays constant whatever the job's size: the reader holds one batch, a bounded queue
hands batches to the writer (a plain, synchronous function over an iterable of items) running
in a thread, and the writers stream (``formats/``). Reading and writing overlap: PostgreSQL and
the decoding of rows on one side, formatting on the other.

A crash or a failed attempt leaves nothing half-published: the file is stored under the
export's own key only after it is complete, and the request becomes ``done`` in the same
transaction that records the file. A retried job starts again from the first item.
"""

from __future__ import annotations

import asyncio
import queue
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

import structlog
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.exports import repository as repo
from app.exports.formats import FORMATS, WriteSummary
from app.exports.records import ExportItem, ExportJob, ExportLabel
from app.kit.db import session_scope
from app.kit.storage import ObjectStore
from app.labeling.answers import parse_schema
from app.models import Export, ExportLabels, ExportStatus, LabelingJob
from app.webhooks import events as webhook_events

log = structlog.get_logger(__name__)

# Items per read: bigger batches cost fewer round trips, but every annotator's label with its
# answer is a few hundred bytes of Python objects, so raw batches are smaller (memory stays
# flat: at most QUEUED_BATCHES + 2 batches exist at once).
BATCH = 5000
RAW_BATCH = 1000
QUEUED_BATCHES = 2
PROGRESS_EVERY = 10  # batches between progress updates
IMAGE_URL_TTL = 7 * 24 * 3600  # the longest a presigned URL may live
T = TypeVar("T")

_EXTENSIONS = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
_DONE = object()


def image_extension(source: str | None, reencoded: str | None, actual: str | None) -> str:
    """The extension of the stored image: re-encoded ones are JPEG or PNG; kept ones are what
    their bytes are (the upload's extension, unless ingest found it lied)."""
    if reencoded in ("jpeg", "png"):
        return ".jpg" if reencoded == "jpeg" else ".png"
    if actual in _EXTENSIONS:
        return _EXTENSIONS[actual]
    name = (source or "").rsplit("/", 1)[-1]
    dot = name.rfind(".")
    suffix = name[dot:].lower() if dot > 0 else ""
    return ".jpg" if suffix in ("", ".", ".jpeg") else suffix


def export_job(job: LabelingJob) -> ExportJob:
    schema = parse_schema(job.label_schema)
    return ExportJob(
        job_id=str(job.id),
        name=job.name,
        kind=schema.kind,
        multi=bool(getattr(schema, "multi", False)),
        labels=[label.name for label in schema.labels],
        label_titles={label.name: label.title or label.name for label in schema.labels},
        tokenize=getattr(schema, "tokenize", "char"),
        exported_at=datetime.now(UTC),
    )


async def _batches(
    session: AsyncSession, store: ObjectStore, export: Export
) -> AsyncIterator[list[ExportItem]]:
    f = export.filters
    raw = export.labels is ExportLabels.RAW
    submitted_from = _time(f.get("submitted_from"))
    submitted_to = _time(f.get("submitted_to"))
    after = 0
    while True:
        rows = await repo.items_after(
            session,
            export.job_id,
            after,
            RAW_BATCH if raw else BATCH,
            include_gold=bool(f.get("include_gold")),
            accepted_items=bool(f.get("only_accepted")) and not raw,
            min_confidence=f.get("min_confidence"),
            decided_from=None if raw else submitted_from,
            decided_to=None if raw else submitted_to,
        )
        if not rows:
            return
        after = rows[-1].id
        labels: dict[int, list[ExportLabel]] = {}
        if raw:
            for r in await repo.labels_of(
                session,
                [row.id for row in rows],
                accepted=bool(f.get("only_accepted")),
                submitted_from=submitted_from,
                submitted_to=submitted_to,
            ):
                labels.setdefault(r.item_id, []).append(
                    ExportLabel(
                        label_id=r.id,
                        annotator_id=r.author,
                        vendor_id=r.vendor_id,
                        answer=r.answer,
                        status=r.status,
                        submitted_at=r.submitted_at,
                        active_ms=r.active_ms,
                        origin=r.origin,
                        score=r.score,
                    )
                )
        if raw:  # a raw export lists labels: items without any (left) are not in it
            rows = [row for row in rows if row.id in labels]
        urls: dict[int, str] = {}
        if f.get("image_urls", True):
            signed = [row for row in rows if row.kind == "image" and row.object_key]
            links = await store.presigned_get_urls([r.object_key for r in signed], IMAGE_URL_TTL)
            urls = {row.id: url for row, url in zip(signed, links, strict=True)}
        yield [_item(row, labels.get(row.id, ()), urls.get(row.id)) for row in rows]


def _item(row: Any, labels: Iterable[ExportLabel], url: str | None) -> ExportItem:
    image = row.kind == "image"
    extension = image_extension(row.source, row.reencoded, row.actual_format) if image else ".txt"
    gold = row.is_gold and row.gold_answer is not None
    return ExportItem(
        item_id=row.id,
        dataset_id=row.dataset_id,
        seq=row.seq,
        kind=row.kind,
        source=row.source,
        file_name=f"{row.id}{extension}",
        text=row.text,
        object_key=row.object_key,
        url=url,
        width=row.width,
        height=row.height,
        meta=row.meta or {},
        answer=row.gold_answer if gold else row.answer,
        confidence=1.0 if gold else row.confidence,
        agreement=row.agreement,
        state="gold" if gold else (row.state or "open"),
        review_action=row.review_action,
        labels=tuple(labels),
    )


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def _feed(
    write: Callable[[Iterable[ExportItem]], T],
    batches: AsyncIterator[list[ExportItem]],
    on_batch: Callable[[int], Any],
) -> T:
    """Run ``write`` in a thread over the items of ``batches``, at most a few batches ahead."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=QUEUED_BATCHES)

    def items() -> Iterator[ExportItem]:
        while (batch := handoff.get()) is not _DONE:
            yield from batch  # type: ignore[misc]

    writer = asyncio.get_running_loop().run_in_executor(None, lambda: write(items()))

    async def put(value: object) -> bool:
        while not writer.done():
            try:
                handoff.put_nowait(value)
                return True
            except queue.Full:
                await asyncio.sleep(0.002)
        return False  # the writer stopped (its error is raised below)

    n = 0
    try:
        async for batch in batches:
            if not await put(batch):
                break
            n += 1
            await on_batch(n)
    finally:
        await put(_DONE)  # also when reading failed: the writer ends, the file is discarded
    return await writer


async def run(
    maker: async_sessionmaker[AsyncSession], store: ObjectStore, export_id: uuid.UUID
) -> None:
    async with session_scope(maker) as session:
        export = await session.get(Export, export_id, with_for_update=True)
        if export is None or export.status is ExportStatus.DONE:
            return  # deleted with its job, or a duplicate delivery of a finished job
        export.status = ExportStatus.RUNNING
        export.started_at = datetime.now(UTC)
        export.items_written = export.labels_written = export.items_skipped = 0
        export.warnings = []
        job = await session.get_one(LabelingJob, export.job_id)
        facts = export_job(job)
    spec = FORMATS[export.format]
    raw = export.labels is ExportLabels.RAW
    written = {"items": 0, "labels": 0}

    def write(items: Iterable[ExportItem], out: BinaryIO) -> WriteSummary:
        def counted() -> Iterator[ExportItem]:  # progress: items read so far
            for item in items:
                written["items"] += 1
                written["labels"] += len(item.labels)
                yield item

        return spec.write(facts, counted(), out, raw=raw)

    async def progress(batches: int) -> None:
        if batches % PROGRESS_EVERY == 0:
            async with session_scope(maker) as s:
                await s.execute(
                    update(Export)
                    .where(Export.id == export_id)
                    .values(items_written=written["items"], labels_written=written["labels"])
                )

    spool = Path(store.spool_dir) if store.spool_dir is not None else None
    with tempfile.NamedTemporaryFile(
        prefix="export-", suffix=spec.extension, dir=spool, delete=True
    ) as out:
        async with maker() as reader:
            # One snapshot for the whole file: labels arriving meanwhile are in the next export.
            await reader.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            sink = cast(BinaryIO, out)  # the wrapper proxies a binary file
            summary = await _feed(
                lambda items: write(items, sink), _batches(reader, store, export), progress
            )
            await reader.rollback()
        out.flush()
        file_name = f"{_slug(facts.name)}-{export.labels.value}-{export.id.hex[:8]}{spec.extension}"
        # Keys are ASCII; the (possibly Chinese) name is the download's file name.
        key = f"exports/{export.job_id}/{export.id}{spec.extension}"
        stored = await store.put_file(Path(out.name), spec.content_type, key=key)
    async with session_scope(maker) as session:
        await session.execute(
            update(Export)
            .where(Export.id == export_id)
            .values(
                status=ExportStatus.DONE,
                object_key=stored.key,
                file_name=file_name,
                content_type=spec.content_type,
                size_bytes=stored.size,
                sha256=stored.sha256,
                items_written=summary.items,
                items_skipped=summary.skipped,
                labels_written=written["labels"],
                warnings=summary.warnings
                + ([f"... and {summary.more_warnings} more"] if summary.more_warnings else []),
                error=None,
                finished_at=datetime.now(UTC),
            )
        )
        await webhook_events.export_ready(session, export_id)
    log.info("export_done", export_id=str(export_id), items=summary.items, size=stored.size)


async def failed_attempt(
    maker: async_sessionmaker[AsyncSession], export_id: uuid.UUID, error: str, *, final: bool
) -> None:
    """After an attempt failed: queued again (the error shown meanwhile), or failed for good."""
    values: dict[str, Any] = {"error": error, "status": ExportStatus.QUEUED}
    if final:
        values.update(status=ExportStatus.FAILED, finished_at=datetime.now(UTC))
    async with session_scope(maker) as session:
        await session.execute(
            update(Export)
            .where(Export.id == export_id, Export.status != ExportStatus.DONE)
            .values(**values)
        )


def _slug(name: str) -> str:
    """The job's name as a file name: letters (any script), digits, dashes."""
    kept = "".join(c if c.isalnum() else "-" for c in name.strip())
    return "-".join(part for part in kept.split("-") if part)[:60] or "export"
