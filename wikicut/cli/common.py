"""What every command shares: terminal output, errors as one line and an exit code,
numbers checked at the edge, signals."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
import time
import traceback
import warnings
import webbrowser
from pathlib import Path

import click

from ..errors import EXIT_INTERRUPTED, InputError, InputWarning, WikicutError
from ..io import limits
from ..io.limits import Range


def format_duration(seconds: float) -> str:
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
            left = (f", ~{format_duration(spent * (1 - frac) / frac)} left"
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


# the DXF reader's own limit (io/dxf/chain.MAX_JOIN_TOL, held equal by a test; not imported:
# that loads ezdxf for `wikicut --help`): a wider one was refused later, naming the DXF
# instead of the flag
MAX_JOIN_TOL = 5.0  # mm
JOIN_TOLERANCE = Number(limits.Range(positive=True, maximum=MAX_JOIN_TOL))


UNITS = click.Choice(["mm", "cm", "m", "inch", "ft", "pt", "px"])


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
        click.option("--drawn-thickness", type=THICKNESS,
                     help="The ply (mm) the DXF's slots were drawn for, over its sheet layer's:"
                          " its slots are fitted to the measured --thickness."),
    ]):
        fn = opt(fn)
    return fn


def build_reading(options_file, layers, units, join_tolerance, thickness,
                  drawn_thickness=None):
    """The reading the flags ask for, over the --options file's."""
    from dataclasses import replace

    from ..io.job import Reading, check_layer_map, load_reading

    base = load_reading(options_file) if options_file else Reading(
        slot_keys=("--drawn-thickness", "[dxf] slots (an --options file)", "--drawn-thickness"))
    layer_map = dict(base.layer_map)
    for v in layers:
        name, sep, op = v.partition("=")
        if not sep or not name.strip() or not op.strip():
            raise InputError(f"--layer expects NAME=OPERATION, got '{v}'")
        if bad := check_layer_map({name.strip(): op.strip()}):
            raise InputError(f"--layer {v}: {bad[1]}")
        # a flag wins over the --options file's entry for that layer, whatever its case
        layer_map = {k: o for k, o in layer_map.items()
                     if k.strip().lower() != name.strip().lower()}
        layer_map[name.strip()] = op.strip()
    return replace(base, layer_map=layer_map, units=units or base.units,
                   join_tolerance=join_tolerance or base.join_tolerance,
                   thickness=thickness if thickness is not None else base.thickness,
                   drawn_given=drawn_thickness)


# click 8.2 on: the help a command given no arguments prints, raised as a usage error
# (8.1 prints it itself and exits 0)
NO_ARGS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class Group(click.Group):
    """Usage errors (an unknown option, `--tool-diameter nan`) as one line, exit 2, like
    every other bad input."""

    def main(self, *args, **kwargs):
        kwargs.pop("standalone_mode", None)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except NO_ARGS_HELP as exc:  # `wikicut` alone: the help, whole
            click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message(), err=True)
            sys.exit(exc.exit_code)
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


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """InputWarnings as one line for the operator; anything else as Python shows it."""
    if issubclass(category, InputWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def stop_on_signal(signum, frame) -> None:
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
                # an ignored signal stays ignored: `nohup wikicut nest ...` must outlive
                # its terminal (Python itself leaves an ignored SIGINT alone)
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    signal.signal(sig, stop_on_signal)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", InputWarning)
                warnings.showwarning = show_warning
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
        except BrokenPipeError:
            # the reader stopped (`wikicut parts | head -3`): no more to say, and no "internal
            # error" either; the shell's code for a writer ended by a closed pipe
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(128 + signal.SIGPIPE)
        except (click.exceptions.Exit, click.ClickException):
            raise  # a usage error found in the command (`--on` and `--at`): Group.main says it
        except Exception as exc:  # a bug: still one line, with how to get the traceback
            if debug:
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the"
                       " traceback, and please report it)", err=True)
            sys.exit(1)

    return wrapper


def parse_params(values: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in values:
        name, sep, num = v.partition("=")
        if not sep or not name.strip():
            raise InputError(f"-p expects NAME=VALUE, got '{v}'")
        if name.strip() in out:  # which was meant? the last silently won
            raise InputError(f"-p {name.strip()} given twice ({out[name.strip()]:g} and"
                             f" {num.strip()}): give it once")
        try:
            out[name.strip()] = float(num)
        except ValueError:
            raise InputError(f"-p {name.strip()}: '{num}' is not a number") from None
        if why := limits.COORDINATE.problem(out[name.strip()]):
            raise InputError(f"-p {name.strip()}: {why}")
    return out


def cli_profile(profile: str | None) -> str | None:
    """A profile path given on the command line is relative to the current folder (the job
    file's `profile` key is relative to the job); one to no file is refused here, as given.
    A name is left to the command (a report's name for a profile may do: `profile_named`)."""
    from ..io.shipped import is_shipped_name

    if not profile or is_shipped_name(profile):
        return profile
    from ..io.profiles import missing_profile

    if why := missing_profile(profile, use="--profile {}"):
        raise InputError(f"--profile {profile}: {why}")
    return str(Path(profile).resolve())


def open_in_browser(path: Path) -> None:
    """Open a preview in the desktop's browser; say so (not fail) when there is none."""
    if not webbrowser.open(path.resolve().as_uri()):
        click.echo(f"warning: no browser to open; open {path} yourself", err=True)
