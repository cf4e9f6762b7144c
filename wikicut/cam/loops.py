"""Closed loops cut through in passes (holes and outlines), ramping in, tabs on the outline."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point, Polygon

from .context import Context
from .depth import PL, Track, descend_knots, pass_levels, walk
from .emit import Emitter
from .tabs import tab_centres, tab_function


def loop_op(ctx: Context, em: Emitter, loop: np.ndarray, depth: float, tabs: bool) -> list[
        tuple[float, float]]:
    """Cut a closed loop to `depth` in passes, ramping in, with tabs on the final passes;
    returns the tab centres."""
    p = ctx.profile
    track = Track(loop, closed=True)
    line = LineString(track.pts)
    u0 = float(line.project(Point(em.pos[0], em.pos[1])))
    x, y = track.at(u0)
    em.approach(x, y, 0.0)
    knots, u1 = descend_knots(track, u0, 0.0, pass_levels(depth, p), p)
    centres: list[float] = []
    tab = None
    if tabs and ctx.part is not None:
        perim = float(Polygon(ctx.part.outline.exterior).length)
        centres = tab_centres(track, p, perim)
        tab = tab_function(track, centres, u0, u1, p, ctx.t, ctx.through)
    em.path(walk(track, u0, u1, PL.of(knots), tab))
    em.retract()
    return [track.at(c) for c in centres]
