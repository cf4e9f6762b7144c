"""The `wikicut` command: a thin click layer over the library (everything here is importable).

Errors the user can fix are one line on stderr and an exit code (2 bad input, 3 unsafe job,
4 interrupted); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
import time
import traceback
import warnings
import webbrowser
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from . import __version__
from .errors import EXIT_INTERRUPTED, InputError, InputWarning, WikicutError
from .io import limits
from .io.limits import Range


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


class Ui:
    """Terminal output: progress on stderr (a live line on a terminal), summaries on stdout."""

    def __init__(self, quiet: bool = False, verbose: bool = False):
        self.quiet, self.verbose = quiet, verbose
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._live = False
        # without a terminal: the open stage, the line printed for it, its latest state
        self._stage = self._said = self._msg = ""
        self._bar, self._bar_t0 = "", 0.0  # on a terminal: the stage its bar shows

    def progress(self, stage: str, frac: float, msg: str) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if self.tty:
            if stage != self._bar:  # a bar per stage: the last one's stays on its line
                if self._live:
                    click.echo("", err=True)
                self._bar, self._bar_t0 = stage, now
            elif now - self._last < 0.1 and frac < 1.0:
                return
            bar = "#" * int(frac * 20)
            spent = now - self._bar_t0
            left = (f", ~{_duration(spent * (1 - frac) / frac)} left"
                    if 0.02 < frac < 1.0 and spent > 1.0 else "")
            click.echo(f"\r{stage:>6} [{bar:<20}] {msg}{left}\x1b[K", nl=False, err=True)
            self._live = True
        elif self.verbose:
            click.echo(f"{stage}: {msg}", err=True)
        elif stage != self._stage:  # a log, not a screen: a line when a stage starts ...
            self._close_stage()
            click.echo(f"{stage}: {msg}", err=True)
            self._stage, self._said, self._msg = stage, msg, msg
            if frac >= 1.0:
                self._stage = ""
        else:
            self._msg = msg
            if frac >= 1.0:  # ... and one when it ends
                self._close_stage()
        self._last = now

    def _close_stage(self) -> None:
        """Without a terminal: the open stage's last state, unless already printed."""
        if self._stage and self._msg != self._said:
            click.echo(f"{self._stage}: {self._msg}", err=True)
        self._stage = self._said = self._msg = ""

    def done(self) -> None:
        self._close_stage()
        if self._live:
            click.echo("", err=True)
            self._live = False
        self._bar = ""

    def info(self, msg: str) -> None:
        if not self.quiet:
            self.done()
            click.echo(msg)

    def debug(self, msg: str) -> None:
        if self.verbose:
            self.done()
            click.echo(msg, err=True)


class Number(click.ParamType):
    """A number checked at the edge against the same Range as the job file's key
    (`--tool-diameter nan` or `-6` is bad input, never a program)."""

    name = "number"

    def __init__(self, rng: Range):
        self.rng = rng
        self.name = "integer" if rng.integer else "number"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            v = value
        else:
            try:
                v = int(value) if self.rng.integer else float(value)
            except (TypeError, ValueError):
                what = "a whole number" if self.rng.integer else "a number"
                self.fail(f"'{value}' is not {what}", param, ctx)
        if why := self.rng.problem(v):
            self.fail(why, param, ctx)
        return v


TOOL_DIAMETER = Number(limits.TOOL_DIAMETER)
THICKNESS = Number(limits.THICKNESS)
TIME_LIMIT = Number(limits.TIME_LIMIT)
SEED = Number(limits.SEED)
ITERATIONS = Number(limits.ITERATIONS)
WORKERS = Number(limits.WORKERS)
JOIN_TOLERANCE = Number(limits.Range(positive=True, maximum=100.0))  # mm; the reader limits it
UNITS = click.Choice(["mm", "cm", "m", "inch", "ft"])


def reading_options(fn):
    """The job's reading options as flags (`gcode`, `part`): one reading for every command."""
    for opt in reversed([
        click.option("--units", type=UNITS,
                     help="Units of a DXF whose header does not say (or says wrongly)."),
        click.option("--join-tolerance", type=JOIN_TOLERANCE,
                     help="Loose ends this close (mm) are joined into a contour."),
        click.option("--layer", "layers", multiple=True, metavar="NAME=OPERATION",
                     help="Map a DXF layer to an operation, as the job's [layers] (repeatable)."),
        click.option("--options", "options_file", type=click.Path(path_type=Path),
                     help="A TOML with the job's [layers], [dxf] and [sheet] thickness keys."),
    ]):
        fn = opt(fn)
    return fn


def _reading(options_file, layers, units, join_tolerance, thickness):
    """The reading the flags ask for, over the --options file's."""
    from dataclasses import replace

    from .io.job import Reading, load_reading

    base = load_reading(options_file) if options_file else Reading()
    layer_map = dict(base.layer_map)
    for v in layers:
        name, sep, op = v.partition("=")
        if not sep or not name.strip() or not op.strip():
            raise InputError(f"--layer expects NAME=OPERATION, got '{v}'")
        layer_map[name.strip()] = op.strip()
    return replace(base, layer_map=layer_map, units=units or base.units,
                   join_tolerance=join_tolerance or base.join_tolerance,
                   thickness=thickness if thickness is not None else base.thickness)




class Group(click.Group):
    """Usage errors (an unknown option, `--tool-diameter nan`) as one line, exit 2, like
    every other bad input."""

    def main(self, *args, **kwargs):
        kwargs.pop("standalone_mode", None)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"error: {' '.join(exc.format_message().split())}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("interrupted: nothing was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else 0)


_python_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """InputWarnings as one line for the operator; anything else as Python shows it."""
    if issubclass(category, InputWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stop(signum, frame) -> None:
    """SIGTERM and SIGHUP (a closed terminal, a service stopping) end a run as Ctrl-C does:
    the staged output folder is removed on the way out."""
    raise KeyboardInterrupt


def handle_errors(fn):
    """Turn user-facing errors into one line and an exit code; Ctrl-C, SIGTERM and SIGHUP
    into exit 4."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = (ctx.find_root().obj or {}).get("debug", False)
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS[1:]:
                signal.signal(sig, _stop)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", InputWarning)
                warnings.showwarning = _show_warning
                return fn(*args, **kwargs)
        except WikicutError as exc:
            if debug:  # the traceback, and still the exit code CI gates on
                traceback.print_exc()
            click.echo(f"\nerror: {exc}" if sys.stderr.isatty() else f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            if threading.current_thread() is threading.main_thread():
                for sig in STOP_SIGNALS:  # a second Ctrl-C must not break the exit
                    signal.signal(sig, signal.SIG_IGN)
            if debug:
                traceback.print_exc()
            click.echo("\ninterrupted: nothing was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # a bug: still one line, with how to get the traceback
            if debug:
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the"
                       " traceback, and please report it)", err=True)
            sys.exit(1)

    return wrapper


def _params(values: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in values:
        name, sep, num = v.partition("=")
        if not sep or not name.strip():
            raise InputError(f"-p expects NAME=VALUE, got '{v}'")
        try:
            out[name.strip()] = float(num)
        except ValueError:
            raise InputError(f"-p {name.strip()}: '{num}' is not a number") from None
        if why := limits.COORDINATE.problem(out[name.strip()]):
            raise InputError(f"-p {name.strip()}: {why}")
    return out


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wikicut")
@click.option("--debug", is_flag=True, help="Show the Python traceback on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """wikicut: WikiHouse-style plywood parts to cut-ready CNC jobs.

    \b
    Examples:
      wikicut nest examples/house/job.toml -o out/
      wikicut part parts/wall-rib.toml -p length=2000 -o wall-rib.dxf
      wikicut gcode out/sheet-001.dxf --profile shopbot -o programs/
      wikicut verify out/sheet-001.nc --profile grbl --sheet out/sheet-001.dxf
    """
    ctx.obj = {"debug": debug}


@main.command()
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
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print every progress step.")
@click.option("--workers", type=WORKERS,
              help="Independent searches (overrides the job); over 2 run on a Dask cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run the searches on this Dask cluster (docs/cluster.md).")
@handle_errors
def nest(job_file: Path, outdir: Path, time_limit, seed, iterations, profile, no_gcode,
         toolpaths, allow_unplaced, force, open_, quiet, verbose, workers, scheduler) -> None:
    """Nest a job's parts onto sheets and write G-code, DXF, previews and a report.

    \b
    Examples:
      wikicut nest examples/house/job.toml -o out/
      wikicut nest examples/house/job.toml -o out/ --time-limit 10 --profile shopbot --force
      wikicut nest examples/house/job.toml -o layout/ --no-gcode --open
    """
    from .io.job import load_job
    from .pipeline import run_nest, unplaced_message

    ui = Ui(quiet, verbose)
    t0 = time.monotonic()
    profile = _cli_profile(profile)
    job = load_job(job_file, seed=seed, time_limit=time_limit, profile=profile,
                   iterations=iterations)
    if workers:
        job = replace(job, settings=replace(job.settings, workers=workers))
    with _searches(scheduler, job.settings.workers):
        res = run_nest(job, outdir, gcode=not no_gcode, force=force, profile=profile,
                       toolpaths=toolpaths, allow_unplaced=allow_unplaced, progress=ui.progress)
    ui.done()
    tot = res.report.get("totals", {})
    ui.info(f"{job.name}: {tot.get('placed', 0)} parts on {tot.get('sheets', 0)} sheets, "
            f"{tot.get('utilisation', 0) * 100:.1f}% used, {time.monotonic() - t0:.1f} s")
    kinds = Counter(s.stock.label for s in res.layout.sheets)
    if len(kinds) > 1:  # a stock list: which sheets to fetch (offcuts used, sheets saved)
        listed = [st.label for st in job.stocks]
        cost = f"; cost {tot['cost']:.2f}" if tot.get("cost") is not None else ""
        ui.info("sheets: " + ", ".join(f"{kinds[k]} x {k}" for k in sorted(kinds, key=listed.index))
                + cost)
    if res.layout.unplaced:  # only with --allow-unplaced
        click.echo("warning: " + unplaced_message(res.layout.unplaced, tot.get("parts", 0)),
                   err=True)
    if tot.get("est_seconds"):
        ui.info(f"estimated cutting time {tot['est_seconds'] / 3600:.2f} h, "
                f"{tot.get('cut_length_m', 0):.0f} m of cut")
    ui.info(f"wrote {len(res.files)} files to {outdir}/ (open {outdir}/index.html)")
    if open_:
        _open_in_browser(Path(outdir) / "index.html")


@contextmanager
def _searches(scheduler: str | None, workers: int):
    """Where a job's searches run: the two local processes, or a Dask cluster (the one at
    `scheduler`, or a LocalCluster for more than two)."""
    if not scheduler and workers <= 2:
        yield
        return
    from .cluster import connect, searches_on

    with connect(scheduler) as client, searches_on(client):
        yield


@main.command()
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
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
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
    from .cluster import run_batch

    profile = _cli_profile(profile)
    overrides = {k: v for k, v in (("seed", seed), ("time_limit", time_limit),
                                   ("iterations", iterations), ("profile", profile)) if v is not None}
    options = {"gcode": not no_gcode, "profile": profile,
               "toolpaths": toolpaths, "allow_unplaced": allow_unplaced}

    written: list[str] = []

    def say(j) -> None:
        if j.ok:
            written.append(j.name)
        if j.ok and not quiet:
            click.echo(f"{j.name}: {j.sheets} sheets, {j.utilisation * 100:.1f}% used, "
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
        click.echo(f"{ok} of {len(res.jobs)} jobs prepared in {res.seconds:.1f} s on "
                   f"{res.workers} workers; wrote {outdir}/index.html")
    sys.exit(res.exit_code)


@main.command()
@click.argument("part_file", type=click.Path(path_type=Path))
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set a parameter (repeatable).")
@click.option("-t", "--thickness", type=THICKNESS,
              help="Measured material thickness in mm (default: --options, else 18).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Output file: .dxf (cutting file) or .svg (preview).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@reading_options
@handle_errors
def part(part_file: Path, params, thickness, output: Path, force, units, join_tolerance, layers,
         options_file) -> None:
    """Render one parametric part file to DXF (or SVG).

    \b
    Examples:
      wikicut part parts/wall-rib.toml -o wall-rib.dxf
      wikicut part parts/spacer.toml -p length=600 -t 17.6 -o spacer.svg
    """
    reading = _reading(options_file, layers, units, join_tolerance, thickness)
    part_obj = _load_any_part(part_file, _params(params), reading.thickness or 18.0, reading)
    _write_single(output, force, part_obj)
    click.echo(f"{part_obj.name}: {part_obj.area / 1e6:.3f} m2, "
               f"{len(part_obj.outline.interiors)} holes -> {output}")


def _load_any_part(path: Path, params: dict[str, float], thickness: float, reading=None):
    if path.suffix.lower() == ".dxf":
        from .io.dxf import read_dxf_parts

        if params:
            raise InputError("a DXF part takes no parameters", path)
        kw = reading.dxf_keywords() if reading is not None else {}
        found = read_dxf_parts(path, display=str(path), thickness=thickness, **kw)
        if len(found) != 1:
            raise InputError(f"holds {len(found)} parts; preview the folder or a job instead",
                             path)
        return found[0]
    from .io.parts import load_part

    return load_part(path, params, thickness=thickness, display=str(path))


def _write_single(output: Path, force: bool, part_obj) -> None:
    """Write one file atomically (temp + rename): no half-written output."""
    import os
    import tempfile

    if output.exists() and not force:
        raise InputError("exists (use --force to overwrite)", output)
    suffix = output.suffix.lower()
    if suffix not in (".dxf", ".svg"):
        raise InputError("output must end in .dxf or .svg", output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # the user's normal permissions, not mkstemp's 0600
    try:
        if suffix == ".dxf":
            from .io.dxf import write_part_dxf

            write_part_dxf(part_obj, tmp)
        else:
            from .render import part_svg

            Path(tmp).write_text(part_svg(part_obj), encoding="utf-8", newline="\n")
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@main.command()
@click.argument("cutfile", type=click.Path(path_type=Path))
@click.option("--profile", required=True, help="Machine profile name or TOML path.")
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), required=True)
@click.option("--tool-diameter", type=TOOL_DIAMETER,
              help="Override the profile's tool diameter (mm).")
@click.option("--toolpaths", is_flag=True, help="Draw toolpaths over the SVG previews.")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@click.option("-t", "--thickness", type=THICKNESS,
              help="Measured stock thickness in mm (default: the sheet layer's, else 18).")
@reading_options
@click.option("-q", "--quiet", is_flag=True)
@click.option("-v", "--verbose", is_flag=True)
@handle_errors
def gcode(cutfile: Path, profile, outdir: Path, tool_diameter, toolpaths, force, thickness,
          units, join_tolerance, layers, options_file, quiet, verbose) -> None:
    """Write programs for a cutting file made elsewhere (WikiHouse layer convention).

    One program per sheet found in the file, each in that sheet's own coordinates.

    \b
    Examples:
      wikicut nest examples/dxf-parts/job.toml -o layout/ --no-gcode
      wikicut gcode layout/sheet-001.dxf --profile shopbot -o programs/
      wikicut gcode examples/microhouse/MicroHouse_othercomponents_v0.5.dxf --profile grbl \\
        --tool-diameter 2.5 -o microhouse/
    """
    from .io.profiles import load_profile
    from .pipeline import run_gcode

    ui = Ui(quiet, verbose)
    reading = _reading(options_file, layers, units, join_tolerance, thickness)
    prof = load_profile(profile).with_tool(tool_diameter)
    res = run_gcode(cutfile, outdir, prof, force=force, toolpaths=toolpaths, reading=reading,
                    progress=ui.progress)
    ui.done()
    ui.info(f"{cutfile.name}: {len(res.layout.sheets)} sheets, "
            f"{sum(len(s.placements) for s in res.layout.sheets)} parts -> {outdir}/")


def _xy(ctx, param, value):
    if value is None:
        return None
    try:
        x, y = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter("give X,Y in mm, e.g. 100,50") from None
    return x, y


@main.command()
@click.argument("outdir", type=click.Path(path_type=Path))
@click.argument("part")
@click.option("--on", "offcut", type=click.Path(path_type=Path),
              help="An offcut TOML ([sheet] table as in a job) to cut the part on.")
@click.option("--at", "at", callback=_xy, metavar="X,Y",
              help="Put the part's lower-left corner here on a sheet like its own (mm).")
@click.option("-o", "--output", "dest", type=click.Path(path_type=Path), required=True)
@click.option("--profile", help="Machine profile (default: the job's, from report.json).")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@handle_errors
def recut(outdir: Path, part, offcut, at, dest: Path, profile, force) -> None:
    """Cut one part of a finished job again, alone, on an offcut or at a given spot.

    PART is an instance id (wall-rib#3) or a part name (its first copy). Thickness,
    profile and tool come from OUTDIR/report.json, the geometry from the sheet's DXF.

    \b
    Examples:
      wikicut nest examples/house/job.toml -o out/
      wikicut recut out/ spacer --at 100,100 -o recut/
      wikicut verify recut/sheet-001.nc --profile grbl --sheet recut/sheet-001.dxf
    """
    from .recut import recut as run_recut

    if offcut is not None and at is not None:
        raise click.UsageError("give --on or --at, not both")
    res = run_recut(outdir, part, dest, offcut=offcut, at=at, profile=_cli_profile(profile),
                    force=force)
    click.echo(f"{part}: {res.report['sheets'][0]['file_program']} -> {dest}/")


@main.command()
@click.argument("program", type=click.Path(path_type=Path))
@click.option("--profile", required=True, help="Machine profile name or TOML path.")
@click.option("--sheet", type=click.Path(path_type=Path),
              help="The sheet DXF: also check gouges into parts and contours left uncut.")
@click.option("--thickness", type=THICKNESS,
              help="Stock thickness in mm (default: from --sheet).")
@click.option("--tool-diameter", type=TOOL_DIAMETER,
              help="Override the profile's tool diameter (mm).")
@click.option("--tool-table", type=click.Path(path_type=Path),
              help="A LinuxCNC tool table (tool.tbl): each tool's diameter for the sheet checks.")
@click.option("--material", help="Check each tool's limits in this material (depth per pass,"
              " rpm, chip load) from the tool library (--library, else the shipped one).")
@click.option("--library", type=click.Path(path_type=Path),
              help="A tool library TOML for --material.")
@handle_errors
def verify(program: Path, profile, sheet, thickness, tool_diameter, tool_table, material,
           library) -> None:
    """Simulate a program and report safety violations (exit 3 if any).

    \b
    Examples:
      wikicut nest examples/house/job.toml -o out/
      wikicut verify out/sheet-001.nc --profile grbl --sheet out/sheet-001.dxf
    """
    from .io.profiles import load_profile
    from .verify import verify_program

    prof = load_profile(profile).with_tool(tool_diameter)
    try:
        text = limits.read_input_bytes(program).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not a text program file", program) from None
    layout = None
    if sheet is not None:
        from .io.dxf import read_cutting_file, read_screws

        sheets = read_cutting_file(sheet, display=str(sheet))
        if len(sheets) != 1:
            raise InputError(f"holds {len(sheets)} sheets, expected one", sheet)
        layout = sheets[0]
    screws = read_screws(sheet) if sheet is not None else None
    tools = None
    if tool_table is not None:
        from .verify import tools_from_table

        try:
            tools = tools_from_table(tool_table.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            raise InputError("tool table missing or unreadable", tool_table) from None
    if material is not None:
        from .io.tools import load_library
        from .verify import limits_from_library

        tools = limits_from_library(load_library(library), material) | (tools or {})
    violations = verify_program(text, prof, sheet=layout, thickness=thickness,
                                screws=screws, tools=tools)
    _report_violations(program, violations)
    if violations:
        click.echo(f"{len(violations)} violations", err=True)
        sys.exit(3)
    click.echo(f"{program}: clean ({prof.name}{', checked against ' + str(sheet) if sheet else ''})")


def _cli_profile(profile: str | None) -> str | None:
    """A profile path given on the command line is relative to the current folder (the job
    file's `profile` key is relative to the job)."""
    if profile and (profile.endswith(".toml") or "/" in profile or "\\" in profile):
        return str(Path(profile).resolve())
    return profile


def _report_violations(program: Path, violations) -> None:
    """One line per distinct violation: a program in the wrong dialect breaks every line the
    same way, and 3,000 copies of one message hide the others."""
    groups: dict[tuple[str, str], list[int]] = {}
    for v in violations:
        groups.setdefault((v.kind, v.message), []).append(v.line)
    for (kind, message), lines in groups.items():
        more = (f" (and {len(lines) - 1} more lines like it, up to line {lines[-1]})"
                if len(lines) > 1 else "")
        click.echo(f"{program}:{lines[0]}: {kind}: {message}{more}")


def _open_in_browser(path: Path) -> None:
    """Open a preview in the desktop's browser; say so (not fail) when there is none."""
    if not webbrowser.open(path.resolve().as_uri()):
        click.echo(f"warning: no browser to open; open {path} yourself", err=True)


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set a parameter of a part file (repeatable).")
@click.option("-t", "--thickness", type=THICKNESS, default=18.0, show_default=True,
              help="Measured material thickness in mm (a part file's slots follow it).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="SVG file for a part (default: wikicut-<name>.svg in the temp folder); "
                   "not for folders.")
@click.option("--toolpaths", is_flag=True,
              help="A folder: draw its programs' moves, read back from the files, over the "
                   "sheets.")
@click.option("--profile", help="With --toolpaths: the programs' profile (default: the "
                                "report's).")
@click.option("--watch", is_flag=True,
              help="A part file: serve a live preview on 127.0.0.1 that follows every save "
                   "(Ctrl-C ends it).")
@click.option("--port", type=Number(limits.PORT), default=0,
              help="With --watch: the port (default: any free one).")
@click.option("--open", "open_", is_flag=True, help="Open the preview in a browser.")
@handle_errors
def preview(target: Path, params, thickness, output, toolpaths, profile, watch, port,
            open_) -> None:
    """Preview a part file (SVG) or an output folder (rebuilds and opens its index.html).

    A folder's index.html is rebuilt from its report.json and sheet SVGs. The path of the
    preview is printed.

    \b
    Examples:
      wikicut preview parts/roof-rib.toml -p pitch=40 --open
      wikicut preview parts/wall-rib.toml -p length=2000 -o wall-rib.svg
      wikicut preview parts/spacer.toml --watch --open   # edit, save: the page follows
      wikicut nest examples/house/job.toml -o out/
      wikicut preview out/ --toolpaths --open
    """
    if target.is_dir():
        from .render import write_preview_folder

        if output is not None:
            raise InputError("-o is for a part file; a folder's preview is its index.html",
                             target)
        if params:
            raise InputError("-p is for a part file, not an output folder", target)
        if toolpaths:
            from .pipeline import preview_toolpaths

            index = preview_toolpaths(target, _cli_profile(profile))
        elif (target / "report.json").exists():
            index = write_preview_folder(target)
        else:
            index = target / "index.html"
            if not index.exists():
                raise InputError("no report.json or index.html here: not a wikicut output "
                                 "folder", target)
        click.echo(str(index))
        if open_:
            _open_in_browser(index)
        return
    if toolpaths:
        raise InputError("--toolpaths is for an output folder", target)
    if watch:
        _watch(target, _params(params), thickness, port, open_)
        return
    part_obj = _load_any_part(target, _params(params), thickness)
    if output is None:
        import tempfile

        from .io.staging import safe_name

        output = Path(tempfile.gettempdir()) / f"wikicut-{safe_name(target.stem)}.svg"
    elif output.suffix.lower() != ".svg":
        raise InputError("a preview is an SVG: the output must end in .svg", output)
    _write_single(output, True, part_obj)
    click.echo(str(output))
    if open_:
        _open_in_browser(output)


@main.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--html", "html_file", type=click.Path(path_type=Path),
              help="Also write a page with both layouts overlaid.")
@handle_errors
def diff_cmd(old: Path, new: Path, as_json, html_file) -> None:
    """Compare two output folders for CI: per sheet the parts added, removed or moved, per
    program the cut length, estimated time, deepest cut, tools and first differing move.

    Exit 0 when they are the same, 1 when they differ (as diff does), 2 on bad input.

    \b
    Examples:
      wikicut nest examples/house/job.toml -o old-out/ --seed 1
      wikicut nest examples/house/job.toml -o new-out/ --seed 2
      wikicut diff old-out/ new-out/
      wikicut diff old-out/ new-out/ --json --html diff.html
    """
    import json

    from .diff import diff_folders, diff_html, diff_text

    d = diff_folders(old, new)
    if html_file is not None:
        html_file.write_text(diff_html(d), encoding="utf-8", newline="\n")
    if as_json:
        click.echo(json.dumps(d.as_dict(), indent=1, sort_keys=True))
    else:
        click.echo(diff_text(d) or f"{old} and {new}: the same sheets, parts and moves", nl=False)
        if d.equal:
            click.echo("")
    sys.exit(0 if d.equal else 1)


def _watch(target: Path, params: dict[str, float], thickness: float, port: int,
           open_: bool) -> None:
    """Serve a part file's live preview until Ctrl-C (the normal end: exit 0)."""
    from .render.watch import watch_part

    if target.suffix.lower() != ".toml":
        raise InputError("--watch follows a parametric part file (.toml)", target)
    if not target.is_file():
        raise InputError("file not found", target)

    def ready(url: str) -> None:
        click.echo(f"watching {target}: {url} (Ctrl-C to stop)", err=True)
        click.echo(url)
        if open_:
            webbrowser.open(url)

    def rendered(w) -> None:
        click.echo(f"error: {w.error}" if w.error else f"rendered {target} (version {w.version})",
                   err=True)

    try:
        watch_part(target, params, thickness, port, ready=ready, rendered=rendered)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    except OSError as exc:
        raise InputError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None


@main.command("profiles")
def profiles_cmd() -> None:
    """List the machine profiles that ship with wikicut.

    \b
    Examples:
      wikicut profiles
      cp profiles/grbl.toml my-router.toml   # edit it, then:
      wikicut nest examples/house/job.toml -o out/ --profile my-router.toml
    """
    from .io.profiles import PROFILE_DIR, available_profiles, load_profile

    for name in available_profiles():
        try:
            p = load_profile(name)
            click.echo(f"{name:<10} {p.dialect:<9} {p.units:<4} .{p.extension:<4} "
                       f"tool {p.tool.diameter:g} mm  {p.description}")
        except WikicutError as exc:
            click.echo(f"{name:<10} BROKEN: {exc}")
    click.echo(f"(in {PROFILE_DIR}; copy one and pass its path to --profile)")


@main.command("parts")
@click.argument("folder", type=click.Path(path_type=Path), required=False)
def parts_cmd(folder: Path | None) -> None:
    """List the parametric parts in a folder (default: the shipped parts/ library).

    \b
    Examples:
      wikicut parts
      cp -r parts my-parts   # add your own, then:
      wikicut parts my-parts/
    """
    from .io.parts import part_info
    from .io.shipped import shipped_dir

    folder = folder or shipped_dir("parts")
    for f in sorted(folder.glob("*.toml")):
        try:
            info = part_info(f)
            ps = ", ".join(f"{k}={v:g}" for k, v in info.get("parameters", {}).items())
            click.echo(f"{f.name:<26} {info.get('description', '')}")
            if ps:
                click.echo(f"{'':<26} params: {ps}")
        except WikicutError as exc:
            click.echo(f"{f.name:<26} BROKEN: {exc}")


if __name__ == "__main__":  # pragma: no cover
    main()
