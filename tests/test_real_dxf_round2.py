"""Real DXF files of a second sweep (tests/data/real/, SOURCES.md), each with the reading it
must give, checked against the independent reading (tests/independent_dxf.py) where read,
and the thickness slots fitting finds in it:

- atles/*.dxf: the ATLeS enclosure (liffiton/ATLeS, CC-BY-SA-4.0), cut from 1/8 in
  hardboard with 3.5 mm slots: five parts from OpenSCAD's old writer (no HEADER, LINE only,
  runs of 0.013 mm gaps and stubs) and the tank lid from Inkscape's R14 export (SPLINEs);
- lasercut_daveberkeley/*.dxf (GPL-2.0): dxfwrite's R12 (no units) for a laser: a relay box
  whose nut traps carry 0.5 mm stress-relief circles centred on their corners, and a
  living-hinge test of open slits;
- box_generator/box.dxf (danst0/Box-Generator, MIT): a CNC box generator's own R12 writer
  (a template header, POLYLINEs).
"""

from __future__ import annotations

import collections
from pathlib import Path

import independent_dxf
import pytest
from conftest import read_said, run_wikicut

from wikicut.errors import InputError
from wikicut.io.dxf.fitting import SlotFit, SlotRule
from wikicut.io.dxf.slots import find_slots

REAL = Path(__file__).resolve().parent / "data" / "real"
RELAY = REAL / "lasercut_daveberkeley" / "relay_box_1_1.dxf"
HINGE = REAL / "lasercut_daveberkeley" / "hinge_test_1_0.dxf"


def _holes(parts) -> int:
    return sum(len(p.outline.interiors) for p in parts)


def _size(geom) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    return round(maxx - minx, 1), round(maxy - miny, 1)


# file; parts by (size, holes); the warnings, each by a fragment, in order
READ = [
    ("atles/end2.dxf", {((206.0, 381.5), 14): 1},
     ["closed 4 gap(s) between line ends, the largest 0.013 mm",
      "4 stub(s) (lying on another line, or shorter than the join tolerance) not cut "
      "(entities 111, 12C, 134, 14F)"]),
    ("atles/side1.dxf", {((323.5, 206.0), 0): 1},
     ["closed 4 gap(s)", "4 stub(s)"]),
    ("atles/bottom.dxf", {((304.5, 348.0), 3): 1}, []),
    ("atles/top.dxf", {((80.8, 381.5), 0): 1, ((227.2, 362.5), 0): 1}, []),
    ("atles/rear_support.dxf", {((30.0, 272.5), 0): 1, ((30.0, 478.5), 0): 1,
                                ((30.0, 684.5), 0): 1},
     ["closed 9 gap(s) between line ends, the largest 0.015 mm", "9 stub(s)"]),
    ("atles/tank_lid_for_shock.dxf", {((294.6, 61.7), 7): 1},
     ["unitless (no $INSUNITS in the header), read as mm; Inkscape's DXF R14 export"]),
    ("box_generator/box.dxf", {((8.0, 10.0), 0): 2, ((9.0, 8.0), 0): 2, ((9.0, 10.0), 0): 2},
     ["unitless (no $INSUNITS in the header), read as mm: the largest outline is 10.0 mm"]),
]


@pytest.mark.parametrize("name, shapes, said", READ, ids=[c[0] for c in READ])
def test_what_each_file_reads_as(name, shapes, said):
    path = REAL / name
    parts, lines = read_said(path)
    got = collections.Counter((_size(p.outline), len(p.outline.interiors)) for p in parts)
    assert got == shapes
    assert not any(p.pockets or p.engravings for p in parts)
    assert len(lines) == len(said)
    for line, frag in zip(lines, said):
        assert line.startswith(f"{path}: ") and frag in line
    ind = independent_dxf.read(path, 1.0)
    assert (ind.parts, ind.holes, ind.pockets) == (len(parts), _holes(parts), 0)
    assert sum(p.outline.area for p in parts) == pytest.approx(ind.area, rel=2e-3)




# ATLeS: 1/8 in (3.175 mm) board, slots drawn 3.5 mm wide; (file, slots as (width, length))
ATLES_SLOTS = [
    ("atles/end2.dxf", [(3.5, 10.0), (3.5, 15.0), (3.5, 34.28), (3.5, 43.94), (3.5, 43.94),
                        (3.5, 43.94), (3.5, 43.94), (3.5, 51.5)]),
    ("atles/side1.dxf", [(3.5, 51.5), (3.5, 99.5)]),
    ("atles/bottom.dxf", [(3.5, 63.0)] * 3),
    ("atles/rear_support.dxf", [(3.5, 12.0)] * 3),
    ("atles/top.dxf", []),
    ("atles/tank_lid_for_shock.dxf", []),
    ("box_generator/box.dxf", []),
]


@pytest.mark.parametrize("name, slots", ATLES_SLOTS, ids=[c[0] for c in ATLES_SLOTS])
def test_the_slots_found_are_the_joints_and_only_they(name, slots):
    """Drawn for 1/8 in board, the 3.5 mm slots (the joints: through slots for the
    other panels' tabs, half-lap notches from an edge) are found; the finger joints'
    notches, the LED holes and the round holes are not. Drawn for 18 mm, no slot for one
    sheet is, and for two sheets only the lid's four 36.4 mm notches (the width decides: a notch
    of that width is taken for two 18 mm sheets' slot if the user says 18 mm ply)."""
    parts, _ = read_said(REAL / name)
    found = sorted((round(s.width, 3), round(s.length, 2))
                   for p in parts for s in find_slots(p.outline, 3.175))
    assert found == sorted(slots)
    assert not [s for p in parts for s in find_slots(p.outline, 18.0, plies=(1,))]
    two = [round(s.width, 3) for p in parts for s in find_slots(p.outline, 18.0, plies=(2,))]
    assert two == ([36.376] * 4 if name == "atles/top.dxf" else [])


def test_atles_slots_are_fitted_to_the_measured_board():
    fits: list[SlotFit] = []
    (part,), said = read_said(REAL / "atles" / "end2.dxf", thickness=3.5,
                          slots=SlotRule(given=3.175, given_key="--drawn-thickness"),
                          fitted=fits)
    (fit,) = fits
    assert fit.drawn == 3.175 and fit.stock == 3.5 and fit.widths == (3.5,) * 8
    (drawn,), _ = read_said(REAL / "atles" / "end2.dxf")
    # each slot 0.325 mm wider, both faces moved: 8 slots, 7 through and one notch
    grown = part.outline.area - drawn.outline.area
    assert grown == pytest.approx(-0.325 * (4 * 43.94 + 34.28 + 15 + 10 + 51.5), rel=0.02)
    assert sorted(round(s.width, 3) for s in find_slots(part.outline, 3.5)) == [3.825] * 8


def test_stress_relief_circles_on_corners_are_named_at_once():
    """The relay box's 16 circles of 0.5 mm, centred on the corners of its nut traps, are
    notches only a laser cuts as drawn: all named in one line with the way out (was: the
    first of them named as a contour running 0.177 mm outside the part, no way out)."""
    with pytest.raises(InputError) as err:
        read_said(RELAY)
    msg = str(err.value)
    assert msg == (
        f"{RELAY}: contours cross each other: (entity DD, layer 0), 0.50 x 0.50 mm, is drawn "
        "on the edge of (entity 81, layer 0), centred at (160.250, 43.000); so are 15 more "
        "(entities 141, 142, 143, 144, 145, 146, 147, 148, DE, DF and 5 more): a small "
        "contour on a part's edge is a notch only a laser cuts as drawn (a stress-relief "
        "hole?): delete them, or draw each notch into the part's outline")


def test_without_its_relief_circles_the_relay_box_reads_as_the_independent_reading(tmp_path):
    import ezdxf

    doc = ezdxf.readfile(RELAY)
    msp = doc.modelspace()
    for e in [e for e in msp.query("CIRCLE") if abs(e.dxf.radius - 0.25) < 1e-9]:
        msp.delete_entity(e)
    trimmed = tmp_path / "relay_box.dxf"
    doc.saveas(trimmed)
    parts, _ = read_said(trimmed)
    ind = independent_dxf.read(trimmed, 1.0)
    assert (len(parts), _holes(parts)) == (ind.parts, ind.holes) == (6, 29)
    assert sorted((_size(p.outline), len(p.outline.interiors)) for p in parts) == [
        ((31.0, 49.0), 0), ((31.0, 49.0), 2), ((92.0, 34.0), 0), ((92.0, 34.0), 1),
        ((92.0, 55.0), 12), ((92.0, 55.0), 14)]
    assert sum(p.outline.area for p in parts) == pytest.approx(ind.area, rel=2e-3)


def test_the_relay_box_from_the_command_line(tmp_path):
    out = tmp_path / "o"
    res = run_wikicut("gcode", str(RELAY), "--profile", "grbl", "-o", str(out))
    assert res.returncode == 2, res.stderr
    (error,) = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert "(entity DD, layer 0), 0.50 x 0.50 mm, is drawn on the edge of" in error
    assert not out.exists()


def test_a_living_hinge_of_open_slits_is_refused_by_its_first_slits():
    """Slits cut as single lines (a laser's kerf bend) are open strokes on the outline's
    layer: a router would need each as a groove through the board, which the file does
    not say."""
    with pytest.raises(InputError) as err:
        read_said(HINGE)
    msg = str(err.value)
    assert msg.startswith(f"{HINGE}: contour (entity 2B, layer 0) ends on entity 27 at "
                          "(35.000, 20.000), not at its end (T-junction")
    assert "open contour (entity 2C, layer 0) ends at (35.000, 27.000) and (35.000, 35.000)" \
        in msg
    assert "and 648 more" in msg


def test_a_small_part_over_a_plates_edge_is_still_named_as_crossing():
    """The straddling rule is for small contours centred on an edge: a part mostly inside
    another, run over its edge, keeps its reading (DeepNestSharp's nest export)."""
    path = REAL / "deepnestsharp" / "ReadMeExampleSmall.dxf"
    with pytest.raises(InputError, match=r"entity 24 runs up to 0\.013 mm outside entity 1E"):
        read_said(path)
