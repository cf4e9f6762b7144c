"""Post-processing: a planned SheetProgram -> the text a router runs, in its profile's dialect.

One modal writer (writer.py) with a small subclass per dialect: G-code for grbl, linuxcnc and
mach (gcode.py), native OpenSBP for shopbot (opensbp.py). Arc fitting lives in arcfit.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import INCH, Profile, SheetProgram, ToolUse, estimate, sheet_stem
from .arcfit import fit_arcs
from .gcode import GcodeWriter, MachWriter, header_changes_tool
from .opensbp import OpenSbpWriter
from .writer import Writer, fmt_number, tool_label

__all__ = [
    "GcodeWriter",
    "header_changes_tool",
    "MachWriter",
    "OpenSbpWriter",
    "ProgramFile",
    "Writer",
    "fit_arcs",
    "fmt_number",
    "program_filename",
    "split_by_tool",
    "tool_label",
    "tool_table",
    "write_program",
    "write_sheet_programs",
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


@dataclass(frozen=True)
class ProgramFile:
    """One program file of a sheet: its name, its text and the tools it uses, in order."""

    name: str
    text: str
    tools: tuple[ToolUse, ...] = ()
    program: SheetProgram | None = None  # the operations it cuts


def split_by_tool(program: SheetProgram, profile: Profile | None = None) -> list[SheetProgram]:
    """The program as one program per run of operations with the same tool, in cutting
    order (a tool used twice, apart, gets two); measured again when given the profile, each
    from where the one before it leaves the machine (they run in order, as the sheet's
    program does: each program's time is its tool's share of the sheet's)."""
    by_number = {t.number: t for t in program.tools}
    high = (profile.heights.over_keepouts if profile is not None and program.sheet.stock.keepouts
            else None)
    runs: list[list] = []
    for op in program.operations:
        n = op.tool or program.tools[0].number
        if not runs or runs[-1][0] != n:
            runs.append([n, []])
        runs[-1][1].append(op)
    out = []
    start = None  # the first program starts where the writer assumes (X0 Y0, clearance)
    for n, ops in runs:
        est = (estimate(ops, profile, start, tools=(n,), speeds={n: by_number[n].rpm},
                        high=high) if profile is not None else None)
        if profile is not None:  # the next starts where this one ends, run in order
            last = next((m for op in reversed(ops) for m in reversed(op.moves)), None)
            if last is not None:
                start = (last.x, last.y, max(last.z, profile.heights.clearance))
        out.append(replace(program, operations=ops, tools=(by_number[n],)) if est is None else
                   replace(program, operations=ops, tools=(by_number[n],),
                           cut_length=round(est.cut_length, 3),
                           rapid_length=round(est.rapid_length, 3),
                           est_seconds=round(est.seconds, 1),
                           tool_seconds={t: round(v, 1) for t, v in est.tool_seconds.items()},
                           stops=est.stops))
    return [replace(part, notes=notes) for part, notes in zip(out, _split_notes(program, out))]


# What each of the planner's notes (cam/plan.py; free text) is about, by how it begins: the
# kinds of operation that cut it, so a program split off by tool says only what it cuts
NOTE_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("onion skin ", frozenset({"outline", "skin"})),  # cam/skin.py skin_note
    ("no room for tabs:", frozenset({"outline", "skin"})),  # cam/skin.py NoRoom.note
    ("common lines:", frozenset({"outline", "skin"})),  # cam/common.py skin_note
    ("lead arcs:", frozenset({"outline", "hole"})),  # cam/plan.py _lead_notes
    ("slug skins:", frozenset({"hole"})),  # cam/slugs.py SlugSkins.note: holes left skinned
    ("drawn labels:", frozenset({"engrave"})),  # a LABELS layer is cut as an engraving
    ("labels: none engraved:", frozenset()),  # no tool reaches their depth: no label cut
    ("labels:", frozenset({"label"})),  # some without room at the engraving tool's width
)


def _split_notes(program: SheetProgram, parts: list[SheetProgram]) -> list[tuple[str, ...]]:
    """Each split program's notes: those about the kinds of operation it cuts (NOTE_KINDS).
    A note about none of them (labels none engraved: no tool reaches their depth, or a note
    NOTE_KINDS does not know) stays with the programs that cut the outlines, the ones that
    free the parts and end the sheet, where the operator looks for what is left to do (the
    last program where none does)."""
    if not parts:
        return []
    kinds = [frozenset(op.kind for op in part.operations) for part in parts]
    outlines = [k for k, ks in enumerate(kinds) if "outline" in ks] or [len(parts) - 1]
    out: list[list[str]] = [[] for _ in parts]
    for note in program.notes:
        about = next((ks for head, ks in NOTE_KINDS if note.startswith(head)), frozenset())
        cut = [k for k, ks in enumerate(kinds) if ks & about] or outlines
        for k in cut:
            out[k].append(note)
    return [tuple(n) for n in out]


def write_sheet_programs(program: SheetProgram, profile: Profile, title: str = "",
                         stem: str = "") -> list[ProgramFile]:
    """The files a sheet's program is written as: one (sheet-001.nc) with one tool or a tool
    changer or pauses, else one per tool in cutting order (sheet-001-1-T2.nc,
    sheet-001-2-T5.nc ...), each whole (its own start, spindle and end). `stem` names them
    (default: the sheet's, sheet-001)."""
    stem = stem or sheet_stem(program.sheet.index)
    ext = profile.extension.lstrip(".")
    if len(program.tools) <= 1 or profile.changer.mode != "split":
        return [ProgramFile(f"{stem}.{ext}",
                            write_program(program, profile, title), program.tools, program)]
    parts = split_by_tool(program, profile)
    out = []
    for k, part in enumerate(parts, 1):
        tool = part.tools[0]
        text = writer_for(profile).program(part, title, part=f"{k} of {len(parts)}")
        out.append(ProgramFile(f"{stem}-{k}-T{tool.number}.{ext}", text,
                               part.tools, part))
    return out


def tool_table(tools: list[ToolUse], units: str = "mm") -> str:
    """A LinuxCNC tool table (tool.tbl) for these tools: pocket = number, no length offset
    (touch each tool off, or measure it, before the job). LinuxCNC reads its diameters in
    the machine's units, an inch shop's inches: with `units` "inch" they are written in
    inches, under a comment line that says so (a 1/4 in tool is D0.25, not D6.35)."""
    inch = units == "inch"
    lines = ["; diameters in inches, as the programs (G20)"] if inch else []
    for t in sorted({t.number: t for t in tools}.values(), key=lambda t: t.number):
        name = " ".join(f"{t.name or tool_label(t)}".split())
        d = fmt_number(t.diameter / INCH, 5) if inch else fmt_number(t.diameter, 4)
        lines.append(f"T{t.number} P{t.number} D{d} Z0 ;{name}")
    return "\n".join(lines) + "\n"
