"""The verifier refuses a part its program leaves held by nothing: every tab of its outline
runs into another part's groove cut through the sheet, so no waste holds it at its last
pass. It sees this from the program's moves and the sheet alone, whatever the planner did:
here the planner is made to put tabs anywhere (as before it looked at the neighbours)."""

from __future__ import annotations

import shapely
from conftest import run_wikicut

import wikicut.cam.plan
import wikicut.verify.sheet
from wikicut.cam import plan_sheet
from wikicut.io.dxf.write import write_sheet_dxf
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program


def _framed(gap: float) -> SheetLayout:
    """A plate `gap` from a frame's window all round."""
    frame = Part("frame", shapely.box(0, 0, 400, 400).difference(shapely.box(100, 100, 300,
                                                                               300)))
    plate = Part("plate", shapely.box(0, 0, 200 - 2 * gap, 200 - 2 * gap))
    return SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("frame#1", frame, 20, 20, 0.0),
        Placement("plate#1", plate, 120 + gap, 120 + gap, 0.0)])


def _tabs_anywhere(monkeypatch, sheet: SheetLayout, through: bool = False
                   ) -> tuple[str, object]:
    """The ShopBot program for `sheet` (6.35 mm tool) with tabs wherever the spacing puts
    them, the neighbours' grooves or not; `through`: the window cut through as if it held
    no part (test_slug_holes.py: its slug is held)."""
    prof = load_profile("shopbot")
    monkeypatch.setattr(wikicut.cam.plan, "_no_waste", lambda ctx, loop: [])
    if through:
        monkeypatch.setattr(wikicut.cam.plan, "find_slugs", lambda *a: {})
    prog = plan_sheet(sheet, prof)
    (op,) = [o for o in prog.operations if o.part == "plate#1" and o.kind == "outline"]
    assert len(op.tabs) >= 2
    return write_program(prog, prof), prof


def test_a_part_whose_every_tab_runs_into_a_neighbours_groove_is_refused(monkeypatch):
    """12 mm from the window, less than two 6.35 mm grooves: the window's groove cuts
    through the far end of each of the plate's tabs. The rest of the verifier passes the
    program: only the hold checks refuse it, held_by_nothing in one line (held_apart, over
    the whole sheet, names no part already named)."""
    sheet = _framed(12.0)
    text, prof = _tabs_anywhere(monkeypatch, sheet, through=True)
    bad = verify_program(text, prof, sheet=sheet)
    assert [v.kind for v in bad] == ["tab"], bad
    assert bad[0].message.startswith("part plate#1 is held by nothing: each of its 2 tabs"
                                     " runs into the cut round frame#1 (the first near ("), bad
    monkeypatch.setattr(wikicut.verify.sheet, "held_by_nothing", lambda *a: [])
    monkeypatch.setattr(wikicut.verify.sheet, "loose_slugs", lambda *a: [])
    monkeypatch.setattr(wikicut.verify.sheet, "held_apart", lambda *a: [])
    assert verify_program(text, prof, sheet=sheet) == []


def test_the_cli_refuses_it_given_the_sheet(monkeypatch, tmp_path):
    """`wikicut verify --sheet` says the same, exit 3."""
    sheet = _framed(12.0)
    text, _ = _tabs_anywhere(monkeypatch, sheet, through=True)
    (tmp_path / "sheet-001.sbp").write_text(text, encoding="utf-8")
    write_sheet_dxf(sheet, tmp_path / "sheet-001.dxf")
    r = run_wikicut("verify", str(tmp_path / "sheet-001.sbp"), "--profile", "shopbot",
                    "--sheet", str(tmp_path / "sheet-001.dxf"))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "part plate#1 is held by nothing: each of its 2 tabs runs into the cut round" \
           " frame#1" in r.stdout, r.stdout


def test_tabs_that_reach_waste_between_the_grooves_hold_the_part(monkeypatch):
    """20 mm from the window: 7.3 mm of waste between the grooves for every tab, the same
    tabs anywhere, and the program is clean."""
    sheet = _framed(20.0)
    text, prof = _tabs_anywhere(monkeypatch, sheet)
    assert verify_program(text, prof, sheet=sheet) == []


def test_a_good_program_with_tabs_is_clean():
    """Parts far apart, the planner as it is: every part's tabs hold it, nothing said."""
    prof = load_profile("shopbot")
    board = Part("board", shapely.box(0, 0, 600, 200))
    sheet = SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("board#1", board, 20, 20, 0.0), Placement("board#2", board, 20, 300, 0.0)])
    prog = plan_sheet(sheet, prof)
    assert all(len(op.tabs) >= 2 for op in prog.operations if op.kind == "outline")
    assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []
