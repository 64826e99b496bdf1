"""YOLO (Ultralytics / Darknet) detection and segmentation labels in a zip (docs/exports.md).

``labels/<stem>.txt`` per image: ``class cx cy w h`` for boxes, ``class x1 y1 x2 y2 ...`` for
polygons (YOLO segmentation), normalized to 0-1 with six decimals, classes from 0 in schema
order; ``data.yaml``, ``classes.txt``, ``images.txt`` (``./images/<file_name>``) and
``manifest.csv`` (where to fetch each image into ``images/``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import BinaryIO

import orjson

from app.exports.formats.archive import image_archive, stem
from app.exports.formats.base import (
    WriteSummary,
    consensus_only,
    sized_images,
)
from app.exports.formats.shapes import Shape, known_shapes
from app.exports.records import ExportItem, ExportJob


def write(job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool) -> WriteSummary:
    consensus_only("yolo", raw)
    summary = WriteSummary()
    classes = {name: i for i, name in enumerate(job.labels)}
    with image_archive(job, out, "images.txt") as archive:
        archive.entry("data.yaml", data_yaml(job).encode())
        archive.entry("classes.txt", "".join(f"{name}\n" for name in job.labels).encode())
        for item, size in sized_images(items, summary, raw=raw):
            found = known_shapes(item.item_id, item.answer, classes, summary)
            lines = [line(classes[shape.label], shape, size) for shape in found]
            # An image with no shapes keeps its (empty) file: it is a negative, not a gap.
            archive.entry(f"labels/{stem(item.file_name)}.txt", "".join(lines).encode())
            archive.image(item, f"./images/{item.file_name}")
            summary.items += 1
            summary.annotations += len(lines)
    return summary


def line(class_index: int, shape: Shape, size: tuple[int, int]) -> str:
    width, height = size
    if shape.points is None:
        values: Sequence[float] = (
            (shape.x + shape.w / 2) / width,
            (shape.y + shape.h / 2) / height,
            shape.w / width,
            shape.h / height,
        )
    else:
        values = [c / d for x, y in shape.points for c, d in ((x, width), (y, height))]
    return " ".join([str(class_index), *(f"{min(max(v, 0.0), 1.0):.6f}" for v in values)]) + "\n"


def data_yaml(job: ExportJob) -> str:
    """Ultralytics' dataset file. No ``path``: Ultralytics then takes the folder of the file.
    Names are YAML double-quoted scalars."""
    names = "".join(f"  {i}: {yaml_string(name)}\n" for i, name in enumerate(job.labels))
    return (
        f"# Brigade job {job.job_id}. Fetch the images listed in manifest.csv into images/\n"
        "# (as file_name); train and val both list every image: split them as you need.\n"
        "train: images.txt\n"
        "val: images.txt\n"
        f"nc: {len(job.labels)}\n"
        f"names:\n{names}"
    )


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar: a JSON string (YAML reads those) with, unlike JSON, the
    characters YAML takes for line breaks or refuses as unprintable escaped too."""
    return _YAML_ESCAPE.sub(lambda m: f"\\u{ord(m[0]):04x}", orjson.dumps(value).decode())


# Outside YAML's printable set (PyYAML's reader check), plus the line breaks NEL, LS and PS.
_YAML_ESCAPE = re.compile(
    r"[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
