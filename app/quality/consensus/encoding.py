"""Classification answers as parallel integer arrays, the form every estimator here works on.

Encoding once (strings to indices) keeps the estimators vectorized: Dawid-Skene on a million
labels is a handful of numpy passes per iteration instead of a million dictionary look-ups.
Each row is one vote; an annotator who answered an item twice votes twice (as crowd-kit does).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
ItemId: TypeAlias = Hashable
AnnotatorId: TypeAlias = Hashable
# Mappings are invariant in their key type: a TypeVar lets callers pass dict[uuid.UUID, ...].
Key = TypeVar("Key", bound=Hashable)


def class_index(classes: Sequence[str]) -> dict[str, int]:
    """Each class name's position; the schema's order is the tie-break order everywhere."""
    index = {name: k for k, name in enumerate(classes)}
    if len(index) != len(classes):
        raise ValueError(f"duplicate class names in {list(classes)!r}")
    if not index:
        raise ValueError("a label schema needs at least one class")
    return index


def lookup(index: Mapping[str, int], label: str) -> int:
    """The class index of ``label``; an unknown label is a caller bug, never silently dropped."""
    try:
        return index[label]
    except KeyError:
        known = ", ".join(repr(name) for name in index)
        raise ValueError(f"unknown label {label!r}; the schema has {known}") from None


@dataclass(frozen=True, eq=False)
class Votes:
    """Row ``r``: annotator ``annotators[annotator[r]]`` gave ``classes[label[r]]`` to
    ``items[item[r]]``. Items and annotators are numbered in order of first appearance."""

    classes: tuple[str, ...]
    items: tuple[ItemId, ...]
    annotators: tuple[AnnotatorId, ...]
    item: IntArray
    annotator: IntArray
    label: IntArray

    def __post_init__(self) -> None:
        n = len(self.item)
        if len(self.annotator) != n or len(self.label) != n:
            raise ValueError("item, annotator and label arrays must have one entry per vote")
        for name, values, size in (
            ("item", self.item, len(self.items)),
            ("annotator", self.annotator, len(self.annotators)),
            ("label", self.label, len(self.classes)),
        ):
            if n and (int(values.min()) < 0 or int(values.max()) >= size):
                raise ValueError(f"{name} indices out of range")

    @property
    def n_votes(self) -> int:
        return len(self.item)

    def item_position(self) -> dict[ItemId, int]:
        return {item: i for i, item in enumerate(self.items)}

    def annotator_position(self) -> dict[AnnotatorId, int]:
        return {a: i for i, a in enumerate(self.annotators)}


def encode_votes(rows: Iterable[tuple[ItemId, AnnotatorId, str]], classes: Sequence[str]) -> Votes:
    """Encode ``(item, annotator, label)`` rows; an unknown label raises ``ValueError``."""
    index = class_index(classes)
    items: dict[ItemId, int] = {}
    annotators: dict[AnnotatorId, int] = {}
    item_col: list[int] = []
    annotator_col: list[int] = []
    label_col: list[int] = []
    for item, annotator, label in rows:
        item_col.append(items.setdefault(item, len(items)))
        annotator_col.append(annotators.setdefault(annotator, len(annotators)))
        k = index.get(label)
        label_col.append(lookup(index, label) if k is None else k)
    return Votes(
        classes=tuple(classes),
        items=tuple(items),
        annotators=tuple(annotators),
        item=np.asarray(item_col, dtype=np.int64),
        annotator=np.asarray(annotator_col, dtype=np.int64),
        label=np.asarray(label_col, dtype=np.int64),
    )


def encode_truth(votes: Votes, truth: Mapping[Key, str]) -> tuple[IntArray, IntArray]:
    """Known answers as (item indices, class indices) for the items that have votes.

    Every label is checked, also on items without votes: a typo in gold must not pass silently.
    """
    index = class_index(votes.classes)
    coded = {item: lookup(index, label) for item, label in truth.items()}
    position = votes.item_position()
    pairs = sorted((position[item], k) for item, k in coded.items() if item in position)
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


def annotator_weights(annotators: Sequence[Key], weights: Mapping[Key, float] | None) -> FloatArray:
    """Reliability weight per annotator, in the given order; annotators not named weigh 1.

    When every weight is zero nobody is preferred, so all count equally (rather than nothing).
    """
    w = np.asarray(
        [1.0 if weights is None else float(weights.get(a, 1.0)) for a in annotators],
        dtype=np.float64,
    )
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("annotator weights must be finite and non-negative")
    return w if len(w) == 0 or w.sum() > 0 else np.ones_like(w)


def vote_counts(votes: Votes, weights: FloatArray | None = None) -> FloatArray:
    """Per item and class, the (annotator-weighted) number of votes: shape (items, classes)."""
    k = len(votes.classes)
    w = None if weights is None else weights[votes.annotator]
    flat = np.bincount(votes.item * k + votes.label, weights=w, minlength=len(votes.items) * k)
    return flat.astype(np.float64).reshape(len(votes.items), k)


def lone_answer(index: Mapping[str, int], answers: Sequence[str]) -> int:
    """The class one annotator's answers to an item stand for: the most frequent (they answer
    once, unless the item came back to them), ties to the class listed first."""
    counts = np.bincount([lookup(index, a) for a in answers], minlength=len(index))
    return int(np.argmax(counts))
