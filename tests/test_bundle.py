"""Bundles (nest/bundle.py): copies of a thin design stacked into one item, and back."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from wikicut.model import Layout, NestItem, NestSettings, Part, Placement, SheetLayout, Stock
from wikicut.nest import bundle, nest, verify_layout


def arc(name: str = "arc", r: float = 400.0, width: float = 20.0, sweep: float = 100.0) -> Part:
    """A thin circular arc (an annulus sector): a frame's curved rib."""
    a = np.radians(np.linspace(0.0, sweep, 60))
    outer = list(zip(r * np.cos(a), r * np.sin(a)))
    inner = list(zip((r - width) * np.cos(a[::-1]), (r - width) * np.sin(a[::-1])))
    return Part(name, Polygon(outer + inner))


def items_of(part: Part, k: int, rotations=(0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0)):
    return [NestItem(f"{part.name}#{i + 1}", part, rotations) for i in range(k)]


SHEET = Stock(width=1200, height=600, margin=10)


@pytest.mark.parametrize("spacing", [0.0, 6.0])
def test_copies_of_a_thin_design_stack_into_one_squarer_item_that_keeps_the_spacing(spacing):
    part = arc()
    out, bundles = bundle.make_bundles(items_of(part, 4), [SHEET], spacing)
    assert len(out) == 1 and list(bundles) == ["arc#1"]
    b = bundles["arc#1"]
    assert [it.instance for it in b.items] == ["arc#1", "arc#2", "arc#3", "arc#4"]
    assert bundle.squareness(out[0].part.outline) >= bundle.GAIN * bundle.squareness(part.outline)
    # placed anywhere at any rotation, the copies are where the bundle's outline says and
    # keep the spacing (the exact check the nester ends with)
    for rot in (0.0, 45.0, 270.0):
        placed = Placement("arc#1", out[0].part, 1500.0, 1500.0, rot)
        copies = bundle.expand([placed], bundles)
        assert [c.instance for c in copies] == ["arc#1", "arc#2", "arc#3", "arc#4"]
        assert all(c.part is part and c.rotation == rot for c in copies)
        hull = placed.placed().outline.buffer(1e-6)
        assert all(hull.contains(c.placed().outline) for c in copies)
        big = Stock(width=3000, height=3000, margin=0)
        assert verify_layout(Layout([SheetLayout(1, big, copies)]), spacing) == []
        gaps = [copies[i].placed().outline.distance(copies[i + 1].placed().outline)
                for i in range(3)]
        assert min(gaps) >= spacing - 1e-6
        assert max(gaps) <= spacing + 0.5  # stacked tight, not just somewhere apart


def test_only_thin_designs_with_several_copies_of_the_same_rotations_are_bundled():
    thin, panel = arc(), Part("panel", shapely.box(0, 0, 300, 200))
    items = (items_of(thin, 1) + items_of(panel, 3)
             + items_of(arc("other"), 2, (0.0, 180.0)) + items_of(arc("other"), 1, (90.0,)))
    out, bundles = bundle.make_bundles(items, [SHEET], 0.0)
    # a single arc, panels (square already), and two "other" arcs with different rotation
    # sets (grain) are three designs for bundling: only the pair of one rotation set pairs up
    assert [it.instance for it in out] == ["arc#1", "panel#1", "panel#2", "panel#3",
                                           "other#1", "other#1"]
    assert list(bundles) == ["other#1"] and len(bundles["other#1"].items) == 2


def test_a_bundle_too_large_for_every_sheet_takes_fewer_copies():
    part = arc(r=280.0, width=18.0)
    small = Stock(width=700, height=300, margin=5)
    out, bundles = bundle.make_bundles(items_of(part, 9), [small], 0.0)
    sizes = sorted(len(b.items) for b in bundles.values())
    assert sizes and all(2 <= k < 9 for k in sizes)
    assert sum(sizes) + (len(out) - len(bundles)) == 9  # every copy once


def test_nest_with_bundles_places_every_copy_once_and_verifies():
    items = items_of(arc("a"), 4) + items_of(arc("b", r=300.0), 4) + \
        [NestItem("panel#1", Part("panel", shapely.box(0, 0, 400, 250)))]
    settings = NestSettings(spacing=6.0, seed=3, time_limit=20.0, workers=1, iterations=200)
    seen = []
    layout = nest(items, [SHEET], settings, progress=seen.append)
    placed = sorted(p.instance for s in layout.sheets for p in s.placements)
    assert placed == sorted(it.instance for it in items) and not layout.unplaced
    assert verify_layout(layout, 6.0) == []
    assert seen[-1].total == 9 and seen[-1].placed == 9  # progress counts parts
    again = nest(items, [SHEET], settings)
    assert [(p.instance, p.x, p.y, p.rotation) for s in again.sheets for p in s.placements] \
        == [(p.instance, p.x, p.y, p.rotation) for s in layout.sheets for p in s.placements]


def test_too_little_stock_leaves_out_the_fewest_parts_and_lists_every_copy():
    """One sheet holds the block or the four arcs, not both: the nester leaves out one part
    (the block), not a bundle of four (one item, four parts); a bundle left out lists all
    its copies."""
    one = Stock(width=1200, height=600, margin=10, count=1)
    block = NestItem("block#1", Part("block", shapely.box(0, 0, 1170, 560)), (0.0,))
    items = [block] + items_of(arc(), 4)
    layout = nest(items, [one], NestSettings(spacing=6.0, seed=1, time_limit=20.0,
                                             workers=1, iterations=50))
    assert sorted(p.instance for s in layout.sheets for p in s.placements) == \
        ["arc#1", "arc#2", "arc#3", "arc#4"]
    assert layout.unplaced == ["block#1"]
    _, bundles = bundle.make_bundles(items, [one], 6.0)
    out = bundle.expand_layout(Layout([], ["arc#1", "block#1"]), bundles)
    assert out.unplaced == ["arc#1", "arc#2", "arc#3", "arc#4", "block#1"]


def test_squareness():
    assert bundle.squareness(shapely.box(0, 0, 3, 1)) == pytest.approx(1.0)
    assert bundle.squareness(arc().outline) < bundle.FILL
    assert math.isclose(bundle.squareness(Polygon([(0, 0), (2, 0), (0, 2)])), 0.5)


def test_a_bundle_counts_its_copies_area_not_its_closed_outline(monkeypatch):
    """The area bound and the keys use the parts' own area: a bundle's outline also covers
    the gaps between its copies, which would raise the bound and end the search early."""
    import wikicut.nest as nest_mod

    seen = {}
    real_build = nest_mod.build

    def spy(items, stocks, spacing, res):
        p = real_build(items, stocks, spacing, res)
        seen["p"] = p
        return p

    monkeypatch.setattr(nest_mod, "build", spy)
    items = items_of(arc(), 4)
    nest(items, [SHEET], NestSettings(spacing=6.0, seed=1, time_limit=20.0, workers=1,
                                      iterations=20))
    p = seen["p"]
    assert len(p.items) == 1 and p.items[0].part.area > 4 * arc().area + 100
    assert p.item_area[0] == pytest.approx(4 * arc().area)


def chamfered() -> Part:
    """A block with one large chamfer (packingsolver's users' job 2026-04-08_sub_2)."""
    return Part("block", Polygon([(0, 0), (250, 0), (270, 20), (270, 200), (180, 200),
                                  (0, 70)]))


@pytest.mark.parametrize("spacing", [0.0, 5.0])
def test_copies_pair_up_turned_half_way_where_the_pair_fills_its_box_better(spacing):
    part = chamfered()
    items = items_of(part, 5, (0.0, 90.0, 180.0, 270.0))
    out, bundles = bundle.make_bundles(items, [SHEET], spacing)
    assert len(out) == 3 and sorted(bundles) == ["block#1", "block#3"]  # and block#5 alone
    b = bundles["block#1"]
    assert b.turns == (0.0, 180.0) and [it.instance for it in b.items] == ["block#1", "block#2"]
    pair = out[0].part.outline
    assert bundle.box_fill(pair) >= bundle.PAIR_GAIN * bundle.box_fill(part.outline)
    # chamfer to chamfer: the pair's box is 270 x (335 + the spacing stretched along the
    # chamfer), the spacing kept with 2 % to spare as a bundle's copies keep it
    x0, y0, x1, y1 = pair.bounds
    grow = spacing * math.hypot(180, 130) / 180  # the chamfer's normal gap, read along y
    assert sorted([x1 - x0, y1 - y0]) == pytest.approx(sorted([270.0, 335.0 + grow]),
                                                       abs=0.01 + 0.03 * grow)
    for rot in (0.0, 90.0, 270.0):
        placed = Placement("block#1", out[0].part, 1000.0, 1000.0, rot)
        copies = bundle.expand([placed], bundles)
        assert [c.rotation for c in copies] == [rot, (rot + 180.0) % 360.0]
        hull = placed.placed().outline.buffer(1e-6)
        assert all(hull.contains(c.placed().outline) for c in copies)
        big = Stock(width=3000, height=3000, margin=0)
        assert verify_layout(Layout([SheetLayout(1, big, copies)]), spacing) == []


@pytest.mark.parametrize("spacing", [0.0, 5.0])
def test_a_triangle_with_a_cut_corner_pairs_into_its_box(spacing):
    """A right triangle with one corner cut (420 copies in a user's job, 2026-04-08):
    its pair turned half way closes along the hypotenuse into a 186 x 185 box less two
    corners. No slide from the two copies on one point reaches that place, so the pair
    is looked for from the second copy's box laid on the first's too."""
    part = Part("tri", Polygon([(0, 0), (166, 0), (186, 20), (186, 185)]))
    out, bundles = bundle.make_bundles(items_of(part, 4, (0.0, 90.0, 180.0, 270.0)),
                                       [SHEET], spacing)
    assert len(out) == 2 and sorted(bundles) == ["tri#1", "tri#3"]
    pair = out[0].part.outline
    x0, y0, x1, y1 = pair.bounds
    # apart by the spacing across the hypotenuse: the box grows by about that along each
    # axis (the normal gap read along x and y), and fills it almost whole
    grow = spacing * math.hypot(186, 185) / 185
    assert x1 - x0 <= 186 + grow + 0.5 and y1 - y0 <= 185 + grow + 0.5
    assert bundle.box_fill(pair) > 0.95 - 0.01 * spacing
    copies = bundle.expand([Placement("tri#1", out[0].part, 500.0, 500.0, 90.0)], bundles)
    big = Stock(width=3000, height=3000, margin=0)
    assert verify_layout(Layout([SheetLayout(1, big, copies)]), spacing) == []


def test_rectangles_and_designs_that_may_not_turn_half_way_do_not_pair():
    panel = Part("panel", shapely.box(0, 0, 300, 200))
    out, bundles = bundle.make_bundles(items_of(panel, 4, (0.0, 90.0, 180.0, 270.0)),
                                       [SHEET], 0.0)
    assert len(out) == 4 and not bundles
    out, bundles = bundle.make_bundles(items_of(chamfered(), 4, (0.0, 90.0)), [SHEET], 0.0)
    assert len(out) == 4 and not bundles
    out, bundles = bundle.make_bundles(items_of(chamfered(), 4, (0.0, 180.0)), [SHEET], 0.0,
                                       pairs=False)
    assert len(out) == 4 and not bundles
