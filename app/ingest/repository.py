"""Bulk SQL for ingest. Rows go in with COPY; ids come from the tables' own sequences, taken
in bulk before the COPY so that duplicates, near-duplicates, gold answers and tasks can point
at items without a second pass. Concurrent ingests into one job are serialized per batch by an
advisory lock, so the content lookup that finds duplicates cannot race; the unique constraint
on (job, content) stays the guard."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from psycopg import AsyncConnection
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest.rows import copy_text
from app.ingest.sources import Problem
from app.models.ingest import ID_BLOCK


async def pg(session: AsyncSession) -> AsyncConnection:
    """The session's psycopg connection (same transaction), for COPY."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    driver: AsyncConnection = raw.driver_connection  # type: ignore[assignment]
    return driver


async def lock_job(session: AsyncSession, job_id: uuid.UUID) -> None:
    """Until commit: one ingest batch at a time per job (other jobs run in parallel)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"ingest:{job_id}"},
    )


async def job_has_other_items(
    session: AsyncSession, job_id: uuid.UUID, dataset_id: uuid.UUID
) -> bool:
    # Through the job's other datasets, each probed by its (dataset_id, seq) key: asking
    # items by job_id would walk every item of this dataset, once per batch.
    found = await session.scalar(
        text(
            "SELECT 1 FROM datasets d WHERE d.job_id = :job AND d.id <> :ds"
            " AND EXISTS (SELECT 1 FROM items i WHERE i.dataset_id = d.id) LIMIT 1"
        ),
        {"job": job_id, "ds": dataset_id},
    )
    return found is not None


async def existing_hashes(
    session: AsyncSession, job_id: uuid.UUID, hashes: list[str]
) -> dict[str, int]:
    """content hash -> id of the job's item that already has that content."""
    if not hashes:
        return {}
    rows = await session.execute(
        text(
            "SELECT content_sha256, id FROM items"
            " WHERE job_id = :job AND content_sha256 = ANY(:hashes)"
        ),
        {"job": job_id, "hashes": hashes},
    )
    return {sha: item_id for sha, item_id in rows}


async def take_ids(session: AsyncSession, table: str, count: int) -> list[int]:
    """``count`` increasing ids from ``table``'s identity sequence, which steps by ID_BLOCK:
    every value it hands out is the start of a block of ids nobody else gets."""
    if count == 0:
        return []
    blocks = -(-count // ID_BLOCK)
    starts = await session.scalar(
        text(
            f"SELECT array_agg(nextval(pg_get_serial_sequence('{table}', 'id')) ORDER BY g)"
            " FROM generate_series(1, :n) g"
        ),
        {"n": blocks},
    )
    ids = [start + k for start in sorted(starts or []) for k in range(ID_BLOCK)]
    return ids[:count]


async def copy_rows(
    session: AsyncSession, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    await _copy(session, table, columns, copy_text(rows))


async def copy_lines(
    session: AsyncSession, table: str, columns: Sequence[str], lines: list[str]
) -> None:
    """Rows already rendered in COPY's text format, one per line."""
    if lines:
        await _copy(session, table, columns, ("\n".join(lines) + "\n").encode())


async def _copy(session: AsyncSession, table: str, columns: Sequence[str], data: bytes) -> None:
    if data == b"":
        return
    async with (
        (await pg(session)).cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        await copy.write(data)


ITEM_COLUMNS = (
    "id", "job_id", "dataset_id", "seq", "kind", "content_sha256", "source", "text",
    "object_key", "thumb_key", "width", "height", "phash", "meta", "cleaning", "is_gold",
    "near_dup_of",
)  # fmt: skip
TASK_COLUMNS = (
    "id", "job_id", "dataset_id", "seq", "first_item_id", "last_item_id", "item_count",
    "manifest_shard",
)  # fmt: skip


async def write_problems(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    problems: Iterable[Problem],
    duplicates: Iterable[tuple[Problem, int]] = (),
) -> None:
    rows: list[tuple[object, ...]] = [
        (dataset_id, p.seq, p.source[:512], p.code, p.detail[:2000], None) for p in problems
    ]
    rows += [(dataset_id, p.seq, p.source[:512], p.code, p.detail, dup) for p, dup in duplicates]
    await copy_rows(
        session,
        "ingest_rejections",
        ("dataset_id", "seq", "source", "code", "detail", "duplicate_of"),
        rows,
    )


async def advance(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    *,
    received: int,
    accepted: int,
    rejected: int,
    duplicates: int,
    near_duplicates: int,
    tasks: int,
    checkpoint: int,
) -> None:
    await session.execute(
        text(
            "UPDATE datasets SET received = received + :received, accepted = accepted + :accepted,"
            " rejected = rejected + :rejected, duplicates = duplicates + :duplicates,"
            " near_duplicates = near_duplicates + :near, tasks = tasks + :tasks,"
            " checkpoint = :checkpoint WHERE id = :ds"
        ),
        {
            "received": received,
            "accepted": accepted,
            "rejected": rejected,
            "duplicates": duplicates,
            "near": near_duplicates,
            "tasks": tasks,
            "checkpoint": checkpoint,
            "ds": dataset_id,
        },
    )


async def pending_for_tasks(
    session: AsyncSession, dataset_id: uuid.UUID
) -> list[tuple[int, str, str | None]]:
    """Items of a resumed ingest that a committed batch stored but no task holds yet."""
    rows = await session.execute(
        text(
            "SELECT id, content_sha256, object_key FROM items"
            " WHERE dataset_id = :ds AND NOT is_gold AND id > coalesce("
            " (SELECT max(last_item_id) FROM tasks WHERE dataset_id = :ds), 0) ORDER BY id"
        ),
        {"ds": dataset_id},
    )
    return [(int(i), str(s), k) for i, s, k in rows]


async def next_task_seq(session: AsyncSession, dataset_id: uuid.UUID) -> int:
    value = await session.scalar(
        text("SELECT coalesce(max(seq) + 1, 0) FROM tasks WHERE dataset_id = :ds"),
        {"ds": dataset_id},
    )
    return int(value or 0)


async def stored_items(
    session: AsyncSession, dataset_id: uuid.UUID
) -> list[tuple[int, str, str, int | None]]:
    """(id, content hash, text, phash) of a resumed dataset's committed items."""
    rows = await session.execute(
        text(
            "SELECT id, content_sha256, text, phash FROM items WHERE dataset_id = :ds ORDER BY id"
        ),
        {"ds": dataset_id},
    )
    return [(int(i), str(s), str(t or ""), p) for i, s, t, p in rows]


async def discard_items(session: AsyncSession, dataset_id: uuid.UUID) -> None:
    """A failed dataset keeps no items: they would block re-uploads as 'duplicates'."""
    for table in ("tasks", "items"):
        await session.execute(
            text(f"DELETE FROM {table} WHERE dataset_id = :ds"), {"ds": dataset_id}
        )


async def last_task_id(session: AsyncSession, dataset_id: uuid.UUID) -> int | None:
    last: int | None = await session.scalar(
        text("SELECT max(id) FROM tasks WHERE dataset_id = :ds"), {"ds": dataset_id}
    )
    return last
