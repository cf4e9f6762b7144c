"""Ejection chains (nest/chains.py): exact free regions, parts moved out of the way, and the
last sheet emptied through them (exact_fill.fill_last_sheets); every layout checked by
verify_layout (shapely distances)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from wikicut.model import Layout, NestItem, Part, Placement, SheetLayout, Stock
from wikicut.nest import verify_layout
from wikicut.nest.chains import Chains
from wikicut.nest.exact_fill import fill_last_sheets, place


def _box(name: str, w: float, h: float, grid: float = 0.0) -> Part:
    return Part(name, shapely.set_precision(shapely.box(0, 0, w, h), grid))


def _where(layout: Layout) -> dict[str, tuple[int, float, float]]:
    return {p.instance: (s.index, p.x, p.y) for s in layout.sheets for p in s.placements}


def test_a_smaller_part_moves_out_of_the_way():
    # A (100 x 70) at the left, s (40 x 30) right of it; P (260 x 120, the sheet's height)
    # fits only from x = 110, where s is, and s fits on top of A
    stock = Stock(width=400, height=120, margin=0)
    a, s, p = _box("A", 100, 70), _box("s", 40, 30), _box("P", 260, 120)
    first = SheetLayout(1, stock, [Placement("a", a, 0, 0), Placement("s", s, 110, 0)])
    last = SheetLayout(2, stock, [Placement("p", p, 0, 0)])
    items = [NestItem("a", a, (0.0,)), NestItem("s", s, (0.0,)), NestItem("p", p, (0.0,))]
    assert place(first, last.placements[0], (0.0,), 10.0) is None  # no box contact fits
    out = fill_last_sheets(Layout([first, last]), items, 10.0, 4.0)
    assert len(out.sheets) == 1 and verify_layout(out, 10.0) == []
    at = _where(out)
    assert at["p"] == pytest.approx((1, 110.0, 0.0), abs=1e-3)
    assert at["s"] == pytest.approx((1, 0.0, 80.0), abs=1e-3)  # on top of A
    assert at["a"] == (1, 0.0, 0.0)


@pytest.mark.parametrize("grid", [0.0, 0.001])  # A on a precision grid (as a DXF's)
def test_the_smallest_part_moves_a_larger_one_to_another_sheet(grid):
    # no part is smaller than P (60 x 60): V (360 x 30) leaves sheet 1 for the 35 mm band of
    # sheet 2, where P does not fit, and P takes its place. No spacing: on a 0.001 mm grid
    # A's outline grown by a tenth of a micron is empty, unless the grid is dropped first
    stock = Stock(width=400, height=120, margin=0)
    a, v, c, p = (_box("A", 400, 40, grid), _box("V", 360, 30), _box("C", 400, 85),
                  _box("P", 60, 60))
    one = SheetLayout(1, stock, [Placement("a", a, 0, 0), Placement("v", v, 0, 40)])
    two = SheetLayout(2, stock, [Placement("c", c, 0, 0)])
    three = SheetLayout(3, stock, [Placement("p", p, 0, 0)])
    items = [NestItem(n, g, (0.0,)) for n, g in (("a", a), ("v", v), ("c", c), ("p", p))]
    out = fill_last_sheets(Layout([one, two, three]), items, 0.0, 4.0)
    assert len(out.sheets) == 2 and verify_layout(out, 0.0) == []
    at = _where(out)
    assert at["p"][0] == 1 and at["v"][0] == 2
    assert at["p"][1:] == pytest.approx((0.0, 40.0), abs=1e-3)


def test_a_chain_that_leaves_a_part_without_room_is_undone():
    # as in the first test, but A is 100 x 95: s has nowhere to go, so P stays out and the
    # layout is returned as it was
    stock = Stock(width=400, height=120, margin=0)
    a, s, p = _box("A", 100, 95), _box("s", 40, 30), _box("P", 260, 120)
    first = SheetLayout(1, stock, [Placement("a", a, 0, 0), Placement("s", s, 110, 0)])
    lay = Layout([first, SheetLayout(2, stock, [Placement("p", p, 0, 0)])])
    items = [NestItem("a", a, (0.0,)), NestItem("s", s, (0.0,)), NestItem("p", p, (0.0,))]
    assert fill_last_sheets(lay, items, 10.0, 4.0) is lay
    ch = Chains([first], {"p": (0.0,), "s": (0.0,)}, 10.0)
    assert not ch.eject(lay.sheets[1].placements[0])
    assert ch.layouts()[0] is first


def _random_part(rng: np.random.Generator, k: int) -> Part:
    if rng.random() < 0.4:  # a triangle, a corner square
        a = float(rng.uniform(20, 90))
        return Part(f"t{k}", Polygon([(0, 0), (a, 0), (0, a)]))
    pts = rng.uniform(0, float(rng.uniform(30, 110)), (7, 2))
    hull = shapely.convex_hull(shapely.MultiPoint(pts))
    notch = shapely.box(*hull.centroid.coords[0], *(np.array(hull.bounds[2:]) + 1))
    g = hull.difference(notch)  # non-convex: an L or a bite
    if g.geom_type != "Polygon" or g.area < 100:
        g = hull
    return Part(f"p{k}", shapely.affinity.translate(g, -g.bounds[0], -g.bounds[1]))


def test_every_position_is_clear_by_the_spacing():
    # random convex and notched parts, placed one after another onto two small sheets, then
    # the parts left over by chains: whatever is placed keeps the spacing exactly (some
    # chains do happen: 3 on these seeds)
    moved_in_all = 0
    for seed in range(4):
        for spacing in (0.0, 6.0):
            rng = np.random.default_rng(seed)
            stock = Stock(width=240, height=160, margin=5)
            rot: dict[str, tuple[float, ...]] = {}
            ch = Chains([SheetLayout(1, stock, []), SheetLayout(2, stock, [])], rot, spacing)
            placed, left = 0, []
            for k in range(30):
                rot[f"i{k}"] = (0.0, 90.0, 180.0, 270.0)
                pl = Placement(f"i{k}", _random_part(rng, k), 0.0, 0.0)
                if ch.place(pl):
                    placed += 1
                else:
                    left.append(pl)
            moved = sum(ch.eject(pl) for pl in left)
            lay = Layout(ch.layouts())
            assert verify_layout(lay, spacing) == [], (seed, spacing)
            assert sum(len(s.placements) for s in lay.sheets) == placed + moved
            assert placed >= 20
            moved_in_all += moved
    assert moved_in_all >= 2


def test_nothing_is_tried_after_the_deadline():
    stock = Stock(width=400, height=120, margin=0)
    s = _box("s", 40, 30)
    ch = Chains([SheetLayout(1, stock, [])], {"s": (0.0,)}, 0.0,
                deadline=time.monotonic() - 1.0)
    assert not ch.place(Placement("s", s, 0, 0))
    assert ch.layouts()[0].placements == []


def test_keep_outs_and_an_offcut_outline_are_respected():
    # a clamp in the middle of the sheet and an L-shaped offcut: squares placed one after
    # another go round both, and never into the clamp's hole in the usable area
    clamp = shapely.box(150, 40, 250, 110)
    ell = Polygon([(0, 0), (400, 0), (400, 80), (200, 80), (200, 150), (0, 150)])
    sq = _box("sq", 30, 30)
    for stock in (Stock(width=400, height=150, margin=5, keepouts=(clamp,)),
                  Stock(width=400, height=150, margin=5, outline=ell)):
        ch = Chains([SheetLayout(1, stock, [])], {}, 4.0)
        n = 0
        while ch.place(Placement(f"s{n}", sq, 0, 0)):
            n += 1
        lay = Layout(ch.layouts())
        assert verify_layout(lay, 4.0) == []
        usable = stock.usable
        assert all(usable.buffer(1e-6).contains(p.placed().outline)
                   for p in lay.sheets[0].placements)
        assert n >= 25


@pytest.mark.parametrize("quad_segs", [4, 16, 200])
def test_convex_pieces_hold_the_outline_and_stay_few(quad_segs):
    # a disc with a slot, a C-shaped ring (1,537 vertices at 200 segments a quarter): the
    # pieces are convex, cover the outline, and number at most MAX_PIECES (the ring's
    # 758 then become its hull, which still holds it)
    from shapely.geometry import Point

    from wikicut.nest.chains import MAX_PIECES, _pieces

    slot = Point(0, 0).buffer(100, quad_segs=quad_segs).difference(shapely.box(-20, -200, 20, 0))
    ring = (Point(0, 0).buffer(100, quad_segs=quad_segs)
            .difference(Point(0, 0).buffer(60, quad_segs=quad_segs))
            .difference(shapely.box(-10, -200, 10, 0)))
    tee = Polygon([(0, 20), (20, 0), (552.7, 0), (572.7, 20), (572.7, 137), (300.7, 137),
                   (280.7, 157), (280.7, 327), (90.7, 327), (90.7, 157), (70.7, 137), (0, 137)])
    for g in (slot, ring, tee):
        pieces = [Polygon(p) for p in _pieces(g)]
        assert 1 <= len(pieces) <= min(MAX_PIECES, 32)
        assert all(p.convex_hull.area - p.area <= 1e-6 * p.area for p in pieces)
        assert shapely.union_all(pieces).buffer(1e-7).contains(g)
    assert len(_pieces(tee)) == 3 and len(_pieces(slot)) <= 4
