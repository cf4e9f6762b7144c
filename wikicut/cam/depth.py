"""Depth along a path: a piecewise-linear function of the distance travelled.

Ramps, depth passes and tab lifts are knots of that function over a closed loop (or back and
forth along an open path), and a path is sampled at every knot and every vertex, so it is
exact, not approximated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import P3, Profile
from .kernels import clean_walk

LOW = -1.0e9  # "no tab here" in the tab height function
TOL = 1e-6


@dataclass(frozen=True)
class PL:
    """A piecewise-linear function given by knots; a repeated u is a jump (left, then right)."""

    u: np.ndarray
    z: np.ndarray

    @staticmethod
    def of(knots: Sequence[tuple[float, float]]) -> PL:
        if not knots:
            return PL(np.array([0.0]), np.array([LOW]))
        a = np.asarray(knots, dtype=float)
        return PL(a[:, 0], a[:, 1])

    def right_many(self, us: np.ndarray) -> np.ndarray:
        """The value just after each u (the later value at a jump)."""
        k = np.searchsorted(self.u, us, side="right") - 1
        return self._lerp_many(us, k, k + 1, k < 0, k >= len(self.u) - 1)

    def left_many(self, us: np.ndarray) -> np.ndarray:
        """The value just before each u (the earlier value at a jump)."""
        k = np.searchsorted(self.u, us, side="left")
        return self._lerp_many(us, k - 1, k, k <= 0, k >= len(self.u))

    def _lerp_many(self, us, ka, kb, lo, hi) -> np.ndarray:
        last = len(self.u) - 1
        ka, kb = np.clip(ka, 0, last), np.clip(kb, 0, last)
        u0, u1, z0, z1 = self.u[ka], self.u[kb], self.z[ka], self.z[kb]
        du = u1 - u0
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (us - u0) / du
            v = np.where(du <= 0, z1, z0 + (z1 - z0) * t)
        return np.where(lo, self.z[0], np.where(hi, self.z[-1], v))


class Track:
    """A polyline walked by arc length: closed loops wrap, open paths go back and forth (so a
    ramp into an open engraving zig-zags along it instead of plunging)."""

    def __init__(self, pts: np.ndarray, closed: bool):
        pts = np.asarray(pts, dtype=float)
        if closed and np.hypot(*(pts[0] - pts[-1])) > TOL:
            pts = np.vstack([pts, pts[:1]])
        self.pts = pts
        self.closed = closed
        seg = np.hypot(*np.diff(pts, axis=0).T)
        self.cum = np.concatenate([[0.0], np.cumsum(seg)])
        self.length = float(self.cum[-1])
        self.period = self.length if closed else 2.0 * self.length

    def at(self, u: float) -> tuple[float, float]:
        s = self._s(u)
        k = int(np.clip(np.searchsorted(self.cum, s, side="right") - 1, 0, len(self.cum) - 2))
        d = self.cum[k + 1] - self.cum[k]
        t = 0.0 if d <= 0 else (s - self.cum[k]) / d
        p = self.pts[k] + (self.pts[k + 1] - self.pts[k]) * min(max(t, 0.0), 1.0)
        return (float(p[0]), float(p[1]))

    def at_many(self, us: np.ndarray) -> np.ndarray:
        """Positions at many parameters at once, (N, 2)."""
        if self.length <= 0:
            return np.repeat(self.pts[:1], len(us), axis=0)
        w = np.mod(us, self.period)
        if not self.closed:
            w = np.where(w > self.length, self.period - w, w)
        k = np.clip(np.searchsorted(self.cum, w, side="right") - 1, 0, len(self.cum) - 2)
        d = self.cum[k + 1] - self.cum[k]
        t = np.clip(np.where(d > 0, (w - self.cum[k]) / np.where(d > 0, d, 1.0), 0.0), 0.0, 1.0)
        return self.pts[k] + (self.pts[k + 1] - self.pts[k]) * t[:, None]

    def _s(self, u: float) -> float:
        if self.length <= 0:
            return 0.0
        w = u % self.period
        if not self.closed and w > self.length:
            w = self.period - w
        return w

    def vertex_params_array(self, u0: float, u1: float) -> np.ndarray:
        """Every u in [u0, u1] where the walk passes a vertex."""
        if self.length <= 0:
            return np.zeros(0)
        base = math.floor(u0 / self.period) * self.period
        inner = self.cum if self.closed else np.concatenate([self.cum, self.period - self.cum])
        out = []
        while base <= u1 + TOL:
            u = base + inner
            out.append(u[(u0 - TOL <= u) & (u <= u1 + TOL)])
            base += self.period
        return np.concatenate(out) if out else np.zeros(0)


def walk(track: Track, u0: float, u1: float, base: PL, tab: PL | None = None) -> list[P3]:
    """Points of the path from u0 to u1 at depth max(base, tab), exact at every knot.

    Every knot at once with numpy, then the sequential clean-up in a Numba kernel (or, when
    the kernel cannot decide a distance exactly as CPython would, in Python)."""
    us = [track.vertex_params_array(u0, u1), np.array([u0, u1], dtype=float)]
    for f in (base, tab) if tab is not None else (base,):
        us.append(f.u[(u0 <= f.u) & (f.u <= u1)])
    knots = np.unique(np.concatenate(us))
    if tab is not None:  # where a tab's ramp meets the pass depth
        a, b = knots[:-1], knots[1:]
        d0 = tab.right_many(a) - base.right_many(a)
        d1 = tab.left_many(b) - base.left_many(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = (d0 * d1 < 0) & (np.abs(d0) < 1e8) & (np.abs(d1) < 1e8)
            extra = a[cross] + (b[cross] - a[cross]) * d0[cross] / (d0[cross] - d1[cross])
        knots = np.unique(np.concatenate([knots, extra]))
    if tab is not None:
        zl = np.maximum(base.left_many(knots), tab.left_many(knots))
        zr = np.maximum(base.right_many(knots), tab.right_many(knots))
    else:
        zl, zr = base.left_many(knots), base.right_many(knots)
    xy = track.at_many(knots)
    n = len(knots)
    xs = np.repeat(xy[:, 0], 2)
    ys = np.repeat(xy[:, 1], 2)
    zs = np.empty(2 * n)
    zs[0::2], zs[1::2] = zl, zr
    keep = clean_walk(xs, ys, zs)
    if len(keep) and keep[-1] < 0:  # a distance within rounding of the threshold
        return clean_points(zip(xs.tolist(), ys.tolist(), zs.tolist()))
    return list(zip(xs[keep].tolist(), ys[keep].tolist(), zs[keep].tolist()))


def clean_points(points) -> list[P3]:
    """The walk's clean-up rule, point by point: repeats (within 1e-7) dropped, a point on the
    segment between its neighbours replaced by the next (a knot that changes nothing, such as
    a tab above this pass)."""
    pts: list[P3] = []
    for p in points:
        if not pts or dist3(pts[-1], p) > 1e-7:
            if len(pts) >= 2 and collinear(pts[-2], pts[-1], p):
                pts[-1] = p
            else:
                pts.append(p)
    return pts


def collinear(a: P3, b: P3, c: P3) -> bool:
    """b lies on the segment a-c (in 3D, strictly between): it can be dropped."""
    abx, aby, abz = b[0] - a[0], b[1] - a[1], b[2] - a[2]
    acx, acy, acz = c[0] - a[0], c[1] - a[1], c[2] - a[2]
    n = acx * acx + acy * acy + acz * acz
    if n <= 0:
        return False
    t = (abx * acx + aby * acy + abz * acz) / n
    if not 0 < t < 1:
        return False
    dx, dy, dz = abx - t * acx, aby - t * acy, abz - t * acz
    return dx * dx + dy * dy + dz * dz < 1e-18


def dist3(a: P3, b: P3) -> float:
    """The distance between two points, by the arithmetic every 1e-7 threshold here uses."""
    return math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2)


def pass_levels(depth: float, profile: Profile) -> list[float]:
    """Equal depth steps no deeper than depth_per_pass (no thin sliver pass), plus the optional
    thin final pass; negative Z values, last = -depth."""
    fin = profile.depth.final_pass if 0 < profile.depth.final_pass < depth else 0.0
    main = depth - fin
    n = max(1, math.ceil(main / profile.depth.per_pass - 1e-9))
    levels = [-main * (k + 1) / n for k in range(n)]
    if fin:
        levels.append(-depth)
    return levels


def ramp_length(dz: float, profile: Profile) -> float:
    """How far along the path a ramp down by dz runs (0: a plunge)."""
    if profile.entry.mode == "plunge" or dz <= 0:
        return 0.0
    return dz / math.tan(math.radians(max(min(profile.entry.ramp_angle, 89.0), 0.5)))


def descend_knots(track: Track, u0: float, z0: float, levels: Sequence[float],
                  profile: Profile) -> tuple[list[tuple[float, float]], float]:
    """Depth knots from z0 down through `levels`, ramping along the path; returns the knots and
    the end u. Each level is reached by a ramp and then held until every point of the path has
    been cut at that level or deeper. A path shorter than the tool's diameter (a hole barely
    larger than the tool, a dot of a label) is plunged: a ramp there would circle in place for
    thousands of laps and add nothing a plunge does not."""
    knots = [(u0, z0)]
    u, zp = u0, z0
    period = track.period
    can_ramp = track.length >= profile.tool.diameter
    for k, z in enumerate(levels):
        lr = ramp_length(zp - z, profile) if can_ramp else 0.0
        if lr <= 0:
            knots.append((u, z))  # vertical plunge at feed_plunge
        else:
            knots.append((u + lr, z))
        last = k == len(levels) - 1
        if track.closed:
            u = u + lr + period if last else u + max(period, lr)
        else:  # open: back to an end, then one full traversal
            end = math.ceil((u + lr) / track.length - 1e-9) * track.length
            u = end + track.length
        knots.append((u, z))
        zp = z
    return knots, u
