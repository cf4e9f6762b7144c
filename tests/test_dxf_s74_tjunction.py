"""A line ending on a closed contour (an LWPOLYLINE, a CIRCLE) is refused as the T-junction
it is, naming that contour, as one ending on a loose LINE is: never as an open contour with
a gap to draw."""

from __future__ import annotations

import ezdxf
import pytest

from wikicut.errors import InputError
from wikicut.io.dxf import read_dxf_parts


def _doc():
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(-20, -20), (80, -20), (80, 40), (-20, 40)], close=True)
    return doc, msp


def test_lines_across_a_closed_polyline_are_t_junctions_dividing_it(tmp_path):
    doc, msp = _doc()
    strip = msp.add_lwpolyline([(0, 0), (42, 0), (42, 9), (0, 9)], close=True)
    a = msp.add_line((5, 0), (5, 9))
    b = msp.add_line((37, 0), (37, 9))
    doc.saveas(tmp_path / "t.dxf")
    with pytest.raises(InputError) as exc:
        read_dxf_parts(tmp_path / "t.dxf")
    said = str(exc.value)
    for line, x in ((a, 5), (b, 37)):
        assert (f"contour (entity {line.dxf.handle}, layer 0) runs across the closed contour "
                f"(entity {strip.dxf.handle}, layer 0) from ({x}.000, 0.000) to ({x}.000, "
                "9.000), both ends on its edge (T-junction: it divides that contour in two"
                ) in said
    assert "gap" not in said and "line missing" not in said


def test_a_line_from_a_circle_to_nowhere_ends_on_it(tmp_path):
    doc, msp = _doc()
    disc = msp.add_circle((30, 10), 10)
    line = msp.add_line((40, 10), (60, 10))  # from the circle's edge, out
    doc.saveas(tmp_path / "c.dxf")
    with pytest.raises(InputError) as exc:
        read_dxf_parts(tmp_path / "c.dxf")
    said = str(exc.value)
    assert (f"contour (entity {line.dxf.handle}, layer 0) ends on the closed contour (entity "
            f"{disc.dxf.handle}, layer 0) at (40.000, 10.000), not at a corner of its own "
            "(T-junction") in said
    assert "gap" not in said
