"""Write the small DXF fixtures of tests/test_dxfio.py and the DXF parts of examples/dxf-parts.

Run from anywhere: `python tests/data/dxf/make_fixtures.py`. Output is byte-identical on every
run (ezdxf's timestamps and GUIDs fixed), and a test checks that the committed files match.
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import ezdxf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
EXAMPLES = ROOT / "examples" / "dxf-parts"

OUT = "6_anyTOOL_CUTTHROUGH_OUTSIDE"
INS = "3_anyTOOL_CUTTHROUGH_INSIDE"
POCKET9 = "5_anyTOOL_9mmDEEP_INSIDE"
ENGR = "1_anyTOOL_1mmDEEP_INSIDE"


def new(units: int = 4):
    ezdxf.options.write_fixed_meta_data_for_testing = True
    doc = ezdxf.new("R2010", setup=False)
    doc.header["$INSUNITS"] = units
    return doc, doc.modelspace()


def text(doc) -> str:
    ezdxf.options.write_fixed_meta_data_for_testing = True
    # ezdxf orders CLASS entries by set iteration (PYTHONHASHSEED): sort them first
    doc.classes.add_required_classes(doc.dxfversion)
    doc.classes.classes = dict(sorted(doc.classes.classes.items()))
    s = io.StringIO()
    doc.write(s)
    return s.getvalue()


def rounded_rect(msp, x, y, w, h, r, layer):
    """A rectangle with round corners as one LWPOLYLINE with bulges (tan(90deg/4))."""
    b = math.tan(math.pi / 8)
    pts = [(x + r, y, 0), (x + w - r, y, b), (x + w, y + r, 0), (x + w, y + h - r, b),
           (x + w - r, y + h, 0), (x + r, y + h, b), (x, y + h - r, 0), (x, y + r, b)]
    msp.add_lwpolyline(pts, format="xyb", close=True, dxfattribs={"layer": layer})


def rect(msp, x, y, w, h, layer):
    msp.add_lwpolyline([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], close=True,
                       dxfattribs={"layer": layer})


# --- test fixtures -------------------------------------------------------------------------


def bulge():
    """Plain CAD file on layer 0: a rounded plate with two round holes and a slot."""
    doc, msp = new()
    rounded_rect(msp, 0, 0, 300, 200, 20, "0")
    msp.add_circle((60, 100), 10, dxfattribs={"layer": "0"})
    msp.add_circle((240, 100), 10, dxfattribs={"layer": "0"})
    rounded_rect(msp, 120, 90, 60, 20, 10, "0")
    return doc


def loose():
    """Outline and hole drawn with loose LINEs and ARCs (gaps of 0.004 mm), one duplicated."""
    doc, msp = new()
    a = {"layer": "CUT"}
    msp.add_line((0, 0), (400, 0), dxfattribs=a)
    msp.add_line((400.004, 0), (400, 100), dxfattribs=a)
    msp.add_arc((350, 100), 50, 0, 180, dxfattribs=a)  # from (400,100) to (300,100)
    msp.add_line((300, 100), (0, 100), dxfattribs=a)
    msp.add_line((0, 100), (0, 0.003), dxfattribs=a)
    msp.add_line((0, 100), (0, 0.003), dxfattribs=a)  # exact duplicate: dropped
    # a round-ended slot as two lines and two arcs, listed out of order and reversed
    msp.add_arc((50, 50), 10, 90, 270, dxfattribs=a)
    msp.add_line((150, 40), (50, 40), dxfattribs=a)
    msp.add_line((50, 60), (150, 60), dxfattribs=a)
    msp.add_arc((150, 50), 10, 270, 90, dxfattribs=a)
    return doc


def open_contour():
    doc, msp = new()
    a = {"layer": "0"}
    msp.add_line((0, 0), (100, 0), dxfattribs=a)
    msp.add_line((100, 0), (100, 100), dxfattribs=a)
    msp.add_line((100, 100), (0, 100), dxfattribs=a)
    return doc


def self_cross():
    doc, msp = new()
    msp.add_lwpolyline([(0, 0), (100, 100), (100, 0), (0, 100)], close=True,
                       dxfattribs={"layer": OUT})
    return doc


def zero_area():
    doc, msp = new()
    rect(msp, 0, 0, 100, 100, OUT)
    msp.add_lwpolyline([(300, 0), (400, 0), (350, 0)], close=True, dxfattribs={"layer": OUT})
    return doc


def curves():
    """A closed SPLINE outline with an ELLIPSE hole and a half-ellipse + line hole."""
    doc, msp = new()
    pts = [(0, 0), (200, -20), (260, 100), (200, 220), (0, 200), (-40, 100)]
    msp.add_cad_spline_control_frame(pts + pts[:1], dxfattribs={"layer": "0"})
    msp.add_ellipse((100, 100), major_axis=(40, 0), ratio=0.5, dxfattribs={"layer": "0"})
    msp.add_ellipse((100, 160), major_axis=(20, 0), ratio=0.5, start_param=0,
                    end_param=math.pi, dxfattribs={"layer": "0"})
    msp.add_line((80, 160), (120, 160), dxfattribs={"layer": "0"})
    return doc


def insert():
    """A block (outline on layer 0, hole on its own layer) inserted rotated and scaled."""
    doc, msp = new()
    blk = doc.blocks.new("FOOT")
    rect(blk, 0, 0, 100, 50, "0")
    blk.add_circle((25, 25), 8, dxfattribs={"layer": INS})
    inner = doc.blocks.new("NESTED")
    inner.add_blockref("FOOT", (0, 0), dxfattribs={"rotation": 90})
    msp.add_blockref("FOOT", (0, 0), dxfattribs={"layer": OUT})
    msp.add_blockref("FOOT", (300, 0), dxfattribs={"layer": OUT, "xscale": 2, "yscale": 2,
                                                     "rotation": 30})
    msp.add_blockref("NESTED", (700, 0), dxfattribs={"layer": OUT})
    return doc


def inch():
    doc, msp = new(units=1)
    rect(msp, 0, 0, 10, 5, "0")
    msp.add_circle((2, 2.5), 0.5, dxfattribs={"layer": "0"})
    return doc


def wikihouse_small():
    """Two 1220x2440 sheets side by side, WikiHouse layers: outline, hole, pocket over an
    edge, engraving, a TEXT label, a part cut out of another part, and construction lines."""
    doc, msp = new()
    for i, x0 in enumerate((0, 1500)):
        layer = "0_SHEET_BirchPly 2440x1220x18" if i == 0 else "000_SHEET_OSB15mm"
        rect(msp, x0, 0, 1220, 2440, layer)
        msp.add_mtext("BIRCH PLY 18mm", dxfattribs={"layer": layer, "insert": (x0, 2500)})
    # sheet 1: a panel with a hole, a pocket, a pocket over its edge, an engraving, a label
    rect(msp, 100, 1400, 800, 900, OUT)
    rect(msp, 200, 1500, 100, 300, INS)
    msp.add_circle((600, 2000), 30, dxfattribs={"layer": POCKET9})
    rect(msp, 880, 1600, 40, 100, POCKET9)  # half over the right edge: clipped
    msp.add_lwpolyline([(400, 1500), (500, 1500), (500, 1550)], dxfattribs={"layer": ENGR})
    msp.add_text("WALL-A", height=30, dxfattribs={"layer": "DONOTCUT"}).set_placement(
        (500, 1800))
    # a lower part with a 13mm pocket, and a part cut out of it
    rect(msp, 100, 100, 1000, 1000, OUT)
    rect(msp, 400, 400, 200, 100, OUT)
    rect(msp, 150, 150, 50, 50, "4_anyTOOL_13mmDEEP_INSIDE")
    # sheet 2: one part
    rounded_rect(msp, 1600, 100, 500, 500, 50, OUT)
    msp.add_line((5000, 5000), (5100, 5000), dxfattribs={"layer": "0"})  # construction
    msp.add_line((5000, 5000), (5100, 5000), dxfattribs={"layer": "0"})
    return doc


def hatch():
    doc, msp = new()
    rect(msp, 0, 0, 100, 100, OUT)
    h = msp.add_hatch(dxfattribs={"layer": INS})
    h.paths.add_polyline_path([(10, 10), (20, 10), (20, 20)], is_closed=True)
    return doc


def absurd():
    doc, msp = new()
    rect(msp, 0, 0, 100, 100, "0")
    rect(msp, 5e6, 0, 100, 100, "0")
    return doc


def deep_pocket():
    doc, msp = new()
    rect(msp, 0, 0, 1220, 2440, "0_SHEET_Ply 2440x1220x18")
    rect(msp, 100, 100, 300, 300, OUT)
    rect(msp, 150, 150, 50, 50, "4_anyTOOL_20mmDEEP_INSIDE")
    return doc


def outside_sheet():
    doc, msp = new()
    rect(msp, 0, 0, 1220, 2440, "0_SHEET_Ply 2440x1220x18")
    rect(msp, 100, 100, 300, 300, OUT)
    rect(msp, 2000, 100, 300, 300, OUT)
    return doc


FIXTURES = {
    "bulge.dxf": bulge, "loose.dxf": loose, "open.dxf": open_contour,
    "selfx.dxf": self_cross, "zero.dxf": zero_area, "curves.dxf": curves,
    "insert.dxf": insert, "inch.dxf": inch, "wikihouse_small.dxf": wikihouse_small,
    "hatch.dxf": hatch, "absurd.dxf": absurd, "deep_pocket.dxf": deep_pocket,
    "outside_sheet.dxf": outside_sheet,
}


# --- examples/dxf-parts ----------------------------------------------------------------------


def ex_bracket():
    """An L bracket: bulged corners, two screw holes."""
    doc, msp = new()
    b = math.tan(math.pi / 8)
    msp.add_lwpolyline([(0, 0, 0), (280, 0, b), (300, 20, 0), (300, 80, b), (280, 100, 0),
                        (120, 100, -b), (100, 120, 0), (100, 380, b), (80, 400, 0),
                        (20, 400, b), (0, 380, 0)], format="xyb", close=True,
                       dxfattribs={"layer": OUT})
    for c in ((50, 50), (250, 50), (50, 350)):
        msp.add_circle(c, 6, dxfattribs={"layer": INS})
    return doc


def ex_shelf():
    """A shelf drawn with loose lines and arcs, with two hand holes as LINE/ARC loops."""
    doc, msp = new()
    a = {"layer": "0"}
    msp.add_line((0, 0), (800, 0), dxfattribs=a)
    msp.add_line((800, 0), (800, 300), dxfattribs=a)
    msp.add_line((800, 300), (0, 300), dxfattribs=a)
    msp.add_line((0, 300), (0, 0), dxfattribs=a)
    for cx in (150, 650):
        msp.add_line((cx - 40, 230), (cx + 40, 230), dxfattribs=a)
        msp.add_arc((cx + 40, 250), 20, 270, 90, dxfattribs=a)
        msp.add_line((cx + 40, 270), (cx - 40, 270), dxfattribs=a)
        msp.add_arc((cx - 40, 250), 20, 90, 270, dxfattribs=a)
    msp.add_text("SHELF", height=40, dxfattribs={"layer": "DONOTCUT"}).set_placement(
        (400, 120))
    return doc


def ex_lid():
    """A lid with a SPLINE outline, an ELLIPSE window and a 6 mm deep finger pocket."""
    doc, msp = new()
    pts = [(0, 0), (300, -30), (420, 150), (300, 330), (0, 300), (-60, 150)]
    msp.add_cad_spline_control_frame(pts + pts[:1], dxfattribs={"layer": OUT})
    msp.add_ellipse((180, 150), major_axis=(80, 0), ratio=0.5, dxfattribs={"layer": INS})
    msp.add_circle((330, 150), 20, dxfattribs={"layer": "2_anyTOOL_6mmDEEP_INSIDE"})
    return doc


def ex_feet():
    """Two feet from one block: the second rotated 90 degrees."""
    doc, msp = new()
    blk = doc.blocks.new("FOOT")
    blk.add_lwpolyline([(0, 0), (150, 0), (150, 60), (100, 60), (100, 30), (50, 30), (50, 60),
                        (0, 60)], close=True, dxfattribs={"layer": "0"})
    blk.add_circle((25, 20), 5, dxfattribs={"layer": INS})
    msp.add_blockref("FOOT", (0, 0), dxfattribs={"layer": OUT})
    msp.add_blockref("FOOT", (300, 0), dxfattribs={"layer": OUT, "rotation": 90})
    return doc


def ex_plate_inch():
    """A 12 x 8 inch plate with four 1/4 inch holes, saved in inches ($INSUNITS=1)."""
    doc, msp = new(units=1)
    rect(msp, 0, 0, 12, 8, "0")
    for c in ((1, 1), (11, 1), (11, 7), (1, 7)):
        msp.add_circle(c, 0.125, dxfattribs={"layer": "0"})
    return doc


EXAMPLE_PARTS = {
    "bracket.dxf": ex_bracket, "shelf.dxf": ex_shelf, "lid.dxf": ex_lid,
    "feet.dxf": ex_feet, "plate_inch.dxf": ex_plate_inch,
}


def build(out: Path, table) -> dict[str, str]:
    """Write every DXF of `table` into out; returns name -> text (for the up-to-date test)."""
    saved = ezdxf.options.write_fixed_meta_data_for_testing
    try:
        texts = {name: text(fn()) for name, fn in table.items()}
    finally:
        ezdxf.options.write_fixed_meta_data_for_testing = saved
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, t in texts.items():
            (out / name).write_text(t, encoding="utf-8", newline="")
    return texts


def _lines_only(rects: list[tuple[float, float, float, float]], header: str) -> str:
    """DXF text as OpenSCAD (no HEADER) or SketchUp R12 write it: LINE entities only."""
    out = header
    out += "0\nSECTION\n2\nENTITIES\n"
    for x, y, w, h in rects:
        c = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        for (x0, y0), (x1, y1) in zip(c, c[1:] + c[:1]):
            out += f"0\nLINE\n8\n0\n10\n{x0:g}\n20\n{y0:g}\n11\n{x1:g}\n21\n{y1:g}\n"
    return out + "0\nENDSEC\n0\nEOF\n"


# (file, rectangles: outline then holes, header text)
UNIT_FIXTURES = {
    # OpenSCAD: no HEADER at all (ezdxf would say metres), a 2000 x 1000 mm panel
    "openscad_lines.dxf": ([(0, 0, 2000, 1000), (100, 100, 200, 50)], ""),
    # SketchUp R12 in inches with no units: a 40 x 20 inch panel, nothing says inches
    "sketchup_inch.dxf": ([(0, 0, 40, 20), (2, 2, 4, 1)],
                          "0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1009\n0\nENDSEC\n"),
    # $INSUNITS=1 (inches) on numbers drawn in mm: a 2000 x 1000 mm panel
    "insunits1_mm.dxf": ([(0, 0, 2000, 1000), (100, 100, 200, 50)],
                         "0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1009\n9\n$INSUNITS\n70\n1\n"
                         "0\nENDSEC\n"),
}


def main() -> int:
    build(HERE, FIXTURES)
    build(EXAMPLES, EXAMPLE_PARTS)
    for name, (rects, header) in UNIT_FIXTURES.items():
        (HERE / name).write_text(_lines_only(rects, header), encoding="utf-8", newline="")
    # broken files for the error tests
    (HERE / "not_dxf.dxf").write_text("hello, this is not a drawing\n", encoding="utf-8")
    (HERE / "empty.dxf").write_bytes(b"")
    (HERE / "binary.dxf").write_bytes(bytes(range(256)) * 4)
    full = (HERE / "bulge.dxf").read_text(encoding="utf-8")
    (HERE / "truncated.dxf").write_text(full[: len(full) // 2], encoding="utf-8", newline="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
