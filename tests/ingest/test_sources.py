"""Streaming readers: bad records are rejected one by one, bad files as a whole, and nothing
is ever held whole in memory (a 50 MB line is skipped, not read)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from app.ingest.sources import (
    Problem,
    Record,
    SourceRejected,
    TextOptions,
    read_text_source,
)


def _read(path: Path, fmt: str, **kw: object) -> list[Record | Problem]:
    return list(read_text_source(path, fmt, TextOptions(**kw)))  # type: ignore[arg-type]


def test_a_50_mb_jsonl_line_is_skipped_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as fh:
        fh.write(b'{"text": "before"}\n')
        fh.write(b'{"text": "' + b"x" * (50 << 20) + b'"}\n')
        fh.write(b'{"text": "after"}\n')
    tracemalloc.start()
    out = _read(path, "jsonl")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [type(r).__name__ for r in out] == ["Record", "Problem", "Record"]
    problem = out[1]
    assert isinstance(problem, Problem)
    assert (problem.seq, problem.code, problem.source) == (1, "too_long", "line 2")
    assert peak < 8 << 20  # the 50 MB line never sat in memory


def test_jsonl_records_and_their_problems(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"  # a BOM before the first record
        + b'{"text": "a", "k": 1}\n\n'
        + b"[1, 2]\n"
        + b'{"body": "no text"}\n'
        + b'{"text": "b", "label": "pos"}\n'
    )
    out = _read(path, "jsonl", answer_field="label")
    assert [getattr(r, "code", "ok") for r in out] == [
        "missing_answer",
        "invalid_json",
        "missing_field",
        "ok",
    ]
    last = out[-1]
    assert isinstance(last, Record)
    assert (last.raw, last.answer, last.meta) == ("b", "pos", {})


def test_csv_ragged_rows_bad_bytes_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(
        b'\xef\xbb\xbftext,shop\n"line one\nline two",a\nshort\nbad \xff byte,b\nok,c\n'
    )
    out = _read(path, "csv")
    assert [getattr(r, "code", "ok") for r in out] == ["ok", "ragged_row", "invalid_utf8", "ok"]
    first = out[0]
    assert isinstance(first, Record)
    assert first.raw == "line one\nline two"
    assert first.meta == {"shop": "a"}


def test_csv_without_header_or_column_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceRejected) as exc:
        _read(empty, "csv")
    assert exc.value.code == "empty"
    other = tmp_path / "other.csv"
    other.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(SourceRejected) as exc:
        _read(other, "csv")
    assert exc.value.code == "missing_column"


def test_plain_text_lines_keep_their_bytes_for_the_cleaner(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_bytes("第一行\r\n\r\n第二行\n".encode() + b"\xff\n")
    out = _read(path, "txt")
    assert [r.raw for r in out if isinstance(r, Record)] == [
        "第一行".encode(),
        "第二行".encode(),
        b"\xff",
    ]
    assert [r.source for r in out] == ["line 1", "line 3", "line 4"]


def test_label_studio_list_streams_and_a_broken_file_fails(tmp_path: Path) -> None:
    good = tmp_path / "ls.json"
    good.write_bytes(b'[{"id": 1, "data": {"text": "hi"}}, {"id": 2, "data": "nope"}]')
    out = _read(good, "labelstudio")
    assert [getattr(r, "code", "ok") for r in out] == ["ok", "invalid_task"]
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'[{"id": 1, "data": {"text": "hi"}}, {"id": 2, "da')
    with pytest.raises(SourceRejected) as exc:
        _read(broken, "labelstudio")
    assert exc.value.code == "invalid_json"
