"""The distribution queue in SQL: each hot-path step is one statement, one round trip.

Lock order is always slot row, then assignment row (taking, submitting, skipping, renewing and
expiring all follow it), so these statements cannot deadlock each other.

Times written here use ``clock_timestamp()``, not ``now()``: ``now()`` is the start of the
transaction, which may precede the moment a slot we waited for was freed; lease intervals on a
slot must not appear to overlap.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import Db, DriverSQL, fetch


# A job's lifecycle lock: ``next`` holds it shared while it leases (so it sees the job's status
# after any change), a status change holds it exclusively (so no lease slips past a take-back).
def job_lock_key(column: str) -> str:
    return f"hashtextextended('job:' || {column}::text, 0)"


_LOCK_JOB = text(f"SELECT pg_advisory_xact_lock({job_lock_key('CAST(:job AS uuid)')})")


async def lock_job_exclusive(session: AsyncSession, job_id: uuid.UUID) -> None:
    await session.execute(_LOCK_JOB, {"job": job_id})


@dataclass(frozen=True, slots=True)
class Lease:
    """What ``brigade_next`` handed out (or why nothing)."""

    outcome: str  # held | new | no_jobs | all_done | holding_max
    assignment_id: int | None = None
    job_id: uuid.UUID | None = None
    task_id: int | None = None  # None for a gold item
    lease_until: datetime | None = None
    draft: dict[str, Any] | None = None
    blind: bool = True
    lease_seconds: int = 0
    items: list[ItemRow] = field(default_factory=list)


# The whole choice (eligible jobs, shared job locks, a held lease, gold draw, lanes, expired
# leases, the lease itself and its items) is one PL/pgSQL function, migration 0005. Each item
# comes with the reviewer's comment when quality control sent it back for relabeling: joined
# here, in the same round trip (a separate lookup cost a tenth of `next`).
# The note is a scalar subquery per row, not a join: the planner takes a set-returning function
# for 1,000 rows and joined it by scanning all of item_consensus (every `next` read the whole
# job's consensus table).
_NEXT = DriverSQL(
    "SELECT n.*, (SELECT c.rework_note FROM item_consensus c WHERE c.item_id = n.item_id)"
    " AS rework_note"
    " FROM brigade_next(CAST(:me AS uuid), CAST(:vendor AS uuid),"
    " CAST(:job AS uuid), CAST(:holding AS bigint[]), CAST(:draw AS double precision),"
    " CAST(:max_holding AS integer)) AS n"
    " ORDER BY n.item_id"
)


async def next_lease(session: Db, params: dict[str, Any]) -> Lease:
    """Run ``brigade_next`` with ``next_params``."""
    return lease_from_rows(await fetch(session, _NEXT, params))


def next_params(
    me: uuid.UUID,
    vendor: uuid.UUID,
    job: uuid.UUID | None,
    holding: list[int],
    *,
    draw: float,
    max_holding: int,
) -> dict[str, Any]:
    return {
        "me": me,
        "vendor": vendor,
        "job": job,
        "holding": holding,
        "draw": draw,
        "max_holding": max_holding,
    }


def lease_from_rows(rows: list[Any]) -> Lease:
    first = rows[0]
    if first.assignment_id is None:
        return Lease(first.outcome)
    items = [
        (
            r.item_id,
            r.item_kind,
            r.item_text,
            r.object_key,
            r.width,
            r.height,
            r.meta,
            r.rework_note,
        )
        for r in rows
        if r.item_id is not None
    ]
    return Lease(
        first.outcome,
        first.assignment_id,
        first.job_id,
        first.task_id,
        first.lease_until,
        first.draft,
        first.blind,
        first.lease_seconds,
        items,
    )


ItemRow = tuple[Any, ...]  # id, kind, text, object_key, width, height, meta, rework note


_EXPIRE = text("SELECT brigade_expire_slots(CAST(:job AS uuid), :limit)")  # migration 0005

_EXPIRE_GOLD = text("""
UPDATE assignments SET state = 'expired', finished_at = lease_until
WHERE id IN (SELECT id FROM assignments
             WHERE state = 'leased' AND is_gold AND lease_until < clock_timestamp()
               AND (CAST(:job AS uuid) IS NULL OR job_id = CAST(:job AS uuid))
             LIMIT :limit FOR UPDATE SKIP LOCKED)
""")


async def expire_leases(
    session: AsyncSession, job: uuid.UUID | None = None, limit: int = 10_000
) -> int:
    """Return the slots of leases that ran out to the pool; how many were returned."""
    params = {"job": job, "limit": limit}
    freed = int((await session.execute(_EXPIRE, params)).scalar_one())
    await session.execute(_EXPIRE_GOLD, params)
    return freed


# Bring tasks' slots to what they should have now (``brigade_task_k``): free slots above it
# retire, retired ones within it reopen, missing ones are added. Held and done slots stay.
_SYNC_TEMPLATE = """
WITH want AS (
    SELECT t.id AS task_id, t.job_id, brigade_task_k(t.id) AS k
    FROM tasks t JOIN datasets d ON d.id = t.dataset_id AND d.status = 'ready'
    WHERE {where}
), changed AS (
    UPDATE task_slots s
    SET state = CASE WHEN s.slot_no <= want.k THEN 'open' ELSE 'retired' END
    FROM want
    WHERE s.task_id = want.task_id AND s.state IN ('open', 'retired')
      AND s.state <> CASE WHEN s.slot_no <= want.k THEN 'open' ELSE 'retired' END
)
INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)
SELECT want.task_id, want.job_id, n, brigade_slot_lane(want.task_id, n), 'open'
FROM want, generate_series(1, want.k) AS n
ON CONFLICT (task_id, slot_no) DO NOTHING
"""
_SYNC_TASKS = text(_SYNC_TEMPLATE.format(where="t.id = ANY(:tasks)"))
_SYNC_JOB = text(_SYNC_TEMPLATE.format(where="t.job_id = :job"))


async def sync_task_slots(session: AsyncSession, task_ids: list[int]) -> None:
    """After items of these tasks were excluded or included again."""
    if task_ids:
        await session.execute(_SYNC_TASKS, {"tasks": task_ids})


async def sync_job_slots(session: AsyncSession, job_id: uuid.UUID) -> None:
    """After the job's overlap changed. Lowering k never withdraws work already handed out."""
    await session.execute(_SYNC_JOB, {"job": job_id})


_OPEN_CHUNK = text("""
WITH chunk AS (
    SELECT t.id, t.job_id FROM tasks t
    WHERE t.dataset_id = :ds AND t.id > :after
    ORDER BY t.id
    LIMIT :limit
), opened AS (
    INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)
    SELECT chunk.id, chunk.job_id, n, brigade_slot_lane(chunk.id, n), 'open'
    FROM chunk JOIN labeling_jobs j ON j.id = chunk.job_id, generate_series(1, j.overlap) AS n
    ON CONFLICT (task_id, slot_no) DO NOTHING
)
SELECT max(id) FROM chunk
""")

# Slots opened in the transaction that makes a dataset ready; a bigger dataset's remaining
# tasks are opened by the brigade.open_dataset_slots job, SLOT_CHUNK tasks per transaction.
INLINE_TASKS = 5_000
SLOT_CHUNK = 20_000


async def open_slots_chunk(
    session: AsyncSession, dataset_id: uuid.UUID, after: int, limit: int
) -> int | None:
    """Open k slots for the next ``limit`` tasks after task id ``after`` (oldest first);
    returns the last task id done, or None when there was none left."""
    params = {"ds": dataset_id, "after": after, "limit": limit}
    last: int | None = (await session.execute(_OPEN_CHUNK, params)).scalar()
    return last


async def open_dataset_slots(session: AsyncSession, dataset_id: uuid.UUID) -> None:
    """All of a (small) dataset's slots in this transaction: for tests and tools."""
    after = 0
    while (last := await open_slots_chunk(session, dataset_id, after, SLOT_CHUNK)) is not None:
        after = last


# ---------------------------------------------------------------- submit, in three statements

# The assignment and its slot, both locked, its job, who used this submission id, and the
# items to answer: one round trip. The CTE locks the slot while the join is built; the
# assignment is locked after it (LockRows sits on top), keeping the slot-first lock order.
_LOAD_FOR_SUBMIT = DriverSQL("""
WITH s AS (
    SELECT id, state, assignment_id FROM task_slots
    WHERE id = (SELECT slot_id FROM assignments WHERE id = :id AND annotator_id = :me)
    FOR UPDATE
)
SELECT a.id, a.state, a.submission_id, a.slot_id, a.task_id, a.item_id, a.is_gold, a.vendor_id,
       a.job_id, a.leased_at, a.lease_until, j.status, j.label_schema,
       (SELECT x.id FROM assignments x WHERE x.submission_id = :sid) AS sid_owner,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(i.id, i.width, i.height, i.text)
                                  ORDER BY i.id), '[]')
          FROM items i WHERE i.id = ANY(a.item_ids)) AS items,
       s.id AS slot_lock_id, s.state AS slot_state, s.assignment_id AS slot_holder
FROM assignments a JOIN labeling_jobs j ON j.id = a.job_id LEFT JOIN s ON true
WHERE a.id = :id AND a.annotator_id = :me
FOR UPDATE OF a
""")


@dataclass(frozen=True, slots=True)
class SlotLock:
    id: int
    state: str
    assignment_id: int | None


async def load_for_submit(
    session: Db, assignment_id: int, me: uuid.UUID, submission_id: uuid.UUID
) -> Any:
    params = {"id": assignment_id, "me": me, "sid": submission_id}
    rows = await fetch(session, _LOAD_FOR_SUBMIT, params)
    return rows[0] if rows else None


# The submission's active time and the lease's wall time are shared over its labels (to the
# millisecond, the remainder to the first items), so sums over labels are time really spent.
_WRITE_SUBMISSION = DriverSQL("""
WITH t AS (
    SELECT jsonb_array_length(CAST(:rows AS jsonb)) AS k, CAST(:active AS bigint) AS active,
           least(greatest(0, (extract(epoch FROM clock_timestamp() - CAST(:leased AS timestamptz))
                              * 1000)::bigint), 2147483647) AS lease
), l AS (
    INSERT INTO labels (job_id, item_id, assignment_id, slot_id, annotator_id, vendor_id,
                        is_gold, answer, active_ms, lease_ms, started_at, submitted_at)
    SELECT :job, r.item_id, :a, CAST(:slot AS bigint), :me, :vendor, :gold, r.answer,
           t.active / t.k + (r.n <= t.active % t.k)::int,
           t.lease / t.k + (r.n <= t.lease % t.k)::int,
           CAST(:started AS timestamptz), clock_timestamp()
    FROM ROWS FROM (jsonb_to_recordset(CAST(:rows AS jsonb)) AS (item_id bigint, answer jsonb))
         WITH ORDINALITY AS r(item_id, answer, n), t
    RETURNING id, item_id, answer, submitted_at
), s AS (
    UPDATE task_slots SET state = 'done', assignment_id = :a, lease_until = NULL
    WHERE id = CAST(:slot AS bigint)
), x AS (
    UPDATE assignments SET state = 'submitted', submission_id = :sid,
           finished_at = clock_timestamp(), draft = NULL
    WHERE id = :a
), streak AS (
    UPDATE job_annotators SET skip_streak = 0
    WHERE job_id = :job AND annotator_id = :me AND skip_streak > 0
)
SELECT id, item_id, answer, submitted_at FROM l ORDER BY item_id
""")


async def write_submission(
    session: Db,
    a: Any,
    me: uuid.UUID,
    lease_next: dict[str, Any] | None,
    **values: Any,
) -> tuple[list[Any], Lease | None]:
    """Labels in, slot done, assignment submitted, skip streak reset (one statement); then,
    with ``lease_next`` (``next_params``), the next work leased in the same transaction.

    (psycopg's pipeline mode would send both with the COMMIT in one round trip; measured on
    this path it cost more client CPU than the round trips it saved: 228 against 153 us.)"""
    params = {
        "job": a.job_id,
        "a": a.id,
        "slot": a.slot_id,
        "me": me,
        "vendor": a.vendor_id,
        "gold": a.is_gold,
        "leased": a.leased_at,
        **values,
    }
    labels = await fetch(session, _WRITE_SUBMISSION, params)
    return labels, (None if lease_next is None else await next_lease(session, lease_next))


_STORED = DriverSQL(
    "SELECT id, item_id, answer, submitted_at FROM labels WHERE assignment_id = :a ORDER BY item_id"
)


async def stored_labels(session: Db, assignment_id: int) -> list[Any]:
    return await fetch(session, _STORED, {"a": assignment_id})


_SLOT_TAKEN_SINCE = DriverSQL(
    "SELECT 1 FROM assignments WHERE slot_id = :slot AND leased_at > :since LIMIT 1"
)


async def slot_taken_since(session: Db, slot_id: int, since: datetime) -> bool:
    return bool(await fetch(session, _SLOT_TAKEN_SINCE, {"slot": slot_id, "since": since}))


_OTHERS = DriverSQL("SELECT item_id, answer FROM labels WHERE item_id = ANY(:items)")


async def labels_on(session: Db, item_ids: list[int]) -> list[Any]:
    """Everyone's labels on these items (jobs that are not blind show them)."""
    return await fetch(session, _OTHERS, {"items": item_ids})


_RETURN_SLOT = text("""
UPDATE task_slots SET assignment_id = NULL, lease_until = NULL,
       state = CASE WHEN slot_no <= brigade_task_k(task_id) THEN 'open' ELSE 'retired' END
WHERE id = :slot AND assignment_id = :a AND state = 'leased'
""")


async def return_slot(session: AsyncSession, slot_id: int, assignment_id: int) -> None:
    """A lease given up (skip): the slot goes back to the pool, or retires if not needed."""
    await session.execute(_RETURN_SLOT, {"slot": slot_id, "a": assignment_id})
