"""Bulk SQL for ingest: COPY into a staging table, then set-based inserts that let the unique
constraints decide what is a duplicate (no read-check-write, no race between two uploads)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from psycopg import AsyncConnection
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.ingest.sources import Problem
from app.ingest.text_batch import CleanRow

_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    seq bigint PRIMARY KEY, source text, sha char(64), text text, meta jsonb,
    cleaning jsonb, answer jsonb, near_seq bigint
) ON COMMIT DELETE ROWS
"""

_INSERT_ITEMS = """
WITH ins AS (
    INSERT INTO items (job_id, dataset_id, seq, kind, content_sha256, source, text, meta,
                       cleaning, is_gold)
    SELECT %(job)s, %(ds)s, seq, 'text', sha, source, text, meta, cleaning, %(gold)s
    FROM ingest_stage ORDER BY seq
    ON CONFLICT DO NOTHING
    RETURNING seq
)
SELECT count(*) FROM ins
"""

# Staged rows that did not become items collided with an item of the same job and content.
_DUPLICATES = """
INSERT INTO ingest_rejections (dataset_id, seq, source, code, detail, duplicate_of)
SELECT %(ds)s, s.seq, s.source, 'duplicate', 'same content as item ' || i.id, i.id
FROM ingest_stage s
JOIN items i ON i.job_id = %(job)s AND i.content_sha256 = s.sha
WHERE NOT (i.dataset_id = %(ds)s AND i.seq = s.seq)
"""

_GOLD = """
INSERT INTO gold_answers (item_id, answer)
SELECT i.id, s.answer FROM ingest_stage s
JOIN items i ON i.dataset_id = %(ds)s AND i.seq = s.seq
WHERE s.answer IS NOT NULL
"""

_NEAR = """
UPDATE items i SET near_dup_of = j.id
FROM ingest_stage s JOIN items j ON j.dataset_id = %(ds)s AND j.seq = s.near_seq
WHERE i.dataset_id = %(ds)s AND i.seq = s.seq AND s.near_seq IS NOT NULL
"""


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows: Iterable[tuple[object, ...]]) -> bytes:
    """Rows in COPY's text format, built in one pass: one write instead of an await per row."""
    lines = []
    for row in rows:
        lines.append(
            "\t".join("\\N" if v is None else str(v).translate(_COPY_ESCAPES) for v in row)
        )
    lines.append("")
    return "\n".join(lines).encode()


@dataclass(frozen=True)
class BatchResult:
    accepted: int
    duplicates: int
    near_duplicates: int


async def _pg(session: AsyncSession) -> AsyncConnection:
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    pg: AsyncConnection = raw.driver_connection  # type: ignore[assignment]
    return pg


async def write_text_batch(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    dataset_id: uuid.UUID,
    gold: bool,
    rows: list[CleanRow],
    near: dict[int, int],
    problems: Iterable[Problem],
) -> BatchResult:
    """Stage ``rows`` with COPY and insert them; record problems and duplicates. One transaction
    (the caller's): either the whole batch and its checkpoint commit, or none of it."""
    pg = await _pg(session)
    params = {"job": job_id, "ds": dataset_id, "gold": gold}
    async with pg.cursor() as cur:
        await cur.execute(_STAGE)
        async with cur.copy(
            "COPY ingest_stage (seq, source, sha, text, meta, cleaning, answer, near_seq) "
            "FROM STDIN"
        ) as copy:
            await copy.write(copy_text((*row, near.get(row[0])) for row in rows))
        await cur.execute(_INSERT_ITEMS, params)
        inserted = await cur.fetchone()
        accepted = int(inserted[0]) if inserted else 0
        await cur.execute(_DUPLICATES, params)
        duplicates = cur.rowcount
        if gold:
            await cur.execute(_GOLD, params)
        near_count = 0
        if near:
            await cur.execute(_NEAR, params)
            near_count = cur.rowcount
        await write_problems(pg, dataset_id, problems)
    return BatchResult(accepted=accepted, duplicates=duplicates, near_duplicates=near_count)


async def write_problems(
    pg: AsyncConnection, dataset_id: uuid.UUID, problems: Iterable[Problem]
) -> None:
    async with (
        pg.cursor() as cur,
        cur.copy(
            "COPY ingest_rejections (dataset_id, seq, source, code, detail) FROM STDIN"
        ) as copy,
    ):
        for p in problems:
            await copy.write_row((dataset_id, p.seq, p.source[:512], p.code, p.detail[:2000]))


async def advance(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    *,
    received: int,
    accepted: int,
    rejected: int,
    duplicates: int,
    near_duplicates: int,
    checkpoint: int,
) -> None:
    await session.execute(
        text(
            "UPDATE datasets SET received = received + :received, accepted = accepted + :accepted,"
            " rejected = rejected + :rejected, duplicates = duplicates + :duplicates,"
            " near_duplicates = near_duplicates + :near, checkpoint = :checkpoint"
            " WHERE id = :ds"
        ),
        {
            "received": received,
            "accepted": accepted,
            "rejected": rejected,
            "duplicates": duplicates,
            "near": near_duplicates,
            "checkpoint": checkpoint,
            "ds": dataset_id,
        },
    )


_SPLIT = """
INSERT INTO tasks (job_id, dataset_id, seq, first_item_id, last_item_id, item_count,
                   manifest_shard)
SELECT :job, :ds, g, min(id), max(id), count(*), g / :per_shard
FROM (
    SELECT id, (row_number() OVER (ORDER BY id) - 1) / :size AS g
    FROM items WHERE dataset_id = :ds AND NOT is_gold
) numbered
GROUP BY g
ON CONFLICT (dataset_id, seq) DO NOTHING
"""


async def split_into_tasks(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    dataset_id: uuid.UUID,
    task_size: int,
    per_shard: int,
) -> int:
    result = await session.execute(
        text(_SPLIT),
        {"job": job_id, "ds": dataset_id, "size": task_size, "per_shard": per_shard},
    )
    return int(getattr(result, "rowcount", 0) or 0)


# PostgreSQL renders the manifests (JSON lines, one per task, grouped per shard) in one ordered
# pass: items are numbered exactly as _SPLIT numbered them and joined to their task on its
# unique (dataset, seq). Python only streams the finished shards to object storage.
_MANIFEST_SHARDS = """
WITH numbered AS (
    SELECT id, content_sha256, object_key, (row_number() OVER (ORDER BY id) - 1) / :size AS g
    FROM items WHERE dataset_id = :ds AND NOT is_gold
), lines AS (
    SELECT t.seq, t.manifest_shard,
           json_build_object(
               'task_id', t.id, 'seq', t.seq,
               'items', json_agg(json_strip_nulls(json_build_object(
                   'id', n.id, 'sha256', n.content_sha256, 'key', n.object_key)) ORDER BY n.id)
           )::text AS line
    FROM numbered n JOIN tasks t ON t.dataset_id = :ds AND t.seq = n.g
    GROUP BY t.id, t.seq, t.manifest_shard
)
SELECT manifest_shard, string_agg(line, E'\\n' ORDER BY seq) || E'\\n'
FROM lines GROUP BY manifest_shard ORDER BY manifest_shard
"""


async def manifest_shards(
    session: AsyncSession, dataset_id: uuid.UUID, task_size: int
) -> AsyncIterator[tuple[int, str]]:
    """(shard number, JSON lines), streamed: one shard in memory at a time."""
    result = await session.stream(
        text(_MANIFEST_SHARDS).execution_options(yield_per=4),
        {"ds": dataset_id, "size": task_size},
    )
    async for shard, body in result:
        yield int(shard), str(body)


async def discard_items(session: AsyncSession, dataset_id: uuid.UUID) -> None:
    """A failed dataset keeps no items: they would block re-uploads as 'duplicates'."""
    for table in ("tasks", "items"):
        await session.execute(
            text(f"DELETE FROM {table} WHERE dataset_id = :ds"), {"ds": dataset_id}
        )
