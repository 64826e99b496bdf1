"""Applying the quality rules (``rules.py``) to annotators whose counters changed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LabelingJob
from app.quality import repository as repo
from app.quality.rules import Counters, Thresholds, pause_reason, speed_flag
from app.stats.rollup import WorkDeltas, save_rollups


def thresholds_of(job: LabelingJob) -> Thresholds:
    return Thresholds(
        min_gold=job.min_gold,
        min_gold_accuracy=None if job.min_gold_accuracy is None else float(job.min_gold_accuracy),
        min_est_labels=job.min_est_labels,
        min_est_accuracy=None if job.min_est_accuracy is None else float(job.min_est_accuracy),
    )


def counters_of(row: Any) -> Counters:
    return Counters(
        labels=row.labels,
        fast_labels=row.fast_labels,
        gold_total=row.gold_total,
        gold_correct=row.gold_correct,
        decided=row.decided,
        agreed=row.agreed,
        est_accuracy=row.est_accuracy,
    )


async def apply_rules(session: AsyncSession, job: LabelingJob, totals: Iterable[Any]) -> None:
    """Flag or pause the annotators in ``totals`` (rows of ``repository.add_counters``)."""
    limits = thresholds_of(job)
    for t in totals:
        counters = counters_of(t)
        if t.flagged_at is None and (why := speed_flag(counters, float(job.min_seconds_per_item))):
            await repo.flag(session, job.id, t.annotator_id, why)
        if not t.paused and (why := pause_reason(counters, limits)) is not None:
            await pause_for_quality(session, job, t.annotator_id, why)


async def pause_for_quality(
    session: AsyncSession, job: LabelingJob, who: uuid.UUID, why: str
) -> None:
    """Pause, take back their leases, and treat their pending labels as the job says."""
    if not await repo.pause(session, job.id, who, why):
        return
    if job.on_pause == "discount":
        discounted = await repo.discount_pending(session, job.id, who)
        deltas = WorkDeltas()
        for label in discounted:
            deltas.add((who, label.hour, label.vendor_id), rejected=1)
        await save_rollups(session, job.id, deltas.rows())
        await repo.mark_dirty(session, job.id, sorted({label.item_id for label in discounted}))
    elif job.on_pause == "review":
        await repo.send_pending_to_review(session, job.id, who)
