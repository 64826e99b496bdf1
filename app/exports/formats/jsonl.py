"""Brigade's own format, lossless: one JSON object per line and item (docs/exports.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from app.exports.formats.base import (
    WriteSummary,
    consensus_facts,
    dumps,
    item_facts,
    label_facts,
    selected,
)
from app.exports.records import ExportItem, ExportJob


def write(job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool) -> WriteSummary:
    summary = WriteSummary()
    for item in selected(items, summary, raw=raw, keep_open=True):
        line = {
            "job_id": job.job_id,
            **item_facts(item),
            "kind": item.kind,
            "text": item.text,
            "object_key": item.object_key,
            "url": item.url,
            "width": item.width,
            "height": item.height,
            "meta": item.meta,
            "answer": item.answer,
            **consensus_facts(item),
        }
        if raw:
            line["labels"] = [{**label_facts(x), "answer": x.answer} for x in item.labels]
            summary.annotations += len(item.labels)
        summary.annotations += item.answer is not None
        out.write(dumps(line) + b"\n")
        summary.items += 1
    return summary
