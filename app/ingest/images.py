"""Image datasets: the files of a multipart upload (stored, then listed) or a zip archive.

Decoding is CPU-bound, so images are cleaned in a process pool using every core, a bounded
batch at a time (never a whole dataset's bytes in memory); the stored image and its thumbnail
are content-addressed objects, so a retried batch writes nothing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from app.ingest.archives import ArchiveProblem, ArchiveRejected, iter_zip_members
from app.ingest.image_clean import CleanImage, ImageRejected, clean_image
from app.ingest.pool import pool
from app.ingest.rows import ItemRow
from app.ingest.sources import Problem, SourceRejected
from app.kit.storage import ObjectStore

IMAGE_BATCH = 128  # images in memory (and in one transaction) at a time


@dataclass(frozen=True, slots=True)
class ImageInput:
    seq: int
    source: str
    data: bytes


def clean_one(data: bytes, name: str, max_pixels: int) -> CleanImage | tuple[str, str]:
    """Runs in a pool process; a rejection comes back as (code, message)."""
    try:
        return clean_image(data, max_pixels=max_pixels, filename=name)
    except ImageRejected as exc:
        return (exc.code, exc.message)


def iter_zip_inputs(path: Path, after: int) -> Iterator[ImageInput | Problem]:
    seq = -1
    try:
        for member in iter_zip_members(path):
            seq += 1
            if seq <= after:
                continue
            if isinstance(member, ArchiveProblem):
                yield Problem(seq, member.name, member.code, member.message)
            else:
                yield ImageInput(seq, member.name, member.data)
    except ArchiveRejected as exc:
        raise SourceRejected(exc.code, exc.message) from None


async def iter_listed_inputs(
    store: ObjectStore, listing: bytes, after: int
) -> AsyncIterator[ImageInput | Problem]:
    """The files of a multipart upload, stored one object each and listed at upload time."""
    for seq, entry in enumerate(orjson.loads(listing)):
        if seq <= after:
            continue
        if entry.get("error"):
            yield Problem(seq, entry["name"], entry["error"], entry.get("detail", ""))
            continue
        yield ImageInput(seq, entry["name"], await store.get_bytes(entry["key"]))


async def clean_batch(
    store: ObjectStore, inputs: list[ImageInput], max_pixels: int
) -> tuple[list[ItemRow], list[Problem]]:
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(
        *(loop.run_in_executor(pool(), clean_one, i.data, i.source, max_pixels) for i in inputs)
    )
    rows: list[ItemRow] = []
    problems: list[Problem] = []
    for item, result in zip(inputs, results, strict=True):
        if isinstance(result, tuple):
            problems.append(Problem(item.seq, item.source, result[0], result[1]))
            continue
        stored, thumb = await asyncio.gather(
            store.put_bytes(result.data, result.content_type),
            store.put_bytes(result.thumbnail, "image/jpeg"),
        )
        meta = {"name": item.source, "format": result.format, "bytes": len(item.data)}
        rows.append(
            ItemRow(
                seq=item.seq,
                source=item.source[:512],
                sha256=result.sha256,
                text=None,
                object_key=stored.key,
                thumb_key=thumb.key,
                width=result.width,
                height=result.height,
                phash=result.phash,
                meta=orjson.dumps(meta).decode(),
                cleaning=orjson.dumps(result.steps, default=str).decode(),
                answer=None,
            )
        )
    return rows, problems
