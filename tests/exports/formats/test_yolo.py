"""YOLO: data.yaml read by a YAML parser, and every label line back to the pixel shape."""

from __future__ import annotations

import csv
import io

import pytest
import yaml

from tests.exports.formats.records import boxes, export_job, image_item, run, zip_entries

LABELS = ("car", "person", 'sign: "stop"', "路牌 #1")


ITEMS = [
    image_item(11, boxes(("car", 10.5, 20.25, 200.0, 120.125), ("路牌 #1", 600, 0, 40, 480))),
    image_item(12, boxes(('sign: "stop"', 0.001, 0.001, 1919.998, 1079.998)), size=(1920, 1080)),
    image_item(13, boxes(), extension=".png"),
    image_item(14, None),  # still open: left out
]


def parse_line(line: str, size: tuple[int, int]) -> tuple[int, list[float]]:
    """A label line back to pixels (x, y, w, h for boxes; x1, y1, ... for polygons)."""
    width, height = size
    fields = line.split()
    values = [float(v) for v in fields[1:]]
    assert all(len(v.split(".")[1]) == 6 for v in fields[1:]), line
    assert all(0.0 <= v <= 1.0 for v in values), line
    if len(values) == 4:
        cx, cy, w, h = values
        return int(fields[0]), [(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height]
    return int(fields[0]), [v * (width if i % 2 == 0 else height) for i, v in enumerate(values)]


def test_boxes_come_back_from_the_label_files_within_rounding() -> None:
    job = export_job("image_boxes", LABELS)
    data, summary = run("yolo", job, ITEMS)
    files = zip_entries(data)

    assert sorted(files) == [
        "classes.txt",
        "data.yaml",
        "images.txt",
        "labels/11.txt",
        "labels/12.txt",
        "labels/13.txt",
        "manifest.csv",
    ]
    config = yaml.safe_load(files["data.yaml"])
    assert config["names"] == dict(enumerate(LABELS))
    assert config["nc"] == 4
    assert (config["train"], config["val"]) == ("images.txt", "images.txt")
    assert "path" not in config  # Ultralytics then takes the folder of data.yaml
    assert files["classes.txt"].decode().splitlines() == list(LABELS)
    assert files["images.txt"].decode().splitlines() == [
        "./images/11.jpg",
        "./images/12.jpg",
        "./images/13.png",
    ]

    for item in ITEMS[:3]:
        assert item.answer is not None
        assert item.width
        assert item.height
        lines = files[f"labels/{item.item_id}.txt"].decode().splitlines()
        expected = item.answer["boxes"]
        assert len(lines) == len(expected)
        for line, box in zip(lines, expected, strict=True):
            cls, pixels = parse_line(line, (item.width, item.height))
            assert LABELS[cls] == box["label"]
            # six decimals of the image size: under a thousandth of a pixel for 1920 px
            tolerance = 1e-6 * max(item.width, item.height)
            assert pixels == pytest.approx([box[k] for k in "xywh"], abs=tolerance)
    assert files["labels/13.txt"] == b""  # a negative image keeps its empty file
    assert (summary.items, summary.skipped, summary.annotations) == (3, 1, 3)


def test_polygons_use_the_segmentation_format() -> None:
    job = export_job("image_polygons", LABELS)
    points = [[10.5, 10.0], [200.0, 15.25], [220.0, 140.0], [12.0, 130.0]]
    data, _ = run(
        "yolo", job, [image_item(5, {"polygons": [{"label": "person", "points": points}]})]
    )
    (line,) = zip_entries(data)["labels/5.txt"].decode().splitlines()
    cls, coords = parse_line(line, (640, 480))
    assert cls == 1
    assert coords == pytest.approx([c for p in points for c in p], abs=1e-6 * 640)


def test_manifest_tells_where_to_fetch_each_image() -> None:
    data, _ = run("yolo", export_job("image_boxes", LABELS), ITEMS)
    rows = list(csv.DictReader(io.StringIO(zip_entries(data)["manifest.csv"].decode())))
    assert [r["file_name"] for r in rows] == ["11.jpg", "12.jpg", "13.png"]
    assert rows[0]["url"] == "https://store.example/objects/11.jpg"
    assert (rows[1]["width"], rows[1]["height"], rows[1]["item_id"]) == ("1920", "1080", "12")
