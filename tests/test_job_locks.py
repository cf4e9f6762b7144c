"""Locked parts and fillers end to end: the job keys, their one-line refusals, and a job
nested, cut and verified (layouts read back from the sheet DXFs, programs checked with
`wikicut verify --sheet`, two runs byte for byte, fillers adding no sheet)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file
from wikicut.io.items import job_items
from wikicut.io.job import load_job

ROOT = Path(__file__).resolve().parent.parent
SPACING = 12.0

JOB = """\
name = "locks"
[sheet]
width = 2440
height = 1220
thickness = 18
margin = 15
[nest]
spacing = 12
seed = 1
time_limit = 120
iterations = 150
workers = 1
[machine]
profile = "grbl"
tool_diameter = 6     # two grooves fill the 12 mm spacing: tabs hold wherever parts meet
[[part]]
file = "spacer.toml"
quantity = 8
params = { length = 900 }
lock = [{ sheet = 1, x = 1000, y = 100, rotation = 90 },
        { sheet = 1, x = 1300, y = 15 }]
[[part]]
file = "wedge.toml"
quantity = 80
filler = true
"""


def write(tmp_path: Path, text: str = JOB) -> Path:
    for name in ("spacer.toml", "wedge.toml"):
        shutil.copy(ROOT / "parts" / name, tmp_path / name)
    p = tmp_path / "job.toml"
    p.write_text(text)
    return p


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wikicut.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=900)


def items_of(tmp_path: Path, text: str):
    job = load_job(write(tmp_path, text))
    return job, job_items(job)


def test_lock_and_filler_keys_reach_the_items(tmp_path):
    job, items = items_of(tmp_path, JOB)
    locked = [it for it in items if it.lock is not None]
    assert [it.instance for it in locked] == ["spacer#1", "spacer#2"]
    assert (locked[0].lock.sheet, locked[0].lock.x, locked[0].lock.y,
            locked[0].lock.rotation, locked[0].lock.stock) == (1, 1000.0, 100.0, 90.0, 0)
    assert locked[1].lock.rotation == 0.0 and locked[1].lock.key == "part[1].lock[2]"
    assert sum(it.filler for it in items) == 80
    assert not any(it.filler for it in items if it.part.name == "spacer")


@pytest.mark.parametrize("old, new, key, expect", [
    # outside the sheet: past the right edge, into the margin
    ("x = 1300, y = 15 }", "x = 2400, y = 15 }", "'part[1].lock[2]' (line 21)", "at x = 2400"),
    ("x = 1300, y = 15 }", "x = 1400, y = 5 }", "'part[1].lock[2]'",
     "not inside sheet 1's usable area"),
    # on top of the other locked copy, and nearer it than the spacing
    ("x = 1300, y = 15 }", "x = 1000, y = 100 }", "'part[1].lock[2]'",
     "spacer#2 overlaps spacer#1"),
    ("rotation = 90 },", "rotation = 90 }, { sheet = 1, x = 1205, y = 100, rotation = 90 },",
     "'part[1].lock[2]'", "spacer#2 is 5.000 mm from spacer#1, locked on sheet 1 too"),
    ("x = 1300, y = 15 }", "x = 1300, y = 15, rotation = 45 }",
     "'part[1].lock[2].rotation'", "45 is not one of the part's rotations (0, 90, 180, 270)"),
    ("x = 1300, y = 15 }", "x = 1300, y = 15 }]\nrotations = [0, 180]\n#",
     "'part[1].lock[1].rotation' (line 20)", "90 is not one of the part's rotations (0, 180)"),
    ("{ sheet = 1, x = 1300", "{ sheet = 3, x = 1300",
     "'part[1].lock[2].sheet' (line 21)", "locked on sheet 3, but no part is locked on sheet 2"),
    ("margin = 15\n", "margin = 15\ncount = 1\n", None, None),  # one sheet, one locked sheet: fine
    ("{ sheet = 1, x = 1300", "{ sheet = 2, x = 1300", None, None),
    ("quantity = 8", "quantity = 1", "'part[1].lock'", "2 locks for a quantity of 1"),
    ("filler = true", "filler = true\nlock = { sheet = 1, x = 15, y = 15 }",
     "'part[2].filler'", "a locked part is placed, not a filler"),
    ("rotation = 90 }", "rotation = 90, sheett = 2 }", "'part[1].lock[1].sheett'", "unknown key"),
    ("rotation = 90 }", "rotation = 90, stock = 2 }",
     "'part[1].lock[1].stock'", "the job lists 1 [[sheet]] entries, not 2"),
    ("{ sheet = 1, x = 1000", "{ sheet = 0, x = 1000", "'part[1].lock[1].sheet'", "must be"),
    ("lock = [{ sheet = 1, x = 1000, y = 100, rotation = 90 },\n"
     "        { sheet = 1, x = 1300, y = 15 }]",
     "lock = 5", "'part[1].lock'", "must be a table"),
])
def test_bad_locks_are_refused_in_one_line_naming_part_and_key(tmp_path, old, new, key, expect):
    assert old in JOB
    text = JOB.replace(old, new, 1)
    if key is None:
        items_of(tmp_path, text)
        return
    with pytest.raises(InputError) as e:
        items_of(tmp_path, text)
    msg = str(e.value)
    assert f"key {key}" in msg and expect in msg and "\n" not in msg, msg
    assert "job.toml" in msg


def test_two_locked_sheets_on_a_one_sheet_stock_are_refused(tmp_path):
    text = JOB.replace("margin = 15\n", "margin = 15\ncount = 1\n").replace(
        "{ sheet = 1, x = 1300", "{ sheet = 2, x = 1300")
    with pytest.raises(InputError) as e:
        items_of(tmp_path, text)
    assert ("key 'part[1].lock[2].sheet' (line 22): 2 sheets of sheet[1] hold locked parts,"
            " but it has 1" in str(e.value)), str(e.value)


def test_the_command_refuses_a_lock_outside_the_sheet_with_exit_2(tmp_path):
    job = write(tmp_path, JOB.replace("x = 1300, y = 15 }", "x = 2400, y = 15 }"))
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode", "-q")
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "part 'spacer'" in lines[0] and "lock[2]" in lines[0], lines
    assert not (tmp_path / "out").exists()


def sheet_outlines(out: Path, report: dict) -> list[list]:
    """Each sheet's part outlines as drawn in its DXF (read back, not from the nester)."""
    sheets = []
    for s in report["sheets"]:
        (sheet,) = read_cutting_file(out / s["file_dxf"])
        assert len(sheet.placements) == len(s["parts"])
        sheets.append([pl.placed().outline for pl in sheet.placements])
    return sheets


def check_sheets(sheets: list[list], report: dict) -> None:
    for s, outs in zip(report["sheets"], sheets):
        st = s["stock"]
        m = st["margin"]
        for g in outs:
            x0, y0, x1, y1 = g.bounds
            assert m - 1e-3 <= x0 and x1 <= st["width"] - m + 1e-3, (s["index"], g.bounds)
            assert m - 1e-3 <= y0 and y1 <= st["height"] - m + 1e-3, (s["index"], g.bounds)
        for a, b in combinations(outs, 2):
            assert a.distance(b) >= SPACING - 1e-3, (s["index"], a.distance(b))


@pytest.mark.slow
def test_a_job_with_locked_parts_and_fillers_is_nested_cut_and_verified(tmp_path):
    job = write(tmp_path)
    a, b, bare = tmp_path / "a", tmp_path / "b", tmp_path / "bare"
    for out in (a, b):
        res = run("nest", str(job), "-o", str(out), "-q")
        assert res.returncode == 0, res.stderr
    report = json.loads((a / "report.json").read_text())
    # byte for byte the same from the same seed and iterations
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # the locked copies exactly where the job put them, on sheet 1
    parts = {p["id"]: (s["index"], p) for s in report["sheets"] for p in s["parts"]}
    for inst, (x, y, rot) in {"spacer#1": (1000, 100, 90), "spacer#2": (1300, 15, 0)}.items():
        k, p = parts[inst]
        assert k == 1 and p.get("locked") is True and p["rotation"] == rot
        assert p["bbox"][:2] == pytest.approx([x, y], abs=1e-3)
    sheets = sheet_outlines(a, report)
    check_sheets(sheets, report)
    for inst in ("spacer#1", "spacer#2"):  # drawn there in the DXF too
        bbox = parts[inst][1]["bbox"]
        assert any(g.bounds == pytest.approx(bbox, abs=1e-3) for g in sheets[0])
    # fillers: counted, placed ones flagged, those left out no fault (exit 0 above)
    fil = report["totals"]["fillers"]
    placed_fillers = [i for i, (_, p) in parts.items() if p.get("filler")]
    assert fil["placed"] == len(placed_fillers) > 10 and fil["placed"] + fil["left"] == 80
    assert report["unplaced"] == [] and all(i.startswith("wedge") for i in placed_fillers)
    # every program clean against its own sheet
    for s in report["sheets"]:
        res = CliRunner().invoke(main, ["verify", str(a / s["file_program"]), "--profile",
                                        "grbl", "--sheet", str(a / s["file_dxf"])])
        assert res.exit_code == 0, res.output
    # the same job without fillers needs as many sheets
    job2 = write(tmp_path, JOB.split("[[part]]\nfile = \"wedge.toml\"")[0])
    res = run("nest", str(job2), "-o", str(bare), "--no-gcode", "-q")
    assert res.returncode == 0, res.stderr
    assert json.loads((bare / "report.json").read_text())["totals"]["sheets"] == len(sheets)


def test_fillers_all_placed_are_said_so(tmp_path):
    # with a price on the one kind of sheet: its cost line as well
    job = write(tmp_path, JOB.replace("quantity = 80", "quantity = 5").replace(
        "margin = 15\n", "margin = 15\nprice = 40\n", 1))
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode")
    assert res.returncode == 0, res.stderr
    assert "fillers: 5 placed, all wanted" in res.stdout and "left out" not in res.stdout
    # the search's progress counts the two locked spacers with the six it nests, on the sheet
    # they share: 8/8 and about the last line's use less five wedges (not 6/6 and 38.5 %)
    said = [ln for ln in res.stderr.splitlines() if ln.startswith("nest:")]
    assert said[0].endswith(" 8/8 placed") and said[-1].endswith(" 13/13 placed"), res.stderr
    used = [float(ln.split("% used")[0].rsplit(" ", 1)[1]) for ln in said]
    assert used[-1] - 1.5 < used[0] <= used[-1], res.stderr
    sheets = json.loads((tmp_path / "out" / "report.json").read_text())["totals"]["sheets"]
    assert f"sheets: cost {40 * sheets:.2f}" in res.stdout, res.stdout
    html = (tmp_path / "out" / "index.html").read_text()
    assert "<li>Fillers: 5 placed, all wanted</li>" in html


def test_fillers_that_find_no_room_are_not_an_error(tmp_path):
    """A sheet nearly full of locked parts: the fillers that do not fit are counted as
    left, and the command exits 0 (parts of the job left out would exit 3)."""
    text = JOB.replace("quantity = 80", "quantity = 600")
    text = text.replace("quantity = 8\n", "quantity = 2\n")
    text = text.replace("width = 2440", "width = 1400").replace(
        "{ sheet = 1, x = 1300, y = 15 }", "{ sheet = 1, x = 15, y = 15 }").replace(
        "x = 1000, y = 100, rotation = 90", "x = 1185, y = 100, rotation = 90")
    job = write(tmp_path, text)
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode")
    assert res.returncode == 0, res.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    fil = report["totals"]["fillers"]
    assert fil["left"] > 0 and fil["placed"] + fil["left"] == 600
    assert report["totals"]["sheets"] == 1 and report["unplaced"] == []
    assert f"fillers: {fil['placed']} placed, {fil['left']} left out" in res.stdout
    html = (tmp_path / "out" / "index.html").read_text()
    assert f"<li>Fillers: {fil['placed']} placed, {fil['left']} left out" in html
    check_sheets(sheet_outlines(tmp_path / "out", report), report)


def test_a_lock_on_a_dxf_of_several_parts_is_refused(tmp_path):
    shutil.copy(ROOT / "examples" / "dxf-parts" / "feet.dxf", tmp_path / "feet.dxf")
    text = JOB + '[[part]]\nfile = "feet.dxf"\nlock = { sheet = 1, x = 15, y = 600 }\n'
    with pytest.raises(InputError) as e:
        items_of(tmp_path, text)
    msg = str(e.value)
    assert "key 'part[3].lock': the file holds 2 parts; a lock places one" in msg, msg


@pytest.mark.parametrize("lock, key", [
    ("{ sheet = 0, x = 1000, y = 100 }", "part[1].lock[1].sheet"),
    ("{ sheet = 1, x = 1000 }", "part[1].lock[1].y"),
])
def test_a_lock_number_refused_names_the_part_as_well_as_its_key(tmp_path, lock, key):
    """A [[part]]'s key errors (a lock's numbers among them) name the part the entry is."""
    text = JOB.replace("lock = [{ sheet = 1, x = 1000, y = 100, rotation = 90 },",
                       f"lock = [{lock},")
    with pytest.raises(InputError) as err:
        load_job(write(tmp_path, text))
    assert "part 'spacer'" in str(err.value) and key in str(err.value)
