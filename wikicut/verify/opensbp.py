"""ShopBot OpenSBP read back: J/M moves, MS speeds (per second), CG arcs, spindle C6/C7 and
TR, tool changes (C9 with &Tool) and stops for one (PAUSE)."""

from __future__ import annotations

import re

from ..model import INCH, Move, Profile
from .motion import Segment, Violation, arc_segments, program_end, with_only_tool
from .tools import tool_in_comment

_AXES = {"M2": "XY", "M3": "XYZ", "MX": "X", "MY": "Y", "MZ": "Z",
         "J2": "XY", "J3": "XYZ", "JX": "X", "JY": "Y", "JZ": "Z"}  # command -> its axes


_IGNORED = frozenset(("SA", "SR", "VU", "VD", "VS", "PAUSE", "END", "SO", "CN", "RETURN",
                      "JS"))  # no motion: modes, values, output switches, jog speeds
_CONTROL = ("IF", "GOTO", "&", "MSGBOX")  # program flow: the reader follows the text as written


def read_opensbp(text: str, profile: Profile, ending: bool = False, tool: int = 0
                 ) -> tuple[list[Segment], list[Violation]]:
    """Motion of an OpenSBP program in mm (arcs as short lines), with source line numbers,
    and the commands it cannot read. The units are the profile's (the file's guard checks
    the machine's). `ending`: also refuse a program that does not stop the spindle (C7) and
    END after its last move, as one cut short does. `tool`: the one tool the header lists,
    in the spindle where the program never changes tools (motion.with_only_tool)."""
    reader = _SbpReader(INCH if profile.units == "inch" else 1.0, tool)
    n = 0
    for n, raw in enumerate(text.splitlines(), 1):
        reader.read_line(n, raw)
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

    def __init__(self, scale: float, tool: int = 0) -> None:
        self.scale = scale
        self.segs: list[Segment] = []
        self.bad: list[Violation] = []
        self.pos = [0.0, 0.0, 0.0]
        self.ms_xy = self.ms_z = 0.0
        self.spindle = False
        self.rpm = 0.0
        self.tool, self.pending = tool, 0
        self.changed: int | None = None  # the segments before the first tool change
        self.off_line = self.end_line = 0  # the last C7, and the last END
        self.line = 0  # the line being read (for the settings, which take no line)

    def read_line(self, n: int, raw: str) -> None:
        """One source line: the tool named in a comment, then its command."""
        if "'" in raw:
            fit = tool_in_comment(raw.split("'", 1)[1])
            if fit is not None:
                self._change_tool(fit)
        line = raw.split("'", 1)[0].strip()
        if not line:
            return
        if line.startswith("&"):  # a variable: &Tool = n names the next tool for C9
            m = re.fullmatch(r"&TOOL\s*=\s*(\d+)", line.upper())
            if m:
                self.pending = int(m.group(1))
            return
        if line.upper() in ("C9", "PAUSE"):
            self._change(n, line.upper() == "C9")
            return
        cmd, args = _command(line)
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
        """C6: the spindle starts."""
        self.spindle = True

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
        new = list(self.pos)
        for i, ax in enumerate(axes):
            if i < len(args) and args[i] is not None:
                new["XYZ".index(ax)] = args[i] * self.scale
        kind = "rapid" if cmd.startswith("J") else "feed"
        f = self.ms_z if cmd == "MZ" else self.ms_xy
        self.segs.append(Segment(kind, tuple(self.pos), tuple(new), f, n,
                                 self.spindle or kind == "rapid", self.tool,
                                 self.rpm if self.spindle else 0.0))
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
        z = self.pos[2] + (pz if pz else 0.0)
        arc = Move("arc_cw" if cw else "arc_ccw", x, y, z, i=i, j=j)
        self.segs += arc_segments(tuple(self.pos), arc, self.ms_xy, n, self.spindle, self.tool,
                                  self.rpm if self.spindle else 0.0)
        self.pos = [x, y, z]


_SETTINGS = {"TR": _SbpReader._spindle_speed, "C6": _SbpReader._spindle_on,
             "C7": _SbpReader._spindle_off, "MS": _SbpReader._move_speeds}  # command -> setter
