"""A sheet split into one program per tool (GRBL's [changer] mode = "split"): each program's
header keeps only the planner's notes about what it cuts (the V-bit's program said the parts
were held by an onion skin taken off by a final pass, which only the outline program does);
and `wikicut gcode` on sheet 3 of a job, alone, says "sheet 3" in its progress, not "3 of 1"."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from tests.test_gcode import profile, sample_sheet
from tests.test_tool_changes import BIG, SMALL, VBIT, multi_program
from wikicut.cam import plan_sheet
from wikicut.io.dxf import write_sheet_dxf
from wikicut.io.profiles import load_profile
from wikicut.pipeline import run_gcode
from wikicut.post import split_by_tool
from wikicut.verify.header import header_comments

PARTS = "parts"  # the repository's, as the examples use them

# wedges and bowties 12 mm apart, under two 6 mm grooves and a web: some are held by a skin
# for want of room for tabs, which the outline program cuts and takes off at the end
JOB = """name = "split-notes"

[sheet]
width = 1220
height = 610
thickness = 18.3
margin = 15
material = "BirchPly"

[nest]
spacing = 12
rotations = [0, 180]
seed = 1

[machine]
profile = "grbl"
tools = [1, 5, 10]

[[part]]
file = "{parts}/wedge.toml"
quantity = 8

[[part]]
file = "{parts}/bowtie.toml"
quantity = 4
"""


@pytest.fixture(scope="module")
def nested(tmp_path_factory):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    d = tmp_path_factory.mktemp("split")
    (d / "job.toml").write_text(JOB.format(parts=(root / PARTS).as_posix()))
    run = subprocess.run([sys.executable, "-m", "wikicut", "nest", str(d / "job.toml"), "-o",
                          str(d / "out"), "--iterations", "1", "--seed", "1", "-q"],
                         capture_output=True, text=True, cwd=d)
    assert run.returncode == 0, run.stderr
    return d / "out"


def _said(note: str) -> str:
    """A note as a program header says it: parentheses inside a G-code comment are brackets."""
    return note.replace("(", "[").replace(")", "]")


def test_each_split_program_keeps_only_the_notes_about_what_it_cuts(nested):
    report = json.loads((nested / "report.json").read_text())
    prof = profile("grbl")
    sheet = report["sheets"][0]
    notes = sheet["toolpath"]["notes"]
    assert any(n.startswith("no room for tabs: ") for n in notes)  # the case at hand
    headers = {}
    for f in sheet["programs"]:
        text = (nested / f["file"]).read_text()
        headers[f["tools"][0]] = " ".join(header_comments(text, prof))
    assert sorted(headers) == [1, 10]
    for note in notes:
        assert _said(note) in headers[1]  # the outlines, the skin and the final pass
        assert _said(note) not in headers[10], note  # the V-bit only engraves the labels


def test_notes_go_to_the_programs_that_cut_their_kind_and_the_rest_to_the_outlines():
    """Labels to the label tool, a drawn label to the engraving tool, lead arcs and slug
    skins to the profile cuts; what no operation cuts (no tool reaches the labels' depth, a
    note the table does not know) stays with the outlines."""
    notes = {"lead": "lead arcs: 1 of 4 profile cuts without room for one (see their comments)",
             "slug": "slug skins: break out by hand the onion skin left in the holes of rib#1",
             "drawn": "drawn labels: 1 of 2 parts engrave the label their drawing gives",
             "labels": "labels: 1 of 2 parts without room for theirs, not engraved (cleat#1)",
             "none": "labels: none engraved: no tool of the rack reaches 1 mm",
             "other": "something the planner says of the whole sheet"}
    prog = multi_program("grbl", three=True)
    # the labels (the tests' profile engraves none), cut by the small tool after its drills
    labels = [replace(o, tool=SMALL.number) for o in plan_sheet(
        sample_sheet(), load_profile("grbl")).operations if o.kind == "label"]
    assert labels
    k = next(k for k, o in enumerate(prog.operations) if o.tool == BIG.number)
    prog = replace(prog, operations=prog.operations[:k] + labels + prog.operations[k:],
                   notes=tuple(notes.values()))
    parts = split_by_tool(prog, profile("grbl"))
    assert [p.tools[0].number for p in parts] == [VBIT.number, SMALL.number, BIG.number]
    got = [set(k for k, n in notes.items() if n in p.notes) for p in parts]
    assert got == [{"drawn"}, {"labels"}, {"lead", "slug", "none", "other"}]
    assert all(list(p.notes) == [n for n in prog.notes if n in p.notes] for p in parts)


def test_gcode_on_sheet_3_of_a_job_says_sheet_3(tmp_path):
    """A sheet DXF nest wrote for sheet 3, cut alone: its one sheet keeps its number."""
    path = tmp_path / "sheet-003.dxf"
    write_sheet_dxf(replace(sample_sheet(), index=3), path)
    said: list[tuple[str, str]] = []
    run_gcode(path, tmp_path / "out", profile("grbl"),
              progress=lambda stage, frac, msg: said.append((stage, msg)))
    sheets = [msg for stage, msg in said if stage in ("gcode", "verify", "write")
              and msg.startswith("sheet ")]
    assert sheets and all(msg == "sheet 3" for msg in sheets), sheets
