"""Dawid-Skene: against a plain-Python EM, by hand on tiny cases, and its guarantees."""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quality.consensus import Votes, dawid_skene, encode_votes, majority_vote

CLASSES = ["a", "b"]


def reference_em(votes: Votes, smoothing: float, iterations: int) -> list[list[float]]:
    """The textbook algorithm, loops and dicts, same start and smoothing: the oracle."""
    k, n_items, n_w = len(votes.classes), len(votes.items), len(votes.annotators)
    rows = list(
        zip(votes.item.tolist(), votes.annotator.tolist(), votes.label.tolist(), strict=True)
    )
    post = [[0.0] * k for _ in range(n_items)]
    for i, _, lab in rows:
        post[i][lab] += 1
    post = [[x / sum(p) for x in p] for p in post]
    # Only items two or more annotators labeled are counted in the M-step.
    crossed = {i for i in range(n_items) if len({w for j, w, _ in rows if j == i}) >= 2}
    for _ in range(iterations + 1):
        counts = [[[smoothing] * k for _ in range(k)] for _ in range(n_w)]  # [w][true][given]
        for i, w, lab in rows:
            for t in range(k):
                counts[w][t][lab] += post[i][t] if i in crossed else 0.0
        conf = [[[c / sum(row) for c in row] for row in m] for m in counts]
        prior = [sum(p[t] for i, p in enumerate(post) if i in crossed) for t in range(k)]
        prior = [x + smoothing for x in prior]
        prior = [x / sum(prior) for x in prior]
        if _ == iterations:
            break
        logs = [[math.log(prior[t]) for t in range(k)] for _ in range(n_items)]
        for i, w, lab in rows:
            for t in range(k):
                logs[i][t] += math.log(conf[w][t][lab])
        post = []
        for row in logs:
            top = max(row)
            e = [math.exp(x - top) for x in row]
            post.append([x / sum(e) for x in e])
    return post


def test_matches_plain_python_em_step_for_step() -> None:
    rng = np.random.default_rng(5)
    rows = [
        (f"i{i}", f"w{w}", ["a", "b", "c"][int(rng.integers(3))])
        for i in range(30)
        for w in rng.choice(6, 3, replace=False)
    ]
    rows += [(f"alone{i}", f"w{i}", "c") for i in range(4)]  # not cross-checked
    votes = encode_votes(rows, ["a", "b", "c"])
    for max_iter in (1, 4):
        fit = dawid_skene(votes, smoothing=0.1, max_iter=max_iter, tol=1e-12)
        assert fit.iterations == max_iter
        assert np.allclose(fit.posterior, reference_em(votes, 0.1, max_iter), atol=1e-10)


def test_a_reliable_annotator_outvotes_two_who_are_often_wrong() -> None:
    # r always agrees with the truth on 8 calibration items where s1 and s2 split; on item "x",
    # s1 and s2 say b, r says a. Majority says b; the model has learned s1/s2 are coin flips.
    rows: list[tuple[Hashable, str, str]] = []
    for n in range(8):
        truth = "a" if n % 2 else "b"
        other = "b" if truth == "a" else "a"
        rows += [(n, "r", truth), (n, "s1", truth if n < 4 else other), (n, "s2", other)]
        rows += [(n, "g1", truth), (n, "g2", truth)]
    rows += [("x", "r", "a"), ("x", "s1", "b"), ("x", "s2", "b")]
    votes = encode_votes(rows, CLASSES)
    assert majority_vote(votes).label_of("x") == "b"
    fit = dawid_skene(votes)
    assert fit.label_of("x") == "a"
    assert fit.accuracy_of("r") > 0.95
    assert fit.accuracy_of("s2") < 0.1  # always wrong: the model learns to flip them


def test_unanimous_votes_give_confident_posteriors() -> None:
    rows = [(i, w, CLASSES[i % 2]) for i in range(10) for w in ("p", "q", "r")]
    fit = dawid_skene(encode_votes(rows, CLASSES))
    assert fit.label.tolist() == [i % 2 for i in range(10)]
    assert np.all(fit.confidence > 0.99)
    assert fit.converged
    assert np.allclose(fit.posterior.sum(axis=1), 1.0)
    assert np.allclose(fit.confusion.sum(axis=2), 1.0)
    assert fit.class_prior == pytest.approx([0.5, 0.5], abs=1e-3)


def test_gold_items_keep_their_truth_and_teach_the_model() -> None:
    # Two annotators who always disagree: without gold the model cannot know who is right;
    # six gold items where "good" was right make "good" win on the open item.
    rows = [(i, "good", "a") for i in range(7)] + [(i, "bad", "b") for i in range(7)]
    votes = encode_votes(rows, CLASSES)
    gold = {i: "a" for i in range(6)}
    fit = dawid_skene(votes, gold=gold)
    assert fit.posterior[:6].tolist() == [[1.0, 0.0]] * 6
    assert fit.label_of(6) == "a"
    assert fit.accuracy_of("good") > 0.8 > 0.2 > fit.accuracy_of("bad")
    with pytest.raises(ValueError, match="unknown label"):
        dawid_skene(votes, gold={0: "zebra"})


def test_an_annotator_with_one_label_is_not_a_degenerate_matrix() -> None:
    rows = [(i, w, "a" if i < 5 else "b") for i in range(10) for w in ("p", "q", "r")]
    rows.append((0, "once", "b"))
    fit = dawid_skene(encode_votes(rows, CLASSES))
    w = fit.annotators.index("once")
    # The row of the class they never saw is uniform, not 0/1; every cell is positive.
    assert fit.confusion[w, 1].tolist() == pytest.approx([0.5, 0.5])
    assert np.all(fit.confusion[w] > 0)
    assert fit.label_of(0) == "a"


def test_single_annotator_follows_their_labels() -> None:
    fit = dawid_skene(encode_votes([(1, "solo", "a"), (2, "solo", "b")], CLASSES))
    assert [fit.label_of(1), fit.label_of(2)] == ["a", "b"]


def test_a_lone_answer_stands_and_teaches_its_author_nothing() -> None:
    # 30 items checked by p and q, mostly "a": a skewed class prior. "expert" shares two of them
    # and labels eight items nobody else saw. Counting those would credit the expert with
    # agreeing with the model's own guess; they keep the expert's answer instead.
    rows: list[tuple[Hashable, str, str]] = []
    for i in range(30):
        truth = "a" if i < 26 else "b"
        rows += [(i, "p", truth), (i, "q", truth)]
    rows += [(0, "expert", "a"), (27, "expert", "b")]
    alone = {f"alone{n}": "b" if n % 2 else "a" for n in range(8)}
    rows += [(item, "expert", answer) for item, answer in alone.items()]
    fit = dawid_skene(encode_votes(rows, CLASSES))
    assert {item: fit.label_of(item) for item in alone} == alone
    i = fit.items.index("alone1")
    assert fit.confidence_of("alone1") == fit.posterior[i, 1]
    assert not fit.counted[i]
    assert fit.counted[fit.items.index(0)]
    w = fit.annotators.index("expert")
    assert fit.evidence[w] == 2
    assert fit.confusion_counts[w].sum() == pytest.approx(2.0)


def test_one_annotator_twice_is_not_a_cross_check_but_a_lone_gold_item_counts() -> None:
    rows: list[tuple[Hashable, str, str]] = [(i, w, "a") for i in range(6) for w in ("p", "q")]
    rows += [("twice", "solo", "b"), ("twice", "solo", "b"), ("g", "solo", "b")]
    fit = dawid_skene(encode_votes(rows, CLASSES), gold={"g": "a"})
    assert not fit.counted[fit.items.index("twice")]
    assert fit.counted[fit.items.index("g")]
    assert fit.label_of("twice") == "b"
    solo = fit.annotators.index("solo")
    assert fit.evidence[solo] == 1
    assert fit.confusion_counts[solo].tolist() == [[0.0, 1.0], [0.0, 0.0]]  # truth a, said b


def test_ties_go_to_the_schema_order_and_parameters_are_checked() -> None:
    # One item, one a and one b from two annotators seen nowhere else: a perfect tie.
    fit = dawid_skene(encode_votes([(1, "p", "b"), (1, "q", "a")], CLASSES))
    assert fit.posterior[0].tolist() == pytest.approx([0.5, 0.5])
    assert fit.label_of(1) == "a"
    with pytest.raises(ValueError, match="smoothing"):
        dawid_skene(encode_votes([(1, "p", "a")], CLASSES), smoothing=0)


def test_empty_votes() -> None:
    fit = dawid_skene(encode_votes([], CLASSES))
    assert fit.items == ()
    assert fit.posterior.shape == (0, 2)


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 5), st.sampled_from(["a", "b", "c"])),
        min_size=1,
        max_size=60,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_deterministic_and_row_order_free(rows: list[tuple[int, int, str]], seed: int) -> None:
    votes = encode_votes(rows, ["a", "b", "c"])
    first, again = dawid_skene(votes), dawid_skene(votes)
    assert np.array_equal(first.posterior, again.posterior)
    shuffled = [rows[i] for i in np.random.default_rng(seed).permutation(len(rows))]
    other = dawid_skene(encode_votes(shuffled, ["a", "b", "c"]))
    for item in first.items:
        i, j = first.items.index(item), other.items.index(item)
        assert first.posterior[i] == pytest.approx(other.posterior[j], abs=1e-6)
