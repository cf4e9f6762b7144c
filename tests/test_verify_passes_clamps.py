"""Jobs that the check before writing refused although
their programs are safe, because the verifier misread them.

- A ShopBot program in inches (4 decimals) with a library tool: each Z is rounded to
  0.0001 in (0.00254 mm), so a pass the planner made exactly as deep as the tool allows
  (T1: 9.15 mm) reads as 9.1516 mm between two rounded numbers; the check held it to 1e-3 mm
  and refused every such job (`tools = [1]` on the shipped shopbot profile).
- An onion skin taken off by a final pass (`[onion] final_pass = true`) with a library tool:
  the pass goes down its own groove, already cut to the skin, and cuts only the skin; the
  depth-per-pass check counted it from the stock top (an 18.3 mm pass) and refused the job.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import panel_job

from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.verify import ToolLimits, verify_program

ROOT = Path(__file__).resolve().parent.parent



def _job(folder: Path, profile: str, tools: str = "[1]") -> Path:
    return panel_job(folder, profile, tools)


def _nest(job: Path, out: Path):
    return CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "--force", "-q"])


def _verify_all(out: Path, profile: str) -> None:
    """Every sheet's programs, in cutting order, clean by `wikicut verify --sheet`."""
    ext = load_profile(profile).extension.lstrip(".")
    sheets = sorted(out.glob("sheet-*.dxf"))
    assert sheets
    for dxf in sheets:
        programs = sorted(out.glob(f"{dxf.stem}*.{ext}"))
        assert programs
        res = CliRunner().invoke(main, ["verify", *map(str, programs), "--profile", profile,
                                        "--sheet", str(dxf)])
        assert res.exit_code == 0, res.output


def test_shopbot_inch_program_with_a_library_tool_is_written(tmp_path):
    """T1 on the shipped ShopBot profile (inches, 4 decimals): 2 passes of 9.15 mm, written as
    Z-0.3602 and Z-0.7205 (9.1516 mm apart): no longer refused as a pass too deep."""
    out = tmp_path / "out"
    res = _nest(_job(tmp_path, "shopbot"), out)
    assert res.exit_code == 0, res.output
    text = next(out.glob("sheet-001*.sbp")).read_text()
    assert ",-0.3602" in text and ",-0.7205" in text  # the rounded passes
    _verify_all(out, "shopbot")


SBP = """\
' wikicut: hand
' sheet 1: 1000 x 600 x 18 mm Plywood
' tool: T1 6 mm "6 mm", 18000 rpm
SA
JZ,0.7874
C6
PAUSE 4
J2,1,1
MS,1,1
MZ,0
M3,2,1,-0.3602
M2,3,1
M2,1,1
M3,2,1,{second}
M2,3,1
MZ,0
JZ,0.7874
C7
END
"""


@pytest.mark.parametrize("second, bad", [("-0.7205", False), ("-0.7210", True)])
def test_depth_per_pass_allows_the_programs_rounding_only(second, bad):
    """0.0001 in between two rounded depths is rounding; 0.0008 in (0.02 mm) is a pass too
    deep and still refused."""
    prof = load_profile("shopbot")
    got = verify_program(SBP.format(second=second), prof,
                         tools={1: ToolLimits(1, 6.0, max_depth_per_pass=9.15)})
    # the second pass retraces the first one: the ramp and the cut after it take a pass each
    assert [v.kind for v in got if v.kind == "tool"] == (["tool", "tool"] if bad else [])


def _onion_profile(folder: Path, base: str) -> Path:
    text = (ROOT / "profiles" / f"{base}.toml").read_text()
    for a, b in (('# mode = "tabs"', 'mode = "onion"'), ("# [onion]", "[onion]"),
                 ("# skin = 0.5", "skin = 0.5"), ("# final_pass = false", "final_pass = true")):
        assert a in text
        text = text.replace(a, b, 1)
    path = folder / f"{base}-onion.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("base, tools", [("grbl", "[1]"), ("linuxcnc", "[1, 7]")])
def test_onion_skin_final_pass_with_a_library_tool_is_written(tmp_path, base, tools):
    """The skin pass goes down its groove (cut to the skin) and ramps through the 0.5 mm
    skin: the depth per pass counts from the groove's floor, not from the stock top."""
    prof = _onion_profile(tmp_path, base)
    out = tmp_path / "out"
    res = _nest(_job(tmp_path, str(prof), tools), out)
    assert res.exit_code == 0, res.output
    text = "".join(p.read_text() for p in sorted(out.glob("sheet-001*.*c")))
    assert " skin)" in text
    _verify_all(out, str(prof))


GROOVE = """\
(wikicut: hand)
(sheet 1: 1000 x 600 x 18 mm Plywood)
(tool: T1 6 mm "6 mm", 18000 rpm)
G90 G94 G17
G21
G0 Z20
M3 S18000
G4 P4
G0 X10 Y10
G0 Z5
G1 Z0 F600
G1 X20 Z-9 F1500
G1 X100 F3000
G1 X10
G1 X20 Z-17.5 F1500
G1 X100 F3000
G1 X10
G1 Z0
G0 Z5
G0 X{x} Y10
G1 Z0 F600
G1 Z-17.5
G1 X{x2} Z-18.3 F1500
G1 X100 F3000
G1 Z0
G0 Z20
M5
M2
"""


@pytest.mark.parametrize("x, bad", [(50, False), (200, True)])
def test_a_pass_counts_from_the_floor_an_earlier_cut_left_at_both_ends(x, bad):
    """Down a groove already cut to 17.5 mm and along it at 18.3: a 0.8 mm pass. The same
    moves where nothing was cut before (plunged 17.5 mm, then across at 18.3) are a pass of
    18.3 mm, still refused."""
    prof = load_profile("grbl")
    text = GROOVE.format(x=x, x2=x + 10)
    got = verify_program(text, prof, tools={1: ToolLimits(1, 6.0, max_depth_per_pass=9.15)})
    assert any(v.kind == "tool" and "pass" in v.message for v in got) == bad
