"""COCO object detection / instance segmentation JSON (docs/exports.md).

Written in one pass: the header and the images array go straight to ``out`` while the
annotations are spooled to a temporary file, appended after the images.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, BinaryIO

from app.exports.formats.base import (
    WriteSummary,
    copy_spool,
    dumps,
    label_facts,
    r3,
    sized_images,
    spool,
)
from app.exports.formats.shapes import Shape, known_shapes
from app.exports.records import ExportItem, ExportJob


def write(job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool) -> WriteSummary:
    summary = WriteSummary()
    categories = {name: i for i, name in enumerate(job.labels, start=1)}
    out.write(dumps(_header(job, categories))[:-1] + b',"images":[')
    annotations = _Annotations(categories, summary)
    with spool() as spooled:
        for item, size in sized_images(items, summary, raw=raw):
            summary.items += 1
            image_id = summary.items
            # One write per item (a write call costs as much as encoding a small object).
            out.write((b"," if image_id > 1 else b"") + dumps(_image(image_id, item, size)))
            encoded: list[bytes] = []
            for extra, answer in _answers(item, raw=raw):
                if answer is not None and "boxes" in answer:
                    annotations.add_boxes(encoded, image_id, item.item_id, answer["boxes"], extra)
                else:
                    found = known_shapes(item.item_id, answer, categories, summary)
                    annotations.add(encoded, image_id, found, extra)
            if encoded:
                spooled.write(b"".join(encoded))
        out.write(b'],"annotations":[')
        copy_spool(spooled, out)
    out.write(b"]}")
    return summary


def _header(job: ExportJob, categories: Mapping[str, int]) -> dict[str, Any]:
    made = job.exported_at or datetime.now(UTC)
    return {
        "info": {
            "description": f"Brigade job {job.name} ({job.job_id})",
            "version": "1.0",
            "year": made.year,
            "contributor": "Brigade",
            "url": "",
            "date_created": made.isoformat(),
        },
        "licenses": [],
        "categories": [
            {"id": i, "name": name, "supercategory": ""} for name, i in categories.items()
        ],
    }


def _image(image_id: int, item: ExportItem, size: tuple[int, int]) -> dict[str, Any]:
    image: dict[str, Any] = {
        "id": image_id,
        "file_name": item.file_name,
        "width": size[0],
        "height": size[1],
        "item_id": item.item_id,
        "dataset_id": item.dataset_id,
        "source": item.source,
        "state": item.state,
        "confidence": item.confidence,
        "agreement": item.agreement,
    }
    if item.url is not None:
        image["coco_url"] = item.url
    return image


def _answers(
    item: ExportItem, *, raw: bool
) -> Iterator[tuple[dict[str, Any], Mapping[str, Any] | None]]:
    """(extra annotation keys, answer) of the consensus and, in raw mode, of every label."""
    consensus: dict[str, Any] = {"source": "consensus"} if raw else {}
    if item.confidence is not None:
        consensus["score"] = item.confidence
    yield consensus, item.answer
    if raw:
        for label in item.labels:
            yield {"source": "annotator", **label_facts(label)}, label.answer


class _Annotations:
    def __init__(self, categories: Mapping[str, int], summary: WriteSummary) -> None:
        self.categories = categories
        self.summary = summary
        self.next_id = 1

    def add_boxes(
        self,
        encoded: list[bytes],
        image_id: int,
        item_id: int,
        boxes: Iterable[Mapping[str, Any]],
        extra: Mapping[str, Any],
    ) -> None:
        """Boxes, the common case, straight from the answer: the same annotations ``add``
        writes for box shapes, without the shape objects (a third of a COCO export's time)."""
        for box in boxes:
            category = self.categories.get(box["label"])
            if category is None:
                self.summary.warn(
                    f"item {item_id}: {box['label']!r} is not a label of the job; left out"
                )
                continue
            x, y, w, h = box["x"], box["y"], box["w"], box["h"]
            x2, y2 = r3(x + w), r3(y + h)
            annotation = {
                "id": self.next_id,
                "image_id": image_id,
                "category_id": category,
                "bbox": [x, y, w, h],
                "area": r3(w * h),
                "segmentation": [[x, y, x2, y, x2, y2, x, y2]],
                "iscrowd": 0,
            }
            if extra:
                annotation.update(extra)
            encoded.append(b"," if self.next_id > 1 else b"")
            encoded.append(dumps(annotation))
            self.next_id += 1
            self.summary.annotations += 1

    def add(
        self, encoded: list[bytes], image_id: int, found: list[Shape], extra: Mapping[str, Any]
    ) -> None:
        """Append the shapes' annotations, encoded, to ``encoded``."""
        for shape in found:
            annotation = {
                "id": self.next_id,
                "image_id": image_id,
                "category_id": self.categories[shape.label],
                "bbox": [shape.x, shape.y, shape.w, shape.h],
                "area": r3(shape.area),
                "segmentation": [[c for point in shape.outline() for c in point]],
                "iscrowd": 0,
            }
            if extra:
                annotation.update(extra)
            encoded.append(b"," if self.next_id > 1 else b"")
            encoded.append(dumps(annotation))
            self.next_id += 1
            self.summary.annotations += 1
