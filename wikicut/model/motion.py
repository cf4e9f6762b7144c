"""Toolpaths as machine-independent moves, shared by cam, post, verify and render.

One arc sampler (`arc_points`) and one arc length (`move_length`) serve every stage, so a
program, its preview and its checks see the same curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from .geometry import SheetLayout

P3 = tuple[float, float, float]

MoveKind = Literal["rapid", "feed", "arc_cw", "arc_ccw"]


@dataclass(frozen=True)
class Move:
    """One move to (x, y, z) in sheet coordinates (Z0 = stock top, negative = into it).

    Arcs are in the XY plane with centre (x0 + i, y0 + j) relative to the move's start.
    `feed` in mm/min; 0 for rapids.
    """

    kind: MoveKind
    x: float
    y: float
    z: float
    feed: float = 0.0
    i: float = 0.0
    j: float = 0.0


# "pilot": a hold-down screw's pilot or mark (cut first, then a stop to drive the screws);
# "skin": an onion skin taken off at the end of the sheet
OpKind = Literal["hole", "outline", "pocket", "drill", "engrave", "label", "pilot", "skin"]


@dataclass
class Operation:
    """The moves for one feature of one placed part, in cutting order."""

    part: str  # instance id
    kind: OpKind
    moves: list[Move]
    tabs: list[tuple[float, float]] = field(default_factory=list)  # tab centres, for previews
    tool: int = 0  # number of the tool in SheetProgram.tools; 0 = the profile's one tool
    note: str = ""  # for the operator, written as a comment before the moves
    # spindle speed when the job sets one for this kind of operation
    # ([machine.operations.<kind>] rpm) other than its tool's; 0 = the tool's (the profile's)
    rpm: float = 0.0


@dataclass(frozen=True)
class ToolUse:
    """A tool as a program uses it: what the operator fits, and how it turns."""

    number: int  # T word, tool table pocket
    name: str
    diameter: float
    rpm: float  # the speed it starts at: its first operation's
    length_offset: int = 0  # H word for tool length compensation; 0 = the tool's number


@dataclass
class SheetProgram:
    """Everything the router does on one sheet, before it is written in a dialect."""

    sheet: SheetLayout
    operations: list[Operation]
    cut_length: float = 0.0  # mm at feed
    rapid_length: float = 0.0  # mm at rapid
    est_seconds: float = 0.0  # estimated cycle time
    # the tools in the order they are first used; empty = the profile's one tool (no changes)
    tools: tuple[ToolUse, ...] = ()
    # hold-down screw centres (cam/holddown.py): no toolpath comes near them
    screws: tuple[tuple[float, float], ...] = ()
    # estimated seconds per tool number (moves and spindle starts; changes not included)
    tool_seconds: dict[int, float] = field(default_factory=dict)
    # for the operator, in the program header and the report (e.g. an onion skin left)
    notes: tuple[str, ...] = ()
    # (mm of cut, seconds) common lines saved against the sheet cut without them
    # (cam/common.py); None when they left nothing out
    common_line: tuple[float, float] | None = None
    # program stops for the operator besides tool changes (screws, a speed set by hand):
    # not in est_seconds, since only the operator knows how long they take
    stops: int = 0


def is_arc(m: Move) -> bool:
    return m.kind in ("arc_cw", "arc_ccw")


def sweep(a0: float, a1: float, ccw: bool) -> float:
    """Signed sweep from angle a0 to a1 (radians); equal angles are a full circle."""
    d = (a1 - a0) % (2 * math.pi) if ccw else -((a0 - a1) % (2 * math.pi))
    if abs(d) < 1e-9:
        d = 2 * math.pi if ccw else -2 * math.pi
    return d


def arc_points(start: P3, m: Move, tol: float) -> list[P3]:
    """The points a move passes through after `start`: its end for a line, for an arc (helical
    when Z changes) points with chord error <= tol, the last exactly the move's end."""
    if not is_arc(m):
        return [(m.x, m.y, m.z)]
    cx, cy = start[0] + m.i, start[1] + m.j
    rad = math.hypot(m.i, m.j)
    a0 = math.atan2(start[1] - cy, start[0] - cx)
    sw = sweep(a0, math.atan2(m.y - cy, m.x - cx), m.kind == "arc_ccw")
    step = 2 * math.acos(max(-1.0, min(1.0, 1 - tol / rad))) if rad > tol else math.pi / 2
    n = max(2, math.ceil(abs(sw) / max(step, 1e-3)))
    out = []
    for k in range(1, n + 1):
        a = a0 + sw * k / n
        out.append((cx + rad * math.cos(a), cy + rad * math.sin(a),
                    start[2] + (m.z - start[2]) * k / n))
    out[-1] = (m.x, m.y, m.z)
    return out


def move_length(start: P3, m: Move) -> float:
    """Length of the path of a move from `start` (arcs exact, helices included)."""
    if is_arc(m):
        cx, cy = start[0] + m.i, start[1] + m.j
        rad = math.hypot(m.i, m.j)
        sw = sweep(math.atan2(start[1] - cy, start[0] - cx), math.atan2(m.y - cy, m.x - cx),
                   m.kind == "arc_ccw")
        return math.hypot(abs(sw) * rad, m.z - start[2])
    return math.sqrt((m.x - start[0]) ** 2 + (m.y - start[1]) ** 2 + (m.z - start[2]) ** 2)
