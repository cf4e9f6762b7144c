"""Common-line cutting ([nest] common_line = true): facing straight edges one tool diameter
apart are cut once. The planner leaves the shared stretch to the part cut first, tabs stay off
it, the verifier (which knows nothing of common lines) finds every part cut free and none
gouged, rs274 reads the programs, and the cut is shorter by the shared length."""

from __future__ import annotations

import shapely
from shapely.geometry import LineString, Point

from wikicut.cam import plan_sheet
from wikicut.cam.common import shared_stretches
from wikicut.cam.depth import pass_levels
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
    apart = plan_sheet(ribs(gap=12.0), profile(True))
    assert apart.common_line is None
    assert write_program(apart, plain, title="t") == write_program(
        plan_sheet(ribs(gap=12.0), plain), plain, title="t")
