"""Quality rules per annotator and job: when to pause, when to flag. Pure.

Counters come from ``job_annotators`` (kept exact by the sweep); thresholds from the job.
A pause needs evidence: the gold rule waits for ``min_gold`` gold answers, the estimate rule for
``min_est_labels`` judged labels, so one unlucky item never pauses anybody.
"""

from __future__ import annotations

from dataclasses import dataclass

# Share of an annotator's labels under the job's minimum time that gets them flagged, once
# they have at least FAST_MIN_LABELS labels (a few quick obvious items are normal).
FAST_SHARE = 0.3
FAST_MIN_LABELS = 10


@dataclass(frozen=True)
class Thresholds:
    min_gold: int
    min_gold_accuracy: float | None
    min_est_labels: int
    min_est_accuracy: float | None


@dataclass(frozen=True)
class Counters:
    labels: int
    fast_labels: int
    gold_total: int
    gold_correct: int
    decided: int
    agreed: int
    est_accuracy: float | None  # Dawid-Skene estimate (classification jobs), else None


def estimated_accuracy(c: Counters) -> float | None:
    """The model's estimate where one exists, else agreement with decided consensus."""
    if c.est_accuracy is not None:
        return c.est_accuracy
    return c.agreed / c.decided if c.decided else None


def pause_reason(c: Counters, t: Thresholds) -> str | None:
    """Why this annotator should be paused on the job now, or None. The text is shown to the
    annotator, their vendor's staff and the QA lead as is."""
    if t.min_gold_accuracy is not None and c.gold_total >= t.min_gold:
        accuracy = c.gold_correct / c.gold_total
        if accuracy < t.min_gold_accuracy:
            return (
                f"gold accuracy {accuracy:.0%} ({c.gold_correct}/{c.gold_total}) is below the"
                f" job's minimum of {t.min_gold_accuracy:.0%}"
            )
    if t.min_est_accuracy is not None and c.decided >= t.min_est_labels:
        estimate = estimated_accuracy(c)
        if estimate is not None and estimate < t.min_est_accuracy:
            return (
                f"estimated accuracy {estimate:.0%} over {c.decided} judged labels is below the"
                f" job's minimum of {t.min_est_accuracy:.0%}"
            )
    return None


def speed_flag(c: Counters, min_seconds: float) -> str | None:
    """A flag (not a pause) for labels submitted faster than a person can read the item."""
    if c.labels >= FAST_MIN_LABELS and c.fast_labels / c.labels > FAST_SHARE:
        return (
            f"{c.fast_labels} of {c.labels} labels took less than {min_seconds:g} s"
            " (suspiciously fast)"
        )
    return None
