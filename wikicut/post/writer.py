"""The modal writer every dialect shares: a SheetProgram -> program text, line by line.

The profile is data (profiles/*.toml); a dialect is a small subclass (post/gcode.py,
post/opensbp.py) saying how a rapid, a feed, an arc, the start and the end look. Units are
converted here, at the edge; everything before is mm.

The writer adds nothing that moves the tool below what the planner made: it only splits a
rapid that changes XY and Z so that Z goes up first (or XY first when going down), and writes
arcs as lines (chord error <= arc_tolerance) when the profile has `arcs = false`.
"""

from __future__ import annotations

import math
import re
import textwrap
from abc import ABC, abstractmethod

from ..model import P3, Move, Profile, SheetProgram, ToolUse, arc_points, estimate
from .arcfit import fit_arcs

COMMENT_WIDTH = 70  # characters of comment text per line
# An I/J arc is refused when its radius to the end differs from its radius to the start by
# more than 0.005 mm and 0.1 % of the radius (GRBL 1.1 error 33; LinuxCNC allows 0.028 mm;
# Mach and ShopBot document none): the strictest rule, held for every dialect. Rounding
# to the profile's decimals moves both ends of an arc.
ARC_SLACK_MM, ARC_SLACK_SHARE = 0.005, 0.001
# Comments LinuxCNC (and Mach, for MSG) act on: "(MSG," shows a message, "(ABORT," ends the
# program, "(PY," runs Python, "(LOGOPEN," opens a file, "(PROBEOPEN name)" another. A comment of
# ours that happens to open so (a job name, a part list wrapped there) is written "(- ...)".
_ACTIVE_COMMENT = re.compile(
    r"\s*(?:(?:m\s*s\s*g|debug|print|log|logopen|logappend|abort|py|pyrun)\s*,"
    r"|probeopen\b|(?:log|probe)close\b)", re.IGNORECASE)


def fmt_number(v: float, decimals: int) -> str:
    """Fixed decimals, trailing zeros trimmed, never '-0': deterministic and short."""
    s = f"{v:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", "-", ""):
        s = "0"
    return s


def fmt_down(v: float, decimals: int) -> str:
    """As fmt_number, but never above `v`: a feed or speed written at the machine's or a
    tool's limit must read back within it (8000 mm/min rounded to F315.0 in/min is 8001, and
    the verifier refuses it). Float noise a billionth of the last digit under is not rounded
    away (3000.0 stays 3000, not 2999.9)."""
    q = 10.0 ** decimals
    return fmt_number(math.floor(v * q + 1e-9) / q, decimals)


def _duration(seconds: float) -> str:
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return (f"{h} h " if h else "") + f"{m} min {s} s"


def _holding(p: Profile) -> str:
    """How the parts stay in the sheet, as the header's depth line says it."""
    if p.tabs.mode == "onion":
        return f"onion skin {p.onion.skin:g} mm, no tabs"
    return f"tabs {'on' if p.tabs.enabled else 'off'}"


def _depth(program: SheetProgram, p: Profile) -> tuple[str, str]:
    """What the header's depth line says of this program: how deep it cuts below the stock
    top ("through" only when it cuts through), and how the parts stay in the sheet ("" when
    it cuts no outline). One of a sheet's programs (one per tool) may only engrave: the
    sheet's through depth would tell its operator a V-bit goes 18 mm down."""
    t = program.sheet.stock.thickness
    lowest = min((m.z for op in program.operations for m in op.moves), default=0.0)
    deepest = round(max(-lowest, 0.0), 3) + 0.0  # never "-0"
    if deepest >= t - 1e-6:
        return f"through {deepest:g} mm", _holding(p)
    # an onion skin's outlines stop the skin short of through, and still hold the parts so
    skinned = p.tabs.mode == "onion" and deepest >= t - p.onion.skin - 1e-6
    return f"{deepest:g} mm, not through", _holding(p) if skinned else ""


def tool_label(t: ToolUse) -> str:
    """T2 3 mm "3 mm upcut": the number, the diameter and the name an operator checks."""
    name = f' "{t.name}"' if t.name else ""
    return f"T{t.number} {t.diameter:g} mm{name}"


class Writer(ABC):
    """Line-by-line writer with modal state (last position, feed, axis words as written).

    A dialect implements start(), end(), rapid(), feed(), arc() and rate(); `comment_style`
    and `helical_arcs` say how it writes comments and whether its arcs may change Z.
    """

    helical_arcs = True
    feed_unit = "/min"  # the time a feed word's rate is per (OpenSBP: per second)
    stop_line = "M0"  # a program stop the operator resumes from
    speed_line = ""  # sets the spindle's speed where its start line cannot ({rpm})

    def __init__(self, profile: Profile):
        self.p = profile
        self.scale = profile.unit_scale
        self.lines: list[str] = []
        self.last: dict[str, str] = {}  # axis -> its word as last written
        self.feed_word: str | None = None  # the feed as last written
        self.pos: P3 = (0.0, 0.0, profile.heights.clearance)
        self.z0 = 0.0  # added to every Z word: the stock top's height above the program's Z0
        self.tool: ToolUse | None = None  # the tool in the spindle, in a program with tools
        self.speed: float | None = None  # the spindle speed set last (None: the tool's)
        # where the machine stands is not known at the start, after a change or a stop (the
        # operator may have jogged it, a changer parks it): with keep-outs on the sheet, the
        # first move across from there is made over the clamps, at `high`
        self.lost = True
        self.high: float | None = None

    @property
    def comment_style(self) -> str:
        return self.p.comment_style

    @property
    def feed_units(self) -> str:
        """The units feeds are written in ("in/min", "mm/s"): the header states them so, as
        the moves below it are read."""
        return ("in" if self.p.units == "inch" else "mm") + self.feed_unit

    def program(self, program: SheetProgram, title: str = "", part: str = "") -> str:
        """The whole program for one sheet ('\\n' line ends, final newline). With tools
        (program.tools), each change as the profile's changer says; `part` names this program
        among the sheet's ("2 of 3") when the sheet is split into one program per tool."""
        p = self.p
        sheet = program.sheet
        st = sheet.stock
        unit = "in" if p.units == "inch" else "mm"
        instances = [pl.instance for pl in sheet.placements]
        tools = program.tools
        depth, hold = _depth(program, p)
        if len(tools) > 1 and p.changer.mode == "split":
            raise ValueError("a program with several tools on a machine that changes them"
                             " between programs: write it with write_sheet_programs")
        self.comment(f"wikicut: {title or f'sheet {sheet.index}'}")
        if part:
            self.comment(f"program {part} for this sheet: run them in order")
        self.comment(f"sheet {sheet.index}: {st.width:.7g} x {st.height:.7g} x {st.thickness:g} mm"
                     f" {st.material}")
        self.comment(f"parts ({len(instances)}): {', '.join(instances)}")
        self.comment(f"machine: {p.name} ({p.dialect}), program units {unit}")
        if not tools:
            self.comment(f"tool: T{p.tool.number} {p.tool.diameter:g} mm {p.tool.type},"
                         f" {p.tool.flutes} flutes, {p.spindle.speed:g} rpm")
            self.comment(f"feeds {self.feed_units}: cut {self.rate(p.feeds.cut)}, plunge"
                         f" {self.rate(p.feeds.plunge)}, ramp {self.rate(p.feeds.ramp)};"
                         f" entry {p.entry.mode}, {p.direction}")
            self.comment(f"depth: {depth}{'' if depth.startswith('through') else ','} in"
                         f" passes <= {p.depth.per_pass:g} mm" + (f"; {hold}" if hold else ""))
        else:
            self.tool_comments(program, bool(part))
            self.comment(f"depth: {depth}; entry {p.entry.mode}, {p.direction}"
                         + (f"; {hold}" if hold else ""))
        # the operator's stops are counted, not timed: only the operator knows how long
        n = program.stops
        stops = f" + {n} stop{'s' if n > 1 else ''}" if n else ""
        self.comment(f"estimated time {_duration(program.est_seconds)}{stops}, cut"
                     f" {program.cut_length / 1000:.2f} m, rapid"
                     f" {program.rapid_length / 1000:.2f} m")
        self.z0 = st.thickness if p.z_zero == "spoilboard" else 0.0
        self.high = p.heights.over_keepouts if st.keepouts else None
        self.lost = True
        zero = (f"Z0 = spoilboard top (stock top at Z{self.num(self.z0)}, the measured"
                f" thickness)" if self.z0 else "Z0 = stock top")
        self.comment(f"{zero}, X0 Y0 = sheet lower-left corner"
                     + (f", work offset {p.work_offset}" if p.work_offset else ""))
        if tools and (lengths := self.lengths_note()):
            self.comment(lengths)
        self.setup_comments(program)
        if tools:
            self.tool = tools[0]
            self.start(spindle=False)
            self.change(tools[0], first=True)
        else:
            self.start()
        by_number = {t.number: t for t in tools}
        ops = program.operations
        for k, op in enumerate(ops):
            changes = bool(tools and op.tool and op.tool != self.tool.number)
            if k and ops[k - 1].kind == "pilot" and op.kind != "pilot":
                # a change by hand stops anyway: the screws are driven at that one stop
                self.stop_for_screws(spindle=not changes,
                                     stop=not (changes and p.changer.mode == "pause"))
            if changes:
                self.change(by_number[op.tool], first=False)
            rpm = op.rpm or (self.tool.rpm if self.tool is not None else p.spindle.speed)
            if rpm != self.current_speed:
                self.set_speed(rpm)
            self.comment(f"{op.part} {op.kind}")
            if op.note:
                self.comment(op.note)
            moves = fit_arcs(self.pos, op.moves, p.arc_tolerance) if p.arcs else op.moves
            for m in moves:
                if m.kind == "rapid":
                    self.emit_rapid(m.x, m.y, m.z)
                elif m.kind == "feed":
                    self.emit_feed(m.x, m.y, m.z, m.feed)
                else:
                    self.emit_arc(m)
        if ops and ops[-1].kind == "pilot":  # a program of its own (one per tool)
            self.comment("drive the hold-down screws before running the next program")
        self.end()
        return "\n".join(self.lines) + "\n"

    def lengths_note(self) -> str:
        """What the operator measures before running a program with tools, where the
        dialect's change applies each tool's length ("" where it does not)."""
        return ""

    def setup_comments(self, program: SheetProgram) -> None:
        """What the operator does besides running the program: screws the program drills or
        marks, the planner's notes (a skin left under the parts). Nothing for a profile that
        asks for neither."""
        p = self.p
        h = p.holddown
        if program.screws and h.mode in ("drill", "mark"):
            what = ("pilots drilled" if h.mode == "drill"
                    else f"centres marked {h.mark_depth:g} mm deep for a hand drill")
            where = ", ".join(f"({x:g}, {y:g})" for x, y in program.screws)
            self.comment(f"hold-down: {len(program.screws)} screws, {what} first, then a stop"
                         f" to drive them: {where}")
        for note in program.notes:
            self.comment(note)

    def stop_for_screws(self, spindle: bool, stop: bool = True) -> None:
        """After the pilots: up to clearance, spindle off, a stop for the operator to drive
        the screws, then (`spindle`: no tool change follows) the spindle on again. Without
        `stop`, only what to do: the tool change by hand that follows is the stop."""
        p = self.p
        what = ("fit the screws: " + ("drill a pilot at each mark, " if p.holddown.mode
                                      == "mark" else "") + "drive a hold-down screw into each"
                " pilot")
        if not stop:
            self.comment(f"{what} at the tool change below")
            return
        self.emit_rapid(self.pos[0], self.pos[1], p.heights.clearance)
        if p.spindle.off:
            self.raw(self.fill(p.spindle.off))
        self.stop(f"{what}, then resume")
        self.stopped()
        if spindle:
            self.spindle_on()

    def tool_comments(self, program: SheetProgram, part: bool = False) -> None:
        """Which tools, in which order, and what each cuts: what the operator lays out.
        `part`: one of a sheet's programs, measured from where the one before leaves the
        machine (post.split_by_tool): its tool's time is the one measured so."""
        counts: dict[int, int] = {}
        feeds: dict[int, float] = {}
        speeds: dict[int, dict[float, None]] = {}  # each tool's speeds, in order
        for op in program.operations:
            n = op.tool or program.tools[0].number
            counts[n] = counts.get(n, 0) + 1
            feeds[n] = max([feeds.get(n, 0.0)] + [m.feed for m in op.moves if m.kind != "rapid"])
            if op.rpm:
                speeds.setdefault(n, {})[op.rpm] = None
        mode = {"m6": "automatic (M6)", "pause": "by hand at a pause",
                "split": "by hand between programs"}[self.p.changer.mode]
        numbers = tuple(t.number for t in program.tools)
        # one of a sheet's programs has its tool's time (split_by_tool) and one tool: the
        # estimate of the whole would go unused (a second a MicroHouse)
        est = None if part and program.tool_seconds and len(program.tools) <= 1 else estimate(
            program.operations, self.p, tools=numbers,
            speeds={t.number: t.rpm for t in program.tools},
            high=self.p.heights.over_keepouts if program.sheet.stock.keepouts else None)
        seconds = program.tool_seconds if part and program.tool_seconds else est.tool_seconds
        if len(program.tools) > 1:
            self.comment(f"tools ({len(program.tools)}), in cutting order; {est.changes}"
                         f" change(s) {mode}, {self.p.changer.change_seconds:g} s each:")
        for k, t in enumerate(program.tools, 1):
            lead = f"{k}." if len(program.tools) > 1 else "tool:"
            rpm = "/".join(f"{s:g}" for s in speeds.get(t.number, {t.rpm: None}))
            self.comment(f"{lead} {tool_label(t)}, {rpm} rpm, feed up to"
                         f" {self.rate(feeds.get(t.number, 0.0))} {self.feed_units},"
                         f" {counts.get(t.number, 0)} operations,"
                         f" {_duration(seconds.get(t.number, 0.0))}")

    def change(self, tool: ToolUse, first: bool) -> None:
        """Change to `tool`: up to clearance, spindle off, the dialect's change, every axis
        word written afresh (a new tool's length moves Z), up again, spindle on at its rpm."""
        p = self.p
        before = self.current_speed
        if not first:
            self.emit_rapid(self.pos[0], self.pos[1], p.heights.clearance)
            if p.spindle.off:
                self.raw(self.fill(p.spindle.off))
        self.tool = tool
        self.speed = None
        self.change_tool(tool, first)
        self.lost = True
        if not first or p.changer.mode == "m6":
            self.last = {}
            self.feed_word = None
            self._rapid(None, None, p.heights.clearance)
            self.pos = (self.pos[0], self.pos[1], p.heights.clearance)
        if (not first and p.changer.mode == "m6" and "{speed}" not in p.spindle.on
                and tool.rpm != before):
            # an automatic change where the spindle's start line cannot set a speed
            # (ShopBot's C6): nobody is there to set it by hand, and the new tool would turn
            # at the old one's speed (a 2.5 mm cutter at a 12 mm one's 9,000 rpm takes twice
            # its chip load): the speed command where the dialect has one, and a stop (the
            # first tool's speed is the operator's at the start, as the header says)
            if self.speed_line:
                self.raw(self.speed_line.format(rpm=fmt_down(tool.rpm, 0)))
            self.stop(f"set the spindle to {tool.rpm:g} rpm for T{tool.number}, then continue")
            self.stopped()
        self.spindle_on()

    @property
    def current_speed(self) -> float:
        if self.speed is not None:
            return self.speed
        return self.tool.rpm if self.tool is not None else self.p.spindle.speed

    def set_speed(self, rpm: float) -> None:
        """Another spindle speed for the next operation (a job's rpm for its kind), the tool
        out of the material: the spindle's start line again with the speed, and its wait; a
        stop for the operator where that line cannot set a speed (ShopBot's C6)."""
        self.speed = rpm
        self.comment(f"spindle speed {rpm:g} rpm")
        if "{speed}" in self.p.spindle.on:
            self.spindle_on()
        else:
            # the operator's hands go to the spindle at this stop: up to clearance and the
            # spindle off first, as at a change by hand, then on again at the new speed
            p = self.p
            if self.pos[2] < p.heights.clearance:  # Z alone: XY may not be written yet
                self._rapid(None, None, p.heights.clearance)
                self.pos = (self.pos[0], self.pos[1], p.heights.clearance)
            if p.spindle.off:
                self.raw(self.fill(p.spindle.off))
            if self.speed_line:
                self.raw(self.speed_line.format(rpm=fmt_down(rpm, 0)))
            self.stop(f"set the spindle to {rpm:g} rpm, then continue")
            self.stopped()
            self.spindle_on()

    def stopped(self) -> None:
        """After a stop for the operator: where the machine stands is not known (it may have
        been jogged), so the next moves write every axis word again and the first move
        across is made over the keep-outs' clamps."""
        self.lost = True
        self.last = {k: v for k, v in self.last.items() if k == "Z"}

    def spindle_on(self) -> None:
        if self.p.spindle.on:
            self.raw(self.fill(self.p.spindle.on))
        if self.p.spindle.dwell > 0:
            self.dwell(self.p.spindle.dwell)

    # the dialect's part
    @abstractmethod
    def start(self, spindle: bool = True) -> None:
        """Units, safe height and (`spindle`) the spindle: everything before the first
        operation."""

    @abstractmethod
    def change_tool(self, tool: ToolUse, first: bool) -> None:
        """The dialect's words that change the tool (the spindle is off, Z at clearance)."""

    @abstractmethod
    def dwell(self, seconds: float) -> None:
        """Wait for the spindle to reach speed."""

    @abstractmethod
    def end(self) -> None:
        """Up to clearance, spindle off, footer."""

    @abstractmethod
    def rapid(self, words: dict[str, str], x, y, z) -> None:
        """One rapid line for the axis words that change."""

    @abstractmethod
    def feed(self, words: dict[str, str], x: float, y: float, z: float, rate: str) -> None:
        """One cutting line for the axis words that change, at `rate` (program units)."""

    @abstractmethod
    def arc(self, m: Move, i: str, j: str, rate: str, ccw: bool) -> None:
        """One arc to m's end, centre offsets (i, j) already written as numbers."""

    @abstractmethod
    def rate(self, mm_per_min: float) -> str:
        """A feed in program units."""

    # text
    def num(self, mm: float) -> str:
        return fmt_number(mm * self.scale, self.p.decimals)

    def fill(self, line: str) -> str:
        """Profile text with {speed} / {tool} filled in (the current tool's, if any)."""
        speed = self.current_speed
        number = self.p.tool.number if self.tool is None else self.tool.number
        return line.replace("{speed}", fmt_down(speed, 0)).replace("{tool}", str(number))

    @staticmethod
    def plain(text: str) -> str:
        """Comment text on one line, in ASCII: what every controller reads in a comment."""
        return " ".join(str(text).split()).encode("ascii", "replace").decode("ascii")

    @property
    def zero_surface(self) -> str:
        """Where the operator zeroes Z, as the header's Z0 says: every tool change says the
        same (a tool zeroed on the stock top of a spoilboard-zeroed program cuts in the air)."""
        return "the spoilboard top" if self.p.z_zero == "spoilboard" else "the stock top"

    def comment(self, text: str) -> None:
        """Comment lines, wrapped: controllers limit line length (GRBL 80, LinuxCNC 256)."""
        text = self.plain(text)
        style = self.comment_style
        if style == "paren":
            text = text.replace("(", "[").replace(")", "]")
        for chunk in textwrap.wrap(text, COMMENT_WIDTH, break_long_words=True,
                                   break_on_hyphens=False) or [""]:
            if style != "apostrophe" and _ACTIVE_COMMENT.match(chunk):
                chunk = "- " + chunk  # read as text, not as a command
            if style == "paren":
                self.raw(f"({chunk})", number=False)
            elif style == "semicolon":
                self.raw("; " + chunk, number=False)
            else:
                self.raw("' " + chunk, number=False)

    def stop(self, message: str) -> None:
        """A program stop the operator resumes from, after the comment saying what to do."""
        self.comment(message)
        self.raw(self.stop_line)

    def raw(self, line: str, number: bool = True) -> None:
        """One line as given (`number`: a dialect may number it)."""
        self.lines.append(line)

    # motion
    def words(self, x: float | None, y: float | None, z: float | None,
              force: bool = False) -> dict[str, str]:
        """Axis words that change after rounding (all given ones when forced)."""
        out = {}
        for ax, v in (("X", x), ("Y", y), ("Z", z)):
            if v is None:
                continue
            s = self.num(v + self.z0) if ax == "Z" else self.num(v)
            if force or self.last.get(ax) != s:
                out[ax] = s
        return out

    def emit_rapid(self, x: float, y: float, z: float) -> None:
        xy_moves = self.words(x, y, None) != {}
        if xy_moves and self.lost:  # from a place not known: over the clamps first
            if self.high is not None and self.pos[2] < self.high:
                self._rapid(None, None, self.high)
                self.pos = (self.pos[0], self.pos[1], self.high)
            self.lost = False
        z0 = self.pos[2]
        z_moves = self.words(None, None, z) != {}
        if xy_moves and z_moves:  # never a diagonal rapid: up first, or across then down
            if z > z0:
                self._rapid(None, None, z)
                self._rapid(x, y, None)
            else:
                self._rapid(x, y, None)
                self._rapid(None, None, z)
        elif xy_moves or z_moves:
            self._rapid(x, y, z)
        self.pos = (x, y, z)

    def _rapid(self, x, y, z) -> None:
        w = self.words(x, y, z)
        if w:
            self.rapid(w, x, y, z)
            self.last.update(w)

    def emit_feed(self, x: float, y: float, z: float, feed: float) -> None:
        w = self.words(x, y, z)
        self.pos = (x, y, z)
        if w:
            self.feed(w, x, y, z, self.rate(feed))
            self.last.update(w)

    def emit_arc(self, m: Move) -> None:
        x0, y0, z0 = self.pos
        helical = abs(m.z - z0) > 1e-9
        if not self.p.arcs or (helical and not self.helical_arcs):
            for x, y, z in arc_points(self.pos, m, self.p.arc_tolerance):
                self.emit_feed(x, y, z, m.feed)
            return
        # centre offsets from the start point as written, so rounding cannot skew the radius
        sx = float(self.last.get("X", self.num(x0))) / self.scale
        sy = float(self.last.get("Y", self.num(y0))) / self.scale
        i, j = self.num(x0 + m.i - sx), self.num(y0 + m.j - sy)
        ij = self._true_centre(sx, sy, m, i, j)
        if ij is None:  # no written centre the controller accepts: as lines
            for x, y, z in arc_points(self.pos, m, self.p.arc_tolerance):
                self.emit_feed(x, y, z, m.feed)
            return
        self.arc(m, *ij, self.rate(m.feed), m.kind == "arc_ccw")
        self.pos = (m.x, m.y, m.z)

    def _true_centre(self, sx: float, sy: float, m: Move, i: str, j: str
                     ) -> tuple[str, str] | None:
        """I and J (as written) whose radii to the arc's written start and end agree within
        ARC_SLACK: the rounded centre, else the nearest of its neighbours one last digit
        away that does, else None (too few decimals for so small an arc)."""
        unit = 10.0 ** -self.p.decimals  # one last digit, in program units
        ex, ey = (float(self.num(m.x)) / self.scale, float(self.num(m.y)) / self.scale)
        fi, fj = float(i), float(j)
        best = None
        for di, dj in sorted(((a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)),
                             key=lambda d: abs(d[0]) + abs(d[1])):
            ci, cj = (fi + di * unit) / self.scale, (fj + dj * unit) / self.scale
            r0 = math.hypot(ci, cj)
            if r0 <= 0:  # no arc (ShopBot refuses a CG of zero diameter)
                continue
            off = abs(math.hypot(ex - sx - ci, ey - sy - cj) - r0)
            if off <= ARC_SLACK_MM or off <= ARC_SLACK_SHARE * r0:
                if not (di or dj):
                    return i, j
                if best is None or off < best[0]:
                    best = (off, di, dj)
        if best is None:
            return None
        _, di, dj = best
        return (fmt_number(fi + di * unit, self.p.decimals),
                fmt_number(fj + dj * unit, self.p.decimals))
