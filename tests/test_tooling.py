"""Tool library and feeds/speeds: the hand-worked examples of docs/tools.md, every refusal with
its message, the loader's errors, and every shipped tool against every shipped profile."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from wikicut.errors import EXIT_UNSAFE, InputError, UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library, load_materials, shipped_dir
from wikicut.model import (
    ChipLoad,
    CuttingRules,
    MachineLimits,
    check_cutting,
    cutting_data,
    depth_derate,
    plan_passes,
)

PROFILES = ["grbl", "linuxcnc", "mach3", "mach4", "shopbot"]
RIGID = MachineLimits(feed_max=8000, spindle_min=6000, spindle_max=24000, name="the gantry")


@pytest.fixture(scope="module")
def lib():
    return load_library()


@pytest.fixture(scope="module")
def ply(lib):
    return lib.material("plywood")


def test_depth_derate_follows_the_makers_rule():
    # Amana / AST: 1 x D 100 %, 2 x D 75 %, 3 x D 50 %; held beyond the chart.
    assert [depth_derate(d, 6.0) for d in (3, 6, 9, 12, 18, 30)] == [1, 1, 0.875, 0.75, 0.5, 0.5]


def test_through_cut_with_the_compression_cutter(lib, ply):
    # Example 1: T1, 18 mm ply + 0.3 overcut on an 8,000 mm/min machine.
    cd = cutting_data(lib.tool(1), ply, RIGID, 18.3)
    assert (cd.passes, cd.depth_per_pass) == (2, pytest.approx(9.15))
    derate = 1 - 0.25 * (9.15 / 6 - 1)  # 0.869
    assert cd.chip_range.min == pytest.approx(0.14 * derate)
    assert cd.chip_load == pytest.approx(0.225 * derate)  # the middle of the derated range
    assert cd.rpm == 18000
    assert cd.feed == pytest.approx(7040, rel=1e-3)
    assert cd.plunge == pytest.approx(2320, rel=2e-3)
    assert cd.ramp == pytest.approx(3520, rel=1e-3)
    assert cd.warnings == ()


def test_shipped_grbl_feed_rubs_a_little(lib, ply):
    # Example 2: the GRBL profile's 3,000 mm/min at 18,000 rpm is 0.083 mm/tooth (min 0.14).
    grbl = MachineLimits.of(load_profile("grbl"))
    cd = check_cutting(lib.tool(3), ply, grbl, rpm=18000, feed=3000, depth_per_pass=6.0)
    assert cd.chip_load == pytest.approx(3000 / 36000)
    assert len(cd.warnings) == 1 and "below the recommended minimum 0.140" in cd.warnings[0]
    # The solver holds the minimum chip load by slowing the spindle to 10,700 rpm ...
    slow = MachineLimits(feed_max=3000, spindle_min=6000, spindle_max=24000)
    cd = cutting_data(lib.tool(3), ply, slow, 6.0, chip="min")
    assert (cd.feed, cd.rpm) == (3000, pytest.approx(10714, abs=1))
    assert cd.warnings == ()
    # ... and the ShopBot's 4,572 mm/min with the 1/4 in cutter wants <= 15,240 rpm.
    bot = MachineLimits(feed_max=4572, spindle_min=6000, spindle_max=24000)
    cd = cutting_data(lib.tool(2), ply, bot, 6.35, chip="min")
    assert cd.rpm == pytest.approx(4572 / (2 * 0.15))


def test_large_cutter_needs_a_slow_spindle(lib, ply):
    # Example 3: T9 (12 mm) at the minimum chip load 0.44 on 8,000 mm/min: <= 9,090 rpm.
    cd = cutting_data(lib.tool(9), ply, RIGID, 12.0, chip="min")
    assert cd.rpm == pytest.approx(8000 / 0.88)
    assert cd.warnings == ()
    # A trim router cannot go below 10,000 rpm: it cuts, but under the range, and says so.
    trim = MachineLimits(feed_max=8000, spindle_min=10000, spindle_max=30000)
    cd = cutting_data(lib.tool(9), ply, trim, 12.0, chip="min")
    assert (cd.rpm, cd.chip_load) == (10000, pytest.approx(0.4))
    assert "below the recommended minimum 0.440" in cd.warnings[0]


def test_small_cutter_feed_range(lib, ply):
    # Example 4: T5 (3 mm) in ply at 18,000 rpm: 2,520 .. 5,040 mm/min.
    t5 = lib.tool(5)
    assert cutting_data(t5, ply, RIGID, 3.0, chip="min").feed == pytest.approx(2520)
    assert check_cutting(t5, ply, RIGID, rpm=18000, feed=5040, depth_per_pass=3.0).warnings == ()
    with pytest.raises(UnsafeJobError, match=r"chip load 0\.142 mm/tooth .* above the tool's"
                                             r" max 0\.140 in plywood"):
        check_cutting(t5, ply, RIGID, rpm=18000, feed=5100, depth_per_pass=3.0)


def test_vbit_labels(lib, ply):
    # Example 5: T10, 90 deg V-bit: 18,000 x 2 x 0.061 = 2,196 mm/min in ply (Amana's 90 IPM).
    cd = cutting_data(lib.tool(10), ply, RIGID, 1.0)
    assert (cd.passes, cd.feed) == (1, pytest.approx(2196))
    assert lib.tool(10).pass_limit(ply) == pytest.approx(0.25 * 12.7)


def test_passes_are_equal_and_within_the_limit(lib, ply):
    t1 = lib.tool(1)
    assert plan_passes(t1, ply, 12.0) == (1, 12.0)
    assert plan_passes(t1, ply, 12.01)[0] == 2
    assert plan_passes(t1, ply, 18.3, per_pass=6.5) == (3, pytest.approx(6.1))
    assert lib.tool(4).pass_limit(ply) == 6.0  # downcut: 1 x D


def test_drill_feed_is_its_plunge(lib, ply):
    slow = MachineLimits(feed_max=8000, spindle_min=3000, spindle_max=24000)
    cd = cutting_data(lib.tool(12), ply, slow, 18.3)
    assert cd.rpm == 4500 and cd.plunge == cd.ramp == cd.feed == pytest.approx(4500 * 2 * 0.1)


def test_entry_feeds_follow_the_rules(lib, ply):
    rules = CuttingRules(plunge_fraction=0.25, ramp_fraction=0.75)
    cd = cutting_data(lib.tool(1), ply, RIGID, 6.0, rules=rules)
    assert (cd.plunge, cd.ramp) == (pytest.approx(cd.feed / 4), pytest.approx(cd.feed * 0.75))


@pytest.mark.parametrize("call, message", [
    (lambda lib, ply: cutting_data(lib.tool(6), ply, RIGID, 9.0),
     r"^T6 \(1/8 in \(3\.175 mm\) single O-flute upcut\) is not rated for plywood"
     r" \(rated for: acm, hdpe\)$"),
    (lambda lib, ply: cutting_data(lib.tool(5), ply, RIGID, 18.3),
     r"^T5 \(3 mm 2-flute upcut spiral\): cut depth 18\.3 mm is deeper than its flute length"
     r" 12 mm \(the shank would rub\)$"),
    (lambda lib, ply: cutting_data(lib.tool(1), ply, RIGID, 18.3, per_pass=13),
     r"depth per pass 13 mm in plywood is deeper than the tool allows \(2 x D = 12 mm\)$"),
    (lambda lib, ply: check_cutting(replace(lib.tool(1), max_depth_per_pass={"plywood": 5.0}),
                                    ply, RIGID, rpm=18000, feed=6000, depth_per_pass=25.0),
     r"depth per pass 25 mm is deeper than its flute length 22 mm$"),
    (lambda lib, ply: check_cutting(lib.tool(10), ply, RIGID, rpm=20000, feed=2000,
                                    depth_per_pass=1.0),
     r"spindle speed 20000 rpm is above the tool's max_rpm 18000$"),
    (lambda lib, ply: check_cutting(lib.tool(1), ply, RIGID, rpm=5000, feed=2000,
                                    depth_per_pass=6.0),
     r"spindle speed 5000 rpm is outside the gantry's range 6000-24000 rpm$"),
    (lambda lib, ply: check_cutting(lib.tool(1), ply, RIGID, rpm=18000, feed=9000,
                                    depth_per_pass=6.0),
     r"feed 9000 mm/min is above the gantry's max feed 8000 mm/min$"),
    (lambda lib, ply: check_cutting(lib.tool(1), ply, RIGID, rpm=18000, feed=6000, plunge=8500,
                                    depth_per_pass=6.0),
     r"plunge feed 8500 mm/min is above the gantry's max feed 8000 mm/min$"),
    (lambda lib, ply: check_cutting(lib.tool(1), ply, RIGID, rpm=18000, feed=800,
                                    depth_per_pass=6.0),
     r"chip load 0\.022 mm/tooth \(800 mm/min at 18000 rpm\) is below the rubbing floor 0\.025"),
    (lambda lib, ply: check_cutting(lib.tool(1), ply, RIGID, rpm=10000, feed=8000,
                                    depth_per_pass=12.0),
     r"chip load 0\.400 mm/tooth \(8000 mm/min at 10000 rpm\) is above the tool's max 0\.23\d"
     r" in plywood at 12 mm per pass$"),
    (lambda lib, ply: cutting_data(lib.tool(12), ply, MachineLimits.of(load_profile("grbl")),
                                   18.3),
     r"GRBL's slowest spindle speed 8000 rpm is above the tool's max_rpm 5000: this spindle"
     r" cannot run it; leave T12 out of the rack \(holes are then bored by an end mill that"
     r" fits them\) or use a machine profile whose \[spindle\] min is 5000 or less$"),
    (lambda lib, ply: cutting_data(lib.tool(1), ply, RIGID, 0.0),
     r"cut depth 0 mm is not positive$"),
])
def test_refusals_name_the_number_and_the_limit(lib, ply, call, message):
    with pytest.raises(UnsafeJobError, match=message) as err:
        call(lib, ply)
    assert err.value.exit_code == EXIT_UNSAFE
    assert "\n" not in str(err.value)


def test_compression_and_long_reach_warnings(lib, ply):
    cd = check_cutting(lib.tool(1), ply, RIGID, rpm=18000, feed=6000, depth_per_pass=5.0)
    assert any("within the upcut part (6 mm)" in w for w in cd.warnings)
    cd = cutting_data(lib.tool(7), ply, RIGID, 18.3)
    assert cd.depth_per_pass <= 2.5 and any("longer than 4 x D" in w for w in cd.warnings)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_shipped_tool_on_every_shipped_profile(lib, ply, profile):
    """Plywood through cuts (labels for V-bits): feeds within every limit, or the refusal the
    rack intends (T5 is too short for 18 mm, T6 is a plastics cutter, T12 needs a slow spindle)."""
    prof = load_profile(profile)
    machine = MachineLimits.of(prof)
    refused = {5: "flute length", 6: "not rated for plywood", 12: "above the tool's max_rpm"}
    for tool in lib.tools:
        depth = prof.engrave.depth if tool.type == "vbit" else 18.0 + prof.depth.overcut
        if tool.number in refused:
            with pytest.raises(UnsafeJobError, match=refused[tool.number]):
                cutting_data(tool, ply, machine, depth)
            continue
        cd = cutting_data(tool, ply, machine, depth)
        assert cd.passes * cd.depth_per_pass == pytest.approx(depth)
        assert cd.depth_per_pass <= tool.pass_limit(ply) + 1e-9
        assert cd.feed <= machine.feed_max and max(cd.plunge, cd.ramp) <= cd.feed
        assert machine.spindle_min <= cd.rpm <= min(tool.max_rpm, machine.spindle_max)
        assert lib.rules.rubbing_floor <= cd.chip_load <= cd.chip_range.max
    # T5 still cuts what it is for: a half-rout pocket.
    assert cutting_data(lib.tool(5), ply, machine, 9.0).passes == 3


def test_spiral_ranges_agree_with_the_material_charts(lib):
    """library.toml's spiral ranges are derived from materials.toml's chart rows (linear in D,
    scaled below 1/8 in); an edit to one file must not leave the other behind."""
    checked = 0
    for tool in lib.tools:
        if tool.type not in ("upcut", "downcut", "compression"):
            continue
        for key, rng in tool.chip_load.items():
            chart = lib.material(key).chart_chip_load(tool.diameter)
            assert rng.min == pytest.approx(chart.min, abs=0.011), (tool.number, key)
            assert rng.max == pytest.approx(chart.max, abs=0.011), (tool.number, key)
            checked += 1
    assert checked == 46


def test_material_names_and_chart(lib):
    assert lib.material("BirchPly").key == lib.material("PLY").key == "plywood"
    ply = lib.material("plywood")
    assert ply.chart_chip_load(6.35) == ChipLoad(0.152, 0.330)
    assert ply.chart_chip_load(1.5875).min == pytest.approx(0.038)
    with pytest.raises(InputError, match=r"unknown material 'plywod' \(did you mean 'plywood'\?\)"):
        lib.material("plywod")
    with pytest.raises(InputError, match=r"no tool T99 in the library \(it holds T1, T2"):
        lib.tool(99)


def test_shipped_files_load_and_are_named_in_errors(lib):
    assert (shipped_dir() / "library.toml").is_file()
    assert lib.source == "tools/library.toml"
    assert [t.number for t in lib.tools] == list(range(1, 13))
    assert {t.type for t in lib.tools} == {"compression", "upcut", "downcut", "vbit", "drill"}
    assert all(t.sources for t in lib.tools)


def _copy(tmp_path: Path, library=None, materials=None) -> tuple[Path, Path]:
    """The shipped files copied, with (old, new) text replacements."""
    out = []
    for name, edits in (("library.toml", library), ("materials.toml", materials)):
        text = (shipped_dir() / name).read_text()
        for old, new in edits or ():
            assert old in text, old
            text = text.replace(old, new, 1)
        (tmp_path / name).write_text(text)
        out.append(tmp_path / name)
    return out[0], out[1]


@pytest.mark.parametrize("library, materials, message", [
    ([("diameter = 6.0\n", "diamter = 6.0\n")], None,
     r"library\.toml: key 'tool\[1\]\.diamter' \(line \d+\): unknown key"
     r" \(did you mean 'diameter'\?\)$"),
    ([("flutes = 2\n", "")], None, r"missing required key 'tool\[1\]\.flutes'$"),
    ([('type = "compression"', 'type = "endmill"')], None,
     r"key 'tool\[1\]\.type' \(line \d+\): must be one of upcut, downcut, compression, ball,"
     r" vbit, drill, got 'endmill'"),
    ([("plywood = [0.14, 0.31]", "plywood = [0.31, 0.14]")], None,
     r"key 'tool\[1\]\.chip_load\.plywood' \(line \d+\): must be \[min, max\] with"
     r" 0 < min <= max, got \[0\.31, 0\.14\]$"),
    ([("plywood = [0.14, 0.31]", "plywod = [0.14, 0.31]")], None,
     r"key 'tool\[1\]\.chip_load\.plywod' \(line \d+\): unknown key \(did you mean 'plywood'\?\)"),
    ([("number = 2\n", "number = 1\n")], None, r"key 'tool\[2\]\.number' .*T1 is listed twice"),
    ([('sources = ["ast_tooling", "cutter_shop", "amana_solid_wood"]',
       'sources = ["ast_toolng"]')], None,
     r"key 'tool\[1\]\.sources' .*names no \[source\.ast_toolng\] table"
     r" \(did you mean 'ast_tooling'\?\)"),
    ([("max_rpm = 24000 ", "max_rpm = 12000 ")], None,
     r"key 'tool\[1\]\.rpm_nominal' .*18000 is outside min_rpm 0 \.\. max_rpm 12000"),
    ([("angle = 90.0 ", "angle = 0 ")], None, r"key 'tool\[10\]\.angle' .*included angle"),
    ([("upcut_length = 6.0 ", "upcut_length = 30.0 ")], None,
     r"upcut_length' .*30 mm is not shorter than flute_length 22 mm"),
    ([("schema = 1", "schema = 2")], None, r"key 'schema' \(line \d+\): is 2; this wikicut reads"),
    (None, [("rubbing_floor = 0.025", "rubing_floor = 0.025")],
     r"materials\.toml: key 'rules\.rubing_floor' \(line \d+\): unknown key"
     r" \(did you mean 'rubbing_floor'\?\)$"),
    (None, [("plunge_fraction = 0.33", "plunge_fraction = 1.5")],
     r"key 'rules\.plunge_fraction' \(line \d+\): must be at most 1, got 1\.5$"),
    (None, [('aliases = ["MDF"', 'aliases = ["BirchPly"')],
     r"key 'material\.mdf\.aliases' .*'birchply' already names material 'plywood'"),
    (None, [("chip_load = [[3.175, 0.076", "chip_load = [[3.175, 0.2, 0.076], [3.175, 0.076")],
     r"key 'material\.plywood\.chip_load' .*must be \[min, max\]"),
    (None, [("[material.hdpe]", "[material.hdpe]\ncolour = 'white'")],
     r"key 'material\.hdpe\.colour' \(line \d+\): unknown key$"),
])
def test_loader_errors_name_file_and_key(tmp_path, library, materials, message):
    lib_path, mat_path = _copy(tmp_path, library, materials)
    with pytest.raises(InputError, match=message) as err:
        load_library(lib_path, mat_path)
    assert "\n" not in str(err.value) and err.value.exit_code == 2


def test_loader_refuses_a_tool_rated_for_an_unknown_material(tmp_path):
    # Without hdpe in materials.toml, the tools rated for it name the unknown key.
    lib_path, mat_path = _copy(tmp_path, materials=[("[material.hdpe]", "[material.hdpe_]")])
    with pytest.raises(InputError, match=r"chip_load\.hdpe' .*unknown key"
                                         r" \(did you mean 'hdpe_'\?\)"):
        load_library(lib_path, mat_path)
    mats, rules = load_materials(mat_path)
    assert "hdpe_" in {m.key for m in mats} and rules == CuttingRules()


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nothere\.toml: file not found$"):
        load_library(tmp_path / "nothere.toml")
