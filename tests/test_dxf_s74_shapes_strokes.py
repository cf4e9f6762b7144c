"""An open stroke lying wholly inside a part's outline (the OpenROV 2.7 shell's score lines:
four 2-point POLYLINEs on the outline's layer) is said to be what it is, a stroke a cut layer
does not cut, with the way out (an engraving layer, or deleting it): never a line missing."""

from __future__ import annotations

import ezdxf
import pytest

from wikicut.errors import InputError
from wikicut.io.dxf import read_dxf_parts


def _plate(layer: str = "LAYER_1"):
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    plate = msp.add_lwpolyline([(0, 0), (300, 0), (300, 200), (0, 200)], close=True,
                               dxfattribs={"layer": "LAYER_1"})
    # two score lines on one axis, 42 mm apart: no join tolerance spans that
    a = msp.add_line((100, 20), (100, 75), dxfattribs={"layer": layer})
    b = msp.add_line((100, 117), (100, 160), dxfattribs={"layer": layer})
    return doc, msp, plate, (a, b)


def _refused(doc, tmp_path, **kw) -> str:
    doc.saveas(tmp_path / "shell.dxf")
    with pytest.raises(InputError) as exc:
        read_dxf_parts(tmp_path / "shell.dxf", **kw)
    return str(exc.value)


def test_score_lines_inside_a_part_are_open_strokes_not_lines_missing(tmp_path):
    doc, msp, plate, (a, b) = _plate()
    loose = msp.add_line((400, 0), (400, 50), dxfattribs={"layer": "LAYER_1"})  # on no part
    said = _refused(doc, tmp_path)
    for line, (y0, y1) in ((a, (20, 75)), (b, (117, 160))):
        assert (f"open contour (entity {line.dxf.handle}, layer LAYER_1) from (100.000, "
                f"{y0}.000) to (100.000, {y1}.000) lies inside the closed contour (entity "
                f"{plate.dxf.handle}, layer LAYER_1), clear of its edge: an open stroke inside "
                "a part (a score or slit line?), which a cut layer does not cut (it takes "
                "closed contours): move it to an engraving layer, or delete it;") in said
    # a line on no part is still one whose contour lacks a line
    assert f"open contour (entity {loose.dxf.handle}, layer LAYER_1) ends at" in said
    assert said.endswith("is a line missing, not an exporter's rounding: draw it")


def test_strokes_alone_on_their_layer_are_told_to_map_it_to_an_engraving(tmp_path):
    doc, _msp, _plate_, (a, b) = _plate("Slits")
    said = _refused(doc, tmp_path)
    assert said.count("map its layer to an engraving (--layer 'Slits=engrave', a job's "
                      "[layers]), or delete it") == 2
    assert "line missing" not in said and "gap" not in said
    # the advice works
    (part,) = read_dxf_parts(tmp_path / "shell.dxf", layer_map={"Slits": "engrave"})
    assert len(part.engravings) == 2


def test_a_curved_stroke_inside_a_part_may_be_a_hole_with_a_line_missing(tmp_path):
    doc, msp, plate, _lines = _plate()
    arc = msp.add_arc((200, 100), 30, 0, 270, dxfattribs={"layer": "LAYER_1"})
    said = _refused(doc, tmp_path)
    assert (f"open contour (entity {arc.dxf.handle}, layer LAYER_1) ends at (230.000, "
            "100.000) and (200.000, 70.000)") in said
    assert (f"lies inside the closed contour (entity {plate.dxf.handle}, layer LAYER_1), "
            "clear of its edge: an open stroke inside a part (a score or slit line?), which a "
            "cut layer does not cut (it takes closed contours): move it to an engraving "
            "layer, or delete it; if it is a hole's outline, draw the line missing") in said
