"""The planner keeps tabs off waste the grooves of several parts close in (cam/grooves.py
`closed_in`): once every cut is through such a piece holds only to the tabs that run into it,
and the verifier refuses the parts held so alone (verify/holds.py `held_apart`). Here wedges
stand on end in columns beside a bar, as the nest packs them at 12 mm with a 6 mm tool (two
grooves): each wedge's slanted sides and its neighbours' grooves close in triangles of waste."""

from __future__ import annotations

import shapely

import wikicut.cam.grooves
from wikicut.cam import plan_sheet
from wikicut.cam.choose import Chooser
from wikicut.cam.context import Proofs
from wikicut.cam.plan import _grooves
from wikicut.cam.skin import held_by_skin
from wikicut.cam.slugs import find_slugs
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.model.tooling import Tooling, ToolSetting
from wikicut.post import write_program
from wikicut.verify import verify_program


def _wedge(x: float, y: float, up: bool) -> Part:
    """A 140 x 36 mm wedge (20 mm at its narrow end) standing on end at (x, y), its wide end
    down (`up`) or up."""
    pts = [(x, y), (x + 36, y), (x + 28, y + 140), (x + 8, y + 140)]
    if not up:
        pts = [(px, 2 * y + 140 - py) for px, py in pts]
    return Part("wedge", shapely.Polygon(pts))


def _packed() -> SheetLayout:
    """Three columns of four wedges beside a 50 x 900 mm bar, placed as a nest of a job's
    fillers placed them (tests/test_job_locks.py): 12.1-12.5 mm apart."""
    pl = [Placement("bar#1", Part("bar", shapely.box(801.394, 93.0, 851.394, 993.0)), 0, 0, 0)]
    for c in range(3):
        x, y = 863.516 + 40.151 * c, 473.343 + (1.154 if c % 2 else 0.0)
        for row in range(4):
            pl.append(Placement(f"wedge#{4 * c + row + 1}", _wedge(x, y + 152.5 * row,
                                                                    c % 2 == 0), 0, 0, 0))
    return SheetLayout(1, Stock(2440, 1220, 18.0, 0), pl)


def _planned() -> tuple[list, list[str]]:
    prof = load_profile("grbl")
    sheet = _packed()
    prog = plan_sheet(sheet, prof)
    return verify_program(write_program(prog, prof), prof, sheet=sheet), held_by_skin(prog)


def test_closed_in_waste_is_found_between_the_wedges():
    """The triangles beside the wedges are closed in (small pieces); the waste round the
    cluster, reaching the sheet's edge, is not."""
    sheet = _packed()
    placed = [p.placed() for p in sheet.placements]
    ch = Chooser(sheet, Tooling((ToolSetting(load_profile("grbl")),)), Proofs(), placed)
    grooves = _grooves(ch, sheet, placed, find_slugs(sheet, placed))
    areas = sorted(round(g.area) for g in grooves.closed)
    assert len(areas) >= 6 and all(a < 2000 for a in areas), areas
    left_of_3 = shapely.box(855, 780, 866, 918)  # beside wedge#3's left side, at the bar
    assert any(g.intersects(left_of_3) for g in grooves.closed), areas


def test_tabs_stay_off_waste_the_grooves_close_in(monkeypatch):
    """Planned as if that waste held tabs, wedge#3's tabs all run into a triangle closed in
    by the bar's groove and its neighbours': refused. Kept off it, wedge#3 has no room
    for tabs and is held by an onion skin, as a wedge whose neighbours' grooves meet its
    own all round: the program is clean."""
    with monkeypatch.context() as m:
        m.setattr(wikicut.cam.grooves.Grooves, "closed_off", lambda *_: [], raising=False)
        bad, _ = _planned()
    assert [v.kind for v in bad] == ["tab"], bad
    assert bad[0].message.startswith("part wedge#3 is held by nothing: its tabs run into a"
                                     " piece of waste closed in by grooves ("), bad
    violations, skinned = _planned()
    assert violations == [], violations
    assert "wedge#3" in skinned, skinned
