"""G-code read back as a controller would: modal motion, units, absolute/relative, arcs, the
tool in the spindle; each word checked against the controller's dialect."""

from __future__ import annotations

import re

from ..model import INCH, Move
from .dialects import DIALECTS, LINUXCNC, SIMULATED_G
from .motion import Segment, Violation, arc_segments
from .tools import tool_in_comment

_WORD = re.compile(r"([A-Z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")


def _strip_comment(line: str) -> str:
    line = re.sub(r"\([^)]*\)", "", line)
    return line.split(";", 1)[0].strip().upper()


def comments(line: str) -> list[str]:
    """The comment texts of a line: (...) and after ';'."""
    out = re.findall(r"\(([^)]*)\)", line)
    rest = re.sub(r"\([^)]*\)", "", line)
    if ";" in rest:
        out.append(rest.split(";", 1)[1].strip())
    return out


def read_gcode(text: str, dialect: str = "linuxcnc") -> tuple[list[Segment], list[Violation]]:
    """Motion of a G-code program in mm (arcs as short lines), with source line numbers, and
    the lines it cannot read or that the dialect's controller would refuse. A tool change
    (M6) or a stop (M0, M1) is a 'change' segment where the tool stands."""
    d = DIALECTS.get(dialect, LINUXCNC)
    segs: list[Segment] = []
    bad: list[Violation] = []
    scale = 1.0
    absolute = True
    pos = [0.0, 0.0, 0.0]
    feed = 0.0
    motion = None
    spindle = False
    rpm = 0.0
    tool = pending = 0
    for n, raw in enumerate(text.splitlines(), 1):
        for c in comments(raw):
            fit = tool_in_comment(c)
            if fit is not None:
                tool = fit
        line = _strip_comment(raw)
        if not line or line == "%":
            continue
        words = _WORD.findall(line)
        rest = _WORD.sub("", line).strip()
        if rest:
            bad.append(Violation(n, "syntax", f"cannot read '{rest}'"))
            continue
        w: dict[str, float] = {}
        gs: list[float] = []
        stop = False
        for letter, val in words:  # T before M6 on the same line
            if letter == "T":
                pending = int(float(val))
        for letter, val in words:
            if letter not in d.letters:
                bad.append(Violation(n, "dialect", f"{d.name} has no {letter} word"))
            if letter == "G":
                gs.append(float(val))
            elif letter == "M":
                m = float(val)
                if m not in d.m:
                    bad.append(Violation(n, "dialect", f"M{m:g} is not {d.name} G-code"))
                    continue
                if m in (3, 4):
                    spindle = True
                elif m in (5, 2, 30):
                    spindle = False
                elif m == 6:
                    tool, stop = pending, True
                elif m in (0, 1):
                    stop = True
                elif m not in (7, 8, 9):
                    bad.append(Violation(n, "syntax", f"unknown M{m:g}"))
            else:
                w[letter] = float(val)
        if "S" in w:
            rpm = w["S"]
        if stop:
            p = tuple(pos)
            segs.append(Segment("change", p, p, 0.0, n, spindle, tool, rpm))
        dwell = False
        for g in gs:
            gi = int(g) if g == int(g) else g
            if g not in d.g:
                known = any(g in other.g for other in DIALECTS.values())
                bad.append(Violation(n, "dialect", f"G{g:g} is not {d.name} G-code") if known
                           else Violation(n, "syntax", f"unsupported G{g:g}"))
                continue
            if gi == 20:
                scale = INCH
            elif gi == 21:
                scale = 1.0
            elif gi == 90:
                absolute = True
            elif gi == 91:
                absolute = False
            elif gi in (0, 1, 2, 3):
                motion = gi
            elif gi == 4:
                dwell = True
            elif g not in SIMULATED_G:
                bad.append(Violation(n, "syntax", f"unsupported G{g:g}"))
        if "F" in w:
            feed = w["F"] * scale
        if dwell or not any(k in w for k in "XYZ"):
            continue
        new = list(pos)
        for i, k in enumerate("XYZ"):
            if k in w:
                new[i] = w[k] * scale + (pos[i] if not absolute else 0.0)
        if motion is None:
            bad.append(Violation(n, "syntax", "coordinates without a motion mode"))
            continue
        on = rpm if spindle else 0.0
        if motion in (2, 3):
            cx = pos[0] + w.get("I", 0.0) * scale
            cy = pos[1] + w.get("J", 0.0) * scale
            if "R" in w:
                bad.append(Violation(n, "syntax", "R arcs are not checked; use I/J"))
                continue
            arc = Move("arc_cw" if motion == 2 else "arc_ccw", *new, i=cx - pos[0], j=cy - pos[1])
            segs += arc_segments(tuple(pos), arc, feed, n, spindle, tool, on)
        else:
            segs.append(Segment("rapid" if motion == 0 else "feed", tuple(pos), tuple(new),
                                feed, n, spindle, tool, on))
        pos = new
    return segs, bad
