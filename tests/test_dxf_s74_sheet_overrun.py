"""A stock-size rectangle drawn around the parts on a layer that says nothing is the sheet
even when a part runs past it by a slip of the hand (up to containment.OVERRUN_TOL), said
with the part and how far; farther out it is cut as a part, said with the rectangle and the
part crossing it, never silently.

The real file: jsphpl/standesk's 21 mm plywood desk (tests/data/real/standesk, SOURCES.md),
its 2500 x 1250 panel on Rhino's STANDARD layer and one part (entity 55) 0.43 mm over the
panel's top edge."""

from __future__ import annotations

import json
from pathlib import Path

import ezdxf
import independent_dxf
import pytest
from conftest import read_said, run_wikicut

from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file

STANDESK = (Path(__file__).resolve().parent / "data" / "real" / "standesk"
            / "standesk-1120-1100-800-21-with-fillets.dxf")


def _holes(parts) -> int:
    return sum(len(p.outline.interiors) for p in parts)


def _sheet_and_parts(path: Path, top: float) -> None:
    """A 2440 x 1220 rectangle on STANDARD around two parts (one with a hole), the second
    part's top edge at `top` (1220: flush with the sheet's)."""
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (2440, 0), (2440, 1220), (0, 1220)], close=True,
                       dxfattribs={"layer": "STANDARD"})
    msp.add_lwpolyline([(100, 100), (900, 100), (900, 600), (100, 600)], close=True,
                       dxfattribs={"layer": "CUT-OUTSIDE-18MM"})
    msp.add_lwpolyline([(1000, 700), (1800, 700), (1800, top), (1000, top)], close=True,
                       dxfattribs={"layer": "CUT-OUTSIDE-18MM"})
    msp.add_circle((500, 350), 50, dxfattribs={"layer": "CUT-INSIDE-18MM"})
    doc.saveas(path)


def test_the_standesk_panel_is_the_sheet_though_a_part_runs_past_it(tmp_path):
    parts, said = read_said(STANDESK)
    # the independent reading of the file without its panel: the parts it draws
    doc = ezdxf.readfile(STANDESK)
    msp = doc.modelspace()
    for e in [e for e in msp if e.dxf.layer == "STANDARD"]:
        msp.delete_entity(e)
    doc.saveas(tmp_path / "parts_only.dxf")
    ind = independent_dxf.read(tmp_path / "parts_only.dxf", 1.0)
    assert (len(parts), _holes(parts)) == (ind.parts, ind.holes) == (16, 20)
    assert sum(p.outline.area for p in parts) == pytest.approx(ind.area, rel=2e-3)
    assert max(p.outline.bounds[2] for p in parts) < 1700  # no 2500 x 1250 part
    sheet = [s for s in said if "rectangle (entity 63, layer STANDARD)" in s]
    assert len(sheet) == 1, said
    assert "is read as the sheet" in sheet[0]
    assert "(entity 55, layer CUT-OUTSIDE-21MM) crosses its edge, running 0.430 mm past " \
        "it" in sheet[0]


def test_the_standesk_file_nests_its_16_parts(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text(f'[sheet]\nwidth = 2500\nheight = 1250\nthickness = 21\nmargin = 10\n'
                   f'[[part]]\nfile = "{STANDESK.as_posix()}"\nquantity = 1\n')
    run = run_wikicut("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode",
                      "--iterations", "1", "--seed", "1", "-q")
    assert run.returncode == 0, run.stderr
    assert "entity 55, layer CUT-OUTSIDE-21MM) crosses its edge, running 0.430 mm" \
        in run.stderr
    totals = json.loads((tmp_path / "out" / "report.json").read_text())["totals"]
    assert (totals["parts"], totals["placed"], totals["unplaced"]) == (16, 16, 0)


def test_cut_as_drawn_the_part_past_the_sheet_is_refused(tmp_path):
    _sheet_and_parts(tmp_path / "over.dxf", 1220.4)
    with pytest.warns(Warning, match=r"running 0\.400 mm past it"), \
            pytest.raises(InputError, match=r"entity 31, layer CUT-OUTSIDE-18MM\) crosses a "
                                            r"sheet boundary"):
        read_cutting_file(tmp_path / "over.dxf", thickness=18)


def test_a_part_farther_past_the_rectangle_makes_it_a_part_said(tmp_path):
    _sheet_and_parts(tmp_path / "far.dxf", 1225)
    parts, said = read_said(tmp_path / "far.dxf")
    sizes = sorted(tuple(round(b - a) for a, b in zip(p.outline.bounds[:2],
                                                        p.outline.bounds[2:])) for p in parts)
    assert sizes == [(800, 500), (800, 525), (2440, 1220)]  # the rectangle cut, by nesting
    crossed = [s for s in said if "rectangle (entity 2F, layer STANDARD)" in s]
    assert len(crossed) == 1, said
    assert "is cut as a part, not read as the sheet: the contour (entity 31, layer " \
        "CUT-OUTSIDE-18MM) crosses its edge, running 5.000 mm past it" in crossed[0]



def test_a_cutting_file_of_sheets_alone_reads_as_empty_sheets(tmp_path):
    # three sheet rectangles, no part (a job's empty sheet, written alone): read as three
    # empty sheets, as an empty sheet among others is; the clearance check crashed on it
    import ezdxf

    from wikicut.io.dxf import read_cutting_file
    doc = ezdxf.new()
    for k in range(3):
        doc.modelspace().add_lwpolyline([(k * 2500, 0), (k * 2500 + 2440, 0),
                                         (k * 2500 + 2440, 1220), (k * 2500, 1220)],
                                        close=True, dxfattribs={"layer": "0_SHEET_18MM"})
    path = tmp_path / "sheets.dxf"
    doc.saveas(path)
    sheets = read_cutting_file(path, clearance=6.0)
    assert [(len(s.placements), s.stock.width) for s in sheets] == [(0, 2440.0)] * 3
