"""Gold accuracy and the Wilson score interval."""

from __future__ import annotations

import math

import pytest

from app.quality.consensus import encode_votes, gold_accuracy, wilson_interval


def test_wilson_by_hand() -> None:
    # 9 of 10 at 95% (z = 1.95996): centre (0.9 + z²/20) / (1 + z²/10) = 0.78946,
    # half-width z * sqrt(0.009 + z²/400) / (1 + z²/10) = 0.19310 -> (0.5958, 0.9821).
    low, high = wilson_interval(9, 10)
    assert (low, high) == pytest.approx((0.5958, 0.9821), abs=1e-4)
    # All right / all wrong stay inside [0, 1] and are not degenerate.
    assert wilson_interval(10, 10)[0] == pytest.approx(0.7225, abs=1e-4)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    # Wider at 99%.
    assert wilson_interval(9, 10, 0.99)[0] < low
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(11, 10)


def test_gold_accuracy_per_annotator() -> None:
    rows = [(i, "p", "a") for i in range(4)] + [(0, "q", "b"), (1, "q", "a"), (9, "r", "a")]
    votes = encode_votes(rows, ["a", "b"])
    result = gold_accuracy(votes, {0: "a", 1: "a", 2: "b"})
    p, q, r = (result.annotators.index(x) for x in "pqr")
    assert result.correct.tolist() == [2, 1, 0]  # p: items 0, 1 right, 2 wrong
    assert result.answered.tolist() == [3, 2, 0]
    assert result.accuracy[p] == pytest.approx(2 / 3)
    assert (result.low[q], result.high[q]) == pytest.approx(wilson_interval(1, 2))
    assert math.isnan(result.accuracy[r])
    assert (result.low[r], result.high[r]) == (0.0, 1.0)
