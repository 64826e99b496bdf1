from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from app.auth.dependencies import CurrentPrincipal
from app.jobs import lifecycle, service
from app.jobs.schemas import JobCreate, JobOut, JobStatusChange, JobUpdate
from app.kit.deps import DbSession
from app.kit.pagination import Page, Paging, page_of
from app.labeling.progress import JobProgress, job_progress
from app.labeling.standing import AnnotatorStanding, job_standing
from app.models import JobStatus

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=JobOut, operation_id="create_job"
)
async def create_job(body: JobCreate, principal: CurrentPrincipal, session: DbSession) -> JobOut:
    """Create a labeling job (clients only). It starts as a draft."""
    return JobOut.model_validate(await service.create(session, principal, body))


@router.get("", response_model=Page[JobOut], operation_id="list_jobs")
async def list_jobs(
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    status: Annotated[JobStatus | None, Query(description="Only jobs in this state")] = None,
) -> Page[JobOut]:
    """Jobs the caller may see: a client's own, or those a vendor is admitted to."""
    jobs, total = await service.list_jobs(session, principal, paging, status=status)
    return page_of(JobOut, jobs, total, paging)


@router.get("/{job_id}", response_model=JobOut, operation_id="get_job")
async def get_job(job_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession) -> JobOut:
    return JobOut.model_validate(await service.get(session, principal, job_id))


@router.patch("/{job_id}", response_model=JobOut, operation_id="update_job")
async def update_job(
    job_id: uuid.UUID, body: JobUpdate, principal: CurrentPrincipal, session: DbSession
) -> JobOut:
    """Edit a job; the schema only while it is a draft, vendors and price at any time."""
    return JobOut.model_validate(await service.update(session, principal, job_id, body))


@router.post("/{job_id}/status", response_model=JobOut, operation_id="change_job_status")
async def change_status(
    job_id: uuid.UUID, body: JobStatusChange, principal: CurrentPrincipal, session: DbSession
) -> JobOut:
    """Start, pause, resume, complete or cancel a job (the owning client).

    draft → running | cancelled; running → paused | completed | cancelled;
    paused → running | completed | cancelled. Completing or cancelling takes back every lease.
    """
    return JobOut.model_validate(
        await lifecycle.change_status(session, principal, job_id, body.status)
    )


@router.get("/{job_id}/progress", response_model=JobProgress, operation_id="get_job_progress")
async def progress(
    job_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> JobProgress:
    """Items done (k labels), in progress and remaining; labels; per vendor (vendors see
    their own row only)."""
    return await job_progress(session, principal, job_id)


@router.get(
    "/{job_id}/annotators",
    response_model=Page[AnnotatorStanding],
    operation_id="list_job_annotators",
)
async def annotators(
    job_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: Paging,
    flagged: Annotated[bool, Query(description="Only annotators flagged on this job")] = False,
    sort: Annotated[
        Literal["flagged", "gold_accuracy", "agreement", "est_accuracy", "labels", "name"],
        Query(description="Quality sorts list the weakest first"),
    ] = "flagged",
) -> Page[AnnotatorStanding]:
    """Each annotator's standing on the job: labels, skips and flags, pauses (with the reason,
    which the annotator sees too), leases held, and quality: gold accuracy with a 95% interval,
    agreement with consensus, the consensus model's accuracy estimate, too-fast labels.
    Clients see everyone, a vendor's staff their own people, an annotator their own row."""
    return await job_standing(session, principal, job_id, paging, flagged_only=flagged, sort=sort)
