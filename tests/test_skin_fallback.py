"""A part the grooves round its neighbours leave no room for tabs (parts nested nearer than
two grooves: small parts packed on every side, a ShopBot's 6.35 mm tool at the house's 12 mm
spacing) is held by an onion skin instead, with common lines or without: cut down to the
skin before the parts round it, the skin taken off by a final pass at the end of the sheet,
said in the program, the report and one warning for the job. A profile may refuse it instead
([tabs] no_room = "refuse": also test_tabs_between_parts.py), and one whose skin is no skin
in the stock refuses it, saying why."""

from __future__ import annotations

import json

import pytest
import shapely
from conftest import profile_copy, run_wikicut

from wikicut.cam import plan_sheet
from wikicut.cam.rack import resolve_tooling
from wikicut.cam.skin import held_by_skin
from wikicut.errors import InputError, UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program, write_sheet_programs
from wikicut.verify import verify_program
from wikicut.verify.tools import limits_from_tooling

GAP = 12.0  # the house's spacing: less than two 6.35 mm grooves
T = 18.0  # the stock


def _framed(gap: float = GAP, window=None) -> SheetLayout:
    """A plate in a frame's window, `gap` from its edges all round."""
    window = window if window is not None else shapely.box(100, 100, 300, 300)
    frame = Part("frame", shapely.box(0, 0, 400, 400).difference(window))
    plate = Part("plate", shapely.box(0, 0, 200 - 2 * gap, 200 - 2 * gap))
    return SheetLayout(1, Stock(1220, 1220, T, 10), [
        Placement("frame#1", frame, 20, 20, 0.0),
        Placement("plate#1", plate, 120 + gap, 120 + gap, 0.0)])


def _boxed() -> SheetLayout:
    """A 100 mm square GAP from four boards, one on each side: packed in as a nest packs a
    wedge among its like."""
    sq = Part("square", shapely.box(0, 0, 100, 100))
    tall = Part("tall", shapely.box(0, 0, 100, 100 + 2 * (GAP + 100)))
    x0, y0 = 300.0, 300.0
    return SheetLayout(1, Stock(1220, 1220, T, 10), [
        Placement("tall#1", tall, x0 - GAP - 100, y0 - GAP - 100, 0.0),
        Placement("square#2", sq, x0, y0 - GAP - 100, 0.0),
        Placement("square#1", sq, x0, y0, 0.0),
        Placement("square#3", sq, x0, y0 + 100 + GAP, 0.0),
        Placement("tall#2", tall, x0 + 100 + GAP, y0 - GAP - 100, 0.0)])


def _outline(prog, part):
    (op,) = [o for o in prog.operations if o.part == part and o.kind == "outline"]
    return op


def _deepest(op) -> float:
    return -min(m.z for m in op.moves)


@pytest.mark.parametrize("common", [False, True])
def test_a_part_with_no_room_for_tabs_is_held_by_a_skin(common):
    """The plate's cut meets the window's wherever a tab could go (with common lines too:
    the plate and the frame are of two nesting levels, no common line spares the window's
    groove): its outline stops 0.5 mm above the stock's bottom, without tabs, and after
    everything else a final pass takes the skin off; the program says so at the part and in
    its notes, and the verifier passes it."""
    prof = load_profile("shopbot").updated(nest={"common_line": common})
    sheet = _framed()
    prog = plan_sheet(sheet, prof)
    op = _outline(prog, "plate#1")
    assert _deepest(op) == pytest.approx(T - prof.onion.skin, abs=1e-6)
    assert op.tabs == []
    assert op.note.startswith("no room for tabs: the cuts round frame#1 meet its own")
    assert _deepest(_outline(prog, "frame#1")) == pytest.approx(T + prof.depth.overcut)
    kinds = [(o.part, o.kind) for o in prog.operations]
    # the window holds the plate, so it holds its slug by a skin too (cam/slugs.py), taken
    # off after the plate's
    assert kinds[-2:] == [("plate#1", "skin"), ("frame#1", "skin")]
    assert kinds.count(("plate#1", "skin")) == 1
    skin = prog.operations[-2]
    assert _deepest(skin) == pytest.approx(T + prof.depth.overcut)
    assert skin.note == op.note
    assert held_by_skin(prog) == ["plate#1"]
    assert [n for n in prog.notes if "plate#1" in n] == [
        "no room for tabs: plate#1 held by a 0.5 mm onion skin instead (the grooves round"
        " their neighbours meet theirs wherever a tab could go: parts nearer than 13.7 mm),"
        " taken off by a final pass at the end of the sheet"]
    text = write_program(prog, prof)
    assert "' no room for tabs: the cuts round frame#1 meet its" in text
    assert verify_program(text, prof, sheet=sheet) == []


def test_a_boxed_in_part_is_cut_first_and_the_rest_keep_their_tabs():
    """The square packed in on every side is cut (down to the skin) before the parts round
    it, as common lines order theirs; the others keep their tabs and are cut through; the
    plan is the same every time."""
    prof = load_profile("shopbot")
    sheet = _boxed()
    prog = plan_sheet(sheet, prof)
    outlines = [o for o in prog.operations if o.kind == "outline"]
    assert outlines[0].part == "square#1"
    assert _deepest(outlines[0]) == pytest.approx(T - prof.onion.skin, abs=1e-6)
    for op in outlines[1:]:
        assert len(op.tabs) >= 2, op.part
        assert _deepest(op) == pytest.approx(T + prof.depth.overcut), op.part
    assert held_by_skin(prog) == ["square#1"]
    assert [(o.part, o.kind) for o in prog.operations][-1] == ("square#1", "skin")
    assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []
    again = plan_sheet(sheet, prof)
    assert [(o.part, o.kind, o.moves, o.note) for o in again.operations] == [
        (o.part, o.kind, o.moves, o.note) for o in prog.operations]


def test_a_skin_that_is_no_skin_in_the_stock_refuses_it_saying_why():
    """A profile's skin as thick as the stock cannot hold the plate: refused as before, and
    the message says why no skin holds it."""
    prof = load_profile("shopbot").updated(onion={"skin": 20.0})
    with pytest.raises(UnsafeJobError, match=r"plate#1 has no room for its tabs: .*; set"
                       r" \[nest\] spacing to 13\.7 mm or more \(no onion skin can hold it"
                       r" instead: onion\.skin 20 mm is not within the 18 mm stock\)"):
        plan_sheet(_framed(), prof)


def _rack(**tabs):
    """linuxcnc with T1 (6 mm) and T7 (2.5 mm), labels off."""
    prof = load_profile("linuxcnc").updated(engrave={"labels": False}, tabs=tabs)
    return prof, resolve_tooling(prof, load_library(), "BirchPly", 18.0, tools=(1, 7))


def test_with_a_rack_the_skin_is_taken_off_by_the_tool_that_cut_the_outline():
    """The plate (T1, 6 mm) 8 mm from a window T7 (2.5 mm) cuts (a 4 mm slot): no waste
    between the grooves, so the plate is held by a skin T1 takes off at the end; the
    programs pass the verifier with the rack's limits."""
    window = shapely.box(100, 100, 300, 300).union(shapely.box(198, 299, 202, 340))
    sheet = _framed(8.0, window)
    prof, tooling = _rack()
    prog = plan_sheet(sheet, prof, tooling=tooling)
    op = _outline(prog, "plate#1")
    assert op.tool == 1 and op.tabs == []
    assert _deepest(op) == pytest.approx(T - prof.onion.skin, abs=1e-6)
    assert [(o.part, o.kind, o.tool) for o in prog.operations][-1] == ("plate#1", "skin", 1)
    assert "parts nearer than 9.5 mm" in next(n for n in prog.notes if "plate#1" in n)
    text = "".join(f.text for f in write_sheet_programs(prog, prof))
    assert verify_program(text, prof, sheet=sheet, tools=limits_from_tooling(tooling)) == []


def test_no_room_is_checked_like_the_other_profile_keys(tmp_path):
    bad = profile_copy(tmp_path, "shopbot", [("min_perimeter = 0",
                                              'min_perimeter = 0\nno_room = "glue"')])
    with pytest.raises(InputError, match=r"key 'tabs\.no_room' \(line \d+\): must be one of"
                       r" skin, refuse, got 'glue'"):
        load_profile(bad)
    ok = profile_copy(tmp_path, "shopbot", [("min_perimeter = 0",
                                             'min_perimeter = 0\nno_room = "refuse"')],
                      name="ok.toml")
    assert load_profile(ok).tabs.no_room == "refuse"
    assert load_profile("shopbot").tabs.no_room == "skin"


def test_the_note_before_the_nest_says_what_becomes_of_such_a_part():
    from wikicut.pipeline.job import tab_room_note

    shopbot = load_profile("shopbot")
    assert ("a part with no other edge for its tabs is held by a 0.5 mm onion skin instead"
            in tab_room_note(shopbot, GAP))
    refuse = shopbot.updated(tabs={"no_room": "refuse"})
    assert ("a part with no other edge for its tabs refuses the job after the nest"
            in tab_room_note(refuse, GAP))


WEDGES = """name = "wedges"
[sheet]
width = 1220
height = 610
thickness = 18
margin = 15
[nest]
spacing = 12
seed = 1
iterations = 20
workers = 1
[machine]
profile = "{profile}"
[[part]]
file = "wedge"
quantity = 16
"""


def test_packed_wedges_on_a_shopbot_are_cut(tmp_path):
    """Sixteen wedges nested 12 mm apart for a ShopBot (refused with exit 3 after the nest
    before): written, exit 0, one warning naming how many parts on which sheet a skin holds,
    why, and the spacing that gives them tabs; the report's notes name them; each program
    passes `wikicut verify --sheet`, the comment at each of those parts says so and a skin
    pass takes each skin off at the end."""
    job = tmp_path / "job.toml"
    job.write_text(WEDGES.format(profile="shopbot"), encoding="utf-8")
    out = tmp_path / "out"
    r = run_wikicut("nest", str(job), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr[-2000:]
    said = [ln for ln in r.stderr.splitlines() if "instead of tabs" in ln]
    assert len(said) == 1, r.stderr
    # two of the six have room for tabs only beside waste the grooves close in, which would
    # hold them to nothing (test_tabs_closed_waste.py)
    assert said[0].startswith(f"warning: {job}: 6 parts on sheet 1 held by a 0.5 mm onion skin"
                              " instead of tabs: the grooves round their neighbours"
                              " (nest.spacing 12 mm is under two 6.35 mm grooves and 1 mm of"
                              " web) meet theirs wherever a tab could go;"), said[0]
    assert said[0].endswith("set [nest] spacing to 13.7 mm or more to give them tabs")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (sheet,) = report["sheets"]
    (note,) = [n for n in sheet["toolpath"]["notes"] if n.startswith("no room for tabs: ")]
    held = note[len("no room for tabs: "):].split(" held by")[0].split(", ")
    assert len(held) == 6 and all(h.startswith("wedge#") for h in held)
    program = out / sheet["file_program"]
    v = run_wikicut("verify", str(program), "--profile", "shopbot", "--sheet",
                    str(out / "sheet-001.dxf"))
    assert v.returncode == 0, v.stdout + v.stderr
    lines = program.read_text(encoding="utf-8").splitlines()
    for h in held:
        at = lines.index(f"' {h} outline")
        assert lines[at + 1].startswith("' no room for tabs: the cuts round"), lines[at:at + 3]
        skin = lines.index(f"' {h} skin")
        assert skin > max(k for k, ln in enumerate(lines) if ln.endswith(" outline"))


def test_packed_wedges_with_a_profile_that_refuses(tmp_path):
    """The same job on a ShopBot whose profile says [tabs] no_room = "refuse": exit 3,
    nothing written, the part and the key named."""
    prof = profile_copy(tmp_path, "shopbot", [("min_perimeter = 0",
                                               'min_perimeter = 0\nno_room = "refuse"')])
    job = tmp_path / "job.toml"
    job.write_text(WEDGES.format(profile=prof), encoding="utf-8")
    r = run_wikicut("nest", str(job), "-o", str(tmp_path / "out"), "-q")
    assert r.returncode == 3, r.stderr[-2000:]
    assert "has no room for its tabs" in r.stderr
    assert '[tabs] no_room = "refuse"' in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_cutting_file_with_packed_wedges_says_which_parts_a_skin_holds(tmp_path):
    """The wedges' sheet as a cutting file laid out elsewhere (`wikicut gcode`): the same
    parts held by a skin, and one warning naming how many, with no spacing to advise on
    (the file's layout is not ours)."""
    job = tmp_path / "job.toml"
    job.write_text(WEDGES.format(profile="shopbot"), encoding="utf-8")
    out = tmp_path / "out"
    assert run_wikicut("nest", str(job), "-o", str(out), "-q", "--no-gcode").returncode == 0
    progs = tmp_path / "progs"
    r = run_wikicut("gcode", str(out / "sheet-001.dxf"), "--profile", "shopbot", "-o",
                    str(progs))
    assert r.returncode == 0, r.stderr[-2000:]
    said = [ln for ln in r.stderr.splitlines() if "instead of tabs" in ln]
    assert len(said) == 1, r.stderr
    assert said[0].startswith(f"warning: {out / 'sheet-001.dxf'}: 6 parts on sheet 1 held by"
                              " a 0.5 mm onion skin instead of tabs: the grooves round their"
                              " neighbours meet theirs wherever a tab could go;"), said[0]
    assert "spacing" not in said[0]
