"""Screw pilots in the program ([holddown] mode = "drill" | "mark"): drilled (or marked) first,
then a stop to drive the screws before any cut; the verifier accepts the pilots and nothing
else near a screw; rs274 reads the programs; golden files for grbl and linuxcnc."""

from __future__ import annotations

import re

import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Point

from tests.test_gcode import canonical_moves
from tests.test_tool_changes import flat
from wikicut.cam import plan_sheet
from wikicut.cam.rack import resolve_tooling
from wikicut.cli import main
from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.pipeline import write_outputs
from wikicut.post import write_program, write_sheet_programs
from wikicut.verify import verify_program

T = 18.0


def small_job() -> SheetLayout:
    """A 600 x 400 sheet: a plate with a round hole and a cleat, room for a few screws."""
    plate = Part("plate", shapely.set_precision(
        shapely.box(0, 0, 200, 150).difference(Point(100, 75).buffer(20, quad_segs=16)), 1e-6),
        source="parts/plate.toml")
    cleat = Part("cleat", shapely.box(0, 0, 150, 60), source="parts/cleat.toml")
    return SheetLayout(1, Stock(600, 400, T, 10), [Placement("plate#1", plate, 30, 30, 0.0),
                                                   Placement("cleat#1", cleat, 300, 40, 0.0)])


def held(name: str, mode: str = "drill", spindle=None, **kw):
    """A profile with screws every 250 mm, labels off (goldens must not follow the font)."""
    hold = {"mode": mode, "spacing": 250.0, "edge": 25.0, **kw}
    prof = load_profile(name).updated(engrave={"labels": False}, holddown=hold)
    return prof.updated(spindle=spindle) if spindle else prof


def body(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith(("(", ";", "'"))]


@pytest.mark.parametrize("name", ["grbl", "linuxcnc"])
def test_pilots_are_drilled_first_then_a_stop_and_the_program_is_clean(name, golden, rs274,
                                                                      tmp_path):
    prof = held(name)
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    assert len(prog.screws) >= 3
    assert [op.kind for op in prog.operations][0] == "pilot"
    assert all(op.kind != "pilot" for op in prog.operations[1:])
    text = write_program(prog, prof, title="pilots (1)")
    assert text == write_program(plan_sheet(small_job(), prof), prof, title="pilots (1)")
    golden(f"sheet-pilots-{name}.{prof.extension}", text)
    lines = body(text)
    stop = lines.index("M0")
    assert lines[stop - 1] == "M5" and lines[stop - 2] == f"G0 Z{prof.heights.clearance:g}"
    assert lines[stop + 1] == "M3 S18000"
    # every plunge before the stop is at a screw centre, through the sheet into the
    # spoilboard by the overcut; none after it comes near a screw
    moves = canonical_moves(rs274, text, tmp_path)
    feeds = [m for m in moves if m[0] == "STRAIGHT_FEED" and m[3] < 0]
    pilots = [m for m in feeds if any(abs(m[1] - x) < 1e-6 and abs(m[2] - y) < 1e-6
                                      for x, y in prog.screws)]
    assert {(m[1], m[2]) for m in pilots} == set(prog.screws)
    assert min(m[3] for m in pilots) == pytest.approx(-(T + prof.depth.overcut))
    assert verify_program(text, prof, sheet=sheet, screws=list(prog.screws)) == []
    assert f"hold-down: {len(prog.screws)} screws, pilots drilled first" in flat(text)


def test_mark_mode_spots_each_centre_and_the_header_lists_them():
    prof = held("grbl", "mark", mark_depth=1.5)
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    text = write_program(prog, prof)
    pilot = prog.operations[0]
    assert pilot.kind == "pilot" and min(m.z for m in pilot.moves) == pytest.approx(-1.5)
    comments = flat(text)
    assert "centres marked 1.5 mm deep for a hand drill" in comments
    for x, y in prog.screws:
        assert f"[{x:g}, {y:g}]" in comments
    assert "drill a pilot at each mark" in comments
    assert verify_program(text, prof, sheet=sheet, screws=list(prog.screws)) == []
    # a program drilling through where the profile says mark: the verifier refuses it
    drilled = write_program(plan_sheet(sheet, held("grbl")), held("grbl"))
    bad = verify_program(drilled, prof, sheet=sheet, screws=list(prog.screws))
    assert bad and all(v.kind == "screw" and "mark_depth 1.5" in v.message for v in bad)


def test_screws_mode_stays_a_list_and_none_has_no_screws():
    prog = plan_sheet(small_job(), held("grbl", "screws"))
    assert prog.screws and all(op.kind != "pilot" for op in prog.operations)
    assert "M0" not in body(write_program(prog, held("grbl", "screws")))
    assert plan_sheet(small_job(), held("grbl", "none")).screws == ()


def test_a_pilot_deeper_than_the_allowed_overcut_is_refused():
    with pytest.raises(UnsafeJobError, match="pilot 19.5 mm deep is beyond the 18 mm stock"):
        plan_sheet(small_job(), held("grbl", pilot_depth=19.5))
    prog = plan_sheet(small_job(), held("grbl", pilot_depth=10.0))
    assert min(m.z for m in prog.operations[0].moves) == pytest.approx(-10.0)


def test_a_wider_pilot_is_bored_as_a_helix_within_its_radius():
    prof = held("linuxcnc", pilot_diameter=9.0)
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    assert any(m.kind.startswith("arc") for m in prog.operations[0].moves)
    text = write_program(prog, prof)
    assert verify_program(text, prof, sheet=sheet, screws=list(prog.screws)) == []


def test_the_verifier_wants_the_stop_and_nothing_else_near_a_screw():
    prof = held("grbl")
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    text = write_program(prog, prof)
    no_stop = re.sub(r"\nM5\n\(fit the screws[^\n]*\)\n(\([^\n]*\)\n)*M0\n", "\n", text)
    assert no_stop != text
    bad = verify_program(no_stop, prof, sheet=sheet, screws=list(prog.screws))
    assert [v.kind for v in bad] == ["screw"] and "without a stop" in bad[0].message
    # a screw where the plate's outline is cut: refused although pilots came first
    near = [*prog.screws, (30.0 - 3.0, 100.0)]
    bad = verify_program(text, prof, sheet=sheet, screws=near)
    assert any(v.kind == "screw" and "(27, 100)" in v.message for v in bad)


def test_shopbot_pauses_for_the_screws():
    prof = held("shopbot")
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    text = write_program(prog, prof)
    lines = body(text)
    assert lines.index("PAUSE") < lines.index("END")
    assert verify_program(text, prof, sheet=sheet, screws=list(prog.screws)) == []


@pytest.mark.parametrize("rack, first", [((1, 7, 12), 12), ((1, 7), 7)])
def test_with_a_rack_the_drill_or_the_smallest_end_mill_drills_the_pilots(rack, first):
    """GRBL splits a sheet into one program per tool: the pilots open the first, whose own
    features (the drill's) follow after the stop, and no extra tool change is spent."""
    prof = held("grbl", spindle={"min": 3000})
    sheet = small_job()
    tooling = resolve_tooling(prof, load_library(), "BirchPly", T, tools=rack)
    prog = plan_sheet(sheet, prof, tooling=tooling)
    assert prog.operations[0].kind == "pilot" and prog.operations[0].tool == first
    assert prog.tools[0].number == first
    files = write_sheet_programs(prog, prof)
    assert len(files) == len(prog.tools)  # every tool once, pilots included
    assert verify_program("".join(f.text for f in files), prof, sheet=sheet,
                          screws=list(prog.screws)) == []


def test_outputs_and_cli_verify_with_the_sheet(tmp_path):
    prof = held("grbl")
    out = tmp_path / "out"
    write_outputs("pilots", Layout([small_job()]), out, profile=prof, spacing=10.0)
    args = ["verify", str(out / "sheet-001.nc"), "--profile", "grbl", "--sheet",
            str(out / "sheet-001.dxf")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    # the stop for the screws is counted where the time is given, not timed
    import json

    (sheet,) = json.loads((out / "report.json").read_text())["sheets"]
    assert sheet["toolpath"]["stops"] == 1
    assert "+ 1 stop, cut" in (out / "sheet-001.nc").read_text()
    index = (out / "index.html").read_text()
    assert index.count("plus 1 stop for the operator (screws, a spindle speed)") == 2  # card, sheet


@pytest.mark.parametrize("name, changer", [("grbl", "pause"), ("linuxcnc", "m6")])
def test_one_stop_for_the_screws_where_the_tool_changes_after_the_pilots(name, changer):
    """A change by hand is a stop already: the screws are driven there (one M0, not two);
    an automatic changer gets the screws' own stop before its M6."""
    prof = held(name, spindle={"min": 3000}).updated(changer={"mode": changer})
    sheet = small_job()
    tooling = resolve_tooling(prof, load_library(), "BirchPly", T, tools=(1, 12))
    prog = plan_sheet(sheet, prof, tooling=tooling)
    assert [op.tool for op in prog.operations[:2]] == [12, 1]
    text = write_program(prog, prof)
    lines = [re.sub(r"^N\d+ ", "", ln) for ln in body(text)]
    first_cut = next(k for k, ln in enumerate(lines) if k > lines.index("M0")
                     and re.match(r"G[123] .*Z-", ln))
    stops = [ln for ln in lines[:first_cut] if ln == "M0"]
    assert len(stops) == 1
    if changer == "m6":
        assert lines.index("M0") < lines.index("T1 M6")
    assert "drive a hold-down screw into each pilot" in flat(text)
    assert verify_program(text, prof, sheet=sheet, screws=list(prog.screws)) == []
