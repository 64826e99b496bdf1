"""Multi-label classification as one independent yes/no decision per class.

Each class becomes a binary problem ("did the annotator tick it?") solved by majority vote or by
binary Dawid-Skene, so an annotator's habit of over- or under-ticking a class is learned per class.
A class is in the consensus when its probability is above one half: an exact tie leaves it out.
On an item only one annotator answered, their ticks stand (as in ``dawid_skene``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from app.quality.consensus.classification import majority_vote
from app.quality.consensus.dawid_skene import dawid_skene
from app.quality.consensus.encoding import (
    AnnotatorId,
    FloatArray,
    ItemId,
    Key,
    Votes,
    class_index,
    lookup,
)

_BINARY = ("absent", "present")


@dataclass(frozen=True, eq=False)
class MultiLabelResult:
    """``probability[i, c]``: how likely class ``c`` belongs on item ``i`` (posterior or share)."""

    classes: tuple[str, ...]
    items: tuple[ItemId, ...]
    annotators: tuple[AnnotatorId, ...]
    probability: FloatArray  # (items, classes)
    present: npt.NDArray[np.bool_]  # probability > 0.5, or a lone annotator's tick
    annotator_accuracy: FloatArray | None  # (annotators, classes) binary DS accuracy; None: vote
    method: Literal["vote", "dawid_skene"]

    @cached_property
    def _position(self) -> dict[ItemId, int]:
        return {item: i for i, item in enumerate(self.items)}

    def labels_of(self, item: ItemId) -> tuple[str, ...]:
        """The consensus labels of ``item`` in schema order."""
        row = self.present[self._position[item]]
        return tuple(c for c, keep in zip(self.classes, row, strict=True) if keep)


def multilabel_consensus(
    rows: Iterable[tuple[ItemId, AnnotatorId, Collection[str]]],
    classes: Sequence[str],
    *,
    method: Literal["vote", "dawid_skene"] = "dawid_skene",
    gold: Mapping[Key, Collection[str]] | None = None,
    smoothing: float = 0.01,
) -> MultiLabelResult:
    """Consensus label sets from ``(item, annotator, labels)`` answers (one answer per row)."""
    index = class_index(classes)
    items: dict[ItemId, int] = {}
    annotators: dict[AnnotatorId, int] = {}
    item_col: list[int] = []
    annotator_col: list[int] = []
    ticked: list[list[int]] = []
    for item, annotator, labels in rows:
        item_col.append(items.setdefault(item, len(items)))
        annotator_col.append(annotators.setdefault(annotator, len(annotators)))
        ticked.append([lookup(index, label) for label in labels])
    n, k = len(item_col), len(classes)
    matrix = np.zeros((n, k), dtype=np.int64)
    lengths = [len(ks) for ks in ticked]
    matrix[np.repeat(np.arange(n), lengths), [c for ks in ticked for c in ks]] = 1
    item_arr = np.asarray(item_col, dtype=np.int64)
    annotator_arr = np.asarray(annotator_col, dtype=np.int64)

    probability = np.zeros((len(items), k))
    present = np.zeros((len(items), k), dtype=bool)
    accuracy = np.zeros((len(annotators), k)) if method == "dawid_skene" else None
    gold_sets = {i: {lookup(index, x) for x in labels} for i, labels in (gold or {}).items()}
    for c in range(k):  # one binary problem per class; each is vectorized inside
        votes = Votes(
            _BINARY, tuple(items), tuple(annotators), item_arr, annotator_arr, matrix[:, c]
        )
        if accuracy is None:
            result = majority_vote(votes)
            probability[:, c] = _present_share(result.counts)
            present[:, c] = probability[:, c] > 0.5
        else:
            truth = {i: _BINARY[int(c in s)] for i, s in gold_sets.items()}
            fitted = dawid_skene(votes, gold=truth, smoothing=smoothing)
            probability[:, c] = fitted.posterior[:, 1]
            present[:, c] = fitted.label == 1  # argmax, but a lone answer stands
            accuracy[:, c] = fitted.accuracy
    return MultiLabelResult(
        classes=tuple(classes),
        items=tuple(items),
        annotators=tuple(annotators),
        probability=probability,
        present=present,
        annotator_accuracy=accuracy,
        method=method,
    )


def _present_share(counts: FloatArray) -> FloatArray:
    total = counts.sum(axis=1)
    share: FloatArray = np.divide(counts[:, 1], total, out=np.zeros_like(total), where=total > 0)
    return share
