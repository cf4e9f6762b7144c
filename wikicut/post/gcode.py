"""G-code (grbl, linuxcnc, mach): G0/G1/G2/G3 with modal axis and feed words."""

from __future__ import annotations

import re

from ..errors import InputError
from ..model import Move, Profile, ToolUse
from .writer import Writer, fmt_down, fmt_number, tool_label

_M6 = re.compile(r"\bM0*6\b")
MAX_LINE_NUMBER = 99999
# the header's line on tool lengths where each change applies one (G43 H<n>): one comment
# line (at most COMMENT_WIDTH); LinuxCNC reads them from the tool.tbl written beside its
# programs (post.tool_table), Mach from its own table
LENGTHS_TBL = "tool lengths in tool.tbl are 0: touch off each tool before running"
LENGTHS = "G43 applies each tool's length: measure every tool before running"


def header_changes_tool(profile: Profile) -> bool:
    """Whether the profile's header changes tool itself (`T{tool} M6`): a one-tool program
    then still names its tool, which LinuxCNC's tool table must list."""
    return any(_M6.search(line.upper()) for line in profile.header)
_PROGRAM_END = re.compile(r"\bM0*(?:2|30)\b", re.IGNORECASE)


def _check_units(p: Profile) -> None:
    """A header that selects the other unit system would scale every move: refuse it, as
    the profile's loader does (a bad profile: exit 2), for a profile made in code."""
    if other := p.header_units_against:
        raise InputError(f"header selects {other} but the profile's units are {p.units}",
                         p.source or None)


class GcodeWriter(Writer):
    """G-code as GRBL and LinuxCNC read it; line numbers and comment style from the profile."""

    arc_centres = ""  # the word that makes I/J incremental where a setting may say otherwise

    def __init__(self, profile: Profile):
        super().__init__(profile)
        self.n = 0  # the last line number written

    def raw(self, line: str, number: bool = True) -> None:
        if number and self.p.line_numbers and line.strip() != "%":
            # N has at most five digits (RS274/NGC; Mach): past N99990 the count starts again,
            # as CAM posts for Mach do
            self.n = self.n + 10 if self.n + 10 <= MAX_LINE_NUMBER else 10
            line = f"N{self.n} {line}"
        self.lines.append(line)

    def rate(self, mm_per_min: float) -> str:
        """Per minute, rounded down: never above the machine's or the tool's limit."""
        return fmt_down(min(mm_per_min, self.p.feeds.max) * self.scale, 1)

    def start(self, spindle: bool = True) -> None:
        p = self.p
        _check_units(p)
        for line in p.header:
            if self.tool is not None and _M6.search(line.upper()):
                continue  # with several tools the writer changes them itself
            self.raw(self.fill(line))
        if not re.search(r"\bG2[01]\b", " ".join(p.header).upper()):
            self.raw("G20" if p.units == "inch" else "G21")
        if self.arc_centres and self.arc_centres not in " ".join(p.header).upper().split():
            self.raw(self.arc_centres)  # a header of one's own may leave it out
        if p.work_offset:
            self.raw(p.work_offset)
        self.raw(f"G0 Z{self.num(p.heights.clearance + self.z0)}")
        self.last["Z"] = self.num(p.heights.clearance + self.z0)
        if spindle:
            self.spindle_on()

    def change_tool(self, tool: ToolUse, first: bool) -> None:
        """M6 with length compensation, or an M0 pause for a change by hand (never at the
        start: the operator fits the first tool before running the program)."""
        mode = self.p.changer.mode
        # a spindle started without an S word runs at the speed set by hand (as OpenSBP's C6)
        rpm = "" if "{speed}" in self.p.spindle.on else f", spindle at {tool.rpm:g} rpm"
        if mode == "m6":
            self.comment(f"tool change: {tool_label(tool)}")
            self.raw(f"T{tool.number} M6")
            self.raw(f"G43 H{tool.length_offset or tool.number}")
        elif mode == "pause" and not first:
            self.stop(f"tool change: fit {tool_label(tool)}{rpm}, re-zero Z on"
                      f" {self.zero_surface}, then resume (cycle start)")
        else:
            self.comment(f"fit {tool_label(tool)}{rpm} and zero Z on {self.zero_surface}"
                         " before starting")

    def lengths_note(self) -> str:
        """G43 H<n> after each M6 applies the tool's length from the controller's table: one
        left at the 0 of the tool.tbl written beside LinuxCNC programs (or never measured into
        Mach's) cuts with every tool but the one Z was zeroed with too deep or in the air."""
        if self.p.changer.mode != "m6":
            return ""
        return LENGTHS_TBL if self.p.dialect == "linuxcnc" else LENGTHS

    def dwell(self, seconds: float) -> None:
        """Wait for the spindle to reach speed (G4 P in seconds, as GRBL and LinuxCNC read it)."""
        self.raw(f"G4 P{fmt_number(seconds, 2)}")

    def end(self) -> None:
        p = self.p
        if self.pos[2] < p.heights.clearance:
            self.emit_rapid(self.pos[0], self.pos[1], p.heights.clearance)
        if p.spindle.off:
            self.raw(self.fill(p.spindle.off))
        for line in p.footer:
            self.raw(self.fill(line))
        if not any(_PROGRAM_END.search(line) for line in p.footer):
            self.raw("M2")  # a footer of one's own may forget it; a program must end

    def rapid(self, words: dict[str, str], x, y, z) -> None:
        self.raw("G0 " + " ".join(f"{k}{v}" for k, v in words.items()))

    def feed(self, words: dict[str, str], x: float, y: float, z: float, rate: str) -> None:
        line = "G1 " + " ".join(f"{k}{v}" for k, v in words.items())
        self.raw(line + self._feed_word(rate))

    def arc(self, m: Move, i: str, j: str, rate: str, ccw: bool) -> None:
        w = self.words(m.x, m.y, m.z)
        w.update({k: self.num(v) for k, v in (("X", m.x), ("Y", m.y))})
        line = f"{'G3' if ccw else 'G2'} X{w['X']} Y{w['Y']}"
        if "Z" in w:
            line += f" Z{w['Z']}"
        self.raw(line + f" I{i} J{j}" + self._feed_word(rate))
        self.last.update(w)

    def _feed_word(self, rate: str) -> str:
        """' F<rate>' when the feed changes (F is modal), else nothing."""
        if rate == self.feed_word:
            return ""
        self.feed_word = rate
        return f" F{rate}"


class MachWriter(GcodeWriter):
    """Mach3/Mach4: G-code whose dwell needs a decimal point. Mach4 reads G4 P without one as
    milliseconds ("G4 P4" is 4 ms: the cut starts before the spindle is at speed) and with one
    as seconds; Mach3 reads P in seconds unless its General Config says milliseconds."""

    arc_centres = "G91.1"  # Mach's IJ mode is a General Config setting: absolute cuts every
    # arc round the wrong centre

    def __init__(self, profile: Profile):
        super().__init__(profile)
        self.told = False  # the operator told once how the dwell is read

    def dwell(self, seconds: float) -> None:
        if not self.told:
            self.comment("the spindle's wait: G4 P in seconds, with a decimal point (Mach4 reads"
                         " P4 as 4 ms); in Mach3 leave 'G04 Dwell param in Milliseconds'"
                         " unticked")
            self.told = True
        p = fmt_number(seconds, 2)
        self.raw(f"G4 P{p}" + ("" if "." in p else ".0"))
