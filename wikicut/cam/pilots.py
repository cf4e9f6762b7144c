"""Screw pilots: with `[holddown] mode = "drill"` the program's first operation drills a pilot
at every hold-down screw (through the sheet, into the spoilboard no deeper than the allowed
overcut), with `mode = "mark"` a shallow spot at each centre for a hand drill. The writer
stops after them (M0 / PAUSE) for the operator to drive the screws before anything is cut:
a sheet cut loose before it is screwed down is what the screws are there to prevent.

The pilot tool is a drill of the rack when it has one (of the pilot's diameter, if one is
given), else the smallest end mill reaching the depth, which plunges (pecking as `[drill]`
says) or bores a helix when the pilot is wider than it (cam/drills.py)."""

from __future__ import annotations

from ..errors import UnsafeJobError
from ..model import P3, Drill, Operation, Profile
from ..model.tooling import ToolSetting
from .choose import DRILL_FIT, Chooser
from .drills import drill_op
from .emit import Emitter
from .order import tour
from .rack import is_end_mill

PILOT_MODES = ("drill", "mark")
PILOT_PART = "screws"  # the Operation.part of pilots: they belong to no part


def pilot_depth(p: Profile, thickness: float) -> float:
    """How deep a pilot (or mark) goes below the stock top; refused beyond the stock and the
    allowed overcut (the spoilboard is cut into by no more than any through cut)."""
    h = p.holddown
    if h.mode == "mark":
        depth = h.mark_depth
    else:
        depth = h.pilot_depth if h.pilot_depth > 0 else thickness + p.depth.overcut
    if depth > thickness + p.depth.max_overcut + 1e-9:
        raise UnsafeJobError(f"holddown pilot {depth:g} mm deep is beyond the {thickness:g} mm"
                             f" stock + {p.depth.max_overcut:g} mm allowed overcut",
                             p.source or None)
    return depth


def pilot_tool(ch: Chooser, depth: float) -> ToolSetting:
    """The tool that drills the pilots (see the module's docstring)."""
    tl = ch.tooling
    if tl.single:
        return tl.tools[0]
    forced = tl.forced_tool("drill") or tl.forced_tool("all")
    if forced is not None:
        return tl.setting("drill", forced)
    want = ch.main.profile.holddown.pilot_diameter
    reach = [t for t in tl.tools if t.reach >= depth - 1e-9]
    drills = sorted((t for t in reach if t.kind == "drill"
                     and (want <= 0 or abs(t.diameter - want) <= DRILL_FIT)),
                    key=lambda t: (t.diameter, t.number))
    mills = sorted((t for t in reach if is_end_mill(t.kind)), key=lambda t: (t.diameter, t.number))
    pick = (drills or mills or [None])[0]
    if pick is None:
        raise UnsafeJobError(f"holddown pilots {depth:g} mm deep: no drill or end mill of the"
                             f" rack reaches them")
    return tl.setting("drill", pick.number)


def pilot_ops(ch: Chooser, screws, pos: P3) -> list[Operation]:
    """One operation drilling (or marking) every screw centre, in a short tour from `pos`;
    none unless the profile's holddown mode asks for it."""
    p = ch.main.profile
    if p.holddown.mode not in PILOT_MODES or not screws:
        return []
    depth = pilot_depth(p, ch.thickness)
    setting = pilot_tool(ch, depth)
    prof = setting.profile
    dia = p.holddown.pilot_diameter if p.holddown.pilot_diameter > 0 else setting.diameter
    if p.holddown.mode == "mark":
        dia = setting.diameter  # a spot: plunged, whatever the hole will be
    ctx = ch.context(setting)
    em = Emitter(prof, pos)
    for k in tour(list(screws), (pos[0], pos[1])):
        x, y = screws[k]
        drill_op(ctx, em, Drill(x, y, dia, depth))
    number = 0 if ch.tooling.single else setting.number
    what = "mark" if p.holddown.mode == "mark" else "pilot"
    note = (f"{len(screws)} screw {what}s, {depth:g} mm deep: then stop to "
            + ("drill them by hand and drive the screws" if what == "mark"
               else "drive the screws"))
    return [Operation(PILOT_PART, "pilot", em.moves, tool=number, note=note)]


def pilot_tool_first(phase, tool: int):
    """A cutting-order key (order.by_tool) that keeps the pilot tool in the spindle after the
    pilots: its inside features first among the inside features (phase 0), which may go in
    any order, so the pilots cost no extra tool change."""
    def key(op: Operation) -> tuple:
        ph = phase(op)
        return (ph[0], ph[0] != 0 or op.tool != tool, *ph[1:])
    return key
