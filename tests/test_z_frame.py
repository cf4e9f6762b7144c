"""[limits] z is the machine's travel in the Z the program writes (after `z_zero`), as a
controller's soft limits see it: with Z0 on the spoilboard, the planner, the profile's
depth check and the verifier hold every written Z (cuts, safe and clearance heights, tool
changes) to it, while the stock's own checks stay from the stock top."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from click.testing import CliRunner
from test_gcode import sample_sheet

from wikicut.cam import plan_sheet
from wikicut.cli import main
from wikicut.errors import InputError, UnsafeJobError
from wikicut.io.job import load_job
from wikicut.io.profiles import PROFILE_DIR, depth_problem, load_profile
from wikicut.post import write_program
from wikicut.verify import verify_program


def spoil(z_min: float = -25.0, z_max: float = 80.0):
    return load_profile("grbl").updated(z_zero="spoilboard",
                                        limits={"z_min": z_min, "z_max": z_max})


def thick(t: float):
    sheet = sample_sheet()
    return replace(sheet, stock=replace(sheet.stock, thickness=t))


def written_z(text: str) -> list[float]:
    code = "\n".join(ln for ln in text.splitlines() if not ln.startswith("("))
    return [float(v) for v in re.findall(r"\bZ(-?\d+\.?\d*)", code)]


def test_the_clearance_height_over_a_spoilboard_zero_is_held_to_the_z_travel():
    """18 mm stock, Z0 on the spoilboard: clearance 20 over the stock top is written Z38,
    above a Z travel ending at 30. Refused by the planner, said in the written Z."""
    with pytest.raises(UnsafeJobError) as e:
        plan_sheet(sample_sheet(), spoil(z_max=30))
    said = str(e.value)
    assert "Z38 written (Z0 on the spoilboard" in said and "[limits] z max 30" in said, said
    assert "[heights] clearance 20" in said, said
    # the same travel with Z0 on the stock top: clearance is written Z20, inside it
    top = load_profile("grbl").updated(limits={"z_max": 30})
    assert max(written_z(write_program(plan_sheet(sample_sheet(), top), top))) == 20


def test_stock_deeper_than_the_travel_below_the_stock_top_is_cut_with_a_spoilboard_zero():
    """40 mm stock, Z0 on the spoilboard, Z travel -25..80: every written Z is -0.3..60,
    inside the travel, so it is planned, written and verified clean; with Z0 on the stock
    top the same through cut is written Z-40.3 and refused."""
    prof = spoil()
    sheet = thick(40.0)
    text = write_program(plan_sheet(sheet, prof), prof)
    zs = written_z(text)
    assert min(zs) == pytest.approx(-prof.depth.overcut) and max(zs) == pytest.approx(60)
    assert verify_program(text, prof, sheet=sheet) == []
    assert verify_program(text, prof) == []  # the header's thickness
    with pytest.raises(UnsafeJobError, match=r"25 mm below the stock top"):
        plan_sheet(sheet, load_profile("grbl"))


def test_the_verifier_holds_the_written_z_to_the_travel_with_a_spoilboard_zero():
    """A program written with Z0 on the spoilboard rapids to Z38: checked against a Z travel
    ending at 30, every such line is a travel-limit in the written Z, named as such."""
    prof = spoil()
    text = write_program(plan_sheet(sample_sheet(), prof), prof)
    assert max(written_z(text)) == pytest.approx(38)
    low = spoil(z_max=30)
    for found in (verify_program(text, low, sheet=sample_sheet()), verify_program(text, low)):
        over = [v for v in found if v.kind == "travel-limit"]
        assert over and {v.kind for v in found} == {"travel-limit"}, found
        assert all(v.message == "Z38.000 written (Z0 on the spoilboard) is above [limits] z max"
                   " 30" for v in over), over
    # a travel from -10: the stock's 18 mm through cut is written Z-0.3, inside it
    assert verify_program(text, spoil(z_min=-10), sheet=sample_sheet()) == []


def test_depth_problem_reads_the_travel_in_the_written_z():
    """The job's thickness against the travel: with Z0 on the spoilboard the stock's top is
    written at its thickness (the clearance over it must fit under z max) and a through cut
    at minus the overcut; with Z0 on the stock top, as before, the cut's depth."""
    assert depth_problem(spoil(), 40.0) is None
    why = depth_problem(spoil(), 70.0)
    assert why is not None and "Z90 written" in why and "[limits] z max 80" in why, why
    why = depth_problem(spoil(z_min=-0.2), 18.0)
    assert why is not None and "Z-0.3 written" in why and "[limits] z min -0.2" in why, why
    assert "25 mm below the stock top" in depth_problem(load_profile("grbl"), 40.0)


JOB = """name = "frame"
[sheet]
width = 1220
height = 1220
thickness = {t}
margin = 15
[machine]
profile = "p.toml"
[[part]]
file = "spacer"
quantity = 1
"""


def test_a_job_names_its_thickness_when_the_clearance_over_it_leaves_the_travel(tmp_path,
                                                                                  monkeypatch):
    """`wikicut nest`: 18.3 mm stock on a machine zeroed on the spoilboard with Z travel to
    30 is refused before nesting (exit 3, nothing written), at the job's thickness key, in
    the written Z; a 40 mm sheet on Z travel -25..80 is cut, every written Z inside it."""
    text = (PROFILE_DIR / "grbl.toml").read_text()
    text = text.replace('\n# z_zero = "spoilboard"', '\nz_zero = "spoilboard"')
    (tmp_path / "p.toml").write_text(re.sub(r"\nz = \[-25, \d+\]", "\nz = [-25, 30]", text))
    (tmp_path / "job.toml").write_text(JOB.format(t=18.3))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["nest", "job.toml", "-o", "out"])
    err = res.stderr if hasattr(res, "stderr") else res.output
    assert res.exit_code == 3, err
    assert "key 'sheet.thickness' (line 5)" in err and "Z38.3 written" in err, err
    assert "[limits] z max 30" in err and not (tmp_path / "out").exists(), err
    (tmp_path / "p.toml").write_text(re.sub(r"\nz = \[-25, \d+\]", "\nz = [-25, 80]", text))
    (tmp_path / "job.toml").write_text(JOB.format(t=40))
    res = CliRunner().invoke(main, ["nest", "job.toml", "-o", "out", "--iterations", "1",
                                     "--time-limit", "2"])
    assert res.exit_code == 0, res.output
    zs = [z for f in (tmp_path / "out").glob("*.nc") for z in written_z(f.read_text())]
    assert zs and min(zs) == pytest.approx(-0.3) and max(zs) == pytest.approx(60)


def test_mixed_thickness_names_the_sheet_that_differs(tmp_path):
    """Two [[sheet]] tables of 18.3 and 17.6 mm: the second's key and line are named, with
    both thicknesses (there is no top-level `thickness` key)."""
    job = JOB.format(t=18.3).replace("[sheet]", "[[sheet]]").replace(
        "margin = 15\n", "margin = 15\n[[sheet]]\nwidth = 2440\nheight = 1220\nthickness = 17.6\n"
        "margin = 15\n", 1)
    (tmp_path / "job.toml").write_text(job)
    (tmp_path / "p.toml").write_text((PROFILE_DIR / "grbl.toml").read_text())
    with pytest.raises(InputError) as e:
        load_job(tmp_path / "job.toml")
    said = str(e.value)
    assert "key 'sheet[2].thickness' (line 10)" in said, said
    assert "17.6 mm" in said and "sheet[1].thickness is 18.3 mm" in said, said
