"""Engraving: part labels placed inside their parts, and single-line engravings (closed ones
loop, open ones zig-zag down)."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from ..model import Part, Profile
from .context import Context
from .depth import PL, Track, descend_knots, pass_levels, walk
from .emit import Emitter
from .font import text_strokes


def engrave_op(ctx: Context, em: Emitter, pts: np.ndarray, depth: float) -> None:
    """Engrave along a polyline (closed ones loop, open ones zig-zag down)."""
    p = ctx.profile
    pts = np.asarray(pts, dtype=float)[:, :2]
    closed = len(pts) > 2 and np.hypot(*(pts[0] - pts[-1])) < 1e-6
    track = Track(pts, closed=closed)
    if track.length < 1e-6:
        em.approach(float(pts[0][0]), float(pts[0][1]), 0.0)
        em.feed(float(pts[0][0]), float(pts[0][1]), -depth, p.feeds.plunge)
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
    knots, u1 = descend_knots(track, u0, 0.0, pass_levels(depth, p), p)
    em.path(walk(track, u0, u1, PL.of(knots)))
    em.retract()


def label_strokes(part: Part, profile: Profile) -> list[np.ndarray]:
    """The part's label as single strokes placed inside the part, clear of holes and
    features; [] when it cannot fit (a label never fails a job)."""
    if not profile.engrave.labels or not part.text.strip():
        return []
    r = profile.tool.radius
    keep = Polygon(part.outline.exterior, [h.coords for h in part.outline.interiors])
    avoid = [pk.shape for pk in part.pockets]
    avoid += [Point(d.x, d.y).buffer(d.diameter / 2) for d in part.drills]
    avoid += [e.path.buffer(r) for e in part.engravings]
    if avoid:
        keep = keep.difference(shapely.union_all(avoid))
    room = keep.buffer(-(r + 1.0))
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
