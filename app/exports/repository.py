"""Reading a job's items for an export, a batch at a time (keyset on the item id), so an
export of any size holds one batch in memory. Filters are parameters (NULL: no filter)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import DriverSQL, fetch

# (Text and NULL where Python would only turn a value back into text or an empty dict: this
# read is most of an export's time.)
# Items of ready datasets only (a failed or unfinished upload's items are not the job's yet).
# Consensus filters: decided/reviewed items (only_accepted), confidence, and when the item was
# decided (its consensus row's last change).
_ITEMS = DriverSQL("""
SELECT i.id, i.dataset_id::text AS dataset_id, i.seq, i.kind, i.source, i.text, i.object_key,
       i.width, i.height, nullif(i.meta, '{}') AS meta, i.is_gold, c.state, c.answer,
       c.confidence, c.agreement,
       i.cleaning ->> 'reencoded' AS reencoded,
       i.cleaning #>> '{format_mismatch,actual}' AS actual_format,
       (SELECT r.action FROM reviews r WHERE r.item_id = i.id ORDER BY r.id DESC LIMIT 1)
           AS review_action,
       g.answer AS gold_answer
FROM items i
JOIN datasets d ON d.id = i.dataset_id AND d.status = 'ready'
-- (c.item_id > :after repeats the keyset for the join: a merge join would otherwise read the
-- consensus index from its start for every batch.)
LEFT JOIN item_consensus c ON c.item_id = i.id AND c.item_id > :after
LEFT JOIN gold_answers g ON g.item_id = i.id AND i.is_gold
WHERE i.job_id = :job AND i.id > :after AND NOT i.excluded
  AND (:gold OR NOT i.is_gold)
  AND (NOT :accepted_items OR c.state IN ('decided', 'reviewed') OR i.is_gold)
  AND (CAST(:min_confidence AS float8) IS NULL OR c.confidence >= :min_confidence
       OR i.is_gold)
  AND (CAST(:decided_from AS timestamptz) IS NULL OR c.updated_at >= :decided_from)
  AND (CAST(:decided_to AS timestamptz) IS NULL OR c.updated_at < :decided_to)
ORDER BY i.id
LIMIT :limit
""")

# Brigade's labels, then those brought in from other tools (their annotations count as
# accepted; predictions never do).
_LABELS = DriverSQL("""
SELECT * FROM (
    SELECT l.id, l.item_id, l.annotator_id::text AS author, l.vendor_id::text AS vendor_id,
           l.answer, l.status, l.submitted_at, l.active_ms, 'brigade' AS origin,
           NULL::float8 AS score, 0 AS rank
    FROM labels l
    WHERE l.item_id = ANY(:items)
      AND (NOT :accepted OR l.status = 'accepted')
      AND (CAST(:from_ AS timestamptz) IS NULL OR l.submitted_at >= :from_)
      AND (CAST(:to_ AS timestamptz) IS NULL OR l.submitted_at < :to_)
    UNION ALL
    SELECT m.id, m.item_id, coalesce(m.author, ''), '', m.answer, 'imported',
           coalesce(m.made_at, m.created_at), 0, m.origin, m.score, 1
    FROM imported_labels m
    WHERE m.item_id = ANY(:items)
      AND (NOT :accepted OR m.origin = 'annotation')
      AND (CAST(:from_ AS timestamptz) IS NULL OR coalesce(m.made_at, m.created_at) >= :from_)
      AND (CAST(:to_ AS timestamptz) IS NULL OR coalesce(m.made_at, m.created_at) < :to_)
) x
ORDER BY item_id, rank, id
""")


async def items_after(
    session: AsyncSession,
    job_id: uuid.UUID,
    after: int,
    limit: int,
    *,
    include_gold: bool,
    accepted_items: bool,
    min_confidence: float | None,
    decided_from: datetime | None,
    decided_to: datetime | None,
) -> list[Any]:
    return await fetch(
        session,
        _ITEMS,
        {
            "job": job_id,
            "after": after,
            "limit": limit,
            "gold": include_gold,
            "accepted_items": accepted_items,
            "min_confidence": min_confidence,
            "decided_from": decided_from,
            "decided_to": decided_to,
        },
    )


async def labels_of(
    session: AsyncSession,
    item_ids: Sequence[int],
    *,
    accepted: bool,
    submitted_from: datetime | None,
    submitted_to: datetime | None,
) -> list[Any]:
    return await fetch(
        session,
        _LABELS,
        {
            "items": list(item_ids),
            "accepted": accepted,
            "from_": submitted_from,
            "to_": submitted_to,
        },
    )
