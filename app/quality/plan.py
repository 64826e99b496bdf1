"""One sweep batch's decisions, computed from rows already read: pure, so it runs in a thread.

For each changed item: judge its counted labels (``judge.py``), decide what follows
(``decisions.py``), and collect the consensus rows, the labels' outcomes with counter deltas
(``Outcomes``), and the tasks to extend or stop early. ``sweep.py`` reads and writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.models import ConsensusState, LabelingJob
from app.quality.decisions import ReviewReason, Settings, decide
from app.quality.judge import Judge, Vote
from app.quality.outcomes import Outcomes
from app.stats.money import split_price


def settings_of(job: LabelingJob) -> Settings:
    return Settings(
        overlap=job.overlap,
        target=float(job.qc_target),
        max_overlap=job.max_overlap,
        early_stop_after=job.early_stop_after,
        review_rate=float(job.review_rate),
    )


@dataclass(frozen=True)
class BatchInput:
    labels: list[Any]  # rows of repository.labels_of, ordered by item
    current: Mapping[int, Any]  # item id → its consensus row, if any
    gold: Mapping[int, Any]  # gold item id → known answer
    slots: Mapping[int, int]  # task id → slots it should have now
    new_labels: set[int]  # label ids arriving in this batch (counted once)
    min_seconds: float
    price: Decimal  # the job's price per accepted item


@dataclass
class Plan:
    outcomes: Outcomes = field(default_factory=Outcomes)
    consensus: list[dict[str, Any]] = field(default_factory=list)
    extend: set[int] = field(default_factory=set)
    stop: set[int] = field(default_factory=set)


def _by_item(rows: Iterable[Any]) -> Iterable[tuple[int, list[Any]]]:
    group: list[Any] = []
    for row in rows:  # ordered by item_id
        if group and group[0].item_id != row.item_id:
            yield group[0].item_id, group
            group = []
        group.append(row)
    if group:
        yield group[0].item_id, group


def plan_batch(judge: Judge, settings: Settings, data: BatchInput) -> Plan:
    plan = Plan()
    out = plan.outcomes
    min_ms = data.min_seconds * 1000
    for row in data.labels:
        if row.id in data.new_labels:
            out.arrived(row, min_ms)

    for item_id, rows in _by_item(data.labels):
        if rows[0].is_gold:
            known = data.gold.get(item_id)
            for row in rows:
                agrees = judge.gold(row.answer, known) if known is not None else None
                out.judge(row, agrees if row.counted else row.agrees, counted=row.counted)
            continue
        previous = data.current.get(item_id)
        counted = [r for r in rows if r.counted]
        if previous is not None and previous.state == ConsensusState.REVIEWED:
            # A QA lead's answer stands; labels arriving later are judged against it.
            verdicts = {r.id: judge.agrees(r.answer, previous.answer) for r in counted}
            charged = pay(out, counted, verdicts, data.price)
            plan.consensus.append(
                {
                    **_kept(previous, item_id, rows),
                    "n_labels": len(counted),
                    "charged": charged,
                }
            )
            continue
        if not counted:
            continue  # everything rejected in review: waiting for the rework labels
        _plan_item(plan, judge, settings, data, item_id, rows, counted, previous)
    return plan


def _plan_item(
    plan: Plan,
    judge: Judge,
    settings: Settings,
    data: BatchInput,
    item_id: int,
    rows: list[Any],
    counted: list[Any],
    previous: Any,
) -> None:
    task_id = next((r.task_id for r in rows if r.task_id), None)
    verdict = judge.item([Vote(r.id, r.annotator_id, r.answer) for r in counted])
    paused = previous is not None and previous.review_reason == ReviewReason.ANNOTATOR_PAUSED
    decision = decide(
        item_id=item_id,
        n_labels=len(counted),
        filled=len(rows),
        slots=data.slots.get(task_id, len(rows)) if task_id else len(rows),
        confidence=verdict.confidence,
        settings=settings,
        sticky_review=ReviewReason.ANNOTATOR_PAUSED if paused else None,
    )
    if decision.extend and task_id:
        plan.extend.add(task_id)
    if decision.stop_early and task_id:
        plan.stop.add(task_id)
    final = decision.state == ConsensusState.DECIDED
    if final:
        charged = pay(plan.outcomes, counted, verdict.agrees, data.price)
    else:
        charged = Decimal(0)
        for row in counted:
            plan.outcomes.judge(row, None)
    plan.consensus.append(
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
            "charged": charged,
        }
    )


def pay(out: Outcomes, counted: list[Any], agrees: Mapping[int, bool], price: Decimal) -> Decimal:
    """Judge a decided item's labels and share its price among those that agree (in label
    order, ``money.split_price``); returns what the client is charged for the item."""
    shares = iter(split_price(price, sum(1 for r in counted if agrees[r.id])))
    for row in counted:
        out.judge(row, agrees[row.id], amount=next(shares) if agrees[row.id] else Decimal(0))
    return price if any(agrees[r.id] for r in counted) else Decimal(0)


def _kept(previous: Any, item_id: int, rows: list[Any]) -> dict[str, Any]:
    """A reviewed item's consensus row as it stands (only its counts and charge move)."""
    return {
        "item_id": item_id,
        "task_id": next((r.task_id for r in rows if r.task_id), None),
        "state": previous.state,
        "answer": previous.answer,
        "confidence": previous.confidence,
        "agreement": previous.agreement,
        "method": previous.method,
        "review_reason": None,
    }
