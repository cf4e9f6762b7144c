"""The verifier judges holds over the whole sheet: at a spacing of two grooves the grooves of
several parts close in a piece of waste between them, larger than the window a tab is
followed in (held_by_nothing), and parts whose tabs all run into it are held only to it and
to one another, loose once cut. Here a cup's grooves and its lid's close in the waste round
a plate standing in the cup; the lid's tabs and the plate's run into that waste alone, the
cup's into the waste round the sheet. The planner is made to put the tabs there (it keeps
them off waste the grooves close in: test_tabs_closed_waste.py)."""

from __future__ import annotations

import shapely

import wikicut.cam.grooves
import wikicut.cam.plan
from wikicut.cam import plan_sheet
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program

D = 6.0  # the grbl profile's tool
X0, Y0 = 300.0, 300.0


def _cupped() -> SheetLayout:
    """A 240 x 160 mm cup (its notch 120 wide, 100 deep, open at the top), its lid 2 x D
    above it, and a plate in the notch 30 mm from its sides and the lid."""
    cup = Part("cup", shapely.box(0, 0, 240, 160).difference(shapely.box(60, 60, 180, 200)))
    return SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("cup#1", cup, X0, Y0, 0.0),
        Placement("lid#1", Part("lid", shapely.box(0, 0, 240, 80)), X0, Y0 + 160 + 2 * D, 0.0),
        Placement("plate#1", Part("plate", shapely.box(0, 0, 60, 50)), X0 + 90, Y0 + 90, 0.0)])


def _only_in(loop, region) -> list[tuple[float, float]]:
    """The stretches of the tool's `loop` outside `region`: no tab there."""
    ring = shapely.LinearRing(loop)
    out = []
    for g in shapely.get_parts(ring.difference(region)):
        a, b = (ring.project(shapely.Point(p)) for p in (g.coords[0], g.coords[-1]))
        out.append((a, b if b > a else b + ring.length))
    return out


def _program(monkeypatch, lid_to_frame: bool) -> list:
    """The violations in the grbl program for the cupped plate: the lid's tabs on its lower
    edge over the notch only (`lid_to_frame`: and on the middle of its upper edge), the
    cup's on its outer edges only, the plate's as the planner puts them."""
    prof = load_profile("grbl")
    planned = wikicut.cam.plan._no_waste
    over_notch = shapely.box(X0 + 75, Y0 + 150, X0 + 165, Y0 + 175)
    lid = over_notch.union(shapely.box(X0 + 90, Y0 + 240, X0 + 150, Y0 + 270)) \
        if lid_to_frame else over_notch
    regions = {"lid#1": lid,
               "cup#1": shapely.box(X0 - 50, Y0 - 50, X0 + 290, Y0 + 250).difference(
                   shapely.box(X0 + 50, Y0 + 50, X0 + 190, Y0 + 250))}

    def tabs_in(ctx, loop):
        region = regions.get(wikicut.cam.plan._instance(ctx))
        return planned(ctx, loop) + ([] if region is None else _only_in(loop, region))

    monkeypatch.setattr(wikicut.cam.plan, "_no_waste", tabs_in)
    monkeypatch.setattr(wikicut.cam.grooves.Grooves, "closed_off", lambda *_: [])
    sheet = _cupped()
    prog = plan_sheet(sheet, prof)
    tabs = {o.part: o.tabs for o in prog.operations if o.kind == "outline"}
    assert all(tabs.values()), tabs
    for part, region in regions.items():  # the tabs where they are meant to be
        assert all(region.buffer(D).contains(shapely.Point(t)) for t in tabs[part]), tabs
    assert (any(y > Y0 + 240 for _, y in tabs["lid#1"])) == lid_to_frame, tabs
    return verify_program(write_program(prog, prof), prof, sheet=sheet)


def test_parts_held_only_to_waste_the_grooves_close_in_are_refused(monkeypatch):
    """The lid's tabs and the plate's all run into the closed-in waste round the plate,
    which no other tab holds: refused, both named with the piece, in one line."""
    bad = _program(monkeypatch, lid_to_frame=False)
    assert [v.kind for v in bad] == ["tab"], bad
    msg = bad[0].message
    assert msg.startswith("parts lid#1 and plate#1 are held by nothing: their tabs run into"
                          " a piece of waste closed in by grooves ("), bad
    assert " mm2 near (" in msg and "no tab ties them to the waste at the sheet's edge" \
        in msg, msg


def test_one_tab_into_the_waste_round_the_sheet_holds_them(monkeypatch):
    """The same, the lid with a tab into the waste beyond it: the lid holds the closed-in
    waste, which holds the plate; the program is clean."""
    assert _program(monkeypatch, lid_to_frame=True) == []
