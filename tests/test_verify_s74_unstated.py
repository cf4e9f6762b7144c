"""What `wikicut verify` takes as known where the program says it, and says where it must
assume: the depth per pass a wikicut header states, a first Z at the stock top, Z quoted
as written over keep-outs, a ShopBot program's spindle speed."""

from __future__ import annotations

from dataclasses import replace

import pytest
import shapely

from tests.clirun import run as run_cli
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.verify import ToolLimits, verify_program


@pytest.fixture(scope="module")
def grbl():
    return load_profile("grbl")


@pytest.fixture(scope="module")
def written(grbl):
    """A plate with a hole written by wikicut in 6.5 mm passes, and the same plate written
    in 10 mm passes under the first one's header (its moves cut deeper than it states)."""
    from wikicut.cam import plan_sheet
    from wikicut.post import write_program

    part = Part("plate", shapely.box(0, 0, 300, 200).difference(
        shapely.Point(60, 60).buffer(20)))
    sheet = SheetLayout(1, Stock(800, 600, 18, 15), [Placement("plate#1", part, 40, 40)])
    shallow = write_program(plan_sheet(sheet, grbl), grbl)
    deep_prof = replace(grbl, depth=replace(grbl.depth, per_pass=10.0))
    deep = write_program(plan_sheet(sheet, deep_prof), deep_prof)
    assert f"passes <= {grbl.depth.per_pass:g} mm" in shallow
    assert "passes <= 10 mm" in deep
    lying = deep.replace("passes <= 10 mm", f"passes <= {grbl.depth.per_pass:g} mm", 1)
    return sheet, shallow, deep, lying


def test_a_side_cut_deeper_than_the_headers_stated_pass_is_refused_without_a_library(
        grbl, written):
    sheet, shallow, deep, lying = written
    assert verify_program(shallow, grbl, sheet=sheet) == []
    assert verify_program(deep, grbl, sheet=sheet) == []  # as deep as its header says
    found = [v for v in verify_program(lying, grbl, sheet=sheet) if v.kind == "tool"]
    assert found, "10 mm passes under a header stating 6.5 mm read clean"
    assert all(v.message.endswith(f"T1 may cut {grbl.depth.per_pass:g} mm per pass")
               for v in found), found
    # a library's (or the caller's) depth per pass is the limit over the header's
    wide = {1: ToolLimits(1, grbl.tool.diameter, 12.0)}
    assert [v for v in verify_program(lying, grbl, sheet=sheet, tools=wide)
            if v.kind == "tool"] == []


def test_the_cli_refuses_a_program_cutting_deeper_than_its_header_states(grbl, written,
                                                                          tmp_path):
    _, shallow, _, lying = written
    (tmp_path / "ok.nc").write_text(shallow)
    (tmp_path / "bad.nc").write_text(lying)
    ok = run_cli("verify", str(tmp_path / "ok.nc"), "--profile", "grbl")
    assert ok.exit_code == 0, ok.output
    bad = run_cli("verify", str(tmp_path / "bad.nc"), "--profile", "grbl")
    assert bad.exit_code == 3, bad.output
    assert f"T1 may cut {grbl.depth.per_pass:g} mm per pass" in bad.output


START = "G90 G94 G17\nG21\nM3 S18000\nG4 P4\n"
CUT = "G1 Z-3 F600\nG1 X100 F3000\nG0 Z5\nG0 Z20\nM5\nM2\n"


@pytest.mark.parametrize("first", ["G0 Z0\n", "G0 Z0.000\n", "G1 Z0 F600\n"])
def test_a_first_z_at_the_stock_top_then_a_skim_across_it_is_refused(grbl, first):
    """The first Z the program writes says where the tool is, even when it is the Z0 the
    reader started from: a rapid across the stock from there skims it."""
    text = START + first + "G0 X10 Y10\nG0 X50 Y20\nG0 X10 Y10\n" + CUT
    found = [(v.line, v.kind) for v in verify_program(text, grbl, thickness=18)]
    assert (7, "rapid-low") in found, found
    # the Z not yet written is still not judged: a move across first, from wherever the
    # machine stands, then up to the safe height
    unsaid = START + "G0 X10 Y10\nG0 Z5\n" + CUT
    assert verify_program(unsaid, grbl, thickness=18) == []


def test_a_shopbot_program_whose_first_z_is_the_stock_top_skims_it():
    sbp = load_profile("shopbot")
    assert sbp.units == "inch"
    text = ("SA\nTR,18000\nC6\nPAUSE 5\nJZ,0\nJ2,1,1\nJ2,3,2\nJ2,1,1\nMS,1,0.5\nMZ,-0.1\n"
            "M2,4,1\nJZ,1\nC7\nEND\n")
    found = [(v.line, v.kind) for v in verify_program(text, sbp, thickness=18)]
    assert (7, "rapid-low") in found, found


def test_keepout_messages_quote_z_as_written_with_z0_on_the_spoilboard(grbl):
    sp = replace(grbl, z_zero="spoilboard")
    clamp = shapely.box(150, 150, 200, 200)
    part = Part("sq", shapely.box(0, 0, 50, 50))
    sheet = SheetLayout(1, Stock(400, 400, 18, 0, keepouts=(clamp,)),
                        [Placement("sq#1", part, 20, 20)])
    # up to 10 mm over the stock top (Z28 written), across the clamp, below its clearance
    text = (START + "G0 Z40\nG0 X10 Y10\nG0 Z23\nG1 Z17 F600\nG1 X80 F3000\nG1 Z18\n"
            "G0 Z20\nG0 X175 Y175\nG0 Z40\nM5\nM2\n")
    sp = replace(sp, heights=replace(sp.heights, clamp=10.0))  # clearance 15 mm over the top
    found = [v.message for v in verify_program(text, sp, sheet=sheet) if v.kind == "keepout"]
    assert found == ["rapid over a keep-out at Z20.00 written (Z0 on the spoilboard), below"
                     " the clamp clearance Z33"], found


def test_a_shopbot_program_with_no_stated_speed_says_the_profiles_is_assumed(tmp_path):
    sbp = load_profile("shopbot")
    body = ("' 1. T1 6.35 mm upcut\nSA\nC6\nPAUSE 5\nJZ,1\nJ2,1,1\nMS,1,0.5\nMZ,-0.1\n"
            "M2,4,1\nJZ,1\nC7\nEND\n")
    rated = {1: ToolLimits(1, 6.35, None, None, None, 0.5, 2)}
    notes: list[str] = []
    verify_program(body, sbp, thickness=18, tools=rated, notes=notes)
    assert notes == ["no spindle speed stated (no TR command, no 'spindle at ... rpm' comment)"
                     f" where C6 starts the spindle: the profile's {sbp.spindle.speed:g} rpm"
                     " assumed for the chip-load checks"]
    # a speed set (TR) or told in a comment is no assumption
    for said in ("TR,16000\n", "' set the spindle to 16000 rpm\n"):
        notes = []
        verify_program(body.replace("C6\n", said + "C6\n"), sbp, thickness=18, tools=rated,
                       notes=notes)
        assert notes == [], said
    # the CLI says it in one line, with a library rating the tool
    (tmp_path / "p.sbp").write_text(body)
    res = run_cli("verify", str(tmp_path / "p.sbp"), "--profile", "shopbot",
                  "--thickness", "18", "--material", "plywood")
    assert f"the profile's {sbp.spindle.speed:g} rpm assumed" in res.output, res.output


def test_a_kinds_deeper_pass_is_stated_in_the_header_and_verifies_clean(tmp_path):
    """[machine.operations.outline] per_pass deeper than the profile's: the header states
    the deepest pass cut, so `wikicut verify` (holding the program to it) passes it."""
    from conftest import panel_job

    job = panel_job(tmp_path, "grbl", tools="",
                    extra="[machine.operations.outline]\nper_pass = 9")
    out = tmp_path / "out"
    res = run_cli("nest", str(job), "-o", str(out), "-q")
    assert res.exit_code == 0, res.output
    nc = out / "sheet-001.nc"
    assert "passes <= 9 mm" in nc.read_text()
    res = run_cli("verify", str(nc), "--profile", "grbl", "--sheet", str(out / "sheet-001.dxf"))
    assert res.exit_code == 0, res.output
