"""Boxes and polygons of an answer as one kind of thing for the image formats."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

from app.exports.formats.base import WriteSummary, r3

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Shape:
    label: str
    x: float  # the box, or the polygon's extent, in image pixels (top-left origin)
    y: float
    w: float
    h: float
    points: tuple[Point, ...] | None  # polygons only, open (the last point is not repeated)

    @property
    def area(self) -> float:
        if self.points is None:
            return self.w * self.h
        return polygon_area(self.points)

    def outline(self) -> tuple[Point, ...]:
        """The polygon, or the box's corners clockwise from its top-left."""
        if self.points is not None:
            return self.points
        x2, y2 = r3(self.x + self.w), r3(self.y + self.h)
        return ((self.x, self.y), (x2, self.y), (x2, y2), (self.x, y2))


def shapes(answer: Mapping[str, Any] | None) -> list[Shape]:
    """The answer's boxes or polygons in its order; [] for no answer."""
    if answer is None:
        return []
    found = [
        Shape(b["label"], b["x"], b["y"], b["w"], b["h"], None) for b in answer.get("boxes", ())
    ]
    for polygon in answer.get("polygons", ()):
        points = tuple((float(p[0]), float(p[1])) for p in polygon["points"])
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        x, y = min(xs), min(ys)
        found.append(Shape(polygon["label"], x, y, r3(max(xs) - x), r3(max(ys) - y), points))
    return found


def known_shapes(
    item_id: int, answer: Mapping[str, Any] | None, known: Container[str], summary: WriteSummary
) -> list[Shape]:
    """The answer's shapes whose label is one of the job's (others are warned about)."""
    kept = []
    for shape in shapes(answer):
        if shape.label in known:
            kept.append(shape)
        else:
            summary.warn(f"item {item_id}: {shape.label!r} is not a label of the job; left out")
    return kept


def polygon_area(points: tuple[Point, ...]) -> float:
    """The shoelace area (polygons are simple: answers.py refuses self-intersecting ones)."""
    twice = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        twice += x1 * y2 - x2 * y1
    return abs(twice) / 2
