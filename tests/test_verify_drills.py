"""Drills that overlap are one hole to the verifier: what they take together, each down to
its own depth, is not the part's material (a counterbore over its through hole, a blind
drill running into a through one, two through holes run together), while a cut outside every
drill or below a drill's own depth is still a gouge."""

from __future__ import annotations

import pytest
import shapely

from wikicut.cam import plan_sheet
from wikicut.io.profiles import load_profile
from wikicut.model import Drill, Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program

# the planner's layouts `wikicut part` accepts (a 200 x 200 plate, placed at 40, 40)
OVERLAP = (Drill(100, 100, 10.0), Drill(106, 100, 10.0))  # two through holes run together
BLIND_THROUGH = (Drill(100, 100, 14.0, 6.0), Drill(108, 100, 8.0))  # a blind one over a through
COUNTERBORE = (Drill(100, 100, 16.0, 5.0), Drill(100, 100, 6.0))  # concentric, wider blind


@pytest.fixture(scope="module")
def grbl():
    return load_profile("grbl").updated(engrave={"labels": False})


def _sheet(drills) -> SheetLayout:
    part = Part("plate", shapely.box(0, 0, 200, 200), drills=tuple(drills))
    return SheetLayout(1, Stock(600, 400, 18, 15), [Placement("plate#1", part, 40, 40)])


def _program(drills, prof) -> str:
    return write_program(plan_sheet(_sheet(drills), prof), prof)


def _found(text, prof, drills) -> list[str]:
    return [f"{v.kind}: {v.message}" for v in verify_program(text, prof, sheet=_sheet(drills))]


@pytest.mark.parametrize("drills", [OVERLAP, BLIND_THROUGH, COUNTERBORE],
                         ids=["overlap", "blind-through", "counterbore"])
def test_overlapping_drills_as_planned_are_clean(grbl, drills):
    assert _found(_program(drills, grbl), grbl, drills) == []


def test_a_counterbore_cut_below_its_own_depth_is_a_gouge(grbl):
    """Planned 5 mm deep, judged against a 3 mm counterbore: its floor is cut 2 mm too deep,
    which the through hole in its middle does not excuse."""
    shallow = (Drill(100, 100, 16.0, 3.0), Drill(100, 100, 6.0))
    got = _found(_program(COUNTERBORE, grbl), grbl, shallow)
    assert got == [
        "gouge: plate#1: the 16 mm drill at (140.0, 140.0), 3 mm deep, is cut 5.00 mm deep"], got


def test_a_through_hole_widened_into_a_blind_ones_floor_is_a_gouge(grbl):
    """The 8 mm through hole bored for a 6 mm one: it cuts through the blind drill's floor
    beside it (as deep as the stock), and the part's material beyond both."""
    narrow = (Drill(100, 100, 14.0, 6.0), Drill(108, 100, 6.0))
    got = _found(_program(BLIND_THROUGH, grbl), grbl, narrow)
    assert "gouge: plate#1: the 14 mm drill at (140.0, 140.0), 6 mm deep, is cut 18.30 mm" \
        " deep" in got, got
    # beyond both holes: the part's material (said once, at the move that cut it)
    assert any(g.startswith(("gouge: plate#1: the tool enters the part",
                             "gouge: plate#1: the 6 mm drill at (148.0, 140.0) is cut oversize"))
               for g in got), got
    assert len(got) == 2, got


def test_a_drill_cutting_outside_every_drilled_area_is_a_gouge(grbl):
    """Two through holes run together and a third hole the part does not have: only the
    third's cut is refused (into the part's material), not the two that share one hole."""
    stray = Drill(160, 160, 10.0)
    got = _found(_program((*OVERLAP, stray), grbl), grbl, OVERLAP)
    assert [g.split(" (")[0] for g in got] == ["gouge: plate#1: the tool enters the part"], got
    assert got[0].endswith(" near (200.0, 200.1))"), got


def test_a_blind_drill_cut_deeper_beside_a_through_one_is_a_gouge(grbl):
    """The blind drill cleared 10 mm deep, drawn 6 mm: the through drill it runs into excuses
    only its own hole, not the rest of the blind one's floor."""
    deeper = (Drill(100, 100, 14.0, 10.0), BLIND_THROUGH[1])
    got = _found(_program(deeper, grbl), grbl, BLIND_THROUGH)
    assert got == [
        "gouge: plate#1: the 14 mm drill at (140.0, 140.0), 6 mm deep, is cut 10.00 mm deep"], got
