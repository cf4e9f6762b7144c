"""WikiHouse Skylark: inside corners rounded below the tool radius, a part and a whole block
cut with a 6 mm tool, every program accepted by rs274 and by the simulator."""

from __future__ import annotations

import shapely
from shapely.geometry import Polygon

from wikicut.cam import plan_sheet
from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program


def grbl():
    return load_profile("grbl").updated(engrave={"labels": False})


def sheet_of(part: Part) -> SheetLayout:
    places = [Placement(f"{part.name}#1", part, 100, 100, 0)]
    return SheetLayout(1, Stock(1200, 800, 18.0, 15), places)


def notched(width: float, fillet: float) -> Part:
    """A plate with a notch from its top edge whose two inside corners are rounded (Skylark
    draws them with 0.25 mm radii)."""
    notch = shapely.box(100 + fillet, 60, 100 + width - fillet, 101).buffer(
        fillet, quad_segs=2, join_style="round")
    body = shapely.box(0, 0, 300, 100).difference(notch)
    return Part("rib", Polygon(body.exterior))


def test_inside_corners_rounded_below_the_tool_radius_get_dogbones():
    part = notched(12.5, 0.25)
    sheet = sheet_of(part)
    prog = plan_sheet(sheet, grbl())
    outline = next(op for op in prog.operations if op.kind == "outline")
    deepest = min(m.z for m in outline.moves)
    reach = [(m.x - 100, m.y - 100) for m in outline.moves if m.z == deepest and m.y - 100 > 60]
    # each relief takes the tool centre to within r of the rounded corner's apex
    for cx in (100.0, 112.5):
        d = min(((x - cx) ** 2 + (y - 60) ** 2) ** 0.5 for x, y in reach)
        assert d < 3.0 + 0.25 * (2 ** 0.5 - 1) + 0.01, d
    assert verify_program(write_program(prog, grbl()), grbl(), sheet=sheet) == []


def test_a_notch_narrower_than_the_tool_names_its_true_width():
    with_fillets = notched(4.5, 0.25)
    try:
        plan_sheet(sheet_of(with_fillets), grbl())
    except UnsafeJobError as e:
        assert "notch 4.50 mm wide" in str(e) or "notch 4.49 mm wide" in str(e), str(e)
    else:
        raise AssertionError("a 4.5 mm notch was cut with a 6 mm tool")


def test_a_neck_is_measured_across_its_narrowest_part():
    # a 40 mm wide notch, 4 mm wide at its mouth: the mouth is what the tool cannot pass
    notch = shapely.union_all([shapely.box(100, 40, 140, 80), shapely.box(118, 79, 122, 101)])
    body = Polygon(shapely.box(0, 0, 300, 100).difference(notch).exterior)
    try:
        plan_sheet(sheet_of(Part("rib", body)), grbl())
    except UnsafeJobError as e:
        assert "4.00 mm wide" in str(e) or "3.99 mm wide" in str(e), str(e)
    else:
        raise AssertionError("a 4 mm neck was cut with a 6 mm tool")
