"""At the router: repeated sheets cut by one program, the cut list, re-cutting one part."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.pipeline import write_outputs

ROOT = Path(__file__).resolve().parent.parent
HOUSE = ROOT / "examples" / "house" / "job.toml"


def rib() -> Part:
    return Part("rib", shapely.box(0, 0, 500, 120).difference(shapely.box(100, 0, 118.3, 60)),
                source="parts/rib.toml")


def sheet(index: int, dx: float = 0.0) -> SheetLayout:
    st = Stock(1220, 640, 18.3, 15, material="BirchPly")
    return SheetLayout(index, st, [Placement(f"rib#{2 * index - 1}", rib(), 20 + dx, 20, 0.0),
                                   Placement(f"rib#{2 * index}", rib(), 720, 20, 90.0)])


@pytest.fixture(scope="module")
def repeated(tmp_path_factory) -> Path:
    """Sheets 1, 2 and 4 alike, sheet 3 different."""
    out = tmp_path_factory.mktemp("rep") / "out"
    lay = Layout([sheet(1), sheet(2), sheet(3, dx=5.0), sheet(4)])
    write_outputs("ribs", lay, out, profile=load_profile("grbl"), spacing=12.0)
    return out


def test_repeated_layouts_are_one_program_named_with_its_count(repeated):
    assert sorted(p.name for p in repeated.glob("*.nc")) == ["sheet-001-x3.nc", "sheet-003.nc"]
    for k in range(1, 5):  # numbering stays: every sheet keeps its DXF and SVG
        assert (repeated / f"sheet-{k:03d}.dxf").exists()
        assert (repeated / f"sheet-{k:03d}.svg").exists()
    report = json.loads((repeated / "report.json").read_text())
    assert report["programs"] == [
        {"file": "sheet-001-x3.nc", "count": 3, "sheets": [1, 2, 4]},
        {"file": "sheet-003.nc", "count": 1, "sheets": [3]}]
    assert [s["file_program"] for s in report["sheets"]] == [
        "sheet-001-x3.nc", "sheet-001-x3.nc", "sheet-003.nc", "sheet-001-x3.nc"]
    head = (repeated / "sheet-001-x3.nc").read_text().splitlines()[0]
    assert "cut x 3" in head and "sheets 1-2, 4" in head
    html = (repeated / "index.html").read_text()
    assert "cut x 3" in html and 'id="programs"' in html


def test_cut_list(repeated):
    rows = list(csv.DictReader((repeated / "parts.csv").open(newline="")))
    assert len(rows) == 8
    assert rows[0]["part"] == "rib#1" and rows[0]["sheet"] == "1"
    assert rows[0]["program"] == "sheet-001-x3.nc" and rows[0]["source"] == "parts/rib.toml"
    assert float(rows[1]["rotation"]) == 90.0
    assert float(rows[0]["width"]) == 500.0 and float(rows[0]["height"]) == 120.0
    area = rib().area / 1e6
    assert all(abs(float(r["area_m2"]) - area) < 1e-4 for r in rows)
    perimeter = rib().outline.length / 1000  # through the stock in passes: several times it
    cuts = [float(r["cut_length_m"]) for r in rows]
    assert all(c > 2 * perimeter for c in cuts)
    assert cuts[6] == cuts[0]  # sheet 4 is cut by sheet 1's program: the same lengths
    report = json.loads((repeated / "report.json").read_text())
    first = report["sheets"][0]["toolpath"]["cut_length_m"]
    assert abs(cuts[0] + cuts[1] - first) < 0.05  # the parts' cuts make up the sheet's


@pytest.fixture(scope="module")
def house(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("house") / "out"
    res = subprocess.run([sys.executable, "-m", "wikicut.cli", "nest", str(HOUSE), "-o", str(out),
                          "--time-limit", "10", "--iterations", "20", "-q"], cwd=ROOT,
                         capture_output=True, text=True, check=False, timeout=600)
    assert res.returncode == 0, res.stderr
    return out


def test_recut_a_house_part_on_an_offcut(house, tmp_path, rs274):
    offcut = tmp_path / "offcut.toml"
    offcut.write_text('[sheet]\nwidth = 1200\nheight = 600\nthickness = 18.3\nmargin = 10\n'
                      'keepouts = [[0, 0, 100, 100]]\n')
    report = json.loads((house / "report.json").read_text())
    placed = next(p for s in report["sheets"] for p in s["parts"] if p["name"] == "spacer")
    out = tmp_path / "recut"
    res = CliRunner().invoke(main, ["recut", str(house), placed["id"], "--on", str(offcut),
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    rec = json.loads((out / "report.json").read_text())
    assert rec["settings"]["recut_of"] == placed["id"]
    assert rec["settings"]["thickness"] == 18.3 and rec["settings"]["profile"] == "GRBL"
    (sheet_rec,) = rec["sheets"]
    assert sheet_rec["stock"]["width"] == 1200.0 and len(sheet_rec["parts"]) == 1
    w = placed["bbox"][2] - placed["bbox"][0]
    h = placed["bbox"][3] - placed["bbox"][1]
    b = sheet_rec["parts"][0]["bbox"]
    assert {round(b[2] - b[0], 2), round(b[3] - b[1], 2)} == {round(w, 2), round(h, 2)}
    assert not shapely.box(*b).intersects(shapely.box(0, 0, 100, 100))  # keep-out avoided
    prog = out / sheet_rec["file_program"]
    res = CliRunner().invoke(main, ["verify", str(prog), "--profile", "grbl", "--sheet",
                                    str(out / sheet_rec["file_dxf"])])
    assert res.exit_code == 0, res.output
    run = subprocess.run([rs274, "-g", str(prog)], capture_output=True, text=True, check=False,
                         timeout=60)
    assert run.returncode == 0 and "error" not in run.stdout.lower().replace("error_", "")
    assert "STRAIGHT_FEED" in run.stdout


def test_recut_at_a_spot_and_refusals(house, tmp_path):
    out = tmp_path / "at"
    res = CliRunner().invoke(main, ["recut", str(house), "wall-rib", "--at", "20,300", "-o",
                                    str(out)])
    assert res.exit_code == 0, res.output
    b = json.loads((out / "report.json").read_text())["sheets"][0]["parts"][0]["bbox"]
    assert (b[0], b[1]) == (20.0, 300.0)
    small = tmp_path / "small.toml"
    small.write_text('[sheet]\nwidth = 600\nheight = 300\nthickness = 18.3\nmargin = 10\n')
    res = CliRunner().invoke(main, ["recut", str(house), "wall-rib", "--on", str(small), "-o",
                                    str(tmp_path / "no")])
    assert res.exit_code != 0 and "does not fit" in res.output
    res = CliRunner().invoke(main, ["recut", str(house), "no-such-part", "-o",
                                    str(tmp_path / "no2")])
    assert res.exit_code != 0 and "no part 'no-such-part'" in res.output
