"""Accuracy on gold items (known answers), with a Wilson score interval.

Ten gold answers, nine right, is not "90%": the Wilson interval says 60-98% at 95% confidence.
Unlike the normal approximation it stays inside [0, 1] and behaves at 0 and n correct, which is
where decisions about annotators are made (few gold answers, very good or very bad).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from app.quality.consensus.encoding import (
    AnnotatorId,
    FloatArray,
    IntArray,
    Key,
    Votes,
    encode_truth,
)


@dataclass(frozen=True, eq=False)
class GoldAccuracy:
    annotators: tuple[AnnotatorId, ...]
    correct: IntArray
    answered: IntArray  # gold items answered
    accuracy: FloatArray  # NaN for an annotator with no gold answer
    low: FloatArray  # Wilson interval; [0, 1] with no gold answer
    high: FloatArray
    confidence: float


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion; (0, 1) when ``n`` is 0."""
    low, high = _wilson(np.asarray([successes]), np.asarray([n]), confidence)
    return float(low[0]), float(high[0])


def gold_accuracy(
    votes: Votes, gold: Mapping[Key, str], *, confidence: float = 0.95
) -> GoldAccuracy:
    """Per annotator: right answers on gold items, accuracy and its Wilson interval."""
    items, labels = encode_truth(votes, gold)
    truth = np.full(len(votes.items), -1, dtype=np.int64)
    truth[items] = labels
    on_gold = truth[votes.item] >= 0
    n = len(votes.annotators)
    who = votes.annotator[on_gold]
    right = (votes.label[on_gold] == truth[votes.item[on_gold]]).astype(np.float64)
    correct = np.bincount(who, weights=right, minlength=n).astype(np.int64)
    answered = np.bincount(who, minlength=n).astype(np.int64)
    accuracy = np.divide(
        correct, answered, out=np.full(n, np.nan), where=answered > 0, dtype=np.float64
    )
    low, high = _wilson(correct, answered, confidence)
    return GoldAccuracy(votes.annotators, correct, answered, accuracy, low, high, confidence)


def _wilson(successes: IntArray, n: IntArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    if np.any(successes < 0) or np.any(successes > n):
        raise ValueError("need 0 <= successes <= n")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    size = np.maximum(n, 1).astype(np.float64)
    p = successes / size
    denominator = 1 + z * z / size
    center = (p + z * z / (2 * size)) / denominator
    half = z * np.sqrt(p * (1 - p) / size + z * z / (4 * size * size)) / denominator
    empty = n == 0
    low = np.where(empty, 0.0, np.clip(center - half, 0.0, 1.0))
    high = np.where(empty, 1.0, np.clip(center + half, 0.0, 1.0))
    return low, high
