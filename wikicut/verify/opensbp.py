"""ShopBot OpenSBP read back: J/M moves, MS speeds (per second), CG arcs, spindle C6/C7 and
TR, tool changes (C9 with &Tool) and stops for one (PAUSE)."""

from __future__ import annotations

import re

from ..model import INCH, Move, Profile
from .motion import Segment, Violation, arc_segments
from .tools import tool_in_comment

_AXES = {"M2": "XY", "M3": "XYZ", "MX": "X", "MY": "Y", "MZ": "Z",
         "J2": "XY", "J3": "XYZ", "JX": "X", "JY": "Y", "JZ": "Z"}  # command -> its axes


def read_opensbp(text: str, profile: Profile) -> tuple[list[Segment], list[Violation]]:
    """Motion of an OpenSBP program in mm (arcs as short lines), with source line numbers,
    and the commands it cannot read. The units are the profile's (the file's guard checks
    the machine's)."""
    segs: list[Segment] = []
    bad: list[Violation] = []
    scale = INCH if profile.units == "inch" else 1.0
    pos = [0.0, 0.0, 0.0]
    ms_xy = ms_z = 0.0
    spindle = False
    rpm = 0.0
    tool = pending = 0
    for n, raw in enumerate(text.splitlines(), 1):
        if "'" in raw:
            fit = tool_in_comment(raw.split("'", 1)[1])
            if fit is not None:
                tool = fit
        line = raw.split("'", 1)[0].strip()
        if not line:
            continue
        if line.startswith("&"):  # a variable: &Tool = n names the next tool for C9
            m = re.fullmatch(r"&TOOL\s*=\s*(\d+)", line.upper())
            if m:
                pending = int(m.group(1))
            continue
        if line.upper() == "C9" or line.upper() == "PAUSE":  # ATC change, or a stop for one
            if line.upper() == "C9":
                tool = pending
            p = tuple(pos)
            segs.append(Segment("change", p, p, 0.0, n, spindle, tool, rpm))
            continue
        parts = [p.strip() for p in line.split(",")]
        cmd = parts[0].upper().split()[0] if parts[0].split() else ""
        args = []
        for p in parts[1:]:
            try:
                args.append(float(p) if p else None)
            except ValueError:
                args.append(None)
        if cmd in ("SA", "SR", "VU", "VD", "VS", "PAUSE", "END", "SO", "CN", "RETURN"):
            continue
        if cmd.startswith(("IF", "GOTO", "&", "MSGBOX")) or cmd.endswith(":"):
            continue
        if cmd == "TR":
            rpm = args[0] if args and args[0] is not None else rpm
            continue
        if cmd == "C6":
            spindle = True
            continue
        if cmd == "C7":
            spindle = False
            continue
        if cmd == "MS":
            if args and args[0] is not None:
                ms_xy = args[0] * scale * 60
            if len(args) > 1 and args[1] is not None:
                ms_z = args[1] * scale * 60
            continue
        if cmd == "JS":
            continue
        axes = _AXES.get(cmd)
        if axes:
            new = list(pos)
            for i, ax in enumerate(axes):
                if i < len(args) and args[i] is not None:
                    new["XYZ".index(ax)] = args[i] * scale
            kind = "rapid" if cmd.startswith("J") else "feed"
            f = ms_z if cmd == "MZ" else ms_xy
            segs.append(Segment(kind, tuple(pos), tuple(new), f, n, spindle or kind == "rapid",
                                tool, rpm if spindle else 0.0))
            pos = new
            continue
        if cmd == "CG":  # CG, dia, x, y, i, j, outin, dir(1 cw, -1 ccw), plunge...
            try:
                x, y, i, j = (args[1] * scale, args[2] * scale, args[3] * scale, args[4] * scale)
                cw = (args[6] if len(args) > 6 and args[6] is not None else 1) == 1
                pz = args[7] * scale if len(args) > 7 and args[7] is not None else None
            except (IndexError, TypeError):
                bad.append(Violation(n, "syntax", "CG needs dia, x, y, i, j"))
                continue
            z = pos[2] + (pz if pz else 0.0)
            arc = Move("arc_cw" if cw else "arc_ccw", x, y, z, i=i, j=j)
            segs += arc_segments(tuple(pos), arc, ms_xy, n, spindle, tool,
                                 rpm if spindle else 0.0)
            pos = [x, y, z]
            continue
        bad.append(Violation(n, "syntax", f"unknown OpenSBP command '{cmd}'"))
    return segs, bad
