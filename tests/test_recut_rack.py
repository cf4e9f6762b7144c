"""`wikicut recut` cuts a part again as the job cut it: with the job's rack, tools per
operation and feeds (report.json `settings.tooling`), and it records where the part went in
the schema's terms (a placement of the part itself: mirrored, turned about its origin, moved),
not of the already placed outline read from the sheet's DXF."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from conftest import panel_part

from wikicut.cli import main
from wikicut.io.dxf import read_cutting_file
from wikicut.io.parts.build import load_part
from wikicut.io.profiles import load_profile
from wikicut.model import Placement

SHEET = """[sheet]
width = 1000
height = 600
thickness = 18
margin = 10
material = "BirchPly"
[nest]
spacing = 12
seed = 1
time_limit = 2
iterations = 5
"""


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _nest(folder: Path, machine: str, part: str, lock: str = "") -> Path:
    """folder/out: one copy of `part` (a part file's text) nested with `[machine]` lines."""
    (folder / "part.toml").write_text(part)
    job = folder / "job.toml"
    job.write_text(f'name = "one"\n{SHEET}[machine]\nprofile = "grbl"\n{machine}\n'
                   f'[[part]]\nfile = "part.toml"\nquantity = 1\n{lock}\n')
    res = _run("nest", str(job), "-o", str(folder / "out"), "-q")
    assert res.exit_code == 0, res.output
    return folder / "out"


def _cutting(path: Path) -> tuple:
    """What a program cuts with: its tool line, each feed and speed word as often as it is
    written, and its operations in order (the part's outline, read back from the sheet's
    DXF, may start its loops elsewhere: the moves themselves may differ)."""
    text = path.read_text()
    return (re.findall(r"^\(tool: .*$", text, re.M), Counter(re.findall(r"[FS]\d+", text)),
            re.findall(r"^\(panel#\w+ (\w+)\)$", text, re.M))


def _placed(out: Path) -> dict:
    (sheet,) = json.loads((out / "report.json").read_text())["sheets"]
    (part,) = sheet["parts"]
    return part


RACK = "tools = [1, 7]\n[machine.operations.outline]\ntool = 1\nfeed = 5000"


@pytest.fixture(scope="module")
def racked(tmp_path_factory) -> Path:
    """A panel with a 3 mm drill (the 2.5 mm T7 bores it; the 6 mm T1 cannot) cut with the
    rack [1, 7], its outlines at a feed of the job's own."""
    return _nest(tmp_path_factory.mktemp("rack"), RACK, panel_part(drill=3.0))


def test_recut_at_the_parts_own_spot_writes_the_jobs_programs(racked, tmp_path):
    """On a sheet like its own, at the corner it was cut at, the part alone is cut as the
    job's sheet that held only it was: one program per tool, each with the same tool, feeds
    and operations (T7 the label and the drill, T1 the hole and the outline at 5000)."""
    rep = json.loads((racked / "report.json").read_text())
    assert rep["settings"]["tooling"] == {
        "tools": [1, 7], "operations": {"outline": {"tool": 1, "feed": 5000.0}},
        "material": "BirchPly",
        "library": None, "materials": None}
    b = _placed(racked)["bbox"]
    res = _run("recut", str(racked), "panel#1", "--at", f"{b[0]},{b[1]}", "-o",
               str(tmp_path / "re"))
    assert res.exit_code == 0, res.output
    assert "warning" not in res.output
    job = sorted(p.name for p in racked.glob("*.nc"))
    assert job == ["sheet-001-1-T7.nc", "sheet-001-2-T1.nc"]
    assert sorted(p.name for p in (tmp_path / "re").glob("*.nc")) == job
    for name in job:
        assert _cutting(tmp_path / "re" / name) == _cutting(racked / name), name
    again = json.loads((tmp_path / "re" / "report.json").read_text())
    assert again["settings"]["tooling"] == rep["settings"]["tooling"]  # a recut recuts alike
    (sheet,) = again["sheets"]
    assert [(t["number"], t["rpm"]) for t in sheet["tools"]] == [
        (t["number"], t["rpm"]) for t in rep["sheets"][0]["tools"]]


def test_recut_on_an_offcut_cuts_with_the_jobs_tools_and_feeds(racked, tmp_path):
    offcut = tmp_path / "offcut.toml"
    offcut.write_text('[sheet]\nwidth = 500\nheight = 400\nthickness = 18\nmargin = 10\n')
    res = _run("recut", str(racked), "panel#1", "--on", str(offcut), "-o", str(tmp_path / "re"))
    assert res.exit_code == 0, res.output
    t1 = (tmp_path / "re" / "sheet-001-2-T1.nc").read_text()
    t7 = (tmp_path / "re" / "sheet-001-1-T7.nc").read_text()
    assert "T1 6 mm" in t1 and "compression" in t1 and "T7 2.5 mm" in t7
    assert set(re.findall(r"F(\d+)", t1)) == set(
        re.findall(r"F(\d+)", (racked / "sheet-001-2-T1.nc").read_text()))
    assert "F5000" in t1  # the job's outline feed, not the library's


def test_a_report_from_before_the_record_recuts_with_the_profiles_tool(tmp_path):
    """No `settings.tooling` (a report written before it was): cut as before, with the
    profile's own tool and feeds, and one warning line that the job's rack is unknown."""
    out = _nest(tmp_path, "tools = [1]", panel_part())
    rep = json.loads((out / "report.json").read_text())
    del rep["settings"]["tooling"]
    (out / "report.json").write_text(json.dumps(rep))
    res = _run("recut", str(out), "panel#1", "-o", str(tmp_path / "re"))
    assert res.exit_code == 0, res.output
    said = [ln for ln in res.output.splitlines() if ln.startswith("warning:")]
    assert len(said) == 1 and "rack is unknown" in said[0] and "report.json" in said[0], said
    text = (tmp_path / "re" / "sheet-001.nc").read_text()
    grbl = load_profile("grbl")
    assert f"F{grbl.feeds.cut:g}" in text and "compression" not in text
    assert f"F{grbl.feeds.cut:g}" not in (out / "sheet-001.nc").read_text()  # the job's T1


# an L-shaped part drawn away from its origin, with a hole: integer corners, so the part's
# own outline placed as the report says is the sheet DXF's to within its precision
L_PART = """name = "ell"
[[feature]]
type = "polygon"
points = [[40, 30], [340, 30], [340, 130], [140, 130], [140, 230], [40, 230]]
[[feature]]
type = "rectangle"
x = 60
y = 50
w = 40
h = 40
op = "cut"
"""


@pytest.fixture(scope="module", params=[False, True], ids=["face-up", "mirrored"])
def turned(request, tmp_path_factory) -> Path:
    """The L locked turned a quarter (and face down), so its placement is nothing like the
    placed outline's."""
    mirror = ", mirror = true" if request.param else ""
    return _nest(tmp_path_factory.mktemp("ell"), "",
                 L_PART, f"lock = {{ sheet = 1, x = 300, y = 150, rotation = 90{mirror} }}")


def _check_placement(out: Path, rec: Path, part_name: str = "ell") -> dict:
    """The recut's report and parts.csv give one placement; applied to the part's own
    outline (its file, rendered) it is the outline the recut's sheet DXF draws."""
    orig = _placed(out)
    got = _placed(rec)
    assert bool(got.get("mirrored")) == bool(orig.get("mirrored"))
    (row,) = csv.DictReader((rec / "parts.csv").open())
    assert (float(row["x"]), float(row["y"]), float(row["rotation"])) == (
        got["x"], got["y"], got["rotation"])
    own = load_part(out.parent / "part.toml", thickness=18)
    mine = Placement("p", own, got["x"], got["y"], got["rotation"],
                     bool(got.get("mirrored"))).placed().outline
    (sheet,) = read_cutting_file(rec / "sheet-001.dxf")
    (drawn,) = sheet.placements
    assert shapely.equals_exact(shapely.normalize(mine),
                                shapely.normalize(drawn.placed().outline), 1e-6), (
        got, mine.bounds, drawn.placed().outline.bounds)
    assert [round(v, 3) for v in mine.bounds] == got["bbox"]
    return got


def test_recut_at_a_spot_gives_the_parts_placement(turned, tmp_path):
    orig = _placed(turned)
    assert orig["rotation"] == 90.0
    rec = tmp_path / "re"
    res = _run("recut", str(turned), "ell#1", "--at", "200,150", "-o", str(rec))
    assert res.exit_code == 0, res.output
    got = _check_placement(turned, rec)
    # turned as the job turned it, its box's corner at the spot
    assert got["rotation"] == 90.0 and got["bbox"][:2] == [200.0, 150.0]


def test_recut_turned_to_fit_an_offcut_composes_both_turns(turned, tmp_path):
    """The offcut takes the L only turned a quarter more than the job turned it."""
    offcut = tmp_path / "offcut.toml"
    offcut.write_text('[sheet]\nwidth = 400\nheight = 260\nthickness = 18\nmargin = 10\n')
    rec = tmp_path / "re"
    res = _run("recut", str(turned), "ell#1", "--on", str(offcut), "-o", str(rec))
    assert res.exit_code == 0, res.output
    got = _check_placement(turned, rec)
    assert got["rotation"] == 180.0


def test_recut_finds_the_jobs_own_tool_library_beside_its_output(tmp_path):
    """A rack from a library of the shop's (the 2.5 mm end mill numbered 17 there), named
    from the job's folder: found again beside the output folder, from anywhere; gone, it is
    refused in one line naming it, never the shipped library instead."""
    shop = tmp_path / "shop"
    shop.mkdir()
    lib = (Path(__file__).resolve().parent.parent / "tools" / "library.toml").read_text()
    assert lib.count("\nnumber = 7\n") == 1
    (shop / "tools.toml").write_text(lib.replace("\nnumber = 7\n", "\nnumber = 17\n"))
    out = _nest(tmp_path, 'tools = [1, 17]\nlibrary = "shop/tools.toml"', panel_part(drill=3.0))
    assert json.loads((out / "report.json").read_text())["settings"]["tooling"]["library"] == (
        "shop/tools.toml")
    res = _run("recut", str(out), "panel#1", "-o", str(tmp_path / "re"))
    assert res.exit_code == 0, res.output
    assert "T17 2.5 mm" in (tmp_path / "re" / "sheet-001-1-T17.nc").read_text()
    (shop / "tools.toml").unlink()
    res = _run("recut", str(out), "panel#1", "-o", str(tmp_path / "re2"))
    assert res.exit_code == 2, res.output
    (line,) = res.output.strip().splitlines()
    assert "shop/tools.toml" in line and "report.json" in line and "neither here nor" in line
    assert not (tmp_path / "re2").exists()
