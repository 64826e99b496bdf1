"""Clean one batch of text records: a pure function, run in worker processes for big datasets.

Input and output are plain tuples so a batch pickles cheaply across the process boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from app.ingest.rows import ItemRow
from app.ingest.sources import Problem, Record
from app.ingest.text_clean import TextRejected, clean_text, decode_utf8


@dataclass(frozen=True)
class TextCleaning:
    max_chars: int = 100_000
    mask_pii: bool = False


def clean_records(records: list[Record], opts: TextCleaning) -> tuple[list[ItemRow], list[Problem]]:
    rows: list[ItemRow] = []
    problems: list[Problem] = []
    for rec in records:
        try:
            raw = rec.raw if isinstance(rec.raw, str) else decode_utf8(rec.raw)
            cleaned = clean_text(raw, max_chars=opts.max_chars, mask_pii=opts.mask_pii)
        except TextRejected as exc:
            problems.append(Problem(rec.seq, rec.source, exc.code, str(exc)))
            continue
        cleaning: dict[str, Any] = dict(cleaned.steps)
        if cleaned.pii_spans:
            cleaning["pii_spans"] = [
                {"kind": s.kind, "start": s.start, "end": s.end} for s in cleaned.pii_spans
            ]
        rows.append(
            ItemRow(
                rec.seq,
                rec.source,
                cleaned.sha256,
                cleaned.text,
                None,
                None,
                None,
                None,
                None,
                orjson.dumps(rec.meta).decode(),
                orjson.dumps(cleaning).decode(),
                None if rec.answer is None else orjson.dumps(rec.answer).decode(),
            )
        )
    return rows, problems
