"""Habits of real cutting files found in public repositories (not shipped here), each
rebuilt as a small synthetic DXF:

- AtFAB's CNC Maker Bench (akaziuna/cnc-standing-height-workbench, Illustrator R12): an
  outline that runs 0.443 mm back up the line it came down (a zero-width spike); the sheet,
  a margin rectangle, the parts and their holes all on INSIDE_CUT;
- a laser layout cut on common lines (rcalme/puzzle-box, Inkscape R14): two panels sharing an
  edge drawn in many short LINEs;
- SketchUp's R12 export (CNCProjects/CNC-Toolbox): a header without $INSUNITS.
"""

from __future__ import annotations

import warnings

import ezdxf
import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file, read_dxf_parts


def _read(path, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        parts = read_dxf_parts(path, **kw)
    return parts, " ".join(str(w.message) for w in rec)


def _rect(msp, x0, y0, x1, y1, layer="0"):
    """A closed rectangle, as a POLYLINE (R12 has no LWPOLYLINE)."""
    pl = msp.add_polyline2d([(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
                            dxfattribs={"layer": layer})
    pl.close(True)
    return pl


def _spiked(tmp_path, spike: float, layer: str = "0"):
    """An outline whose slanted left side comes down to a corner at (0, 100), runs `spike`
    mm straight up from it and back down past it (as the AtFAB leg does at (-2210.181,
    -493.419)), with a 40 mm square hole."""
    doc = ezdxf.new("R12")
    msp = doc.modelspace()
    pts = [(10, 200), (0, 100), (0, 100 + spike), (0, 0), (300, 0), (300, 200)]
    pl = msp.add_polyline2d(pts, dxfattribs={"layer": layer})
    pl.close(True)
    _rect(msp, 100, 80, 140, 120, layer)
    path = tmp_path / "spiked.dxf"
    doc.saveas(path)
    return path, pl.dxf.handle


def test_an_outline_doubling_back_along_a_spike_is_cut_without_it(tmp_path):
    path, handle = _spiked(tmp_path, 0.443)
    parts, said = _read(path)
    (part,) = parts
    assert part.outline.area == pytest.approx(300 * 200 - 500 - 40 * 40)
    assert len(part.outline.interiors) == 1
    assert part.outline.is_valid
    assert "double back" in said and f"entities {handle} on layer 0 (0.443 mm" in said


def test_a_spike_longer_than_the_join_tolerance_is_still_refused(tmp_path):
    path, handle = _spiked(tmp_path, 20.0)
    with pytest.raises(InputError, match=rf"self-intersecting contour \(entity {handle}"):
        read_dxf_parts(path)


def test_the_spike_is_also_dropped_on_a_cutting_file_cut_as_drawn(tmp_path):
    path, _ = _spiked(tmp_path, 0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (layout,) = read_cutting_file(path, clearance=6.0)
    (pl,) = layout.placements
    assert pl.part.outline.area == pytest.approx(300 * 200 - 500 - 40 * 40)


def _all_on_inside_cut(tmp_path):
    """AtFAB's habit: a part, its hole and a part cut from the hole's waste, all on one
    layer named INSIDE_CUT."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    _rect(msp, 0, 0, 600, 400, "INSIDE_CUT")
    _rect(msp, 100, 100, 300, 300, "INSIDE_CUT")
    _rect(msp, 150, 150, 250, 250, "INSIDE_CUT")
    path = tmp_path / "atfab.dxf"
    doc.saveas(path)
    return path


def test_a_hole_layer_holding_part_outlines_is_refused_with_the_layer_map_to_give(tmp_path):
    path = _all_on_inside_cut(tmp_path)
    with pytest.raises(InputError) as e:
        read_dxf_parts(path)
    msg = str(e.value)
    assert "not inside any part outline" in msg or "lies inside another hole" in msg
    assert "layer 'INSIDE_CUT' is read as through holes" in msg
    assert '--layer "INSIDE_CUT=auto"' in msg and "\n" not in msg
    parts = read_dxf_parts(path, layer_map={"INSIDE_CUT": "auto"})
    assert sorted(len(p.outline.interiors) for p in parts) == [0, 1]


def test_the_hint_reaches_the_operator_in_one_line_with_exit_2(tmp_path):
    path = _all_on_inside_cut(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["gcode", str(path), "--profile", "grbl",
                                    "--tool-diameter", "6", "-o", str(out)])
    assert res.exit_code == 2
    err = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "INSIDE_CUT=auto" in err[0]
    assert not out.exists()


def test_a_wikihouse_hole_layer_gets_no_layer_map_hint(tmp_path):
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    _rect(msp, 0, 0, 600, 400, "6_anyTOOL_CUTTHROUGH_OUTSIDE")
    _rect(msp, 700, 100, 800, 200, "3_anyTOOL_CUTTHROUGH_INSIDE")
    path = tmp_path / "wh.dxf"
    doc.saveas(path)
    with pytest.raises(InputError, match="not inside any part outline") as e:
        read_dxf_parts(path)
    assert "layer map" not in str(e.value) and "=auto" not in str(e.value)


def _margin_sheet(tmp_path):
    """A drawn sheet, a margin rectangle 25 mm inside it (on a layer that says nothing), a
    table top with a square hole, and a small part beside it."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    _rect(msp, 0, 0, 2440, 1220, "0_SHEET_BIRCHPLY 2440x1220x18")
    _rect(msp, 25, 25, 2415, 1195, "Layer1")
    _rect(msp, 100, 100, 1600, 700, "Layer1")  # the table top ...
    _rect(msp, 500, 300, 600, 400, "Layer1")  # ... and its hole
    _rect(msp, 1800, 100, 2000, 300, "Layer1")
    path = tmp_path / "margin.dxf"
    doc.saveas(path)
    return path


def test_a_margin_rectangle_inside_the_sheet_that_turns_the_parts_inside_out_is_told(tmp_path):
    path = _margin_sheet(tmp_path)
    parts, said = _read(path)
    # read by nesting, as documented: the margin is the part, the table top its hole
    assert max(p.outline.area for p in parts) == pytest.approx(2390 * 1170 - 1500 * 600
                                                               - 200 * 200)
    assert "2390 x 1170 mm rectangle" in said and "inside the sheet" in said
    assert "margin or border line" in said


def test_a_panel_with_plain_holes_filling_the_sheet_is_not_warned_about(tmp_path):
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    _rect(msp, 0, 0, 2440, 1220, "0_SHEET_BIRCHPLY 2440x1220x18")
    _rect(msp, 20, 10, 2420, 1210, "Layer1")
    _rect(msp, 100, 100, 200, 200, "Layer1")
    _rect(msp, 300, 100, 400, 200, "Layer1")
    path = tmp_path / "panel.dxf"
    doc.saveas(path)
    parts, said = _read(path)
    (part,) = parts
    assert len(part.outline.interiors) == 2
    assert "margin" not in said


def test_two_panels_sharing_an_edge_drawn_in_pieces_are_named_as_such(tmp_path):
    """The shared edge in 4 LINEs, each panel's other sides in LINEs: no gap anywhere, so
    no 'open contour ... gap 0.000 mm'."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()

    def lines(pts):
        for a, b in zip(pts, pts[1:]):
            msp.add_line(a, b, dxfattribs={"layer": "Shell"})

    lines([(0, 50), (25, 50), (50, 50), (75, 50), (100, 50)])  # the common line
    lines([(100, 50), (100, 100), (0, 100), (0, 50)])  # upper panel
    lines([(100, 50), (100, 0), (0, 0), (0, 50)])  # lower panel
    path = tmp_path / "common.dxf"
    doc.saveas(path)
    with pytest.raises(InputError) as e:
        read_dxf_parts(path)
    msg = str(e.value)
    assert "contours share an edge (layer Shell): 3 paths join" in msg
    assert "(100.000, 50.000)" in msg and "(0.000, 50.000)" in msg
    assert "gap 0.000 mm" not in msg and "open contour" not in msg


def test_an_r12_header_without_insunits_is_said_so(tmp_path):
    doc = ezdxf.new("R12")
    _rect(doc.modelspace(), 0, 0, 20, 10)
    path = tmp_path / "sketchup_r12.dxf"
    doc.saveas(path)
    _parts, said = _read(path)
    assert "unitless (no $INSUNITS in the header)" in said
    assert "$INSUNITS=0" not in said
