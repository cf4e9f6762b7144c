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
from .job import Job, job_items
from .model import Layout, SheetLayout, SheetProgram, Stock
from .profiles import Profile, load_profile

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
    from .toolpath import plan_sheet

    seen: set[int] = set()
    for it in items:
        if id(it.part) in seen:
            continue
        seen.add(id(it.part))
        x0, y0, x1, y1 = it.part.outline.bounds
        pad = profile.tool_diameter * 2 + 10
        stock = Stock(width=x1 - x0 + 2 * pad, height=y1 - y0 + 2 * pad,
                      thickness=stocks[0].thickness, margin=0)
        sheet = SheetLayout(1, stock, [Placement(it.instance, it.part, pad - x0, pad - y0, 0.0)])
        plan_sheet(sheet, _unbounded(profile, stock))


def _unbounded(profile: Profile, stock: Stock) -> Profile:
    from dataclasses import replace

    return replace(profile, x_min=min(profile.x_min, 0), y_min=min(profile.y_min, 0),
                   x_max=max(profile.x_max, stock.width + 100),
                   y_max=max(profile.y_max, stock.height + 100))


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
                         settings=_settings_record(job, prof))


def _settings_record(job: Job, prof: Profile | None) -> dict:
    s = job.settings
    rec = {"seed": s.seed, "time_limit": s.time_limit, "iterations": s.iterations,
           "spacing": s.spacing, "rotations": list(s.rotations),
           "thickness": job.thickness, "profile": prof.name if prof else None,
           "tool_diameter": prof.tool_diameter if prof else None}
    if job.currency:
        rec["currency"] = job.currency
    return rec


def write_outputs(name: str, layout: Layout, outdir: Path, *, profile: Profile | None,
                  force: bool = False, spacing: float = 0.0, toolpaths: bool = False,
                  progress: Progress | None = None, settings: dict | None = None) -> NestResult:
    """Plan and write every output for a layout; nothing appears unless all succeeded."""
    from .dxfio import write_sheet_dxf
    from .preview import index_html, sheet_svg
    from .report import build_report, dumps

    say = progress or (lambda stage, frac, msg: None)
    programs: list[SheetProgram] = []
    texts: list[str] = []
    prog_files: list[str] = []
    n = len(layout.sheets)
    if profile is not None:
        from .gcode import program_filename, write_program
        from .toolpath import plan_sheet

        for k, sheet in enumerate(layout.sheets):
            say("gcode", k / max(n, 1), f"sheet {sheet.index} of {n}")
            program = plan_sheet(sheet, profile)
            programs.append(program)
            texts.append(write_program(program, profile, title=f"{name} sheet {sheet.index}"))
            prog_files.append(program_filename(sheet.index, profile))
        say("gcode", 1.0, f"{n} programs")

    report = build_report(name, layout, spacing, programs=programs or None,
                          program_files=prog_files or None, settings=settings)
    files: list[str] = []
    with staged_output(Path(outdir), force) as tmp:
        svgs = []
        for k, sheet in enumerate(layout.sheets):
            stem = f"sheet-{sheet.index:03d}"
            write_sheet_dxf(sheet, tmp / f"{stem}.dxf")
            svg = sheet_svg(sheet, programs[k] if programs else None, spacing=spacing,
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


def run_gcode(cutfile: Path, outdir: Path, profile: Profile, *, force: bool = False,
              layer_map: dict[str, str] | None = None, progress: Progress | None = None) -> NestResult:
    """Programs for a cutting file laid out elsewhere: one per sheet, in its own coordinates."""
    from .dxfio import read_cutting_file

    check_outdir(Path(outdir), force)
    sheets = read_cutting_file(cutfile, layer_map=layer_map, display=str(cutfile))
    if not sheets:
        raise UnsafeJobError("no sheets or parts found in the cutting file", cutfile)
    layout = Layout(sheets=sheets)
    return write_outputs(Path(cutfile).stem, layout, outdir, profile=profile, force=force,
                         progress=progress, settings={"profile": profile.name,
                                                      "tool_diameter": profile.tool_diameter})
