"""Thickness slots found in a part's outline and fitted to other ply (io/dxf/slots.py), on
shapes drawn here: an open notch, a closed slot, an angled one, rounded corners, a dogbone,
slots of other widths and tongues left alone, widths measured after."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely import affinity
from shapely.geometry import Polygon

from wikicut.io.dxf.slots import SlotFitError, find_slots, fit_slots


def plate_with(*cut) -> Polygon:
    """A 300 x 100 plate less the shapes given (notches from its top edge, holes)."""
    return shapely.normalize(shapely.box(0, 0, 300, 100).difference(shapely.union_all(cut)))


def notch(x: float, width: float, depth: float = 60.0, r: float = 0.0) -> Polygon:
    """From the top edge down `depth`, its two inside corners rounded with radius r."""
    if not r:
        return shapely.box(x, 100 - depth, x + width, 120)
    return shapely.box(x + r, 100 - depth + r, x + width - r, 130).buffer(r, quad_segs=8)


def widths(poly: Polygon, drawn: float) -> list[float]:
    return sorted(round(s.width, 6) for s in find_slots(poly, drawn))


def test_an_open_notch_is_found_and_widened_both_faces_alike():
    part = plate_with(notch(100, 18.5))
    (slot,) = find_slots(part, 18.0)
    assert (round(slot.width, 9), round(slot.length, 9), slot.hole) == (18.5, 60.0, False)
    fitted = fit_slots(part, (slot,), 0.6)
    assert widths(fitted, 18.6) == [19.1]
    # each face moved by 0.3, the bottom where it was, nothing else touched
    gone = part.difference(fitted)
    assert gone.bounds == pytest.approx((99.7, 40.0, 118.8, 100.0))
    assert gone.area == pytest.approx(0.6 * 60)
    assert fitted.area + gone.area == pytest.approx(part.area)


def test_a_closed_slot_is_narrowed_by_strips_along_its_faces():
    part = plate_with(shapely.box(50, 20, 68.5, 80))
    (slot,) = find_slots(part, 18.0)
    assert slot.hole and slot.length == pytest.approx(60.0)
    fitted = fit_slots(part, (slot,), -0.4)
    assert widths(fitted, 17.6) == [18.1]
    (hole,) = fitted.interiors
    assert Polygon(hole).bounds == pytest.approx((50.2, 20.0, 68.3, 80.0))
    assert len(hole.coords) == 5  # a rectangle still: no step, no sliver at its ends


@pytest.mark.parametrize("angle", [13.0, 33.0, 90.0, 147.5, 251.0])
def test_a_slot_at_any_angle(angle):
    part = affinity.rotate(plate_with(notch(100, 18.5, r=0.25), shapely.box(200, 20, 218.5, 80)),
                           angle, origin=(0, 0))
    assert widths(part, 18.0) == [18.5, 18.5]
    wide = fit_slots(part, find_slots(part, 18.0), 0.6)
    narrow = fit_slots(part, find_slots(part, 18.0), -0.6)
    assert widths(wide, 18.6) == pytest.approx([19.1, 19.1])
    assert widths(narrow, 17.4) == pytest.approx([17.9, 17.9])
    assert wide.is_valid and narrow.is_valid


def test_rounded_inside_corners_move_with_their_faces():
    """Skylark rounds inside corners with 0.25 mm arcs: the slot is still found (the arcs'
    first chords are no part of its faces), and widened the arcs go along: no ledge of
    the old width is left at the bottom."""
    part = plate_with(notch(100, 18.5, r=0.25))
    (slot,) = find_slots(part, 18.0)
    assert slot.length == pytest.approx(59.75) and sorted(slot.ends) == pytest.approx([0, 0.25])
    fitted = fit_slots(part, (slot,), 0.6)
    assert widths(fitted, 18.6) == [19.1]
    # 0.1 mm above the bottom the slot is 19.1 wide too, and the bottom has not moved
    probe = shapely.LineString([(90, 40.1), (130, 40.1)]).difference(fitted)
    assert probe.length == pytest.approx(19.1 - 2 * (0.25 - math.sqrt(0.25**2 - 0.15**2)),
                                         abs=0.02)
    assert fitted.bounds == part.bounds
    assert min(y for x, y in fitted.exterior.coords) == 0.0
    assert part.difference(fitted).bounds[1] == pytest.approx(40.0)


def test_a_dogbone_moves_with_its_face():
    """Corners relieved by a circle the tool's size: widened, each circle moves with its
    face, so the new corner is on a circle again (the tool still reaches it)."""
    w, r = 18.5, 3.175
    k = r / math.sqrt(2)
    bones = [shapely.Point(100 + k, 40 + k).buffer(r, quad_segs=16),
             shapely.Point(100 + w - k, 40 + k).buffer(r, quad_segs=16)]
    part = plate_with(shapely.box(100, 40, 100 + w, 120), *bones)
    (slot,) = find_slots(part, 18.0)
    assert max(slot.ends) == pytest.approx(k + math.sqrt(r * r - k * k), abs=0.05)
    fitted = fit_slots(part, (slot,), 0.6)
    assert widths(fitted, 18.6) == [19.1]
    moved = [affinity.translate(bones[0], -0.3, 0), affinity.translate(bones[1], 0.3, 0)]
    for bone in moved:  # the moved circles are clear, within their flattening
        assert bone.difference(fitted.exterior.buffer(0.01)).intersection(fitted).area < 0.05
    assert shapely.Point(99.7, 40.0).distance(fitted.exterior) < 1e-6  # the new corner


def test_slots_of_other_widths_and_tongues_are_left_alone():
    """A 12.5 mm slot (no ply's), a tongue 18.5 wide (material between the faces) and a
    gap too short to be a slot are no thickness slots."""
    tongue = shapely.box(0, 100, 18.5, 140)  # material sticking up from the plate
    part = shapely.normalize(shapely.union_all([
        plate_with(notch(100, 12.5), notch(200, 18.5, depth=3.0)),
        affinity.translate(tongue, 250, 0)]))
    assert find_slots(part, 18.0) == ()
    assert fit_slots(part, find_slots(part, 18.0), 0.6).equals(part)


def test_a_slot_with_material_between_its_faces_is_no_slot():
    island = shapely.box(105, 39, 110, 50)  # standing on the notch's bottom
    part = shapely.normalize(shapely.union_all([plate_with(notch(100, 18.5)), island]))
    assert find_slots(part, 18.0) == ()


def test_the_width_window_is_drawn_less_005_to_drawn_plus_1():
    for w, found in ((17.94, False), (17.96, True), (18.0, True), (19.0, True), (19.02, False)):
        assert bool(find_slots(plate_with(notch(100, w)), 18.0)) is found, w


def test_a_face_that_runs_on_keeps_its_line():
    """A slot widening a narrower channel along one side (Skylark G's holes), or a notch
    whose one side is the part's long edge: that face stays, the other takes all of the
    change, so no ledge is left in the long face."""
    channel = shapely.union_all([shapely.box(40, 10, 52.5, 90),  # 12.5 wide, 80 long
                                 shapely.box(52.5, 30, 58.5, 70)])  # 18.5 wide over 40
    part = plate_with(channel)
    (slot,) = find_slots(part, 18.0)
    assert slot.shares in ((0.0, 1.0), (1.0, 0.0))
    fitted = fit_slots(part, (slot,), 0.6)
    (hole,) = fitted.interiors
    xs = sorted({round(x, 6) for x, y in hole.coords})
    assert xs == [40.0, 52.5, 59.1]  # the long face at 40 as drawn, the other moved 0.6
    assert widths(fitted, 18.6) == [19.1]


def test_a_wall_broken_through_is_refused_naming_the_slot():
    thin = plate_with(shapely.box(0.2, 20, 18.7, 80))  # 0.2 mm from the left edge
    with pytest.raises(SlotFitError, match=r"slot at \(9\.4, 50\.0\).*18\.50 -> 19\.10.*breaks"):
        fit_slots(thin, find_slots(thin, 18.0), 0.6)
    # two slots 0.4 mm apart: each alone may be widened, not both
    pair = plate_with(shapely.box(50, 20, 68.5, 80), shapely.box(68.9, 20, 87.4, 80))
    slots = find_slots(pair, 18.0)
    assert len(slots) == 2 and fit_slots(pair, slots[:1], 0.6).is_valid
    with pytest.raises(SlotFitError, match="its slots together"):
        fit_slots(pair, slots, 0.6)


def test_all_at_once_and_deterministic():
    part = plate_with(notch(20, 18.5), notch(80, 18.3, r=0.25), shapely.box(150, 20, 168.5, 80),
                      affinity.rotate(shapely.box(200, 30, 218.5, 70), 30))
    slots = find_slots(part, 18.0)
    assert len(slots) == 4
    a = fit_slots(part, slots, 0.6)
    b = fit_slots(part, find_slots(part, 18.0), 0.6)
    assert a.wkb == b.wkb
    assert widths(a, 18.6) == pytest.approx([18.9, 19.1, 19.1, 19.1])
