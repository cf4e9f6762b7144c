"""More real DXF files from public repositories (tests/data/real/, SOURCES.md), each with
the reading it must give: parts, sizes to 0.1 mm, holes and the warnings, or the refusal.

- plywood_lamp (Fusion 360, AC1014): sketch POINTs beside the outlines (were refused as an
  "unsupported entity"), hooks cut in interlocking pairs;
- adafruit/mount_plate (LibreCAD, dxfrw 0.6.3): the plate's left side drawn 1 mm past its
  bottom edge (was refused as a 1 mm gap, and a join tolerance over 1 mm made the plate a
  trapezoid); hole callouts '1/4"%%C' in MTEXT (were taken for the plate's name);
- adafruit/template-LaserCutter (QCAD, dxflib 3.12.2.0): a rocket of SPLINEs with 0.6-0.7
  unit gaps and a closed LWPOLYLINE of one point, in PostScript points with $INSUNITS=0;
- voron2/250_Deck_Panel (Fusion 360): a clean panel with slots and a round hole.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import ezdxf
import pytest
import shapely
from conftest import read_said

from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file, read_dxf_parts

REAL = Path(__file__).resolve().parent / "data" / "real"


def _size(poly) -> tuple[float, float]:
    minx, miny, maxx, maxy = poly.bounds
    return round(maxx - minx, 1), round(maxy - miny, 1)


def test_fusion_lamp_reads_past_its_sketch_points():
    parts, said = read_said(REAL / "plywood_lamp" / "plywood_lamp.dxf")
    assert len(parts) == 15
    sizes = sorted(_size(p.outline) for p in parts)
    assert sizes == [(20.0, 41.0)] * 12 + [(112.5, 104.9), (112.5, 105.0), (112.5, 105.0)]
    assert sorted(len(p.outline.interiors) for p in parts) == [0] * 12 + [1, 1, 7]
    # the 64 mm circle in each plate is cut as a 64 mm hole
    hole = shapely.Polygon(parts[0].outline.interiors[0])
    assert _size(hole) == (64.0, 64.0)
    hooks = [p for p in parts if _size(p.outline) == (20.0, 41.0)]
    assert all(p.outline.area == pytest.approx(328.4, abs=0.1) for p in hooks)
    points = [s for s in said if "POINT" in s]
    assert len(points) == 1 and "\n" not in points[0]
    assert re.search(r"plywood_lamp\.dxf: 2 POINT entities not cut .*entities 100, 101 on "
                     r"layer\(s\) '0'", points[0])
    assert any("entities 214 on 181, 378 on 373" in s for s in said)


def test_a_point_on_a_cut_layer_is_not_cut_and_said(tmp_path):
    doc = ezdxf.new("R2000", units=ezdxf.units.MM)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True)
    pt = msp.add_point((10, 10), dxfattribs={"layer": "CUT"})
    msp.add_point((500, 500), dxfattribs={"layer": "0_SHEET_BirchPly"})  # a sheet's: quiet
    doc.saveas(tmp_path / "p.dxf")
    (part,), said = read_said(tmp_path / "p.dxf")
    assert _size(part.outline) == (100.0, 50.0)
    assert [s for s in said if "POINT" in s] == [
        f"{tmp_path / 'p.dxf'}: 1 POINT entity not cut (a point has no outline; CAD exports "
        f"sketch points so): entity {pt.dxf.handle} on layer(s) 'CUT'"]


def test_librecad_plate_whose_side_runs_past_the_corner_is_the_plate():
    path = REAL / "adafruit" / "mount_plate.dxf"
    (plate,), said = read_said(path)
    assert _size(plate.outline) == (210.0, 169.0)
    assert plate.outline.area == pytest.approx(210 * 169 - sum(
        shapely.Polygon(r).area for r in plate.outline.interiors))
    assert len(plate.outline.interiors) == 13
    diameters = sorted(_size(shapely.Polygon(r))[0] for r in plate.outline.interiors)
    assert diameters == [8.7] * 8 + [12.7, 19.1, 19.1, 19.1, 50.8]
    # the hole callouts ('1/4"%%C', '11/64"%%C') name no part
    assert plate.name == "mount_plate-1" and plate.label == ""
    (tail,) = [s for s in said if "past the corner" in s]
    assert "entity 88 (layer 0) runs 1.000 mm past (0.000, 1.000) to (0.000, 0.000)" in tail
    # cut as drawn, the same plate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (layout,) = read_cutting_file(path, clearance=6.0)
    (pl,) = layout.placements
    assert _size(pl.part.outline) == (210.0, 169.0)


def _overshot(tmp_path, past: float):
    """A 100 x 60 mm outline of LINEs whose left side runs `past` mm down beyond the
    bottom-left corner, where the bottom edge ends on it."""
    doc = ezdxf.new("R2000", units=ezdxf.units.MM)
    msp = doc.modelspace()
    left = msp.add_line((0, -past), (0, 60))
    msp.add_line((0, 60), (100, 60))
    msp.add_line((100, 60), (100, 0))
    msp.add_line((100, 0), (0, 0))
    path = tmp_path / "overshot.dxf"
    doc.saveas(path)
    return path, left.dxf.handle


def test_an_overshoot_longer_than_5_mm_is_refused_and_named(tmp_path):
    path, handle = _overshot(tmp_path, 12.0)
    with pytest.raises(InputError) as e:
        read_dxf_parts(path)
    msg = str(e.value)
    assert "\n" not in msg
    assert (f"contour (entity {handle}, layer 0) closes on itself at (0.000, 0.000), on "
            f"entity {handle}, not at its end: entity {handle} runs on 12.000 mm past that "
            "corner to (0.000, -12.000)") in msg
    assert "join tolerance" not in msg  # no gap to close: the advice would mislead


def test_an_overshoot_up_to_5_mm_outside_is_not_cut(tmp_path):
    path, handle = _overshot(tmp_path, 3.0)
    (part,), said = read_said(path)
    assert _size(part.outline) == (100.0, 60.0)
    assert part.outline.area == pytest.approx(6000.0)
    assert any(f"entity {handle} (layer 0) runs 3.000 mm past (0.000, 0.000) to "
               "(0.000, -3.000)" in s for s in said)


def test_qcad_rocket_gaps_are_named_then_read_with_a_wider_tolerance():
    path = REAL / "adafruit" / "template-LaserCutter.dxf"
    with pytest.raises(InputError) as e:
        read_dxf_parts(path)
    msg = str(e.value)
    assert "open contour (entity 62, layer 0)" in msg and "gap 0.578 mm" in msg
    # the other end of that path stops 0.578 mm short of spline 6E's end, on 6E
    assert ("contour (entity 64, layer 0) ends on entity 6E at (524.228, 349.923), not at "
            "its end (T-junction") in msg and "join tolerance 0.5 mm" in msg
    (rocket,), said = read_said(path, join_tolerance=0.8)
    # $INSUNITS=0: read as mm, though QCAD kept the points (1/72 in) of the A3 template
    # it came from (the rocket is 190 mm wide on the page)
    assert _size(rocket.outline) == (538.9, 847.7)
    assert not rocket.outline.interiors
    assert any("closed 6 gap(s)" in s and "0.705 mm" in s for s in said)
    assert any("zero-area contour(s) on or inside parts not cut (entity 6C" in s for s in said)


def test_qcad_rocket_in_points_reads_at_its_size_on_the_page():
    """Given its units, the template is its true size on the A3 page, and its 0.6-0.7 point
    gaps (0.2-0.25 mm) are within the default join tolerance."""
    path = REAL / "adafruit" / "template-LaserCutter.dxf"
    (rocket,), said = read_said(path, units="pt")
    assert _size(rocket.outline) == (190.1, 299.1)  # 538.9 x 847.7 points
    assert rocket.outline.area == pytest.approx(269_039 * (25.4 / 72) ** 2, rel=1e-3)
    assert not rocket.outline.interiors
    assert any("closed 5 gap(s)" in s and "0.249 mm" in s for s in said)
    assert any("zero-area contour(s) on or inside parts not cut (entity 6C" in s for s in said)


def test_voron_deck_panel_reads_with_its_slots_and_hole():
    (panel,), said = read_said(REAL / "voron2" / "250_Deck_Panel.dxf")
    assert said == []
    assert _size(panel.outline) == (369.0, 369.0)
    holes = sorted(_size(shapely.Polygon(r)) for r in panel.outline.interiors)
    assert holes == [(10.0, 16.0)] * 4 + [(12.0, 12.0)]
