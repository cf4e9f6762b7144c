"""Long rolls with keep-outs near their start, offcuts a full sheet has room for, exact gaps on
stock lists and panels that tile a sheet exactly. Layouts are checked with shapely,
independently of the nester's own check."""

from __future__ import annotations

from pathlib import Path

import shapely
from conftest import check_layout

from wikicut.model import Layout, Lock, NestItem, NestSettings, Part, Stock
from wikicut.nest import nest

SPACING = 12.0


def settings(**kw) -> NestSettings:
    return NestSettings(**{"spacing": SPACING, "time_limit": 60, "iterations": 30,
                           "workers": 1, **kw})


def check(layout: Layout, spacing: float = SPACING) -> None:
    check_layout(layout, spacing)


def rect(name: str, w: float, h: float) -> Part:
    return Part(name, shapely.box(0, 0, w, h))


# --- a long roll: the nester cuts it to the parts' row, which must start after the keep-outs

ROLL = Stock(50_000, 1220, 18, 15, strip=True)


def test_parts_on_a_long_roll_go_after_a_part_locked_across_its_start():
    """50 m roll, a 1900 x 1190 panel locked across its whole width at its start, three
    500 x 1100 boards nested: the roll was cut to the boards' row (about 1.6 m), all of it
    behind the locked panel, and the boards were refused as not fitting the stock."""
    lock = Lock(sheet=1, x=15.0, y=15.0, rotation=0.0)
    items = [NestItem("big#1", rect("big", 1900, 1190), lock=lock),
             *(NestItem(f"board#{k}", rect("board", 500, 1100), rotations=(0.0, 180.0))
               for k in (1, 2, 3))]
    lay = nest(items, [ROLL], settings())
    check(lay)
    assert lay.unplaced == []
    assert len(lay.sheets) == 1 and len(lay.sheets[0].placements) == 4
    big = next(pl for pl in lay.sheets[0].placements if pl.instance == "big#1")
    assert (big.x, big.y, big.rotation) == (15.0, 15.0, 0.0)


def test_parts_on_a_long_roll_go_after_a_clamp_across_it():
    """The same with the roll's own keep-out (a clamp bar 2 m in, across the width)."""
    roll = Stock(50_000, 1220, 18, 15, strip=True,
                 keepouts=(shapely.box(0, 0, 2000, 1220),))
    items = [NestItem(f"board#{k}", rect("board", 500, 1100), rotations=(0.0, 180.0))
             for k in (1, 2, 3)]
    lay = nest(items, [roll], settings())
    check(lay)
    assert lay.unplaced == []
    assert min(pl.placed().outline.bounds[0] for pl in lay.sheets[0].placements) >= 2000


def test_a_clamp_at_the_far_end_of_a_long_roll_does_not_lengthen_the_raster():
    """A clamp 999 m along a 1 km roll: the nester's roll is cut to the parts' row (it
    was cut after the clamp, a raster 1 km long and 10 GB), and the layout is on the roll
    as given."""
    from wikicut.nest.roll import cut_rolls, row_length

    roll = Stock(1_000_000, 1220, 18, 15, strip=True,
                 keepouts=(shapely.box(999_000, 0, 999_100, 100),))
    items = [NestItem(f"board#{k}", rect("board", 500, 1100), rotations=(0.0, 180.0))
             for k in (1, 2, 3)]
    (cut,) = cut_rolls(items, [roll], SPACING, 4.0)
    assert cut.width == row_length(items, roll, SPACING, 4.0) < 2000
    lay = nest(items, [roll], settings())
    check(lay)
    assert lay.unplaced == [] and lay.sheets[0].stock.width == 1_000_000


def test_clamps_across_a_roll_along_the_row_push_it_on():
    """Clamp bars across the roll every 700 mm, 200 mm wide: a 500 mm board fits between
    two, not a 600 mm one, so each bar the row reaches pushes the rest past it: the roll is
    cut long enough for all of them to be placed."""
    bars = tuple(shapely.box(x, 0, x + 200, 1220) for x in range(400, 20_000, 700))
    roll = Stock(50_000, 1220, 18, 15, strip=True, keepouts=bars)
    items = [NestItem(f"board#{k}", rect("board", 600, 1100), rotations=(0.0, 180.0))
             for k in range(1, 7)]
    lay = nest(items, [roll], settings())
    check(lay)
    assert lay.unplaced == []
    for pl in lay.sheets[0].placements:
        assert not any(pl.placed().outline.intersects(b) for b in bars)


# --- a stock list: an offcut used for nothing beside a full sheet with room

REPO = Path(__file__).resolve().parent.parent

OFFCUT_JOB = """
name = "anyrot"
[[sheet]]
width = 1500
height = 1500
thickness = 18
margin = 10
count = 1
material = "Ply"
outline = [[0, 0], [1500, 0], [0, 1500]]
[[sheet]]
width = 2440
height = 1220
thickness = 18
margin = 15
material = "Ply"
[nest]
spacing = 8
seed = 3
time_limit = 60
iterations = 20
workers = 1
rotations = "any"
mirror = true
[[part]]
file = "bar.toml"
quantity = 4
[[part]]
file = "PARTS/wedge.toml"
quantity = 10
[[part]]
file = "PARTS/roof-rib.toml"
quantity = 2
[[part]]
file = "PARTS/floor-panel.toml"
quantity = 1
grain = true
params = { width = 1100, depth = 560 }
"""

BAR = """
name = "bar"
[[feature]]
type = "rectangle"
x = 0
y = 0
w = 1300
h = 60
"""


def test_an_offcut_is_not_used_for_parts_the_full_sheet_has_room_for(tmp_path):
    """Two 60 mm bars 1300 mm long on a triangular offcut that no other part needs, beside a
    full sheet with room for them (`wikicut nest` of this job, 20 iterations, one worker).
    The stock list's one-sheet-fewer try (the offcut held at 0) decoded the best order
    again, which opened a second full sheet for the bars, and gave up. Held at one full
    sheet, the bars left out are placed first and fit."""
    from wikicut.io.job import load_job
    from wikicut.pipeline import job_items

    (tmp_path / "bar.toml").write_text(BAR)
    job_file = tmp_path / "job.toml"
    job_file.write_text(OFFCUT_JOB.replace("PARTS", str(REPO / "parts")))
    job = load_job(job_file)
    lay = nest(job_items(job), list(job.stocks), job.settings)
    check(lay, 8.0)
    assert lay.unplaced == []
    assert [s.stock.width for s in lay.sheets] == [2440]


# --- exact fill on a stock list

def test_the_exact_fill_empties_an_offcut_into_a_full_sheets_exact_gap():
    """A 2410 x 840 panel on a full sheet leaves a band exactly 300 mm high beside the 50 mm
    spacing (1190 inside the margin); three 300 mm squares fit it to the micron, which the
    raster cannot see, so the search put them on an offcut listed first. The exact fill ran
    only on jobs of one stock type."""
    off = Stock(1030, 1030, 18, 15, count=1)
    full = Stock(2440, 1220, 18, 15)
    items = [NestItem("big#1", Part("big", shapely.box(0, 0, 2410, 840))),
             *(NestItem(f"sq#{k}", Part("sq", shapely.box(0, 0, 300, 300))) for k in (1, 2, 3))]
    lay = nest(items, [off, full], settings(spacing=50.0, iterations=200))
    check(lay, 50.0)
    assert lay.unplaced == []
    assert [(s.index, s.stock.width, len(s.placements)) for s in lay.sheets] == [(1, 2440, 4)]


# --- exact fill: the last two sheets laid afresh on one

def test_panels_that_tile_a_sheet_exactly_four_by_three_take_one_sheet():
    """Twelve 593.5 x 388.667 mm panels, 12 mm spacing: four across and three up fill a
    2440 x 1220 sheet's 2410 x 1190 mm inside its margin to the micron. The raster cannot
    see that; the search mixed their turns (six turned across the bottom, three above) and
    put three on a second sheet, and the exact fill, which only moved the last sheet's
    parts into the first one's gaps, found no room for them."""
    panel = Part("panel", shapely.box(0, 0, 593.5, (1190 - 24) / 3))
    items = [NestItem(f"panel#{k}", panel) for k in range(1, 13)]
    lay = nest(items, [Stock(2440, 1220, 18, 15)], settings())
    check(lay)
    assert lay.unplaced == []
    assert len(lay.sheets) == 1 and len(lay.sheets[0].placements) == 12
