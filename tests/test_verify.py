"""The program verifier: each hand-written fault trips exactly its violation kind."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.verify import (
    ToolLimits,
    simulate,
    stated_thickness,
    tools_from_table,
    verify_program,
)

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
    # through in one pass: a tool that may cut so deep (the profile's may not)
    deep = {1: ToolLimits(1, grbl.tool.diameter, 20.0)}
    assert kinds(good, grbl, sheet=sheet, tools=deep) == set()
    through_part = good.replace("G1 Z-18.3 F600\n", "G1 Z-18.3 F600\nG1 X150 Y150\n"
                                f"G1 X{ring[0][0]:.3f} Y{ring[0][1]:.3f}\n")
    assert "gouge" in kinds(through_part, grbl, sheet=sheet, tools=deep)
    shallow = good.replace("Z-18.3", "Z-10")
    assert "uncut" in kinds(shallow, grbl, sheet=sheet, tools=deep)


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
            if name == "mach3":  # Mach4 reads a P without a decimal point in ms
                text_ok = text_ok.replace("G4 P2\n", "G4 P2.0\n")
            assert verify_program(text_ok, load_profile(name), thickness=18) == [], name


def test_mach_dwell_needs_a_decimal_point_and_arc_centres_may_be_set_incremental():
    """Mach4 reads G4 P2 as 2 ms (the cut would start before the spindle is at speed): the
    verifier says so on Mach programs only. G91.1 (arc centres incremental, as the simulator
    reads I and J) is accepted where the controller knows it; G90.1 is refused."""
    mach = load_profile("mach3")
    text = HEAD + "G0 X10\n" + TAIL
    found = [v for v in verify_program(text, mach, thickness=18) if v.kind == "dialect"]
    assert [v.line for v in found] == [5] and "2 ms" in found[0].message
    assert verify_program(text.replace("G4 P2\n", "G4 P2.0\n"), mach, thickness=18) == []
    assert verify_program(text, load_profile("linuxcnc"), thickness=18) == []
    for name in ("mach3", "linuxcnc", "grbl"):
        fixed = text.replace("G4 P2\n", "G4 P2.0\n").replace("G17\n", "G17 G91.1\n")
        assert verify_program(fixed, load_profile(name), thickness=18) == [], name
        absolute = fixed.replace("G91.1", "G90.1")
        assert verify_program(absolute, load_profile(name), thickness=18), name


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
    # the ramp and the cut after it go beyond where the 4 mm pass ended: 9 mm of new material
    assert [(v.line, v.kind, v.message) for v in deep] == [
        (k, "tool", "side cut 9.000 mm deep into material no earlier cut reached, T2 may cut"
         " 4 mm per pass") for k in (16, 17)]
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


# Without --sheet (issue 33, case 4): the programs wikicut writes, each dialect, as written.
GOLDEN = Path(__file__).parent / "golden"
PROFILES = ("grbl", "linuxcnc", "mach3", "mach4", "shopbot")
WRITTEN = {p.name: next(n for n in PROFILES if f"-{n}" in p.stem)  # every golden program
           for p in GOLDEN.iterdir() if p.suffix in (".nc", ".ngc", ".tap", ".sbp")}
DIALECTS = [("sheet-grbl.nc", "grbl"), ("sheet-mach3.tap", "mach3"),
            ("sheet-shopbot.sbp", "shopbot")]


def _deepest(text: str, prof) -> str:
    """The through cut's depth as the program writes it (18.3 mm, in the program's units)."""
    return "-18.3" if prof.units == "mm" else f"{-18.3 / 25.4:.4f}"


def _cut_short(text: str, keep: float) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:int(len(lines) * keep)])


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_written_programs_pass_without_the_sheet(name):
    """Every program wikicut writes ends properly and states its thickness, which is then
    the depth limit: the check without --sheet passes them all, as written."""
    prof = load_profile(WRITTEN[name])
    text = (GOLDEN / name).read_text()
    assert stated_thickness(text, prof) == 18
    assert verify_program(text, prof) == [], name


@pytest.mark.parametrize("name,profile", DIALECTS)
@pytest.mark.parametrize("cut", ["spindle-off", "program-end", "both", "two-thirds"])
def test_a_program_that_does_not_end_is_refused(name, profile, cut):
    prof = load_profile(profile)
    text = (GOLDEN / name).read_text()
    off, end = ("C7", "END") if profile == "shopbot" else ("M5", "M30" if "mach" in profile
                                                           else "M2")
    lines = text.splitlines(keepends=True)
    drop = {"spindle-off": {off}, "program-end": {end}, "both": {off, end}}.get(cut, set())
    short = ("".join(ln for ln in lines if ln.split()[-1:] not in ([w] for w in drop))
             if drop else _cut_short(text, 2 / 3))
    assert short != text
    found = verify_program(short, prof)
    (end,) = [v for v in found if v.kind == "end"]
    assert "program is incomplete" in end.message and end.line == len(short.splitlines())
    if cut == "two-thirds":  # nothing else is wrong with it: only the ending tells
        assert found == [end]


@pytest.mark.parametrize("name,profile", DIALECTS)
def test_depth_is_checked_against_the_thickness_the_header_states(name, profile):
    """3 mm into the spoilboard (the profile allows 1 mm of overcut) is refused from the
    program alone; the machine's own floor (-25) would let it pass."""
    prof = load_profile(profile)
    text = (GOLDEN / name).read_text()
    deep = "-21" if prof.units == "mm" else f"{-21 / 25.4:.4f}"
    spoil = text.replace(_deepest(text, prof), deep)
    assert spoil != text
    # the last pass, now 8.8 mm deep, is past the header's "passes <=" too (plunge, side cut)
    got = verify_program(spoil, prof)
    assert {v.kind for v in got} == {"depth", "plunge", "tool"}, got
    found = [v for v in got if v.kind == "depth"]
    assert all(v.message.endswith("below the allowed -19.000") for v in found), found
    assert any(v.message.startswith("Z-21.0") for v in found), found
    # another CAM's program (no wikicut header) is checked against the machine's floor only
    foreign = "\n".join(ln for ln in spoil.splitlines() if "wikicut" not in ln) + "\n"
    assert stated_thickness(foreign, prof) is None
    assert verify_program(foreign, prof) == []
    assert {v.kind for v in verify_program(foreign, prof, thickness=18)} == {"depth"}


def _verify_cli(*args):
    from click.testing import CliRunner

    from wikicut.cli import main

    res = CliRunner().invoke(main, ["verify", *map(str, args)])
    return res.exit_code, res.output


@pytest.mark.parametrize("name,profile", DIALECTS)
def test_verify_command_without_the_sheet(tmp_path, name, profile):
    prog = GOLDEN / name
    code, out = _verify_cli(prog, "--profile", profile)
    assert code == 0 and out.strip() == f"{prog}: clean ({load_profile(profile).name})", out
    short = tmp_path / name
    short.write_text(_cut_short(prog.read_text(), 2 / 3))
    code, out = _verify_cli(short, "--profile", profile)
    assert code == 3 and ": end: no spindle off" in out, out
    foreign = tmp_path / f"foreign-{name}"
    foreign.write_text("".join(ln for ln in prog.read_text().splitlines(keepends=True)
                               if "wikicut" not in ln))
    code, out = _verify_cli(foreign, "--profile", profile)
    assert code == 0, out
    (note,) = [ln for ln in out.splitlines() if ln.startswith("warning")]
    assert "depth checked only against the machine's Z limit -25 mm" in note, out


@pytest.mark.parametrize("option,value", [("--thickness", "nan"), ("--thickness", "inf"),
                                          ("--thickness", "-inf"), ("--tool-diameter", "nan"),
                                          ("--tool-diameter", "inf"), ("--thickness", "-18")])
@pytest.mark.parametrize("name,profile", [DIALECTS[0], DIALECTS[2]])
def test_verify_refuses_a_non_finite_option(name, profile, option, value):
    code, out = _verify_cli(GOLDEN / name, "--profile", profile, option, value)
    assert code == 2, out
    assert out.count("\n") == 1 and out.startswith("error: ") and option in out, out


def test_a_profile_whose_footer_forgets_the_program_end_still_ends():
    """The writer adds M2 where a profile's own footer has no M2/M30: the verifier refuses
    a program that does not end, so one must never be written."""
    from dataclasses import replace

    from wikicut.cam import plan_sheet
    from wikicut.post import write_program

    part = Part("plate", shapely.box(0, 0, 200, 100))
    sheet = SheetLayout(1, Stock(600, 400, 18, 15), [Placement("plate#1", part, 40, 40)])
    prof = replace(load_profile("grbl"), footer=())
    text = write_program(plan_sheet(sheet, prof), prof)
    assert text.splitlines()[-2:] == ["M5", "M2"]
    assert verify_program(text, prof) == []


# With --sheet: every golden program against its sheet as wikicut writes it (the sheet DXF,
# read back as `wikicut verify --sheet` reads it: pockets come from their layers).
def _golden_sheet(name: str) -> SheetLayout:
    from wikicut.io.dxf import read_cutting_file
    from wikicut.io.dxf.write import sheet_dxf_text

    if any(f"-{k}" in name for k in ("leads", "pilots", "onion")):
        from tests.test_holddown_pilots import small_job as make
    else:
        from tests.test_gcode import sample_sheet as make
    return _read_back(sheet_dxf_text(make()), read_cutting_file)


def _read_back(text: str, read) -> SheetLayout:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "sheet-001.dxf"
        f.write_text(text)
        (sheet,) = read(f)
    return sheet


def _golden_profile(name: str):
    prof = load_profile(WRITTEN[name])
    if "-onion" in name:  # the skin is left on purpose: the check must know it
        from tests.test_tabs_onion import onion
        return onion(WRITTEN[name], final_pass="-pass-" in name)
    return prof


# a sheet cut by several programs is checked as one run, in cutting order
_RUNS = [[n] for n in sorted(WRITTEN) if "-1-T" not in n and "-2-T" not in n] + [
    sorted(n for n in WRITTEN if n.startswith(f"sheet-multi-{d}-") and "-T" in n)
    for d in ("grbl", "shopbot")]


@pytest.mark.parametrize("run", _RUNS, ids=lambda r: r[0])
def test_written_programs_pass_with_the_sheet_dxf(run):
    sheet = _golden_sheet(run[0])
    assert any(p.placed().pockets for p in sheet.placements) == ("multi" in run[0] or not any(
        f"-{k}" in run[0] for k in ("leads", "pilots", "onion")))
    prof = _golden_profile(run[0])
    text = "".join((GOLDEN / n).read_text() for n in run)
    assert verify_program(text, prof, sheet=sheet) == [], run


def _pocket_at_depth(text: str, depth: str = "Z-9") -> tuple[list[str], int]:
    """The golden program's lines and where its pocket's last level starts (sample_sheet's
    pocket: 50 x 40 mm at (50, 50), 9 mm deep, cleared by rings 2.7 mm apart)."""
    lines = text.splitlines(keepends=True)
    start = next(k for k, ln in enumerate(lines) if ln.rstrip().endswith(depth)
                 and ln.startswith("G1 X"))
    return lines, start


def test_a_pocket_left_half_cleared_is_refused():
    """Two clearing rings of the pocket's last level taken out: the floor between the rings
    still cut (offsets 55.7 and 63.8 mm: each sweeps 3 mm either side) is left, a square band
    2.1 mm wide; one ring taken out leaves nothing (the rings overlap) and passes."""
    prof = load_profile("grbl")
    sheet = _golden_sheet("sheet-grbl.nc")
    lines, start = _pocket_at_depth((GOLDEN / "sheet-grbl.nc").read_text())

    def without(rings: tuple[str, ...]) -> str:
        out, k = lines[:start], start
        while k < len(lines):
            if lines[k].rstrip() in [f"G1 X{r}" for r in rings]:
                k += 4  # the ring's four sides, back to where it began
                continue
            out.append(lines[k])
            k += 1
        return "".join(out)

    one = without(("58.4",))
    assert one.count("\n") == len(lines) - 4
    assert verify_program(one, prof, sheet=sheet) == []
    two = without(("58.4", "61.1"))
    assert two.count("\n") == len(lines) - 8
    (v,) = verify_program(two, prof, sheet=sheet)
    assert v.kind == "uncut" and v.line == 0
    assert v.message.startswith("rib#1: the 9 mm pocket at (")
    # the rings are squares 55.7 and 63.8 mm from the sheet's corner (the pocket spans
    # 50..100 x 50..90): the band between 55.7 + 3 and 63.8 - 3 is left, less where the
    # links between rings (X71.93, the 6 mm tool) cross it; within 2 % for the 0.05 mm the
    # check adds to the tool and the rounded corners of the inner ring's sweep
    area = float(v.message.split(": ")[2].split(" mm2")[0])
    outer = shapely.box(58.7, 58.7, 100 - 8.7, 90 - 8.7)
    inner = shapely.box(60.8, 60.8, 100 - 10.8, 90 - 10.8)
    link = shapely.box(71.93 - 3, 70, 71.93 + 3, 90)
    assert area == pytest.approx(outer.difference(inner).difference(link).area, rel=0.02)


def test_a_pocket_without_its_last_level_is_refused_by_the_cli(tmp_path):
    """The pocket cleared to 4.5 mm only (its second level's rings dropped): refused by
    `wikicut verify --sheet` with the pocket, the area left and where, exit 3."""
    from click.testing import CliRunner

    from tests.test_gcode import sample_sheet
    from wikicut.cli import main
    from wikicut.io.dxf.write import sheet_dxf_text

    lines, start = _pocket_at_depth((GOLDEN / "sheet-grbl.nc").read_text())
    end = next(k for k in range(start, len(lines)) if lines[k].startswith("G0 Z5"))
    shallow = "".join(lines[:start] + lines[end - 1:])  # keep the G1 Z0 retract
    (tmp_path / "sheet-001.dxf").write_text(sheet_dxf_text(sample_sheet()))
    (tmp_path / "sheet-001.nc").write_text(shallow)
    res = CliRunner().invoke(main, ["verify", str(tmp_path / "sheet-001.nc"), "--profile",
                                    "grbl", "--sheet", str(tmp_path / "sheet-001.dxf")])
    assert res.exit_code != 0, res.output
    assert "rib#1: the 9 mm pocket at (75.0, 70.0) is not cleared" in res.output, res.output
    area = float(res.output.split("not cleared: ")[1].split(" mm2")[0])
    # everything the one tool reaches: the 50 x 40 pocket less its four corners (r = 3 mm)
    assert area == pytest.approx(50 * 40 - (4 - 3.14159) * 9, rel=0.01)


def test_a_rebate_is_judged_by_the_tool_that_cleared_it_not_the_one_beside_it(grbl):
    """A 40 x 40 rebate on a part's edge cleared by a 6 mm tool (rows, then a loop along its
    walls), the outline beside it cut by a 2 mm one: the rebate's inner corners are owed
    only to the 6 mm tool's radius (the 2 mm tool grazes the rebate's open side, never
    cutting in it). Two rows left out leave a band of its floor: refused."""
    from wikicut.model import Pocket

    part = Part("sq", shapely.box(0, 0, 100, 100),
                pockets=(Pocket(shapely.box(0, 20, 40, 60), 5.0),))
    sheet = SheetLayout(1, Stock(400, 300, 18, 0), [Placement("sq#1", part, 100, 100)])
    ring = [(99, 99), (201, 99), (201, 201), (99, 201), (99, 99)]

    def program(rows) -> str:
        clear = "".join(f"G1 Y{y} F3000\nG1 X{97 if k % 2 == 0 else 137}\n"
                        for k, y in enumerate(rows))
        walls = "G1 X137 Y157\nG1 Y123\nG1 X97\nG1 Y157\nG1 X137\n"
        return ("G90 G94 G17\nG21\nG0 Z20\n(fit T1 6 mm)\nM3 S18000\nG4 P2\nG0 X137 Y123\n"
                "G0 Z5\nG1 Z-5 F600\n" + clear + walls + "G1 Z5\nG0 Z20\nM5\n"
                "(tool change: fit T2 2 mm)\nM0\nM3 S18000\nG4 P2\nG0 X99 Y99\n"
                "G1 Z-18.3 F600\n" + "".join(f"G1 X{x} Y{y} F3000\n" for x, y in ring[1:])
                + "G1 Z5\n" + TAIL)

    tools = {1: ToolLimits(1, 6.0), 2: ToolLimits(2, 2.0)}
    rows = [123 + 4 * k for k in range(9)] + [157]
    assert verify_program(program(rows), grbl, sheet=sheet, tools=tools) == []
    gap = [y for y in rows if y not in (139, 143)]  # rows at 135 and 147: 138..144 left
    (v,) = verify_program(program(gap), grbl, sheet=sheet, tools=tools)
    assert v.kind == "uncut" and "the 5 mm pocket at (120.0, 140.0)" in v.message
    area = float(v.message.split("left")[0].split(": ")[-1].split(" mm2")[0])
    assert area == pytest.approx(6 * 34 - 0.1 * 34, rel=0.02)  # 0.05 mm more tool each side


def _helix(text: str, rc: float) -> str:
    """sheet-grbl.nc with its 12 mm drill at (170, 70) bored on a helix of radius `rc`
    instead of 3 (the 6 mm tool's: it reaches rc + 3 mm from the centre)."""
    out = []
    for ln in text.splitlines(keepends=True):
        if "Y70" in ln and ("X173 " in ln or "X167 " in ln):
            ln = (ln.replace("X173 ", f"X{170 + rc:g} ").replace("X167 ", f"X{170 - rc:g} ")
                  .replace(" I-3 ", f" I{-rc:g} ").replace(" I3 ", f" I{rc:g} "))
        out.append(ln)
    return "".join(out)


@pytest.mark.parametrize("rc,found", [
    (3.0, None), (2.8, None), (3.1, None),  # 11.6 and 12.2 mm: within 0.5 mm of 12
    (2.0, "uncut: rib#1: the 12 mm drill at (170.0, 70.0) is not cut to its diameter through:"
          " a 6 mm tool bored there cuts 10.0 mm across"),
    (4.0, "gouge: rib#1: the 12 mm drill at (170.0, 70.0) is cut oversize: the tool reaches"
          " 7.00 mm from its centre")])
def test_a_drill_bored_on_a_helix_of_the_wrong_radius_is_refused(rc, found):
    prof = load_profile("grbl")
    sheet = _golden_sheet("sheet-grbl.nc")
    text = _helix((GOLDEN / "sheet-grbl.nc").read_text(), rc)
    assert (text == (GOLDEN / "sheet-grbl.nc").read_text()) == (rc == 3.0)
    got = [f"{v.kind}: {v.message}" for v in verify_program(text, prof, sheet=sheet)]
    if found is None:
        assert got == []
    else:
        (v,) = got
        assert v.startswith(found), v


def test_a_drill_plunged_by_a_larger_tool_is_refused_by_the_cli(tmp_path):
    """The sample sheet's 6 mm drill made a 3 mm one in the sheet DXF: the 6 mm tool's plunge
    cuts it oversize (which the gouge check lets pass: its allowance around a drill is the
    largest tool's radius); `wikicut verify --sheet` refuses it, exit 3."""
    from click.testing import CliRunner

    from tests.test_gcode import sample_sheet
    from wikicut.cli import main
    from wikicut.io.dxf.write import sheet_dxf_text

    dxf = sheet_dxf_text(sample_sheet())
    small = dxf.replace("\n 40\n3.0\n", "\n 40\n1.5\n")  # the CIRCLE's radius
    assert small.count("\n 40\n1.5\n") == 1
    (tmp_path / "sheet-001.dxf").write_text(small)
    prog = GOLDEN / "sheet-grbl.nc"
    res = CliRunner().invoke(main, ["verify", str(prog), "--profile", "grbl", "--sheet",
                                    str(tmp_path / "sheet-001.dxf")])
    assert res.exit_code == 3, res.output
    assert ("rib#1: the 3 mm drill at (60.0, 160.0) is cut oversize: the tool reaches 3.00 mm"
            " from its centre") in res.output, res.output
    assert "gouge" in res.output and "uncut" not in res.output, res.output


def _blind_drills(grbl):
    """A plate with a 6 mm drill (plunged) and a 10 mm one (a helix), each 5 mm deep; the
    program's lines and where the 6 mm plunge is."""
    from wikicut.cam import plan_sheet
    from wikicut.model import Drill
    from wikicut.post import write_program

    part = Part("plate", shapely.box(0, 0, 200, 100),
                drills=(Drill(50, 50, 6.0, 5.0), Drill(120, 50, 10.0, 5.0)))
    sheet = SheetLayout(1, Stock(600, 400, 18, 15), [Placement("plate#1", part, 40, 40)])
    prof = grbl.updated(engrave={"labels": False})
    lines = write_program(plan_sheet(sheet, prof), prof).splitlines(keepends=True)
    k = next(k for k, ln in enumerate(lines) if ln.startswith("G0 X90 Y90")) + 3
    assert lines[k] == "G1 Z-5\n"
    return sheet, prof, lines, k


@pytest.mark.parametrize("z,found", [
    ("-5", None), ("-5.04", None),  # within 0.05 mm of its depth
    ("-6.5", "gouge: plate#1: the 6 mm drill at (90.0, 90.0), 5 mm deep, is cut 6.50 mm deep"),
    ("-5.1", "gouge: plate#1: the 6 mm drill at (90.0, 90.0), 5 mm deep, is cut 5.10 mm deep"),
    ("-3", "uncut: plate#1: the 6 mm drill at (90.0, 90.0), 5 mm deep, is not cut to its depth:"
           " the tool in it reaches 3.00 mm")])
def test_a_blind_drill_is_cut_to_its_depth(grbl, z, found):
    sheet, prof, lines, k = _blind_drills(grbl)
    text = "".join(lines[:k] + [f"G1 Z{z}\n"] + lines[k + 1:])
    got = [f"{v.kind}: {v.message}" for v in verify_program(text, prof, sheet=sheet)]
    assert got == ([] if found is None else [found])


def test_a_blind_drill_plunged_with_a_smaller_tool_is_refused(grbl):
    """The 6 mm blind drill plunged by a 4 mm tool (the header's tool made 4 mm): 4 mm wide,
    refused; the 10 mm one, bored for the 6 mm tool, is then 8 mm wide, refused too (and the
    outline, offset for the 6 mm tool, left standing by 1 mm: not the drills' business)."""
    sheet, prof, lines, _ = _blind_drills(grbl)
    text = "".join(lines)
    head = next(ln for ln in lines if "T1" in ln and "6 mm" in ln)
    small = text.replace(head, head.replace("6 mm", "4 mm", 1), 1)
    assert small != text and verify_program(text, prof, sheet=sheet) == []
    got = [v.message for v in verify_program(small, prof, sheet=sheet) if "drill" in v.message]
    assert got == [
        "plate#1: the 6 mm drill at (90.0, 90.0), 5 mm deep, is not cut to its diameter:"
        " a 4 mm tool plunged there cuts 4.0 mm across",
        "plate#1: the 10 mm drill at (160.0, 90.0), 5 mm deep, is not cut to its diameter:"
        " a 4 mm tool bored there cuts 8.0 mm across"], got


@pytest.mark.parametrize("name,profile", DIALECTS)
def test_a_program_checked_with_another_dialects_profile_is_one_line(name, profile):
    """A wikicut program checked with a profile of another dialect broke on every line
    (11,096 lines for a ShopBot program under --profile grbl): one line now names what its
    header says it was written for, exit 2. A sheet's DXF given as the program: one line."""
    prog = GOLDEN / name
    other = "grbl" if load_profile(profile).dialect != "grbl" else "shopbot"
    code, out = _verify_cli(prog, "--profile", other)
    assert code == 2 and len(out.strip().splitlines()) == 1, out
    assert f"written for {load_profile(profile).name} ({load_profile(profile).dialect})" in out
    code, out = _verify_cli(GOLDEN / "sheet_small.dxf", "--profile", profile)
    assert code == 2 and len(out.strip().splitlines()) == 1, out
    assert "a DXF drawing, not a program: give a sheet's DXF with --sheet" in out


def test_verify_judges_the_moves_not_whether_the_stock_could_be_cut_through(tmp_path):
    """A program that only engraves 36 mm stock on a machine that cannot cut 36 mm through is
    clean: verify judges what the program does (a job or `gcode` with that stock is refused
    before anything is planned)."""
    prog = tmp_path / "engrave.nc"
    prog.write_text(HEAD + "G0 X10 Y10\nG0 Z5\nG1 Z-1 F600\nG1 X50 F3000\nG1 Z5\n" + TAIL)
    code, out = _verify_cli(prog, "--profile", "grbl", "--thickness", "36")
    assert code == 0 and "clean" in out, out
