"""What every format writer shares: its signature, its summary, and the helpers they all use.

A writer is a plain function ``write(job, items, out, *, raw) -> WriteSummary`` over an iterable
of ``ExportItem`` it reads once, writing to ``out`` (a seekable binary file the caller opened and
will close). Writers stream: they hold one item at a time; what must come after the items in the
file (COCO's annotations, a zip's manifest) is spooled to a temporary file and copied at the end.

Item selection is the same everywhere: in consensus mode an item whose consensus is still open
(``answer is None``) is left out (a missing answer is not an empty one) except by the formats
that keep it (``jsonl``, ``label_studio``); in raw mode every item is written.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO, Protocol

import orjson

from app.exports.records import ExportItem, ExportJob, ExportLabel, LabelKind

MAX_WARNINGS = 100  # warnings kept verbatim in a summary; the rest are only counted
DECIMALS = 3  # coordinates are stored to a thousandth of a pixel (app/labeling/answers.py)


@dataclass
class WriteSummary:
    """What a writer wrote, and what it could not write as given (as warnings a person reads)."""

    items: int = 0  # items written
    skipped: int = 0  # items left out (open consensus, unknown image size, nothing to write)
    annotations: int = 0  # shapes, spans or classifications written (raw labels included)
    warnings: list[str] = field(default_factory=list)
    more_warnings: int = 0  # warnings past MAX_WARNINGS

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.more_warnings += 1


class Writer(Protocol):
    def __call__(
        self, job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool
    ) -> WriteSummary: ...


@dataclass(frozen=True, slots=True)
class FormatSpec:
    name: str
    extension: str  # with its dot, appended to the file name
    content_type: str
    kinds: frozenset[LabelKind]  # the label kinds it can hold
    raw: bool  # whether it can hold every annotator's label (raw exports)
    description: str
    write: Writer


def dumps(value: Any) -> bytes:
    """Compact JSON (UTF-8, datetimes as RFC 3339) as every JSON format here writes it."""
    return orjson.dumps(value, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, Mapping):  # read-only mappings in the records (orjson takes dicts)
        return dict(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def r3(value: float) -> float:
    """A coordinate computed from stored ones (sums, scaled values), back to DECIMALS."""
    return round(value, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def selected(
    items: Iterable[ExportItem], summary: WriteSummary, *, raw: bool, keep_open: bool = False
) -> Iterator[ExportItem]:
    """The items to write: in consensus mode those with a consensus (unless ``keep_open``)."""
    for item in items:
        if raw or keep_open or item.answer is not None:
            yield item
        else:
            summary.skipped += 1


def sized_images(
    items: Iterable[ExportItem], summary: WriteSummary, *, raw: bool
) -> Iterator[tuple[ExportItem, tuple[int, int]]]:
    """The selected images with their (width, height); those of unknown size are left out, with
    a warning (the image formats need the size)."""
    for item in selected(items, summary, raw=raw):
        if item.width is None or item.height is None or item.width <= 0 or item.height <= 0:
            summary.warn(f"item {item.item_id}: the image size is unknown; left out")
            summary.skipped += 1
            continue
        yield item, (item.width, item.height)


def consensus_only(name: str, raw: bool) -> None:
    """Writers of formats that hold one answer per item refuse raw exports (a caller's bug:
    the registry's ``unsuitable`` says so before a request is accepted)."""
    if raw:
        raise ValueError(f"the {name} format holds one answer per item; it has no raw mode")


def item_facts(item: ExportItem) -> dict[str, Any]:
    """The item's identity and where it came from, as every per-item format names them."""
    return {
        "item_id": item.item_id,
        "dataset_id": item.dataset_id,
        "seq": item.seq,
        "source": item.source,
        "file_name": item.file_name,
    }


def consensus_facts(item: ExportItem) -> dict[str, Any]:
    return {
        "confidence": item.confidence,
        "agreement": item.agreement,
        "state": item.state,
        "review_action": item.review_action,
    }


def label_facts(label: ExportLabel) -> dict[str, Any]:
    """One label without its answer: an annotator's here, or one imported from another tool
    (``origin`` annotation or prediction, with the prediction's ``score``)."""
    return {
        "label_id": label.label_id,
        "annotator_id": label.annotator_id,
        "vendor_id": label.vendor_id,
        "status": label.status,
        "submitted_at": label.submitted_at,
        "active_ms": label.active_ms,
        "origin": label.origin,
        "score": label.score,
    }


def classes(answer: Mapping[str, Any] | None) -> list[str]:
    """A classification answer's labels (single or multi) as a list; [] for no answer."""
    if answer is None:
        return []
    if "labels" in answer:
        return list(answer["labels"])
    return [answer["label"]] if answer.get("label") is not None else []


@contextmanager
def text_sink(out: BinaryIO) -> Iterator[io.TextIOWrapper]:
    """``out`` as UTF-8 text (no newline translation), left open for the caller."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        yield text
    finally:
        text.flush()
        text.detach()


@contextmanager
def spool() -> Iterator[IO[bytes]]:
    """A temporary file for what a format must write after the items."""
    with tempfile.TemporaryFile(prefix="brigade-export-") as f:
        yield f


def copy_spool(spooled: IO[bytes], out: IO[bytes]) -> None:
    spooled.flush()
    spooled.seek(0)
    shutil.copyfileobj(spooled, out, 1 << 20)
