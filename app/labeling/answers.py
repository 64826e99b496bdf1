"""Validation of one annotator's answer for one item against the job's label schema. Pure.

``validate_answer`` returns the normalized, JSON-ready answer or raises ``InvalidInput`` whose
``fields`` list every problem found (the first ``MAX_PROBLEMS``), each at a path under ``field``.

Normalization (what is stored, and what the checks look at):

* Coordinates become floats rounded to 3 decimals. A thousandth of a pixel is far below what a
  person can point at; rounding makes the stored JSON stable and lets the polygon geometry run on
  exact integers (thousandths of a pixel) instead of float predicates with tolerances.
* Multi-label classifications list their labels in schema order (the set is what matters).
* Boxes and polygons keep the annotator's order; spans are sorted by (start, end, label) and
  carry the text they cover.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from app.errors import FieldError, InvalidInput
from app.jobs.label_schema import (
    ImageBoxes,
    ImageClassification,
    ImagePolygons,
    TextClassification,
    TextSpans,
    label_schema_adapter,
)
from app.labeling.geometry import shape_problem

LabelSchemaModel = ImageClassification | ImageBoxes | ImagePolygons | TextClassification | TextSpans

MAX_PROBLEMS = 50
MAX_BOXES = 1000
MAX_POLYGONS = 1000
MAX_SPANS = 5000
EPSILON = 1e-6  # slack on the image bounds for float sums such as x + w
DECIMALS = 3
# With no known image size only the origin is known; this ceiling keeps coordinates sane
# (and finite once scaled) while being far beyond any image the ingest accepts.
MAX_COORD = 1e9
_SCALE = 10**DECIMALS
_SHOWN_LABELS = 10


@dataclass(frozen=True)
class ItemFacts:
    """What validation needs to know about the item."""

    width: int | None  # images: pixels of the stored, EXIF-oriented image
    height: int | None
    text: str | None  # texts


def parse_schema(raw: dict[str, Any]) -> LabelSchemaModel:
    """The job's stored schema as a model; cached, so treat the result as read-only.

    It is called on every submit; the key is the canonical JSON so equal schemas share one entry.
    A stored schema was validated when the job was saved: failing here is a server bug, hence the
    plain pydantic ``ValidationError``.
    """
    return _parse_schema_json(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS))


@functools.lru_cache(maxsize=256)
def _parse_schema_json(raw: bytes) -> LabelSchemaModel:
    return label_schema_adapter.validate_json(raw)


def validate_answer(
    schema: LabelSchemaModel, answer: object, item: ItemFacts, *, field: str
) -> dict[str, Any]:
    """Return the normalized answer or raise ``InvalidInput`` listing its problems.

    ``field`` prefixes every reported path (e.g. ``labels[0].answer``). A text kind with no
    ``item.text`` is a caller bug (``ValueError``); an image with no known size is checked
    against the origin and ``MAX_COORD`` only.
    """
    problems = _Problems()
    try:
        result = _validate(schema, answer, item, field, problems)
    except _Full:
        result = {}
    if problems.items:
        raise InvalidInput(problems.summary(), fields=problems.items)
    return result


def _validate(
    schema: LabelSchemaModel, answer: object, item: ItemFacts, path: str, p: _Problems
) -> dict[str, Any]:
    labels = _Labels(schema)
    if isinstance(schema, TextClassification | TextSpans):
        if item.text is None:
            raise ValueError(f"a {schema.kind} answer needs ItemFacts.text")
        if isinstance(schema, TextSpans):
            return _spans(schema.allow_overlap, answer, item.text, labels, path, p)
    if isinstance(schema, ImageClassification | TextClassification):
        return _classification(schema.multi, answer, labels, path, p)
    bounds = _Bounds.of(item)
    if isinstance(schema, ImageBoxes):
        return _boxes(schema.min_size_px, answer, bounds, labels, path, p)
    return _polygons(schema.max_points, answer, bounds, labels, path, p)


# --- problems and generic JSON checks ---------------------------------------------------------


class _Full(Exception):
    """Stops the walk once MAX_PROBLEMS are listed: more would not help anyone."""


class _Problems:
    def __init__(self) -> None:
        self.items: list[FieldError] = []
        self.more = False

    def add(self, field: str, message: str) -> None:
        if len(self.items) >= MAX_PROBLEMS:
            self.more = True
            raise _Full
        self.items.append(FieldError(field=field, message=message))

    def summary(self) -> str:
        head = "; ".join(f"{e.field}: {e.message}" for e in self.items[:3])
        rest = len(self.items) - 3
        if self.more:
            head += f"; and more (the first {MAX_PROBLEMS} are listed)"
        elif rest > 0:
            head += f"; and {rest} more"
        return f"Invalid answer — {head}"


def _show(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


def _num(value: float) -> str:
    return f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _key_path(path: str, key: object) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{orjson.dumps(str(key)[:40]).decode()}]"


def _object(
    value: object,
    path: str,
    keys: tuple[str, ...],
    optional: tuple[str, ...],
    shape: str,
    p: _Problems,
) -> dict[Any, Any] | None:
    """The object if it is one (unexpected and missing keys are reported, not fatal)."""
    if not isinstance(value, dict):
        p.add(path, f"must be an object like {shape}, not {_kind(value)}")
        return None
    allowed = ", ".join((*keys, *optional))
    for key in value:
        if key not in keys and key not in optional:
            p.add(_key_path(path, key), f"unexpected key (allowed: {allowed})")
    for key in keys:
        if key not in value:
            p.add(f"{path}.{key}", "is required")
    return value


def _list(value: object, path: str, limit: int, what: str, p: _Problems) -> list[Any]:
    if not isinstance(value, list):
        p.add(path, f"expected a list, not {_kind(value)}")
        return []
    if len(value) > limit:
        p.add(path, f"at most {limit} {what} (got {len(value)})")
        return []
    return value


def _number(value: object, path: str, p: _Problems) -> float | None:
    """A finite JSON number, rounded to DECIMALS; booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        p.add(path, f"must be a number, not {_kind(value)}")
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range
        number = math.inf
    if not math.isfinite(number):
        p.add(path, "must be a finite number")
        return None
    return round(number, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


class _Labels:
    def __init__(self, schema: LabelSchemaModel) -> None:
        self.order = {label.name: i for i, label in enumerate(schema.labels)}

    def check(self, value: object, path: str, p: _Problems) -> str | None:
        if not isinstance(value, str):
            p.add(path, f"must be a label name (a string), not {_kind(value)}")
            return None
        if value in self.order:
            return value
        folded = value.casefold()
        for name in self.order:
            if name.casefold() == folded:
                p.add(path, f"{_show(value)} is not a label of this job; did you mean {name!r}?")
                return None
        names = list(self.order)
        shown = ", ".join(repr(n) for n in names[:_SHOWN_LABELS])
        if len(names) > _SHOWN_LABELS:
            shown += f", … ({len(names)} in all)"
        p.add(path, f"{_show(value)} is not one of this job's labels: {shown}")
        return None


# --- classification ---------------------------------------------------------------------------


def _classification(
    multi: bool, answer: object, labels: _Labels, path: str, p: _Problems
) -> dict[str, Any]:
    if not multi:
        obj = _object(answer, path, ("label",), (), '{"label": "<name>"}', p)
        if obj is None or "label" not in obj:
            return {}
        return {"label": labels.check(obj["label"], f"{path}.label", p)}
    obj = _object(answer, path, ("labels",), (), '{"labels": ["<name>", ...]}', p)
    if obj is None or "labels" not in obj:
        return {}
    chosen: dict[str, int] = {}
    values = _list(obj["labels"], f"{path}.labels", len(labels.order), "labels (one of each)", p)
    for i, value in enumerate(values):
        name = labels.check(value, f"{path}.labels[{i}]", p)
        if name is None:
            continue
        if name in chosen:
            p.add(f"{path}.labels[{i}]", f"{name!r} is already chosen at labels[{chosen[name]}]")
        chosen.setdefault(name, i)
    return {"labels": sorted(chosen, key=labels.order.__getitem__)}


# --- image geometry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bounds:
    width: float
    height: float
    known: bool

    @classmethod
    def of(cls, item: ItemFacts) -> _Bounds:
        if item.width is None or item.height is None:
            return cls(MAX_COORD, MAX_COORD, known=False)
        return cls(float(item.width), float(item.height), known=True)

    def describe(self) -> str:
        if self.known:
            return f"the image ({_num(self.width)}x{_num(self.height)} px)"
        return f"the accepted range (0 to {_num(MAX_COORD)})"


_BOX_KEYS = ("label", "x", "y", "w", "h")


def _boxes(
    min_size: float, answer: object, bounds: _Bounds, labels: _Labels, path: str, p: _Problems
) -> dict[str, Any]:
    obj = _object(answer, path, ("boxes",), (), '{"boxes": [...]}', p)
    if obj is None or "boxes" not in obj:
        return {}
    out: list[dict[str, Any]] = []
    for i, raw in enumerate(_list(obj["boxes"], f"{path}.boxes", MAX_BOXES, "boxes per answer", p)):
        box_path = f"{path}.boxes[{i}]"
        box = _object(raw, box_path, _BOX_KEYS, (), '{"label", "x", "y", "w", "h"}', p)
        if box is None:
            continue
        label = labels.check(box["label"], f"{box_path}.label", p) if "label" in box else None
        x, y, w, h = (_number(box[k], f"{box_path}.{k}", p) if k in box else None for k in "xywh")
        _box_axis(box_path, "x", x, w, bounds, min_size, p)
        _box_axis(box_path, "y", y, h, bounds, min_size, p)
        out.append({"label": label, "x": x, "y": y, "w": w, "h": h})
    return {"boxes": out}


def _box_axis(
    path: str,
    axis: Literal["x", "y"],
    start: float | None,
    size: float | None,
    bounds: _Bounds,
    min_size: float,
    p: _Problems,
) -> None:
    start_key, size_key, dimension = ("x", "w", "width") if axis == "x" else ("y", "h", "height")
    limit = bounds.width if axis == "x" else bounds.height
    if size is not None:
        if size == 0:
            p.add(f"{path}.{size_key}", "zero area: the size must be greater than 0")
        elif size < 0:
            p.add(f"{path}.{size_key}", "must be greater than 0 (x, y is the top-left corner)")
        elif size < min_size:
            p.add(
                f"{path}.{size_key}",
                f"{_num(size)} px is under this job's minimum box size of {_num(min_size)} px",
            )
    if start is None:
        return
    if start < -EPSILON:
        p.add(f"{path}.{start_key}", "must be >= 0 (the origin is the image's top-left corner)")
    elif size is not None and size > 0 and start + size > limit + EPSILON:
        p.add(
            f"{path}.{size_key}",
            f"{start_key} + {size_key} = {_num(start + size)} is past the {dimension} "
            f"of {bounds.describe()}",
        )


def _polygons(
    max_points: int, answer: object, bounds: _Bounds, labels: _Labels, path: str, p: _Problems
) -> dict[str, Any]:
    obj = _object(answer, path, ("polygons",), (), '{"polygons": [...]}', p)
    if obj is None or "polygons" not in obj:
        return {}
    out: list[dict[str, Any]] = []
    values = _list(obj["polygons"], f"{path}.polygons", MAX_POLYGONS, "polygons per answer", p)
    for i, raw in enumerate(values):
        poly_path = f"{path}.polygons[{i}]"
        poly = _object(raw, poly_path, ("label", "points"), (), '{"label", "points"}', p)
        if poly is None:
            continue
        label = labels.check(poly["label"], f"{poly_path}.label", p) if "label" in poly else None
        points = None
        if "points" in poly:
            points = _points(poly["points"], f"{poly_path}.points", bounds, max_points, p)
        out.append({"label": label, "points": [list(pt) for pt in points or ()]})
    return {"polygons": out}


def _points(
    value: object, path: str, bounds: _Bounds, max_points: int, p: _Problems
) -> list[tuple[float, float]] | None:
    """The polygon's points; None when any is wrong (the shape is then not checked)."""
    values = _list(value, path, max_points, "points in a polygon of this job", p)
    if isinstance(value, list) and len(value) < 3:
        p.add(path, f"a polygon needs at least 3 points (got {len(value)})")
    if len(values) < 3:
        return None
    points: list[tuple[float, float]] = []
    ok = True
    for k, raw in enumerate(values):
        point_path = f"{path}[{k}]"
        if not isinstance(raw, list) or len(raw) != 2:
            p.add(point_path, f"expected a point [x, y], not {_kind(raw)}")
            ok = False
            continue
        x, y = _number(raw[0], f"{point_path}[0]", p), _number(raw[1], f"{point_path}[1]", p)
        if x is None or y is None:
            ok = False
            continue
        inside_x = -EPSILON <= x <= bounds.width + EPSILON
        if not (inside_x and -EPSILON <= y <= bounds.height + EPSILON):
            p.add(point_path, f"({_num(x)}, {_num(y)}) lies outside {bounds.describe()}")
            ok = False
        elif points and points[-1] == (x, y):
            p.add(point_path, "repeats the previous point")
            ok = False
        points.append((x, y))
    if not ok:
        return None
    if points[-1] == points[0]:
        p.add(
            f"{path}[{len(points) - 1}]",
            "repeats the first point; a polygon closes by itself, leave the last point out",
        )
        return None
    problem = shape_problem(points, _SCALE)
    if problem is not None:
        p.add(path, problem)
    return points


# --- text spans -------------------------------------------------------------------------------


def _spans(
    allow_overlap: bool, answer: object, text: str, labels: _Labels, path: str, p: _Problems
) -> dict[str, Any]:
    obj = _object(answer, path, ("spans",), (), '{"spans": [...]}', p)
    if obj is None or "spans" not in obj:
        return {}
    found: list[tuple[int, int, str, int]] = []  # start, end, label, index in the answer
    for i, raw in enumerate(_list(obj["spans"], f"{path}.spans", MAX_SPANS, "spans per answer", p)):
        span_path = f"{path}.spans[{i}]"
        span = _object(raw, span_path, ("label", "start", "end"), ("text",), _SPAN_SHAPE, p)
        if span is None:
            continue
        label = labels.check(span["label"], f"{span_path}.label", p) if "label" in span else None
        start = _offset(span, "start", span_path, p)
        end = _offset(span, "end", span_path, p)
        if start is None or end is None or not _span_fits(span, start, end, text, span_path, p):
            continue
        if label is not None:
            found.append((start, end, label, i))
    found.sort()
    first: dict[tuple[int, int, str], int] = {}
    reach, reach_index = -1, -1  # the furthest end so far, and whose
    for start, end, label, i in found:
        twin = first.setdefault((start, end, label), i)
        if twin != i:
            p.add(f"{path}.spans[{i}]", f"repeats spans[{twin}] (same label and offsets)")
            continue
        if start < reach and not allow_overlap:
            p.add(
                f"{path}.spans[{i}]",
                f"overlaps spans[{reach_index}]; this job does not allow overlapping spans",
            )
        if end > reach:
            reach, reach_index = end, i
    return {
        "spans": [
            {"label": label, "start": start, "end": end, "text": text[start:end]}
            for start, end, label, _ in found
        ]
    }


_SPAN_SHAPE = '{"label", "start", "end"} (and optionally "text")'


def _offset(span: dict[Any, Any], key: str, path: str, p: _Problems) -> int | None:
    if key not in span:
        return None
    value = span[key]
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(f"{path}.{key}", f"must be an integer offset in code points, not {_kind(value)}")
        return None
    return value


def _span_fits(
    span: dict[Any, Any], start: int, end: int, text: str, path: str, p: _Problems
) -> bool:
    ok = True
    if start < 0:
        p.add(f"{path}.start", "must be >= 0")
        ok = False
    if end > len(text):
        p.add(f"{path}.end", f"is past the end of the text ({len(text)} code points)")
        ok = False
    if start >= end:
        p.add(path, "is empty (start == end)" if start == end else "start must be before end")
        ok = False
    given = span.get("text")
    if given is None:  # absent, or null as clients that dump optional fields send it
        return ok
    if not isinstance(given, str):
        p.add(f"{path}.text", f"must be a string, not {_kind(given)}")
        return False
    if ok and text[start:end] == given:
        return True
    hint = _utf16_hint(given, text, start, end)
    if ok or hint:
        where = f"text[{start}:{end}] is {_show(text[start:end])}; " if ok else ""
        p.add(
            f"{path}.text",
            f"does not match the item's text ({where}offsets count Unicode code points, "
            f"not UTF-16 units or bytes){hint}",
        )
    return False


def _utf16_hint(given: str, text: str, start: int, end: int) -> str:
    """Name the code-point offsets when the client evidently sent UTF-16 ones (JavaScript)."""
    if start < 0 or end <= start:
        return ""
    units = text.encode("utf-16-le")
    try:
        if units[2 * start : 2 * end].decode("utf-16-le") != given:
            return ""
        cp_start = len(units[: 2 * start].decode("utf-16-le"))
    except UnicodeDecodeError:  # the offsets split a surrogate pair
        return ""
    cp_end = cp_start + len(given)
    return f"; read as UTF-16 offsets they match: in code points that is [{cp_start}, {cp_end})"
