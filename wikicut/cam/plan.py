"""Toolpaths: a placed sheet of parts -> machine-independent moves, in cutting order.

Every path is the tool centre. Kerf compensation is done here by offsetting with shapely (round
joins: the tool rolls round outside corners; corners the tool cannot reach come out sharp and
get a dogbone or T-bone), never by the controller (no G41/G42), so every dialect cuts the same.

Depth is a piecewise-linear function of the distance travelled along a closed loop (or back and
forth along an open path): ramps, depth passes and tab lifts are knots of that function, and a
path is sampled at every knot and every vertex, so it is exact, not approximated.

Safety is checked on the result, not assumed: every move is tested against the sheet, the
machine limits and the deepest allowed cut before a SheetProgram is returned.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numba import njit
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from ..errors import UnsafeJobError
from ..model import (
    P3,
    Drill,
    Move,
    Operation,
    Part,
    Placement,
    Profile,
    SheetLayout,
    SheetProgram,
    arc_points,
    move_length,
)

QUAD_SEGS = 16  # buffer arcs: 5.6 deg steps, chord error 0.004 mm on a 6 mm tool
DOGBONE_MAX_ANGLE = 170.0  # degrees: flatter corners lose too little to be worth a relief
CORNER_TURN = 20.0  # degrees of turn that make a vertex a corner (no tabs there)
UNCUT_WIDTH = 0.5  # mm: an unreachable sliver this wide means a feature too narrow to cut
LOW = -1.0e9  # "no tab here" in the tab height function
TOL = 1e-6
DRILL_MATCH = 0.5  # mm: a drill within the tool diameter +- this is plunged, not bored
EDGE_SLACK = 0.5  # mm: a cutting tool centre may pass this far beyond radius off the sheet edge
NARROW_TOL = 0.02  # mm: a slot this much narrower than the tool is still cut (runout is more)
CHECK_TOL = 0.01  # mm: chord error of arcs sampled for the safety checks (well inside EDGE_SLACK)



# ----------------------------------------------------------------------------------------------
# piecewise-linear depth along a path
# ----------------------------------------------------------------------------------------------


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

    def right(self, u: float) -> float:
        """Value just after u (the later value at a jump)."""
        k = int(np.searchsorted(self.u, u, side="right")) - 1
        if k < 0:
            return float(self.z[0])
        if k >= len(self.u) - 1:
            return float(self.z[-1])
        return _lerp(self.u[k], self.z[k], self.u[k + 1], self.z[k + 1], u)

    def right_many(self, us: np.ndarray) -> np.ndarray:
        """right() at many u (the same arithmetic as _lerp, elementwise)."""
        k = np.searchsorted(self.u, us, side="right") - 1
        return self._lerp_many(us, k, k + 1, k < 0, k >= len(self.u) - 1)

    def left_many(self, us: np.ndarray) -> np.ndarray:
        """left() at many u."""
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

    def left(self, u: float) -> float:
        """Value just before u (the earlier value at a jump)."""
        k = int(np.searchsorted(self.u, u, side="left"))
        if k <= 0:
            return float(self.z[0])
        if k >= len(self.u):
            return float(self.z[-1])
        return _lerp(self.u[k - 1], self.z[k - 1], self.u[k], self.z[k], u)


def _lerp(u0: float, z0: float, u1: float, z1: float, u: float) -> float:
    if u1 - u0 <= 0:
        return float(z1)
    t = (u - u0) / (u1 - u0)
    return float(z0 + (z1 - z0) * t)


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
        """vertex_params as an array (same values: the period added up the same way)."""
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

    def vertex_params(self, u0: float, u1: float) -> list[float]:
        """Every u in [u0, u1] where the walk passes a vertex."""
        if self.length <= 0:
            return []
        out: list[float] = []
        base = math.floor(u0 / self.period) * self.period
        inner = self.cum if self.closed else np.concatenate([self.cum, self.period - self.cum])
        while base <= u1 + TOL:
            for c in inner:
                u = base + float(c)
                if u0 - TOL <= u <= u1 + TOL:
                    out.append(u)
            base += self.period
        return out


def walk(track: Track, u0: float, u1: float, base: PL, tab: PL | None = None) -> list[P3]:
    """Points of the path from u0 to u1 at depth max(base, tab), exact at every knot.

    Vectorised: every knot at once with numpy (the same IEEE operations, in the same order,
    as `walk_py`, the scalar reference), then the sequential clean-up in a Numba kernel."""
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
    keep = _clean_walk(xs, ys, zs)
    if len(keep) and keep[-1] < 0:  # a distance within rounding of the threshold: exactly
        return walk_py(track, u0, u1, base, tab)
    return list(zip(xs[keep].tolist(), ys[keep].tolist(), zs[keep].tolist()))


@njit(cache=True)
def _clean_walk(xs, ys, zs):
    """Indices of the walk's points kept: repeats (within 1e-7) dropped, and a point that lies
    on the segment between its neighbours replaced by the next (as _dist3 / _collinear).
    [-1] when a distance is too close to the threshold to decide as CPython would."""
    n = len(xs)
    keep = np.empty(n, np.int64)
    m = 0
    for k in range(n):
        x, y, z = xs[k], ys[k], zs[k]
        if m > 0:
            q = keep[m - 1]
            d = math.sqrt((xs[q] - x) ** 2 + (ys[q] - y) ** 2 + (zs[q] - z) ** 2)
            if abs(d - 1e-7) < 1e-12:  # x ** 2 in CPython is libm pow: may round apart
                keep[0] = -1
                return keep[:1]
            if not d > 1e-7:
                continue
        if m >= 2:
            a, b = keep[m - 2], keep[m - 1]
            abx, aby, abz = xs[b] - xs[a], ys[b] - ys[a], zs[b] - zs[a]
            acx, acy, acz = x - xs[a], y - ys[a], z - zs[a]
            nn = acx * acx + acy * acy + acz * acz
            if nn > 0:
                t = (abx * acx + aby * acy + abz * acz) / nn
                if 0 < t < 1:
                    dx, dy, dz = abx - t * acx, aby - t * acy, abz - t * acz
                    if dx * dx + dy * dy + dz * dz < 1e-18:
                        keep[m - 1] = k
                        continue
        keep[m] = k
        m += 1
    return keep[:m]


def walk_py(track: Track, u0: float, u1: float, base: PL, tab: PL | None = None) -> list[P3]:
    """walk, one knot at a time (the original): the reference walk is tested against."""
    us = set(track.vertex_params(u0, u1)) | {u0, u1}
    for f in (base, tab) if tab is not None else (base,):
        us |= {float(u) for u in f.u if u0 <= u <= u1}
    knots = sorted(us)
    if tab is not None:  # where a tab's ramp meets the pass depth
        extra = []
        for a, b in itertools.pairwise(knots):
            d0 = tab.right(a) - base.right(a)
            d1 = tab.left(b) - base.left(b)
            if d0 * d1 < 0 and abs(d0) < 1e8 and abs(d1) < 1e8:
                extra.append(a + (b - a) * d0 / (d0 - d1))
        knots = sorted(set(knots) | set(extra))

    def zl(u: float) -> float:
        return max(base.left(u), tab.left(u)) if tab is not None else base.left(u)

    def zr(u: float) -> float:
        return max(base.right(u), tab.right(u)) if tab is not None else base.right(u)

    pts: list[P3] = []
    xy = track.at_many(np.asarray(knots, dtype=float))
    for u, (x, y) in zip(knots, xy.tolist()):
        for z in (zl(u), zr(u)):
            p = (x, y, z)
            if not pts or _dist3(pts[-1], p) > 1e-7:
                if len(pts) >= 2 and _collinear(pts[-2], pts[-1], p):
                    pts[-1] = p  # a knot that changes nothing (e.g. a tab above this pass)
                else:
                    pts.append(p)
    return pts


def _collinear(a: P3, b: P3, c: P3) -> bool:
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


def _dist3(a: P3, b: P3) -> float:
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


# ----------------------------------------------------------------------------------------------
# offsets, corner reliefs and the "narrower than the tool" check
# ----------------------------------------------------------------------------------------------


def _xy(p) -> str:
    return f"({p[0]:.1f}, {p[1]:.1f})"


def feature_width(region: Polygon, near: Point | None = None, r: float = 10.0) -> float:
    """The width of a feature (twice its largest inscribed circle), near a point if given."""
    g = region if near is None else region.intersection(near.buffer(4 * r))
    if g.is_empty:
        g = region
    if g.geom_type != "Polygon":
        g = max(getattr(g, "geoms", [g]), key=lambda q: q.area)
    line = shapely.maximum_inscribed_circle(g, tolerance=0.01)
    return 2.0 * float(line.length)


def relief_loop(loop: np.ndarray, boundary, r: float, mode: str) -> np.ndarray:
    """The loop with an out-and-back excursion at every corner the round tool cannot reach:
    a sharp vertex of the offset loop (angle < DOGBONE_MAX_ANGLE) whose corner point, r/sin(a/2)
    away along the bisector, is a corner of the feature. Dogbone: along the bisector until the
    tool touches the corner point; T-bone: along the longer adjacent edge until it does."""
    if mode == "none" or len(loop) < 4:
        return loop
    pts = loop[:-1]
    n = len(pts)
    out: list[np.ndarray] = []
    for k in range(n):
        q, prev, nxt = pts[k], pts[k - 1], pts[(k + 1) % n]
        out.append(q)
        a, b = prev - q, nxt - q
        la, lb = math.hypot(*a), math.hypot(*b)
        if la < 1e-9 or lb < 1e-9:
            continue
        ua, ub = a / la, b / lb
        theta = math.acos(max(-1.0, min(1.0, float(ua @ ub))))
        if math.degrees(theta) >= DOGBONE_MAX_ANGLE or theta < 1e-3:
            continue
        bis = ua + ub
        bis = bis / max(math.hypot(*bis), 1e-12)
        c = q - bis * (r / math.sin(theta / 2))
        if boundary.distance(Point(c)) > 0.01 * r + 1e-6:
            continue  # not a corner of the feature (a pinch between arcs, say)
        w = q - c
        dist = math.hypot(*w)
        if dist <= r + 1e-3:
            continue
        end = c + w * (r / dist)
        if mode == "tbone":
            u = -(ua if la >= lb else ub)
            wu = float(w @ u)
            disc = wu * wu - dist * dist + r * r
            if disc >= 0:
                end = q + u * (-wu - math.sqrt(disc))
        out.extend([end, q])
    out.append(out[0])
    return np.asarray(out)


def sweep(paths: Sequence[np.ndarray], r: float):
    """The area a tool of radius r covers along polylines: segment by segment, because GEOS
    can mis-buffer a line that doubles back on itself (a dogbone's out-and-back)."""
    segs = []
    for pts in paths:
        pts = np.asarray(pts, dtype=float)
        if len(pts) == 1:
            segs.append(Point(pts[0]))
        a, b = pts[:-1], pts[1:]
        segs += list(shapely.linestrings(np.stack([a, b], axis=1)))
    return shapely.union_all(shapely.buffer(np.asarray(segs, dtype=object), r,
                                            quad_segs=QUAD_SEGS))


def _closed(coords) -> np.ndarray:
    a = np.asarray(coords, dtype=float)[:, :2]
    if np.hypot(*(a[0] - a[-1])) > TOL:
        a = np.vstack([a, a[:1]])
    return a


def _orient(loop: np.ndarray, ccw: bool) -> np.ndarray:
    is_ccw = shapely.LinearRing(loop).is_ccw
    return loop if is_ccw == ccw else loop[::-1].copy()


# Features already proven cuttable (the tool sweeps all of them), by shape up to translation:
# a whole house repeats a dozen parts hundreds of times, and the proof (a union of hundreds of
# buffered segments) is most of the planning time. Only passes are remembered; a shape is the
# same when its coordinates, moved to its own lower-left corner, agree to 1e-6 mm.
_COVERED: dict[tuple, bool] = {}
_COVERED_MAX = 4096


def _shape_key(g) -> bytes:
    """A geometry up to translation, as bytes (coordinates rounded to 1e-6 mm)."""
    x0, y0 = g.bounds[:2]
    moved = shapely.transform(g, lambda c: np.round(c - (x0, y0), 6) + 0.0)
    return shapely.to_wkb(moved)


def _covered(key: tuple) -> None:
    if len(_COVERED) >= _COVERED_MAX:
        _COVERED.clear()
    _COVERED[key] = True


class Planner:
    """Plans one sheet; holds the context an error message needs (file, part)."""

    def __init__(self, sheet: SheetLayout, profile: Profile):
        self.sheet = sheet
        self.p = profile
        self.t = float(sheet.stock.thickness)
        self.r = profile.tool.radius
        self.through = self.t + profile.depth.overcut
        self.part: Part | None = None
        self.pl: Placement | None = None

    # -- errors -------------------------------------------------------------------------------
    def refuse(self, detail: str) -> UnsafeJobError:
        part = self.part
        return UnsafeJobError(detail, file=(part.source or None) if part else None,
                              part=part.name if part else None)

    # -- geometry -----------------------------------------------------------------------------
    def inside_loops(self, region: Polygon, what: str, cover: Polygon | None = None) -> list[
            np.ndarray]:
        """Tool-centre loops that cut the inside of `region` (a hole, slot or pocket), with
        corner reliefs; refuses features (or parts of them) narrower than the tool. `cover` is
        what must be cut when the tool may use more room than that (a pocket at the part's
        edge). A feature exactly as wide as the tool is cut with NARROW_TOL of play."""
        try:
            return self._inside(region, what, cover, self.r)
        except UnsafeJobError as first:
            try:
                return self._inside(region, what, cover, self.r - NARROW_TOL / 2)
            except UnsafeJobError:
                raise first from None

    def _inside(self, region: Polygon, what: str, cover: Polygon | None, r: float) -> list[
            np.ndarray]:
        inner = region.buffer(-r, quad_segs=QUAD_SEGS)
        word = what
        if what == "hole":
            rect = region.minimum_rotated_rectangle
            xs = np.hypot(*np.diff(np.asarray(rect.exterior.coords)[:3], axis=0).T)
            word = "slot" if xs.max() > 1.5 * max(xs.min(), 1e-9) else "hole"
        if inner.is_empty or inner.area <= 0:
            c = region.representative_point()
            raise self.refuse(f"{word} {feature_width(region):.2f} mm wide at {_xy((c.x, c.y))}"
                              f" is narrower than the {self.p.tool.diameter:g} mm tool")
        if what == "hole" and inner.geom_type != "Polygon":
            raise self._narrow(region, inner, word)
        polys = list(getattr(inner, "geoms", [inner]))
        loops = []
        for poly in sorted(polys, key=lambda g: (g.bounds[0], g.bounds[1])):
            poly = shapely.orient_polygons(poly) if hasattr(shapely, "orient_polygons") else poly
            for ring in [poly.exterior, *poly.interiors]:
                loops.append(_closed(ring.coords))
        final = [relief_loop(lp, region.boundary, r, self.p.corners.relief) for lp in loops]
        key = ("in", what, r, self._relief(), _shape_key(region),
               None if cover is None else _shape_key(cover))
        if key not in _COVERED:
            checked = final if self._relief() == self.p.corners.relief else [
                relief_loop(lp, region.boundary, r, self._relief()) for lp in loops]
            need = (cover if cover is not None else region).difference(inner)
            self._check_cover(need, checked, word, r, feature=cover or region)
            _covered(key)
        return final

    def outside_loop(self, outline: Polygon) -> np.ndarray:
        """The tool-centre loop round a part's outside, with reliefs in its inside corners."""
        try:
            return self._outside(outline, self.r)
        except UnsafeJobError as first:
            try:
                return self._outside(outline, self.r - NARROW_TOL / 2)
            except UnsafeJobError:
                raise first from None

    def _outside(self, outline: Polygon, r: float) -> np.ndarray:
        body = Polygon(outline.exterior)
        grown = body.buffer(r, quad_segs=QUAD_SEGS)
        if grown.geom_type != "Polygon":  # cannot happen for a connected body; be safe
            grown = max(grown.geoms, key=lambda g: g.area)
        ring = _closed(grown.exterior.coords)
        final = relief_loop(ring, body.boundary, r, self.p.corners.relief)
        key = ("out", r, self.r, self._relief(), _shape_key(body))
        if key not in _COVERED:
            checked = final if self._relief() == self.p.corners.relief else relief_loop(
                ring, body.boundary, r, self._relief())
            reach = Polygon(grown.exterior).difference(body)  # what the tool must remove
            notches = body.buffer(2 * self.r + 1.0, quad_segs=QUAD_SEGS).buffer(
                -(2 * self.r + 1.0), quad_segs=QUAD_SEGS).difference(body)
            self._check_cover(reach, [checked], "notch", r, outside=body, feature=notches)
            _covered(key)
        return final

    def _relief(self) -> str:
        return "dogbone" if self.p.corners.relief == "none" else self.p.corners.relief

    def _check_cover(self, region, loops: list[np.ndarray], word: str, r: float,
                     outside: Polygon | None = None, feature=None) -> None:
        """Refuse when the tool, swept along the loops (reliefs included), leaves a piece of
        the feature wider than UNCUT_WIDTH: a neck, notch or slot narrower than the tool."""
        swept = sweep(loops, r + 1e-3)
        left = region.difference(swept)
        if outside is not None:
            left = left.difference(outside)
        if left.is_empty:
            return
        core = left.buffer(-UNCUT_WIDTH / 2)
        if core.is_empty:
            return
        big = max(getattr(core, "geoms", [core]), key=lambda g: (g.area, g.bounds))
        c = big.representative_point()
        feat = feature if feature is not None and not feature.is_empty else left
        pieces = [g for g in getattr(feat, "geoms", [feat]) if g.distance(c) < 1e-6]
        w = feature_width(pieces[0] if pieces else feat, c, self.r)
        raise self.refuse(f"{word} {w:.2f} mm wide at {_xy((c.x, c.y))} is narrower than the"
                          f" {self.p.tool.diameter:g} mm tool")

    def _narrow(self, region: Polygon, inner, word: str) -> UnsafeJobError:
        """A hole whose inward offset splits: the neck between the pieces is too narrow."""
        opened = inner.buffer(self.r, quad_segs=QUAD_SEGS)
        gap = region.difference(opened)
        parts = sorted(getattr(gap, "geoms", [gap]), key=lambda g: -g.area)
        c = parts[0].representative_point() if parts and not gap.is_empty else \
            region.representative_point()
        w = feature_width(region, c, self.r)
        return self.refuse(f"{word} {w:.2f} mm wide at {_xy((c.x, c.y))} is narrower than the"
                           f" {self.p.tool.diameter:g} mm tool")

    def pocket_room(self, shape: Polygon) -> Polygon:
        """Where the tool may go to clear a pocket: the pocket, plus the strip just outside
        the part (or inside its holes) next to it, which the outline or hole cut removes
        anyway. This is what lets a rebate along a part's edge be cut with a wide tool."""
        part = self.part
        if part is None:
            return shape
        d = self.p.tool.diameter
        body = Polygon(part.outline.exterior)
        free = [body.buffer(d, quad_segs=QUAD_SEGS).difference(body)]
        for ring in part.outline.interiors:
            hole = Polygon(ring)
            free.append(hole.difference(hole.buffer(-d, quad_segs=QUAD_SEGS)))
        near = shape.buffer(d, quad_segs=QUAD_SEGS).intersection(shapely.union_all(free))
        if near.is_empty or near.area < 1e-6:
            return shape
        room = shape.union(near)
        if room.geom_type != "Polygon":
            room = max(room.geoms, key=lambda g: g.intersection(shape).area)
        return shapely.set_precision(room, 1e-6) if not room.is_valid else room


# ----------------------------------------------------------------------------------------------
# tabs
# ----------------------------------------------------------------------------------------------


def _round_hole(shape: Polygon) -> tuple[float, float, float] | None:
    """(x, y, diameter) when a pocket is a plain circle (as a DXF CIRCLE flattens), else None."""
    if not isinstance(shape, Polygon) or shape.interiors or shape.is_empty:
        return None
    x0, y0, x1, y1 = shape.bounds
    d = max(x1 - x0, y1 - y0)
    if d <= 0 or abs((x1 - x0) - (y1 - y0)) > 0.01 * d:
        return None
    if abs(shape.area - math.pi * d * d / 4) > 0.01 * shape.area:
        return None
    return ((x0 + x1) / 2, (y0 + y1) / 2, round(d, 3))


def tab_centres(track: Track, profile: Profile, perimeter: float) -> list[float]:
    """Arc-length positions (on the loop) of tab centres: evenly spread, moved onto straight
    stretches long enough to hold a tab so none sits on a corner; at least 2 on any part."""
    p = profile
    if not p.tabs.enabled or p.tabs.height <= 0 or perimeter < p.tabs.min_perimeter:
        return []
    span = p.tabs.length + p.tool.diameter  # the lifted stretch of the tool centre
    n = p.tabs.count if p.tabs.count > 0 else max(2, math.ceil(perimeter / p.tabs.spacing))
    n = min(n, int(track.length // (span + p.tool.diameter)))
    if n <= 0:
        return []
    pts, cum, total = track.pts, track.cum, track.length
    d = np.diff(pts, axis=0)
    ang = np.arctan2(d[:, 1], d[:, 0])
    turn = np.abs((np.diff(np.concatenate([ang, ang[:1]])) + np.pi) % (2 * np.pi) - np.pi)
    corners = [0.0] + [float(cum[k + 1]) for k in np.nonzero(np.degrees(turn) > CORNER_TURN)[0]]
    corners = sorted(set(corners))
    margin = p.tool.diameter / 2
    allowed: list[tuple[float, float]] = []
    for a, b in zip(corners, corners[1:] + [corners[0] + total]):
        lo, hi = a + span / 2 + margin, b - span / 2 - margin
        if hi >= lo:
            allowed.append((lo, hi))
    if not allowed:
        allowed = [(0.0, total)]
    chosen: list[float] = []
    for i in range(n):
        ideal = (i + 0.5) * total / n
        best = None
        for lo, hi in allowed:
            for shift in (0.0, total, -total):
                c = min(max(ideal + shift, lo), hi)
                dist = abs(c - ideal - shift)
                cand = (dist, c % total)
                if best is None or cand < best:
                    best = cand
        c = best[1]
        if all(min(abs(c - o), total - abs(c - o)) >= span + p.tool.diameter for o in chosen):
            chosen.append(c)
    return sorted(chosen)


def tab_function(track: Track, centres: Sequence[float], u0: float, u1: float,
                 profile: Profile, t: float, through: float) -> PL | None:
    """Depth floor over the tabs: flat at the tab top, then a steep ramp (45 deg, steeper on
    short tabs) back down so the tool never plunges vertically into the material ahead."""
    if not centres:
        return None
    p = profile
    top = -(t - p.tabs.height)
    drop = through + top  # from the tab top down to the through depth (positive)
    span = p.tabs.length + p.tool.diameter
    rl = min(drop, p.tabs.length / 2)
    flat = span - rl
    knots: list[tuple[float, float]] = []
    per = track.period
    m0 = math.floor((u0 - span) / per)
    m1 = math.ceil((u1 + span) / per)
    for m in range(m0, m1 + 1):
        for c in centres:
            a = c - span / 2 + m * per
            b = a + flat
            e = b + rl
            if e < u0 or a > u1:
                continue
            knots += [(a, LOW), (a, top), (b, top), (e, -through), (e, LOW)]
    knots.sort(key=lambda k: k[0])
    return PL.of(knots) if knots else None


# ----------------------------------------------------------------------------------------------
# moves
# ----------------------------------------------------------------------------------------------


class Emitter:
    """Collects the moves of one operation and keeps the rules every move must obey: rapids
    only at safe height or above, retract (by feed while in the material) before each rapid."""

    def __init__(self, profile: Profile, pos: P3):
        self.p = profile
        self.moves: list[Move] = []
        self.pos = pos
        # plunge, cut and ramp feeds, each capped at the machine's maximum: feed_for and path
        # pick among these by the same rule
        cap = profile.feeds.max
        self.rates = (min(profile.feeds.plunge, cap), min(profile.feeds.cut, cap),
                      min(profile.feeds.ramp, profile.feeds.cut, cap))

    def feed_for(self, a: P3, b: P3) -> float:
        f_plunge, f_cut, f_ramp = self.rates
        dxy = math.hypot(b[0] - a[0], b[1] - a[1])
        dz = b[2] - a[2]
        if dxy < 1e-7:
            return f_plunge if dz < 0 else f_cut
        return f_ramp if dz < -1e-9 else f_cut

    def feed(self, x: float, y: float, z: float, f: float | None = None) -> None:
        b = (x, y, z)
        if _dist3(self.pos, b) <= 1e-7:
            return
        self.moves.append(Move("feed", x, y, z, f if f is not None else self.feed_for(self.pos, b)))
        self.pos = b

    def rapid(self, x: float, y: float, z: float) -> None:
        if _dist3(self.pos, (x, y, z)) <= 1e-7:
            return
        self.moves.append(Move("rapid", x, y, z))
        self.pos = (x, y, z)

    def retract(self) -> None:
        x, y, z = self.pos
        if z < 0:
            self.feed(x, y, 0.0, min(self.p.feeds.cut, self.p.feeds.max))
        if z < self.p.heights.safe:
            self.rapid(x, y, self.p.heights.safe)

    def approach(self, x: float, y: float, z: float) -> None:
        """To (x, y, z) from anywhere: up to safe height, across, then down by feed (z must be
        air: the stock top or a floor already cleared)."""
        if math.hypot(x - self.pos[0], y - self.pos[1]) > 1e-7 or self.pos[2] > z + 1e-9:
            if math.hypot(x - self.pos[0], y - self.pos[1]) > 1e-7:
                self.retract()
                self.rapid(x, y, self.pos[2])
                self.rapid(x, y, self.p.heights.safe)
            self.feed(x, y, max(z, 0.0), self.p.feeds.plunge)
            self.feed(x, y, z, self.p.feeds.plunge)  # down a floor already cleared
        else:
            self.feed(x, y, z)

    def path(self, pts: Sequence[P3]) -> None:
        """Feed through the points (as feed() one by one, but the distances and feeds of a
        long walk in a few numpy operations)."""
        pts = list(pts)
        k = 0
        while k < len(pts) and _dist3(self.pos, pts[k]) <= 1e-7:
            k += 1  # already there (the walk starts where approach() left the tool)
        pts = pts[k:]
        if len(pts) < 8:
            for x, y, z in pts:
                self.feed(x, y, z)
            return
        a = np.array([self.pos] + pts, dtype=float)
        d = a[1:] - a[:-1]
        dxy = np.hypot(d[:, 0], d[:, 1])
        dist = np.sqrt(dxy * dxy + d[:, 2] * d[:, 2])
        # within rounding of a threshold (numpy's arithmetic may differ from math's by an ulp):
        # decide those one by one, exactly as feed() does
        if (dist[1:] <= 1e-7 + 1e-12).any() or (np.abs(dxy - 1e-7) < 1e-12).any():
            for x, y, z in pts:
                self.feed(x, y, z)
            return
        f_plunge, f_cut, f_ramp = self.rates
        dz = d[:, 2]
        feeds = np.where(dxy < 1e-7, np.where(dz < 0, f_plunge, f_cut),
                         np.where(dz < -1e-9, f_ramp, f_cut)).tolist()
        self.moves.extend([Move("feed", x, y, z, f) for (x, y, z), f in zip(pts, feeds)])
        self.pos = pts[-1]

    def arc(self, x: float, y: float, z: float, cx: float, cy: float, ccw: bool,
            f: float) -> None:
        x0, y0, _ = self.pos
        self.moves.append(Move("arc_ccw" if ccw else "arc_cw", x, y, z, min(f, self.p.feeds.max),
                               cx - x0, cy - y0))
        self.pos = (x, y, z)


# ----------------------------------------------------------------------------------------------
# operations of one part
# ----------------------------------------------------------------------------------------------


class SheetPlanner(Planner):
    def loop_op(self, em: Emitter, loop: np.ndarray, depth: float, tabs: bool) -> list[
            tuple[float, float]]:
        """Cut a closed loop to `depth` in passes, ramping in, with tabs on the final passes."""
        track = Track(loop, closed=True)
        line = LineString(track.pts)
        u0 = float(line.project(Point(em.pos[0], em.pos[1])))
        x, y = track.at(u0)
        em.approach(x, y, 0.0)
        knots, u1 = descend_knots(track, u0, 0.0, pass_levels(depth, self.p), self.p)
        centres: list[float] = []
        tab = None
        if tabs and self.part is not None:
            perim = float(Polygon(self.part.outline.exterior).length)
            centres = tab_centres(track, self.p, perim)
            tab = tab_function(track, centres, u0, u1, self.p, self.t, self.through)
        em.path(walk(track, u0, u1, PL.of(knots), tab))
        em.retract()
        return [track.at(c) for c in centres]

    def pocket_op(self, em: Emitter, shape: Polygon, depth: float) -> None:
        """Clear a pocket: offset rings from the inside out, then the finishing loop(s) with
        corner reliefs, level by level."""
        if depth > self.t + 1e-9:
            c = shape.representative_point()
            raise self.refuse(f"pocket {depth:g} mm deep at {_xy((c.x, c.y))} is deeper than the"
                              f" {self.t:g} mm stock")
        hole = _round_hole(shape)
        if hole is not None and self.p.tool.diameter - DRILL_MATCH <= hole[2] < \
                self.p.tool.diameter + NARROW_TOL:
            # a small circle on a DEEP layer (WikiHouse screw pilots) is a blind drilled hole:
            # plunged like a drill within DRILL_MATCH of the tool, never enlarged beyond that
            self.drill_op(em, Drill(hole[0], hole[1], hole[2], depth), shape)
            return
        room = self.pocket_room(shape)
        finish = self.inside_loops(room, "pocket", cover=shape)
        inner = room.buffer(-self.r, quad_segs=QUAD_SEGS)
        if inner.is_empty:  # cut with NARROW_TOL of play: clearing rings from that offset
            inner = room.buffer(-(self.r - NARROW_TOL / 2), quad_segs=QUAD_SEGS)
        step = self.p.pocket.stepover * self.p.tool.diameter
        rings: list[np.ndarray] = []
        k = 1
        while True:
            g = inner.buffer(-step * k, quad_segs=QUAD_SEGS)
            if g.is_empty:
                break
            if hasattr(shapely, "orient_polygons"):
                g = shapely.orient_polygons(g)
            level_rings = []
            for poly in sorted(getattr(g, "geoms", [g]), key=lambda q: q.bounds):
                for ring in [poly.exterior, *poly.interiors]:
                    level_rings.append(_closed(ring.coords))
            rings = level_rings + rings  # innermost first
            k += 1
        loops = [self._dir(lp, inside=True) for lp in rings + finish]
        allowed = inner.buffer(1e-3)
        zprev = 0.0
        for z in pass_levels(depth, self.p):
            first = True
            for lp in loops:
                track = Track(lp, closed=True)
                u0 = float(LineString(track.pts).project(Point(em.pos[0], em.pos[1])))
                x, y = track.at(u0)
                link = LineString([em.pos[:2], (x, y)])
                here = em.pos[2]
                linkable = (here < 0 and link.length < 1e-7) or (
                    here < 0 and allowed.contains(link)
                    and (link.length <= self.p.tool.diameter or (first and here <= zprev + 1e-9)))
                if linkable:
                    em.feed(x, y, here)
                    zstart = here
                else:
                    em.approach(x, y, zprev)
                    zstart = zprev
                if zstart > z + 1e-9:
                    knots, u1 = descend_knots(track, u0, zstart, [z], self.p)
                else:
                    knots, u1 = [(u0, z)], u0 + track.period
                em.path(walk(track, u0, u1, PL.of(knots)))
                first = False
            zprev = z
        em.retract()

    def drill_op(self, em: Emitter, d, owner: Polygon) -> None:
        p = self.p
        depth = self.through if d.depth is None else float(d.depth)
        where = _xy((d.x, d.y))
        if depth > self.t + p.depth.max_overcut + 1e-9:
            raise self.refuse(f"drill at {where} is {depth:g} mm deep, beyond the {self.t:g} mm"
                              f" stock + {p.depth.max_overcut:g} mm allowed overcut")
        if d.diameter < p.tool.diameter - DRILL_MATCH:
            raise self.refuse(f"drill {d.diameter:g} mm at {where} is smaller than the"
                              f" {p.tool.diameter:g} mm tool")
        if d.diameter <= p.tool.diameter + DRILL_MATCH:
            em.approach(d.x, d.y, 0.0)
            zs = [-depth]
            if p.drill.peck > 0:
                n = max(1, math.ceil(depth / p.drill.peck - 1e-9))
                zs = [-depth * (k + 1) / n for k in range(n)]
            done = 0.0
            for z in zs:
                if done < 0:
                    em.feed(d.x, d.y, done, min(p.feeds.cut, p.feeds.max))  # back down the hole
                em.feed(d.x, d.y, z, p.feeds.plunge)
                if z > -depth + 1e-9:
                    em.feed(d.x, d.y, 0.0, min(p.feeds.cut, p.feeds.max))  # clear the chips
                done = z
            em.retract()
            return
        rc = (d.diameter - p.tool.diameter) / 2
        through = d.depth is None or depth >= self.t
        if rc > self.r * 0.95 and not through:  # a blind bore wider than 2 tools: a pocket
            self.pocket_op(em, Point(d.x, d.y).buffer(d.diameter / 2, quad_segs=32), depth)
            return
        ccw = p.direction == "climb"  # a hole: counter-clockwise climbs on a CW spindle
        em.approach(d.x + rc, d.y, 0.0)
        pitch = min(2 * math.pi * rc * math.tan(math.radians(max(p.entry.ramp_angle, 0.5))),
                    p.depth.per_pass)
        z = 0.0
        feed = min(p.feeds.ramp, p.feeds.cut)
        while z > -depth + 1e-9:
            z1 = max(z - pitch, -depth)
            zm = (z + z1) / 2
            em.arc(d.x - rc, d.y, zm, d.x, d.y, ccw, feed)
            em.arc(d.x + rc, d.y, z1, d.x, d.y, ccw, feed)
            z = z1
        em.arc(d.x - rc, d.y, -depth, d.x, d.y, ccw, p.feeds.cut)
        em.arc(d.x + rc, d.y, -depth, d.x, d.y, ccw, p.feeds.cut)
        if rc < self.r:  # the centre is cut too: leave the wall before lifting
            em.feed(d.x, d.y, -depth, p.feeds.cut)
        em.retract()

    def open_op(self, em: Emitter, pts: np.ndarray, depth: float) -> None:
        """Engrave along a polyline (closed ones loop, open ones zig-zag down)."""
        pts = np.asarray(pts, dtype=float)[:, :2]
        closed = len(pts) > 2 and np.hypot(*(pts[0] - pts[-1])) < 1e-6
        track = Track(pts, closed=closed)
        if track.length < 1e-6:
            em.approach(float(pts[0][0]), float(pts[0][1]), 0.0)
            em.feed(float(pts[0][0]), float(pts[0][1]), -depth, self.p.feeds.plunge)
            em.retract()
            return
        if closed:
            u0 = float(LineString(track.pts).project(Point(em.pos[0], em.pos[1])))
        else:
            d0 = math.hypot(pts[0][0] - em.pos[0], pts[0][1] - em.pos[1])
            d1 = math.hypot(pts[-1][0] - em.pos[0], pts[-1][1] - em.pos[1])
            u0 = track.length if d1 < d0 else 0.0
        x, y = track.at(u0)
        em.approach(x, y, 0.0)
        knots, u1 = descend_knots(track, u0, 0.0, pass_levels(depth, self.p), self.p)
        em.path(walk(track, u0, u1, PL.of(knots)))
        em.retract()

    def _dir(self, loop: np.ndarray, inside: bool) -> np.ndarray:
        """Loops come oriented for climb cutting; conventional reverses them."""
        return loop if self.p.direction == "climb" else loop[::-1].copy()

    # -- labels -------------------------------------------------------------------------------
    def label_strokes(self, part: Part) -> list[np.ndarray]:
        """The part's label as single strokes placed inside the part, clear of holes and
        features; [] when it cannot fit (a label never fails a job)."""
        if not self.p.engrave.labels or not part.text.strip():
            return []
        try:
            from .font import text_strokes
        except ImportError:
            return []
        keep = Polygon(part.outline.exterior, [h.coords for h in part.outline.interiors])
        avoid = [pk.shape for pk in part.pockets]
        avoid += [Point(d.x, d.y).buffer(d.diameter / 2) for d in part.drills]
        avoid += [e.path.buffer(self.r) for e in part.engravings]
        if avoid:
            keep = keep.difference(shapely.union_all(avoid))
        room = keep.buffer(-(self.r + 1.0))
        if room.is_empty:
            return []
        ax, ay = part.label_anchor()
        big = max(getattr(room, "geoms", [room]), key=lambda g: g.area)

        widest: list[tuple[float, float]] = []

        def centres():  # the widest point only if the anchor will not do (it is slow to find)
            yield (ax, ay)
            if not widest:
                widest.append(tuple(shapely.maximum_inscribed_circle(big, tolerance=0.5)
                                    .coords[0]))
            yield widest[0]

        rect = big.minimum_rotated_rectangle
        rc = np.asarray(rect.exterior.coords)
        e1, e2 = rc[1] - rc[0], rc[2] - rc[1]
        long = e1 if math.hypot(*e1) >= math.hypot(*e2) else e2
        axis = math.degrees(math.atan2(long[1], long[0])) % 180.0
        if axis > 90.0 + 1e-9:
            axis -= 180.0  # keep text reading left to right or bottom to top
        angles = [0.0] + ([round(axis, 6)] if abs(axis) > 1e-6 else []) + [90.0]
        h = part.label_height
        while h >= 4.0 - 1e-9:
            strokes = [np.asarray(s, dtype=float) for s in text_strokes(part.text, h)]
            strokes = [s for s in strokes if len(s) >= 1]
            if not strokes:
                return []
            allp = np.vstack(strokes)
            mid = (allp.min(axis=0) + allp.max(axis=0)) / 2
            for cx, cy in centres():
                for ang in angles:
                    a = math.radians(ang)
                    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
                    placed = [(s - mid) @ rot.T + (cx, cy) for s in strokes]
                    geom = MultiLineString([s if len(s) > 1 else np.vstack([s, s]) for s in
                                            placed])
                    if room.contains(geom):
                        return placed
            h *= 0.8
        return []


# ----------------------------------------------------------------------------------------------
# ordering
# ----------------------------------------------------------------------------------------------


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
    idx = _two_opt(dist, 50)
    return [order[k - 1] for k in idx[1:].tolist()]


@njit(cache=True)
def _two_opt(dist, max_rounds):
    """2-opt on an open path from fixed node 0: reverse a stretch while that shortens it."""
    n = dist.shape[0] - 1
    idx = np.arange(n + 1)
    improved, rounds = True, 0
    while improved and rounds < max_rounds:
        improved, rounds = False, rounds + 1
        for i in range(n - 1):
            for j in range(i + 2, n + 1):
                a, b = idx[i], idx[i + 1]
                c = idx[j]
                old = dist[a, b] + (dist[c, idx[j + 1]] if j + 1 <= n else 0.0)
                new = dist[a, c] + (dist[b, idx[j + 1]] if j + 1 <= n else 0.0)
                if new < old - 1e-9:
                    idx[i + 1:j + 1] = idx[i + 1:j + 1][::-1].copy()
                    improved = True
    return idx


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


# ----------------------------------------------------------------------------------------------
# the sheet
# ----------------------------------------------------------------------------------------------


def plan_sheet(sheet: SheetLayout, profile: Profile) -> SheetProgram:
    """All operations for a sheet in cutting order (sheet coordinates, mm, Z0 = stock top):
    inner features before each outline, parts inside other parts' holes first, parts in a
    short rapid tour. Refuses (UnsafeJobError) anything that cannot be cut safely."""
    sp = SheetPlanner(sheet, profile)
    p = profile
    t = sp.t
    if t <= 0:
        raise UnsafeJobError(f"sheet {sheet.index}: stock thickness {t:g} mm is not positive")
    if sp.through > t + p.depth.max_overcut + 1e-9:
        raise UnsafeJobError(f"through-cut depth {sp.through:g} mm is beyond the {t:g} mm stock"
                             f" + {p.depth.max_overcut:g} mm allowed overcut", p.source or None)
    if -sp.through < p.limits.z_min - 1e-9:
        raise UnsafeJobError(f"through-cut depth {sp.through:g} mm is below the machine's Z limit"
                             f" ({p.limits.z_min:g})", p.source or None)
    if max(p.heights.clearance, p.heights.safe) > p.limits.z_max + 1e-9:
        raise UnsafeJobError(f"clearance height {p.heights.clearance:g} mm is above the machine's"
                             f" Z limit ({p.limits.z_max:g})", p.source or None)
    placed = [pl.placed() for pl in sheet.placements]
    depth = nesting_depth([pp.outline for pp in placed])
    pos: P3 = (0.0, 0.0, p.heights.clearance)
    ops: list[Operation] = []
    for level in sorted(set(depth), reverse=True):
        group = [k for k in range(len(placed)) if depth[k] == level]
        reps = [placed[k].outline.representative_point() for k in group]
        for gi in tour([(q.x, q.y) for q in reps], (pos[0], pos[1])):
            k = group[gi]
            sp.part, sp.pl = placed[k], sheet.placements[k]
            part_ops, pos = _part_operations(sp, sheet.placements[k], placed[k], pos)
            ops += part_ops
    sp.part = None
    program = SheetProgram(sheet, ops)
    _check_program(program, p, sheet)
    _measure(program, p)
    return program


def _part_operations(sp: SheetPlanner, pl: Placement, part: Part, pos: P3) -> tuple[
        list[Operation], P3]:
    """The operations of one placed part: labels and engravings, pockets, drills, holes, then
    the outline (which frees the part, so it must be last)."""
    p = sp.p
    sp._check_on_sheet(part)
    features: list[tuple[str, Callable[[Emitter], list], tuple[float, float]]] = []
    for s in sp.label_strokes(part):
        features.append(("label", _bind(sp.open_op, s, p.engrave.depth), tuple(s[0])))
    for e in part.engravings:
        if e.depth > sp.t + 1e-9 or e.depth <= 0:
            raise sp.refuse(f"engraving {e.depth:g} mm deep at {_xy(e.path.coords[0])} is not"
                            f" within the {sp.t:g} mm stock")
        features.append(("engrave", _bind(sp.open_op, np.asarray(e.path.coords), e.depth),
                         tuple(e.path.coords[0])[:2]))
    for pk in part.pockets:
        c = pk.shape.representative_point()
        features.append(("pocket", _bind(sp.pocket_op, pk.shape, pk.depth), (c.x, c.y)))
    for d in part.drills:
        features.append(("drill", _bind(sp.drill_op, d, part.outline), (d.x, d.y)))
    for ring in part.outline.interiors:
        hole = Polygon(ring)
        loops = sp.inside_loops(hole, "hole")
        c = hole.representative_point()
        features.append(("hole", _bind(sp.loop_op, sp._dir(loops[0], inside=True), sp.through,
                                       False), (c.x, c.y)))
    outline = sp._dir(_orient(sp.outside_loop(part.outline), ccw=False), inside=False)
    order = {"label": 0, "engrave": 0, "pocket": 1, "drill": 2, "hole": 3}
    ops: list[Operation] = []
    for rank in sorted(set(order.values())):
        group = [f for f in features if order[f[0]] == rank]
        for gi in tour([f[2] for f in group], (pos[0], pos[1])):
            kind, fn, _ = group[gi]
            em = Emitter(p, pos)
            tabs = fn(em) or []
            ops.append(Operation(pl.instance, kind, em.moves, list(tabs)))
            pos = em.pos
    em = Emitter(p, pos)
    tabs = sp.loop_op(em, outline, sp.through, tabs=True)
    ops.append(Operation(pl.instance, "outline", em.moves, tabs))
    return ops, em.pos


def _bind(fn, *args):
    return lambda em: fn(em, *args)


def _check_on_sheet(self: SheetPlanner, part: Part) -> None:
    """A part must lie on the sheet, inside its margin when the stock has one. Parts drawn
    flush with the sheet edge (WikiHouse cutting files, margin 0) are fine: the tool then cuts
    air just beyond the edge (see EDGE_SLACK, checked on the moves in _check_program)."""
    x0, y0, x1, y1 = part.outline.bounds
    st = self.sheet.stock
    w, h, m = st.width, st.height, max(float(st.margin), 0.0)
    tol = 0.011  # the DXF reader's flush-with-the-edge tolerance
    if x0 < m - tol or y0 < m - tol or x1 > w - m + tol or y1 > h - m + tol:
        less = f" less its {m:g} mm margin" if m > 0 else ""
        raise self.refuse(f"part at ({x0:.1f}, {y0:.1f})-({x1:.1f}, {y1:.1f}) is outside the"
                          f" {w:g}x{h:g} sheet{less}")


SheetPlanner._check_on_sheet = _check_on_sheet  # type: ignore[attr-defined]


def _check_program(program: SheetProgram, p: Profile, sheet: SheetLayout) -> None:
    """The last word on safety (see _check_program_py). Every check of _check_program_py on
    every point, in numpy; only when one fails (or is within rounding of failing) does the
    point-by-point loop run, to find the first offending move and name it."""
    if _program_suspect(program, p, sheet):
        _check_program_py(program, p, sheet)


def _program_suspect(program: SheetProgram, p: Profile, sheet: SheetLayout) -> bool:
    """Whether any move might fail a check of _check_program_py (conservative: True whenever
    in doubt)."""
    moves = [m for op in program.operations for m in op.moves]
    if not moves:
        return False
    end = np.array([(m.x, m.y, m.z) for m in moves], dtype=float)
    start = np.vstack([[0.0, 0.0, p.heights.clearance], end[:-1]])
    rapid = np.array([m.kind == "rapid" for m in moves])
    feed = np.array([m.feed for m in moves], dtype=float)
    # every point each move passes through: its end, and for arcs the sampled points
    pts = [end]
    for k, m in enumerate(moves):
        if m.kind in ("arc_cw", "arc_ccw"):
            pts.append(np.asarray(arc_points(tuple(start[k].tolist()), m, CHECK_TOL), dtype=float))
    pts = np.vstack(pts)
    x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
    t = sheet.stock.thickness
    w, h = sheet.stock.width, sheet.stock.height
    r = p.tool.radius
    floor = -(t + p.depth.max_overcut) - 1e-9
    if (z < floor).any() or (z < p.limits.z_min - 1e-9).any():
        return True
    low = z < 0
    if (low & ((x + r + EDGE_SLACK < 0) | (y + r + EDGE_SLACK < 0) | (x - r - EDGE_SLACK > w)
               | (y - r - EDGE_SLACK > h))).any():
        return True
    inside = ((p.limits.x_min - 1e-6 <= x) & (x <= p.limits.x_max + 1e-6) & (p.limits.y_min - 1e-6 <= y)
              & (y <= p.limits.y_max + 1e-6) & (z <= p.limits.z_max + 1e-9))
    if not inside.all():
        return True
    cut = ~rapid
    if ((feed[cut] <= 0) | (feed[cut] > p.feeds.max + 1e-9)).any():
        return True
    zmin = np.minimum(end[:, 2], start[:, 2])
    if (rapid & (zmin < -1e-9)).any():
        return True
    moved = np.hypot(end[:, 0] - start[:, 0], end[:, 1] - start[:, 1]) > 1e-9 * (1 - 1e-6)
    moved[0] = False  # the first move may rapid from wherever the machine is
    return bool((rapid & moved & (zmin < p.heights.safe - 1e-9)).any())


def _check_program_py(program: SheetProgram, p: Profile, sheet: SheetLayout) -> None:
    """The last word on safety, on the moves themselves: no rapid below the stock top, no
    XY rapid below safe height, nothing deeper than thickness + max_overcut, every cut (tool
    radius included) on the sheet, everything inside the machine's travel."""
    t = sheet.stock.thickness
    w, h = sheet.stock.width, sheet.stock.height
    r = p.tool.radius
    floor = -(t + p.depth.max_overcut) - 1e-9
    pos: P3 = (0.0, 0.0, p.heights.clearance)
    first = True
    for op in program.operations:
        for m in op.moves:
            pts = arc_points(pos, m, CHECK_TOL)
            zs = [q[2] for q in pts] + [pos[2]]
            where = f"{op.kind} of '{op.part}' at ({m.x:.1f}, {m.y:.1f}, {m.z:.2f})"
            if m.kind == "rapid":
                if min(zs) < -1e-9:
                    raise UnsafeJobError(f"internal: rapid below the stock top, {where}")
                moved = math.hypot(m.x - pos[0], m.y - pos[1]) > 1e-9
                if moved and not first and min(zs) < p.heights.safe - 1e-9:
                    raise UnsafeJobError(f"internal: rapid below safe height, {where}")
            elif m.feed <= 0 or m.feed > p.feeds.max + 1e-9:
                raise UnsafeJobError(f"internal: feed {m.feed:g} out of range, {where}")
            for x, y, z in pts:
                if z < floor or z < p.limits.z_min - 1e-9:
                    raise UnsafeJobError(f"cut to Z{z:.2f} is deeper than the {t:g} mm stock +"
                                         f" {p.depth.max_overcut:g} mm allowed overcut ({where})")
                if z < 0 and (x + r + EDGE_SLACK < 0 or y + r + EDGE_SLACK < 0
                              or x - r - EDGE_SLACK > w or y - r - EDGE_SLACK > h):
                    raise UnsafeJobError(f"cut outside the {w:g}x{h:g} sheet: {where}")
                if not (p.limits.x_min - 1e-6 <= x <= p.limits.x_max + 1e-6 and p.limits.y_min - 1e-6 <= y
                        <= p.limits.y_max + 1e-6 and z <= p.limits.z_max + 1e-9):
                    raise UnsafeJobError(f"move outside the machine's travel limits (x {p.limits.x_min:g}"
                                         f"..{p.limits.x_max:g}, y {p.limits.y_min:g}..{p.limits.y_max:g}): {where}",
                                         p.source or None)
            pos = (m.x, m.y, m.z)
            first = False


def _measure(program: SheetProgram, p: Profile) -> None:
    """Cut and rapid lengths and a cycle-time estimate (feeds, rapid rate, spindle dwell, and
    the final retract to clearance height)."""
    cut = rapid = secs = 0.0
    pos: P3 = (0.0, 0.0, p.heights.clearance)
    for op in program.operations:
        for m in op.moves:
            d = move_length(pos, m)
            if m.kind == "rapid":
                rapid += d
                secs += d / p.feeds.rapid * 60.0
            else:
                cut += d
                secs += d / m.feed * 60.0
            pos = (m.x, m.y, m.z)
    end = max(0.0, p.heights.clearance - pos[2])
    rapid += end
    secs += end / p.feeds.rapid * 60.0 + (p.spindle.dwell if program.operations else 0.0)
    program.cut_length = round(cut, 3)
    program.rapid_length = round(rapid, 3)
    program.est_seconds = round(secs, 1)
