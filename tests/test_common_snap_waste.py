"""Common-line snapping encloses no waste: a snap whose shared cut would close the mouth of a
part's notch or recess (leaving a block cut free on every side, held only by tabs or loose
under the cutter) is refused, snaps along plain edges still happen, and the exact check
refuses a layout with such a block. Enclosed waste is computed here independently: the
sheet less every part grown by the tool diameter (the grooves), pieces not reaching the
sheet's edge and not in a hole of one part's own."""

from __future__ import annotations

import json

import numpy as np
import shapely
import shapely.affinity
from click.testing import CliRunner

from wikicut.cam import plan_sheet
from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock

T = 18.0
D = 6.0  # the grbl profile's tool

NOTCHED = Part("notched", shapely.box(0, 0, 800, 300).difference(
    shapely.box(350, 240, 450, 301)), source="parts/notched.toml")  # 100 x 60 notch on top
BAR = Part("bar", shapely.box(0, 0, 800, 200), source="parts/bar.toml")
BLOCK = Part("block", shapely.box(0, 0, 300, 300), source="parts/block.toml")


def enclosed(outlines, width: float, height: float) -> list:
    """Waste pieces over 1 mm2 cut free on every side (see the module's doc)."""
    grown = [g.buffer(D + 1e-3, quad_segs=16) for g in outlines]
    sheet = shapely.box(0, 0, width, height)
    own = [shapely.Polygon(r) for g in grown for r in g.interiors]
    out = []
    for piece in shapely.get_parts(sheet.difference(shapely.union_all(grown))):
        if piece.area > 1.0 and piece.distance(sheet.exterior) > 1e-6 and not any(
                h.contains(piece.representative_point()) for h in own):
            out.append(piece)
    return out


def outlines(sheet: SheetLayout) -> list:
    return [p.placed().outline for p in sheet.placements]


def test_the_snap_closing_a_notch_is_refused_and_plain_edges_still_snap():
    """A bar 14 mm above a notched part's top edge (the notch opens towards it) stays where
    it is; a block 15 mm right of the notched part's plain side snaps to it, and the planner
    cuts that line once."""
    from wikicut.nest.common import snap_common_lines, verify_common_layout

    stock = Stock(2000, 1000, T, 10)
    layout = Layout([SheetLayout(1, stock, [
        Placement("notched#1", NOTCHED, 20, 20), Placement("bar#1", BAR, 20, 334),
        Placement("block#1", BLOCK, 835, 20)])])
    assert enclosed(outlines(layout.sheets[0]), 2000, 1000) == []
    snapped = snap_common_lines(layout, D, 12.0)
    sheet = snapped.sheets[0]
    got = dict(zip([p.instance for p in sheet.placements], outlines(sheet)))
    assert abs(got["notched#1"].distance(got["block#1"]) - D) < 1e-6  # the plain side
    assert got["notched#1"].distance(got["bar#1"]) > 12.0 - 1e-6  # the notch stays open
    assert enclosed(outlines(sheet), 2000, 1000) == []
    assert verify_common_layout(snapped, 12.0, D) == []
    prof = load_profile("grbl").updated(engrave={"labels": False}, nest={"common_line": True})
    prog = plan_sheet(sheet, prof)
    assert prog.common_line is not None and prog.common_line[0] > 0  # cut saved, mm


def test_the_exact_check_refuses_waste_closed_off_by_snapped_parts():
    """Snapped cleanly along an edge, but the bar closes the notch's mouth: refused. So is a
    square of waste closed in by four bars, each pair cleanly snapped, none enclosing
    anything alone."""
    from wikicut.nest.common import verify_common_layout

    stock = Stock(2000, 1000, T, 10)
    closed = Layout([SheetLayout(1, stock, [
        Placement("notched#1", NOTCHED, 20, 20), Placement("bar#1", BAR, 20, 326)])])
    assert len(enclosed(outlines(closed.sheets[0]), 2000, 1000)) == 1
    problems = verify_common_layout(closed, 12.0, D)
    assert len(problems) == 1 and "notched#1" in problems[0] and "bar#1" in problems[0]
    assert "enclose" in problems[0]
    # the same two 12 mm apart: the notch opens to the sheet's waste
    apart = Layout([SheetLayout(1, stock, [
        Placement("notched#1", NOTCHED, 20, 20), Placement("bar#1", BAR, 20, 332)])])
    assert verify_common_layout(apart, 12.0, D) == []

    wide = Part("wide", shapely.box(0, 0, 500, 100), source="parts/wide.toml")
    tall = Part("tall", shapely.box(0, 0, 100, 300), source="parts/tall.toml")
    ring = Layout([SheetLayout(1, stock, [
        Placement("wide#1", wide, 100, 100), Placement("tall#1", tall, 100, 206),
        Placement("tall#2", tall, 500, 206), Placement("wide#2", wide, 100, 512)])])
    assert len(enclosed(outlines(ring.sheets[0]), 2000, 1000)) == 1
    problems = verify_common_layout(ring, 12.0, D)
    assert len(problems) == 1 and "enclose" in problems[0]


PARTS = {
    "notched.toml": """name = "notched"
label = "N"
[[feature]]
type = "rectangle"
x = 0
y = 0
w = 800
h = 300
[[feature]]
type = "notch"
x = 350
y = 240
w = 100
h = 61
""",
    "bar.toml": """name = "bar"
label = "B"
[[feature]]
type = "rectangle"
x = 0
y = 0
w = 120
h = 280
""",
}


def test_a_job_of_notched_parts_leaves_no_waste_enclosed(tmp_path):
    """QA's case: notched parts stacked 20 mm apart (each notch opens towards the next part)
    are not snapped together (before, each closed the notch below it); a bar beside the
    first one's plain end is, and its shared line is cut once. The written layout, rebuilt
    from the report, encloses no waste."""
    for name, text in PARTS.items():
        (tmp_path / name).write_text(text)
    job = tmp_path / "job.toml"
    job.write_text("""name = "notches"
[sheet]
width = 1000
height = 1000
thickness = 18
margin = 15
[nest]
spacing = 20
rotations = [0, 180]
seed = 1
iterations = 100
workers = 1
common_line = true
[machine]
profile = "grbl"
[[part]]
file = "notched.toml"
quantity = 3
[[part]]
file = "bar.toml"
quantity = 1
""")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "--force"])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    (sheet,) = report["sheets"]
    shapes = {"notched": NOTCHED.outline, "bar": shapely.box(0, 0, 120, 280)}
    geoms = []
    for p in sheet["parts"]:
        g = shapely.affinity.rotate(shapes[p["name"]], p["rotation"], origin=(0, 0))
        geoms.append(shapely.affinity.translate(g, p["bbox"][0] - g.bounds[0],
                                                p["bbox"][1] - g.bounds[1]))
    assert len(geoms) == 4
    assert enclosed(geoms, 1000, 1000) == []
    gaps = [geoms[i].distance(geoms[j]) for i in range(4) for j in range(i + 1, 4)]
    assert min(gaps) > D - 1e-6 and np.isclose(gaps, D, atol=1e-6).any()  # a snap was made
    assert report["totals"]["common_line"]["cut_saved_m"] > 0
