"""A job's life: draft → running ⇄ paused → completed / cancelled.

- draft: the client sets it up (schema, data, vendors); nobody labels.
- running: annotators of admitted vendors get its items.
- paused: no new work is handed out; leases already held may still be submitted.
- completed / cancelled: final. Every lease still held is taken back and no label is accepted.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.errors import Conflict
from app.labeling.repository import lock_job_exclusive
from app.models import JobStatus, LabelingJob, Role
from app.scoping import get_scoped
from app.webhooks import events as webhook_events

ALLOWED: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.DRAFT: frozenset({JobStatus.RUNNING, JobStatus.CANCELLED}),
    JobStatus.RUNNING: frozenset({JobStatus.PAUSED, JobStatus.COMPLETED, JobStatus.CANCELLED}),
    JobStatus.PAUSED: frozenset({JobStatus.RUNNING, JobStatus.COMPLETED, JobStatus.CANCELLED}),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}

# Slots first, then assignments: the lock order of every labeling write.
_TAKE_BACK = (
    text(
        "UPDATE task_slots SET state = 'open', assignment_id = NULL, lease_until = NULL"
        " WHERE job_id = :job AND state = 'leased'"
    ),
    text(
        "UPDATE assignments SET state = 'released', finished_at = clock_timestamp()"
        " WHERE job_id = :job AND state = 'leased'"
    ),
)


async def change_status(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID, to: JobStatus
) -> LabelingJob:
    principal.require_role(Role.ENTERPRISE_ADMIN, Role.CLIENT_MEMBER, action="run labeling jobs")
    job = await get_scoped(session, principal, LabelingJob, job_id, write=True, what="Job")
    # Exclusive: waits for leases being taken right now, and makes later ones see the change.
    await lock_job_exclusive(session, job.id)
    await session.refresh(job, with_for_update=True)
    if to is job.status:
        return job  # asking twice for the same state is not an error
    if to not in ALLOWED[job.status]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[job.status])) or "nothing"
        raise Conflict(
            f"status: a {job.status.value} job cannot become {to.value} (allowed: {allowed})."
        )
    if to is JobStatus.RUNNING and not job.vendors:
        raise Conflict("status: admit at least one vendor (vendor_ids) before starting the job.")
    if to in (JobStatus.COMPLETED, JobStatus.CANCELLED):
        for stmt in _TAKE_BACK:
            await session.execute(stmt, {"job": job.id})
    before = job.status
    job.status = to
    record(
        session,
        principal,
        "job.status",
        target_type="labeling_job",
        target_id=job.id,
        enterprise_id=job.client_id,
        changes={"status": {"from": before.value, "to": to.value}},
    )
    await session.flush()
    if to is JobStatus.COMPLETED:
        await webhook_events.job_completed(session, job)
    return job
