"""Commands that prepare jobs: nest, batch, gcode (and recut)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from ..errors import EXIT_INTERRUPTED, InputError
from ..io import limits
from .common import (
    ITERATIONS,
    SEED,
    THICKNESS,
    TIME_LIMIT,
    TOOL_DIAMETER,
    WORKERS,
    Ui,
    build_reading,
    cli_profile,
    handle_errors,
    open_in_browser,
    reading_options,
)


@click.command()
@click.argument("job_file", type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), required=True,
              help="Output folder (created; must not exist unless --force).")
@click.option("--time-limit", type=TIME_LIMIT,
              help="Seconds of nesting search (overrides the job).")
@click.option("--seed", type=SEED, help="Random seed (overrides the job).")
@click.option("--iterations", type=ITERATIONS,
              help="Search budget per worker: byte-identical results.")
@click.option("--profile", help="Machine profile name or TOML path (overrides the job).")
@click.option("--no-gcode", is_flag=True, help="Write the layout only (DXF, SVG, report).")
@click.option("--toolpaths", is_flag=True, help="Draw toolpaths over the SVG previews.")
@click.option("--allow-unplaced", is_flag=True,
              help="Write the sheets even when some parts did not fit (else exit 3).")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@click.option("--open", "open_", is_flag=True, help="Open index.html when done.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but warnings and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print every progress step.")
@click.option("--workers", type=WORKERS,
              help="Independent searches (overrides the job); over 2 run on a Dask cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run the searches on this Dask cluster (docs/cluster.md).")
@click.option("--inventory", type=click.Path(path_type=Path),
              help="The shop's remnant inventory (TOML): its remnants are cut first, and it is"
                   " updated when the job succeeds (overrides the job's [remnants]).")
@handle_errors
def nest(job_file: Path, outdir: Path, time_limit, seed, iterations, profile, no_gcode,
         toolpaths, allow_unplaced, force, open_, quiet, verbose, workers, scheduler,
         inventory) -> None:
    """Nest a job's parts onto sheets and write G-code, DXF, previews and a report.

    \b
    Examples:
      wikicut nest examples/house/job.toml -o out/
      wikicut nest examples/house/job.toml -o out/ --time-limit 10 --profile shopbot --force
      wikicut nest examples/house/job.toml -o layout/ --no-gcode --open
      wikicut nest examples/remnants/job-a.toml -o out-a/ --inventory shop-remnants.toml
    """
    from ..io.job import load_job
    from ..pipeline import run_nest
    from ..words import counted

    ui = Ui(quiet, verbose)
    t0 = time.monotonic()
    profile = cli_profile(profile)
    job = load_job(job_file, seed=seed, time_limit=time_limit, profile=profile,
                   iterations=iterations, inventory=inventory,
                   replacing=outdir if force else None)
    if job.inventory is not None and job.inventory.undone is not None:
        from ..io.remnants import undo_note

        ui.info(undo_note(job.inventory))
    if workers:
        job = replace(job, settings=replace(job.settings, workers=workers))
    with searches_for(scheduler, job.settings.workers):
        res = run_nest(job, outdir, gcode=not no_gcode, force=force, profile=profile,
                       toolpaths=toolpaths, allow_unplaced=allow_unplaced, progress=ui.progress)
    ui.done()
    tot = res.report.get("totals", {})
    ui.info(f"{job.name}: {counted(tot.get('placed', 0), 'part')} on"
            f" {counted(tot.get('sheets', 0), 'sheet')}, {tot.get('utilisation', 0) * 100:.1f}%"
            f" used, {time.monotonic() - t0:.1f} s")
    kinds = Counter(s.stock.label for s in res.layout.sheets)
    cost = f"cost {tot['cost']:.2f}" if tot.get("cost") is not None else ""
    if len(kinds) > 1:  # a stock list: which sheets to fetch (offcuts used, sheets saved)
        listed = [st.label for st in job.stocks]
        ui.info("sheets: " + ", ".join(f"{kinds[k]} x {k}" for k in sorted(kinds, key=listed.index))
                + (f"; {cost}" if cost else ""))
    elif cost:  # one kind of sheet with a price
        ui.info(f"sheets: {cost}")
    if fil := tot.get("fillers"):  # fillers left out are no fault: only counted
        ui.info(f"fillers: {fil['placed']} placed, " + (f"{fil['left']} left out (no room)"
                                                         if fil["left"] else "all wanted"))
    if flips := sum(p.mirrored for s in res.layout.sheets for p in s.placements):
        ui.info(f"mirrored: {counted(flips, 'part')} cut face down (dashed in the previews)")
    if job.remnants is not None:
        from ..io.remnants import FILE_NAME, summary

        ui.info(summary(res.layout, Path(outdir) / FILE_NAME, job.inventory))
    if tot.get("est_seconds"):
        ui.info(f"estimated cutting time {tot['est_seconds'] / 3600:.2f} h, "
                f"{tot.get('cut_length_m', 0):.0f} m of cut")
    if com := tot.get("common_line"):
        ui.info(f"common lines: {com['cut_saved_m']:.1f} m of cut and"
                f" {com['seconds_saved'] / 60:.1f} min saved")
    ui.info(f"wrote {counted(len(res.files), 'file')} to {outdir}/ (open {outdir}/index.html)")
    if open_:
        open_in_browser(Path(outdir) / "index.html")


@contextmanager
def searches_for(scheduler: str | None, workers: int):
    """Where a job's searches run: the two local processes, or a Dask cluster (the one at
    `scheduler`, or a LocalCluster for more than two)."""
    if not scheduler and workers <= 2:
        yield
        return
    from ..cluster import connect, searches_on

    with connect(scheduler) as client, searches_on(client):
        yield


@click.command()
@click.argument("jobs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), required=True,
              help="Output folder: one folder per job (by its name), batch.json, index.html.")
@click.option("--scheduler", metavar="ADDRESS",
              help="A running Dask scheduler (default: a local cluster on this machine).")
@click.option("--workers", type=WORKERS, help="Local cluster processes (default: the cores).")
@click.option("--time-limit", type=TIME_LIMIT, help="Seconds of search per job.")
@click.option("--seed", type=SEED, help="Random seed (overrides the jobs).")
@click.option("--iterations", type=ITERATIONS,
              help="Search budget per worker: byte-identical results.")
@click.option("--profile", help="Machine profile name or TOML path (overrides the jobs).")
@click.option("--no-gcode", is_flag=True, help="Write the layouts only (DXF, SVG, report).")
@click.option("--toolpaths", is_flag=True, help="Draw toolpaths over the SVG previews.")
@click.option("--allow-unplaced", is_flag=True, help="Write jobs with parts left over.")
@click.option("--force", is_flag=True, help="Replace existing job folders.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but warnings and errors.")
@handle_errors
def batch(jobs, outdir: Path, scheduler, workers, time_limit, seed, iterations, profile,
          no_gcode, toolpaths, allow_unplaced, force, quiet) -> None:
    """Prepare many jobs on a Dask cluster, each as `wikicut nest` would.

    Exit 0 when every job succeeded, 2 when every failure was bad input, else 3; each
    failure is one line here and in OUTDIR/batch.json. A running cluster: --scheduler
    tcp://HOST:8786 (docs/cluster.md).

    \b
    Examples:
      wikicut batch examples/dxf-parts/job.toml examples/house/job.toml -o out/
      wikicut batch examples/house/job.toml -o out2/ --workers 1 --seed 7
    """
    from ..cluster import run_batch
    from ..words import counted

    profile = cli_profile(profile)
    given = (("seed", seed), ("time_limit", time_limit), ("iterations", iterations),
             ("profile", profile))
    overrides = {k: v for k, v in given if v is not None}
    options = {"gcode": not no_gcode, "profile": profile,
               "toolpaths": toolpaths, "allow_unplaced": allow_unplaced}

    written: list[str] = []

    def say(j) -> None:
        if j.ok:
            written.append(j.name)
        if j.ok and not quiet:
            click.echo(f"{j.name}: {counted(j.sheets, 'sheet')}, {j.utilisation * 100:.1f}% used, "
                       f"{j.seconds:.1f} s")
        elif not j.ok:
            click.echo(f"error: {j.name}: {j.error}", err=True)

    try:
        res = run_batch(list(jobs), outdir, address=scheduler, workers=workers, force=force,
                        overrides=overrides, options=options, say=say)
    except KeyboardInterrupt:
        if not written:
            raise
        click.echo(f"\ninterrupted: the rest cancelled; written whole before: "
                   f"{', '.join(written)} (no batch.json)", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if not quiet:
        ok = sum(j.ok for j in res.jobs)
        click.echo(f"{ok} of {counted(len(res.jobs), 'job')} prepared in {res.seconds:.1f} s"
                   f" on {counted(res.workers, 'worker')}; wrote {outdir}/index.html")
    sys.exit(res.exit_code)


@click.command()
@click.argument("cutfile", type=click.Path(path_type=Path))
@click.option("--profile", required=True, help="Machine profile name or TOML path.")
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), required=True,
              help="Output folder (created; must not exist unless --force).")
@click.option("--tool-diameter", type=TOOL_DIAMETER,
              help="Override the profile's tool diameter (mm); the profile's depth per pass"
                   " must stay within the sheet material's ceiling for it (1.5 x D in"
                   " plywood), as nest holds it.")
@click.option("--toolpaths", is_flag=True, help="Draw toolpaths over the SVG previews.")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@click.option("-t", "--thickness", type=THICKNESS,
              help="Measured stock thickness in mm (default: the sheet layer's, else 18).")
@reading_options
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but warnings and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print every progress step.")
@handle_errors
def gcode(cutfile: Path, profile, outdir: Path, tool_diameter, toolpaths, force, thickness,
          units, join_tolerance, layers, options_file, drawn_thickness, quiet, verbose) -> None:
    """Write programs for a cutting file made elsewhere (WikiHouse layer convention).

    One program per sheet found in the file, each in that sheet's own coordinates.

    \b
    Examples:
      wikicut nest examples/dxf-parts/job.toml -o layout/ --no-gcode
      wikicut gcode layout/sheet-001.dxf --profile shopbot -o programs/
    """
    from ..errors import UnsafeJobError
    from ..io.profiles import depth_problem, missing_profile, profile_named
    from ..pipeline import run_gcode
    from ..words import counted

    ui = Ui(quiet, verbose)
    reading = build_reading(options_file, layers, units, join_tolerance, thickness,
                            drawn_thickness)
    try:
        prof = profile_named(profile).with_tool(tool_diameter)
    except InputError:  # a name or a path to no file: said as given, with the shipped one
        if why := missing_profile(profile, use="--profile {}"):
            raise InputError(f"--profile {profile}: {why}") from None
        raise
    if thickness is not None and (why := depth_problem(prof, thickness)):
        raise UnsafeJobError(f"--thickness {why}")
    if reading.thickness is not None and (why := depth_problem(prof, reading.thickness)):
        from ..io.toml import TomlFile  # the --options file's key: the number to check first

        raise UnsafeJobError(f"{TomlFile.load(options_file).where('sheet.thickness')}: {why}",
                             options_file)
    res = run_gcode(cutfile, outdir, prof, force=force, toolpaths=toolpaths, reading=reading,
                    progress=ui.progress)
    ui.done()
    parts = sum(len(s.placements) for s in res.layout.sheets)
    ui.info(f"{cutfile.name}: {counted(len(res.layout.sheets), 'sheet')},"
            f" {counted(parts, 'part')} -> {outdir}/")


def parse_xy(ctx, param, value):
    if value is None:
        return None
    try:
        x, y = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter("give X,Y in mm, e.g. 100,50") from None
    for v in (x, y):  # nan or inf reached the geometry as an internal error
        if why := limits.COORDINATE.problem(v):
            raise click.BadParameter(f"'{value}': {why}")
    return x, y


@click.command()
@click.argument("outdir", type=click.Path(path_type=Path))
@click.argument("part")
@click.option("--on", "offcut", metavar="OFFCUT.toml|ID",
              help="An offcut TOML ([sheet] table as in a job) to cut the part on, or a"
                   " remnant's id (R0007): from --inventory, else the inventory the job drew"
                   " on, else the job's remnants.toml.")
@click.option("--inventory", type=click.Path(path_type=Path),
              help="The remnant inventory (or remnant file) the --on id is in: the remnant"
                   " leaves it once the part's program is written, and what is left of it"
                   " joins it.")
@click.option("--at", "at", callback=parse_xy, metavar="X,Y",
              help="Put the part's lower-left corner here on a sheet like its own (mm).")
@click.option("-o", "--output", "dest", type=click.Path(path_type=Path), required=True,
              help="Output folder for the part's program, DXF and preview.")
@click.option("--profile", help="Machine profile (default: the job's, from report.json).")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@handle_errors
def recut(outdir: Path, part, offcut, inventory, at, dest: Path, profile, force) -> None:
    """Cut one part of a finished job again, alone, on an offcut or at a given spot.

    PART is an instance id (wall-rib#3) or a part name (its first copy). Thickness,
    profile and tool come from OUTDIR/report.json, the geometry from the sheet's DXF.
    --on takes an offcut file or a kept remnant's id (R0007) as the inventory lists it.

    \b
    Examples:
      wikicut nest examples/house/job.toml -o out/
      wikicut recut out/ spacer --at 100,100 -o recut/
      wikicut verify recut/sheet-001.nc --profile grbl --sheet recut/sheet-001.dxf
    """
    from ..recut import inventory_note
    from ..recut import recut as run_recut

    if offcut is not None and at is not None:
        raise click.UsageError("give --on or --at, not both")
    res = run_recut(outdir, part, dest, offcut=offcut, at=at, profile=cli_profile(profile),
                    force=force, inventory=inventory)
    click.echo(f"{part}: {res.report['sheets'][0]['file_program']} -> {dest}/")
    if note := inventory_note(dest):
        click.echo(note)
