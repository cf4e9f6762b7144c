"""G-code read back as a controller would: modal motion, units, absolute/relative, arcs."""

from __future__ import annotations

import re

from ..model import INCH, Move
from .motion import Segment, Violation, arc_segments

_WORD = re.compile(r"([A-Z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")


def _strip_comment(line: str) -> str:
    line = re.sub(r"\([^)]*\)", "", line)
    return line.split(";", 1)[0].strip().upper()


def read_gcode(text: str) -> tuple[list[Segment], list[Violation]]:
    """Motion of a G-code program in mm (arcs as short lines), with source line numbers, and
    the lines it cannot read."""
    segs: list[Segment] = []
    bad: list[Violation] = []
    scale = 1.0
    absolute = True
    pos = [0.0, 0.0, 0.0]
    feed = 0.0
    motion = None
    spindle = False
    known_g = {0, 1, 2, 3, 4, 17, 20, 21, 40, 49, 54, 61, 64, 80, 90, 91, 94}
    for n, raw in enumerate(text.splitlines(), 1):
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
        for letter, val in words:
            if letter == "G":
                gs.append(float(val))
            elif letter == "M":
                m = int(float(val))
                if m in (3, 4):
                    spindle = True
                elif m in (5, 2, 30):
                    spindle = False
                elif m not in (6, 7, 8, 9, 0, 1):
                    bad.append(Violation(n, "syntax", f"unknown M{m}"))
            else:
                w[letter] = float(val)
        dwell = False
        for g in gs:
            gi = int(g) if g == int(g) else g
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
            elif gi not in known_g:
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
        if motion in (2, 3):
            cx = pos[0] + w.get("I", 0.0) * scale
            cy = pos[1] + w.get("J", 0.0) * scale
            if "R" in w:
                bad.append(Violation(n, "syntax", "R arcs are not checked; use I/J"))
                continue
            arc = Move("arc_cw" if motion == 2 else "arc_ccw", *new, i=cx - pos[0], j=cy - pos[1])
            segs += arc_segments(tuple(pos), arc, feed, n, spindle)
        else:
            segs.append(Segment("rapid" if motion == 0 else "feed", tuple(pos), tuple(new),
                                feed, n, spindle))
        pos = new
    return segs, bad
