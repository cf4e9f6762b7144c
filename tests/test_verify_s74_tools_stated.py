"""`wikicut verify --material` and `--tool-table` judge the tools the program says it cuts
with: a header's tool of another diameter than the library's of its number is not that
tool, and a tool the program selects that the table lacks stops LinuxCNC there."""

from __future__ import annotations

import pytest
import shapely

from tests.clirun import run as run_cli
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.verify import verify_program


@pytest.fixture(scope="module")
def small_tool(tmp_path_factory):
    """A plate with a hole, written by wikicut for the LinuxCNC profile with a 2.5 mm tool
    (`wikicut gcode --tool-diameter 2.5`): its header says "T1 2.5 mm", its passes are the
    profile's (18.3 mm in 3: 6.1 mm, 2.44 x D), and its sheet DXF beside it."""
    from wikicut.cam import plan_sheet
    from wikicut.io.dxf.write import sheet_dxf_text
    from wikicut.post import write_program

    prof = load_profile("linuxcnc").with_tool(2.5)
    part = Part("plate", shapely.box(0, 0, 120, 80).difference(
        shapely.Point(40, 40).buffer(15)))
    sheet = SheetLayout(1, Stock(400, 300, 18, 15), [Placement("plate#1", part, 40, 40)])
    folder = tmp_path_factory.mktemp("small")
    prog, dxf = folder / "sheet-001.ngc", folder / "sheet-001.dxf"
    prog.write_text(write_program(plan_sheet(sheet, prof), prof))
    dxf.write_text(sheet_dxf_text(sheet))
    assert "T1 2.5 mm" in prog.read_text()
    return prog, dxf


def test_a_header_tool_narrower_than_the_librarys_of_its_number_is_judged_as_itself(small_tool):
    """The library's 6 mm T1 was taken for the program's 2.5 mm T1: the hole read as
    gouged (false), and its 6.1 mm passes (2.44 x D of a 2.5 mm tool) went unjudged."""
    prog, dxf = small_tool
    base = ["verify", str(prog), "--profile", "linuxcnc", "--sheet", str(dxf)]
    assert run_cli(*base).exit_code == 0
    res = run_cli(*base, "--material", "plywood")
    assert res.exit_code == 3, res.output
    assert ": gouge: " not in res.output, res.output
    assert "T1 may cut 3.75 mm per pass" in res.output, res.output
    said = [ln for ln in res.output.splitlines() if ln.startswith("warning: ")]
    assert len(said) == 1, res.output
    assert "the program's T1 is 2.5 mm, the library's T1 is 6 mm" in said[0], said
    assert "1.5 x D (3.75 mm)" in said[0], said


def test_tool_diameter_with_material_is_judged_as_that_tool(small_tool):
    """--tool-diameter 2.5 kept the library T1's limits (a 6 mm tool's ceiling): clean."""
    prog, dxf = small_tool
    res = run_cli("verify", str(prog), "--profile", "linuxcnc", "--sheet", str(dxf),
                  "--tool-diameter", "2.5", "--material", "plywood")
    assert res.exit_code == 3, res.output
    assert "T1 may cut 3.75 mm per pass" in res.output, res.output


def test_a_tool_of_a_type_no_chart_rates_is_refused_naming_both(tmp_path):
    """A 6 mm V-bit the header calls T10, where the library's T10 is a 12.7 mm V-bit: no
    rating of the library fits it, and judged as the library's it was clean."""
    prog = tmp_path / "v.ngc"
    prog.write_text("(tool: T10 6 mm vbit, 2 flutes, 18000 rpm)\nG21 G90\nG0 Z5\nM3 S18000\n"
                    "G0 X10 Y10\nG1 Z-1 F600\nG1 X50 F2000\nG0 Z5\nM5\nM2\n")
    res = run_cli("verify", str(prog), "--profile", "linuxcnc", "--thickness", "18",
                  "--material", "plywood")
    assert res.exit_code == 2, res.output
    (line,) = res.output.strip().splitlines()
    assert str(prog) in line and "T10 is 6 mm" in line and "T10 is 12.7 mm" in line, line
    # a shop's whole tool table, its 6 mm T10 unused by a program cutting with T1 only
    table, only_t1 = tmp_path / "tool.tbl", tmp_path / "t1.ngc"
    table.write_text("T1 P1 D6 Z0 ;6 mm\nT10 P10 D6 Z0 ;6 mm V-bit\n")
    only_t1.write_text(prog.read_text().replace("T10 6 mm vbit", "T1 6 mm upcut"))
    res = run_cli("verify", str(only_t1), "--profile", "linuxcnc", "--thickness", "18",
                  "--material", "plywood", "--tool-table", str(table))
    assert res.exit_code == 0, res.output


# a program that changes to T1, cuts, then to T7 (line 11) and cuts again
TWO_TOOLS = ("G21 G90\nG0 Z20\nT1 M6\nG0 Z5\nM3 S18000\nG0 X10 Y10\nG1 Z-3 F600\n"
             "G1 X50 F2000\nG0 Z20\nM5\nT7 M6\nM3 S18000\nG0 X10 Y30\nG1 Z-2 F600\n"
             "G1 X50 F2000\nG0 Z20\nM5\nM2\n")


def test_a_tool_the_table_lacks_is_refused_at_the_line_that_selects_it(tmp_path):
    """A table without T7 read clean, the header's or the profile's diameter taken for it;
    LinuxCNC stops at T7 M6 ("Requested tool 7 not found") after T1's cuts."""
    prog, lacking, full = tmp_path / "two.ngc", tmp_path / "t1.tbl", tmp_path / "t17.tbl"
    prog.write_text(TWO_TOOLS)
    lacking.write_text("T1 P1 D6 Z0 ;6 mm\n")
    full.write_text("T1 P1 D6 Z0 ;6 mm\nT7 P7 D2.5 Z0 ;2.5 mm\n")
    base = ["verify", str(prog), "--profile", "linuxcnc", "--thickness", "18"]
    res = run_cli(*base, "--tool-table", str(lacking))
    assert res.exit_code == 3, res.output
    assert f"{prog}:11: tool: T7 is not in the tool table" in res.output, res.output
    assert run_cli(*base, "--tool-table", str(full)).exit_code == 0


def test_a_tool_selected_ahead_of_its_change_is_refused_where_it_is_selected():
    """A bare T word (an ATC program readying the next tool) is where LinuxCNC looks the
    tool up; T0 (no tool) is in no table."""
    prof = load_profile("linuxcnc")
    text = TWO_TOOLS.replace("M5\nT7 M6\n", "T7\nM5\nM6\n").replace("M5\nM2\n",
                                                                    "M5\nT0 M6\nM2\n")
    found = [(v.line, v.message) for v in verify_program(text, prof, thickness=18, table={1})
             if v.kind == "tool"]
    assert [line for line, _ in found] == [10], found
    assert "T7" in found[0][1]
    assert verify_program(text, prof, thickness=18, table={1, 7}) == []
    assert verify_program(text, prof, thickness=18) == []  # no table given: none judged
