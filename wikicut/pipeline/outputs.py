"""A layout's outputs: each sheet planned, its programs checked by the independent simulator,
then every file written into the output folder at once (io.staging); and a written folder's
previews redrawn from its programs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, UnsafeJobError
from ..io.staging import Staging, staged_output
from ..model import Layout, Profile, SheetProgram
from ..words import counted

if TYPE_CHECKING:
    from ..cam import Proofs
    from ..model.tooling import Tooling
    from ..post import ProgramFile

Progress = Callable[[str, float, str], None]  # (stage, fraction 0..1, message)


@dataclass
class NestResult:
    layout: Layout
    programs: list[SheetProgram] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    outdir: Path | None = None


def write_outputs(name: str, layout: Layout, outdir: Path, *, profile: Profile | None,
                  force: bool = False, spacing: float = 0.0, toolpaths: bool = False,
                  progress: Progress | None = None, settings: dict | None = None,
                  sources: dict[str, str] | None = None,
                  labels: dict[str, str] | None = None,
                  notes: dict[int, str] | None = None,
                  stage: Staging | None = None, proofs: Proofs | None = None,
                  tooling: Tooling | None = None,
                  then: Callable[[NestResult], None] | None = None) -> NestResult:
    """Plan and write every output for a layout (a DXF and an SVG per sheet, a program per
    distinct layout when there is a profile, index.html, report.json, parts.csv); nothing
    appears unless all succeeded. `sources` (part name -> file) names the files of parts
    left unplaced, `labels` (instance id -> label text) their labels; `notes` (sheet index
    -> text) go into that sheet's program header. Inside a caller's `stage` (begun before
    its slow work) the files go there and the caller commits. `proofs` carries what the
    preflight proved cuttable; `tooling` the job's rack (None: the profile's tool); `then`
    writes more files into the same folder before the count is said (a job's remnants,
    which index.html, written after them, lists)."""
    from ..io.cutlist import cutlist_csv
    from ..io.dxf import write_sheet_dxf
    from ..io.report import build_report, dumps
    from ..render import index_html, kept_remnants, sheet_svg, tool_changes
    from ..verify import simulate  # the preview draws the program as written, read back

    programs, sheet_files = _programs(name, layout, profile, notes or {},
                                      progress or (lambda stage, frac, msg: None), proofs,
                                      tooling)
    prog_files = [fs[0].name for fs in sheet_files]
    if profile is not None:
        check_programs(layout, sheet_files, profile, tooling, progress)
        if left := unlabelled(layout, programs):  # on the terminal, not only in the notes
            import warnings

            from ..errors import InputWarning

            warnings.warn(unlabelled_message(left, _no_label_tool(programs)), InputWarning,
                          stacklevel=2)
    report = build_report(name, layout, spacing, programs=programs or None,
                          program_files=prog_files or None, settings=settings,
                          sources=sources, labels=labels,
                          program_parts=[[(f.name, f.program) for f in fs]
                                         for fs in sheet_files] or None, profile=profile)
    files: list[str] = []
    with nullcontext(stage) if stage else staged_output(Path(outdir), force) as staging:
        tmp = staging.tmp
        svgs = []
        label_places: dict = {}  # shared by a repeated layout's sheets (render.sheet_svg)
        say = progress or (lambda stage, frac, msg: None)
        for k, sheet in enumerate(layout.sheets):
            say("write", k / max(len(layout.sheets), 1), sheet_of(sheet.index, len(layout.sheets)))
            stem = sheet.stem
            write_sheet_dxf(sheet, tmp / f"{stem}.dxf", programs[k].screws if programs else ())
            # a sheet cut in one program per tool is drawn from all of them, in order
            text = "".join(f.text for f in sheet_files[k]) if programs else ""
            moves = simulate(text, profile) if toolpaths and programs else None
            svg = sheet_svg(sheet, moves, _tool_width(profile), total=len(layout.sheets),
                            changes=tool_changes(text) if moves else (),
                            screws=programs[k].screws if programs else (),
                            screw_diameter=profile.holddown.diameter if profile else 10.0,
                            label_radius=_label_radius(programs[k] if programs else None,
                                                       tooling),
                            labels=label_places,
                            unengraved=_none_engraved(programs[k], profile) if programs else "",
                            locked=layout.locked, fillers=layout.fillers)
            write_text(tmp / f"{stem}.svg", svg)
            svgs.append(svg)
            files += [f"{stem}.dxf", f"{stem}.svg"]
            for f in sheet_files[k] if programs else []:
                if f.name not in files:  # a repeated layout's: written once
                    write_text(tmp / f.name, f.text)
                    files.append(f.name)
        table = _tool_table(programs, profile)
        if table:
            write_text(tmp / TOOL_TABLE, table)
            files.append(TOOL_TABLE)
        write_text(tmp / "report.json", dumps(report))
        write_text(tmp / "parts.csv", cutlist_csv(
            layout, programs, prog_files, [[(f.name, f.program) for f in fs]
                                           for fs in sheet_files]))
        files += ["index.html", "report.json", "parts.csv"]
        result = NestResult(layout, programs, report, files, Path(outdir))
        if then is not None:
            then(result)
        # after `then`: the page lists the remnants it kept (remnants.toml)
        write_text(tmp / "index.html", index_html(report, svgs, title=name,
                                                  remnants=kept_remnants(tmp),
                                                  tool_table=TOOL_TABLE if table else ""))
        say("write", 1.0, counted(len(result.files), "file"))
    return result


def sheet_of(index: int, total: int) -> str:
    """A sheet in the progress line: "of N" only where it is one of 1..N, as the previews
    say it (a re-run of sheet 3 of a job by `wikicut gcode` is "sheet 3", not "3 of 1")."""
    return f"sheet {index} of {total}" if 1 <= index <= total else f"sheet {index}"


def _programs(name: str, layout: Layout, profile: Profile | None, notes: dict[int, str],
              say: Progress, proofs: Proofs | None, tooling: Tooling | None = None
              ) -> tuple[list[SheetProgram], list[list[ProgramFile]]]:
    """Each sheet's planned program and the files it is written as: one, or one per tool
    where the machine changes tools between programs (none without a profile). A repeated
    layout's sheets share its files."""
    if profile is None:
        return [], []
    from ..cam import Proofs, plan_sheet
    from ..cam.repeats import repeat_groups, repeat_stem
    from ..model import sheets_text
    from ..post import write_sheet_programs

    proofs = proofs if proofs is not None else Proofs()  # shared by the sheets
    sheets = layout.sheets
    programs: list[SheetProgram] = [None] * len(sheets)  # type: ignore[list-item]
    files: list[list[ProgramFile]] = [[] for _ in sheets]  # a repeated layout's: shared
    groups = repeat_groups(layout)
    for g, group in enumerate(groups):
        first = sheets[group[0]]
        say("gcode", g / max(len(groups), 1), sheet_of(first.index, len(sheets)))
        program = plan_sheet(first, profile, proofs, tooling)
        note = notes.get(first.index)
        if len(group) == 1:
            title = f"{name} sheet {first.index}"
        else:
            title = (f"{name} sheet {first.index}, cut x {len(group)}"
                     f" (sheets {sheets_text([sheets[k].index for k in group])})")
        written = write_sheet_programs(program, _stating_passes(profile, tooling),
                                       title=title + (f" ({note})" if note else ""),
                                       stem=repeat_stem(first.index, len(group)))
        for k in group:
            programs[k] = program
            files[k] = written
    say("gcode", 1.0, f"{counted(len(groups), 'program')} for {counted(len(sheets), 'sheet')}")
    return programs, files


def _stating_passes(profile: Profile, tooling: Tooling | None) -> Profile:
    """The profile a program is written with, its depth per pass the deepest its own tool
    cuts any kind at (a kind's per_pass may be deeper than the job's): the header's
    "passes <=" is what `wikicut verify` holds the program to without a tool library."""
    if tooling is None or not tooling.special:
        return profile
    from ..verify.tools import limits_from_tooling

    t = limits_from_tooling(tooling).get(profile.tool.number)
    if t is None or t.max_depth_per_pass is None or t.max_depth_per_pass <= profile.depth.per_pass:
        return profile
    return profile.updated(depth={"per_pass": t.max_depth_per_pass})


LABELS_NOTE = "labels: "  # how cam.plan's note on labels left unengraved begins
NO_LABEL_TOOL = LABELS_NOTE + "none engraved: "  # ... for want of a tool: the reason follows


def unlabelled(layout: Layout, programs: list[SheetProgram]) -> dict[int, list[str]]:
    """Sheet number -> the parts whose label the program does not engrave (no room at the
    engraving tool's width, or no tool reaches its depth: the program's notes say so); a
    part whose drawing engraves its own label has it. A repeated layout's program was
    planned on its first sheet: the other sheets' parts are found by their place."""
    from ..cam.repeats import place_key

    out: dict[int, list[str]] = {}
    for sheet, prog in zip(layout.sheets, programs):
        if not any(n.startswith(LABELS_NOTE) for n in prog.notes):
            continue
        done = {op.part for op in prog.operations if op.kind == "label"}
        done |= {pl.instance for pl in prog.sheet.placements if pl.part.engraves_label}
        if prog.sheet is not sheet:
            first = {place_key(pl): pl.instance for pl in prog.sheet.placements}
            done = {pl.instance for pl in sheet.placements if first.get(place_key(pl)) in done}
        if left := [pl.instance for pl in sheet.placements if pl.instance not in done]:
            out[sheet.index] = left
    return out


def _no_label_tool(programs: list[SheetProgram]) -> str:
    """Why no label is engraved, where no tool of the rack reaches their depth (one reason
    for the whole job: the rack and the depth are the job's); "" otherwise."""
    return next((n[len(NO_LABEL_TOOL):] for p in programs for n in p.notes
                 if n.startswith(NO_LABEL_TOOL)), "")


def _none_engraved(program: SheetProgram, profile: Profile) -> str:
    """Why the program engraves none of wikicut's labels, for the preview's legend (its
    labels then drawn grey); "" where it engraves each that has room."""
    if any(n.startswith(NO_LABEL_TOOL) for n in program.notes):
        return "no tool reaches their depth"
    if not profile.engrave.labels:
        return "[engrave] labels = false"
    return ""


def unlabelled_message(left: dict[int, list[str]], why: str = "") -> str:
    """One line: how many labels are not engraved, why (`why`, else no room at the
    engraving tool's width) and the parts (the first 12), by sheet."""
    n = sum(len(v) for v in left.values())
    named, shown = [], 0
    for index, parts in left.items():
        take = parts[:max(0, 12 - shown)]
        if take:
            named.append(f"{', '.join(take)} on sheet {index}")
            shown += len(take)
    more = f" and {n - shown} more" if n > shown else ""
    why = why or "no room at the engraving tool's width; drawn grey in the previews"
    return (f"{n} part label{'s' if n > 1 else ''} not engraved ({why}):"
            f" {'; '.join(named)}{more}")


def check_programs(layout: Layout, sheet_files: list[list[ProgramFile]], profile: Profile,
                   tooling: Tooling | None = None, progress: Progress | None = None) -> None:
    """Run every sheet's programs (in order, as one) through the independent simulator
    (wikicut.verify) against the sheet before anything is written: a program it rejects is a
    reading, planner or writer bug, and never reaches a router. Refuses with the first
    violation's part, place and rule. A repeated layout's sheets (cam/repeats.py) whose
    parts lie exactly where the ones of a sheet already passed lie, to the last bit, with
    the same program, pass with it: the simulator would read the same text against the
    same geometry (a whole house: 119 sheets, 22 programs, 53 s of checks). `tooling`: the
    job's tools (None: the profile's), whose depth per pass each plunge and pass is held to.
    `progress` hears of each check ("verify" stage): the longest step after the nesting,
    which said nothing while it ran."""
    from ..model.tooling import Tooling, ToolSetting
    from ..verify import verify_program
    from ..verify.tools import limits_from_tooling

    # without a rack (wikicut gcode, recut) the profile's own tool and its depth per pass
    limits = limits_from_tooling(tooling if tooling is not None
                                 else Tooling((ToolSetting(profile),)))

    say = progress or (lambda stage, frac, msg: None)
    passed: set[tuple] = set()
    checked = 0
    for k, (sheet, files) in enumerate(zip(layout.sheets, sheet_files)):
        text = "".join(f.text for f in files)
        screws = list(files[0].program.screws) if files and files[0].program else None
        same = (text, tuple(screws or ()), id(sheet.stock), tuple(sorted(
            (id(p.part), p.x, p.y, p.rotation, p.mirrored) for p in sheet.placements)))
        if same in passed:
            continue
        say("verify", k / max(len(layout.sheets), 1), sheet_of(sheet.index, len(layout.sheets)))
        checked += 1
        bad = verify_program(text, profile, sheet=sheet, screws=screws, tools=limits)
        if not bad:
            passed.add(same)
            continue
        v = bad[0]
        name = files[0].name if len(files) == 1 else f"{sheet.stem}'s programs"
        where = f"line {v.line} of {name}" if v.line and len(files) == 1 else name
        detail, part = v.message, None
        for pl in sheet.placements:
            if detail.startswith(f"{pl.instance}: "):
                part, detail = pl, detail[len(pl.instance) + 2:]
                break
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise UnsafeJobError(f"sheet {sheet.index} ({where}) fails the check before writing:"
                             f" {v.kind}: {detail}{more}; nothing written",
                             (part.part.source or None) if part else None,
                             part.instance if part else None)
    say("verify", 1.0, f"{counted(checked, 'program')} checked for"
                        f" {counted(len(layout.sheets), 'sheet')}")


TOOL_TABLE = "tool.tbl"


def _tool_table(programs: list[SheetProgram], profile: Profile | None) -> str:
    """LinuxCNC's tool table for the tools the programs change to (T<n> M6 needs it)."""
    from ..model.motion import ToolUse
    from ..post import header_changes_tool, tool_table

    if profile is None or profile.dialect != "linuxcnc":
        return ""
    tools = [t for p in programs for t in p.tools]
    if not tools and programs and header_changes_tool(profile):
        # one tool, changed to by the profile's header: rs274 and LinuxCNC refuse a T word
        # the table does not list (a 12 mm tool's T9 stopped the program at its first line)
        t = profile.tool
        tools = [ToolUse(t.number, f"{t.diameter:g} mm {t.type}", t.diameter,
                         profile.spindle.speed)]
    return tool_table(tools, profile.units) if tools else ""


def _tool_width(profile: Profile | None) -> float:
    return profile.tool.diameter if profile is not None else 0.0


def _label_radius(program: SheetProgram | None, tooling: Tooling | None) -> float | None:
    """The radius of the tool that engraves the sheet's labels where a rack gives them
    one of their own (the preview places each label for it, as the program did); None: the
    profile's tool."""
    if program is None or tooling is None:
        return None
    for op in program.operations:
        if op.kind == "label" and op.tool:
            return tooling.tool(op.tool).profile.tool.radius
    return None


def preview_toolpaths(outdir: Path, profile: str | None = None) -> Path:
    """Redraw an output folder's sheet previews over its programs as written (read back by
    the verifier's simulator, never a new nest or plan) and rebuild index.html. The profile
    is the one the report names (or `profile`), with the report's tool diameter."""
    from ..io.profiles import profile_named
    from ..io.report import read_report
    from ..render import tool_changes, with_toolpaths, write_preview_folder
    from ..verify import read_program

    outdir = Path(outdir)
    report = read_report(outdir)
    st = report.get("settings", {})
    name = profile or st.get("profile")
    if not name:
        raise InputError("the report names no machine profile (written with --no-gcode?): "
                         "no programs to draw", outdir / "report.json")
    prof = profile_named(name, outdir).with_tool(st.get("tool_diameter"))
    for s in report.get("sheets", []):
        # a sheet cut in one program per tool: all of them, in order
        names = [p.get("file") for p in s.get("programs") or []] or [s.get("file_program")]
        svg_path = outdir / Path(str(s.get("file_svg", ""))).name
        prog = outdir / Path(str(names[0] or "")).name
        try:
            text = "".join((outdir / Path(str(n or "")).name).read_text(encoding="utf-8")
                           for n in names)
            svg = svg_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise InputError("program or sheet preview missing or unreadable", prog) from None
        moves, bad = read_program(text, prof)
        if bad:
            raise InputError(f"line {bad[0].line}: {bad[0].message} (not a {prof.name} "
                             "program? pass --profile)", prog)
        _replace_text(svg_path, with_toolpaths(svg, moves, prof.tool.diameter,
                                               tool_changes(text)))
    return write_preview_folder(outdir)


def _replace_text(path: Path, text: str) -> None:
    """Rewrite a file atomically (a plain new file: the umask's permissions)."""
    import os

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write_text(tmp, text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: Path, text: str) -> None:
    """UTF-8 with "\n" line ends whatever the platform: every output file is the same bytes."""
    path.write_text(text, encoding="utf-8", newline="\n")
