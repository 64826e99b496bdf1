"""Polygons: IoU, repair of invalid outlines, the weighted region vote."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quality.consensus import PolygonShape, polygon_consensus, polygons_from_answer
from app.quality.consensus.polygons import polygon_iou, to_geometry


def square(x: float, y: float, side: float = 10, label: str | None = None) -> PolygonShape:
    return PolygonShape(((x, y), (x + side, y), (x + side, y + side), (x, y + side)), label)


def test_iou_by_hand() -> None:
    geoms = [to_geometry(square(0, 0)), to_geometry(square(5, 0)), to_geometry(square(50, 50))]
    iou = polygon_iou(geoms)
    assert iou[0, 1] == pytest.approx(50 / 150)  # overlap 5x10, union 150
    assert iou[0, 2] == 0.0
    assert iou[1, 1] == 1.0


def test_a_bowtie_is_repaired_not_dropped() -> None:
    # Self-intersecting outline (0,0)-(10,10)-(10,0)-(0,10): two triangles of area 25 each.
    bowtie = to_geometry(PolygonShape(((0, 0), (10, 10), (10, 0), (0, 10))))
    assert bowtie.is_valid
    assert bowtie.area == pytest.approx(50)


def test_majority_region_of_three_shifted_squares() -> None:
    # Covered by at least 2 of 3: [1,10]x[0,10] (a and b) and [0,10]x[1,10] (a and c): the
    # square [0,10]^2 without its corner [0,1)x[0,1).
    answers = {"a": [square(0, 0)], "b": [square(1, 0)], "c": [square(0, 1)]}
    result = polygon_consensus(answers)
    (fused,) = result.polygons
    assert fused.method == "vote"
    assert set(fused.polygon.points) == {(1, 0), (1, 1), (0, 1), (0, 10), (10, 10), (10, 0)}
    assert fused.votes == 3
    assert fused.support == 1.0
    assert result.agreement.mean_f1 == 1.0


def test_weights_decide_the_region() -> None:
    # Two annotators: a (weight 3) outweighs b alone, so the region is a's square.
    answers = {"a": [square(0, 0)], "b": [square(2, 0)]}
    result = polygon_consensus(answers, weights={"a": 3.0})
    assert set(result.polygons[0].polygon.points) == {(0, 0), (10, 0), (10, 10), (0, 10)}
    # Equal weights: more than half means both, the intersection [2,10]x[0,10].
    equal = polygon_consensus(answers)
    assert set(equal.polygons[0].polygon.points) == {(2, 0), (10, 0), (10, 10), (2, 10)}


def test_labels_empty_answers_and_single_annotator() -> None:
    mismatch = polygon_consensus(
        {"a": [square(0, 0, label="road")], "b": [square(0, 0, label="car")]}
    )
    assert mismatch.polygons == ()
    assert mismatch.agreement.mean_f1 == 0.0
    nothing = polygon_consensus({"a": [], "b": []})
    assert nothing.polygons == ()
    assert nothing.agreement.mean_f1 == 1.0
    solo = polygon_consensus({"a": [square(0, 0)]})
    assert solo.polygons[0].method == "single"
    assert solo.as_answer() == {
        "polygons": [{"label": None, "points": [[0, 0], [10, 0], [10, 10], [0, 10]]}]
    }


def test_from_answer() -> None:
    answer = {"polygons": [{"label": "road", "points": [[0, 0], [4, 0], [0, 3]]}]}
    assert polygons_from_answer(answer) == [PolygonShape(((0, 0), (4, 0), (0, 3)), "road")]


@settings(max_examples=30, deadline=None)
@given(
    x=st.integers(0, 1000),
    y=st.integers(0, 1000),
    side=st.integers(1, 300),
    annotators=st.integers(1, 5),
)
def test_identical_polygons_fuse_to_themselves(x: int, y: int, side: int, annotators: int) -> None:
    shape = square(x, y, side)
    result = polygon_consensus({n: [shape] for n in range(annotators)})
    (fused,) = result.polygons
    assert set(fused.polygon.points) == set(shape.points)
