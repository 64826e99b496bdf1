"""Agreement statistics against published examples and small hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quality.consensus import (
    agreement_with_consensus,
    class_agreement,
    encode_votes,
    fleiss_kappa,
    krippendorff_alpha,
    majority_vote,
    observed_agreement,
    pairwise_cohen_kappa,
)


def _from_matrix(data: list[list[int | None]], classes: list[str]) -> list[tuple[int, str, str]]:
    """Reliability data: rows are annotators, columns items, None where not answered."""
    return [
        (item, f"coder{c}", str(value))
        for c, row in enumerate(data)
        for item, value in enumerate(row)
        if value is not None
    ]


def test_krippendorff_published_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders, 12 units,
    # nominal alpha = 0.743 (the `krippendorff` package gives 0.743421052631579).
    data: list[list[int | None]] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    votes = encode_votes(_from_matrix(data, []), ["1", "2", "3", "4", "5"])
    assert krippendorff_alpha(votes) == pytest.approx(0.743421052631579, abs=1e-12)


def test_krippendorff_matches_the_reference_package_on_random_data() -> None:
    # Generated with numpy seed 3; expected value from `krippendorff.alpha(..., "nominal")`.
    data: list[list[int | None]] = [
        [2, 0, 0, 0, None, 2, 2, None, 0, 0, None, 1],
        [1, 1, 0, None, 2, 2, 0, 0, 1, 1, 2, None],
        [1, 1, 1, None, 0, 2, 2, 2, 2, 0, 0, None],
        [None, 2, 2, 0, 2, None, 0, None, 2, 0, 0, 0],
    ]
    votes = encode_votes(_from_matrix(data, []), ["0", "1", "2"])
    assert krippendorff_alpha(votes) == pytest.approx(0.016522988505747183, abs=1e-12)


def test_fleiss_published_example() -> None:
    # Fleiss' kappa example (Wikipedia, after Fleiss 1971): 10 items, 14 raters, 5 classes;
    # P-bar 0.378, P-e 0.213, kappa 0.210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    rows = [
        (i, f"r{j}", str(c)) for i, counts in enumerate(table) for c, n in enumerate(counts)
        for j in range(n)
    ]  # fmt: skip
    kappa = fleiss_kappa(encode_votes(rows, [str(c) for c in range(5)]))
    assert kappa == pytest.approx(0.2099, abs=1e-4)


def test_fleiss_with_varying_raters_by_hand() -> None:
    # i1: a,a,b (3 raters): agreeing ordered pairs 2 of 6 -> 1/3. i2: a,a -> 1. i3: b alone,
    # dropped. Mean P = 2/3. Class shares over kept votes: a 4/5, b 1/5 -> Pe = 17/25.
    rows = [
        (1, "p", "a"),
        (1, "q", "a"),
        (1, "r", "b"),
        (2, "p", "a"),
        (2, "q", "a"),
        (3, "p", "b"),
    ]
    votes = encode_votes(rows, ["a", "b"])
    assert fleiss_kappa(votes) == pytest.approx((2 / 3 - 17 / 25) / (1 - 17 / 25))
    # Observed: agreeing ordered pairs (2 + 2) / all pairs (6 + 2) = 1/2.
    assert observed_agreement(votes) == pytest.approx(0.5)


def test_undefined_statistics_are_none() -> None:
    one_class = encode_votes([(1, "p", "a"), (1, "q", "a")], ["a", "b"])
    assert krippendorff_alpha(one_class) is None  # no variation: 0/0
    assert fleiss_kappa(one_class) is None
    single = encode_votes([(1, "p", "a"), (2, "p", "b")], ["a", "b"])
    assert krippendorff_alpha(single) is None  # nothing pairable
    assert observed_agreement(single) is None


def test_cohen_kappa_matrix_by_hand() -> None:
    # p and q on 4 items: (a,a) (a,a) (b,b) (a,b). po = 3/4; marginals p: a 3/4 b 1/4,
    # q: a 1/2 b 1/2 -> pe = 3/8 + 1/8 = 1/2; kappa = (3/4 - 1/2) / (1/2) = 1/2.
    rows = [(1, "p", "a"), (1, "q", "a"), (2, "p", "a"), (2, "q", "a")]
    rows += [(3, "p", "b"), (3, "q", "b"), (4, "p", "a"), (4, "q", "b")]
    rows += [(1, "r", "a")]  # r shares one item with each: below min_shared
    rows += [(1, "p", "b")]  # p's second vote on item 1 is ignored (first vote counts)
    result = pairwise_cohen_kappa(encode_votes(rows, ["a", "b"]), min_shared=2)
    p, q, r = (result.annotators.index(x) for x in "pqr")
    assert result.kappa[p, q] == pytest.approx(0.5)
    assert result.kappa[q, p] == pytest.approx(0.5)
    assert result.shared[p, q] == 4
    assert result.shared[p, r] == 1
    assert math.isnan(result.kappa[p, r])
    assert math.isnan(result.kappa[p, p])


def test_class_agreement_and_agreement_with_consensus() -> None:
    # i1: a,a,b; i2: b,b,b. Class a: agreeing ordered pairs 2, pairs involving a 2*2 -> 1/2.
    # Class b: 0 + 6 = 6 agreeing, involving b 1*2 + 3*2 = 8 -> 3/4.
    rows = [
        (1, "p", "a"),
        (1, "q", "a"),
        (1, "r", "b"),
        (2, "p", "b"),
        (2, "q", "b"),
        (2, "r", "b"),
    ]
    votes = encode_votes(rows, ["a", "b"])
    per_class = class_agreement(votes)
    assert per_class.specific.tolist() == pytest.approx([0.5, 0.75])
    assert per_class.kappa[0] == pytest.approx(per_class.kappa[1])  # two classes: same split
    consensus = majority_vote(votes)
    with_consensus = agreement_with_consensus(votes, consensus.label)
    assert with_consensus.rate.tolist() == pytest.approx([1.0, 1.0, 0.5])
    assert with_consensus.answered.tolist() == [2, 2, 2]


@settings(deadline=None)  # timing varies on a loaded machine; size is bounded
@given(
    labels=st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=20),
    raters=st.integers(2, 6),
)
def test_alpha_and_kappa_are_one_when_all_agree(labels: list[str], raters: int) -> None:
    rows = [(i, r, label) for i, label in enumerate(labels) for r in range(raters)]
    votes = encode_votes(rows, ["a", "b", "c"])
    if len(set(labels)) < 2:  # one class everywhere: chance agreement is 1, undefined
        assert krippendorff_alpha(votes) is None
        return
    assert krippendorff_alpha(votes) == pytest.approx(1.0)
    assert fleiss_kappa(votes) == pytest.approx(1.0)
    assert observed_agreement(votes) == 1.0
    kappa = pairwise_cohen_kappa(votes, min_shared=1).kappa
    off_diagonal = kappa[~np.eye(raters, dtype=bool)]
    assert np.allclose(off_diagonal, 1.0)
