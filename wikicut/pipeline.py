"""The whole job, part files to an output folder, written all at once or not at all
(io.staging)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, UnsafeJobError, WikicutError
from .io.job import Job, Reading, job_items
from .io.profiles import load_profile
from .io.staging import Staging, staged_output
from .model import Layout, Profile, SheetLayout, SheetProgram, Stock

if TYPE_CHECKING:
    from .cam import Proofs
    from .model.tooling import Tooling
    from .post import ProgramFile

Progress = Callable[[str, float, str], None]  # (stage, fraction 0..1, message)


@dataclass
class NestResult:
    layout: Layout
    programs: list[SheetProgram] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    outdir: Path | None = None


def job_profile(job: Job, profile: str | None = None) -> Profile:
    """The profile of the job's main tool (the one that cuts the outlines)."""
    return job_profile_of(job_tooling(job, profile), job)


def job_tooling(job: Job, profile: str | None = None) -> Tooling:
    """The job's tools with their feeds (cam.resolve_tooling); chip-load warnings are shown
    as InputWarning lines."""
    import warnings

    from .cam import resolve_tooling
    from .errors import InputWarning
    from .io.tools import load_library

    prof = load_profile(profile or job.profile, relative_to=job.base)
    if job.settings.common_line:  # the job asks what its profile may not: the CAM must know
        prof = prof.updated(nest={"common_line": True})
    lib = load_library(job.library, job.materials)
    have = [t.number for t in lib.tools]
    if missing := [n for n in job.tools if n not in have]:  # the job's key, not the library
        raise InputError(f"key 'machine.tools': no tool {', '.join(f'T{n}' for n in missing)}"
                         f" in the tool library {lib.source} (it holds"
                         f" {', '.join(f'T{n}' for n in have)})", job.path)
    try:
        tooling = resolve_tooling(prof, lib, job.material, job.thickness,
                                  tool_diameter=job.tool_diameter, tools=job.tools,
                                  operations=job.operations)
    except WikicutError as exc:  # the job's [machine] asked for it: name the job
        if exc.file is None:
            exc.file = job.path
            exc.args = (exc.message,)
        raise
    said = set()
    for t in (*tooling.tools, *(s for _, _, s in tooling.special)):
        for w in t.data.warnings if t.data else ():
            if w not in said:
                said.add(w)
                warnings.warn(w, InputWarning, stacklevel=2)
    return tooling


def job_profile_of(tooling: Tooling, job: Job) -> Profile:
    from .cam.choose import main_tool

    return main_tool(tooling, job.thickness).profile


def preflight_toolpaths(items, profile: Profile, stocks: tuple[Stock, ...],
                        proofs: Proofs | None = None, tooling: Tooling | None = None) -> None:
    """Plan each distinct part alone before nesting, so an uncuttable part (a slot narrower
    than the tool) is refused in seconds rather than after a long search. `proofs` keeps
    what was proven for the sheets planned later."""
    from .cam import plan_sheet
    from .model import Placement

    seen: set[int] = set()
    for it in items:
        if id(it.part) in seen:
            continue
        seen.add(id(it.part))
        x0, y0, x1, y1 = it.part.outline.bounds
        pad = profile.tool.diameter * 2 + 10
        stock = Stock(width=x1 - x0 + 2 * pad, height=y1 - y0 + 2 * pad,
                      thickness=stocks[0].thickness, margin=0)
        sheet = SheetLayout(1, stock, [Placement(it.instance, it.part, pad - x0, pad - y0, 0.0)])
        wide = tooling.map_profiles(partial(_unbounded, stock=stock)) if tooling else None
        plan_sheet(sheet, _unbounded(profile, stock), proofs, wide)


def _unbounded(profile: Profile, stock: Stock) -> Profile:
    """The profile for a part planned alone: no travel limit in its way, and no labels (a
    label never fails a job: one that cannot be placed is left off; engraving every
    stroke of them took a third of the planning here)."""
    from dataclasses import replace

    lim = profile.limits
    return replace(profile, limits=replace(lim, x_min=min(lim.x_min, 0), y_min=min(lim.y_min, 0),
                                           x_max=max(lim.x_max, stock.width + 100),
                                           y_max=max(lim.y_max, stock.height + 100)),
                   engrave=replace(profile.engrave, labels=False))


def run_nest(job: Job, outdir: Path, *, gcode: bool = True, force: bool = False,
             profile: str | None = None, toolpaths: bool = False,
             allow_unplaced: bool = False, progress: Progress | None = None) -> NestResult:
    """Nest a job and write its outputs (DXF, G-code, SVG, index.html, report.json). Parts
    left unplaced refuse the job (nothing written) unless `allow_unplaced`."""
    from .cam import Proofs
    from .nest import load_kernels, nest, verify_layout
    from .post.arcfit import load_kernel as load_arc_kernel

    say = progress or (lambda stage, frac, msg: None)
    if job.inventory is not None:  # read for the folder it replaces (an undone draw), or not
        from .io.remnants import check_replaced

        check_replaced(job.inventory, Path(outdir), force)
    with staged_output(Path(outdir), force, job_inputs(job, profile if gcode else None)) as stage:
        items = job_items(job)
        tooling = job_tooling(job, profile) if gcode else None
        prof = job_profile_of(tooling, job) if tooling else None
        proofs = Proofs()
        if prof is not None:
            from .io.dxf.clearance import CLEARANCE_TOL
            from .io.profiles import check_stock_fits

            check_stock_fits(prof, job.stocks)  # before the search, not after it

            if job.settings.spacing < prof.tool.diameter - CLEARANCE_TOL:
                raise UnsafeJobError(f"nest.spacing {job.settings.spacing:g} mm is less than the"
                                     f" {prof.tool.diameter:g} mm tool: each cut would gouge the"
                                     " part beside it", job.path)

            def plan_parts() -> None:
                preflight_toolpaths(items, prof, job.stocks, proofs, tooling)
                load_arc_kernel()

            # the parts planned alone (which compiles the toolpath kernels on the first run
            # after an install) while the nest kernels' second process compiles: a first
            # house run 44 -> 41 s on two idle cores, and an uncuttable part refused before
            # the nest kernels compile (3.9 s, not 16)
            load_kernels(meanwhile=plan_parts)

        def on_nest(p) -> None:
            say("nest", min(1.0, p.elapsed / max(job.settings.time_limit, 1e-9)),
                f"{p.sheets} sheets, {p.utilisation * 100:.1f}% used, {p.placed}/{p.total} placed")

        layout = nest(items, list(job.stocks), job.settings, progress=on_nest)
        # the log's last nest line is the result, so it agrees with the summary and the
        # unplaced count that follow (fillers left out were never owed: counted apart)
        owed = len(items) - len(layout.fillers_left)
        say("nest", 1.0, nest_summary(layout, owed))
        if prof is not None and common_lines(prof, job):  # facing edges one cut apart
            from .nest.common import snap_common_lines, verify_common_layout

            # a part may turn half way to face a plain edge where its rotations allow
            layout = snap_common_lines(layout, prof.tool.diameter, job.settings.spacing,
                                       rotations={it.instance: it.rotations for it in items})
            problems = verify_common_layout(layout, job.settings.spacing, prof.tool.diameter)
        else:
            problems = verify_layout(layout, job.settings.spacing)
        if problems:  # a nester bug must never reach a router
            raise RuntimeError("nested layout failed verification: " + "; ".join(problems[:3]))
        if layout.unplaced and not allow_unplaced:  # before any program is planned or written
            raise UnsafeJobError(unplaced_message(layout.unplaced, owed)
                                 + " (--allow-unplaced writes the sheets that fit)", job.path)
        result = write_outputs(job.name, layout, outdir, profile=prof, force=force,
                               spacing=job.settings.spacing, toolpaths=toolpaths, progress=say,
                               settings=_settings_record(job, prof, profile),
                               sources={it.part.name: it.part.source for it in items},
                               labels={it.instance: it.part.text for it in items},
                               stage=stage, proofs=proofs, tooling=tooling)
        inventory = _write_remnants(job, layout, prof, stage.tmp, result)
    if inventory is not None:  # the outputs are in place: the shop's remnants follow them
        from .io.remnants import replace_file

        replace_file(job.inventory.path, inventory)
    return result


def _write_remnants(job: Job, layout: Layout, prof: Profile | None, tmp: Path,
                    result: NestResult) -> str | None:
    """remnants.toml into the staged folder (a job with [remnants] or an inventory), and
    the inventory's new text, checked unchanged since the job read it; with an inventory,
    the record of this draw on it (UNDO_FILE), which a run replacing the folder undoes."""
    from .io.remnants import FILE_NAME, UNDO_FILE, check_unchanged, remnant_outputs, undo_record

    if job.remnants is None:
        return None
    # the cut around a part takes the spacing, or the tool where it is wider
    clearance = max(job.settings.spacing, prof.tool.diameter if prof else 0.0)
    text, inventory = remnant_outputs(job.name, layout, job.remnants, job.inventory, clearance)
    _write_text(tmp / FILE_NAME, text)
    result.files.append(FILE_NAME)
    if job.inventory is not None:
        _write_text(tmp / UNDO_FILE, undo_record(job.inventory, inventory))
        result.files.append(UNDO_FILE)
        check_unchanged(job.inventory)
    return inventory


def common_lines(prof: Profile, job: Job) -> bool:
    """Whether the parts are placed for common-line cutting: asked for and possible, with a
    warning when asked for and not possible (the parts are then nested at the spacing)."""
    import warnings

    from .cam.common import enabled
    from .errors import InputWarning

    if prof.nest.common_line and not enabled(prof):
        warnings.warn(f"{job.path}: common-line cutting is off: the {prof.name} profile holds"
                      " parts by an onion skin, so no outline is cut through and no part is"
                      " freed by a neighbour's pass (parts nested nest.spacing apart)",
                      InputWarning, stacklevel=2)
    return enabled(prof)


def nest_summary(layout: Layout, total: int) -> str:
    """"N sheets, U% used, P/T placed" with U rounded as report.json's totals are."""
    placed = sum(len(sh.placements) for sh in layout.sheets)
    area = sum(pl.part.area for sh in layout.sheets for pl in sh.placements)
    sheets = sum(sh.area for sh in layout.sheets)
    used = round(area / sheets, 4) if sheets else 0.0
    return f"{len(layout.sheets)} sheets, {used * 100:.1f}% used, {placed}/{total} placed"


def unplaced_message(unplaced: list[str], total: int) -> str:
    """Which parts did not fit, named (the first 12; a count for the rest)."""
    more = f" and {len(unplaced) - 12} more" if len(unplaced) > 12 else ""
    return (f"{len(unplaced)} of {total} parts did not fit the stock: "
            + ", ".join(unplaced[:12]) + more)


def job_inputs(job: Job, profile: str | None = None) -> list[Path]:
    """Every file the job reads: an output folder must not hold one (it would be replaced)."""
    from .io.profiles import resolve_profile_path

    paths = [job.path, *(jp.path for jp in job.parts), *job.blocks, *job.remnant_files]
    if job.inventory is not None:
        paths.append(job.inventory.path)
    paths += [p for p in (job.library, job.materials) if p is not None]
    with contextlib.suppress(WikicutError):  # an unknown profile is refused when it is loaded
        paths.append(resolve_profile_path(profile or job.profile, job.base))
    return paths


def _profile_ref(job: Job, profile: str | None) -> str:
    """How `wikicut recut` finds the job's profile again: a shipped profile's name, or the
    path to its file as given (only its name when absolute: reports hold no machine paths)."""
    from .io.report import portable_source

    return portable_source(str(profile or job.profile))


def _settings_record(job: Job, prof: Profile | None, profile: str | None = None) -> dict:
    from .cam.common import enabled

    s = job.settings
    rots = s.rotations if isinstance(s.rotations, str) else list(s.rotations)  # "any" as is
    rec = {"seed": s.seed, "time_limit": s.time_limit, "iterations": s.iterations,
           "spacing": s.spacing, "rotations": rots,
           "thickness": job.thickness, "profile": prof.name if prof else None,
           "tool_diameter": prof.tool.diameter if prof else None,
           "profile_ref": _profile_ref(job, profile) if prof else None}
    if prof is not None and enabled(prof):  # only then: plain reports stay as they were
        rec["common_line"] = True
    if s.mirror:  # likewise
        rec["mirror"] = True
    if job.currency:
        rec["currency"] = job.currency
    return rec


def write_outputs(name: str, layout: Layout, outdir: Path, *, profile: Profile | None,
                  force: bool = False, spacing: float = 0.0, toolpaths: bool = False,
                  progress: Progress | None = None, settings: dict | None = None,
                  sources: dict[str, str] | None = None,
                  labels: dict[str, str] | None = None,
                  notes: dict[int, str] | None = None,
                  stage: Staging | None = None, proofs: Proofs | None = None,
                  tooling: Tooling | None = None) -> NestResult:
    """Plan and write every output for a layout (a DXF and an SVG per sheet, a program per
    distinct layout when there is a profile, index.html, report.json, parts.csv); nothing
    appears unless all succeeded. `sources` (part name -> file) names the files of parts
    left unplaced, `labels` (instance id -> label text) their labels; `notes` (sheet index
    -> text) go into that sheet's program header. Inside a caller's `stage` (begun before
    its slow work) the files go there and the caller commits. `proofs` carries what the
    preflight proved cuttable; `tooling` the job's rack (None: the profile's tool)."""
    from .io.cutlist import cutlist_csv
    from .io.dxf import write_sheet_dxf
    from .io.report import build_report, dumps
    from .render import index_html, sheet_svg, tool_changes
    from .verify import simulate  # the preview draws the program as written, read back

    programs, sheet_files = _programs(name, layout, profile, notes or {},
                                      progress or (lambda stage, frac, msg: None), proofs,
                                      tooling)
    prog_files = [fs[0].name for fs in sheet_files]
    if profile is not None:
        check_programs(layout, sheet_files, profile, tooling, progress)
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
            say("write", k / max(len(layout.sheets), 1), f"sheet {k + 1} of {len(layout.sheets)}")
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
                            labels=label_places)
            _write_text(tmp / f"{stem}.svg", svg)
            svgs.append(svg)
            files += [f"{stem}.dxf", f"{stem}.svg"]
            for f in sheet_files[k] if programs else []:
                if f.name not in files:  # a repeated layout's: written once
                    _write_text(tmp / f.name, f.text)
                    files.append(f.name)
        table = _tool_table(programs, profile)
        if table:
            _write_text(tmp / TOOL_TABLE, table)
            files.append(TOOL_TABLE)
        _write_text(tmp / "index.html", index_html(report, svgs, title=name))
        _write_text(tmp / "report.json", dumps(report))
        _write_text(tmp / "parts.csv", cutlist_csv(layout, programs, prog_files))
        files += ["index.html", "report.json", "parts.csv"]
        say("write", 1.0, f"{len(files)} files")
    return NestResult(layout, programs, report, files, Path(outdir))


def _programs(name: str, layout: Layout, profile: Profile | None, notes: dict[int, str],
              say: Progress, proofs: Proofs | None, tooling: Tooling | None = None
              ) -> tuple[list[SheetProgram], list[list[ProgramFile]]]:
    """Each sheet's planned program and the files it is written as: one, or one per tool
    where the machine changes tools between programs (none without a profile). A repeated
    layout's sheets share its files."""
    if profile is None:
        return [], []
    from .cam import Proofs, plan_sheet
    from .cam.repeats import repeat_groups, repeat_stem
    from .model import sheets_text
    from .post import write_sheet_programs

    proofs = proofs if proofs is not None else Proofs()  # shared by the sheets
    sheets = layout.sheets
    programs: list[SheetProgram] = [None] * len(sheets)  # type: ignore[list-item]
    files: list[list[ProgramFile]] = [[] for _ in sheets]  # a repeated layout's: shared
    groups = repeat_groups(layout)
    for g, group in enumerate(groups):
        first = sheets[group[0]]
        say("gcode", g / max(len(groups), 1), f"sheet {first.index} of {len(sheets)}")
        program = plan_sheet(first, profile, proofs, tooling)
        note = notes.get(first.index)
        if len(group) == 1:
            title = f"{name} sheet {first.index}"
        else:
            title = (f"{name} sheet {first.index}, cut x {len(group)}"
                     f" (sheets {sheets_text([sheets[k].index for k in group])})")
        written = write_sheet_programs(program, profile,
                                       title=title + (f" ({note})" if note else ""),
                                       stem=repeat_stem(first.index, len(group)))
        for k in group:
            programs[k] = program
            files[k] = written
    say("gcode", 1.0, f"{len(groups)} programs for {len(sheets)} sheets")
    return programs, files


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
    from .model.tooling import Tooling, ToolSetting
    from .verify import verify_program
    from .verify.tools import limits_from_tooling

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
        say("verify", k / max(len(layout.sheets), 1),
            f"sheet {sheet.index} of {len(layout.sheets)}")
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
    say("verify", 1.0, f"{checked} programs checked for {len(layout.sheets)} sheets")


TOOL_TABLE = "tool.tbl"


def _tool_table(programs: list[SheetProgram], profile: Profile | None) -> str:
    """LinuxCNC's tool table for the tools the programs change to (T<n> M6 needs it)."""
    from .model.motion import ToolUse
    from .post import header_changes_tool, tool_table

    if profile is None or profile.dialect != "linuxcnc":
        return ""
    tools = [t for p in programs for t in p.tools]
    if not tools and programs and header_changes_tool(profile):
        # one tool, changed to by the profile's header: rs274 and LinuxCNC refuse a T word
        # the table does not list (a 12 mm tool's T9 stopped the program at its first line)
        t = profile.tool
        tools = [ToolUse(t.number, f"{t.diameter:g} mm {t.type}", t.diameter,
                         profile.spindle.speed)]
    return tool_table(tools) if tools else ""


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
    from .io.profiles import profile_named
    from .io.report import read_report
    from .render import tool_changes, with_toolpaths, write_preview_folder
    from .verify import read_program

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
        _write_text(tmp, text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


TURN_NOTE = "turned 90 deg clockwise from the drawing to fit the machine's travel"


def _within(box: tuple[float, float, float, float], profile: Profile) -> bool:
    """Whether an XY box lies inside the machine's travel (work coordinates, X0 Y0 = sheet
    corner)."""
    x0, y0, x1, y1 = box
    tol = 1e-6
    return (x0 >= profile.limits.x_min - tol and y0 >= profile.limits.y_min - tol
            and x1 <= profile.limits.x_max + tol and y1 <= profile.limits.y_max + tol)


def _cut_box(sheet: SheetLayout, profile: Profile) -> tuple[float, float, float, float]:
    """Where the tool centre goes: every part's bounds grown by the tool radius plus the
    edge slack the toolpath allows (parts drawn flush with the sheet edge)."""
    from .cam import EDGE_SLACK

    boxes = [pl.placed().outline.bounds for pl in sheet.placements]
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    g = profile.tool.radius + EDGE_SLACK
    return (min(b[0] for b in boxes) - g, min(b[1] for b in boxes) - g,
            max(b[2] for b in boxes) + g, max(b[3] for b in boxes) + g)


def turn_sheet(sheet: SheetLayout) -> SheetLayout:
    """The sheet turned a quarter clockwise, lower-left corner kept at 0,0: (x, y) -> (y, W - x).
    A placement's rotation drops by 90 degrees and its offset turns with it, so every part,
    pocket, drill and label turns exactly as drawn (a rotation, never a mirror: a part cut
    face down stays so, and climb stays climb)."""
    from dataclasses import replace

    from shapely import affinity

    from .model import Placement

    st = sheet.stock
    turned = [Placement(p.instance, p.part, p.y, st.width - p.x, (p.rotation - 90.0) % 360.0,
                        p.mirrored) for p in sheet.placements]
    def turn(z):
        return affinity.translate(affinity.rotate(z, -90.0, origin=(0, 0)), 0.0, st.width)

    stock = replace(st, width=st.height, height=st.width,
                    keepouts=tuple(turn(z) for z in st.keepouts),
                    outline=None if st.outline is None else turn(st.outline))
    return SheetLayout(sheet.index, stock, turned, sheet.used_length)


def fit_machine(sheet: SheetLayout, profile: Profile) -> tuple[SheetLayout, bool]:
    """The sheet as drawn if it fits the machine's travel, else turned 90 degrees if that fits
    (WikiHouse sheets are drawn portrait, most routers are landscape). A sheet fits when its
    rectangle does, or failing that, where the tool goes. (sheet, turned?)"""
    st = sheet.stock
    turned = turn_sheet(sheet)
    if _within((0.0, 0.0, st.width, st.height), profile):
        return sheet, False
    if _within((0.0, 0.0, st.height, st.width), profile):
        return turned, True
    if _within(_cut_box(sheet, profile), profile):
        return sheet, False
    if _within(_cut_box(turned, profile), profile):
        return turned, True
    return sheet, False  # fits neither way: plan_sheet refuses it, naming the travel limits


def run_gcode(cutfile: Path, outdir: Path, profile: Profile, *, force: bool = False,
              layer_map: dict[str, str] | None = None, toolpaths: bool = False,
              reading: Reading | None = None, progress: Progress | None = None) -> NestResult:
    """Programs for a cutting file laid out elsewhere: one per sheet, in its own coordinates
    (turned 90 degrees, and said so in the program header, when only that fits the machine).
    `reading` is read as a job reads its DXF parts (a measured thickness replaces the
    drawing's); `layer_map` adds to its layer map."""
    from .io.dxf import read_cutting_file

    reading = reading or Reading()
    if layer_map:
        reading = replace(reading, layer_map={**reading.layer_map, **layer_map})
    with staged_output(Path(outdir), force, [Path(cutfile)]) as stage:
        drawn = read_cutting_file(cutfile, display=str(cutfile), thickness=reading.thickness,
                                  clearance=profile.tool.diameter, **reading.dxf_keywords())
        if not drawn:
            raise UnsafeJobError("no sheets or parts found in the cutting file", cutfile)
        sheets: list[SheetLayout] = []
        notes: dict[int, str] = {}
        for s in drawn:
            fitted, turned = fit_machine(s, profile)
            if not _within(_cut_box(fitted, profile), profile):
                # the drawing, not the profile, is what is too large: say so in its terms
                x0, y0, x1, y1 = _cut_box(s, profile)
                lim = profile.limits
                raise UnsafeJobError(
                    f"sheet {s.index}: its parts span {x1 - x0:.1f} x {y1 - y0:.1f} mm with the"
                    f" tool, more than the {profile.name} machine's travel"
                    f" ({lim.x_max - lim.x_min:g} x {lim.y_max - lim.y_min:g} mm) either way"
                    " round", cutfile)
            sheets.append(fitted)
            if turned:
                notes[s.index] = TURN_NOTE
        settings = {"profile": profile.name, "tool_diameter": profile.tool.diameter,
                    "turned_sheets": sorted(notes)}
        return write_outputs(Path(cutfile).stem, Layout(sheets=sheets), outdir, profile=profile,
                             force=force, toolpaths=toolpaths, progress=progress,
                             settings=settings, notes=notes, stage=stage)
