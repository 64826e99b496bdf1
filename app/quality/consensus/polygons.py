"""Consensus and agreement for polygons, with shapely for the geometry.

Grouping is the boxes' (``matching``) on polygon IoU. The fused polygon of a group is a weighted
region vote: the plane is cut into faces by all the group's outlines, and a face is kept when the
polygons covering it carry more than half of the group's weight; the kept faces are dissolved.
This is a per-pixel majority vote computed exactly, so one annotator's sloppy corner cannot pull
the outline the way averaging vertices would (polygons have no vertex correspondence to average),
and it stays within what the majority drew. The answer shape holds one simple outline, so the
largest part is kept and holes are filled. When the vote leaves nothing usable (e.g. two polygons
whose overlap is a sliver after rounding), the medoid, the member with the highest weighted mean
IoU to the others, is used instead; ``method`` says which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely

from app.quality.consensus.boxes import DECIMALS
from app.quality.consensus.encoding import AnnotatorId, FloatArray, Key
from app.quality.consensus.matching import ShapeAgreement, group_shapes, mean_pairwise

Point = tuple[float, float]


@dataclass(frozen=True)
class PolygonShape:
    points: tuple[Point, ...]  # the outline, not closed (the last point is not the first again)
    label: str | None = None


@dataclass(frozen=True)
class FusedPolygon:
    polygon: PolygonShape
    votes: int
    annotators: tuple[AnnotatorId, ...]
    support: float  # the drawers' share of all annotators' weight
    mean_iou: float  # among the polygons fused; 1.0 for a single one
    method: Literal["single", "vote", "medoid"]


@dataclass(frozen=True)
class PolygonConsensus:
    polygons: tuple[FusedPolygon, ...]
    agreement: ShapeAgreement

    def as_answer(self) -> dict[str, Any]:
        """The consensus in the stored answer shape: ``{"polygons": [...]}``."""
        return {
            "polygons": [
                {"label": f.polygon.label, "points": [[x, y] for x, y in f.polygon.points]}
                for f in self.polygons
            ]
        }


def polygons_from_answer(answer: Mapping[str, Any]) -> list[PolygonShape]:
    """The polygons of a stored (validated) answer."""
    return [
        PolygonShape(tuple((float(x), float(y)) for x, y in p["points"]), p.get("label"))
        for p in answer.get("polygons", [])
    ]


def to_geometry(shape: PolygonShape) -> Any:
    """A valid shapely geometry: ``make_valid`` repairs self-intersections, lines are dropped."""
    if len(shape.points) < 3:
        return shapely.Polygon()
    geometry: Any = shapely.Polygon(shape.points)
    if not geometry.is_valid:
        parts = shapely.get_parts(shapely.make_valid(geometry))
        polygonal = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        geometry = shapely.union_all(polygonal) if polygonal else shapely.Polygon()
    return geometry


def polygon_iou(geometries: Sequence[Any]) -> FloatArray:
    """IoU matrix of the geometries; only pairs whose bounding boxes meet are intersected."""
    n = len(geometries)
    iou = np.eye(n)
    if n < 2:
        return iou
    arr = np.asarray(geometries, dtype=object)
    area = shapely.area(arr)
    iou[np.diag_indices(n)] = np.where(area > 0, 1.0, 0.0)
    b = shapely.bounds(arr)
    meet = (
        (b[:, None, 0] <= b[None, :, 2])
        & (b[None, :, 0] <= b[:, None, 2])
        & (b[:, None, 1] <= b[None, :, 3])
        & (b[None, :, 1] <= b[:, None, 3])
    )
    rows, cols = np.nonzero(np.triu(meet, k=1))
    if len(rows):
        inter = shapely.area(shapely.intersection(arr[rows], arr[cols]))
        union = area[rows] + area[cols] - inter
        values = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        iou[rows, cols] = values
        iou[cols, rows] = values
    return iou


def polygon_consensus(
    answers: Mapping[Key, Sequence[PolygonShape]],
    *,
    weights: Mapping[Key, float] | None = None,
    iou_threshold: float = 0.5,
    min_votes: int | None = None,
) -> PolygonConsensus:
    """Fuse one item's polygons from every annotator who answered it (an empty list counts)."""
    geometry: dict[int, Any] = {}

    def iou_of(polygons: list[PolygonShape]) -> FloatArray:
        geometry.update(enumerate(to_geometry(p) for p in polygons))
        return polygon_iou([geometry[i] for i in range(len(polygons))])

    g = group_shapes(
        answers,
        weights=weights,
        iou_of=iou_of,
        label_of=lambda p: p.label,
        iou_threshold=iou_threshold,
        min_votes=min_votes,
    )
    fused: list[FusedPolygon] = []
    for group in g.kept:
        gw = g.group_weights(group)
        points, method = _fuse([geometry[i] for i in group], gw, g.iou[np.ix_(group, group)])
        first = g.shapes[group[0]][1]
        if points is None:
            points, method = first.points, "single"
        fused.append(
            FusedPolygon(
                polygon=PolygonShape(points, first.label),
                votes=len(group),
                annotators=g.drawers(group),
                support=g.support(group),
                mean_iou=mean_pairwise(g.iou, group),
                method=method,
            )
        )
    return PolygonConsensus(tuple(fused), g.agreement)


def _fuse(
    geometries: list[Any], weights: FloatArray, iou: FloatArray
) -> tuple[tuple[Point, ...] | None, Literal["single", "vote", "medoid"]]:
    if len(geometries) == 1:
        return _outline(geometries[0]), "single"
    voted = _outline(_region_vote(geometries, weights))
    if voted is not None:
        return voted, "vote"
    others = (iou * weights[None, :]).sum(axis=1) - np.diag(iou) * weights
    medoid = int(np.argmax(others / np.maximum(weights.sum() - weights, 1e-12)))
    return _outline(geometries[medoid]), "medoid"


def _region_vote(geometries: list[Any], weights: FloatArray) -> Any:
    """The union of the faces covered by more than half of the weight."""
    arr = np.asarray(geometries, dtype=object)
    linework = shapely.union_all(shapely.boundary(arr))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    if len(faces) == 0:
        return shapely.Polygon()
    inside = shapely.contains(arr[:, None], shapely.point_on_surface(faces)[None, :])
    covered = weights @ inside
    # Faces from polygonize tile the plane without overlaps: the cheap coverage union applies.
    return shapely.coverage_union_all(faces[covered > 0.5 * weights.sum()])


def _outline(geometry: Any) -> tuple[Point, ...] | None:
    """The exterior of the largest part, rounded as stored answers are; None if degenerate."""
    if geometry.is_empty:
        return None
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon"]
    if not parts:
        return None
    largest = max(parts, key=lambda p: p.area)
    ring: Any = shapely.Polygon(largest.exterior).simplify(0)  # drop collinear vertices
    points: list[Point] = []
    for x, y in list(ring.exterior.coords)[:-1]:
        point = (round(float(x), DECIMALS), round(float(y), DECIMALS))
        if not points or points[-1] != point:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3 or not shapely.Polygon(points).is_valid or shapely.Polygon(points).area == 0:
        return None
    return tuple(points)
