"""A plunge back into its own kerf, in a program written in inches to 3 decimals: the written
point is up to a unit's diagonal (0.036 mm) off the earlier cut's centre line, and is still
where that cut went (the final pass taking an onion skin off)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from wikicut.io.profiles import load_profile
from wikicut.verify import ToolLimits, verify_program
from wikicut.verify.checks import resolution

STEP = 6.5  # mm: the tool's depth per pass
TOOLS = {1: ToolLimits(1, 6.35, STEP)}


def _program(x: float, y: float) -> str:
    """A groove from (1, 1) to (3, 1.5) in, cut in three passes down to 0.683 in (17.348 mm,
    a 0.5 mm skin under 17.86 mm stock), then a final pass re-entering it at (x, y): straight
    down from the stock top through the kerf, on through the skin."""
    return (
        "(tool: T1 6.35 mm upcut, 2 flutes)\nG90 G94 G17\nG20\nG0 Z0.787\nM3 S18000\nG4 P4\n"
        "G0 X1.000 Y1.000\nG0 Z0.197\nG1 Z0.000 F23.6\n"
        "G1 Z-0.250\nG1 X3.000 Y1.500 F118.1\n"
        "G1 Z-0.500 F23.6\nG1 X1.000 Y1.000 F118.1\n"
        "G1 Z-0.683 F23.6\nG1 X3.000 Y1.500 F118.1\n"
        f"G0 Z0.197\nG0 X{x:.3f} Y{y:.3f}\nG1 Z0.000 F23.6\n"
        "G1 Z-0.683\nG1 X3.000 Y1.500 Z-0.710 F59.1\n"
        "G0 Z0.787\nM5\nM2\n")


def _off(x: float, y: float) -> float:
    """mm from (x, y) in to the groove's centre line, x - 4 y + 3 = 0."""
    return abs(x - 4 * y + 3) / math.sqrt(17) * 25.4


@pytest.fixture(scope="module")
def inch3():
    grbl = load_profile("grbl")
    return replace(grbl, units="inch", decimals=3, tool=replace(grbl.tool, diameter=6.35))


def _plunges(text: str, prof) -> list[str]:
    return [v.message for v in verify_program(text, prof, thickness=17.86, tools=TOOLS)
            if v.kind == "plunge"]


def test_a_final_pass_re_entering_its_kerf_a_rounding_off_is_no_deep_plunge(inch3):
    assert resolution(inch3) == pytest.approx(0.0254)
    on = _program(2.200, 1.300)
    assert _off(2.200, 1.300) < 1e-9
    assert verify_program(on, inch3, thickness=17.86, tools=TOOLS) == []
    off = _program(2.203, 1.300)  # 3 thousandths along X: 0.0185 mm off the centre line
    assert 0.018 < _off(2.203, 1.300) < 0.019
    assert verify_program(off, inch3, thickness=17.86, tools=TOOLS) == []
    # farther than the writing rounds (0.043 mm off) it is beside the kerf: a deep plunge
    wide = _program(2.207, 1.300)
    assert _off(2.207, 1.300) > 0.04
    (msg,) = _plunges(wide, inch3)
    assert msg.startswith("plunge 17.348 mm into the material in one move"), msg
    # where a written point is 0.0025 mm (4 decimals) or 0.001 mm (mm) fine, 0.0185 mm off
    # is beside the kerf, as before
    for prof in (replace(inch3, decimals=4), replace(inch3, units="mm")):
        (msg,) = _plunges(off, prof)
        assert msg.startswith("plunge 17.348 mm into the material in one move"), (prof, msg)
