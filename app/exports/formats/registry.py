"""The export formats by name: what each holds and its writer (docs/exports.md)."""

from __future__ import annotations

from collections.abc import Mapping

from app.exports.formats import coco, conll, jsonl, label_studio, spacy_json, tables, voc, yolo
from app.exports.formats.base import FormatSpec
from app.exports.records import LabelKind

_ALL: frozenset[LabelKind] = frozenset(
    ("image_classification", "image_boxes", "image_polygons", "text_classification", "text_spans")
)
_ZIP = "application/zip"

FORMATS: Mapping[str, FormatSpec] = {
    spec.name: spec
    for spec in (
        FormatSpec(
            name="jsonl",
            extension=".jsonl",
            content_type="application/x-ndjson",
            kinds=_ALL,
            raw=True,
            description="Brigade's own, lossless: one JSON object per item with its consensus"
            " (and in raw mode every label)",
            write=jsonl.write,
        ),
        FormatSpec(
            name="coco",
            extension=".json",
            content_type="application/json",
            kinds=frozenset(("image_boxes", "image_polygons")),
            raw=True,
            description="COCO detection/segmentation JSON: boxes and polygons",
            write=coco.write,
        ),
        FormatSpec(
            name="yolo",
            extension=".zip",
            content_type=_ZIP,
            kinds=frozenset(("image_boxes", "image_polygons")),
            raw=False,
            description="YOLO (Ultralytics) labels, data.yaml and an image manifest in a zip;"
            " polygons in YOLO's segmentation format",
            write=yolo.write,
        ),
        FormatSpec(
            name="voc",
            extension=".zip",
            content_type=_ZIP,
            kinds=frozenset(("image_boxes",)),
            raw=False,
            description="Pascal VOC XML per image and an image manifest in a zip",
            write=voc.write,
        ),
        FormatSpec(
            name="image_csv",
            extension=".csv",
            content_type="text/csv; charset=utf-8",
            kinds=frozenset(("image_classification",)),
            raw=True,
            description="Image classification as CSV: file name, link, label(s), confidence",
            write=tables.write_image_csv,
        ),
        FormatSpec(
            name="text_csv",
            extension=".csv",
            content_type="text/csv; charset=utf-8",
            kinds=frozenset(("text_classification",)),
            raw=True,
            description="Text classification as CSV: text, label(s), confidence",
            write=tables.write_text_csv,
        ),
        FormatSpec(
            name="text_jsonl",
            extension=".jsonl",
            content_type="application/x-ndjson",
            kinds=frozenset(("text_classification",)),
            raw=True,
            description='Text classification as JSON lines {"text", "label"} (Hugging Face style)',
            write=tables.write_text_jsonl,
        ),
        FormatSpec(
            name="conll",
            extension=".conll",
            content_type="text/plain; charset=utf-8",
            kinds=frozenset(("text_spans",)),
            raw=False,
            description="CoNLL-2003 style BIO tags, one token per line",
            write=conll.write,
        ),
        FormatSpec(
            name="spacy",
            extension=".json",
            content_type="application/json",
            kinds=frozenset(("text_spans", "text_classification")),
            raw=False,
            description="spaCy's JSON training format (spacy convert turns it into .spacy)",
            write=spacy_json.write,
        ),
        FormatSpec(
            name="label_studio",
            extension=".json",
            content_type="application/json",
            kinds=_ALL,
            raw=True,
            description="Label Studio JSON tasks with annotations (and predictions in raw mode)",
            write=label_studio.write,
        ),
    )
}


def unsuitable(name: str, kind: LabelKind, *, raw: bool) -> str | None:
    """Why format ``name`` cannot export a ``kind`` job (in raw mode or not), naming the formats
    that can; None when it can."""
    spec = FORMATS.get(name)
    if spec is None:
        return f"{name!r} is not one of the formats: {', '.join(FORMATS)}"
    fitting = [n for n, s in FORMATS.items() if kind in s.kinds and (s.raw or not raw)]
    if kind not in spec.kinds:
        return f"{name} cannot hold {kind} labels; for this job use one of {', '.join(fitting)}"
    if raw and not spec.raw:
        return (
            f"{name} holds one answer per item, not every annotator's label: export the"
            f" consensus as {name}, or raw labels as one of {', '.join(fitting)}"
        )
    return None
