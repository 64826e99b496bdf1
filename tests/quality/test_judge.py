"""From an item's labels to its verdict, per label kind (pure, with stored answer shapes)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.labeling.answers import parse_schema
from app.quality.judge import Judge, Vote
from app.quality.model import ClassModel
from app.quality.refit import fit_class_model

A, B, C = (uuid.UUID(int=i) for i in (1, 2, 3))
SINGLE = parse_schema({"kind": "text_classification", "labels": [{"name": "pos"}, {"name": "neg"}]})
MULTI = parse_schema(
    {"kind": "image_classification", "multi": True, "labels": [{"name": "cat"}, {"name": "dog"}]}
)
BOXES = parse_schema({"kind": "image_boxes", "labels": [{"name": "car"}, {"name": "person"}]})
POLYS = parse_schema({"kind": "image_polygons", "labels": [{"name": "road"}]})
SPANS = parse_schema({"kind": "text_spans", "labels": [{"name": "PER"}, {"name": "LOC"}]})


def _votes(*answers: Any) -> list[Vote]:
    return [Vote(i, who, ans) for i, (who, ans) in enumerate(zip((A, B, C), answers, strict=False))]


def test_single_label_before_any_fit_assumes_75_percent_annotators() -> None:
    v = Judge(SINGLE, None).item(_votes({"label": "pos"}, {"label": "pos"}, {"label": "neg"}))
    # Two classes: pos 0.75·0.75·0.25 vs neg 0.25·0.25·0.75 → 0.75.
    assert v.answer == {"label": "pos"}
    assert v.confidence == pytest.approx(0.75)
    assert v.agrees == {0: True, 1: True, 2: False}
    assert v.method == "vote"
    assert v.agreement == pytest.approx(1 / 3)


def test_single_label_ties_go_to_the_first_class_of_the_schema() -> None:
    v = Judge(SINGLE, None).item(_votes({"label": "neg"}, {"label": "pos"}))
    assert v.answer == {"label": "pos"}
    assert v.confidence == pytest.approx(0.5)


def test_a_fitted_model_trusts_the_reliable_annotator() -> None:
    # A and B agree on 20 items; C answers the opposite of them on every other item.
    rows = []
    for i in range(20):
        truth = "pos" if i % 2 else "neg"
        rows += [(i, str(A), truth), (i, str(B), truth)]
        rows.append((i, str(C), truth if i % 4 else ("neg" if truth == "pos" else "pos")))
    fitted = fit_class_model(rows, ["pos", "neg"], {})
    assert fitted is not None
    model = ClassModel.from_json(fitted.to_json())
    judge = Judge(SINGLE, model)
    alone = judge.item([Vote(0, A, {"label": "neg"}), Vote(1, C, {"label": "pos"})])
    assert alone.answer == {"label": "neg"}
    assert alone.method == "dawid_skene"
    assert model.accuracy[str(C)] < model.accuracy[str(A)]


def test_a_lone_label_stands_with_the_models_doubt_as_its_confidence() -> None:
    # C always answers the opposite of A and B: the model learns to flip C's answers. On an item
    # only C has labeled, C's answer stands (nobody checked it), with a confidence that says
    # the model does not believe it; the decision rules act on that (another annotator).
    rows = []
    for i in range(20):
        truth = "pos" if i % 2 else "neg"
        flipped = "neg" if truth == "pos" else "pos"
        rows += [(i, str(A), truth), (i, str(B), truth), (i, str(C), flipped)]
    rows.append((99, str(C), "pos"))  # alone in the fit too: it teaches C's matrix nothing
    fitted = fit_class_model(rows, ["pos", "neg"], {})
    assert fitted is not None
    judge = Judge(SINGLE, ClassModel.from_json(fitted.to_json()))
    alone = judge.item([Vote(0, C, {"label": "pos"})])
    assert alone.answer == {"label": "pos"}
    assert alone.confidence < 0.1
    assert alone.agrees == {0: True}
    checked = judge.item([Vote(0, C, {"label": "pos"}), Vote(1, A, {"label": "neg"})])
    assert checked.answer == {"label": "neg"}


def test_no_model_until_a_label_is_cross_checked_and_unmeasured_annotators_get_the_default() -> (
    None
):
    assert fit_class_model([(1, str(A), "pos"), (2, str(B), "neg")], ["pos", "neg"], {}) is None
    rows = [(i, str(who), "pos") for i in range(5) for who in (A, B)] + [(9, str(C), "neg")]
    fitted = fit_class_model(rows, ["pos", "neg"], {})
    assert fitted is not None
    assert set(fitted.accuracy) == set(fitted.log_confusion) == {str(A), str(B)}


def test_multi_label_decides_each_class() -> None:
    v = Judge(MULTI, None).item(
        _votes({"labels": ["cat", "dog"]}, {"labels": ["cat"]}, {"labels": ["cat"]})
    )
    assert v.answer == {"labels": ["cat"]}
    assert v.agrees == {0: False, 1: True, 2: True}


def _box(x: float, label: str = "car") -> dict[str, Any]:
    return {"label": label, "x": x, "y": 10.0, "w": 100.0, "h": 50.0}


def test_boxes_fuse_and_judge_each_drawing() -> None:
    v = Judge(BOXES, None).item(_votes({"boxes": [_box(10)]}, {"boxes": [_box(12)]}, {"boxes": []}))
    (fused,) = v.answer["boxes"]
    assert fused["label"] == "car"
    assert fused["x"] == pytest.approx(11)
    # Pairs: A-B match (F1 1), A-C and B-C nothing in common (F1 0) → 1/3.
    assert v.agreement == pytest.approx(1 / 3)
    assert v.confidence == pytest.approx(1 / 3)
    assert v.agrees == {0: True, 1: True, 2: False}
    assert v.method == "box_fusion"


def test_boxes_of_another_class_do_not_match() -> None:
    judge = Judge(BOXES, None)
    assert not judge.agrees({"boxes": [_box(10, "person")]}, {"boxes": [_box(10)]})
    assert judge.gold({"boxes": [_box(11)]}, {"boxes": [_box(10)]})


def test_nobody_drawing_anything_is_full_agreement() -> None:
    v = Judge(BOXES, None).item(_votes({"boxes": []}, {"boxes": []}))
    assert v.answer == {"boxes": []}
    assert v.confidence == 1.0
    assert all(v.agrees.values())


def test_polygons() -> None:
    square = {"label": "road", "points": [[0, 0], [100, 0], [100, 100], [0, 100]]}
    shifted = {"label": "road", "points": [[5, 0], [105, 0], [105, 100], [5, 100]]}
    v = Judge(POLYS, None).item(_votes({"polygons": [square]}, {"polygons": [shifted]}))
    assert len(v.answer["polygons"]) == 1
    assert v.confidence == pytest.approx(1.0)
    assert v.agrees == {0: True, 1: True}


def _span(start: int, end: int, label: str = "PER") -> dict[str, Any]:
    return {"start": start, "end": end, "label": label, "text": "x" * (end - start)}


def test_spans_vote_by_character() -> None:
    v = Judge(SPANS, None).item(
        _votes({"spans": [_span(0, 3)]}, {"spans": [_span(0, 3)]}, {"spans": [_span(0, 2)]})
    )
    assert [(s["start"], s["end"], s["label"]) for s in v.answer["spans"]] == [(0, 3, "PER")]
    assert v.agrees == {0: True, 1: True, 2: False}
