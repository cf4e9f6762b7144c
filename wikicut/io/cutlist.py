"""parts.csv: the cut list, one row per placed part, for spreadsheets and ERP.

Columns: part (instance id), name, label (the text engraved on it: copies of one part file
with other parameters share a name, not a label), source, sheet, program (the file that cuts
the part out: of a sheet cut in one program per tool, the one that cuts its outline or takes
its onion skin off, after which it is loose to sort), x, y, rotation
(the placement as report.json and the sheet DXF give it: the part's own origin moved to
x, y after its turn, so a part turned 90 degrees lies left of x), box_x, box_y, width,
height (the placed part's bounding box: its lower-left corner and size, where an operator
finds it on the sheet), area_m2 (holes excluded) and cut_length_m (the feed moves of that
part's operations: outlines, holes, pockets, drills, engravings, labels; empty without
programs). Coordinates in mm from the sheet's lower-left corner. When any part is cut face
down (a job that allows mirroring), a last column `mirrored` says which ("yes", else
empty): the part is mirrored x -> -x before its rotation.
"""

from __future__ import annotations

import csv
import io

from ..model import P3, Layout, SheetLayout, SheetProgram, move_length
from .report import portable_source

# the cuts after which a part is loose: its outline, and the last pass over an onion skin
_FREES = ("outline", "skin")

COLUMNS = ("part", "name", "label", "source", "sheet", "program", "x", "y", "rotation", "box_x",
           "box_y", "width", "height", "area_m2", "cut_length_m")


def part_cut_lengths(program: SheetProgram, start_z: float = 0.0) -> dict[str, float]:
    """Length at feed (mm) of each instance's operations in a program."""
    out: dict[str, float] = {}
    pos: P3 = (0.0, 0.0, start_z)
    for op in program.operations:
        total = 0.0
        for m in op.moves:
            if m.kind != "rapid":
                total += move_length(pos, m)
            pos = (m.x, m.y, m.z)
        out[op.part] = out.get(op.part, 0.0) + total
    return out


def _place_key(p) -> tuple:
    return (p.part.name, round(p.x, 3), round(p.y, 3), round(p.rotation % 360.0, 3),
            p.mirrored)


def _sheet_lengths(sheet: SheetLayout, program: SheetProgram | None,
                   measured: dict[int, dict[str, float]]) -> dict[str, float]:
    """Cut length per instance of `sheet`; a repeated layout's program was planned on its
    first sheet, so its instances are matched to this sheet's by part and place. `measured`
    keeps each program's lengths (by id): a layout cut 26 times is measured once, not 26
    times (a whole house: 119 sheets, 15 programs)."""
    if program is None:
        return {}
    lengths = measured.get(id(program))
    if lengths is None:
        lengths = measured[id(program)] = part_cut_lengths(program)
    if program.sheet is sheet:
        return lengths
    theirs = {_place_key(p): p.instance for p in program.sheet.placements}
    return {p.instance: lengths.get(theirs.get(_place_key(p), ""), 0.0)
            for p in sheet.placements}


def _cut_out_by(sheet: SheetLayout, files: list[tuple[str, SheetProgram | None]]
                ) -> dict[str, str]:
    """Instance of `sheet` -> the file of its programs (in the order they run) that cuts it
    out: the last with its outline or skin pass, else the last that cuts it at all. A
    repeated layout's programs were planned on its first sheet: its instances are matched
    to this sheet's by part and place."""
    freed: dict[str, str] = {}
    touched: dict[str, str] = {}
    first = None
    for name, prog in files:
        if prog is None:
            continue
        first = prog.sheet
        for op in prog.operations:
            touched[op.part] = name
            if op.kind in _FREES:
                freed[op.part] = name
    by = {**touched, **freed}
    if first is None or first is sheet:
        return by
    theirs = {_place_key(p): p.instance for p in first.placements}
    return {p.instance: by[theirs[_place_key(p)]] for p in sheet.placements
            if theirs.get(_place_key(p)) in by}


def cutlist_csv(layout: Layout, programs: list[SheetProgram] | None = None,
                program_files: list[str] | None = None,
                sheet_files: list[list[tuple[str, SheetProgram | None]]] | None = None) -> str:
    """The cut list as CSV text (',' separated, '\\n' line ends, header row first).
    `program_files`: each sheet's (first) program file; `sheet_files`: each sheet's program
    files in the order they run, with what each cuts, which names the file that cuts each
    part out where a sheet has several."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    flips = any(p.mirrored for s in layout.sheets for p in s.placements)
    w.writerow(COLUMNS + (("mirrored",) if flips else ()))
    measured: dict[int, dict[str, float]] = {}
    for k, sheet in enumerate(layout.sheets):
        prog = programs[k] if programs else None
        lengths = _sheet_lengths(sheet, prog, measured)
        files = sheet_files[k] if sheet_files else []
        cut_by = _cut_out_by(sheet, files) if len(files) > 1 else {}
        for p in sheet.placements:
            x0, y0, x1, y1 = p.placed().outline.bounds
            cut = lengths.get(p.instance)
            w.writerow([p.instance, p.part.name, p.part.text, portable_source(p.part.source),
                        sheet.index,
                        cut_by.get(p.instance, program_files[k] if program_files else ""),
                        f"{p.x:.3f}", f"{p.y:.3f}", f"{p.rotation % 360.0:g}",
                        f"{x0:.3f}", f"{y0:.3f}", f"{x1 - x0:.3f}", f"{y1 - y0:.3f}",
                        f"{p.part.area / 1e6:.4f}",
                        "" if cut is None else f"{cut / 1000:.3f}",
                        *(("yes" if p.mirrored else "",) if flips else ())])
    return buf.getvalue()
