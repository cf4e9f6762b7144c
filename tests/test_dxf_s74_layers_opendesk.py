"""OpenDesk's CNC plywood furniture files (timrolls/Opendesk, tests/data/real/opendesk and
SOURCES.md): layer names of the `TOP-POCKET-INSIDE_9.000MM` convention as R12 writers spell
them (`_` for `.`, cut at 26 characters), the tool on the line (`TOP-POCKET-ONLINE-2MM`),
the back face (`REV-...`) and the board drawn round the parts (`BOARD_$TH-NOMINAL`)."""

from __future__ import annotations

import collections
import warnings
from pathlib import Path

import ezdxf
import pytest
import shapely
from ezdxf.path import make_path
from shapely.geometry import Point, Polygon

from wikicut.errors import InputError
from wikicut.io.dxf import classify_layer, read_cutting_file, read_dxf_parts

REAL = Path(__file__).resolve().parent / "data" / "real" / "opendesk"
HOT_DESK = REAL / "UTI_HTD_STD_1100x1100x738_SA_AP_1_2_0_cad-1_18.000-0.0.dxf"
PEDESTAL = REAL / "ZER_PED_STD_325x522x530_SA_AP_3_1_0_cad-1_12.000-0.0.dxf"
THROUGH_18 = "TOP-HOLE-7_000MM-DIAM_18_0"  # 7 mm holes 18 mm deep in 18 mm ply: through


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _plate(tmp_path, features, name="plate.dxf"):
    """A 400 x 300 mm part on TOP-CUT-OUTSIDE_18.000MM with `features`: (layer, kind, geometry)
    where kind is "circle" ((x, y), r) or "poly" (points)."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (400, 0), (400, 300), (0, 300)], close=True,
                       dxfattribs={"layer": "TOP-CUT-OUTSIDE_18.000MM"})
    handles = []
    for layer, kind, geom in features:
        if kind == "circle":
            e = msp.add_circle(geom[0], geom[1], dxfattribs={"layer": layer})
        else:
            e = msp.add_lwpolyline(geom, close=True, dxfattribs={"layer": layer})
        handles.append(e.dxf.handle)
    path = tmp_path / name
    doc.saveas(path)
    return path, handles


# --- 1. `_` for the decimal point ------------------------------------------------------------


def test_r12_underscore_is_the_decimal_point_of_a_pocket_depth():
    op = classify_layer("TOP-POCKET-INSIDE_9_000MM")
    assert (op.kind, op.depth) == ("pocket", 9.0)
    # only a writer's three decimals (or zeros): a shop's tool 6, depth 12 stays 12 mm
    assert [classify_layer(n).depth for n in ("POCKET_6_12MM", "POCKET_2_18MM",
                                              "TOP-POCKET-INSIDE_4_0MM")] == [12.0, 18.0, 4.0]


def test_a_pocket_named_0_mm_deep_is_refused_naming_its_layer(tmp_path):
    layer = "TOP-POCKET-INSIDE_0_000MM"
    path, (h,) = _plate(tmp_path, [(layer, "poly", [(50, 50), (150, 50), (150, 150),
                                                    (50, 150)])])
    with pytest.raises(InputError) as exc:
        _quiet(read_dxf_parts, path)
    msg = str(exc.value)
    assert layer in msg and f"entity {h}" in msg and "0 mm" in msg


def test_hot_desk_pockets_read_at_their_depths():
    """The hot desk (R12: every '.' of its layer names written '_'): each pocket and blind
    hole at the depth its layer names, counted against the entities drawn (exact copies
    once), and the blind holes are not cut through."""
    parts = _quiet(read_dxf_parts, HOT_DESK, layer_map={THROUGH_18: "inside"})
    got = collections.Counter(q.depth for p in parts for q in p.pockets)
    drawn = _drawn_by_layer(HOT_DESK)
    depth_of = {"TOP-POCKET-INSIDE_1_000MM": 1.0, "TOP-POCKET-INSIDE_4_000MM": 4.0,
                "TOP-POCKET-INSIDE_6_000MM": 6.0, "TOP-POCKET-INSIDE_7_000MM": 7.0,
                "TOP-POCKET-INSIDE_9_000MM": 9.0, "TOP-HOLE-6_000MM-DIAM_14_0": 14.0,
                "TOP-HOLE-9_000MM-DIAM_14_0": 14.0}
    want = collections.Counter()
    for layer, depth in depth_of.items():
        want[depth] += len(drawn[layer])
    assert want == {1.0: 24, 4.0: 8, 6.0: 32, 7.0: 16, 9.0: 104, 14.0: 152}
    assert {d: got[d] for d in want} == want
    # the 12 mm recesses run over the parts' edges: cut where there is ply, by area
    area12 = sum(q.shape.area for p in parts for q in p.pockets if q.depth == 12.0)
    outlines = shapely.union_all(drawn["TOP-CUT-OUTSIDE_18_000MM"])
    want12 = shapely.union_all(drawn["TOP-POCKET-INSIDE_12_000MM"]).intersection(outlines).area
    assert area12 == pytest.approx(want12, rel=0.01)
    assert sum(len(p.outline.interiors) for p in parts) == (
        len(drawn["TOP-CUT-INSIDE_18_000MM"]) + len(drawn[THROUGH_18]))
    assert all(q.depth > 0 for p in parts for q in p.pockets)


def _drawn_by_layer(path) -> dict[str, list[Polygon]]:
    """Closed contours per layer as ezdxf draws them, each exact copy once."""
    out: dict[str, list[Polygon]] = collections.defaultdict(list)
    seen = set()
    for e in ezdxf.readfile(path).modelspace():
        if e.dxftype() not in ("CIRCLE", "POLYLINE", "LWPOLYLINE"):
            continue
        if e.dxftype() == "CIRCLE":
            poly = Point(e.dxf.center.x, e.dxf.center.y).buffer(e.dxf.radius, 64)
        else:
            pts = [(v.x, v.y) for v in make_path(e).flattening(0.01)]
            if not e.is_closed and Point(pts[0]).distance(Point(pts[-1])) > 1e-6:
                continue  # an open stroke; one drawn open on its first point is closed
            poly = Polygon(pts)
        key = (e.dxf.layer, tuple(round(c, 3) for c in poly.bounds), round(poly.area, 1))
        if key not in seen:
            seen.add(key)
            out[e.dxf.layer].append(poly)
    return out


# --- 2. blind holes: `_` decimals and R12's cut-off MM ---------------------------------------


def test_blind_holes_whose_depth_lost_its_mm_stay_blind(tmp_path):
    path, _ = _plate(tmp_path, [("TOP-HOLE-10_000MM-DIAM_14_0", "circle", ((100, 100), 5)),
                                ("TOP-HOLE-6.000MM-DIAM_14.0", "circle", ((200, 100), 3)),
                                ("TOP-HOLE-10.0MM-DIAM_14.0MM", "circle", ((300, 100), 5))])
    (part,) = _quiet(read_dxf_parts, path)
    assert not part.outline.interiors  # none cut through
    assert sorted(q.depth for q in part.pockets) == [14.0, 14.0, 14.0]


def test_a_hole_depth_cut_short_at_26_characters_is_refused(tmp_path):
    layer = "TOP-HOLE-116.063MM-DIAM_12"  # 26: "12" may be the start of 120 or 12.5
    assert len(layer) == 26
    path, (h,) = _plate(tmp_path, [(layer, "circle", ((100, 100), 5))])
    with pytest.raises(InputError) as exc:
        _quiet(read_dxf_parts, path)
    assert layer in str(exc.value) and f"entity {h}" in str(exc.value)


# --- 3. the tool on the line -----------------------------------------------------------------


def test_pocket_online_is_a_groove_along_the_line(tmp_path):
    square = [(50, 50), (150, 50), (150, 150), (50, 150)]
    path, _ = _plate(tmp_path, [("TOP-POCKET-ONLINE-2MM", "poly", square)])
    (part,) = _quiet(read_dxf_parts, path)
    assert not part.pockets
    (groove,) = part.engravings
    assert groove.depth == 2.0 and groove.path.length == pytest.approx(400.0)


def test_pedestal_reads_its_grooves_and_pockets():
    """The pedestal (AutoCAD 2004, '.' in its names): its TOP-POCKET-ONLINE-2MM lines, open
    and closed, are grooves 2 mm deep; pockets and blind holes at their depths."""
    parts = _quiet(read_dxf_parts, PEDESTAL)
    drawn = _drawn_by_layer(PEDESTAL)
    assert len(parts) == len(drawn["TOP-CUT-OUTSIDE_12.000MM"]) == 20
    grooves = [e for p in parts for e in p.engravings]
    assert grooves and {e.depth for e in grooves} == {2.0}
    online = [e for e in ezdxf.readfile(PEDESTAL).modelspace()
              if e.dxf.layer == "TOP-POCKET-ONLINE-2MM"]
    drawn_length = sum(shapely.LineString([(v.x, v.y) for v in make_path(e).flattening(0.01)])
                       .length for e in online)
    assert sum(e.path.length for e in grooves) == pytest.approx(drawn_length, rel=0.01)
    got = collections.Counter(q.depth for p in parts for q in p.pockets)
    assert got[12.0] == sum(len(drawn[n]) for n in drawn if "DIAM_12.000MM" in n)
    assert got[6.0] == len(drawn["TOP-POCKET-INSIDE_6.000MM"])


# --- 4. the back face ------------------------------------------------------------------------


def test_a_back_face_feature_inside_a_part_is_refused_with_the_way_out(tmp_path):
    layer = "REV-HOLE-14.763MM-DIAM_4.000MM"
    path, (h,) = _plate(tmp_path, [(layer, "circle", ((100, 100), 7.38))])
    with pytest.raises(InputError) as exc:
        _quiet(read_dxf_parts, path)
    msg = str(exc.value)
    assert f"entity {h}, layer {layer}" in msg and "back face" in msg
    assert f"--layer '{layer}=ignore'" in msg
    (part,) = _quiet(read_dxf_parts, path, layer_map={layer: "ignore"})
    assert not part.pockets and not part.outline.interiors


def test_a_back_face_pocket_drawn_beside_the_parts_says_so(tmp_path):
    """OpenDesk draws the back face's pockets beside the parts (layout-table, fin-lockers)."""
    layer = "REV-POCKET-INSIDE_5.000MM"
    path, (h,) = _plate(tmp_path, [(layer, "poly", [(500, 0), (560, 0), (560, 60),
                                                    (500, 60)])])
    with pytest.raises(InputError) as exc:
        _quiet(read_dxf_parts, path)
    assert f"entity {h}, layer {layer}" in str(exc.value) and "back face" in str(exc.value)


# --- 5. a blind hole as deep as the stock ----------------------------------------------------


def test_a_hole_through_the_stock_names_its_own_entity_and_the_mapping(tmp_path):
    layer = "TOP-HOLE-6.000MM-DIAM_18.000MM"
    path, (h,) = _plate(tmp_path, [(layer, "circle", ((100, 100), 3))])
    with pytest.raises(InputError) as exc:
        _quiet(read_dxf_parts, path, thickness=18.0)
    msg = str(exc.value)
    assert f"entity {h}, layer {layer}" in msg and f"--layer '{layer}=inside'" in msg
    assert "TOP-CUT-OUTSIDE" not in msg and "CUTTHROUGH_INSIDE" not in msg


def test_hot_desk_through_holes_are_refused_until_mapped():
    with pytest.raises(InputError) as exc:
        _quiet(read_dxf_parts, HOT_DESK)
    assert f"layer {THROUGH_18})" in str(exc.value)
    assert f"--layer '{THROUGH_18}=inside'" in str(exc.value)


# --- 6. the board ----------------------------------------------------------------------------


def test_opendesk_board_is_the_sheet():
    """The hot desk's three 1220 x 2440 boards (12 LINEs on BOARD_$TH-NOMINAL in the block
    BORDERS_OPENDESK_7) are its sheets, the 50 parts on them; a PCB's `Board` layer stays
    a cut layer."""
    sheets = _quiet(read_cutting_file, HOT_DESK, layer_map={THROUGH_18: "inside"})
    assert [(s.stock.width, s.stock.height) for s in sheets] == [(1220.0, 2440.0)] * 3
    assert sum(len(s.placements) for s in sheets) == 50
    assert classify_layer("Board").kind == "auto"
    # a thickness alone is no board of stock: a PCB's 1.6 mm, a layer of 18 mm parts
    assert [classify_layer(n).kind for n in ("PCB_BOARD_1.6MM", "BOARD_18MM",
                                               "0_BOARD_18mmPLY")] == ["auto", "auto", "sheet"]
