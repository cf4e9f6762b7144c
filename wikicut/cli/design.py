"""Commands for designers: render or preview a part, list the shipped parts and profiles."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from ..errors import InputError, WikicutError, suggest
from ..io import limits
from ..words import counted
from .common import (
    THICKNESS,
    Number,
    build_reading,
    cli_profile,
    handle_errors,
    open_in_browser,
    parse_params,
    reading_options,
)


@click.command()
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
         options_file, drawn_thickness) -> None:
    """Render one parametric part file to DXF (or SVG).

    \b
    Examples:
      wikicut part wall-rib -o wall-rib.dxf
      wikicut part wall-rib -p length=2000 -o rib-2000.dxf   # a shipped part, by name
      wikicut part parts/spacer.toml -p length=600 -t 17.6 -o spacer.svg
    """
    reading = build_reading(options_file, layers, units, join_tolerance, thickness,
                            drawn_thickness)
    made_for = reading.thickness or 18.0
    part_obj = load_any_part(part_file, parse_params(params), made_for, reading)
    # the DXF says the ply its slots are for where they are: a parametric part's follow the
    # thickness, a DXF part's only where they were fitted to it (else they stay as drawn)
    dxf_part = shipped_or_path(part_file).suffix.lower() == ".dxf"
    write_single(output, force, part_obj,
                 thickness=made_for if not dxf_part or part_obj.slots_fitted else None)
    click.echo(f"{part_obj.name}: {part_obj.area / 1e6:.3f} m2, "
               f"{counted(len(part_obj.outline.interiors), 'hole')} -> {output}")


def shipped_or_path(path: Path) -> Path:
    """A part given as a job gives a shipped one (`wall-rib`: no folder, no suffix) is the
    package's file of that name, where no such file is here."""
    from ..io.job import PART_SUFFIXES
    from ..io.shipped import is_shipped_name, shipped_dir, shipped_names

    ref = str(path)
    if path.exists() or not is_shipped_name(ref, PART_SUFFIXES):
        return path
    names = shipped_names("parts")
    if ref not in names:
        raise InputError(f"no such file, nor a shipped part of that name{suggest(ref, names)};"
                         f" shipped parts: {', '.join(names)}", path)
    return shipped_dir("parts") / f"{ref}.toml"


def load_any_part(path: Path, params: dict[str, float], thickness: float, reading=None):
    path = shipped_or_path(path)
    if path.suffix.lower() == ".dxf":
        from ..io.dxf import read_dxf_parts

        if params:
            raise InputError("a DXF part takes no parameters", path)
        kw = ({**reading.dxf_keywords(), "slots": reading.slot_rule()}
              if reading is not None else {})
        found = read_dxf_parts(path, display=str(path), thickness=thickness, **kw)
        if len(found) != 1:
            raise InputError(f"holds {len(found)} parts; preview the folder or a job instead",
                             path)
        return found[0]
    from ..io.parts import load_part

    return load_part(path, params, thickness=thickness, display=str(path))


def write_single(output: Path, force: bool, part_obj, thickness: float | None = None) -> None:
    """Write one file atomically (temp + rename): no half-written output. A DXF says the
    `thickness` the part was made for, where given (io.dxf.part_dxf_text)."""
    import os
    import tempfile

    if output.is_dir():
        raise InputError("is a folder: give a file name ending in .dxf or .svg", output)
    if output.exists() and not force:
        raise InputError("exists (use --force to overwrite)", output)
    suffix = output.suffix.lower()
    if suffix not in (".dxf", ".svg"):
        raise InputError("output must end in .dxf or .svg", output)
    blocked = next((d for d in output.parents if d.exists() and not d.is_dir()), None)
    if blocked is not None:
        raise InputError(f"cannot write here: {blocked} is a file, not a folder", output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    except OSError as exc:  # a file where a folder should be, a read-only place
        raise InputError(f"cannot write here ({exc.strerror})", output) from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # the user's normal permissions, not mkstemp's 0600
        if suffix == ".dxf":
            from ..io.dxf import write_part_dxf

            write_part_dxf(part_obj, tmp, thickness)
        else:
            from ..render import part_svg

            Path(tmp).write_text(part_svg(part_obj), encoding="utf-8", newline="\n")
        os.replace(tmp, output)
    except OSError as exc:  # a full disk, a folder made at that name meanwhile
        raise InputError(f"cannot write ({exc.strerror})", output) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@click.command()
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
    """Preview a part file (SVG) or an output folder (rebuilds its index.html).

    A folder's index.html is rebuilt from its report.json and sheet SVGs. The path of the
    preview is printed.

    \b
    Examples:
      wikicut preview parts/roof-rib.toml -p pitch=40 --open
      wikicut preview wall-rib -p length=2000 -o wall-rib.svg
      wikicut preview parts/spacer.toml --watch --open   # edit, save: the page follows
      wikicut nest examples/house/job.toml -o out/
      wikicut preview out/ --toolpaths --open
    """
    if target.is_dir():
        from ..render import write_preview_folder

        if output is not None:
            raise InputError("-o is for a part file; a folder's preview is its index.html",
                             target)
        if params:
            raise InputError("-p is for a part file, not an output folder", target)
        if (target / "report.json").exists():
            from ..io.report import checked_report

            checked_report(target)  # a report edited by hand: one line, not a crash
        if toolpaths:
            from ..pipeline import preview_toolpaths

            index = preview_toolpaths(target, cli_profile(profile))
        elif (target / "report.json").exists():
            index = write_preview_folder(target)
        else:
            index = target / "index.html"
            if not index.exists():
                raise InputError("no report.json or index.html here: not a wikicut output "
                                 "folder", target)
        click.echo(str(index))
        if open_:
            open_in_browser(index)
        return
    if toolpaths:
        raise InputError("--toolpaths is for an output folder", target)
    target = shipped_or_path(target)
    if watch:
        serve_watch(target, parse_params(params), thickness, port, open_)
        return
    part_obj = load_any_part(target, parse_params(params), thickness)
    if output is None:
        import tempfile

        from ..io.staging import safe_name

        output = Path(tempfile.gettempdir()) / f"wikicut-{safe_name(target.stem)}.svg"
    elif output.suffix.lower() != ".svg":
        raise InputError("a preview is an SVG: the output must end in .svg", output)
    write_single(output, True, part_obj)
    click.echo(str(output))
    if open_:
        open_in_browser(output)


def serve_watch(target: Path, params: dict[str, float], thickness: float, port: int,
           open_: bool) -> None:
    """Serve a part file's live preview until Ctrl-C (the normal end: exit 0)."""
    from ..render.watch import watch_part

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


@click.command("profiles")
@handle_errors
def profiles_cmd() -> None:
    """List the machine profiles that ship with wikicut.

    \b
    Examples:
      wikicut profiles
      cp profiles/grbl.toml my-router.toml   # edit it, then:
      wikicut nest examples/house/job.toml -o out/ --profile my-router.toml
    """
    from ..io.profiles import PROFILE_DIR, available_profiles, load_profile

    for name in available_profiles():
        try:
            p = load_profile(name)
            click.echo(f"{name:<10} {p.dialect:<9} {p.units:<4} .{p.extension:<4} "
                       f"tool {p.tool.diameter:g} mm  {p.description}")
        except WikicutError as exc:
            click.echo(f"{name:<10} BROKEN: {exc}")
    click.echo(f"(in {PROFILE_DIR}; copy one and pass its path to --profile)")


def _range_text(lo: float | None, hi: float | None) -> str:
    """' (600..2410)', ' (>= 600)' or ' (<= 2410)'."""
    if lo is not None and hi is not None:
        return f" ({lo:g}..{hi:g})"
    return f" (>= {lo:g})" if lo is not None else f" (<= {hi:g})"


@click.command("parts")
@click.argument("folder", type=click.Path(path_type=Path), required=False)
@handle_errors
def parts_cmd(folder: Path | None) -> None:
    """List the parametric parts in a folder (default: the shipped part library).

    Other TOML files there (jobs: no [[feature]] table, a [sheet]) are skipped, and counted.

    A job names a shipped part by its name, as it names a profile (file = "wall-rib"),
    and a part file of its own by its path from the job (file = "my-parts/rib.toml").

    \b
    Examples:
      wikicut parts
      cp -r parts my-parts   # add your own, then:
      wikicut parts my-parts/
    """
    from ..io.parts import part_info
    from ..io.shipped import shipped_dir

    shipped = folder is None
    folder = folder or shipped_dir("parts")
    if not folder.is_dir():  # a typo listed nothing, and said nothing
        raise InputError("no such folder" if not folder.exists() else "not a folder", folder)
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise InputError("no part files (*.toml) in this folder", folder)
    others = [f.name for f in files if not _is_part_file(f)]
    files = [f for f in files if f.name not in others]
    if not files:
        raise InputError(f"no part files in this folder: its {counted(len(others), 'TOML file')}"
                         f" {'has' if len(others) == 1 else 'have'} no [[feature]] table and"
                         " keys a part file does not take (jobs, profiles?)", folder)
    for f in files:
        name = f.stem if shipped else f.name  # as a job gives it
        try:
            info = part_info(f)
            ranges = info.get("ranges", {})
            ps = ", ".join(f"{k}={v:g}{_range_text(*ranges[k]) if k in ranges else ''}"
                           for k, v in info.get("parameters", {}).items())
            click.echo(f"{name:<26} {info.get('description', '')}")
            if ps:
                click.echo(f"{'':<26} params: {ps}")
        except WikicutError as exc:
            click.echo(f"{name:<26} BROKEN: {exc}")
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        click.echo(f"({counted(len(others), 'file')} skipped, not parts: no [[feature]] table"
                   f" and keys a part file does not take: {shown})")
    if shipped:
        click.echo(f'(in {folder}; a job names one by name, file = "{files[0].stem}", or'
                   " copies it and gives its path)")


def _is_part_file(path: Path) -> bool:
    """Whether a TOML file in a parts folder is a part: a part is built from its [[feature]]
    tables (the one key every part file needs), which a job, a profile or a tool library
    never has; they have keys a part does not take ([sheet], [[part]]). A file with neither
    is a broken part, as is one that cannot be read: listed as BROKEN, not passed over."""
    from ..io.parts.schema import TOP_KEYS
    from ..io.toml import TomlFile

    try:
        data = TomlFile.load(path).data
    except WikicutError:
        return True
    return "feature" in data or set(data) <= TOP_KEYS
