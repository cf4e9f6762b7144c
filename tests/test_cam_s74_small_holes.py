"""Small round holes cut by a small tool: no corner reliefs at the facets of a drawn circle
(the chord error, not a corner), square corners still relieved; refusals name a drawn
circle's own diameter and leave V-bits out of the tools that might have cut a hole."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from wikicut.cam import plan_sheet, resolve_tooling
from wikicut.cam.offsets import relief_loop
from wikicut.errors import UnsafeJobError
from wikicut.io.dxf.flatten import CHORD_TOL, circle_pts
from wikicut.io.parts import quad_segs
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program

T = 18.0


def circle(cx: float, cy: float, d: float) -> Polygon:
    """A circle as a DXF CIRCLE is read: its polygon's vertices on it."""
    return Polygon(circle_pts(cx, cy, d / 2, CHORD_TOL))


def inner_loop(region: Polygon, r: float) -> np.ndarray:
    return np.asarray(region.buffer(-r, quad_segs=16).exterior.coords)


def reversals(moves) -> int:
    """Moves that double back on the one before (an out-and-back)."""
    pts = [(m.x, m.y) for m in moves]
    n = 0
    for a, b, c in zip(pts, pts[1:], pts[2:]):
        u, v = np.subtract(b, a), np.subtract(c, b)
        lu, lv = math.hypot(*u), math.hypot(*v)
        if lu > 1e-9 and lv > 1e-9 and float(u @ v) / (lu * lv) < -0.9:
            n += 1
    return n


# the circles whose facets turn by more than 10 degrees (32 sides): those got reliefs
@pytest.mark.parametrize(("hole", "tool", "drawn"), [(3.2, 2.5, "dxf"), (4.0, 3.0, "dxf"),
                                                     (4.0, 1.5, "dxf"), (2.0, 1.0, "dxf"),
                                                     (3.2, 2.5, "part"), (4.0, 3.0, "part")])
def test_the_facets_of_a_drawn_circle_get_no_relief(hole, tool, drawn):
    region = circle(0, 0, hole) if drawn == "dxf" else shapely.Point(0, 0).buffer(
        hole / 2, quad_segs=quad_segs(hole / 2))  # as a part file's circle
    loop = inner_loop(region, tool / 2)
    assert len(relief_loop(loop, region.boundary, tool / 2, "dogbone")) == len(loop)


def _plate(*holes: Polygon) -> Part:
    body = shapely.box(0, 0, 60, 40)
    for h in holes:
        body = body.difference(h)
    return Part("plate", body, source="parts/plate.toml")


def _sheet(part: Part) -> SheetLayout:
    return SheetLayout(1, Stock(300, 200, T, 10), [Placement("plate#1", part, 50, 50, 0.0)])


def test_a_small_hole_is_cut_as_arcs_without_back_and_forth():
    prof = load_profile("linuxcnc").updated(
        tool={"diameter": 2.5}, depth={"per_pass": 3.0}, engrave={"labels": False},
        tabs={"enabled": False})
    slot = shapely.box(35, 10, 50, 16)  # square corners beside it keep their dogbones
    prog = plan_sheet(_sheet(_plate(circle(20, 20, 3.2), slot)), prof)
    holes = [op for op in prog.operations if op.kind == "hole"]
    round_, square = sorted(holes, key=lambda op: op.moves[-1].x)
    assert reversals(round_.moves) == 0
    passes = math.ceil(T / 3.0)
    assert reversals(square.moves) >= 4 * passes
    text = write_program(prog, prof)
    body = text[text.index("hole)"):]
    body = body[:body.index("hole)", 10)]
    assert "G3" in body or "G2" in body
    assert sum(ln.startswith("G1") for ln in body.splitlines()) < 40


def test_a_circle_too_small_is_named_by_its_drawn_diameter():
    prof = load_profile("grbl").updated(engrave={"labels": False})
    with pytest.raises(UnsafeJobError) as err:
        plan_sheet(_sheet(_plate(circle(20, 20, 4.0))), prof)
    assert "hole 4.00 mm wide" in err.value.detail, err.value.detail


def test_a_vbit_is_not_listed_among_the_tools_too_short_for_a_hole():
    prof = load_profile("linuxcnc").updated(engrave={"labels": False})
    tooling = resolve_tooling(prof, load_library(), "plywood", T, tools=(1, 10))
    with pytest.raises(UnsafeJobError) as err:
        plan_sheet(_sheet(_plate(circle(20, 20, 4.0))), prof, tooling=tooling)
    msg = err.value.detail
    assert "hole 4.00 mm wide" in msg and "6 mm tool" in msg, msg
    assert "T10" not in msg, msg
