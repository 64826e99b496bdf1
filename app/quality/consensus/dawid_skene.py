"""Dawid-Skene: EM over one confusion matrix per annotator (Dawid & Skene, 1979).

The model: each item has a hidden true class drawn from ``class_prior``; annotator ``w`` who sees
true class ``k`` answers ``l`` with probability ``confusion[w, k, l]``, independently of the others.
EM alternates the posterior of every item's class (E) with the counts that re-estimate priors and
confusion matrices (M). Both steps are one sparse-matrix product over the vote matrix ``A``
(items x annotator-label pairs), so an iteration on a million votes costs about 10 ms.

Choices, each for a reason:

* Start from the soft majority vote (each item's vote shares), as crowd-kit and the original
  paper do: it puts EM in the basin where annotators are better than chance.
* A symmetric Dirichlet pseudo-count (``smoothing``) on every confusion cell and class prior: an
  annotator with one label gets rows close to uniform (uninformative) instead of a degenerate 0/1
  matrix that would let a single click overrule everyone. It is small so it does not wash out
  well-measured annotators.
* Gold items keep a one-hot posterior at their known class throughout EM, which anchors the
  confusion matrices of the annotators who answered them.
* An item only one annotator labeled (and that is not gold) is not cross-checked: its label is
  that annotator's answer, its confidence the model's posterior for it, and it adds nothing to
  the M-step. Counting it would credit its author with agreeing with the model's own guess about
  that same answer; with a skewed class prior that echo can turn a barely measured annotator's
  matrix into a permutation within a few iterations (on the `adult` set: an expert with 23
  labels, 21 of them alone, whose lone answers were then overruled). Whether a lone answer
  needs a second opinion is the confidence's job: a low one gets the item more annotators where the
  job allows them; it does not silently replace the answer. ``evidence`` counts, per annotator, the
  labels that did enter the M-step.
* Stop when the log-likelihood per vote gains less than ``tol`` (1e-5) or after
  ``max_iter`` iterations. Posteriors of a few ambiguous items keep drifting for hundreds of
  iterations after the likelihood has flattened; waiting for them buys nothing (measured on the
  benchmark sets: accuracy no better, 5 to over 20 times the iterations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from app.quality.consensus.encoding import (
    AnnotatorId,
    BoolArray,
    FloatArray,
    IntArray,
    ItemId,
    Key,
    Votes,
    encode_truth,
    vote_counts,
)


@dataclass(frozen=True, eq=False)
class DawidSkeneResult:
    """A fitted model. Items and annotators are in the order of the ``Votes`` it was fitted on.

    ``confusion[w, k, l]``: probability that annotator ``w`` answers class ``l`` when the truth
    is ``k`` (rows sum to 1). ``confusion_counts`` are the same before smoothing and normalizing
    (expected counts), kept so ``OnlineDawidSkene`` can keep folding in new labels.
    """

    classes: tuple[str, ...]
    items: tuple[ItemId, ...]
    annotators: tuple[AnnotatorId, ...]
    label: IntArray
    confidence: FloatArray  # max posterior per item
    posterior: FloatArray  # (items, classes)
    confusion: FloatArray  # (annotators, classes, classes)
    confusion_counts: FloatArray  # (annotators, classes, classes), unsmoothed
    accuracy: FloatArray  # per annotator: sum_k class_prior[k] * confusion[w, k, k]
    evidence: IntArray  # per annotator: labels on cross-checked or gold items (the M-step's)
    counted: BoolArray  # per item: cross-checked or gold, so in the M-step
    class_prior: FloatArray
    smoothing: float
    iterations: int
    converged: bool
    log_likelihood: float  # log P(votes | final parameters)

    @cached_property
    def _item_position(self) -> dict[ItemId, int]:
        return {item: i for i, item in enumerate(self.items)}

    @cached_property
    def _annotator_position(self) -> dict[AnnotatorId, int]:
        return {a: i for i, a in enumerate(self.annotators)}

    def credited(self, i: int) -> FloatArray:
        """What item ``i`` (a position) adds to the counts: its posterior where it was counted,
        zeros where not. ``OnlineDawidSkene.add_label`` takes it as ``previous``."""
        row: FloatArray = self.posterior[i] if self.counted[i] else np.zeros(len(self.classes))
        return row

    def label_of(self, item: ItemId) -> str:
        return self.classes[int(self.label[self._item_position[item]])]

    def confidence_of(self, item: ItemId) -> float:
        return float(self.confidence[self._item_position[item]])

    def accuracy_of(self, annotator: AnnotatorId) -> float:
        return float(self.accuracy[self._annotator_position[annotator]])


def dawid_skene(
    votes: Votes,
    *,
    gold: Mapping[Key, str] | None = None,
    smoothing: float = 0.01,
    tol: float = 1e-5,
    max_iter: int = 100,
) -> DawidSkeneResult:
    """Fit Dawid-Skene; deterministic for a given ``Votes``. Unknown gold labels raise."""
    if smoothing <= 0 or tol <= 0 or max_iter < 1:
        raise ValueError("need smoothing > 0, tol > 0 and max_iter >= 1")
    n_items, n_workers, k = len(votes.items), len(votes.annotators), len(votes.classes)
    gold_items, gold_labels = encode_truth(votes, gold or {})
    a = _vote_matrix(votes)
    a_t = a.T.tocsr()
    counted = cross_checked(votes)
    counted[gold_items] = True
    # The M-step reads counted items only: the others' posteriors are zeroed (no copy of A).
    mask = None if counted.all() else counted[:, None].astype(np.float64)

    def m_step(posterior: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        weighed = posterior if mask is None else posterior * mask
        return _m_step(a_t, weighed, n_workers, k, smoothing)

    counts_per_class = vote_counts(votes)
    posterior = _normalize_rows(counts_per_class)
    _pin(posterior, gold_items, gold_labels)
    log_conf, log_prior, counts = m_step(posterior)
    iterations, converged, log_lik = 0, False, -np.inf
    per_vote = 1.0 / max(votes.n_votes, 1)
    while iterations < max_iter and not converged:
        iterations += 1
        posterior, new_log_lik = _e_step(a, log_conf, log_prior)
        _pin(posterior, gold_items, gold_labels)
        log_conf, log_prior, counts = m_step(posterior)
        converged = (new_log_lik - log_lik) * per_vote < tol
        log_lik = new_log_lik

    confusion = np.exp(log_conf.reshape(n_workers, k, k)).transpose(0, 2, 1).copy()
    prior = np.exp(log_prior)
    label = np.argmax(posterior, axis=1).astype(np.int64)
    alone = ~counted
    label[alone] = np.argmax(counts_per_class[alone], axis=1)  # a lone answer stands
    evidence = np.bincount(votes.annotator[counted[votes.item]], minlength=n_workers)
    return DawidSkeneResult(
        classes=votes.classes,
        items=votes.items,
        annotators=votes.annotators,
        label=label,
        confidence=posterior[np.arange(n_items), label],
        posterior=posterior,
        confusion=confusion,
        confusion_counts=counts.transpose(0, 2, 1).copy(),
        accuracy=np.einsum("k,wkk->w", prior, confusion),
        evidence=evidence.astype(np.int64),
        counted=counted,
        class_prior=prior,
        smoothing=smoothing,
        iterations=iterations,
        converged=converged,
        log_likelihood=log_lik,
    )


def cross_checked(votes: Votes) -> BoolArray:
    """Items that at least two different annotators labeled."""
    shape = (len(votes.items), len(votes.annotators))
    ones = np.ones(votes.n_votes, dtype=np.int8)
    pairs = sp.csr_matrix((ones, (votes.item, votes.annotator)), shape=shape)
    pairs.sum_duplicates()  # one entry per (item, annotator), however often they voted
    out: BoolArray = np.diff(pairs.indptr) >= 2
    return out


def _vote_matrix(votes: Votes) -> Any:
    """Sparse (items x annotator*K + label) matrix of vote counts."""
    k = len(votes.classes)
    shape = (len(votes.items), len(votes.annotators) * k)
    ones = np.ones(votes.n_votes, dtype=np.float64)
    return sp.csr_matrix((ones, (votes.item, votes.annotator * k + votes.label)), shape=shape)


def _m_step(
    a_t: Any, posterior: FloatArray, n_workers: int, k: int, smoothing: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Log confusion as (annotator*K + given label, true class), log prior, raw counts.

    The raw counts come back as [w, given, true]: the layout the E-step reads.
    """
    counts = np.asarray(a_t @ posterior).reshape(n_workers, k, k)
    per_true = counts.sum(axis=1, keepdims=True) + k * smoothing
    log_conf = np.log((counts + smoothing) / per_true).reshape(n_workers * k, k)
    class_counts = posterior.sum(axis=0) + smoothing
    log_prior = np.log(class_counts / class_counts.sum())
    return log_conf, log_prior, counts


def _e_step(a: Any, log_conf: FloatArray, log_prior: FloatArray) -> tuple[FloatArray, float]:
    """Posterior per item and the log-likelihood of all votes."""
    log_joint = np.asarray(a @ log_conf) + log_prior
    top = log_joint.max(axis=1, keepdims=True)
    joint = np.exp(log_joint - top)
    total = joint.sum(axis=1, keepdims=True)
    return joint / total, float(np.sum(top + np.log(total)))


def _normalize_rows(counts: FloatArray) -> FloatArray:
    total = counts.sum(axis=1, keepdims=True)
    uniform = np.full_like(counts, 1.0 / max(counts.shape[1], 1))
    out: FloatArray = np.divide(counts, total, out=uniform, where=total > 0)
    return out


def _pin(posterior: FloatArray, items: IntArray, labels: IntArray) -> None:
    """Fix gold items to their one-hot truth, in place."""
    if len(items):
        posterior[items] = 0.0
        posterior[items, labels] = 1.0
