"""Kerf offsets: the tool-centre loops round a part and inside its holes, slots and pockets.

Every path is the tool centre, offset here with shapely (round joins: the tool rolls round
outside corners), never by the controller (no G41/G42), so every dialect cuts the same.
Corners the tool cannot reach come out sharp and get a dogbone or T-bone; a feature (or a
piece of one) narrower than the tool is refused, naming its width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from ..errors import UnsafeJobError
from ..model import Profile
from .context import Context, shape_key, xy_text
from .depth import TOL

QUAD_SEGS = 16  # buffer arcs: 5.6 deg steps, chord error 0.004 mm on a 6 mm tool
DOGBONE_MAX_ANGLE = 170.0  # degrees: flatter corners lose too little to be worth a relief
# mm: a corner the tool misses by no more than this is cut. It is the chord error arcs are
# flattened with (io.dxf CHORD_TOL, a part file's CHORD): the facet corners of a drawn arc or
# circle, which a tool smaller than its radius misses by less, are no corners to relieve: a
# 0.006 mm out-and-back at each of a 3.2 mm hole's 32 facets, every pass of a 2.5 mm tool,
# is a stop and reversal each on a controller that does not blend.
RELIEF_MIN = 0.01
UNCUT_WIDTH = 0.5  # mm: an unreachable sliver this wide means a feature too narrow to cut
EDGE_REACH = 0.05  # mm: a through edge this close to the tool is cut (the simulator's rule)
EDGE_SHORT = 1.0  # mm of a hole's edge may lie beyond it (the simulator allows as much)
ROUND_SIDES = 32  # a drawn circle's polygon has at least as many (io.dxf MIN_CIRCLE_SIDES)
NARROW_TOL = 0.02  # mm: a slot this much narrower than the tool is still cut (runout is more)


def feature_width(region: Polygon, near: Point | None = None, r: float = 10.0) -> float:
    """The width of a feature (twice its largest inscribed circle), near a point if given; a
    drawn circle's is its diameter (the inscribed circle of its polygon falls short of it by
    the chord error: a 4 mm circle would read 3.98 mm)."""
    if (d := circle_diameter(region)) is not None:
        return d
    g = region if near is None else region.intersection(near.buffer(4 * r))
    if g.is_empty:
        g = region
    if g.geom_type != "Polygon":
        g = max(getattr(g, "geoms", [g]), key=lambda q: q.area)
    line = shapely.maximum_inscribed_circle(g, tolerance=0.01)
    return 2.0 * float(line.length)


def circle_diameter(region) -> float | None:
    """The diameter of a drawn circle: a polygon of at least ROUND_SIDES vertices all on one
    circle (as a DXF CIRCLE or a part file's circle is flattened); None for any other shape."""
    if region.geom_type != "Polygon" or region.interiors:
        return None
    pts = np.asarray(region.exterior.coords, dtype=float)[:-1, :2]
    if len(pts) < ROUND_SIDES:
        return None
    c = np.asarray(region.centroid.coords[0], dtype=float)
    d = np.hypot(*(pts - c).T)
    if d.max() - d.min() > 1e-6 * max(1.0, float(d.max())):
        return None
    return 2.0 * float(d.mean())


def width_at(feature, c: Point, r: float) -> float:
    """The width of the feature where the tool failed at c: twice the largest radius of a disc
    that fits in the feature and covers c (c lies in the opening by that radius), so a notch,
    neck or slot is measured across its narrowest part there and not clipped by the window."""
    pieces = [g for g in getattr(feature, "geoms", [feature]) if g.distance(c) < 1e-6]
    if not pieces:
        return feature_width(feature, c, r)
    g = pieces[0].intersection(c.buffer(2 * r + 1.0, quad_segs=QUAD_SEGS))
    lo, hi = 0.0, r
    while hi - lo > 0.002:
        mid = (lo + hi) / 2
        opened = g.buffer(-mid, quad_segs=QUAD_SEGS).buffer(mid, quad_segs=QUAD_SEGS)
        lo, hi = (mid, hi) if opened.distance(c) < 1e-6 else (lo, mid)
    return 2.0 * lo


def relief_loop(loop: np.ndarray, boundary, r: float, mode: str) -> np.ndarray:
    """The loop with an out-and-back excursion at every corner the round tool cannot reach:
    a sharp vertex of the offset loop (angle < DOGBONE_MAX_ANGLE) whose corner point, r/sin(a/2)
    away along the bisector, is a corner of the feature that the tool misses by more than
    RELIEF_MIN. Dogbone: along the bisector until the tool touches the corner point; T-bone:
    along the longer adjacent edge until it does. Corners sharper than 60 degrees get none:
    the excursion would run down a V."""
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
        c = corner_point(q, bis, theta, boundary, r)
        if c is None:
            continue
        w = q - c
        dist = math.hypot(*w)
        if dist <= r + RELIEF_MIN or dist > 2 * r + 1e-3:
            continue  # no relief needed; or a corner under 60 deg, where one would gouge both
            # walls for more than a tool radius (a V-notch: the cover check refuses it)
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


def corner_point(q: np.ndarray, bis: np.ndarray, theta: float, boundary, r: float
                 ) -> np.ndarray | None:
    """The point of the feature's corner that a relief at the sharp offset vertex q must reach,
    or None when q is no corner of the feature (a pinch between arcs, say). The sharp corner
    lies r/sin(a/2) back along the bisector; a corner rounded with a radius below r (Skylark
    draws 0.25 mm) misses it by up to r(1/sin(a/2) - 1), and the relief reaches its apex."""
    s = math.sin(theta / 2)
    c = q - bis * (r / s)
    d = boundary.distance(Point(c))
    if d <= 0.01 * r + 1e-6:
        return c
    if d >= r * (1.0 / s - 1.0):
        return None
    apex = shapely.get_coordinates(shapely.shortest_line(boundary, Point(c)))[0]
    p = np.asarray(apex, dtype=float)
    off = abs(float(np.cross(bis, p - q)))  # how far the apex lies from the bisector
    return p if off <= 0.5 * d + 0.01 * r else None


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


def closed_loop(coords) -> np.ndarray:
    """A ring's coordinates as an (N, 2) loop whose last point repeats the first."""
    a = np.asarray(coords, dtype=float)[:, :2]
    if np.hypot(*(a[0] - a[-1])) > TOL:
        a = np.vstack([a, a[:1]])
    return a


def oriented(loop: np.ndarray, ccw: bool) -> np.ndarray:
    """The loop turning counter-clockwise (ccw) or clockwise."""
    is_ccw = shapely.LinearRing(loop).is_ccw
    return loop if is_ccw == ccw else loop[::-1].copy()


def for_direction(loop: np.ndarray, profile: Profile) -> np.ndarray:
    """Loops come oriented for climb cutting; conventional reverses them."""
    return loop if profile.direction == "climb" else loop[::-1].copy()


def inside_loops(ctx: Context, region: Polygon, what: str, cover: Polygon | None = None) -> list[
        np.ndarray]:
    """Tool-centre loops that cut the inside of `region` (a hole, slot or pocket), with
    corner reliefs; refuses features (or parts of them) narrower than the tool. `cover` is
    what must be cut when the tool may use more room than that (a pocket at the part's
    edge). A feature exactly as wide as the tool is cut with NARROW_TOL of play."""
    try:
        return _inside(ctx, region, what, cover, ctx.r)
    except UnsafeJobError as first:
        try:
            return _inside(ctx, region, what, cover, ctx.r - NARROW_TOL / 2)
        except UnsafeJobError:
            raise first from None


def _inside(ctx: Context, region: Polygon, what: str, cover: Polygon | None, r: float) -> list[
        np.ndarray]:
    p = ctx.profile
    inner = region.buffer(-r, quad_segs=QUAD_SEGS)
    word = what
    if what == "hole":
        rect = region.minimum_rotated_rectangle
        xs = np.hypot(*np.diff(np.asarray(rect.exterior.coords)[:3], axis=0).T)
        word = "slot" if xs.max() > 1.5 * max(xs.min(), 1e-9) else "hole"
    if inner.is_empty or inner.area <= 0:
        c = region.representative_point()
        raise ctx.refuse(f"{word} {feature_width(region):.2f} mm wide at {xy_text((c.x, c.y))}"
                         f" is narrower than the {p.tool.diameter:g} mm tool")
    if what == "hole" and inner.geom_type != "Polygon":
        raise _narrow(ctx, region, inner, word)
    polys = list(getattr(inner, "geoms", [inner]))
    loops = []
    for poly in sorted(polys, key=lambda g: (g.bounds[0], g.bounds[1])):
        poly = shapely.orient_polygons(poly) if hasattr(shapely, "orient_polygons") else poly
        for ring in [poly.exterior, *poly.interiors]:
            loops.append(closed_loop(ring.coords))
    final = [relief_loop(lp, region.boundary, r, p.corners.relief) for lp in loops]
    relief = _proof_relief(p)
    key = ("in", what, r, relief, shape_key(region),
           None if cover is None else shape_key(cover))
    if key not in ctx.proofs:
        checked = final if relief == p.corners.relief else [
            relief_loop(lp, region.boundary, r, relief) for lp in loops]
        need = (cover if cover is not None else region).difference(inner)
        _check_cover(ctx, need, checked, word, r, feature=cover or region)
        if what == "hole":
            _check_edge(ctx, region, checked, word, r)
        ctx.proofs.add(key)
    return final


def _check_edge(ctx: Context, region: Polygon, loops: list[np.ndarray], word: str,
                r: float) -> None:
    """A through hole's whole edge must be reached (as the simulator checks it, within
    EDGE_REACH): slivers thinner than UNCUT_WIDTH pass the cover check but leave the hole
    short of its drawing, e.g. the points of an outline drawn twice, one copy turned."""
    short = region.boundary.difference(sweep(loops, r + EDGE_REACH))
    if short.length > EDGE_SHORT:
        c = short.representative_point()
        raise ctx.refuse(f"{word} at {xy_text((c.x, c.y))}: {short.length:.1f} mm of its edge"
                         f" lies beyond the reach of the {ctx.profile.tool.diameter:g} mm tool")


def outside_loop(ctx: Context, outline: Polygon) -> np.ndarray:
    """The tool-centre loop round a part's outside, with reliefs in its inside corners."""
    try:
        return _outside_once(ctx, outline, ctx.r)
    except UnsafeJobError as first:
        try:
            return _outside_once(ctx, outline, ctx.r - NARROW_TOL / 2)
        except UnsafeJobError:
            raise first from None


def _outside_once(ctx: Context, outline: Polygon, r: float) -> np.ndarray:
    """_outside, made once for an outline where it lies (and refused once): a sheet's planner
    asks three times for each part's (its groove, whether a skin holds it, its cut), and a
    refusal (a notch the main tool cannot reach, so a finer tool cuts the part) is no proof
    remembered by shape (a third of a MicroHouse's planning, repeated)."""
    p = ctx.profile
    key = ("outside", r, ctx.r, p.corners.relief, shapely.to_wkb(outline))

    def make() -> np.ndarray | str:
        try:
            return _outside(ctx, outline, r)
        except UnsafeJobError as err:
            if type(err) is not UnsafeJobError:
                raise
            return err.detail

    got = ctx.proofs.made(key, make)
    if isinstance(got, str):
        raise ctx.refuse(got)
    return got.copy()


def _outside(ctx: Context, outline: Polygon, r: float) -> np.ndarray:
    p = ctx.profile
    body = Polygon(outline.exterior)
    grown = body.buffer(r, quad_segs=QUAD_SEGS)
    if grown.geom_type != "Polygon":  # cannot happen for a connected body; be safe
        grown = max(grown.geoms, key=lambda g: g.area)
    ring = closed_loop(grown.exterior.coords)
    final = relief_loop(ring, body.boundary, r, p.corners.relief)
    relief = _proof_relief(p)
    key = ("out", r, ctx.r, relief, shape_key(body))
    if key not in ctx.proofs:
        checked = final if relief == p.corners.relief else relief_loop(
            ring, body.boundary, r, relief)
        reach = Polygon(grown.exterior).difference(body)  # what the tool must remove
        notches = body.buffer(2 * ctx.r + 1.0, quad_segs=QUAD_SEGS).buffer(
            -(2 * ctx.r + 1.0), quad_segs=QUAD_SEGS).difference(body)
        _check_cover(ctx, reach, [checked], "notch", r, outside=body, feature=notches)
        ctx.proofs.add(key)
    return final


def _proof_relief(p: Profile) -> str:
    """The relief a cover proof assumes: with reliefs off, a square inside corner left round
    is what was asked for, so the proof asks whether a dogbone would reach it."""
    return "dogbone" if p.corners.relief == "none" else p.corners.relief


def _check_cover(ctx: Context, region, loops: list[np.ndarray], word: str, r: float,
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
    w = width_at(feat, c, ctx.r)
    raise ctx.refuse(f"{word} {w:.2f} mm wide at {xy_text((c.x, c.y))} is narrower than the"
                     f" {ctx.profile.tool.diameter:g} mm tool")


def _narrow(ctx: Context, region: Polygon, inner, word: str) -> UnsafeJobError:
    """A hole whose inward offset splits: the neck between the pieces is too narrow."""
    opened = inner.buffer(ctx.r, quad_segs=QUAD_SEGS)
    gap = region.difference(opened)
    parts = sorted(getattr(gap, "geoms", [gap]), key=lambda g: -g.area)
    c = parts[0].representative_point() if parts and not gap.is_empty else \
        region.representative_point()
    w = width_at(region, c, ctx.r)
    return ctx.refuse(f"{word} {w:.2f} mm wide at {xy_text((c.x, c.y))} is narrower than the"
                      f" {ctx.profile.tool.diameter:g} mm tool")
