"""Cutting order: what is cut first, and a short rapid tour through the rest.

A part is freed by its outline, so everything inside it comes first (labels and engravings,
then pockets, drills, holes), and parts sitting in other parts' holes are cut before those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import shapely
from shapely.geometry import Polygon

from ..model import Operation
from .kernels import two_opt_round

# the rank of each kind of feature inside a part (lower first; the outline is always last)
FEATURE_RANK = {"label": 0, "engrave": 0, "pocket": 1, "drill": 2, "hole": 3}
MARKS = ("label", "engrave")  # marks on a part's face: they never free or weaken it


def tour(points: Sequence[tuple[float, float]], start: tuple[float, float]) -> list[int]:
    """Visit order of points from `start`: nearest neighbour, then 2-opt (open path, fixed
    start), deterministic (ties broken by index)."""
    n = len(points)
    if n <= 1:
        return list(range(n))
    pts = np.asarray(points, dtype=float)
    left = list(range(n))
    order: list[int] = []
    cur = np.asarray(start, dtype=float)
    while left:
        d = np.hypot(*(pts[left] - cur).T)
        k = left[int(np.argmin(d))]
        order.append(k)
        left.remove(k)
        cur = pts[k]
    path = np.vstack([np.asarray(start, dtype=float)[None], pts[order]])
    # every distance the 2-opt may need, by the same np.hypot as one at a time
    dist = np.hypot(path[:, None, 0] - path[None, :, 0], path[:, None, 1] - path[None, :, 1])
    idx = np.arange(n + 1)
    # a round per kernel call: Ctrl-C is seen between rounds, not only after all of them
    # (2-opt over a part's 2,000 drills takes seconds)
    for _ in range(50):
        if not two_opt_round(dist, idx):
            break
    return [order[k - 1] for k in idx[1:].tolist()]


def nesting_depth(outlines: Sequence[Polygon]) -> list[int]:
    """How many other parts' outlines surround each part (it sits in their holes)."""
    bodies = [Polygon(o.exterior) for o in outlines]
    tree = shapely.STRtree(bodies)
    depth = [0] * len(bodies)
    for k, o in enumerate(outlines):
        for j in tree.query(o, predicate="within"):
            if int(j) != k:
                depth[k] += 1
    return depth


def by_tool(ops: list[Operation], levels: Sequence[int],
            phase: Callable[[Operation], tuple]) -> list[Operation]:
    """The operations regrouped by tool to change tools as little as possible: a stable sort
    by `phase` (small tools' inside features, then the main tool's features and outlines,
    then outlines only a small tool can cut), each part's features still before its outline.
    `levels` are the ops' parts' nesting depths: when the regrouping would cut a hole before
    the outline of a part sitting in it, the planned order (part by part) is kept."""
    order = sorted(range(len(ops)), key=lambda k: (phase(ops[k]), k))
    at = {k: i for i, k in enumerate(order)}
    for level in sorted(set(levels)):
        if level == 0:
            continue
        inner = [at[k] for k in range(len(ops)) if levels[k] >= level
                 and ops[k].kind == "outline"]
        outer = [at[k] for k in range(len(ops)) if levels[k] < level and ops[k].kind == "hole"]
        if inner and outer and max(inner) > min(outer):
            return list(ops)
    return [ops[k] for k in order]
