"""Brigade's Dawid-Skene against the same model with a hierarchical prior, on real crowd labels.

    .venv/bin/python bench/qc_priors.py [--data /work/shared/data/crowd] [--folds 3]

The alternative, measured and not used (docs/quality.md, "Accuracy on real crowd labels"):
each annotator's confusion row for true class ``k`` gets a Dirichlet prior ``alpha_k`` shared by
the crowd, re-fitted at every M-step by maximizing the Dirichlet-multinomial likelihood of all
annotators' expected counts (Minka's fixed point): a new or sparse annotator is assumed typical
of the crowd rather than uniform. Everything else is as in ``dawid_skene`` (majority-vote start,
0.01 smoothing, lone answers stand and stay out of the M-step, same stopping rule).

Per set it prints the accuracy of both on the items with truth, and how well each predicts
labels it did not see: for ``--folds`` random splits, one label is held out from 30% of the items
that have two or more, the model is fitted on the rest, and the mean log-probability it gives
the held-out labels is averaged (higher is better).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import digamma

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.quality.consensus import Votes, dawid_skene
from app.quality.consensus.dawid_skene import cross_checked
from app.quality.consensus.encoding import FloatArray, IntArray, vote_counts
from bench.qc_accuracy import DATA, load

SMOOTHING = 0.01
Fit = Callable[[Votes], tuple[FloatArray, FloatArray, IntArray]]  # posterior, confusion, label


def plain(votes: Votes) -> tuple[FloatArray, FloatArray, IntArray]:
    fit = dawid_skene(votes)
    return fit.posterior, fit.confusion, fit.label


def hierarchical(votes: Votes) -> tuple[FloatArray, FloatArray, IntArray]:
    n_items, n_w, k = len(votes.items), len(votes.annotators), len(votes.classes)
    a = sp.csr_matrix(
        (np.ones(votes.n_votes), (votes.item, votes.annotator * k + votes.label)),
        shape=(n_items, n_w * k),
    )
    a_t = a.T.tocsr()
    counts = vote_counts(votes)
    counted = cross_checked(votes)[:, None].astype(np.float64)
    alpha = np.ones((k, k)) + np.eye(k)  # [given, true], a start for the fixed point

    def m_step(posterior: FloatArray) -> tuple[FloatArray, FloatArray]:
        expected = np.asarray(a_t @ (posterior * counted)).reshape(n_w, k, k)
        for t in range(k):
            alpha[:, t] = _dirichlet_multinomial(expected[:, :, t], alpha[:, t])
        c = expected + alpha + SMOOTHING
        log_conf = np.log(c / c.sum(axis=1, keepdims=True)).reshape(n_w * k, k)
        prior = (posterior * counted).sum(axis=0) + SMOOTHING
        return log_conf, np.log(prior / prior.sum())

    posterior = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    log_conf, log_prior = m_step(posterior)
    log_lik = -np.inf
    for _ in range(100):
        joint = np.asarray(a @ log_conf) + log_prior
        top = joint.max(axis=1, keepdims=True)
        e = np.exp(joint - top)
        total = e.sum(axis=1, keepdims=True)
        posterior = e / total
        log_conf, log_prior = m_step(posterior)
        new = float(np.sum(top + np.log(total)))
        if (new - log_lik) / max(votes.n_votes, 1) < 1e-5:
            break
        log_lik = new
    label: IntArray = np.argmax(posterior, axis=1)
    alone = counted[:, 0] == 0
    label[alone] = np.argmax(counts[alone], axis=1)
    confusion = np.exp(log_conf.reshape(n_w, k, k)).transpose(0, 2, 1)
    return posterior, confusion, label


def _dirichlet_multinomial(rows: FloatArray, alpha: FloatArray) -> FloatArray:
    """Maximum-likelihood Dirichlet parameters for the count rows (Minka's fixed point)."""
    rows = rows[rows.sum(axis=1) > 0]
    n = rows.sum(axis=1)
    for _ in range(200):
        total = alpha.sum()
        num = np.sum(digamma(rows + alpha) - digamma(alpha), axis=0)
        den = np.sum(digamma(n + total) - digamma(total))
        new = np.maximum(alpha * num / den, 1e-6)
        done = np.max(np.abs(new - alpha)) < 1e-6 * np.max(alpha)
        alpha = new
        if done:
            break
    return alpha


def held_out(votes: Votes, fit: Fit, folds: int) -> float:
    """Mean log-probability of held-out labels given the rest (see the module doc)."""
    n_items = len(votes.items)
    scores = []
    for fold in range(folds):
        rng = np.random.default_rng(fold)
        order = rng.permutation(votes.n_votes)
        per_item = np.bincount(votes.item, minlength=n_items)
        chosen = rng.random(n_items) < 0.3
        taken = np.zeros(n_items, dtype=bool)
        hold = np.zeros(votes.n_votes, dtype=bool)
        for j in order.tolist():
            i = int(votes.item[j])
            if chosen[i] and per_item[i] >= 2 and not taken[i]:
                taken[i] = hold[j] = True
        keep = ~hold
        train = Votes(
            votes.classes,
            votes.items,
            votes.annotators,
            votes.item[keep],
            votes.annotator[keep],
            votes.label[keep],
        )
        posterior, confusion, _ = fit(train)
        item, who, label = votes.item[hold], votes.annotator[hold], votes.label[hold]
        p = np.sum(posterior[item] * confusion[who, :, label], axis=1)
        scores.append(float(np.mean(np.log(p))))
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    print("| set | plain DS | hierarchical | held-out log-lik plain | hierarchical |")
    print("|---|---|---|---|---|")
    for folder in sorted(p for p in args.data.iterdir() if (p / "answers.csv").exists()):
        votes, scored, expected = load(folder)
        cells = [folder.name]
        for fit in (plain, hierarchical):
            label = fit(votes)[2]
            cells.append(f"{100 * float(np.mean(label[scored] == expected)):.2f}")
        cells += [f"{held_out(votes, fit, args.folds):.4f}" for fit in (plain, hierarchical)]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
