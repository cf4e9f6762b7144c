"""The verifier judges each cut by the tool that makes it: its footprint is that tool's radius
(a V-bit's the cone's at the depth it cuts), and the zones it may cut into (its reliefs at
corners, along engravings, out past the sheet's edge) are its own width, not the widest
tool's in the program. A wide V-bit in the rack neither refuses a good program nor hides an
end mill cutting into a part."""

from __future__ import annotations

from dataclasses import replace

import shapely
from shapely.geometry import LineString

from wikicut.cam import plan_sheet
from wikicut.cam.rack import resolve_tooling
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import Engraving, Part, Placement, SheetLayout, Stock
from wikicut.post import write_sheet_programs
from wikicut.verify import verify_program
from wikicut.verify.tools import limits_from_tooling

T = 18.0
WIDE = 38.1  # a 1 1/2 in 90 deg V-bit, as sign makers keep


def _rack():
    """linuxcnc with T1 (6 mm end mill) and T10 made a wide 90 deg V-bit."""
    lib = load_library()
    wide = tuple(replace(c, diameter=WIDE, flute_length=(WIDE - c.tip_diameter) / 2)
                 if c.number == 10 else c for c in lib.tools)
    prof = load_profile("linuxcnc")
    return prof, resolve_tooling(prof, replace(lib, tools=wide), "BirchPly", T, tools=(1, 10))


def _sheet() -> SheetLayout:
    """An L-shaped part with a line engraved 1.5 mm deep (deeper than the labels) 4 mm in
    from its lower edge, 12 mm above a board."""
    ell = Part("ell", shapely.box(0, 0, 400, 300).difference(shapely.box(200, 150, 401, 301)),
               engravings=(Engraving(LineString([(30, 4), (180, 4)]), 1.5),))
    board = Part("board", shapely.box(0, 0, 400, 200))
    return SheetLayout(1, Stock(1220, 1220, T, 10), [
        Placement("board#1", board, 20, 20, 0.0), Placement("ell#1", ell, 20, 232, 0.0)])


def _program() -> tuple[str, object, dict]:
    prof, tooling = _rack()
    prog = plan_sheet(_sheet(), prof, tooling=tooling)
    assert [o.tool for o in prog.operations if o.kind == "engrave"] == [10]
    return "".join(f.text for f in write_sheet_programs(prog, prof)), prof, \
        limits_from_tooling(tooling)


def _with(text: str, moves: str, before: str) -> str:
    """The program with `moves` cut before the `before`-th spindle stop (1: the V-bit's, -1:
    the end mill's, the last)."""
    stops = [i for i in range(len(text)) if text.startswith("M5\n", i)]
    i = stops[before - 1] if before > 0 else stops[before]
    return text[:i] + moves + text[i:]


def test_a_wide_v_bit_is_judged_by_the_width_it_cuts():
    """The engraving's 1.5 mm deep V cuts 3.2 mm wide; taken at the V-bit's 38.1 mm it
    reached 15 mm past the part's edge, into the board: a good program refused."""
    text, prof, tools = _program()
    assert verify_program(text, prof, sheet=_sheet(), tools=tools) == []


def test_an_end_mill_beside_a_wide_v_bit_is_judged_by_its_own_width():
    """T1 plunged into the part 23 mm from its inside corner, and cutting 11 mm past the
    sheet's edge: within the V-bit's relief zone (3 x 19 mm) and its reach past the edge,
    far outside T1's own; both refused."""
    text, prof, tools = _program()
    corner = _with(text, "G0 X200 Y370\nG1 Z-5 F600\nG1 Z20 F600\n", -1)
    bad = verify_program(corner, prof, sheet=_sheet(), tools=tools)
    assert [v.message for v in bad if v.kind == "gouge"] == [
        "ell#1: the tool enters the part (28.1 mm2 near (200.0, 370.3))"], bad
    outside = _with(text, "G0 X-11 Y100\nG1 Z-5 F600\nG1 Y150\nG1 Z20 F600\n", -1)
    bad = verify_program(outside, prof, sheet=_sheet(), tools=tools)
    assert bad and {v.kind for v in bad} == {"out-of-stock"}, bad


def test_a_v_bit_cutting_into_a_part_is_still_refused():
    """The V-bit run 1.5 mm deep (in two passes, as deep as the engraving) in the waste 1 mm
    from the board: its cone is 3.2 mm wide there and takes 0.6 mm of the board's edge."""
    text, prof, tools = _program()
    deep = _with(text, "G0 X100 Y221\nG1 Z-1 F600\nG1 X300\nG1 Z-1.5\nG1 X100\n"
                       "G1 Z20 F600\n", 1)
    bad = verify_program(deep, prof, sheet=_sheet(), tools=tools)
    assert [v.kind for v in bad] == ["gouge"], bad
    assert bad[0].message.startswith("board#1: the tool enters the part (1"), bad
