"""The program verifier: each hand-written fault trips exactly its violation kind."""

from __future__ import annotations

import pytest
import shapely

from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.verify import ToolLimits, simulate, tools_from_table, verify_program

HEAD = "G90 G94 G17\nG21\nG0 Z20\nM3 S18000\nG4 P2\n"
TAIL = "G0 Z20\nM5\nM2\n"
CLEAN = HEAD + "G0 X10 Y10\nG0 Z5\nG1 Z-5 F600\nG1 X100 F3000\nG2 X110 Y20 I0 J10\nG1 Z5\n" + TAIL


@pytest.fixture
def grbl():
    return load_profile("grbl")


def kinds(text, prof, **kw):
    return {v.kind for v in verify_program(text, prof, **kw)}


def test_clean_program_passes(grbl):
    assert verify_program(CLEAN, grbl, thickness=18) == []


@pytest.mark.parametrize("fault,kind", [
    ("G0 X50 Z-1\n", "rapid-in-stock"),
    ("G1 Z-25 F600\n", "depth"),
    ("G1 X50 Z-2 F0\n", "feed"),
    ("G1 X50 F99999\n", "feed"),
    ("G0 X5000\n", "travel-limit"),
    ("G7.5 X1\n", "syntax"),
    ("M5\nG1 X60 Z-3 F500\n", "feed"),
])
def test_each_fault_is_reported(grbl, fault, kind):
    text = HEAD + "G0 X10 Y10\nG0 Z5\nG1 Z-2 F600\n" + fault + "G1 Z5 F600\n" + TAIL
    found = kinds(text, grbl, thickness=18)
    assert kind in found, (fault, found)


def test_inch_programs_are_read_in_mm(grbl):
    text = "G20\nG0 Z1\nG0 X1 Y1\n" + "M3 S1000\nG1 Z-0.1 F20\nG0 Z1\nM5\nM2\n"
    segs = simulate(text, grbl)
    assert segs[1].end[:2] == pytest.approx((25.4, 25.4))
    assert min(s.end[2] for s in segs) == pytest.approx(-2.54)


def test_sheet_checks_find_gouge_and_uncut(grbl):
    part = Part("sq", shapely.box(0, 0, 100, 100))
    sheet = SheetLayout(1, Stock(400, 300, 18, 0), [Placement("sq#1", part, 100, 100)])
    r = grbl.tool.radius
    ring = [(100 - r, 100 - r), (200 + r, 100 - r), (200 + r, 200 + r), (100 - r, 200 + r),
            (100 - r, 100 - r)]
    path = "".join(f"G1 X{x:.3f} Y{y:.3f}\n" for x, y in ring[1:])
    good = (HEAD + f"G0 X{ring[0][0]:.3f} Y{ring[0][1]:.3f}\nG1 Z-18.3 F600\n" + path
            + "G1 Z5\n" + TAIL)
    assert kinds(good, grbl, sheet=sheet) == set()
    through_part = good.replace("G1 Z-18.3 F600\n", "G1 Z-18.3 F600\nG1 X150 Y150\n"
                                f"G1 X{ring[0][0]:.3f} Y{ring[0][1]:.3f}\n")
    assert "gouge" in kinds(through_part, grbl, sheet=sheet)
    shallow = good.replace("Z-18.3", "Z-10")
    assert "uncut" in kinds(shallow, grbl, sheet=sheet)


def test_opensbp_is_simulated():
    sbp = load_profile("shopbot")
    u = 1 / 25.4 if sbp.units == "inch" else 1.0
    text = (f"SA\nMS,{50 * u:.4f},{10 * u:.4f}\nJZ,{20 * u:.4f}\nC6\nJ2,{10 * u:.4f},{10 * u:.4f}\n"
            f"MZ,{-5 * u:.4f}\nM2,{100 * u:.4f},{10 * u:.4f}\nMZ,{5 * u:.4f}\nJZ,{20 * u:.4f}\n"
            "C7\nEND\n")
    assert verify_program(text, sbp, thickness=18) == []
    bad = text.replace(f"J2,{10 * u:.4f},{10 * u:.4f}\nMZ", f"JZ,{-1 * u:.4f}\nMZ")
    assert "rapid-in-stock" in kinds(bad, sbp, thickness=18)


def test_written_programs_are_clean(grbl):
    """Our own writer's output for a sheet passes the verifier with the sheet given."""
    from wikicut.cam import plan_sheet
    from wikicut.post import write_program

    part = Part("plate", shapely.box(0, 0, 300, 200).difference(
        shapely.box(100, 150, 118.3, 201)).difference(shapely.Point(60, 60).buffer(20)))
    sheet = SheetLayout(1, Stock(800, 600, 18, 15),
                        [Placement("plate#1", part, 40, 40), Placement("plate#2", part, 400, 40)])
    for name in ("grbl", "linuxcnc", "mach3", "shopbot"):
        prof = load_profile(name)
        text = write_program(plan_sheet(sheet, prof), prof)
        assert verify_program(text, prof, sheet=sheet) == [], name


@pytest.mark.parametrize("words,kind", [("G64 P0.02", "dialect"), ("T1 M6", "dialect"),
                                        ("G43 H1", "dialect"), ("G7.5", "syntax")])
def test_grbl_refuses_words_other_controllers_read(grbl, words, kind):
    text = HEAD.replace("G21\n", f"G21\n{words}\n") + "G0 X10\n" + TAIL
    assert kind in kinds(text, grbl, thickness=18)
    if kind == "dialect":
        for name in ("linuxcnc", "mach3"):
            text_ok = text.replace("M3", "M5\nM3") if "M6" in words else text
            assert verify_program(text_ok, load_profile(name), thickness=18) == [], name


@pytest.mark.parametrize("change", ["G0 Z20\nT2 M6\nG43 H2\n",  # spindle still on
                                    "M5\nT2 M6\nG43 H2\n"])  # tool still low (Z5)
def test_a_change_needs_the_spindle_off_and_a_retract(change):
    prof = load_profile("linuxcnc")
    text = HEAD + "G0 X10 Y10\nG0 Z5\nG1 Z-2 F600\nG1 X50\nG1 Z5\n" + change + TAIL
    found = [v for v in verify_program(text, prof, thickness=18) if v.kind == "tool-change"]
    assert len(found) == 1
    safe = HEAD + "G0 X10 Y10\nG0 Z5\nG1 Z-2 F600\nG1 X50\nG1 Z5\nG0 Z20\nM5\nT2 M6\nG43 H2\n"
    assert verify_program(safe + "M3 S18000\n" + TAIL, prof, thickness=18) == []


def test_pauses_are_changes_too(grbl):
    text = HEAD + "G0 X10 Y10\n(tool change: fit T2 3 mm)\nM0\nM3 S20000\n" + TAIL
    assert {v.message for v in verify_program(text, grbl, thickness=18)} == {
        "tool change to T2 with the spindle on"}
    sbp = load_profile("shopbot")
    text = "SA\nJZ,0.8\nC6\nJ2,1,1\nPAUSE\nC7\nEND\n"
    assert [v.kind for v in verify_program(text, sbp, thickness=18)] == ["tool-change"]


def test_each_tool_keeps_its_limits():
    prof = load_profile("linuxcnc")
    text = (HEAD + "G0 Z20\nM5\nT2 M6\nG43 H2\nM3 S20000\nG0 X10 Y10\nG0 Z5\nG1 Z0 F600\n"
            "G1 X20 Z-4 F1500\nG1 X50 F3000\nG1 X60 Z-9\nG1 X100\nG1 Z5\n" + TAIL)
    assert verify_program(text, prof, thickness=18) == []
    deep = verify_program(text, prof, thickness=18, tools=[ToolLimits(2, 3.0, 4.0)])
    assert [(v.line, v.kind, v.message) for v in deep] == [
        (16, "tool", "pass 5.000 mm deep, T2 may cut 4 mm per pass")]
    fast = verify_program(text, prof, thickness=18, tools=[ToolLimits(2, 3.0, max_feed=2500)])
    assert [v.line for v in fast] == [15, 16, 17, 18]  # the retract too: F is modal
    slow = [ToolLimits(2, 3.0, max_rpm=18000)]
    assert {v.kind for v in verify_program(text, prof, thickness=18, tools=slow)} == {"tool"}
    other = {1: ToolLimits(1, 6.0, max_depth_per_pass=1.0)}  # not the tool in use
    assert verify_program(text, prof, thickness=18, tools=other) == []


def test_tool_table_is_read():
    table = "T1 P1 D6 Z0 ;6 mm compression\nT2 P2 D3.175 Z0 ;1/8 in upcut\n; a comment\n"
    assert tools_from_table(table) == {1: ToolLimits(1, 6.0), 2: ToolLimits(2, 3.175)}


def test_limits_from_the_tool_library():
    from wikicut.io.tools import load_library
    from wikicut.verify import limits_from_library

    lib = load_library()
    limits = limits_from_library(lib, "plywood")
    c = next(c for c in lib.tools if "plywood" in c.chip_load)
    t = limits[c.number]
    assert t.diameter == c.diameter and t.max_rpm == c.max_rpm and t.flutes == c.flutes
    assert t.max_depth_per_pass == pytest.approx(c.pass_limit(lib.material("plywood")))
    prof = load_profile("linuxcnc")
    n, chip = c.number, t.max_chip_load
    rpm = min(18000, c.max_rpm)
    feed = chip * c.flutes * rpm * 1.5  # half as much again as the maker allows per tooth
    text = (HEAD + f"G0 Z20\nM5\nT{n} M6\nG43 H{n}\nM3 S{rpm:g}\nG0 X10 Y10\nG0 Z5\n"
            f"G1 Z0 F600\nG1 X20 Z-1 F{feed:.0f}\nG1 Z5\n" + TAIL)
    found = verify_program(text, prof, thickness=18, tools=limits)
    assert any("chip load" in v.message for v in found), found
