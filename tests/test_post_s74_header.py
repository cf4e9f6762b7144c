"""A program's header states what that program does: the depth it cuts (a sheet split one
program per tool has a V-bit program that only engraves, not an 18 mm through cut), and,
where each tool change applies a length offset (M6 then G43 H<n>), that the tool lengths
must be measured first; index.html's job sheet says so beside the rack's tools."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import shapely

from tests.test_gcode import profile, sample_sheet
from tests.test_tool_changes import multi_program
from wikicut.cam import plan_sheet, resolve_tooling
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.pipeline import write_outputs
from wikicut.post import write_program, write_sheet_programs
from wikicut.post.writer import COMMENT_WIDTH
from wikicut.render import index_html, write_preview_folder
from wikicut.verify import verify_program
from wikicut.verify.header import header_comments, stated_thickness

T = 18.3


def _depth_line(text: str, prof) -> str:
    return next(c for c in header_comments(text, prof) if c.startswith("depth: "))


def _deepest(program) -> float:
    return -min(m.z for op in program.operations for m in op.moves)


@pytest.mark.parametrize("name", ["grbl", "shopbot"])
def test_each_program_of_a_split_sheet_states_the_depth_it_cuts(name):
    """The V-bit's program engraves: its header said "through 18.3 mm; ... tabs on"."""
    prof = profile(name)
    files = write_sheet_programs(multi_program(name, three=True), prof, title="multi (1)")
    assert len(files) == 3
    vbit, *rest = files
    engraved = _deepest(vbit.program)
    assert 0 < engraved < 5
    assert _depth_line(vbit.text, prof) == (f"depth: {engraved:g} mm, not through; entry"
                                            f" {prof.entry.mode}, {prof.direction}")
    t = sample_sheet().stock.thickness
    through = t + prof.depth.overcut
    for f in rest:
        assert _deepest(f.program) == pytest.approx(through)
        assert _depth_line(f.text, prof) == (f"depth: through {through:g} mm; entry"
                                             f" {prof.entry.mode}, {prof.direction}; tabs on")
    for f in files:  # the verifier still reads the header
        assert stated_thickness(f.text, prof) == pytest.approx(t)
        assert verify_program(f.text, prof) == []


def test_a_one_tool_program_that_cuts_nothing_through_says_so():
    prof = profile("grbl")
    prog = plan_sheet(sample_sheet(), prof)
    shallow = replace(prog, operations=[o for o in prog.operations if o.kind == "engrave"])
    depth = _deepest(shallow)
    through = sample_sheet().stock.thickness + prof.depth.overcut
    assert 0 < depth < through - 1
    text = write_program(shallow, prof)
    assert _depth_line(text, prof) == (f"depth: {depth:g} mm, not through, in passes <="
                                       f" {prof.depth.per_pass:g} mm")
    # the whole sheet's program is unchanged: through, in passes, held by tabs
    assert _depth_line(write_program(prog, prof), prof) == (
        f"depth: through {through:g} mm in passes <= {prof.depth.per_pass:g} mm; tabs on")


LENGTHS = {"linuxcnc": "tool lengths in tool.tbl are 0: touch off each tool before running",
           "mach3": "G43 applies each tool's length: measure every tool before running",
           "mach4": "G43 applies each tool's length: measure every tool before running"}


@pytest.mark.parametrize("name", sorted(LENGTHS))
def test_an_m6_program_says_the_tool_lengths_must_be_measured(name):
    """Each change applies G43 H<n>: with the lengths of wikicut's tool.tbl (0), or none
    measured into Mach's table, every tool but the one zeroed on the stock cuts at the wrong
    depth. One comment line, after where Z0 is."""
    prof = profile(name)
    text = write_program(multi_program(name), prof, title="multi (1)")
    assert "G43 H" in text
    head = header_comments(text, prof)
    k = next(k for k, c in enumerate(head) if c.startswith("Z0 = stock top"))
    assert head[k + 1] == LENGTHS[name]
    assert len(LENGTHS[name]) <= COMMENT_WIDTH
    one = write_program(plan_sheet(sample_sheet(), prof), prof)  # its own tool: no G43
    assert "G43" not in one and LENGTHS[name] not in one
    # changes by hand apply no length: the operator re-zeroes Z at each
    paused = write_program(multi_program(name), prof.updated(changer={"mode": "pause"}))
    assert "G43" not in paused and LENGTHS[name] not in paused
    atc = profile("shopbot").updated(changer={"mode": "m6"})  # C9, no G43, no tool.tbl
    assert "tool length" not in write_program(multi_program("shopbot"), atc)


def _rib_sheet() -> SheetLayout:
    rib = Part("rib", shapely.box(0, 0, 400, 120).difference(shapely.box(100, 30, 160, 90)),
               source="parts/rib.toml", label="R1")
    return SheetLayout(1, Stock(1220, 640, T, 15, material="BirchPly"),
                       [Placement("rib#1", rib, 40, 40, 0.0)])


@pytest.mark.parametrize("name", ["linuxcnc", "grbl"])
def test_the_job_sheet_says_the_tool_lengths_where_tool_tbl_has_them(name, tmp_path):
    """A rack on LinuxCNC: tool.tbl (lengths 0) beside the programs, and the job sheet's
    machine line says to touch the tools off, as the programs do; GRBL writes no table."""
    prof = load_profile(name)
    tooling = resolve_tooling(prof, load_library(), "BirchPly", T, tools=(1, 10))
    out = tmp_path / "out"
    write_outputs("j", Layout([_rib_sheet()]), out, profile=prof, tooling=tooling,
                  settings={"profile": prof.name, "tool_diameter": prof.tool.diameter})
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [t["number"] for t in report["sheets"][0]["tools"]] == [10, 1]
    page = (out / "index.html").read_text(encoding="utf-8")
    line = re.search(r"<li>Machine: [^\n]*?</li>", page).group(0)
    said = "tool lengths in tool.tbl are 0: touch off each tool before running"
    assert "T10" in line and "T1 " in line
    assert (said in line) == (name == "linuxcnc")
    assert (out / "tool.tbl").is_file() == (name == "linuxcnc")
    if name == "linuxcnc":
        assert " Z0 " in (out / "tool.tbl").read_text(encoding="utf-8")
        assert said in (out / "sheet-001.ngc").read_text(encoding="utf-8")
    else:  # the V-bit's program of the split sheet engraves, and says so
        vbit = (out / "sheet-001-1-T10.nc").read_text(encoding="utf-8")
        assert re.search(r"\(depth: [\d.]+ mm, not through; ", vbit)
    # the page rebuilt from the folder says the same
    write_preview_folder(out)
    assert (out / "index.html").read_text(encoding="utf-8") == page
    # the profile's one tool (no rack, no G43): no word on lengths
    one = dict(report, sheets=[dict(report["sheets"][0], tools=None)])
    line = re.search(r"<li>Machine: [^\n]*?</li>", index_html(one, ["<svg></svg>"],
                                                               tool_table="tool.tbl")).group(0)
    assert line == f"<li>Machine: profile {prof.name}, 6 mm tool</li>"
