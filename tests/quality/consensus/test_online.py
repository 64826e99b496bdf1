"""Incremental Dawid-Skene: exact bookkeeping, agreement with the fit, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from app.quality.consensus import OnlineDawidSkene, dawid_skene, encode_votes

CLASSES = ["a", "b", "c"]
SMOOTHING = 0.01


def _crowd(seed: int = 3) -> list[tuple[int, str, str]]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, 40)
    rows = []
    for i in range(40):
        for w in rng.choice(8, 3, replace=False):
            right = rng.random() < (0.9 if w < 6 else 0.4)
            rows.append((i, f"w{w}", CLASSES[int(truth[i] if right else rng.integers(3))]))
    return rows


def _labels_of(rows: list[tuple[int, str, str]], item: int) -> list[tuple[str, str]]:
    return [(w, lab) for i, w, lab in rows if i == item]


def test_posterior_of_a_fitted_item_matches_the_fit() -> None:
    rows = _crowd()
    fit = dawid_skene(encode_votes(rows, CLASSES), tol=1e-10)
    online = OnlineDawidSkene(fit)
    for item in (0, 7, 19):
        got = online.posterior(_labels_of(rows, item))
        assert got.posterior == pytest.approx(fit.posterior[fit.items.index(item)], abs=1e-4)
        assert got.label == fit.label_of(item)


def test_a_fold_equals_the_m_step_with_that_item_recomputed() -> None:
    # After folding label (w7, "b") into item 5, the accumulators must equal expected counts
    # computed from scratch: every vote (the new one included) credits its annotator with its
    # item's posterior, item 5's being the one add_label returned.
    rows = _crowd()
    fit = dawid_skene(encode_votes(rows, CLASSES))
    online = OnlineDawidSkene(fit)
    existing = _labels_of(rows, 5)
    result = online.add_label(existing, ("w7", "b"), previous=fit.credited(fit.items.index(5)))

    posterior = {item: fit.posterior[i] for i, item in enumerate(fit.items)}
    posterior[5] = result.posterior
    counts = {str(w): np.zeros((3, 3)) for w in fit.annotators}
    for i, who, lab in [*rows, (5, "w7", "b")]:
        counts[who][:, CLASSES.index(lab)] += posterior[i]
    for who, c in counts.items():
        expected = (c + SMOOTHING) / (c + SMOOTHING).sum(axis=1, keepdims=True)
        assert online.confusion(who) == pytest.approx(expected, abs=1e-12)
    prior = sum(posterior.values()) + SMOOTHING
    assert online.class_prior == pytest.approx(prior / prior.sum(), abs=1e-12)


def test_new_item_new_annotator_and_gold() -> None:
    fit = dawid_skene(encode_votes(_crowd(), CLASSES))
    online = OnlineDawidSkene(fit)
    # A brand-new item: its first label, from a reliable annotator.
    first = online.add_label([], ("w0", "c"))
    assert first.label == "c"
    # A newcomer has uniform rows: their label alone changes nothing.
    assert online.confusion("newbie") == pytest.approx(np.full((3, 3), 1 / 3))
    alone = online.posterior([("w0", "c")]).posterior
    with_newbie = online.posterior([("w0", "c"), ("newbie", "a")]).posterior
    assert with_newbie == pytest.approx(alone)
    online.add_label([("w0", "c")], ("newbie", "a"), previous=first.credited)
    assert online.confusion("newbie")[2, 0] > 1 / 3  # now credited: truth likely c, said a
    # Gold pins the posterior whatever the labels say.
    w0 = online.confusion("w0")
    pinned = online.add_label([("w0", "a")], ("w1", "a"), truth="b")
    assert pinned.posterior.tolist() == [0.0, 1.0, 0.0]
    # w0's label was credited to the gold answer when it was folded: it does not move again.
    assert online.confusion("w0") == pytest.approx(w0, abs=0)
    assert pinned.label == "b"
    assert pinned.confidence == 1.0
    with pytest.raises(ValueError, match="unknown label"):
        online.posterior([("w0", "zebra")])


def test_many_newcomers_grow_the_accumulators() -> None:
    online = OnlineDawidSkene(dawid_skene(encode_votes([], CLASSES)))
    previous = None
    labels: list[tuple[str, str]] = []
    for n in range(20):
        new = (f"n{n}", "a")
        result = online.add_label(labels, new, previous=previous)
        labels.append(new)
        previous = result.credited
    assert result.label == "a"


def test_a_lone_label_is_credited_once_a_second_annotator_joins() -> None:
    rows = _crowd()
    fit = dawid_skene(encode_votes(rows, CLASSES))
    online = OnlineDawidSkene(fit)
    w0, prior = online.confusion("w0"), online.class_prior
    # Against the model, w0's lone "c" stands; it changes no count.
    first = online.add_label([], ("w0", "c"))
    assert first.label == "c"
    assert first.credited is not None
    assert not first.credited.any()
    assert online.confusion("w0") == pytest.approx(w0, abs=0)
    assert online.class_prior == pytest.approx(prior, abs=0)
    # A second annotator: both labels are credited with the item's posterior, as a refit would.
    second = online.add_label([("w0", "c")], ("w1", "b"), previous=first.credited)
    assert second.credited is not None
    assert second.credited == pytest.approx(second.posterior, abs=0)
    counts = {str(w): np.zeros((3, 3)) for w in fit.annotators}
    for i, who, lab in rows:
        counts[who][:, CLASSES.index(lab)] += fit.posterior[fit.items.index(i)]
    counts["w0"][:, 2] += second.posterior
    counts["w1"][:, 1] += second.posterior
    for who in ("w0", "w1"):
        c = counts[who] + SMOOTHING
        assert online.confusion(who) == pytest.approx(c / c.sum(axis=1, keepdims=True), abs=1e-12)


def test_one_update_is_far_under_ten_milliseconds() -> None:
    fit = dawid_skene(encode_votes(_crowd(), CLASSES))
    online = OnlineDawidSkene(fit)
    existing = [("w1", "a"), ("w2", "a"), ("w3", "b"), ("w4", "a")]
    start = time.perf_counter()
    for _ in range(200):
        online.add_label(existing, ("w5", "a"))
    per_update = (time.perf_counter() - start) / 200
    assert per_update < 0.01
