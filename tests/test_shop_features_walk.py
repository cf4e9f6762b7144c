"""A micro-factory operator's shop features, walked end to end: the shop's remnant inventory
across jobs, locked parts, fillers. Each test is a defect found on that walk: small jobs
with `iterations` set, read or nested without G-code where the programs are not the point."""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import rect_part

from wikicut.cli import main
from wikicut.errors import InputError, InputWarning
from wikicut.io.items import job_items
from wikicut.io.job import load_job
from wikicut.pipeline import run_nest

SHOP = """\
next_id = 8

[[sheet]]
id = "R0007"
source = "beams sheet 1"
material = "Plywood"
thickness = 18
width = 1200
height = 800
margin = 15
"""


def job(tmp: Path, body: str, sheet: str = "[sheet]\nwidth = 2440\nheight = 1220\n"
        "thickness = 18\n", name: str = "job.toml") -> Path:
    (tmp / "plate.toml").write_text(rect_part("plate", 300, 200))
    path = tmp / name
    path.write_text(f"""\
name = "walk"
{sheet}
[nest]
spacing = 12
seed = 1
time_limit = 20
iterations = 60
workers = 1
[machine]
profile = "grbl"
tool_diameter = 6.35
{body}""")
    return path


ROLL = "[sheet]\nwidth = 6000\nheight = 1220\nthickness = 18\nstrip = true\n"
PLATES = '[[part]]\nfile = "plate.toml"\nquantity = 3\n[remnants]\nmin_width = 150\n'


def test_a_roll_job_runs_with_the_shop_inventory_and_leaves_its_remnants_in_it(tmp_path):
    """The inventory's 18 mm remnants refused an 18 mm roll job ("strip mode takes a single
    [sheet] (no remnants beside it)", exit 2) that listed no remnant: a shop with an
    inventory could not cut a roll. They are not offered to the roll (one warning line) and
    stay in the inventory."""
    shop = tmp_path / "shop.toml"
    shop.write_text(SHOP)
    with pytest.warns(InputWarning, match="shop.toml.*not offered to a roll"):
        j = load_job(job(tmp_path, PLATES, sheet=ROLL), inventory=shop)
    assert [s.strip for s in j.stocks] == [True] and not j.stocks[0].remnant
    run_nest(j, tmp_path / "out", gcode=False)
    ids = [s["id"] for s in tomllib.loads(shop.read_text())["sheet"]]
    assert ids[0] == "R0007"  # kept, not cut


def test_a_roll_job_listing_remnants_itself_is_still_refused(tmp_path):
    """A roll is cut alone: remnants the job lists with `from` are refused, as before."""
    (tmp_path / "rem.toml").write_text(SHOP)
    roll = ROLL + '[[sheet]]\nfrom = "rem.toml"\n'
    with pytest.raises(InputError, match="strip"):
        load_job(job(tmp_path, PLATES, sheet=roll.replace("[sheet]\nwidth", "[[sheet]]\nwidth")))


def test_a_job_of_fillers_only_is_refused_naming_the_part_and_key(tmp_path):
    """Every part a filler: the job wrote no sheet, exit 0, "0 placed, 20 left out (no
    room)". Nothing asks for a sheet, which is a mistake in the job: exit 2, one line
    naming the file, the part and the key, nothing written."""
    path = job(tmp_path, '[[part]]\nfile = "plate.toml"\nquantity = 20\nfiller = true\n')
    with pytest.raises(InputError, match=r"part\[1\]\.filler.*every part of the job is a filler"):
        load_job(path)
    res = CliRunner().invoke(main, ["nest", str(path), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    line = res.output.strip()
    assert "\n" not in line and "job.toml" in line and "'plate'" in line, line
    assert not (tmp_path / "out").exists()


def test_fillers_beside_a_locked_part_alone_still_fill_its_sheet(tmp_path):
    """A locked part needs its sheet, so fillers beside it are a job (not refused)."""
    path = job(tmp_path, '[[part]]\nfile = "plate.toml"\nquantity = 1\n'
               'lock = { sheet = 1, x = 100, y = 100 }\n'
               '[[part]]\nfile = "plate.toml"\nname = "fill"\nquantity = 4\nfiller = true\n')
    res = run_nest(load_job(path), tmp_path / "out", gcode=False)
    assert len(res.layout.sheets) == 1 and len(res.layout.fillers) == 4


TWO_KINDS = """\
[[sheet]]
width = 2440
height = 1220
thickness = 18
count = 1
[[sheet]]
width = 1220
height = 1220
thickness = 18
"""


@pytest.mark.parametrize("locks, key, says", [
    ("[{ sheet = 1, x = 100, y = 100 }, { sheet = 2, x = 100, y = 100 }]",
     "part[1].lock[2].sheet", "2 sheets of sheet[1] hold locked parts, but it has 1"),
    ("[{ sheet = 1, x = 100, y = 100 }, { sheet = 1, x = 100, y = 500, stock = 2 }]",
     "part[1].lock[2].stock", "sheet 1 is sheet[1] for plate#1, not sheet[2]"),
])
def test_lock_refusals_name_the_jobs_own_sheet_table_beside_the_inventory(tmp_path, locks,
                                                                          key, says):
    """With the inventory offering a remnant (listed first in the stock), a lock refused
    named sheet[2] for the job's first [[sheet]] and sheet[3] for its second: the index
    counted the remnants drawn, which the job's tables do not list."""
    shop = tmp_path / "shop.toml"
    shop.write_text(SHOP)
    path = job(tmp_path, f'[[part]]\nfile = "plate.toml"\nquantity = 3\nlock = {locks}\n'
                         "[remnants]\n", sheet=TWO_KINDS)
    for inventory in (None, shop):
        with pytest.raises(InputError) as err, warnings.catch_warnings():
            warnings.simplefilter("ignore", InputWarning)
            job_items(load_job(path, inventory=inventory))
        assert key in str(err.value) and says in str(err.value), str(err.value)


L_SHEET = """\
[sheet]
thickness = 18
margin = 15
outline = [[0, 0], [1200, 0], [1200, 300], [500, 300], [500, 800], [0, 800]]
keepouts = [[0, 0, 120, 120]]
"""


@pytest.mark.parametrize("x, y, why", [
    (700, 500, "off the offcut's material"),  # in the L's notch: inside its box
    (50, 50, "over keepouts[0]"),
    (5, 150, "in the margin"),
])
def test_a_lock_off_an_l_shaped_offcut_says_why_it_is_not_usable(tmp_path, x, y, why):
    """A copy locked in an L-shaped offcut's notch was refused as "not inside sheet 1's
    usable area (1200 x 800 mm less the 15 mm margin and keep-outs)": the box named holds
    the part, so the line did not say what was wrong. It now says which: off the material,
    over a keep-out, or in the margin."""
    path = job(tmp_path, f'[[part]]\nfile = "plate.toml"\nquantity = 2\n'
                         f"lock = {{ sheet = 1, x = {x}, y = {y} }}\n", sheet=L_SHEET)
    with pytest.raises(InputError, match="part\\[1\\]\\.lock") as err:
        job_items(load_job(path))
    assert "not inside sheet 1's usable area" in str(err.value) and why in str(err.value)
