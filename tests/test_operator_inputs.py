"""Hostile inputs to the CLI that crashed
with an internal error, were silently accepted, or destroyed an input. Each must be one line
naming the file and what is wrong, exit 2 (or the documented code), and leave outputs as
they were."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import one_line_error, run

from wikicut.io.job import load_job

ROOT = Path(__file__).resolve().parent.parent
WEDGE = (ROOT / "parts" / "wedge.toml").as_posix()

JOB = f"""\
name = "walk"
[sheet]
width = 1220
height = 610
thickness = 18
margin = 15
[nest]
spacing = 12
time_limit = 5
iterations = 1
[[part]]
file = "{WEDGE}"
quantity = 2
"""

OFFCUT_JOB = f"""\
name = "walk"
[sheet]
thickness = 18
outline = [[0, 0], [1000, 0], [1000, 500], [0, 500]]
{{holes}}
[[part]]
file = "{WEDGE}"
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# --- a sheet's holes ([sheet] outline + holes, remnant files) --------------------------------


@pytest.mark.parametrize("holes, needle", [
    # outside the offcut: was dropped without a word, parts nested over the damage
    ("holes = [[[2000, 2000], [2100, 2000], [2100, 2100]]]", "lies outside the outline"),
    # across the edge: became a notch
    ("holes = [[[900, 100], [1100, 100], [1100, 300], [900, 300]]]",
     "crosses the outline's edge"),
    # a bow tie: GEOSException, internal error
    ("holes = [[[100, 100], [300, 300], [300, 100], [100, 300]]]", "not a valid polygon"),
])
def test_sheet_holes_off_the_material_are_refused(tmp_path, holes, needle):
    job = tmp_path / "job.toml"
    job.write_text(OFFCUT_JOB.format(holes=holes))
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode")
    one_line_error(res, 2, "job.toml", "sheet.holes[0]", needle)
    assert not (tmp_path / "out").exists()


def test_sheet_hole_inside_is_kept(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text(OFFCUT_JOB.format(
        holes="holes = [[[200, 150], [300, 150], [300, 250], [200, 250]]]"))
    stock = load_job(job).stocks[0]
    assert len(stock.outline.interiors) == 1
    assert stock.outline.area == pytest.approx(1000 * 500 - 100 * 100)


def test_remnant_file_with_a_crossed_hole_is_bad_input(tmp_path):
    (tmp_path / "rem.toml").write_text(
        '[[sheet]]\nid = "R1"\nthickness = 18\n'
        "outline = [[0, 0], [500, 0], [500, 400], [0, 400]]\n"
        "holes = [[[100, 100], [300, 300], [300, 100], [100, 300]]]\n")
    job = tmp_path / "job.toml"
    job.write_text(f'name = "walk"\n[[sheet]]\nfrom = "rem.toml"\n[[part]]\nfile = "{WEDGE}"\n')
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode")
    one_line_error(res, 2, "rem.toml", "sheet[1].holes[0]")


# --- wikicut part / preview -o ---------------------------------------------------------------


@pytest.mark.parametrize("cmd", ["part", "preview"])
def test_part_output_that_cannot_be_written(tmp_path, cmd):
    ext = ".dxf" if cmd == "part" else ".svg"
    (tmp_path / f"folder{ext}").mkdir()
    (tmp_path / "afile").write_text("x")
    force = ["--force"] if cmd == "part" else []
    res = run(cmd, WEDGE, "-o", str(tmp_path / f"folder{ext}"), *force)
    one_line_error(res, 2, f"folder{ext}", "is a folder")
    res = run(cmd, WEDGE, "-o", str(tmp_path / "afile" / f"x{ext}"), *force)
    one_line_error(res, 2, "afile is a file, not a folder")
    assert (tmp_path / "afile").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", f"folder{ext}"]


def test_part_param_given_twice(tmp_path):
    res = run("part", WEDGE, "-p", "length=100", "-p", "length=200",
              "-o", str(tmp_path / "w.dxf"))
    one_line_error(res, 2, "length given twice")
    assert not (tmp_path / "w.dxf").exists()


def test_label_height_is_named_once(tmp_path):
    part = tmp_path / "p.toml"
    part.write_text('label_height = 0\n[[feature]]\ntype = "circle"\ncx = 0\ncy = 0\nr = 50\n')
    line = one_line_error(run("part", str(part), "-o", str(tmp_path / "p.dxf")), 2,
                          "key 'label_height' (line 1)")
    assert "label_height.label_height" not in line


def test_part_file_name_with_a_line_break(tmp_path):
    part = tmp_path / "p.toml"
    part.write_text('name = "a\\nb"\n[[feature]]\ntype = "circle"\ncx = 0\ncy = 0\nr = 50\n')
    one_line_error(run("part", str(part), "-o", str(tmp_path / "p.dxf")), 2, "key 'name'",
                   "line break")


# --- job keys --------------------------------------------------------------------------------


@pytest.mark.parametrize("name, needle", [
    ('""', "must not be empty"),  # was ignored: the file's name used
    (f'"{"x" * 500}"', "500 characters"),  # a part file's name may have 200
    ('"a\\nb"', "line break"),
])
def test_job_part_name(tmp_path, name, needle):
    job = tmp_path / "job.toml"
    job.write_text(JOB + f"name = {name}\n")
    with pytest.raises(Exception) as exc:
        load_job(job)
    assert "part[1].name" in str(exc.value) and needle in str(exc.value)


@pytest.mark.parametrize("extra, key, needle", [
    ('[layers]\nCUT = "outsde"\n', "layers.CUT", "'outsde' is not one of"),
    ('[layers]\nCUT = "pocket:nan"\n', "layers.CUT", "depth must be > 0"),
    ('[layers]\nCUT = "outside"\n" cut " = "inside"\n', "layers. cut ", "same layer as 'CUT'"),
    ("[dxf]\njoin_tolerance = 50\n", "dxf.join_tolerance", "at most 5"),
])
def test_job_reading_keys_named_in_the_job(tmp_path, extra, key, needle):
    """Refused when a DXF was read, naming the DXF and not the job's key (or not at all: the
    second spelling of a layer was ignored)."""
    job = tmp_path / "job.toml"
    job.write_text(JOB.replace("[[part]]", extra + "[[part]]"))
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode")
    one_line_error(res, 2, "job.toml", f"key '{key}'", needle)


def test_join_tolerance_flag_is_the_readers_limit():
    from wikicut.cli.common import MAX_JOIN_TOL
    from wikicut.io.dxf.chain import MAX_JOIN_TOL as READER

    assert MAX_JOIN_TOL == READER


def test_layer_flag_checked_and_wins_over_options(tmp_path):
    res = run("part", str(ROOT / "examples" / "dxf-parts" / "bracket.dxf"), "--layer",
              "CUT=outsde", "-o", str(tmp_path / "b.svg"))
    one_line_error(res, 2, "--layer CUT=outsde", "'outsde' is not one of")
    from wikicut.cli.common import build_reading

    opts = tmp_path / "o.toml"
    opts.write_text('[layers]\ncut = "ignore"\n')
    reading = build_reading(opts, ("CUT=outside",), None, None, None)
    assert reading.layer_map == {"CUT": "outside"}


def test_parts_of_a_missing_folder(tmp_path):
    one_line_error(run("parts", str(tmp_path / "nope")), 2, "nope", "no such folder")
    (tmp_path / "bad.toml").write_text("name = 5\n")
    res = run("parts", str(tmp_path))
    assert res.exit_code == 0 and "BROKEN" in res.output and "key 'name'" in res.output


def test_output_piped_into_head_is_no_internal_error():
    """`wikicut parts | head`: the reader gone, Python's BrokenPipeError was an internal
    error (exit 1) or a traceback."""
    p = subprocess.run(f"{sys.executable} -m wikicut.cli parts | true;"
                       " exit ${PIPESTATUS[0]}", shell=True, capture_output=True, text=True,
                       executable="/bin/bash")
    assert "internal error" not in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert p.returncode in (0, 141), p.stderr


# --- recut, diff, preview, verify on a real output folder ------------------------------------


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A small job's output with programs and without (--no-gcode)."""
    base = tmp_path_factory.mktemp("walk")
    job = base / "job.toml"
    job.write_text(JOB)
    for name, extra in (("cut", []), ("layout", ["--no-gcode"])):
        res = run("nest", str(job), "-o", str(base / name), "-q", *extra)
        assert res.exit_code == 0, res.output
    return base


def test_recut_never_replaces_its_own_job(folders, tmp_path):
    out = tmp_path / "cut"
    shutil.copytree(folders / "cut", out)
    before = tree(out)
    res = run("recut", str(out), "wedge", "-o", str(out), "--force")
    one_line_error(res, 2, "is the input folder")
    assert tree(out) == before  # the job's sheets were replaced by the one re-cut part
    (out / "off.toml").write_text("[sheet]\nwidth = 400\nheight = 300\nthickness = 18\n")
    before = tree(out)
    res = run("recut", str(folders / "cut"), "wedge", "--on", str(out / "off.toml"),
              "-o", str(out), "--force")
    one_line_error(res, 2, "off.toml")
    assert tree(out) == before


def test_recut_into_a_new_folder_still_works(folders, tmp_path):
    res = run("recut", str(folders / "cut"), "wedge#2", "--at", "100,100",
              "-o", str(tmp_path / "re"))
    assert res.exit_code == 0, res.output
    rep = json.loads((tmp_path / "re" / "report.json").read_text())
    assert rep["settings"]["recut_of"] == "wedge#2"


@pytest.mark.parametrize("args, needle", [
    (["--at", "nan,5"], "must be a finite number"),  # GEOSException
    (["--at", "inf,inf"], "must be a finite number"),
    (["--at", "5,5", "--on", "off.toml"], "give --on or --at, not both"),  # UsageError: exit 1
])
def test_recut_bad_flags(folders, tmp_path, args, needle):
    res = run("recut", str(folders / "cut"), "wedge", *args, "-o", str(tmp_path / "re"),
              cwd=tmp_path)
    one_line_error(res, 2, needle)
    assert not (tmp_path / "re").exists()


def _broken(folders: Path, tmp_path: Path, how: str) -> Path:
    bad = tmp_path / f"bad-{how}"
    shutil.copytree(folders / "cut", bad)
    rep = json.loads((bad / "report.json").read_text())
    if how == "index":
        rep["sheets"][0]["index"] = "one"
    elif how == "sheets":
        rep["sheets"] = 5
    elif how == "no-parts":
        del rep["sheets"][0]["parts"]
    elif how == "bbox":
        rep["sheets"][0]["parts"][0]["bbox"] = "here"
    elif how == "folder":
        (bad / "report.json").unlink()
        (bad / "report.json").mkdir()
        return bad
    (bad / "report.json").write_text(json.dumps(rep))
    return bad


@pytest.mark.parametrize("how", ["index", "sheets", "no-parts", "bbox", "folder"])
def test_hand_edited_reports_are_bad_input(folders, tmp_path, how):
    """KeyError, TypeError and IsADirectoryError reached the user as internal errors."""
    bad = _broken(folders, tmp_path, how)
    one_line_error(run("diff", str(folders / "cut"), str(bad)), 2, "report.json")
    res = run("recut", str(bad), "wedge", "-o", str(tmp_path / "re"))
    one_line_error(res, 2, "report.json")
    assert not (tmp_path / "re").exists()
    one_line_error(run("preview", str(bad)), 2, "report.json")


def test_diff_of_a_folder_without_programs(folders):
    """A folder written with --no-gcode was "the same sheets, parts and moves" (exit 0) as
    one with programs: CI missed the programs that went."""
    res = run("diff", str(folders / "cut"), str(folders / "layout"))
    assert res.exit_code == 1, res.output
    assert "sheet-001.nc no longer run" in res.output
    res = run("diff", str(folders / "layout"), str(folders / "cut"))
    assert res.exit_code == 1 and "sheet-001.nc added" in res.output, res.output
    res = run("diff", str(folders / "layout"), str(folders / "layout"))
    assert res.exit_code == 0, res.output


def test_diff_html_that_cannot_be_written(folders, tmp_path):
    (tmp_path / "page.html").mkdir()
    res = run("diff", str(folders / "cut"), str(folders / "cut"), "--html",
              str(tmp_path / "page.html"))
    one_line_error(res, 2, "page.html", "cannot write")


def test_verify_tool_table_that_lists_no_tools(folders, tmp_path):
    """A garbage table was read as no tools: the sheet checks ran on the profile's tool."""
    prog, sheet = folders / "cut" / "sheet-001.nc", folders / "cut" / "sheet-001.dxf"
    for text, needle in (("hello world\n", "no tools found"),
                         ("T1 P1 D-6 ;a negative tool\n", "T1: diameter")):
        tbl = tmp_path / "tool.tbl"
        tbl.write_text(text)
        res = run("verify", str(prog), "--profile", "grbl", "--sheet", str(sheet),
                  "--tool-table", str(tbl))
        one_line_error(res, 2, "tool.tbl", needle)
    tbl.write_text("T1 P1 D6.000 ;6 mm end mill\n")
    res = run("verify", str(prog), "--profile", "grbl", "--sheet", str(sheet),
              "--tool-table", str(tbl))
    assert res.exit_code == 0, res.output


def test_verify_binary_program(tmp_path):
    prog = tmp_path / "x.nc"
    prog.write_bytes(b"\x00\x01\x02")
    one_line_error(run("verify", str(prog), "--profile", "grbl"), 2, "x.nc", "binary")


def test_recut_finds_the_jobs_own_profile_file_from_anywhere(tmp_path):
    """A job with its own profile file (a path from the job's folder): recut run from
    another folder finds it beside the output folder; gone, it is one line asking for
    --profile, never a shipped profile of the same name in its place."""
    base = tmp_path / "shop"
    base.mkdir()
    (base / "router.toml").write_text((ROOT / "profiles" / "grbl.toml").read_text()
                                      .replace('name = "GRBL"', 'name = "Our router"'))
    (base / "job.toml").write_text(JOB + '[machine]\nprofile = "router.toml"\n')
    res = run("nest", "job.toml", "-o", "out", "-q", cwd=base)
    assert res.exit_code == 0, res.output
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    res = run("recut", str(base / "out"), "wedge#1", "-o", "re", cwd=elsewhere)
    assert res.exit_code == 0, res.output
    assert "Our router" in (elsewhere / "re" / "report.json").read_text()
    (base / "router.toml").unlink()
    res = run("recut", str(base / "out"), "wedge#1", "-o", "re2", cwd=elsewhere)
    one_line_error(res, 2, "give --profile")
    assert not (elsewhere / "re2").exists()
