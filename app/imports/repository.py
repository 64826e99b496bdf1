"""SQL of the Label Studio import: finding the job's items a file's tasks are about, and
writing imported labels, answers and the slots that follow."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import DriverSQL, fetch, json_rows
from app.labeling.repository import sync_task_slots

# What a task can be matched by: the Label Studio id ingest kept (texts uploaded as a Label
# Studio export), and the file name the image was uploaded under.
_REFS = DriverSQL("""
SELECT i.id, i.meta ->> 'labelstudio_id' AS ls_id, i.source, i.width, i.height, i.text
FROM items i JOIN datasets d ON d.id = i.dataset_id AND d.status = 'ready'
WHERE i.job_id = :job AND NOT i.is_gold
""")
_BY_HASH = DriverSQL("""
SELECT i.content_sha256, i.id, i.width, i.height, i.text
FROM items i JOIN datasets d ON d.id = i.dataset_id AND d.status = 'ready'
WHERE i.job_id = :job AND i.content_sha256 = ANY(:hashes) AND NOT i.is_gold
""")

_INSERT = DriverSQL("""
INSERT INTO imported_labels (job_id, item_id, source, origin, source_id, author, answer, score,
                             made_at, imported_by)
SELECT :job, r.item_id, 'label_studio', r.origin, r.source_id, r.author, r.answer, r.score,
       r.made_at, :who
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
    item_id bigint, origin text, source_id text, author text, answer jsonb, score float8,
    made_at timestamptz)
ON CONFLICT (item_id, source, origin, source_id) DO NOTHING
RETURNING item_id, origin
""")

# Imported annotations answer their items, unless Brigade already decided them: an item
# labeled and decided here keeps its own consensus.
_ANSWER = DriverSQL("""
WITH r AS (
    SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
        AS r(item_id bigint, answer jsonb, confidence float8, n int)
), marked AS (
    UPDATE items i SET prelabeled = true FROM r WHERE i.id = r.item_id AND NOT i.prelabeled
)
INSERT INTO item_consensus (item_id, job_id, state, answer, confidence, agreement, n_labels,
                            method)
SELECT r.item_id, :job, 'decided', r.answer, r.confidence, r.confidence, least(r.n, 32767),
       'imported'
FROM r
ON CONFLICT (item_id) DO UPDATE
SET state = 'decided', answer = excluded.answer, confidence = excluded.confidence,
    agreement = excluded.agreement, n_labels = excluded.n_labels, method = 'imported',
    review_reason = NULL, updated_at = clock_timestamp()
WHERE item_consensus.state = 'open' OR item_consensus.method = 'imported'
""")

_TASKS_OF = text("""
SELECT DISTINCT t.id FROM tasks t JOIN items i
  ON i.dataset_id = t.dataset_id AND i.id BETWEEN t.first_item_id AND t.last_item_id
WHERE i.id = ANY(:items)
""")


async def item_refs(session: AsyncSession, job_id: uuid.UUID) -> list[Any]:
    return await fetch(session, _REFS, {"job": job_id})


async def items_by_hash(
    session: AsyncSession, job_id: uuid.UUID, hashes: Sequence[str]
) -> list[Any]:
    return await fetch(session, _BY_HASH, {"job": job_id, "hashes": list(hashes)})


async def insert_labels(
    session: AsyncSession, job_id: uuid.UUID, who: uuid.UUID | None, rows: list[dict[str, Any]]
) -> list[Any]:
    """Rows as given; returns those that were new (a re-import adds nothing)."""
    if not rows:
        return []
    return await fetch(session, _INSERT, {"job": job_id, "who": who, "rows": json_rows(rows)})


async def answer_items(
    session: AsyncSession, job_id: uuid.UUID, answers: list[dict[str, Any]]
) -> None:
    """Items answered by their imported annotations: decided, and no more labeling slots."""
    if not answers:
        return
    await fetch(session, _ANSWER, {"job": job_id, "rows": json_rows(answers)})
    items = [a["item_id"] for a in answers]
    tasks = [r[0] for r in await session.execute(_TASKS_OF, {"items": items})]
    await sync_task_slots(session, tasks)
