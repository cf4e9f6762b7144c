"""DXF roles by nesting depth (outline, hole, part in the hole, ...), the implicit sheet,
circles kept at their exact diameter, text on engraving layers and dropped debris named."""

from __future__ import annotations

import math
import warnings

import ezdxf
import pytest
import shapely

from wikicut.cam import plan_sheet
from wikicut.cam.drills import round_hole
from wikicut.errors import InputWarning
from wikicut.io.dxf import read_cutting_file, read_dxf_parts
from wikicut.io.profiles import load_profile

OUT = "6_anyTOOL_CUTTHROUGH_OUTSIDE"
IN = "3_anyTOOL_CUTTHROUGH_INSIDE"
DEEP = "5_anyTOOL_9mmDEEP_INSIDE"
ENGRAVE = "1_anyTOOL_1mmDEEP_INSIDE"


def _new(insunits: int = 4):
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = insunits
    return doc


def _square(msp, x0, y0, size, layer="0", h=None):
    h = size if h is None else h
    return msp.add_lwpolyline([(x0, y0), (x0 + size, y0), (x0 + size, y0 + h), (x0, y0 + h)],
                              close=True, dxfattribs={"layer": layer})


def _read(path, **kw):
    """Parts and the warnings said while reading."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        parts = read_dxf_parts(path, **kw)
    return parts, " | ".join(str(w.message) for w in rec if issubclass(w.category,
                                                                        InputWarning))


def _shapes(parts):
    return sorted((round(p.outline.area), len(p.outline.interiors)) for p in parts)


# 1. roles by nesting depth; the implicit sheet

def test_a_part_inside_a_frames_hole_is_a_part_not_the_sheet(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 600)  # the frame
    _square(msp, 100, 100, 400)  # its hole
    _square(msp, 250, 250, 100)  # the insert, cut out of the hole
    doc.saveas(tmp_path / "f.dxf")
    parts, said = _read(tmp_path / "f.dxf")
    assert _shapes(parts) == [(10_000, 0), (600 * 600 - 400 * 400, 1)]
    # it could be a small sheet with a part on it: cut as a part, and told how to say so
    assert "600 x 600 mm rectangle (entity" in said and "is cut as a part" in said
    (sheet,) = read_cutting_file(tmp_path / "f.dxf")
    assert len(sheet.placements) == 2


def test_five_levels_deep_alternate_outline_and_hole(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    for x, size in ((0, 600), (100, 400), (200, 200), (250, 100), (280, 40)):
        _square(msp, x, x, size)
    doc.saveas(tmp_path / "n.dxf")
    parts, _said = _read(tmp_path / "n.dxf")
    assert _shapes(parts) == [(1600, 0), (200**2 - 100**2, 1), (600**2 - 400**2, 1)]


def test_an_outline_on_an_outside_layer_is_never_the_sheet(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 600, OUT)
    _square(msp, 100, 100, 400, IN)
    _square(msp, 200, 200, 200, OUT)
    doc.saveas(tmp_path / "wh.dxf")
    parts, said = _read(tmp_path / "wh.dxf")
    assert _shapes(parts) == [(40_000, 0), (600**2 - 400**2, 1)]
    assert "rectangle" not in said  # the layer said it: nothing to guess
    # a sheet layer gives the same parts
    _square(msp, -100, -100, 2440, "0_SHEET_BirchPly 2440x1220x18", h=1220)
    doc.saveas(tmp_path / "whs.dxf")
    assert _shapes(read_dxf_parts(tmp_path / "whs.dxf")) == _shapes(parts)


def test_a_stock_sized_rectangle_is_the_sheet_and_said_so(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 2440, h=1220)
    _square(msp, 100, 100, 400)
    _square(msp, 200, 200, 100)
    doc.saveas(tmp_path / "s.dxf")
    parts, said = _read(tmp_path / "s.dxf")
    assert _shapes(parts) == [(400**2 - 100**2, 1)]
    assert "2440 x 1220 mm rectangle (entity 2F, layer 0)" in said
    assert "read as the sheet" in said
    # on an OUTSIDE layer it is cut, with a word: it looks like a sheet
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 2440, OUT, h=1220)
    _square(msp, 100, 100, 400, OUT)
    doc.saveas(tmp_path / "o.dxf")
    parts, said = _read(tmp_path / "o.dxf")
    assert len(parts) == 2 and "is cut as a part (it is on an OUTSIDE layer)" in said


def test_a_stock_sized_panel_with_holes_on_a_hole_layer_is_a_part(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 2440, h=1220)
    _square(msp, 100, 100, 400, IN)
    doc.saveas(tmp_path / "p.dxf")
    parts, said = _read(tmp_path / "p.dxf")
    assert _shapes(parts) == [(2440 * 1220 - 400**2, 1)]
    assert "rectangle" not in said


# 2. circles at their exact diameter

def _circle_file(path, how: str, r: float, insunits: int = 4, scale: float = 1.0):
    doc = _new(insunits)
    msp = doc.modelspace()
    _square(msp, 0, 0, 600 / scale, OUT, h=400 / scale)
    at = {"layer": DEEP}
    cx, cy, r = 300 / scale, 200 / scale, r / scale
    if how == "circle":
        msp.add_circle((cx, cy), r, dxfattribs=at)
    elif how == "bulge":
        msp.add_lwpolyline([(cx - r, cy, 1), (cx + r, cy, 1)], format="xyb", close=True,
                           dxfattribs=at)
    elif how == "arcs":
        msp.add_arc((cx, cy), r, 0, 180, dxfattribs=at)
        msp.add_arc((cx, cy), r, 180, 360, dxfattribs=at)
    doc.saveas(path)


@pytest.mark.parametrize("how", ["circle", "bulge", "arcs"])
@pytest.mark.parametrize("r", [1.0, 2.3, 37.5])
def test_a_circle_keeps_its_diameter_whatever_the_drawing_units(tmp_path, how, r):
    for insunits, scale in ((4, 1.0), (1, 25.4)):  # mm, and the same drawing in inches
        _circle_file(tmp_path / "c.dxf", how, r, insunits, scale)
        (part,) = read_dxf_parts(tmp_path / "c.dxf", units="mm" if scale == 1 else "inch")
        (pk,) = part.pockets
        x0, y0, x1, y1 = pk.shape.bounds
        assert (x1 - x0, y1 - y0) == pytest.approx((2 * r, 2 * r), abs=1e-9)
        assert round_hole(pk.shape) == pytest.approx((300, 200, 2 * r))
        xy = shapely.get_coordinates(pk.shape.exterior) - (300, 200)
        assert max(abs(math.hypot(*v) - r) for v in xy) < 1e-9  # vertices on the circle
        n = len(xy) - 1
        assert n % 4 == 0 and n >= 32
        assert r * (1 - math.cos(math.pi / n)) <= 0.01 + 1e-12  # chord error


def test_a_small_circle_on_a_deep_layer_is_drilled_not_refused(tmp_path):
    # a 2 mm circle with a 2.5 mm tool is a screw pilot (within 0.5 mm of the tool): the
    # 24-sided polygon of before measured 1.995 mm and was refused as a narrow pocket
    _circle_file(tmp_path / "p.dxf", "circle", 1.0)
    (sheet,) = read_cutting_file(tmp_path / "p.dxf")
    prog = plan_sheet(sheet, load_profile("grbl").with_tool(2.5))
    pocket = [op for op in prog.operations if op.kind == "pocket"]
    assert len(pocket) == 1
    xy = {(round(m.x, 6), round(m.y, 6)) for m in pocket[0].moves if m.z < 0}
    assert xy == {(300.0, 200.0)}  # plunged at the centre


# 3. text on an engraving layer

def test_text_on_an_engraving_layer_is_named_as_not_engraved(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 300, h=200)
    msp.add_text("PART-A", dxfattribs={"height": 20, "insert": (50, 100)})
    t = msp.add_text("ENGR", dxfattribs={"height": 20, "insert": (150, 150),
                                         "layer": ENGRAVE})
    doc.saveas(tmp_path / "t.dxf")
    (part,), said = _read(tmp_path / "t.dxf")
    assert part.name == "PART-A"
    assert (f"1 text(s) on an engraving layer not engraved as drawn: 'ENGR' (entity "
            f"{t.dxf.handle}, layer {ENGRAVE})") in said
    assert said.count("engraving layer") == 1


# 4. debris and stubs named

def test_a_zero_area_contour_inside_a_part_is_named(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 300, h=200)
    s = msp.add_lwpolyline([(50, 50), (150, 50), (50, 50)], close=True)
    doc.saveas(tmp_path / "z.dxf")
    (part,), said = _read(tmp_path / "z.dxf")
    assert not part.outline.interiors
    assert f"1 zero-area contour(s) on or inside parts not cut (entity {s.dxf.handle}" in said


def test_stubs_and_construction_lines_are_named_by_handle(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 300, OUT, h=200)
    hole = [(100, 50), (200, 50), (200, 150), (100, 150)]
    for a, b in zip(hole, hole[1:] + hole[:1]):
        msp.add_line(a, b, dxfattribs={"layer": IN})
    stubs = [msp.add_line((110 + 10 * k, 50), (115 + 10 * k, 50), dxfattribs={"layer": IN})
             for k in range(7)]  # drawn again over the hole's bottom edge
    guide = msp.add_line((20, 20), (80, 80))  # layer 0 in a WikiHouse file: construction
    doc.saveas(tmp_path / "s.dxf")
    with pytest.warns(InputWarning) as rec:
        read_dxf_parts(tmp_path / "s.dxf")
    said = " | ".join(str(w.message) for w in rec)
    first = ", ".join(s.dxf.handle for s in stubs[:5])
    assert "7 stub(s)" in said and f"(entities {first} and 2 more)" in said
    assert "1 open stroke(s) on layer(s) '0' not cut" in said
    assert f"entity {guide.dxf.handle})" in said
