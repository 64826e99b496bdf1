"""Pause and flag rules (pure)."""

from __future__ import annotations

from app.quality.rules import Counters, Thresholds, pause_reason, speed_flag

LIMITS = Thresholds(min_gold=5, min_gold_accuracy=0.8, min_est_labels=20, min_est_accuracy=0.7)


def _c(**kw: int | float | None) -> Counters:
    base: dict[str, int | float | None] = dict.fromkeys(
        ("labels", "fast_labels", "gold_total", "gold_correct", "decided", "agreed"), 0
    )
    base["est_accuracy"] = None
    return Counters(**{**base, **kw})  # type: ignore[arg-type]


def test_gold_rule_waits_for_enough_gold() -> None:
    assert pause_reason(_c(gold_total=4, gold_correct=0), LIMITS) is None
    why = pause_reason(_c(gold_total=5, gold_correct=3), LIMITS)
    assert why is not None
    assert "60%" in why
    assert "3/5" in why
    assert pause_reason(_c(gold_total=5, gold_correct=4), LIMITS) is None


def test_estimate_rule_prefers_the_model_then_agreement() -> None:
    assert pause_reason(_c(decided=19, agreed=0), LIMITS) is None
    assert pause_reason(_c(decided=20, agreed=13), LIMITS) is not None  # 65% agreement
    assert pause_reason(_c(decided=20, agreed=13, est_accuracy=0.9), LIMITS) is None
    off = Thresholds(min_gold=5, min_gold_accuracy=None, min_est_labels=20, min_est_accuracy=None)
    assert pause_reason(_c(gold_total=50, decided=50), off) is None


def test_speed_flag() -> None:
    assert speed_flag(_c(labels=9, fast_labels=9), 2) is None
    assert speed_flag(_c(labels=10, fast_labels=3), 2) is None
    why = speed_flag(_c(labels=10, fast_labels=4), 2)
    assert why is not None
    assert "4 of 10" in why
    assert "2 s" in why
