"""G-code read back as a controller would: modal motion, units, absolute/relative, arcs, the
tool in the spindle; each word checked against the controller's dialect."""

from __future__ import annotations

import math
import re

from ..model import INCH, Move
from .dialects import ARC_RULES, DIALECTS, LINUXCNC, MACH, SIMULATED_G, Dialect
from .motion import Segment, Violation, arc_segments, program_end, with_only_tool
from .tools import fit_in_comment, tool_in_comment

_WORD = re.compile(r"([A-Z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")
_UNITS = {20: INCH, 21: 1.0}  # G20/G21: mm per program unit
_DISTANCE = {90: True, 91: False}  # G90/G91: absolute coordinates or not


def _strip_comment(line: str) -> str:
    if "(" not in line and ";" not in line:  # most lines: a million on a sheet
        return line.strip().upper()
    line = re.sub(r"\([^)]*\)", "", line)
    return line.split(";", 1)[0].strip().upper()


def comments(line: str) -> list[str]:
    """The comment texts of a line: (...) and after ';'."""
    if "(" not in line and ";" not in line:
        return []
    out = re.findall(r"\(([^)]*)\)", line)
    rest = re.sub(r"\([^)]*\)", "", line)
    if ";" in rest:
        out.append(rest.split(";", 1)[1].strip())
    return out


def tool_words(text: str) -> list[tuple[int, int]]:
    """(line, tool) for each tool a G-code program selects: a T word (the one a controller
    looks up in its tool table there), or a change by hand's "fit T<n>" comment."""
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        if "T" not in raw and "t" not in raw:  # most lines
            continue
        for c in comments(raw):
            if (fit := fit_in_comment(c)) is not None:
                out.append((n, fit))
        out += [(n, int(float(v))) for letter, v in _WORD.findall(_strip_comment(raw))
                if letter == "T"]
    return out


def read_gcode(text: str, dialect: str = "linuxcnc", ending: bool = False, tool: int = 0,
               wait: float = 0.0) -> tuple[list[Segment], list[Violation]]:
    """Motion of a G-code program in mm (arcs as short lines), with source line numbers, and
    the lines it cannot read or that the dialect's controller would refuse. A tool change
    (M6) or a stop (M0, M1) is a 'change' segment where the tool stands. `ending`: also
    refuse a program that does not stop the spindle (M5) and end (M2, M30) after its last
    move, as one cut short does. `tool`: the one tool the header lists, in the spindle
    where the program never changes tools (motion.with_only_tool). `wait`: the seconds the
    spindle needs to reach speed (the profile's [spindle] dwell): a cut after a spindle
    start without a G4 that long is refused."""
    reader = _GcodeReader(DIALECTS.get(dialect, LINUXCNC), tool, wait)
    n = 0
    for n, raw in enumerate(text.splitlines(), 1):
        reader.read_line(n, raw)
    segs = with_only_tool(reader.segs, reader.changed, tool)
    if ending:
        reader.bad += program_end(segs, reader.off_line, reader.end_line, n,
                                  "M5", "M2 or M30")
    return segs, reader.bad


class _GcodeReader:
    """The controller's modal state between lines (units, distance mode, motion, feed,
    spindle, tool), so each word group can be read by its own method."""

    def __init__(self, dialect: Dialect, tool: int = 0, wait: float = 0.0) -> None:
        self.d = dialect
        self.arc_rule = ARC_RULES[dialect.name]
        self.wait = wait
        self.started = 0  # the line of a spindle start not yet waited for (0: none)
        self.centres = False  # G91.1 read: I and J from the arc's start, whatever Mach's setting
        self.segs: list[Segment] = []
        self.bad: list[Violation] = []
        self.scale = 1.0
        self.absolute = True
        self.pos = [0.0, 0.0, 0.0]
        self.said = False  # an absolute Z written yet (before it, Z0 is the reader's guess)
        self.feed = 0.0
        self.motion: float | None = None
        self.spindle = False
        self.rpm = 0.0
        self.tool, self.pending = tool, 0
        self.changed: int | None = None  # the segments before the first tool change
        self.off_line = self.end_line = 0  # the last M5, and the last M2/M30

    def read_line(self, n: int, raw: str) -> None:
        """One source line: the tool named in a comment, then M, S, G, F words, then motion
        (the order a controller applies them in within a line)."""
        if "(" in raw or ";" in raw:
            for c in comments(raw):
                fit = tool_in_comment(c)
                if fit is not None:
                    self._change_tool(fit)
            line = _strip_comment(raw)
        else:  # most lines: no comment to read or strip
            line = raw.strip().upper()
        if not line or line == "%":
            return
        words = _WORD.findall(line)
        rest = _WORD.sub("", line).strip()
        if rest:
            self.bad.append(Violation(n, "syntax", f"cannot read '{rest}'"))
            return
        for letter, val in words:  # T before M6 on the same line
            if letter == "T":
                self.pending = int(float(val))
        w, gs, stop = self._words(n, words)
        if "S" in w:
            self.rpm = w["S"]
        if stop:
            p = tuple(self.pos)
            self.segs.append(Segment("change", p, p, 0.0, n, self.spindle, self.tool, self.rpm))
        dwell = self._g_words(n, gs)
        if dwell:
            p = next((val for letter, val in words if letter == "P"), None)
            if p is not None and "." not in p and self.d is MACH:  # Mach4: milliseconds
                self.bad.append(Violation(n, "dialect", f"G4 P{p} is {p} ms on Mach4 (a P"
                                          f" without a decimal point): write P{p}.0 for seconds"))
            elif p is not None and float(p) >= self.wait - 1e-9:
                self.started = 0
        if "F" in w:
            self.feed = w["F"] * self.scale
        if dwell or ("X" not in w and "Y" not in w and "Z" not in w):
            return
        self._move(n, w)

    def _words(self, n: int, words: list[tuple[str, str]]
               ) -> tuple[dict[str, float], list[float], bool]:
        """Split a line's words into values by letter and G codes, applying M codes at once;
        whether an M code stops for a tool."""
        w: dict[str, float] = {}
        gs: list[float] = []
        stop = False
        for letter, val in words:
            if letter not in self.d.letters:
                self.bad.append(Violation(n, "dialect", f"{self.d.name} has no {letter} word"))
            if letter == "G":
                gs.append(float(val))
            elif letter == "M":
                stop = self._m_word(n, float(val)) or stop
            else:
                w[letter] = float(val)
        return w, gs, stop

    def _m_word(self, n: int, m: float) -> bool:
        """Spindle on/off, tool change or stop; True when the machine stops for a tool."""
        if m not in self.d.m:
            self.bad.append(Violation(n, "dialect", f"M{m:g} is not {self.d.name} G-code"))
        elif m in (3, 4):
            if not self.spindle:
                self.started = n
            self.spindle = True
        elif m in (5, 2, 30):
            self.spindle = False
            if m == 5:
                self.off_line = n
            else:
                self.end_line = n
        elif m == 6:
            self._change_tool(self.pending)
            return True
        elif m in (0, 1):
            return True
        elif m not in (7, 8, 9):
            self.bad.append(Violation(n, "syntax", f"unknown M{m:g}"))
        return False

    def _change_tool(self, tool: int) -> None:
        if self.changed is None:
            self.changed = len(self.segs)
        self.tool = tool

    def _g_words(self, n: int, gs: list[float]) -> bool:
        """Units, distance and motion modes; True for a dwell (G4: its X or P is no move)."""
        dwell = False
        for g in gs:
            gi = int(g) if g == int(g) else g
            if g not in self.d.g:
                known = any(g in other.g for other in DIALECTS.values())
                self.bad.append(
                    Violation(n, "dialect", f"G{g:g} is not {self.d.name} G-code") if known
                    else Violation(n, "syntax", f"unsupported G{g:g}"))
            elif gi in _UNITS:
                self.scale = _UNITS[gi]
            elif gi in _DISTANCE:
                self.absolute = _DISTANCE[gi]
            elif gi in (0, 1, 2, 3):
                self.motion = gi
            elif g == 91.1:
                self.centres = True
            elif gi == 4:
                dwell = True
            elif g not in SIMULATED_G:
                self.bad.append(Violation(n, "syntax", f"unsupported G{g:g}"))
        return dwell

    def _move(self, n: int, w: dict[str, float]) -> None:
        """A line's coordinates in the modal motion: a rapid, a feed or an arc (I/J only)."""
        pos = self.pos
        new = list(pos)
        for i, k in enumerate("XYZ"):
            if k in w:
                new[i] = w[k] * self.scale + (pos[i] if not self.absolute else 0.0)
        if self.motion is None:
            self.bad.append(Violation(n, "syntax", "coordinates without a motion mode"))
            return
        on = self.rpm if self.spindle else 0.0
        self.said = self.said or ("Z" in w and self.absolute)
        if self.motion != 0 and self.spindle and self.started and self.wait > 0:
            self.bad.append(Violation(n, "feed", f"cuts without waiting for the spindle"
                                      f" started on line {self.started} (no G4 P{self.wait:g}"
                                      " or longer): the tool enters the stock before it is"
                                      " at speed"))
            self.started = 0
        if self.motion in (2, 3):
            if "R" in w:
                self.bad.append(Violation(n, "syntax", "R arcs are not checked; use I/J"))
                return
            if self.d is MACH and not self.centres:
                self.bad.append(Violation(n, "dialect", "I/J arc before any G91.1: a Mach set"
                                          " to absolute IJ mode (General Config) cuts it round"
                                          " the wrong centre; write G91.1 in the header"))
                self.centres = True  # said once
            cx = pos[0] + w.get("I", 0.0) * self.scale
            cy = pos[1] + w.get("J", 0.0) * self.scale
            why = self.arc_rule.problem(math.hypot(cx - pos[0], cy - pos[1]),
                                        math.hypot(new[0] - cx, new[1] - cy))
            if why:
                self.bad.append(Violation(n, "dialect", why))
            kind = "arc_cw" if self.motion == 2 else "arc_ccw"
            arc = Move(kind, *new, i=cx - pos[0], j=cy - pos[1])
            self.segs += arc_segments(tuple(pos), arc, self.feed, n, self.spindle, self.tool, on,
                                      self.said)
        else:
            self.segs.append(Segment("rapid" if self.motion == 0 else "feed", tuple(pos),
                                     tuple(new), self.feed, n, self.spindle, self.tool, on,
                                     self.said))
        self.pos = new
