"""Drills: a hole the tool's size is plunged (pecking, never deeper at once than the tool's
depth per pass), a larger one is bored along a helix, a wide blind one is cleared as a
pocket."""

from __future__ import annotations

import math

from shapely.geometry import Point, Polygon

from ..model import Drill, Profile
from ..model.tooling import ToolSetting
from .context import Context, xy_text
from .emit import Emitter
from .offsets import NARROW_TOL
from .pockets import pocket_op

DRILL_MATCH = 0.5  # mm: a drill within the tool diameter +- this is plunged, not bored
# mm: a peck goes back down its hole at the cutting feed to this above the last peck's floor,
# then at the plunge feed: a chip left at the bottom is met at the plunge feed
PECK_CLEAR = 0.5


def drilling_profile(setting: ToolSetting) -> Profile:
    """The profile a tool drills with: it pecks no deeper than its depth per pass (a library
    tool's: the most its maker lets it cut at once, or less where the job says; a profile's
    own tool's: the profile's `[depth] per_pass`, or the job's for that kind), or
    `[drill] peck` where that is shallower. A straight plunge loads the whole tip: the 2.5 mm
    long-reach pilot tool, 1 x D per pass, snaps when driven 18 mm into plywood in one move,
    and any end mill driven the sheet's depth at once packs its flutes with chips."""
    p = setting.profile
    peck = p.depth.per_pass if p.drill.peck <= 0 else min(p.drill.peck, p.depth.per_pass)
    return p if peck == p.drill.peck else p.updated(drill={"peck": peck})


def round_hole(shape: Polygon) -> tuple[float, float, float] | None:
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


def pocket_drill(shape: Polygon, depth: float, profile: Profile) -> Drill | None:
    """The blind hole a pocket really is, or None: a small circle on a DEEP layer (WikiHouse
    screw pilots) is plunged like a drill within DRILL_MATCH of the tool, never enlarged
    beyond that."""
    hole = round_hole(shape)
    d = profile.tool.diameter
    if hole is not None and d - DRILL_MATCH <= hole[2] < d + NARROW_TOL:
        return Drill(hole[0], hole[1], hole[2], depth)
    return None


def drill_op(ctx: Context, em: Emitter, d: Drill) -> None:
    """Drill one hole to its depth (through when it has none)."""
    p = ctx.profile
    depth = ctx.through if d.depth is None else float(d.depth)
    where = xy_text((d.x, d.y))
    if depth > ctx.t + p.depth.max_overcut + 1e-9:
        raise ctx.refuse(f"drill at {where} is {depth:g} mm deep, beyond the {ctx.t:g} mm"
                         f" stock + {p.depth.max_overcut:g} mm allowed overcut")
    if d.diameter < p.tool.diameter - DRILL_MATCH:
        raise ctx.refuse(f"drill {d.diameter:g} mm at {where} is smaller than the"
                         f" {p.tool.diameter:g} mm tool")
    if d.diameter <= p.tool.diameter + DRILL_MATCH:
        em.approach(d.x, d.y, 0.0)
        zs = [-depth]
        if p.drill.peck > 0:
            n = max(1, math.ceil(depth / p.drill.peck - 1e-9))
            zs = [-depth * (k + 1) / n for k in range(n)]
        done = 0.0
        for z in zs:
            if done < -PECK_CLEAR:  # back down the hole, stopping short of its floor
                em.feed(d.x, d.y, done + PECK_CLEAR, min(p.feeds.cut, p.feeds.max))
            em.feed(d.x, d.y, z, p.feeds.plunge)
            if z > -depth + 1e-9:
                em.feed(d.x, d.y, 0.0, min(p.feeds.cut, p.feeds.max))  # clear the chips
            done = z
        em.retract()
        return
    rc = (d.diameter - p.tool.diameter) / 2
    through = d.depth is None or depth >= ctx.t
    if rc > ctx.r * 0.95 and not through:  # a blind bore wider than 2 tools: a pocket
        pocket_op(ctx, em, Point(d.x, d.y).buffer(d.diameter / 2, quad_segs=32), depth)
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
    if rc < ctx.r:  # the centre is cut too: leave the wall before lifting
        em.feed(d.x, d.y, -depth, p.feeds.cut)
    em.retract()
