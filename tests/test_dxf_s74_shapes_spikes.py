"""Corner spikes from Illustrator (the OpenROV 2.4 frame: two 0.223 mm spikes in one SPLINE,
each drawn 0.00013 mm off the line it came along) are cut without them, however many a
contour has; a lobe with width, a spike longer than the join tolerance and a real crossing
are still refused, each saying what to do."""

from __future__ import annotations

import re
import warnings

import ezdxf
import pytest

from wikicut.errors import InputError
from wikicut.io.dxf import read_dxf_parts


def _outline(tmp_path, pts):
    """A 200 x 100 mm plate (join tolerance 0.447 mm) drawn as one closed LWPOLYLINE."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    pl = doc.modelspace().add_lwpolyline(pts, close=True)
    path = tmp_path / "spiked.dxf"
    doc.saveas(path)
    return path, pl.dxf.handle


def _read(path):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        parts = read_dxf_parts(path)
    return parts, " ".join(str(w.message) for w in rec)


def _corner_spike(off: float, spike: float = 0.3):
    """The outline comes along the top edge to the corner (0, 100), runs `spike` mm on up
    the left edge's line, `off` mm beside it, and back down past the corner."""
    return [(0, 0), (200, 0), (200, 100), (0, 100), (off, 100 + spike)]


def test_a_spike_a_hair_off_the_line_is_cut_without_it(tmp_path):
    path, handle = _outline(tmp_path, _corner_spike(0.0001))
    (part,), said = _read(path)
    assert part.outline.is_valid and not part.outline.interiors
    assert part.outline.area == pytest.approx(200 * 100, abs=0.01)
    assert f"entities {handle} on layer 0 (0.300 mm near (0.0" in said
    assert "double back on themselves" in said


def test_two_spikes_in_one_contour_are_both_dropped(tmp_path):
    # each 0.3 mm spike is within the 0.447 mm join tolerance, together they are not
    pts = [(0, 0), (200, 0), (200, -0.3), (200, 100), (0, 100), (0, 100.3)]
    path, handle = _outline(tmp_path, pts)
    (part,), said = _read(path)
    assert part.outline.area == pytest.approx(200 * 100)
    assert part.outline.bounds == (0.0, 0.0, 200.0, 100.0)
    assert f"1 contour(s) double back on themselves along a zero-width spike, cut without it " \
           f"(entities {handle} on layer 0 (0.300 mm near" in said


def test_a_lobe_with_width_is_still_refused_with_advice(tmp_path):
    # 0.05 mm off the line: a sliver 0.025 mm wide on average, more than a line drawn twice
    path, handle = _outline(tmp_path, _corner_spike(0.05))
    with pytest.raises(InputError) as exc:
        read_dxf_parts(path)
    said = str(exc.value)
    assert f"self-intersecting contour (entity {handle}, layer 0) near (" in said
    assert said.endswith("its outline crosses itself there, so it encloses no one part: "
                         "redraw it so it does not (a figure of eight is two outlines, each "
                         "closed on its own)")


def test_a_spike_longer_than_the_join_tolerance_says_how_long(tmp_path):
    path, handle = _outline(tmp_path, _corner_spike(0.0, spike=5.0))
    with pytest.raises(InputError) as exc:
        read_dxf_parts(path)
    said = str(exc.value)
    assert (f"self-intersecting contour (entity {handle}, layer 0) near (0.000, 10"
            ) in said
    # the spike makes the drawing 5 mm taller, and the join tolerance so a little larger
    assert re.search(r"it runs 5\.000 mm back along the line it came \(a spike of no width\), "
                     r"longer than the join tolerance 0\.45\d mm within which an exporter's "
                     r"slip is cut without it: delete the spike, ending the outline at its "
                     r"corner$", said)
