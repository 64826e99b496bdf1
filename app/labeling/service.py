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
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import Conflict, InvalidInput, LeaseLost, NotFound, PermissionDenied
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
    Label,
    LabelingJob,
    Role,
    SlotState,
    TaskSlot,
)
from app.models.labeling import LANES

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
    session: AsyncSession, principal: Principal, store: ObjectStore, req: NextRequest
) -> NextOut:
    me, vendor = annotator_of(principal)
    jobs = await repo.eligible_jobs(session, me, vendor, req.job_id)
    if not jobs:
        return NextOut(assignment=None, reason=NoWorkReason.NO_JOBS)
    by_id = {j.id: j for j in jobs}
    # Finish what was started: a lease the workstation does not show yet (reload, crash).
    held = await repo.held(session, me, list(by_id), req.holding)
    if held:
        h = held[0]
        return NextOut(
            assignment=await _render(
                session, store, by_id[h.job_id], h.id, h.task_id, h.item_id, h.lease_until, h.draft
            )
        )
    if len(req.holding) >= MAX_HOLDING:
        return NextOut(assignment=None, reason=NoWorkReason.HOLDING_MAX)
    for job in jobs:
        got = await _lease_in(session, job, me, vendor)
        if got is not None:
            aid, task_id, item_id, until = got
            return NextOut(
                assignment=await _render(session, store, job, aid, task_id, item_id, until, None)
            )
    return NextOut(assignment=None, reason=NoWorkReason.ALL_DONE)


async def _lease_in(
    session: AsyncSession, job: repo.EligibleJob, me: uuid.UUID, vendor: uuid.UUID
) -> tuple[int, int | None, int | None, datetime] | None:
    if job.gold_rate > 0 and random.random() < job.gold_rate:
        gold = await repo.take_gold(session, job, me, vendor)
        if gold is not None:
            return gold[0], None, gold[1], gold[2]
    own = (job.lane_lo, job.lane_hi)
    # The caller's vendor's lanes first (its fair share), then anyone's (no idle work).
    for lanes in (own, (0, LANES)) if own != (0, LANES) else (own,):
        slot = await repo.take_slot(session, job, me, vendor, lanes)
        if slot is not None:
            return slot[0], slot[1], None, slot[2]
    # Leases that ran out are normally returned by the periodic sweep; do it now rather than
    # tell an annotator there is no work while slots sit in expired leases.
    if await repo.expire_leases(session, job.id, limit=1000):
        slot = await repo.take_slot(session, job, me, vendor, (0, LANES))
        if slot is not None:
            return slot[0], slot[1], None, slot[2]
    return None


async def _render(
    session: AsyncSession,
    store: ObjectStore,
    job: repo.EligibleJob,
    assignment_id: int,
    task_id: int | None,
    item_id: int | None,
    until: datetime,
    draft: dict[str, Any] | None,
) -> AssignmentOut:
    rows = await repo.assignment_items(session, task_id, item_id)
    ttl = job.lease_seconds + 600  # the image stays loadable for the whole lease
    items = []
    for iid, kind, body, key, width, height, meta in rows:
        url = await store.presigned_get_url(key, ttl) if key else None
        items.append(
            ItemOut(
                id=iid, kind=kind, text=body, image_url=url, width=width, height=height, meta=meta
            )
        )
    others = None
    if not job.blind and task_id is not None:
        found = await session.execute(
            select(Label.item_id, Label.answer).where(Label.item_id.in_([i.id for i in items]))
        )
        others = [OtherLabel(item_id=r[0], answer=r[1]) for r in found]
    return AssignmentOut(
        id=assignment_id,
        job_id=job.id,
        lease_expires_at=until,
        items=items,
        draft=draft,
        others=others,
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


def _gone(a: Assignment) -> Conflict:
    if a.state is AssignmentState.SUBMITTED:
        return Conflict(f"Assignment {a.id} was already submitted with another submission id.")
    if a.state is AssignmentState.SKIPPED:
        return Conflict(f"You skipped assignment {a.id}; it has gone to someone else.")
    if a.state is AssignmentState.RELEASED:
        return Conflict(f"Assignment {a.id} was taken back (the job ended or you were paused).")
    return LeaseLost(
        f"Your lease on assignment {a.id} ran out at {a.lease_until.isoformat()} and the item "
        "was given to another annotator; your answer was not recorded."
    )


async def _still_yours(session: AsyncSession, a: Assignment, slot: TaskSlot | None) -> bool:
    """Whether ``a`` may still be submitted: its lease holds, or ran out with nobody after it."""
    if a.state is AssignmentState.LEASED:
        return slot is None or slot.assignment_id == a.id
    if a.state is not AssignmentState.EXPIRED:
        return False
    if slot is None:
        return True  # gold: nobody else can take this annotator's gold item
    if slot.state is not SlotState.OPEN:
        return False
    later = await session.scalar(
        select(Assignment.id)
        .where(Assignment.slot_id == slot.id, Assignment.leased_at > a.leased_at)
        .limit(1)
    )
    return later is None


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
    session: AsyncSession,
    principal: Principal,
    store: ObjectStore,
    assignment_id: int,
    body: SubmitRequest,
) -> SubmitOut:
    me, _ = annotator_of(principal)
    replay = await _replay(session, me, assignment_id, body.submission_id)
    if replay is not None:
        return replay
    a = await _mine(session, me, assignment_id)
    job = await _job_for(session, a)
    slot = await _lock(session, a)
    if a.submission_id == body.submission_id:  # a concurrent retry won the race
        return await _stored(session, a, body.submission_id)
    if not await _still_yours(session, a, slot):
        raise _gone(a)
    items = await repo.assignment_items(session, a.task_id, a.item_id)
    answers = _validated(job, items, body)
    try:
        rows = (
            await session.execute(
                insert(Label).returning(Label.id, Label.item_id, Label.answer, Label.submitted_at),
                [
                    {
                        "job_id": a.job_id,
                        "item_id": iid,
                        "assignment_id": a.id,
                        "slot_id": a.slot_id,
                        "annotator_id": me,
                        "vendor_id": a.vendor_id,
                        "is_gold": a.is_gold,
                        "answer": answer,
                        "active_ms": body.active_ms,
                        "started_at": body.started_at,
                    }
                    for iid, answer in answers
                ],
            )
        ).all()
        if slot is not None:
            slot.state = SlotState.DONE
            slot.assignment_id = a.id
            slot.lease_until = None
        a.state = AssignmentState.SUBMITTED
        a.submission_id = body.submission_id
        a.finished_at = rows[0][3]
        a.draft = None
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "submission_id: this id was already used for another submission; generate a new "
            "one per submission."
        ) from exc
    await session.execute(
        text(
            "UPDATE job_annotators SET skip_streak = 0"
            " WHERE job_id = :job AND annotator_id = :me AND skip_streak > 0"
        ),
        {"job": a.job_id, "me": me},
    )
    out = SubmitOut(
        assignment_id=a.id,
        submission_id=body.submission_id,
        replayed=False,
        labels=[LabelOut(id=r[0], item_id=r[1], answer=r[2], submitted_at=r[3]) for r in rows],
    )
    if body.next:
        out.next = await next_assignment(
            session, principal, store, NextRequest(job_id=body.next_job_id)
        )
    return out


async def _replay(
    session: AsyncSession, me: uuid.UUID, assignment_id: int, submission_id: uuid.UUID
) -> SubmitOut | None:
    prior = await session.scalar(
        select(Assignment).where(Assignment.submission_id == submission_id)
    )
    if prior is None:
        return None
    if prior.id != assignment_id or prior.annotator_id != me:
        raise Conflict(
            "submission_id: this id was already used for another submission; generate a new "
            "one per submission."
        )
    return await _stored(session, prior, submission_id)


async def _stored(session: AsyncSession, a: Assignment, submission_id: uuid.UUID) -> SubmitOut:
    rows = await session.execute(
        select(Label.id, Label.item_id, Label.answer, Label.submitted_at)
        .where(Label.assignment_id == a.id)
        .order_by(Label.item_id)
    )
    return SubmitOut(
        assignment_id=a.id,
        submission_id=submission_id,
        replayed=True,
        labels=[LabelOut(id=r[0], item_id=r[1], answer=r[2], submitted_at=r[3]) for r in rows],
    )


def _validated(
    job: LabelingJob, items: list[tuple[Any, ...]], body: SubmitRequest
) -> list[tuple[int, Any]]:
    facts = {r[0]: ItemFacts(width=r[4], height=r[5], text=r[2]) for r in items}
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
    schema = parse_schema(job.label_schema)
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
        if slot is not None and slot.assignment_id == a.id and slot.state is SlotState.LEASED:
            slot.state = SlotState.OPEN
            slot.assignment_id = None
            slot.lease_until = None
        if a.state is AssignmentState.LEASED:  # an expired lease ended when it ran out
            a.finished_at = await session.scalar(text("SELECT clock_timestamp()"))
        a.state = AssignmentState.SKIPPED
        a.skip_reason = body.reason.value
        a.skip_note = body.note
        a.draft = None
        flagged = await _count_skip(session, job, me)
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
