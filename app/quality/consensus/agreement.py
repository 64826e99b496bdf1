"""Inter-annotator agreement on single-label classification, all from the vote-count matrix.

Scalars are None and array entries NaN where a statistic is undefined (e.g. every vote in one
class gives chance agreement 1 and kappa 0/0): a number there would be made up.

* ``krippendorff_alpha`` (nominal): any number of annotators per item, items with one vote are
  not pairable and drop out. Checked against Krippendorff's published example (alpha = 0.743).
* ``fleiss_kappa``: Fleiss (1971) needs the same number of raters per item; here each item's
  observed agreement is taken over its own pairs and averaged over items with two or more votes,
  the usual generalization. With a constant number of raters it is exactly Fleiss' kappa.
* ``pairwise_cohen_kappa``: Cohen's kappa of every two annotators on the items both answered
  (an annotator's first vote on an item counts); NaN under ``min_shared`` shared items.
* ``observed_agreement``: share of agreeing pairs among all pairs of votes on the same item.
* ``class_agreement``: per class, one-vs-rest: specific agreement (of the pairs where one vote
  is the class, the share where the other is too) and Fleiss' kappa of "class or not".
* ``agreement_with_consensus``: per annotator, the share of their votes equal to a consensus
  (majority or Dawid-Skene). Their own vote is part of that consensus, which flatters annotators
  on items with few votes; gold accuracy (``gold.py``) has no such bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.quality.consensus.encoding import (
    AnnotatorId,
    FloatArray,
    IntArray,
    Votes,
    vote_counts,
)


@dataclass(frozen=True, eq=False)
class PairwiseKappa:
    annotators: tuple[AnnotatorId, ...]
    kappa: (
        FloatArray  # (annotators, annotators), symmetric, NaN where undefined and on the diagonal
    )
    shared: IntArray  # items both answered


@dataclass(frozen=True, eq=False)
class ClassAgreement:
    classes: tuple[str, ...]
    specific: FloatArray  # per class; NaN where no pair involves the class
    kappa: FloatArray  # one-vs-rest Fleiss kappa per class


@dataclass(frozen=True, eq=False)
class AnnotatorAgreement:
    annotators: tuple[AnnotatorId, ...]
    agreeing: IntArray
    answered: IntArray
    rate: FloatArray  # agreeing / answered; NaN for an annotator with no vote


def krippendorff_alpha(votes: Votes) -> float | None:
    """Nominal alpha = 1 - D_observed / D_expected over the coincidence matrix."""
    counts = vote_counts(votes)
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    if len(m) == 0:
        return None
    coincidence = counts.T @ (counts / (m - 1)[:, None])
    coincidence -= np.diag((counts / (m - 1)[:, None]).sum(axis=0))
    n_c = coincidence.sum(axis=0)
    n = n_c.sum()
    expected = n * n - float(np.sum(n_c * n_c))
    if expected <= 0:
        return None
    return float(1.0 - (n - 1) * (n - np.trace(coincidence)) / expected)


def fleiss_kappa(votes: Votes) -> float | None:
    """Fleiss' kappa, generalized to a varying number of votes per item (see module doc)."""
    return _fleiss(vote_counts(votes))


def _fleiss(counts: FloatArray) -> float | None:
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    if len(m) == 0:
        return None
    per_item = (counts * (counts - 1)).sum(axis=1) / (m * (m - 1))
    p = counts.sum(axis=0) / m.sum()
    chance = float(np.sum(p * p))
    if chance >= 1.0:
        return None
    return float((per_item.mean() - chance) / (1.0 - chance))


def observed_agreement(votes: Votes) -> float | None:
    """Agreeing pairs / all pairs of votes on the same item."""
    counts = vote_counts(votes)
    m = counts.sum(axis=1)
    pairs = float(np.sum(m * (m - 1)))
    if pairs == 0:
        return None
    return float(np.sum(counts * (counts - 1)) / pairs)


def class_agreement(votes: Votes) -> ClassAgreement:
    counts = vote_counts(votes)
    m = counts.sum(axis=1, keepdims=True)
    agree = (counts * (counts - 1)).sum(axis=0)
    involved = (counts * (m - 1)).sum(axis=0)
    specific = np.divide(agree, involved, out=np.full_like(agree, np.nan), where=involved > 0)
    kappa = np.full(len(votes.classes), np.nan)
    for k in range(len(votes.classes)):  # K two-column problems; each is vectorized
        value = _fleiss(np.stack([counts[:, k], m[:, 0] - counts[:, k]], axis=1))
        kappa[k] = np.nan if value is None else value
    return ClassAgreement(votes.classes, specific, kappa)


def agreement_with_consensus(votes: Votes, consensus: IntArray) -> AnnotatorAgreement:
    """``consensus[i]``: the class index decided for item ``i`` (e.g. ``result.label``)."""
    if len(consensus) != len(votes.items):
        raise ValueError("consensus needs one class index per item")
    n = len(votes.annotators)
    hit = (votes.label == consensus[votes.item]).astype(np.float64)
    agreeing = np.bincount(votes.annotator, weights=hit, minlength=n).astype(np.int64)
    answered = np.bincount(votes.annotator, minlength=n).astype(np.int64)
    rate = np.divide(
        agreeing, answered, out=np.full(n, np.nan), where=answered > 0, dtype=np.float64
    )
    return AnnotatorAgreement(votes.annotators, agreeing, answered, rate)


def pairwise_cohen_kappa(votes: Votes, *, min_shared: int = 10) -> PairwiseKappa:
    """Cohen's kappa for every two annotators over the items both answered."""
    n_w, k = len(votes.annotators), len(votes.classes)
    item, annotator, label = _first_votes(votes)
    lo_parts: list[IntArray] = []
    hi_parts: list[IntArray] = []
    lab_lo: list[IntArray] = []
    lab_hi: list[IntArray] = []
    # Votes sorted by item: the vote d places later is on the same item for every pair on it.
    for d in range(1, _max_run(item)):
        same = np.flatnonzero(item[d:] == item[:-d])
        a, b = annotator[same], annotator[same + d]
        swap = a > b
        lo_parts.append(np.where(swap, b, a))
        hi_parts.append(np.where(swap, a, b))
        lab_lo.append(np.where(swap, label[same + d], label[same]))
        lab_hi.append(np.where(swap, label[same], label[same + d]))
    kappa = np.full((n_w, n_w), np.nan)
    shared = np.zeros((n_w, n_w), dtype=np.int64)
    if not lo_parts:
        return PairwiseKappa(votes.annotators, kappa, shared)
    lo, hi = np.concatenate(lo_parts), np.concatenate(hi_parts)
    keys, pair = np.unique(lo * n_w + hi, return_inverse=True)
    cell = pair * k * k + np.concatenate(lab_lo) * k + np.concatenate(lab_hi)
    tables = np.bincount(cell, minlength=len(keys) * k * k).reshape(-1, k, k).astype(np.float64)
    n = tables.sum(axis=(1, 2))
    observed = np.trace(tables, axis1=1, axis2=2) / n
    chance = np.sum(tables.sum(axis=2) * tables.sum(axis=1), axis=1) / (n * n)
    ok = (n >= min_shared) & (chance < 1.0)
    values = np.divide(observed - chance, 1.0 - chance, out=np.full_like(n, np.nan), where=ok)
    rows, cols = keys // n_w, keys % n_w
    kappa[rows, cols] = kappa[cols, rows] = values
    shared[rows, cols] = shared[cols, rows] = n.astype(np.int64)
    return PairwiseKappa(votes.annotators, kappa, shared)


def _first_votes(votes: Votes) -> tuple[IntArray, IntArray, IntArray]:
    """One vote per (item, annotator), the first given, sorted by item."""
    key = votes.item * max(len(votes.annotators), 1) + votes.annotator
    _, first = np.unique(key, return_index=True)  # sorted by key, so by item
    return votes.item[first], votes.annotator[first], votes.label[first]


def _max_run(sorted_items: IntArray) -> int:
    """The largest number of votes on one item."""
    if len(sorted_items) == 0:
        return 0
    return int(np.bincount(sorted_items).max())
