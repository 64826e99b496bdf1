"""How far a job is: items done / in progress / remaining, labels, and per vendor.

Counted from the slots of the job's tasks rather than from the labels: the
slots already say which work is free, held or done.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.models import EnterpriseKind, JobStatus, LabelingJob
from app.scoping import get_scoped

MIN_HOURLY_LABELS = 20  # fewer in the last hour: too noisy, take the day's rate


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
    labels_last_hour: int = Field(description="Labels since the start of the previous hour")
    labels_last_24h: int = Field(description="Labels since the start of the hour 23 hours ago")
    rate_per_hour: float | None = Field(
        description="Current rate: over the last hour when it saw at least"
        f" {MIN_HOURLY_LABELS} labels, else over the last 24 hours; null without labels"
    )
    eta: datetime | None = Field(
        description="When the labels still needed are done at the current rate (running jobs)"
    )
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

# The job's labels over the last one and 24 hours, from the hourly roll-up (moved by the
# quality sweep within seconds of a submit), with each window's length in hours.
_RATE = text("""
WITH w AS (SELECT date_trunc('hour', now()) AS this_hour)
SELECT coalesce(sum(t.labels) FILTER (WHERE t.hour >= w.this_hour - interval '1 hour'), 0),
       coalesce(sum(t.labels), 0),
       extract(epoch FROM now() - (w.this_hour - interval '1 hour')) / 3600,
       extract(epoch FROM now() - (w.this_hour - interval '23 hours')) / 3600
FROM w LEFT JOIN team_hourly t
  ON t.job_id = :job AND t.hour >= w.this_hour - interval '23 hours'
GROUP BY w.this_hour
""")

_OTHER = text("""
SELECT (SELECT count(*) FROM labels WHERE job_id = :job AND is_gold),
       (SELECT count(*) FROM datasets WHERE job_id = :job AND status IN ('queued', 'processing'))
""")


def _rate(last_hour: int, hour_span: float, last_day: int, day_span: float) -> float | None:
    if last_hour >= MIN_HOURLY_LABELS:
        return last_hour / hour_span
    return last_day / day_span if last_day else None


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
    last_hour, last_day, hour_span, day_span = (await session.execute(_RATE, {"job": job.id})).one()
    rate = _rate(int(last_hour), float(hour_span), int(last_day), float(day_span))
    remaining = int(needed) - int(submitted)
    eta = None
    if rate and remaining > 0 and job.status is JobStatus.RUNNING:
        eta = datetime.now(UTC) + timedelta(hours=remaining / rate)
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
        labels_last_hour=last_hour,
        labels_last_24h=last_day,
        rate_per_hour=rate,
        eta=eta,
        vendors=vendors,
    )
