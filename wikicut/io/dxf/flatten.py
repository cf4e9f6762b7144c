"""Flattening one entity into points: arcs, bulges, ellipses and splines with a chord error
<= CHORD_TOL, full circles as polygons whose width is their diameter exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from ezdxf.math import bulge_to_arc

__all__ = ["CHORD_TOL", "GEOMETRY", "MAX_SPLINE_POINTS", "MIN_CIRCLE_SIDES", "arc_pts",
           "arc_segments", "bulge_pts", "circle_pts", "dedupe_consecutive", "flatten_entity",
           "full_circle"]

CHORD_TOL = 0.01  # mm: max distance between a flattened arc and the true arc
MIN_CIRCLE_SIDES = 32  # a full circle's polygon: within 0.7% of its area, whatever its size
# a budget, documented in docs/dxf.md with the reader's others
MAX_SPLINE_POINTS = 10_000  # control or fit points of one SPLINE (real files: < 100)


def arc_segments(r: float, sweep: float, tol: float) -> int:
    """Segments so that the chord error stays <= tol (at least 8 per full turn)."""
    sweep = abs(sweep)
    if r <= tol:
        return max(2, math.ceil(sweep / (math.pi / 4)))
    step = 2.0 * math.acos(1.0 - tol / r)
    n = math.ceil(sweep / step - 1e-9)
    return int(min(max(n, math.ceil(sweep / (math.pi / 4)), 1), 20_000))


def arc_pts(cx: float, cy: float, r: float, a0: float, sweep: float, tol: float) -> np.ndarray:
    """Points on an arc from angle a0 (radians) over sweep (signed), ends included exactly."""
    n = arc_segments(r, sweep, tol)
    t = a0 + sweep * np.linspace(0.0, 1.0, n + 1)
    return np.column_stack((cx + r * np.cos(t), cy + r * np.sin(t)))


def circle_pts(cx: float, cy: float, r: float, tol: float) -> np.ndarray:
    """A full circle as a polygon with its vertices on it, a multiple of 4 of them (at least
    MIN_CIRCLE_SIDES) starting at 0 degrees: its width either way is the diameter exactly
    and its area within 0.7% of the circle's, however coarsely it is flattened, so whether a
    circle on a pocket layer is a drilled hole never depends on the drawing's size or units
    (a 2 mm circle flattened to 23 sides measured 1.995 mm across and was refused as a
    pocket narrower than a 2.5 mm tool instead of being drilled)."""
    n = max(MIN_CIRCLE_SIDES, 4 * math.ceil(arc_segments(r, 2 * math.pi, tol) / 4))
    t = np.arange(n) * (2 * math.pi / n)
    return np.column_stack((cx + r * np.cos(t), cy + r * np.sin(t)))


def full_circle(verts: list[tuple[float, float, float]]) -> tuple[float, float, float] | None:
    """(cx, cy, r) when a closed polyline's bulges all lie on one circle and go round it
    once (two half-circle bulges, as CAD writes a round hole as a polyline), else None."""
    if len(verts) < 2:
        return None
    got = None
    sweep = 0.0
    for i, (x0, y0, b) in enumerate(verts):
        x1, y1, _ = verts[(i + 1) % len(verts)]
        if not abs(b) > 1e-12 or (x0 == x1 and y0 == y1):
            return None
        c, _a0, _a1, r = bulge_to_arc((x0, y0), (x1, y1), b)
        if got is None:
            got = (float(c.x), float(c.y), float(r))
        elif math.hypot(c.x - got[0], c.y - got[1]) > 1e-9 * max(1.0, r) or \
                abs(r - got[2]) > 1e-9 * max(1.0, r):
            return None
        sweep += 4.0 * math.atan(b)
    return got if abs(abs(sweep) - 2 * math.pi) < 1e-6 else None


def bulge_pts(verts: list[tuple[float, float, float]], closed: bool, tol: float) -> np.ndarray:
    """Polyline vertices (x, y, bulge) to points, each bulged segment as a flattened arc."""
    out: list[np.ndarray] = []
    n = len(verts)
    segs = n if closed else n - 1
    for i in range(segs):
        x0, y0, b = verts[i]
        x1, y1, _ = verts[(i + 1) % n]
        if b and abs(b) > 1e-12 and (x0 != x1 or y0 != y1):
            c, _a_start, _a_end, r = bulge_to_arc((x0, y0), (x1, y1), b)
            a0 = math.atan2(y0 - c.y, x0 - c.x)
            sweep = 4.0 * math.atan(b)
            pts = arc_pts(c.x, c.y, r, a0, sweep, tol)
            pts[0] = (x0, y0)
            pts[-1] = (x1, y1)
            out.append(pts[:-1])
        else:
            out.append(np.array([[x0, y0]]))
    if not closed:
        out.append(np.array([verts[-1][:2]]))
    elif n:
        out.append(np.array([verts[0][:2]]))
    return np.concatenate(out) if out else np.zeros((0, 2))


def _to_wcs(entity, pts: np.ndarray) -> np.ndarray:
    """OCS -> WCS for 2D entities drawn with a flipped extrusion (mirrored in some CADs)."""
    ext = entity.dxf.get("extrusion", (0.0, 0.0, 1.0))
    if tuple(round(v, 12) for v in ext) == (0.0, 0.0, 1.0):
        return pts
    ocs = entity.ocs()
    return np.array([(v.x, v.y) for v in ocs.points_to_wcs([(x, y, 0.0) for x, y in pts])])


def dedupe_consecutive(pts: np.ndarray) -> np.ndarray:
    """The points less each one equal (within 1e-9) to the one before it."""
    if len(pts) < 2:
        return pts
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(pts, axis=0)) > 1e-9, axis=1)
    return pts[keep]


# Flattening, one function per entity type: (points, closed, circle) in drawing units, or
# None to skip the entity; `fail(detail)` raises an InputError naming file and entity.

def _line(e, tol, fail):
    s, t = e.dxf.start, e.dxf.end
    return np.array([(s.x, s.y), (t.x, t.y)]), False, None


def _circle(e, tol, fail):
    c, r = e.dxf.center, float(e.dxf.radius)
    if not r > 0:
        fail(f"CIRCLE of radius {r:g}")
    cw = _to_wcs(e, np.array([(c.x, c.y)]))[0]
    return _circle_loop(float(cw[0]), float(cw[1]), r, tol)


def _circle_loop(cx: float, cy: float, r: float, tol: float):
    return circle_pts(cx, cy, r, tol), True, (cx, cy, r)


def _arc(e, tol, fail):
    c, r = e.dxf.center, float(e.dxf.radius)
    a0 = math.radians(e.dxf.start_angle)
    sweep = (math.radians(e.dxf.end_angle) - a0) % (2 * math.pi)
    cx, cy = (float(v) for v in _to_wcs(e, np.array([(c.x, c.y)]))[0])
    if sweep < 1e-12 and r > 0:  # an ARC that goes all the way round is a circle
        return _circle_loop(cx, cy, r, tol)
    # open, it remembers its circle: ARCs that meet all the way round are one (chain)
    return _to_wcs(e, arc_pts(c.x, c.y, r, a0, sweep, tol)), False, (cx, cy, r)


def _lwpolyline(e, tol, fail):
    verts = [(float(x), float(y), float(b)) for x, y, b in e.get_points("xyb")]
    if not verts:
        return None
    closed = bool(e.closed)
    return _bulged(e, verts, closed, tol, True)


def _bulged(e, verts, closed: bool, tol: float, ocs: bool):
    """Points of a polyline (in WCS when `ocs`), a closed one going once round one circle
    flattened as that circle."""
    ring = full_circle(verts) if closed else None
    if ring is not None:
        c = _to_wcs(e, np.array([ring[:2]]))[0] if ocs else ring[:2]
        return _circle_loop(float(c[0]), float(c[1]), ring[2], tol)
    pts = bulge_pts(verts, closed, tol)
    return (_to_wcs(e, pts) if ocs else pts), closed, None


def _polyline(e, tol, fail):
    if e.is_poly_face_mesh or e.is_polygon_mesh:
        fail("unsupported entity POLYLINE mesh on cut layer")
    verts = []
    zs = set()
    for v in e.vertices:
        loc = v.dxf.location
        zs.add(round(loc.z, 6))
        verts.append((loc.x, loc.y, float(v.dxf.get("bulge", 0.0))))
    if not verts:
        return None
    if e.is_3d_polyline and len(zs) > 1:
        fail("3D POLYLINE that is not flat")
    return _bulged(e, verts, bool(e.is_closed), tol, e.is_2d_polyline)


def _ellipse(e, tol, fail):
    ct = e.construction_tool()
    span = (ct.end_param - ct.start_param) % (2 * math.pi)
    full = span < 1e-9 or abs(span - 2 * math.pi) < 1e-9
    pts = np.array([(v.x, v.y) for v in ct.flattening(tol, segments=8)])
    if full and len(pts) > 2 and np.allclose(pts[0], pts[-1], atol=1e-9):
        pts = pts[:-1]
    return pts, full, None


def _spline(e, tol, fail):
    n = max(len(e.control_points), len(e.fit_points))
    if n > MAX_SPLINE_POINTS:  # checked before flattening: 10^6 points take > 10 GB there
        fail(f"SPLINE with {n:,} control points: over the reader's limit of "
             f"{MAX_SPLINE_POINTS:,}")
    ct = e.construction_tool()
    knots = ct.knots()
    lo, hi = knots[ct.degree], knots[ct.count]
    if (lo, hi) == (knots[0], knots[-1]):  # clamped: the whole knot vector is the curve
        pts = np.array([(v.x, v.y) for v in ct.flattening(tol, segments=8)])
    elif hi > lo:
        pts = _domain_pts(ct, lo, hi, tol)
    else:
        fail("SPLINE whose knots leave it no parameter range")
    closed = bool(e.closed) or (len(pts) > 2 and np.allclose(pts[0], pts[-1], atol=1e-9))
    if closed and np.allclose(pts[0], pts[-1], atol=1e-9):
        pts = pts[:-1]
    return pts, closed, None


def _domain_pts(ct, lo: float, hi: float, tol: float) -> np.ndarray:
    """Points of an unclamped B-spline (periodic ones, as Rhino and Fusion write closed
    curves) over its valid domain [lo, hi] = [knot[degree], knot[count]], the part AutoCAD
    draws: beyond it the basis functions no longer sum to 1 and ezdxf's flattening, which
    runs over the whole knot vector, draws stray tails towards the origin. Each knot span
    starts as 8 segments, halved while a midpoint lies more than tol off its chord."""
    spans = np.unique([lo, hi, *(k for k in ct.knots() if lo < k < hi)])
    ts = np.concatenate([np.linspace(a, b, 9)[:-1] for a, b in zip(spans[:-1], spans[1:])]
                        + [spans[-1:]])
    pts = [(v.x, v.y) for v in ct.points(ts)]
    out = [pts[0]]
    for i in range(len(ts) - 1):
        stack = [(ts[i + 1], pts[i + 1], ts[i], 0)]  # (t1, p1, t0, depth): chords still to check
        p_prev = pts[i]
        while stack:
            t1, p1, t0, depth = stack.pop()
            tm = 0.5 * (t0 + t1)
            vm = ct.point(tm)
            pm = (vm.x, vm.y)
            if depth < 24 and _off_chord(pm, p_prev, p1) > tol:
                stack.append((t1, p1, tm, depth + 1))
                stack.append((tm, pm, t0, depth + 1))
            else:
                out.append(p1)
                p_prev = p1
    return np.array(out)


def _off_chord(p, a, b) -> float:
    """Distance of point p from the segment a-b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    den = dx * dx + dy * dy
    u = 0.0 if den == 0 else min(1.0, max(0.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / den))
    return math.hypot(p[0] - a[0] - u * dx, p[1] - a[1] - u * dy)


_FLATTEN = {"LINE": _line, "CIRCLE": _circle, "ARC": _arc, "LWPOLYLINE": _lwpolyline,
            "POLYLINE": _polyline, "ELLIPSE": _ellipse, "SPLINE": _spline}

GEOMETRY = frozenset(_FLATTEN)  # the entity types that are flattened into cut geometry


def flatten_entity(e, kind: str, tol: float, fail: Callable[[str], None]):
    """(points, closed, circle) of a `kind` entity in drawing units, or None to skip it;
    `fail(detail)` raises an InputError naming file and entity."""
    return _FLATTEN[kind](e, tol, fail)
