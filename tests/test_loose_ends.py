"""Three loose ends an operator meets: recutting a part on a kept remnant named by its id,
filler copies counted apart from the job's part limit, and a `[machine] tool_diameter` the
tool library has no tool of (bad input, not an unsafe job)."""

from __future__ import annotations

import json
from pathlib import Path

import ezdxf
import pytest
from clirun import one_line_error, run
from conftest import rect_part

from wikicut.errors import EXIT_INPUT, InputError
from wikicut.io import limits as lim
from wikicut.io.items import job_items
from wikicut.io.job import load_job
from wikicut.model import NestSettings
from wikicut.nest import nest, resolution
from wikicut.nest.fillers import fill, filler_stocks

ROOT = Path(__file__).resolve().parent.parent
WEDGE = (ROOT / "parts" / "wedge.toml").as_posix()


def job_text(parts: str, machine: str = "") -> str:
    return f"""\
name = "loose"
[sheet]
width = 1220
height = 610
thickness = 18
margin = 15
[nest]
spacing = 12
time_limit = 5
iterations = 1
[machine]
profile = "grbl"
{machine}
{parts}"""


WEDGES = f'[[part]]\nfile = "{WEDGE}"\nquantity = 2\n'


# --- recut on a remnant named by its id ------------------------------------------------------


def remnant(rid: str, width: float, height: float, thickness: float = 18) -> str:
    return (f'\n[[sheet]]\nid = "{rid}"\nsource = "an earlier job sheet 1"\nmaterial = "Plywood"'
            f"\nthickness = {thickness:g}\nwidth = {width:g}\nheight = {height:g}\nmargin = 10\n")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A small job cut drawing on the shop's inventory (so its folder records it), and a
    hand-kept inventory: R0003 (400 x 300), R0004 (12 mm), R0001 and R0002 given out and
    taken since (next_id 5)."""
    base = tmp_path_factory.mktemp("shop")
    (base / "job.toml").write_text(job_text(WEDGES))
    res = run("nest", str(base / "job.toml"), "-o", str(base / "cut"), "-q", "--inventory",
              str(base / "shop.toml"))
    assert res.exit_code == 0, res.output
    (base / "inv.toml").write_text("next_id = 5\n" + remnant("R0003", 400, 300)
                                   + remnant("R0004", 400, 300, thickness=12))
    return base


def test_recut_on_a_remnant_named_by_its_id(shop, tmp_path):
    inv = tmp_path / "inv.toml"  # a copy: the recut takes R0003 out of it
    inv.write_text((shop / "inv.toml").read_text())
    res = run("recut", str(shop / "cut"), "wedge#2", "--on", "R0003", "--inventory",
              str(inv), "-o", str(tmp_path / "re"))
    assert res.exit_code == 0, res.output
    rep = json.loads((tmp_path / "re" / "report.json").read_text())
    stock = rep["sheets"][0]["stock"]
    assert (stock["name"], stock["width"], stock["height"]) == ("Remnant R0003", 400, 300)
    assert rep["settings"]["recut_of"] == "wedge#2"


def test_recut_finds_the_id_in_the_inventory_the_job_drew_on(shop, tmp_path):
    """No --inventory: the one the job's folder records, where its remnant went (R0001)."""
    inv = (shop / "shop.toml").read_text()
    assert 'id = "R0001"' in inv
    res = run("recut", str(shop / "cut"), "wedge#1", "--on", "R0001",
              "-o", str(tmp_path / "re"), cwd=tmp_path)
    assert res.exit_code == 0, res.output
    rep = json.loads((tmp_path / "re" / "report.json").read_text())
    assert rep["sheets"][0]["stock"]["name"] == "Remnant R0001"
    assert 'id = "R0001"' not in (shop / "shop.toml").read_text()  # taken out of it


@pytest.mark.parametrize("rid, needle", [
    ("R0009", "no remnant of that id (its remnants: R0003, R0004)"),
    ("R0002", "remnant R0002 is no longer in the inventory"),
    ("R0004", "remnant is 12 mm thick"),
])
def test_recut_refuses_a_remnant_id_it_cannot_use(shop, tmp_path, rid, needle):
    res = run("recut", str(shop / "cut"), "wedge#2", "--on", rid, "--inventory",
              str(shop / "inv.toml"), "-o", str(tmp_path / "re"))
    one_line_error(res, EXIT_INPUT, "inv.toml", f"--on {rid}", needle)
    assert not (tmp_path / "re").exists()


# --- fillers counted apart from the part limit -----------------------------------------------


def test_filler_copies_count_apart_from_the_part_limit(tmp_path):
    (tmp_path / "sq.toml").write_text(rect_part("sq", 60, 60))
    parts = (f'[[part]]\nfile = "{WEDGE}"\nquantity = 4\n'
             f'[[part]]\nfile = "sq.toml"\nquantity = {lim.MAX_FILLERS}\nfiller = true\n')
    (tmp_path / "job.toml").write_text(job_text(parts))
    items = job_items(load_job(tmp_path / "job.toml"))
    assert sum(it.filler for it in items) == lim.MAX_FILLERS
    assert sum(not it.filler for it in items) == 4


def test_too_many_filler_copies_are_refused_naming_their_cap(tmp_path):
    (tmp_path / "sq.toml").write_text(rect_part("sq", 60, 60))
    half = lim.MAX_FILLERS // 2 + 1
    parts = f'[[part]]\nfile = "{WEDGE}"\nquantity = 1\n' + "".join(
        f'[[part]]\nfile = "sq.toml"\nname = "sq{k}"\nquantity = {half}\nfiller = true\n'
        for k in range(2))
    (tmp_path / "job.toml").write_text(job_text(parts))
    res = run("nest", str(tmp_path / "job.toml"), "-o", str(tmp_path / "out"))
    one_line_error(res, EXIT_INPUT, "job.toml", f"{2 * half} filler copies",
                   f"the {lim.MAX_FILLERS} a job may offer")
    assert not (tmp_path / "out").exists()


def test_a_dxf_of_several_fillers_is_held_to_the_filler_cap(tmp_path):
    """A DXF of two parts makes two copies per quantity: counted when the items are made."""
    doc = ezdxf.new()
    doc.units = 4  # mm
    msp = doc.modelspace()
    for x in (0, 100):
        msp.add_lwpolyline([(x, 0), (x + 50, 0), (x + 50, 50), (x, 50)], close=True)
    doc.saveas(tmp_path / "keys.dxf")
    parts = (f'[[part]]\nfile = "{WEDGE}"\nquantity = 1\n'
             f'[[part]]\nfile = "keys.dxf"\nquantity = {lim.MAX_FILLERS // 2 + 1}\n'
             "filler = true\n")
    (tmp_path / "job.toml").write_text(job_text(parts))
    with pytest.raises(InputError, match=f"more than the {lim.MAX_FILLERS} filler copies"):
        job_items(load_job(tmp_path / "job.toml"))


def test_the_filler_search_gets_no_more_copies_than_the_room_holds(tmp_path):
    """200 copies of a 100 mm square asked for, room for about 40 by area: the search is
    given no more than the area allows, and every copy is placed or said left out."""
    (tmp_path / "big.toml").write_text(rect_part("big", 1000, 300))
    (tmp_path / "sq.toml").write_text(rect_part("sq", 100, 100))
    parts = ('[[part]]\nfile = "big.toml"\nquantity = 1\n'
             '[[part]]\nfile = "sq.toml"\nquantity = 200\nfiller = true\n')
    (tmp_path / "job.toml").write_text(job_text(parts))
    job = load_job(tmp_path / "job.toml")
    items = job_items(job)
    fillers = [it for it in items if it.filler]
    settings = NestSettings(spacing=12, rotations=(0.0,), seed=1, time_limit=5, iterations=1)
    layout = nest([it for it in items if not it.filler], list(job.stocks), settings)
    res = resolution(list(job.stocks), items)
    room = sum(s.usable.area for s in filler_stocks(layout, 12, res) if s is not None)
    given: list[int] = []

    def nester(its, sts):
        given.append(len(its))
        return nest(its, sts, settings)

    out = fill(layout, fillers, 12, res, nester)
    assert given and given[0] <= room // 10_000 < len(fillers)
    assert sorted(out.fillers + out.fillers_left) == sorted(it.instance for it in fillers)
    assert 0 < len(out.fillers) <= given[0]


# --- a tool_diameter the library has no tool of ----------------------------------------------


def test_tool_diameter_the_library_lacks_is_bad_input(tmp_path):
    (tmp_path / "job.toml").write_text(job_text(WEDGES, "tool_diameter = 7"))
    res = run("nest", str(tmp_path / "job.toml"), "-o", str(tmp_path / "out"))
    line = one_line_error(res, EXIT_INPUT, "job.toml", "key 'machine.tool_diameter'",
                          "no end mill of 7 mm")
    assert "6, 6.35, 8" in line  # the diameters the library has
    assert not (tmp_path / "out").exists()
