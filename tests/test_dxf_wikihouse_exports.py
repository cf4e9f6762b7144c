"""Habits of real WikiHouse cutting files found in public repositories (not shipped here),
each rebuilt as a small synthetic DXF:

- WikiHouse Skylark 250 blocks (VDobranov/DXF2IFC2D drawings/SKYLARK250_CORNER-S_cnc.dxf,
  AutoCAD 2007): the block's name drawn in letters as curves on a layer 'TC', above the
  sheets; its closed letters were read as parts (nested and cut), or refused as "not on any
  sheet" when cut as drawn;
- WikiHouse Studio v0.2 (wikihouse/viewer-experiments, SketchUp AC1015, $INSUNITS=1 on mm
  numbers): an open contour on a pocket layer was refused with its ends and gap in inches
  read as mm (x25.4: a 7 mm gap said to be 177 mm, against a 0.5 mm tolerance);
- WikiHouse StepUp 2.1 (wikihouse/viewer-experiments): a blank line before the first group
  code, read as "not a DXF file";
- WikiHouse StepUp 1 R12 (wikihouse/viewer-experiments, SketchUp R12): entity handles used
  twice, each printed as a raw ezdxf log line on the terminal.
"""

from __future__ import annotations

import logging
import warnings

import ezdxf
import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file, read_dxf_parts

OUT = "4_ANYTOOL_CUTTHROUGH_OUTSI"
SHEET = "0_SHEET_SPRUCEPLY_2440X122"


def _said(fn, *args, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        got = fn(*args, **kw)
    return got, " ".join(str(w.message) for w in rec)


def _square(msp, x, y, size, layer):
    msp.add_lwpolyline([(x, y), (x + size, y), (x + size, y + size), (x, y + size)],
                       close=True, dxfattribs={"layer": layer})


def _skylark_with_title(tmp_path, title_inside_sheet: bool = False):
    """One sheet with a 1000 x 300 part, and on layer 'TC' an 'O' (a closed letter with its
    counter) and an 'I' stroke drawn above the sheet, as Skylark 250's block names are."""
    doc = ezdxf.new("R2007")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (2440, 0), (2440, 1220), (0, 1220)], close=True,
                       dxfattribs={"layer": SHEET})
    msp.add_lwpolyline([(100, 100), (1100, 100), (1100, 400), (100, 400)], close=True,
                       dxfattribs={"layer": OUT})
    y = 600 if title_inside_sheet else 1400
    _square(msp, 1500, y, 60, "TC")
    _square(msp, 1515, y + 15, 30, "TC")
    msp.add_lwpolyline([(1600, y), (1600, y + 60)], dxfattribs={"layer": "TC"})
    path = tmp_path / "SKYLARK250_CORNER-S_cnc.dxf"
    doc.saveas(path)
    return path


def test_title_letters_outside_the_sheets_are_not_cut_as_parts(tmp_path):
    path = _skylark_with_title(tmp_path)
    sheets, said = _said(read_cutting_file, path)
    assert [len(s.placements) for s in sheets] == [1]
    assert "layer 'TC'" in said and "outside the sheets" in said
    assert "3 entity(ies) (2 closed) are not cut" in said
    assert "--layer 'TC=auto'" in said
    assert "construction lines" not in said  # the stroke is told with its layer, once
    parts, said = _said(read_dxf_parts, path)
    assert len(parts) == 1 and parts[0].outline.area == pytest.approx(300_000)
    assert "layer 'TC'" in said


def test_title_letters_are_cut_when_the_layer_map_says_so(tmp_path):
    path = _skylark_with_title(tmp_path)
    parts, said = _said(read_dxf_parts, path, layer_map={"TC": "auto"})
    assert len(parts) == 2  # the 'O' as a part (its counter a part cut out of it) and the panel
    assert "outside the sheets" not in said


def test_a_layer_of_no_known_name_on_a_sheet_is_read_as_before(tmp_path):
    """Letters on the sheet are not skipped: the 'O' and its counter are read by nesting
    (a part with a contour of an unknown layer inside it: refused, naming the layer)."""
    path = _skylark_with_title(tmp_path, title_inside_sheet=True)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with pytest.raises(InputError, match="layer 'TC' is not a layer wikicut knows"):
            read_cutting_file(path)
    assert not any("outside the sheets" in str(w.message) for w in rec)


def test_gcode_cuts_the_block_and_leaves_its_title(tmp_path):
    path = _skylark_with_title(tmp_path)
    res = CliRunner().invoke(main, ["gcode", str(path), "--profile", "grbl",
                                    "--tool-diameter", "6", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "1 sheet, 1 part ->" in res.output and "layer 'TC'" in res.output


def _studio(tmp_path):
    """SketchUp's AC1015 with $INSUNITS=1 on numbers in mm: a 2440 x 1220 sheet, a part, and
    a pocket contour on 2_ROUT_7mmDEEP left open by 7 mm (the file's entity 2A06D: 6.974 mm)."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 1
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (2440, 0), (2440, 1220), (0, 1220)], close=True,
                       dxfattribs={"layer": "0_SHEET_StructuralSheet 2440x1220x18"})
    msp.add_lwpolyline([(100, 100), (1100, 100), (1100, 900), (100, 900)], close=True,
                       dxfattribs={"layer": "5_6mmTOOL_CUTTHROUGH_OUTSIDE"})
    pocket = msp.add_lwpolyline([(300, 200), (300, 400), (600, 400), (600, 200), (307, 200)],
                                dxfattribs={"layer": "2_ROUT_7mmDEEP"})
    path = tmp_path / "Studio_v0.2.dxf"
    doc.saveas(path)
    return path, pocket.dxf.handle


def test_an_open_contour_is_told_in_mm_when_the_header_says_inches_of_mm_numbers(tmp_path):
    path, handle = _studio(tmp_path)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with pytest.raises(InputError) as exc:
            read_cutting_file(path)
    msg = str(exc.value)
    assert f"open contour (entity {handle}, layer 2_ROUT_7mmDEEP)" in msg
    assert "gap 7.000 mm" in msg  # not 177.800 mm: the numbers are mm
    assert "(300.000, 200.000)" in msg and "(307.000, 200.000)" in msg
    said = " ".join(str(w.message) for w in rec)
    assert "$INSUNITS=1 would make the largest outline" in said


def test_the_same_refusal_with_units_given_is_unchanged(tmp_path):
    path, _handle = _studio(tmp_path)
    with pytest.raises(InputError) as exc:
        _said(read_cutting_file, path, units="mm")
    assert "gap 7.000 mm" in str(exc.value)


def test_blank_lines_before_the_first_group_code_are_read_past(tmp_path):
    doc = ezdxf.new("R2000")
    _square(doc.modelspace(), 0, 0, 100, "6__CUTTHROUGH_OUTSIDE")
    path = tmp_path / "Stepup_2.1.dxf"
    doc.saveas(path)
    path.write_bytes(b"\n" + path.read_bytes())
    parts, _said_ = _said(read_dxf_parts, path)
    assert len(parts) == 1 and parts[0].outline.area == pytest.approx(10_000)


def test_a_file_of_blank_lines_only_is_still_refused(tmp_path):
    path = tmp_path / "blank.dxf"
    path.write_bytes(b"\n\n\n")
    with pytest.raises(InputError, match="empty"):
        read_dxf_parts(path)


def _duplicate_handles(tmp_path):
    """An R12 file whose second square reuses the first one's handles (SketchUp's R12
    export of StepUp 1 has 29 such)."""
    doc = ezdxf.new("R12")
    msp = doc.modelspace()
    a = msp.add_polyline2d([(0, 0), (50, 0), (50, 50), (0, 50)],
                           dxfattribs={"layer": "6__CUTTHROUGH_OUTSIDE"})
    a.close(True)
    b = msp.add_polyline2d([(100, 0), (150, 0), (150, 50), (100, 50)],
                           dxfattribs={"layer": "6__CUTTHROUGH_OUTSIDE"})
    b.close(True)
    ha, hb = a.dxf.handle, b.dxf.handle
    path = tmp_path / "StepUp_1_r12.dxf"
    doc.saveas(path)
    text = path.read_text()
    path.write_text(text.replace(f"\n  5\n{hb}\n", f"\n  5\n{ha}\n", 1))
    return path, ha


def test_handles_used_twice_are_said_once_not_logged_raw(tmp_path, caplog):
    path, handle = _duplicate_handles(tmp_path)
    with caplog.at_level(logging.WARNING):
        parts, said = _said(read_dxf_parts, path)
    assert len(parts) == 2
    assert "non-unique" not in caplog.text
    assert f"1 entity handle(s) used twice in the file ({handle})" in said


def test_handles_used_twice_reach_the_operator_in_one_line(tmp_path):
    path, _handle = _duplicate_handles(tmp_path)
    res = CliRunner().invoke(main, ["gcode", str(path), "--profile", "grbl",
                                    "--tool-diameter", "6", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "non-unique" not in res.output
    assert res.output.count("used twice in the file") == 1
