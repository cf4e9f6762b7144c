"""Real DXF files from exporters the corpus had few of (tests/data/real/, SOURCES.md), each
with the reading it must give: parts, sizes to 0.1 mm, holes and the warnings, or the refusal.

- deepnestsharp/150x100.dxf, ReadMeExampleSmall.dxf (DeepNestSharp's R12 writer): table
  records with R2000 subclass markers stop ezdxf's strict loader ("name has to be a string,
  got NoneType"), and the files were refused as "not a readable DXF file" though CAD opens
  them; the nest export's part runs 0.013 mm over the plate's edge, and the refusal named a
  point 136 mm inside the part, not where the edges cross;
- deepnestsharp/_4.dxf, _6.dxf (AutoCAD 2010, AC1024, ANSI_1251): parts drawn for nesting,
  one with gaps and stubs, one with seven holes;
- wikihouse_viewer/mallet2.dxf (SketchUp's WikiHouse plugin, AC1015, $INSUNITS=1 on mm
  numbers): the WikiHouse mallet, four parts on a board layer `0_BOARD_18mmPLY`.
"""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import read_said

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file

REAL = Path(__file__).resolve().parent / "data" / "real"
DEEPNEST = REAL / "deepnestsharp"
MALLET = REAL / "wikihouse_viewer" / "mallet2.dxf"


def _size(part):
    x0, y0, x1, y1 = part.outline.bounds
    return round(x1 - x0, 1), round(y1 - y0, 1)


def test_an_r12_file_with_r2000_subclass_markers_is_read_in_recover_mode():
    (part,), said = read_said(DEEPNEST / "150x100.dxf")
    assert _size(part) == (150.0, 100.0)
    assert part.outline.area == pytest.approx(15000.0)
    (line,) = [s for s in said if "recover mode" in s]
    assert "150x100.dxf" in line and "its audit found nothing damaged or mended" in line
    assert "NoneType" not in line  # ezdxf's internals are not the operator's business


def test_the_recovered_file_is_cut_from_the_command_line(tmp_path):
    src = tmp_path / "150x100.dxf"
    shutil.copy(DEEPNEST / "150x100.dxf", src)
    out = tmp_path / "x.svg"
    res = CliRunner().invoke(main, ["part", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.output.splitlines() if ln.startswith("warning:")]
    assert len(warned) == 1 and "recover mode" in warned[0]
    assert out.exists()


def test_a_nested_part_over_the_plate_edge_is_refused_where_the_edges_cross():
    with pytest.raises(InputError) as err:
        read_said(DEEPNEST / "ReadMeExampleSmall.dxf")
    msg = str(err.value)
    assert msg.startswith(str(DEEPNEST / "ReadMeExampleSmall.dxf"))
    assert re.search(r"\(entity 1E, layer Plate H200 W600\) and \(entity 24, layer "
                     r"Elements\) cross at \(0\.000, 78\.584\): entity 24 runs up to 0\.013 mm "
                     r"outside entity 1E", msg), msg
    assert "overlap near" not in msg


def test_the_nest_with_its_plate_as_the_sheet_is_refused_for_parts_crossing():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match=r"\(entity 27F, layer Elements\) and \(entity "
                           r"1E1, layer Elements\) cross at \(269\.225, 40\.217\)"):
            read_cutting_file(DEEPNEST / "ReadMeExampleSmall.dxf",
                              layer_map={"Plate H200 W600": "sheet"})


def test_the_refused_nest_writes_nothing(tmp_path):
    src = tmp_path / "nest.dxf"
    shutil.copy(DEEPNEST / "ReadMeExampleSmall.dxf", src)
    out = tmp_path / "nest.svg"
    res = CliRunner().invoke(main, ["part", str(src), "-o", str(out)])
    assert res.exit_code == 2, res.output
    (error,) = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert "entity 24 runs up to 0.013 mm outside entity 1E" in error
    assert not out.exists()


def test_an_autocad_part_with_gaps_and_stubs_is_read_and_said():
    (part,), said = read_said(DEEPNEST / "_4.dxf")
    assert _size(part) == (82.1, 164.9)
    assert not part.outline.interiors
    assert any("closed 3 gap(s)" in s and "0.019 mm" in s for s in said), said
    assert any("2 stub(s)" in s and "entities 3A, FC" in s for s in said), said


def test_an_autocad_part_with_seven_holes():
    (part,), said = read_said(DEEPNEST / "_6.dxf")
    assert _size(part) == (226.8, 145.3)
    widths = sorted(round(h.bounds[2] - h.bounds[0], 1) for h in part.outline.interiors)
    assert widths == [5.0, 12.3, 12.3, 12.3, 12.3, 12.3, 20.8]
    assert said == []


def test_the_wikihouse_mallet_from_sketchup():
    parts, said = read_said(MALLET)
    assert sorted(_size(p) for p in parts) == [(100.0, 150.0)] * 2 + [(350.0, 150.0)] * 2
    assert all(not p.outline.interiors for p in parts)
    assert any("$INSUNITS=1" in s and "read as millimetres (2400 mm)" in s for s in said)
    # the board's layer, 0_BOARD_18mmPLY, says it is the sheet: nothing to warn of
    assert not any("read as the sheet" in s for s in said), said


def test_the_mallet_as_cut_is_one_board():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (sheet,) = read_cutting_file(MALLET)
    assert (sheet.stock.width, sheet.stock.height) == (1200.0, 2400.0)
    assert len(sheet.placements) == 4


def test_contours_crossing_name_the_crossing_in_a_refused_inkscape_file():
    with pytest.raises(InputError, match=r"\(entity 101, layer Capa_1\) cross at \(25\.472, "
                       r"6\.072\): entity 101 runs up to 3\.372 mm outside entity 100"):
        read_said(REAL / "freecad_library" / "inkscape.dxf")
