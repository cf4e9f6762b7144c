"""The whole job, part files to an output folder, written all at once or not at all.

Outputs go to a temporary sibling folder and are moved into place only when every file was
written: an operator can never load a half-written sheet-001.nc from a failed or interrupted run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, UnsafeJobError
from .io.job import Job, job_items
from .model import Layout, Profile, SheetLayout, SheetProgram, Stock
from .io.profiles import load_profile

Progress = Callable[[str, float, str], None]  # (stage, fraction 0..1, message)


@dataclass
class NestResult:
    layout: Layout
    programs: list[SheetProgram] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    outdir: Path | None = None


def check_outdir(outdir: Path, force: bool) -> None:
    """Refuse to overwrite an existing output folder unless asked (--force)."""
    if outdir.exists():
        if not outdir.is_dir():
            raise InputError("exists and is not a folder", outdir)
        if any(outdir.iterdir()) and not force:
            raise InputError("output folder exists and is not empty (use --force to replace it)",
                             outdir)


@contextmanager
def staged_output(outdir: Path, force: bool) -> Iterator[Path]:
    """A temporary folder beside `outdir`, swapped into place only if the block succeeds."""
    outdir = Path(outdir)
    check_outdir(outdir, force)
    parent = outdir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.tmp-", dir=parent))
    try:
        yield tmp
        if outdir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=parent))
            os.replace(outdir, old / "x")
            os.replace(tmp, outdir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, outdir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def safe_name(name: str) -> str:
    """A file name from user text that cannot escape the output folder."""
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return keep or "part"


def job_profile(job: Job, profile: str | None = None) -> Profile:
    prof = load_profile(profile or job.profile, relative_to=job.base)
    return prof.with_tool(job.tool_diameter)


def preflight_toolpaths(items, profile: Profile, stocks: tuple[Stock, ...]) -> None:
    """Plan each distinct part alone before nesting, so an uncuttable part (a slot narrower
    than the tool) is refused in seconds rather than after a long search."""
    from .model import Placement
    from .cam import plan_sheet

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
        plan_sheet(sheet, _unbounded(profile, stock))


def _unbounded(profile: Profile, stock: Stock) -> Profile:
    from dataclasses import replace

    lim = profile.limits
    return replace(profile, limits=replace(lim, x_min=min(lim.x_min, 0), y_min=min(lim.y_min, 0),
                                           x_max=max(lim.x_max, stock.width + 100),
                                           y_max=max(lim.y_max, stock.height + 100)))


def run_nest(job: Job, outdir: Path, *, gcode: bool = True, force: bool = False,
             profile: str | None = None, toolpaths: bool = False,
             progress: Progress | None = None) -> NestResult:
    """Nest a job and write its outputs (DXF, G-code, SVG, index.html, report.json)."""
    from .nest import nest, verify_layout

    check_outdir(Path(outdir), force)
    say = progress or (lambda stage, frac, msg: None)
    items = job_items(job)
    prof = job_profile(job, profile) if gcode else None
    if prof is not None:
        preflight_toolpaths(items, prof, job.stocks)

    def on_nest(p) -> None:
        say("nest", min(1.0, p.elapsed / max(job.settings.time_limit, 1e-9)),
            f"{p.sheets} sheets, {p.utilisation * 100:.1f}% used, {p.placed}/{p.total} placed")

    layout = nest(items, list(job.stocks), job.settings, progress=on_nest)
    problems = verify_layout(layout, job.settings.spacing)
    if problems:  # a nester bug must never reach a router
        raise RuntimeError("nested layout failed verification: " + "; ".join(problems[:3]))
    return write_outputs(job.name, layout, outdir, profile=prof, force=force,
                         spacing=job.settings.spacing, toolpaths=toolpaths, progress=say,
                         settings=_settings_record(job, prof),
                         sources={it.part.name: it.part.source for it in items})


def _settings_record(job: Job, prof: Profile | None) -> dict:
    s = job.settings
    rec = {"seed": s.seed, "time_limit": s.time_limit, "iterations": s.iterations,
           "spacing": s.spacing, "rotations": list(s.rotations),
           "thickness": job.thickness, "profile": prof.name if prof else None,
           "tool_diameter": prof.tool.diameter if prof else None}
    if job.currency:
        rec["currency"] = job.currency
    return rec


def write_outputs(name: str, layout: Layout, outdir: Path, *, profile: Profile | None,
                  force: bool = False, spacing: float = 0.0, toolpaths: bool = False,
                  progress: Progress | None = None, settings: dict | None = None,
                  sources: dict[str, str] | None = None) -> NestResult:
    """Plan and write every output for a layout; nothing appears unless all succeeded.
    `sources` (part name -> file) names the files of parts left unplaced."""
    from .dxfio import write_sheet_dxf
    from .preview import index_html, sheet_svg
    from .io.report import build_report, dumps

    say = progress or (lambda stage, frac, msg: None)
    programs: list[SheetProgram] = []
    texts: list[str] = []
    prog_files: list[str] = []
    n = len(layout.sheets)
    if profile is not None:
        from .gcode import program_filename, write_program
        from .cam import plan_sheet

        for k, sheet in enumerate(layout.sheets):
            say("gcode", k / max(n, 1), f"sheet {sheet.index} of {n}")
            program = plan_sheet(sheet, profile)
            programs.append(program)
            texts.append(write_program(program, profile, title=f"{name} sheet {sheet.index}"))
            prog_files.append(program_filename(sheet.index, profile))
        say("gcode", 1.0, f"{n} programs")

    report = build_report(name, layout, spacing, programs=programs or None,
                          program_files=prog_files or None, settings=settings,
                          sources=sources)
    files: list[str] = []
    with staged_output(Path(outdir), force) as tmp:
        svgs = []
        for k, sheet in enumerate(layout.sheets):
            stem = sheet.stem
            write_sheet_dxf(sheet, tmp / f"{stem}.dxf")
            svg = sheet_svg(sheet, programs[k] if programs else None, spacing=spacing,
                            total=len(layout.sheets),
                            toolpaths=toolpaths)
            (tmp / f"{stem}.svg").write_text(svg, encoding="utf-8", newline="\n")
            svgs.append(svg)
            files += [f"{stem}.dxf", f"{stem}.svg"]
            if programs:
                (tmp / prog_files[k]).write_text(texts[k], encoding="utf-8", newline="\n")
                files.append(prog_files[k])
        (tmp / "index.html").write_text(index_html(report, svgs, title=name), encoding="utf-8",
                                        newline="\n")
        (tmp / "report.json").write_text(dumps(report), encoding="utf-8", newline="\n")
        files += ["index.html", "report.json"]
    return NestResult(layout, programs, report, files, Path(outdir))


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
    pocket, drill and label turns exactly as drawn (a rotation, never a mirror: climb stays
    climb)."""
    from dataclasses import replace

    from shapely import affinity

    from .model import Placement

    st = sheet.stock
    turned = [Placement(p.instance, p.part, p.y, st.width - p.x, (p.rotation - 90.0) % 360.0)
              for p in sheet.placements]
    keep = tuple(affinity.translate(affinity.rotate(z, -90.0, origin=(0, 0)), 0.0, st.width)
                 for z in st.keepouts)
    stock = replace(st, width=st.height, height=st.width, keepouts=keep)
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


def _write_cutfile_outputs(name: str, layout: Layout, notes: dict[int, str], outdir: Path,
                           profile: Profile, force: bool, progress: Progress | None,
                           settings: dict) -> NestResult:
    """write_outputs for a cutting file, with a per-sheet note in each program's header
    (which sheets were turned). Same files, same all-or-nothing staging."""
    from .dxfio import write_sheet_dxf
    from .gcode import program_filename, write_program
    from .preview import index_html, sheet_svg
    from .io.report import build_report, dumps
    from .cam import plan_sheet

    say = progress or (lambda stage, frac, msg: None)
    n = len(layout.sheets)
    programs: list[SheetProgram] = []
    texts: list[str] = []
    for k, sheet in enumerate(layout.sheets):
        say("gcode", k / max(n, 1), f"sheet {sheet.index} of {n}")
        program = plan_sheet(sheet, profile)
        programs.append(program)
        note = notes.get(sheet.index)
        title = f"{name} sheet {sheet.index}" + (f" ({note})" if note else "")
        texts.append(write_program(program, profile, title=title))
    say("gcode", 1.0, f"{n} programs")
    prog_files = [program_filename(s.index, profile) for s in layout.sheets]
    report = build_report(name, layout, 0.0, programs=programs, program_files=prog_files,
                          settings=settings)
    files: list[str] = []
    with staged_output(Path(outdir), force) as tmp:
        svgs = []
        for k, sheet in enumerate(layout.sheets):
            stem = sheet.stem
            write_sheet_dxf(sheet, tmp / f"{stem}.dxf")
            svg = sheet_svg(sheet, programs[k], spacing=0.0, toolpaths=False,
                            total=len(layout.sheets))
            (tmp / f"{stem}.svg").write_text(svg, encoding="utf-8", newline="\n")
            svgs.append(svg)
            (tmp / prog_files[k]).write_text(texts[k], encoding="utf-8", newline="\n")
            files += [f"{stem}.dxf", f"{stem}.svg", prog_files[k]]
        (tmp / "index.html").write_text(index_html(report, svgs, title=name), encoding="utf-8",
                                        newline="\n")
        (tmp / "report.json").write_text(dumps(report), encoding="utf-8", newline="\n")
        files += ["index.html", "report.json"]
    return NestResult(layout, programs, report, files, Path(outdir))


def run_gcode(cutfile: Path, outdir: Path, profile: Profile, *, force: bool = False,
              layer_map: dict[str, str] | None = None, progress: Progress | None = None) -> NestResult:
    """Programs for a cutting file laid out elsewhere: one per sheet, in its own coordinates
    (turned 90 degrees, and said so in the program header, when only that fits the machine)."""
    from .dxfio import read_cutting_file

    check_outdir(Path(outdir), force)
    drawn = read_cutting_file(cutfile, layer_map=layer_map, display=str(cutfile))
    if not drawn:
        raise UnsafeJobError("no sheets or parts found in the cutting file", cutfile)
    sheets: list[SheetLayout] = []
    notes: dict[int, str] = {}
    for s in drawn:
        fitted, turned = fit_machine(s, profile)
        sheets.append(fitted)
        if turned:
            notes[s.index] = TURN_NOTE
    settings = {"profile": profile.name, "tool_diameter": profile.tool.diameter,
                "turned_sheets": sorted(notes)}
    return _write_cutfile_outputs(Path(cutfile).stem, Layout(sheets=sheets), notes, outdir,
                                  profile, force, progress, settings)
