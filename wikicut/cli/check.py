"""Commands that check outputs: verify a program, diff two output folders."""

from __future__ import annotations

import re
import sys
import traceback
from dataclasses import replace
from pathlib import Path

import click

from ..errors import InputError, WikicutError
from ..io import limits
from ..words import counted
from .common import THICKNESS, TOOL_DIAMETER, handle_errors


@click.command()
@click.argument("programs", metavar="PROGRAM...", nargs=-1, required=True,
                type=click.Path(path_type=Path))
@click.option("--profile", required=True, help="Machine profile name or TOML path.")
@click.option("--sheet", type=click.Path(path_type=Path),
              help="The sheet DXF: also check gouges into parts and contours left uncut.")
@click.option("--thickness", type=THICKNESS,
              help="Stock thickness in mm (default: from --sheet).")
@click.option("--tool-diameter", type=TOOL_DIAMETER,
              help="The diameter (mm) of the one tool the program cuts with, over its"
              " header's and the profile's (several tools: --tool-table).")
@click.option("--tool-table", type=click.Path(path_type=Path),
              help="A LinuxCNC tool table (tool.tbl): each tool's diameter for the sheet checks,"
              " in the profile's program units (inches for an inch profile).")
@click.option("--material", help="Check each tool's limits in this material (depth per pass,"
              " rpm, chip load) from the tool library (--library, else the shipped one).")
@click.option("--library", type=click.Path(path_type=Path),
              help="A tool library TOML for --material.")
@click.option("--materials", type=click.Path(path_type=Path),
              help="The materials TOML the library rates (a job's [machine] materials;"
              " else the shipped one).")
@handle_errors
def verify(programs: tuple[Path, ...], profile, sheet, thickness, tool_diameter, tool_table,
           material, library, materials) -> None:
    """Simulate a program and report safety violations (exit 3 if any).

    A sheet cut by several programs, one per tool (a machine without a tool changer:
    sheet-001-1-T7.nc, sheet-001-2-T1.nc), is checked by giving them all (out/sheet-001*.nc
    does): they are simulated as one run in the order their headers state ("program 1 of
    2"), as the operator runs them, so the sheet's contours are judged on what all of them
    cut; with --sheet, one of them missing is refused.

    \b
    Examples:
      wikicut nest examples/house/job.toml -o out/
      wikicut verify out/sheet-001.nc --profile grbl --sheet out/sheet-001.dxf
      wikicut verify out/sheet-001*.nc --profile grbl --sheet out/sheet-001.dxf
    """
    from ..io.profiles import profile_named
    from ..verify import stated_thickness, verify_program

    prof = profile_named(profile).with_tool(tool_diameter)
    texts = []
    for program in programs:
        raw = limits.read_input_bytes(program)
        try:
            texts.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError("not a text program file", program) from None
        if b"\x00" in raw:  # valid UTF-8, but a binary file (a zip, an image) all the same
            raise InputError("binary file, not a text program file", program)
        _check_is_program(program, texts[-1], prof)
    programs, texts = _in_stated_order(programs, texts, prof, sheet is not None)
    texts = [t if t.endswith("\n") or not t else t + "\n" for t in texts]
    text = "".join(texts)
    layout = None
    if sheet is not None:
        from ..io.dxf import read_cutting_file, read_screws

        sheets = read_cutting_file(sheet, display=str(sheet))
        if len(sheets) != 1:
            raise InputError(f"holds {len(sheets)} sheets, expected one", sheet)
        layout = sheets[0]
    screws = read_screws(sheet) if sheet is not None else None
    tools = None
    if tool_table is not None:
        from ..verify import tools_from_table

        try:
            tools = _in_mm(tools_from_table(tool_table.read_text(encoding="utf-8")), prof)
        except (OSError, UnicodeDecodeError):
            raise InputError("tool table missing or unreadable", tool_table) from None
        # a table read as no tools (another format, the wrong file) or with a diameter no
        # tool has left the sheet checks on the profile's tool without a word
        if not tools:
            raise InputError("no tools found: expected LinuxCNC tool table lines such as"
                             " 'T1 P1 D6.000 ;6 mm end mill'", tool_table)
        for n, t in sorted(tools.items()):
            if why := limits.TOOL_DIAMETER.problem(t.diameter):
                raise InputError(f"T{n}: diameter {why}", tool_table)
    table = set(tools) if tools is not None else None
    if tool_diameter is not None:
        tools = _one_tool(programs, texts, prof, tools, tool_diameter)
    notes: list[str] = []
    if material is not None:
        tools = _rated(programs, texts, prof, tools, material, library, materials, notes)
    if layout is None and thickness is None and stated_thickness(text, prof) is None:
        names = ", ".join(map(str, programs))
        click.echo(f"warning: {names}: no sheet thickness (no --sheet or --thickness, no"
                   " wikicut header): depth checked only against the machine's Z limit"
                   f" {prof.limits.z_min:g} mm", err=True)
    violations = verify_program(text, prof, sheet=layout, thickness=thickness,
                                screws=screws, tools=tools, notes=notes, table=table)
    _warn(programs, notes)
    report_violations(programs, violations, [t.count("\n") for t in texts])
    if violations:
        click.echo(counted(len(violations), "violation"), err=True)
        sys.exit(3)
    against = f", checked against {sheet}" if sheet else ""
    names = ", ".join(str(p) for p in programs)
    click.echo(f"{names}: clean ({prof.name}{against})")


def _warn(programs: tuple[Path, ...], notes: list[str]) -> None:
    """One warning line for each thing the check assumed where the programs do not say."""
    for note in notes:
        click.echo(f"warning: {', '.join(map(str, programs))}: {note}", err=True)


def _in_stated_order(programs: tuple[Path, ...], texts: list[str], prof, whole: bool
                     ) -> tuple[tuple[Path, ...], list[str]]:
    """The programs (and their texts) with each sheet's set in the order their headers
    state (program 1 of 2, then 2 of 2), the order the operator runs them: given the other
    way round, the labels were checked as engraved before the pass that frees their parts,
    and run so they are. A program of a set given twice is refused; one missing too when
    the sheet is checked (`whole`: its contours are judged on what all of them cut), else
    said in one line."""
    from ..verify.header import stated_program

    stated = [stated_program(text, prof) for text in texts]
    sets: dict[tuple[str, int], list[int]] = {}
    for i, said in enumerate(stated):
        if said is not None:
            sets.setdefault((said[0], said[2]), []).append(i)
    order = list(range(len(programs)))
    for (_, n), mine in sets.items():
        number = {i: stated[i][1] for i in mine}
        for k in sorted(set(number.values())):
            same = [programs[i] for i in mine if number[i] == k]
            if len(same) > 1:
                raise InputError(f"each says it is program {k} of {n} of the same sheet:"
                                 " give each program once", ", ".join(map(str, same)))
        missing = sorted(set(range(1, n + 1)) - set(number.values()))
        if missing:
            given = ", ".join(f"{number[i]} of {n}" for i in mine)
            names = ", ".join(map(str, _named(programs[mine[0]], number[mine[0]], missing)))
            what = (f"program{'s' if len(missing) > 1 else ''}"
                    f" {', '.join(map(str, missing))}{f' ({names})' if names else ''}")
            files = ", ".join(str(programs[i]) for i in mine)
            if whole:
                raise InputError(f"program {given} for its sheet, given without {what}: the"
                                 " sheet is checked on what all of its programs cut: give them"
                                 " all", files)
            click.echo(f"warning: {files}: program {given} for its sheet, given without"
                       f" {what}: checked without it; run all of them, in order", err=True)
        for slot, i in zip(mine, sorted(mine, key=number.get)):
            order[slot] = i
    if order != list(range(len(programs))):
        ran = ", ".join(str(programs[i]) for i in order)
        click.echo(f"warning: {', '.join(map(str, programs))}: given out of the order their"
                   f" headers state: checked as they are run, {ran}", err=True)
    return tuple(programs[i] for i in order), [texts[i] for i in order]


def _named(program: Path, k: int, missing: list[int]) -> list[Path]:
    """The files beside `program` (program k of its sheet, named as wikicut names them:
    sheet-001-2-T1.nc) that hold the `missing` programs of its set, where there are."""
    import glob

    m = re.fullmatch(r"(.+)-(\d+)-T\d+", program.stem)
    if m is None or int(m.group(2)) != k:
        return []
    stem = glob.escape(str(program.parent / m.group(1)))
    return [Path(f) for j in missing
            for f in sorted(glob.glob(f"{stem}-{j}-T*{glob.escape(program.suffix)}"))]


def _check_is_program(program: Path, text: str, prof) -> None:
    """One line, not thousands of violations, for a file that is no program for this
    profile: a DXF drawing (a sheet file given as a program), or a wikicut program whose
    header says it was written for another dialect or with Z0 elsewhere (every depth a
    sheet's thickness off: without the sheet it reads clean)."""
    from ..verify import read_program, stated_machine, stated_z_zero

    head = [ln.strip() for ln in text.splitlines()[:4]]
    if len(head) >= 2 and head[0] == "0" and head[1].upper() == "SECTION":
        raise InputError("a DXF drawing, not a program: give a sheet's DXF with --sheet", program)
    said = stated_machine(text)
    if said is not None and said[1] != prof.dialect:
        raise InputError(f"written for {said[0]} ({said[1]}), as its header says, but checked"
                         f" with the {prof.name} profile ({prof.dialect}): give the profile it"
                         " was written for (--profile)", program)
    zero = stated_z_zero(text, prof)
    if zero is not None and zero != prof.z_zero:
        where = {"stock-top": "stock top", "spoilboard": "spoilboard top"}
        raise InputError(f"written with Z0 = {where[zero]}, as its header says, but checked"
                         f" with the {prof.name} profile (z_zero = \"{prof.z_zero}\": Z0 ="
                         f" {where[prof.z_zero]}): give the profile it was written for"
                         " (--profile)", program)
    first = [ln for ln in text.splitlines()[:40] if ln.strip()]  # a log, a listing, prose
    unread = {v.line for v in read_program("\n".join(first), prof)[1] if v.kind == "syntax"}
    if first and 2 * len(unread) > len(first):
        what = "an OpenSBP" if prof.dialect == "shopbot" else "a G-code"
        raise InputError(f"not {what} program: {len(unread)} of the first {len(first)} lines"
                         " unreadable", program)


def _in_mm(tools: dict, prof) -> dict:
    """A tool table's tools with their diameters in mm: LinuxCNC reads its table in the
    machine's units, an inch shop's inches, as wikicut writes it beside inch programs
    (D0.25 for a 1/4 in tool)."""
    return {n: replace(t, diameter=t.diameter / prof.unit_scale) for n, t in tools.items()}


def _rated(programs: tuple[Path, ...], texts: list[str], prof, given, material: str,
           library, materials, notes: list[str]):
    """Each tool's limits in `material` from the tool library, for the tools the programs
    are said to cut with: a tool table's or --tool-diameter's (`given`) over the headers'
    (the type and flutes they state kept). One the library holds of that number and
    diameter keeps its limits (and a refusal in this material); one of another diameter
    is judged as the tool it is, said in `notes` (verify.limits_as_stated). A table's tools
    the programs never select or list (a shop's whole tool.tbl) are not judged. Programs
    whose headers list no tool, selecting none or the profile's number (no tool table's
    for it), are cut with the profile's tool (--tool-diameter's diameter): it is rated as
    its type and flutes."""
    from ..io.tools import load_library
    from ..verify import limits_as_stated, program_tools, selected_tools, spindle_tool

    stated: dict = {}
    used: set[int] = set()
    for text in texts:
        stated |= program_tools(text, prof, kinds=True)
        used |= {n for _, n in selected_tools(text, prof)}
    given = given or {}
    stated |= {n: replace(stated[n], diameter=t.diameter) if n in stated else t
               for n, t in given.items() if n in stated or n in used}
    whose, own = "the program's", spindle_tool(prof)
    if not stated and (not used or own.number in used - given.keys()):
        # no header: the profile's tool, in the spindle or selected by its number, as
        # verify_program judges it
        stated, whose = {own.number: own}, "the profile's"
    rated, said = limits_as_stated(load_library(library, materials), material, stated,
                                   ", ".join(map(str, programs)), whose)
    notes += said
    # a given tool the library has no number for: its diameter, unrated
    return rated | {n: t for n, t in given.items() if n not in rated}


def _one_tool(programs: tuple[Path, ...], texts: list[str], prof, tools, diameter: float):
    """`tools` with --tool-diameter the diameter of the one tool the programs' headers list
    (its limits kept): the header's diameter would take over from the profile's, and a
    wider cutter in the spindle go unchecked. Headers listing several tools need each
    one's: refused, pointing to --tool-table."""
    from ..verify import program_tools

    each = [program_tools(text, prof) for text in texts]
    listed: dict = {}
    for tools_of in each:
        listed |= tools_of
    if len(listed) > 1:
        several = [p for p, t in zip(programs, each) if len(t) > 1]
        numbers = ", ".join(f"T{n}" for n in sorted(listed))
        what = (f"its header lists {len(listed)} tools ({numbers})" if len(several) == 1
                else f"cut with {len(listed)} tools ({numbers}), as the headers say")
        raise InputError(f"{what}: --tool-diameter gives one tool's diameter; give each"
                         " tool's with --tool-table", ", ".join(map(str, several or programs)))
    if not listed:  # no header: the profile's tool (with the diameter) is the one
        return tools
    ((n, header),) = listed.items()
    tools = tools or {}
    return tools | {n: replace(tools.get(n, header), diameter=float(diameter))}


def report_violations(programs: Path | tuple[Path, ...], violations,
                      lines_per_file: list[int] | None = None) -> None:
    """One line per distinct violation: a program in the wrong dialect breaks every line the
    same way, and 3,000 copies of one message hide the others. With several programs read
    as one, a line is named in its own file."""
    if isinstance(programs, Path):
        programs = (programs,)
    counts = lines_per_file or [0] * len(programs)

    def where(line: int) -> tuple[Path | str, int]:
        if line == 0 and len(programs) > 1:  # the sheet's contours: all of them together
            return " + ".join(str(p) for p in programs), 0
        for prog, n in zip(programs[:-1], counts):
            if line <= n:
                return prog, line
            line -= n
        return programs[-1], line

    def at(m) -> str:  # a line a message names, in its own file too
        prog, line = where(int(m.group(1)))
        return f"at {prog}:{line}"

    groups: dict[tuple[str, str], list[int]] = {}
    for v in violations:
        message = v.message
        if len(programs) > 1:
            message = re.sub(r"\bat line (\d+)\b", at, message)
        groups.setdefault((v.kind, message), []).append(v.line)
    for (kind, message), lines in groups.items():
        prog, first = where(lines[0])
        more = (f" (and {len(lines) - 1} more lines like it, up to line {lines[-1]})"
                if len(lines) > 1 else "")
        if more and len(programs) > 1:
            last_prog, last = where(lines[-1])
            more = (f" (and {len(lines) - 1} more lines like it, up to {last_prog}:{last})")
        click.echo(f"{prog}:{first}: {kind}: {message}{more}")


# `wikicut diff`'s exit code for a bug: 1 says "the folders differ", and a CI gating on it
# must not read a crash as that
EXIT_DIFF_BUG = 5


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--html", "html_file", type=click.Path(path_type=Path),
              help="Also write a page with both layouts overlaid.")
@handle_errors
def diff_cmd(old: Path, new: Path, as_json, html_file) -> None:
    """Compare two output folders for CI: sheets added or removed, per sheet the parts added,
    removed, moved or resized, per program file (every one of a sheet cut with several tools)
    the cut length, estimated time, deepest cut, tools and first differing move.

    Exit 0 when they are the same, 1 when they differ (as diff does), 2 on bad input (a
    program file the report names and the folder lacks, for one; the machine profile the job
    ran with gone or changed), 5 on an internal error (a bug: never 1, "they differ").

    \b
    Examples:
      wikicut nest examples/house/job.toml -o old-out/ --seed 1
      wikicut nest examples/house/job.toml -o new-out/ --seed 2
      wikicut diff old-out/ new-out/
      wikicut diff old-out/ new-out/ --json --html diff.html
    """
    try:
        equal = _diff(old, new, as_json, html_file)
    except (WikicutError, BrokenPipeError, click.ClickException, click.exceptions.Exit):
        raise  # handle_errors says these, with their own codes
    except Exception as exc:
        if (click.get_current_context().find_root().obj or {}).get("debug", False):
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the"
                   " traceback, and please report it)", err=True)
        sys.exit(EXIT_DIFF_BUG)
    sys.exit(0 if equal else 1)


def _diff(old: Path, new: Path, as_json: bool, html_file: Path | None) -> bool:
    """Print the differences (and write the page): whether the folders are the same."""
    import json

    from ..diff import diff_folders, diff_html, diff_text

    d = diff_folders(old, new)
    if html_file is not None:
        page = diff_html(d)
        try:
            html_file.write_text(page, encoding="utf-8", newline="\n")
        except OSError as exc:  # a folder at that name, no such folder, read-only
            raise InputError(f"cannot write the page ({exc.strerror})", html_file) from None
    if as_json:
        click.echo(json.dumps(d.as_dict(), indent=1, sort_keys=True))
    else:
        click.echo(diff_text(d) or f"{old} and {new}: the same sheets, parts and moves", nl=False)
        if d.equal:
            click.echo("")
    return d.equal
