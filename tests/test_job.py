"""Job files: values, overrides and one-line refusals of bad keys."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import shapely

from wikicut.errors import InputError, UnsafeJobError
from wikicut.io.job import load_job
from wikicut.model import NestItem, Part, Stock
from wikicut.nest.feasibility import check_fits

GOOD = """\
name = "shed"
[sheet]
width = 2440
height = 1220
thickness = 18.3
margin = 15
count = 20
[nest]
spacing = 12
rotations = [0, 90, 180, 270]
seed = 1
time_limit = 30
[machine]
profile = "grbl"
tool_diameter = 6.35
[[part]]
file = "rib.toml"
quantity = 8
params = { length = 2400 }
rotations = [0, 180]
"""


def write_job(tmp_path: Path, text: str) -> Path:
    (tmp_path / "rib.toml").write_text("name='rib'\n")
    p = tmp_path / "job.toml"
    p.write_text(text)
    return p


def test_good_job_reads_every_value(tmp_path):
    job = load_job(write_job(tmp_path, GOOD))
    assert job.name == "shed"
    (s,) = job.stocks
    assert (s.width, s.height, s.thickness, s.margin, s.count) == (2440, 1220, 18.3, 15, 20)
    assert job.settings.spacing == 12 and job.settings.rotations == (0, 90, 180, 270)
    assert job.profile == "grbl" and job.tool_diameter == 6.35
    (jp,) = job.parts
    assert jp.quantity == 8 and jp.params == {"length": 2400.0} and jp.rotations == (0, 180)


def test_command_line_overrides(tmp_path):
    job = load_job(write_job(tmp_path, GOOD), seed=7, time_limit=5, profile="linuxcnc")
    assert job.settings.seed == 7 and job.settings.time_limit == 5 and job.profile == "linuxcnc"


def test_multiple_stocks_and_keepouts(tmp_path):
    text = GOOD.replace("[sheet]", "[[sheet]]") + (
        "[[sheet]]\nwidth = 1200\nheight = 800\nthickness = 18.3\ncount = 2\n"
        "keepouts = [[0, 0, 100, 100], [[500, 500], [600, 500], [600, 600]]]\n")
    job = load_job(write_job(tmp_path, text))
    assert len(job.stocks) == 2 and len(job.stocks[1].keepouts) == 2
    assert job.stocks[1].usable.area < (1200 - 30) * (800 - 30)


@pytest.mark.parametrize("old,new,expect", [
    ("spacing = 12", "spacng = 12",
     "key 'nest.spacng' (line 9): unknown key (did you mean 'spacing'?)"),
    ("margin = 15", "margin = -1", "key 'sheet.margin' (line 6): must be at least 0, got -1"),
    ("width = 2440\n", "", "missing required key 'sheet.width'"),
    ("quantity = 8", "quantity = 0", "key 'part[1].quantity' (line 18): must be greater than 0"),
    ("quantity = 8", "quantity = 2.5", "must be a whole number"),
    ('file = "rib.toml"', 'file = "nope.toml"', "part file 'nope.toml' not found"),
    ("thickness = 18.3", "thickness = 0.72",
     "key 'sheet.thickness' (line 5): 0.72 mm is thinner than any board a router cuts parts "
     "from (0.72 in would be 18.288 mm): give the thickness in mm"),
    ("thickness = 18.3", "thickness = 720", "is not a sheet thickness"),
    ("rotations = [0, 180]", "rotations = []", "must be a non-empty list of angles"),
    ("seed = 1", "seed = 'one'", "must be a number, got 'one'"),
    ('profile = "grbl"', 'profle = "grbl"', "did you mean 'profile'?"),
    ("[machine]", "[machin]", "unknown key (did you mean 'machine'?)"),
    ("time_limit = 30", "time_limit = 30\ntime_limit = 31", "TOML syntax error"),
])
def test_bad_job_values_are_one_line_errors(tmp_path, old, new, expect):
    p = write_job(tmp_path, GOOD.replace(old, new))
    if expect is None:
        load_job(p)
        return
    with pytest.raises(InputError) as err:
        load_job(p)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(p)) and expect in msg


def test_a_thickness_in_inches_is_refused_not_cut_a_millimetre_deep(tmp_path):
    """0.72 is a 3/4 in board typed in inches: every depth would follow it (a program cutting
    1 mm into the board, the sheet wasted), so it is refused; 18.3 mm says nothing."""
    p = write_job(tmp_path, GOOD.replace("thickness = 18.3", "thickness = 0.72"))
    with pytest.raises(InputError, match=r"key 'sheet.thickness' \(line \d+\): 0.72 mm is"
                       r" thinner .* \(0.72 in would be 18.288 mm\)"):
        load_job(p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_job(write_job(tmp_path, GOOD))  # 18.3 mm: nothing said


def test_part_larger_than_every_sheet_is_refused():
    big = Part("beam", shapely.box(0, 0, 3000, 200), source="beam.toml")
    stock = Stock(2440, 1220, 18, 15)
    with pytest.raises(UnsafeJobError) as err:
        check_fits([NestItem("beam#1", big, (0.0, 90.0))], [stock])
    assert "beam.toml: part 'beam': part is 3000.0 x 200.0 mm" in str(err.value)
    assert err.value.exit_code == 3
    # fits when rotated onto a longer sheet
    check_fits([NestItem("beam#1", big, (0.0, 90.0))], [Stock(3100, 1220, 18, 15)])


def test_a_job_outside_the_checkout_names_a_shipped_part(tmp_path):
    """As after `pip install .`: the job's folder holds no part file; `file = "spacer"`
    (no folder, no suffix, as a profile is named) is the shipped part, wherever the package
    keeps it, and is shown as the shipped profiles are (parts/spacer.toml)."""
    from wikicut.io.items import load_job_parts
    from wikicut.io.shipped import shipped_dir

    job = tmp_path / "job.toml"
    job.write_text(GOOD.replace('file = "rib.toml"', 'file = "spacer"')
                   .replace("params = { length = 2400 }\n", ""))
    (jp,) = load_job(job).parts
    assert jp.file == "spacer" and jp.path == shipped_dir("parts") / "spacer.toml"
    ((_, part),) = load_job_parts(load_job(job))
    assert part.name == "spacer" and part.source == "parts/spacer.toml"


@pytest.mark.parametrize(("file", "expect"), [
    ("spacr", "key 'part[1].file' (line 17): no shipped part 'spacr' (did you mean 'spacer'?);"
              " shipped parts: bowtie, cassette-side, "),
    ("../../parts/spacer.toml", "key 'part[1].file' (line 17): part file"
                                " '../../parts/spacer.toml' not found; a shipped part 'spacer'"
                                ' exists: to use it, file = "spacer"'),
])
def test_a_part_named_wrong_lists_the_shipped_parts(tmp_path, file, expect):
    job = tmp_path / "job.toml"
    job.write_text(GOOD.replace('file = "rib.toml"', f'file = "{file}"'))
    with pytest.raises(InputError) as err:
        load_job(job)
    assert str(err.value).startswith(f"{job}: part '") and expect in str(err.value)
