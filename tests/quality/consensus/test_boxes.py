"""Boxes: IoU, grouping, fusion and agreement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quality.consensus import Box, box_consensus, box_iou, boxes_from_answer


def test_iou_by_hand() -> None:
    a = np.array([[0.0, 0.0, 10.0, 10.0]])
    b = np.array([[5.0, 0.0, 10.0, 10.0], [20.0, 20.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    # Overlap 5x10 = 50, union 100 + 100 - 50 = 150 -> 1/3; disjoint -> 0; zero area -> 0.
    assert box_iou(a, b)[0].tolist() == pytest.approx([1 / 3, 0.0, 0.0])


def test_three_annotators_fused_with_weights() -> None:
    answers = {
        "a": [Box(0, 0, 10, 10, "car")],
        "b": [Box(2, 0, 10, 10, "car")],  # IoU with a: 80 / 120 = 2/3
        "c": [Box(100, 100, 5, 5, "car")],  # alone: 1 vote of 3, dropped
    }
    result = box_consensus(answers, weights={"a": 3.0, "b": 1.0})
    (fused,) = result.boxes
    # x = (3*0 + 1*2) / 4 = 0.5; the rest equal.
    assert fused.box == Box(0.5, 0.0, 10.0, 10.0, "car")
    assert fused.votes == 2
    assert fused.annotators == ("a", "b")
    assert fused.support == pytest.approx(4 / 5)  # weights 3+1 of 3+1+1
    assert fused.mean_iou == pytest.approx(2 / 3)
    # Pairs: a-b F1 1 (one match), a-c 0, b-c 0 -> 1/3; matched IoU only a-b: 2/3.
    assert result.agreement.mean_f1 == pytest.approx(1 / 3)
    assert result.agreement.mean_iou == pytest.approx(2 / 3)
    assert result.as_answer() == {
        "boxes": [{"label": "car", "x": 0.5, "y": 0.0, "w": 10.0, "h": 10.0}]
    }


def test_labels_must_match() -> None:
    answers = {"a": [Box(0, 0, 10, 10, "car")], "b": [Box(0, 0, 10, 10, "bus")]}
    result = box_consensus(answers, min_votes=1)
    assert [f.votes for f in result.boxes] == [1, 1]
    assert result.agreement.mean_f1 == 0.0
    assert result.agreement.mean_iou is None  # shapes drawn, none matched


def test_one_box_per_annotator_per_group() -> None:
    # a drew two overlapping boxes; b one: a's second box must not join the same group.
    answers = {"a": [Box(0, 0, 10, 10), Box(1, 0, 10, 10)], "b": [Box(0, 0, 10, 10)]}
    result = box_consensus(answers)
    assert len(result.boxes) == 1
    assert result.boxes[0].annotators == ("a", "b")
    assert result.agreement.mean_f1 == pytest.approx(2 * 1 / 3)


def test_hungarian_finds_the_matching_greedy_would_miss() -> None:
    # Same height, x offset d: IoU (10-d)/(10+d). a1 overlaps b1 best (d 1: .82) and b2 too
    # (d 3: .54); a2 overlaps only b1 (d 2: .67). Greedy takes a1-b1 first and strands a2; the
    # optimal matching is a1-b2 and a2-b1: two pairs.
    a = [Box(0, 0, 10, 10), Box(-3, 0, 10, 10)]
    b = [Box(-1, 0, 10, 10), Box(3, 0, 10, 10)]
    coords = np.array([[x.x, x.y, x.w, x.h] for x in a + b])
    iou = box_iou(coords, coords)
    assert iou[0, 2] > iou[0, 3] >= 0.5
    assert iou[1, 2] >= 0.5 > iou[1, 3]
    assert box_consensus({"a": a, "b": b}).agreement.mean_f1 == 1.0


def test_empty_answers_and_single_annotator() -> None:
    nothing = box_consensus({"a": [], "b": [], "c": []})
    assert nothing.boxes == ()
    assert (nothing.agreement.mean_f1, nothing.agreement.mean_iou) == (1.0, 1.0)
    solo = box_consensus({"a": [Box(1, 2, 3, 4)]})
    assert [f.box for f in solo.boxes] == [Box(1, 2, 3, 4)]
    assert solo.agreement.pairs == 0
    assert solo.agreement.mean_f1 is None
    # One annotator drew, two did not: 1 of 3 votes is no majority.
    assert box_consensus({"a": [Box(0, 0, 5, 5)], "b": [], "c": []}).boxes == ()


def test_from_answer() -> None:
    answer = {"boxes": [{"label": None, "x": 1.5, "y": 2, "w": 3, "h": 4}]}
    assert boxes_from_answer(answer) == [Box(1.5, 2.0, 3.0, 4.0, None)]


coordinate = st.floats(0, 2000).map(lambda v: round(v, 3))
size = st.floats(1, 500).map(lambda v: round(v, 3))
box = st.builds(Box, coordinate, coordinate, size, size, st.sampled_from(["car", "bus", None]))


@settings(deadline=None)  # timing varies on a loaded machine; size is bounded
@given(boxes=st.lists(box, max_size=6), annotators=st.integers(1, 5))
def test_identical_answers_fuse_to_themselves(boxes: list[Box], annotators: int) -> None:
    # Stored boxes are rounded to 1/1000 px, as generated here; duplicates within one answer
    # would be ambiguous to match, so they are dropped.
    unique = list(dict.fromkeys(boxes))
    answers = {f"a{n}": unique for n in range(annotators)}
    result = box_consensus(answers)
    assert sorted([f.box for f in result.boxes], key=repr) == sorted(unique, key=repr)
    if annotators > 1:
        assert result.agreement.mean_f1 == 1.0
