"""The registry: which format holds which label kinds, raw or not, and what the API says when a
format does not fit."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from app.exports.formats import FORMATS, unsuitable
from app.exports.records import ExportItem, LabelKind
from tests.exports.formats.records import export_job, image_item, label, run, text_item

KINDS: tuple[LabelKind, ...] = get_args(LabelKind)

SAMPLES: dict[LabelKind, dict[str, Any]] = {
    "image_classification": {"label": "a"},
    "image_boxes": {"boxes": [{"label": "a", "x": 1.0, "y": 1.0, "w": 5.0, "h": 5.0}]},
    "image_polygons": {"polygons": [{"label": "b", "points": [[1, 1], [9, 1], [5, 7]]}]},
    "text_classification": {"label": "b"},
    "text_spans": {"spans": [{"label": "a", "start": 0, "end": 2, "text": "北京"}]},
}


def sample(kind: LabelKind) -> list[ExportItem]:
    answer = SAMPLES[kind]
    labels = [label(1, answer)]
    if kind.startswith("image_"):
        return [image_item(1, answer, labels=labels), image_item(2, None)]
    return [text_item(1, "北京很大", answer, labels=labels), text_item(2, "上海", None)]


def test_the_formats_and_what_they_hold() -> None:
    assert {name: (sorted(s.kinds), s.raw) for name, s in FORMATS.items()} == {
        "jsonl": (sorted(KINDS), True),
        "coco": (["image_boxes", "image_polygons"], True),
        "yolo": (["image_boxes", "image_polygons"], False),
        "voc": (["image_boxes"], False),
        "image_csv": (["image_classification"], True),
        "text_csv": (["text_classification"], True),
        "text_jsonl": (["text_classification"], True),
        "conll": (["text_spans"], False),
        "spacy": (["text_classification", "text_spans"], False),
        "label_studio": (sorted(KINDS), True),
    }
    for spec in FORMATS.values():
        assert spec.extension.startswith(".")
        assert spec.content_type
        assert spec.description


@pytest.mark.parametrize(
    ("name", "kind"),
    [(n, k) for n, s in FORMATS.items() for k in sorted(s.kinds)],
)
def test_every_format_writes_every_kind_it_holds(name: str, kind: LabelKind) -> None:
    job = export_job(kind, ("a", "b"))
    spec = FORMATS[name]
    data, summary = run(name, job, sample(kind), raw=False)
    assert data
    assert summary.items >= 1
    assert summary.annotations >= 1
    assert summary.warnings == []
    if spec.raw:
        _, summary = run(name, job, sample(kind), raw=True)
        assert summary.items == 2  # raw: the open item too
    else:
        with pytest.raises(ValueError, match="one answer per item"):
            run(name, job, sample(kind), raw=True)
    _, summary = run(name, job, [])  # no items: an empty file of the format
    assert summary.items == 0


def test_unsuitable_says_which_formats_fit() -> None:
    assert unsuitable("coco", "image_boxes", raw=True) is None
    assert unsuitable("coco", "text_spans", raw=False) == (
        "coco cannot hold text_spans labels; for this job use one of jsonl, conll, spacy,"
        " label_studio"
    )
    assert unsuitable("conll", "text_spans", raw=True) == (
        "conll holds one answer per item, not every annotator's label: export the consensus"
        " as conll, or raw labels as one of jsonl, label_studio"
    )
    assert unsuitable("xml", "text_spans", raw=False) == (
        "'xml' is not one of the formats: jsonl, coco, yolo, voc, image_csv, text_csv,"
        " text_jsonl, conll, spacy, label_studio"
    )
