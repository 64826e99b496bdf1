"""Streaming readers for text datasets: JSONL, CSV/TSV, plain text and Label Studio JSON.

Each yields ``Record`` (one candidate item, still raw) or ``Problem`` (a source record that can
not become an item, with a reason). Files are read from disk in bounded pieces: a 50 MB line is
skipped as too long without ever being held whole, invalid UTF-8 rejects one record, not the
file. ``seq`` numbers records in source order; it is the resume point of an interrupted ingest.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import ijson
import orjson

TextFormat = Literal["jsonl", "csv", "tsv", "txt", "labelstudio"]
TEXT_FORMATS: tuple[TextFormat, ...] = ("jsonl", "csv", "tsv", "txt", "labelstudio")

MAX_RECORD_BYTES = 1 << 20  # one JSONL line / CSV row / text line; longer ones are rejected


@dataclass(frozen=True, slots=True)
class Record:
    seq: int
    source: str
    raw: bytes | str
    meta: dict[str, Any] = field(default_factory=dict)
    answer: Any = None


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    source: str
    code: str
    detail: str


class SourceRejected(Exception):
    """The file as a whole cannot be read (wrong format, no header, missing column)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TextOptions:
    text_field: str = "text"  # JSONL key / CSV column / Label Studio data key
    answer_field: str | None = None  # gold datasets: where the known answer is
    max_record_bytes: int = MAX_RECORD_BYTES


@dataclass(frozen=True, slots=True)
class LineBlock:
    """Consecutive lines of a JSONL or plain-text file, not parsed yet: a big dataset's lines
    are parsed where they are cleaned (worker processes). ``None`` stands for a line over the
    record limit, whose bytes were never held whole."""

    first_number: int  # line number of ``lines[0]``, from 1
    first_seq: int  # seq of its first record (blank lines are not records)
    records: int  # non-blank lines
    lines: list[bytes | None]

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.records - 1


_READ = 1 << 20  # bytes read at a time


def line_blocks(
    fh: BinaryIO, limit: int, size: int, first: int | None = None
) -> Iterator[LineBlock]:
    """The file's lines, ``size`` at a time (``first`` in the first block, to get a pipeline
    going sooner), read in 1 MiB pieces: memory stays a block plus ``limit`` whatever the file
    or its longest line. Lines are split on LF (a CRLF's CR is dropped by ``block_records``)."""
    _skip_bom(fh)
    want = first or size
    number, seq = 1, 0
    lines: list[bytes | None] = []
    tail, skipping = b"", False
    while block := fh.read(_READ):
        if skipping:  # inside an overlong line: drop bytes up to its end
            end = block.find(b"\n")
            if end < 0:
                continue
            lines.append(None)
            block, skipping = block[end + 1 :], False
        parts: list[bytes | None] = (tail + block).split(b"\n")  # type: ignore[assignment]
        tail = parts.pop() or b""
        if max(map(len, parts), default=0) > limit:  # type: ignore[arg-type]
            parts = [None if p is not None and len(p) > limit else p for p in parts]
        lines += parts
        if len(tail) > limit:
            tail, skipping = b"", True
        while len(lines) >= want:
            out = _block(number, seq, lines[:want])
            number, seq, lines = number + want, seq + out.records, lines[want:]
            want = size
            yield out
    if skipping:
        lines.append(None)
    elif tail:
        lines.append(tail)
    if lines:
        yield _block(number, seq, lines)


def _block(number: int, seq: int, lines: list[bytes | None]) -> LineBlock:
    # Blank lines are not records; one of only "\r" (CRLF) is whitespace too. Counted with
    # C-level calls only: this runs in the job's process, the pipeline's narrowest stage.
    blank = lines.count(b"") + sum(map(bytes.isspace, filter(None, lines)))
    return LineBlock(number, seq, len(lines) - blank, lines)


def block_records(
    block: LineBlock, fmt: Literal["jsonl", "txt"], opts: TextOptions, after: int = -1
) -> Iterator[Record | Problem]:
    """A block's records (JSONL objects or text lines), skipping seqs up to ``after``."""
    seq = block.first_seq - 1
    for k, line in enumerate(block.lines):
        if line is not None and not line.strip():
            continue  # blank lines are not records
        seq += 1
        if seq <= after:
            continue
        where = f"line {block.first_number + k}"
        if line is None:
            yield Problem(seq, where, "too_long", f"line over {opts.max_record_bytes} bytes")
            continue
        if line.endswith(b"\r"):  # CRLF line ends: blocks keep lines as split on LF
            line = line[:-1]
        if fmt == "jsonl":
            yield parse_json_line(seq, where, line, opts)
        else:
            yield Record(seq, where, line)  # bytes: UTF-8 is checked by the cleaner


def _skip_bom(fh: BinaryIO) -> None:
    if fh.read(3) != codecs.BOM_UTF8:
        fh.seek(0)


def _read_lines(
    fh: BinaryIO, fmt: Literal["jsonl", "txt"], opts: TextOptions
) -> Iterator[Record | Problem]:
    for block in line_blocks(fh, opts.max_record_bytes, 4096):
        yield from block_records(block, fmt, opts)


def parse_json_line(seq: int, where: str, line: bytes, opts: TextOptions) -> Record | Problem:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        code = "invalid_utf8" if "utf-8" in str(exc).lower() else "invalid_json"
        return Problem(seq, where, code, f"not a JSON object: {exc}")
    if not isinstance(obj, dict):
        return Problem(seq, where, "invalid_json", "each line must be a JSON object")
    return _from_mapping(seq, where, obj, opts)


def _from_mapping(seq: int, where: str, obj: dict[str, Any], opts: TextOptions) -> Record | Problem:
    text = obj.get(opts.text_field)
    if not isinstance(text, str):
        return Problem(
            seq, where, "missing_field", f"no string field {opts.text_field!r} in this record"
        )
    answer = None
    if opts.answer_field is not None:
        if opts.answer_field not in obj:
            return Problem(
                seq, where, "missing_answer", f"gold record has no {opts.answer_field!r}"
            )
        answer = obj.pop(opts.answer_field)
    del obj[opts.text_field]  # the rest is the record's metadata (the object is ours)
    return Record(seq, where, text, obj, answer)


def read_csv(fh: BinaryIO, opts: TextOptions, delimiter: str = ",") -> Iterator[Record | Problem]:
    # surrogateescape keeps undecodable bytes visible so the row (not the file) is rejected.
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        yield from _csv_rows(text, opts, delimiter)
    finally:
        text.detach()  # the caller owns (and closes) the binary file


def _csv_rows(
    text: io.TextIOWrapper, opts: TextOptions, delimiter: str
) -> Iterator[Record | Problem]:
    csv.field_size_limit(opts.max_record_bytes)
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceRejected("empty", "the file is empty: expected a header row") from None
    except csv.Error as exc:
        raise SourceRejected("invalid_csv", f"cannot read the header row: {exc}") from None
    header = [h.strip() for h in header]
    if opts.text_field not in header:
        raise SourceRejected(
            "missing_column",
            f"no column {opts.text_field!r} in the header (columns: {', '.join(header[:20])})",
        )
    column = header.index(opts.text_field)
    answer_col = _answer_column(header, opts)
    seq = -1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the size limit
            seq += 1
            yield Problem(seq, f"row {reader.line_num}", "too_long", str(exc))
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        seq += 1
        where = f"row {reader.line_num}"
        if len(row) != len(header):
            yield Problem(
                seq, where, "ragged_row", f"{len(row)} fields where the header has {len(header)}"
            )
            continue
        if any(_has_surrogates(v) for v in row):
            yield Problem(seq, where, "invalid_utf8", "the row has bytes that are not UTF-8")
            continue
        meta = {
            h: v
            for i, (h, v) in enumerate(zip(header, row, strict=True))
            if i not in (column, answer_col)
        }
        answer = row[answer_col] if answer_col is not None else None
        yield Record(seq, where, row[column], meta, answer)


def _answer_column(header: list[str], opts: TextOptions) -> int | None:
    if opts.answer_field is None:
        return None
    if opts.answer_field not in header:
        raise SourceRejected("missing_column", f"no answer column {opts.answer_field!r}")
    return header.index(opts.answer_field)


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def read_labelstudio(fh: BinaryIO, opts: TextOptions) -> Iterator[Record | Problem]:
    """``[{"data": {"text": …}, …}, …]``, streamed task by task (ijson), never loaded whole."""
    seq = -1
    try:
        for seq, task in enumerate(ijson.items(fh, "item", use_float=True)):
            where = f"task {seq + 1}"
            data = task.get("data") if isinstance(task, dict) else None
            if not isinstance(data, dict):
                yield Problem(seq, where, "invalid_task", "a Label Studio task needs 'data'")
                continue
            record = _from_mapping(seq, where, data, opts)
            if isinstance(record, Record) and "id" in task:
                record.meta["labelstudio_id"] = task["id"]
            yield record
    except ijson.JSONError as exc:
        raise SourceRejected(
            "invalid_json", f"not a Label Studio task list (after task {seq + 1}): {exc}"
        ) from None


def read_text_source(path: Path, fmt: TextFormat, opts: TextOptions) -> Iterator[Record | Problem]:
    with path.open("rb") as fh:
        if fmt in ("jsonl", "txt"):
            yield from _read_lines(fh, fmt, opts)
        elif fmt == "csv":
            yield from read_csv(fh, opts)
        elif fmt == "tsv":
            yield from read_csv(fh, opts, delimiter="\t")
        else:
            yield from read_labelstudio(fh, opts)
