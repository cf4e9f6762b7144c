"""Habits of real cutting files found in public repositories (not shipped here), each
rebuilt as a small synthetic DXF:

- AtFAB's CNC Maker Bench (akaziuna/cnc-standing-height-workbench, Illustrator R12): an
  outline that runs 0.443 mm back up the line it came down (a zero-width spike); the sheet,
  a margin rectangle, the parts and their holes all on INSIDE_CUT;
- a laser layout cut on common lines (rcalme/puzzle-box, Inkscape R14): two panels sharing an
  edge drawn in many short LINEs;
- SketchUp's R12 export (CNCProjects/CNC-Toolbox): a header without $INSUNITS;
- a puzzle box's laser files (Inkscape R14, inches unstated): a plate's outlines in loose
  pieces open by rounding at the inch scale, read as mm; drawer panels whose shared side is
  drawn once; a shape touching another at two corners; woodgears.ca's gear template
  generator (an ENTITIES section alone, LWPOLYLINEs without handles or subclass markers).
"""

from __future__ import annotations

import warnings

import ezdxf
import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file, read_dxf_parts
from wikicut.io.dxf.document import open_dxf


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


# --- open contours: what the gap is, and when a join tolerance helps -----------------------

def _lines(msp, pts, layer="Cut"):
    for a, b in zip(pts, pts[1:]):
        msp.add_line(a, b, dxfattribs={"layer": layer})


def _refusal(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError) as e:
            read_dxf_parts(path, **kw)
    return str(e.value)


def test_a_unitless_plate_refused_for_its_gaps_says_it_may_be_in_inches(tmp_path):
    """A 5 x 4 inch plate in loose LINEs and ARCs (corners of 0.01 in radius), no units
    stated and nothing closed as drawn: read as mm, the corners are shorter than the
    drawing's tolerance (0.002 x its 6.4 mm diagonal) and are not cut, leaving gaps it does
    not span. The refusal carries the small-drawing hint, which is the cure."""
    doc = ezdxf.new("R12")
    msp = doc.modelspace()
    r, w, h = 0.01, 5, 4
    for a, b in [((r, 0), (w - r, 0)), ((w, r), (w, h - r)), ((w - r, h), (r, h)),
                 ((0, h - r), (0, r))]:
        msp.add_line(a, b, dxfattribs={"layer": "Cut"})
    for x, y, start in [(w - r, r, 270), (w - r, h - r, 0), (r, h - r, 90), (r, r, 180)]:
        msp.add_arc((x, y), r, start, start + 90, dxfattribs={"layer": "Cut"})
    path = tmp_path / "plate.dxf"
    doc.saveas(path)
    msg = _refusal(path)
    assert "open contour" in msg and "join tolerance 0.0128 mm" in msg
    assert msg.endswith("unitless (no $INSUNITS in the header), read as mm: the drawing spans "
                        "5.0 mm; if the drawing is in inches (127 mm), give units = 'inch'")
    assert "\n" not in msg
    (plate,), said = _read(path, units="inch")
    assert plate.outline.bounds[2:] == pytest.approx((127.0, 101.6), abs=0.01)
    assert "give units" not in said


def _inkscape_r14(tmp_path, width: float, height: float):
    """A rectangle in the template Inkscape's DXF R14 export writes before 1.2 (no units)."""
    text = "\n".join([
        "  0", "SECTION", "  2", "HEADER", "  9", "$ACADVER", "  1", "AC1014", "  9",
        "$HANDSEED", "  5", "FFFF", "  9", "$MEASUREMENT", " 70", "     1", "  0", "ENDSEC",
        "  0", "SECTION", "  2", "TABLES", "  0", "TABLE", "  2", "VPORT", "  5", "8", "330",
        "0", "100", "AcDbSymbolTable", " 70", "     4", "  0", "VPORT", "  5", "2E", "330", "8",
        "100", "AcDbSymbolTableRecord", "100", "AcDbViewportTableRecord", "  2", "*ACTIVE",
        " 70", "     0", "  0", "ENDTAB", "  0", "ENDSEC",
        "  0", "SECTION", "  2", "ENTITIES", "  0", "LWPOLYLINE", "  5", "100", "100",
        "AcDbEntity", "  8", "Layer_1", "100", "AcDbPolyline", " 90", "4", " 70", "1",
        " 10", "0", " 20", "0", " 10", f"{width}", " 20", "0", " 10", f"{width}",
        " 20", f"{height}", " 10", "0", " 20", f"{height}", "  0", "ENDSEC", "  0", "EOF", ""])
    path = tmp_path / "inkscape.dxf"
    path.write_text(text)
    return path


def test_a_small_inkscape_drawing_is_said_to_be_maybe_in_inches_too(tmp_path):
    (part,), said = _read(_inkscape_r14(tmp_path, 22.8, 5))
    assert part.outline.bounds[2:] == pytest.approx((22.8, 5))
    assert ("the largest outline is 22.8 mm long; if the drawing is in pt, give units = 'pt' "
            "(8.0 mm); if in inches (579 mm), give units = 'inch'") in said
    _part, said = _read(_inkscape_r14(tmp_path, 300, 200))  # 100 mm and more: pt only
    assert "units = 'pt' (105.8 mm)" in said and "inch" not in said


def test_a_side_two_panels_share_drawn_once_is_told_as_such_not_as_a_gap(tmp_path):
    """Two drawer panels side by side: the left one whole, the right one without its left
    side, its loose ends 0.024 mm from the left panel's right side (drawn once for both)."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    _lines(msp, [(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)])
    shared = list(msp)[1].dxf.handle
    _lines(msp, [(100.024, 0), (200, 0), (200, 100), (100.024, 100)])
    right = list(msp)[4].dxf.handle
    path = tmp_path / "drawer.dxf"
    doc.saveas(path)
    msg = _refusal(path)
    assert (f"open contour (entity {right}, layer Cut) ends at (100.024, 0.000) and (100.024, "
            f"100.000), gap 100.000 mm: its ends both lie 0.024 mm from entity {shared}, "
            "another contour's line: the side between them is drawn once") in msg
    assert "join tolerance" not in msg and "line missing" not in msg


def test_a_gap_no_join_tolerance_may_span_gets_no_advice_to_give_one(tmp_path):
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    _lines(doc.modelspace(), [(0, 20), (0, 100), (100, 100), (100, 0), (0, 0)])
    path = tmp_path / "open.dxf"
    doc.saveas(path)
    msg = _refusal(path)
    assert "ends at (0.000, 20.000) and (0.000, 0.000), gap 20.000 mm" in msg
    assert "larger join tolerance" not in msg
    assert "a gap over 5 mm (the most a join tolerance may be) is a line missing" in msg


def test_a_gap_to_another_contours_end_is_said_so_with_the_tolerance_that_joins_it(tmp_path):
    """A square drawn as two L-shaped polylines whose ends miss each other's by 1.414 mm at
    two corners: each one's gap is to the other's ends, not between its own (which are 139
    mm apart), and the tolerance the refusal gives joins them."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    first = msp.add_lwpolyline([(0, 1), (0, 100), (99, 100)], dxfattribs={"layer": "Cut"})
    second = msp.add_lwpolyline([(100, 99), (100, 0), (1, 0)], dxfattribs={"layer": "Cut"})
    path = tmp_path / "corners.dxf"
    doc.saveas(path)
    msg = _refusal(path)
    assert (f"open contour (entity {first.dxf.handle}, layer Cut) ends at (0.000, 1.000) and "
            "(99.000, 100.000), gap 1.414 mm from each end to the nearest loose end (entity "
            f"{second.dxf.handle})") in msg
    assert "give a larger join tolerance (1.415 mm spans the widest gap)" in msg
    (part,), said = _read(path, join_tolerance=1.415)
    assert part.outline.area == pytest.approx(100 * 100, rel=0.02)
    assert "closed 2 gap(s)" in said


def test_a_contour_between_two_branch_points_has_no_gap_and_no_tolerance_advice(tmp_path):
    """A hexagon with a small triangle touching it at each of two opposite corners (the
    peg board's holes): its two halves run between points where four lines meet."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    hexagon = [(0, 50), (25, 7), (75, 7), (100, 50), (75, 93), (25, 93), (0, 50)]
    _lines(msp, hexagon)
    _lines(msp, [(0, 50), (-10, 45), (-10, 55), (0, 50)])
    _lines(msp, [(100, 50), (110, 45), (110, 55), (100, 50)])
    path = tmp_path / "touching.dxf"
    doc.saveas(path)
    msg = _refusal(path)
    assert "contour branches" in msg
    assert ("ends at (0.000, 50.000) and (100.000, 50.000), both points where 4 and 4 lines "
            "meet (branch points)") in msg or \
        ("ends at (100.000, 50.000) and (0.000, 50.000), both points where 4 and 4 lines "
         "meet (branch points)") in msg
    assert ", gap" not in msg and "larger join tolerance" not in msg


# --- woodgears.ca's gear template generator -------------------------------------------------

def _flat(entity: str) -> str:
    return "\n".join([
        "999", "DXF file created by a template generator", "  0", "SECTION", "  2",
        "ENTITIES", entity, "  0", "CIRCLE", " 8", "a", " 10", "1.75", " 20", "1.75",
        " 40", "0.25", "  0", "ENDSEC", "  0", "EOF", ""])


_FLAT_GEAR = "\n".join([  # a 3.5 x 3.5 square, closed by its flag (no vertex repeated)
    "  0", "LWPOLYLINE", " 8", "a", " 90", "4", " 70", "1", " 10", "0", " 20", "0",
    " 10", "3.5", " 20", "0", " 10", "3.5", " 20", "3.5", " 10", "0", " 20", "3.5"])


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_gear_generator_file_is_repaired_with_its_layer_and_closed_flag(tmp_path, newline):
    path = tmp_path / "gear.dxf"
    path.write_bytes(_flat(_FLAT_GEAR).replace("\n", newline).encode())
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        (opened,) = open_dxf(path, str(path))
    said = " ".join(str(w.message) for w in rec)
    assert "repaired before reading: 1 LWPOLYLINE(s) written without subclass markers" in said
    poly, circle = opened.doc.modelspace()
    assert poly.dxftype() == "LWPOLYLINE" and poly.closed and poly.dxf.layer == "a"
    assert len(poly) == 4 and circle.dxf.layer == "a"
    assert not opened.has_header  # unitless, as written
    (gear,), said = _read(path, units="inch")
    assert gear.outline.area == pytest.approx((3.5 * 25.4) ** 2 - 3.14159 * (0.25 * 25.4) ** 2,
                                              rel=1e-3)
    assert "repaired before reading" in said


def test_an_entity_of_that_structure_the_reader_does_not_repair_is_named_with_its_line(tmp_path):
    flat_spline = "\n".join([
        "  0", "SPLINE", " 8", "a", " 70", "8", " 71", "3", " 72", "8", " 73", "4",
        *[x for k in (0, 0, 0, 0, 1, 1, 1, 1) for x in (" 40", str(k))],
        *[x for xy in ((0, 0), (1, 2), (2, 2), (3, 0)) for x in (" 10", str(xy[0]), " 20",
                                                                   str(xy[1]), " 30", "0")]])
    path = tmp_path / "spline.dxf"
    path.write_text(_flat(_FLAT_GEAR + "\n" + flat_spline))
    with pytest.raises(InputError) as e, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        open_dxf(path, str(path))
    line = path.read_text().splitlines().index("SPLINE") + 1
    msg = str(e.value)
    assert f"SPLINE at line {line} has no 'AcDbSpline' subclass marker" in msg
    assert "R12's flat form" in msg and "not supported" in msg


def test_a_flat_lwpolyline_in_a_file_whose_header_says_r12_is_refused_with_its_line(tmp_path):
    """ezdxf reads subclass markers only from R13 on: added there, the layer would be lost."""
    header = "\n".join(["  0", "SECTION", "  2", "HEADER", "  9", "$ACADVER", "  1", "AC1009",
                        "  0", "ENDSEC", ""])
    path = tmp_path / "r12.dxf"
    path.write_text(header + _flat(_FLAT_GEAR))
    with pytest.raises(InputError) as e, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        open_dxf(path, str(path))
    line = path.read_text().splitlines().index("LWPOLYLINE") + 1
    assert (f"LWPOLYLINE at line {line} has no 'AcDbPolyline' subclass marker" in str(e.value)
            and "the file's header says DXF R12 (AC1009), which has no LWPOLYLINE"
            in str(e.value))
