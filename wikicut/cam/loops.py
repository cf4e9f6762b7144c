"""Closed loops cut through in passes (holes and outlines), ramping in, tabs on the outline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from shapely.geometry import LineString, Point, Polygon

from .context import Context
from .depth import PL, Track, descend_knots, pass_levels, walk
from .emit import Emitter
from .leads import Arc, lead_in, lead_out, ramp_on
from .tabs import tab_centres, tab_function


def loop_op(ctx: Context, em: Emitter, loop: np.ndarray, depth: float, tabs: bool,
            outside: bool = True, avoid: Sequence[tuple[float, float]] = (),
            perimeter: float | None = None) -> list[tuple[float, float]]:
    """Cut a closed loop to `depth` in passes, ramping in, with tabs on the final passes (off
    the `avoid` stretches where they can be: common lines, cam/common.py) and lead arcs in
    the waste, `outside` the loop for an outline, inside for a hole, where the profile asks
    for them; returns the tab centres. `perimeter`: of the edge whose tabs these are (a hole
    holding its slug: cam/slugs.py); the part's outline by default."""
    p = ctx.profile
    track = Track(loop, closed=True)
    line = LineString(track.pts)
    u0 = float(line.project(Point(em.pos[0], em.pos[1])))
    levels = pass_levels(depth, p)
    arc = None
    if p.entry.lead_in == "arc":
        u0, arc = lead_in(ctx, track, u0, outside)
    if arc is None:
        x, y = track.at(u0)
        em.approach(x, y, 0.0)
        z0 = 0.0
    else:
        em.approach(arc.x0, arc.y0, 0.0)
        z0 = ramp_on(arc, levels[0], p)
        if p.entry.mode == "plunge":
            em.feed(arc.x0, arc.y0, z0)  # in the waste
        em.arc(arc.x1, arc.y1, z0, arc.cx, arc.cy, arc.ccw,
               em.rates[2] if z0 < em.pos[2] else em.rates[1])
    knots, u1 = descend_knots(track, u0, z0, levels, p)
    centres: list[float] = []
    tab = None
    if tabs and ctx.part is not None:
        perim = (float(Polygon(ctx.part.outline.exterior).length) if perimeter is None
                 else perimeter)
        centres = tab_centres(track, p, perim, avoid)
        tab = tab_function(track, centres, u0, u1, p, ctx.t, ctx.through)
    if arc is not None and p.entry.mode == "plunge":
        _laps_through_the_lead(em, track, arc, u0, levels, tab)
    else:
        em.path(walk(track, u0, u1, PL.of(knots), tab))
    if p.entry.lead_in == "arc":
        out = lead_out(ctx, track, u1, outside)
        if out is not None:
            _leave_in_passes(em, out, levels)
        if arc is None and out is None:
            em.note = "no room for lead arcs: entered and left as without them"
        elif arc is None:
            em.note = "no room for a lead-in arc: entered as without one"
        elif out is None:
            em.note = "no room for a lead-out arc: left as without one"
    em.retract()
    return [track.at(c) for c in centres]


def _laps_through_the_lead(em: Emitter, track: Track, arc: Arc, u0: float,
                           levels: list[float], tab: PL | None) -> None:
    """Plunge entry with a lead-in: one lap per pass, each pass entered as the first was
    (back out along the lead, cut already, a plunge at its start in the waste, in along it
    again), so no pass plunges on the part's edge."""
    per = track.period
    for k, z in enumerate(levels):
        if k:
            em.arc(arc.x0, arc.y0, em.pos[2], arc.cx, arc.cy, not arc.ccw, em.rates[1])
            em.feed(arc.x0, arc.y0, z)
            em.arc(arc.x1, arc.y1, z, arc.cx, arc.cy, arc.ccw, em.rates[1])
        a = u0 + k * per
        em.path(walk(track, a, a + per, PL.of([(a, z), (a + per, z)]), tab))


def _leave_in_passes(em: Emitter, out: Arc, levels: list[float]) -> None:
    """The lead-out sweeps waste no pass has cut: it is cut as the loop was, one pass level
    deeper each time (up the loop's kerf to the first, back to the loop along the arc and
    down the kerf between them), so no sweep takes more than a pass of new material, and the
    last leaves the part's edge at the loop's own depth."""
    z_end = em.pos[2]
    steps = [z for z in levels if z > z_end + 1e-9] + [z_end]
    for k, z in enumerate(steps):
        if k:
            em.arc(out.x0, out.y0, steps[k - 1], out.cx, out.cy, not out.ccw, em.rates[1])
        em.feed(out.x0, out.y0, z)
        em.arc(out.x1, out.y1, z, out.cx, out.cy, out.ccw, em.rates[1])
