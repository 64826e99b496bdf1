"""The rows every cleaner produces and the batch writer stores, for texts and images alike.

A cleaned batch travels as ``Prepared``: per row, what the writer decides on (content hash,
source position, gold answer) and the row's line for ``COPY items`` already rendered except
the two values only the writer knows (the id, taken from the sequence, and the near-duplicate
link, which depends on everything stored before). Rendering is most of the cost of writing a
row, so it happens where the row was cleaned: in a worker process for big text datasets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from app.ingest.near_dup import Sketches
from app.ingest.sources import Problem


class ItemRow(NamedTuple):
    seq: int
    source: str
    sha256: str  # of the stored content: the exact-duplicate key
    text: str | None
    object_key: str | None
    thumb_key: str | None
    width: int | None
    height: int | None
    phash: int | None
    meta: str  # JSON
    cleaning: str  # JSON: what cleaning did
    answer: str | None  # JSON: the known answer of a gold item


def copy_field(value: object) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    text = str(value)
    # Most values need no escaping; four substring scans (in C) are far cheaper than
    # translating every character.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def copy_text(rows: Iterable[Sequence[object]]) -> bytes:
    """Rows in COPY's text format, built in one pass: one write instead of an await per row."""
    lines = ["\t".join(map(copy_field, row)) for row in rows]
    lines.append("")
    return "\n".join(lines).encode()


@dataclass(frozen=True)
class Prepared:
    """A cleaned batch, ready for ``_Batch.write``. Lists are per accepted row, in order."""

    seqs: list[int]
    sources: list[str]
    shas: list[str]
    object_keys: list[str | None]
    answers: list[str | None]
    # ``COPY items`` columns between the id and the near-duplicate link (ITEM_COLUMNS[1:-1]).
    lines: list[str]
    near: Sketches | list[int | None] | None  # text sketches, image perceptual hashes, or off
    rejected: list[Problem]


def prepare(
    rows: list[ItemRow],
    rejected: list[Problem],
    *,
    job_id: str,
    dataset_id: str,
    kind: str,
    gold: bool,
    near: Sketches | list[int | None] | None,
) -> Prepared:
    head, tail = f"{job_id}\t{dataset_id}\t", "\tt" if gold else "\tf"
    f = copy_field
    if kind == "text":  # no object, size or hash columns: one constant run of NULLs
        nulls = "\t\\N" * 5
        lines = [
            f"{head}{r.seq}\ttext\t{r.sha256}\t{f(r.source)}\t{f(r.text)}{nulls}"
            f"\t{f(r.meta)}\t{f(r.cleaning)}{tail}"
            for r in rows
        ]
    else:
        lines = [
            f"{head}{r.seq}\t{kind}\t{r.sha256}\t{f(r.source)}\t{f(r.text)}\t{f(r.object_key)}"
            f"\t{f(r.thumb_key)}\t{f(r.width)}\t{f(r.height)}\t{f(r.phash)}\t{f(r.meta)}"
            f"\t{f(r.cleaning)}{tail}"
            for r in rows
        ]
    return Prepared(
        seqs=[r.seq for r in rows],
        sources=[r.source for r in rows],
        shas=[r.sha256 for r in rows],
        object_keys=[r.object_key for r in rows],
        answers=[r.answer for r in rows],
        lines=lines,
        near=near,
        rejected=rejected,
    )
