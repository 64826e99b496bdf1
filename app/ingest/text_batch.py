"""Clean one batch of text records: pure functions, run in worker processes for big datasets.

Input and output are plain data so a batch pickles cheaply across the process boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import orjson

from app.ingest.near_dup import NearDupIndex, NearDupParams
from app.ingest.rows import ItemRow, Prepared, prepare
from app.ingest.sources import LineBlock, Problem, Record, TextOptions, block_records
from app.ingest.text_clean import TextRejected, clean_text, decode_utf8


@dataclass(frozen=True)
class TextCleaning:
    max_chars: int = 100_000
    mask_pii: bool = False


def clean_records(
    records: Iterable[Record | Problem], opts: TextCleaning
) -> tuple[list[ItemRow], list[Problem]]:
    rows: list[ItemRow] = []
    problems: list[Problem] = []
    for rec in records:
        if isinstance(rec, Problem):  # from parsing (a block's lines)
            problems.append(rec)
            continue
        try:
            raw = rec.raw if isinstance(rec.raw, str) else decode_utf8(rec.raw)
            cleaned = clean_text(raw, max_chars=opts.max_chars, mask_pii=opts.mask_pii)
        except TextRejected as exc:
            problems.append(Problem(rec.seq, rec.source, exc.code, str(exc)))
            continue
        cleaning: dict[str, Any] = cleaned.steps  # the cleaner's own, fresh per text
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


@cache
def _sketcher(params: NearDupParams) -> NearDupIndex:
    """An empty index per process, for its hash functions: sketches need no indexed texts."""
    threshold, num_perm, shingle, seed = params
    return NearDupIndex(threshold, num_perm, shingle, seed=seed)


@dataclass(frozen=True)
class TextSpec:
    """How one dataset's batches are prepared (pickled to the worker processes with each)."""

    cleaning: TextCleaning
    source: TextOptions
    format: Literal["jsonl", "txt"]  # how a ``LineBlock`` is parsed
    after: int  # checkpoint: records up to this seq are stored already
    near: NearDupParams | None
    job_id: str
    dataset_id: str
    gold: bool


def prepare_text(batch: list[Record] | LineBlock, spec: TextSpec) -> Prepared:
    """A batch parsed (a ``LineBlock``), cleaned, sketched for near-duplicates and rendered for
    COPY."""
    records = (
        block_records(batch, spec.format, spec.source, spec.after)
        if isinstance(batch, LineBlock)
        else batch
    )
    rows, rejected = clean_records(records, spec.cleaning)
    sketches = (
        None if spec.near is None else _sketcher(spec.near).sketch([r.text or "" for r in rows])
    )
    return prepare(
        rows,
        rejected,
        job_id=spec.job_id,
        dataset_id=spec.dataset_id,
        kind="text",
        gold=spec.gold,
        near=sketches,
    )
