"""Numba kernels of exact compaction (compact.py): vertex-to-edge ray casts that say how
far a part's grown outline slides before it meets another's."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def hit(ax, ay, x0, y0, x1, y1, axis):
    """Distance from point a, moving in -axis, to segment (x0, y0)-(x1, y1); -1 if the ray
    (backwards included) misses it or runs along it."""
    if axis == 0:
        p, q, p0, q0, p1, q1 = ay, ax, y0, x0, y1, x1
    else:
        p, q, p0, q0, p1, q1 = ax, ay, x0, y0, x1, y1
    if p0 == p1:
        return math.inf
    lo = p0 if p0 < p1 else p1
    hi = p1 if p0 < p1 else p0
    if p < lo or p > hi:
        return math.inf
    s = q0 + (q1 - q0) * (p - p0) / (p1 - p0)
    return q - s


@njit(cache=True)
def slide(i, axis, ex0, ey0, ex1, ey1, e0, e1, dx, dy, box, limit, tol, near, gaps):
    """How far part i can slide in -axis before a vertex of it meets an edge of another part
    (or a vertex of another meets an edge of it); capped by `limit`. `near`, `gaps`: work
    arrays as long as the parts. The parts in its way are tried nearest first: a hit never
    comes before the gap between the boxes, so once a hit is found every part farther than
    it is skipped unread (on a sheet of a thousand parts, all but the few next to it)."""
    best = limit
    n = e0.shape[0]
    a0 = box[i, axis]
    a1 = box[i, axis + 2]
    b0 = box[i, 1 - axis]
    b1 = box[i, 3 - axis]
    c = 0
    for j in range(n):
        if j == i:
            continue
        if box[j, 1 - axis] > b1 + tol or box[j, 3 - axis] < b0 - tol:
            continue  # no overlap across the slide
        if box[j, axis] > a1 + tol:
            continue  # wholly ahead of part i's far side: never met
        g = a0 - box[j, axis + 2]
        if g >= best:
            continue  # farther than the edge of the usable area
        near[c] = j
        gaps[c] = g
        c += 1
    for o in np.argsort(gaps[:c], kind="mergesort"):
        if gaps[o] >= best:
            break  # this part and every one after it farther than what stops part i
        j = near[o]
        # only vertices across from the other part's box, and near enough that a hit could
        # come before `best` (a hit lies no nearer than the vertex to the far box side)
        c0 = box[j, 1 - axis] - tol
        c1 = box[j, 3 - axis] + tol
        far = box[j, axis + 2] + tol
        # vertices of i against edges of j (j stays, i moves in -axis)
        for k in range(e0[i], e1[i]):
            ax = ex0[k] + dx[i]
            ay = ey0[k] + dy[i]
            p, q = (ay, ax) if axis == 0 else (ax, ay)
            if p < c0 or p > c1 or q - far >= best:
                continue
            for m in range(e0[j], e1[j]):
                t = hit(ax, ay, ex0[m] + dx[j], ey0[m] + dy[j], ex1[m] + dx[j],
                         ey1[m] + dy[j], axis)
                if -tol <= t < best:
                    best = t
        # vertices of j against edges of i (seen from i, j moves in +axis)
        for m in range(e0[j], e1[j]):
            bx = ex0[m] + dx[j]
            by = ey0[m] + dy[j]
            p, q = (by, bx) if axis == 0 else (bx, by)
            if p < b0 - tol or p > b1 + tol or a0 - tol - q >= best:
                continue
            for k in range(e0[i], e1[i]):
                t = -hit(bx, by, ex0[k] + dx[i], ey0[k] + dy[i], ex1[k] + dx[i],
                          ey1[k] + dy[i], axis)
                if -tol <= t < best:
                    best = t
    return best


@njit(cache=True)
def compact_pass(ex0, ey0, ex1, ey1, e0, e1, box, bare0, movable, lo_x, lo_y, gap, dx, dy):
    """One pass left (parts by their left edge), then one down (by their bottom edge):
    each movable part's translation so far (dx, dy) and bounding box (`box`) updated in
    place. Returns how far the parts moved in all."""
    tol = gap * 0.5
    moved = 0.0
    near = np.empty(e0.shape[0], np.int64)
    gaps = np.empty(e0.shape[0], np.float64)
    for axis in range(2):
        order = np.argsort(box[:, axis], kind="mergesort")
        for i in order:
            if not movable[i]:
                continue
            lim = (bare0[i, 0] + dx[i] - lo_x) if axis == 0 else (bare0[i, 1] + dy[i] - lo_y)
            if lim <= gap:
                continue
            t = slide(i, axis, ex0, ey0, ex1, ey1, e0, e1, dx, dy, box, lim, tol, near, gaps)
            step = t if t == lim else t - gap
            if step <= gap:
                continue
            if axis == 0:
                dx[i] -= step
                box[i, 0] -= step
                box[i, 2] -= step
            else:
                dy[i] -= step
                box[i, 1] -= step
                box[i, 3] -= step
            moved += step
    return moved
