"""Read a Label Studio JSON export (a list of tasks) into Brigade's answer shapes. Pure: it reads
the bytes it is given, streams them (ijson) and yields one result per task, in file order.

``read_tasks`` yields an ``ImportedTask`` (the task's text or image reference, the answers of its
annotations and, apart, of its predictions) or a ``TaskProblem`` listing everything wrong with
the task (unknown label, result type the job cannot hold, rotated box, offsets that do not match
the text...): a task is imported whole or not at all, and one bad task does not stop the rest.
A file that is not a JSON list of tasks raises ``LabelStudioFileError``.

Conversions: percent coordinates become pixels of ``original_width`` x ``original_height``,
rounded to 3 decimals like every stored answer; span offsets are code points (Label Studio's
since 2021); offsets that only fit the text as UTF-16 units (older exports, JavaScript) are
converted. Cancelled (skipped) annotations are counted, not imported. The answers still go
through ``app.labeling.answers.validate_answer`` where they are stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal

import ijson

from app.exports.formats.base import r3
from app.exports.formats.label_studio import RESULT_TYPES, data_key
from app.exports.records import LabelKind

_SHOWN_LABELS = 10
_EDGE_SLACK = 0.5  # px: percent round trips may overshoot the image by a hair; clamped


class LabelStudioFileError(ValueError):
    """The file as a whole is not a Label Studio JSON export."""


@dataclass(frozen=True, slots=True)
class ImportedAnswer:
    answer: dict[str, Any]  # app/labeling/answers.py shapes
    ref: int | str | None  # the annotation's or prediction's id in Label Studio
    author: str | None  # annotations: completed_by (an id or an email); predictions: the model
    score: float | None  # predictions
    lead_time: float | None  # seconds
    created_at: str | None


@dataclass(frozen=True, slots=True)
class ImportedTask:
    index: int  # position in the file, from 0
    task_id: int | str | None
    data_kind: Literal["image", "text"]
    text: str | None
    image: str | None  # the reference in the task's data (a URL or path), as given
    width: int | None  # the image size the results were drawn on, when they say
    height: int | None
    annotations: tuple[ImportedAnswer, ...]
    predictions: tuple[ImportedAnswer, ...]
    cancelled: int  # skipped annotations, not imported
    data: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TaskProblem:
    index: int
    task_id: int | str | None
    problems: tuple[str, ...]  # each "<path in the task>: <what is wrong>"

    def message(self) -> str:
        which = f"task {self.index}" + (f" (id {self.task_id})" if self.task_id is not None else "")
        return f"{which}: " + "; ".join(self.problems)


def read_tasks(
    source: BinaryIO,
    *,
    kind: LabelKind,
    labels: Sequence[str],
    multi: bool = False,
    key: str | None = None,
) -> Iterator[ImportedTask | TaskProblem]:
    """The tasks of ``source`` for a job of ``kind`` with ``labels`` (schema order).

    ``key`` names the task data field holding the text or image (default ``image`` / ``text``,
    else the task's only string field).
    """
    reader = _Prefixed(source)
    first = reader.first_byte()
    if first != b"[":
        shown = "an empty file" if not first else f"a file starting with {first!r}"
        raise LabelStudioFileError(
            f"expected a JSON list of tasks (Label Studio's JSON export), got {shown}"
        )
    parser = _TaskParser(kind, labels, multi, key)
    index = -1
    try:
        for index, task in enumerate(ijson.items(reader, "item", use_float=True)):
            yield parser.parse(index, task)
    except ijson.JSONError as e:
        raise LabelStudioFileError(f"the file is not valid JSON after task {index}: {e}") from e


class _Prefixed:
    """``source`` with its first bytes read ahead (to tell a list from anything else)."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._head = b""

    def first_byte(self) -> bytes:
        while True:
            chunk = self._source.read(4096)
            self._head += chunk
            stripped = self._head.removeprefix(b"\xef\xbb\xbf").lstrip()
            if stripped or not chunk:
                self._head = self._head.removeprefix(b"\xef\xbb\xbf")
                return stripped[:1]

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing first, to tell bytes from text
            return b""
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._source.read(size)


class _Problems(list[str]):
    def add(self, path: str, message: str) -> None:
        self.append(f"{path}: {message}")


class _TaskParser:
    def __init__(
        self, kind: LabelKind, labels: Sequence[str], multi: bool, key: str | None
    ) -> None:
        self.kind = kind
        self.result_type = RESULT_TYPES[kind]
        self.labels = {name: i for i, name in enumerate(labels)}
        self.multi = multi
        self.key = key or data_key(kind)
        self.data_kind: Literal["image", "text"] = "image" if kind.startswith("image_") else "text"

    def parse(self, index: int, task: object) -> ImportedTask | TaskProblem:
        if not isinstance(task, dict):
            return TaskProblem(index, None, (f"a task must be an object, not {_kind(task)}",))
        task_id = task.get("id")
        task_id = task_id if isinstance(task_id, int | str) else None
        problems = _Problems()
        # Label Studio takes a task without "data" as its data.
        data = task.get("data", task)
        value = self._value(data, problems)
        context = _Context(self, value, problems)
        listed = task.get("annotations", task.get("completions", [])) or []
        annotations, cancelled = context.annotations(listed)
        predictions = context.predictions(task.get("predictions"))
        if problems:
            return TaskProblem(index, task_id, tuple(problems))
        meta = task.get("meta")
        return ImportedTask(
            index=index,
            task_id=task_id,
            data_kind=self.data_kind,
            text=value if self.data_kind == "text" else None,
            image=value if self.data_kind == "image" else None,
            width=context.size[0] if context.size else None,
            height=context.size[1] if context.size else None,
            annotations=annotations,
            predictions=predictions,
            cancelled=cancelled,
            data=data if isinstance(data, dict) else {},
            meta=meta if isinstance(meta, dict) else {},
        )

    def _value(self, data: object, problems: _Problems) -> str | None:
        if not isinstance(data, dict):
            problems.add("data", f"must be an object, not {_kind(data)}")
            return None
        value = data.get(self.key)
        if value is None:
            strings = [k for k, v in data.items() if isinstance(v, str)]
            if len(strings) != 1:
                keys = ", ".join(repr(k) for k in data) or "none"
                problems.add(
                    "data",
                    f"has no {self.key!r} (keys: {keys}); name the field holding the "
                    f"{self.data_kind}",
                )
                return None
            value = data[strings[0]]
        if not isinstance(value, str):
            problems.add(f"data.{self.key}", f"must be a string, not {_kind(value)}")
            return None
        return value

    def label(self, value: object, path: str, problems: _Problems) -> str | None:
        if isinstance(value, str) and value in self.labels:
            return value
        if not isinstance(value, str):
            problems.add(path, f"must be a label name, not {_kind(value)}")
            return None
        names = list(self.labels)
        hint = next((n for n in names if n.casefold() == value.casefold()), None)
        if hint is not None:
            problems.add(path, f"{value!r} is not a label of this job; did you mean {hint!r}?")
            return None
        shown = ", ".join(repr(n) for n in names[:_SHOWN_LABELS])
        if len(names) > _SHOWN_LABELS:
            shown += f", … ({len(names)} in all)"
        problems.add(path, f"{value!r} is not one of this job's labels: {shown}")
        return None


class _Context:
    """One task's answers: its text or image size, and where its problems go."""

    def __init__(self, parser: _TaskParser, value: str | None, problems: _Problems) -> None:
        self.parser = parser
        self.value = value
        self.problems = problems
        self.size: tuple[int, int] | None = None

    def annotations(self, listed: object) -> tuple[tuple[ImportedAnswer, ...], int]:
        """The annotations' answers, and how many were cancelled (skipped, not imported)."""
        found, cancelled = [], 0
        for i, annotation in enumerate(_objects(listed, "annotations", self.problems)):
            if annotation.get("was_cancelled") or annotation.get("skipped"):
                cancelled += 1
                continue
            author = annotation.get("completed_by")
            if isinstance(author, dict):
                author = author.get("email", author.get("id"))
            lead_time = _number(annotation.get("lead_time"))
            found.append(self._imported(annotation, f"annotations[{i}]", author, None, lead_time))
        return tuple(found), cancelled

    def predictions(self, listed: object) -> tuple[ImportedAnswer, ...]:
        return tuple(
            self._imported(
                prediction,
                f"predictions[{i}]",
                prediction.get("model_version"),
                _number(prediction.get("score")),
                None,
            )
            for i, prediction in enumerate(_objects(listed, "predictions", self.problems))
        )

    def _imported(
        self,
        holder: dict[str, Any],
        path: str,
        author: object,
        score: float | None,
        lead_time: float | None,
    ) -> ImportedAnswer:
        return ImportedAnswer(
            answer=self.answer(holder, path),
            ref=_ref(holder.get("id")),
            author=None if author is None else str(author),
            score=score,
            lead_time=lead_time,
            created_at=_str(holder.get("created_at")),
        )

    def answer(self, holder: dict[str, Any], path: str) -> dict[str, Any]:
        results = list(_objects(holder.get("result"), f"{path}.result", self.problems))
        wanted = self.parser.result_type
        kept: list[tuple[str, dict[str, Any]]] = []
        for i, result in enumerate(results):
            where = f"{path}.result[{i}]"
            kind = result.get("type")
            value = result.get("value")
            if kind != wanted:
                self.problems.add(
                    where,
                    f"type {kind!r} cannot be imported into a {self.parser.kind} job"
                    f" (expected {wanted!r} results)",
                )
            elif not isinstance(value, dict):
                self.problems.add(f"{where}.value", f"must be an object, not {_kind(value)}")
            else:
                kept.append((where, result))
        if wanted == "choices":
            return self._choices(kept, path)
        if wanted == "labels":
            return {
                "spans": sorted(
                    (s for s in (self._span(w, r["value"]) for w, r in kept) if s is not None),
                    key=lambda s: (s["start"], s["end"], s["label"]),
                )
            }
        shapes = [s for s in (self._shape(w, r) for w, r in kept) if s is not None]
        return {"boxes": shapes} if wanted == "rectanglelabels" else {"polygons": shapes}

    def _choices(self, kept: list[tuple[str, dict[str, Any]]], path: str) -> dict[str, Any]:
        chosen: list[str] = []
        for where, result in kept:
            values = result["value"].get("choices")
            if not isinstance(values, list):
                self.problems.add(f"{where}.value.choices", "must be a list of label names")
                continue
            for k, value in enumerate(values):
                name = self.parser.label(value, f"{where}.value.choices[{k}]", self.problems)
                if name is not None and name not in chosen:
                    chosen.append(name)
        order = self.parser.labels
        if self.parser.multi:
            return {"labels": sorted(chosen, key=order.__getitem__)}
        if len(chosen) != 1:
            self.problems.add(
                path, f"chooses {len(chosen)} labels; this job takes exactly one per item"
            )
        return {"label": chosen[0] if chosen else None}

    def _one_label(self, where: str, value: dict[str, Any], key: str) -> str | None:
        names = value.get(key)
        if not isinstance(names, list) or len(names) != 1:
            self.problems.add(f"{where}.value.{key}", "must name exactly one label")
            return None
        return self.parser.label(names[0], f"{where}.value.{key}[0]", self.problems)

    def _span(self, where: str, value: dict[str, Any]) -> dict[str, Any] | None:
        label = self._one_label(where, value, "labels")
        text = self.value or ""
        start, end, given = _int(value.get("start")), _int(value.get("end")), value.get("text")
        if start is None or end is None:
            self.problems.add(where, "a span needs integer start and end offsets")
            return None
        if isinstance(given, str) and text[start:end] != given:
            converted = _from_utf16(text, start, end, given)
            if converted is None:
                self.problems.add(
                    where,
                    f"text[{start}:{end}] is {text[start:end]!r}, not {given!r}: the offsets"
                    " do not fit this task's text",
                )
                return None
            start, end = converted
        if not 0 <= start < end <= len(text):
            self.problems.add(where, f"[{start}, {end}) is not a span of a {len(text)}-long text")
            return None
        if label is None:
            return None
        return {"label": label, "start": start, "end": end, "text": text[start:end]}

    def _shape(self, where: str, result: dict[str, Any]) -> dict[str, Any] | None:
        value = result["value"]
        polygon = self.parser.result_type == "polygonlabels"
        label = self._one_label(where, value, "polygonlabels" if polygon else "rectanglelabels")
        size = self._size(where, result)
        if size is None or label is None:
            return None
        width, height = size
        if polygon:
            points = value.get("points")
            if not isinstance(points, list) or not all(_is_point(p) for p in points):
                self.problems.add(f"{where}.value.points", "must be a list of [x, y] percents")
                return None
            if value.get("closed") is False:
                self.problems.add(where, "the polygon is not closed")
                return None
            pixels = [[_px(x, width), _px(y, height)] for x, y in points]
            if len(pixels) > 1 and pixels[-1] == pixels[0]:
                pixels.pop()  # closed by repeating the first point: Brigade's polygons close
            return {"label": label, "points": pixels}
        x, y, w, h = (_number(value.get(k)) for k in ("x", "y", "width", "height"))
        if x is None or y is None or w is None or h is None:
            self.problems.add(where, "a rectangle needs x, y, width and height (percents)")
            return None
        rotation = _number(value.get("rotation") or 0)
        if rotation is None or abs(rotation) > 1e-6:
            self.problems.add(
                f"{where}.value.rotation",
                "rotated rectangles cannot be imported (boxes are axis-aligned)",
            )
            return None
        left, box_w = _clamp(_px(x, width), _px(w, width), width)
        top, box_h = _clamp(_px(y, height), _px(h, height), height)
        return {"label": label, "x": left, "y": top, "w": box_w, "h": box_h}

    def _size(self, where: str, result: dict[str, Any]) -> tuple[int, int] | None:
        width, height = (
            _number(result.get("original_width")),
            _number(result.get("original_height")),
        )
        if width is None or height is None or width <= 0 or height <= 0:
            self.problems.add(
                where, "needs original_width and original_height to turn percents into pixels"
            )
            return None
        size = (round(width), round(height))
        if self.size is None:
            self.size = size
        elif self.size != size:
            self.problems.add(
                where,
                f"drawn on a {size[0]}x{size[1]} image, other results on"
                f" {self.size[0]}x{self.size[1]}",
            )
            return None
        return size


def _objects(value: object, path: str, problems: _Problems) -> Iterator[dict[str, Any]]:
    if value is None:
        return
    if not isinstance(value, list):
        problems.add(path, f"must be a list, not {_kind(value)}")
        return
    for i, entry in enumerate(value):
        if isinstance(entry, dict):
            yield entry
        else:
            problems.add(f"{path}[{i}]", f"must be an object, not {_kind(entry)}")


def _from_utf16(text: str, start: int, end: int, given: str) -> tuple[int, int] | None:
    """Code-point offsets of [start, end) read as UTF-16 units, if that fits ``given``."""
    units = text.encode("utf-16-le")
    try:
        if start < 0 or units[2 * start : 2 * end].decode("utf-16-le") != given:
            return None
        cp_start = len(units[: 2 * start].decode("utf-16-le"))
    except UnicodeDecodeError:  # the offsets split a surrogate pair
        return None
    return cp_start, cp_start + len(given)


def _px(percent: float, size: int) -> float:
    return r3(percent * size / 100)


def _clamp(start: float, length: float, limit: int) -> tuple[float, float]:
    """A box edge a hair outside the image (percent round trips) moved onto its border."""
    if -_EDGE_SLACK <= start < 0:
        length, start = r3(length + start), 0.0
    if limit < start + length <= limit + _EDGE_SLACK:
        length = r3(limit - start)
    return start, length


def _number(value: object) -> float | None:
    """A finite JSON number, else None (booleans are not numbers here)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_point(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and None not in map(_number, value)


def _ref(value: object) -> int | str | None:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )
