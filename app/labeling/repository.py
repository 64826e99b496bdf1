"""The distribution queue in SQL: each hot-path step is one statement, one round trip.

Lock order is always slot row, then assignment row (taking, submitting, skipping, renewing and
expiring all follow it), so these statements cannot deadlock each other.

Times written here use ``clock_timestamp()``, not ``now()``: ``now()`` is the start of the
transaction, which may precede the moment a slot we waited for was freed; lease intervals on a
slot must not appear to overlap.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.labeling import LANES


@dataclass(frozen=True, slots=True)
class EligibleJob:
    id: uuid.UUID
    lease_seconds: int
    gold_rate: float
    blind: bool
    lane_lo: int  # the caller's vendor's lanes: [lane_lo, lane_hi)
    lane_hi: int


@dataclass(frozen=True, slots=True)
class Held:
    id: int
    job_id: uuid.UUID
    task_id: int | None
    item_id: int | None
    lease_until: datetime
    draft: dict[str, Any] | None


_ELIGIBLE = text(f"""
WITH shares AS (
    SELECT job_id, vendor_id, share,
           sum(share) OVER (PARTITION BY job_id ORDER BY admitted_at, vendor_id) AS upto,
           sum(share) OVER (PARTITION BY job_id) AS total
    FROM job_vendors WHERE job_id IN (SELECT job_id FROM job_vendors WHERE vendor_id = :vendor)
)
SELECT j.id, j.lease_seconds, j.gold_rate, j.blind,
       ({LANES} * (s.upto - s.share) / s.total)::int AS lane_lo,
       ({LANES} * s.upto / s.total)::int AS lane_hi
FROM labeling_jobs j
JOIN shares s ON s.job_id = j.id AND s.vendor_id = :vendor
WHERE j.status = 'running'
  AND (CAST(:job AS uuid) IS NULL OR j.id = CAST(:job AS uuid))
  AND (j.required_skill IS NULL
       OR EXISTS (SELECT 1 FROM users u WHERE u.id = :me AND j.required_skill = ANY(u.skills)))
  AND NOT EXISTS (SELECT 1 FROM job_annotators ja
                  WHERE ja.job_id = j.id AND ja.annotator_id = :me AND ja.paused)
ORDER BY j.priority DESC, j.deadline ASC NULLS LAST, j.created_at, j.id
""")


async def eligible_jobs(
    session: AsyncSession, me: uuid.UUID, vendor: uuid.UUID, job: uuid.UUID | None
) -> list[EligibleJob]:
    """Running jobs the annotator may work on now, in the order work is taken from them."""
    rows = await session.execute(_ELIGIBLE, {"me": me, "vendor": vendor, "job": job})
    return [EligibleJob(r[0], r[1], float(r[2]), r[3], r[4], r[5]) for r in rows]


_HELD = text("""
SELECT id, job_id, task_id, item_id, lease_until, draft FROM assignments
WHERE annotator_id = :me AND state = 'leased' AND lease_until > clock_timestamp()
  AND job_id = ANY(:jobs) AND id <> ALL(:holding)
ORDER BY leased_at, id
""")


async def held(
    session: AsyncSession, me: uuid.UUID, jobs: list[uuid.UUID], holding: list[int]
) -> list[Held]:
    rows = await session.execute(_HELD, {"me": me, "jobs": jobs, "holding": holding})
    return [Held(*r) for r in rows]


_TAKE_SLOT = text("""
WITH s AS (
    SELECT id, task_id FROM task_slots
    WHERE job_id = :job AND state = 'open' AND lane >= :lo AND lane < :hi
      AND NOT EXISTS (SELECT 1 FROM assignments a
                      WHERE a.task_id = task_slots.task_id AND a.annotator_id = :me)
    ORDER BY task_id, slot_no
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), a AS (
    INSERT INTO assignments (job_id, annotator_id, vendor_id, task_id, slot_id, is_gold, state,
                             leased_at, lease_until)
    SELECT :job, :me, :vendor, s.task_id, s.id, false, 'leased', clock_timestamp(),
           clock_timestamp() + make_interval(secs => :lease)
    FROM s
    ON CONFLICT DO NOTHING
    RETURNING id, task_id, slot_id, lease_until
), u AS (
    UPDATE task_slots t SET state = 'leased', assignment_id = a.id, lease_until = a.lease_until
    FROM a WHERE t.id = a.slot_id
)
SELECT id, task_id, lease_until FROM a
""")


async def take_slot(
    session: AsyncSession,
    job: EligibleJob,
    me: uuid.UUID,
    vendor: uuid.UUID,
    lanes: tuple[int, int],
) -> tuple[int, int, datetime] | None:
    """Lease the first free slot (oldest task first) in ``lanes`` of a task new to ``me``."""
    row = (
        await session.execute(
            _TAKE_SLOT,
            {
                "job": job.id,
                "me": me,
                "vendor": vendor,
                "lo": lanes[0],
                "hi": lanes[1],
                "lease": job.lease_seconds,
            },
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


_TAKE_GOLD = text("""
WITH g AS (
    SELECT i.id FROM items i JOIN datasets d ON d.id = i.dataset_id AND d.status = 'ready'
    WHERE i.job_id = :job AND i.is_gold AND NOT i.excluded
      AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = i.id AND a.annotator_id = :me)
    ORDER BY random()
    LIMIT 1
)
INSERT INTO assignments (job_id, annotator_id, vendor_id, item_id, is_gold, state,
                         leased_at, lease_until)
SELECT :job, :me, :vendor, g.id, true, 'leased', clock_timestamp(),
       clock_timestamp() + make_interval(secs => :lease)
FROM g
ON CONFLICT DO NOTHING
RETURNING id, item_id, lease_until
""")


async def take_gold(
    session: AsyncSession, job: EligibleJob, me: uuid.UUID, vendor: uuid.UUID
) -> tuple[int, int, datetime] | None:
    """Lease a random gold item of the job that ``me`` has not seen."""
    params = {"job": job.id, "me": me, "vendor": vendor, "lease": job.lease_seconds}
    row = (await session.execute(_TAKE_GOLD, params)).first()
    return None if row is None else (row[0], row[1], row[2])


_ITEM_COLUMNS = "i.id, i.kind, i.text, i.object_key, i.width, i.height, i.meta"

_TASK_ITEMS = text(f"""
SELECT {_ITEM_COLUMNS} FROM tasks t JOIN items i
  ON i.dataset_id = t.dataset_id AND i.id BETWEEN t.first_item_id AND t.last_item_id
WHERE t.id = :task AND NOT i.is_gold AND NOT i.excluded
ORDER BY i.id
""")

_ONE_ITEM = text(f"SELECT {_ITEM_COLUMNS} FROM items i WHERE i.id = :item")


async def assignment_items(
    session: AsyncSession, task_id: int | None, item_id: int | None
) -> list[tuple[Any, ...]]:
    if task_id is not None:
        rows = await session.execute(_TASK_ITEMS, {"task": task_id})
    else:
        rows = await session.execute(_ONE_ITEM, {"item": item_id})
    return [tuple(r) for r in rows]


_EXPIRE = text("""
WITH s AS (
    SELECT id, assignment_id FROM task_slots
    WHERE state = 'leased' AND lease_until < clock_timestamp()
      AND (CAST(:job AS uuid) IS NULL OR job_id = CAST(:job AS uuid))
    ORDER BY lease_until
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
), freed AS (
    UPDATE task_slots t SET state = 'open', assignment_id = NULL, lease_until = NULL
    FROM s WHERE t.id = s.id
    RETURNING s.assignment_id
)
UPDATE assignments a SET state = 'expired', finished_at = a.lease_until
FROM freed WHERE a.id = freed.assignment_id AND a.state = 'leased'
""")

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
    freed = await session.execute(_EXPIRE, params)
    await session.execute(_EXPIRE_GOLD, params)
    return int(freed.rowcount)  # type: ignore[attr-defined]


_SYNC_SLOTS = text("""
WITH want AS (
    SELECT t.id AS task_id, t.job_id, CASE WHEN EXISTS (
        SELECT 1 FROM items i WHERE i.dataset_id = t.dataset_id
          AND i.id BETWEEN t.first_item_id AND t.last_item_id AND NOT i.excluded
    ) THEN j.overlap ELSE 0 END AS k
    FROM tasks t JOIN labeling_jobs j ON j.id = t.job_id
    JOIN datasets d ON d.id = t.dataset_id AND d.status = 'ready'
    WHERE t.id = ANY(:tasks)
), dropped AS (
    DELETE FROM task_slots s USING want
    WHERE s.task_id = want.task_id AND s.slot_no > want.k AND s.state = 'open'
)
INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)
SELECT want.task_id, want.job_id, n, brigade_slot_lane(want.task_id, n), 'open'
FROM want, generate_series(1, want.k) AS n
ON CONFLICT (task_id, slot_no) DO NOTHING
""")


async def sync_task_slots(session: AsyncSession, task_ids: list[int]) -> None:
    """Give these tasks the job's overlap in slots (none if every item is excluded).

    Taken and done slots are never removed: lowering k or excluding items does not withdraw
    work already handed out.
    """
    if task_ids:
        await session.execute(_SYNC_SLOTS, {"tasks": task_ids})


_OPEN_DATASET = text("""
INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)
SELECT t.id, t.job_id, n, brigade_slot_lane(t.id, n), 'open'
FROM tasks t JOIN labeling_jobs j ON j.id = t.job_id, generate_series(1, j.overlap) AS n
WHERE t.dataset_id = :ds
ON CONFLICT (task_id, slot_no) DO NOTHING
""")


async def open_dataset_slots(session: AsyncSession, dataset_id: uuid.UUID) -> int:
    """When a dataset becomes ready: k open slots for each of its tasks, set-based."""
    result = await session.execute(_OPEN_DATASET, {"ds": dataset_id})
    return int(result.rowcount)  # type: ignore[attr-defined]


_RESIZE_UP = text("""
INSERT INTO task_slots (task_id, job_id, slot_no, lane, state)
SELECT t.id, t.job_id, n, brigade_slot_lane(t.id, n), 'open'
FROM tasks t JOIN datasets d ON d.id = t.dataset_id AND d.status = 'ready',
     generate_series(:old + 1, :new) AS n
WHERE t.job_id = :job AND EXISTS (SELECT 1 FROM task_slots s WHERE s.task_id = t.id)
ON CONFLICT (task_id, slot_no) DO NOTHING
""")

_RESIZE_DOWN = text(
    "DELETE FROM task_slots WHERE job_id = :job AND slot_no > :new AND state = 'open'"
)


async def resize_job_slots(session: AsyncSession, job_id: uuid.UUID, old: int, new: int) -> None:
    """Overlap changed: open slots up to the new k, or drop free slots above it."""
    if new > old:
        await session.execute(_RESIZE_UP, {"job": job_id, "old": old, "new": new})
    elif new < old:
        await session.execute(_RESIZE_DOWN, {"job": job_id, "new": new})
