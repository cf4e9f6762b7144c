"""A tab holds its part to real waste, not to a hairline web between two grooves: two parts
nested a hair over two grooves apart (the house's 12 mm spacing with a 6 mm tool, and the
nest's rounding: 0.13 mm) leave a sliver of ply between their grooves that the second pass
tears away. The planner puts no tab on a stretch whose groove leaves less than MIN_WEB of
ply to the next (cam/grooves.py, cam/common.py), and the verifier counts no such sliver as
waste a tab holds to (verify/holds.py): a program with its tabs there is held by nothing."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import wikicut.cam.plan
from wikicut.cam import plan_sheet
from wikicut.io.profiles import load_profile
from wikicut.model import MIN_WEB, Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program

D = 6.0  # the grbl profile's tool
X0, Y0, W, H = 200.0, 200.0, 600.0, 80.0  # the lower board; the upper one is `gap` above it


def _pair(gap: float) -> SheetLayout:
    """Two 600 x 80 mm boards, their long edges facing `gap` apart, far from the sheet's
    edge: each has four tabs alone, some on the facing edge."""
    board = Part("board", shapely.box(0, 0, W, H))
    return SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("board#1", board, X0, Y0, 0.0),
        Placement("board#2", board, X0, Y0 + H + gap, 0.0)])


def _facing(op) -> list[tuple[float, float]]:
    """The lower board's tabs on its facing (upper) edge: its loop runs D/2 above it."""
    return [(x, y) for x, y in op.tabs if y > Y0 + H]


def _lower(prog):
    (op,) = [o for o in prog.operations if o.part == "board#1" and o.kind == "outline"]
    return op


@pytest.mark.parametrize("common", [False, True])
def test_no_tab_faces_a_hairline_web(common):
    """2 x 6 mm + 0.13 mm apart: no tab on the facing edge (it would hold to a 0.13 mm
    sliver), the board's four tabs on its other edges; the program verifies. 30 mm apart the
    facing edge has its tabs (the board is placed so that it would)."""
    prof = load_profile("grbl").updated(nest={"common_line": common})
    sheet = _pair(2 * D + 0.13)
    prog = plan_sheet(sheet, prof)
    op = _lower(prog)
    assert _facing(op) == [], op.tabs
    assert len(op.tabs) == 4
    assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []
    assert _facing(_lower(plan_sheet(_pair(30.0), prof)))


def test_a_web_of_min_web_or_more_takes_tabs():
    """Two grooves and MIN_WEB apart, and 3 mm of web: the facing edge takes tabs again."""
    prof = load_profile("grbl")
    for web in (MIN_WEB, 3.0):
        sheet = _pair(2 * D + web)
        prog = plan_sheet(sheet, prof)
        assert _facing(_lower(prog)), web
        assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []


def _tabs_on_facing_edge_only(monkeypatch, gap: float):
    """The grbl program for two boards `gap` apart with the lower board's tabs on its facing
    edge only (every other stretch cut through), as a hand-edited program would have them;
    the upper board's as the planner puts them."""
    prof = load_profile("grbl")
    planned = wikicut.cam.plan._no_waste

    def facing_only(ctx, loop):
        if np.max(loop[:, 1]) > Y0 + H + gap:  # the upper board
            return planned(ctx, loop)
        ring = shapely.LinearRing(loop)
        total = ring.length
        top = [ring.project(shapely.Point(p)) for p in loop if p[1] > Y0 + H + D / 4]
        a, b = min(top), max(top)
        return [(b, a + total)]  # all but the facing edge

    monkeypatch.setattr(wikicut.cam.plan, "_no_waste", facing_only)
    sheet = _pair(gap)
    prog = plan_sheet(sheet, prof)
    op = _lower(prog)
    assert op.tabs and _facing(op) == op.tabs, op.tabs
    return verify_program(write_program(prog, prof), prof, sheet=sheet)


def test_tabs_onto_a_hairline_web_hold_nothing(monkeypatch):
    """The lower board's tabs all on the facing edge, 0.13 mm of web beyond them: refused,
    the board held by nothing."""
    bad = _tabs_on_facing_edge_only(monkeypatch, 2 * D + 0.13)
    assert [v.kind for v in bad] == ["tab"], bad
    assert bad[0].message.startswith("part board#1 is held by nothing:"), bad
    assert "into the cut round board#2" in bad[0].message


def test_tabs_onto_a_3mm_web_hold(monkeypatch):
    """The same tabs with 3 mm of web beyond them: real waste, the program verifies."""
    assert _tabs_on_facing_edge_only(monkeypatch, 2 * D + 3.0) == []
