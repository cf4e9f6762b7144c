"""Part labels: a drawing that engraves its part's label itself (WikiHouse's LABELS layer) gets
no second one from wikicut; a part with none of its own keeps wikicut's; and where no tool of
the rack reaches the engraving depth, the labels left out are said, with why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, profile_copy, run_wikicut

from wikicut.cam import plan_sheet
from wikicut.io.dxf import read_cutting_file, read_dxf_parts, write_sheet_dxf
from wikicut.io.parts import load_part
from wikicut.io.profiles import load_profile
from wikicut.model import Placement, SheetLayout, Stock
from wikicut.render import sheet_svg

BLOCK = ROOT / "examples" / "skylark" / "E-XXS_cnc"


def _skylark(label: str):
    (part,) = read_dxf_parts(BLOCK / f"{label}.dxf")
    return part


def _mixed_sheet() -> SheetLayout:
    """Two Skylark parts (each with its LABELS layer) and a parametric spacer (none)."""
    b, p = _skylark("E-XXS-B"), _skylark("E-XXS-P")
    spacer = load_part(ROOT / "parts" / "spacer.toml")
    return SheetLayout(1, Stock(2440, 1220, 18.0, 10), [
        Placement("E-XXS-B#1", b, 20, 20, 0.0),
        Placement("E-XXS-P#1", p, 20, 700, 0.0),
        Placement("spacer#1", spacer, 1400, 700, 0.0)])


def test_a_labels_layer_is_the_parts_label_and_wikicut_adds_none():
    """Skylark's `1_ANYTOOL_1MMDEEP_LABELS_S` engraves "E-XXS/B" on the part: the program
    engraves that, not also wikicut's "E-XXS-B"; the spacer, drawn with no label, is
    labelled by wikicut; the notes say which parts carry their drawing's label."""
    sheet = _mixed_sheet()
    b = sheet.placements[0].part
    assert b.engravings and all(e.label for e in b.engravings) and b.engraves_label
    assert not sheet.placements[2].part.engraves_label
    prog = plan_sheet(sheet, load_profile("grbl"))
    labelled = {op.part for op in prog.operations if op.kind == "label"}
    engraved = {op.part for op in prog.operations if op.kind == "engrave"}
    assert labelled == {"spacer#1"}
    assert engraved == {"E-XXS-B#1", "E-XXS-P#1"}
    (note,) = [n for n in prog.notes if n.startswith("drawn labels: ")]
    assert "2 of 3 parts" in note and "E-XXS-B#1, E-XXS-P#1" in note, note
    assert not any(n.startswith("labels: ") for n in prog.notes), prog.notes


def test_the_preview_draws_the_drawings_label_and_the_id_not_a_second_label():
    svg = sheet_svg(_mixed_sheet(), tool_diameter=6.0)
    labels = re.findall(r'<text class="label[^"]*"[^>]*>([^<]*)</text>', svg)
    assert labels == ["SPACER 560"], labels  # engraved (black), not grey "no room"
    ids = re.findall(r'<text class="part-id"[^>]*>([^<]*)</text>', svg)
    assert sorted(ids) == ["E-XXS-B#1", "E-XXS-P#1", "spacer#1"], ids


def test_a_written_sheet_read_back_keeps_the_drawings_label(tmp_path):
    """`wikicut gcode` and `recut` of a sheet wikicut wrote engrave the same one label."""
    write_sheet_dxf(_mixed_sheet(), tmp_path / "sheet-001.dxf")
    (back,) = read_cutting_file(tmp_path / "sheet-001.dxf")
    own = [pl.part.engraves_label for pl in back.placements]
    assert sorted(own) == [False, True, True]
    prog = plan_sheet(back, load_profile("grbl"))
    assert len({op.part for op in prog.operations if op.kind == "label"}) == 1


@pytest.mark.xdist_group("skylark")
def test_every_skylark_program_engraves_one_label_per_part(skylark_run):
    """The real block, nested and written: on every part the file's label, never wikicut's
    beside it; report and programs say so."""
    out, r = skylark_run  # the example job nested and written (conftest.SKYLARK_NEST)
    assert "not engraved" not in r.stderr, r.stderr
    report = json.loads((out / "report.json").read_text())
    programs = sorted(out.glob("sheet-*.nc"))
    assert programs
    parts = 0
    for prog in programs:
        text = prog.read_text()
        ops = re.findall(r"^\((\S+#\d+) (label|engrave)\)$", text, re.M)
        assert not [p for p, k in ops if k == "label"], prog.name
        ids = {p for p, k in ops}
        parts += len(ids)
        assert "drawn labels:" in text, prog.name
    assert parts == report["totals"]["parts"] == 29
    notes = [n for s in report["sheets"] for n in (s["toolpath"] or {}).get("notes", [])]
    assert sum(n.startswith("drawn labels: ") for n in notes) == len(programs), notes


def _short_fluted_label_job(tmp_path: Path) -> Path:
    """A rack whose label tool (T5, 12 mm of flutes, forced) cannot reach a 13 mm
    engraving depth."""
    prof = profile_copy(tmp_path, "grbl", [("[engrave]\ndepth = 1.0", "[engrave]\ndepth = 13.0")])
    job = tmp_path / "job.toml"
    job.write_text(f"""name = "short"
[sheet]
width = 1220
height = 1220
thickness = 18
margin = 10
material = "BirchPly"
[nest]
spacing = 12
seed = 1
time_limit = 5
iterations = 3
[machine]
profile = "{prof}"
tools = [1, 5]
[machine.operations.label]
tool = 5
[[part]]
file = "{ROOT / 'parts' / 'spacer.toml'}"
quantity = 2
""", encoding="utf-8")
    return job


def test_labels_no_tool_reaches_are_said_on_the_terminal_and_in_the_notes(tmp_path):
    out = tmp_path / "out"
    r = run_wikicut("nest", str(_short_fluted_label_job(tmp_path)), "-o", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    (line,) = [ln for ln in r.stderr.splitlines() if "not engraved" in ln]
    assert line.startswith("warning: 2 part labels not engraved (no tool in the rack engraves"
                           " 13 mm deep: T5, the job's [machine.operations.label] tool, has"
                           " only 12 mm of flutes): spacer#1, spacer#2 on sheet 1"), line
    report = json.loads((out / "report.json").read_text())
    notes = [n for s in report["sheets"] for n in (s["toolpath"] or {}).get("notes", [])]
    assert any(n.startswith("labels: none engraved: no tool in the rack engraves 13 mm deep")
               for n in notes), notes
    assert not any(re.search(r"\(spacer#\d label\)", p.read_text())
                   for p in out.glob("sheet-*.nc"))

