"""Judging labels: their ``agrees``/``status``/``counted`` flags and the counters that follow.

Used by the sweep and by reviews. The annotator counters move by the difference between a
label's contribution before and after (``_contribution``), so however often an item is judged
again, ``job_annotators`` equals a recount of the labels' flags.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import LabelingJob, LabelStatus
from app.quality import repository as repo
from app.quality.enforce import apply_rules
from app.stats.rollup import WorkDeltas, save_rollups

ZERO = Decimal(0)


def _contribution(counted: bool, agrees: bool | None, gold: bool) -> dict[str, int]:
    """What one label adds to its author's counters, from its own flags."""
    judged = counted and agrees is not None
    good = judged and bool(agrees)
    if gold:
        return {"gold_total": int(judged), "gold_correct": int(good)}
    return {"decided": int(judged), "agreed": int(good)}


# The counters' names in the roll-up tables (app/models/stats.py).
_ROLLUP_NAMES = {
    "gold_total": "gold_judged",
    "gold_correct": "gold_correct",
    "decided": "judged",
    "agreed": "agreed",
}


def status_of(agrees: bool | None, counted: bool = True) -> LabelStatus:
    if not counted or agrees is False:
        return LabelStatus.REJECTED
    return LabelStatus.PENDING if agrees is None else LabelStatus.ACCEPTED


class Outcomes:
    """Label outcomes and counter deltas collected over a batch, written by ``save``."""

    def __init__(self) -> None:
        self._deltas: dict[uuid.UUID, dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(repo.COUNTERS, 0)
        )
        self._labels: list[dict[str, Any]] = []
        self.work = WorkDeltas()

    def count(self, who: uuid.UUID, counter: str, n: int = 1) -> None:
        if n:
            self._deltas[who][counter] += n

    def arrived(self, row: Any, min_ms: float) -> None:
        """A label the quality inbox delivers for the first time: counted once, here."""
        self.count(row.annotator_id, "labels")
        self.count(row.annotator_id, "fast_labels", int(row.active_ms < min_ms))
        self.work.add(
            (row.annotator_id, row.hour, row.vendor_id),
            labels=1,
            gold_labels=int(row.is_gold),
            active_ms=row.active_ms,
            lease_ms=row.lease_ms,
        )  # its status and amount are counted whenever they change (``judge``)

    def judge(
        self, row: Any, agrees: bool | None, *, counted: bool = True, amount: Decimal = ZERO
    ) -> None:
        """``row``: a label as read by ``repository.labels_of``; ``amount``: what it earns."""
        old = _contribution(row.counted, row.agrees, row.is_gold)
        new = _contribution(counted, agrees, row.is_gold)
        for name, value in new.items():
            self.count(row.annotator_id, name, value - old[name])
        status = status_of(agrees, counted)
        if new != old or status.value != row.status or amount != row.amount:
            self.work.add(
                (row.annotator_id, row.hour, row.vendor_id),
                **{_ROLLUP_NAMES[name]: value - old[name] for name, value in new.items()},
                accepted=int(status == LabelStatus.ACCEPTED)
                - int(row.status == LabelStatus.ACCEPTED),
                rejected=int(status == LabelStatus.REJECTED)
                - int(row.status == LabelStatus.REJECTED),
                earned=amount - row.amount,
            )
        changed = agrees != row.agrees or status.value != row.status or counted != row.counted
        if changed or amount != row.amount:
            self._labels.append(
                {
                    "id": row.id,
                    "agrees": agrees,
                    "status": status.value,
                    "counted": counted,
                    "amount": amount,
                }
            )

    async def save(self, session: AsyncSession, job: LabelingJob) -> None:
        await repo.save_label_outcomes(session, self._labels)
        rows = [
            {"annotator_id": who, **counts}
            for who, counts in sorted(self._deltas.items())
            if any(counts.values())
        ]
        await save_rollups(session, job.id, self.work.rows())
        totals = await repo.add_counters(session, job.id, rows)
        await apply_rules(session, job, totals)
