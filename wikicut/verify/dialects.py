"""What each controller reads: the G and M codes and the word letters of its dialect.

A program is checked against the controller it is for, so a word that one controller runs
and another refuses (or worse, ignores) is caught before it reaches the machine: GRBL has no
G64 path blending, no M6 tool change and no G43 tool length offset (only G43.1).
Sources: the GRBL 1.1 wiki (Commands), the LinuxCNC G-code quick reference, Mach3/Mach4
G-code references.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


def _codes(*items: float | range) -> frozenset[float]:
    out: set[float] = set()
    for it in items:
        out.update(float(v) for v in (it if isinstance(it, range) else [it]))
    return frozenset(out)


@dataclass(frozen=True)
class Dialect:
    name: str
    g: frozenset[float]
    m: frozenset[float]
    letters: frozenset[str]


GRBL = Dialect(
    "grbl",
    _codes(0, 1, 2, 3, 4, 10, 17, 18, 19, 20, 21, 28, 28.1, 30, 30.1, 38.2, 38.3, 38.4, 38.5,
           40, 43.1, 49, 53, range(54, 60), 61, 80, 90, 91, 91.1, 92, 92.1, 93, 94),
    _codes(0, 1, 2, 3, 4, 5, 7, 8, 9, 30, 56),
    frozenset("FGIJKLMNPRSTXYZ"))

LINUXCNC = Dialect(
    "linuxcnc",
    _codes(0, 1, 2, 3, 4, 5, 5.1, 5.2, 5.3, 7, 8, 10, 17, 17.1, 18, 18.1, 19, 19.1, 20, 21,
           28, 28.1, 30, 30.1, 33, 33.1, 38.2, 38.3, 38.4, 38.5, 40, 41, 41.1, 42, 42.1, 43,
           43.1, 43.2, 49, 52, 53, range(54, 60), 59.1, 59.2, 59.3, 61, 61.1, 64, 70, 71, 73,
           74, 76, range(80, 90), 90, 90.1, 91, 91.1, 92, 92.1, 92.2, 92.3, 93, 94, 95, 96,
           97, 98, 99),
    _codes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 30, range(48, 54), 60, range(61, 69), range(70, 74),
           range(100, 200)),
    frozenset("ABCDEFGHIJKLMNPQRSTUVWXYZ"))

MACH = Dialect(
    "mach",
    _codes(0, 1, 2, 3, 4, 10, 12, 13, 15, 16, 17, 18, 19, 20, 21, 28, 28.1, 30, 31, 40, 41,
           42, 43, 44, 49, 50, 51, 52, 53, range(54, 60), 60, 61, 64, 68, 69, 70, 71, 73,
           range(80, 90), 90, 90.1, 91, 91.1, 92, 93, 94, 95, 98, 99),
    _codes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 30, 47, 48, 49, 98, 99, range(100, 1000)),
    frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))

DIALECTS = {"grbl": GRBL, "linuxcnc": LINUXCNC, "mach": MACH}

# What the simulator itself follows; other accepted codes cannot be checked (refused as such).
# G91.1 (arc centres incremental) is the simulator's own reading of I and J; a post writes it
# where the controller's own setting may say otherwise (Mach's IJ mode, LinuxCNC's G90.1 left
# from MDI). G90.1 stays refused.
SIMULATED_G = _codes(0, 1, 2, 3, 4, 17, 20, 21, 40, 43, 49, range(54, 60), 61, 64, 80, 90, 91,
                     91.1, 94)


@dataclass(frozen=True)
class ArcRule:
    """How far an I/J arc's radius to its end may differ from its radius to its start, in mm:
    the controller refuses the arc when the difference exceeds both `absolute` and
    `relative` x the radius."""

    absolute: float
    relative: float
    source: str
    most: float = float("inf")  # refused past this whatever the radius

    def problem(self, r_start: float, r_end: float) -> str | None:
        """What is wrong with an arc of these radii, or None when the controller runs it."""
        d = abs(r_end - r_start)
        if d <= self.absolute or (d <= self.most and d <= self.relative * max(r_start, r_end)):
            return None
        return (f"radius to the arc's end differs from its radius to the start by {d:.4f} mm"
                f" (r {r_start:.4f} mm): {self.source}")


# GRBL 1.1 gcode.c: error 33 past 0.005 mm and 0.1 % of the radius (or 0.5 mm). LinuxCNC 2.9
# interp_arc.cc arc_data_ijk: past CENTER_ARC_RADIUS_TOLERANCE_MM (0.02 x sqrt 2 mm; in G20
# 0.002 x sqrt 2 in, looser) and SPIRAL_RELATIVE_TOLERANCE 0.1 % (rs274 of 2.9 refuses
# exactly so). Mach3/4 and ShopBot's control document none: held to GRBL's, the strictest.
_GRBL_ARC = ArcRule(0.005, 0.001, "GRBL refuses more than 0.005 mm and 0.1 % (error 33)",
                    most=0.5)
ARC_RULES = {
    "grbl": _GRBL_ARC,
    "linuxcnc": ArcRule(0.02 * 2 ** 0.5, 0.001, "LinuxCNC refuses more than 0.028 mm and"
                        " 0.1 % (\"Radius to end of arc differs from radius to start\")"),
    "mach": replace(_GRBL_ARC, source="held to GRBL's 0.005 mm and 0.1 % (Mach documents no"
                    " tolerance)"),
    "shopbot": replace(_GRBL_ARC, source="held to GRBL's 0.005 mm and 0.1 % (ShopBot documents"
                       " no tolerance for CG)"),
}
