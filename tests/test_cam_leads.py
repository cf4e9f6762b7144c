"""Lead-in and lead-out arcs ([entry] lead_in = "arc", lead_radius): tangent quarter circles
in the waste (outside outlines, inside holes), clear of every part and the sheet edge, the
ramp started on the lead-in; a loop with no room is entered as without leads, and says so;
rs274 reads the programs and the verifier's gouge checks pass; goldens for grbl and
linuxcnc."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import Point

from tests.test_gcode import canonical_moves
from tests.test_holddown_pilots import T, small_job
from tests.test_tool_changes import flat
from wikicut.cam import plan_sheet
from wikicut.cam.holddown import keep_distance
from wikicut.cam.rack import resolve_tooling
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import Part, Placement, SheetLayout, Stock, arc_points
from wikicut.post import write_program, write_sheet_programs
from wikicut.verify import verify_program


def leads(name: str, **entry):
    return load_profile(name).updated(engrave={"labels": False},
                                      entry={"lead_in": "arc", **entry})


def first_cut(op):
    """The op's first move below the stock top, and where it starts."""
    pos = None
    for m in op.moves:
        if pos is not None and min(m.z, pos[2]) < 0:
            return pos, m
        pos = (m.x, m.y, m.z)
    raise AssertionError("no cut")


def swept(start, m, r):
    pts = [start[:2]] + [p[:2] for p in arc_points(start, m, 0.01)]
    return shapely.LineString(pts).buffer(r - 0.02)


@pytest.mark.parametrize("name", ["grbl", "linuxcnc"])
def test_profile_cuts_enter_and_leave_on_arcs_in_the_waste(name, golden, rs274, tmp_path):
    prof = leads(name)
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    r = prof.tool.radius
    parts = {pl.instance: pl.placed().outline for pl in sheet.placements}
    everything = shapely.union_all(list(parts.values()))
    cuts = [op for op in prog.operations if op.kind in ("outline", "hole")]
    assert len(cuts) == 3 and all(op.note == "" for op in cuts)
    for op in cuts:
        start, m = first_cut(op)
        assert m.kind in ("arc_cw", "arc_ccw") and start[2] == 0.0 and m.z < 0  # ramps on it
        assert math.hypot(m.i, m.j) == pytest.approx(r)
        assert not swept(start, m, r).intersects(everything)
        end = op.moves[-3]  # the lead-out, then the retract by feed and the rapid up
        before = op.moves[-4]
        assert end.kind in ("arc_cw", "arc_ccw")
        assert not swept((before.x, before.y, before.z), end, r).intersects(everything)
        if op.kind == "hole":  # inside the hole: the part's hole, not the sheet around it
            hole = shapely.Polygon(parts[op.part].interiors[0])
            assert hole.contains(Point(start[:2]))
    text = write_program(prog, prof, title="leads (1)")
    assert text == write_program(plan_sheet(small_job(), prof), prof, title="leads (1)")
    golden(f"sheet-leads-{name}.{prof.extension}", text)
    moves = canonical_moves(rs274, text, tmp_path)
    assert min(m[3] for m in moves) == pytest.approx(-(T + prof.depth.overcut))
    assert verify_program(text, prof, sheet=sheet) == []


@pytest.mark.parametrize("name", ["grbl", "shopbot"])
def test_plunge_entry_plunges_in_the_waste_and_wider_leads_fit(name):
    prof = leads(name, mode="plunge", lead_radius=8.0)
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    everything = shapely.union_all([pl.placed().outline for pl in sheet.placements])
    r = prof.tool.radius
    for op in (op for op in prog.operations if op.kind in ("outline", "hole")):
        start, m = first_cut(op)
        assert m.kind == "feed" and (m.x, m.y) == start[:2]  # the plunge, where the arc starts
        # every pass plunges there, in the waste, never on the part's edge (the lead-out
        # goes back down the loop's own kerf between its passes: no deeper than it was cut)
        pos, plunges, deepest = None, [], 0.0
        for mv in op.moves:
            if pos and mv.kind == "feed" and (mv.x, mv.y) == pos[:2] and mv.z < deepest:
                plunges.append((mv.x, mv.y))
            pos, deepest = (mv.x, mv.y, mv.z), min(deepest, mv.z)
        assert len(plunges) == 3 and set(plunges) == {start[:2]}
        assert everything.distance(Point(start[:2])) >= r + 2.0
    text = write_program(prog, prof)
    assert verify_program(text, prof, sheet=sheet) == []


def test_no_room_falls_back_to_a_plain_entry_and_says_so():
    """A part flush with every edge of its sheet: its outline runs off the sheet, so no lead
    fits anywhere; it is cut as without leads and the program says so."""
    sheet = SheetLayout(1, Stock(300, 200, T, 0), [
        Placement("slab#1", Part("slab", shapely.box(0, 0, 300, 200)), 0, 0, 0.0)])
    prof = leads("grbl")
    prog = plan_sheet(sheet, prof)
    (op,) = prog.operations
    assert op.note == "no room for lead arcs: entered and left as without them"
    plain = plan_sheet(sheet, load_profile("grbl").updated(engrave={"labels": False}))
    assert op.moves == plain.operations[0].moves
    text = write_program(prog, prof)
    assert "lead arcs: 1 of 1 profile cuts without room for one" in flat(text)
    assert verify_program(text, prof, sheet=sheet) == []


def test_a_neighbour_too_close_moves_the_lead_elsewhere_on_the_loop():
    """Two plates 8 mm apart: the nearest start (between them) has no room for a 6 mm lead,
    so the outline starts where it has."""
    plate = Part("plate", shapely.box(0, 0, 100, 80))
    sheet = SheetLayout(1, Stock(400, 300, T, 10), [Placement("a#1", plate, 50, 50, 0.0),
                                                   Placement("b#1", plate, 158, 50, 0.0)])
    prof = leads("grbl", lead_radius=6.0)
    prog = plan_sheet(sheet, prof)
    everything = shapely.union_all([pl.placed().outline for pl in sheet.placements])
    for op in prog.operations:
        start, m = first_cut(op)
        assert m.kind.startswith("arc") and op.note == ""
        assert not swept(start, m, prof.tool.radius).intersects(everything)
        assert not 150 - 6 < start[0] < 158 + 6  # not between the plates
    assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []


def test_screws_keep_clear_of_the_leads_and_a_rack_uses_each_tools_radius():
    prof = leads("grbl", lead_radius=5.0).updated(
        holddown={"mode": "drill", "spacing": 250.0, "edge": 25.0}, spindle={"min": 3000})
    assert keep_distance(prof) == pytest.approx(
        keep_distance(prof.updated(entry={"lead_in": "none"})) + 5.0)
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    assert prog.screws
    text = write_program(prog, prof)
    assert verify_program(text, prof, sheet=sheet, screws=list(prog.screws)) == []
    tooling = resolve_tooling(prof, load_library(), "BirchPly", T, tools=(1, 7))
    multi = plan_sheet(sheet, prof, tooling=tooling)
    files = write_sheet_programs(multi, prof)
    assert verify_program("".join(f.text for f in files), prof, sheet=sheet,
                          screws=list(multi.screws)) == []
