"""Unclamped SPLINEs (periodic closed curves as Rhino and Fusion write them, and open ones
with uniform knots) are read over their valid domain [knot[degree], knot[count]] only."""

from __future__ import annotations

import math

import ezdxf
import numpy as np
import pytest
from ezdxf.math import BSpline
from shapely.geometry import Polygon

from wikicut.io.dxf import read_dxf_parts

CLOSED, PERIODIC, PLANAR = 1, 2, 8  # SPLINE flags


def _new():
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4  # mm
    return doc


def _periodic_circle(cx: float, cy: float, r: float, n: int = 8):
    """A periodic cubic near a circle: n control points round it, the first 3 repeated at
    the end (wrapped), uniform knots 0..n+6, as CAD exports a closed curve."""
    cr = r / math.cos(math.pi / n)
    cp = [(cx + cr * math.cos(2 * math.pi * i / n), cy + cr * math.sin(2 * math.pi * i / n))
          for i in range(n)]
    cp += cp[:3]
    return cp, [float(i) for i in range(len(cp) + 4)]


def _dense(cp, knots, degree: int = 3) -> np.ndarray:
    """The exact curve, densely, over its valid domain."""
    spline = BSpline([(x, y, 0.0) for x, y in cp], order=degree + 1, knots=knots)
    k = spline.knots()
    t = np.linspace(k[degree], k[len(cp)], 20_001)
    return np.array([(v.x, v.y) for v in spline.points(t)])


def _add_spline(msp, cp, knots, flags: int):
    s = msp.add_spline(dxfattribs={"degree": 3, "flags": flags})
    s.control_points = [(x, y, 0.0) for x, y in cp]
    s.knots = knots
    return s


def test_periodic_spline_is_a_closed_outline(tmp_path):
    cp, knots = _periodic_circle(300.0, 200.0, 50.0)
    doc = _new()
    _add_spline(doc.modelspace(), cp, knots, CLOSED | PERIODIC | PLANAR)
    doc.saveas(tmp_path / "periodic.dxf")
    (part,) = read_dxf_parts(tmp_path / "periodic.dxf")
    exact = Polygon(_dense(cp, knots)).area
    assert not part.outline.interiors
    assert Polygon(part.outline.exterior).area == pytest.approx(exact, rel=5e-3)


def test_periodic_spline_is_a_hole(tmp_path):
    cp, knots = _periodic_circle(100.0, 100.0, 40.0)
    doc = _new()
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (200, 0), (200, 200), (0, 200)], close=True)
    _add_spline(msp, cp, knots, CLOSED | PERIODIC | PLANAR)
    doc.saveas(tmp_path / "hole.dxf")
    (part,) = read_dxf_parts(tmp_path / "hole.dxf")
    exact = Polygon(_dense(cp, knots)).area
    assert Polygon(part.outline.exterior).area == pytest.approx(200 * 200)
    (hole,) = part.outline.interiors
    assert Polygon(hole).area == pytest.approx(exact, rel=5e-3)


def test_open_unclamped_spline_meets_lines_at_its_true_ends(tmp_path):
    cp = [(0.0, 0.0), (30.0, 80.0), (70.0, 100.0), (110.0, 60.0), (150.0, 90.0), (190.0, 10.0)]
    knots = [float(i) for i in range(len(cp) + 4)]  # uniform: the curve starts off cp[0]
    arch = _dense(cp, knots)
    (x0, y0), (x1, y1) = arch[0], arch[-1]
    doc = _new()
    msp = doc.modelspace()
    _add_spline(msp, cp, knots, PLANAR)
    for a, b in (((x1, y1), (x1, -20.0)), ((x1, -20.0), (x0, -20.0)), ((x0, -20.0), (x0, y0))):
        msp.add_line(a, b)
    doc.saveas(tmp_path / "open.dxf")
    (part,) = read_dxf_parts(tmp_path / "open.dxf")
    exact = Polygon([*map(tuple, arch), (x1, -20.0), (x0, -20.0)]).area
    assert Polygon(part.outline.exterior).area == pytest.approx(exact, rel=5e-3)
