"""How far a job is: items done / in progress / remaining, labels, and per vendor.

Counted from the slots of the job's tasks rather than from the labels: the
slots already say which work is free, held or done.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.models import EnterpriseKind, LabelingJob
from app.scoping import get_scoped


class VendorProgress(BaseModel):
    vendor_id: uuid.UUID
    labels: int
    annotators: int
    held: int
    skips: int


class JobProgress(BaseModel):
    job_id: uuid.UUID
    status: str
    overlap: int
    tasks: int
    items_total: int
    items_done: int
    items_in_progress: int
    items_remaining: int
    labels_needed: int
    labels_submitted: int
    leases_held: int
    gold_labels: int
    datasets_processing: int
    vendors: list[VendorProgress]


_TASKS = text("""
SELECT count(*),
       coalesce(sum(t.item_count), 0),
       coalesce(sum(t.item_count) FILTER (WHERE s.done = s.n), 0),
       coalesce(sum(t.item_count) FILTER (WHERE s.done < s.n AND s.done + s.held > 0), 0),
       coalesce(sum(s.n * t.item_count), 0), coalesce(sum(s.done * t.item_count), 0),
       coalesce(sum(s.held), 0)
FROM (SELECT s.task_id, count(*) AS n,
             count(*) FILTER (WHERE s.state = 'done') AS done,
             count(*) FILTER (WHERE s.state = 'leased') AS held
      FROM tasks tt JOIN task_slots s ON s.task_id = tt.id
      WHERE tt.job_id = :job AND s.state <> 'retired' GROUP BY s.task_id) s
JOIN tasks t ON t.id = s.task_id
""")

_VENDORS = text("""
SELECT jv.vendor_id,
       (SELECT count(*) FROM labels l
         WHERE l.job_id = :job AND l.vendor_id = jv.vendor_id AND NOT l.is_gold),
       (SELECT count(DISTINCT a.annotator_id) FROM assignments a
         WHERE a.job_id = :job AND a.vendor_id = jv.vendor_id),
       (SELECT count(*) FROM assignments a
         WHERE a.job_id = :job AND a.vendor_id = jv.vendor_id AND a.state = 'leased'),
       (SELECT count(*) FROM assignments a
         WHERE a.job_id = :job AND a.vendor_id = jv.vendor_id AND a.state = 'skipped')
FROM job_vendors jv WHERE jv.job_id = :job
ORDER BY jv.admitted_at, jv.vendor_id
""")

_OTHER = text("""
SELECT (SELECT count(*) FROM labels WHERE job_id = :job AND is_gold),
       (SELECT count(*) FROM datasets WHERE job_id = :job AND status IN ('queued', 'processing'))
""")


async def job_progress(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID
) -> JobProgress:
    job = await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    tasks, total, done, started, needed, submitted, held = (
        await session.execute(_TASKS, {"job": job.id})
    ).one()
    gold, processing = (await session.execute(_OTHER, {"job": job.id})).one()
    vendors = [
        VendorProgress(vendor_id=r[0], labels=r[1], annotators=r[2], held=r[3], skips=r[4])
        for r in await session.execute(_VENDORS, {"job": job.id})
    ]
    if principal.enterprise_kind is EnterpriseKind.VENDOR:
        vendors = [v for v in vendors if v.vendor_id == principal.enterprise_id]
    return JobProgress(
        job_id=job.id,
        status=job.status.value,
        overlap=job.overlap,
        tasks=tasks,
        items_total=total,
        items_done=done,
        items_in_progress=started,
        items_remaining=total - done,
        labels_needed=needed,
        labels_submitted=submitted,
        leases_held=held,
        gold_labels=gold,
        datasets_processing=processing,
        vendors=vendors,
    )
