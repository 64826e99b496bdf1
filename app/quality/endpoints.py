"""Quality control API: the job's quality report, the review queue and decisions, pauses."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.auth.dependencies import CurrentPrincipal
from app.kit.deps import DbSession
from app.kit.pagination import Page, Paging
from app.kit.storage import Store
from app.quality.decisions import ReviewReason
from app.quality.manage import refit_later, set_pause
from app.quality.report import quality_report
from app.quality.review import decide_review, review_item, review_queue
from app.quality.schemas import PauseIn, QualityReport, ReviewIn, ReviewItem

router = APIRouter(prefix="/jobs", tags=["quality"])


@router.get("/{job_id}/quality", response_model=QualityReport, operation_id="job_quality")
async def report(
    job_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> QualityReport:
    """Items by consensus state, mean confidence and agreement, and the agreement metrics of
    the last model fit (Krippendorff's alpha, Fleiss' kappa, pairwise Cohen's kappa, per
    class, confusion per annotator). Not for annotators."""
    return await quality_report(session, principal, job_id)


@router.post(
    "/{job_id}/quality/refit",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="refit_job_quality",
)
async def refit(
    job_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession
) -> dict[str, str]:
    """Refit the job's consensus model and recompute its metrics now (a background job; the
    sweep also refits as labels accumulate)."""
    await refit_later(session, principal, job_id)
    return {"status": "queued"}


@router.get("/{job_id}/review", response_model=Page[ReviewItem], operation_id="review_queue")
async def queue(
    job_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: DbSession,
    store: Store,
    paging: Paging,
    reason: Annotated[ReviewReason | None, Query(description="Only items queued for this")] = None,
) -> Page[ReviewItem]:
    """Items waiting for review (low agreement after every label allowed, the job's random
    sample, or labels of an annotator paused for quality), oldest first, each with every
    annotator's label side by side."""
    return await review_queue(
        session, principal, store, job_id, paging, reason.value if reason else None
    )


@router.get(
    "/{job_id}/items/{item_id}/review", response_model=ReviewItem, operation_id="review_item"
)
async def item(
    job_id: uuid.UUID, item_id: int, principal: CurrentPrincipal, session: DbSession, store: Store
) -> ReviewItem:
    """One item with its labels, consensus and review history."""
    return await review_item(session, principal, store, job_id, item_id)


@router.post(
    "/{job_id}/items/{item_id}/review", response_model=ReviewItem, operation_id="review_decide"
)
async def decide(
    job_id: uuid.UUID,
    item_id: int,
    body: ReviewIn,
    principal: CurrentPrincipal,
    session: DbSession,
    store: Store,
) -> ReviewItem:
    """accept the consensus, pick one annotator's label, correct it with your own answer
    (validated against the job's schema), or reject: the labels stop counting and the item
    goes back to the pool for others to relabel, with your comment shown to them. Labels are
    judged against the decision; every review is recorded with the answer before and after."""
    return await decide_review(session, principal, store, job_id, item_id, body)


@router.put(
    "/{job_id}/annotators/{annotator_id}/pause",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="pause_annotator",
)
async def pause(
    job_id: uuid.UUID,
    annotator_id: uuid.UUID,
    body: PauseIn,
    principal: CurrentPrincipal,
    session: DbSession,
) -> None:
    """Pause an annotator on the job (leases taken back, the reason shown to them) or let them
    work again. Automatic pauses by the quality rules are lifted the same way."""
    await set_pause(session, principal, job_id, annotator_id, body)
