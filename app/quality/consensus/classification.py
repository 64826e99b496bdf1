"""Majority vote for single-label classification: the baseline, and the right tool for tiny jobs.

Ties go to the class listed first in the schema (``np.argmax`` returns the first maximum), so the
result never depends on the order the answers arrive in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import cast

import numpy as np

from app.quality.consensus.encoding import (
    FloatArray,
    IntArray,
    ItemId,
    Key,
    Votes,
    annotator_weights,
    vote_counts,
)


@dataclass(frozen=True, eq=False)
class VoteResult:
    """Per item (in ``items`` order): winning class index, its vote share and all the counts."""

    classes: tuple[str, ...]
    items: tuple[ItemId, ...]
    label: IntArray
    share: FloatArray  # winner's (weighted) votes / the item's total; 0 when the total is 0
    counts: FloatArray  # (items, classes) weighted votes

    @cached_property
    def _position(self) -> dict[ItemId, int]:
        return {item: i for i, item in enumerate(self.items)}

    def label_of(self, item: ItemId) -> str:
        return self.classes[int(self.label[self._position[item]])]

    def share_of(self, item: ItemId) -> float:
        return float(self.share[self._position[item]])


def majority_vote(votes: Votes, weights: Mapping[Key, float] | None = None) -> VoteResult:
    """Most (weighted) votes per item; ties to the earlier class in the schema.

    With ``weights`` (e.g. Dawid-Skene accuracies) an annotator not named weighs 1.
    """
    annotators = cast("tuple[Key, ...]", votes.annotators)  # the keys the weights use
    w = None if weights is None else annotator_weights(annotators, weights)
    counts = vote_counts(votes, w)
    label = np.argmax(counts, axis=1).astype(np.int64)
    total = counts.sum(axis=1)
    top = counts[np.arange(len(label)), label]
    share = np.divide(top, total, out=np.zeros_like(total), where=total > 0)
    return VoteResult(votes.classes, votes.items, label, share, counts)
