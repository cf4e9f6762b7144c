"""Simulate a written program and report what would break a bit, a spoilboard or a part.

The simulator reads the program text back (not our internal moves), so it checks what the
router will actually run: travel limits, depth, feeds, rapids in the stock and, given the
sheet, gouges into parts and contours left uncut. It is the independent check of the writer
(wikicut.post) and the planner (wikicut.cam), so it imports neither.
"""

from __future__ import annotations

from ..model import Profile, SheetLayout
from .checks import check_motion, check_sheet
from .gcode import read_gcode
from .motion import Segment, Violation
from .keepouts import check_keepouts
from .opensbp import read_opensbp
from .screws import check_screws

__all__ = ["Segment", "Violation", "check_motion", "check_sheet", "read_program", "simulate",
           "verify_program"]


def read_program(text: str, profile: Profile) -> tuple[list[Segment], list[Violation]]:
    """A program's motion in mm and the lines it cannot read, in the profile's dialect."""
    if profile.dialect == "shopbot":
        return read_opensbp(text, profile)
    return read_gcode(text)


def simulate(text: str, profile: Profile) -> list[Segment]:
    """Motion of a program in mm (arcs as short lines), with source line numbers."""
    return read_program(text, profile)[0]


def verify_program(text: str, profile: Profile, sheet: SheetLayout | None = None,
                   thickness: float | None = None,
                   screws: list[tuple[float, float]] | None = None) -> list[Violation]:
    """Every violation in a program, one per line and kind; empty when it is safe to run.
    `screws`: hold-down screw centres no cut may come near."""
    segs, out = read_program(text, profile)
    t = sheet.stock.thickness if sheet is not None else thickness
    out += check_motion(segs, profile, t)
    out += check_screws(segs, profile, screws or [])
    out += check_keepouts(segs, profile, sheet.stock.keepouts if sheet is not None else ())
    if sheet is not None:
        out += check_sheet(segs, profile, sheet)
    out.sort(key=lambda v: (v.line, v.kind))
    dedup: list[Violation] = []
    for v in out:
        if not dedup or (v.line, v.kind) != (dedup[-1].line, dedup[-1].kind):
            dedup.append(v)
    return dedup
