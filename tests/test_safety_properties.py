"""Safety invariants as properties: over random parts, sheets and profiles, every program
stays in the stock and the machine's limits, never goes deeper than thickness + allowed
overcut, and never moves rapidly below the stock top; every nest keeps spacing and margin."""

from __future__ import annotations

import re

import pytest
import shapely
from conftest import find_rs274, run_rs274
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import available_profiles, load_profile
from wikicut.model import NestItem, NestSettings, Part, Placement, SheetLayout, Stock

PROFILES = available_profiles()


@st.composite
def parts(draw) -> Part:
    """A rectangle-ish plate with optional hole, slot from an edge, and a notch."""
    w = draw(st.floats(80, 600))
    h = draw(st.floats(80, 400))
    shape = shapely.box(0, 0, w, h)
    if draw(st.booleans()):  # slot from the top edge, tool-friendly width
        sw = draw(st.floats(12, 30))
        sx = draw(st.floats(10, max(10.5, w - sw - 10)))
        shape = shape.difference(shapely.box(sx, h - h / 3, sx + sw, h + 1))
    if draw(st.booleans()):  # a through hole
        r = draw(st.floats(8, min(w, h) / 5))
        shape = shape.difference(shapely.Point(w / 2, h / 3).buffer(r, quad_segs=16))
    if draw(st.booleans()):  # a corner notch
        n = draw(st.floats(15, min(w, h) / 3))
        shape = shape.difference(shapely.box(-1, -1, n, n))
    if shape.geom_type != "Polygon":
        shape = max(shape.geoms, key=lambda g: g.area)
    return Part("plate", shapely.set_precision(shape, 1e-6), source="random")


@st.composite
def profiles(draw):
    prof = load_profile(draw(st.sampled_from(PROFILES)))
    diameter = draw(st.sampled_from([3.175, 6.0, 6.35, 8.0]))
    per_pass = draw(st.floats(2.0, 12.0))
    overcut = draw(st.floats(0.0, 0.5))
    entry = draw(st.sampled_from(["plunge", "ramp", "helix"]))
    direction = draw(st.sampled_from(["climb", "conventional"]))
    tabs = draw(st.booleans())
    arcs = draw(st.booleans())
    return prof.updated(tool={"diameter": diameter},
                        depth={"per_pass": per_pass, "overcut": overcut},
                        entry={"mode": entry}, direction=direction, tabs={"enabled": tabs},
                        arcs=arcs)


def _placed_sheet(part: Part, thickness: float, n: int) -> SheetLayout:
    stock = Stock(2440, 1220, thickness, 15)
    x0, y0, x1, y1 = part.bounds
    places = []
    x = 40.0
    for k in range(n):
        places.append(Placement(f"plate#{k + 1}", part, x - x0, 40 - y0, 0.0))
        x += (x1 - x0) + 40
    return SheetLayout(1, stock, places)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(part=parts(), prof=profiles(), thickness=st.floats(6.0, 25.0), n=st.integers(1, 3))
def test_every_program_is_safe(part, prof, thickness, n):
    from wikicut.cam import plan_sheet
    from wikicut.post import write_program

    sheet = _placed_sheet(part, thickness, n)
    try:
        program = plan_sheet(sheet, prof)
    except UnsafeJobError:
        return  # refusing is always safe (e.g. a feature narrower than this tool)
    deepest = -(thickness + prof.depth.max_overcut) - 1e-6
    r = prof.tool.radius
    for op in program.operations:
        for m in op.moves:
            assert m.z >= deepest, (op.kind, m)
            if m.kind == "rapid":
                assert m.z >= -1e-9, ("rapid below the stock top", op.kind, m)
            if m.z < 0:
                assert -r - 1e-6 <= m.x <= sheet.stock.width + r + 1e-6
                assert -r - 1e-6 <= m.y <= sheet.stock.height + r + 1e-6
    text = write_program(program, prof)
    from wikicut.verify import simulate

    for seg in simulate(text, prof):
        (x0, y0, z0), (x1, y1, z1) = seg.start, seg.end
        for x, y, z in ((x0, y0, z0), (x1, y1, z1)):
            assert z >= deepest, seg
            assert prof.limits.x_min - 1e-6 <= x <= prof.limits.x_max + 1e-6, seg
            assert prof.limits.y_min - 1e-6 <= y <= prof.limits.y_max + 1e-6, seg
        if seg.kind == "rapid":
            assert min(z0, z1) >= -1e-9, ("rapid below the stock top", seg)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_nest_keeps_spacing_and_margin(data):
    from wikicut.nest import nest, verify_layout

    spacing = data.draw(st.floats(0, 20))
    margin = data.draw(st.floats(0, 40))
    stock = Stock(data.draw(st.floats(600, 1500)), data.draw(st.floats(400, 900)), 18, margin)
    items = []
    for k in range(data.draw(st.integers(1, 14))):
        p = data.draw(parts())
        x0, y0, x1, y1 = p.bounds
        if x1 - x0 > stock.width - 2 * margin or y1 - y0 > stock.height - 2 * margin:
            continue
        items.append(NestItem(f"p#{k + 1}", p, (0.0, 90.0, 180.0, 270.0)))
    if not items:
        return
    layout = nest(items, [stock], NestSettings(spacing=spacing, seed=1, time_limit=2,
                                               workers=1, iterations=2))
    assert verify_layout(layout, spacing) == []
    placed = [p.instance for s in layout.sheets for p in s.placements]
    assert sorted(placed + layout.unplaced) == sorted(i.instance for i in items)
    assert not layout.unplaced  # unlimited stock: everything fits somewhere
    for s in layout.sheets:
        for p in s.placements:
            g = p.placed().outline
            bx0, by0, bx1, by1 = g.bounds
            assert bx0 >= margin - 1e-6 and by0 >= margin - 1e-6
            assert bx1 <= stock.width - margin + 1e-6 and by1 <= stock.height - margin + 1e-6


def _rs274_canon(path) -> list[str]:
    res = run_rs274(find_rs274(), path, timeout=60)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return res.stdout.splitlines()


@pytest.mark.parametrize("profile", [p for p in PROFILES if p != "shopbot"])
def test_rs274_sees_no_rapid_in_stock(profile, tmp_path, rs274):
    """LinuxCNC's own interpreter reads our program: no traverse below Z0, depth bounded."""
    from wikicut.cam import plan_sheet
    from wikicut.post import write_program

    prof = load_profile(profile)
    part = Part("plate", shapely.box(0, 0, 300, 200).difference(
        shapely.Point(150, 100).buffer(30, quad_segs=16)), source="test")
    sheet = _placed_sheet(part, 18.0, 2)
    path = tmp_path / f"p.{prof.extension}"
    path.write_text(write_program(plan_sheet(sheet, prof), prof))
    unit = 25.4 if prof.units == "inch" else 1.0
    num = r"(-?\d+\.\d+)"
    for line in _rs274_canon(path):
        m = re.search(rf"(STRAIGHT_TRAVERSE|STRAIGHT_FEED|ARC_FEED)\({num}, {num}, {num}", line)
        if not m:
            continue
        kind, z = m.group(1), float(m.group(4)) * unit
        if kind == "STRAIGHT_TRAVERSE":
            assert z >= -1e-6, line
        assert z >= -(18.0 + prof.depth.max_overcut) - 1e-3, line


