"""`wikicut verify` options and headers that change what is checked: the tool the operator
says is in the spindle, the material the library rates, where the header says Z0 is, and a
rapid straight up out of a kerf."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikicut.io.profiles import PROFILE_DIR, load_profile
from wikicut.verify import verify_program

GOLDEN = Path(__file__).parent / "golden"
HEAD = "G21 G90\nG0 Z5\nM3 S10000\nG4 P3\n"
TAIL = "M5\nM2\n"


def _verify_cli(*args):
    from click.testing import CliRunner

    from wikicut.cli import main

    res = CliRunner().invoke(main, ["verify", *map(str, args)])
    return res.exit_code, res.output


def _sheet_dxf(tmp_path: Path) -> Path:
    """The golden programs' sheet (tests.test_gcode.sample_sheet) as wikicut writes its DXF."""
    from tests.test_gcode import sample_sheet
    from wikicut.io.dxf.write import sheet_dxf_text

    f = tmp_path / "sheet-001.dxf"
    f.write_text(sheet_dxf_text(sample_sheet()))
    return f


def test_tool_diameter_wins_over_the_one_tool_the_header_lists(tmp_path):
    """The header's T1 6 mm took over from --tool-diameter: a 12 mm cutter in the spindle
    went unchecked and the sheet read clean. Given, it is the tool's diameter: the parts'
    slots are narrower than 12 mm and the contours gouge."""
    prog, sheet = GOLDEN / "sheet-grbl.nc", _sheet_dxf(tmp_path)
    code, out = _verify_cli(prog, "--profile", "grbl", "--sheet", sheet)
    assert code == 0, out
    code, out = _verify_cli(prog, "--profile", "grbl", "--sheet", sheet, "--tool-diameter", 12)
    assert code == 3 and ": gouge: " in out, out
    code, out = _verify_cli(prog, "--profile", "grbl", "--sheet", sheet, "--tool-diameter", 6)
    assert code == 0, out


def test_tool_diameter_is_refused_for_a_program_with_several_tools():
    prog = GOLDEN / "sheet-multi-linuxcnc.ngc"
    code, out = _verify_cli(prog, "--profile", "linuxcnc", "--tool-diameter", 6)
    assert code == 2 and len(out.strip().splitlines()) == 1, out
    assert str(prog) in out and "T1, T2" in out and "--tool-table" in out, out
    code, out = _verify_cli(prog, "--profile", "linuxcnc", "--tool-table",
                            GOLDEN / "sheet-multi-linuxcnc.tbl")
    assert code == 0, out
    # one program per tool, checked as one run: two tools all the same
    runs = sorted(GOLDEN.glob("sheet-multi-grbl-?-T*.nc"))
    code, out = _verify_cli(*runs, "--profile", "grbl", "--tool-diameter", 6)
    assert code == 2 and "T1, T2" in out, out


@pytest.mark.parametrize("material", ["acm", "hdpe"])
def test_a_tool_the_library_does_not_rate_for_the_material_is_refused(material):
    """library.toml: a material missing from a tool's ratings means "not rated: refused";
    verify gave such a tool no limits at all and said clean."""
    prog = GOLDEN / "sheet-grbl.nc"
    code, out = _verify_cli(prog, "--profile", "grbl", "--material", "plywood")
    assert code == 0, out
    code, out = _verify_cli(prog, "--profile", "grbl", "--material", material)
    assert code == 3, out
    (line,) = [ln for ln in out.splitlines() if ": tool: " in ln]
    assert f"T1 (6 mm 2-flute compression spiral) is not rated for {material}" in line, out


def test_a_tool_table_keeps_the_library_limits_of_its_tools(tmp_path):
    """A table's T1 replaced the library's T1 whole: with --tool-table, --material checked
    nothing of T1 (not even that it is not rated for the material)."""
    table = tmp_path / "tool.tbl"
    table.write_text("T1 P1 D6 Z0 ;6 mm\n")
    prog = GOLDEN / "sheet-grbl.nc"
    code, out = _verify_cli(prog, "--profile", "grbl", "--material", "acm", "--tool-table",
                            table)
    assert code == 3 and "T1 (6 mm 2-flute compression spiral) is not rated for acm" in out
    code, out = _verify_cli(prog, "--profile", "grbl", "--material", "plywood",
                            "--tool-table", table)
    assert code == 0, out


def test_a_rapid_straight_up_out_of_the_kerf_is_allowed():
    """G0 Z5 from a cut at Z-3, X and Y unchanged, is how VCarve and Fusion posts leave a
    cut: the tool rises along its own axis out of its own kerf."""
    prof = load_profile("grbl")
    cut = HEAD + "G1 Z-3 F500\nG1 X100 F2000\n"
    assert verify_program(cut + "G0 Z5\n" + TAIL, prof, thickness=18) == []
    assert verify_program(cut + "G0 Z-1\nG0 Z5\n" + TAIL, prof, thickness=18) == []
    sbp = load_profile("shopbot")
    u = 1 / 25.4 if sbp.units == "inch" else 1.0
    text = (f"SA\nMS,{50 * u:.4f},{10 * u:.4f}\nJZ,{5 * u:.4f}\nC6\nMZ,{-3 * u:.4f}\n"
            f"M2,{100 * u:.4f},0\nJZ,{5 * u:.4f}\nC7\nEND\n")
    assert verify_program(text, sbp, thickness=18) == []
    across = text.replace(f"JZ,{5 * u:.4f}\nC7", f"J3,{110 * u:.4f},0,{5 * u:.4f}\nC7")
    assert [v.kind for v in verify_program(across, sbp, thickness=18)] == ["rapid-in-stock"]


@pytest.mark.parametrize("rapid", ["G0 X100.5 Z5\n", "G0 X110\nG0 Z5\n", "G0 Z-4\nG0 Z5\n",
                                   "G0 X100 Y0.01 Z5\n"])
def test_a_rapid_across_or_down_in_the_stock_is_still_refused(rapid):
    prof = load_profile("grbl")
    text = HEAD + "G1 Z-3 F500\nG1 X100 F2000\n" + rapid + TAIL
    found = verify_program(text, prof, thickness=18)
    assert [(v.line, v.kind) for v in found] == [(7, "rapid-in-stock")], found


def test_a_program_written_for_another_z_zero_is_one_line(tmp_path):
    """A program written with Z0 on the spoilboard, checked with a stock-top profile,
    cuts 18 mm above where its depths say: clean without --sheet. Its header says where Z0
    is: refused as a dialect mismatch is, naming both."""
    from dataclasses import replace

    from tests.test_gcode import sample_sheet
    from wikicut.cam import plan_sheet
    from wikicut.post import write_program

    spoil = replace(load_profile("grbl"), z_zero="spoilboard")
    prog = tmp_path / "sheet-001.nc"
    prog.write_text(write_program(plan_sheet(sample_sheet(), spoil), spoil))
    assert verify_program(prog.read_text(), spoil) == []
    code, out = _verify_cli(prog, "--profile", "grbl")
    assert code == 2 and len(out.strip().splitlines()) == 1, out
    assert "Z0 = spoilboard top" in out and "Z0 = stock top" in out and str(prog) in out, out
    profile = tmp_path / "grbl-sb.toml"
    text = (PROFILE_DIR / "grbl.toml").read_text()
    assert '\n# z_zero = "spoilboard"' in text
    profile.write_text(text.replace('\n# z_zero = "spoilboard"', '\nz_zero = "spoilboard"'))
    code, out = _verify_cli(prog, "--profile", profile)
    assert code == 0, out
    code, out = _verify_cli(GOLDEN / "sheet-grbl.nc", "--profile", profile)
    assert code == 2 and "Z0 = stock top" in out, out
