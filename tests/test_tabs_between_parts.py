"""Tabs hold a part to the waste, never to another part: where two parts lie nearer than two
grooves apart their cuts merge and no waste is left between them, so no tab goes there (it
would be cut away by the neighbour's pass, or meet the neighbour's tab and tie the two); a
part with nowhere else for a tab is held by an onion skin instead (test_skin_fallback.py), or
refused where the profile says so; the verifier sees such a tie however far the two grooves
reach. The same with common lines, for parts another tool cuts and for parts in
other parts' holes, each groove as wide as the tool that cuts it."""

from __future__ import annotations

import pytest
import shapely
from conftest import ROOT, run_wikicut

import wikicut.cam.plan
from wikicut.cam import plan_sheet
from wikicut.cam.rack import resolve_tooling
from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program, write_sheet_programs
from wikicut.verify import verify_program
from wikicut.verify.tools import limits_from_tooling

GAP = 12.0  # the house's spacing: less than two 6.35 mm grooves


def _side_by_side() -> SheetLayout:
    """Two long boards GAP apart along their long edges, as a nest lays wall ribs."""
    board = Part("board", shapely.box(0, 0, 900, 200))
    return SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("board#1", board, 20, 20, 0.0),
        Placement("board#2", board, 230, 220 + GAP, 0.0)])


def test_no_tab_where_two_parts_cuts_merge():
    prof = load_profile("shopbot")
    assert 2 * prof.tool.diameter > GAP
    sheet = _side_by_side()
    prog = plan_sheet(sheet, prof)
    facing = shapely.box(230, 220, 920, 220 + GAP)  # between the boards
    for op in (o for o in prog.operations if o.kind == "outline"):
        assert len(op.tabs) >= 2, op.part
        for x, y in op.tabs:
            assert not facing.contains(shapely.Point(x, y)), (op.part, x, y)
    assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []


def test_the_verifier_sees_tabs_that_tie_parts_two_grooves_apart(monkeypatch):
    """The planner made to put its tabs on the facing edges (as before it looked at the
    neighbours): the check before writing refuses the tie."""
    prof = load_profile("shopbot")
    sheet = _side_by_side()
    monkeypatch.setattr(wikicut.cam.plan, "_no_waste", lambda ctx, loop: [])
    bad = verify_program(write_program(plan_sheet(sheet, prof), prof), prof, sheet=sheet)
    assert any(v.kind == "tab" and "ties board#" in v.message for v in bad), bad


@pytest.mark.parametrize("common", [False, True])
def test_a_part_with_no_waste_round_it_for_a_tab_is_refused_where_the_profile_says_so(common):
    """A plate in a frame's window, GAP from its edges all round: its cut meets the
    window's wherever a tab could go; with common lines too (the plate and the frame are of
    two nesting levels: no common line spares the window's groove). The profile's [tabs]
    no_room = "refuse" refuses it rather than hold it by a skin, and the message says so."""
    frame = Part("frame", shapely.box(0, 0, 400, 400).difference(shapely.box(100, 100, 300,
                                                                               300)))
    plate = Part("plate", shapely.box(0, 0, 200 - 2 * GAP, 200 - 2 * GAP))
    sheet = SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("frame#1", frame, 20, 20, 0.0),
        Placement("plate#1", plate, 120 + GAP, 120 + GAP, 0.0)])
    with pytest.raises(UnsafeJobError, match=r"plate#1 has no room for its tabs: the cut"
                       r" round it meets the cuts round frame#1 .*\(parts nearer than 13\.7"
                       r" mm, two 6\.35 mm grooves and 1 mm of web, .*\); set \[nest\]"
                       r" spacing to 13\.7 mm"
                       r" or more \(the profile holds no part by an onion skin instead:"
                       r" \[tabs\] no_room = \"refuse\"\)"):
        plan_sheet(sheet, load_profile("shopbot").updated(nest={"common_line": common},
                                                          tabs={"no_room": "refuse"}))


def test_with_common_lines_a_part_in_a_hole_keeps_its_tabs_off_the_holes_groove():
    """A plate in a frame's window, 8 mm from its left edge and far from the others: with
    common lines on, no tab of the plate on its left edge (the window's pass would cut it
    away), and the program is clean."""
    prof = load_profile("shopbot").updated(nest={"common_line": True})
    frame = Part("frame", shapely.box(0, 0, 400, 400).difference(shapely.box(100, 100, 300,
                                                                               300)))
    plate = Part("plate", shapely.box(0, 0, 150, 150))
    sheet = SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("frame#1", frame, 20, 20, 0.0),
        Placement("plate#1", plate, 128, 150, 0.0)])
    prog = plan_sheet(sheet, prof)
    (op,) = [o for o in prog.operations if o.part == "plate#1" and o.kind == "outline"]
    assert len(op.tabs) >= 2
    assert all(x > 128 + 2 * prof.tool.radius for x, _ in op.tabs), op.tabs
    assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []


def _rack(common: bool, no_room: str = "skin"):
    """linuxcnc with T1 (6 mm) and T7 (2.5 mm), labels off."""
    prof = load_profile("linuxcnc").updated(engrave={"labels": False},
                                            nest={"common_line": common},
                                            tabs={"no_room": no_room})
    return prof, resolve_tooling(prof, load_library(), "BirchPly", 18.0, tools=(1, 7))


def _rack_check(prog, prof, tooling, sheet):
    text = "".join(f.text for f in write_sheet_programs(prog, prof))
    return verify_program(text, prof, sheet=sheet, tools=limits_from_tooling(tooling))


@pytest.mark.parametrize("common", [False, True])
def test_a_part_another_tool_cuts_and_its_neighbour_keep_their_tabs_apart(common):
    """A comb whose 4 mm notch only T7 cuts (so T7 cuts it whole), 7 mm from a board T1
    cuts: their grooves (6 and 2.5 mm) overlap, and neither puts a tab between them, with
    common lines or without."""
    prof, tooling = _rack(common)
    comb = Part("comb", shapely.box(0, 0, 300, 100).difference(shapely.box(150, 60, 154, 101)))
    board = Part("board", shapely.box(0, 0, 600, 200))
    sheet = SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("board#1", board, 20, 20, 0.0), Placement("comb#1", comb, 100, 227, 0.0)])
    prog = plan_sheet(sheet, prof, tooling=tooling)
    between = shapely.box(90, 220, 410, 227)
    tools = {}
    for op in (o for o in prog.operations if o.kind == "outline"):
        tools[op.part] = op.tool
        assert len(op.tabs) >= 2, op.part
        assert not any(between.contains(shapely.Point(t)) for t in op.tabs), (op.part, op.tabs)
    assert tools == {"board#1": 1, "comb#1": 7}
    assert _rack_check(prog, prof, tooling, sheet) == []


def _framed(gap: float) -> SheetLayout:
    """A plate `gap` from a frame's window all round; the window has a 4 mm slot, so T7
    cuts it: its groove is 2.5 mm wide."""
    window = shapely.box(100, 100, 300, 300).union(shapely.box(198, 299, 202, 340))
    frame = Part("frame", shapely.box(0, 0, 400, 400).difference(window))
    plate = Part("plate", shapely.box(0, 0, 200 - 2 * gap, 200 - 2 * gap))
    return SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("frame#1", frame, 20, 20, 0.0),
        Placement("plate#1", plate, 120 + gap, 120 + gap, 0.0)])


@pytest.mark.parametrize("common", [False, True])
def test_grooves_are_as_wide_as_the_tool_that_cuts_each(common):
    """The plate (T1, 6 mm) in a window T7 (2.5 mm) cuts: 10 mm from it leaves 1.5 mm of
    waste between the grooves for its tabs (cut and clean), 8 mm none (refused where the
    profile refuses a skin instead, naming both grooves), with common lines or without."""
    prof, tooling = _rack(common)
    prog = plan_sheet(_framed(10.0), prof, tooling=tooling)
    (op,) = [o for o in prog.operations if o.part == "plate#1" and o.kind == "outline"]
    assert op.tool == 1 and len(op.tabs) >= 2
    assert [o.tool for o in prog.operations if o.part == "frame#1" and o.kind == "hole"] == [7]
    assert _rack_check(prog, prof, tooling, _framed(10.0)) == []
    prof, tooling = _rack(common, "refuse")
    with pytest.raises(UnsafeJobError, match=r"plate#1 has no room for its tabs: .* \(parts"
                       r" nearer than 9\.5 mm, a 6 mm and a 2\.5 mm groove and 1 mm of web, .*\);"
                       r" set \[nest\] spacing to 9\.5 mm or more"):
        plan_sheet(_framed(8.0), prof, tooling=tooling)


def test_the_house_with_a_v_bit_in_the_rack_is_cut(tmp_path):
    """The garden room on a ShopBot with T2 (6.35 mm) and the T11 V-bit, nested 12 mm apart:
    its wall ribs lie side by side and every program passes the check before writing."""
    text = (ROOT / "examples" / "house" / "job.toml").read_text(encoding="utf-8")
    text = text.replace('"../../parts/', f'"{ROOT / "parts"}/')
    text = text.replace('profile = "grbl"', 'profile = "shopbot"\ntools = [2, 11]')
    job = tmp_path / "job.toml"
    job.write_text(text, encoding="utf-8")
    r = run_wikicut("nest", str(job), "-o", str(tmp_path / "out"), "--time-limit", "3",
                    "--iterations", "3")
    assert r.returncode == 0, r.stderr[-2000:]
    assert list((tmp_path / "out").glob("sheet-*.sbp"))


def test_a_spacing_under_two_grooves_is_said_before_the_nest(tmp_path):
    """With tabs, parts nearer than two grooves leave no waste between them: said before the
    nest (a job of small parts packed on every side is refused only after it), once, naming
    the spacing that leaves room; not for a spacing of two grooves, onion skin or common
    lines."""
    from dataclasses import replace

    from wikicut.pipeline.job import tab_room_note

    shopbot, grbl = load_profile("shopbot"), load_profile("grbl")  # 6.35 mm, 6 mm tools
    assert "13.7 mm" in tab_room_note(shopbot, 12.0)  # two grooves and MIN_WEB
    assert "set [nest] spacing to 13 mm" in tab_room_note(grbl, 11.9)
    # at two grooves (the examples' 12 mm) most edges face wider waste: said after the nest
    # for the parts left without room (skin_held_note), not before
    assert tab_room_note(shopbot, 12.7) == tab_room_note(grbl, 12.0) == ""
    assert tab_room_note(replace(shopbot, tabs=replace(shopbot.tabs, mode="onion")), 12.0) == ""
    job = tmp_path / "job.toml"
    job.write_text(f"""name = "t"
[sheet]
width = 1200
height = 600
thickness = 18
[nest]
spacing = 12
iterations = 5
workers = 1
[machine]
profile = "shopbot"
[[part]]
file = "{ROOT / 'parts' / 'spacer.toml'}"
quantity = 2
""")
    res = run_wikicut("nest", str(job), "-o", str(tmp_path / "out"), "-q")
    said = [ln for ln in res.stderr.splitlines() if "under two 6.35 mm grooves" in ln]
    assert len(said) == 1 and "set [nest] spacing to 13.7 mm" in said[0], res.stderr
