"""A new shop set up from the docs alone (docs/tools.md, "Setting up your own shop"): its own
profile, tool library and materials beside the job, and the mistakes a person makes writing
them. Each mistake is refused in one line naming the file and key (exit 2), or as unsafe
(exit 3), before anything is written; what is written passes the verifier and rs274.

- A single rack tool (or one a job forces on a kind) with flutes shorter than the sheet cut
  right through it with exit 0: the reach check skipped a rack of one and a forced tool.
- An empty `[spindle] on` or `off` was accepted, and the job failed only after the whole nest
  with thousands of "cutting with the spindle off" violations.
- A spindle whose start line sets no speed ("M3": set by hand) had no word at the tool
  changes of a G-code program about the speed to set (OpenSBP's said it).
- A sheet larger than the bed was found only after nesting, blamed on a label's move.
- A tool diameter typed in inches (0.25 for 1/4 in) was read as mm: a profile's in an inch
  profile, a library's beside mm flutes, and chip loads in inches per tooth; a library may
  now say `units = "inch"`.
- docs/tools.md said the library was not wired into the planner, and never named the job's
  `[machine] library` and `materials` keys.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import find_rs274, panel_job, profile_copy, run_rs274

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.job import MACHINE_KEYS
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.verify import verify_program

ROOT = Path(__file__).resolve().parent.parent
GRBL = (ROOT / "profiles" / "grbl.toml").read_text(encoding="utf-8")
SHOPBOT = (ROOT / "profiles" / "shopbot.toml").read_text(encoding="utf-8")

LIBRARY = """schema = 1
{head}
[[tool]]
number = 1
name = "6 mm upcut"
type = "upcut"
diameter = {d6}
flutes = 2
flute_length = {fl6}
max_rpm = 24000
[tool.chip_load]
plywood = {cl6}

[[tool]]
number = 2
name = "3 mm upcut"
type = "upcut"
diameter = 3.0
flutes = 2
flute_length = 12.0
max_rpm = 24000
[tool.chip_load]
plywood = [0.07, 0.14]
"""


def _library(folder: Path, head: str = "", d6: str = "6.0", fl6: str = "22.0",
             cl6: str = "[0.14, 0.31]") -> Path:
    path = folder / "library.toml"
    path.write_text(LIBRARY.format(head=head, d6=d6, fl6=fl6, cl6=cl6), encoding="utf-8")
    return path


def _shop(folder: Path, profile: str = GRBL, tools: str = "[1, 2]", extra: str = "",
          sheet: str = "") -> Path:
    """A job of two small panels, cut on the shop's own profile with its own library."""
    (folder / "shop.toml").write_text(profile, encoding="utf-8")
    _library(folder)
    return panel_job(folder, "shop.toml", tools, 'library = "library.toml"\n' + extra, sheet)


def _nest(job: Path, out: Path):
    return CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "-q"])


def _error(res, code: int, *needles: str) -> str:
    """The run's one error line: exit `code`, no traceback, every needle in it."""
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output, res.output
    line = next(ln for ln in res.output.splitlines() if ln.startswith("error:"))
    for n in needles:
        assert n in line, line
    return line


def _profile_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profile(path)
    return str(err.value)


# --- tools that do not reach through the sheet


def test_a_single_rack_tool_with_flutes_shorter_than_the_sheet_is_refused(tmp_path):
    """T2's 12 mm flutes through 18.3 mm: its shank would rub (a V-bit gouge) below them."""
    res = _nest(_shop(tmp_path, tools="[2]"), tmp_path / "out")
    _error(res, 3, "panel", "18.3 mm deep", "no tool in the rack reaches it",
           "longest flutes are 12 mm")
    assert not (tmp_path / "out").exists()


def test_a_tool_forced_on_outlines_with_flutes_too_short_is_refused_naming_its_key(tmp_path):
    extra = "[machine.operations.outline]\ntool = 2\n"
    res = _nest(_shop(tmp_path, extra=extra), tmp_path / "out")
    _error(res, 3, "outline 18.3 mm deep", "T2", "[machine.operations.outline] tool",
           "12 mm of flutes")
    assert not (tmp_path / "out").exists()


# --- the spindle


@pytest.mark.parametrize("key", ["on", "off"])
def test_an_empty_spindle_line_is_refused_when_the_profile_is_read(tmp_path, key):
    text = re.sub(rf'(?m)^{key} = ".*"$', f'{key} = ""', GRBL)
    msg = _profile_error(tmp_path, text)
    assert "shop.toml" in msg and f"spindle.{key}" in msg and "empty" in msg


def test_a_spindle_set_by_hand_is_named_with_its_speed_at_every_manual_change(tmp_path):
    """A GRBL router whose spindle is switched on by M3 alone, tools changed at an M0: the
    comment before each tool names it and the speed to set; the programs pass the verifier
    and LinuxCNC's interpreter."""
    text = GRBL.replace('on = "M3 S{speed}"', 'on = "M3"').replace(
        'mode = "split"', 'mode = "pause"')
    # the 3 mm tool (long flutes here) bores the 4 mm drill's hole, the 6 mm one the rest
    (tmp_path / "shop.toml").write_text(text, encoding="utf-8")
    lib = _library(tmp_path)
    lib.write_text(lib.read_text().replace("flute_length = 12.0", "flute_length = 22.0"))
    job = panel_job(tmp_path, "shop.toml", "[1, 2]", 'library = "library.toml"', drill=4)
    out = tmp_path / "out"
    res = _nest(job, out)
    assert res.exit_code == 0, res.output
    prof = load_profile(tmp_path / "shop.toml")
    [prog] = sorted(out.glob("sheet-*.nc"))
    text = prog.read_text(encoding="utf-8")
    joined = " ".join(ln.strip("()") for ln in text.splitlines() if ln.startswith("("))
    first = re.search(r"fit (T\d) .*?, spindle at (\d+) rpm and zero Z", joined)
    change = re.search(r"tool change: fit (T\d) .*?, spindle at (\d+) rpm, re-zero Z", joined)
    assert first and change and first.group(1) != change.group(1), joined[:600]
    assert "M0" in text.splitlines()
    assert verify_program(text, prof, thickness=18) == []
    exe = find_rs274()
    if exe is not None:
        done = run_rs274(exe, prog)
        assert done.returncode == 0, done.stdout[-400:]


# --- the bed


def test_a_sheet_larger_than_the_bed_is_refused_before_nesting(tmp_path):
    small_bed = re.sub(r"(?m)^x = \[-20, \d+\]", "x = [0, 800]", GRBL)
    res = _nest(_shop(tmp_path, profile=small_bed), tmp_path / "out")
    line = _error(res, 3, "shop.toml", "1000 x 600 mm sheet", "travel", "x 0..800")
    assert "label" not in line
    assert not (tmp_path / "out").exists()


def test_a_bed_that_takes_the_sheet_turned_says_so(tmp_path):
    turned = re.sub(r"(?m)^y = \[-20, \d+\]", "y = [0, 1100]",
                    re.sub(r"(?m)^x = \[-20, \d+\]", "x = [0, 650]", GRBL))
    res = _nest(_shop(tmp_path, profile=turned), tmp_path / "out")
    _error(res, 3, "turned, as width = 600 and height = 1000, it fits")


def test_an_inch_profile_whose_bed_was_typed_in_inches_is_told_limits_are_mm(tmp_path):
    inches = re.sub(r"(?m)^y = \[-20, \d+\]", "y = [-0.75, 49]",
                    re.sub(r"(?m)^x = \[-20, \d+\]", "x = [-0.75, 98]", SHOPBOT))
    res = _nest(_shop(tmp_path, profile=inches), tmp_path / "out")
    _error(res, 3, "[limits] are mm whatever `units` says")


# --- inches where mm are expected


def test_a_tool_diameter_typed_in_inches_in_an_inch_profile_is_refused(tmp_path):
    msg = _profile_error(tmp_path, SHOPBOT.replace("diameter = 6.35", "diameter = 0.25"))
    assert "tool.diameter" in msg and "6.35" in msg and "whatever `units` says" in msg


def test_a_library_diameter_typed_in_inches_beside_mm_flutes_is_refused(tmp_path):
    with pytest.raises(InputError) as err:
        load_library(_library(tmp_path, d6="0.236"))
    msg = str(err.value)
    assert "library.toml" in msg and "tool[1].diameter" in msg and 'units = "inch"' in msg


def test_a_chip_load_in_inches_per_tooth_in_a_mm_library_is_refused(tmp_path):
    with pytest.raises(InputError) as err:
        load_library(_library(tmp_path, cl6="[0.006, 0.013]"))
    msg = str(err.value)
    assert "tool[1].chip_load.plywood" in msg and "rubbing floor" in msg


def test_a_library_in_inches_is_read_in_mm(tmp_path):
    """A ShopBot shop's rack as its catalogue gives it: 1/4 in, 7/8 in flutes, 0.006-0.013
    in per tooth. The 3 mm tool's lengths are inches too here: 3 in, refused as implausible
    only when its flutes are 20 x D, which 12 in over 3 in is not."""
    lib = load_library(_library(tmp_path, head='units = "inch"', d6="0.25", fl6="0.875",
                                cl6="[0.006, 0.013]"))
    t = lib.tool(1)
    assert t.diameter == pytest.approx(6.35)
    assert t.flute_length == pytest.approx(22.225)
    assert t.chip_load["plywood"].min == pytest.approx(0.1524)
    assert t.chip_load["plywood"].max == pytest.approx(0.3302)


def test_a_library_units_key_is_checked(tmp_path):
    with pytest.raises(InputError, match="units"):
        load_library(_library(tmp_path, head='units = "inches"'))


# --- the mistakes the walk found already handled (kept so)


@pytest.mark.parametrize(("change", "needles"), [
    (("plunge = 600", "plunj = 600"), ["feeds.plunj", "did you mean 'plunge'"]),
    (("plunge = 600", "plunge = 0"), ["feeds.plunge", "greater than 0"]),
    (("safe = 5\n", "\n"), ["missing required key 'heights.safe'"]),
    (("overcut = 0.3", "overcut = -0.5"), ["depth.overcut", "at least 0"]),
])
def test_profile_mistakes_are_one_line_naming_the_key(tmp_path, change, needles):
    msg = _profile_error(tmp_path, GRBL.replace(*change, 1))
    for n in needles:
        assert n in msg, msg


def test_a_tool_number_listed_twice_in_a_library_is_refused(tmp_path):
    path = _library(tmp_path)
    path.write_text(path.read_text().replace("number = 2", "number = 1"))
    with pytest.raises(InputError, match=r"tool\[2\].number.*T1 is listed twice"):
        load_library(path)


# --- the docs


def test_the_tool_docs_name_every_machine_key_a_job_may_give():
    doc = (ROOT / "docs" / "tools.md").read_text(encoding="utf-8")
    for key in MACHINE_KEYS:
        assert re.search(rf"(?m)^{key} = |`{key}`|\[machine\] {key}\b|"
                         rf"\[machine\.{key}", doc), key
    assert "Nothing here is wired" not in doc


def test_the_linuxcnc_profile_says_a_rack_applies_tool_lengths():
    head = (ROOT / "profiles" / "linuxcnc.toml").read_text(encoding="utf-8").split("\nname")[0]
    assert "G43 H" in head and "tool.tbl" in head


def test_verify_checks_against_a_shops_own_materials_file(tmp_path):
    """A shop's library rating a material of its own materials file: `wikicut verify
    --material` reads both (--materials), as the job does; without it the library's rating
    of an unknown material is refused at its key, exit 2."""
    shipped = Path(__file__).resolve().parent.parent / "tools"
    mats = (shipped / "materials.toml").read_text(encoding="utf-8")
    block = mats[mats.index("[material.plywood]"):mats.index("[material.mdf]")]
    (tmp_path / "materials.toml").write_text(
        mats + "\n" + block.replace("[material.plywood]", "[material.bamboo]")
        .replace('aliases = ["BirchPly", "SprucePly", "SoftPly", "ply", "plywood"]',
                 'aliases = ["bamboo-ply"]'), encoding="utf-8")
    lib = (shipped / "library.toml").read_text(encoding="utf-8")
    (tmp_path / "library.toml").write_text(
        lib.replace("[tool.chip_load]\n", "[tool.chip_load]\nbamboo = [0.05, 0.2]\n", 1),
        encoding="utf-8")
    program = str(Path(__file__).parent / "golden" / "sheet-linuxcnc.ngc")
    args = ["verify", program, "--profile", "linuxcnc", "--thickness", "18.3", "--material",
            "bamboo", "--library", str(tmp_path / "library.toml")]
    res = CliRunner().invoke(main, args + ["--materials", str(tmp_path / "materials.toml")])
    assert res.exit_code in (0, 3) and "Traceback" not in res.output, res.output
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2 and "chip_load.bamboo" in res.output, res.output


def test_a_rack_tool_missing_from_the_library_names_the_jobs_key(tmp_path):
    """T99 in [machine] tools is the job's mistake: the line names the job and its key."""
    job = panel_job(tmp_path, "linuxcnc", tools="[1, 99]")
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert "job.toml: key 'machine.tools': no tool T99" in res.output
    assert not (tmp_path / "out").exists()


def test_a_hole_refused_names_the_small_tool_too_short_for_it(tmp_path):
    """A 4 mm through hole in a rack of a 6 mm cutter and a 3 mm one with 12 mm flutes: the
    refusal says why the 3 mm tool, which would fit the hole, is no help."""
    job = panel_job(tmp_path, "linuxcnc", tools="[1, 5]", drill=4.0)
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    assert "smaller than the 6 mm tool" in res.output
    assert "T5 (3 mm) has only 12 mm of flutes" in res.output
    assert not (tmp_path / "out").exists()


def test_a_drills_plunge_set_by_the_job_is_its_feed(tmp_path):
    """[machine.operations.drill] plunge for a drill bit (it only moves down): the holes
    are drilled at that feed (it was ignored for the derived one); feed and plunge both
    given and unlike are refused at the key."""
    extra = "[machine.operations.drill]\ntool = 12\nplunge = 400"
    # a spindle that turns as slowly as the drill wants
    profile_copy(tmp_path, "linuxcnc", [("min = 8000", "min = 3000")], "slow.toml")
    job = panel_job(tmp_path, "slow.toml", tools="[1, 12]", drill=5.0, extra=extra)
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    text = next((tmp_path / "out").glob("sheet-001*.ngc")).read_text()
    drilling = text[text.index("T12 M6"):]
    drilling = drilling[:drilling.index(")", drilling.index("(panel#1 drill)") + 16)]
    assert re.findall(r"F(\d+)", drilling) == ["400"], drilling
    job = panel_job(tmp_path, "slow.toml", tools="[1, 12]", drill=5.0,
                    extra=extra + "\nfeed = 600")
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out2")])
    assert res.exit_code == 2 and "operations.drill" in res.output, res.output
