"""Common-line snapping turns a part half way where its slotted edge would face the
neighbour: two parts slotted along one long edge, stacked so that one's slotted edge faces
the other's plain edge, cannot be snapped as they lie (the shared cut would close the slots'
mouths), but turned 180 degrees the slotted edge faces away and the plain edges snap. A
part that may not turn (its rotations, or a lock) stays as it was. Enclosed waste is
computed here independently of the nester: the sheet less every part grown by the tool
diameter, pieces not reaching the sheet's edge and not in a hole of one part's own."""

from __future__ import annotations

import shapely
from shapely import affinity

from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.nest.common import snap_common_lines, verify_common_layout

D = 6.0  # the grbl profile's tool
SPACING = 12.0
W, H = 2000.0, 1000.0

# 800 x 200, three 20 x 60 slots opening upwards from the top edge
SLOTTED = Part("slotted", shapely.box(0, 0, 800, 200).difference(shapely.union_all(
    [shapely.box(x, 140, x + 20, 201) for x in (150, 390, 630)])), source="parts/slotted.toml")


def enclosed(outlines) -> list:
    grown = [g.buffer(D + 1e-3, quad_segs=16) for g in outlines]
    sheet = shapely.box(0, 0, W, H)
    own = [shapely.Polygon(r) for g in grown for r in g.interiors]
    return [piece for piece in shapely.get_parts(sheet.difference(shapely.union_all(grown)))
            if piece.area > 1.0 and piece.distance(sheet.exterior) > 1e-6
            and not any(h.contains(piece.representative_point()) for h in own)]


def stack(gap: float = 20.0) -> Layout:
    """Two slotted parts, slots up, the upper one `gap` above the lower: the lower one's
    slots open towards the upper one's plain bottom edge."""
    stock = Stock(W, H, 18.0, 10)
    return Layout([SheetLayout(1, stock, [
        Placement("slotted#1", SLOTTED, 100, 100),
        Placement("slotted#2", SLOTTED, 100, 300 + gap)])])


def outlines(layout: Layout) -> dict:
    return {p.instance: p.placed().outline for p in layout.sheets[0].placements}


def test_a_part_turned_half_way_snaps_its_plain_edge():
    layout = stack()
    # as they lie, a snap would close the three slots' mouths: refused
    assert snap_common_lines(layout, D, SPACING).sheets[0].placements == \
        layout.sheets[0].placements
    closed = affinity.translate(outlines(layout)["slotted#2"], 0, -(20.0 - D))
    assert len(enclosed([outlines(layout)["slotted#1"], closed])) == 3
    rots = {"slotted#1": (0.0, 180.0), "slotted#2": (0.0, 180.0)}
    snapped = snap_common_lines(layout, D, SPACING, rotations=rots)
    pls = {p.instance: p for p in snapped.sheets[0].placements}
    assert sorted(p.rotation for p in pls.values()) == [0.0, 180.0]  # one turned
    assert all(p.rotation in rots[p.instance] and not p.mirrored for p in pls.values())
    got = outlines(snapped)
    a, b = got["slotted#1"], got["slotted#2"]
    assert abs(a.distance(b) - D) < 1e-6
    # the shared line runs along the plain edges, the whole 800 mm
    band = a.buffer(D + 1e-3).intersection(b.buffer(1e-3))
    assert abs(band.bounds[2] - band.bounds[0] - 800.0) < 1e-2
    assert enclosed(got.values()) == []
    assert verify_common_layout(snapped, SPACING, D) == []
    # the turn is about the part's box centre: the pair stays where it was on the sheet
    x0, y0, x1, y1 = shapely.union_all([a, b]).bounds
    assert x0 >= 100 - 1e-6 and x1 <= 900 + 1e-6 and y0 >= 100 - 1e-6 and y1 <= 520 + 1e-6


def test_a_mirrored_part_keeps_its_mirror_when_turned():
    layout = stack()
    sheet = layout.sheets[0]
    pls = [Placement(p.instance, p.part, p.x + 800 if k == 0 else p.x, p.y, 0.0, k == 0)
           for k, p in enumerate(sheet.placements)]  # the lower one face down, same box
    layout = Layout([SheetLayout(1, sheet.stock, pls)])
    rots = {"slotted#1": (0.0, 180.0), "slotted#2": (0.0,)}
    snapped = snap_common_lines(layout, D, SPACING, rotations=rots)
    low, up = snapped.sheets[0].placements
    assert up == pls[1]
    assert low.mirrored and low.rotation == 180.0
    got = outlines(snapped)
    assert abs(got["slotted#1"].distance(got["slotted#2"]) - D) < 1e-6
    assert enclosed(got.values()) == [] and verify_common_layout(snapped, SPACING, D) == []


def test_a_part_that_may_not_turn_stays_as_it_was():
    layout = stack()
    for rots in ({"slotted#1": (0.0,), "slotted#2": (0.0, 90.0, 270.0)}, {}):
        assert snap_common_lines(layout, D, SPACING, rotations=rots).sheets[0].placements \
            == layout.sheets[0].placements
    # the upper one locked, the lower one may turn: it turns and moves up to meet it
    locked = Layout(layout.sheets, locked=["slotted#2"])
    rots = {"slotted#1": (0.0, 180.0), "slotted#2": (0.0, 180.0)}
    snapped = snap_common_lines(locked, D, SPACING, rotations=rots)
    low, up = snapped.sheets[0].placements
    assert up == layout.sheets[0].placements[1]
    assert low.rotation == 180.0
    got = outlines(snapped)
    assert abs(got["slotted#1"].distance(got["slotted#2"]) - D) < 1e-6
    assert enclosed(got.values()) == [] and verify_common_layout(snapped, SPACING, D) == []
    # both locked: nothing moves or turns
    both = Layout(layout.sheets, locked=["slotted#1", "slotted#2"])
    assert snap_common_lines(both, D, SPACING, rotations=rots).sheets[0].placements \
        == layout.sheets[0].placements


def test_no_turn_without_a_snap():
    """The lower part locked, its slots towards the upper one: turned, the upper one's
    slots would face them instead, so it is not turned (nor moved)."""
    layout = Layout(stack().sheets, locked=["slotted#1"])
    rots = {"slotted#1": (0.0, 180.0), "slotted#2": (0.0, 180.0)}
    assert snap_common_lines(layout, D, SPACING, rotations=rots).sheets[0].placements == \
        layout.sheets[0].placements
    # beyond the reach, nothing turns either
    far = stack(gap=400.0)
    assert snap_common_lines(far, D, SPACING, rotations=rots).sheets[0].placements == \
        far.sheets[0].placements
