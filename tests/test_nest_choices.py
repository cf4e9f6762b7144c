"""Choices made between candidates: a sheet's program with common lines or plain, and the
layout the nest keeps (parts left out, locked sheets filled first), each judged by what
README.md and docs/nesting.md promise."""

from __future__ import annotations

import shapely

from wikicut.cam import plan_sheet
from wikicut.io.profiles import load_profile
from wikicut.model import Lock, NestItem, NestSettings, Part, Placement, SheetLayout, Stock
from wikicut.nest import nest, verify_layout

T = 18.0
D = 6.0  # the grbl profile's tool


def _profile(common: bool):
    # fast feeds and deep passes: the entries of broken loops weigh against the cut saved
    return load_profile("grbl").updated(
        engrave={"labels": False}, nest={"common_line": common},
        feeds={"cut": 8000.0, "plunge": 1200.0, "ramp": 4000.0}, depth={"per_pass": 9.15})


def _boxed_in() -> SheetLayout:
    """A 60 mm square one tool from a neighbour on every side: cut plain, the grooves round
    them leave it no room for tabs (an onion skin and a final pass); with common lines its
    edges are shared."""
    def rect(name: str, w: float, h: float) -> Part:
        return Part(name, shapely.box(0, 0, w, h), source=f"parts/{name}.toml")

    sq, big, side = rect("square", 60, 60), rect("beam", 300, 250), rect("block", 200, 60)
    x0, y0 = 1000.0, 600.0
    return SheetLayout(1, Stock(2440, 1220, T, 10), [
        Placement("square#1", sq, x0, y0),
        Placement("beam#1", big, x0 - 120, y0 + 60 + D),
        Placement("beam#2", big, x0 - 120, y0 - D - 250),
        Placement("block#1", side, x0 - D - 200, y0),
        Placement("block#2", side, x0 + 60 + D, y0)])


def test_common_lines_are_judged_against_the_plain_program_and_never_save_less_than_nothing():
    """Sharing here is slower than the parts cut with their own tabs as if alone, but
    quicker than the sheet cut plain (which needs the skin): the shared program is kept, and
    what it saved is measured against the plain one, the program the sheet would otherwise
    have."""
    sheet = _boxed_in()
    plain = plan_sheet(sheet, _profile(False))
    prog = plan_sheet(sheet, _profile(True))
    assert prog.common_line is not None
    cut, seconds = prog.common_line
    assert seconds > 0 and prog.est_seconds < plain.est_seconds
    assert abs(seconds - (plain.est_seconds - prog.est_seconds)) < 0.06
    assert abs(cut - (plain.cut_length - prog.cut_length)) < 1e-3


def _rect(name: str, w: float, h: float) -> Part:
    return Part(name, shapely.box(0, 0, w, h), source=f"parts/{name}.toml")


def _settings(iterations: int) -> NestSettings:
    return NestSettings(spacing=12.0, seed=1, time_limit=60.0, workers=1,
                        iterations=iterations)


def test_with_parts_left_out_the_least_area_is_left_out():
    """One sheet in stock for a 1200 x 600 panel and three 716 x 200 spacers: all four do not
    fit, and the search leaves out a spacer, never the panel (fewest parts left out, then
    the least area left out: docs/nesting.md), however long it searches."""
    panel, spacer = _rect("panel", 1200, 600), _rect("spacer", 716, 200)
    items = [NestItem("panel#1", panel)] + [NestItem(f"spacer#{k}", spacer)
                                           for k in (1, 2, 3)]
    stock = Stock(1300, 1220, T, 15, count=1)
    for iterations in (1, 30):
        layout = nest(items, [stock], _settings(iterations))
        assert len(layout.unplaced) == 1 and layout.unplaced[0].startswith("spacer#")
        assert any(q.instance == "panel#1" for s in layout.sheets for q in s.placements)
        assert verify_layout(layout, 12.0) == []


def test_parts_nest_on_the_locked_sheet_first():
    """Two ribs and a panel locked on sheet 1 leave room there for spacers; another panel
    fits only a new sheet. The spacers the locked sheet takes go there (README: the other
    parts nest on the locked sheets first), not all onto the new sheet beside the panel."""
    rib, panel, spacer = _rect("rib", 1800, 250), _rect("panel", 1200, 600), _rect(
        "spacer", 716, 200)
    locks = [NestItem("rib#1", rib, lock=Lock(1, 100, 15)),
             NestItem("rib#2", rib, lock=Lock(1, 100, 295)),
             NestItem("panel#1", panel, lock=Lock(1, 100, 590))]
    free = [NestItem("panel#2", panel)] + [NestItem(f"spacer#{k}", spacer)
                                          for k in range(1, 7)]
    layout = nest(locks + free, [Stock(2440, 1220, T, 15)], _settings(300))
    assert verify_layout(layout, 12.0) == [] and not layout.unplaced
    first, *rest = layout.sheets
    on_first = {q.instance for q in first.placements}
    assert {"rib#1", "rib#2", "panel#1"} <= on_first
    spacers = sum(name.startswith("spacer#") for name in on_first)
    assert spacers >= 2, on_first
    assert len(rest) == 1 and "panel#2" in {q.instance for q in rest[0].placements}
