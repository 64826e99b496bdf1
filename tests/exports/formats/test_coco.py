"""COCO: pycocotools loads the file, and the consensus scored against itself is a perfect AP."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from tests.exports.formats.records import boxes, export_job, image_item, label, polygons, run, save

LABELS = ("car", "person", "traffic light")


BOX_ITEMS = [
    image_item(1, boxes(("car", 10.5, 20.25, 200.0, 120.125), ("person", 300, 40, 30.5, 90))),
    image_item(2, boxes(("traffic light", 600.0, 0.0, 40.0, 100.0)), size=(640, 480)),
    image_item(3, boxes(("car", 0, 0, 1920, 1080), ("car", 5, 5, 12, 9)), size=(1920, 1080)),
    image_item(4, boxes()),  # decided: nothing to see
]
POLYGON_ITEMS = [
    image_item(
        1,
        polygons(
            ("car", [[10.5, 10.0], [200.0, 15.25], [220.0, 140.0], [12.0, 130.0]]),
            ("person", [[300, 40], [330, 40], [315, 130]]),
        ),
    ),
    image_item(2, polygons(("traffic light", [[600, 1], [639, 1], [639, 99], [620, 120]]))),
]


def load(tmp_path: Path, data: bytes) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        return COCO(str(save(tmp_path, "coco.json", data)))


def self_ap(gt: COCO, iou_type: str) -> float:
    """AP@[.5:.95] of the ground truth's own annotations taken as detections with score 1."""
    detections = []
    for a in gt.dataset["annotations"]:
        found: dict[str, Any] = {
            "image_id": a["image_id"],
            "category_id": a["category_id"],
            "score": 1.0,
        }
        if iou_type == "bbox":
            found["bbox"] = a["bbox"]
        else:  # detections carry masks as RLE; the file's polygons rasterized by pycocotools
            found["segmentation"] = gt.annToRLE(a)
        detections.append(found)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = COCOeval(gt, gt.loadRes(detections), iou_type)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(evaluation.stats[0])


def test_boxes_load_in_pycocotools_and_score_a_perfect_ap(tmp_path: Path) -> None:
    job = export_job("image_boxes", LABELS)
    data, summary = run("coco", job, BOX_ITEMS)
    gt = load(tmp_path, data)

    assert [c["name"] for c in gt.loadCats(gt.getCatIds())] == list(LABELS)
    assert gt.getCatIds() == [1, 2, 3]
    assert sorted(gt.getImgIds()) == [1, 2, 3, 4]
    assert sorted(gt.getAnnIds()) == [1, 2, 3, 4, 5]
    first = gt.loadImgs(1)[0]
    assert (first["file_name"], first["width"], first["height"]) == ("1.jpg", 640, 480)
    assert first["coco_url"].endswith("/1.jpg")
    car = gt.loadAnns(1)[0]
    assert car["bbox"] == [10.5, 20.25, 200.0, 120.125]
    assert car["area"] == pytest.approx(200.0 * 120.125, abs=1e-3)
    assert car["iscrowd"] == 0
    assert car["score"] == 0.875
    assert car["segmentation"] == [[10.5, 20.25, 210.5, 20.25, 210.5, 140.375, 10.5, 140.375]]
    assert gt.getAnnIds(imgIds=[4]) == []
    assert (summary.items, summary.annotations, summary.skipped) == (4, 5, 0)

    assert self_ap(gt, "bbox") == pytest.approx(1.0)


def test_polygons_score_a_perfect_segmentation_ap(tmp_path: Path) -> None:
    job = export_job("image_polygons", LABELS)
    data, _ = run("coco", job, POLYGON_ITEMS)
    gt = load(tmp_path, data)

    car = gt.loadAnns(1)[0]
    assert car["segmentation"] == [[10.5, 10.0, 200.0, 15.25, 220.0, 140.0, 12.0, 130.0]]
    assert car["bbox"] == [10.5, 10.0, 209.5, 130.0]
    triangle = gt.loadAnns(2)[0]
    assert triangle["area"] == pytest.approx(30 * 90 / 2)

    assert self_ap(gt, "segm") == pytest.approx(1.0)
    assert self_ap(gt, "bbox") == pytest.approx(1.0)


def test_open_items_and_images_without_size_are_left_out(tmp_path: Path) -> None:
    job = export_job("image_boxes", LABELS)
    items = [
        image_item(1, None),
        image_item(2, boxes(("car", 1, 1, 5, 5)), size=None),
        image_item(3, boxes(("car", 1, 1, 5, 5), ("bus", 2, 2, 4, 4))),
    ]
    data, summary = run("coco", job, items)
    gt = load(tmp_path, data)

    assert [img["item_id"] for img in gt.dataset["images"]] == [3]
    assert [a["image_id"] for a in gt.dataset["annotations"]] == [1]
    assert (summary.items, summary.skipped, summary.annotations) == (1, 2, 1)
    assert summary.warnings == [
        "item 2: the image size is unknown; left out",
        "item 3: 'bus' is not a label of the job; left out",
    ]


def test_raw_mode_adds_every_annotators_shapes_tagged_with_their_source(tmp_path: Path) -> None:
    job = export_job("image_boxes", LABELS)
    item = image_item(
        7,
        boxes(("car", 10, 10, 50, 50)),
        labels=[
            label(101, boxes(("car", 11, 10, 50, 49)), annotator="ann-1"),
            label(102, boxes(("car", 9, 10, 50, 50), ("person", 1, 1, 3, 3)), annotator="ann-2"),
        ],
    )
    data, summary = run("coco", job, [item, image_item(8, None)], raw=True)
    gt = load(tmp_path, data)

    annotations = gt.dataset["annotations"]
    assert [(a["source"], a.get("annotator_id")) for a in annotations] == [
        ("consensus", None),
        ("annotator", "ann-1"),
        ("annotator", "ann-2"),
        ("annotator", "ann-2"),
    ]
    assert annotations[1]["label_id"] == 101
    assert annotations[1]["submitted_at"] == "2026-11-20T09:30:00+00:00"
    assert len(gt.dataset["images"]) == 2  # raw: the open item too, for its labels
    assert summary.annotations == 4


def test_an_export_with_no_items_is_still_a_coco_file(tmp_path: Path) -> None:
    data, _ = run("coco", export_job("image_boxes", LABELS), [])
    parsed = json.loads(data)
    assert parsed["images"] == []
    assert parsed["annotations"] == []
    assert parsed["info"]["date_created"] == "2026-11-20T09:30:00+00:00"
    load(tmp_path, data)
