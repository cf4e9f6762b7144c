"""Engraving: part labels placed inside their parts, and single-line engravings (closed ones
loop, open ones zig-zag down)."""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, Point

from ..model import Part, Profile
from ..model.label import place_label
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
    features (model.place_label: the previews draw the same place); [] when it cannot fit
    (a label never fails a job)."""
    if not profile.engrave.labels:
        return []
    place = place_label(part, profile.tool.radius, text_strokes)
    return list(place.strokes) if place is not None else []
