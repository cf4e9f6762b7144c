"""Tabs hold a part to the waste, never to another part: where two parts lie nearer than two
grooves apart their cuts merge and no waste is left between them, so no tab goes there (it
would be cut away by the neighbour's pass, or meet the neighbour's tab and tie the two); a
part with nowhere else for a tab is refused; the verifier sees such a tie however far the
two grooves reach."""

from __future__ import annotations

import pytest
import shapely
from conftest import ROOT, run_wikicut

import wikicut.cam.plan
from wikicut.cam import plan_sheet
from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program

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


def test_a_part_with_no_waste_round_it_for_a_tab_is_refused():
    """A plate in a frame's window, GAP from its edges all round: its cut meets the
    window's wherever a tab could go."""
    frame = Part("frame", shapely.box(0, 0, 400, 400).difference(shapely.box(100, 100, 300,
                                                                               300)))
    plate = Part("plate", shapely.box(0, 0, 200 - 2 * GAP, 200 - 2 * GAP))
    sheet = SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("frame#1", frame, 20, 20, 0.0),
        Placement("plate#1", plate, 120 + GAP, 120 + GAP, 0.0)])
    with pytest.raises(UnsafeJobError, match=r"plate#1 has no room for its tabs: the cut"
                       r" round it meets the cuts round frame#1 .*\(parts nearer than 12\.7"
                       r" mm, two 6\.35 mm grooves, .*\); set \[nest\] spacing to 12\.7 mm"
                       r" or more"):
        plan_sheet(sheet, load_profile("shopbot"))


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
