"""Pascal VOC: the XML parsed back, boxes within half a pixel under VOC's 1-based convention."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.exports.formats.records import boxes, export_job, image_item, run, zip_entries

LABELS = ("car", "person & dog", "<sign>")


ITEMS = [
    image_item(
        1,
        boxes(
            ("car", 10.5, 20.25, 200.0, 120.125),
            ("person & dog", 0.0, 0.0, 640.0, 480.0),  # the whole image: (1, 1, 640, 480)
            ("<sign>", 100.4, 50.6, 0.2, 0.3),  # thinner than a pixel: keeps one
        ),
    ),
    image_item(2, boxes(("car", 639.2, 479.7, 0.8, 0.3))),
    image_item(3, None),
]


def objects(document: bytes) -> tuple[ET.Element, list[tuple[str, list[int]]]]:
    root = ET.fromstring(document)
    found = []
    for obj in root.iter("object"):
        corners = obj.find("bndbox")
        assert corners is not None
        values = [int(corners.findtext(k) or "") for k in ("xmin", "ymin", "xmax", "ymax")]
        found.append((obj.findtext("name") or "", values))
    return root, found


def test_boxes_come_back_within_half_a_pixel() -> None:
    data, summary = run("voc", export_job("image_boxes", LABELS), ITEMS)
    files = zip_entries(data)
    assert sorted(files) == [
        "Annotations/1.xml",
        "Annotations/2.xml",
        "ImageSets/Main/default.txt",
        "manifest.csv",
    ]
    assert files["ImageSets/Main/default.txt"].decode().splitlines() == ["1", "2"]

    root, found = objects(files["Annotations/1.xml"])
    assert root.findtext("filename") == "1.jpg"
    assert root.findtext("size/width") == "640"
    assert root.findtext("size/height") == "480"
    assert [name for name, _ in found] == list(LABELS)
    assert found[1][1] == [1, 1, 640, 480]
    assert found[2][1] == [101, 52, 101, 52]
    for item in ITEMS[:2]:
        assert item.answer is not None
        _, found = objects(files[f"Annotations/{item.item_id}.xml"])
        for (_, (xmin, ymin, xmax, ymax)), box in zip(found, item.answer["boxes"], strict=True):
            assert 1 <= xmin <= xmax <= 640
            assert 1 <= ymin <= ymax <= 480
            if box["w"] >= 1 and box["h"] >= 1:
                # readers undo the convention with (xmin - 1, ymin - 1, xmax, ymax)
                back = [xmin - 1, ymin - 1, xmax, ymax]
                edges = [box["x"], box["y"], box["x"] + box["w"], box["y"] + box["h"]]
                assert back == pytest.approx(edges, abs=0.5)
    assert (summary.items, summary.skipped, summary.annotations) == (2, 1, 4)


def test_a_box_at_the_far_corner_stays_inside_the_image() -> None:
    data, _ = run("voc", export_job("image_boxes", LABELS), ITEMS)
    _, found = objects(zip_entries(data)["Annotations/2.xml"])
    assert found == [("car", [640, 480, 640, 480])]
