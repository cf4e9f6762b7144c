"""Programs with several tools: M6 with length compensation where the machine has a changer,
a pause or one program per tool where it has not; the tool table; golden files per dialect."""

from __future__ import annotations

import math
import os
import re
import subprocess
from dataclasses import replace

import pytest

from tests.test_gcode import ALL_PROFILES, GCODE_PROFILES, profile, sample_sheet
from wikicut.cam import plan_sheet
from wikicut.errors import WikicutError
from wikicut.io.profiles import PROFILE_DIR, load_profile
from wikicut.model import Move, Operation, SheetProgram, ToolUse, estimate
from wikicut.post import split_by_tool, tool_table, write_program, write_sheet_programs
from wikicut.verify import ToolLimits, program_tools, verify_program

SMALL = ToolUse(2, "3 mm upcut", 3.0, 20000)
BIG = ToolUse(1, "6 mm compression", 6.0, 18000)
VBIT = ToolUse(5, "60 deg V-bit", 6.0, 16000, length_offset=15)
# Each operation is cut by the tool it was planned for: the pocket's 6 mm paths cut by a 3 mm
# tool leave a 1.5 mm strip of its floor along every wall, the 6 mm drill plunged by it comes
# out 3 mm wide and the 12 mm one bored on the 6 mm tool's helix 9 mm wide (the verifier
# refuses each); the drills are planned for the 3 mm tool (bored on its own helices)
INSIDE = ("engrave", "drill", "label")


def multi_program(name: str, three: bool = False) -> SheetProgram:
    """The sample sheet cut with a small tool for the engraving, labels and drills and a large
    one for the pocket, holes and outlines (three: the engraving with a V-bit first)."""
    prof = profile(name)
    prog = plan_sheet(sample_sheet(), prof)
    ops = prog.operations
    drills = [o for o in plan_sheet(sample_sheet(), prof.with_tool(SMALL.diameter)).operations
              if o.kind == "drill"]
    first = [replace(o, tool=VBIT.number) for o in ops if three and o.kind == "engrave"]
    small = [replace(o, tool=SMALL.number)
             for o in [*(o for o in ops if o.kind != "drill"), *drills]
             if o.kind in INSIDE and not (three and o.kind == "engrave")]
    big = [replace(o, tool=BIG.number) for o in ops if o.kind not in INSIDE]
    tools = ((VBIT,) if three else ()) + (SMALL, replace(BIG, diameter=prof.tool.diameter))
    ops = first + small + big
    est = estimate(ops, prof, tools=tuple(t.number for t in tools))
    return replace(prog, operations=ops, tools=tools, cut_length=round(est.cut_length, 3),
                   rapid_length=round(est.rapid_length, 3), est_seconds=round(est.seconds, 1),
                   tool_seconds={t: round(v, 1) for t, v in est.tool_seconds.items()})


def test_drills_cut_by_a_smaller_tool_than_they_were_planned_for_are_refused():
    """The drills planned for the 6 mm tool (a 6 mm plunge, a 12 mm helix of radius 3) given
    to the 3 mm one: the plunge comes out 3 mm wide, the helix 9 mm; each refused with the
    part, the drill and what was cut. Planned for the 3 mm tool they pass."""
    prof = profile("linuxcnc")
    prog = multi_program("linuxcnc")
    assert verify_program(write_program(prog, prof), prof, sheet=sample_sheet()) == []
    planned = [replace(o, tool=SMALL.number) for o in plan_sheet(sample_sheet(), prof).operations
               if o.kind == "drill"]
    ops = [o for o in prog.operations if o.kind != "drill"]
    k = next(k for k, o in enumerate(ops) if o.tool == BIG.number)
    wrong = replace(prog, operations=ops[:k] + planned + ops[k:])
    found = verify_program(write_program(wrong, prof), prof, sheet=sample_sheet())
    assert [(v.kind, v.message) for v in found] == [
        ("uncut", "rib#1: the 6 mm drill at (60.0, 160.0) is not cut to its diameter through:"
                  " a 3 mm tool plunged there cuts 3.0 mm across"),
        ("uncut", "rib#1: the 12 mm drill at (170.0, 70.0) is not cut to its diameter through:"
                  " a 3 mm tool bored there cuts 9.0 mm across")]


def multi_text(name: str, **changer) -> str:
    prof = profile(name)
    if changer:
        prof = prof.updated(changer=changer)
    return write_program(multi_program(name), prof, title="multi (1)")


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith(("(", ";", "'"))]


def flat(text: str) -> str:
    """The comments of a program as one line (they are wrapped at 70 characters)."""
    out = []
    for ln in text.splitlines():
        if ln.startswith("("):
            out.append(ln[1:-1])
        elif ln.startswith(("; ", "' ")):
            out.append(ln[2:])
    return " ".join(out)


@pytest.mark.parametrize("name", ["linuxcnc", "mach3", "mach4"])
def test_m6_change_after_spindle_off_and_retract(name):
    prof = profile(name)
    text = multi_text(name)
    body = [re.sub(r"^N\d+ ", "", ln) for ln in lines(text)]
    assert not any(ln == "T1 M6" and k < 3 for k, ln in enumerate(body))  # header's M6 dropped
    changes = [k for k, ln in enumerate(body) if re.fullmatch(r"T\d+ M6", ln)]
    assert [body[k] for k in changes] == ["T2 M6", "T1 M6"]
    assert body[changes[0] + 1] == "G43 H2" and body[changes[1] + 1] == "G43 H1"
    second = changes[1]
    assert body[second - 1] == "M5" and body[second - 2] == f"G0 Z{prof.heights.clearance:g}"
    after = body[second + 2:second + 5]
    assert after[0] == f"G0 Z{prof.heights.clearance:g}" and after[1] == "M3 S18000"
    assert after[2].startswith("G4 P")
    assert body[changes[0] + 3] == "M3 S20000"  # the first tool's own rpm


def test_pause_mode_stops_with_the_tool_to_fit():
    text = multi_text("grbl", mode="pause")
    assert "M6" not in text and "G43" not in text
    body = lines(text)
    k = body.index("M0")
    assert body[k - 1] == "M5" and body[k - 2] == "G0 Z20"
    assert body[k + 2] == "M3 S18000"
    assert 'tool change: fit T1 6 mm "6 mm compression", re-zero Z on the stock top' in flat(text)
    assert text.count("M0") == 1  # the first tool is fitted before the start, no pause


def test_shopbot_pause_and_atc():
    paused = multi_text("shopbot", mode="pause")
    body = lines(paused)
    k = body.index("PAUSE")
    assert body[k - 1] == "C7" and body[k - 2].startswith("JZ,")
    assert "spindle at 18000 rpm, re-zero Z" in flat(paused)
    atc = lines(multi_text("shopbot", mode="m6"))
    assert atc.count("C9") == 2 and "&Tool = 1" in atc


@pytest.mark.parametrize("name", ["grbl", "shopbot"])
def test_split_mode_writes_one_program_per_tool_in_order(name):
    prof = profile(name)
    prog = multi_program(name, three=True)
    files = write_sheet_programs(prog, prof, title="multi (1)")
    ext = prof.extension
    assert [f.name for f in files] == [f"sheet-001-1-T5.{ext}", f"sheet-001-2-T2.{ext}",
                                       f"sheet-001-3-T1.{ext}"]
    assert [[t.number for t in f.tools] for f in files] == [[5], [2], [1]]
    assert sum(len(f.program.operations) for f in files) == len(prog.operations)
    for k, f in enumerate(files, 1):
        assert f"program {k} of 3 for this sheet" in f.text
        assert "M6" not in f.text and "PAUSE\n" not in f.text.split("END")[0]
        assert f"fit T{f.tools[0].number} " in f.text
    single = write_sheet_programs(plan_sheet(sample_sheet(), prof), prof)
    assert [f.name for f in single] == [f"sheet-001.{ext}"]


def test_split_by_tool_keeps_runs_in_order():
    prog = multi_program("grbl")
    ops = prog.operations
    mixed = replace(prog, operations=[ops[-1], *ops[:-1]])  # an outline first: T1, T2, T1
    assert [p.tools[0].number for p in split_by_tool(mixed)] == [1, 2, 1]


def test_tool_table():
    assert tool_table([SMALL, BIG, SMALL, VBIT]) == (
        "T1 P1 D6 Z0 ;6 mm compression\nT2 P2 D3 Z0 ;3 mm upcut\nT5 P5 D6 Z0 ;60 deg V-bit\n")


@pytest.mark.parametrize("name", ["linuxcnc", "mach3", "mach4", "grbl"])
def test_rs274_runs_multi_tool_programs_with_a_tool_table(name, rs274, tmp_path):
    """rs274 (with the tool table) runs the changes; each call has its own HOME, since rs274
    shares $HOME/.tool.mmap between runs."""
    changer = {} if name != "grbl" else {"mode": "pause"}
    text = multi_text(name, **changer)
    tbl = tmp_path / "tool.tbl"
    tbl.write_text(tool_table([SMALL, BIG]))
    prog = tmp_path / "prog.ngc"
    prog.write_text(text)
    env = dict(os.environ, HOME=str(tmp_path))
    res = subprocess.run([rs274, "-t", str(tbl), "-g", str(prog)], capture_output=True,
                         text=True, timeout=120, env=env, cwd=tmp_path, check=False)
    assert res.returncode == 0, res.stdout[-1500:] + res.stderr[-1500:]
    out = res.stdout
    assert "error" not in out.lower().replace("error_", ""), out[-1500:]
    if name != "grbl":
        assert out.count("CHANGE_TOOL(") == 2
        assert "USE_TOOL_LENGTH_OFFSET" in out
    speeds = re.findall(r"SET_SPINDLE_SPEED\(\d+, ([\d.]+)\)", out)
    assert [float(s) for s in speeds][-2:] == [20000, 18000]


@pytest.mark.parametrize("name", ALL_PROFILES)
def test_golden_multi_tool_programs(name, golden):
    """Each profile's own way (M6 with G43 and LinuxCNC's tool table, or one program per
    tool), and the pauses of GRBL (M0) and ShopBot (PAUSE)."""
    prof = profile(name)
    files = write_sheet_programs(multi_program(name), prof, title="multi (1)")
    assert files == write_sheet_programs(multi_program(name), prof, title="multi (1)")
    for f in files:
        golden(f.name.replace("sheet-001", f"sheet-multi-{name}"), f.text)
    if name in ("grbl", "shopbot"):
        golden(f"sheet-multi-{name}-pause.{prof.extension}", multi_text(name, mode="pause"))
    if name == "linuxcnc":
        golden("sheet-multi-linuxcnc.tbl", tool_table(multi_program(name).tools))


def test_several_tools_are_never_written_as_one_program_without_changes():
    with pytest.raises(ValueError, match="write_sheet_programs"):
        multi_text("grbl")


@pytest.mark.parametrize("name", GCODE_PROFILES + ["shopbot"])
def test_single_tool_programs_unchanged_by_the_changer(name):
    """A program without tools never changes one, whatever the changer."""
    prof = profile(name)
    prog = plan_sheet(sample_sheet(), prof)
    texts = {write_program(prog, prof.updated(changer={"mode": m})) for m in
             ("split", "pause", "m6")}
    assert len(texts) == 1


def test_profile_changer_keys(tmp_path):
    assert load_profile("linuxcnc").changer.mode == "m6"
    assert load_profile("grbl").changer.change_seconds == 60
    assert load_profile("mach3").limits.accel_z == 300
    src = (PROFILE_DIR / "grbl.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(src.replace('mode = "split"', 'mode = "m6"'))
    with pytest.raises(WikicutError, match="GRBL has no M6"):
        load_profile(bad)
    bad.write_text(src.replace("acceleration = [500, 500, 300]", "acceleration = [500, 0]"))
    with pytest.raises(WikicutError, match="acceleration"):
        load_profile(bad)


def test_estimate_accelerates_and_brakes():
    prof = load_profile("grbl").updated(spindle={"dwell": 0.0}, heights={"clearance": 0.0})
    a, v = prof.limits.accel_x, 3000 / 60
    long = [Operation("p", "outline", [Move("feed", 1000, 0, 0, 3000)])]
    assert estimate(long, prof).seconds == pytest.approx(1000 / v + v / a)
    short = [Operation("p", "outline", [Move("feed", 2, 0, 0, 3000)])]
    assert estimate(short, prof).seconds == pytest.approx(2 * math.sqrt(2 / a))
    chords = [Operation("p", "outline", [Move("feed", 10 * k, 0, 0, 3000)
                                         for k in range(1, 101)])]
    assert estimate(chords, prof).seconds == pytest.approx(1000 / v + v / a)
    corner = [Operation("p", "outline", [Move("feed", 500, 0, 0, 3000),
                                         Move("feed", 500, 500, 0, 3000)])]
    assert estimate(corner, prof).seconds == pytest.approx(2 * (500 / v + v / a))
    diagonal = [Operation("p", "outline", [Move("feed", 0, 0, -100, 3000)])]
    az = prof.limits.accel_z
    vr = prof.feeds.rapid / 60  # and the retract to clearance at rapid
    assert estimate(diagonal, prof).seconds == pytest.approx(100 / v + v / az + 100 / vr + vr / az)


def test_estimate_counts_changes_and_time_per_tool():
    prof = profile("linuxcnc")
    prog = multi_program("linuxcnc", three=True)
    numbers = tuple(t.number for t in prog.tools)
    est = estimate(prog.operations, prof, tools=numbers)
    assert est.changes == 2 and set(est.tool_seconds) == set(numbers)
    assert est.seconds == pytest.approx(sum(est.tool_seconds.values()) + 2 * 10)
    one = estimate(prog.operations, prof)
    assert one.changes == 0 and est.seconds > one.seconds + 20
    files = write_sheet_programs(prog, prof, title="x")
    assert len(files) == 1  # linuxcnc's program on an m6 machine: one file


@pytest.fixture
def planned_with_tools(monkeypatch):
    """The planner giving the sample sheet two tools (until it assigns them itself)."""
    import wikicut.cam

    def plan(sheet, prof, proofs=None, tooling=None):
        prog = multi_program("linuxcnc")
        est = estimate(prog.operations, prof, tools=tuple(t.number for t in prog.tools))
        return replace(prog, sheet=sheet, est_seconds=round(est.seconds, 1),
                       tool_seconds={t: round(v, 1) for t, v in est.tool_seconds.items()})

    monkeypatch.setattr(wikicut.cam, "plan_sheet", plan)


@pytest.mark.parametrize("name", ["linuxcnc", "grbl"])
def test_outputs_with_several_tools(name, planned_with_tools, tmp_path):
    from wikicut.model import Layout
    from wikicut.pipeline import preview_toolpaths, write_outputs

    prof = profile(name)
    res = write_outputs("multi", Layout(sheets=[sample_sheet()]), tmp_path / "out",
                        profile=prof, toolpaths=True, settings={"profile": name})
    sheet = res.report["sheets"][0]
    if name == "linuxcnc":
        programs = ["sheet-001.ngc"]
        assert "tool.tbl" in res.files
        assert (tmp_path / "out" / "tool.tbl").read_text() == tool_table([SMALL, BIG])
    else:
        programs = ["sheet-001-1-T2.nc", "sheet-001-2-T1.nc"]
        assert "tool.tbl" not in res.files
    assert [p["file"] for p in sheet["programs"]] == programs
    assert sheet["file_program"] == programs[0]
    assert [(t["order"], t["number"]) for t in sheet["tools"]] == [(1, 2), (2, 1)]
    assert all(t["est_seconds"] > 0 for t in sheet["tools"])
    assert sheet["tool_changes"] == 1
    texts = [(tmp_path / "out" / f).read_text() for f in programs]
    for f, text in zip(programs, texts):  # the drills by one program, the outlines another
        found = verify_program(text, prof, sheet=sample_sheet())
        assert [v for v in found if v.kind != "uncut"] == [], f
    assert verify_program("".join(texts), prof, sheet=sample_sheet()) == []  # in order
    preview_toolpaths(tmp_path / "out")
    index = (tmp_path / "out" / "index.html").read_text()
    assert "tools in order: T2 3 mm upcut" in index
    if name == "grbl":
        assert 'href="sheet-001-2-T1.nc">program 2 (T1)</a>' in index
        # the programs table gives each program its own time, beside the sheet's
        for p in sheet["programs"]:
            m, s = divmod(round(p["est_seconds"] / 60), 60)
            assert f'>{p["file"]}</a> ({m}:{s:02d})<' in index, p


@pytest.mark.parametrize("name,mode", [("linuxcnc", "m6"), ("mach3", "m6"), ("grbl", "pause"),
                                       ("shopbot", "pause"), ("shopbot", "m6")])
def test_multi_tool_programs_verify_clean(name, mode):
    prof = profile(name).updated(changer={"mode": mode})
    text = write_program(multi_program(name), prof)
    assert verify_program(text, prof, sheet=sample_sheet()) == []
    assert program_tools(text, prof) == {2: ToolLimits(2, 3.0),
                                         1: ToolLimits(1, prof.tool.diameter)}


def test_cli_verify_refuses_grbl_dialect_and_reads_a_tool_table(tmp_path):
    from click.testing import CliRunner

    from wikicut.cli import main

    prog = tmp_path / "p.nc"
    prog.write_text("G21\nG64 P0.02\nT1 M6\nG0 Z20\nM2\n")
    res = CliRunner().invoke(main, ["verify", str(prog), "--profile", "grbl"])
    assert res.exit_code == 3 and "G64" in res.output + (res.stderr or "")
    tbl = tmp_path / "tool.tbl"
    tbl.write_text(tool_table([SMALL, BIG]))
    ngc = tmp_path / "p.ngc"
    ngc.write_text(multi_text("linuxcnc"))
    res = CliRunner().invoke(main, ["verify", str(ngc), "--profile", "linuxcnc",
                                    "--tool-table", str(tbl), "--thickness", "18"])
    assert res.exit_code == 0, res.output


def test_cli_verify_with_a_material_checks_the_library_limits(tmp_path):
    from click.testing import CliRunner

    from wikicut.cli import main

    ngc = tmp_path / "p.ngc"
    ngc.write_text(multi_text("linuxcnc"))
    res = CliRunner().invoke(main, ["verify", str(ngc), "--profile", "linuxcnc",
                                    "--thickness", "18", "--material", "plywood"])
    assert res.exit_code in (0, 3), res.output
    res = CliRunner().invoke(main, ["verify", str(ngc), "--profile", "linuxcnc",
                                    "--thickness", "18", "--material", "cheese"])
    assert res.exit_code != 0 and "cheese" in res.output + (res.stderr or "")


def test_a_one_tool_linuxcnc_job_writes_the_tool_table_its_header_changes_to(rs274, tmp_path):
    """The linuxcnc profile's header selects its tool (T<n> M6): a job's 12 mm tool is T9 of
    the library, which rs274 (and LinuxCNC) refuse when no table lists it. The table was
    written only for racks, and such a program stopped at its first line."""
    from wikicut.model import Layout
    from wikicut.pipeline import write_outputs

    prof = profile("linuxcnc").with_tool(5.0)  # the sample's 6 mm drills need a smaller one
    prof = replace(prof, tool=replace(prof.tool, number=9))
    out = tmp_path / "out"
    res = write_outputs("one", Layout(sheets=[sample_sheet()]), out, profile=prof,
                        settings={"profile": "linuxcnc"})
    assert "tool.tbl" in res.files
    text = (out / "sheet-001.ngc").read_text()
    (number,) = set(re.findall(r"\bT(\d+) M6", text))
    assert (out / "tool.tbl").read_text().startswith(f"T{number} P{number} D5 Z0 ;")
    env = dict(os.environ, HOME=str(tmp_path))
    run = subprocess.run([rs274, "-t", str(out / "tool.tbl"), "-g", str(out / "sheet-001.ngc")],
                         capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
                         check=False)
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-1500:]
    assert "error" not in run.stdout.lower().replace("error_", ""), run.stdout[-1500:]
