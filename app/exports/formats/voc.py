"""Pascal VOC boxes in a zip: ``Annotations/<stem>.xml`` per image, ``ImageSets/Main/default.txt``
and ``manifest.csv`` (docs/exports.md).

VOC counts pixels from 1 and its corners are inclusive pixel indices: a box covering a whole
W x H image is (1, 1, W, H). A Brigade box is continuous (top-left origin, x + w its right
edge), so ``xmin = x + 1`` and ``xmax = x + w`` before rounding; edges round to the nearest
pixel (halves up), are clamped to the image, and a box thinner than a pixel keeps one.
Readers that undo the convention (``xmin - 1``, ``xmax``) get the box back within half a pixel.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import BinaryIO

from app.exports.formats.archive import image_archive, stem
from app.exports.formats.base import WriteSummary, consensus_only, sized_images
from app.exports.formats.shapes import Shape, known_shapes
from app.exports.records import ExportItem, ExportJob


def write(job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool) -> WriteSummary:
    consensus_only("voc", raw)
    summary = WriteSummary()
    known = set(job.labels)
    with image_archive(job, out, "ImageSets/Main/default.txt") as archive:
        for item, size in sized_images(items, summary, raw=raw):
            boxes = known_shapes(item.item_id, item.answer, known, summary)
            document = annotation(job, item, size, boxes)
            archive.entry(f"Annotations/{stem(item.file_name)}.xml", document)
            archive.image(item, stem(item.file_name))
            summary.items += 1
            summary.annotations += len(boxes)
    return summary


def annotation(
    job: ExportJob, item: ExportItem, size: tuple[int, int], boxes: list[Shape]
) -> bytes:
    root = ET.Element("annotation")
    _text(root, "folder", "JPEGImages")
    _text(root, "filename", item.file_name)
    source = ET.SubElement(root, "source")
    _text(source, "database", "Brigade")
    _text(source, "annotation", f"Brigade job {job.job_id}")
    _text(source, "image", item.url or "")
    dims = ET.SubElement(root, "size")
    _text(dims, "width", str(size[0]))
    _text(dims, "height", str(size[1]))
    _text(dims, "depth", "3")  # the export does not open images; VOC readers ignore it
    _text(root, "segmented", "0")
    for box in boxes:
        obj = ET.SubElement(root, "object")
        _text(obj, "name", box.label)
        _text(obj, "pose", "Unspecified")
        _text(obj, "truncated", "0")
        _text(obj, "difficult", "0")
        corners = ET.SubElement(obj, "bndbox")
        for tag, value in zip(
            ("xmin", "ymin", "xmax", "ymax"), voc_corners(box, size), strict=True
        ):
            _text(corners, tag, str(value))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def voc_corners(box: Shape, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """1-based inclusive pixel corners (see the module's docstring)."""
    width, height = size
    xmin = min(max(_nearest(box.x) + 1, 1), width)
    ymin = min(max(_nearest(box.y) + 1, 1), height)
    xmax = min(max(_nearest(box.x + box.w), xmin), width)
    ymax = min(max(_nearest(box.y + box.h), ymin), height)
    return xmin, ymin, xmax, ymax


def _nearest(value: float) -> int:
    return math.floor(value + 0.5)


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text
