"""Encoding and majority vote."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quality.consensus import encode_truth, encode_votes, majority_vote

CLASSES = ["cat", "dog", "bird"]


def test_encoding_numbers_items_and_annotators_by_first_appearance() -> None:
    votes = encode_votes([("i2", "b", "dog"), ("i1", "a", "cat"), ("i2", "a", "bird")], CLASSES)
    assert votes.items == ("i2", "i1")
    assert votes.annotators == ("b", "a")
    assert votes.item.tolist() == [0, 1, 0]
    assert votes.annotator.tolist() == [0, 1, 1]
    assert votes.label.tolist() == [1, 0, 2]


def test_unknown_label_raises() -> None:
    with pytest.raises(ValueError, match="unknown label 'cow'"):
        encode_votes([("i1", "a", "cow")], CLASSES)


def test_unknown_gold_label_raises_even_on_an_item_without_votes() -> None:
    votes = encode_votes([("i1", "a", "cat")], CLASSES)
    with pytest.raises(ValueError, match="unknown label"):
        encode_truth(votes, {"elsewhere": "cow"})


def test_duplicate_or_missing_classes_raise() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        encode_votes([], ["a", "a"])
    with pytest.raises(ValueError, match="at least one class"):
        encode_votes([], [])


def test_majority_vote_by_hand() -> None:
    # i1: cat, cat, dog -> cat with 2/3; i2: bird alone -> bird with 1/1.
    votes = encode_votes(
        [("i1", "a", "cat"), ("i1", "b", "cat"), ("i1", "c", "dog"), ("i2", "a", "bird")],
        CLASSES,
    )
    result = majority_vote(votes)
    assert result.label_of("i1") == "cat"
    assert result.share_of("i1") == pytest.approx(2 / 3)
    assert result.label_of("i2") == "bird"
    assert result.share_of("i2") == 1.0
    assert result.counts.tolist() == [[2, 1, 0], [0, 0, 1]]


def test_ties_go_to_the_class_listed_first_in_the_schema() -> None:
    # dog vs bird 1:1 -> dog (index 1 before 2), whatever the row order.
    rows = [("i1", "a", "bird"), ("i1", "b", "dog")]
    assert majority_vote(encode_votes(rows, CLASSES)).label_of("i1") == "dog"
    assert majority_vote(encode_votes(rows[::-1], CLASSES)).label_of("i1") == "dog"
    # With the schema reordered the other way, bird wins.
    assert majority_vote(encode_votes(rows, ["bird", "dog", "cat"])).label_of("i1") == "bird"


def test_weighted_vote() -> None:
    # a (weight 3) says cat; b and c (weight 1 each) say dog: cat 3 vs dog 2, share 3/5.
    rows = [("i1", "a", "cat"), ("i1", "b", "dog"), ("i1", "c", "dog")]
    result = majority_vote(encode_votes(rows, CLASSES), weights={"a": 3.0})
    assert result.label_of("i1") == "cat"
    assert result.share_of("i1") == pytest.approx(0.6)
    with pytest.raises(ValueError, match="non-negative"):
        majority_vote(encode_votes(rows, CLASSES), weights={"a": -1.0})


def test_single_annotator_and_empty_input() -> None:
    one = majority_vote(encode_votes([("i1", "a", "bird")], CLASSES))
    assert one.label_of("i1") == "bird"
    assert one.share_of("i1") == 1.0
    empty = majority_vote(encode_votes([], CLASSES))
    assert empty.items == ()
    assert empty.label.shape == (0,)


rows_strategy = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 4), st.sampled_from(CLASSES)),
    min_size=1,
    max_size=40,
)


@settings(deadline=None)  # timing varies on a loaded machine; size is bounded
@given(rows=rows_strategy, seed=st.integers(0, 2**32 - 1))
def test_majority_vote_does_not_depend_on_row_order(
    rows: list[tuple[int, int, str]], seed: int
) -> None:
    shuffled = [rows[i] for i in np.random.default_rng(seed).permutation(len(rows))]
    a = majority_vote(encode_votes(rows, CLASSES))
    b = majority_vote(encode_votes(shuffled, CLASSES))
    for item in a.items:
        assert a.label_of(item) == b.label_of(item)
        assert a.share_of(item) == pytest.approx(b.share_of(item))
