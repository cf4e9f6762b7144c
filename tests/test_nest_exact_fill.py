"""Exact fill (nest/exact_fill.py) and the tight outlines it compacts with (compact.tight_grow),
against shapely's own offsets and distances."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from wikicut.model import Layout, NestItem, Part, Placement, SheetLayout, Stock
from wikicut.nest import verify_layout
from wikicut.nest.compact import compact_sheet, tight_grow
from wikicut.nest.exact_fill import fill_last_sheets, place


def _sq(name: str, a: float) -> Part:
    return Part(name, shapely.box(0, 0, a, a))


@pytest.mark.parametrize("seed", range(6))
def test_tight_outline_holds_the_true_offset_and_no_more_along_edges(seed):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 100, (9, 2))
    poly = shapely.convex_hull(shapely.MultiPoint(pts)).union(
        shapely.box(0, 0, 30, 5 + 40 * rng.random()))  # a reflex corner or two
    d = float(rng.uniform(1, 40))
    g = tight_grow(poly, 2 * d)
    # the true offset's boundary: a buffer with vertices on it (chords cut inside)
    ring = shapely.get_coordinates(poly.buffer(d, quad_segs=64).exterior)
    assert shapely.contains_xy(g.buffer(1e-9), ring[:, 0], ring[:, 1]).all()
    assert g.hausdorff_distance(poly.buffer(d, quad_segs=64)) < 0.002 * d + 1e-9
    sq = tight_grow(shapely.box(0, 0, 300, 300), 2 * d)
    assert sq.bounds == pytest.approx((-d, -d, 300 + d, 300 + d), abs=1e-9)


def test_tight_compaction_brings_squares_to_the_exact_spacing():
    stock = Stock(width=1200, height=600, margin=100)
    sq = _sq("sq", 300)
    sheet = SheetLayout(1, stock, [Placement("a", sq, 130, 140), Placement("b", sq, 500, 100)])
    out = compact_sheet(sheet, 50.0, 4.0, tight=True)
    xs = [p.x for p in out.placements]
    assert xs == pytest.approx([100.0, 450.0], abs=1e-6)
    assert verify_layout(Layout([out]), 50.0) == []


def test_place_finds_the_one_exact_gap_and_refuses_a_tighter_one():
    stock = Stock(width=1200, height=500, margin=100)
    sq = _sq("sq", 300)
    sheet = SheetLayout(1, stock, [Placement("a", sq, 100, 100), Placement("b", sq, 450, 100)])
    spot = place(sheet, Placement("c", sq, 0, 0), (0.0,), 50.0)
    assert spot is not None and (spot.x, spot.y) == pytest.approx((800.0, 100.0))
    assert place(sheet, Placement("c", sq, 0, 0), (0.0,), 50.001) is None
    # a part that only fits turned: the rotation allowed is the one it gets
    bar = Part("bar", shapely.box(0, 0, 300, 100))
    tall = SheetLayout(1, Stock(width=1200, height=500, margin=100),
                       [Placement("a", sq, 100, 100), Placement("b", sq, 500, 100)])
    assert place(tall, Placement("c", bar, 0, 0), (0.0,), 50.0) is None
    turned = place(tall, Placement("c", bar, 0, 0), (0.0, 90.0), 50.0)
    assert turned is not None and turned.rotation == 90.0


def test_the_last_sheet_is_emptied_only_when_all_its_parts_fit():
    stock = Stock(width=1200, height=500, margin=100)
    sq = _sq("sq", 300)
    # the raster's slack: 354 mm apart, not 350
    first = SheetLayout(1, stock, [Placement("a", sq, 100, 100), Placement("b", sq, 454, 100)])
    items = [NestItem(n, sq, (0.0,)) for n in "abcd"]
    one = Layout([first, SheetLayout(2, stock, [Placement("c", sq, 100, 100)])])
    out = fill_last_sheets(one, items, 50.0, 4.0)
    assert len(out.sheets) == 1 and verify_layout(out, 50.0) == []
    assert sorted(p.instance for p in out.sheets[0].placements) == ["a", "b", "c"]
    two = Layout([first, SheetLayout(2, stock, [Placement("c", sq, 100, 100),
                                                Placement("d", sq, 450, 100)])])
    assert fill_last_sheets(two, items, 50.0, 4.0) is two  # d finds no room: as it was


def test_no_spacing_lets_parts_touch_but_never_overlap():
    stock = Stock(width=300, height=100, margin=0)
    tri = Part("tri", Polygon([(0, 0), (100, 0), (0, 100)]))
    sheet = SheetLayout(1, stock, [Placement("a", tri, 0, 0)])
    spot = place(sheet, Placement("b", tri, 0, 0), (0.0, 180.0), 0.0)
    assert spot is not None and verify_layout(Layout([replace_sheet(sheet, spot)]), 0.0) == []
    g = spot.placed().outline
    assert g.intersection(sheet.placements[0].placed().outline).area < 1e-9
    assert g.bounds[0] <= 100.0 + 1e-9  # beside it, not at the far end


def replace_sheet(sheet: SheetLayout, extra: Placement) -> SheetLayout:
    return SheetLayout(sheet.index, sheet.stock, sheet.placements + [extra])


def test_a_cell_that_divides_the_main_designs_box_when_there_is_no_spacing():
    from wikicut.nest.raster import tile_resolution

    pair = Part("pair", shapely.box(0, 0, 270, 335))
    other = Part("other", shapely.box(0, 0, 40, 40))
    sheet = [Stock(width=7099, height=3000, margin=0)]
    items = [NestItem(f"p{i}", pair) for i in range(10)] + [NestItem("o", other)]
    assert tile_resolution(10.0, items, sheet, 0.0) == 5.0  # gcd(270, 335)
    assert tile_resolution(4.0, items, sheet, 0.0) == 4.0  # 2.5: over 1000 cells across
    low = [Stock(width=7099, height=2000, margin=0)]
    assert tile_resolution(4.0, items, low, 0.0) == 2.5  # the largest divisor under 4
    assert tile_resolution(10.0, items, sheet, 3.0) == 10.0  # spacing: grown edges are not whole
    odd = Part("odd", shapely.box(0, 0, 270.123456, 335))
    assert tile_resolution(10.0, [NestItem("x", odd)], sheet, 0.0) == 10.0
    mixed = items[:1] + [NestItem(f"o{i}", Part(f"b{i}", shapely.box(0, 0, 200, 200)))
                         for i in range(5)]
    assert tile_resolution(10.0, mixed, sheet, 0.0) == 10.0  # no design makes most of it
    # never finer than 1000 cells across the short side
    tiny = [NestItem("t", Part("t", shapely.box(0, 0, 270.01, 335)))]
    assert tile_resolution(10.0, tiny, sheet, 0.0) == 10.0


def test_candidates_are_checked_in_chunks_that_end_at_the_deadline(monkeypatch):
    # one shapely call over thousands of curved candidates took 1.8 s and overran a 10 s
    # limit: the first chunk is small, and the deadline is checked before each one
    from wikicut.nest import exact_fill

    sizes: list[int] = []
    real = shapely.contains

    def counting(a, b):
        sizes.append(np.size(b))
        return real(a, b)

    clock = iter([0.0, 0.0, 5.0, 5.0, 5.0])
    monkeypatch.setattr(exact_fill.shapely, "contains", counting)
    monkeypatch.setattr(exact_fill.time, "monotonic", lambda: next(clock, 9.0))
    g = shapely.box(0, 0, 10, 10)
    cx = np.linspace(500.0, 600.0, 10_000)  # all outside `inside`: none is free
    got = exact_fill._first_free(g, cx, np.zeros_like(cx), None, shapely.box(0, 0, 20, 20),
                                 0.0, deadline=1.0)
    assert got is None
    assert sizes == [exact_fill.FIRST_CHUNK]  # then the clock said the deadline had passed
