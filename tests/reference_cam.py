"""Plain-Python references for the toolpath stage's vectorised and Numba code: slow, obvious,
one knot at a time. The tests hold the fast versions to these."""

from __future__ import annotations

import itertools
import math

import numpy as np

from wikicut.cam.depth import PL, TOL, Track, clean_points
from wikicut.model import P3


def _lerp(u0: float, z0: float, u1: float, z1: float, u: float) -> float:
    if u1 - u0 <= 0:
        return float(z1)
    t = (u - u0) / (u1 - u0)
    return float(z0 + (z1 - z0) * t)


def right(f: PL, u: float) -> float:
    """f just after u (the later value at a jump)."""
    k = int(np.searchsorted(f.u, u, side="right")) - 1
    if k < 0:
        return float(f.z[0])
    if k >= len(f.u) - 1:
        return float(f.z[-1])
    return _lerp(f.u[k], f.z[k], f.u[k + 1], f.z[k + 1], u)


def left(f: PL, u: float) -> float:
    """f just before u (the earlier value at a jump)."""
    k = int(np.searchsorted(f.u, u, side="left"))
    if k <= 0:
        return float(f.z[0])
    if k >= len(f.u):
        return float(f.z[-1])
    return _lerp(f.u[k - 1], f.z[k - 1], f.u[k], f.z[k], u)


def vertex_params(track: Track, u0: float, u1: float) -> list[float]:
    """Every u in [u0, u1] where the walk passes a vertex."""
    if track.length <= 0:
        return []
    out: list[float] = []
    base = math.floor(u0 / track.period) * track.period
    inner = track.cum if track.closed else np.concatenate([track.cum, track.period - track.cum])
    while base <= u1 + TOL:
        for c in inner:
            u = base + float(c)
            if u0 - TOL <= u <= u1 + TOL:
                out.append(u)
        base += track.period
    return out


def walk_py(track: Track, u0: float, u1: float, base: PL, tab: PL | None = None) -> list[P3]:
    """depth.walk, one knot at a time."""
    us = set(vertex_params(track, u0, u1)) | {u0, u1}
    for f in (base, tab) if tab is not None else (base,):
        us |= {float(u) for u in f.u if u0 <= u <= u1}
    knots = sorted(us)
    if tab is not None:  # where a tab's ramp meets the pass depth
        extra = []
        for a, b in itertools.pairwise(knots):
            d0 = right(tab, a) - right(base, a)
            d1 = left(tab, b) - left(base, b)
            if d0 * d1 < 0 and abs(d0) < 1e8 and abs(d1) < 1e8:
                extra.append(a + (b - a) * d0 / (d0 - d1))
        knots = sorted(set(knots) | set(extra))

    def zl(u: float) -> float:
        return max(left(base, u), left(tab, u)) if tab is not None else left(base, u)

    def zr(u: float) -> float:
        return max(right(base, u), right(tab, u)) if tab is not None else right(base, u)

    xy = track.at_many(np.asarray(knots, dtype=float))
    return clean_points((x, y, z) for u, (x, y) in zip(knots, xy.tolist())
                        for z in (zl(u), zr(u)))
