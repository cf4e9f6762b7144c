"""The verifier's chip load check derates deep passes as the planner does.

Makers' charts give a chip load at a pass 1 x D deep and less below it (2 x D: 75 %, 3 x D:
50 %); the planner's feeds follow that rule (model.tooling.chip_factor). A written program is
judged by the same rule on the depth each of its side cuts takes (below the floor earlier
cuts left under the move, else the stock top): a slot cut in one deep pass at the shallow
pass's chip load is refused, the same feed in passes 1 x D deep is not.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import MachineLimits, check_cutting, cutting_data
from wikicut.verify import limits_from_library, verify_program

HEAD = "G90 G94 G17\nG21\nG0 Z20\nM5\nT1 M6\nG43 H1\nM3 S{rpm}\nG4 P2\nG0 X10 Y10\nG0 Z5\n"
TAIL = "G1 Z5\nG0 Z20\nM5\nM2\n"


@pytest.fixture(scope="module")
def lib():
    return load_library()


def slot(rpm: float, feed: float, depths: list[float]) -> str:
    """A straight slot from X10 to X100 and back, one pass at each depth (plunged at the end
    the last pass left)."""
    text = HEAD.format(rpm=f"{rpm:g}")
    x = (100, 10)
    for k, z in enumerate(depths):
        text += f"G1 Z{-z:g} F600\nG1 X{x[k % 2]} F{feed:.0f}\n"
    return text + TAIL


def test_a_deep_pass_at_the_shallow_chip_load_is_refused(lib):
    """T1 (6 mm, plywood 0.14-0.31): 0.28 mm a tooth is within its maximum on a pass 1 x D
    deep; on one 12 mm pass (2 x D, which it may cut) the makers allow 75 % of 0.31."""
    prof = load_profile("linuxcnc")
    limits = limits_from_library(lib, "plywood")
    rpm, chip = 16000, 0.28
    feed = rpm * 2 * chip
    deep = verify_program(slot(rpm, feed, [12]), prof, thickness=18, tools=limits)
    assert [(v.line, v.kind, v.message) for v in deep] == [
        (12, "tool", "chip load 0.280 mm/tooth above T1's 0.233 for a pass 12.000 mm deep"
                     " (2.00 x D: 75 % of its 0.31, the makers' derate for deep passes)")]
    # the same feed in two passes 6 mm (1 x D) deep down the same slot: within the chart
    assert verify_program(slot(rpm, feed, [6, 12]), prof, thickness=18, tools=limits) == []
    # and a slower feed on the deep pass
    slower = rpm * 2 * 0.23
    assert verify_program(slot(rpm, slower, [12]), prof, thickness=18, tools=limits) == []


def test_the_verifier_and_the_planner_draw_the_line_at_the_same_chip_load(lib):
    """A pass as deep as the planner plans it (T1 through 18.3 mm: 2 x 9.15 mm) at the largest
    chip load the planner accepts there passes; 1 % more is refused by both."""
    prof = load_profile("linuxcnc")
    ply = lib.material("plywood")
    machine = MachineLimits.of(prof)
    cd = cutting_data(lib.tool(1), ply, machine, 18.3)
    step, top = cd.depth_per_pass, cd.chip_range.max
    rpm = 12000
    limits = limits_from_library(lib, "plywood")
    assert limits[1].chip_limit(step) == pytest.approx(top)
    ok = rpm * 2 * top * 0.999
    check_cutting(lib.tool(1), ply, machine, rpm=rpm, feed=ok, depth_per_pass=step)
    assert verify_program(slot(rpm, ok, [step, 2 * step]), prof, thickness=18.3,
                          tools=limits) == []
    over = rpm * 2 * top * 1.01
    with pytest.raises(Exception, match="is above the tool's max"):
        check_cutting(lib.tool(1), ply, machine, rpm=rpm, feed=over, depth_per_pass=step)
    found = verify_program(slot(rpm, over, [step, 2 * step]), prof, thickness=18.3,
                           tools=limits)
    assert [v.line for v in found] == [12, 14]
    assert all(f"for a pass {step:.3f} mm deep" in v.message for v in found), found


def test_a_drills_chip_load_is_not_derated(lib):
    """A drill's per-lip load is judged undearated, as the planner judges it: its depth is a
    peck, not a side cut."""
    drill = limits_from_library(lib, "plywood")[12]
    assert drill.chip_limit(3 * drill.diameter) == drill.max_chip_load


def test_verify_names_the_line_the_chip_load_and_the_pass(tmp_path):
    program = tmp_path / "slot.ngc"
    program.write_text(slot(16000, 16000 * 2 * 0.28, [12]))
    res = CliRunner().invoke(main, ["verify", str(program), "--profile", "linuxcnc",
                                    "--thickness", "18", "--material", "BirchPly"])
    assert res.exit_code == 3, res.output
    assert (f"{program}:12: tool: chip load 0.280 mm/tooth above T1's 0.233 for a pass"
            " 12.000 mm deep") in res.output


def test_the_depth_is_what_the_tools_rim_meets_not_its_centre_line(lib):
    """A hole bored on a helix (1 mm radius, 0.5 mm a half turn) and a move to its centre at
    the bottom cut nothing deep: the helix swept the centre; a second pass beside the first
    by a sliver (0.04 mm, two arc fits apart) stands on the first pass's floor, one 1 mm to
    the side meets the full 12 mm the first pass left standing there."""
    prof = load_profile("linuxcnc")
    limits = limits_from_library(lib, "plywood")
    rpm = 16000
    feed = rpm * 2 * 0.28  # within 0.31 at 1 x D, above 0.233 at 2 x D
    text = HEAD.format(rpm=rpm).replace("G0 X10 Y10", "G0 X11 Y10") + "G1 Z0 F600\n"
    for k in range(1, 25):
        text += (f"G3 X9 Y10 Z{-0.5 * k:g} I-1 J0 F{feed:.0f}\n" if k % 2 else
                 f"G3 X11 Y10 Z{-0.5 * k:g} I1 J0\n")
    text += "G3 X9 Y10 I-1 J0\nG3 X11 Y10 I1 J0\nG1 X10\n" + TAIL
    assert verify_program(text, prof, thickness=18, tools=limits) == []

    def beside(dy: float) -> str:
        return slot(rpm, feed, [6]).replace(TAIL, "") + (
            f"G1 Y{10 + dy:g} F600\nG1 Z-12\nG1 X10 F{feed:.0f}\n") + TAIL

    assert verify_program(beside(0.04), prof, thickness=18, tools=limits) == []
    found = verify_program(beside(1.0), prof, thickness=18, tools=limits)
    assert [v.message.split(" (")[0] for v in found] == [
        "chip load 0.280 mm/tooth above T1's 0.233 for a pass 12.000 mm deep"], found
