"""The shipped tool data against the makers' published charts (audit of 2026-12-05,
benchmarks/results/2026-12-05-tooldata.md): every chart row of tools/materials.toml is the
cited chart's inch value x 25.4, no tool's range goes above its chart, the derived feeds
follow rpm x flutes x chip load, and nothing the solver derives is beyond a maker's limit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from click.testing import CliRunner
from conftest import panel_job

from wikicut.cli import main
from wikicut.errors import InputError, UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library, shipped_dir
from wikicut.model import MachineLimits, check_cutting, cutting_data

INCH = 25.4
ROWS = (3.175, 6.35, 9.525, 12.7)  # 1/8, 1/4, 3/8, 1/2 in

# The charts as published, in inches per tooth at 1 x D, rows 1/8 .. 1/2 in.
AST = {  # AST Tooling, "Speeds and Feeds - Spiral Router Bits"
    "mdf": [(.004, .007), (.012, .015), (.017, .019), (.020, .025)],
    "hardwood": [(.002, .004), (.005, .007), (.013, .015), (.017, .019)],
    "softwood": [(.003, .005), (.006, .008), (.015, .017), (.019, .021)],
    "soft_plastic": [(.003, .005), (.006, .009), (.009, .011), (.011, .014)],
    "plywood": [(.003, .005), (.006, .009), (.015, .018), (.018, .021)],
}
CUTTER_SHOP = {  # Cutter Shop, "Chip Load Chart" ("1/2 in and up"; hard wood's "0.19" is .019)
    "hardwood": [(.003, .005), (.009, .011), (.015, .018), (.019, .021)],
    "plywood": [(.004, .006), (.011, .013), (.017, .020), (.021, .023)],  # Soft Plywood
    "mdf": [(.004, .007), (.013, .016), (.020, .023), (.025, .027)],
    "soft_plastic": [(.003, .006), (.007, .010), (.010, .012), (.012, .016)],
    "aluminium": [(.003, .004), (.005, .007), (.006, .008), (.008, .010)],
}
AMANA_SOLID_WOOD = [(.003, .005), (.005, .007), (.006, .008), (.007, .009)]  # soft/hard wood
AMANA_O_FLUTE = [(.004, .006), (.008, .012), (.011, .016), (.015, .020)]  # ONE flute
AMANA_V_GROOVE = {"wood": .0024, "mdf": .0048}  # 18,000 rpm, 2 flutes

# What each row of materials.toml says it took, column by column.
EXPECTED = {
    "plywood": [(AST["plywood"][i][0], CUTTER_SHOP["plywood"][i][1]) for i in range(4)],
    "mdf": [(min(AST["mdf"][i][0], CUTTER_SHOP["mdf"][i][0]),
             max(AST["mdf"][i][1], CUTTER_SHOP["mdf"][i][1])) for i in range(4)],
    "hardwood": [(AST["hardwood"][0][0], CUTTER_SHOP["hardwood"][0][1]),
                 (AST["hardwood"][1][0], CUTTER_SHOP["hardwood"][1][1]),
                 (AMANA_SOLID_WOOD[2][0], CUTTER_SHOP["hardwood"][2][1]),
                 (AMANA_SOLID_WOOD[3][0], CUTTER_SHOP["hardwood"][3][1])],
    "softwood": [(AMANA_SOLID_WOOD[i][0], AST["softwood"][i][1]) for i in range(4)],
    "hdpe": [(AST["soft_plastic"][i][0], CUTTER_SHOP["soft_plastic"][i][1]) for i in range(4)],
}


@pytest.fixture(scope="module")
def lib():
    return load_library()


def mm(inch: float) -> float:
    return round(inch * INCH, 3)


def test_inch_conversion():
    assert mm(.001) == 0.025
    assert round(.001 * INCH, 4) == 0.0254
    assert mm(.013) == 0.330 and mm(.023) == 0.584


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_chart_rows_are_the_cited_charts(lib, key):
    """Each row is its cited column's inch value x 25.4, to the file's 0.001 mm."""
    chart = lib.material(key).chart
    assert [d for d, _ in chart] == list(ROWS)
    for (d, rng), (lo, hi) in zip(chart, EXPECTED[key], strict=True):
        assert (rng.min, rng.max) == (mm(lo), mm(hi)), (key, d)


def test_hdpe_rows_are_two_flute_charts(lib):
    """Amana's single O-flute chart is per tooth of ONE flute; a 2-flute spiral taking that
    chip cuts twice as much a turn. The HDPE rows stay inside the 2-flute charts."""
    hdpe = lib.material("hdpe")
    for (_, rng), ast, cs in zip(hdpe.chart, AST["soft_plastic"], CUTTER_SHOP["soft_plastic"],
                                 strict=True):
        assert rng.max <= mm(max(ast[1], cs[1])) + 1e-9
    for tool in lib.tools:
        if tool.flutes == 2 and "hdpe" in tool.chip_load and tool.type != "vbit":
            assert tool.chip_load["hdpe"].max <= hdpe.chart_chip_load(tool.diameter).max + 5e-4


def test_acm_small_row_is_the_aluminium_column(lib):
    acm = lib.material("acm")
    assert acm.chart[0][1].max == mm(CUTTER_SHOP["aluminium"][0][1])  # .004 in, not .005
    assert lib.tool(6).chip_load["acm"].max <= mm(.004)


def test_no_tool_range_above_its_chart(lib):
    """Spiral ranges interpolate the chart rows; a maximum is never rounded up past the
    chart (0.0005 mm: the rows' own rounding)."""
    for tool in lib.tools:
        if tool.type not in ("upcut", "downcut", "compression"):
            continue
        for key, rng in tool.chip_load.items():
            chart = lib.material(key).chart_chip_load(tool.diameter)
            assert rng.max <= chart.max + 5e-4, (tool.number, key, rng.max, chart.max)
            assert rng.min <= rng.max


def test_vbits_are_amanas_single_value(lib):
    for n in (10, 11):
        t = lib.tool(n)
        assert t.max_rpm <= 18000  # Amana V-groove: "Operating RPM: 18,000"
        for key in ("plywood", "softwood", "hardwood", "hdpe"):
            assert t.chip_load[key].mid == pytest.approx(mm(AMANA_V_GROOVE["wood"]), abs=1e-3)
        assert t.chip_load["mdf"].mid == pytest.approx(mm(AMANA_V_GROOVE["mdf"]), abs=1e-3)


def test_t1_plywood_feed_at_18000(lib):
    """T1 through 18.3 mm + 0.3 overcut at 18,000 rpm: feed = rpm x flutes x chip load,
    the chip load the middle of the range derated for 9.3 mm passes (1.55 x D: 86.25 %),
    inside the cited charts' plywood envelope at that derate."""
    ply = lib.material("BirchPly")
    machine = MachineLimits(feed_max=8000, spindle_min=18000, spindle_max=18000)
    cd = cutting_data(lib.tool(1), ply, machine, 18.6)
    derate = 1 - 0.25 * (9.3 / 6.0 - 1)
    assert (cd.passes, cd.rpm) == (2, 18000)
    assert cd.feed == pytest.approx(18000 * 2 * (0.14 + 0.31) / 2 * derate)  # 6,986 mm/min
    lo = ply.chart_chip_load(6.0)
    assert lo.min * derate - 0.005 <= cd.chip_load <= lo.max * derate


@pytest.mark.parametrize("profile", ["grbl", "linuxcnc", "mach3", "mach4", "shopbot"])
def test_nothing_derived_beyond_a_makers_limit(lib, profile):
    """Every tool in every material it is rated for, through the sheet on each shipped
    profile's spindle range: rpm within max_rpm, chip load within the derated maximum and
    the chart's, no pass deeper than the makers' 3 x D."""
    prof = load_profile(profile)
    machine = MachineLimits.of(prof)
    for tool in lib.tools:
        for key in tool.chip_load:
            mat = lib.material(key)
            depth = prof.engrave.depth if tool.type == "vbit" else min(
                18.0 + prof.depth.overcut, tool.flute_length)
            try:
                cd = cutting_data(tool, mat, machine, depth, rules=lib.rules)
            except UnsafeJobError:
                continue  # refused is safe
            assert cd.rpm <= tool.max_rpm + 1e-6
            assert cd.chip_load <= cd.chip_range.max + 1e-9
            if tool.type in ("upcut", "downcut", "compression"):
                assert cd.chip_load <= mat.chart_chip_load(tool.diameter).max + 5e-4
            if tool.type != "drill":
                assert cd.depth_per_pass <= lib.rules.derate_max_multiple * tool.diameter


# Edge of Arlington Saw & Tool, "CNC Routers: Things to Avoid": drills turn far slower than
# router bits; boring bits go in drill heads, and a hole bored in a router spindle at "4-5000
# RPM at most" ("turn the RPM down as low as possible": no floor).
EOA_HOLE_RPM = (4000, 5000)


def test_the_drills_speeds_are_the_sources(lib):
    t12 = lib.tool(12)
    assert t12.type == "drill" and "eoasaw_avoid" in t12.sources
    assert t12.max_rpm == EOA_HOLE_RPM[1] and t12.min_rpm == 0
    assert EOA_HOLE_RPM[0] <= t12.rpm_nominal <= EOA_HOLE_RPM[1]


@pytest.mark.parametrize("profile", ["grbl", "linuxcnc", "mach3", "mach4", "shopbot"])
def test_the_drill_on_a_shipped_spindle_is_refused_in_one_line_that_says_why(lib, tmp_path,
                                                                            profile):
    """No shipped spindle turns as slowly as a drill (their minimum is 7,000-8,000 rpm): a
    rack holding T12 is refused before anything is cut, in one line naming the tool, the
    profile, both speeds and what to do; nothing is written."""
    prof = load_profile(profile)
    assert prof.spindle.min > lib.tool(12).max_rpm
    job = panel_job(tmp_path, profile, tools="[1, 12]", drill=5.0)
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    lines = res.output.strip().splitlines()
    assert lines == [f"error: {job}: T12 (5 mm carbide-tipped dowel / brad-point drill):"
                     f" {prof.name}'s slowest spindle speed {prof.spindle.min:g} rpm is above"
                     " the tool's max_rpm 5000: this spindle cannot run it; leave T12 out of"
                     " the rack (holes are then bored by an end mill that fits them) or use a"
                     " machine profile whose [spindle] min is 5000 or less"], lines
    assert not (tmp_path / "out").exists()
    # as it says: without T12 the end mill bores the 5 mm hole (T7, 2.5 mm, fits it)
    job = panel_job(tmp_path, profile, tools="[1, 7]", drill=5.0)
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output


def test_a_pass_beyond_the_charts_is_refused(lib):
    """The makers' derate stops at 3 x D; deeper, the chip load would be a guess."""
    ply = lib.material("plywood")
    deep = replace(lib.tool(7), max_depth_per_pass={"plywood": 8.0})
    machine = MachineLimits(feed_max=8000, spindle_min=6000, spindle_max=24000)
    with pytest.raises(UnsafeJobError, match=r"deeper than the makers' charts go \(3 x D ="
                                             r" 7\.5 mm\)"):
        cutting_data(deep, ply, machine, 18.3)
    with pytest.raises(UnsafeJobError, match="makers' charts"):
        check_cutting(deep, ply, machine, rpm=18000, feed=3000, depth_per_pass=10.0)


def _copy(tmp_path, edit_lib=None, edit_mat=None):
    lib_text = (shipped_dir() / "library.toml").read_text()
    mat_text = (shipped_dir() / "materials.toml").read_text()
    if edit_lib:
        lib_text = lib_text.replace(*edit_lib, 1)
    if edit_mat:
        mat_text = mat_text.replace(*edit_mat, 1)
    (tmp_path / "library.toml").write_text(lib_text)
    (tmp_path / "materials.toml").write_text(mat_text)
    return tmp_path / "library.toml", tmp_path / "materials.toml"


def test_loader_refuses_depth_multiples_beyond_the_charts(tmp_path):
    lib, mat = _copy(tmp_path, edit_lib=("plywood = 2.0\n", "plywood = 4.0\n"))
    with pytest.raises(InputError, match=r"tool\[1\]\.max_depth_per_pass\.plywood.*4 x D is"
                                         r" deeper than the makers' charts go"):
        load_library(lib, mat)
    lib, mat = _copy(tmp_path, edit_mat=("max_depth_per_pass = 1.5   # x D, for a 2-flute",
                                         "max_depth_per_pass = 3.5   # x D, for a 2-flute"))
    with pytest.raises(InputError, match=r"material\.plywood\.max_depth_per_pass"):
        load_library(lib, mat)


def test_inch_library_reads_as_the_mm_one(tmp_path, lib):
    """T2 written in inches as a US chart gives it: the same tool (0.001 in = 0.0254 mm)."""
    (tmp_path / "inch.toml").write_text('''schema = 1
units = "inch"
[[tool]]
number = 2
name = "1/4 in compression"
type = "compression"
diameter = 0.25
flutes = 2
flute_length = 0.875
upcut_length = 0.236
max_rpm = 24000
[tool.chip_load]
plywood = [0.006, 0.013]
[tool.max_depth_per_pass]
plywood = 2.0
''')
    t = load_library(tmp_path / "inch.toml").tool(2)
    assert t.diameter == pytest.approx(6.35) and t.flute_length == pytest.approx(22.225)
    assert (t.chip_load["plywood"].min, t.chip_load["plywood"].max) == (
        pytest.approx(0.1524), pytest.approx(0.3302))
    shipped = lib.tool(2).chip_load["plywood"]
    assert t.chip_load["plywood"].max == pytest.approx(shipped.max, abs=5e-4)
