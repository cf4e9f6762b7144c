"""ShopBot OpenSBP read back: J/M moves, MS speeds (per second), CG arcs, spindle C6/C7 and
TR, tool changes (C9 with &Tool) and stops for one (PAUSE)."""

from __future__ import annotations

import math
import re

from ..model import INCH, Move, Profile
from .dialects import ARC_RULES
from .motion import Segment, Violation, arc_segments, program_end, with_only_tool
from .tools import fit_in_comment, tool_in_comment

_AXES = {"M2": "XY", "M3": "XYZ", "MX": "X", "MY": "Y", "MZ": "Z",
         "J2": "XY", "J3": "XYZ", "JX": "X", "JY": "Y", "JZ": "Z"}  # command -> its axes


_IGNORED = frozenset(("SA", "SR", "VU", "VD", "VS", "PAUSE", "END", "SO", "CN", "RETURN",
                      "JS"))  # no motion: modes, values, output switches, jog speeds
_CONTROL = ("IF", "GOTO", "&", "MSGBOX")  # program flow: the reader follows the text as written
# the units guard: %(25) is 0 in inches, 1 in millimetres; the program jumps away on the other
_GUARD = re.compile(r"IF\s*%\(\s*25\s*\)\s*=\s*([01])\s*THEN\s*GOTO\b")
# the speed the operator is told to set where C6 cannot ("fit T1 6.35 mm, spindle at 18000
# rpm", "set the spindle to 16000 rpm"), or the one tool's in the header ("tool: T1 6.35 mm
# upcut, 2 flutes, 18000 rpm"), as post/ writes them
_TOOL = re.compile(r"&TOOL\s*=\s*(\d+)")  # names the tool the next C9 fetches
_STATED_RPM = re.compile(r"\bspindle (?:at|to) (\d+(?:\.\d*)?) rpm\b"
                         r"|(?:^| )tool: T\d+ [^,]*, [^,]*, (\d+(?:\.\d*)?) rpm\b")


def tool_words(text: str) -> list[tuple[int, int]]:
    """(line, tool) for each tool an OpenSBP program selects: &Tool = n (the tool C9
    fetches), or a change by hand's "fit T<n>" comment."""
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        code, _, note = raw.partition("'")
        if (fit := fit_in_comment(note)) is not None:
            out.append((n, fit))
        if m := _TOOL.fullmatch(code.strip().upper()):
            out.append((n, int(m.group(1))))
    return out


def read_opensbp(text: str, profile: Profile, ending: bool = False, tool: int = 0,
                 notes: list[str] | None = None) -> tuple[list[Segment], list[Violation]]:
    """Motion of an OpenSBP program in mm (arcs as short lines), with source line numbers,
    and the commands it cannot read. The units are the profile's (the file's guard checks
    the machine's). `ending`: also refuse a program that does not stop the spindle (C7) and
    END after its last move, as one cut short does. `tool`: the one tool the header lists,
    in the spindle where the program never changes tools (motion.with_only_tool). `notes`:
    appended with what the reader had to assume where the program does not say (one line
    each): the spindle speed, where neither TR nor a comment states it."""
    reader = _SbpReader(INCH if profile.units == "inch" else 1.0, tool, profile)
    n = 0
    for n, raw in enumerate(text.splitlines(), 1):
        reader.read_line(n, raw)
    reader.bad += reader.guards()
    if reader.assumed and notes is not None:
        notes.append("no spindle speed stated (no TR command, no 'spindle at ... rpm'"
                     " comment) where C6 starts the spindle: the profile's"
                     f" {profile.spindle.speed:g} rpm assumed for the chip-load checks")
    segs = with_only_tool(reader.segs, reader.changed, tool)
    if ending:
        reader.bad += program_end(segs, reader.off_line, reader.end_line, n, "C7", "END")
    return segs, reader.bad


def _command(line: str) -> tuple[str, list[float | None]]:
    """A command and its comma-separated arguments (None where empty or not a number)."""
    parts = [p.strip() for p in line.split(",")]
    cmd = parts[0].upper().split()[0] if parts[0].split() else ""
    args: list[float | None] = []
    for p in parts[1:]:
        try:
            args.append(float(p) if p else None)
        except ValueError:
            args.append(None)
    return cmd, args


class _SbpReader:
    """The state a ShopBot carries between commands (position, MS speeds, spindle, tool), so
    each command family can be read by its own method."""

    def __init__(self, scale: float, tool: int = 0, profile: Profile | None = None) -> None:
        self.scale = scale
        self.profile = profile
        self.ours = False  # a wikicut program (its first line says so): its guards are known
        self.guard: int | None = None  # the %(25) value the units guard jumps away on
        self.first_move = 0  # the line of the first move
        self.started = 0  # the line of a C6 not yet waited for (0: none)
        self.unwaited = 0  # the first cut after a C6 without the spindle's wait
        self.told = ""  # the comment lines read since the last command, joined
        self.segs: list[Segment] = []
        self.bad: list[Violation] = []
        self.pos = [0.0, 0.0, 0.0]
        self.said = False  # a Z written yet (before it, Z0 is the reader's guess)
        self.ms_xy = self.ms_z = 0.0
        self.spindle = False
        self.rpm = 0.0
        self.assumed = False  # a C6 run at the profile's speed, none stated
        self.tool, self.pending = tool, 0
        self.changed: int | None = None  # the segments before the first tool change
        self.off_line = self.end_line = 0  # the last C7, and the last END
        self.line = 0  # the line being read (for the settings, which take no line)

    def read_line(self, n: int, raw: str) -> None:
        """One source line: the tool named in a comment, then its command."""
        if "'" in raw:
            self._comment(n, raw.split("'", 1)[1].strip())
        line = raw.split("'", 1)[0].strip()
        if not line:
            return
        self.told = ""
        guard = _GUARD.match(line.upper())
        if guard:
            self.guard = int(guard.group(1))
        if line.startswith("&"):  # a variable: &Tool = n names the next tool for C9
            m = _TOOL.fullmatch(line.upper())
            if m:
                self.pending = int(m.group(1))
            return
        if line.upper() in ("C9", "PAUSE"):
            self._change(n, line.upper() == "C9")
            return
        cmd, args = _command(line)
        if cmd == "PAUSE" and args == [] and line.split()[1:]:  # PAUSE n: a wait of n s
            self._paused(line.split()[1])
        if cmd == "JS":
            self._jog_speeds(n, args)
        if cmd == "END":
            self.end_line = n
        if cmd in _IGNORED or cmd.startswith(_CONTROL) or cmd.endswith(":"):
            return
        setting = _SETTINGS.get(cmd)
        self.line = n
        axes = _AXES.get(cmd)
        if setting is not None:
            setting(self, args)
        elif axes:
            self._line_move(n, cmd, axes, args)
        elif cmd == "CG":
            self._arc(n, args)
        else:
            self.bad.append(Violation(n, "syntax", f"unknown OpenSBP command '{cmd}'"))

    def _comment(self, n: int, said: str) -> None:
        """A comment: the tool it names, the speed it tells the operator to set (the one
        the cuts are made at, where C6 cannot set it), whether the program is wikicut's."""
        fit = tool_in_comment(said)
        if fit is not None:
            self._change_tool(fit)
        self.ours = self.ours or (n == 1 and said.startswith("wikicut: "))
        # a comment wrapped over lines ("spindle at" / "18000 rpm") read as one
        self.told = f"{self.told} {said}" if self.told else said
        rpm = ([None] + list(_STATED_RPM.finditer(self.told)))[-1]  # the last told
        if rpm:
            self.rpm = float(rpm.group(1) or rpm.group(2))

    def _change(self, n: int, atc: bool) -> None:
        """An ATC change (C9, to the tool &Tool named) or a stop for one (PAUSE)."""
        if atc:
            self._change_tool(self.pending)
        p = tuple(self.pos)
        self.segs.append(Segment("change", p, p, 0.0, n, self.spindle, self.tool, self.rpm))

    def _change_tool(self, tool: int) -> None:
        if self.changed is None:
            self.changed = len(self.segs)
        self.tool = tool

    def _spindle_speed(self, args: list[float | None]) -> None:
        """TR: the rpm (kept when the argument is missing)."""
        self.rpm = args[0] if args and args[0] is not None else self.rpm

    def _spindle_on(self, args: list[float | None]) -> None:
        """C6: the spindle starts, at the speed TR or the operator set (as the program's
        comments tell it), else at the profile's: a speed never set would leave every chip
        load unchecked."""
        if not self.spindle:
            self.started = self.line
        self.spindle = True
        if not self.rpm and self.profile is not None:
            self.rpm = self.profile.spindle.speed
            self.assumed = True

    def _paused(self, arg: str) -> None:
        """PAUSE n: n seconds' wait, the spindle's to reach speed after C6."""
        try:
            seconds = float(arg)
        except ValueError:
            return
        if self.profile is None or seconds >= self.profile.spindle.dwell - 1e-9:
            self.started = 0

    def _jog_speeds(self, n: int, args: list[float | None]) -> None:
        """JS: XY and Z jog speeds (per second): every J move runs at them, so one above the
        profile's rapid drives the machine faster than its profile says it may go."""
        p = self.profile
        if p is None:
            return
        for ax, v in zip(("XY", "Z"), args[:2]):
            if v is not None and v * self.scale * 60 > p.feeds.rapid + 1e-6:
                self.bad.append(Violation(n, "feed", f"JS {ax} jog {v:g}/s is"
                                          f" {v * self.scale * 60:.0f} mm/min, above the"
                                          f" profile's [feeds] rapid {p.feeds.rapid:g}"))

    def _moved(self, n: int, cut: bool) -> None:
        """Before a move: where the guards must already stand."""
        self.first_move = self.first_move or n
        if cut and self.spindle and self.started:
            self.unwaited = self.unwaited or n
            self.started = 0

    def guards(self) -> list[Violation]:
        """What a wikicut program always writes and this one lacks: the units guard before
        the first move, and the spindle's wait (PAUSE n) after C6 before the first cut."""
        p = self.profile
        if p is None or not self.first_move:
            return []
        out = []
        want = 1 if p.units == "inch" else 0  # the value of the *other* units
        units = "inches" if p.units == "inch" else "millimetres"
        if self.guard is not None and self.guard != want:
            out.append(Violation(self.first_move, "dialect", f"the units guard jumps away on"
                                 f" %(25)={self.guard}, the program's own {units}: write"
                                 f" IF %(25)={want} THEN GOTO UNIT_ERROR"))
        elif self.guard is None and self.ours:
            out.append(Violation(self.first_move, "dialect", f"no units guard (IF %(25)={want}"
                                 f" THEN GOTO UNIT_ERROR) before the first move: a ShopBot"
                                 f" set to the other units reads every move of this {units}"
                                 " program 25.4 times off"))
        if self.unwaited and self.ours and p.spindle.dwell > 0:
            out.append(Violation(self.unwaited, "feed", f"cuts without waiting for the spindle"
                                 f" (no PAUSE {p.spindle.dwell:g} after C6): the tool enters"
                                 " the stock before it is at speed"))
        return out

    def _spindle_off(self, args: list[float | None]) -> None:
        """C7: the spindle stops."""
        self.spindle = False
        self.off_line = self.line

    def _move_speeds(self, args: list[float | None]) -> None:
        """MS: XY and Z speeds, per second in program units, as mm/min."""
        if args and args[0] is not None:
            self.ms_xy = args[0] * self.scale * 60
        if len(args) > 1 and args[1] is not None:
            self.ms_z = args[1] * self.scale * 60

    def _line_move(self, n: int, cmd: str, axes: str, args: list[float | None]) -> None:
        """J (rapid) or M (feed) on the command's axes; an empty argument keeps that axis."""
        self._moved(n, cmd.startswith("M"))
        new = list(self.pos)
        for i, ax in enumerate(axes):
            if i < len(args) and args[i] is not None:
                new["XYZ".index(ax)] = args[i] * self.scale
                self.said = self.said or ax == "Z"
        kind = "rapid" if cmd.startswith("J") else "feed"
        f = self.ms_z if cmd == "MZ" else self.ms_xy
        self.segs.append(Segment(kind, tuple(self.pos), tuple(new), f, n,
                                 self.spindle or kind == "rapid", self.tool,
                                 self.rpm if self.spindle else 0.0, self.said))
        self.pos = new

    def _arc(self, n: int, args: list[float | None]) -> None:
        """CG, dia, x, y, i, j, outin, dir (1 cw, -1 ccw), plunge: an arc at the MS XY speed,
        descending by the plunge when one is given."""
        sc = self.scale
        try:
            x, y, i, j = (args[1] * sc, args[2] * sc, args[3] * sc, args[4] * sc)
            cw = (args[6] if len(args) > 6 and args[6] is not None else 1) == 1
            pz = args[7] * sc if len(args) > 7 and args[7] is not None else None
        except (IndexError, TypeError):
            self.bad.append(Violation(n, "syntax", "CG needs dia, x, y, i, j"))
            return
        self._moved(n, True)
        cx, cy = self.pos[0] + i, self.pos[1] + j
        why = ARC_RULES["shopbot"].problem(math.hypot(i, j), math.hypot(x - cx, y - cy))
        if why:
            self.bad.append(Violation(n, "dialect", why))
        z = self.pos[2] + (pz if pz else 0.0)
        arc = Move("arc_cw" if cw else "arc_ccw", x, y, z, i=i, j=j)
        self.segs += arc_segments(tuple(self.pos), arc, self.ms_xy, n, self.spindle, self.tool,
                                  self.rpm if self.spindle else 0.0, self.said)
        self.pos = [x, y, z]


_SETTINGS = {"TR": _SbpReader._spindle_speed, "C6": _SbpReader._spindle_on,
             "C7": _SbpReader._spindle_off, "MS": _SbpReader._move_speeds}  # command -> setter
