"""The annotator's loop: next → (heartbeat, draft) → submit or skip.

Exactness comes from the database (see ``app.models.labeling`` and ``repository``); this module
decides what to ask for and explains refusals. Every refusal says what happened to the work.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from typing import Any

import orjson
from psycopg.errors import UniqueViolation
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import Conflict, InvalidInput, LeaseLost, NotFound, PermissionDenied
from app.kit.db import Db
from app.kit.storage import ObjectStore
from app.labeling import repository as repo
from app.labeling.answers import ItemFacts, parse_schema, validate_answer
from app.labeling.schemas import (
    MAX_HOLDING,
    AssignmentOut,
    DraftIn,
    DraftOut,
    ItemOut,
    LabelOut,
    LeaseOut,
    NextOut,
    NextRequest,
    NoWorkReason,
    OtherLabel,
    ReworkNote,
    SkipOut,
    SkipRequest,
    SubmitOut,
    SubmitRequest,
)
from app.models import (
    Assignment,
    AssignmentState,
    EnterpriseKind,
    JobStatus,
    LabelingJob,
    Role,
    SlotState,
    TaskSlot,
)
from app.stats.rollup import count_skip

MAX_DRAFT_BYTES = 1_000_000
# Labels are only accepted while the job runs or is paused (work handed out before a pause
# may still come back); completion and cancellation take every lease back.
_SUBMITTABLE = (JobStatus.RUNNING, JobStatus.PAUSED)


def annotator_of(principal: Principal) -> tuple[uuid.UUID, uuid.UUID]:
    """(user id, vendor id) of a logged-in annotator; labeling is personal work."""
    if principal.user_id is None:
        raise PermissionDenied("Labeling is done by a person: log in as an annotator.")
    if (
        principal.role is not Role.ANNOTATOR
        or principal.enterprise_kind is not EnterpriseKind.VENDOR
    ):
        raise PermissionDenied(f"Only annotators label items; you are {principal.role.value}.")
    return principal.user_id, principal.enterprise_id


# ---------------------------------------------------------------- next


async def next_assignment(
    session: Db, principal: Principal, store: ObjectStore, req: NextRequest
) -> NextOut:
    lease = await repo.next_lease(session, _next_params(principal, req))
    return await _offer(session, store, lease)


def _next_params(principal: Principal, req: NextRequest) -> dict[str, Any]:
    me, vendor = annotator_of(principal)
    return repo.next_params(
        me,
        vendor,
        req.job_id,
        req.holding,
        # Gold comes at each job's rate: one pseudo-random draw per request (not a secret).
        draw=random.random(),
        max_holding=MAX_HOLDING,
    )


async def _offer(session: Db, store: ObjectStore, lease: repo.Lease) -> NextOut:
    if lease.assignment_id is None:
        return NextOut(assignment=None, reason=NoWorkReason(lease.outcome))
    return NextOut(assignment=await _render(session, store, lease))


async def _render(session: Db, store: ObjectStore, lease: repo.Lease) -> AssignmentOut:
    assert lease.assignment_id is not None
    assert lease.job_id is not None
    assert lease.lease_until is not None
    ttl = lease.lease_seconds + 600  # the image stays loadable for the whole lease
    items = []
    for iid, kind, body, key, width, height, meta, _ in lease.items:
        url = await store.presigned_get_url(key, ttl) if key else None
        items.append(
            ItemOut(
                id=iid, kind=kind, text=body, image_url=url, width=width, height=height, meta=meta
            )
        )
    others = None
    if not lease.blind and lease.task_id is not None:
        found = await repo.labels_on(session, [i.id for i in items])
        others = [OtherLabel(item_id=r.item_id, answer=r.answer) for r in found]

    return AssignmentOut(
        id=lease.assignment_id,
        job_id=lease.job_id,
        lease_expires_at=lease.lease_until,
        items=items,
        draft=lease.draft,
        others=others,
        rework=[ReworkNote(item_id=row[0], note=row[7]) for row in lease.items if row[7]],
    )


# ---------------------------------------------------------------- holding a lease


async def _mine(session: AsyncSession, me: uuid.UUID, assignment_id: int) -> Assignment:
    a = await session.get(Assignment, assignment_id)
    if a is None or a.annotator_id != me:
        raise NotFound(f"Assignment {assignment_id} does not exist or is not yours.")
    return a


async def _lock(session: AsyncSession, a: Assignment) -> TaskSlot | None:
    """Lock the slot, then the assignment (the order every writer uses); re-read both."""
    slot = None
    if a.slot_id is not None:
        slot = await session.get(TaskSlot, a.slot_id, with_for_update=True, populate_existing=True)
    await session.refresh(a, with_for_update=True)
    return slot


def _refusal(assignment_id: int, state: AssignmentState, lease_until: datetime) -> Conflict:
    if state is AssignmentState.SUBMITTED:
        return Conflict(
            f"Assignment {assignment_id} was already submitted with another submission id."
        )
    if state is AssignmentState.SKIPPED:
        return Conflict(f"You skipped assignment {assignment_id}; it has gone to someone else.")
    if state is AssignmentState.RELEASED:
        return Conflict(
            f"Assignment {assignment_id} was taken back (the job ended or you were paused)."
        )
    return LeaseLost(
        f"Your lease on assignment {assignment_id} ran out at {lease_until.isoformat()} and the "
        "item was given to another annotator; your answer was not recorded."
    )


def _gone(a: Assignment) -> Conflict:
    return _refusal(a.id, a.state, a.lease_until)


async def _may_submit(
    session: Db,
    state: AssignmentState,
    assignment_id: int,
    leased_at: datetime,
    slot: repo.SlotLock | None,
) -> bool:
    """Whether work may still be handed in: its lease holds, or ran out with nobody after it."""
    if state is AssignmentState.LEASED:
        return slot is None or slot.assignment_id == assignment_id
    if state is not AssignmentState.EXPIRED:
        return False
    if slot is None:
        return True  # gold: nobody else can take this annotator's gold item
    if slot.state != SlotState.OPEN.value:
        return False
    return not await repo.slot_taken_since(session, slot.id, leased_at)


async def _still_yours(session: AsyncSession, a: Assignment, slot: TaskSlot | None) -> bool:
    lock = None if slot is None else repo.SlotLock(slot.id, slot.state.value, slot.assignment_id)
    return await _may_submit(session, a.state, a.id, a.leased_at, lock)


async def _job_for(session: AsyncSession, a: Assignment) -> LabelingJob:
    job = await session.get_one(LabelingJob, a.job_id)
    if job.status not in _SUBMITTABLE:
        raise Conflict(f"Job {job.id} is {job.status.value}; it takes no more labels.")
    return job


async def heartbeat(session: AsyncSession, principal: Principal, assignment_id: int) -> LeaseOut:
    me, _ = annotator_of(principal)
    a = await _mine(session, me, assignment_id)
    job = await _job_for(session, a)
    slot = await _lock(session, a)
    if a.state is not AssignmentState.LEASED or not await _still_yours(session, a, slot):
        raise _gone(a)
    until = await session.scalar(
        text("SELECT clock_timestamp() + make_interval(secs => :s)"), {"s": job.lease_seconds}
    )
    assert until is not None
    a.lease_until = until
    if slot is not None:
        slot.lease_until = until
    return LeaseOut(assignment_id=a.id, lease_expires_at=until)


async def save_draft(
    session: AsyncSession, principal: Principal, assignment_id: int, body: DraftIn
) -> DraftOut:
    me, _ = annotator_of(principal)
    if len(orjson.dumps(body.answers)) > MAX_DRAFT_BYTES:
        raise InvalidInput(f"answers: a draft may be at most {MAX_DRAFT_BYTES} bytes of JSON.")
    row = (
        await session.execute(
            text(
                "UPDATE assignments SET draft = CAST(:d AS jsonb),"
                " draft_saved_at = clock_timestamp()"
                " WHERE id = :id AND annotator_id = :me AND state IN ('leased', 'expired')"
                " RETURNING draft_saved_at"
            ),
            {"d": orjson.dumps(body.answers).decode(), "id": assignment_id, "me": me},
        )
    ).first()
    if row is None:
        raise _gone(await _mine(session, me, assignment_id))
    return DraftOut(assignment_id=assignment_id, saved_at=row[0])


# ---------------------------------------------------------------- submit


async def submit(
    session: Db,
    principal: Principal,
    store: ObjectStore,
    assignment_id: int,
    body: SubmitRequest,
) -> SubmitOut:
    """Two statements: load (and lock) the assignment and its slot, write everything."""
    me, _ = annotator_of(principal)
    a = await repo.load_for_submit(session, assignment_id, me, body.submission_id)
    if a is None:
        raise NotFound(f"Assignment {assignment_id} does not exist or is not yours.")
    slot = (
        None
        if a.slot_lock_id is None
        else repo.SlotLock(a.slot_lock_id, a.slot_state, a.slot_holder)
    )
    if a.submission_id == body.submission_id:  # a retry: the first result, never a second label
        return _out(a.id, body.submission_id, await repo.stored_labels(session, a.id), True)
    if a.sid_owner is not None:
        raise Conflict(_SID_REUSED)
    if JobStatus(a.status) not in _SUBMITTABLE:
        raise Conflict(f"Job {a.job_id} is {a.status}; it takes no more labels.")
    state = AssignmentState(a.state)
    if not await _may_submit(session, state, a.id, a.leased_at, slot):
        raise _refusal(a.id, state, a.lease_until)
    answers = _validated(a.label_schema, a.items, body)
    rows = orjson.dumps([{"item_id": iid, "answer": ans} for iid, ans in answers]).decode()
    lease_next = (
        _next_params(principal, NextRequest(job_id=body.next_job_id)) if body.next else None
    )
    try:
        labels, lease = await repo.write_submission(
            session,
            a,
            me,
            lease_next,
            rows=rows,
            sid=body.submission_id,
            active=body.active_ms,
            started=body.started_at,
        )
    except UniqueViolation as exc:
        if exc.diag.constraint_name == _SID_UNIQUE:
            raise Conflict(_SID_REUSED) from exc  # the same id sent for two assignments at once
        raise
    out = _out(a.id, body.submission_id, labels, False)
    if lease is not None:
        out.next = await _offer(session, store, lease)
    return out


_SID_UNIQUE = "uq_assignments_submission_id"
_SID_REUSED = (
    "submission_id: this id was already used for another submission; generate a new one per "
    "submission."
)


def _out(assignment_id: int, sid: uuid.UUID, rows: list[Any], replayed: bool) -> SubmitOut:
    return SubmitOut(
        assignment_id=assignment_id,
        submission_id=sid,
        replayed=replayed,
        labels=[LabelOut(id=r[0], item_id=r[1], answer=r[2], submitted_at=r[3]) for r in rows],
    )


def _validated(
    label_schema: dict[str, Any], items: list[list[Any]], body: SubmitRequest
) -> list[tuple[int, Any]]:
    facts = {r[0]: ItemFacts(width=r[1], height=r[2], text=r[3]) for r in items}
    given = [la.item_id for la in body.labels]
    if len(set(given)) != len(given):
        raise InvalidInput("labels: each item may appear once.")
    if set(given) != set(facts):
        missing = sorted(set(facts) - set(given))
        extra = sorted(set(given) - set(facts))
        parts = []
        if missing:
            parts.append(f"missing items {missing[:10]}")
        if extra:
            parts.append(f"items not in this assignment {extra[:10]}")
        raise InvalidInput(
            "labels: an assignment is submitted whole, one answer per item: " + "; ".join(parts)
        )
    schema = parse_schema(label_schema)
    return [
        (
            la.item_id,
            validate_answer(schema, la.answer, facts[la.item_id], field=f"labels[{n}].answer"),
        )
        for n, la in enumerate(body.labels)
    ]


# ---------------------------------------------------------------- skip


async def skip(
    session: AsyncSession,
    principal: Principal,
    store: ObjectStore,
    assignment_id: int,
    body: SkipRequest,
) -> SkipOut:
    me, _ = annotator_of(principal)
    a = await _mine(session, me, assignment_id)
    job = await session.get_one(LabelingJob, a.job_id)
    slot = await _lock(session, a)
    flagged = False
    if a.state is not AssignmentState.SKIPPED:  # skipping twice is the same skip
        if a.state not in (AssignmentState.LEASED, AssignmentState.EXPIRED):
            raise _gone(a)
        if slot is not None:
            await repo.return_slot(session, slot.id, a.id)
        if a.state is AssignmentState.LEASED:  # an expired lease ended when it ran out
            a.finished_at = await session.scalar(text("SELECT clock_timestamp()"))
        a.state = AssignmentState.SKIPPED
        a.skip_reason = body.reason.value
        a.skip_note = body.note
        a.draft = None
        flagged = await _count_skip(session, job, me)
        await count_skip(session, job.id, me, a.vendor_id, a.finished_at)
    out = SkipOut(assignment_id=a.id, flagged=flagged)
    if body.next:
        await session.flush()
        out.next = await next_assignment(
            session, principal, store, NextRequest(job_id=body.next_job_id)
        )
    return out


async def _count_skip(session: AsyncSession, job: LabelingJob, me: uuid.UUID) -> bool:
    """One more skip in a row; flag the annotator when the streak reaches the job's limit."""
    row = (
        await session.execute(
            text(
                "INSERT INTO job_annotators (job_id, annotator_id, skip_streak, skips)"
                " VALUES (:job, :me, 1, 1)"
                " ON CONFLICT (job_id, annotator_id) DO UPDATE SET"
                " skip_streak = job_annotators.skip_streak + 1, skips = job_annotators.skips + 1"
                " RETURNING skip_streak"
            ),
            {"job": job.id, "me": me},
        )
    ).one()
    if row[0] < job.max_skip_streak:
        return False
    await session.execute(
        text(
            "UPDATE job_annotators SET flagged_at = clock_timestamp(), flag_reason = :why"
            " WHERE job_id = :job AND annotator_id = :me AND flagged_at IS NULL"
        ),
        {"job": job.id, "me": me, "why": f"{row[0]} skips in a row"},
    )
    return True
