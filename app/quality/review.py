"""The QA lead's review: the queue of items to look at, one item side by side, and decisions.

Who reviews: anyone who can see the job except annotators (park admins, the client's people,
admitted vendors' admins and QA leads). Names of annotators are shown to their own enterprise
and the park only; others see ids and vendors.

A decision is one transaction: the item's labels are locked, judged against the new answer
(``Outcomes``), the consensus row updated and a ``reviews`` row written with before and after.
Reject sends the item back: its labels stop counting, its task gets as many extra slots as
labels were rejected, and the comment is shown to whoever labels it next.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.errors import Conflict, NotFound
from app.kit.pagination import Page, PageParams
from app.kit.storage.base import ObjectStore
from app.labeling.answers import ItemFacts, parse_schema, validate_answer
from app.labeling.repository import sync_task_slots
from app.models import (
    ConsensusState,
    Item,
    ItemConsensus,
    LabelingJob,
    Review,
    ReviewAction,
)
from app.quality import repository as repo
from app.quality.judge import Judge
from app.quality.model import load_model
from app.quality.outcomes import Outcomes
from app.quality.plan import pay
from app.quality.schemas import (
    ConsensusOut,
    ReviewIn,
    ReviewItem,
    ReviewLabel,
    ReviewRecord,
)
from app.scoping import get_scoped, require_reviewer

IMAGE_URL_SECONDS = 3600

_LABELS = text("""
SELECT l.id AS label_id, l.annotator_id, u.display_name, u.enterprise_id AS vendor_id, l.answer,
       l.counted, l.agrees, l.status, l.active_ms, l.submitted_at
FROM labels l JOIN users u ON u.id = l.annotator_id
WHERE l.item_id = :item ORDER BY l.submitted_at, l.id
""")

_HISTORY = text("""
SELECT r.id, r.reviewer_id, u.display_name AS reviewer_name, u.enterprise_id AS reviewer_enterprise,
       r.action, r.label_id, r.before, r.after, r.comment, r.created_at
FROM reviews r LEFT JOIN users u ON u.id = r.reviewer_id
WHERE r.item_id = :item ORDER BY r.created_at, r.id
""")

_QUEUE = text("""
SELECT c.item_id, count(*) OVER () AS total FROM item_consensus c
WHERE c.job_id = :job AND c.state = 'review' AND (CAST(:reason AS text) IS NULL
      OR c.review_reason = :reason)
ORDER BY c.updated_at, c.item_id
LIMIT :limit OFFSET :offset
""")


def names_shown(principal: Principal, job: LabelingJob) -> Callable[[uuid.UUID | None], bool]:
    """Whose names the caller sees: the park and the job's client everyone's (as on the
    annotator table); a vendor's staff their own enterprise's people only."""
    everyone = principal.is_park_admin or principal.enterprise_id == job.client_id
    return lambda enterprise_id: everyone or enterprise_id == principal.enterprise_id


async def _job_for_review(
    session: AsyncSession, principal: Principal, job_id: uuid.UUID
) -> LabelingJob:
    job = await get_scoped(session, principal, LabelingJob, job_id, what="Job")
    require_reviewer(principal)
    return job


async def review_queue(
    session: AsyncSession,
    principal: Principal,
    store: ObjectStore,
    job_id: uuid.UUID,
    params: PageParams,
    reason: str | None = None,
) -> Page[ReviewItem]:
    """Items waiting for review, oldest first, each with all its labels."""
    job = await _job_for_review(session, principal, job_id)
    args = {"job": job.id, "reason": reason, "limit": params.limit, "offset": params.offset}
    rows = (await session.execute(_QUEUE, args)).all()
    items = [await _render(session, principal, store, job, r.item_id) for r in rows]
    total = int(rows[0].total) if rows else 0
    return Page[ReviewItem](items=items, total=total, limit=params.limit, offset=params.offset)


async def review_item(
    session: AsyncSession,
    principal: Principal,
    store: ObjectStore,
    job_id: uuid.UUID,
    item_id: int,
) -> ReviewItem:
    job = await _job_for_review(session, principal, job_id)
    return await _render(session, principal, store, job, item_id)


async def _item_of(session: AsyncSession, job: LabelingJob, item_id: int) -> Item:
    item = await session.get(Item, item_id)
    if item is None or item.job_id != job.id or item.is_gold:
        raise NotFound(f"Item {item_id} is not a reviewable item of job {job.id}.")
    return item


async def _render(
    session: AsyncSession,
    principal: Principal,
    store: ObjectStore,
    job: LabelingJob,
    item_id: int,
) -> ReviewItem:
    item = await _item_of(session, job, item_id)
    consensus = await session.get(ItemConsensus, item_id, populate_existing=True)
    labels = (await session.execute(_LABELS, {"item": item_id})).all()
    history = (await session.execute(_HISTORY, {"item": item_id})).all()
    shown = names_shown(principal, job)
    url = (
        await store.presigned_get_url(item.object_key, IMAGE_URL_SECONDS)
        if item.object_key
        else None
    )
    return ReviewItem(
        item_id=item.id,
        kind=item.kind,
        text=item.text,
        image_url=url,
        width=item.width,
        height=item.height,
        consensus=None
        if consensus is None
        else ConsensusOut.model_validate(consensus, from_attributes=True),
        labels=[
            ReviewLabel(
                **{
                    **dict(r._mapping),
                    "display_name": r.display_name if shown(r.vendor_id) else None,
                }
            )
            for r in labels
        ],
        history=[
            ReviewRecord(
                **{
                    **dict(h._mapping),
                    "reviewer_name": h.reviewer_name if shown(h.reviewer_enterprise) else None,
                }
            )
            for h in history
        ],
    )


async def decide_review(
    session: AsyncSession,
    principal: Principal,
    store: ObjectStore,
    job_id: uuid.UUID,
    item_id: int,
    body: ReviewIn,
) -> ReviewItem:
    job = await _job_for_review(session, principal, job_id)
    item = await _item_of(session, job, item_id)
    labels = await repo.labels_of(session, [item_id])  # locked: the sweep waits for us
    current = await session.get(ItemConsensus, item_id, with_for_update=True)
    before = None if current is None else current.answer
    schema = parse_schema(job.label_schema)
    judge = Judge(schema, await load_model(session, job.id))
    counted = [r for r in labels if r.counted]
    out = Outcomes()

    if body.action is ReviewAction.REJECT:
        if not counted:
            raise Conflict("action: the item has no labels left to reject; it waits for rework.")
        task_id = next((r.task_id for r in labels if r.task_id), None)
        for row in counted:
            out.judge(row, None, counted=False)
        after = None
        state = ConsensusState.REWORK
        charged = Decimal(0)
        if task_id is not None:
            await _add_slots(session, task_id, len(counted))
    else:
        after = _answer_after(body, job, item, current, labels, schema)
        state = ConsensusState.REVIEWED
        verdicts = {r.id: judge.agrees(r.answer, after) for r in counted}
        charged = pay(out, counted, verdicts, job.price_per_item)

    await _save_consensus(session, job, item, current, state, after, body, len(counted), charged)
    session.add(
        Review(
            job_id=job.id,
            item_id=item.id,
            reviewer_id=principal.user_id,
            action=body.action,
            label_id=body.label_id,
            before=before,
            after=after,
            comment=body.comment,
        )
    )
    await out.save(session, job)
    record(
        session,
        principal,
        f"quality.review.{body.action.value}",
        target_type="item",
        target_id=str(item.id),
        enterprise_id=job.client_id,
        changes={"job_id": str(job.id), "before": before, "after": after},
    )
    await session.flush()
    return await _render(session, principal, store, job, item_id)


def _answer_after(
    body: ReviewIn,
    job: LabelingJob,
    item: Item,
    current: ItemConsensus | None,
    labels: list[Any],
    schema: Any,
) -> Any:
    if body.action is ReviewAction.ACCEPT:
        if current is None or current.answer is None:
            raise Conflict("action: the item has no consensus to accept yet; pick or correct.")
        return current.answer
    if body.action is ReviewAction.PICK:
        chosen = next((r for r in labels if r.id == body.label_id), None)
        if chosen is None:
            raise NotFound(f"label_id: label {body.label_id} is not a label of item {item.id}.")
        return chosen.answer
    facts = ItemFacts(width=item.width, height=item.height, text=item.text)
    return validate_answer(schema, body.answer, facts, field="answer")


async def _add_slots(session: AsyncSession, task_id: int, n: int) -> None:
    """Room for ``n`` new labels on the task (the rejected ones' places), within 63 slots."""
    await session.execute(
        text(
            "UPDATE tasks SET extra_slots = extra_slots"
            " + least(:n, 63 - brigade_task_k(id)) WHERE id = :task"
        ),
        {"n": n, "task": task_id},
    )
    await sync_task_slots(session, [task_id])


async def _save_consensus(
    session: AsyncSession,
    job: LabelingJob,
    item: Item,
    current: ItemConsensus | None,
    state: ConsensusState,
    answer: Any,
    body: ReviewIn,
    n_labels: int,
    charged: Decimal,
) -> None:
    if current is None:
        current = ItemConsensus(item_id=item.id, job_id=job.id, method="review")
        session.add(current)
    current.state = state
    current.answer = answer
    current.review_reason = None
    current.confidence = 1.0 if state is ConsensusState.REVIEWED else 0.0
    current.n_labels = n_labels if state is ConsensusState.REVIEWED else 0
    current.rework_note = body.comment if state is ConsensusState.REWORK else None
    current.charged = charged
    current.method = "review" if state is ConsensusState.REVIEWED else current.method
    current.updated_at = await session.scalar(text("SELECT clock_timestamp()"))
