"""Post-processing: a planned SheetProgram -> the text a router runs, in its profile's dialect.

One modal writer (writer.py) with a small subclass per dialect: G-code for grbl, linuxcnc and
mach (gcode.py), native OpenSBP for shopbot (opensbp.py). Arc fitting lives in arcfit.py.
"""

from __future__ import annotations

from ..model import Profile, SheetProgram, sheet_stem
from .arcfit import fit_arcs
from .gcode import GcodeWriter, MachWriter
from .opensbp import OpenSbpWriter
from .writer import Writer, fmt_number

__all__ = [
    "GcodeWriter",
    "MachWriter",
    "OpenSbpWriter",
    "Writer",
    "fit_arcs",
    "fmt_number",
    "program_filename",
    "write_program",
    "writer_for",
]

WRITERS: dict[str, type[Writer]] = {"grbl": GcodeWriter, "linuxcnc": GcodeWriter,
                                    "mach": MachWriter, "shopbot": OpenSbpWriter}


def writer_for(profile: Profile) -> Writer:
    """A fresh writer for the profile's dialect."""
    return WRITERS.get(profile.dialect, GcodeWriter)(profile)


def write_program(program: SheetProgram, profile: Profile, title: str = "") -> str:
    """The whole program for one sheet in the profile's dialect ('\\n' line ends, final
    newline). Deterministic: same program and profile -> same bytes."""
    return writer_for(profile).program(program, title)


def program_filename(index: int, profile: Profile) -> str:
    """sheet-001.nc, sheet-001.sbp ... (the profile's extension)."""
    return f"{sheet_stem(index)}.{profile.extension.lstrip('.')}"
