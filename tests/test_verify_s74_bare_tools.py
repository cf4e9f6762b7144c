"""A program that names no tool (no wikicut header, no T word: another CAM's post, one
written by hand) is cut with the one in the spindle, the profile's: `wikicut verify` holds
it to that tool's depth per pass (the profile's [depth] per_pass; with --material, the
tool's rating in it), and refuses a plunge or a slot through the sheet in one move."""

from __future__ import annotations

import pytest

from tests.clirun import run
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.verify import verify_program

START = "G90 G94 G17\nG21\nG0 Z20\nM3 S18000\nG4 P4\nG0 X150 Y100\nG0 Z5\n"
END = "G0 Z20\nM5\nM2\n"
# through 17.86 mm ply (18.16 with the overcut) in one plunge (line 8), then a slot at full
# depth (line 9)
THROUGH = START + "G1 Z-18.16 F600\nG1 X160 F1500\n" + END
# the same slot in three passes, each plunged from the last one's floor
PASSES = (START + "G1 Z-6 F600\nG1 X160 F1500\nG1 Z-12 F600\nG1 X150 F1500\n"
          "G1 Z-18.16 F600\nG1 X160 F1500\n" + END)
# the ShopBot's: in inches, the plunge at line 11 and the slot at lines 13-14
SBP = ("SA\nIF %(25)=1 THEN GOTO UNIT_ERROR\nJS,6,6\nJZ,0.7874\nTR,18000\nC6\nPAUSE 4\n"
       "J2,6,4\nJZ,0.2\nMS,1,1\nMZ,-0.715\nMS,3,3\nM2,6.5,4\nM2,20,4\nJZ,0.7874\nC7\nEND\n"
       "UNIT_ERROR:\n' This file is in inches: set the ShopBot to inches and run again\n"
       "PAUSE\nEND\n")


@pytest.fixture(scope="module")
def grbl():
    return load_profile("grbl")


def test_a_program_naming_no_tool_is_held_to_the_profiles_depth_per_pass(grbl):
    found = [(v.line, v.kind, v.message) for v in verify_program(THROUGH, grbl, thickness=17.86)]
    limit = f"T{grbl.tool.number} may cut {grbl.depth.per_pass:g} mm per pass"
    assert [(line, kind) for line, kind, _ in found] == [(8, "plunge"), (9, "tool")], found
    assert found[0][2] == f"plunge 18.160 mm into the material in one move, {limit} (peck or ramp)"
    assert found[1][2] == f"side cut 18.160 mm deep into material no earlier cut reached, {limit}"
    assert verify_program(PASSES, grbl, thickness=17.86) == []
    notes: list[str] = []
    verify_program(PASSES, grbl, thickness=17.86, notes=notes)
    assert notes == ["no tool named (no wikicut header, no T word): judged as cut with the"
                     f" profile's tool, T1 {grbl.tool.diameter:g} mm, passes up to"
                     f" {grbl.depth.per_pass:g} mm"]


def test_verify_refuses_a_foreign_program_through_the_sheet_in_one_move(grbl, tmp_path):
    prog = tmp_path / "B.nc"
    prog.write_text(THROUGH)
    res = run("verify", str(prog), "--profile", "grbl", "--tool-diameter", "6")
    assert res.exit_code == 3, res.output
    assert f"{prog}:8: plunge: plunge 18.160 mm" in res.output
    assert f"{prog}:9: tool: side cut 18.160 mm" in res.output
    (tmp_path / "ok.nc").write_text(PASSES)
    ok = run("verify", str(tmp_path / "ok.nc"), "--profile", "grbl", "--thickness", "17.86")
    assert ok.exit_code == 0, ok.output


def test_with_material_a_shopbot_program_naming_no_tool_is_rated_as_the_profiles(tmp_path):
    sbp = load_profile("shopbot")
    prog = tmp_path / "B.sbp"
    prog.write_text(SBP)
    # the profile's 1/4 in upcut is not the library's T1 (6 mm): held to the material's
    # ceiling for its diameter
    ply = load_library().material("plywood")
    step = ply.max_depth_per_pass * sbp.tool.diameter
    assert abs(step - sbp.depth.per_pass) > 1.0
    res = run("verify", str(prog), "--profile", "shopbot", "--thickness", "17.86",
              "--material", "plywood")
    assert res.exit_code == 3, res.output
    assert f"{prog}:11: plunge: plunge 18.161 mm into the material in one move, T1 may cut" \
           f" {step:g} mm per pass" in res.output
    assert f"{prog}:13: tool: side cut 18.161 mm" in res.output
    assert f"the profile's T1 is {sbp.tool.diameter:g} mm, the library's T1 is" in res.output
    # without the material, its profile's pass
    bare = run("verify", str(prog), "--profile", "shopbot", "--thickness", "17.86")
    assert bare.exit_code == 3, bare.output
    assert f"{prog}:11: plunge: plunge 18.161 mm into the material in one move, T1 may cut" \
           f" {sbp.depth.per_pass:g} mm per pass" in bare.output


def test_a_program_selecting_the_profiles_tool_number_without_a_header_is_held_too(tmp_path):
    """Another CAM's LinuxCNC program: T1 M6, no header listing the tool. T1 is the profile's
    tool number: its pass is the profile's."""
    lcnc = load_profile("linuxcnc")
    n = lcnc.tool.number
    text = THROUGH.replace("M3 S18000\n", f"T{n} M6\nM3 S18000\n")
    found = [(v.line, v.kind) for v in verify_program(text, lcnc, thickness=17.86)]
    assert found == [(9, "plunge"), (10, "tool")], found
    notes: list[str] = []
    verify_program(text.replace("G1 Z-18.16", "G1 Z-6"), lcnc, thickness=17.86, notes=notes)
    assert notes == [f"T{n} listed in no header: judged as the profile's tool of that number,"
                     f" T{n} {lcnc.tool.diameter:g} mm, passes up to {lcnc.depth.per_pass:g} mm"]
    prog = tmp_path / "fusion.ngc"
    prog.write_text(text)
    res = run("verify", str(prog), "--profile", "linuxcnc", "--thickness", "17.86")
    assert res.exit_code == 3, res.output
    assert f"{prog}:9: plunge: plunge 18.160 mm" in res.output
