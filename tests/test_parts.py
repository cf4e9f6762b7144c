"""Parametric part files: the shipped library, the format's features and its error messages."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
import shapely
import shapely.affinity
from conftest import rect_part
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon

from wikicut.errors import InputError
from wikicut.io.items import load_job_parts
from wikicut.io.job import load_job
from wikicut.io.parts import load_part, part_info, part_parameters, quad_segs

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = sorted((ROOT / "parts").glob("*.toml"))
HOUSE = ROOT / "examples" / "house" / "job.toml"
SHEET_W, SHEET_H, MARGIN = 2440.0, 1220.0, 15.0
TOOL_GAP = 8.0  # narrowest slot or hole the 6-6.35 mm tools should be asked to cut


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def gaps(part, a: tuple[float, float], b: tuple[float, float]) -> list[float]:
    """Widths of the openings (slots, holes) a line from a to b crosses inside the part."""
    inside = part.outline.intersection(LineString([a, b]))
    segs = sorted(getattr(inside, "geoms", [inside]), key=lambda s: s.coords[0])
    if a[0] == b[0]:
        segs = sorted(segs, key=lambda s: min(s.coords[0][1], s.coords[-1][1]))
        spans = [sorted((s.coords[0][1], s.coords[-1][1])) for s in segs]
    else:
        segs = sorted(segs, key=lambda s: min(s.coords[0][0], s.coords[-1][0]))
        spans = [sorted((s.coords[0][0], s.coords[-1][0])) for s in segs]
    return [round(n[0] - p[1], 6) for p, n in itertools.pairwise(spans)]


# --- the shipped library ---------------------------------------------------------------


def test_library_has_the_starter_parts():
    names = {p.stem for p in LIBRARY}
    assert {"wall-rib", "floor-beam", "roof-rib", "spacer", "bowtie", "wedge", "portal-side",
            "cassette-side"} <= names
    assert len(LIBRARY) >= 8


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
@pytest.mark.parametrize("thickness", [None, 17.6, 18.3])
def test_library_part_is_cuttable(path, thickness):
    part = load_part(path) if thickness is None else load_part(path, thickness=thickness)
    t = 18.0 if thickness is None else thickness
    o = part.outline
    assert isinstance(o, Polygon) and o.is_valid and o.area > 0
    assert part.source == path.name and part.name == path.stem
    # fits a 2440 x 1220 sheet inside a 15 mm margin, turned or not
    x0, y0, x1, y1 = o.bounds
    w, h = x1 - x0, y1 - y0
    uw, uh = SHEET_W - 2 * MARGIN, SHEET_H - 2 * MARGIN
    assert (w <= uw and h <= uh) or (h <= uw and w <= uh), (w, h)
    # no opening, slot or notch narrower than the tool can cut (closing fills only those;
    # square inside corners leave thin fillets that a 1 mm erosion removes)
    r = TOOL_GAP / 2 - 0.05
    filled = o.buffer(r).buffer(-r).difference(o).buffer(-1.0)
    assert filled.is_empty, f"gap narrower than {TOOL_GAP} mm near {filled.representative_point()}"
    for d in part.drills:
        assert d.diameter >= TOOL_GAP
        assert o.contains(shapely.Point(d.x, d.y).buffer(d.diameter / 2))
        assert d.depth is None or 0 < d.depth < t
    for p in part.pockets:
        assert 0 < p.depth < t and o.buffer(1e-6).contains(p.shape)
        assert p.shape.buffer(-r).buffer(r).area == pytest.approx(p.shape.area, rel=0.05)
    # coordinates on the 1e-6 mm grid, for byte-identical output
    xy = shapely.get_coordinates(o)
    assert abs(xy * 1e6 - (xy * 1e6).round()).max() < 1e-3
    assert part.label and "{" not in part.label


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_library_part_is_deterministic(path):
    a, b = load_part(path, thickness=18.3), load_part(path, thickness=18.3)
    assert a.outline.wkb == b.outline.wkb
    assert [p.shape.wkb for p in a.pockets] == [p.shape.wkb for p in b.pockets]
    assert a.drills == b.drills and a.label == b.label


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_library_info(path):
    info = part_info(path)
    assert info["name"] == path.stem and len(info["description"]) > 20
    assert info["parameters"] == part_parameters(path)
    # each declared parameter can be overridden with its own default
    assert load_part(path, info["parameters"]).outline.equals(load_part(path).outline)


def test_wall_rib_slots_follow_thickness_exactly():
    for t in (17.6, 18.3, 18.0):
        rib = load_part(ROOT / "parts" / "wall-rib.toml", thickness=t)
        ys = rib.bounds[3] - 30  # half way down the slots from the outer edge
        assert gaps(rib, (-10, ys), (2410, ys)) == [round(t + 0.3, 6)] * 4


def test_wall_rib_clearance_and_count_overrides():
    rib = load_part(ROOT / "parts" / "wall-rib.toml", {"clearance": 0.5, "spacer_slots": 6,
                                                       "length": 2000}, thickness=18.3)
    assert rib.bounds[2] == 2000
    assert gaps(rib, (-10, 220), (2010, 220)) == [18.8] * 6
    assert rib.label == "WALL RIB 2000"


def test_floor_beam_slots_follow_thickness():
    for t in (17.6, 18.3):
        beam = load_part(ROOT / "parts" / "floor-beam.toml", thickness=t)
        assert gaps(beam, (-10, 280), (2210, 280)) == [round(t + 0.3, 6)] * 2


def test_portal_side_slots_follow_thickness():
    for t in (17.6, 18.3):
        side = load_part(ROOT / "parts" / "portal-side.toml", thickness=t)
        assert gaps(side, (30, -10), (30, 2100)) == [round(t + 0.3, 6)] * 4


def test_tenons_grow_with_thickness():
    for t in (17.6, 18.3):
        spacer = load_part(ROOT / "parts" / "spacer.toml", thickness=t)
        assert spacer.bounds[0] == pytest.approx(-(t + 60))
        assert spacer.bounds[2] == pytest.approx(560 + t + 60)
        side = load_part(ROOT / "parts" / "cassette-side.toml", thickness=t)
        assert side.bounds[1] == pytest.approx(-t)


@pytest.mark.parametrize("pitch", [20, 30, 35])
def test_roof_rib_stands_plumb_at_its_pitch(pitch):
    """Stood up at the pitch, the rib's end cuts are vertical and its birdsmouth seat level."""
    rib = load_part(ROOT / "parts" / "roof-rib.toml", {"pitch": pitch}, thickness=18.3)
    t = math.radians(pitch)
    assert rib.bounds[2] == pytest.approx(1500 / math.cos(t) + 240 * math.tan(t), abs=1e-5)
    assert str(pitch) in rib.label
    stood = shapely.affinity.rotate(rib.outline, pitch, origin=(0, 0))
    xy = shapely.get_coordinates(stood.exterior)
    edges = [(b - a, math.hypot(*(b - a))) for a, b in itertools.pairwise(xy)]
    plumb = [d for d, n in edges if abs(n - 240 / math.cos(t)) < 1e-3]
    assert len(plumb) == 2 and all(abs(d[0]) < 1e-4 for d in plumb)
    seat = [d for d, n in edges if abs(n - 40 / math.sin(t)) < 1e-3]
    assert any(abs(d[1]) < 1e-4 for d in seat)  # the seat lies level
    assert gaps(rib, (-10, 200), (3000, 200)) == [18.6] * 3


# --- the format ------------------------------------------------------------------------

BOX = "\n" + rect_part("box", 400, 200)  # line numbers as the tests expect them


def test_minimal_part_and_source(tmp_path):
    part = load_part(write(tmp_path, BOX), display="parts/box.toml")
    assert part.name == "box" and part.source == "parts/box.toml"
    assert part.outline.equals(shapely.box(0, 0, 400, 200))
    assert part.label == "box"


def test_name_defaults_to_file_stem(tmp_path):
    part = load_part(write(tmp_path, BOX.replace('name = "box"', ""), "plain-box.toml"))
    assert part.name == "plain-box" and part.source == "plain-box.toml"


def test_design_coordinates_are_kept(tmp_path):
    text = BOX.replace("x = 0\ny = 0", "x = 100\ny = -50")
    assert load_part(write(tmp_path, text)).bounds == (100, -50, 500, 150)


def test_rectangle_centre_form_rotation_and_radius(tmp_path):
    text = BOX + """
[[feature]]
type = "rectangle"
cx = 200
cy = 100
w = 100
h = 40
radius = 10
op = "cut"
"""
    part = load_part(write(tmp_path, text))
    hole = Polygon(part.outline.interiors[0])
    # inscribed arcs lose at most chord error x perimeter
    assert hole.area == pytest.approx(100 * 40 - (4 - math.pi) * 100, abs=0.01 * 2 * math.pi * 10)
    assert hole.centroid.x == pytest.approx(200) and hole.centroid.y == pytest.approx(100)
    turned = load_part(write(tmp_path, text.replace("radius = 10", "angle = 90")))
    hx0, hy0, hx1, hy1 = Polygon(turned.outline.interiors[0]).bounds
    assert (round(hx1 - hx0, 6), round(hy1 - hy0, 6)) == (40, 100)


def test_circle_chord_error_within_a_hundredth(tmp_path):
    for r in (5, 30, 400, 1700):
        text = f'[[feature]]\ntype = "circle"\ncx = 0\ncy = 0\nr = {r}\n'
        disc = load_part(write(tmp_path, text)).outline
        xy = shapely.get_coordinates(disc.exterior)
        mids = (xy[1:] + xy[:-1]) / 2
        sag = r - math.hypot(*mids.T[:, 0])  # any chord: all are equal
        assert 0 < sag <= 0.0101, (r, sag)
        assert (abs(math.hypot(*xy[0]) - r)) < 1e-5
    assert quad_segs(0.001) == 1 and quad_segs(1e6) == 4096 and quad_segs(30) % 8 == 0


def test_circle_by_diameter(tmp_path):
    text = BOX + '[[feature]]\ntype = "circle"\ncx = 100\ncy = 100\nd = 50\nop = "cut"\n'
    hole = Polygon(load_part(write(tmp_path, text)).outline.interiors[0])
    assert hole.area == pytest.approx(math.pi * 25 ** 2, abs=0.01 * 2 * math.pi * 25)


def test_edge_slot_opens_the_outline_and_internal_slot_is_a_hole(tmp_path):
    edge = BOX + """
[[feature]]
type = "slot"
x = 100
y = "h"
width = "thickness + 0.3"
depth = 50
angle = 270
"""
    part = load_part(write(tmp_path, edge), thickness=17.6)
    assert len(part.outline.interiors) == 0
    assert gaps(part, (-10, 180), (410, 180)) == [17.9]
    assert part.area == pytest.approx(400 * 200 - 17.9 * 50)
    inner = edge.replace('y = "h"', "y = 50").replace("angle = 270", "angle = 90\nextend = 0")
    part = load_part(write(tmp_path, inner), thickness=17.6)
    hole = Polygon(part.outline.interiors[0])
    assert hole.bounds == pytest.approx((100 - 8.95, 50, 100 + 8.95, 100))


def test_notch_and_tenon(tmp_path):
    text = BOX + """
[[feature]]
type = "notch"
x = -1
y = -1
w = 51
h = 31
[[feature]]
type = "tenon"
x = "w"
y = 100
width = 80
length = "thickness"
angle = 0
"""
    part = load_part(write(tmp_path, text), thickness=18.3)
    assert part.area == pytest.approx(400 * 200 - 50 * 30 + 80 * 18.3)
    assert part.bounds == pytest.approx((0, 0, 418.3, 200))


def test_polygon_with_expressions(tmp_path):
    text = """
[params]
span = 1000
pitch = 30
[derived]
rise = "span * tan(radians(pitch))"
[[feature]]
type = "polygon"
points = [[0, 0], ["span", 0], ["span", "rise"]]
"""
    part = load_part(write(tmp_path, text))
    assert part.area == pytest.approx(0.5 * 1000 * 1000 * math.tan(math.radians(30)), rel=1e-9)


def test_repeat_and_mirror(tmp_path):
    text = BOX.replace("w = 400", "w = 1000") + """
[[feature]]
type = "circle"
cx = 100
cy = 50
r = 10
op = "cut"
repeat = { count = 3, dx = 100, dy = 10 }
mirror = { x = "w / 2", y = "h / 2" }
"""
    part = load_part(write(tmp_path, text))
    centres = sorted((round(Polygon(r).centroid.x, 3), round(Polygon(r).centroid.y, 3))
                     for r in part.outline.interiors)
    xs, ys = [100, 200, 300], [50, 60, 70]
    expect = sorted([(x, y) for x, y in zip(xs, ys)] + [(1000 - x, y) for x, y in zip(xs, ys)]
                    + [(x, 200 - y) for x, y in zip(xs, ys)]
                    + [(1000 - x, 200 - y) for x, y in zip(xs, ys)])
    assert centres == [(float(x), float(y)) for x, y in expect]


def test_pockets_drills_engravings_label(tmp_path):
    top = ('label = "BOX {w}x{h} t{thickness:.1f} {{A}} {w / 3}"\nlabel_at = [200, 150]\n'
           "label_height = 20\n")
    text = top + BOX + """
[[feature]]
type = "rectangle"
cx = 100
cy = 100
w = 60
h = 40
op = "pocket"
depth_mm = "thickness / 2"
[[drill]]
x = 300
y = 100
d = 10
[[drill]]
x = 350
y = 50
d = 8
depth_mm = 5
mirror = { y = "h / 2" }
[[engrave]]
points = [[20, 20], [80, 20], [80, 40]]
depth_mm = 1.5
"""
    part = load_part(write(tmp_path, text), thickness=18.3)
    assert part.label == "BOX 400x200 t18.3 {A} 133.33"
    assert part.label_at == (200, 150) and part.label_height == 20
    (pk,) = part.pockets
    assert pk.depth == pytest.approx(9.15) and pk.shape.area == pytest.approx(2400)
    assert [(d.x, d.y, d.diameter, d.depth) for d in part.drills] == [
        (300, 100, 10, None), (350, 50, 8, 5), (350, 150, 8, 5)]
    (en,) = part.engravings
    assert en.depth == 1.5 and en.path.length == pytest.approx(80)


def test_derived_values_in_any_order(tmp_path):
    text = BOX + '[derived]\nb = "a * 2"\na = "w / 4"\n'
    text = text.replace('w = "w"', 'w = "b"')
    assert load_part(write(tmp_path, text)).bounds[2] == 200


def test_overrides(tmp_path):
    path = write(tmp_path, BOX)
    assert load_part(path, {"w": 600, "h": 100}).bounds == (0, 0, 600, 100)
    assert part_parameters(path) == {"w": 400.0, "h": 200.0}
    assert part_info(path) == {"name": "box", "description": "",
                               "parameters": {"w": 400.0, "h": 200.0}}


# --- errors: one line, file, part, what and where --------------------------------------

BAD = [
    ("unknown top key", BOX + "colour = 'red'\n", {}, ["p.toml", "part 'box'", "colour",
                                                       "unknown key"]),
    ("typo in feature", BOX.replace("h = \"h\"", "hh = \"h\""), {},
     ["feature[1].hh", "line 11", "did you mean 'h'"]),
    ("unknown shape", BOX.replace('"rectangle"', '"rectangel"'), {},
     ["feature[1].type", "unknown shape 'rectangel'", "did you mean 'rectangle'"]),
    ("unknown op", BOX + 'op = "sub"\n', {}, ["feature[1].op", "must be one of add, cut"]),
    ("unknown override", BOX, {"widht": 3}, ["unknown parameter 'widht'", "parameters: w, h"]),
    ("override near miss", BOX, {"ww": 3}, ["unknown parameter 'ww'", "did you mean 'w'"]),
    ("override not a number", BOX, {"w": "wide"}, ["parameter 'w' must be a finite number"]),
    ("override bool", BOX, {"w": True}, ["parameter 'w' must be a finite number"]),
    ("override nan", BOX, {"w": math.nan}, ["parameter 'w' must be a finite number"]),
    ("division by zero", BOX.replace('w = "w"', 'w = "w / (h - 200)"'), {},
     ["feature[1].w", "line 10", "division by zero", "w / (h - 200)"]),
    ("unknown name", BOX.replace('w = "w"', 'w = "ww * 2"'), {},
     ["unknown name 'ww'", "did you mean 'w'"]),
    ("reach python", BOX.replace('w = "w"', "w = \"__import__('os').getpid()\""), {},
     ["feature[1].w", "attempts to reach Python are not allowed"]),
    ("string param default", BOX.replace("w = 400", 'w = "400"'), {},
     ["params.w", "default must be a finite number"]),
    ("reserved param", BOX.replace("w = 400", "w = 400\nsin = 3"), {},
     ["params.sin", "reserved"]),
    ("thickness param", BOX.replace("w = 400", "w = 400\nthickness = 3"), {},
     ["params.thickness", "reserved"]),
    ("dunder param", BOX.replace("w = 400", "w = 400\n__class__ = 3"), {},
     ["params.__class__", "not a usable name"]),
    ("derived cycle", BOX + '[derived]\na = "b + 1"\nb = "c * 2"\nc = "a"\n', {},
     ["derived values form a cycle: a -> b -> c -> a"]),
    ("derived self", BOX + '[derived]\na = "a + 1"\n', {}, ["cycle: a -> a"]),
    ("derived redefines", BOX + '[derived]\nw = "h"\n', {}, ["derived.w",
                                                            "redefines a parameter"]),
    ("negative size", BOX.replace('w = "w"', 'w = "-w"'), {},
     ["feature[1].w", "must be greater than 0"]),
    ("absurd size", BOX, {"w": 1e9}, ["feature[1].w", "too large for a part"]),
    ("both corner and centre", BOX.replace("x = 0", "cx = 0"), {},
     ["feature[1].cx", "not both"]),
    ("radius too big", BOX + "radius = 100\n", {}, ["feature[1].radius", "less than half"]),
    ("self-intersecting", '[[feature]]\ntype = "polygon"\npoints = [[0,0],[10,10],[10,0],[0,10]]\n',
     {}, ["feature[1].points", "self-intersecting"]),
    ("flat polygon", '[[feature]]\ntype = "polygon"\npoints = [[0,0],[10,10],[20,20]]\n', {},
     ["feature[1].points", "no area"]),
    ("missing type", BOX.replace('type = "rectangle"\n', ""), {},
     ["feature[1].type", "missing: one of rectangle"]),
    ("short polygon", '[[feature]]\ntype = "polygon"\npoints = [[0,0],[10,10]]\n', {},
     ["at least 3"]),
    ("bad point", '[[feature]]\ntype = "polygon"\npoints = [[0,0],[10],[10,0]]\n', {},
     ["a point must be [x, y]"]),
    ("no material", 'name = "x"\n', {}, ["no material"]),
    ("cut first", '[[feature]]\ntype = "slot"\nx = 0\ny = 0\nwidth = 10\ndepth = 10\n', {},
     ["a cut before any material"]),
    ("falls apart", BOX + '[[feature]]\ntype = "rectangle"\nx = 190\ny = -10\nw = 20\n'
     'h = 220\nop = "cut"\n', {}, ["feature[2].type", "line 13", "part falls apart into 2 pieces"]),
    ("hole outside", BOX + '[[feature]]\ntype = "circle"\ncx = 900\ncy = 100\nr = 20\n'
     'op = "cut"\n', {}, ["feature[2]", "cut misses the part"]),
    ("repeat copy outside", BOX + '[[feature]]\ntype = "circle"\ncx = 100\ncy = 100\nr = 20\n'
     'op = "cut"\nrepeat = { count = 4, dx = 150, dy = 0 }\n', {},
     ["cut (copy 4 of 4) misses the part"]),
    ("repeat count", BOX + 'repeat = { count = 2.5, dx = 10 }\n', {},
     ["feature[1].repeat.count", "whole number"]),
    ("repeat key", BOX + 'repeat = { count = 2, dz = 10 }\n', {},
     ["feature[1].repeat.dz", "unknown key (did you mean"]),
    ("mirror key", BOX + 'mirror = { z = 10 }\n', {}, ["feature[1].mirror.z"]),
    ("pocket outside", BOX + '[[feature]]\ntype = "rectangle"\nx = 380\ny = 10\nw = 40\nh = 40\n'
     'op = "pocket"\ndepth_mm = 5\n', {}, ["feature[2]", "pocket lies outside the part"]),
    ("pocket too deep", BOX + '[[feature]]\ntype = "circle"\ncx = 100\ncy = 100\nr = 20\n'
     'op = "pocket"\ndepth_mm = "thickness"\n', {}, ["feature[2].depth_mm",
                                                     "must be between 0 and the 18 mm"]),
    ("depth on a cut", BOX + '[[feature]]\ntype = "circle"\ncx = 100\ncy = 100\nr = 20\n'
     'op = "cut"\ndepth_mm = 3\n', {}, ["feature[2].depth_mm", "only a pocket"]),
    ("drill outside", BOX + '[[drill]]\nx = 398\ny = 100\nd = 8\n', {},
     ["drill[1].x", "drill at (398, 100) is not inside the part"]),
    ("drill too deep", BOX + '[[drill]]\nx = 100\ny = 100\nd = 8\ndepth_mm = 30\n', {},
     ["drill[1].depth_mm", "through hole"]),
    ("engraving off part", BOX + '[[engrave]]\npoints = [[10, 10], [500, 10]]\n', {},
     ["engrave[1].points", "runs off the part"]),
    ("label python", 'label = "{w.__class__}"\n' + BOX, {},
     ["key 'label'", "attempts to reach Python are not allowed"]),
    ("label unknown", 'label = "{width}"\n' + BOX, {}, ["label", "unknown name 'width'"]),
    ("label brace", 'label = "A {"\n' + BOX, {}, ["label", "unmatched brace"]),
    ("label spec", 'label = "{w:!r}"\n' + BOX, {}, ["label", "format '!r' not understood"]),
    ("label off part", "label_at = [999, 10]\n" + BOX, {}, ["label_at", "not on the part"]),
    ("toml syntax", "name = \n", {}, ["TOML syntax error"]),
    ("feature not tables", "feature = 3\n", {}, ["must be [[feature]] tables"]),
]


@pytest.mark.parametrize("text, params, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_part_files(tmp_path, text, params, words):
    with pytest.raises(InputError) as err:
        load_part(write(tmp_path, text), params)
    msg = str(err.value)
    assert msg.startswith("p.toml"), msg
    for w in words:
        assert w in msg, msg
    assert "\n" not in msg and "Traceback" not in msg


def test_bad_thickness(tmp_path):
    with pytest.raises(InputError, match="thickness must be a number of mm"):
        load_part(write(tmp_path, BOX), thickness=0)


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.toml: file not found"):
        load_part(tmp_path / "nope.toml", display="nope.toml")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(LIBRARY), data=st.data(),
       thickness=st.floats(min_value=3, max_value=40))
def test_random_overrides_give_a_part_or_input_error(path, data, thickness):
    """Any parameter values: a valid one-piece part or a one-line InputError, nothing else."""
    defaults = part_parameters(path)
    names = data.draw(st.lists(st.sampled_from(sorted(defaults)), unique=True, max_size=3))
    params = {k: data.draw(st.one_of(
        st.floats(min_value=0.2, max_value=2.0).map(lambda f, k=k: defaults[k] * f),
        st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)), label=k) for k in names}
    try:
        part = load_part(path, params, thickness=thickness)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(path.name)
        return
    assert part.outline.geom_type == "Polygon" and part.outline.is_valid
    assert part.outline.area > 0
    for p in part.pockets:
        assert 0 < p.depth < thickness


# --- the example job -------------------------------------------------------------------


def test_house_job_is_a_sensible_size():
    job = load_job(HOUSE)
    rendered = load_job_parts(job)
    count = sum(jp.quantity for jp, _ in rendered)
    area = sum(jp.quantity * part.area for jp, part in rendered)
    sheets = area / (SHEET_W * SHEET_H)
    assert 40 <= count <= 90, count
    assert 4.5 <= sheets <= 5.5, sheets
    assert job.thickness == 18.3
    names = {part.name for _, part in rendered}
    assert {"wall-rib", "spacer", "roof-rib", "bowtie", "wedge"} <= names
