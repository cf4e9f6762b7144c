"""Pockets: offset rings cleared from the inside out, then the finishing loops with corner
reliefs, level by level."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from .context import Context, xy_text
from .depth import PL, Track, descend_knots, pass_levels, walk
from .emit import Emitter
from .offsets import NARROW_TOL, QUAD_SEGS, closed_loop, for_direction, inside_loops, sweep

TOUCH = 1e-6  # mm: a pocket side this close to the part's outline lies on it


def check_pocket_depth(ctx: Context, shape: Polygon, depth: float) -> None:
    """A pocket may not go deeper than the stock (a through cut is a hole)."""
    if depth > ctx.t + 1e-9:
        c = shape.representative_point()
        raise ctx.refuse(f"pocket {depth:g} mm deep at {xy_text((c.x, c.y))} is deeper than the"
                         f" {ctx.t:g} mm stock")


def pocket_op(ctx: Context, em: Emitter, shape: Polygon, depth: float, clear: bool = True
              ) -> None:
    """Clear a pocket: offset rings from the inside out, then the finishing loop(s) with
    corner reliefs, level by level. Without `clear`, the finishing loops alone: the walls and
    corners a larger tool could not reach, after it cleared the rest (see reach)."""
    check_pocket_depth(ctx, shape, depth)
    p = ctx.profile
    room = pocket_room(ctx, shape)
    finish = inside_loops(ctx, room, "pocket", cover=shape)
    inner = room.buffer(-ctx.r, quad_segs=QUAD_SEGS)
    if inner.is_empty:  # cut with NARROW_TOL of play: clearing rings from that offset
        inner = room.buffer(-(ctx.r - NARROW_TOL / 2), quad_segs=QUAD_SEGS)
    step = p.pocket.stepover * p.tool.diameter
    allowance = p.pocket.finish_allowance
    if allowance > step + 1e-9:
        c = shape.representative_point()
        raise ctx.refuse(f"pocket at {xy_text((c.x, c.y))}: [pocket] finish_allowance"
                         f" {allowance:g} mm is more than a stepover ({step:g} mm of the"
                         f" {p.tool.diameter:g} mm tool): the finishing loop would cut more"
                         f" than a clearing ring")
    rings: list[np.ndarray] = []
    k = 1
    while True:
        # the first ring `allowance` from the finishing loop, the next a stepover further on
        g = inner.buffer(-(allowance + step * (k - 1) if allowance > 0 else step * k),
                         quad_segs=QUAD_SEGS)
        if g.is_empty:
            break
        if hasattr(shapely, "orient_polygons"):
            g = shapely.orient_polygons(g)
        level_rings = []
        for poly in sorted(getattr(g, "geoms", [g]), key=lambda q: q.bounds):
            for ring in [poly.exterior, *poly.interiors]:
                level_rings.append(closed_loop(ring.coords))
        rings = level_rings + rings  # innermost first
        k += 1
    loops = [for_direction(lp, p) for lp in (rings if clear else []) + finish]
    allowed = inner.buffer(1e-3)
    zprev = 0.0
    for z in pass_levels(depth, p):
        first = True
        for lp in loops:
            track = Track(lp, closed=True)
            u0 = float(LineString(track.pts).project(Point(em.pos[0], em.pos[1])))
            x, y = track.at(u0)
            link = LineString([em.pos[:2], (x, y)])
            here = em.pos[2]
            linkable = (here < 0 and link.length < 1e-7) or (
                here < 0 and allowed.contains(link)
                and (link.length <= p.tool.diameter or (first and here <= zprev + 1e-9)))
            if linkable:
                em.feed(x, y, here)
                zstart = here
            else:
                em.approach(x, y, zprev)
                zstart = zprev
            if zstart > z + 1e-9:
                knots, u1 = descend_knots(track, u0, zstart, [z], p)
            else:
                knots, u1 = [(u0, z)], u0 + track.period
            em.path(walk(track, u0, u1, PL.of(knots)))
            first = False
        zprev = z
    em.retract()


def pocket_room(ctx: Context, shape: Polygon) -> Polygon:
    """Where the tool may go to clear a pocket: the pocket, plus the strip just outside
    the part (or inside its holes) next to it, which the outline or hole cut removes
    anyway. This is what lets a rebate along a part's edge be cut with a wide tool."""
    part = ctx.part
    if part is None:
        return shape
    d = ctx.profile.tool.diameter
    body = Polygon(part.outline.exterior)
    free = [body.buffer(d, quad_segs=QUAD_SEGS).difference(body)]
    for ring in part.outline.interiors:
        hole = Polygon(ring)
        free.append(hole.difference(hole.buffer(-d, quad_segs=QUAD_SEGS)))
    # the free band reaches TOUCH into the part: a pocket whose side lies on the outline
    # (a lap at the foot of a notch) touches the band along that side only to the last bit,
    # and moved elsewhere on the sheet it may not; a room in two pieces then kept the
    # pocket alone and refused its corners as too narrow
    near = shape.buffer(d, quad_segs=QUAD_SEGS).intersection(
        shapely.union_all(free).buffer(TOUCH))
    if near.is_empty or near.area < 1e-6:
        return shape
    room = shape.union(near)
    if room.geom_type != "Polygon":
        room = max(room.geoms, key=lambda g: g.intersection(shape).area)
    return shapely.set_precision(room, 1e-6) if not room.is_valid else room


def reach(shape: Polygon, r: float) -> list[Polygon]:
    """The parts of a pocket a tool of radius r reaches from inside it (its opening: every
    disc of radius r inside the pocket), each a pocket it can clear whole."""
    g = shape.buffer(-r, quad_segs=QUAD_SEGS).buffer(r, quad_segs=QUAD_SEGS)
    g = shapely.set_precision(g.intersection(shape), 1e-6)
    return sorted((q for q in getattr(g, "geoms", [g]) if q.geom_type == "Polygon"
                   and q.area > 1e-6), key=lambda q: q.bounds)


def rest_left(ctx: Context, shape: Polygon, reached: list[Polygon]):
    """What of a pocket neither the larger tool's `reached` parts nor this tool's finishing
    loops along its walls would cut (rest machining: the larger tool clears, this one
    finishes the corners and narrow parts)."""
    loops = inside_loops(ctx, pocket_room(ctx, shape), "pocket", cover=shape)
    return shape.difference(shapely.union_all([*reached, sweep(loops, ctx.r)]))
