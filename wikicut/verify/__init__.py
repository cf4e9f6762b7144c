"""Simulate a written program and report what would break a bit, a spoilboard or a part.

The simulator reads the program text back (not our internal moves), so it checks what the
router will actually run: travel limits, depth, feeds, rapids in the stock and, given the
sheet, gouges into parts and contours left uncut. It is the independent check of the writer
(wikicut.post) and the planner (wikicut.cam), so it imports neither.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from ..model import Profile, SheetLayout
from .checks import check_motion, check_tools, resolution, sliver
from .gcode import comments, read_gcode, tool_words
from .header import stated_machine, stated_pass, stated_thickness, stated_z_zero
from .keepouts import check_keepouts
from .motion import Segment, Violation
from .opensbp import read_opensbp
from .opensbp import tool_words as sbp_tool_words
from .plunges import check_plunges
from .screws import check_screws
from .sheet import check_sheet
from .tools import (
    ToolLimits,
    limits_as_stated,
    limits_from_library,
    spindle_tool,
    tools_from_header,
    tools_from_table,
    unknown_radius,
)

__all__ = ["Segment", "ToolLimits", "Violation", "check_motion", "check_sheet", "check_tools",
           "limits_as_stated", "limits_from_library", "program_tools", "read_program",
           "selected_tools", "simulate", "spindle_tool", "stated_machine", "stated_thickness",
           "stated_z_zero", "tools_from_table", "unlisted_tools", "verify_program"]


def read_program(text: str, profile: Profile, ending: bool = False, tool: int = 0,
                 notes: list[str] | None = None) -> tuple[list[Segment], list[Violation]]:
    """A program's motion in mm and the lines it cannot read (or its controller would
    refuse), in the profile's dialect; with `ending`, also a program that does not stop the
    spindle and end after its last move. `tool`: the one tool its header lists, in the
    spindle where the program never changes tools. `notes`: appended with what the reader
    assumed where the program does not say (a ShopBot one's spindle speed)."""
    if profile.dialect == "shopbot":
        return read_opensbp(text, profile, ending, tool, notes)
    # a program wikicut wrote waits for the spindle as its profile says (as a ShopBot one
    # pauses): one that does not was changed since; a hand-written one is not held to it
    ours = text.lstrip().startswith("(wikicut: ")
    return read_gcode(text, profile.dialect, ending, tool,
                      wait=profile.spindle.dwell if ours else 0.0)


def program_tools(text: str, profile: Profile, kinds: bool = False) -> dict[int, ToolLimits]:
    """The tools a program's header lists (number and diameter; with `kinds`, also the type
    and flutes it says)."""
    if profile.dialect == "shopbot":
        found = [ln.split("'", 1)[1].strip() for ln in text.splitlines() if "'" in ln]
    else:
        found = [c.strip() for ln in text.splitlines() for c in comments(ln)]
    return tools_from_header(found, kinds)


def selected_tools(text: str, profile: Profile) -> list[tuple[int, int]]:
    """(line, tool) for each tool the program selects (a T word, &Tool, a change by hand's
    "fit T<n>"), in the profile's dialect."""
    return sbp_tool_words(text) if profile.dialect == "shopbot" else tool_words(text)


def unlisted_tools(text: str, profile: Profile, table: Collection[int]) -> list[Violation]:
    """A violation at each line that selects a tool the controller's tool table lacks:
    LinuxCNC stops there ("Requested tool 7 not found"), after the cuts before it; any
    other controller cuts with a tool whose diameter no check knew."""
    words = selected_tools(text, profile)
    why = ('LinuxCNC stops here ("tool not found"), after the cuts before it' if
           profile.dialect == "linuxcnc" else "its diameter is not known to the checks")
    return [Violation(line, "tool", f"T{n} is not in the tool table: {why}; add T{n} to it")
            for line, n in words if n and n not in table]  # T0: no tool, in none


def simulate(text: str, profile: Profile) -> list[Segment]:
    """Motion of a program in mm (arcs as short lines), with source line numbers."""
    return read_program(text, profile)[0]


def verify_program(text: str, profile: Profile, sheet: SheetLayout | None = None,
                   thickness: float | None = None,
                   screws: list[tuple[float, float]] | None = None,
                   tools: dict[int, ToolLimits] | list[ToolLimits] | None = None,
                   notes: list[str] | None = None,
                   table: Collection[int] | None = None) -> list[Violation]:
    """Every violation in a program, one per line and kind; empty when it is safe to run.
    `screws`: hold-down screw centres no cut may come near. `tools` (a tool table's, or
    limits by number) adds each tool's own limits; the tools the program's header lists give
    their diameters where `tools` does not, and the depth per pass a wikicut header states
    ("passes <= 6.5 mm") that of its one tool where `tools` gives none, so a side cut or a
    plunge deeper than planned is refused without a library. A program whose header lists no
    tool (another CAM's) and that selects none (no T word) or the profile's number (T1 M6)
    is cut with the profile's tool (spindle_tool): judged as that tool, its depth per pass
    the profile's `[depth] per_pass` where `tools` gives none (such a program states no
    pass), and said in `notes`. Depth is checked against the stock's thickness: the
    sheet's, else `thickness`, else the one a wikicut header states, else only against the
    machine's Z limit. `notes`: appended with what the check assumed where the program does
    not say and a limit depends on it (one line each, for the operator: no violation).
    `table`: the tool numbers the controller's tool table holds (a tool.tbl given): a tool
    the program selects that it lacks is refused at that line (unlisted_tools)."""
    if isinstance(tools, list):
        tools = {t.number: t for t in tools}
    listed = program_tools(text, profile)
    step = stated_pass(text, profile)
    own = spindle_tool(profile)
    selected = set() if listed else {n for _, n in selected_tools(text, profile)}
    unnamed = not listed and not selected
    implied = not listed and (unnamed or own.number in selected)
    if implied:
        # no header: the profile's tool is the one in the spindle (no T word) or the one its
        # number selects, held to the profile's pass (such a program states none)
        listed = {own.number: ToolLimits(own.number, own.diameter)}
        step = profile.depth.per_pass
        if unnamed and tools and own.number in tools:  # the limits given for it, its width
            tools = tools | {own.number: replace(tools[own.number], diameter=own.diameter)}
    known = listed | (tools or {})
    if step is not None and len(listed) == 1:
        # no depth per pass known for the one tool (no library): its header's, a wikicut
        # program's word on how deep it was planned to cut a pass
        (n,) = listed
        if known[n].max_depth_per_pass is None:
            known = known | {n: replace(known[n], max_depth_per_pass=step)}
    if implied and notes is not None:
        (n,) = listed
        deepest = known[n].max_depth_per_pass
        limit = f", passes up to {deepest:g} mm" if deepest is not None else ""
        why = ("no tool named (no wikicut header, no T word): judged as cut with the"
               " profile's tool" if unnamed else
               f"T{n} listed in no header: judged as the profile's tool of that number")
        notes.append(f"{why}, T{n} {known[n].diameter:g} mm{limit}")
    # one tool listed and never changed: that tool is in the spindle (the header's diameter,
    # not the profile's: a job may cut with another tool than its profile's)
    assumed: list[str] = []
    segs, out = read_program(text, profile, ending=True,
                             tool=next(iter(listed)) if len(listed) == 1 else 0, notes=assumed)
    if assumed and notes is not None:  # said where a speed limit of a tool cutting is known
        used = {s.tool for s in segs if s.kind == "feed"}
        if any(known[n].max_chip_load is not None or known[n].max_rpm is not None
               for n in used & known.keys()):
            notes += assumed
    t = (sheet.stock.thickness if sheet is not None else thickness if thickness is not None
         else stated_thickness(text, profile))
    # the stock's checks are from its top; the machine's travel ([limits]) is in the Z
    # the program writes, `z0` above the stock-top frame
    z0 = t if profile.z_zero == "spoilboard" and t is not None else 0.0
    if z0:  # back to Z0 = stock top
        segs = [replace(s, start=(*s.start[:2], s.start[2] - z0 * (k > 0)),  # the reader's
                        end=(*s.end[:2], s.end[2] - z0))  # start is a guess: Z0 either way
                for k, s in enumerate(segs)]
    # a tool touches the sheet within its radius of it (the widest known: see unknown_radius)
    r = unknown_radius(profile, known)
    stock = (-r, -r, sheet.stock.width + r, sheet.stock.height + r) if sheet is not None else None
    out += check_motion(segs, profile, t, z0, stock)
    out += check_screws(segs, profile, screws or [], known)
    out += check_keepouts(segs, profile, sheet.stock.keepouts if sheet is not None else (),
                          z0)
    tol = resolution(profile)  # a depth written in inches to 4 decimals is 0.0025 mm coarse
    out += check_tools(segs, known, tol, sliver(profile))
    out += check_plunges(segs, known, tol)  # a plunge deeper than the tool may cut a pass
    if table is not None:
        out += unlisted_tools(text, profile, table)
    if sheet is not None:
        out += check_sheet(segs, profile, sheet, known)
    out.sort(key=lambda v: (v.line, v.kind))
    dedup: list[Violation] = []
    for v in out:  # the sheet checks (line 0) name a part each: keep every part
        if not dedup or (v.line, v.kind) != (dedup[-1].line, dedup[-1].kind) or (
                v.line == 0 and v.message != dedup[-1].message):
            dedup.append(v)
    return dedup
