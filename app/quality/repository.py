"""SQL of quality control. Bulk reads and writes pass rows as one JSON parameter
(``jsonb_to_recordset``): one round trip per batch, whatever its size."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import DriverSQL, fetch, json_rows


def job_qc_lock_key(column: str) -> str:
    """One sweeper per job at a time (another worker skips the job instead of waiting)."""
    return f"hashtextextended('qc:' || {column}, 0)"


_TRY_LOCK = text(f"SELECT pg_try_advisory_xact_lock({job_qc_lock_key('CAST(:job AS text)')})")


async def try_lock_job(session: AsyncSession, job_id: uuid.UUID) -> bool:
    return bool((await session.execute(_TRY_LOCK, {"job": str(job_id)})).scalar())


async def dirty_jobs(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.execute(text("SELECT DISTINCT job_id FROM qc_dirty"))
    return [r[0] for r in rows]


_CLAIM = DriverSQL("""
DELETE FROM qc_dirty d USING (
    SELECT id FROM qc_dirty WHERE job_id = :job AND id > :after
    ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
) c
WHERE d.id = c.id
RETURNING d.id, d.item_id, d.label_id
""")


async def claim(session: AsyncSession, job_id: uuid.UUID, limit: int, after: int = 0) -> list[Any]:
    """Take up to ``limit`` inbox rows of the job with ids above ``after``; they are gone when
    the transaction commits."""
    return await fetch(session, _CLAIM, {"job": job_id, "limit": limit, "after": after})


async def mark_dirty(session: AsyncSession, job_id: uuid.UUID, item_ids: Sequence[int]) -> None:
    if item_ids:
        await session.execute(
            text(
                "INSERT INTO qc_dirty (job_id, item_id)"
                " SELECT :job, i FROM unnest(CAST(:items AS bigint[])) AS i"
            ),
            {"job": job_id, "items": list(item_ids)},
        )


# Labels locked: a review or another sweep changing the same items waits for this batch.
_LABELS = DriverSQL("""
SELECT l.id, l.item_id, l.annotator_id, l.answer, l.counted, l.agrees, l.is_gold,
       l.status, l.active_ms, l.lease_ms, s.task_id, l.vendor_id, l.amount,
       date_trunc('hour', l.submitted_at) AS hour
FROM labels l LEFT JOIN task_slots s ON s.id = l.slot_id
WHERE l.item_id = ANY(:items)
ORDER BY l.item_id, l.id
FOR UPDATE OF l
""")


async def labels_of(session: AsyncSession, item_ids: Sequence[int]) -> list[Any]:
    return await fetch(session, _LABELS, {"items": list(item_ids)})


_CONSENSUS = DriverSQL("""
SELECT item_id, state, review_reason, answer, confidence, agreement, method FROM item_consensus
WHERE item_id = ANY(:items) FOR UPDATE
""")


async def consensus_of(session: AsyncSession, item_ids: Sequence[int]) -> dict[int, Any]:
    rows = await fetch(session, _CONSENSUS, {"items": list(item_ids)})
    return {r.item_id: r for r in rows}


_GOLD = DriverSQL("SELECT item_id, answer FROM gold_answers WHERE item_id = ANY(:items)")


async def gold_answers(session: AsyncSession, item_ids: Sequence[int]) -> dict[int, Any]:
    rows = await fetch(session, _GOLD, {"items": list(item_ids)})
    return {r.item_id: r.answer for r in rows}


_TASK_SLOTS = DriverSQL("SELECT id, brigade_task_k(id) AS k FROM tasks WHERE id = ANY(:tasks)")


async def task_slots(session: AsyncSession, task_ids: Sequence[int]) -> dict[int, int]:
    rows = await fetch(session, _TASK_SLOTS, {"tasks": list(task_ids)})
    return {r.id: r.k for r in rows}


_SAVE_CONSENSUS = DriverSQL("""
INSERT INTO item_consensus (item_id, job_id, task_id, state, answer, confidence, agreement,
                            n_labels, method, review_reason, charged, updated_at)
SELECT r.item_id, :job, r.task_id, r.state, r.answer, r.confidence, r.agreement, r.n_labels,
       r.method, r.review_reason, r.charged, clock_timestamp()
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
    item_id bigint, task_id bigint, state text, answer jsonb, confidence float8,
    agreement float8, n_labels int, method text, review_reason text, charged numeric)
ON CONFLICT (item_id) DO UPDATE SET
    task_id = excluded.task_id, state = excluded.state, answer = excluded.answer,
    confidence = excluded.confidence, agreement = excluded.agreement,
    n_labels = excluded.n_labels, method = excluded.method,
    review_reason = excluded.review_reason, charged = excluded.charged,
    updated_at = excluded.updated_at,
    -- the rework comment stays with the item until its new labels are decided
    rework_note = CASE WHEN excluded.state IN ('open', 'rework')
                       THEN item_consensus.rework_note END
""")


async def save_consensus(
    session: AsyncSession, job_id: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    if rows:
        await fetch(session, _SAVE_CONSENSUS, {"job": job_id, "rows": json_rows(rows)})


_SAVE_LABELS = DriverSQL("""
UPDATE labels l SET agrees = r.agrees, status = r.status, counted = r.counted,
                    amount = r.amount
FROM jsonb_to_recordset(CAST(:rows AS jsonb))
     AS r(id bigint, agrees boolean, status text, counted boolean, amount numeric)
WHERE l.id = r.id
""")


async def save_label_outcomes(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await fetch(session, _SAVE_LABELS, {"rows": json_rows(rows)})


COUNTERS = ("labels", "fast_labels", "gold_total", "gold_correct", "decided", "agreed")

# Rows first, then deltas: a CHECK is tested on the row an INSERT proposes, before ON CONFLICT
# turns it into an update, so a negative delta cannot ride on INSERT … ON CONFLICT.
_ENSURE_ROWS = DriverSQL("""
INSERT INTO job_annotators (job_id, annotator_id, skip_streak, skips)
SELECT :job, a, 0, 0 FROM unnest(CAST(:who AS uuid[])) AS a ORDER BY a
ON CONFLICT (job_id, annotator_id) DO NOTHING
""")
_ADD_COUNTERS = DriverSQL(f"""
UPDATE job_annotators ja SET
    {", ".join(f"{c} = ja.{c} + r.{c}" for c in COUNTERS)}
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
    annotator_id uuid, {", ".join(f"{c} int" for c in COUNTERS)})
WHERE ja.job_id = :job AND ja.annotator_id = r.annotator_id
RETURNING ja.annotator_id, ja.paused, ja.flagged_at, ja.est_accuracy,
          {", ".join(f"ja.{c}" for c in COUNTERS)}
""")


async def add_counters(
    session: AsyncSession, job_id: uuid.UUID, deltas: Sequence[dict[str, Any]]
) -> list[Any]:
    """Apply counter deltas per annotator; returns the new totals (for the pause rules)."""
    if not deltas:
        return []
    who = [d["annotator_id"] for d in deltas]
    await fetch(session, _ENSURE_ROWS, {"job": job_id, "who": who})
    return await fetch(session, _ADD_COUNTERS, {"job": job_id, "rows": json_rows(deltas)})


_EXTEND = text("""
UPDATE tasks SET extra_slots = extra_slots + 1
WHERE id = ANY(:tasks) AND brigade_task_k(id) < 63
RETURNING id
""")

# Stop a task at the slots already taken when every item in it is confident enough after at
# least early_stop_after labels (multi-item tasks stop only when all their items may).
_STOP_EARLY = text("""
WITH occ AS (
    SELECT s.task_id, count(*)::int AS n FROM task_slots s
    WHERE s.task_id = ANY(:tasks) AND s.state IN ('done', 'leased') GROUP BY s.task_id
)
UPDATE tasks t SET extra_slots = occ.n - j.overlap
FROM labeling_jobs j, occ
WHERE t.id = occ.task_id AND j.id = t.job_id AND j.early_stop_after IS NOT NULL
  AND occ.n < brigade_task_k(t.id)
  AND NOT EXISTS (
      SELECT 1 FROM items i LEFT JOIN item_consensus c ON c.item_id = i.id
      WHERE i.dataset_id = t.dataset_id AND i.id BETWEEN t.first_item_id AND t.last_item_id
        AND NOT i.excluded AND NOT i.is_gold
        AND (c.item_id IS NULL OR c.n_labels < j.early_stop_after
             OR c.confidence < j.qc_target))
RETURNING t.id
""")


async def extend_tasks(session: AsyncSession, task_ids: Sequence[int]) -> list[int]:
    if not task_ids:
        return []
    return [r[0] for r in await session.execute(_EXTEND, {"tasks": list(task_ids)})]


async def stop_tasks_early(session: AsyncSession, task_ids: Sequence[int]) -> list[int]:
    if not task_ids:
        return []
    return [r[0] for r in await session.execute(_STOP_EARLY, {"tasks": list(task_ids)})]


# Slots first, then assignments (the lock order of every labeling write).
_RELEASE = text("""
WITH s AS (
    SELECT ts.id, ts.assignment_id FROM task_slots ts
    JOIN assignments a ON a.id = ts.assignment_id
    WHERE a.job_id = :job AND a.annotator_id = :who AND a.state = 'leased'
      AND ts.state = 'leased'
    FOR UPDATE OF ts
), freed AS (
    UPDATE task_slots t SET assignment_id = NULL, lease_until = NULL,
           state = CASE WHEN t.slot_no <= brigade_task_k(t.task_id) THEN 'open' ELSE 'retired' END
    FROM s WHERE t.id = s.id
)
UPDATE assignments SET state = 'released', finished_at = clock_timestamp()
WHERE job_id = :job AND annotator_id = :who AND state = 'leased'
""")


async def pause(session: AsyncSession, job_id: uuid.UUID, who: uuid.UUID, reason: str) -> bool:
    """Pause one annotator on a job and take back what they hold; False if already paused."""
    row = (
        await session.execute(
            text(
                "INSERT INTO job_annotators (job_id, annotator_id, skip_streak, skips, paused,"
                " pause_reason, paused_at) VALUES (:job, :who, 0, 0, true, :why,"
                " clock_timestamp()) ON CONFLICT (job_id, annotator_id) DO UPDATE"
                " SET paused = true, pause_reason = :why, paused_at = clock_timestamp()"
                " WHERE NOT job_annotators.paused RETURNING 1"
            ),
            {"job": job_id, "who": who, "why": reason},
        )
    ).first()
    if row is None:
        return False
    await session.execute(_RELEASE, {"job": job_id, "who": who})
    return True


async def unpause(session: AsyncSession, job_id: uuid.UUID, who: uuid.UUID) -> bool:
    row = (
        await session.execute(
            text(
                "UPDATE job_annotators SET paused = false, pause_reason = NULL, paused_at = NULL"
                " WHERE job_id = :job AND annotator_id = :who AND paused RETURNING 1"
            ),
            {"job": job_id, "who": who},
        )
    ).first()
    return row is not None


async def flag(session: AsyncSession, job_id: uuid.UUID, who: uuid.UUID, reason: str) -> None:
    await session.execute(
        text(
            "UPDATE job_annotators SET flagged_at = clock_timestamp(), flag_reason = :why"
            " WHERE job_id = :job AND annotator_id = :who AND flagged_at IS NULL"
        ),
        {"job": job_id, "who": who, "why": reason},
    )


# What happens to a paused annotator's labels still waiting for a decision.
# Discounted labels become rejected (their roll-ups move with them: ``enforce``).
_DISCOUNT = text("""
UPDATE labels SET counted = false, status = 'rejected'
WHERE job_id = :job AND annotator_id = :who AND status = 'pending' AND counted
RETURNING item_id, vendor_id, date_trunc('hour', submitted_at) AS hour
""")
_SEND_TO_REVIEW = text("""
INSERT INTO item_consensus (item_id, job_id, state, confidence, n_labels, method, review_reason)
SELECT DISTINCT l.item_id, :job, 'review', 0, 0, 'none', 'annotator_paused'
FROM labels l
WHERE l.job_id = :job AND l.annotator_id = :who AND l.status = 'pending' AND NOT l.is_gold
ON CONFLICT (item_id) DO UPDATE SET state = 'review', review_reason = 'annotator_paused',
    updated_at = clock_timestamp()
WHERE item_consensus.state IN ('open', 'decided')
""")


async def discount_pending(session: AsyncSession, job_id: uuid.UUID, who: uuid.UUID) -> list[Any]:
    """The labels discounted: item, vendor and hour of each."""
    return list(await session.execute(_DISCOUNT, {"job": job_id, "who": who}))


async def send_pending_to_review(session: AsyncSession, job_id: uuid.UUID, who: uuid.UUID) -> None:
    await session.execute(_SEND_TO_REVIEW, {"job": job_id, "who": who})


async def labels_since_fit(session: AsyncSession, job_id: uuid.UUID) -> tuple[int, int]:
    """(labels on the job now, labels when the model was last fitted)."""
    row = (
        await session.execute(
            text(
                "SELECT (SELECT coalesce(sum(labels), 0) FROM job_annotators WHERE job_id = :job),"
                " coalesce((SELECT labels_at_fit FROM job_quality WHERE job_id = :job), 0)"
            ),
            {"job": job_id},
        )
    ).one()
    return int(row[0]), int(row[1])


_RELIABILITY = DriverSQL("""
SELECT annotator_id, agreed::float8 / decided AS rate FROM job_annotators
WHERE job_id = :job AND decided >= :min_judged
""")


async def reliability(
    session: AsyncSession, job_id: uuid.UUID, min_judged: int = 5
) -> dict[uuid.UUID, float]:
    """Each annotator's agreement with decided consensus on the job (once measured)."""
    rows = await fetch(session, _RELIABILITY, {"job": job_id, "min_judged": min_judged})
    return {r.annotator_id: r.rate for r in rows}
