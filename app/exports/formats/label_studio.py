"""Label Studio's JSON task list (docs/exports.md), and the labeling config that reads it.

One task per item: ``data.image`` (the item's link, else its file name) or ``data.text``, the
item's facts in ``meta``, and its answers as Label Studio results from ``label`` to ``image`` /
``text``: ``choices``, ``rectanglelabels`` and ``polygonlabels`` (percent of the image, with
``original_width``/``original_height``) or ``labels`` (code-point offsets and the text covered).

Consensus mode: the consensus is the task's one annotation (none while it is open). Raw mode:
one annotation per annotator label, and the consensus as a prediction (``model_version``
``brigade-consensus``, ``score`` its confidence), so Label Studio shows it as a pre-annotation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO
from xml.sax.saxutils import quoteattr

from app.exports.formats.base import (
    WriteSummary,
    classes,
    consensus_facts,
    dumps,
    item_facts,
    label_facts,
    selected,
)
from app.exports.formats.shapes import known_shapes
from app.exports.records import ExportItem, ExportJob, LabelKind

FROM_NAME = "label"
CONSENSUS_MODEL = "brigade-consensus"
RESULT_TYPES: Mapping[LabelKind, str] = {
    "image_classification": "choices",
    "image_boxes": "rectanglelabels",
    "image_polygons": "polygonlabels",
    "text_classification": "choices",
    "text_spans": "labels",
}
_CONFIG_TAGS: Mapping[str, tuple[str, str]] = {
    "choices": ("Choices", "Choice"),
    "rectanglelabels": ("RectangleLabels", "Label"),
    "polygonlabels": ("PolygonLabels", "Label"),
    "labels": ("Labels", "Label"),
}


def data_key(kind: LabelKind) -> str:
    """The task data key, which is also the object tag's name (``to_name``)."""
    return "image" if kind.startswith("image_") else "text"


def write(job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool) -> WriteSummary:
    summary = WriteSummary()
    out.write(b"[")
    for item in selected(items, summary, raw=raw, keep_open=True):
        annotations: list[dict[str, Any]] = []
        predictions: list[dict[str, Any]] = []
        consensus = None
        if item.answer is not None:
            consensus = results(job, item, item.answer, summary)
        if raw:
            for label in item.labels:
                found = results(job, item, label.answer, summary)
                if label.origin == "prediction":  # imported from a model: one again
                    model = label.annotator_id or "imported"
                    predictions.append(
                        {"model_version": model, "score": label.score, "result": found}
                    )
                    continue
                annotation = {
                    **_annotation(found),
                    "created_at": label.submitted_at,
                    "lead_time": label.active_ms / 1000,
                    "brigade": label_facts(label),
                }
                if label.origin == "annotation" and label.annotator_id:
                    # Imported from Label Studio: its author goes back as it came (a user id,
                    # or the email of an exported user object).
                    author = label.annotator_id
                    annotation["completed_by"] = (
                        int(author) if author.isdigit() else {"email": author}
                    )
                annotations.append(annotation)
            if consensus is not None:
                predictions.append(
                    {
                        "model_version": CONSENSUS_MODEL,
                        "score": item.confidence,
                        "result": consensus,
                    }
                )
        elif consensus is not None:
            annotations.append({**_annotation(consensus), "brigade": {"consensus": True}})
        task = {
            "id": item.item_id,
            "data": {data_key(job.kind): _data_value(item)},
            "meta": {**item_facts(item), **consensus_facts(item)},
            "annotations": annotations,
            "predictions": predictions,
        }
        out.write(b",\n" if summary.items else b"\n")
        out.write(dumps(task))
        summary.items += 1
        summary.annotations += len(annotations) + len(predictions)
    out.write(b"\n]\n")
    return summary


def results(
    job: ExportJob, item: ExportItem, answer: Mapping[str, Any], summary: WriteSummary
) -> list[dict[str, Any]]:
    """An answer as Label Studio results (regions)."""
    kind = RESULT_TYPES[job.kind]
    common = {"from_name": FROM_NAME, "to_name": data_key(job.kind), "type": kind}
    if kind == "choices":
        names = classes(answer)
        return [{"id": "r1", **common, "value": {"choices": names}}] if names else []
    if kind == "labels":
        return [
            {
                "id": f"r{n}",
                **common,
                "value": {
                    "start": span["start"],
                    "end": span["end"],
                    "text": span.get("text") or (item.text or "")[span["start"] : span["end"]],
                    "labels": [span["label"]],
                },
            }
            for n, span in enumerate(answer.get("spans", ()), start=1)
        ]
    found = known_shapes(item.item_id, answer, set(job.labels), summary)
    if not found:
        return []
    if item.width is None or item.height is None or item.width <= 0 or item.height <= 0:
        summary.warn(f"item {item.item_id}: the image size is unknown; its shapes are left out")
        return []
    width, height = item.width, item.height
    out = []
    for n, shape in enumerate(found, start=1):
        value: dict[str, Any]
        if shape.points is None:
            value = {
                "x": shape.x / width * 100,
                "y": shape.y / height * 100,
                "width": shape.w / width * 100,
                "height": shape.h / height * 100,
                "rotation": 0,
                "rectanglelabels": [shape.label],
            }
        else:
            points = [[x / width * 100, y / height * 100] for x, y in shape.points]
            value = {"points": points, "closed": True, "polygonlabels": [shape.label]}
        out.append(
            {
                "id": f"r{n}",
                **common,
                "original_width": width,
                "original_height": height,
                "image_rotation": 0,
                "value": value,
            }
        )
    return out


def label_config(job: ExportJob) -> str:
    """The Label Studio labeling config (XML) for the job's tasks, to create the project with."""
    kind = RESULT_TYPES[job.kind]
    control, option = _CONFIG_TAGS[kind]
    name = data_key(job.kind)
    object_tag = "Image" if name == "image" else "Text"
    extra = ""
    if kind == "choices":
        extra = ' choice="multiple"' if job.multi else ' choice="single-radio"'
    lines = [
        "<View>",
        f'  <{object_tag} name="{name}" value="${name}"/>',
        f'  <{control} name="{FROM_NAME}" toName="{name}"{extra}>',
    ]
    for label in job.labels:
        title = job.label_titles.get(label, label)
        hint = f" hint={quoteattr(title)}" if title != label else ""
        lines.append(f"    <{option} value={quoteattr(label)}{hint}/>")
    lines += [f"  </{control}>", "</View>", ""]
    return "\n".join(lines)


def _annotation(result: list[dict[str, Any]]) -> dict[str, Any]:
    return {"result": result, "was_cancelled": False, "ground_truth": False}


def _data_value(item: ExportItem) -> str | None:
    if item.kind == "text":
        return item.text
    return item.url or item.file_name
