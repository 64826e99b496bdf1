"""Consensus and agreement for bounding boxes (image pixels, ``x, y`` the top-left corner).

Boxes of different annotators are grouped by IoU (``matching.cluster``; same label required), a
group drawn by at least ``min_votes`` annotators (default: a strict majority) becomes one fused
box whose edges are the reliability-weighted mean of the group's edges. Coordinates are rounded
to thousandths of a pixel, as stored answers are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.quality.consensus.encoding import AnnotatorId, FloatArray, Key
from app.quality.consensus.matching import ShapeAgreement, group_shapes, mean_pairwise

DECIMALS = 3  # as app.labeling.answers stores coordinates


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    label: str | None = None


@dataclass(frozen=True)
class FusedBox:
    """A consensus box; ``support`` is the drawers' share of all annotators' weight."""

    box: Box
    votes: int
    annotators: tuple[AnnotatorId, ...]
    support: float
    mean_iou: float  # among the boxes fused; 1.0 for a single box


@dataclass(frozen=True)
class BoxConsensus:
    boxes: tuple[FusedBox, ...]
    agreement: ShapeAgreement

    def as_answer(self) -> dict[str, Any]:
        """The consensus in the stored answer shape: ``{"boxes": [...]}``."""
        return {
            "boxes": [
                {"label": f.box.label, "x": f.box.x, "y": f.box.y, "w": f.box.w, "h": f.box.h}
                for f in self.boxes
            ]
        }


def boxes_from_answer(answer: Mapping[str, Any]) -> list[Box]:
    """The boxes of a stored (validated) answer."""
    return [
        Box(float(b["x"]), float(b["y"]), float(b["w"]), float(b["h"]), b.get("label"))
        for b in answer.get("boxes", [])
    ]


def box_iou(a: FloatArray, b: FloatArray) -> FloatArray:
    """IoU of every box in ``a`` with every box in ``b``; rows are (x, y, w, h)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ax2, ay2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx2, by2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.minimum(ax2[:, None], bx2[None, :]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(ay2[:, None], by2[None, :]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter
    iou: FloatArray = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return iou


def box_consensus(
    answers: Mapping[Key, Sequence[Box]],
    *,
    weights: Mapping[Key, float] | None = None,
    iou_threshold: float = 0.5,
    min_votes: int | None = None,
) -> BoxConsensus:
    """Fuse one item's boxes from every annotator who answered it (an empty list counts)."""
    g = group_shapes(
        answers,
        weights=weights,
        iou_of=_iou_of,
        label_of=lambda b: b.label,
        iou_threshold=iou_threshold,
        min_votes=min_votes,
    )
    fused: list[FusedBox] = []
    for group in g.kept:
        coords = _coords([g.shapes[i][1] for i in group])
        mean = np.average(coords, axis=0, weights=g.group_weights(group))
        x, y, bw, bh = (round(float(v), DECIMALS) for v in mean)
        fused.append(
            FusedBox(
                box=Box(x, y, bw, bh, g.shapes[group[0]][1].label),
                votes=len(group),
                annotators=g.drawers(group),
                support=g.support(group),
                mean_iou=mean_pairwise(g.iou, group),
            )
        )
    return BoxConsensus(tuple(fused), g.agreement)


def _coords(boxes: Sequence[Box]) -> FloatArray:
    return np.asarray([(b.x, b.y, b.w, b.h) for b in boxes], dtype=np.float64).reshape(-1, 4)


def _iou_of(boxes: list[Box]) -> FloatArray:
    coords = _coords(boxes)
    return box_iou(coords, coords)
