"""Two lines drawn past each other at a corner (drafting slop): trimmed at their crossing."""

from __future__ import annotations

import warnings

import ezdxf
import pytest

from wikicut.errors import InputError, InputWarning
from wikicut.io.dxf import read_dxf_parts


def _rectangle(tmp_path, over: float, name: str = "r.dxf"):
    """A 200 x 100 rectangle of LINEs whose bottom and right sides run `over` mm past their
    corner at (200, 0); the path and those two lines' handles."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    bottom = msp.add_line((0, 0), (200 + over, 0))
    right = msp.add_line((200, -over), (200, 100))
    msp.add_line((200, 100), (0, 100))
    msp.add_line((0, 100), (0, 0))
    path = tmp_path / name
    doc.saveas(path)
    return path, bottom.dxf.handle, right.dxf.handle


def _read(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts = read_dxf_parts(path, display=path.name)
    return parts, [str(w.message) for w in caught if issubclass(w.category, InputWarning)]


@pytest.mark.parametrize("over", [0.3, 1.0, 3.0])
def test_crossing_overshoots_are_trimmed_at_the_crossing(tmp_path, over):
    path, bottom, right = _rectangle(tmp_path, over)
    (part,), said = _read(path)
    assert part.area == pytest.approx(20000, abs=1e-6)
    assert part.bounds == pytest.approx((0, 0, 200, 100), abs=1e-9)
    (warning,) = said
    assert f"entity {bottom} (layer 0) runs {over:.3f} mm past (200.000, 0.000)" in warning
    assert f"entity {right} (layer 0) runs {over:.3f} mm past (200.000, 0.000)" in warning
    assert "gap" not in warning and ": 1 contour(s) closed where a line runs on" in warning


def test_lines_meeting_exactly_are_unchanged(tmp_path):
    path, _bottom, _right = _rectangle(tmp_path, 0.0)
    (part,), said = _read(path)
    assert part.area == pytest.approx(20000, abs=1e-9) and said == []


def test_long_or_inward_crossings_are_still_refused(tmp_path):
    """Guard: a crossing past MAX_OVERSHOOT, or whose overshoots run into the part (the
    inner corner of an L), is left to the open-contour refusal as before."""
    path, _bottom, _right = _rectangle(tmp_path, 6.0)
    with pytest.raises(InputError, match="open contour"):
        _read(path)
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    for a, b in [((0, 0), (200, 0)), ((200, 0), (200, 50)), ((200, 50), (99, 50)),
                 ((100, 49), (100, 100)), ((100, 100), (0, 100)), ((0, 100), (0, 0))]:
        msp.add_line(a, b)
    doc.saveas(tmp_path / "l.dxf")
    with pytest.raises(InputError, match="open contour"):
        _read(tmp_path / "l.dxf")
