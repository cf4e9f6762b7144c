"""Pockets: the finishing allowance ([pocket] finish_allowance): the clearing rings stop that
far from the walls and the finishing loop takes the rest off at each depth; the pocket is
still cleared whole (simulated), and the program runs in rs274 and passes the verifier."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from conftest import run_rs274
from shapely.geometry import LineString, Point

from wikicut.cam import plan_sheet
from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, Pocket, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program

POCKET = shapely.box(100, 50, 200, 110)  # 100 x 60 mm, in part coordinates
DEPTH = 9.0


def grbl(allowance: float | None = None):
    kw = {"engrave": {"labels": False}}
    if allowance is not None:
        kw["pocket"] = {"finish_allowance": allowance}
    return load_profile("grbl").updated(**kw)


def sheet() -> SheetLayout:
    part = Part("plate", shapely.box(0, 0, 300, 200), pockets=(Pocket(POCKET, DEPTH),),
                source="parts/plate.toml")
    return SheetLayout(1, Stock(600, 400, 18.0, 10), [Placement("plate#1", part, 50, 50, 0.0)])


def floor_points(prof) -> tuple[np.ndarray, shapely.Geometry]:
    """The pocket's moves at its full depth (sheet coordinates) and the pocket there."""
    prog = plan_sheet(sheet(), prof)
    (op,) = [o for o in prog.operations if o.kind == "pocket"]
    pts = np.array([(m.x, m.y) for m in op.moves if m.kind == "feed"
                    and abs(m.z + DEPTH) < 1e-6])
    return pts, shapely.affinity.translate(POCKET, 50, 50)


@pytest.mark.parametrize("allowance", [0.0, 0.5, 1.2])
def test_the_rings_leave_the_allowance_and_the_pocket_is_cleared(allowance):
    prof = grbl(allowance)
    r = prof.tool.radius
    pts, pocket = floor_points(prof)
    wall = pocket.boundary
    d = np.array([wall.distance(Point(p)) for p in pts])
    on_finish = d < r + 0.05  # the finishing loop (its corner reliefs go nearer)
    rings = d[~on_finish]
    step = prof.pocket.stepover * prof.tool.diameter
    first = r + (allowance if allowance > 0 else step)
    assert rings.min() == pytest.approx(first, abs=0.02)
    swept = LineString(pts).buffer(r, quad_segs=16)
    assert pocket.difference(swept).area < 1.0  # mm^2: cleared whole at the floor


def test_no_allowance_is_the_default():
    a = plan_sheet(sheet(), grbl())
    b = plan_sheet(sheet(), grbl(0.0))
    assert [o.moves for o in a.operations] == [o.moves for o in b.operations]


def test_an_allowance_beyond_a_stepover_is_refused():
    with pytest.raises(UnsafeJobError, match=r"finish_allowance 3 mm is more than a stepover"):
        plan_sheet(sheet(), grbl(3.0))


def test_a_pocket_with_an_allowance_runs_and_verifies(rs274, tmp_path):
    prof = grbl(0.5)
    prog = plan_sheet(sheet(), prof)
    text = write_program(prog, prof)
    assert verify_program(text, prof, sheet=prog.sheet) == []
    f = tmp_path / "pocket.nc"
    f.write_text(text)
    res = run_rs274(rs274, f, timeout=60)
    assert res.returncode == 0 and "error" not in res.stdout.lower().replace("error_", "")


# --- a clearing tool, then the smaller one where the corners need it ---------------------------

# a 100 x 60 mm pocket with a 4 mm wide, 30 mm long slot off one side: the 6 mm end mill
# clears the body but cannot enter the slot
NARROW = shapely.union(shapely.box(100, 50, 200, 110), shapely.box(200, 78, 230, 82))


def rack_sheet() -> SheetLayout:
    part = Part("plate", shapely.box(0, 0, 300, 200), pockets=(Pocket(NARROW, DEPTH),),
                source="parts/plate.toml")
    return SheetLayout(1, Stock(600, 400, 18.0, 10), [Placement("plate#1", part, 50, 50, 0.0)])


def test_the_large_tool_clears_and_the_small_one_finishes_the_rest(rs274, tmp_path):
    from wikicut.cam import resolve_tooling
    from wikicut.io.tools import load_library
    from wikicut.model import estimate
    from wikicut.post import tool_table

    prof = load_profile("linuxcnc").updated(engrave={"labels": False})
    lib = load_library()
    rack = resolve_tooling(prof, lib, "plywood", 18.0, tools=(1, 7))
    prog = plan_sheet(rack_sheet(), prof, tooling=rack)
    pockets = [o for o in prog.operations if o.kind == "pocket"]
    assert sorted(o.tool for o in pockets) == [1, 7]
    pocket = shapely.affinity.translate(NARROW, 50, 50)
    swept = []
    for op in pockets:
        r = rack.tool(op.tool).profile.tool.radius
        pts = [(m.x, m.y) for m in op.moves if m.kind == "feed" and abs(m.z + DEPTH) < 1e-6]
        swept.append(LineString(pts).buffer(r, quad_segs=16))
    assert pocket.difference(shapely.union_all(swept)).area < 1.0  # mm^2 left: none
    # the rack is quicker than the small tool clearing the whole pocket
    whole = resolve_tooling(prof, lib, "plywood", 18.0, tools=(7,))
    alone = plan_sheet(rack_sheet(), whole.tools[0].profile, tooling=whole)
    assert estimate(prog.operations, prof, tools=(7, 1)).seconds < estimate(
        alone.operations, whole.tools[0].profile).seconds
    text = write_program(prog, rack.tool(1).profile)
    assert verify_program(text, rack.tool(1).profile, sheet=prog.sheet) == []
    (tmp_path / "tool.tbl").write_text(tool_table(list(prog.tools)))
    f = tmp_path / "pocket.ngc"
    f.write_text(text)
    res = run_rs274(rs274, f, timeout=60, tool_table=tmp_path / "tool.tbl")
    assert res.returncode == 0 and "error" not in res.stdout.lower().replace("error_", ""), (
        res.stdout[-800:])


@pytest.mark.parametrize("x, y", [(0, 0), (-1278, 22), (-1270, 30), (-980.01, 893.0931246168)])
def test_a_lap_at_the_foot_of_a_notch_is_cut_wherever_the_part_lies(x, y):
    """A half-round lap whose flat side lies on the foot of a dovetail notch (WikiHouse
    Skylark's corner pieces; the coordinates are the real file's, 7.8e-15 mm apart): the
    tool clears its corners from the notch, which the outline cut removes anyway. Whether
    the pocket and the notch touched depended on the last bits of where the part lay: the
    nest refused the part ("pocket 4.32 mm wide ... narrower than the 6 mm tool") that the
    same file cut as drawn passed."""
    a, b = (1374.0545542071864, 261.50000167607965), (1416.539445800611, 261.5000016760905)
    cx, r = (a[0] + b[0]) / 2, (b[0] - a[0]) / 2
    arc = [(cx + r * math.cos(math.pi * k / 48), 261.5 - r * math.sin(math.pi * k / 48))
           for k in range(1, 48)]
    lap = shapely.Polygon([b, *arc, a])
    notch = shapely.Polygon([(1356.297000008126, 261.5000016760751),
                             (1434.2970000080823, 261.5000016760951), (1423.4, 330),
                             (1367.2, 330)])
    part = Part("lap", shapely.box(1300, 0, 1500, 317.5).difference(notch),
                pockets=(Pocket(lap, 9.0),))
    sheet = SheetLayout(1, Stock(2440, 1220, 18, 0), [Placement("lap#1", part, x, y, 0.0)])
    prof = load_profile("grbl")
    program = plan_sheet(sheet, prof)
    assert verify_program(write_program(program, prof), prof, sheet=sheet) == []
