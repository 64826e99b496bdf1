"""The quality-control sweep: judge the items whose labels changed, in batches, per job.

One batch is one transaction: claim inbox rows (``qc_dirty``), lock the items' labels, compute
each item's consensus (``judge.py``), decide what follows (``decisions.py``), then write the
consensus, the labels' outcomes, the annotators' counters (as deltas of the labels' own flags,
so they always equal a recount), extra or stopped slots, and pauses (``rules.py``). A crash
anywhere leaves the inbox rows in place for the next sweep.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.jobs import defer_job_once
from app.labeling.answers import parse_schema
from app.labeling.repository import sync_task_slots
from app.models import LabelingJob
from app.quality import repository as repo
from app.quality.judge import Judge, uses_model
from app.quality.manage import REFIT_JOB
from app.quality.model import load_model
from app.quality.plan import BatchInput, plan_batch, settings_of
from app.quality.refit import MIN_INTERVAL, needs_refit

# Inbox rows per transaction: small enough that a batch's locks and judging stay short.
BATCH = 500


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

    # The judging is pure CPU work: off the event loop, so an API process that also runs
    # the worker keeps answering annotators while a batch is judged.
    plan = await asyncio.to_thread(
        plan_batch,
        judge,
        settings_of(job),
        BatchInput(
            labels,
            current,
            gold,
            slots,
            new_labels,
            float(job.min_seconds_per_item),
            job.price_per_item,
        ),
    )
    await repo.save_consensus(session, job_id, plan.consensus)
    changed = await repo.extend_tasks(session, sorted(plan.extend))
    changed += await repo.stop_tasks_early(session, sorted(plan.stop - plan.extend))
    await sync_task_slots(session, changed)
    await plan.outcomes.save(session, job)
    return done


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
  AND (q.fitted_at IS NULL OR q.fitted_at < now() - make_interval(secs => :interval))
GROUP BY ja.job_id
""")


async def refit_grown_jobs(session: AsyncSession) -> list[uuid.UUID]:
    """Queue a refit (at most one waiting per job) where labels grew enough since the last."""
    queued = []
    for row in (await session.execute(_GROWN, {"interval": MIN_INTERVAL})).all():
        if needs_refit(int(row.labels), int(row.at_fit)):
            await defer_job_once(
                session, REFIT_JOB, f"qc_refit:{row.job_id}", job_id=str(row.job_id)
            )
            queued.append(row.job_id)
    return queued
