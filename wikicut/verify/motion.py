"""What a program does, as the simulators read it: straight segments in mm with their source
lines, and the violations found on the way."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Move, arc_points

# Chord error of arcs in the simulation: well below the 0.05 mm the sheet checks allow, so a
# chord never makes a full cut look short.
ARC_TOL = 0.005


@dataclass(frozen=True)
class Violation:
    line: int
    kind: str  # travel-limit | depth | feed | rapid-in-stock | out-of-stock | gouge | uncut | syntax
    message: str


@dataclass(frozen=True)
class Segment:
    kind: str  # rapid | feed
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    feed: float  # mm/min
    line: int
    spindle: bool = True


def arc_segments(start: tuple[float, float, float], arc: Move, feed: float, line: int,
                 spindle: bool) -> list[Segment]:
    """An arc as short feed segments (chord error ARC_TOL)."""
    out = []
    prev = start
    for cur in arc_points(start, arc, ARC_TOL):
        out.append(Segment("feed", prev, cur, feed, line, spindle))
        prev = cur
    return out
