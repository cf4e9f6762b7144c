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
    # travel-limit | depth | feed | rapid-in-stock | out-of-stock | gouge | uncut | syntax |
    # dialect | tool-change | tool
    kind: str
    message: str


@dataclass(frozen=True)
class Segment:
    kind: str  # rapid | feed | change (a tool change or a stop for one: start == end)
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    feed: float  # mm/min
    line: int
    spindle: bool = True
    tool: int = 0  # the tool in the spindle, when the program says (0: the profile's)
    rpm: float = 0.0  # the spindle speed last set (0: not set)


def arc_segments(start: tuple[float, float, float], arc: Move, feed: float, line: int,
                 spindle: bool, tool: int = 0, rpm: float = 0.0) -> list[Segment]:
    """An arc as short feed segments (chord error ARC_TOL)."""
    out = []
    prev = start
    for cur in arc_points(start, arc, ARC_TOL):
        out.append(Segment("feed", prev, cur, feed, line, spindle, tool, rpm))
        prev = cur
    return out
