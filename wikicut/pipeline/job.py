"""The whole job, part files to an output folder, written all at once or not at all
(io.staging)."""

from __future__ import annotations

import contextlib
import re
import warnings
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, InputWarning, UnsafeJobError, WikicutError
from ..io.items import job_items
from ..io.job import Job, thickness_key
from ..io.profiles import depth_problem, load_profile, missing_profile
from ..io.staging import staged_output
from ..io.toml import TomlFile
from ..model import MIN_WEB, Layout, Profile, SheetLayout, Stock
from ..words import counted
from .outputs import NestResult, Progress, write_outputs, write_text

if TYPE_CHECKING:
    from shapely import Geometry

    from ..cam import Proofs
    from ..model.tooling import Tooling


def job_profile(job: Job, profile: str | None = None) -> Profile:
    """The profile of the job's main tool (the one that cuts the outlines)."""
    return job_profile_of(job_tooling(job, profile), job)


def check_profile_ref(job: Job, profile: str | None = None) -> None:
    """Refuse a profile that names none, where it was given (--profile, or the job's key and
    line), even when no program is written: a typo is not left for the next run to find."""
    if profile is not None:  # the command line's, over the job's
        if why := missing_profile(profile, job.base, use="--profile {}"):
            raise InputError(f"--profile {profile}: {why}")
    elif why := missing_profile(job.profile, job.base, use='profile = "{}"'):
        raise TomlFile.load(job.path).error("machine.profile", why)  # the job's key, and line


def job_tooling(job: Job, profile: str | None = None) -> Tooling:
    """The job's tools with their feeds (cam.resolve_tooling); chip-load warnings are shown
    as InputWarning lines."""
    from ..cam import resolve_tooling
    from ..io.tools import load_library

    check_profile_ref(job, profile)
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
    from ..cam.choose import main_tool

    return main_tool(tooling, job.thickness).profile


def preflight_toolpaths(items, profile: Profile, stocks: tuple[Stock, ...],
                        proofs: Proofs | None = None, tooling: Tooling | None = None) -> None:
    """Plan each distinct part alone before nesting, so an uncuttable part (a slot narrower
    than the tool) is refused in seconds rather than after a long search. `proofs` keeps
    what was proven for the sheets planned later."""
    from ..cam import plan_sheet
    from ..model import Placement

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
        try:
            plan_sheet(sheet, _unbounded(profile, stock), proofs, wide)
        except UnsafeJobError as exc:
            raise _in_drawing(exc, pad - x0, pad - y0) from None


# a place as cam.context.xy_text writes it: "(x, y)", mm
_PLACE = re.compile(r"\((-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)\)")


def _in_drawing(exc: UnsafeJobError, dx: float, dy: float) -> UnsafeJobError:
    """A part planned alone (preflight_toolpaths) is moved by (dx, dy) onto a sheet of its
    own: its refusal gives each place where the part's file draws it, as the designer
    looks for it, not on that sheet."""
    detail = _PLACE.sub(lambda m: f"({float(m[1]) - dx:.1f}, {float(m[2]) - dy:.1f}) in the"
                        " part's drawing", exc.detail)
    return UnsafeJobError(detail, exc.file, exc.part)


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
    left unplaced refuse the job (nothing written) unless `allow_unplaced`. A job drawing
    on an inventory holds its lock until the inventory is rewritten, or the run fails."""
    from ..io.remnants import holding

    with holding(job.inventory):
        return _run_nest(job, outdir, gcode=gcode, force=force, profile=profile,
                         toolpaths=toolpaths, allow_unplaced=allow_unplaced, progress=progress)


def _run_nest(job: Job, outdir: Path, *, gcode: bool, force: bool, profile: str | None,
              toolpaths: bool, allow_unplaced: bool, progress: Progress | None) -> NestResult:
    from ..cam import Proofs
    from ..nest import load_kernels, verify_layout
    from ..post.arcfit import load_kernel as load_arc_kernel

    say = progress or (lambda stage, frac, msg: None)
    if not gcode:  # job_tooling checks it otherwise
        check_profile_ref(job, profile)
    if job.inventory is not None:  # read for the folder it replaces (an undone draw), or not
        from ..io.remnants import check_replaced

        check_replaced(job.inventory, Path(outdir), force)
    elif force:  # a folder that drew on one, replaced by a run given none
        from ..io.remnants import check_no_draw_left

        check_no_draw_left(Path(outdir))
    with staged_output(Path(outdir), force, job_inputs(job, profile if gcode else None)) as stage:
        items = job_items(job)
        tooling = job_tooling(job, profile) if gcode else None
        prof = job_profile_of(tooling, job) if tooling else None
        proofs = Proofs()
        if prof is not None:
            from ..io.dxf.clearance import CLEARANCE_TOL
            from ..io.profiles import check_stock_fits

            check_stock_fits(prof, job.stocks)  # before the search, not after it
            if why := depth_problem(prof, job.thickness):  # the job's number, not the machine
                raise UnsafeJobError(f"{thickness_key(job)}: {why}", job.path)

            if job.settings.spacing < prof.tool.diameter - CLEARANCE_TOL:
                raise UnsafeJobError(f"nest.spacing {job.settings.spacing:g} mm is less than the"
                                     f" {prof.tool.diameter:g} mm tool: each cut would gouge the"
                                     " part beside it", job.path)
            if note := tab_room_note(prof, job.settings.spacing):
                warnings.warn(f"{job.path}: {note}", InputWarning, stacklevel=2)

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
                f"{counted(p.sheets, 'sheet')}, {p.utilisation * 100:.1f}% used,"
                f" {p.placed}/{p.total} placed")

        layout, done = _nested(job, items, on_nest)
        # the log's last nest line is the result, so it agrees with the summary and the
        # unplaced count that follow (fillers left out were never owed: counted apart)
        owed = len(items) - len(layout.fillers_left)
        say("nest", 1.0, nest_summary(layout, owed))
        if prof is not None and common_lines(prof, job):  # facing edges one cut apart
            from ..nest.common import snap_common_lines, verify_common_layout

            # a part may turn half way to face a plain edge where its rotations allow
            layout = snap_common_lines(layout, prof.tool.diameter, job.settings.spacing,
                                       rotations={it.instance: it.rotations for it in items})
            problems = verify_common_layout(layout, job.settings.spacing, prof.tool.diameter)
        else:
            problems = verify_layout(layout, job.settings.spacing)
        if problems:  # a nester bug must never reach a router
            raise RuntimeError("nested layout failed verification: " + "; ".join(problems[:3]))
        if layout.unplaced:  # before any program is planned or written
            _left_unplaced(job, layout.unplaced, owed, allow_unplaced)
        kept: list[str | None] = []  # the inventory's new text, from the remnants written
        result = write_outputs(job.name, layout, outdir, profile=prof, force=force,
                               spacing=job.settings.spacing, toolpaths=toolpaths, progress=say,
                               settings=_settings_record(job, prof, profile, tooling,
                                                         done),
                               sources={it.part.name: it.part.source for it in items},
                               labels={it.instance: it.part.text for it in items},
                               stage=stage, proofs=proofs, tooling=tooling,
                               then=lambda r: kept.append(
                                   _write_remnants(job, layout, prof, stage.tmp, r)))
        if prof is not None and (note := skin_held_note(result, prof, job.settings.spacing)):
            warnings.warn(f"{job.path}: {note}", InputWarning, stacklevel=2)
        inventory = kept[0]
    if inventory is not None:  # the outputs are in place: the shop's remnants follow them
        from ..io.remnants import replace_file

        replace_file(job.inventory.path, inventory)
    return result


def _nested(job: Job, items, on_nest) -> tuple[Layout, int | None]:
    """The job's layout, and the iterations a search had used when the time limit ended it
    with fixed ones left (None: the run is what its iterations give on any machine), said
    in a warning."""
    from ..nest import nest
    from ..nest.budget import watching

    with watching() as cut:
        layout = nest(items, list(job.stocks), job.settings, progress=on_nest)
    if cut.done is not None:
        note = cut_short_note(job.settings.time_limit, cut.done, cut.of)
        warnings.warn(f"{job.path}: {note}", InputWarning, stacklevel=4)
    return layout, cut.done


def _left_unplaced(job: Job, unplaced: list[str], owed: int, allowed: bool) -> None:
    """Parts left unplaced refuse the job, or with `allowed` (--allow-unplaced) are named in
    a warning while the sheets that fit are written."""
    if not allowed:
        raise UnsafeJobError(unplaced_message(unplaced, owed)
                             + " (--allow-unplaced writes the sheets that fit)", job.path)
    warnings.warn(f"{job.path}: {unplaced_message(unplaced, owed)}", InputWarning,
                  stacklevel=4)


def _write_remnants(job: Job, layout: Layout, prof: Profile | None, tmp: Path,
                    result: NestResult) -> str | None:
    """remnants.toml into the staged folder (a job with [remnants] or an inventory), and
    the inventory's new text, checked unchanged since the job read it; with an inventory,
    the record of this draw on it (UNDO_FILE), which a run replacing the folder undoes."""
    from ..io.remnants import FILE_NAME, UNDO_FILE, check_unchanged, remnant_outputs, undo_record

    if job.remnants is None:
        return None
    # the cut around a part takes the spacing, or the tool where it is wider; the programs
    # say what else their tools took (lead arcs, ramps, screw holes)
    clearance = max(job.settings.spacing, prof.tool.diameter if prof else 0.0)
    taken = _programs_cut(result, prof, clearance) if prof else []
    text, inventory = remnant_outputs(job.name, layout, job.remnants, job.inventory, clearance,
                                      taken)
    write_text(tmp / FILE_NAME, text)
    result.files.append(FILE_NAME)
    if job.inventory is not None:
        write_text(tmp / UNDO_FILE, undo_record(job.inventory, inventory))
        result.files.append(UNDO_FILE)
        check_unchanged(job.inventory)
    return inventory


def _programs_cut(result: NestResult, prof: Profile, clearance: float) -> list[Geometry]:
    """What each sheet's program cuts or screws into beyond its parts grown by `clearance`,
    in sheet order (a repeated layout's sheets share their program: swept once)."""
    from ..io.remnants import cut_away

    h = prof.holddown
    keep = h.diameter / 2 + h.clearance  # the screw's head and the clearance kept round it
    swept: dict[int, Geometry] = {}
    for program in result.programs:
        if id(program) not in swept:
            swept[id(program)] = cut_away(program, prof.tool.diameter, keep, clearance)
    return [swept[id(program)] for program in result.programs]


def tab_room_note(prof: Profile, spacing: float) -> str:
    """Said before the nest, not only after it: parts nearer than two grooves share one cut
    between them, so tabs go only on their other edges, and a part the nest packs in on
    every side (fillers among their like) has none: it is held by an onion skin instead, or
    refuses the job where the profile says so ([tabs] no_room). Between two grooves and two
    grooves and MIN_WEB (the shipped examples' 12 mm for a 6 mm tool) parts at the spacing
    leave a web too thin for tabs too, but most edges face wider waste: what the nest leaves
    without room is said after it (skin_held_note), with the spacing that gives them tabs."""
    from ..cam.tabs import tabbed
    from ..io.dxf.clearance import CLEARANCE_TOL

    two = tab_spacing(prof)
    if (not tabbed(prof) or prof.nest.common_line
            or spacing >= 2 * prof.tool.diameter - CLEARANCE_TOL):
        return ""
    then = ("refuses the job after the nest" if prof.tabs.no_room == "refuse" else
            f"is held by a {prof.onion.skin:g} mm onion skin instead, taken off by a final"
            " pass at the end of the sheet")
    return (f"nest.spacing {spacing:g} mm is under two {prof.tool.diameter:g} mm grooves"
            f" ({2 * prof.tool.diameter:g} mm; tabs need {_grooves_and_web(prof)}, {two:g}"
            f" mm): where parts are nearer, no waste is left between them for tabs;"
            f" a part with no other edge for its tabs {then} (set [nest] spacing to"
            f" {two:g} mm, or [tabs] mode = \"onion\" in the profile)")


def tab_spacing(prof: Profile) -> float:
    """The least spacing that leaves tabs waste to hold to between any two parts: the widest
    groove twice and MIN_WEB of ply between them."""
    return round(2 * prof.tool.diameter + MIN_WEB, 6)


def _grooves_and_web(prof: Profile) -> str:
    return f"two {prof.tool.diameter:g} mm grooves and {MIN_WEB:g} mm of web"


def skin_held_note(result: NestResult, prof: Profile, spacing: float) -> str:
    """Said once for the job, after the nest: how many parts on which sheets the grooves
    round their neighbours left no room for tabs, held by an onion skin instead (each
    program's notes and the comments at those parts name them)."""
    from ..cam.skin import held_by_skin
    from ..model import sheets_text

    held = [(sh.index, len(held_by_skin(prog)))
            for sh, prog in zip(result.layout.sheets, result.programs)]
    held = [(i, n) for i, n in held if n]
    if not held:
        return ""
    total = sum(n for _, n in held)
    on = "sheet" if len(held) == 1 else "sheets"
    two = tab_spacing(prof)  # the widest groove twice and a web: room for any tool's tabs
    under = (f" (nest.spacing {spacing:g} mm is under {_grooves_and_web(prof)})"
             if spacing < two else "")
    wider = f"; set [nest] spacing to {two:g} mm or more to give them tabs" if under else ""
    return (f"{counted(total, 'part')} on {on} {sheets_text([i for i, _ in held])} held by a"
            f" {prof.onion.skin:g} mm onion skin instead of tabs: the grooves round their"
            f" neighbours{under} meet theirs wherever a tab could go; each is cut down to the"
            f" skin before the parts round it, and a final pass takes the skin off at the end"
            f" of the sheet (the programs' notes name them){wider}")


def common_lines(prof: Profile, job: Job) -> bool:
    """Whether the parts are placed for common-line cutting: asked for and possible, with a
    warning when asked for and not possible (the parts are then nested at the spacing)."""
    from ..cam.common import enabled

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
    return (f"{counted(len(layout.sheets), 'sheet')}, {used * 100:.1f}% used,"
            f" {placed}/{total} placed")


def unplaced_message(unplaced: list[str], total: int) -> str:
    """Which parts did not fit, named in natural order (SHELF#5 before SHELF#10: the first
    12; a count for the rest)."""
    from ..io.report import instance_order

    unplaced = sorted(unplaced, key=instance_order)
    more = f" and {len(unplaced) - 12} more" if len(unplaced) > 12 else ""
    return (f"{len(unplaced)} of {counted(total, 'part')} did not fit the stock: "
            + ", ".join(unplaced[:12]) + more)


def cut_short_note(time_limit: float, done: int, of: int) -> str:
    """Said when the time limit ended a search of fixed iterations before they were spent:
    its layout is the one this machine reached in the time, not the one the iterations
    give on any machine (report.json's settings.iterations_done)."""
    return (f"the {time_limit:g} s time limit ended the search after {done} of its {of}"
            " iterations: this layout depends on the machine's speed and load and is not"
            " reproducible (give a time limit the iterations fit in, or fewer iterations)")


def job_inputs(job: Job, profile: str | None = None) -> list[Path]:
    """Every file the job reads: an output folder must not hold one (it would be replaced)."""
    from ..io.profiles import resolve_profile_path

    paths = [job.path, *(jp.path for jp in job.parts), *job.blocks, *job.remnant_files]
    if job.inventory is not None:
        paths.append(job.inventory.path)
    paths += [p for p in (job.library, job.materials) if p is not None]
    with contextlib.suppress(WikicutError):  # an unknown profile is refused when it is loaded
        paths.append(resolve_profile_path(profile or job.profile, job.base))
    return paths


def _profile_ref(job: Job, profile: str | None) -> str:
    """How `wikicut recut` and `wikicut diff` find the job's profile again: a shipped
    profile's name, or the path to its file from the job's folder (reports hold no machine
    paths; --profile comes here absolute, from the folder the command ran in)."""
    return profile_ref(str(profile or job.profile), job.base)


def profile_ref(ref: str, base: Path) -> str:
    """`settings.profile_ref` of a profile named `ref` (a shipped name, a path relative to
    `base`, or an absolute one): the name, or the path from `base`."""
    import os

    from ..io.report import portable_source
    from ..io.shipped import is_shipped_name

    if is_shipped_name(ref) or not Path(ref).is_absolute():
        return portable_source(ref)
    try:
        return Path(os.path.relpath(ref, Path(base).resolve())).as_posix()
    except ValueError:  # on another drive (Windows): no path from the job, its name
        return portable_source(ref)


def _settings_record(job: Job, prof: Profile | None, profile: str | None = None,
                     tooling: Tooling | None = None, done: int | None = None) -> dict:
    """`settings` of the report: what repeats the run (`done`: the iterations a search had
    used when the time limit ended it, fixed ones left: cut_short_note)."""
    from ..cam.common import enabled
    from ..io.report import tooling_record

    s = job.settings
    rots = s.rotations if isinstance(s.rotations, str) else list(s.rotations)  # "any" as is
    rec = {"seed": s.seed, "time_limit": s.time_limit, "iterations": s.iterations,
           **({"iterations_done": done} if done is not None else {}),
           # the layout depends on it too (each worker its own search: the best wins)
           "workers": s.workers,
           "spacing": s.spacing, "rotations": rots,
           "thickness": job.thickness, "profile": prof.name if prof else None,
           "tool_diameter": prof.tool.diameter if prof else None,
           "profile_ref": _profile_ref(job, profile) if prof else None}
    if tooling is not None:  # `wikicut recut` cuts a part again with the same tools and feeds
        rec["tooling"] = tooling_record(tooling, job.operations, job.material, job.library,
                                        job.materials, job.base)
    if prof is not None and enabled(prof):  # only then: plain reports stay as they were
        rec["common_line"] = True
    if s.mirror:  # likewise
        rec["mirror"] = True
    if job.currency:
        rec["currency"] = job.currency
    return rec
