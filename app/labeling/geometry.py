"""Exact polygon geometry for answer validation: simple-polygon checks on integer coordinates.

Coordinates arrive as floats rounded to ``1 / scale`` of a pixel and are turned into integers
here, so every predicate (area, collinearity, orientation) is exact: no tolerances.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

_BLOCK_PAIRS = 1 << 18  # edge pairs per numpy block in the crossing check (bounds memory)


def shape_problem(points: list[tuple[float, float]], scale: int) -> str | None:
    """Why the outline is not a simple polygon, or None; exact integer geometry."""
    pts = [(round(x * scale), round(y * scale)) for x, y in points]
    # With distinct consecutive points, no doubling back and no crossing, the outline is a simple
    # polygon and has a positive area; the only zero-area case left to name is a straight line.
    if _twice_area(pts) == 0 and _collinear(pts):
        return "zero area: all its points lie on one line"
    n = len(pts)
    for k in range(n):
        (ax, ay), (bx, by), (cx, cy) = pts[k - 1], pts[k], pts[(k + 1) % n]
        cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
        if cross == 0 and (bx - ax) * (cx - bx) + (by - ay) * (cy - by) < 0:
            return f"the outline doubles back on itself at point {k}"
    crossing = _first_crossing(pts)
    if crossing is not None:
        i, j = crossing
        return (
            f"self-intersecting: the edge from point {i} to {(i + 1) % n} "
            f"meets the edge from point {j} to {(j + 1) % n}"
        )
    return None


def _twice_area(pts: list[tuple[int, int]]) -> int:
    """The shoelace sum: twice the signed area."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))


def _collinear(pts: list[tuple[int, int]]) -> bool:
    (x0, y0), (x1, y1) = pts[0], pts[1]
    return all((x1 - x0) * (y - y0) == (y1 - y0) * (x - x0) for x, y in pts[2:])


def _first_crossing(pts: list[tuple[int, int]]) -> tuple[int, int] | None:
    """A pair (i < j) of non-adjacent edges that touch, edge k joining points k and k + 1.

    Sort and sweep: edges sorted by their left end pair with the later ones whose box starts
    before theirs ends, a y-overlap test prunes more, and four orientation signs decide (closed
    segments: touching and collinear overlap count). Typical outlines cost O(n log n), a spiky
    adversarial one O(n²) in bounded blocks. Coordinates are shifted to the polygon's corner;
    int64 is exact while the extent stays under 2**31 thousandths of a pixel (2 million px),
    beyond that Python ints in object arrays take over.
    """
    n = len(pts)
    if n < 4:
        return None
    min_x, min_y = min(x for x, _ in pts), min(y for _, y in pts)
    extent = max(max(x for x, _ in pts) - min_x, max(y for _, y in pts) - min_y)
    dtype: Any = np.int64 if extent < 2**31 else object
    xs, ys = [x - min_x for x, _ in pts], [y - min_y for _, y in pts]
    ax, ay = np.array(xs, dtype=dtype), np.array(ys, dtype=dtype)
    bx, by = np.array(xs[1:] + xs[:1], dtype=dtype), np.array(ys[1:] + ys[:1], dtype=dtype)
    lo_x, hi_x = np.minimum(ax, bx), np.maximum(ax, bx)
    lo_y, hi_y = np.minimum(ay, by), np.maximum(ay, by)
    if (hi_y - lo_y).sum() < (hi_x - lo_x).sum():  # sweep along the axis of shorter edges
        ax, ay, bx, by, lo_x, hi_x, lo_y, hi_y = ay, ax, by, bx, lo_y, hi_y, lo_x, hi_x
    order = np.argsort(lo_x, kind="stable")
    ends = np.searchsorted(lo_x[order], hi_x[order], side="right")
    counts = ends - np.arange(n) - 1  # later positions overlapping in x, per sorted position
    done = np.concatenate(([0], np.cumsum(counts)))  # pairs before each sorted position
    start = 0
    while start < n:
        stop = max(start + 1, int(np.searchsorted(done, done[start] + _BLOCK_PAIRS)) - 1)
        c = counts[start:stop]
        first = np.repeat(np.arange(start, stop), c)
        second = first + 1 + np.arange(first.size) - np.repeat(done[start:stop] - done[start], c)
        e1, e2 = order[first], order[second]
        i, j = np.minimum(e1, e2), np.maximum(e1, e2)
        keep = (j - i >= 2) & ((i > 0) | (j < n - 1))  # not adjacent (edge n-1 joins edge 0)
        keep &= (lo_y[i] <= hi_y[j]) & (lo_y[j] <= hi_y[i])
        i, j = i[keep], j[keep]
        e = (ax[i], ay[i], bx[i], by[i])
        f = (ax[j], ay[j], bx[j], by[j])
        d1, d2 = _orient(*e, f[0], f[1]), _orient(*e, f[2], f[3])
        d3, d4 = _orient(*f, e[0], e[1]), _orient(*f, e[2], e[3])
        hit = np.flatnonzero((np.sign(d1) * np.sign(d2) <= 0) & (np.sign(d3) * np.sign(d4) <= 0))
        if hit.size:
            k = hit[np.lexsort((j[hit], i[hit]))[0]]
            return int(i[k]), int(j[k])
        start = stop
    return None


def _orient(
    ax: npt.NDArray[Any],
    ay: npt.NDArray[Any],
    bx: npt.NDArray[Any],
    by: npt.NDArray[Any],
    cx: npt.NDArray[Any],
    cy: npt.NDArray[Any],
) -> npt.NDArray[Any]:
    """Twice the signed area of (a, b, c): > 0 if c is left of a→b, 0 if on its line."""
    result: npt.NDArray[Any] = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    return result
