"""Side cuts judged by the material they take, rapids held over the stock, Z quoted as
written: three gaps through which an unsafe program verified clean."""

from __future__ import annotations

from dataclasses import replace

import pytest
import shapely

from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.verify import ToolLimits, verify_program

HEAD = ("(tool: T1 6 mm upcut, 2 flutes, 18000 rpm)\nG90 G94 G17\nG21\nG0 Z20\nM3 S18000\n"
        "G4 P4\n")
TAIL = "G1 Z0 F600\nG0 Z20\nM5\nM2\n"
SQUARE = "G1 X100 Y10\nG1 Y100\nG1 X10\nG1 Y10\n"


@pytest.fixture
def grbl():
    return load_profile("grbl")


def limits(prof):
    """The profile's own tool as the check before writing knows it (its depth per pass)."""
    return {1: ToolLimits(1, prof.tool.diameter, prof.depth.per_pass)}


def stepped(after: str = "") -> str:
    """A square cut in three 6 mm passes, plunged at its corner, then `after` at Z-18."""
    passes = "".join(f"G1 Z{z} F600\n" + SQUARE.replace("X100 Y10", "X100 Y10 F3000", 1)
                     for z in (-6, -12, -18))
    return HEAD + "G0 X10 Y10\nG0 Z5\n" + passes + after + TAIL


def test_a_full_depth_sweep_into_uncut_stock_after_the_deepest_pass_is_refused(grbl):
    """A lead-out at the loop's full depth into waste no pass has cut takes 18 mm sideways
    at once, whatever depth the tool had just been cutting at; cut out and back at each
    level (down the loop's own kerf between), each sweep takes one pass of the waste."""
    assert verify_program(stepped(), grbl, thickness=18, tools=limits(grbl)) == []
    for out, back in (("G1 X0 Y10\n", "G1 X10 Y10\n"),
                      ("G2 X4 Y4 I-6 J0\n", "G3 X10 Y10 I0 J6\n")):
        found = verify_program(stepped(out), grbl, thickness=18, tools=limits(grbl))
        assert [v.kind for v in found] == ["tool"], found
        assert ("side cut 18.000 mm deep into material no earlier cut reached, T1 may cut"
                f" {grbl.depth.per_pass:g} mm per pass") == found[0].message
        lead = "".join(f"G1 Z{z} F600\n{out}{back}" for z in (-6, -12, -18))
        assert verify_program(stepped(lead), grbl, thickness=18, tools=limits(grbl)) == []
    # the planner's own lead arcs, with the profile's tool and its depth per pass
    from wikicut.cam import plan_sheet
    from wikicut.post import write_program

    part = Part("plate", shapely.box(0, 0, 300, 200).difference(
        shapely.Point(60, 60).buffer(20)))
    sheet = SheetLayout(1, Stock(800, 600, 18, 15),
                        [Placement("plate#1", part, 40, 40), Placement("plate#2", part, 400, 40)])
    for name in ("grbl", "shopbot"):
        prof = load_profile(name)
        prof = replace(prof, entry=replace(prof.entry, lead_in="arc"))
        text = write_program(plan_sheet(sheet, prof), prof)
        tools = {prof.tool.number: ToolLimits(prof.tool.number, prof.tool.diameter,
                                              prof.depth.per_pass)}
        assert verify_program(text, prof, sheet=sheet, tools=tools) == [], name


CUT = "G0 X10 Y10\nG0 Z5\nG1 Z-3 F600\nG1 X100 F3000\nG1 Z0\n"


@pytest.mark.parametrize("z", ["0", "1", "4.9"])
def test_a_rapid_across_the_stock_below_the_safe_height_is_refused(grbl, z):
    text = HEAD + CUT + f"G0 Z{z}\nG0 X50 Y20\nG0 Z5\n" + TAIL
    found = verify_program(text, grbl, thickness=18)
    assert [(v.line, v.kind) for v in found] == [(13, "rapid-low")], found
    assert f"at Z{float(z):.3f}, below the safe height Z{grbl.heights.safe:g}" in found[0].message
    # a program may move across first from wherever the machine stands (Fusion's do): the
    # Z it has not said yet is not judged
    first = text.replace("G0 Z20\nM3", "M3", 1).replace("G0 X10 Y10\n", "G0 X10 Y10\nG0 Z20\n", 1)
    assert [(v.line, v.kind) for v in verify_program(first, grbl, thickness=18)] == [
        (13, "rapid-low")]


def test_rapids_at_safe_height_straight_up_or_off_the_stock_are_clean(grbl):
    assert verify_program(HEAD + CUT + "G0 Z5\nG0 X50 Y20\n" + TAIL, grbl, thickness=18) == []
    # straight up out of the kerf, then across at the safe height
    up = HEAD + CUT.replace("G1 Z0\n", "") + "G0 Z5\nG0 X50 Y20\n" + TAIL
    assert verify_program(up, grbl, thickness=18) == []
    # low, but beside the sheet: the stock is the sheet's, the tool's radius round it
    part = Part("sq", shapely.box(0, 0, 50, 50))
    sheet = SheetLayout(1, Stock(200, 200, 18, 0), [Placement("sq#1", part, 100, 100)])
    off = (HEAD + CUT + "G0 Z5\nG0 X-10 Y20\nG0 Z1\nG0 Y180\nG0 Z5\n" + TAIL)
    assert [v for v in verify_program(off, grbl, sheet=sheet) if v.kind == "rapid-low"] == []
    over = off.replace("G0 X-10 Y20", "G0 X-2 Y20")  # its edge over the sheet's
    assert [v.line for v in verify_program(over, grbl, sheet=sheet)
            if v.kind == "rapid-low"] == [15]


def test_z_is_quoted_as_written_with_z0_on_the_spoilboard(grbl):
    """18.2 mm stock, Z0 on the spoilboard: Z-1.2 written is 1.2 mm into the spoilboard,
    past the 1 mm allowed (Z-1 written); Z19.2 written is 1 mm over the stock top."""
    sp = replace(grbl, z_zero="spoilboard")
    deep = (HEAD.replace("G0 Z20", "G0 Z40") + "G0 X10 Y10\nG0 Z23.2\nG1 Z-1.2 F600\n"
            "G1 X100 F3000\nG1 Z18.2\nG0 Z19.2\nG0 X50 Y20\nG0 Z40\nM5\nM2\n")
    found = {v.kind: v for v in verify_program(deep, sp, thickness=18.2)}
    assert set(found) == {"depth", "rapid-low"}, found
    assert found["depth"].message == ("Z-1.200 written (Z0 on the spoilboard) is below the"
                                      " allowed -1.000")
    assert found["rapid-low"].message.startswith("rapid across the stock at Z19.200 written"
                                                 " (Z0 on the spoilboard), below the safe"
                                                 " height Z23.2")
    into = deep.replace("G0 Z19.2\nG0 X50 Y20", "G0 Z17\nG0 X50 Y20")
    msg = [v.message for v in verify_program(into, sp, thickness=18.2)
           if v.kind == "rapid-in-stock"]
    assert msg == 2 * ["rapid move at Z17.000 written (Z0 on the spoilboard), below the stock"
                       " top Z18.2"]  # down into it, and across
