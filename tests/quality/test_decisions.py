"""What follows an item's consensus (pure): wait, decide, extend, stop early, review."""

from __future__ import annotations

from app.models import ConsensusState
from app.quality.decisions import Decision, ReviewReason, Settings, decide, sampled_for_review

BASE = Settings(overlap=3, target=0.8, max_overlap=None, early_stop_after=None, review_rate=0)


def _decide(
    n: int,
    slots: int,
    confidence: float,
    settings: Settings = BASE,
    *,
    filled: int | None = None,
    sticky_review: ReviewReason | None = None,
) -> Decision:
    return decide(
        item_id=42,
        n_labels=n,
        filled=n if filled is None else filled,
        slots=slots,
        confidence=confidence,
        settings=settings,
        sticky_review=sticky_review,
    )


def test_waits_until_every_slot_is_filled() -> None:
    assert _decide(2, 3, 0.99) == Decision(ConsensusState.OPEN)


def test_decides_when_filled_and_confident() -> None:
    assert _decide(3, 3, 0.8) == Decision(ConsensusState.DECIDED)


def test_unsure_without_dynamic_overlap_goes_to_review() -> None:
    assert _decide(3, 3, 0.79) == Decision(ConsensusState.REVIEW, ReviewReason.LOW_AGREEMENT)


def test_unsure_gets_one_more_slot_until_the_maximum() -> None:
    s = Settings(overlap=3, target=0.9, max_overlap=5, early_stop_after=None, review_rate=0)
    assert _decide(3, 3, 0.5, s) == Decision(ConsensusState.OPEN, extend=True)
    assert _decide(4, 4, 0.5, s) == Decision(ConsensusState.OPEN, extend=True)
    assert _decide(5, 5, 0.5, s).review_reason is ReviewReason.LOW_AGREEMENT


def test_early_stop_needs_enough_labels_and_confidence() -> None:
    s = Settings(overlap=5, target=0.9, max_overlap=None, early_stop_after=2, review_rate=0)
    assert _decide(1, 5, 0.99, s) == Decision(ConsensusState.OPEN)
    assert _decide(2, 5, 0.89, s) == Decision(ConsensusState.OPEN)
    assert _decide(2, 5, 0.95, s) == Decision(ConsensusState.DECIDED, stop_early=True)


def test_rejected_labels_use_slots_but_do_not_count() -> None:
    # Rework: 3 rejected + 3 new labels on 6 slots; the 3 new ones decide.
    assert _decide(3, 6, 0.95, filled=6) == Decision(ConsensusState.DECIDED)
    assert _decide(2, 6, 0.95, filled=5) == Decision(ConsensusState.OPEN)


def test_a_paused_authors_item_stays_in_review() -> None:
    sticky = ReviewReason.ANNOTATOR_PAUSED
    assert _decide(3, 3, 0.99, sticky_review=sticky).review_reason is sticky
    assert _decide(1, 3, 0.99, sticky_review=sticky).state is ConsensusState.REVIEW


def test_review_sample_is_stable_and_close_to_the_rate() -> None:
    picked = [i for i in range(20_000) if sampled_for_review(i, 0.1)]
    assert 1_800 < len(picked) < 2_200
    assert picked == [i for i in range(20_000) if sampled_for_review(i, 0.1)]
    assert not any(sampled_for_review(i, 0) for i in range(1000))
    s = Settings(overlap=3, target=0.8, max_overlap=None, early_stop_after=None, review_rate=1)
    assert _decide(3, 3, 0.99, s).review_reason is ReviewReason.SAMPLED


def test_a_single_label_stands_when_no_more_are_allowed() -> None:
    one = Settings(overlap=1, target=0.8, max_overlap=None, early_stop_after=None, review_rate=0)
    assert _decide(1, 1, 0.75, one) == Decision(ConsensusState.DECIDED)
    adaptive = Settings(overlap=1, target=0.8, max_overlap=3, early_stop_after=None, review_rate=0)
    assert _decide(1, 1, 0.75, adaptive) == Decision(ConsensusState.OPEN, extend=True)
    assert _decide(1, 1, 0.95, adaptive) == Decision(ConsensusState.DECIDED)
