"""Dawid-Skene between full refits: one new label updates one item and a few accumulators.

A full fit over a job is seconds of work; a label arrives every few hundred milliseconds. The
model's sufficient statistics are expected counts (how much of each true class every annotator
answered with each label), so a new label can be folded in exactly as one more E-step for its
item and an incremental M-step for the annotators on that item:

1. the item's posterior is recomputed from all its labels: O(labels on the item x classes);
2. every label already on the item moves its annotator's counts by (new - previous posterior),
   the new label adds the new posterior, the class counts move by the same difference;
3. the touched annotators' log-confusion rows are renormalized: O(classes²) each.

As in the full fit, an item only one annotator has labeled (and that is not gold) is credited
nothing: its lone answer stands as its label, and its labels enter the counts when a second
annotator's label arrives.

Other items' posteriors are not revisited, so the model drifts toward what a refit would give
but is not equal to it: refit periodically (e.g. nightly, or when many labels have arrived) and
start a new ``OnlineDawidSkene`` from the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.quality.consensus.dawid_skene import DawidSkeneResult
from app.quality.consensus.encoding import (
    AnnotatorId,
    FloatArray,
    class_index,
    lone_answer,
    lookup,
)


@dataclass(frozen=True, eq=False)
class ItemPosterior:
    """One item's consensus after an update: winning class, its probability, all of them."""

    label: str
    confidence: float
    posterior: FloatArray
    # What the item adds to the model's counts now: pass it as ``previous`` to the next
    # ``add_label`` on this item. ``None`` from ``posterior``, which adds nothing.
    credited: FloatArray | None = None


class OnlineDawidSkene:
    """Mutable accumulators seeded from a full fit. Not thread-safe: one writer per job.

    An annotator the fit never saw starts with no counts, so their rows are uniform (their first
    labels carry no weight until they agree or disagree with others): a newcomer can be a spammer.
    """

    def __init__(self, fit: DawidSkeneResult) -> None:
        self.classes = fit.classes
        self.smoothing = fit.smoothing
        self._index = class_index(fit.classes)
        self._annotators = {a: w for w, a in enumerate(fit.annotators)}
        k = len(fit.classes)
        # [w, given, true]: a label's row is contiguous, as the posterior reads it.
        self._counts: FloatArray = np.ascontiguousarray(fit.confusion_counts.transpose(0, 2, 1))
        if len(self._counts) == 0:
            self._counts = np.zeros((1, k, k))
        self._log_conf: FloatArray = np.full_like(self._counts, -np.log(k))
        self._refresh(np.arange(len(fit.annotators)))
        self._class_counts: FloatArray = (
            fit.posterior.sum(axis=0) if len(fit.items) else np.zeros(k)
        )

    @property
    def class_prior(self) -> FloatArray:
        counts = self._class_counts + self.smoothing
        prior: FloatArray = counts / counts.sum()
        return prior

    def confusion(self, annotator: AnnotatorId) -> FloatArray:
        """[true, given] probabilities; uniform for an annotator never seen."""
        w = self._annotators.get(annotator)
        k = len(self.classes)
        if w is None:
            return np.full((k, k), 1.0 / k)
        matrix: FloatArray = np.exp(self._log_conf[w]).T.copy()
        return matrix

    def posterior(self, labels: Sequence[tuple[AnnotatorId, str]]) -> ItemPosterior:
        """The item's consensus from its labels under the current model; changes nothing."""
        log_joint = np.log(self.class_prior)
        for annotator, label in labels:
            k = lookup(self._index, label)
            w = self._annotators.get(annotator)
            if w is not None:  # unseen annotators have uniform rows: a constant, skip it
                log_joint = log_joint + self._log_conf[w, k]
        return self._result(np.exp(log_joint - log_joint.max()), labels)

    def add_label(
        self,
        existing: Sequence[tuple[AnnotatorId, str]],
        new: tuple[AnnotatorId, str],
        *,
        previous: FloatArray | None = None,
        truth: str | None = None,
    ) -> ItemPosterior:
        """Fold ``new`` into an item that already has ``existing`` labels; return its consensus.

        ``previous`` is what this model last credited the item with: the fit's posterior row
        where the fit ``counted`` the item (zeros where it did not), or the ``credited`` of the
        last ``add_label``. Its contribution is swapped for the new one. Without it the item is
        taken as never folded when ``existing`` is empty, else it is recomputed from
        ``existing`` (close, not exact, if the model has drifted). ``truth`` pins a gold item's
        posterior to its known class.
        """
        labels = [*existing, new]
        coded = [(self._annotator(a), lookup(self._index, label)) for a, label in labels]
        if truth is None:
            result = self.posterior(labels)
        else:
            k = lookup(self._index, truth)
            result = ItemPosterior(truth, 1.0, self._one_hot(k))
        credited = self._credited(result.posterior, labels, truth)
        if previous is None and existing:
            previous = self._credited(self.posterior(existing).posterior, existing, truth)
        elif previous is None:  # never folded
            previous = np.zeros(len(self.classes))
        delta = credited - np.asarray(previous, np.float64)
        for w, k in coded[:-1]:
            self._counts[w, k] += delta
        w_new, k_new = coded[-1]
        self._counts[w_new, k_new] += credited
        self._class_counts = self._class_counts + delta
        self._refresh(np.unique(np.asarray([w for w, _ in coded])))
        return ItemPosterior(result.label, result.confidence, result.posterior, credited)

    def _credited(
        self, posterior: FloatArray, labels: Sequence[tuple[AnnotatorId, str]], truth: str | None
    ) -> FloatArray:
        """What the item adds to the counts: its truth if gold, else its posterior, or nothing
        while it is not cross-checked (no labels, or one annotator's only)."""
        if truth is not None:
            return self._one_hot(lookup(self._index, truth))
        if len({a for a, _ in labels}) < 2:
            return np.zeros(len(self.classes))
        return posterior

    def _annotator(self, annotator: AnnotatorId) -> int:
        w = self._annotators.get(annotator)
        if w is not None:
            return w
        w = len(self._annotators)
        self._annotators[annotator] = w
        if w >= len(self._counts):  # grow by doubling: amortized O(1) per newcomer
            k = len(self.classes)
            grown = np.zeros((2 * len(self._counts), k, k))
            grown[: len(self._counts)] = self._counts
            self._counts = grown
            logs = np.full_like(grown, -np.log(k))
            logs[: len(self._log_conf)] = self._log_conf
            self._log_conf = logs
        return w

    def _refresh(self, rows: np.ndarray) -> None:
        """Renormalize the log-confusion of annotators ``rows`` from their counts."""
        counts = self._counts[rows] + self.smoothing
        per_true = counts.sum(axis=1, keepdims=True)  # over given labels
        self._log_conf[rows] = np.log(counts / per_true)

    def _one_hot(self, k: int) -> FloatArray:
        out = np.zeros(len(self.classes))
        out[k] = 1.0
        return out

    def _result(
        self, weights: FloatArray, labels: Sequence[tuple[AnnotatorId, str]]
    ) -> ItemPosterior:
        posterior = weights / weights.sum()
        best = int(np.argmax(posterior))
        if len({a for a, _ in labels}) == 1:  # one annotator's answer stands (module doc)
            best = lone_answer(self._index, [label for _, label in labels])
        return ItemPosterior(self.classes[best], float(posterior[best]), posterior)
