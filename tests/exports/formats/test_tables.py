"""Classification tables: read back with the csv module and a JSON parser."""

from __future__ import annotations

import csv
import io
import json

from tests.exports.formats.records import export_job, image_item, label, run, text_item

IMAGE_LABELS = ("cat", "dog", "bird, small")
TEXT_LABELS = ("正面", "负面", "中性")


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM, for spreadsheet programs
    assert b"\r\n" in data  # RFC 4180 line ends
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_image_csv_has_one_row_per_decided_image() -> None:
    job = export_job("image_classification", IMAGE_LABELS)
    items = [
        image_item(1, {"label": "bird, small"}),
        image_item(2, {"label": "cat"}),
        image_item(3, None),
    ]
    data, summary = run("image_csv", job, items)
    rows = read_csv(data)

    assert [(r["file_name"], r["label"]) for r in rows] == [
        ("1.jpg", "bird, small"),
        ("2.jpg", "cat"),
    ]
    assert rows[0]["url"] == "https://store.example/objects/1.jpg"
    assert (rows[0]["confidence"], rows[0]["agreement"], rows[0]["state"]) == (
        "0.875",
        "0.75",
        "decided",
    )
    assert rows[0]["review_action"] == ""
    assert (summary.items, summary.skipped) == (2, 1)


def test_multi_label_cells_hold_json_arrays() -> None:
    job = export_job("image_classification", IMAGE_LABELS, multi=True)
    data, _ = run("image_csv", job, [image_item(1, {"labels": ["cat", "bird, small"]})])
    (row,) = read_csv(data)
    assert json.loads(row["labels"]) == ["cat", "bird, small"]


def test_raw_csv_has_a_row_per_annotator_label() -> None:
    job = export_job("text_classification", TEXT_LABELS)
    text = '他说："好"，\n然后走了, 真的'
    items = [
        text_item(
            1,
            text,
            {"label": "正面"},
            labels=[label(11, {"label": "正面"}), label(12, {"label": "中性"}, annotator="ann-2")],
        ),
        text_item(2, "还没决定", None),
    ]
    data, summary = run("text_csv", job, items, raw=True)
    rows = read_csv(data)

    assert [(r["item_id"], r["label"], r["annotator_id"], r["annotator_label"]) for r in rows] == [
        ("1", "正面", "ann-1", "正面"),
        ("1", "正面", "ann-2", "中性"),
        ("2", "", "", ""),
    ]
    assert rows[0]["text"] == text  # quotes, commas and line breaks survive
    assert rows[1]["submitted_at"] == "2026-11-20T09:30:00+00:00"
    assert rows[1]["active_ms"] == "12345"
    assert (summary.items, summary.annotations) == (2, 3)


def test_text_jsonl_is_one_flat_object_per_text() -> None:
    job = export_job("text_classification", TEXT_LABELS, multi=True)
    items = [
        text_item(1, "好坏参半", {"labels": ["正面", "负面"]}, labels=[label(5, {"labels": []})]),
        text_item(2, "还没决定", None),
    ]
    data, _ = run("text_jsonl", job, items)
    (line,) = [json.loads(x) for x in data.decode().splitlines()]
    assert line["text"] == "好坏参半"
    assert line["labels"] == ["正面", "负面"]
    assert (line["item_id"], line["state"], line["confidence"]) == (1, "decided", 0.9)
    assert "annotations" not in line
    assert "file_name" not in line

    data, _ = run("text_jsonl", job, items, raw=True)
    lines = [json.loads(x) for x in data.decode().splitlines()]
    assert lines[0]["annotations"][0]["labels"] == []
    assert lines[0]["annotations"][0]["label_id"] == 5
    assert (lines[1]["labels"], lines[1]["annotations"]) == (None, [])
