"""Grouping shapes (boxes, polygons) drawn by different annotators around the same object.

Shared by ``boxes`` and ``polygons``: they differ only in how IoU is computed and how a group is
fused. Two questions, two tools:

* Pairwise agreement of two annotators: an optimal one-to-one matching (Hungarian,
  ``scipy.optimize.linear_sum_assignment``) that maximizes the number of pairs at IoU ≥ threshold
  first and their total IoU second; greedy matching can lose a pair in crowded scenes.
* Consensus over many annotators: groups with at most one shape per annotator in which every two
  shapes overlap at IoU ≥ threshold (complete linkage). Candidate pairs are merged from the highest
  IoU down, so the result does not depend on which annotator is looked at first; equal IoUs are
  taken in input order, which makes it deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from app.quality.consensus.encoding import FloatArray, IntArray, Key, annotator_weights

Shape = TypeVar("Shape")


@dataclass(frozen=True)
class ShapeAgreement:
    """Agreement on one item among annotators who each drew a set of shapes.

    ``mean_f1``: mean over annotator pairs of the F1 of their matching (2·matched / (|A|+|B|));
    ``mean_iou``: mean IoU over all matched pairs. Annotators who all drew nothing agree
    perfectly (1.0, 1.0); with fewer than two annotators both are None, as is ``mean_iou`` when
    shapes were drawn but no pair matched.
    """

    annotators: int
    pairs: int
    mean_f1: float | None
    mean_iou: float | None


def same_label_mask(labels: Sequence[str | None]) -> npt.NDArray[np.bool_]:
    """``mask[i, j]``: shapes i and j may match (equal labels; None matches None)."""
    codes: dict[str | None, int] = {}
    coded = np.asarray([codes.setdefault(x, len(codes)) for x in labels], dtype=np.int64)
    mask: npt.NDArray[np.bool_] = coded[:, None] == coded[None, :]
    return mask


def match_pair(
    iou: FloatArray, allowed: npt.NDArray[np.bool_], threshold: float
) -> list[tuple[int, int]]:
    """Optimal one-to-one pairs (row, column) at IoU ≥ threshold among allowed pairs."""
    if iou.size == 0:
        return []
    valid = allowed & (iou >= threshold)
    if not valid.any():
        return []
    # Every valid pair is worth more than all IoUs together: count first, then total IoU.
    weight = np.where(valid, iou + iou.shape[0] + iou.shape[1], 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if valid[r, c]]


def agreement(
    owner: IntArray,
    iou: FloatArray,
    allowed: npt.NDArray[np.bool_],
    n_annotators: int,
    threshold: float,
) -> ShapeAgreement:
    """Pairwise F1 and matched IoU over every pair of annotators (shapes indexed globally)."""
    if n_annotators < 2:
        return ShapeAgreement(n_annotators, 0, None, None)
    members = [np.flatnonzero(owner == a) for a in range(n_annotators)]
    f1s: list[float] = []
    ious: list[float] = []
    for a, b in combinations(range(n_annotators), 2):
        ia, ib = members[a], members[b]
        if len(ia) + len(ib) == 0:
            f1s.append(1.0)
            continue
        sub = np.ix_(ia, ib)
        pairs = match_pair(iou[sub], allowed[sub], threshold)
        f1s.append(2.0 * len(pairs) / (len(ia) + len(ib)))
        ious.extend(float(iou[ia[r], ib[c]]) for r, c in pairs)
    if len(owner) == 0:
        mean_iou: float | None = 1.0
    else:
        mean_iou = float(np.mean(ious)) if ious else None
    return ShapeAgreement(n_annotators, len(f1s), float(np.mean(f1s)), mean_iou)


def cluster(
    owner: IntArray, iou: FloatArray, allowed: npt.NDArray[np.bool_], threshold: float
) -> list[list[int]]:
    """Complete-linkage groups, one shape per annotator at most; sorted by first member."""
    n = len(owner)
    group = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    upper = np.triu(allowed & (iou >= threshold) & (owner[:, None] != owner[None, :]), k=1)
    rows, cols = np.nonzero(upper)
    order = np.lexsort((cols, rows, -iou[rows, cols]))  # highest IoU first, then input order
    for i, j in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        gi, gj = group[i], group[j]
        if gi == gj:
            continue
        a, b = members[gi], members[gj]
        if set(owner[a].tolist()) & set(owner[b].tolist()):
            continue
        if iou[np.ix_(a, b)].min() < threshold:
            continue
        keep, drop = min(gi, gj), max(gi, gj)
        for m in members[drop]:
            group[m] = keep
        members[keep] = sorted(members[keep] + members.pop(drop))
    return sorted(members.values(), key=lambda m: m[0])


def mean_pairwise(iou: FloatArray, group: list[int]) -> float:
    """Mean IoU over the pairs inside a group; 1.0 for a single shape."""
    if len(group) < 2:
        return 1.0
    sub = iou[np.ix_(group, group)]
    return float(sub[np.triu_indices(len(group), k=1)].mean())


def vote_threshold(n_annotators: int, min_votes: int | None) -> int:
    """Annotators needed to keep a group: a strict majority unless told otherwise."""
    if min_votes is None:
        return n_annotators // 2 + 1
    if min_votes < 1:
        raise ValueError("min_votes must be at least 1")
    return min_votes


@dataclass(frozen=True, eq=False)
class Groups(Generic[Key, Shape]):
    """One item's shapes grouped across annotators: what ``boxes`` and ``polygons`` fuse.

    ``kept``: the groups drawn by enough annotators (``min_votes``), each a list of indices
    into ``shapes``; ``shapes[i]`` is ``(annotator index, shape)``.
    """

    annotators: tuple[Key, ...]
    shapes: tuple[tuple[int, Shape], ...]
    owner: IntArray
    iou: FloatArray
    weights: FloatArray  # per annotator
    kept: tuple[list[int], ...]
    agreement: ShapeAgreement

    def group_weights(self, group: list[int]) -> FloatArray:
        gw: FloatArray = self.weights[self.owner[group]]
        return gw

    def drawers(self, group: list[int]) -> tuple[Key, ...]:
        return tuple(self.annotators[int(a)] for a in self.owner[group])

    def support(self, group: list[int]) -> float:
        """The drawers' share of all annotators' weight."""
        total = self.weights.sum()
        if total <= 0:
            return len(group) / max(len(self.weights), 1)
        return float(self.group_weights(group).sum() / total)


def group_shapes(
    answers: Mapping[Key, Sequence[Shape]],
    *,
    weights: Mapping[Key, float] | None,
    iou_of: Callable[[list[Shape]], FloatArray],
    label_of: Callable[[Shape], str | None],
    iou_threshold: float,
    min_votes: int | None,
) -> Groups[Key, Shape]:
    """Group every annotator's shapes (an empty answer counts as an annotator who drew none)."""
    annotators = tuple(answers)
    needed = vote_threshold(len(annotators), min_votes)
    shapes = tuple((a, s) for a, drawn in enumerate(answers.values()) for s in drawn)
    owner = np.asarray([a for a, _ in shapes], dtype=np.int64)
    iou = iou_of([s for _, s in shapes])
    allowed = same_label_mask([label_of(s) for _, s in shapes])
    kept = tuple(g for g in cluster(owner, iou, allowed, iou_threshold) if len(g) >= needed)
    return Groups(
        annotators=annotators,
        shapes=shapes,
        owner=owner,
        iou=iou,
        weights=annotator_weights(annotators, weights),
        kept=kept,
        agreement=agreement(owner, iou, allowed, len(annotators), iou_threshold),
    )
