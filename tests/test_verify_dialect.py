"""What each controller refuses or needs beyond the words it reads: an arc whose end is off
its circle, the rpm a ShopBot's C6 runs at, the guards a written program carries (Mach's
G91.1, ShopBot's units check and spin-up wait, jog speeds), and a file that is no program."""

from __future__ import annotations

import math
import re

import pytest
import shapely

from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.verify import ToolLimits, simulate, verify_program
from wikicut.verify.gcode import read_gcode

HEAD = "G90 G94 G17 G91.1\nG21\nG0 Z20\nM3 S18000\nG4 P4.0\n"
TAIL = "G0 Z20\nM5\nM30\n"


def _sheet() -> SheetLayout:
    """A plate with a round hole and a slot: outlines with rounded corners (arcs)."""
    part = Part("plate", shapely.box(0, 0, 300, 200).difference(
        shapely.box(100, 150, 118.3, 201)).difference(shapely.Point(60, 60).buffer(20)))
    return SheetLayout(1, Stock(800, 600, 18, 15),
                       [Placement("plate#1", part, 40, 40), Placement("plate#2", part, 400, 40)])


def _written(prof) -> str:
    from wikicut.cam import plan_sheet
    from wikicut.post import write_program

    return write_program(plan_sheet(_sheet(), prof), prof)


def _grbl_arc_errors(text: str, scale: float) -> list[tuple[int, float]]:
    """GRBL 1.1's own test (gcode.c): an I/J arc is error 33 when its radii at start and
    end differ by more than 0.005 mm and by more than 0.1 % of the radius (or 0.5 mm)."""
    x = y = 0.0
    mode = None
    bad = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"\([^)]*\)", "", raw).upper()
        w = {k: float(v) for k, v in re.findall(r"([XYIJ])([-+]?[\d.]+)", line)}
        for g in re.findall(r"G(\d+)(?![.\d])", line):
            mode = int(g) if int(g) in (0, 1, 2, 3) else mode
        nx, ny = w.get("X", x), w.get("Y", y)
        if mode in (2, 3) and ("I" in w or "J" in w):
            i, j = w.get("I", 0.0) * scale, w.get("J", 0.0) * scale
            r = math.hypot(i, j)
            d = abs(math.hypot((nx - x) * scale - i, (ny - y) * scale - j) - r)
            if d > 0.005 and (d > 0.5 or d > 0.001 * r):
                bad.append((n, d))
        x, y = nx, ny
    return bad


@pytest.mark.parametrize("name", ["grbl", "linuxcnc", "mach3"])
def test_an_arc_whose_end_is_off_its_circle_is_refused(name):
    """0.3 mm off a 10 mm radius: GRBL's error 33, LinuxCNC's "Radius to end of arc differs
    from radius to start"; within the controller's tolerance it is clean."""
    prof = load_profile(name)
    cut = HEAD + "G0 X10 Y10\nG1 Z-2 F600\nG1 X100 F3000\n"
    bad = cut + "G2 X110.3 Y20 I0 J10\nG0 Z20\n" + TAIL
    found = [v for v in verify_program(bad, prof, thickness=18) if v.kind == "dialect"]
    assert [v.line for v in found] == [9] and "0.3000 mm" in found[0].message, found
    ok = cut + "G2 X110.002 Y20 I0 J10\nG0 Z20\n" + TAIL
    assert verify_program(ok, prof, thickness=18) == []


def test_linuxcnc_allows_what_its_interpreter_allows():
    """LinuxCNC 2.9 refuses past 0.028 mm and 0.1 %: 0.02 mm off a 10 mm radius is run
    there, and refused by GRBL (past 0.005 mm and 0.1 %, 0.01 mm); 0.1 mm by both."""
    text = (HEAD + "G0 X50 Y60\nG1 Z-2 F600\nG2 X70 Y60 I10 J0 F3000\n"
            "G2 X49.98 Y60 I-10 J0\nG0 Z20\n" + TAIL)
    assert verify_program(text, load_profile("linuxcnc"), thickness=18) == []
    assert [v.kind for v in verify_program(text, load_profile("grbl"), thickness=18)] == [
        "dialect"]
    far = text.replace("X49.98", "X49.9")
    assert [v.kind for v in verify_program(far, load_profile("linuxcnc"), thickness=18)] == [
        "dialect"]


def test_a_shopbot_cg_whose_end_is_off_its_circle_is_refused():
    sbp = load_profile("shopbot")
    u = 1 / 25.4
    text = (f"SA\nMS,{50 * u:.4f},{10 * u:.4f}\nJZ,{20 * u:.4f}\nC6\nJ2,{10 * u:.4f},"
            f"{10 * u:.4f}\nMZ,{-2 * u:.4f}\nCG,,{20.5 * u:.4f},{20 * u:.4f},{10 * u:.4f},0,T,-1"
            f"\nJZ,{20 * u:.4f}\nC7\nEND\n")
    found = verify_program(text, sbp, thickness=18)
    assert [(v.line, v.kind) for v in found] == [(7, "dialect")], found
    good = text.replace(f"CG,,{20.5 * u:.4f}", f"CG,,{20 * u:.4f}")
    assert verify_program(good, sbp, thickness=18) == []


def test_written_arcs_keep_the_controllers_tolerance_at_few_decimals():
    """Rounded to 3 decimals in inches (0.0254 mm), 65 of 152 arcs of a job broke GRBL's
    rule. The writer picks the written centre whose radii agree, or writes the arc as
    lines: GRBL runs every arc, and the verifier passes them."""
    prof = load_profile("grbl").updated(units="inch", decimals=3,
                                        header=("G90 G94 G17", "G20"))
    text = _written(prof)
    assert re.search(r"^G[23] ", text, re.M), "no arcs written"
    assert _grbl_arc_errors(text, 25.4) == []
    assert verify_program(text, prof, sheet=_sheet()) == []


def test_a_shopbot_c6_runs_at_the_stated_speed_and_chip_loads_are_checked():
    """C6 starts the spindle at the speed set by hand: the one the header tells the
    operator (the profile's where none is told), never 'unknown', which left every chip load
    of a ShopBot program unchecked."""
    sbp = load_profile("shopbot")
    text = _written(sbp)
    assert "\nTR," not in text
    cuts = [s for s in simulate(text, sbp) if s.kind == "feed" and s.spindle]
    assert cuts and {s.rpm for s in cuts} == {sbp.spindle.speed}
    # 4572 mm/min at 18000 rpm, 2 flutes: 0.127 mm a tooth, over a 0.1 limit
    tight = {1: ToolLimits(1, 6.35, max_chip_load=0.1, flutes=2)}
    found = verify_program(text, sbp, sheet=_sheet(), tools=tight)
    assert any(v.kind == "tool" and "chip load" in v.message for v in found), found
    told = text.replace("18000 rpm", "9000 rpm")  # the operator told 9000: twice the load
    assert {s.rpm for s in simulate(told, sbp) if s.spindle and s.kind == "feed"} == {9000}
    # a change's comment wrapped where a tool's name is long: read as one
    wrapped = ("' wikicut: t\nSA\nIF %(25)=1 THEN GOTO UNIT_ERROR\nJZ,0.8\n' fit T2 3 mm"
               " \"a long name\", spindle at\n' 12000 rpm and zero Z\nC6\nPAUSE 4\nJ2,1,1\n"
               "MZ,-0.1\nM2,2,1\nJZ,0.8\nC7\nEND\n")
    assert {s.rpm for s in simulate(wrapped, sbp) if s.kind == "feed"} == {12000}


def test_mach_arcs_need_g91_1_and_the_writer_writes_it():
    """A Mach set to absolute IJ mode cuts every I/J arc round the wrong centre: an arc
    before any G91.1 is refused on Mach, and a Mach profile whose header leaves G91.1 out
    still writes it."""
    mach = load_profile("mach4")
    text = (HEAD + "G0 X10 Y10\nG1 Z-2 F600\nG1 X100 F3000\nG2 X110 Y20 I0 J10\nG0 Z20\n"
            + TAIL)
    assert verify_program(text, mach, thickness=18) == []
    bare = text.replace(" G91.1", "")
    found = verify_program(bare, mach, thickness=18)
    assert [(v.line, v.kind) for v in found] == [(9, "dialect")] and "G91.1" in found[0].message
    own = mach.updated(header=("G90 G94 G17 G40 G49 G80", "G21"))
    written = _written(own)
    assert "\nG91.1\n" in written
    assert verify_program(written, own, sheet=_sheet()) == []


def _shopbot_lines(edit) -> tuple[str, object]:
    sbp = load_profile("shopbot")
    return "\n".join(edit(_written(sbp).split("\n"))), sbp


def test_a_shopbot_program_without_its_units_guard_is_refused():
    text, sbp = _shopbot_lines(lambda ls: [ln for ln in ls if not ln.startswith("IF %(25)")])
    found = verify_program(text, sbp, sheet=_sheet())
    assert [v.kind for v in found] == ["dialect"] and "units guard" in found[0].message
    wrong, _ = _shopbot_lines(lambda ls: [ln.replace("%(25)=1", "%(25)=0") for ln in ls])
    found = verify_program(wrong, sbp, sheet=_sheet())
    assert [v.kind for v in found] == ["dialect"] and "%(25)=0" in found[0].message


def test_a_shopbot_program_without_the_spindles_wait_is_refused():
    text, sbp = _shopbot_lines(lambda ls: [ln for ln in ls if not ln.startswith("PAUSE 4")])
    found = verify_program(text, sbp, sheet=_sheet())
    assert [v.kind for v in found] == ["feed"] and "PAUSE 4" in found[0].message, found


def test_a_shopbot_jog_speed_above_the_profiles_rapid_is_refused():
    text, sbp = _shopbot_lines(lambda ls: ["JS,60,60" if ln.startswith("JS,") else ln
                                           for ln in ls])
    found = verify_program(text, sbp, sheet=_sheet())
    assert [v.kind for v in found] == ["feed"] and "91440 mm/min" in found[0].message, found


def test_a_gcode_cut_before_the_spindles_wait_is_refused():
    """With the profile's wait given (its [spindle] dwell), a cut after M3 without a G4
    that long is refused; the written programs wait."""
    text = HEAD + "G0 X10 Y10\nG1 Z-2 F600\nG1 X100 F3000\nG0 Z20\n" + TAIL
    assert read_gcode(text, "grbl", wait=4)[1] == []
    no_wait = text.replace("G4 P4.0\n", "")
    bad = read_gcode(no_wait, "grbl", wait=4)[1]
    assert [(v.line, v.kind) for v in bad] == [(6, "feed")] and "line 4" in bad[0].message
    short = text.replace("G4 P4.0", "G4 P1")
    assert [v.kind for v in read_gcode(short, "grbl", wait=4)[1]] == ["feed"]
    prof = load_profile("grbl")
    assert read_gcode(_written(prof), "grbl", wait=prof.spindle.dwell)[1] == []


def test_a_file_that_is_no_program_is_one_line(tmp_path):
    """An rs274 listing given as a program broke on its 6,703 lines (exit 3): one line now
    says it is no G-code program (exit 2)."""
    from click.testing import CliRunner

    from wikicut.cli import main

    listing = tmp_path / "sheet-001.ngc.rs.txt"
    listing.write_text("executing\n" + "".join(
        f"{n:5d} N..... STRAIGHT_FEED({n}.0000, 0.0000, -1.0000)\n" for n in range(1, 300)))
    res = CliRunner().invoke(main, ["verify", str(listing), "--profile", "linuxcnc"])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "not a G-code program: 40 of the first 40 lines" in lines[0]


def test_a_written_gcode_program_whose_wait_was_taken_out_is_refused_end_to_end():
    """verify_program holds a program wikicut wrote to its profile's spindle wait (the
    writer always waits); a hand-written one (no wikicut header) is not held to it."""
    prof = load_profile("grbl")
    text = _written(prof)
    assert text.startswith("(wikicut: ")
    assert [v for v in verify_program(text, prof) if v.kind == "feed"] == []
    dwell = re.search(r"^G4 P[\d.]+\n", text, re.M)
    assert dwell is not None
    cut = text.replace(dwell.group(0), "", 1)
    bad = [v for v in verify_program(cut, prof) if v.kind == "feed"]
    assert bad and "waiting for the spindle" in bad[0].message
    foreign = cut.replace("(wikicut: ", "(job: ", 1)
    assert [v for v in verify_program(foreign, prof) if v.kind == "feed"] == []
