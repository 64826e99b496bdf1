"""Manual quality actions: pausing an annotator on a job, asking for a refit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.errors import NotFound
from app.kit.jobs import defer_job_once
from app.models import LabelingJob, Role, User
from app.quality import repository as repo
from app.quality.enforce import pause_for_quality
from app.quality.schemas import PauseIn
from app.scoping import get_scoped, require_reviewer

REFIT_JOB = "brigade.qc_refit"


async def refit_later(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> None:
    job = await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    require_reviewer(principal)
    await defer_job_once(session, REFIT_JOB, f"qc_refit:{job.id}", job_id=str(job.id))


async def set_pause(
    session: AsyncSession,
    principal: Principal,
    job_id: uuid.UUID,
    annotator_id: uuid.UUID,
    body: PauseIn,
) -> None:
    """QA leads and admins of the job's side pause or resume an annotator on it. A vendor's
    staff act on their own people only; the client and the park on anyone on the job."""
    job = await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    principal.require_role(Role.ENTERPRISE_ADMIN, Role.QA_LEAD, action="pause annotators")
    require_reviewer(principal)
    who = await session.get(User, annotator_id)
    own_side = principal.is_park_admin or job.client_id == principal.enterprise_id
    if who is None or not (own_side or who.enterprise_id == principal.enterprise_id):
        raise NotFound(f"Annotator {annotator_id} does not exist or is not visible to you.")
    if body.paused:
        assert body.reason is not None  # PauseIn requires it
        await pause_for_quality(session, job, who.id, body.reason.strip())
    else:
        await repo.unpause(session, job.id, who.id)
    record(
        session,
        principal,
        "quality.pause" if body.paused else "quality.resume",
        target_type="user",
        target_id=who.id,
        enterprise_id=who.enterprise_id,
        changes={"job_id": str(job.id), "reason": body.reason},
    )
