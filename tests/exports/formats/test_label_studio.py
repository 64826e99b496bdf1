"""Label Studio JSON: read by Label Studio's own converter (label_studio_sdk.converter, formerly
label-studio-converter) with the labeling config we generate, into COCO, YOLO, CoNLL and CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from label_studio_sdk.converter import Converter
from PIL import Image, ImageDraw

from app.exports.formats.label_studio import CONSENSUS_MODEL, label_config
from app.exports.records import ExportItem, ExportJob
from tests.exports.formats.records import (
    export_job,
    image_item,
    label,
    run,
    save,
    spans,
    text_item,
)

BOX_LABELS = ("car", "person")


def drawn_image(tmp_path: Path, item_id: int, size: tuple[int, int], shapes: list[Any]) -> str:
    """A real image file with the shapes drawn on it (the converter opens it for its size)."""
    path = tmp_path / f"{item_id}.png"
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for s in shapes:
        if "points" in s:
            draw.polygon([tuple(p) for p in s["points"]], outline="red")
        else:
            draw.rectangle((s["x"], s["y"], s["x"] + s["w"], s["y"] + s["h"]), outline="red")
    image.save(path)
    return str(path)


def converter(tmp_path: Path, job: ExportJob, items: list[ExportItem]) -> tuple[Converter, str]:
    data, _ = run("label_studio", job, items)
    source = save(tmp_path, "tasks.json", data)
    return Converter(label_config(job), str(tmp_path), download_resources=False), str(source)


def box_items(tmp_path: Path) -> list[ExportItem]:
    answers: list[tuple[int, tuple[int, int], list[tuple[str, float, float, float, float]]]] = [
        (1, (640, 480), [("car", 10.5, 20.25, 200.0, 120.125), ("person", 300, 40, 30.5, 90)]),
        (2, (1920, 1080), [("person", 0, 0, 1920, 1080)]),
    ]
    items = []
    for item_id, size, found in answers:
        boxes = [{"label": n, "x": x, "y": y, "w": w, "h": h} for n, x, y, w, h in found]
        url = drawn_image(tmp_path, item_id, size, boxes)
        items.append(image_item(item_id, {"boxes": boxes}, size=size, url=url))
    return items


def test_the_generated_config_is_what_label_studio_parses() -> None:
    job = export_job("image_boxes", ("car", "person & dog"))
    config = label_config(job)
    schema = Converter(config, "/nonexistent")._schema
    assert schema["label"]["type"] == "RectangleLabels"
    assert schema["label"]["to_name"] == ["image"]
    assert schema["label"]["labels"] == ["car", "person & dog"]
    assert 'hint="Person &amp; Dog"' in config


def test_label_studio_converts_our_boxes_to_coco_and_yolo(tmp_path: Path) -> None:
    items = box_items(tmp_path)
    job = export_job("image_boxes", BOX_LABELS)
    ls, source = converter(tmp_path, job, items)
    assert {"COCO", "YOLO", "VOC"} <= set(ls.supported_formats)

    ls.convert_to_coco(source, str(tmp_path / "coco"), is_dir=False)
    coco = json.loads((tmp_path / "coco" / "result.json").read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    sizes = {img["id"]: (img["width"], img["height"]) for img in coco["images"]}
    assert list(sizes.values()) == [(640, 480), (1920, 1080)]
    found = [(names[a["category_id"]], a["bbox"]) for a in coco["annotations"]]
    drawn = [box for item in items for box in (item.answer or {})["boxes"]]
    wanted = [(b["label"], [b[k] for k in "xywh"]) for b in drawn]
    assert [n for n, _ in found] == [n for n, _ in wanted]
    for (_, got), (_, box) in zip(found, wanted, strict=True):
        assert got == pytest.approx(box, abs=1e-9)

    ls.convert_to_yolo(source, str(tmp_path / "yolo"), is_dir=False)
    classes = (tmp_path / "yolo" / "classes.txt").read_text().splitlines()
    line = (tmp_path / "yolo" / "labels" / "1.txt").read_text().splitlines()[0].split()
    assert classes[int(line[0])] == "car"
    cx, cy, w, h = map(float, line[1:])
    assert [cx * 640, cy * 480, w * 640, h * 480] == pytest.approx(
        [10.5 + 100.0, 20.25 + 60.0625, 200.0, 120.125], abs=1e-9
    )


def test_label_studio_converts_our_polygons_to_coco(tmp_path: Path) -> None:
    points = [[10.5, 10.0], [200.0, 15.25], [220.0, 140.0], [12.0, 130.0]]
    polygon = {"label": "car", "points": points}
    url = drawn_image(tmp_path, 1, (640, 480), [polygon])
    item = image_item(1, {"polygons": [polygon]}, url=url)
    ls, source = converter(tmp_path, export_job("image_polygons", BOX_LABELS), [item])

    ls.convert_to_coco(source, str(tmp_path / "coco"), is_dir=False)
    (annotation,) = json.loads((tmp_path / "coco" / "result.json").read_text())["annotations"]
    assert annotation["segmentation"][0] == pytest.approx([c for p in points for c in p])


def test_label_studio_converts_our_spans_to_conll(tmp_path: Path) -> None:
    text = "Angela Merkel visited Paris, then went to New York."
    answer = spans(text, ("Angela Merkel", "PER"), ("Paris", "LOC"), ("New York", "LOC"))
    ls, source = converter(
        tmp_path, export_job("text_spans", ("PER", "LOC")), [text_item(1, text, answer)]
    )

    ls.convert_to_conll2003(source, str(tmp_path / "conll"), is_dir=False)
    lines = (tmp_path / "conll" / "result.conll").read_text().splitlines()[1:]
    tagged = [(line.split()[0], line.split()[-1]) for line in lines if line]
    assert [t for t in tagged if t[1] != "O"] == [
        ("Angela", "B-PER"),
        ("Merkel", "I-PER"),
        ("Paris", "B-LOC"),
        ("New", "B-LOC"),
        ("York", "I-LOC"),
    ]


def test_label_studio_converts_our_classes_to_csv(tmp_path: Path) -> None:
    job = export_job("text_classification", ("正面", "负面"))
    items = [text_item(1, "好吃, 便宜", {"label": "正面"}), text_item(2, "太贵", {"label": "负面"})]
    ls, source = converter(tmp_path, job, items)

    ls.convert(source, str(tmp_path / "csv"), "CSV", is_dir=False)
    with (tmp_path / "csv" / "result.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["text"], r["label"]) for r in rows] == [("好吃, 便宜", "正面"), ("太贵", "负面")]


def test_raw_mode_has_an_annotation_per_label_and_the_consensus_as_a_prediction() -> None:
    job = export_job("image_classification", ("cat", "dog"))
    item = image_item(
        3,
        {"label": "cat"},
        labels=[label(31, {"label": "cat"}), label(32, {"label": "dog"}, annotator="ann-2")],
    )
    data, summary = run("label_studio", job, [item, image_item(4, None)], raw=True)
    first, second = json.loads(data)

    assert [a["result"][0]["value"]["choices"] for a in first["annotations"]] == [["cat"], ["dog"]]
    assert first["annotations"][1]["brigade"]["annotator_id"] == "ann-2"
    assert first["annotations"][1]["lead_time"] == 12.345
    (prediction,) = first["predictions"]
    assert prediction["model_version"] == CONSENSUS_MODEL
    assert prediction["score"] == 0.875
    assert prediction["result"][0]["value"]["choices"] == ["cat"]
    assert first["data"] == {"image": "https://store.example/objects/3.jpg"}
    assert first["meta"]["item_id"] == 3
    assert (second["annotations"], second["predictions"]) == ([], [])  # open, no labels yet
    assert summary.annotations == 3

    data, _ = run("label_studio", job, [item, image_item(4, None)])
    first, second = json.loads(data)
    assert [a["result"][0]["value"]["choices"] for a in first["annotations"]] == [["cat"]]
    assert first["predictions"] == []
    assert second["annotations"] == []  # consensus mode keeps open items as unlabeled tasks
