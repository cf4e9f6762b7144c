"""Common-line cutting ([nest] common_line = true): facing straight edges one tool diameter
apart are cut once. The planner leaves the shared stretch to the part cut first, tabs stay off
it, the verifier (which knows nothing of common lines) finds every part cut free and none
gouged, rs274 reads the programs, and the cut is shorter by the shared length."""

from __future__ import annotations

import json

import pytest
import shapely
import shapely.affinity
from click.testing import CliRunner
from conftest import profile_copy
from shapely.geometry import LineString, Point

from wikicut.cam import plan_sheet
from wikicut.cam.common import shared_stretches
from wikicut.cam.depth import pass_levels
from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program

T = 18.0
D = 6.0  # the grbl profile's tool


def ribs(n: int = 4, gap: float = D, dy: float = 0.0) -> SheetLayout:
    """n ribs 800 x 200 with a hole each, stacked `gap` apart (the last one moved by dy)."""
    rib = Part("rib", shapely.box(0, 0, 800, 200).difference(
        Point(100, 100).buffer(20, quad_segs=16)), source="parts/rib.toml")
    pls = [Placement(f"rib#{k}", rib, 20, 20 + k * (200 + gap) + (dy if k == n - 1 else 0.0))
           for k in range(n)]
    return SheetLayout(1, Stock(1220, 1220, T, 10), pls)


def profile(on: bool, name: str = "grbl"):
    return load_profile(name).updated(engrave={"labels": False}, nest={"common_line": on})


def test_the_shared_stretches_of_two_loops_are_found_exactly():
    a = [(0, 0), (100, 0), (100, 10), (0, 10), (0, 0)]
    b = [(20, 10), (20, 30), (180, 30), (180, 10), (20, 10)]  # shares y = 10, x 20..100
    got = shared_stretches(a, [b], min_length=0.0)
    assert len(got) == 1 and abs(got[0][0] - 110.0) < 1e-9 and abs(got[0][1] - 190.0) < 1e-9
    moved = [(x, y + 1e-3) for x, y in b]  # 1 micron off: two cuts, not one
    assert shared_stretches(a, [moved], min_length=0.0) == []
    assert shared_stretches(a, [b], min_length=100.0) == []


def test_neighbours_a_tool_apart_are_cut_once_and_verified(rs274, tmp_path):
    sheet = ribs()
    whole = plan_sheet(sheet, profile(False))
    prof = profile(True)
    prog = plan_sheet(sheet, prof)
    text = write_program(prog, prof, title="common")
    assert verify_program(text, prof, sheet=sheet) == []
    assert text == write_program(plan_sheet(ribs(), prof), prof, title="common")
    path = tmp_path / "common.nc"
    path.write_text(text)
    from tests.conftest import run_rs274

    res = run_rs274(rs274, path)
    assert res.returncode == 0, res.stderr[-500:]
    # three shared edges of 800 mm, each cut once instead of twice at every pass depth
    passes = len(pass_levels(T + prof.depth.overcut, prof))
    shared = 3 * 800.0 * passes
    saved = whole.cut_length - prog.cut_length
    assert prog.common_line is not None and abs(prog.common_line[0] - saved) < 1e-6
    assert 0.97 * shared < saved < 1.05 * shared
    assert prog.common_line[1] > 0 and prog.est_seconds < whole.est_seconds
    # every part held by at least two tabs of its own cut, none on a shared line, each
    # part's hole before whatever frees it
    lines = [LineString([(20, 20 + k * 206 - 3), (820, 20 + k * 206 - 3)]) for k in (1, 2, 3)]
    span = prof.tabs.length + D
    kinds = [(op.part, op.kind) for op in prog.operations]
    for k in range(4):
        (out,) = [op for op in prog.operations if op.part == f"rib#{k}" and op.kind == "outline"]
        assert len(out.tabs) >= 2
        assert all(ln.distance(Point(t)) > span / 2 for t in out.tabs for ln in lines)
        assert kinds.index((f"rib#{k}", "hole")) < kinds.index((f"rib#{k}", "outline"))


def test_the_verifier_sees_a_part_left_attached_when_the_layout_moved():
    """Planned for a shared cut, checked against a layout where one rib stands 1 mm further
    off: its edge along the line is then cut by nobody, and the verifier says so."""
    prof = profile(True)
    text = write_program(plan_sheet(ribs(), prof), prof, title="common")
    bad = verify_program(text, prof, sheet=ribs(dy=1.0))
    assert any(v.kind == "uncut" and "rib#3" in v.message for v in bad), bad


def test_off_by_default_and_parts_further_apart_are_cut_whole():
    sheet = ribs()
    plain = load_profile("grbl").updated(engrave={"labels": False})
    assert not plain.nest.common_line
    text = write_program(plan_sheet(sheet, plain), plain, title="t")
    assert text == write_program(plan_sheet(sheet, profile(False)), plain, title="t")
    # two grooves and MIN_WEB apart: no groove near another's, nothing shared
    apart = plan_sheet(ribs(gap=13.0), profile(True))
    assert apart.common_line is None
    assert write_program(apart, plain, title="t") == write_program(
        plan_sheet(ribs(gap=13.0), plain), plain, title="t")


def test_common_lines_that_would_make_the_sheet_slower_are_not_kept():
    """Two wall ribs, 20 mm apart, share only a stretch of their short ends with a spacer
    beside them: cut length is saved, but each broken loop needs its own entries and
    rapids and, with fast feeds and deep passes, costs more time than the cut saves. The
    sheet is then cut plain, as it lies (parts one tool apart, tabs off the grooves round
    the neighbours), and says nothing of common lines."""
    from conftest import ROOT

    from wikicut.io.parts.build import load_part

    rib = load_part(ROOT / "parts" / "wall-rib.toml", {"length": 2000}, thickness=T)
    spacer = load_part(ROOT / "parts" / "spacer.toml", thickness=T)
    x0, y0, x1, _ = rib.outline.bounds
    sx0, sy0, _, _ = shapely.affinity.rotate(spacer.outline, 90, origin=(0, 0)).bounds
    right = 20 - x0 + (x1 - x0) + D  # the ribs' right ends one tool from the spacer
    sheet = SheetLayout(1, Stock(2440, 1220, T, 15), [
        Placement("wall-rib#1", rib, 20 - x0, 20 - y0),
        Placement("wall-rib#2", rib, 20 - x0, 20 - y0 + 270),
        Placement("spacer#1", spacer, right - sx0, 20 - sy0, 90.0)])
    fast = {"feeds": {"cut": 7036.0, "plunge": 2322.0, "ramp": 3518.0},
            "depth": {"per_pass": 9.15}}
    on, off = profile(True).updated(**fast), profile(False).updated(**fast)
    prog = plan_sheet(sheet, on)
    text = write_program(prog, on, title="t")
    assert prog.common_line is None
    assert text == write_program(plan_sheet(sheet, off), on, title="t")
    assert verify_program(text, on, sheet=sheet) == []
    # with the profile's own feeds the same sheet is quicker with them, and keeps them
    kept = plan_sheet(sheet, profile(True))
    assert kept.common_line is not None and kept.common_line[0] > 0 < kept.common_line[1]


# the floor beam (parts/floor-beam.toml) without its slots: a slot opening towards a snapped
# neighbour would be closed off, its core a loose stick, so the snapper leaves it (see
# test_common_snap_waste.py); these beams share every long edge
BEAM = """name = "beam"
label = "BEAM"
[[feature]]
type = "rectangle"
x = 0
y = 0
w = 2200
h = 300
[[feature]]        # service holes
type = "circle"
cx = 550
cy = 150
d = 60
op = "cut"
repeat = { count = 3, dx = 550, dy = 0 }
[[feature]]        # bearing notches, open at the ends
type = "notch"
x = -1
y = -1
w = 41
h = 41
mirror = { x = 1100 }
"""


def beams_job(tmp_path, common: bool, name: str = "job.toml"):
    """Four straight-edged beams (a floor beam without its slots) on 2440 x 1220 sheets,
    12 mm apart unless common lines pull them together."""
    parts = tmp_path / "beam.toml"
    parts.write_text(BEAM)
    job = tmp_path / name
    job.write_text(f"""name = "beams"
[sheet]
width = 2440
height = 1220
thickness = 18
margin = 10
[nest]
spacing = 12
rotations = [0, 180]
seed = 1
iterations = 200
workers = 1
common_line = {str(common).lower()}
[machine]
profile = "grbl"
[[part]]
file = "{parts.as_posix()}"
quantity = 4
""")
    return job


def nest_job(job, out):
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "--force"])
    assert res.exit_code == 0, res.output
    return res.output, json.loads((out / "report.json").read_text())


def placed_outlines(report, sheet: int, job) -> list:
    """The report's parts on a sheet, rebuilt independently from the part file (as the
    report places them: rotated, then its bounding box's corner where the report says)."""
    from wikicut.io.job import load_job
    from wikicut.pipeline import job_items

    part = job_items(load_job(job))[0].part
    out = []
    for p in report["sheets"][sheet - 1]["parts"]:
        g = shapely.affinity.rotate(part.outline, p["rotation"], origin=(0, 0))
        out.append(shapely.affinity.translate(g, p["bbox"][0] - g.bounds[0],
                                              p["bbox"][1] - g.bounds[1]))
    return out


def test_a_job_snaps_beams_together_and_cuts_each_line_once(tmp_path, rs274):
    out_on, out_off = tmp_path / "on", tmp_path / "off"
    said, on = nest_job(beams_job(tmp_path, True), out_on)
    _, off = nest_job(beams_job(tmp_path, False, "plain.toml"), out_off)
    assert "common lines:" in said and "common_line" not in off["totals"]
    # the layout, checked exactly: no pair closer than the tool, and every pair closer than
    # the spacing exactly one tool diameter apart along a shared straight edge
    snapped = 0
    for k in range(1, len(on["sheets"]) + 1):
        geoms = placed_outlines(on, k, tmp_path / "job.toml")
        for i in range(len(geoms)):
            for j in range(i + 1, len(geoms)):
                d = geoms[i].distance(geoms[j])
                assert d > D - 1e-6
                if d < 12 - 1e-6:
                    assert abs(d - D) < 1e-6
                    band = geoms[i].buffer(D + 1e-4).intersection(geoms[j].buffer(1e-4))
                    assert band.area > 1e-4 * 1000  # along an edge, not at a point
                    snapped += 1
        for g in geoms:
            assert g.within(shapely.box(10, 10, 2430, 1210).buffer(1e-6))
    assert snapped >= 2
    # programs clean for the verifier (the command, from the written files) and rs274
    from tests.conftest import run_rs274

    for sheet in on["sheets"]:
        nc = out_on / sheet["file_program"]
        res = CliRunner().invoke(main, ["verify", str(nc), "--profile", "grbl", "--sheet",
                                        str(out_on / sheet["file_dxf"])])
        assert res.exit_code == 0, res.output
        got = run_rs274(rs274, nc)
        assert got.returncode == 0, got.stderr[-500:]
    # shorter by the shared edges: each shared stretch (2118 mm or more) is cut once at
    # every pass depth; the report's saving is against the same sheets cut whole
    saved = on["totals"]["common_line"]["cut_saved_m"]
    assert saved > 0 and on["totals"]["common_line"]["seconds_saved"] > 0
    html = (out_on / "index.html").read_text()
    assert f"<li>Common lines: {saved:.1f} m of cut and" in html
    passes = len(pass_levels(T + 0.3, profile(True)))
    assert saved * 1000 > snapped * 1900 * passes
    assert on["totals"]["cut_length_m"] < off["totals"]["cut_length_m"]
    # deterministic: the same job again writes the same programs
    again = tmp_path / "again"
    nest_job(beams_job(tmp_path, True), again)
    for sheet in on["sheets"]:
        f = sheet["file_program"]
        assert (again / f).read_bytes() == (out_on / f).read_bytes()


def test_snapping_keeps_locked_parts_and_spacing_elsewhere():
    """Two beams 12 mm apart snap to 6; a third beside them, whose edges face nothing
    straight, keeps its 12 mm; a locked beam is never the one moved."""
    from wikicut.model import Layout
    from wikicut.nest.common import snap_common_lines, verify_common_layout

    beam = Part("beam", shapely.box(0, 0, 1000, 200), source="parts/beam.toml")
    disc = Part("disc", Point(0, 0).buffer(100, quad_segs=32), source="parts/disc.toml")
    pls = [Placement("beam#1", beam, 20, 20), Placement("beam#2", beam, 20, 232),
           Placement("disc#1", disc, 1132, 120)]
    layout = Layout([SheetLayout(1, Stock(2440, 1220, T, 10), pls)], locked=["beam#2"])
    snapped = snap_common_lines(layout, D, 12.0)
    got = {p.instance: (p.x, p.y) for p in snapped.sheets[0].placements}
    assert got["beam#2"] == (20, 232) and got["beam#1"] == (20, 26)
    assert got["disc#1"] == (1132, 120)
    assert verify_common_layout(snapped, 12.0, D) == []
    assert verify_common_layout(layout, 12.0, D) == []
    # too close without a shared edge: refused
    bad = Layout([SheetLayout(1, Stock(2440, 1220, T, 10), [
        Placement("beam#1", beam, 20, 20), Placement("disc#1", disc, 600, 328)])])
    assert verify_common_layout(bad, 12.0, D)


def test_asked_for_by_the_profile_or_the_job_and_checked_as_read(tmp_path):
    from wikicut.errors import InputError
    from wikicut.io.job import load_job
    from wikicut.io.profiles import PROFILE_DIR

    prof = tmp_path / "router.toml"
    prof.write_text((PROFILE_DIR / "grbl.toml").read_text() + "\n[nest]\ncommon_line = true\n")
    assert load_profile(str(prof)).nest.common_line
    prof.write_text((PROFILE_DIR / "grbl.toml").read_text() + "\n[nest]\ncommon_line = 1\n")
    with pytest.raises(InputError, match="nest.common_line"):
        load_profile(str(prof))
    assert load_job(beams_job(tmp_path, True)).settings.common_line
    assert not load_job(beams_job(tmp_path, False, "plain.toml")).settings.common_line
    bad = beams_job(tmp_path, True, "bad.toml")
    bad.write_text(bad.read_text().replace("common_line = true", 'common_line = "yes"'))
    with pytest.raises(InputError, match="nest.common_line"):
        load_job(bad)


def test_snapping_moves_parts_whose_gap_is_no_round_number():
    """The raster leaves gaps such as 14.333... mm: the move is made exactly, so the snapped
    pair is one tool diameter apart to within float noise and passes the exact check."""
    from wikicut.model import Layout
    from wikicut.nest.common import snap_common_lines, verify_common_layout

    beam = Part("beam", shapely.box(0, 0, 1000, 250), source="parts/beam.toml")
    ys = [15.0, 279.3333333333333, 543.6666666666667, 808.0]
    layout = Layout([SheetLayout(1, Stock(2440, 1220, T, 15), [
        Placement(f"beam#{k}", beam, 15.0, y) for k, y in enumerate(ys)])])
    snapped = snap_common_lines(layout, D, 12.0)
    got = sorted(p.y for p in snapped.sheets[0].placements)
    assert all(abs(b - a - 256.0) < 1e-6 for a, b in zip(got, got[1:]))
    assert verify_common_layout(snapped, 12.0, D) == []


def test_with_a_rack_the_outline_tool_shares_the_line(tmp_path, rs274):
    """A rack of two tools (linuxcnc, M6): the outlines' tool cuts the shared lines once, the
    programs are clean for the verifier and rs274."""
    from tests.conftest import run_rs274
    from wikicut.cam.rack import resolve_tooling
    from wikicut.io.tools import load_library
    from wikicut.post import write_sheet_programs

    prof = profile(True, "linuxcnc")
    tooling = resolve_tooling(prof, load_library(), "BirchPly", T, tools=(1, 7))
    main_d = max(t.diameter for t in tooling.tools)
    sheet = ribs(gap=main_d)
    prog = plan_sheet(sheet, prof, tooling=tooling)
    whole = plan_sheet(sheet, profile(False, "linuxcnc"), tooling=resolve_tooling(
        profile(False, "linuxcnc"), load_library(), "BirchPly", T, tools=(1, 7)))
    assert prog.common_line is not None and prog.cut_length < whole.cut_length
    text = "".join(f.text for f in write_sheet_programs(prog, prof))
    assert verify_program(text, prof, sheet=sheet) == []
    path = tmp_path / "rack.ngc"
    path.write_text(text)
    res = run_rs274(rs274, path)
    assert res.returncode == 0, res.stderr[-500:]


def test_common_lines_asked_beside_an_onion_skin_are_off_with_a_warning(tmp_path):
    """An onion skin cuts no outline through, so no part is freed by a neighbour's pass:
    the job asking for common lines is told they are off, and its parts keep the spacing."""
    profile_copy(tmp_path, "grbl", [('# mode = "tabs"', 'mode = "onion"')], "onion.toml")
    job = beams_job(tmp_path, True)
    job.write_text(job.read_text().replace('profile = "grbl"', 'profile = "onion.toml"'))
    said, rep = nest_job(job, tmp_path / "out")
    assert "common-line cutting is off" in said and "onion skin" in said
    assert "common_line" not in rep["settings"] and "common_line" not in rep["totals"]
    for k in range(1, len(rep["sheets"]) + 1):
        geoms = placed_outlines(rep, k, job)
        assert len(geoms) < 2 or min(geoms[i].distance(geoms[j]) for i in range(len(geoms))
                   for j in range(i + 1, len(geoms))) > 12 - 1e-6
