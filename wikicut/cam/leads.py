"""Lead-in and lead-out arcs on profile cuts (`[entry] lead_in = "arc"`): the tool enters an
outline or a hole along a quarter circle tangent to it, and leaves it along another, both in
the waste (outside an outline, inside a hole), so the spot where the cut starts and ends
leaves no dwell mark or nick on the part's edge.

An arc is used only where the tool sweeping it touches no part (this one's included) and no
keep-out and stays on the sheet; where the nearest start has no room, the middles of the
loop's longest straight stretches are tried, and with no room anywhere the loop is entered
as without leads and the operation says so. The lead-in ramps down as far as the entry's
ramp angle allows along its length and the rest of the ramp follows on the loop as without
leads; a plunge profile plunges at its start, in the waste, every pass (cam/loops.py). The
lead-out leaves the loop into waste no pass has cut: it is cut one pass level at a time, out
along it and back, down the loop's own kerf between, before the tool leaves along it at the
loop's depth (a single sweep there would take the stock's whole depth sideways at once).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from ..model import Profile
from .context import Context
from .depth import Track

CANDIDATES = 12  # start points tried: the nearest, then the longest stretches' middles
SLACK = 0.02  # mm: the swept tool may graze the part it is tangent to by this


def lead_radius(p: Profile) -> float:
    """Of the arcs' tool centre path: the profile's, else the tool's radius."""
    return p.entry.lead_radius if p.entry.lead_radius > 0 else p.tool.radius


def lead_reach(p: Profile) -> float:
    """How far beyond a loop's tool centre path a lead takes the tool centre (0 without
    leads): hold-down screws keep this much further off."""
    return lead_radius(p) if p.entry.lead_in == "arc" else 0.0


@dataclass(frozen=True)
class Arc:
    """A quarter circle of the tool centre: from (x0, y0) to (x1, y1) about (cx, cy)."""

    x0: float
    y0: float
    x1: float
    y1: float
    cx: float
    cy: float
    ccw: bool

    @property
    def length(self) -> float:
        return math.pi / 2 * math.hypot(self.x0 - self.cx, self.y0 - self.cy)

    def points(self, n: int = 16) -> np.ndarray:
        a0 = math.atan2(self.y0 - self.cy, self.x0 - self.cx)
        rad = math.hypot(self.x0 - self.cx, self.y0 - self.cy)
        t = np.linspace(0.0, 1.0, n + 1)
        a = a0 + (math.pi / 2 if self.ccw else -math.pi / 2) * t
        return np.column_stack([self.cx + rad * np.cos(a), self.cy + rad * np.sin(a)])


class Room:
    """Where a lead's tool may not go on a sheet: every part, every keep-out, off the sheet."""

    def __init__(self, ctx: Context):
        sheet = ctx.sheet
        self.blocked = shapely.union_all(
            [pl.placed().outline for pl in sheet.placements] + list(sheet.stock.keepouts))
        shapely.prepare(self.blocked)
        self.sheet = shapely.box(0, 0, sheet.stock.width, sheet.stock.height)
        shapely.prepare(self.sheet)

    def fits(self, arc: Arc, r: float) -> bool:
        swept = shapely.LineString(arc.points()).buffer(max(r - SLACK, 0.01), quad_segs=8)
        return self.sheet.contains(swept) and not self.blocked.intersects(swept)


def room(ctx: Context) -> Room:
    """The sheet's Room, made once per Context (a Context lives for one sheet)."""
    if ctx.lead_room is None:
        ctx.lead_room = Room(ctx)
    return ctx.lead_room


def _interior_left(track: Track) -> bool:
    """Whether the loop's inside lies left of its direction of travel (it runs CCW)."""
    x, y = track.pts[:, 0], track.pts[:, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) > 0


def _tangent(track: Track, u: float, forward: bool) -> np.ndarray:
    """The loop's unit direction at u: the segment leaving u (`forward`) or reaching it."""
    s = u % track.period
    k = int(np.searchsorted(track.cum, s, side="right" if forward else "left")) - 1
    k = min(max(k, 0), len(track.pts) - 2)
    for step in range(len(track.pts)):  # past zero-length segments
        j = (k + (step if forward else -step)) % (len(track.pts) - 1)
        d = track.pts[j + 1] - track.pts[j]
        n = math.hypot(*d)
        if n > 1e-9:
            return d / n
    return np.array([1.0, 0.0])


def _arc(track: Track, u: float, rad: float, outside: bool, lead_in: bool) -> Arc:
    """The quarter circle tangent to the loop at u on the waste side: ending there (lead-in)
    or starting there (lead-out)."""
    p = np.asarray(track.at(u))
    t = _tangent(track, u, forward=lead_in)
    left = np.array([-t[1], t[0]])
    n = left if _interior_left(track) != outside else -left  # towards the waste
    c = p + n * rad
    ccw = bool(t[0] * n[1] - t[1] * n[0] > 0)
    if lead_in:
        s = c - t * rad
        return Arc(float(s[0]), float(s[1]), float(p[0]), float(p[1]), float(c[0]),
                   float(c[1]), ccw)
    e = c + t * rad
    return Arc(float(p[0]), float(p[1]), float(e[0]), float(e[1]), float(c[0]), float(c[1]), ccw)


def lead_in(ctx: Context, track: Track, u0: float, outside: bool) -> tuple[float, Arc | None]:
    """Where to start the loop and the arc into it (None: no room anywhere, start at u0)."""
    p = ctx.profile
    rad, r = lead_radius(p), p.tool.radius
    where = room(ctx)
    seg = np.diff(track.cum)
    longest = np.argsort(-seg, kind="stable")[:CANDIDATES - 1]
    for u in [u0] + [float(track.cum[k] + seg[k] / 2) for k in longest]:
        arc = _arc(track, u, rad, outside, lead_in=True)
        if where.fits(arc, r):
            return u, arc
    return u0, None


def lead_out(ctx: Context, track: Track, u1: float, outside: bool) -> Arc | None:
    """The arc out of the loop where its cut ends (None: no room)."""
    p = ctx.profile
    arc = _arc(track, u1, lead_radius(p), outside, lead_in=False)
    return arc if room(ctx).fits(arc, p.tool.radius) else None


def ramp_on(arc: Arc, first: float, p: Profile) -> float:
    """The depth (negative) the lead-in reaches: the first pass's, by a plunge at its start
    in plunge mode, else as deep as the ramp angle allows along the arc."""
    if p.entry.mode == "plunge":
        return first
    drop = arc.length * math.tan(math.radians(max(min(p.entry.ramp_angle, 89.0), 0.5)))
    return max(first, -drop)
