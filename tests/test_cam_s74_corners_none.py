"""`[corners] relief = "none"` leaves inside corners round by the tool's radius, as asked: the
check before writing accepts them (holes and outlines alike) and still finds an edge the
tool could reach but did not cut."""

from __future__ import annotations

from dataclasses import replace

import shapely

from wikicut.cam import plan_sheet
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program

T = 18.0


def _sheet() -> SheetLayout:
    # a 60 x 18 slot inside, a 30 x 20 notch in the edge: eight square inside corners
    body = shapely.box(0, 0, 200, 100).difference(shapely.box(40, 40, 100, 58))
    body = body.difference(shapely.box(150, 80, 180, 101))
    part = Part("plate", shapely.set_precision(body, 1e-6), source="parts/plate.toml")
    return SheetLayout(1, Stock(400, 300, T, 10), [Placement("plate#1", part, 50, 50, 0.0)])


def _profile(**kw):
    return load_profile("linuxcnc").updated(corners={"relief": "none"},
                                            engrave={"labels": False}, **kw)


def _verified(prof, drop=None) -> list[str]:
    sheet = _sheet()
    prog = plan_sheet(sheet, prof)
    if drop:
        prog = replace(prog, operations=[op for op in prog.operations if op.kind != drop])
    return [v.kind for v in verify_program(write_program(prog, prof), prof, sheet=sheet)]


def test_square_corners_left_round_pass_the_check_before_writing():
    assert _verified(_profile()) == []
    assert "uncut" in _verified(_profile(), drop="hole")  # the edges are still checked


def test_with_tabs_off_the_notch_corners_of_the_outline_pass_too():
    assert _verified(_profile(tabs={"enabled": False})) == []


def test_a_notch_narrower_than_the_tool_left_uncut_is_still_found():
    """Round corners excuse one corner each: a 4 x 3 notch (hole or edge) the 6 mm tool
    cannot enter lies wholly within its radius, but it is two corners, a feature not cut."""
    prof = _profile(tabs={"enabled": False})
    plain = _sheet()
    text = write_program(plan_sheet(plain, prof), prof)
    part = plain.placements[0].part
    for notch in (shapely.box(60, 58, 64, 61), shapely.box(10, 97, 14, 100.5)):
        body = shapely.set_precision(part.outline.difference(notch), 1e-6)
        drawn = replace(plain, placements=[replace(plain.placements[0],
                                                   part=replace(part, outline=body))])
        assert "uncut" in [v.kind for v in verify_program(text, prof, sheet=drawn)]
