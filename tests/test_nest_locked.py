"""Locked parts and fillers in nest(): the locked part exactly where it was put, the others
around it the spacing away; fillers only in the room left, never another sheet. Layouts are
checked with shapely here, independently of the nester's own check."""

from __future__ import annotations

import pytest
import shapely
from conftest import check_layout
from shapely import affinity

from wikicut.model import Layout, Lock, NestItem, NestSettings, Part, Stock
from wikicut.nest import nest

SPACING = 10.0
PANEL = Part("panel", shapely.box(0, 0, 700, 400))
BIG = Part("big", shapely.Polygon([(0, 0), (900, 0), (900, 200), (300, 600), (0, 600)]))
WEDGE = Part("wedge", shapely.Polygon([(0, 0), (140, 8), (140, 28), (0, 36)]))
KEY = Part("key", shapely.Polygon([(0, 0), (300, 0), (300, 60), (150, 100), (0, 100)]))
STOCK = Stock(2440, 1220, 18, 15, keepouts=(shapely.box(2200, 0, 2440, 200),))


def settings(**kw) -> NestSettings:
    return NestSettings(**{"spacing": SPACING, "time_limit": 60, "iterations": 400,
                           "workers": 1, **kw})


def check(layout: Layout, spacing: float = SPACING) -> None:
    check_layout(layout, spacing)


def placed(layout: Layout) -> dict[str, tuple[int, float, float, float]]:
    return {pl.instance: (sh.index, pl.x, pl.y, pl.rotation)
            for sh in layout.sheets for pl in sh.placements}


def at(layout: Layout, instance: str):
    return next((sh, pl) for sh in layout.sheets for pl in sh.placements
                if pl.instance == instance)


def panels(n: int) -> list[NestItem]:
    return [NestItem(f"panel#{k}", PANEL) for k in range(1, n + 1)]


def test_a_locked_part_stays_exactly_where_it_was_put_and_the_rest_nests_around_it():
    lock = Lock(sheet=1, x=800.0, y=300.0, rotation=90.0)
    items = [*panels(7), NestItem("big#1", BIG, lock=lock)]
    lay = nest(items, [STOCK], settings())
    check(lay)
    assert lay.unplaced == [] and lay.locked == ["big#1"]
    sh, pl = at(lay, "big#1")
    assert sh.index == 1 and pl.rotation == 90.0
    g = pl.placed().outline
    want = affinity.rotate(BIG.outline, 90.0, origin=(0, 0))
    want = affinity.translate(want, 800.0 - want.bounds[0], 300.0 - want.bounds[1])
    assert g.equals_exact(want, 1e-9)
    assert g.bounds[:2] == pytest.approx((800.0, 300.0), abs=1e-9)
    # the sheet the locked part is on is used by the others too (it is the first opened)
    assert len(sh.placements) > 1
    assert sh.stock == STOCK  # the locked part is a part again, not a keep-out


def test_a_sheet_holding_only_locked_parts_is_kept_and_numbered_as_locked():
    """The panels fit on one sheet with the small locked wedge; the big part locked on sheet
    2 keeps sheet 2 even though the search would not need it."""
    items = [*panels(2), NestItem("wedge#1", WEDGE, lock=Lock(1, 15.0, 15.0)),
             NestItem("big#1", BIG, lock=Lock(2, 1500.0, 600.0, 0.0))]
    lay = nest(items, [STOCK], settings())
    check(lay)
    assert [sh.index for sh in lay.sheets] == [1, 2]
    assert at(lay, "wedge#1")[0].index == 1 and at(lay, "big#1")[0].index == 2
    assert at(lay, "wedge#1")[1].placed().outline.bounds[:2] == pytest.approx((15, 15))
    assert sorted(lay.locked) == ["big#1", "wedge#1"]


@pytest.mark.parametrize("count", [1, 2])
def test_locked_sheets_take_their_copies_of_a_counted_stock(count):
    """One or two sheets in stock, one of them locked: the panels that do not fit are left
    out, never put on another sheet."""
    stock = Stock(2440, 1220, 18, 15, count=count)
    items = [*panels(20), NestItem("big#1", BIG, lock=Lock(1, 15.0, 15.0))]
    lay = nest(items, [stock], settings())
    check(lay)
    assert len(lay.sheets) == count and lay.unplaced
    assert len(lay.sheets[0].placements) > 1
    assert all(sh.stock == stock for sh in lay.sheets)


def test_a_locked_part_on_a_strip_stays_and_counts_in_the_length_used():
    roll = Stock(6000, 1220, 18, 10, strip=True)
    items = [*panels(4), NestItem("big#1", BIG, lock=Lock(1, 2500.0, 100.0, 180.0))]
    lay = nest(items, [roll], settings())
    check(lay)
    (sh,) = lay.sheets
    g = at(lay, "big#1")[1].placed().outline
    assert g.bounds[:2] == pytest.approx((2500.0, 100.0))
    right = max(pl.placed().outline.bounds[2] for pl in sh.placements)
    assert sh.used_length == pytest.approx(right + roll.margin)


def test_locked_layouts_are_deterministic():
    items = [*panels(9), NestItem("big#1", BIG, lock=Lock(1, 700.0, 200.0, 270.0)),
             *(NestItem(f"wedge#{k}", WEDGE, filler=True) for k in range(1, 30))]
    a = nest(items, [STOCK], settings(seed=3))
    b = nest(items, [STOCK], settings(seed=3))
    assert placed(a) == placed(b) and a.fillers == b.fillers


def test_fillers_fill_the_room_left_without_adding_a_sheet():
    free = panels(9)
    fillers = [NestItem(f"key#{k}", KEY, filler=True) for k in range(1, 151)]
    alone = nest(free, [STOCK], settings())
    lay = nest(free + fillers, [STOCK], settings())
    check(lay)
    assert len(lay.sheets) == len(alone.sheets)
    # the job's own parts are where they were without the fillers
    assert {k: v for k, v in placed(lay).items() if k.startswith("panel")} == placed(alone)
    n = len(lay.fillers)
    assert 20 < n < 150 and len(lay.fillers_left) == 150 - n
    assert lay.unplaced == []  # fillers left out are not parts that did not fit
    assert sorted(lay.fillers + lay.fillers_left) == sorted(it.instance for it in fillers)
    assert n == sum(1 for sh in lay.sheets for pl in sh.placements if pl.instance in
                    set(lay.fillers))


def test_fillers_alone_open_no_sheet():
    lay = nest([NestItem(f"wedge#{k}", WEDGE, filler=True) for k in range(1, 4)], [STOCK],
               settings())
    assert lay.sheets == [] and lay.fillers == [] and len(lay.fillers_left) == 3


def test_a_filler_larger_than_every_sheet_is_named_in_a_warning():
    """A filler no sheet takes is left out as one that found no room, but said: a typo in
    its parameters (a 3000 mm wedge) went unnoticed."""
    from wikicut.errors import InputWarning

    long = Part("long-wedge", shapely.Polygon([(0, 0), (3000, 8), (3000, 28), (0, 36)]),
                source="long.toml")
    items = panels(2) + [NestItem(f"long-wedge#{k}", long, filler=True) for k in (1, 2)]
    with pytest.warns(InputWarning, match=r"long.toml: filler 'long-wedge': part is 3000.0 x"
                                          r" 36.0 mm, larger than every sheet's usable area"):
        lay = nest(items, [STOCK], settings())
    assert len(lay.fillers_left) == 2 and lay.unplaced == []


def test_fillers_around_a_locked_part_keep_the_spacing_to_it():
    items = [NestItem("big#1", BIG, lock=Lock(1, 1000.0, 300.0, 0.0)),
             *(NestItem(f"wedge#{k}", WEDGE, filler=True) for k in range(1, 200))]
    lay = nest(items, [STOCK], settings())
    check(lay)
    (sh,) = lay.sheets
    big = at(lay, "big#1")[1].placed().outline
    assert big.bounds[:2] == pytest.approx((1000.0, 300.0))
    assert len(lay.fillers) > 50
    # some filler sits right beside the locked part: the room next to it is used
    near = min(big.distance(pl.placed().outline) for pl in sh.placements if pl.instance != "big#1")
    assert SPACING - 1e-6 <= near < SPACING + 20


def test_fillers_never_lengthen_a_strip():
    roll = Stock(6000, 1220, 18, 10, strip=True)
    free = panels(5)
    alone = nest(free, [roll], settings())
    lay = nest(free + [NestItem(f"wedge#{k}", WEDGE, filler=True) for k in range(1, 200)],
               [roll], settings())
    check(lay)
    assert lay.sheets[0].used_length == alone.sheets[0].used_length
    right = max(pl.placed().outline.bounds[2] for pl in lay.sheets[0].placements)
    assert right <= alone.sheets[0].used_length - roll.margin + 1e-6
    assert lay.fillers


def test_a_lock_on_an_offcut_of_a_stock_list_uses_that_offcut():
    """An offcut (one in stock) listed before full sheets, a part locked on it: the offcut is
    sheet 1 with the locked part, it is not used twice, and the rest go on full sheets."""
    offcut = Stock(1220, 1220, 18, 15, count=1, name="offcut")
    full = Stock(2440, 1220, 18, 15, name="full")
    items = [*panels(10), NestItem("big#1", BIG, lock=Lock(1, 15.0, 15.0, 0.0, stock=0))]
    lay = nest(items, [offcut, full], settings())
    check(lay)
    assert lay.unplaced == []
    assert lay.sheets[0].stock == offcut and at(lay, "big#1")[0].index == 1
    assert [sh.stock.name for sh in lay.sheets[1:]] == ["full"] * (len(lay.sheets) - 1)
    assert [sh.index for sh in lay.sheets] == list(range(1, len(lay.sheets) + 1))


def test_a_part_nests_in_the_hole_of_a_locked_frame():
    """Keep-outs grown from a locked frame keep its hole free: a panel goes inside it."""
    frame = Part("frame", shapely.box(0, 0, 1000, 700).difference(shapely.box(100, 100, 900, 600)))
    items = [NestItem("frame#1", frame, lock=Lock(1, 15.0, 15.0)),
             NestItem("panel#1", PANEL)]
    lay = nest(items, [Stock(1030, 730, 18, 15)], settings())
    check(lay)
    (sh,) = lay.sheets
    hole = shapely.box(115, 115, 915, 615)
    assert hole.contains(at(lay, "panel#1")[1].placed().outline)


def test_sheet_elimination_keeps_the_locked_sheets():
    """Enough parts for several sheets and a budget that reaches sheet elimination: the
    sheets holding locked parts stay, numbered as locked, with their parts in place."""
    items = [*panels(24), NestItem("big#1", BIG, lock=Lock(1, 15.0, 15.0)),
             NestItem("big#2", BIG, lock=Lock(2, 1500.0, 600.0, 180.0))]
    lay = nest(items, [STOCK], settings(iterations=1500))
    check(lay)
    assert lay.unplaced == []
    assert at(lay, "big#1")[0].index == 1 and at(lay, "big#2")[0].index == 2
    assert at(lay, "big#2")[1].placed().outline.bounds[:2] == pytest.approx((1500.0, 600.0))
    assert [sh.index for sh in lay.sheets] == list(range(1, len(lay.sheets) + 1))
    # the locked sheets are used by the others (they are cut anyway)
    assert all(len(lay.sheets[k].placements) > 1 for k in (0, 1))
