"""One sheet of a finished job cut again on its own, and the files a part is made in:
`wikicut gcode` on a sheet DXF wikicut wrote (at the measured thickness of a new stack)
engraves, names and numbers the parts as the job did (the sheet DXF keeps the parts' names,
labels and the sheet's number as XDATA, which other CAD neither draws nor cuts); a part DXF
made by `wikicut part -t` says the ply it was made for, so a job at other ply fits its slots;
parts.csv names the program that cuts each part out where a sheet has one per tool."""

from __future__ import annotations

import csv
import json
import re
import warnings
from pathlib import Path

import ezdxf
import pytest
from conftest import rect_part, run_wikicut

from wikicut.io.dxf import read_dxf_parts
from wikicut.io.dxf.fitting import SlotRule
from wikicut.io.parts import load_part
from wikicut.io.shipped import shipped_dir

# wall ribs (label "WALL RIB 1200", slots) and spacers, three sheets at 18.3 mm
RIBS = ('name = "ribs"\n[sheet]\nwidth = 1300\nheight = 700\nthickness = 18.3\nmargin = 15\n'
        "[nest]\nspacing = 14\nrotations = [0, 180]\nseed = 1\ntime_limit = 5\n"
        '[machine]\nprofile = "grbl"\n'
        '[[part]]\nfile = "wall-rib"\nquantity = 5\nparams = { length = 1200 }\n'
        '[[part]]\nfile = "spacer"\nquantity = 2\n')


def _rows(folder: Path) -> dict[str, dict]:
    with open(folder / "parts.csv", newline="") as f:
        return {r["part"]: r for r in csv.DictReader(f)}


def _label_cuts(program: str) -> dict[str, list[str]]:
    """Each part's label engraving: its feed moves, by the instance its comment names."""
    out: dict[str, list[str]] = {}
    who = None
    for line in program.splitlines():
        if m := re.fullmatch(r"\((\S+) label\)", line):
            who = m.group(1)
            out[who] = []
        elif line.startswith("("):
            who = None
        elif who and line.startswith("G1"):
            out[who].append(line)
    return out


@pytest.fixture(scope="module")
def ribs(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("rerun")
    (tmp / "ribs.toml").write_text(RIBS)
    res = run_wikicut("nest", str(tmp / "ribs.toml"), "-o", str(tmp / "out"),
                      "--iterations", "5", "-q")
    assert res.returncode == 0, res.stderr
    return tmp


def test_a_sheet_cut_again_at_a_new_thickness_keeps_its_labels_names_and_number(ribs):
    job = _rows(ribs / "out")
    n = max(int(r["sheet"]) for r in job.values())
    assert n >= 2
    sheet = f"sheet-{n:03d}"
    res = run_wikicut("gcode", str(ribs / "out" / f"{sheet}.dxf"), "--profile", "grbl",
                      "-t", "17.6", "-o", str(ribs / "again"))
    assert res.returncode == 0, res.stderr
    again = _rows(ribs / "again")
    mine = {k: r for k, r in job.items() if r["sheet"] == str(n)}
    assert set(again) == set(mine)
    for k, r in again.items():  # as the operator's sort list from the job has them
        assert (r["name"], r["label"], r["sheet"]) == (mine[k]["name"], mine[k]["label"],
                                                     mine[k]["sheet"]), k
    assert any(r["label"] != r["name"] for r in again.values())
    text = (ribs / "again" / f"{sheet}.nc").read_text()
    assert text.splitlines()[0] == f"(wikicut: {sheet} sheet {n})"
    assert "x 17.6 mm" in text.splitlines()[1]
    # the router engraves what the job engraved on each part, where it engraved it
    before = _label_cuts((ribs / "out" / f"{sheet}.nc").read_text())
    assert _label_cuts(text) == before and before
    # what carries the names is XDATA on the sheet rectangle and the id texts alone: nothing
    # another CAD program would draw or cut
    doc = ezdxf.readfile(ribs / "out" / f"{sheet}.dxf")
    marked = {(e.dxftype(), e.dxf.layer.split("_")[0]) for e in doc.modelspace()
              if e.has_xdata("WIKICUT")}
    assert marked == {("LWPOLYLINE", "0"), ("TEXT", "DONOTCUT")}


def test_a_part_dxf_says_the_ply_it_was_made_for_and_a_job_fits_its_slots(tmp_path):
    res = run_wikicut("part", "wall-rib", "-t", "17.6", "-o", str(tmp_path / "wr176.dxf"))
    assert res.returncode == 0, res.stderr
    (tmp_path / "job.toml").write_text(
        'name = "usedxf"\n[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18.3\n'
        '[nest]\nseed = 1\n[machine]\nprofile = "grbl"\n'
        '[[part]]\nfile = "wr176.dxf"\nquantity = 1\n')
    res = run_wikicut("nest", str(tmp_path / "job.toml"), "-o", str(tmp_path / "out"),
                      "--iterations", "3", "--no-gcode", "-q")
    assert res.returncode == 0, res.stderr
    assert "drawn for 17.6 mm ply" in res.stderr
    rep = json.loads((tmp_path / "out" / "report.json").read_text())
    at_183 = load_part(shipped_dir("parts") / "wall-rib.toml", {}, thickness=18.3)
    made_176 = load_part(shipped_dir("parts") / "wall-rib.toml", {}, thickness=17.6)
    assert rep["parts"][0]["slots_fitted"] == 4
    # fitted, its slots are as wide as the part's own at 18.3 mm
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (fitted,) = read_dxf_parts(tmp_path / "wr176.dxf", thickness=18.3, slots=SlotRule())
    assert fitted.area == pytest.approx(at_183.area, abs=0.5)
    assert abs(made_176.area - at_183.area) > 100


def test_parts_csv_names_the_program_that_cuts_each_part_out(tmp_path):
    # a 2 mm pilot the 6 mm tool cannot drill: T7 drills it in the first file, T1 cuts the
    # outline in the second; ten plates: two sheets alike, their programs run twice
    (tmp_path / "plate.toml").write_text(
        rect_part("plate", 300, 200) + "[[drill]]\nx = 50\ny = 50\nd = 2\ndepth_mm = 6\n")
    (tmp_path / "job.toml").write_text(
        'name = "rack"\n[sheet]\nwidth = 800\nheight = 600\nthickness = 18\n'
        "[nest]\nspacing = 12\nrotations = [0, 90]\nseed = 1\n"
        '[machine]\nprofile = "grbl"\ntools = [1, 7]\n'
        '[[part]]\nfile = "plate.toml"\nquantity = 10\n')
    res = run_wikicut("nest", str(tmp_path / "job.toml"), "-o", str(tmp_path / "out"),
                      "--iterations", "5", "-q")
    assert res.returncode == 0, res.stderr
    rep = json.loads((tmp_path / "out" / "report.json").read_text())
    rows = _rows(tmp_path / "out")
    assert [r["count"] for r in rep["programs"]] == [2]
    seen = 0
    for s in rep["sheets"]:
        files = [p["file"] for p in s["programs"] or []]
        assert len(files) == 2
        run = next(r for r in rep["programs"] if s["index"] in r["sheets"])
        first = next(x for x in rep["sheets"] if x["index"] == run["sheets"][0])
        for part in s["parts"]:  # on a repeated sheet, cut as the first sheet's at its place
            mine = next(q for q in first["parts"] if q["bbox"] == part["bbox"])
            cut_by = [f for f in files
                      if f"({mine['id']} outline)" in (tmp_path / "out" / f).read_text()]
            assert cut_by == [files[1]]
            assert rows[part["id"]]["program"] == files[1], part["id"]
            seen += 1
    assert seen == len(rows) == 10
