"""Multi-label: one yes/no decision per class."""

from __future__ import annotations

import pytest

from app.quality.consensus import multilabel_consensus

CLASSES = ["cat", "dog", "car"]


def test_vote_by_hand() -> None:
    # cat: 3/3 ticked -> in; dog: 2/3 -> in; car: 1/3 -> out.
    rows = [
        ("i1", "a", {"cat", "dog"}),
        ("i1", "b", {"cat", "dog", "car"}),
        ("i1", "c", {"cat"}),
    ]
    result = multilabel_consensus(rows, CLASSES, method="vote")
    assert result.labels_of("i1") == ("cat", "dog")
    assert result.probability[0].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3])
    assert result.annotator_accuracy is None


def test_exact_half_is_left_out_and_empty_answers_count() -> None:
    rows = [("i1", "a", {"dog"}), ("i1", "b", set[str]())]
    result = multilabel_consensus(rows, CLASSES, method="vote")
    assert result.labels_of("i1") == ()
    assert result.probability[0, 1] == 0.5


def test_dawid_skene_per_class_learns_an_over_ticker() -> None:
    # "eager" ticks car on every item; the other three tick it only on the items 0-3.
    rows = []
    for i in range(12):
        has_car = i < 4
        for w in ("p", "q", "r"):
            rows.append((i, w, {"cat"} | ({"car"} if has_car else set())))
        rows.append((i, "eager", {"cat", "car"}))
    result = multilabel_consensus(rows, CLASSES)
    assert [result.labels_of(i) for i in (0, 8)] == [("cat", "car"), ("cat",)]
    assert result.annotator_accuracy is not None
    eager = result.annotators.index("eager")
    assert result.annotator_accuracy[eager, 2] < result.annotator_accuracy[0, 2]
    # On an item only "eager" answered, their car stands, the model's doubt in its probability.
    alone = multilabel_consensus([*rows, ("alone", "eager", {"cat", "car"})], CLASSES)
    assert alone.labels_of("alone") == ("cat", "car")
    assert alone.probability[alone.items.index("alone"), 2] < 0.5


def test_gold_and_unknown_labels() -> None:
    rows = [("i1", "a", {"cat"}), ("i1", "b", {"dog"})]
    result = multilabel_consensus(rows, CLASSES, gold={"i1": {"dog"}})
    assert result.labels_of("i1") == ("dog",)
    with pytest.raises(ValueError, match="unknown label"):
        multilabel_consensus([("i1", "a", {"cow"})], CLASSES)
