"""Classification as tables: ``image_csv``, ``text_csv`` and ``text_jsonl`` (docs/exports.md).

One row (line) per item with its consensus class; in raw mode the CSVs have one row per
annotator label (the item's columns repeated, an item without labels keeps one row) and
``text_jsonl`` lists the labels in ``annotations``. A multi-label answer is a JSON array of
names in a CSV cell (names may contain any separator) and a JSON list in ``text_jsonl``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

import orjson

from app.exports.formats.base import (
    WriteSummary,
    classes,
    consensus_facts,
    dumps,
    item_facts,
    label_facts,
    selected,
    text_sink,
)
from app.exports.records import ExportItem, ExportJob

_IMAGE_COLUMNS = ("file_name", "url", "object_key", "item_id", "dataset_id", "seq", "source")
_TEXT_COLUMNS = ("item_id", "dataset_id", "seq", "source", "text")
_CONSENSUS_COLUMNS = ("confidence", "agreement", "state", "review_action")
_RAW_COLUMNS = (
    "label_id",
    "annotator_id",
    "vendor_id",
    "status",
    "submitted_at",
    "active_ms",
    "origin",
    "score",
)


def write_image_csv(
    job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool
) -> WriteSummary:
    return _write_csv(job, items, out, raw=raw, columns=_IMAGE_COLUMNS)


def write_text_csv(
    job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool
) -> WriteSummary:
    return _write_csv(job, items, out, raw=raw, columns=_TEXT_COLUMNS)


def write_text_jsonl(
    job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool
) -> WriteSummary:
    summary = WriteSummary()
    key = _answer_key(job)
    for item in selected(items, summary, raw=raw):
        line = {
            "text": item.text,
            key: _answer_value(job, item.answer),
            **item_facts(item),
            **consensus_facts(item),
        }
        del line["file_name"]  # texts have no file of their own
        if raw:
            line["annotations"] = [
                {**label_facts(x), key: _answer_value(job, x.answer)} for x in item.labels
            ]
        out.write(dumps(line) + b"\n")
        summary.items += 1
        summary.annotations += (item.answer is not None) + (len(item.labels) if raw else 0)
    return summary


def _write_csv(
    job: ExportJob,
    items: Iterable[ExportItem],
    out: BinaryIO,
    *,
    raw: bool,
    columns: tuple[str, ...],
) -> WriteSummary:
    summary = WriteSummary()
    key = _answer_key(job)
    header = [*columns, key, *_CONSENSUS_COLUMNS]
    if raw:
        header += [*_RAW_COLUMNS, f"annotator_{key}"]
    with text_sink(out) as text:
        text.write("\ufeff")  # UTF-8 with BOM: spreadsheet programs then read it as UTF-8
        rows = csv.writer(text)  # RFC 4180: CRLF, fields quoted when needed
        rows.writerow(header)
        for item in selected(items, summary, raw=raw):
            facts = {
                **item_facts(item),
                "url": item.url,
                "object_key": item.object_key,
                "text": item.text,
                key: _answer_value(job, item.answer),
                **consensus_facts(item),
            }
            base = [_cell(facts[c]) for c in (*columns, key, *_CONSENSUS_COLUMNS)]
            for extra in _raw_cells(job, item) if raw else [[]]:
                rows.writerow(base + extra)
            summary.items += 1
            summary.annotations += (item.answer is not None) + (len(item.labels) if raw else 0)
    return summary


def _raw_cells(job: ExportJob, item: ExportItem) -> Iterator[list[str]]:
    if not item.labels:
        yield [""] * (len(_RAW_COLUMNS) + 1)
    for label in item.labels:
        facts = label_facts(label)
        yield [_cell(facts[c]) for c in _RAW_COLUMNS] + [_cell(_answer_value(job, label.answer))]


def _answer_key(job: ExportJob) -> str:
    return "labels" if job.multi else "label"


def _answer_value(job: ExportJob, answer: Mapping[str, Any] | None) -> str | list[str] | None:
    """The class name (single) or names (multi); None without an answer."""
    if answer is None:
        return None
    names = classes(answer)
    if job.multi:
        return names
    return names[0] if names else None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return orjson.dumps(value).decode()
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
