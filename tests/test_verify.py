"""The program verifier: each hand-written fault trips exactly its violation kind."""

from __future__ import annotations

import pytest
import shapely

from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.verify import simulate, verify_program

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
