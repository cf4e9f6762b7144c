"""What each controller reads: the G and M codes and the word letters of its dialect.

A program is checked against the controller it is for, so a word that one controller runs
and another refuses (or worse, ignores) is caught before it reaches the machine: GRBL has no
G64 path blending, no M6 tool change and no G43 tool length offset (only G43.1).
Sources: the GRBL 1.1 wiki (Commands), the LinuxCNC G-code quick reference, Mach3/Mach4
G-code references.
"""

from __future__ import annotations

from dataclasses import dataclass


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
