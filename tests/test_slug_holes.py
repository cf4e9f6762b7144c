"""Parts nested in another part's hole are never left tabbed to a loose slug: the hole holds
its slug as an outline holds its part (tabs where the slug's waste is, or the onion skin,
taken off after the parts in it), says so at the hole, and the verifier refuses a program
whose hole is cut through all round while a part in it is still held to the slug."""

from __future__ import annotations

import re

import ezdxf
import pytest
import shapely
from conftest import profile_copy, run_wikicut

from wikicut.cam import plan_sheet
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program

JOB = """name = "pip"
[sheet]
width = 1220
height = 1220
thickness = 18
margin = 10
[nest]
spacing = 13  # two 6 mm grooves and the 1 mm web tabs hold to (MIN_WEB)
seed = 1
time_limit = 5
[machine]
profile = "{profile}"
[[part]]
file = "frame.dxf"
quantity = 1
[[part]]
file = "square.dxf"
quantity = 4
"""


def _square(msp, layer: str, x0: float, y0: float, size: float) -> None:
    msp.add_lwpolyline([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)],
                       close=True, dxfattribs={"layer": layer})


def _job(tmp_path, profile: str = "grbl"):
    """A 1100 mm frame with a 900 mm hole and four 400 mm squares on a 1220 mm sheet: the
    nest puts the squares in the frame's hole."""
    for name, squares in (("frame", [("6_anyTOOL_CUTTHROUGH_OUTSIDE", 0, 1100),
                                     ("3_anyTOOL_CUTTHROUGH_INSIDE", 100, 900)]),
                          ("square", [("6_anyTOOL_CUTTHROUGH_OUTSIDE", 0, 400)])):
        doc = ezdxf.new("R2010")
        doc.units = ezdxf.units.MM
        for layer, at, size in squares:
            _square(doc.modelspace(), layer, at, at, size)
        doc.saveas(tmp_path / f"{name}.dxf")
    job = tmp_path / "job.toml"
    job.write_text(JOB.format(profile=profile), encoding="utf-8")
    return job


def _onion(tmp_path, final_pass: bool) -> str:
    return profile_copy(tmp_path, "grbl", [
        ('# mode = "tabs" ', 'mode = "onion"\n# '),
        ("[tabs]", f"[onion]\nskin = 0.5\nfinal_pass = {str(final_pass).lower()}\n\n[tabs]")],
        name=f"onion-{final_pass}.toml")


def _ops(text: str) -> dict[str, list[str]]:
    """Each operation's lines, by its heading comment ('frame-1#1 hole')."""
    out: dict[str, list[str]] = {}
    cur = None
    for ln in text.splitlines():
        m = re.fullmatch(r"\((\S+#\d+ (?:hole|outline|skin|label))\)", ln)
        if m:
            cur = m.group(1)
            out.setdefault(cur, [])
        elif cur:
            out[cur].append(ln)
    return out


def _zs(lines: list[str]) -> list[float]:
    return [float(z) for ln in lines for z in re.findall(r"Z(-?[\d.]+)", ln)]


def _nest(tmp_path, profile: str):
    out = tmp_path / "out"
    r = run_wikicut("nest", str(_job(tmp_path, profile)), "-o", str(out), "--force")
    assert r.returncode == 0, r.stderr[-2000:]
    text = (out / "sheet-001.nc").read_text(encoding="utf-8")
    v = run_wikicut("verify", str(out / "sheet-001.nc"), "--profile", profile, "--sheet",
                    str(out / "sheet-001.dxf"))
    assert v.returncode == 0, v.stdout + v.stderr
    assert "clean" in v.stdout
    return out, text


LOOSE = re.compile(r"sheet-001\.nc:0: tab: part (square-1#\d) is tied to a loose slug: its"
                   r" (tabs|skin) holds? it to the waste in frame-1#1's hole near \(560\.0,"
                   r" 560\.0\), cut through all round \(no tab, no skin\) at line \d+")


def _refused(out, text: str, profile: str, how: str) -> None:
    """The program with the hole's last pass through all round: refused, one line a part."""
    bad = out / "sheet-001.nc"
    bad.write_text(text, encoding="utf-8")
    v = run_wikicut("verify", str(bad), "--profile", profile, "--sheet",
                    str(out / "sheet-001.dxf"))
    assert v.returncode == 3, v.stdout + v.stderr
    lines = [ln for ln in v.stdout.splitlines() if ln.strip()]
    # a skin's last pass taken through is also deeper than the header's pass: said apart
    said = [ln for ln in lines if ": tab: " in ln]
    assert all(": tool: side cut " in ln for ln in lines if ln not in said), lines
    assert len(said) == 4, said
    found = [LOOSE.search(ln) for ln in said]
    assert all(found), said
    assert sorted(m.group(1) for m in found) == [f"square-1#{k}" for k in range(1, 5)]
    assert {m.group(2) for m in found} == {how}


def test_the_hole_holding_the_squares_keeps_tabs_where_the_slug_waste_is(tmp_path):
    """Tabs: the squares are cut first, then the frame's hole with tabs (its last pass lifts
    over each), the comment says why, `verify --sheet` passes; the same program with the
    hole's tab lifts dropped (the old planner's) is refused, one line per square."""
    out, text = _nest(tmp_path, "grbl")
    ops = _ops(text)
    order = [k for k in ops if k.endswith(("outline", "hole"))]
    assert order.index("frame-1#1 hole") > max(order.index(f"square-1#{k} outline")
                                               for k in range(1, 5))
    assert order[-1] == "frame-1#1 outline"
    hole = ops["frame-1#1 hole"]
    assert hole[:2] == ["(holds the slug with square-1#1, square-1#2, square-1#3, square-1#4"
                        " in)", "(it: tabs hold it)"]
    assert min(_zs(hole)) == pytest.approx(-18.3)
    lifts = [ln for ln in hole if ln == "G1 Z-14"]
    assert len(lifts) >= 2
    old = text.splitlines()
    at = old.index("(frame-1#1 hole)")
    end = old.index("(frame-1#1 outline)")
    old[at:end] = [ln for ln in old[at:end] if ln != "G1 Z-14"]
    _refused(out, "\n".join(old) + "\n", "grbl", "tabs")


@pytest.mark.parametrize("final_pass", [False, True])
def test_in_onion_mode_the_hole_stops_at_the_skin(tmp_path, final_pass):
    """Onion skin: the hole stops at the skin like the outlines; with a final pass its skin
    is taken off after the squares', before the frame's outline's. Cut through (the old
    planner's), it is refused."""
    profile = _onion(tmp_path, final_pass)
    out, text = _nest(tmp_path, profile)
    ops = _ops(text)
    hole = ops["frame-1#1 hole"]
    assert hole[:2] == ["(holds the slug with square-1#1, square-1#2, square-1#3, square-1#4"
                        " in)", "(it: cut down to a 0.5 mm onion skin)"]
    assert min(_zs(hole)) == pytest.approx(-17.5)
    lines = text.splitlines()
    skins = [ln for ln in lines if re.fullmatch(r"\(\S+ skin\)", ln)]
    if final_pass:
        assert skins[-2:] == ["(frame-1#1 skin)", "(frame-1#1 skin)"]
        assert sorted(skins[:4]) == [f"(square-1#{k} skin)" for k in range(1, 5)]
        first = lines.index("(frame-1#1 skin)")
        assert lines[first + 1].startswith("(holds the slug with square-1#1")
    else:
        assert skins == []
    at, end = lines.index("(frame-1#1 hole)"), lines.index("(frame-1#1 outline)")
    lines[at:end] = [ln.replace("Z-17.5", "Z-18.3") for ln in lines[at:end]]
    _refused(out, "\n".join(lines) + "\n", profile, "skin")


def _framed(window, plate_at: float, size: float) -> SheetLayout:
    frame = Part("frame", shapely.box(0, 0, 400, 400).difference(window))
    plate = Part("plate", shapely.box(0, 0, size, size))
    return SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement("frame#1", frame, 20, 20, 0.0),
        Placement("plate#1", plate, plate_at, plate_at, 0.0)])


def test_a_hole_holding_nothing_is_cut_through_as_before():
    """The frame alone, and beside a plate on the sheet's waste: the hole is cut through
    without tabs or comment, and the program is clean."""
    prof = load_profile("grbl").updated(engrave={"labels": False})
    window = shapely.box(100, 100, 300, 300)
    for sheet in (_framed(window, 500, 150), SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
            Placement("frame#1", Part("frame", shapely.box(0, 0, 400, 400).difference(
                window)), 20, 20, 0.0)])):
        prog = plan_sheet(sheet, prof)
        (hole,) = [o for o in prog.operations if o.kind == "hole"]
        assert hole.tabs == [] and hole.note == ""
        z = sorted({round(m.z, 3) for m in hole.moves if m.z < 0})
        assert z[0] == pytest.approx(-18.3) and -14.0 not in z
        assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []


def test_a_hole_with_no_room_for_tabs_takes_its_skin_off_after_the_plate():
    """The plate 12 mm inside the window, under two 6.35 mm grooves: no room for tabs on
    either; both are held by the skin, the plate's taken off first, then the window's."""
    prof = load_profile("shopbot")
    sheet = _framed(shapely.box(100, 100, 300, 300), 132, 176)
    prog = plan_sheet(sheet, prof)
    (hole,) = [o for o in prog.operations if o.kind == "hole"]
    assert hole.note.startswith("holds the slug with plate#1 in it, no room for its tabs: cut"
                                " down to a 0.5 mm onion skin")
    assert [(o.part, o.kind) for o in prog.operations[-2:]] == [("plate#1", "skin"),
                                                               ("frame#1", "skin")]
    assert verify_program(write_program(prog, prof), prof, sheet=sheet) == []

