"""The router's moves drawn over a sheet, read back from the written program.

The moves are the verifier's simulation of the program text (wikicut.verify.simulate), not
the planner's own list: what the preview shows is what the machine will run. Cuts are drawn
at the tool's width (so engraving shows as wide as it cuts; each tool's width after a
change, marked where it happens), one stroke per pass at constant
depth and coloured by depth; tabs (where a pass rises inside the stock and comes back
down) marked over it, so the material left to hold a part shows; rapids dashed; each entry
into the stock that cuts deeper than an engraving numbered in program order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..io.dxf.layers import ENGRAVE_MAX_DEPTH

C_RAPID = "#0077ee"
C_TAB = "#10a040"
EPS = 1e-6


class Motion(Protocol):
    """A straight move of the simulation (wikicut.verify.Segment)."""

    kind: str  # rapid | feed
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    line: int


def _f(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def depth_colour(z: float, thickness: float) -> str:
    """Cut colour by depth: orange for shallow (engrave, pocket), red through, dark overcut."""
    f = -z / thickness if thickness > 0 else 1.0
    if f > 1.0 + EPS:
        return "#600000"
    f = max(0.0, min(1.0, f))
    g = round(0xA0 * (1 - f))
    return f"#{0xF0 - round(0x30 * f):02x}{g:02x}00"


def _cut(run: list[tuple[float, float]], z: float, H: float, thickness: float,
         width: float, tool: tuple[int, str] | None = None) -> list[str]:
    """One stroke of cut at the tool's width: coloured by depth, or with a rack (`tool`:
    its number and colour) by the tool, paler the shallower."""
    if len(run) < 2:
        return []
    pts = " ".join(f"{_f(x)},{_f(H - y)}" for x, y in run)
    if tool is None:
        return [(f'<polyline class="cut" points="{pts}" data-z="{_f(z)}" '
                f'stroke="{depth_colour(z, thickness)}" stroke-width="{_f(width)}"/>')]
    return [(f'<polyline class="cut" points="{pts}" data-z="{_f(z)}" data-tool="{tool[0]}" '
             f'stroke="{tool_colour(tool[1], z, thickness)}" stroke-width="{_f(width)}"/>')]


@dataclass(frozen=True)
class Tab:
    """Where a pass lifts over material left in place: the tool's XY path from where it
    rises to where it is back down, the pass's depth and the top of the lift."""

    points: tuple[tuple[float, float], ...]
    bottom: float
    top: float
    line: int  # the program line of the rise


def tab_spans(moves: Iterable[Motion]) -> list[Tab]:
    """The tabs a program leaves: inside the stock, the tool rises (straight up or along a
    ramp) without leaving it, moves on, and comes back down to the depth it rose from. A rise
    that leaves the stock is an exit, and a descent from the surface an entry: neither is a
    tab."""
    tabs: list[Tab] = []
    open_: tuple[float, list[tuple[float, float]], float, int] | None = None
    for m in moves:
        (x0, y0, z0), (x1, y1, z1) = m.start, m.end
        if m.kind != "feed" or z1 >= -EPS:  # a rapid or a rise out of the stock: no tab
            open_ = None
            continue
        if open_ is None:
            if z0 < -EPS and z1 > z0 + EPS:
                open_ = (z0, [(x0, y0), (x1, y1)], z1, m.line)
            continue
        bottom, path, top, line = open_
        if abs(x1 - x0) + abs(y1 - y0) > EPS:
            path.append((x1, y1))
        if z1 <= bottom + EPS:  # back down at the pass's depth: the tab is behind it
            (ax, ay), (bx, by) = path[0], path[-1]
            if abs(bx - ax) + abs(by - ay) > EPS:
                tabs.append(Tab(tuple(path), bottom, top, line))
            open_ = None
        else:
            open_ = (bottom, path, max(top, z1), line)
    return tabs


def _tab_marks(tabs: Sequence[Tab], H: float, thickness: float, tool_diameter: float,
               changes: Sequence[tuple[int, int, float]]) -> list[str]:
    """Each tab over the cuts, at the width of the tool that leaves it."""
    out = []
    for t in tabs:
        width = max(next((d for n, _, d in sorted(changes, reverse=True) if n < t.line),
                         tool_diameter), 0.3)
        pts = " ".join(f"{_f(x)},{_f(H - y)}" for x, y in t.points)
        left = thickness + t.top  # from the sheet's underside to the top of the lift
        out.append(f'<polyline class="tab" points="{pts}" data-z="{_f(t.top)}" '
                   f'data-height="{_f(left)}" stroke="{C_TAB}" stroke-width="{_f(width)}" '
                   f'stroke-opacity="0.9"><title>tab: {_f(left)} mm of material left, the '
                   f"tool lifts to Z{_f(t.top)}</title></polyline>")
    return out


# the tool a program (or the rest of it) cuts with, as the writers announce it: a change
# ("tool change: T2 3 mm ...", "tool change: fit T1 6 mm ..." at a pause), the tool to fit
# before starting ("fit T7 2.5 mm ..."), or a program file's header ("tool: T7 2.5 mm ...":
# a rack cut in one program per tool, the files read one after the other)
_CHANGE = re.compile(r"(?:tool change:\s*(?:fit\s+)?|[(';]\s*fit\s+|[(';]\s*tool:\s*)"
                     r"T(\d+)\s+([\d.]+)\s*mm")

# one colour per tool of a rack (in the order the tools cut), none of them the colours of
# the rapids, the tabs or the parts
TOOL_COLOURS = ("#d62728", "#7b3fb5", "#e07b00", "#0f8f8f", "#c2185b", "#5d4037")


def tool_changes(text: str) -> list[tuple[int, int, float]]:
    """(line, tool, diameter in mm) of each tool a program announces, where it announces it:
    each change (the writers' "tool change: T2 3 mm ..." comment before it, or "tool change:
    fit T2 3 mm ..." where the machine pauses for it), the tool fitted before starting, and
    each program file's own tool (the files of a sheet cut in one program per tool, read in
    order). A tool announced again before the next one (a header, then its "fit" line)
    counts once."""
    out: list[tuple[int, int, float]] = []
    for n, line in enumerate(text.splitlines(), 1):
        m = _CHANGE.search(line)
        if m:
            tool, dia = int(m.group(1)), float(m.group(2))
            if out and out[-1][1:] == (tool, dia):
                continue
            out.append((n, tool, dia))
    return out


def rack_tools(changes: Sequence[tuple[int, int, float]]) -> list[tuple[int, float, str]]:
    """The tools a sheet's program cuts with, in order, each with its colour: (tool,
    diameter, colour); [] for a program of one tool (its cuts coloured by depth alone)."""
    seen: dict[int, float] = {}
    for _, tool, dia in changes:
        seen.setdefault(tool, dia)
    if len(seen) < 2:
        return []
    return [(t, d, TOOL_COLOURS[k % len(TOOL_COLOURS)]) for k, (t, d) in enumerate(seen.items())]


def tool_colour(colour: str, z: float, thickness: float) -> str:
    """A rack tool's colour for a cut at depth z: full for a cut through, paler the shallower
    (an engraving is the palest)."""
    f = -z / thickness if thickness > 0 else 1.0
    f = max(0.0, min(1.0, f))
    mix = 0.6 * (1.0 - f)  # toward white
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * mix):02x}" for c in rgb)


def toolpath_overlay(moves: Iterable[Motion], H: float, thickness: float,
                     tool_diameter: float,
                     changes: Sequence[tuple[int, int, float]] = ()) -> list[str]:
    """SVG lines of one <g class="toolpaths">: cuts at the tool's width (each tool's after a
    change), tabs, tool changes marked, rapids, entry order."""
    moves = list(moves)
    width = max(tool_diameter, 0.3)
    pending = sorted(changes)
    colours = {t: c for t, _, c in rack_tools(changes)}  # a rack: each tool its colour
    current: tuple[int, str] | None = None  # the tool cutting, with a rack
    known: int | None = None  # the tool cutting, once a program names it
    out = [(f'<g class="toolpaths" fill="none" stroke-linecap="round" stroke-linejoin="round" '
           f'stroke-opacity="0.5" data-tool="{_f(tool_diameter)}">')]
    labels: list[str] = []
    run: list[tuple[float, float]] = []
    run_z = 0.0
    entry: list[float] | None = None  # where the tool went into the stock, deepest z since

    def number() -> None:
        if entry is not None and entry[2] < -ENGRAVE_MAX_DEPTH - EPS:
            labels.append(f'<text class="order" x="{_f(entry[0])}" y="{_f(H - entry[1])}" '
                          'font-size="10" font-family="sans-serif" fill="#c00" stroke="#fff" '
                          'stroke-width="2" stroke-opacity="1" paint-order="stroke">'
                          f"{len(labels) + 1}</text>")

    ramp = False  # the run is a ramp (z changing along XY), drawn at its deepest
    for m in moves:
        (x0, y0, z0), (x1, y1, z1) = m.start, m.end
        if pending and m.line > pending[0][0]:  # the next tool is in from here
            out += _cut(run, run_z, H, thickness, width, current)
            run = []
            while pending and m.line > pending[0][0]:
                _, tool, dia = pending.pop(0)
            width = max(dia, 0.3)
            first = known is None
            # marked where it goes in: each tool of a rack, and a tool other than the one
            # the preview was asked to draw (a program of one tool at its width: no mark)
            mark = tool != known and (bool(colours) or not first
                                      or abs(dia - tool_diameter) > EPS)
            known = tool
            current = (tool, colours[tool]) if tool in colours else None
            if mark:
                what = "first tool" if first else "tool change"
                ink = colours.get(tool, "#606")
                out.append(f'<g class="toolchange" stroke-opacity="1"><title>{what}: T{tool} '
                           f'{_f(dia)} mm</title><circle cx="{_f(x0)}" cy="{_f(H - y0)}" r="8" '
                           f'stroke="{ink}" stroke-width="2"/><text x="{_f(x0 + 10)}" '
                           f'y="{_f(H - y0 - 10)}" font-size="16" font-family="sans-serif" '
                           f'fill="{ink}">T{tool} {_f(dia)} mm</text></g>')
        cutting = m.kind == "feed" and min(z0, z1) < -EPS and abs(x1 - x0) + abs(y1 - y0) > EPS
        level = cutting and abs(z1 - z0) <= EPS
        same = level and not ramp and abs(z0 - run_z) <= EPS
        if not (run and (same or (cutting and not level and ramp))):
            out += _cut(run, run_z, H, thickness, width, current)
            run = []
        if cutting:
            if not run:
                run, run_z, ramp = [(x0, y0)], min(z0, z1), not level
            run.append((x1, y1))
            run_z = min(run_z, z1)
        if m.kind == "rapid" and abs(x1 - x0) + abs(y1 - y0) > EPS:
            out.append(f'<line class="rapid" x1="{_f(x0)}" y1="{_f(H - y0)}" x2="{_f(x1)}" '
                       f'y2="{_f(H - y1)}" stroke="{C_RAPID}" stroke-width="0.6" '
                       'stroke-opacity="1" stroke-dasharray="6,4"/>')
        if z0 >= -EPS and z1 < -EPS:
            entry = [x0, y0, z1]
        elif entry is not None and z1 < -EPS:
            entry[2] = min(entry[2], z1)
        elif entry is not None:  # out of the stock: number the cut if it went deeper than
            number()  # an engraving (one number per stroke of text is noise)
            entry = None
    out += _cut(run, run_z, H, thickness, width, current)
    number()
    out += _tab_marks(tab_spans(moves), H, thickness, tool_diameter, changes)
    out += labels
    out.append("</g>")
    return out
