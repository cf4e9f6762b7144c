"""Layer names of cutting files that follow conventions other than WikiHouse's, each real
file rebuilt as a small synthetic DXF with the same layer names and a like geometry (the
files themselves carry no licence, or a non-commercial one, and are not shipped):

- AtFAB's Monkey table (diderikvw/cnc-furniture, AtFAB/MKY/AtFAB_MKY_170629/
  AtFAB_MKY_170629.dxf): parts on CUT_THRU_OUTSIDE with fastener holes on CUT_THRU_HOLE
  (a block's circle on layer 0), a hole on CUT_THRU_INSIDE, sheet frames and part numbers
  on 000_TEXT, and a test piece on CUT_THRU / CUT_THRU-INSIDE inside a frame on 000_NOTES;
- wrafab/kimc's stool (stool.dxf): TOP-CUT-OUTSIDE_15MM, TOP-CUT-INSIDE_15MM,
  TOP-POCKET-INSIDE_10.0MM, TOP-HOLE-6.0MM-DIAM_12.0MM, TOP-ENGRAVE-ONLINE_1.5MM, a chamfer
  on TOP-CHAMFER-ONLINE_8.0MM drawn over the seat's outline and one of its holes, and
  00-NOPRINT_TEXT;
- a 19-inch rack box (brorgustav/desktop-studio-19rack-3u, box.dxf): each panel on
  `<side>_outsideCutPath`, its name in letters of ARCs and LINEs on `<side>_labelLayer`.
"""

from __future__ import annotations

import math
import warnings

import ezdxf
import pytest

from wikicut.errors import InputError
from wikicut.io.dxf import LayerOp, classify_layer, read_cutting_file, read_dxf_parts

INCH = 25.4


def _said(fn, *args, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        got = fn(*args, **kw)
    return got, " ".join(str(w.message) for w in rec)


def _poly(msp, pts, layer, closed=True):
    return msp.add_lwpolyline(pts, close=closed, dxfattribs={"layer": layer})


def _box(msp, x0, y0, x1, y1, layer, closed=True):
    pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if not closed:  # drawn open, its last point on its first (as AtFAB's test piece is)
        pts.append((x0, y0))
    return _poly(msp, pts, layer, closed)


def _round(cx, cy, r, n=48):
    return [(cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n))
            for k in range(n)]


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, op", [
    ("CUT_THRU", LayerOp("auto", None)),
    ("CUTTHRU", LayerOp("auto", None)),
    ("THROUGH", LayerOp("auto", None)),
    ("CUT_THRU-HOLE", LayerOp("auto", None)),
    ("CUT_THRU-INSIDE", LayerOp("inside", None)),
    ("CUT_THRU_IN", LayerOp("inside", None)),
    ("cut_thru_out", LayerOp("outside", None)),
    ("TOP-POCKET-INSIDE_10.0MM", LayerOp("pocket", 10.0)),
    ("POCKET-INSIDE_T6MM_20.00MM", LayerOp("pocket", 20.0)),
    ("TOP-ENGRAVE-ONLINE_1.5MM", LayerOp("engrave", 1.5)),
    ("TOP-HOLE-6.0MM-DIAM_12.0MM", LayerOp("pocket", 12.0)),
    ("000_NOTES", LayerOp("ignore", None)),
    ("000_NO-PLOT", LayerOp("ignore", None)),
    ("00-NOPRINT_TEXT", LayerOp("ignore", None)),
])
def test_names_that_say_what_they_are(name, op):
    got = classify_layer(name)
    assert got == op and not got.guessed


@pytest.mark.parametrize("name", ["front_labelLayer", "000_TEXT", "text", "Labels",
                                  "PART-MARKINGS", "engravingText"])
def test_layers_named_for_letters_are_engraved(name):
    op = classify_layer(name)
    assert (op.kind, op.depth, op.lettering) == ("engrave", 1.0, True)


@pytest.mark.parametrize("name", ["POCKET_.375", "Pocket Cut", "CUT_PCKT_375",
                                  "5_ANYTOOL_HALF_MILL_INSIDE"])
def test_a_pocket_without_its_depth_stays_unsure(name):
    op = classify_layer(name)
    assert op.kind == "auto" and op.guessed and "depth" in op.unsure


@pytest.mark.parametrize("name", ["HOLE_8MM", "Dowel Holes", "Layer1", "CUT_FASTENERS"])
def test_other_names_stay_guessed(name):
    op = classify_layer(name)
    assert op.kind == "auto" and op.guessed and not op.unsure


# --- AtFAB: CUT_THRU, CUT_THRU-INSIDE, 000_NOTES, 000_TEXT -----------------------------------


def _atfab(tmp_path):
    """Inches, as AtFAB draws: a 96 x 48 in sheet frame on 000_TEXT with three parts on
    CUT_THRU_OUTSIDE (fastener holes from a block, a square hole on CUT_THRU_INSIDE, part
    numbers as MTEXT), and above it the test piece: four parts on CUT_THRU (one drawn open,
    closing on itself, with a hole on CUT_THRU-INSIDE) inside a frame on 000_NOTES."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 1
    msp = doc.modelspace()
    fastener = doc.blocks.new("fastener")
    fastener.add_circle((0, 0), 0.14, dxfattribs={"layer": "0"})
    _box(msp, 0, 0, 96, 48, "000_TEXT")
    _poly(msp, _round(13.7, 24.4, 11.9), "CUT_THRU_OUTSIDE")
    _box(msp, 8, 18.8, 19.3, 30.1, "CUT_THRU_INSIDE")
    for x, y in ((6, 20), (21.4, 20), (21.4, 28.8), (6, 28.8)):
        msp.add_blockref("fastener", (x, y), dxfattribs={"layer": "CUT_THRU_HOLE"})
    for x0 in (36.6, 61.3):
        _box(msp, x0, 6, x0 + 23.8, 23.2, "CUT_THRU_OUTSIDE")
        for dx, dy in ((2, 2), (21.8, 15.2)):
            msp.add_blockref("fastener", (x0 + dx, 6 + dy), dxfattribs={"layer": "CUT_THRU_HOLE"})
    for text, x, y in (("4.41.A", 9.3, 33), ("4.41.C1", 40, 8.5), ("4.41.C2", 65, 8.5)):
        msp.add_mtext(text, dxfattribs={"layer": "000_TEXT", "insert": (x, y, 0),
                                        "char_height": 1.0})
    _box(msp, 0, 111.75, 75.3, 141.66, "000_NOTES")
    msp.add_mtext("FILE ISSUE 06.29.2017 NOTES", dxfattribs={"layer": "000_NOTES",
                                                             "insert": (2.2, 139, 0)})
    _box(msp, 59.45, 114.44, 63.24, 125.92, "CUT_THRU")
    _box(msp, 64.19, 126.68, 71.76, 130.46, "CUT_THRU")
    _box(msp, 59.45, 126.68, 63.24, 134.25, "CUT_THRU")
    _box(msp, 64.19, 114.44, 71.76, 125.92, "CUT_THRU", closed=False)
    _box(msp, 66.08, 116.33, 69.86, 120.12, "CUT_THRU-INSIDE", closed=False)
    path = tmp_path / "AtFAB_MKY.dxf"
    doc.saveas(path)
    return path


def test_atfab_file_reads_its_parts_holes_and_test_piece(tmp_path):
    path = _atfab(tmp_path)
    parts, said = _said(read_dxf_parts, path)
    assert len(parts) == 3 + 4
    holes = sorted(len(p.outline.interiors) for p in parts)
    assert holes == [0, 0, 0, 1, 2, 2, 5]  # 4 fasteners + the square; 2 each; the test hole
    assert {"4.41.A", "4.41.C1", "4.41.C2"} <= {p.name for p in parts}
    assert not any(p.engravings for p in parts)
    # the sheet frame on 000_TEXT is not cut, and said so in one line
    assert "layer(s) '000_TEXT' (named for letters or labels) lie on no part: not cut" in said
    (test_hole,) = [p for p in parts if len(p.outline.interiors) == 1]
    assert test_hole.outline.area == pytest.approx((7.57 * 11.48 - 3.78 * 3.79) * INCH ** 2,
                                                   rel=1e-3)


def test_cut_thru_inside_a_part_in_a_wikihouse_file_is_a_hole(tmp_path):
    """CUT_THRU says what it is: in a file of WikiHouse names its contour inside a part is a
    through hole (a layer of no known name there is refused)."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    _box(msp, 0, 0, 500, 300, "6_anyTOOL_CUTTHROUGH_OUTSIDE")
    _box(msp, 50, 50, 100, 100, "CUT_THRU")
    doc.saveas(tmp_path / "w.dxf")
    (part,) = read_dxf_parts(tmp_path / "w.dxf")
    assert len(part.outline.interiors) == 1


def _sheets_on_notes(tmp_path, layer, frames):
    """96 x 48 inch sheets drawn on a notes layer (AtFAB's Ninety Minute Chair draws its
    sheet on 000_NO-PLOT, the chest of drawers its seven on 000_NOTES), two parts on each,
    one with a hole, and a note."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 1
    msp = doc.modelspace()
    for k in range(frames):
        y = 60.0 * k
        _box(msp, 0, y, 96, y + 48, layer)
        _box(msp, 10, y + 5, 40, y + 20, "CUT_THRU_OUTSIDE")
        _box(msp, 20, y + 10, 25, y + 15, "CUT_THRU_INSIDE")
        _box(msp, 50, y + 5, 90, y + 40, "CUT_THRU")
        msp.add_mtext("NOTES", dxfattribs={"layer": layer, "insert": (60, y + 45, 0)})
    path = tmp_path / "sheets.dxf"
    doc.saveas(path)
    return path


def test_a_stock_size_frame_on_a_notes_layer_is_the_sheet(tmp_path):
    """Guards the chair: its sheet on 000_NO-PLOT stays the sheet now that the layer is
    notes (the parts keep their places on it)."""
    sheets, said = _said(read_cutting_file, _sheets_on_notes(tmp_path, "000_NO-PLOT", 1))
    (sheet,) = sheets
    assert (sheet.stock.width, sheet.stock.height) == pytest.approx((96 * INCH, 48 * INCH))
    lows = sorted(round(p.placed().outline.bounds[0] / INCH, 6) for p in sheet.placements)
    assert lows == [10, 50]
    assert "on layer(s) '000_NO-PLOT' (notes, not cut; entities" in said


def test_stock_size_frames_on_a_notes_layer_are_the_sheets(tmp_path):
    sheets, said = _said(read_cutting_file, _sheets_on_notes(tmp_path, "000_NOTES", 2))
    assert len(sheets) == 2
    for sheet in sheets:
        assert (sheet.stock.width, sheet.stock.height) == pytest.approx((96 * INCH, 48 * INCH))
        holes = sorted(len(p.part.outline.interiors) for p in sheet.placements)
        assert holes == [0, 1]
    assert "2 rectangle(s) of a stock size (2438.4 x 1219.2 mm) on layer(s) '000_NOTES'" in said


# --- the stool: <side>-<operation>-<where>_<depth>MM ----------------------------------------


def _stool(tmp_path):
    """Inches (the stool's $INSUNITS=1), depths in mm in the names: a round seat with two
    holes and an engraved line, its outline and one hole drawn again on the chamfer layer; a
    leg with five blind 6 mm holes (closed splines); a cleat with a pocket and a hole; text
    strokes on 00-NOPRINT_TEXT beside the parts."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 1
    msp = doc.modelspace()
    seat = _round(-4.5, -25, 5.9)
    hole = [(-1.2, -26.8), (-0.03, -26.8), (-0.03, -23.2), (-1.2, -23.2)]
    _poly(msp, seat, "TOP-CUT-OUTSIDE_15MM")
    _poly(msp, hole, "TOP-CUT-INSIDE_15MM")
    _poly(msp, [(-9.7, -25.6), (-7.3, -25.6), (-7.3, -24.4), (-9.7, -24.4)],
          "TOP-CUT-INSIDE_15MM")
    _poly(msp, seat, "TOP-CHAMFER-ONLINE_8.0MM")
    _poly(msp, hole, "TOP-CHAMFER-ONLINE_8.0MM")
    msp.add_line((-5, -30), (-5, -22), dxfattribs={"layer": "TOP-ENGRAVE-ONLINE_1.5MM"})
    _box(msp, -20, -32, -16.5, -19.3, "TOP-CUT-OUTSIDE_15MM")
    for k in range(5):
        cx, cy = -18.2, -30.9 + 2.8 * k
        r = 0.118  # 6 mm across
        fit = [(cx + r * math.cos(a), cy + r * math.sin(a))
               for a in (2 * math.pi * j / 8 for j in range(9))]
        sp = msp.add_spline(fit, dxfattribs={"layer": "TOP-HOLE-6.0MM-DIAM_12.0MM"})
        sp.closed = True
    _box(msp, -21, -46, -9, -34, "TOP-CUT-OUTSIDE_15MM")
    _box(msp, -14.4, -38.9, -11.6, -35.1, "TOP-POCKET-INSIDE_10.0MM")
    _box(msp, -11.5, -41.9, -10.3, -38.4, "TOP-CUT-INSIDE_15MM")
    msp.add_spline([(47.9, 39.7), (48.4, 40.7), (48.9, 39.7)],
                   dxfattribs={"layer": "00-NOPRINT_TEXT"})
    path = tmp_path / "stool.dxf"
    doc.saveas(path)
    return path


def test_stool_reads_pockets_blind_holes_engraving_and_leaves_the_chamfer(tmp_path):
    parts, said = _said(read_dxf_parts, _stool(tmp_path))
    assert len(parts) == 3
    by_pockets = {len(p.pockets): p for p in parts}
    seat, leg, cleat = by_pockets[0], by_pockets[5], by_pockets[1]
    assert len(seat.outline.interiors) == 2 and not seat.pockets
    assert [e.depth for e in seat.engravings] == [1.5]
    assert {pk.depth for pk in leg.pockets} == {12.0} and not leg.outline.interiors
    assert all(pk.shape.area == pytest.approx(math.pi * 3.0 ** 2, rel=0.1)
               for pk in leg.pockets)
    assert [pk.depth for pk in cleat.pockets] == [10.0] and len(cleat.outline.interiors) == 1
    assert "layer(s) 'TOP-CHAMFER-ONLINE_8.0MM' not cut: a chamfer" in said
    assert "NOPRINT" not in said


def test_holes_drawn_twice_on_two_layers_are_named(tmp_path):
    """The stool's refusal before its chamfer layer was known: the hole drawn again on a
    layer read by nesting; the message names both holes and the layer to map."""
    path = _stool(tmp_path)
    with pytest.raises(InputError) as e:
        read_dxf_parts(path, layer_map={"TOP-CHAMFER-ONLINE_8.0MM": "auto"})
    msg = str(e.value)
    assert "with its holes is not a valid shape: its holes (entity" in msg
    assert "layer TOP-CHAMFER-ONLINE_8.0MM)" in msg and "layer TOP-CUT-INSIDE_15MM)" in msg
    assert ") overlap: one contour drawn on both layers" in msg
    assert "--layer 'TOP-CHAMFER-ONLINE_8.0MM=ignore'" in msg
    assert "\n" not in msg


# --- the rack box: letters on *_labelLayer ---------------------------------------------------


def _letter_o(msp, cx, cy, r, layer):
    msp.add_arc((cx, cy), r, 0, 180, dxfattribs={"layer": layer})
    msp.add_arc((cx, cy), r, 180, 360, dxfattribs={"layer": layer})


def _letter_d(msp, x, y, h, layer):
    msp.add_line((x, y), (x, y + h), dxfattribs={"layer": layer})
    msp.add_arc((x, y + h / 2), h / 2, -90, 90, dxfattribs={"layer": layer})


def _rack(tmp_path):
    """Two panels of LINEs on `<side>_outsideCutPath`, each named in letters (closed 'O's
    and 'D's of ARCs and LINEs, an open 'L') on `<side>_labelLayer`, and one 'O' of the
    front's name drawn beside every panel."""
    doc = ezdxf.new("R12")
    doc.header["$INSUNITS"] = 1  # as the real file: its numbers are mm
    msp = doc.modelspace()
    for side, x0 in (("front", 0), ("back", 505)):
        pts = [(x0, 0), (x0 + 482, 0), (x0 + 482, 132), (x0, 132), (x0, 0)]
        for a, b in zip(pts, pts[1:]):
            msp.add_line(a, b, dxfattribs={"layer": f"{side}_outsideCutPath"})
        layer = f"{side}_labelLayer"
        _letter_o(msp, x0 + 40, 60, 8, layer)
        _letter_d(msp, x0 + 60, 52, 16, layer)
        msp.add_line((x0 + 90, 68), (x0 + 90, 52), dxfattribs={"layer": layer})
        msp.add_line((x0 + 90, 52), (x0 + 100, 52), dxfattribs={"layer": layer})
    _letter_o(msp, 40, 160, 8, "front_labelLayer")
    path = tmp_path / "box.dxf"
    doc.saveas(path)
    return path


def test_rack_box_letters_are_the_panels_labels_not_parts(tmp_path):
    parts, said = _said(read_dxf_parts, _rack(tmp_path))
    assert len(parts) == 2
    for p in parts:
        assert not p.outline.interiors
        assert len(p.engravings) == 3 and all(e.label and e.depth == 1.0 for e in p.engravings)
        assert p.outline.area == pytest.approx(482 * 132)
    assert ("1 stroke(s) on layer(s) 'front_labelLayer' (named for letters or labels) lie on "
            "no part: not cut") in said


def test_rack_box_sheet_keeps_the_labels_on_their_panels(tmp_path):
    (sheet,), _said_ = _said(read_cutting_file, _rack(tmp_path))
    assert len(sheet.placements) == 2
    assert sum(len(p.part.engravings) for p in sheet.placements) == 6


# --- what stays refused ------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["Pocket Cut", "POCKET_.375", "CUT_PCKT_375"])
def test_a_pocket_layer_without_its_depth_is_refused_not_cut_through(tmp_path, layer):
    """AtFAB's cabinet (Pocket Cut) and chest of drawers (POCKET_.375): a pocket read by
    nesting would be cut through the part."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    _box(msp, 0, 0, 400, 300, "Outside Cut")
    _box(msp, 50, 50, 150, 70, layer)
    doc.saveas(tmp_path / "p.dxf")
    with pytest.raises(InputError) as e:
        read_dxf_parts(tmp_path / "p.dxf")
    msg = str(e.value)
    assert f"layer '{layer}' names a pocket but not its depth in mm" in msg
    assert f"--layer '{layer}=pocket:9'" in msg and "\n" not in msg
    (part,) = read_dxf_parts(tmp_path / "p.dxf", layer_map={layer: "pocket:9.5"})
    assert [pk.depth for pk in part.pockets] == [9.5] and not part.outline.interiors


def test_an_unknown_layer_in_a_wikihouse_file_is_still_refused(tmp_path):
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    _box(msp, 0, 0, 500, 300, "6_anyTOOL_CUTTHROUGH_OUTSIDE")
    _box(msp, 50, 50, 100, 100, "FASTENERS")
    doc.saveas(tmp_path / "w.dxf")
    with pytest.raises(InputError, match=r"layer 'FASTENERS' is not a layer wikicut knows.*"
                                         r"layer map"):
        read_dxf_parts(tmp_path / "w.dxf")
