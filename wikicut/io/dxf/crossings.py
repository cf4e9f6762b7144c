"""Two lines drawn on past each other at a corner (drafting slop: each a little long, as a
hand in CAD leaves them): found among a layer's loose ends, cut back to where they cross, and
kept so only where the contour then closes there with both overshoots outside it (chain.py
chains the pieces and says the overshoots as it says a single one)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry import LineString

from .drawing import Piece

__all__ = ["Crossing", "crossings", "loop_at", "trimmed"]


@dataclass(frozen=True)
class Crossing:
    """Two loose ends whose end segments cross short of both ends: lines drawn on past
    each other at a corner. `ends` index the chained pieces' endpoints (2 * piece + end)."""

    ends: tuple[int, int]
    corner: tuple[float, float]
    past: tuple[float, float]  # mm each end runs on past the corner


def crossings(group: list[Piece], ends: np.ndarray, node: list[int], tol: float,
              join: float, most: float) -> list[Crossing]:
    """Pairs of loose ends (`ends`: each piece's first and last point in turn; `node`: the
    point each is at, ends within tol one point; a loose end is alone at its point) whose
    end segments cross each other, and no other loose end's, between tol and `most` short
    of both ends, with no other end within `join` of the crossing."""
    count: dict[int, int] = {}
    for n in node:
        count[n] = count.get(n, 0) + 1
    loose = [k for k in range(len(ends)) if count[node[k]] == 1]
    if len(loose) < 2:
        return []
    # the end segment of each loose end, from the end inwards
    segs = np.array([[ends[k], group[k // 2].pts[1 if k % 2 == 0 else -2]] for k in loose])
    tree = shapely.STRtree(shapely.linestrings(segs))
    a, b = tree.query(shapely.linestrings(segs), predicate="intersects")
    met: dict[int, list[tuple[int, np.ndarray, float, float]]] = {}
    for i, j in zip(a.tolist(), b.tolist()):
        if i == j or loose[i] // 2 == loose[j] // 2 and len(group[loose[i] // 2].pts) == 2:
            continue  # a segment meets itself
        hit = _cross(segs[i], segs[j], tol, most)
        if hit is not None:
            met.setdefault(i, []).append((j, *hit))
    out = []
    for i, hits in sorted(met.items()):
        if len(hits) != 1:
            continue
        j, at, pi, pj = hits[0]
        if j < i or len(met.get(j, ())) != 1:
            continue
        near = np.hypot(*(ends - at).T) <= join
        near[[loose[i], loose[j]]] = False
        if near.any():
            continue  # a third line ends there: a branch, not drafting slop
        out.append(Crossing((loose[i], loose[j]), (float(at[0]), float(at[1])), (pi, pj)))
    return out


def _cross(s: np.ndarray, t: np.ndarray, tol: float, most: float):
    """Where segments s and t (each from its loose end inwards) cross, and how far that is
    from each loose end, when it is more than tol and at most `most` from both and more
    than tol short of both inner ends; else None."""
    ds, dt = s[1] - s[0], t[1] - t[0]
    den = ds[0] * dt[1] - ds[1] * dt[0]
    ls, lt = float(np.hypot(*ds)), float(np.hypot(*dt))
    if abs(den) <= 1e-9 * ls * lt:
        return None  # parallel: an overlap, named as such
    w = t[0] - s[0]
    u = (w[0] * dt[1] - w[1] * dt[0]) / den
    v = (w[0] * ds[1] - w[1] * ds[0]) / den
    ps, pt = u * ls, v * lt
    if not (tol < ps <= most and tol < pt <= most and ps < ls - tol and pt < lt - tol):
        return None
    return s[0] + u * ds, float(ps), float(pt)


def trimmed(group: list[Piece], found: list[Crossing]) -> list[Piece]:
    """The pieces with each crossing's two ends moved back to the crossing."""
    pts = {}
    for c in found:
        for k in c.ends:
            pts.setdefault(k // 2, group[k // 2].pts.copy())[-(k % 2)] = c.corner
    return [replace(p, pts=pts[i]) if i in pts else p for i, p in enumerate(group)]


def loop_at(c: Crossing, got: list[Piece], group: list[Piece], tol: float) -> Piece | None:
    """The closed contour (of the chained pieces `got`) through crossing c's corner, when
    both overshoots (of the pieces as drawn, `group`) lie outside it; else None."""
    for p in got:
        if not p.closed or np.hypot(*(p.pts - c.corner).T).min() > tol:
            continue
        poly = shapely.Polygon(p.pts)
        tails = [LineString([c.corner, group[k // 2].pts[-(k % 2)]]) for k in c.ends]
        if poly.is_valid and all(t.intersection(poly).length <= tol for t in tails):
            return p
    return None
