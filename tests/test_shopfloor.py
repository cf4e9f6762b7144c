"""At the router: repeated sheets cut by one program, the cut list, re-cutting one part."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from conftest import run_rs274

from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.pipeline import write_outputs


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
    write_outputs("ribs", lay, out, profile=load_profile("grbl"), spacing=12.0, toolpaths=True)
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
    drawn = [(repeated / f"sheet-{k:03d}.svg").read_text().split('<g class="toolpaths"')[1][:15000]
             for k in (1, 2, 4)]
    assert len(drawn[0]) > 1000 and drawn[0] == drawn[1] == drawn[2]  # each copy's toolpaths
    html = (repeated / "index.html").read_text()
    assert "cut x 3" in html and 'id="programs"' in html


def test_cut_list(repeated):
    rows = list(csv.DictReader((repeated / "parts.csv").open(newline="")))
    assert len(rows) == 8
    assert rows[0]["part"] == "rib#1" and rows[0]["sheet"] == "1"
    assert rows[0]["program"] == "sheet-001-x3.nc" and rows[0]["source"] == "parts/rib.toml"
    assert rows[0]["label"] == "rib"  # no label of its own: its name is engraved
    assert float(rows[1]["rotation"]) == 90.0
    assert float(rows[0]["width"]) == 500.0 and float(rows[0]["height"]) == 120.0
    # the box's lower-left where the part lies, whatever its turn (x, y: the placement)
    report = json.loads((repeated / "report.json").read_text())
    placed = {q["id"]: q for s in report["sheets"] for q in s["parts"]}
    for r in rows:
        box = placed[r["part"]]["bbox"]
        assert abs(float(r["box_x"]) - box[0]) < 1e-3 and abs(float(r["box_y"]) - box[1]) < 1e-3
        assert abs(float(r["width"]) - (box[2] - box[0])) < 1e-3, r
    turned = [r for r in rows if float(r["rotation"]) == 90.0]
    assert turned and all(float(r["box_x"]) < float(r["x"]) - 100 for r in turned)
    area = rib().area / 1e6
    assert all(abs(float(r["area_m2"]) - area) < 1e-4 for r in rows)
    perimeter = rib().outline.length / 1000  # through the stock in passes: several times it
    cuts = [float(r["cut_length_m"]) for r in rows]
    assert all(c > 2 * perimeter for c in cuts)
    assert cuts[6] == cuts[0]  # sheet 4 is cut by sheet 1's program: the same lengths
    report = json.loads((repeated / "report.json").read_text())
    first = report["sheets"][0]["toolpath"]["cut_length_m"]
    assert abs(cuts[0] + cuts[1] - first) < 0.05  # the parts' cuts make up the sheet's


def _shared_sheets(dxs: list[float]) -> Layout:
    """Sheets of one rib design and one stock (shared objects, as a nested job's are), the
    first rib of sheet k moved by dxs[k]."""
    part, st = rib(), Stock(1220, 640, 18.3, 15, material="BirchPly")
    return Layout([SheetLayout(k + 1, st, [Placement(f"rib#{2 * k + 1}", part, 20 + dx, 20, 0.0),
                                           Placement(f"rib#{2 * k + 2}", part, 720, 20, 90.0)])
                   for k, dx in enumerate(dxs)])


def test_the_check_runs_once_per_program_and_exact_geometry(tmp_path, monkeypatch):
    """A repeated layout's sheets with their parts exactly where the first sheet's lie pass
    with it; one that is only alike to a thousandth of a mm (the same program: repeats.py
    rounds) is checked on its own, as is a different layout."""
    import wikicut.verify as verify

    calls: list[int] = []
    real = verify.verify_program

    def counted(text, profile, sheet=None, **k):
        calls.append(sheet.index)
        return real(text, profile, sheet=sheet, **k)

    monkeypatch.setattr(verify, "verify_program", counted)
    lay = _shared_sheets([0.0, 0.0, 5.0, 0.0, 0.0004])
    write_outputs("ribs", lay, tmp_path / "out", profile=load_profile("grbl"), spacing=12.0)
    assert sorted(p.name for p in (tmp_path / "out").glob("*.nc")) == [
        "sheet-001-x4.nc", "sheet-003.nc"]
    assert calls == [1, 3, 5]


def test_a_program_is_checked_against_every_sheet_whose_parts_lie_elsewhere():
    """Sheet 2 given sheet 1's program (as a wrong grouping would) with a rib 5 mm away:
    the check still runs on it, and refuses it by the part."""
    from wikicut.errors import UnsafeJobError
    from wikicut.pipeline.outputs import _programs, check_programs

    prof = load_profile("grbl")
    lay = _shared_sheets([0.0, 5.0])
    _, files = _programs("ribs", Layout(lay.sheets[:1]), prof, {}, lambda *a: None, None)
    check_programs(Layout([lay.sheets[0]] * 2), files * 2, prof)  # the same sheet: passes
    # the first finding named: the outline its program does not cut there (a finding of no
    # one move), before the gouge it makes at the line of its move
    with pytest.raises(UnsafeJobError, match=r"part 'rib#3': sheet 2 .*(uncut|gouge)"):
        check_programs(lay, files * 2, prof)


@pytest.fixture
def house(house_run) -> Path:
    """The example house nested and written (conftest.HOUSE_NEST); recut and the checks here
    only read it."""
    return house_run


@pytest.mark.xdist_group("house")
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
    # engraved as the job engraved it (the part's label), not as the DXF's copy id
    assert sheet_rec["parts"][0]["label"] == placed["label"] != placed["id"]
    w = placed["bbox"][2] - placed["bbox"][0]
    h = placed["bbox"][3] - placed["bbox"][1]
    b = sheet_rec["parts"][0]["bbox"]
    assert {round(b[2] - b[0], 2), round(b[3] - b[1], 2)} == {round(w, 2), round(h, 2)}
    assert not shapely.box(*b).intersects(shapely.box(0, 0, 100, 100))  # keep-out avoided
    prog = out / sheet_rec["file_program"]
    res = CliRunner().invoke(main, ["verify", str(prog), "--profile", "grbl", "--sheet",
                                    str(out / sheet_rec["file_dxf"])])
    assert res.exit_code == 0, res.output
    run = run_rs274(rs274, prog, timeout=60)  # a HOME of its own (issue 33)
    assert run.returncode == 0 and "error" not in run.stdout.lower().replace("error_", "")
    assert "STRAIGHT_FEED" in run.stdout


@pytest.mark.xdist_group("house")
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


@pytest.mark.xdist_group("house")
def test_holddown_screws_on_every_house_sheet_clear_of_every_toolpath(house):
    """Screws in the waste of every sheet of the example house, each at least the tool
    radius + head radius + clearance from every cut's centre line (measured here on the
    moves), the edge distance from the sheet edge, and none inside a part."""
    from wikicut.cam import plan_sheet
    from wikicut.cam.safety import screw_distances, toolpath_segments
    from wikicut.io.dxf import read_cutting_file
    from wikicut.post import write_program
    from wikicut.verify import verify_program

    prof = load_profile("grbl").updated(holddown={"mode": "screws"})
    h = prof.holddown
    need = prof.tool.radius + h.diameter / 2 + h.clearance
    sheets = sorted(house.glob("sheet-*.dxf"))
    assert len(sheets) >= 6
    for dxf in sheets:
        (sheet,) = read_cutting_file(dxf)
        program = plan_sheet(sheet, prof)
        screws = program.screws
        assert len(screws) >= 4, dxf.name
        dist = screw_distances(screws, toolpath_segments(program, prof))
        assert dist.min() >= need - 1e-6, (dxf.name, dist.min())
        st = sheet.stock
        parts = shapely.union_all([pl.placed().outline for pl in sheet.placements])
        for x, y in screws:
            assert h.edge - 1e-6 <= x <= st.width - h.edge + 1e-6
            assert h.edge - 1e-6 <= y <= st.height - h.edge + 1e-6
            assert parts.distance(shapely.Point(x, y)) >= need
        text = write_program(program, prof)  # the independent verifier agrees
        assert verify_program(text, prof, sheet=sheet, screws=list(screws)) == []
    assert plan_sheet(sheet, load_profile("grbl")).screws == ()  # mode "none": a vacuum table


def test_check_screws_refuses_a_toolpath_over_a_screw():
    from wikicut.cam import plan_sheet
    from wikicut.cam.safety import check_screws
    from wikicut.errors import UnsafeJobError

    prof = load_profile("grbl").updated(holddown={"mode": "screws"})
    program = plan_sheet(sheet(1), prof)
    assert program.screws
    program.screws = (*program.screws, (20.0, 20.0))  # on rib#1's corner
    with pytest.raises(UnsafeJobError, match="hold-down screw at \\(20.0, 20.0\\)"):
        check_screws(program, prof)


def test_screws_in_the_dxf_svg_and_report_and_the_verifier_checks_them(tmp_path):
    from wikicut.io.dxf import read_screws, sheet_dxf_text

    prof = load_profile("grbl").updated(holddown={"mode": "mark"})
    out = tmp_path / "out"
    write_outputs("ribs", Layout([sheet(1)]), out, profile=prof, spacing=12.0)
    report = json.loads((out / "report.json").read_text())
    screws = [tuple(s) for s in report["sheets"][0]["screws"]]
    assert len(screws) >= 2
    assert read_screws(out / "sheet-001.dxf") == screws
    assert (out / "sheet-001.svg").read_text().count('class="screw"') == len(screws)
    args = ["verify", str(out / "sheet-001.nc"), "--profile", "grbl", "--sheet"]
    res = CliRunner().invoke(main, [*args, str(out / "sheet-001.dxf")])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "bad.dxf"  # a screw on rib#1's corner: the program now cuts over it
    bad.write_text(sheet_dxf_text(sheet(1), [*screws, (20.0, 20.0)]))
    res = CliRunner().invoke(main, [*args, str(bad)])
    assert res.exit_code == 3 and "screw: cut passes" in res.output, res.output


def test_keepouts_are_crossed_only_above_the_clamps():
    """A clamp between the two ribs: every move over it is at clamp + safe height or
    higher, and the verifier refuses a program planned without the clamp height."""
    from dataclasses import replace

    from wikicut.cam import plan_sheet
    from wikicut.post import write_program
    from wikicut.verify import verify_program

    base = sheet(1)
    clamp = shapely.box(540, 0, 580, 640)  # a bar between the ribs: every tour crosses it
    clamped = SheetLayout(1, replace(base.stock, keepouts=(clamp,)), base.placements)
    prof = load_profile("grbl").updated(heights={"clamp": 60.0})
    program = plan_sheet(clamped, prof)
    pos = (0.0, 0.0, prof.heights.clearance)
    crossings = 0
    for op in program.operations:
        for m in op.moves:
            path = shapely.LineString([pos[:2], (m.x, m.y)]) if pos[:2] != (m.x, m.y) \
                else shapely.Point(m.x, m.y)
            if path.intersects(clamp):
                crossings += 1
                assert min(pos[2], m.z) >= 65.0 - 1e-9, (op.part, m)
            pos = (m.x, m.y, m.z)
    assert crossings > 0  # the tour does cross the clamp (else the test proves nothing)
    assert verify_program(write_program(program, prof), prof, sheet=clamped) == []
    low = plan_sheet(clamped, load_profile("grbl"))  # planned for no clamp height
    bad = verify_program(write_program(low, prof), prof, sheet=clamped)
    assert bad and all(v.kind == "keepout" for v in bad)


@pytest.mark.parametrize("name", ["grbl", "shopbot"])
def test_spoilboard_zero_and_work_offset(name, tmp_path):
    """Z0 on the spoilboard: every Z is the stock-top program's plus the measured thickness,
    the header says so, and the verifier reads it back as safe."""
    from wikicut.cam import plan_sheet
    from wikicut.post import write_program
    from wikicut.verify import verify_program

    base = load_profile(name)
    spoil = base.updated(z_zero="spoilboard",
                         work_offset="" if base.dialect == "shopbot" else "G55")
    program = plan_sheet(sheet(1), base)
    top, low = write_program(program, base), write_program(program, spoil)
    k = base.unit_scale  # program units per mm
    assert "Z0 = spoilboard top" in low and f"stock top at Z{18.3 * k:.4g}" in low
    assert ("work offset G55" in low and "\nG55\n" in low) == (base.dialect != "shopbot")
    zword = r"(?<![A-Z(\[])Z(-?\d+\.?\d*)"  # G-code words (OpenSBP: the verifier below)
    def zs(text):
        code = "\n".join(ln for ln in text.splitlines() if not ln.startswith(("(", "'", ";")))
        return [float(v) for v in re.findall(zword, code)]

    zt, zl = zs(top), zs(low)
    if name != "shopbot":
        assert zt and len(zt) == len(zl)
        assert all(abs(b - a - 18.3 * k) < 2e-3 for a, b in zip(zt, zl))
        assert min(zl) >= -1.0  # into the spoilboard by at most the overcut
    assert verify_program(low, spoil, sheet=sheet(1)) == []
    if name == "grbl":  # read as stock-top zero, the parts are left uncut: refused
        assert verify_program(low, base, sheet=sheet(1))


def test_the_cut_list_tells_parts_of_one_file_apart_by_label():
    """Two lengths of one part file share its name; the label engraved on each tells them
    apart on the cut list, as on the part."""
    from wikicut.io.cutlist import cutlist_csv

    st = Stock(2440, 1220, 18, 15)
    long_, short = (Part("wall-rib", shapely.box(0, 0, n, 250), label=f"WALL RIB {n}")
                    for n in (2400, 1800))
    lay = Layout([SheetLayout(1, st, [Placement("wall-rib#1", long_, 20, 20),
                                      Placement("wall-rib#2", short, 20, 300)])])
    rows = list(csv.DictReader(cutlist_csv(lay).splitlines()))
    assert [(r["name"], r["label"]) for r in rows] == [("wall-rib", "WALL RIB 2400"),
                                                      ("wall-rib", "WALL RIB 1800")]
