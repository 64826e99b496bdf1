"""What quality control does with one item once its consensus is computed. Pure.

The sweep (``sweep.py``) computes an item's consensus, then asks ``decide`` what follows:
wait for more labels, decide, ask for one more annotator (dynamic overlap), stop early, or
queue the item for review. Kept free of the database so every branch is unit-tested.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from app.models import ConsensusState

# Dynamic overlap can never go beyond the slots a task can have (task_slots.slot_no <= 63).
MAX_TASK_SLOTS = 63


class ReviewReason(StrEnum):
    LOW_AGREEMENT = "low_agreement"  # still below the target with all the labels allowed
    SAMPLED = "sampled"  # the job's random review sample
    ANNOTATOR_PAUSED = "annotator_paused"  # a label's author was paused (on_pause = review)


@dataclass(frozen=True)
class Settings:
    """The job's quality settings that matter per item (``labeling_jobs`` columns)."""

    overlap: int
    target: float
    max_overlap: int | None
    early_stop_after: int | None
    review_rate: float


@dataclass(frozen=True)
class Decision:
    state: ConsensusState
    review_reason: ReviewReason | None = None
    extend: bool = False  # give the item's task one more slot
    stop_early: bool = False  # the item is done with fewer labels than its task's slots


def sampled_for_review(item_id: int, rate: float) -> bool:
    """A fixed pseudo-random draw per item: the same item is always in or out of the sample,
    so re-running quality control never changes which items a QA lead was asked to look at."""
    if rate <= 0:
        return False
    digest = hashlib.blake2b(item_id.to_bytes(8, "big", signed=True), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < rate


def decide(
    *,
    item_id: int,
    n_labels: int,
    filled: int,
    slots: int,
    confidence: float,
    settings: Settings,
    sticky_review: ReviewReason | None = None,
) -> Decision:
    """``n_labels``: labels counting in the consensus; ``filled``: all labels on the item, also
    those a review rejected or a pause discounted (each used a slot); ``slots``: its task's slot
    count now (k plus any extra). ``sticky_review``: the item already waits for review for a
    reason more labels do not clear (its author was paused)."""
    confident = confidence >= settings.target
    ceiling = min(MAX_TASK_SLOTS, settings.max_overlap or settings.overlap)
    stop_early = (
        settings.early_stop_after is not None
        and confident
        and settings.early_stop_after <= n_labels
        and filled < slots
    )
    if filled < slots and not stop_early:
        if sticky_review is not None:
            return Decision(ConsensusState.REVIEW, sticky_review)
        return Decision(ConsensusState.OPEN)
    if not confident and slots < ceiling:
        return Decision(ConsensusState.OPEN, extend=True)
    if sticky_review is not None:
        return Decision(ConsensusState.REVIEW, sticky_review)
    if not confident and n_labels >= 2:
        return Decision(ConsensusState.REVIEW, ReviewReason.LOW_AGREEMENT)
    # (A single label with no more allowed, e.g. overlap 1: nothing to disagree with; it stands.)
    if sampled_for_review(item_id, settings.review_rate):
        return Decision(ConsensusState.REVIEW, ReviewReason.SAMPLED, stop_early=stop_early)
    return Decision(ConsensusState.DECIDED, stop_early=stop_early)
