"""Toolpaths: kerf offsets, corner reliefs, refusals, passes, tabs, entry, order and safety."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from reference_cam import walk_py
from shapely.geometry import LineString, Point, Polygon

from wikicut.cam import depth, plan_sheet, safety, tabs
from wikicut.cam.depth import pass_levels
from wikicut.cam.offsets import relief_loop
from wikicut.cam.order import tour
from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.model import (
    Drill,
    Engraving,
    Move,
    Operation,
    Part,
    Placement,
    Pocket,
    SheetLayout,
    SheetProgram,
    Stock,
)

T = 18.0


def grbl(**kw):
    kw.setdefault("engrave", {"labels": False})  # label strokes are tested on their own below
    return load_profile("grbl").updated(**kw)


def sheet_of(*parts_at, width=1200.0, height=800.0, thickness=T) -> SheetLayout:
    places = [Placement(f"{p.name}#{k + 1}", p, x, y, rot)
              for k, (p, x, y, rot) in enumerate(parts_at)]
    return SheetLayout(1, Stock(width, height, thickness, 15), places)


def slotted(slot_w: float = 18.0, name: str = "rib") -> Part:
    """A plate with an 18 mm slot from the top edge (a WikiHouse joint) and a round hole."""
    body = shapely.box(0, 0, 300, 200).difference(shapely.box(100, 120, 100 + slot_w, 201))
    body = body.difference(Point(220, 70).buffer(25, quad_segs=16))
    return Part(name, shapely.set_precision(body, 1e-6), source=f"parts/{name}.toml")


def moves_of(prog, kind=None, part=None):
    out = []
    for op in prog.operations:
        if (kind is None or op.kind == kind) and (part is None or op.part == part):
            out += op.moves
    return out


def through_xy(moves, depth):
    return np.array([(m.x, m.y) for m in moves if m.z <= -depth + 1e-9])


def swept(moves, r, below=0.0):
    """The union of tool discs along the cutting moves deeper than `below`."""
    lines = []
    prev = None
    for m in moves:
        if prev is not None and m.z < below and prev.z < below and m.kind != "rapid":
            lines.append(LineString([(prev.x, prev.y), (m.x, m.y)])
                         if (prev.x, prev.y) != (m.x, m.y) else Point(m.x, m.y))
        prev = m
    return shapely.union_all([g.buffer(r, quad_segs=16) for g in lines])


# --- kerf ------------------------------------------------------------------------------------


def test_outline_path_is_offset_outward_by_the_tool_radius():
    prof = grbl(tabs={"enabled": False})
    part = Part("plate", shapely.box(0, 0, 300, 200))
    prog = plan_sheet(sheet_of((part, 100, 100, 0)), prof)
    placed = shapely.box(100, 100, 400, 300)
    pts = through_xy(moves_of(prog, "outline"), T)
    path = LineString(pts)
    expected = placed.buffer(prof.tool.radius, quad_segs=16).exterior
    assert path.hausdorff_distance(expected) < 0.05
    d = shapely.distance(shapely.points(pts), placed.boundary)
    assert d.min() > prof.tool.radius - 1e-6 and d.max() < prof.tool.radius + 1e-6


def test_hole_path_is_offset_inward_and_never_gouges():
    prof = grbl(tabs={"enabled": False})
    part = slotted()
    prog = plan_sheet(sheet_of((part, 100, 100, 0)), prof)
    hole = Point(320, 170).buffer(25, quad_segs=16)
    hole_ops = [op for op in prog.operations if op.kind == "hole"]
    assert len(hole_ops) == 1
    pts = through_xy(hole_ops[0].moves, T)
    assert shapely.contains(hole, shapely.points(pts)).all()
    d = shapely.distance(shapely.points(pts), hole.boundary)
    assert d.min() > prof.tool.radius - 1e-3
    # no cutting move's tool disc reaches into the part's material (beyond reliefs)
    material = shapely.affinity.translate(part.outline, 100, 100)
    reliefs = shapely.union_all([Point(c).buffer(prof.tool.diameter)
                                 for c in ((200, 220), (218, 220))])
    cut = swept(moves_of(prog), prof.tool.radius - 0.01)
    assert material.difference(reliefs).intersection(cut).area < 1e-6


# --- corner reliefs --------------------------------------------------------------------------


@pytest.mark.parametrize("relief", ["dogbone", "tbone"])
def test_a_tenon_fits_the_slot_with_reliefs(relief):
    prof = grbl(tabs={"enabled": False}, corners={"relief": relief})
    part = slotted()
    prog = plan_sheet(sheet_of((part, 100, 100, 0)), prof)
    ms = moves_of(prog, "outline")
    cut = swept(ms, prof.tool.radius + 1e-6, below=-T + 1e-6)
    loop = Polygon(through_xy(ms, T))
    left = loop.difference(cut)  # what is left of the part once cut free
    tenon = shapely.box(200, 220, 218, 300)  # the slot in sheet coordinates, full size
    assert tenon.intersection(left).area < 1e-3
    reliefs = shapely.union_all([Point(c).buffer(prof.tool.diameter)
                                 for c in ((200, 220), (218, 220))])
    assert left.contains(shapely.box(100, 100, 200, 300).buffer(-0.01).difference(reliefs))


def test_without_reliefs_the_corners_stay_round():
    prof = grbl(tabs={"enabled": False}, corners={"relief": "none"})
    prog = plan_sheet(sheet_of((slotted(), 100, 100, 0)), prof)
    cut = swept(moves_of(prog, "outline"), prof.tool.radius, below=-T + 1e-6)
    assert cut.distance(Point(200, 220)) > 0.5


def test_relief_goes_along_the_bisector_until_the_tool_touches_the_corner():
    square = shapely.box(0, 0, 20, 20)
    loop = np.asarray(square.buffer(-3).exterior.coords)
    out = relief_loop(loop, square.boundary, 3.0, "dogbone")
    ends = [p for p in out if Point(p).distance(square.boundary) < 3 - 1e-6]
    assert len(ends) == 4
    for p in ends:
        corner = min(((0, 0), (20, 0), (20, 20), (0, 20)), key=lambda c: math.dist(c, p))
        assert math.dist(corner, p) == pytest.approx(3.0)
    assert len(relief_loop(loop, square.boundary, 3.0, "none")) == len(loop)
    # a nearly straight corner (175 deg) gets no relief
    flat = Polygon([(0, 0), (100, 0), (200, 4), (200, 50), (0, 50)])
    lp = np.asarray(flat.buffer(-3).exterior.coords)
    assert len(relief_loop(lp, flat.boundary, 3.0, "dogbone")) == len(lp) + 2 * 4


# --- refusals --------------------------------------------------------------------------------


def test_slot_narrower_than_the_tool_is_refused_with_part_and_position():
    prof = grbl(tool={"diameter": 6.35})
    plate = shapely.box(0, 0, 200, 100).difference(shapely.box(50, 30, 150, 35.9))
    part = Part("rib", plate, source="parts/rib.toml")
    with pytest.raises(UnsafeJobError) as e:
        plan_sheet(sheet_of((part, 100, 100, 0)), prof)
    msg = str(e.value)
    assert "parts/rib.toml" in msg and "'rib'" in msg
    assert "slot 5.9" in msg and "narrower than the 6.35 mm tool" in msg
    assert "(200.0, 132.9)" in msg or "at (" in msg
    assert e.value.exit_code == 3


def test_notch_narrower_than_the_tool_is_refused():
    plate = shapely.box(0, 0, 200, 100).difference(shapely.box(90, 60, 95, 101))
    with pytest.raises(UnsafeJobError, match=r"notch 5\.0\d mm wide .* narrower than the 6 mm"):
        plan_sheet(sheet_of((Part("rib", plate), 100, 100, 0)), grbl())


def test_a_hole_with_a_neck_narrower_than_the_tool_is_refused():
    dumbbell = shapely.union_all([shapely.box(20, 20, 60, 60), shapely.box(60, 37, 100, 42),
                                  shapely.box(100, 20, 140, 60)])
    plate = shapely.box(0, 0, 200, 100).difference(dumbbell)
    with pytest.raises(UnsafeJobError, match="narrower than the 6 mm tool"):
        plan_sheet(sheet_of((Part("rib", plate), 100, 100, 0)), grbl())


def test_a_narrow_dead_end_of_a_wide_hole_is_refused():
    key = shapely.union_all([shapely.box(20, 20, 60, 60), shapely.box(60, 37, 100, 42)])
    plate = shapely.box(0, 0, 200, 100).difference(key)
    with pytest.raises(UnsafeJobError, match=r"slot 5\.0\d mm wide"):
        plan_sheet(sheet_of((Part("rib", plate), 100, 100, 0)), grbl())


def test_features_the_tool_can_cut_are_not_refused():
    plate = shapely.box(0, 0, 200, 100).difference(shapely.box(50, 30, 150, 36.1))
    prog = plan_sheet(sheet_of((Part("rib", plate), 100, 100, 0)), grbl())
    assert [op.kind for op in prog.operations] == ["hole", "outline"]


@pytest.mark.parametrize("part, match", [
    (Part("p", shapely.box(0, 0, 100, 100), pockets=(Pocket(shapely.box(20, 20, 60, 60), 19),)),
     "pocket 19 mm deep .* deeper than the 18 mm stock"),
    (Part("p", shapely.box(0, 0, 100, 100), pockets=(Pocket(shapely.box(20, 20, 25, 60), 5),)),
     "pocket 5.00 mm wide .* narrower than the 6 mm tool"),
    (Part("p", shapely.box(0, 0, 100, 100), drills=(Drill(50, 50, 3.0),)),
     "drill 3 mm at \\(150.0, 150.0\\) is smaller than the 6 mm tool"),
    (Part("p", shapely.box(0, 0, 100, 100), drills=(Drill(50, 50, 6.0, 20.0),)),
     "beyond the 18 mm stock"),
    (Part("p", shapely.box(0, 0, 100, 100),
          engravings=(Engraving(LineString([(10, 10), (50, 10)]), 25.0),)),
     "engraving 25 mm deep"),
])
def test_unsafe_features_are_refused(part, match):
    with pytest.raises(UnsafeJobError, match=match):
        plan_sheet(sheet_of((part, 100, 100, 0)), grbl())


def test_parts_off_the_sheet_or_beyond_the_machine_are_refused():
    part = Part("p", shapely.box(0, 0, 100, 100), source="parts/p.toml")
    with pytest.raises(UnsafeJobError, match="outside the 1200x800 sheet"):
        plan_sheet(sheet_of((part, 1100, 100, 0)), grbl())
    with pytest.raises(UnsafeJobError, match="travel limits"):
        plan_sheet(sheet_of((part, 100, 100, 0)), grbl(limits={"x_max": 150}))
    with pytest.raises(UnsafeJobError, match="allowed overcut"):
        plan_sheet(sheet_of((part, 100, 100, 0)), grbl(depth={"overcut": 1.5, "max_overcut": 1.0}))
    with pytest.raises(UnsafeJobError, match=r"sheet 1: 18 mm stock: a through cut 18.3 mm deep"
                       r" is beyond the .* machine's Z travel \(10 mm below the stock top"):
        plan_sheet(sheet_of((part, 100, 100, 0)), grbl(limits={"z_min": -10}))


# --- passes, tabs, entry ---------------------------------------------------------------------


def test_pass_levels_are_equal_steps_to_the_through_depth():
    p = grbl(depth={"per_pass": 6.5, "final_pass": 0})
    assert pass_levels(18.3, p) == pytest.approx([-6.1, -12.2, -18.3])
    p = grbl(depth={"per_pass": 6.5, "final_pass": 0.5})
    assert pass_levels(18.3, p) == pytest.approx([-5.933333, -11.866667, -17.8, -18.3])


def test_safety_rules_on_every_move():
    prof = grbl()
    part = Part("p", slotted().outline, pockets=(Pocket(shapely.box(20, 20, 70, 90), 9.0),),
                drills=(Drill(40, 150, 6.0), Drill(260, 170, 14.0)),
                engravings=(Engraving(LineString([(150, 20), (250, 20)]), 1.0),))
    prog = plan_sheet(sheet_of((part, 100, 100, 0), (slotted(name="b"), 500, 100, 0)), prof)
    pos = (0.0, 0.0, prof.heights.clearance)
    floor: dict[tuple[float, float], float] = {}  # the deepest cut so far, at a drill's spot
    for op in prog.operations:
        for m in op.moves:
            assert m.z >= -(T + prof.depth.max_overcut) - 1e-9
            if m.kind == "rapid":
                assert m.z >= 0 and pos[2] >= 0
                if (m.x, m.y) != pos[:2]:
                    assert m.z >= prof.heights.safe and pos[2] >= prof.heights.safe
            else:
                assert 0 < m.feed <= prof.feeds.max
            if m.kind == "feed" and m.z < min(pos[2], 0) - 1e-9:  # going down into stock
                if (m.x, m.y) == pos[:2]:
                    # vertical into material only at plunge feed; back down a peck's own
                    # hole, stopping short of its floor, faster (a drilling cycle's return)
                    down_the_hole = m.z >= floor.get((m.x, m.y), 0.0) + 1e-9
                    assert m.feed == prof.feeds.plunge or down_the_hole
                else:
                    assert m.feed <= prof.feeds.ramp
            if m.kind == "feed" and (m.x, m.y) == pos[:2]:
                floor[(m.x, m.y)] = min(floor.get((m.x, m.y), 0.0), m.z)
            pos = (m.x, m.y, m.z)
    assert min(m.z for m in moves_of(prog, "outline")) == pytest.approx(-(T + prof.depth.overcut))
    assert min(m.z for m in moves_of(prog, "pocket")) == pytest.approx(-9.0)
    assert prog.cut_length > 0 and prog.rapid_length > 0 and prog.est_seconds > 0


def test_ramp_entry_is_no_steeper_than_the_ramp_angle():
    prof = grbl(tabs={"enabled": False}, entry={"ramp_angle": 5})
    prog = plan_sheet(sheet_of((Part("p", shapely.box(0, 0, 300, 200)), 100, 100, 0)), prof)
    ms = moves_of(prog, "outline")
    steepest = 0.0
    for a, b in itertools.pairwise(ms):
        dxy = math.hypot(b.x - a.x, b.y - a.y)
        if b.z < a.z - 1e-9 and b.z < 0 and dxy > 1e-9:
            steepest = max(steepest, (a.z - b.z) / dxy)
    assert 0 < steepest <= math.tan(math.radians(5)) + 1e-6



def test_a_hole_barely_larger_than_the_tool_is_plunged_not_ramped_in_place():
    """Its tool path is a loop of a few hundredths of a mm: a 5 degree ramp along it would
    circle in place thousands of times (a 40 MB program once); it is plunged instead, and the
    hole is still cut through."""
    prof = grbl(tabs={"enabled": False}, entry={"mode": "ramp", "ramp_angle": 5})
    d = prof.tool.diameter + 0.01
    part = Part("p", shapely.box(0, 0, 200, 200).difference(Point(100, 100).buffer(d / 2, 64)))
    prog = plan_sheet(sheet_of((part, 100, 100, 0)), prof)
    ms = moves_of(prog, "hole")
    assert 0 < len(ms) < 1000
    assert min(m.z for m in ms) <= -T
    downs = [b for a, b in itertools.pairwise(ms) if b.z < min(a.z, 0) - 1e-9]
    assert downs and all(b.feed == prof.feeds.plunge for b in downs)

def test_plunge_entry_plunges_at_plunge_feed():
    prof = grbl(tabs={"enabled": False}, entry={"mode": "plunge"})
    prog = plan_sheet(sheet_of((Part("p", shapely.box(0, 0, 300, 200)), 100, 100, 0)), prof)
    ms = moves_of(prog, "outline")
    downs = [b for a, b in itertools.pairwise(ms) if b.kind == "feed" and b.z < a.z
             and (a.x, a.y) == (b.x, b.y)]
    assert len(downs) >= 3 and all(m.feed == prof.feeds.plunge for m in downs)


def test_tabs_hold_the_part_on_the_final_pass():
    prof = grbl(tabs={"count": 0, "spacing": 450, "length": 15, "height": 4})
    prog = plan_sheet(sheet_of((Part("p", shapely.box(0, 0, 600, 300)), 100, 100, 0)), prof)
    op = next(o for o in prog.operations if o.kind == "outline")
    assert len(op.tabs) == math.ceil(1800 / 450)
    top = -(T - prof.tabs.height)
    ms = op.moves
    lifted = [m for m in ms if abs(m.z - top) < 1e-9]
    assert lifted
    # tab centres sit on straight edges, away from corners
    for x, y in op.tabs:
        assert min(abs(x - 97), abs(x - 703), abs(y - 97), abs(y - 403)) < 1e-6
        corners = [(97, 97), (703, 97), (703, 403), (97, 403)]
        assert min(math.dist((x, y), c) for c in corners) > prof.tabs.length / 2
    # the outline is cut through everywhere except over the tabs: tabs * (length + tool)
    through = -(T + prof.depth.overcut)
    deep = [LineString([(a.x, a.y), (b.x, b.y)]) for a, b in itertools.pairwise(ms)
            if max(a.z, b.z) <= through + 1e-9 and (a.x, a.y) != (b.x, b.y)]
    ring = shapely.box(100, 100, 700, 400).buffer(prof.tool.radius, quad_segs=16).exterior
    uncut = ring.length - ring.intersection(shapely.union_all(deep).buffer(1e-3)).length
    assert uncut == pytest.approx(4 * (prof.tabs.length + prof.tool.diameter), abs=0.5)


def test_tiny_parts_still_get_two_tabs_and_holes_none():
    prof = grbl(tabs={"spacing": 450})
    prog = plan_sheet(sheet_of((slotted(), 100, 100, 0),
                               (Part("tiny", shapely.box(0, 0, 60, 40)), 600, 100, 0)), prof)
    for op in prog.operations:
        if op.kind == "outline":
            assert len(op.tabs) >= 2
        else:
            assert op.tabs == []


def test_conventional_milling_reverses_the_direction():
    def signed_area(prof):
        prog = plan_sheet(sheet_of((Part("p", shapely.box(0, 0, 300, 200)), 100, 100, 0)),
                          prof)
        pts = through_xy(moves_of(prog, "outline"), T)
        x, y = pts[:, 0], pts[:, 1]
        return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))

    assert signed_area(grbl(tabs={"enabled": False})) < 0  # climb: outside contours clockwise
    assert signed_area(grbl(tabs={"enabled": False}, direction="conventional")) > 0


# --- drills, pockets, labels -----------------------------------------------------------------


def test_drills_plunge_peck_or_bore():
    part = Part("p", shapely.box(0, 0, 200, 100),
                drills=(Drill(20, 20, 6.2), Drill(60, 50, 16.0), Drill(150, 50, 30.0, 8.0)))
    prog = plan_sheet(sheet_of((part, 100, 100, 0)), grbl(drill={"peck": 5}))
    drills = [op for op in prog.operations if op.kind in ("drill", "pocket")]
    plunge = [op for op in drills if all(m.kind != "arc_ccw" for m in op.moves)
              and all((m.x, m.y) == (120, 120) for m in op.moves)]
    assert len(plunge) == 1
    zs = [m.z for m in plunge[0].moves]
    assert zs.count(0.0) >= 4  # pecks: back up to clear chips
    bores = [op for op in drills if any(m.kind == "arc_ccw" for m in op.moves)]
    assert len(bores) == 1  # the 16 mm through bore is a helix of arcs
    assert min(m.z for m in bores[0].moves) == pytest.approx(-(T + 0.3))
    blind = [op for op in drills if min(m.z for m in op.moves) > -8.0 - 1e-9]
    assert len(blind) == 1 and min(m.z for m in blind[0].moves) == pytest.approx(-8.0)
    assert len(blind[0].moves) > 50  # the 30 mm blind bore is cleared like a pocket


def test_pocket_is_cleared_completely():
    prof = grbl()
    pocket = shapely.box(20, 20, 120, 80)
    part = Part("p", shapely.box(0, 0, 200, 100), pockets=(Pocket(pocket, 9.0),))
    prog = plan_sheet(sheet_of((part, 50, 50, 0), width=400, height=300), prof)
    pocket = shapely.affinity.translate(pocket, 50, 50)
    cut = swept(moves_of(prog, "pocket"), prof.tool.radius + 1e-6, below=-9.0 + 1e-6)
    assert pocket.difference(cut).area < 1e-3  # reliefs reach the square corners too
    wall = swept(moves_of(prog, "pocket"), prof.tool.radius - 0.01)
    reliefs = shapely.union_all([Point(c).buffer(prof.tool.diameter)
                                 for c in pocket.exterior.coords])
    assert wall.difference(pocket).difference(reliefs).area < 1e-6  # only dogbones leave it


def test_labels_are_engraved_inside_the_part_when_the_font_exists():
    prof = grbl(engrave={"labels": True})
    part = Part("p", shapely.box(0, 0, 400, 200), label="WALL-3")
    prog = plan_sheet(sheet_of((part, 100, 100, 0)), prof)
    labels = moves_of(prog, "label")
    assert labels
    assert min(m.z for m in labels) == pytest.approx(-prof.engrave.depth)
    inside = shapely.box(100, 100, 500, 300).buffer(-prof.tool.radius)
    assert all(inside.contains(Point(m.x, m.y)) for m in labels if m.z < 0)
    off = plan_sheet(sheet_of((part, 100, 100, 0)), prof.updated(engrave={"labels": False}))
    assert not moves_of(off, "label")


# --- order and determinism -------------------------------------------------------------------


def test_order_inner_features_first_and_parts_in_holes_first():
    frame = Part("frame", shapely.box(0, 0, 400, 400).difference(shapely.box(50, 50, 350, 350)),
                 drills=(Drill(25, 25, 6.0),))
    inner = Part("inner", shapely.box(0, 0, 100, 100))
    far = Part("far", shapely.box(0, 0, 100, 100))
    prog = plan_sheet(sheet_of((frame, 100, 100, 0), (inner, 250, 250, 0), (far, 800, 100, 0)),
                      grbl())
    seq = [(op.part, op.kind) for op in prog.operations]
    assert seq.index(("inner#2", "outline")) < seq.index(("frame#1", "hole"))
    assert seq.index(("frame#1", "drill")) < seq.index(("frame#1", "hole")) < \
        seq.index(("frame#1", "outline"))
    for name in ("frame#1", "inner#2", "far#3"):
        kinds = [k for p, k in seq if p == name]
        assert kinds[-1] == "outline"


def test_tour_is_nearest_neighbour_improved_by_two_opt():
    pts = [(0, 10), (10, 10), (10, 0), (5, 5), (0, 5)]
    order = tour(pts, (0, 0))
    assert sorted(order) == list(range(5))
    length = sum(math.dist(a, b) for a, b in zip([(0, 0)] + [pts[k] for k in order],
                                                  [pts[k] for k in order]))
    assert length <= 5 + 5 + 10 + 10 + 10 + 1e-9
    assert tour(pts, (0, 0)) == order


def test_planning_is_deterministic():
    sheet = sheet_of((slotted(), 100, 100, 0), (slotted(name="b"), 500, 100, 90))
    a = plan_sheet(sheet, grbl())
    b = plan_sheet(sheet, grbl())
    assert [(o.part, o.kind, o.moves, o.tabs) for o in a.operations] == \
        [(o.part, o.kind, o.moves, o.tabs) for o in b.operations]


def test_verifier_finds_nothing_wrong_with_a_planned_sheet():
    from wikicut import verify
    from wikicut.post import write_program

    prof = grbl()
    part = Part("p", slotted().outline, pockets=(Pocket(shapely.box(20, 20, 70, 90), 9.0),),
                drills=(Drill(40, 150, 6.0),))
    sheet = sheet_of((part, 100, 100, 0), (slotted(name="b"), 800, 100, 90))
    text = write_program(plan_sheet(sheet, prof), prof)
    assert verify.verify_program(text, prof, sheet) == []


# --- what real cutting files contain ---------------------------------------------------------


def test_a_slot_exactly_as_wide_as_the_tool_is_cut():
    plate = shapely.box(0, 0, 200, 100).difference(shapely.box(50, 30, 150, 36.0))
    prog = plan_sheet(sheet_of((Part("rib", plate), 100, 100, 0)), grbl())
    hole = next(op for op in prog.operations if op.kind == "hole")
    cut = swept(hole.moves, 3.0, below=-T + 1e-6)
    assert shapely.box(150, 130, 250, 136).difference(cut).area < 1e-3
    reliefs = shapely.union_all([Point(c).buffer(6.0) for c in ((150, 130), (250, 130),
                                                                (150, 136), (250, 136))])
    gouge = cut.difference(shapely.box(150, 130, 250, 136)).difference(reliefs)
    assert gouge.buffer(-0.011).is_empty  # at most NARROW_TOL/2 into each wall


def test_a_rebate_pocket_along_the_part_edge_uses_room_outside_the_part():
    prof = grbl()
    part = Part("p", shapely.box(0, 0, 200, 100), pockets=(Pocket(shapely.box(0, 0, 4, 100), 9),))
    prog = plan_sheet(sheet_of((part, 100, 100, 0)), prof)
    cut = swept(moves_of(prog, "pocket"), prof.tool.radius + 1e-6, below=-9 + 1e-6)
    assert shapely.box(100, 100, 104, 200).difference(cut).area < 1e-3
    inside = shapely.box(100, 100, 300, 200)
    reliefs = shapely.union_all([Point(c).buffer(prof.tool.diameter)
                                 for c in ((104, 100), (104, 200))])
    assert cut.intersection(inside).difference(shapely.box(100, 100, 104, 200)).difference(
        reliefs).area < 1e-3
    with pytest.raises(UnsafeJobError, match="pocket 2.00 mm wide"):  # a 2 mm mark stays refused
        plan_sheet(sheet_of((Part("p", shapely.box(0, 0, 200, 100), pockets=(
            Pocket(Point(50, 50).buffer(1.0, quad_segs=16), 9),)), 100, 100, 0)), prof)


def test_the_wikihouse_cutting_file_plans_and_rs274_reads_it(wikihouse_dxf, tmp_path):
    from conftest import find_rs274, run_rs274

    from wikicut.io import dxf as dxfio
    from wikicut.post import write_program

    exe = find_rs274()  # missing: a failure under CI, else the reading half is skipped

    sheets = dxfio.read_cutting_file(wikihouse_dxf)
    # the file's sheets are portrait (1220 x 2440): a machine with that much Y travel
    prof = grbl(limits={"y_max": 2600})
    planned = refused = 0
    for sheet in [sheets[0]] + sheets[7:13]:
        try:
            prog = plan_sheet(sheet, prof)
        except UnsafeJobError as e:  # parts drawn on the sheet edge, 2 mm marks as pockets
            assert "narrower than" in str(e) or "outside the" in str(e), str(e)
            refused += 1
            continue
        planned += 1
        text = write_program(prog, prof)
        if exe and sheet.placements:
            f = tmp_path / f"s{sheet.index}.nc"
            f.write_text(text)
            res = run_rs274(exe, f, timeout=60)
            assert res.returncode == 0, res.stdout[-500:]
    assert planned >= 5 and refused >= 1


def test_label_placement_with_a_stand_in_font(monkeypatch):
    """Labels fit inside the part, clear of its holes, shrinking when needed, skipped when
    they cannot fit (the font is replaced by a box-drawing stand-in)."""
    from wikicut.cam import labels

    def text_strokes(text, height):
        w = 0.6 * height
        return [np.array([(k * w, 0), (k * w + 0.8 * w, 0), (k * w + 0.8 * w, height),
                          (k * w, height), (k * w, 0)]) for k in range(len(text))]

    monkeypatch.setattr(labels, "text_strokes", text_strokes)
    prof = grbl(engrave={"labels": True})
    plate = shapely.box(0, 0, 300, 120).difference(shapely.box(130, 40, 170, 80))
    prog = plan_sheet(sheet_of((Part("p", plate, label="WALL-3", label_height=40), 100, 100, 0),
                               (Part("tiny", shapely.box(0, 0, 30, 12), label="TOOLONG"),
                                600, 100, 0)), prof)
    labels = [op for op in prog.operations if op.kind == "label"]
    assert labels and all(op.part == "p#1" for op in labels)
    room = shapely.affinity.translate(plate, 100, 100).buffer(-prof.tool.radius)
    for op in labels:
        for m in op.moves:
            if m.z < 0:
                assert room.contains(Point(m.x, m.y))
                assert m.z >= -prof.engrave.depth - 1e-9
    seq = [op.kind for op in prog.operations if op.part == "p#1"]
    assert seq.index("label") < seq.index("hole") < seq.index("outline")


@pytest.mark.parametrize("kernel", [True, False])
def test_walk_matches_the_scalar_reference(kernel, monkeypatch):
    """The vectorised walk and its Numba clean-up give the one-knot-at-a-time walk exactly;
    so does the Python clean-up it falls back on when the kernel cannot decide."""
    if not kernel:
        monkeypatch.setattr(depth, "clean_walk", lambda xs, ys, zs: np.array([-1]))
    prof = load_profile("grbl")
    rng = np.random.default_rng(3)
    for trial in range(60):
        n = int(rng.integers(3, 40))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = rng.uniform(5, 200, n)
        pts = np.c_[rad * np.cos(ang), rad * np.sin(ang)] + rng.uniform(0, 1000, 2)
        closed = trial % 3 != 0
        track = depth.Track(pts, closed=closed)
        u0 = float(rng.uniform(0, track.period))
        levels = depth.pass_levels(18.3 + 0.3, prof)
        knots, u1 = depth.descend_knots(track, u0, 0.0, levels, prof)
        base = depth.PL.of(knots)
        tab = None
        if closed:
            centres = tabs.tab_centres(track, prof, track.length)
            tab = tabs.tab_function(track, centres, u0, u1, prof, 18.3, 18.6)
        assert depth.walk(track, u0, u1, base, tab) == walk_py(track, u0, u1, base, tab)


def test_vectorised_safety_check_still_refuses(monkeypatch):
    """The numpy pre-check hands every doubtful program to the move-by-move check: a program
    with one move below the floor is refused with the same message either way."""
    prof = load_profile("grbl")
    stock = Stock(width=2440, height=1220, thickness=18)
    sheet = SheetLayout(1, stock, [])
    good = [Move("rapid", 10, 10, 5), Move("feed", 10, 10, -5, 500), Move("feed", 20, 10, -5,
                                                                          1000)]
    safety.check_program(SheetProgram(sheet, [Operation("p", "hole", good)]), prof, sheet)
    for bad in (Move("feed", 20, 10, -30, 1000), Move("rapid", 30, 10, -1),
                Move("feed", 2600, 10, -5, 1000), Move("feed", 20, 10, -5, 1e6)):
        ops = [Operation("p", "hole", good + [bad])]
        program = SheetProgram(sheet, ops)
        assert safety.program_suspect(program, prof, sheet)
        with pytest.raises(UnsafeJobError) as fast:
            safety.check_program(program, prof, sheet)
        with pytest.raises(UnsafeJobError) as slow:
            safety.check_moves(program, prof, sheet)
        assert str(fast.value) == str(slow.value)
