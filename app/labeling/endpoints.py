"""The annotator's API: lease work, keep it, hand it in or pass it on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.dependencies import CurrentPrincipal
from app.errors import ErrorResponse
from app.kit.db import use_autocommit
from app.kit.deps import DbSession
from app.kit.storage import Store
from app.labeling import service
from app.labeling.schemas import (
    DraftIn,
    DraftOut,
    LeaseOut,
    NextOut,
    NextRequest,
    SkipOut,
    SkipRequest,
    SubmitOut,
    SubmitRequest,
)
from app.labeling.standing import MyStanding, my_standing

router = APIRouter(prefix="/labeling", tags=["labeling"])
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "The lease is gone (see detail)"}
}


@router.get("/standing", response_model=list[MyStanding], operation_id="my_standing")
async def standing(principal: CurrentPrincipal, session: DbSession) -> list[MyStanding]:
    """Your standing on the running jobs you have worked on: labels, accuracy on gold items
    (with a 95% interval), and any flag or pause with its reason."""
    return await my_standing(session, principal)


@router.post("/next", response_model=NextOut, operation_id="next_assignment")
async def next_assignment(
    principal: CurrentPrincipal, session: DbSession, store: Store, body: NextRequest | None = None
) -> NextOut:
    """Lease the next work: a lease you hold but do not show yet, else new work.

    Order: your own unfinished lease; then jobs by priority and deadline; within a job the
    oldest task with a free slot (so started items finish first), your vendor's share first.
    Gold items come at the job's rate. ``assignment`` is null with a ``reason`` when there is
    nothing for you.
    """
    # One statement (brigade_next), atomic by itself: skip BEGIN/COMMIT.
    await use_autocommit(session)
    return await service.next_assignment(session, principal, store, body or NextRequest())


@router.post(
    "/assignments/{assignment_id}/submit",
    response_model=SubmitOut,
    responses=_CONFLICT,
    operation_id="submit_assignment",
)
async def submit(
    assignment_id: int,
    body: SubmitRequest,
    principal: CurrentPrincipal,
    session: DbSession,
    store: Store,
) -> SubmitOut:
    """Hand in one answer per item. Safe to retry: the same ``submission_id`` returns the
    first result and never makes a second label. A late submit (lease ran out) is accepted
    only if nobody took the slot since; otherwise 409 ``LeaseLost``."""
    return await service.submit(session, principal, store, assignment_id, body)


@router.post(
    "/assignments/{assignment_id}/skip",
    response_model=SkipOut,
    responses=_CONFLICT,
    operation_id="skip_assignment",
)
async def skip(
    assignment_id: int,
    body: SkipRequest,
    principal: CurrentPrincipal,
    session: DbSession,
    store: Store,
) -> SkipOut:
    """Pass the work on to someone else (you will not get it again), with a reason."""
    return await service.skip(session, principal, store, assignment_id, body)


@router.post(
    "/assignments/{assignment_id}/heartbeat",
    response_model=LeaseOut,
    responses=_CONFLICT,
    operation_id="renew_lease",
)
async def heartbeat(
    assignment_id: int, principal: CurrentPrincipal, session: DbSession
) -> LeaseOut:
    """Renew the lease while the annotator is working on it."""
    return await service.heartbeat(session, principal, assignment_id)


@router.put(
    "/assignments/{assignment_id}/draft",
    response_model=DraftOut,
    responses=_CONFLICT,
    operation_id="save_draft",
)
async def save_draft(
    assignment_id: int, body: DraftIn, principal: CurrentPrincipal, session: DbSession
) -> DraftOut:
    """Autosave work in progress; ``next`` hands it back after a reload."""
    return await service.save_draft(session, principal, assignment_id, body)
