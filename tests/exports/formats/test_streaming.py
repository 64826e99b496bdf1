"""Writers stream: tens of thousands of items through a generator keep the memory peak small
(what is written after the items, like COCO's annotations, is spooled to disk)."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.pool
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from app.exports.formats import FORMATS
from app.exports.records import ExportItem, LabelKind
from tests.exports.formats.records import export_job, image_item, label, text_item

PEAK_LIMIT = 30 * 2**20
# Tighter: at these counts even 100 bytes kept per item (a zip entry's ZipInfo is 350) shows.
FLAT_LIMIT = 5 * 2**20
TEXT = "张三在北京大学读书，去年去了上海。" * 3


def boxes(i: int) -> Iterator[ExportItem]:
    for n in range(i):
        answer = {
            "boxes": [
                {"label": "car", "x": 10.0 + n % 50, "y": 20.5, "w": 100.25, "h": 80.0},
                {"label": "person", "x": 300.0, "y": 40.0, "w": 30.5, "h": 90.0 + n % 7},
            ]
        }
        yield image_item(n + 1, answer, labels=[label(n, answer), label(n, answer)])


def text_spans(i: int) -> Iterator[ExportItem]:
    for n in range(i):
        answer = {"spans": [{"label": "car", "start": 3, "end": 7, "text": TEXT[3:7]}]}
        yield text_item(n + 1, TEXT, answer)


def text_classes(i: int) -> Iterator[ExportItem]:
    for n in range(i):
        yield text_item(n + 1, TEXT, {"label": "car"}, labels=[label(n, {"label": "person"})])


def image_classes(i: int) -> Iterator[ExportItem]:
    for n in range(i):
        yield image_item(n + 1, {"label": "car"}, labels=[label(n, {"label": "person"})])


CASES: list[tuple[str, LabelKind, Callable[[int], Iterator[ExportItem]], int]] = [
    ("jsonl", "image_boxes", boxes, 50_000),
    ("coco", "image_boxes", boxes, 50_000),
    ("yolo", "image_boxes", boxes, 20_000),
    ("voc", "image_boxes", boxes, 5_000),
    ("label_studio", "image_boxes", boxes, 20_000),
    ("image_csv", "image_classification", image_classes, 20_000),
    ("text_csv", "text_classification", text_classes, 20_000),
    ("text_jsonl", "text_classification", text_classes, 20_000),
    ("conll", "text_spans", text_spans, 10_000),
    ("spacy", "text_spans", text_spans, 10_000),
]


def _measure(name: str, kind: LabelKind, make_name: str, count: int) -> tuple[int, int, int]:
    """Write ``count`` items in a fresh process and return (traced peak, file size, items).

    In a process of its own: tracemalloc counts every thread's allocations, and threads left
    by other tests (a browser driver, a server's log reader) would be counted as the writer's.
    """
    job = export_job(kind, ("car", "person"))
    raw = FORMATS[name].raw
    make: Callable[[int], Iterator[ExportItem]] = globals()[make_name]
    with tempfile.TemporaryFile() as warm:  # lazy imports and caches first, out of the count
        FORMATS[name].write(job, make(10), warm, raw=raw)
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            summary = FORMATS[name].write(job, make(count), out, raw=raw)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        size = out.tell()
        if name == "coco":
            out.seek(0)
            parsed = json.load(out)
            assert len(parsed["images"]) == count
            assert len(parsed["annotations"]) == count * 6  # consensus and two labels, raw
    return peak, size, summary.items


@pytest.fixture(scope="module")
def clean_process() -> Iterator[multiprocessing.pool.Pool]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        yield pool


@pytest.mark.parametrize(("name", "kind", "make", "count"), CASES, ids=[c[0] for c in CASES])
def test_memory_stays_flat_however_many_items(
    clean_process: multiprocessing.pool.Pool,
    name: str,
    kind: LabelKind,
    make: Callable[[int], Iterator[ExportItem]],
    count: int,
) -> None:
    peak, size, items = clean_process.apply(_measure, (name, kind, make.__name__, count))
    assert items == count
    shown = f"{name}: peak {peak / 2**20:.1f} MiB for a {size >> 20} MiB file"
    assert peak < PEAK_LIMIT, shown
    assert peak < FLAT_LIMIT, shown
