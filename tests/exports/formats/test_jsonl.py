"""Brigade's jsonl: every fact of every item, open ones included, and in raw mode every label."""

from __future__ import annotations

import json

from tests.exports.formats.records import export_job, image_item, label, run, text_item


def test_each_line_holds_the_whole_item() -> None:
    job = export_job("image_boxes", ("car",))
    answer = {"boxes": [{"label": "car", "x": 1.5, "y": 2.0, "w": 3.0, "h": 4.0}]}
    data, summary = run("jsonl", job, [image_item(1, answer), image_item(2, None)])
    first, second = (json.loads(line) for line in data.decode().splitlines())

    assert first == {
        "job_id": job.job_id,
        "item_id": 1,
        "dataset_id": "ds-1",
        "seq": 1,
        "source": "photo_1.jpg",
        "file_name": "1.jpg",
        "kind": "image",
        "text": None,
        "object_key": "objects/00000001",
        "url": "https://store.example/objects/1.jpg",
        "width": 640,
        "height": 480,
        "meta": {"camera": "north"},
        "answer": answer,
        "confidence": 0.875,
        "agreement": 0.75,
        "state": "decided",
        "review_action": None,
    }
    assert (second["answer"], second["state"]) == (None, "open")  # open items are kept
    assert (summary.items, summary.annotations, summary.skipped) == (2, 1, 0)


def test_raw_lines_add_every_label() -> None:
    job = export_job("text_spans", ("LOC",))
    spans = {"spans": [{"label": "LOC", "start": 1, "end": 3, "text": "北京"}]}
    item = text_item(
        1,
        "去北京",
        spans,
        labels=[label(7, spans), label(8, {"spans": []}, annotator="ann-2", status="rejected")],
    )
    data, summary = run("jsonl", job, [item], raw=True)
    (line,) = (json.loads(x) for x in data.decode().splitlines())

    assert line["text"] == "去北京"
    assert line["labels"] == [
        {
            "label_id": 7,
            "annotator_id": "ann-1",
            "vendor_id": "vendor-1",
            "status": "accepted",
            "submitted_at": "2026-11-20T09:30:00+00:00",
            "active_ms": 12345,
            "origin": "brigade",
            "score": None,
            "answer": spans,
        },
        {
            "label_id": 8,
            "annotator_id": "ann-2",
            "vendor_id": "vendor-1",
            "status": "rejected",
            "submitted_at": "2026-11-20T09:30:00+00:00",
            "active_ms": 12345,
            "origin": "brigade",
            "score": None,
            "answer": {"spans": []},
        },
    ]
    assert summary.annotations == 3
