"""The quality-control sweep: judge the items whose labels changed, in batches, per job.

One batch is one transaction: claim inbox rows (``qc_dirty``), lock the items' labels, compute
each item's consensus (``judge.py``), decide what follows (``decisions.py``), then write the
consensus, the labels' outcomes, the annotators' counters (as deltas of the labels' own flags,
so they always equal a recount), extra or stopped slots, and pauses (``rules.py``). A crash
anywhere leaves the inbox rows in place for the next sweep.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.jobs import defer_job_once
from app.labeling.answers import parse_schema
from app.labeling.repository import sync_task_slots
from app.models import ConsensusState, LabelingJob
from app.quality import repository as repo
from app.quality.decisions import ReviewReason, Settings, decide
from app.quality.judge import Judge, Vote, uses_model
from app.quality.manage import REFIT_JOB
from app.quality.model import load_model
from app.quality.outcomes import Outcomes
from app.quality.refit import needs_refit

BATCH = 2_000


def settings_of(job: LabelingJob) -> Settings:
    return Settings(
        overlap=job.overlap,
        target=float(job.qc_target),
        max_overlap=job.max_overlap,
        early_stop_after=job.early_stop_after,
        review_rate=float(job.review_rate),
    )


@dataclass(frozen=True)
class Batch:
    rows: int  # inbox rows consumed: 0 when there was nothing to do or the job was busy
    last_id: int  # the highest inbox id consumed (where the next claim may start)


async def process_job(
    session: AsyncSession, job_id: uuid.UUID, limit: int = BATCH, after: int = 0
) -> Batch:
    """Judge one batch of the job's changed items (inbox rows with ids above ``after``)."""
    if not await repo.try_lock_job(session, job_id):
        return Batch(0, after)
    inbox = await repo.claim(session, job_id, limit, after)
    if not inbox:
        return Batch(0, after)
    done = Batch(len(inbox), max(r.id for r in inbox))
    job = await session.get(LabelingJob, job_id)
    if job is None:  # deleted meanwhile: its inbox rows go with it
        return done
    items = sorted({r.item_id for r in inbox})
    new_labels = {r.label_id for r in inbox if r.label_id is not None}
    labels = await repo.labels_of(session, items)
    current = await repo.consensus_of(session, items)
    gold = await repo.gold_answers(session, [r.item_id for r in labels if r.is_gold])
    slots = await repo.task_slots(session, sorted({r.task_id for r in labels if r.task_id}))
    model = await load_model(session, job_id)
    schema = parse_schema(job.label_schema)
    weights = None if uses_model(schema) else await repo.reliability(session, job_id)
    judge = Judge(schema, model, weights)
    settings = settings_of(job)
    min_ms = float(job.min_seconds_per_item) * 1000

    out = Outcomes()
    consensus_rows: list[dict[str, Any]] = []
    extend: set[int] = set()
    stop: set[int] = set()

    for row in labels:
        if row.id in new_labels:
            out.count(row.annotator_id, "labels")
            out.count(row.annotator_id, "fast_labels", int(row.active_ms < min_ms))

    for item_id, rows in _by_item(labels):
        if rows[0].is_gold:
            for row in rows:
                agrees = judge.gold(row.answer, gold[item_id]) if item_id in gold else None
                out.judge(row, agrees if row.counted else row.agrees, counted=row.counted)
            continue
        previous = current.get(item_id)
        counted = [r for r in rows if r.counted]
        if previous is not None and previous.state == ConsensusState.REVIEWED:
            # A QA lead's answer stands; labels arriving later are judged against it.
            for row in counted:
                out.judge(row, judge.agrees(row.answer, previous.answer))
            continue
        if not counted:
            continue  # everything rejected in review: waiting for the rework labels
        task_id = next((r.task_id for r in rows if r.task_id), None)
        verdict = judge.item([Vote(r.id, r.annotator_id, r.answer) for r in counted])
        sticky = (
            ReviewReason.ANNOTATOR_PAUSED
            if previous is not None and previous.review_reason == ReviewReason.ANNOTATOR_PAUSED
            else None
        )
        decision = decide(
            item_id=item_id,
            n_labels=len(counted),
            filled=len(rows),
            slots=slots.get(task_id, len(rows)) if task_id else len(rows),
            confidence=verdict.confidence,
            settings=settings,
            sticky_review=sticky,
        )
        if decision.extend and task_id:
            extend.add(task_id)
        if decision.stop_early and task_id:
            stop.add(task_id)
        final = decision.state == ConsensusState.DECIDED
        for row in counted:
            out.judge(row, verdict.agrees[row.id] if final else None)
        consensus_rows.append(
            {
                "item_id": item_id,
                "task_id": task_id,
                "state": decision.state.value,
                "answer": verdict.answer,
                "confidence": verdict.confidence,
                "agreement": verdict.agreement,
                "n_labels": len(counted),
                "method": verdict.method,
                "review_reason": decision.review_reason.value if decision.review_reason else None,
            }
        )

    await repo.save_consensus(session, job_id, consensus_rows)
    changed = await repo.extend_tasks(session, sorted(extend))
    changed += await repo.stop_tasks_early(session, sorted(stop - extend))
    await sync_task_slots(session, changed)
    await out.save(session, job)
    return done


def _by_item(rows: Iterable[Any]) -> Iterable[tuple[int, list[Any]]]:
    group: list[Any] = []
    for row in rows:  # ordered by item_id
        if group and group[0].item_id != row.item_id:
            yield group[0].item_id, group
            group = []
        group.append(row)
    if group:
        yield group[0].item_id, group


async def sweep(session_factory: Any, *, max_batches: int = 100) -> int:
    """Drain the inbox of every job (each batch its own transaction); returns rows consumed."""
    total = 0
    async with session_factory() as session:
        jobs = await repo.dirty_jobs(session)
    for job_id in jobs:
        # Each claim starts after the last one: the index scan does not walk the rows this run
        # already deleted (dead until vacuumed). A row committed late with a lower id is left
        # for the next run, which starts from the beginning again.
        after = 0
        for _ in range(max_batches):
            async with session_factory() as session, session.begin():
                batch = await process_job(session, job_id, after=after)
            total += batch.rows
            after = batch.last_id
            if batch.rows == 0:
                break
    return total


_GROWN = text("""
SELECT ja.job_id, sum(ja.labels) AS labels, coalesce(max(q.labels_at_fit), 0) AS at_fit
FROM job_annotators ja JOIN labeling_jobs j ON j.id = ja.job_id
LEFT JOIN job_quality q ON q.job_id = ja.job_id
WHERE j.status IN ('running', 'paused')
GROUP BY ja.job_id
""")


async def refit_grown_jobs(session: AsyncSession) -> list[uuid.UUID]:
    """Queue a refit (at most one waiting per job) where labels grew enough since the last."""
    queued = []
    for row in (await session.execute(_GROWN)).all():
        if needs_refit(int(row.labels), int(row.at_fit)):
            await defer_job_once(
                session, REFIT_JOB, f"qc_refit:{row.job_id}", job_id=str(row.job_id)
            )
            queued.append(row.job_id)
    return queued
