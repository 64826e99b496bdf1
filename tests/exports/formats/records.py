"""Builders of export records, and running a writer into bytes, for the format tests."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from app.exports.formats import FORMATS, WriteSummary
from app.exports.records import ExportItem, ExportJob, ExportLabel, LabelKind

WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def export_job(
    kind: LabelKind,
    labels: Sequence[str],
    *,
    multi: bool = False,
    tokenize: Literal["char", "whitespace"] = "char",
) -> ExportJob:
    return ExportJob(
        job_id="4b1d0c8e-0000-4000-8000-000000000001",
        name="Delivery test",
        kind=kind,
        multi=multi,
        labels=tuple(labels),
        label_titles={name: name.title() for name in labels},
        tokenize=tokenize,
        exported_at=WHEN,
    )


def label(
    label_id: int,
    answer: Mapping[str, Any],
    *,
    annotator: str = "ann-1",
    status: str = "accepted",
    origin: Literal["brigade", "annotation", "prediction"] = "brigade",
    score: float | None = None,
) -> ExportLabel:
    return ExportLabel(
        label_id=label_id,
        annotator_id=annotator,
        vendor_id="vendor-1",
        answer=answer,
        status=status,
        submitted_at=WHEN,
        active_ms=12_345,
        origin=origin,
        score=score,
    )


def image_item(
    item_id: int,
    answer: Mapping[str, Any] | None,
    *,
    size: tuple[int, int] | None = (640, 480),
    labels: Sequence[ExportLabel] = (),
    url: str | None = None,
    extension: str = ".jpg",
) -> ExportItem:
    return ExportItem(
        item_id=item_id,
        dataset_id="ds-1",
        seq=item_id,
        kind="image",
        source=f"photo_{item_id}{extension}",
        file_name=f"{item_id}{extension}",
        text=None,
        object_key=f"objects/{item_id:08x}",
        url=url if url is not None else f"https://store.example/objects/{item_id}{extension}",
        width=size[0] if size else None,
        height=size[1] if size else None,
        meta={"camera": "north"},
        answer=answer,
        confidence=None if answer is None else 0.875,
        agreement=None if answer is None else 0.75,
        state="open" if answer is None else "decided",
        review_action=None,
        labels=tuple(labels),
    )


def text_item(
    item_id: int,
    text: str,
    answer: Mapping[str, Any] | None,
    *,
    labels: Sequence[ExportLabel] = (),
) -> ExportItem:
    return ExportItem(
        item_id=item_id,
        dataset_id="ds-2",
        seq=item_id,
        kind="text",
        source=f"line {item_id}",
        file_name=f"{item_id}.txt",
        text=text,
        object_key=None,
        url=None,
        width=None,
        height=None,
        meta={},
        answer=answer,
        confidence=None if answer is None else 0.9,
        agreement=None if answer is None else 1.0,
        state="open" if answer is None else "decided",
        review_action=None,
        labels=tuple(labels),
    )


def boxes(*found: tuple[str, float, float, float, float]) -> dict[str, Any]:
    return {"boxes": [{"label": n, "x": x, "y": y, "w": w, "h": h} for n, x, y, w, h in found]}


def polygons(*found: tuple[str, list[list[float]]]) -> dict[str, Any]:
    return {"polygons": [{"label": n, "points": p} for n, p in found]}


def spans(text: str, *found: tuple[str, str]) -> dict[str, Any]:
    """A spans answer from (covered text, label) pairs, each found left to right in ``text``."""
    out, position = [], 0
    for covered, name in found:
        start = text.index(covered, position)
        out.append({"label": name, "start": start, "end": start + len(covered), "text": covered})
        position = start + 1
    return {"spans": sorted(out, key=lambda s: (s["start"], s["end"], s["label"]))}


def run(
    name: str, job: ExportJob, items: Iterable[ExportItem], *, raw: bool = False
) -> tuple[bytes, WriteSummary]:
    """Write ``items`` as format ``name`` into a temporary file the way the pipeline does."""
    with tempfile.TemporaryFile() as out:
        summary = FORMATS[name].write(job, items, out, raw=raw)
        out.seek(0)
        return out.read(), summary


def save(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def zip_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {name: zf.read(name) for name in zf.namelist()}
