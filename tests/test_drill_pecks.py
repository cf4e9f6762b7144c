"""Drills with the profile's own tool (no tool rack) peck within the profile's depth per
pass, and the verifier holds that tool to it.

A through drill on the grbl profile (`[drill] peck = 0`, 6.5 mm a pass) was plunged 18.3 mm
in one move (`G1 Z-18.3` in tests/golden/sheet-grbl.nc), although every other cut of the
same tool goes down 6.5 mm at a time; library tools already pecked (cam/drills.py
`drilling_profile`). Now the profile's tool pecks too, and the check before writing
(`verify.tools.limits_from_tooling`) gives the profile's tool its depth per pass, so a
program plunging it deeper in one go is refused.
"""

from __future__ import annotations

import re

import pytest
import shapely

from wikicut.cam import plan_sheet
from wikicut.cam.rack import resolve_tooling
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import Drill, Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import read_program, verify_program
from wikicut.verify.plunges import check_plunges
from wikicut.verify.tools import ToolLimits, limits_from_tooling

THICKNESS = 18.0


def _sheet() -> SheetLayout:
    """A plate with a 6 mm through drill (plunged by the 6 mm tool) and a 6 mm blind one."""
    part = Part("plate", shapely.box(0, 0, 200, 100),
                drills=(Drill(50, 50, 6.0, None), Drill(150, 50, 6.0, 12.0)))
    return SheetLayout(1, Stock(600, 400, THICKNESS, 15), [Placement("plate#1", part, 40, 40)])


def _profile(**changes):
    return load_profile("grbl").updated(engrave={"labels": False}, **changes)


def _program(prof) -> str:
    return write_program(plan_sheet(_sheet(), prof), prof)


def _plunge_steps(text: str, prof) -> list[float]:
    """How deep each straight move down cuts below the deepest the tool had been at that
    spot (or the stock top): the depth each plunge takes at once."""
    segs, bad = read_program(text, prof)
    assert bad == []
    floor: dict[tuple[float, float], float] = {}
    out = []
    for s in segs:
        if s.kind != "feed":
            continue
        spot = (round(s.end[0], 3), round(s.end[1], 3))
        if s.start[:2] == s.end[:2] and s.end[2] < s.start[2]:
            top = min(floor.get(spot, 0.0), s.start[2], 0.0)
            if s.end[2] < top:
                out.append(top - s.end[2])
        floor[spot] = min(floor.get(spot, 0.0), s.end[2])
    return out


def _limits(prof) -> dict[int, ToolLimits]:
    return limits_from_tooling(resolve_tooling(prof, load_library(), "BirchPly", THICKNESS))


def test_a_through_drill_with_the_profiles_tool_pecks_within_its_depth_per_pass():
    prof = _profile()
    assert prof.drill.peck == 0 and prof.depth.per_pass == 6.5
    text = _program(prof)
    through = THICKNESS + prof.depth.overcut
    steps = _plunge_steps(text, prof)
    assert steps and max(steps) <= prof.depth.per_pass + 1e-6, steps
    # the drill still reaches its depth: 3 pecks of 6.1 mm, the chips cleared in between
    assert re.search(r"^G1 Z-6\.1\n", text, re.M)
    assert re.search(rf"^G1 Z-{through:g} F600\n", text, re.M)
    assert verify_program(text, prof, sheet=_sheet(), tools=_limits(prof)) == []


@pytest.mark.parametrize("peck, deepest", [(10.0, 6.5), (3.0, 3.0)])
def test_a_peck_deeper_than_the_pass_is_held_to_the_pass_and_a_shallower_one_kept(peck,
                                                                                   deepest):
    prof = _profile(drill={"peck": peck})
    steps = _plunge_steps(_program(prof), prof)
    assert steps and max(steps) <= deepest + 1e-6, steps


def test_the_check_before_writing_holds_the_profiles_tool_to_its_depth_per_pass():
    prof = _profile()
    limits = _limits(prof)
    assert limits[prof.tool.number] == ToolLimits(prof.tool.number, prof.tool.diameter,
                                                  prof.depth.per_pass)
    text = _program(prof)
    # the drill as it was written before: one plunge through the sheet
    pecks = re.compile(r"^G1 Z-6\.1\n(?:G1 Z[-\d.]+(?: F\d+)?\n)*?G1 Z-18\.3 F600\n", re.M)
    assert pecks.search(text)
    old = pecks.sub("G1 Z-18.3\n", text, count=1)
    found = verify_program(old, prof, sheet=_sheet(), tools=limits)
    assert [v.kind for v in found] == ["plunge"], found
    assert "plunge 18.300 mm into the material in one move, T1 may cut 6.5 mm" in \
        found[0].message
    # a plunge that is one pass of a multi-pass cut is no fault: the plunge-entry profile
    # goes down 6.1 mm at a time, each pass from the floor of the one before
    plunging = _profile(entry={"mode": "plunge"})
    text = _program(plunging)
    segs, _ = read_program(text, plunging)
    assert max(_plunge_steps(text, plunging)) <= plunging.depth.per_pass + 1e-6
    assert check_plunges(segs, _limits(plunging)) == []
    assert verify_program(text, plunging, sheet=_sheet(), tools=_limits(plunging)) == []


def test_a_jobs_per_pass_for_the_profiles_tool_is_its_limit():
    """[machine.operations.all] per_pass for the profile's own tool: the drills peck that
    deep and the check before writing allows that deep."""
    from wikicut.model.tooling import OperationSettings

    prof = _profile()
    tooling = resolve_tooling(prof, load_library(), "BirchPly", THICKNESS,
                              operations=[OperationSettings("all", per_pass=4.0)])
    assert limits_from_tooling(tooling)[prof.tool.number].max_depth_per_pass == 4.0
    main = tooling.tools[0].profile
    program = plan_sheet(_sheet(), main, tooling=tooling)
    text = write_program(program, main)
    assert max(_plunge_steps(text, main)) <= 4.0 + 1e-6
    assert verify_program(text, main, sheet=_sheet(),
                          tools=limits_from_tooling(tooling)) == []


def test_without_a_rack_the_check_before_writing_holds_the_profiles_tool_too():
    """`wikicut gcode` and `recut` have no rack: check_programs holds the profile's own tool
    to its depth per pass all the same."""
    from wikicut.errors import UnsafeJobError
    from wikicut.model import Layout
    from wikicut.pipeline import check_programs
    from wikicut.post import ProgramFile

    prof = _profile()
    text = _program(prof)
    pecks = re.compile(r"^G1 Z-6\.1\n(?:G1 Z[-\d.]+(?: F\d+)?\n)*?G1 Z-18\.3 F600\n", re.M)
    layout = Layout([_sheet()])
    check_programs(layout, [[ProgramFile("sheet-001.nc", text)]], prof)  # as written: passes
    old = pecks.sub("G1 Z-18.3\n", text, count=1)
    with pytest.raises(UnsafeJobError, match="plunge 18.300 mm into the material in one move"):
        check_programs(layout, [[ProgramFile("sheet-001.nc", old)]], prof)
