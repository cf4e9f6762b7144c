"""G-code / OpenSBP writer: LinuxCNC's rs274 reads every G-code program we write, and what it
executes stays safe; golden files per profile; units, modal feeds, arcs, headers."""

from __future__ import annotations

import math
import re

import pytest
import shapely
from conftest import run_rs274
from shapely.geometry import LineString, Point

from wikicut.cam import plan_sheet
from wikicut.errors import InputError
from wikicut.io.profiles import load_profile
from wikicut.model import Drill, Engraving, Part, Placement, Pocket, SheetLayout, Stock
from wikicut.post import fmt_number, program_filename, write_program

T = 18.0
GCODE_PROFILES = ["grbl", "linuxcnc", "mach3", "mach4"]
ALL_PROFILES = GCODE_PROFILES + ["shopbot"]


def sample_sheet() -> SheetLayout:
    """A small sheet: a rib with an 18 mm slot, a round hole, a pocket, drills and an engraving,
    and a second rib rotated 90 degrees."""
    body = shapely.box(0, 0, 260, 160).difference(shapely.box(90, 100, 108, 161))
    body = body.difference(Point(200, 60).buffer(20, quad_segs=16))
    body = shapely.set_precision(body, 1e-6)
    rib = Part("rib", body, pockets=(Pocket(shapely.box(20, 20, 70, 60), 9.0),),
               drills=(Drill(30, 130, 6.0), Drill(140, 40, 12.0)),
               engravings=(Engraving(LineString([(20, 80), (70, 80)]), 1.0),),
               label="RIB-1", source="parts/rib.toml")
    small = Part("cleat", shapely.box(0, 0, 120, 60).difference(shapely.box(50, 40, 68, 61)),
                 label="C", source="parts/cleat.toml")
    stock = Stock(500, 400, T, 15)
    return SheetLayout(1, stock, [Placement("rib#1", rib, 30, 30, 0.0),
                                  Placement("cleat#1", small, 430, 60, 90.0)])


def profile(name: str, **kw):
    # labels off: the goldens must not change when the font's glyphs are redrawn
    return load_profile(name).updated(engrave={"labels": False}, **kw)


def program_text(name: str, **kw) -> str:
    prof = profile(name, **kw)
    return write_program(plan_sheet(sample_sheet(), prof), prof, title="test sheet (1)")


# --- rs274 -----------------------------------------------------------------------------------


NUM = r"(-?\d+(?:\.\d+)?)"


def canonical_moves(rs274_path: str, text: str, tmp_path) -> list[tuple]:
    """Run rs274 -g on the program; return (kind, x, y, z, extra) of its canonical moves."""
    f = tmp_path / "prog.ngc"
    f.write_text(text)
    res = run_rs274(rs274_path, f, timeout=60)
    assert res.returncode == 0, res.stdout[-1500:] + res.stderr[-1500:]
    assert "error" not in res.stdout.lower().replace("error_", ""), res.stdout[-1500:]
    out = []
    for line in res.stdout.splitlines():
        m = re.search(rf"(STRAIGHT_TRAVERSE|STRAIGHT_FEED)\({NUM}, {NUM}, {NUM}", line)
        if m:
            out.append((m.group(1), float(m.group(2)), float(m.group(3)), float(m.group(4)), None))
            continue
        m = re.search(rf"ARC_FEED\({NUM}, {NUM}, {NUM}, {NUM}, {NUM}, {NUM}", line)
        if m:
            x, y, cx, cy, rot, z = (float(m.group(k)) for k in range(1, 7))
            out.append(("ARC_FEED", x, y, z, (cx, cy, rot)))
    return out


@pytest.mark.parametrize("name", GCODE_PROFILES)
@pytest.mark.parametrize("variant", [{}, {"arcs": False}, {"units": "inch", "decimals": 4,
                                                           "header": ("G90 G94 G17",)}])
def test_rs274_runs_every_program_and_it_stays_safe(name, variant, rs274, tmp_path):
    prof = profile(name, **variant)
    text = write_program(plan_sheet(sample_sheet(), prof), prof)
    moves = canonical_moves(rs274, text, tmp_path)
    assert len(moves) > 100
    k = 25.4 if prof.units == "inch" else 1.0  # canonical moves are in program units
    stock = sample_sheet().stock
    r = prof.tool.radius
    pos = (0.0, 0.0, 0.0)
    arcs = 0
    for kind, x, y, z, extra in moves:
        x, y, z = x * k, y * k, z * k
        assert z >= -(T + prof.depth.max_overcut) - 1e-3, (kind, x, y, z)
        if kind == "STRAIGHT_TRAVERSE":
            assert z >= -1e-6 and pos[2] >= -1e-6, ("rapid in the stock", x, y, z)
            if math.hypot(x - pos[0], y - pos[1]) > 1e-6:  # an XY rapid
                assert min(z, pos[2]) >= prof.heights.safe - 1e-3, ("low XY rapid", x, y, z)
        pts = [(x, y)]
        if kind == "ARC_FEED":
            arcs += 1
            cx, cy = extra[0] * k, extra[1] * k
            rad = math.hypot(x - cx, y - cy)
            pts += [(cx - rad, cy), (cx + rad, cy), (cx, cy - rad), (cx, cy + rad)]
        if min(z, pos[2]) < 0:
            for px, py in pts:
                assert r - 1e-3 <= px <= stock.width - r + 1e-3, (kind, px, py, z)
                assert r - 1e-3 <= py <= stock.height - r + 1e-3, (kind, px, py, z)
        pos = (x, y, z)
    assert (arcs > 0) == prof.arcs
    deepest = min(m[3] for m in moves) * k
    assert deepest == pytest.approx(-(T + prof.depth.overcut), abs=1e-3)


# --- goldens and determinism -----------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_PROFILES)
def test_golden_programs(name, golden):
    prof = profile(name)
    text = program_text(name)
    assert text == program_text(name)  # deterministic, byte for byte
    golden(f"sheet-{name}.{prof.extension}", text)


def test_program_filename():
    assert program_filename(1, load_profile("grbl")) == "sheet-001.nc"
    assert program_filename(12, load_profile("shopbot")) == "sheet-012.sbp"
    assert program_filename(3, load_profile("linuxcnc")) == "sheet-003.ngc"
    assert program_filename(3, load_profile("mach3")) == "sheet-003.tap"


def test_fmt_number():
    assert fmt_number(1.5, 3) == "1.5"
    assert fmt_number(2.0, 3) == "2"
    assert fmt_number(-0.0001, 3) == "0"
    assert fmt_number(-1.23456, 3) == "-1.235"
    assert fmt_number(100, 0) == "100"


# --- the text itself -------------------------------------------------------------------------


def _walk(text: str):
    """(line, words) for each G-code line, with modal Z tracked as 'z'."""
    z = None
    for line in text.splitlines():
        code = re.sub(r"\(.*?\)|;.*$", "", line).strip()
        code = re.sub(r"^N\d+\s*", "", code)
        words = dict(re.findall(r"([A-Z])(-?[\d.]+)", code))
        yield line, words, z
        if "Z" in words:
            z = float(words["Z"])


@pytest.mark.parametrize("name", GCODE_PROFILES)
def test_gcode_text_rules(name):
    prof = load_profile(name)
    text = program_text(name)
    assert text.endswith("\n") and "\r" not in text
    assert text.count("\n\n") == 0
    assert max(len(ln) for ln in text.splitlines()) <= 80  # GRBL's line buffer
    last_f = None
    for line, words, z_before in _walk(text):
        if line.startswith(("(", ";")):
            continue
        assert not re.search(r"\bG4[12]\b", line)  # never cutter compensation
        if name == "grbl":
            assert not re.search(r"\b(G8[0-9]|M6|G43)\b", line), line
        if "F" in words:
            assert words["F"] != last_f, f"repeated modal feed: {line}"
            assert float(words["F"]) <= prof.feeds.max
            last_f = words["F"]
        if words.get("G") == "0":
            assert not ({"X", "Y"} & set(words) and "Z" in words), f"diagonal rapid: {line}"
            if "Z" in words:
                assert float(words["Z"]) >= 0
            if {"X", "Y"} & set(words):
                assert z_before is not None and z_before >= prof.heights.safe, line
    lines = [ln for ln in text.splitlines() if not ln.startswith("(")]
    assert lines[-1].split()[-1] in ("M2", "M30")
    assert any(re.search(r"\bM5\b", ln) for ln in lines[-3:])
    assert re.search(r"\bG21\b", text) and "G4 P" in text and "M3 S18000" in text


def test_header_names_the_sheet_parts_tool_and_time():
    text = program_text("grbl")
    head = "\n".join(text.splitlines()[:12])
    assert "(wikicut: test sheet [1])" in head  # parentheses cannot nest in a comment
    assert "500 x 400 x 18 mm" in head and "rib#1, cleat#1" in head
    assert "T1 6 mm" in head and "estimated time" in head and "cut " in head
    assert not re.search(r"20\d\d-\d\d-\d\d", text)


def test_line_numbers_and_comment_styles():
    text = program_text("mach3")
    code = [ln for ln in text.splitlines() if not ln.startswith("(")]
    assert code[0].startswith("N10 ") and code[1].startswith("N20 ")
    semi = program_text("grbl", comment_style="semicolon")
    assert semi.startswith("; wikicut: test sheet (1)")


def test_feeds_are_clamped_to_the_machine_maximum():
    text = program_text("grbl", feeds={"cut": 20000.0, "max": 7000.0})
    feeds = [float(f) for f in re.findall(r"F([\d.]+)", text)]
    assert feeds and max(feeds) == 7000.0


def test_lines_only_without_arcs():
    text = program_text("grbl", arcs=False)
    assert not re.search(r"\bG[23]\b", text)
    assert re.search(r"\bG3\b", program_text("grbl"))  # the helical bore and drills use arcs


def test_inch_programs_convert_at_the_edge():
    mm = program_text("grbl")
    inch = program_text("grbl", units="inch", decimals=4, header=("G90 G94 G17",))
    assert re.search(r"\bG20\b", inch) and not re.search(r"\bG21\b", inch)
    assert "F118.1" in inch  # 3000 mm/min
    z_mm = min(float(v) for v in re.findall(r"Z(-[\d.]+)", mm))
    z_in = min(float(v) for v in re.findall(r"Z(-[\d.]+)", inch))
    assert z_in == pytest.approx(z_mm / 25.4, abs=1e-4)


def test_a_header_in_the_wrong_units_is_refused():
    with pytest.raises(InputError, match="G21 but the profile's units are inch"):
        program_text("grbl", units="inch")


def test_shopbot_program():
    prof = load_profile("shopbot")
    text = program_text("shopbot")
    lines = text.splitlines()
    assert lines[0].startswith("' wikicut:")
    assert "SA" in lines and "IF %(25)=1 THEN GOTO UNIT_ERROR" in lines  # inch file guard
    assert "C6" in lines and "C7" in lines and lines[-1] == "END"
    assert "MS,3,3" in lines  # 4572 mm/min = 3 in/s
    zs = []
    for ln in lines:
        if ln.startswith(("J", "M")) and not ln.startswith(("JS", "MS")):
            cmd, *vals = ln.split(",")
            v = [float(x) for x in vals]
            if cmd in ("JZ", "MZ"):
                zs.append(v[0])
            elif cmd in ("J3", "M3"):
                zs.append(v[2])
            if cmd == "JZ":
                assert v[0] >= 0
            if cmd in ("J2", "J3"):
                assert zs and zs[-1] >= prof.heights.safe / 25.4 - 1e-4
    assert min(zs) == pytest.approx(-(T + prof.depth.overcut) / 25.4, abs=1e-4)
    assert not any(ln.startswith("CG") and ln.count(",") < 7 for ln in lines)


def test_verifier_accepts_every_dialect():
    from wikicut import verify
    for name in ALL_PROFILES:
        prof = profile(name)
        sheet = sample_sheet()
        text = write_program(plan_sheet(sheet, prof), prof)
        assert verify.verify_program(text, prof, sheet) == [], name
