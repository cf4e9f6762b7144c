"""Tools for a job: feeds from the library for `tool_diameter` and racks, the job's settings
per operation checked against the limits, the right tool for each feature, tool-by-tool order
and the refusal of what no tool in the rack can cut."""

from __future__ import annotations

import itertools
import re

import pytest
import shapely
from shapely.geometry import LineString, Point

from wikicut.cam import plan_sheet, resolve_tooling
from wikicut.errors import EXIT_INPUT, EXIT_UNSAFE, InputError, UnsafeJobError
from wikicut.io.job import load_job
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.model import (
    Drill,
    Engraving,
    Part,
    Placement,
    Pocket,
    SheetLayout,
    Stock,
    estimate,
)
from wikicut.model.tooling import OperationSettings
from wikicut.post import write_program
from wikicut.verify import verify_program

T = 18.0


@pytest.fixture(scope="module")
def lib():
    return load_library()


def grbl(**kw):
    kw.setdefault("engrave", {"labels": False})
    return load_profile("grbl").updated(**kw)


def sheet_of(*parts_at) -> SheetLayout:
    places = [Placement(f"{p.name}#{k + 1}", p, x, y, 0.0) for k, (p, x, y) in enumerate(parts_at)]
    return SheetLayout(1, Stock(1200, 800, T, 15), places)


def featured() -> Part:
    """A plate with a 20 mm round hole, a 4 mm slot (too narrow for 6 mm), a 2 mm pilot pocket,
    a 9 mm half-rout, a 5 mm drill and an engraved line."""
    body = shapely.box(0, 0, 300, 200).difference(Point(220, 70).buffer(10, quad_segs=16))
    body = body.difference(shapely.box(60, 120, 64, 170))
    return Part("plate", shapely.set_precision(body, 1e-6),
                pockets=(Pocket(Point(150, 150).buffer(1.0, quad_segs=16), 12.0),
                         Pocket(shapely.box(100, 20, 160, 60), 9.0)),
                drills=(Drill(30, 30, 5.0),),
                engravings=(Engraving(LineString([(20, 100), (80, 100)]), 1.0),),
                source="parts/plate.toml")


def tooling_of(lib, prof, **kw):
    return resolve_tooling(prof, lib, "BirchPly", T, **kw)


# --- feeds from the tool ----------------------------------------------------------------------


def test_tool_diameter_alone_brings_the_library_tools_feeds(lib):
    prof = grbl()
    six = tooling_of(lib, prof, tool_diameter=6.0).tools
    assert len(six) == 1 and six[0].number == 1  # the compression spiral, best for profiles
    p = six[0].profile
    # 18.3 mm in 2 passes of 9.15 (2 x D allowed), 18,000 rpm x 2 x 0.1955 mm = 7,036 mm/min
    assert (p.depth.per_pass, p.spindle.speed) == (pytest.approx(9.15), 18000)
    assert (p.feeds.cut, p.feeds.plunge, p.feeds.ramp) == (7036, 2322, 3518)
    small = tooling_of(lib, prof, tool_diameter=2.5).tools[0]
    assert small.number == 7
    assert small.profile.depth.per_pass <= 2.5  # 1 x D, never the profile's 6.5 mm
    assert small.profile.feeds.cut == 3240  # 18,000 x 2 x 0.09


def test_tool_diameter_the_library_lacks_is_refused_unless_feeds_are_given(lib):
    with pytest.raises(InputError, match=r"key 'machine.tool_diameter': no end mill of"
                       r" 4 mm rated for \w+ in the tool library tools/library.toml") as err:
        tooling_of(lib, grbl(), tool_diameter=4.0)
    assert err.value.exit_code == EXIT_INPUT
    given = OperationSettings("all", feed=1500.0, per_pass=3.0)
    t = tooling_of(lib, grbl(), tool_diameter=4.0, operations=[given]).tools[0]
    assert (t.diameter, t.profile.feeds.cut, t.profile.depth.per_pass) == (4.0, 1500, 3.0)


def test_no_tool_keys_keep_the_profiles_own_feeds(lib):
    prof = grbl()
    t = tooling_of(lib, prof).tools[0]
    assert t.profile is prof and t.cutter is None


def test_with_no_rack_a_kinds_tool_is_the_profiles_own_or_refused(lib):
    """No rack: `tool = 7` for outlines was dropped without a word (everything cut with
    T1); the profile's own number is what it is."""
    own = OperationSettings("outline", tool=1, feed=5000.0)
    assert tooling_of(lib, grbl(), operations=[own]).setting("outline", 1).profile.feeds.cut \
        == 5000
    with pytest.raises(InputError, match=r"\[machine.operations.outline\] tool = 7: the job has"
                       r" no rack, so GRBL's own tool T1 cuts everything: give \[machine\]"
                       r" tools = \[1, 7\]"):
        tooling_of(lib, grbl(), operations=[OperationSettings("outline", tool=7)])


def test_the_profiles_own_tool_is_held_to_the_materials_depth_per_pass(lib):
    """A tool the library does not rate: no deeper a pass than the material's ceiling
    (plywood 1.5 x D: 9 mm for the 6 mm tool), from the profile or the job (a profile's
    per_pass = 40 cut 18.3 mm in one pass)."""
    deep = grbl().updated(depth={"per_pass": 40.0})
    with pytest.raises(UnsafeJobError, match=r"6 mm tool: depth per pass 40 mm \(GRBL's \[depth\]"
                       r" per_pass\) is over 1.5 x its diameter \(9 mm\)") as err:
        tooling_of(lib, deep)
    assert err.value.exit_code == EXIT_UNSAFE
    with pytest.raises(UnsafeJobError, match=r"\[machine.operations.pocket\] per_pass"):
        tooling_of(lib, grbl(), operations=[OperationSettings("pocket", per_pass=9.5)])
    ok = tooling_of(lib, grbl(), operations=[OperationSettings("pocket", per_pass=9.0)])
    assert ok.setting("pocket", 1).profile.depth.per_pass == 9.0


@pytest.mark.parametrize("ov, message", [
    (OperationSettings("outline", feed=9000.0), r"feed 9000 mm/min is above GRBL's max feed 8000"),
    (OperationSettings("outline", per_pass=13.0),
     r"depth per pass 13 mm in plywood is deeper than the tool allows \(2 x D = 12 mm\)"),
    (OperationSettings("outline", rpm=30000.0),
     r"spindle speed 30000 rpm is above the tool's max_rpm 24000"),
    (OperationSettings("pocket", feed=800.0), r"chip load 0\.022 mm/tooth .* rubbing floor"),
])
def test_settings_beyond_the_limits_are_refused(lib, ov, message):
    with pytest.raises(UnsafeJobError, match=message) as err:
        tooling_of(lib, grbl(), tools=(1, 7), operations=[OperationSettings(ov.kind, tool=1,
                   feed=ov.feed, per_pass=ov.per_pass, rpm=ov.rpm)])
    assert err.value.exit_code == EXIT_UNSAFE
    assert str(err.value).startswith(f"[machine.operations.{ov.kind}]: T1 ")  # who set it


def test_settings_within_the_limits_apply_to_their_kind(lib):
    t = tooling_of(lib, grbl(), tools=(1, 7),
                   operations=[OperationSettings("outline", tool=1, feed=6000.0)])
    assert t.setting("outline", 1).profile.feeds.cut == 6000
    assert t.setting("hole", 1).profile.feeds.cut == 7036
    prog = plan_sheet(sheet_of((featured(), 100, 100)), grbl(), tooling=t)
    feeds = {m.feed for op in prog.operations if op.kind == "outline" for m in op.moves
             if m.kind == "feed" and m.z < -1 and m.feed > 3520}
    assert feeds == {6000}


def test_job_file_reads_the_rack_and_the_operations(tmp_path):
    (tmp_path / "rib.toml").write_text("name='rib'\n")
    (tmp_path / "job.toml").write_text(
        "[sheet]\nwidth=2440\nheight=1220\nthickness=18\nmaterial='BirchPly'\n"
        "[machine]\ntools=[1, 7]\n[machine.operations.pocket]\ntool=1\nfeed=5000\n"
        "[[part]]\nfile='rib.toml'\n")
    job = load_job(tmp_path / "job.toml")
    assert job.tools == (1, 7) and job.material == "BirchPly"
    assert job.operations == (OperationSettings("pocket", tool=1, feed=5000.0),)
    (tmp_path / "job.toml").write_text(
        "[sheet]\nwidth=2440\nheight=1220\nthickness=18\n[machine.operations.pockt]\nfeed=1\n"
        "[[part]]\nfile='rib.toml'\n")
    with pytest.raises(InputError, match="did you mean 'pocket'"):
        load_job(tmp_path / "job.toml")


# --- the right tool for each feature ----------------------------------------------------------


def kinds(prog):
    return [(op.kind, op.tool) for op in prog.operations]


def test_each_feature_gets_its_tool(lib):
    prof = grbl(spindle={"min": 3000})
    t = tooling_of(lib, prof, tools=(1, 7, 10, 12))
    prog = plan_sheet(sheet_of((featured(), 100, 100)), prof, tooling=t)
    got = kinds(prog)
    assert ("outline", 1) in got and ("hole", 1) in got  # the round hole and outline: 6 mm
    assert ("hole", 7) in got  # the 4 mm slot: the 2.5 mm end mill
    assert ("engrave", 10) in got  # the V-bit
    assert ("drill", 12) in got  # the 5 mm drill for the 5 mm hole
    assert sorted(k for k in got if k[0] == "pocket") == [("pocket", 1), ("pocket", 7)]
    assert [u.number for u in prog.tools] == list(dict.fromkeys(op.tool for op in
                                                               prog.operations))
    assert {u.number: u.diameter for u in prog.tools} == {1: 6.0, 7: 2.5, 10: 12.7, 12: 5.0}
    drill_rpm = next(u.rpm for u in prog.tools if u.number == 12)
    assert 3000 <= drill_rpm <= 6000


def test_small_tools_first_outlines_last_few_changes(lib):
    prof = grbl()
    t = tooling_of(lib, prof, tools=(1, 7))
    prog = plan_sheet(sheet_of((featured(), 100, 100), (featured(), 500, 100)), prof, tooling=t)
    seq = [op.tool for op in prog.operations]
    assert sum(a != b for a, b in itertools.pairwise(seq)) == 1  # one tool change on the sheet
    assert seq[0] == 7 and prog.operations[-1].kind == "outline"
    for part in ("plate#1", "plate#2"):
        ops = [k for k, op in enumerate(prog.operations) if op.part == part]
        assert prog.operations[ops[-1]].kind == "outline"  # the part is freed last


def test_a_feature_no_tool_cuts_is_refused_with_its_size(lib):
    body = shapely.box(0, 0, 300, 200).difference(shapely.box(60, 120, 61.5, 170))
    part = Part("rib", shapely.set_precision(body, 1e-6), source="parts/rib.toml")
    t = tooling_of(lib, grbl(), tools=(1, 7))
    with pytest.raises(UnsafeJobError, match=r"slot 1\.50 mm wide .* narrower than the 2\.5 mm"
                       r" tool; no tool of the rack cuts it \(tried T1 6 mm, T7 2\.5 mm\): it"
                       r" needs a tool of at most 1\.5 mm") as err:
        plan_sheet(sheet_of((part, 100, 100)), grbl(), tooling=t)
    assert err.value.exit_code == EXIT_UNSAFE and err.value.part == "rib"


def test_a_forced_tool_is_used(lib):
    t = tooling_of(lib, grbl(), tools=(1, 7), operations=[OperationSettings("hole", tool=7)])
    prog = plan_sheet(sheet_of((featured(), 100, 100)), grbl(), tooling=t)
    assert {op.tool for op in prog.operations if op.kind == "hole"} == {7}


def test_a_rack_of_one_tool_writes_a_one_tool_program(lib):
    prof = grbl()
    t = tooling_of(lib, prof, tools=(1,))
    sheet = sheet_of((featured().__class__("plain", shapely.box(0, 0, 300, 200)), 100, 100))
    prog = plan_sheet(sheet, prof, tooling=t)
    alone = plan_sheet(sheet, t.tools[0].profile)
    assert prog.tools == () and {op.tool for op in prog.operations} == {0}
    assert [op.moves for op in prog.operations] == [op.moves for op in alone.operations]


def test_labels_are_engraved_with_a_tool_the_sheet_already_uses(lib):
    """A label never brings a tool of its own: on a sheet the 6 mm cuts alone, the labels are
    the 6 mm's too (no change, as with one tool); where the 2.5 mm cuts pilots anyway, the
    labels take it (finer letters, no extra change)."""
    prof = grbl(engrave={"labels": True})
    t = tooling_of(lib, prof, tools=(1, 7))
    plain = Part("rib", shapely.box(0, 0, 300, 200), label="RIB-1")
    prog = plan_sheet(sheet_of((plain, 100, 100), (plain, 500, 100)), prof, tooling=t)
    assert {op.kind for op in prog.operations} == {"label", "outline"}
    assert {op.tool for op in prog.operations} == {1} and [u.number for u in prog.tools] == [1]
    alone = plan_sheet(sheet_of((plain, 100, 100), (plain, 500, 100)), t.tools[0].profile)
    rack = estimate(prog.operations, prof, tools=(1,))
    one = estimate(alone.operations, prof)
    assert rack.changes == 0 and abs(rack.cut_length - one.cut_length) < 1e-6
    assert rack.seconds <= one.seconds * 1.01  # the same cuts; only the tour may differ
    piloted = Part("rib", shapely.box(0, 0, 300, 200), label="RIB-1",
                   pockets=(Pocket(Point(150, 30).buffer(1.0, quad_segs=16), 12.0),))
    prog = plan_sheet(sheet_of((piloted, 100, 100), (plain, 500, 100)), prof, tooling=t)
    assert {(op.kind, op.tool) for op in prog.operations} == {
        ("label", 7), ("pocket", 7), ("outline", 1)}
    seq = [op.tool for op in prog.operations]
    assert sum(a != b for a, b in itertools.pairwise(seq)) == 1
    for part in ("rib#1", "rib#2"):  # each label before its part is freed
        kinds_of = [op.kind for op in prog.operations if op.part == part]
        assert kinds_of[-1] == "outline" and "label" in kinds_of


def test_a_v_bit_in_the_rack_engraves(lib):
    prof = grbl(engrave={"labels": True})
    t = tooling_of(lib, prof, tools=(1, 10))
    plain = Part("rib", shapely.box(0, 0, 300, 200), label="RIB-1")
    prog = plan_sheet(sheet_of((plain, 100, 100)), prof, tooling=t)
    assert {(op.kind, op.tool) for op in prog.operations} == {("label", 10), ("outline", 1)}


def _speeds_by_kind(text: str) -> dict[str, set[float]]:
    """The spindle speed (S word) each kind of operation of a G-code program is cut at."""
    out: dict[str, set[float]] = {}
    speed, kind = 0.0, None
    for line in text.splitlines():
        m = re.match(r"\(\S+#\d+ (\w+)\)$", line)
        if m:
            kind = m.group(1)
        s = re.search(r"\bS(\d+(?:\.\d+)?)", line)
        if s:
            speed = float(s.group(1))
        if kind and line.startswith("G1"):
            out.setdefault(kind, set()).add(speed)
    return out


@pytest.mark.parametrize("tools", [(1, 7), (1,)])
def test_a_job_rpm_for_one_kind_is_what_the_spindle_turns(lib, tools):
    """[machine.operations.pocket] rpm: the pockets' feeds keep the chip load at that speed,
    so the spindle must turn at it while they are cut (the tool's first speed in the header
    and report; S words around them), and at the tool's own for the rest."""
    prof = grbl()
    t = tooling_of(lib, prof, tools=tools,
                   operations=[OperationSettings("pocket", rpm=12000.0)])
    part = Part("plate", shapely.box(0, 0, 300, 200),
                pockets=(Pocket(shapely.box(100, 20, 160, 60), 9.0),), source="parts/p.toml")
    prog = plan_sheet(sheet_of((part, 100, 100)), prof, tooling=t)
    assert [op.kind for op in prog.operations] == ["pocket", "outline"]
    main = t.tool(1).profile
    if len(tools) > 1:
        assert [(u.number, u.rpm) for u in prog.tools] == [(1, 12000)]
    text = write_program(prog, main)
    assert _speeds_by_kind(text) == {"pocket": {12000.0}, "outline": {18000.0}}
    assert verify_program(text, main, sheet=prog.sheet) == []
