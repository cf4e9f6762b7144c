"""DXF reading (plain CAD and WikiHouse cutting files) and writing (sheet and part DXFs)."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import ezdxf
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from wikicut.errors import InputError, InputWarning
from wikicut.io.dxf import (
    LayerOp,
    classify_layer,
    part_dxf_text,
    read_cutting_file,
    read_dxf_parts,
    sheet_dxf_text,
    write_part_dxf,
    write_sheet_dxf,
)
from wikicut.model import Drill, Engraving, Part, Placement, Pocket, SheetLayout, Stock

DATA = Path(__file__).resolve().parent / "data" / "dxf"
ROOT = Path(__file__).resolve().parent.parent


def read(name: str, **kw):
    return read_dxf_parts(DATA / name, display=name, **kw)


def rounded_rect_area(w, h, r):
    return w * h - (4 - math.pi) * r * r


# --- layers ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, op", [
    ("6_anyTOOL_CUTTHROUGH_OUTSIDE", LayerOp("outside", None)),
    ("3_anyTOOL_CUTTHROUGH_INSIDE", LayerOp("inside", None)),
    ("5_anyTOOL_9mmDEEP_INSIDE", LayerOp("pocket", 9.0)),
    ("4_anyTOOL_13mmDEEP_INSIDE", LayerOp("pocket", 13.0)),
    ("4_anytool_12.5MMdeep_inside", LayerOp("pocket", 12.5)),
    ("1_anyTOOL_1mmDEEP_INSIDE", LayerOp("engrave", 1.0)),
    ("4_anyTOOL_1mmDEEP_POCKET", LayerOp("pocket", 1.0)),
    ("1_anyTOOL_3mmDEEP_ENGRAVE", LayerOp("engrave", 3.0)),
    # the tool on the line: a groove at that depth, not a pocket (old WikiHouse files)
    ("1_3mmTOOL_2mmDEEP_CENTRE", LayerOp("engrave", 2.0)),
    ("2_anyTOOL_4mmDEEP_CENTER", LayerOp("engrave", 4.0)),
    ("2_anyTOOL_DRILL", LayerOp("drill", None)),
    ("0_SHEET_BirchPly 2440x1220x18", LayerOp("sheet", None, "BirchPly")),
    ("000_SHEET_MelamineFacedPly18mm", LayerOp("sheet", None, "MelamineFacedPly")),
    ("00_SHEET_CladdingPanels", LayerOp("sheet", None, "CladdingPanels")),
    ("DONOTCUT", LayerOp("ignore", None)),
    ("DONOTCUT_LABELS", LayerOp("ignore", None)),
    ("0", LayerOp("auto", None)),
    ("Defpoints", LayerOp("ignore", None)),
    ("Layer 7 from some CAD", LayerOp("auto", None)),
])
def test_classify_layer(name, op):
    assert classify_layer(name) == op


def test_layer_map_overrides_and_accepts_wikihouse_names():
    m = {"Holes": "inside", "RECESS": "pocket:6", "Plan": "6_anyTOOL_CUTTHROUGH_OUTSIDE",
         "notes": "ignore"}
    assert classify_layer("holes", m) == LayerOp("inside", None)
    assert classify_layer("RECESS", m) == LayerOp("pocket", 6.0)
    assert classify_layer("Plan", m) == LayerOp("outside", None)
    with pytest.raises(InputError, match="layer map for 'X'"):
        classify_layer("X", {"X": "sideways"})
    with pytest.raises(InputError, match="needs a depth"):
        classify_layer("X", {"X": "pocket"})


# --- reading plain CAD files ---------------------------------------------------------------


def test_bulged_polyline_and_circles_are_exact():
    (part,) = read("bulge.dxf")
    assert part.name == "bulge-1" and part.source == "bulge.dxf"
    assert part.bounds == pytest.approx((0, 0, 300, 200), abs=1e-9)
    holes = [Polygon(r) for r in part.outline.interiors]
    assert len(part.outline.interiors) == 3
    slot = rounded_rect_area(60, 20, 10)
    expected = rounded_rect_area(300, 200, 20) - 2 * math.pi * 100 - slot
    assert part.area == pytest.approx(expected, rel=1e-4)
    # every circle vertex on the true circle, chord error (sagitta) <= 0.01 mm
    circles = [h for h in holes if abs(h.area - math.pi * 100) < 1]
    assert len(circles) == 2
    for c in circles:
        cx, cy = (60, 100) if c.centroid.x < 150 else (240, 100)
        true = shapely.Point(cx, cy).buffer(10, quad_segs=4096).exterior
        assert shapely.hausdorff_distance(c.exterior, true) <= 0.0101
        r = shapely.get_coordinates(c.exterior) - (cx, cy)
        assert max(abs(math.hypot(*v) - 10) for v in r) < 1e-9


def test_loose_lines_and_arcs_chain_into_loops():
    (part,) = read("loose.dxf")
    assert len(part.outline.interiors) == 1
    outline = 400 * 100 + math.pi * 50**2 / 2
    slot = 100 * 20 + math.pi * 100
    assert Polygon(part.outline.exterior).area == pytest.approx(outline, rel=1e-4)
    assert Polygon(part.outline.interiors[0]).area == pytest.approx(slot, rel=1e-3)


def test_spline_and_ellipses():
    (part,) = read("curves.dxf")
    assert len(part.outline.interiors) == 2
    areas = sorted(Polygon(r).area for r in part.outline.interiors)
    assert areas[1] == pytest.approx(math.pi * 40 * 20, rel=1e-3)
    assert areas[0] == pytest.approx(math.pi * 20 * 10 / 2, rel=1e-3)


def test_insert_exploded_with_scale_rotation_nesting_and_layer_0_inheritance():
    parts = read("insert.dxf")
    a = 100 * 50 - math.pi * 64
    assert sorted(round(p.area) for p in parts) == sorted(round(x) for x in (a, a, 4 * a))
    assert all(len(p.outline.interiors) == 1 for p in parts)
    big = max(parts, key=lambda p: p.area)
    w = 200 * math.cos(math.radians(30)) + 100 * math.sin(math.radians(30))
    assert big.bounds[2] == pytest.approx(w, abs=1e-6)


def test_inch_file_is_scaled():
    (part,) = read("inch.dxf")
    assert part.bounds == pytest.approx((0, 0, 254, 127), abs=1e-9)
    hole = Polygon(part.outline.interiors[0])
    assert hole.area == pytest.approx(math.pi * 12.7**2, rel=2e-3)


def test_cutting_file_without_sheets_is_one_sheet_of_the_extents():
    (sheet,) = read_cutting_file(DATA / "insert.dxf")
    assert sheet.stock.width == pytest.approx(700, abs=1e-3)
    assert sheet.stock.margin == 0 and sheet.stock.thickness == 18
    assert len(sheet.placements) == 3
    for pl in sheet.placements:
        assert (pl.x, pl.y, pl.rotation) == (0, 0, 0)
        minx, miny, maxx, _maxy = pl.part.bounds
        assert minx >= -1e-9 and miny >= -1e-9 and maxx <= sheet.stock.width + 1e-9


# --- reading WikiHouse files ---------------------------------------------------------------


def test_wikihouse_layers_sheets_labels_pockets():
    sheets = read_cutting_file(DATA / "wikihouse_small.dxf")
    assert [s.index for s in sheets] == [1, 2]
    s1, s2 = sheets
    assert (s1.stock.width, s1.stock.height, s1.stock.thickness) == (1220, 2440, 18)
    assert s1.stock.material == "BirchPly"
    assert (s2.stock.thickness, s2.stock.material) == (15, "OSB")
    names = [p.instance for p in s1.placements]
    assert names == ["WALL-A", "wikihouse_small-2", "wikihouse_small-3"]
    wall = s1.placements[0].part
    assert wall.label == "WALL-A"
    assert wall.bounds == pytest.approx((100, 1400, 900, 2300))  # sheet-local
    assert len(wall.outline.interiors) == 1
    depths = sorted((p.depth, p.shape.area) for p in wall.pockets)
    # the edge pocket clipped to the part (20 x 100 of its 40 x 100), and the circle
    assert depths == [(9.0, pytest.approx(2000)), (9.0, pytest.approx(math.pi * 900, rel=1e-3))]
    assert len(wall.engravings) == 1 and wall.engravings[0].depth == 1.0
    assert wall.engravings[0].path.length == pytest.approx(150)
    # a part cut out of another: in place the parent has no hole (the child's cut makes it)
    lower = s1.placements[1].part
    assert lower.area == pytest.approx(1e6) and lower.pockets[0].depth == 13
    # sheet 2 is 1500 mm to the right in the drawing; the part is in sheet-local coordinates
    assert s2.placements[0].part.bounds == pytest.approx((100, 100, 600, 600))


def test_read_dxf_parts_moves_to_origin_and_gives_cutouts_their_hole():
    parts = read("wikihouse_small.dxf")
    assert [p.name for p in parts] == ["WALL-A", "wikihouse_small-2", "wikihouse_small-3",
                                       "wikihouse_small-4"]
    for p in parts:
        assert p.bounds[:2] == pytest.approx((0, 0))
    assert parts[1].area == pytest.approx(1e6 - 200 * 100)
    assert parts[0].label_at == pytest.approx((400, 400))


def test_pocket_deeper_than_thickness_refused():
    with pytest.raises(InputError, match="20 mm deep in 18 mm stock") as e:
        read("deep_pocket.dxf")
    assert "entity" in str(e.value)
    read("deep_pocket.dxf", thickness=25)  # fine in thicker stock
    with pytest.raises(InputError, match="9 mm deep in 8 mm"):
        read("wikihouse_small.dxf", thickness=8)


@pytest.mark.parametrize("name, pattern", [
    ("open.dxf", r"open\.dxf: open contour \(entity 2F, layer 0\) ends at \(0\.000, 0\.000\)"),
    ("selfx.dxf", r"self-intersecting contour \(entity 2F, layer 6_anyTOOL_CUTTHROUGH_OUTSIDE\)"),
    ("zero.dxf", r"zero-area contour \(entity 30, layer 6_anyTOOL_CUTTHROUGH_OUTSIDE\)"),
    ("hatch.dxf", r"unsupported entity HATCH .*\(entity 30, layer 3_anyTOOL_CUTTHROUGH_INSIDE"),
    ("absurd.dxf", r"beyond 1e\+06 mm \(entity 30, layer 0\).*units"),
    ("not_dxf.dxf", r"not a DXF file"),
    ("empty.dxf", r"empty"),
    ("binary.dxf", r"binary data, not a DXF file"),
    ("truncated.dxf", r"not a DXF file or damaged/truncated"),
    ("missing.dxf", r"file not found"),
])
def test_bad_input_gives_one_line_input_error(name, pattern):
    for reader in (read_dxf_parts, read_cutting_file):
        with pytest.raises(InputError, match=pattern) as e:
            reader(DATA / name, display=name)
        msg = str(e.value)
        assert "\n" not in msg and msg.startswith(name)


def test_part_off_the_sheets_refused_in_cutting_file():
    with pytest.raises(InputError, match=r"entity 31, layer 6_anyTOOL.*not on any sheet"):
        read_cutting_file(DATA / "outside_sheet.dxf")
    assert len(read_dxf_parts(DATA / "outside_sheet.dxf")) == 2


def test_real_wikihouse_file(wikihouse_dxf):
    # how fast it reads is benchmarks/bench_pipeline.py's business, not a test's
    sheets = read_cutting_file(wikihouse_dxf, display="MicroHouse.dxf")
    assert len(sheets) == 27
    assert [s.index for s in sheets] == list(range(1, 28))
    # 107 LWPOLYLINEs on the outline layer; 2 of them (handles 2144, 2A84) are zero-area
    # 4-vertex slivers lying on other parts' edges, and 2 (1E06, 8DA7) are 12 mm octagonal
    # discs drawn again over 1E05 and 8DA6, turned: 103 real parts.
    placements = [p for s in sheets for p in s.placements]
    assert len(placements) == 103
    assert len({p.instance for p in placements}) == 103
    mats = [s.stock.material for s in sheets]
    assert mats == ["BirchPly"] * 5 + ["MelamineFacedPly"] * 14 + ["CladdingPanels"] * 8
    for s in sheets:  # portrait sheets stay portrait
        assert (s.stock.width, s.stock.thickness) == (1220, 18)
        assert s.stock.height in (2440, 2500)
        box = shapely.box(0, 0, s.stock.width, s.stock.height).buffer(0.01)
        for pl in s.placements:
            assert box.covers(pl.part.outline)
            for pk in pl.part.pockets:
                assert pk.depth in (9, 13)
                assert pl.part.outline.exterior.buffer(0.01).union(
                    Polygon(pl.part.outline.exterior)).covers(pk.shape)
    parts = [p.part for p in placements]
    assert sum(len(p.pockets) for p in parts) == 143
    assert sum(len(p.engravings) for p in parts) == 6
    # 22 holes on the hole layer (16 polylines + 6 circles), and 2 keyhole holes of 2A03
    holes = sum(len(p.outline.interiors) for p in parts)
    assert holes == 24


def test_real_file_as_parts_for_renesting(wikihouse_dxf):
    parts = read_dxf_parts(wikihouse_dxf)
    assert len(parts) == 103
    assert parts[0].name == "MicroHouse_othercomponents_v0.5-1"
    for p in parts:
        assert p.outline.is_valid and p.bounds[:2] == pytest.approx((0, 0), abs=1e-9)
    # the 10 parts cut out of other parts left their holes in them
    assert sum(len(p.outline.interiors) for p in parts) == 24 + 10 - 5


# --- writing ----------------------------------------------------------------------------------


def small_layout() -> SheetLayout:
    outline = Polygon([(0, 0), (300, 0), (300, 200), (0, 200)],
                      [[(20, 20), (80, 20), (80, 60), (20, 60)]])
    part = Part(
        name="panel", outline=outline,
        pockets=(Pocket(shapely.box(150, 100, 250, 150), 9.0),
                 Pocket(shapely.box(150, 20, 200, 60), 1.0)),
        drills=(Drill(50, 150, 8.0), Drill(100, 150, 5.0, 6.0)),
        engravings=(Engraving(shapely.LineString([(120, 170), (280, 170)]), 1.0),),
    )
    tri = Part(name="tri", outline=Polygon([(0, 0), (120, 0), (0, 90)]), label="TRI")
    return SheetLayout(index=1, stock=Stock(1220, 2440, 18, 15, material="Birch Ply"),
                       placements=[Placement("panel#1", part, 100, 100, 0),
                                   Placement("panel#2", part, 600, 700, 90),
                                   Placement("tri#1", tri, 300, 1200, 180)])


def test_sheet_dxf_golden(golden):
    golden("sheet_small.dxf", sheet_dxf_text(small_layout()))


def test_writes_are_byte_identical(tmp_path):
    a, b = tmp_path / "a.dxf", tmp_path / "b.dxf"
    write_sheet_dxf(small_layout(), a)
    write_sheet_dxf(small_layout(), b)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert "2000-01-01" not in text or "0.0 @ 2000-01-01" in text
    assert ezdxf.__version__ + " @" not in text
    doc = ezdxf.readfile(a)
    assert doc.dxfversion == "AC1024" and doc.header["$INSUNITS"] == 4
    layers = {e.dxf.layer for e in doc.modelspace()}
    assert layers == {"0_SHEET_BirchPly_1220x2440x18", "6_anyTOOL_CUTTHROUGH_OUTSIDE",
                      "3_anyTOOL_CUTTHROUGH_INSIDE", "4_anyTOOL_9mmDEEP_INSIDE",
                      "4_anyTOOL_1mmDEEP_POCKET", "2_anyTOOL_DRILL",
                      "2_anyTOOL_6mmDEEP_DRILL", "1_anyTOOL_1mmDEEP_INSIDE", "DONOTCUT_LABELS"}
    p1, p2 = tmp_path / "p1.dxf", tmp_path / "p2.dxf"
    write_part_dxf(small_layout().placements[0].part, p1)
    write_part_dxf(small_layout().placements[0].part, p2)
    assert p1.read_bytes() == p2.read_bytes()


def test_same_bytes_in_fresh_processes_whatever_the_hash_seed(tmp_path):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from test_dxfio import small_layout;"
            "from wikicut.io.dxf import write_sheet_dxf;"
            " write_sheet_dxf(small_layout(), sys.argv[2])")
    outs = []
    for seed in ("1", "7"):
        out = tmp_path / f"s{seed}.dxf"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(out)],
                       check=True, env=env)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == sheet_dxf_text(small_layout()).encode()


def test_sheet_round_trip(tmp_path):
    layout = small_layout()
    path = tmp_path / "sheet.dxf"
    write_sheet_dxf(layout, path)
    (back,) = read_cutting_file(path)
    assert back.stock.width == 1220 and back.stock.height == 2440
    assert back.stock.thickness == 18 and back.stock.material == "BirchPly"
    got = {p.instance: p.part for p in back.placements}
    assert set(got) == {"panel#1", "panel#2", "tri#1"}
    for pl in layout.placements:
        placed, read_back = pl.placed(), got[pl.instance]
        assert read_back.area == pytest.approx(placed.area, rel=1e-3)
        assert read_back.outline.symmetric_difference(placed.outline).area < 1e-3 * placed.area
        assert sorted((p.depth, round(p.shape.area, 2)) for p in read_back.pockets) == \
            sorted((p.depth, round(p.shape.area, 2)) for p in placed.pockets)
        assert sorted((round(d.x, 3), round(d.y, 3), d.diameter, d.depth)
                      for d in read_back.drills) == \
            sorted((round(d.x, 3), round(d.y, 3), d.diameter, d.depth) for d in placed.drills)
        assert len(read_back.engravings) == len(placed.engravings)


def test_part_round_trip(tmp_path):
    part = small_layout().placements[0].part
    path = tmp_path / "panel.dxf"
    write_part_dxf(part, path)
    (back,) = read_dxf_parts(path)
    assert back.name == "panel" and back.area == pytest.approx(part.area, rel=1e-6)
    assert part_dxf_text(part) == path.read_text(encoding="utf-8")


def test_real_file_sheets_round_trip(wikihouse_dxf, tmp_path):
    sheets = read_cutting_file(wikihouse_dxf)
    for s in sheets[:6] + sheets[19:21]:
        path = tmp_path / f"s{s.index}.dxf"
        write_sheet_dxf(s, path)
        (back,) = read_cutting_file(path)
        assert back.stock == s.stock
        a = {p.instance: p.part for p in s.placements}
        b = {p.instance: p.part for p in back.placements}
        assert set(a) == set(b)
        for k, part in a.items():
            assert b[k].area == pytest.approx(part.area, rel=1e-3)
            assert len(b[k].pockets) == len(part.pockets)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 500), st.floats(0, 500)), min_size=3, max_size=12),
       st.floats(2, 20))
def test_random_convex_parts_round_trip(tmp_path_factory, pts, r):
    hull = shapely.MultiPoint(pts).convex_hull
    if not isinstance(hull, Polygon) or hull.area < 2000:
        return
    c = hull.centroid
    if hull.exterior.distance(c) < r + 1:
        return
    hole = c.buffer(r, quad_segs=64)
    part = Part(name="p", outline=Polygon(hull.exterior, [hole.exterior]))
    path = tmp_path_factory.mktemp("rt") / "p.dxf"
    write_part_dxf(part, path)
    (back,) = read_dxf_parts(path)
    assert back.area == pytest.approx(part.area, rel=1e-3)


# --- fixtures and examples are reproducible -------------------------------------------------------


def _fixture_module():
    spec = importlib.util.spec_from_file_location("make_fixtures", DATA / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def _numbers_rounded(text: str) -> list[str]:
    """The DXF text, line by line, with every number to 10 significant digits (and below
    1e-9 as 0): ezdxf releases compute spline fit points differently in the last bits
    (-1.4e-14 against 0.0), which is not a change to the fixture."""
    out = []
    for line in text.splitlines():
        try:
            v = float(line)
        except ValueError:
            out.append(line)
            continue
        out.append(f"{0.0 if abs(v) < 1e-9 else v:.10g}")
    return out


def test_committed_fixtures_match_the_generator():
    mod = _fixture_module()
    for name, text in mod.build(None, mod.FIXTURES).items():
        assert _numbers_rounded((DATA / name).read_text(encoding="utf-8")) == \
            _numbers_rounded(text), name
    for name, text in mod.build(None, mod.EXAMPLE_PARTS).items():
        assert _numbers_rounded((mod.EXAMPLES / name).read_text(encoding="utf-8")) == \
            _numbers_rounded(text), name


def test_examples_read():
    ex = ROOT / "examples" / "dxf-parts"
    got = {f.name: read_dxf_parts(f) for f in sorted(ex.glob("*.dxf"))}
    assert {k: len(v) for k, v in got.items()} == {
        "bracket.dxf": 1, "feet.dxf": 2, "lid.dxf": 1, "plate_inch.dxf": 1, "shelf.dxf": 1}
    assert got["plate_inch.dxf"][0].bounds == pytest.approx((0, 0, 304.8, 203.2))
    assert got["shelf.dxf"][0].name == "SHELF"
    assert len(got["lid.dxf"][0].pockets) == 1


def test_duplicated_entities_are_one_contour(tmp_path):
    """CAD exports often copy entities onto themselves (and draw a line both ways): cut once,
    never twice, and never refused as overlapping outlines."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    box = [(0, 0), (400, 0), (400, 300), (0, 300)]
    for pts in (box, box, box[::-1]):
        msp.add_lwpolyline(pts, close=True, dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})
    hole = [(100, 100), (200, 100), (200, 200), (100, 200)]
    for pts in (hole, hole):
        msp.add_lwpolyline(pts, close=True, dxfattribs={"layer": "3_anyTOOL_CUTTHROUGH_INSIDE"})
    for a, b in [((250, 50), (350, 50)), ((350, 50), (350, 150)), ((350, 150), (250, 150)),
                 ((250, 150), (250, 50)), ((350, 50), (250, 50))]:  # the last: a copy, reversed
        msp.add_line(a, b, dxfattribs={"layer": "3_anyTOOL_CUTTHROUGH_INSIDE"})
    doc.saveas(tmp_path / "dup.dxf")
    (part,) = read_dxf_parts(tmp_path / "dup.dxf")
    assert len(part.outline.interiors) == 2
    assert part.area == pytest.approx(400 * 300 - 100 * 100 - 100 * 100)


def test_units_and_join_tolerance_keywords(tmp_path):
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    for a, b in [((0, 0), (100, 0)), ((100.1, 0), (100, 50)), ((100, 50), (0, 50)),
                 ((0, 50), (0, 0))]:
        msp.add_line(a, b, dxfattribs={"layer": "CUT"})
    doc.saveas(tmp_path / "gap.dxf")
    (part,) = read_dxf_parts(tmp_path / "gap.dxf", join_tolerance=3, units="inch")
    assert part.outline.bounds[2:] == pytest.approx((2540, 1270), abs=3)
    (part,) = read_cutting_file(tmp_path / "gap.dxf", join_tolerance=0.3)[0].placements
    with pytest.raises(InputError, match="units 'furlong'"):
        read_dxf_parts(tmp_path / "gap.dxf", units="furlong")
    with pytest.raises(InputError, match="join tolerance"):
        read_dxf_parts(tmp_path / "gap.dxf", join_tolerance=-1)


# --- real exporters' habits (issues 31 and 33) ----------------------------------------------


@pytest.mark.parametrize("name, op", [
    ("4_ANYTOOL_CUTTHROUGH_OUTSI", LayerOp("outside", None)),
    ("3_ANYTOOL_CUTTHROUGH_INSID", LayerOp("inside", None)),
    ("5_ANYTOOL_HALF_MILL_9MM_IN", LayerOp("pocket", 9.0)),
    ("5_anytool_half_mill_9mm_inside", LayerOp("pocket", 9.0)),
    ("1_ANYTOOL_1MMDEEP_LABELS_S", LayerOp("engrave", 1.0)),
    ("4_anyTOOL_9MMDEEP_POCKET", LayerOp("pocket", 9.0)),
    ("0_SHEET_SPRUCEPLY_2440X122", LayerOp("sheet", None, "SPRUCEPLY")),
])
def test_wikihouse_layer_variants(name, op):
    assert classify_layer(name) == op


def test_mill_layer_without_depth_is_not_a_through_cut():
    op = classify_layer("5_ANYTOOL_HALF_MILL_INSIDE")
    assert op.kind == "auto" and op.guessed


def _new():
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4  # ezdxf's default is 6, metres
    return doc


def _doc(layers_rects, units=4):
    doc = _new()
    doc.header["$INSUNITS"] = units
    msp = doc.modelspace()
    for layer, (x, y, w, h) in layers_rects:
        msp.add_lwpolyline([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], close=True,
                           dxfattribs={"layer": layer})
    return doc


def test_unknown_layer_inside_a_part_is_refused_in_a_wikihouse_file(tmp_path):
    doc = _doc([("6_anyTOOL_CUTTHROUGH_OUTSIDE", (0, 0, 500, 300)),
                ("5_anyTOOL_HALF_MILL_INSIDE", (50, 50, 100, 50))])
    doc.saveas(tmp_path / "u.dxf")
    with pytest.raises(InputError, match=r"layer '5_anyTOOL_HALF_MILL_INSIDE'.*layer map"):
        read_dxf_parts(tmp_path / "u.dxf")
    m = {"5_anyTOOL_HALF_MILL_INSIDE": "pocket:9"}
    (part,) = read_dxf_parts(tmp_path / "u.dxf", layer_map=m)
    assert len(part.pockets) == 1


def test_auto_layers_kept_beside_an_outside_layer(tmp_path):
    doc = _doc([("6_anyTOOL_CUTTHROUGH_OUTSIDE", (0, 0, 100, 100)),
                ("CUT", (200, 0, 100, 100)), ("Layer1", (400, 0, 100, 100))])
    doc.saveas(tmp_path / "a.dxf")
    assert len(read_dxf_parts(tmp_path / "a.dxf")) == 3


def test_minsert_frozen_layers_crossing_and_open_pocket(tmp_path):
    doc = _new()
    blk = doc.blocks.new("T")
    blk.add_lwpolyline([(0, 0), (50, 0), (50, 50), (0, 50)], close=True)
    doc.modelspace().add_blockref("T", (0, 0), dxfattribs={
        "row_count": 2, "column_count": 3, "row_spacing": 100, "column_spacing": 100})
    doc.layers.add("HIDDEN").off()
    doc.modelspace().add_lwpolyline([(0, 500), (50, 500), (50, 550)], close=True,
                                    dxfattribs={"layer": "HIDDEN"})
    doc.saveas(tmp_path / "m.dxf")
    with pytest.warns(InputWarning, match="HIDDEN"):
        assert len(read_dxf_parts(tmp_path / "m.dxf")) == 6
    doc = _doc([("0", (0, 0, 100, 100)), ("0", (50, 50, 100, 100))])
    doc.saveas(tmp_path / "x.dxf")
    with pytest.raises(InputError, match=r"cross each other.*entity \w+.*entity \w+"):
        read_dxf_parts(tmp_path / "x.dxf")
    doc = _doc([("6_anyTOOL_CUTTHROUGH_OUTSIDE", (0, 0, 300, 300))])
    doc.modelspace().add_lwpolyline([(10, 10.2), (10, 100), (100, 100), (100, 10), (10, 10)],
                                    dxfattribs={"layer": "4_anyTOOL_9mmDEEP_POCKET"})
    doc.saveas(tmp_path / "p.dxf")
    with pytest.raises(InputError, match="open contour.*9mmDEEP_POCKET.*gap 0.200 mm"):
        read_dxf_parts(tmp_path / "p.dxf", join_tolerance=0.1)


def test_a_block_inserted_on_a_layer_switched_off_shows_what_it_puts_on_other_layers(tmp_path):
    """As CAD shows it: an INSERT's layer switched off hides the block's layer-0 entities
    (they take that layer), not those it puts on layers shown; frozen, it hides the whole
    block. The block's rectangle on a cut layer was dropped with the off layer."""
    doc = _new()
    blk = doc.blocks.new("B")
    blk.add_lwpolyline([(0, 0), (60, 0), (60, 40), (0, 40)], close=True,
                       dxfattribs={"layer": "CUT"})
    blk.add_lwpolyline([(100, 0), (130, 0), (130, 30), (100, 30)], close=True)  # layer 0
    doc.layers.add("CUT")
    doc.layers.add("OFF").off()
    doc.layers.add("FROZEN").freeze()
    msp = doc.modelspace()
    msp.add_blockref("B", (0, 0), dxfattribs={"layer": "OFF"})
    msp.add_blockref("B", (0, 500), dxfattribs={"layer": "FROZEN"})
    doc.saveas(tmp_path / "b.dxf")
    with pytest.warns(InputWarning, match="'FROZEN', 'OFF'"):
        (part,) = read_dxf_parts(tmp_path / "b.dxf")
    assert part.outline.bounds == (0.0, 0.0, 60.0, 40.0)


def test_open_contours_all_listed_with_gaps_and_cases_named(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    for k in range(12):  # twelve squares, each open by 2 mm
        x = 200 * k
        for a, b in [((x, 0), (x + 100, 0)), ((x + 100, 0), (x + 100, 100)),
                     ((x + 100, 100), (x, 100)), ((x, 100), (x, 2))]:
            msp.add_line(a, b)
    doc.saveas(tmp_path / "o.dxf")
    with pytest.raises(InputError) as e:
        read_dxf_parts(tmp_path / "o.dxf")
    msg = str(e.value)
    assert msg.count("open contour") == 10 and "and 2 more" in msg and "gap 2.000 mm" in msg
    doc = _new()
    msp = doc.modelspace()  # two squares drawn with one shared edge
    for a, b in [((0, 0), (100, 0)), ((100, 0), (100, 100)), ((100, 100), (0, 100)),
                 ((0, 100), (0, 0)), ((100, 0), (200, 0)), ((200, 0), (200, 100)),
                 ((200, 100), (100, 100))]:
        msp.add_line(a, b)
    doc.saveas(tmp_path / "s.dxf")
    with pytest.raises(InputError) as e:
        read_dxf_parts(tmp_path / "s.dxf")
    # the edge's entity and ends, and each of the two contours by its entities; nothing else
    assert str(e.value) == (
        f"{tmp_path / 's.dxf'}: two contours share an edge: entity 30 (layer 0) from "
        "(100.000, 0.000) to (100.000, 100.000) is an edge of both the one through entities "
        "2F, 32, 31 and the one through entities 33, 34, 35: draw each outline whole, a tool "
        "width apart")
    doc = _new()
    msp = doc.modelspace()  # a line ending on the middle of another
    for a, b in [((0, 0), (100, 0)), ((100, 0), (100, 100)), ((100, 100), (0, 100)),
                 ((0, 100), (0, 0)), ((50, 0), (50, 50))]:
        msp.add_line(a, b)
    doc.saveas(tmp_path / "t.dxf")
    with pytest.raises(InputError, match=r"contour \(entity 33, layer 0\) ends on entity 2F at "
                                         r"\(50.000, 0.000\), not at its end \(T-junction"):
        read_dxf_parts(tmp_path / "t.dxf")


def test_a_collinear_overlap_is_named_once(tmp_path):
    doc = _new()
    msp = doc.modelspace()  # a square, and a line lying half on its bottom edge
    for a, b in [((0, 0), (100, 0)), ((100, 0), (100, 100)), ((100, 100), (0, 100)),
                 ((0, 100), (0, 0)), ((50, 0), (150, 0))]:
        msp.add_line(a, b)
    doc.saveas(tmp_path / "c.dxf")
    with pytest.raises(InputError) as e:
        read_dxf_parts(tmp_path / "c.dxf")
    assert str(e.value) == (
        f"{tmp_path / 'c.dxf'}: lines overlap along 50.000 mm from (50.000, 0.000) to "
        "(100.000, 0.000): entity 2F and entity 33 (layer 0; collinear overlap: delete the "
        "overlapping part of one)")


def test_open_strokes_on_an_engraving_layer_are_engraved(tmp_path):
    """Engraving is a stroke, not a contour: open lines there are fine (never "close it"),
    T-junctions and branches too (letters)."""
    doc = _doc([("6_anyTOOL_CUTTHROUGH_OUTSIDE", (0, 0, 300, 200))])
    msp = doc.modelspace()
    for a, b in [((20, 20), (100, 20)), ((100, 20), (100, 80)),  # an L
                 ((150, 20), (160, 90)), ((160, 90), (170, 20)), ((155, 50), (165, 50))]:  # A
        msp.add_line(a, b, dxfattribs={"layer": "1_anyTOOL_1mmDEEP_ENGRAVE"})
    doc.saveas(tmp_path / "e.dxf")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        (part,) = read_dxf_parts(tmp_path / "e.dxf")
    assert not rec
    assert len(part.engravings) == 3 and {g.depth for g in part.engravings} == {1.0}
    assert sum(g.path.length for g in part.engravings) == pytest.approx(
        80 + 60 + 2 * math.hypot(10, 70) + 10)


def test_a_closed_contour_on_a_centre_layer_is_a_groove_along_it_not_a_pocket(tmp_path):
    """`1_3mmTOOL_2mmDEEP_CENTRE` (older WikiHouse files): the tool on the line, 2 mm deep.
    Read as a pocket, a closed contour there had its whole area cleared."""
    doc = _doc([("6_anyTOOL_CUTTHROUGH_OUTSIDE", (0, 0, 300, 200))])
    doc.modelspace().add_circle((150, 100), 40, dxfattribs={"layer": "1_3mmTOOL_2mmDEEP_CENTRE"})
    doc.saveas(tmp_path / "c.dxf")
    (part,) = read_dxf_parts(tmp_path / "c.dxf")
    assert part.pockets == ()
    (groove,) = part.engravings
    assert groove.depth == 2.0 and groove.path.length == pytest.approx(2 * math.pi * 40, rel=1e-3)


def test_gaps_closed_with_one_warning_and_near_duplicates_cut_once(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    for a, b in [((0, 0), (100, 0)), ((100.3, 0), (100, 100)), ((100, 100), (0, 100)),
                 ((0, 100.2), (0, 0))]:
        msp.add_line(a, b, dxfattribs={"layer": "CUT"})
    pts = [(300, 0), (400, 0), (400, 100), (300, 100)]
    msp.add_lwpolyline(pts, close=True)
    msp.add_lwpolyline(pts[2:] + pts[:2], close=True)  # same outline, other start
    msp.add_lwpolyline((pts[1:] + pts[:1])[::-1], close=True)  # and reversed
    doc.saveas(tmp_path / "g.dxf")
    with pytest.warns(InputWarning) as rec:
        parts = read_dxf_parts(tmp_path / "g.dxf")
    said = " ".join(str(w.message) for w in rec)
    assert len(parts) == 2
    assert "closed 2 gap(s)" in said and "largest 0.300 mm" in said
    assert "2 outline(s) drawn twice cut once" in said


def octagon(cx, cy, r, turn=0.0):
    return [(cx + r * math.cos(math.radians(45 * k + turn)),
             cy + r * math.sin(math.radians(45 * k + turn))) for k in range(8)]


def test_near_duplicates_within_the_join_tolerance_are_cut_once(tmp_path):
    """SketchUp draws a circle twice as octagons, one turned (the MicroHouse discs, 0.435 mm
    apart): within the join tolerance it is one outline; a larger turned copy is not."""
    doc = _new()
    msp = doc.modelspace()
    msp.add_lwpolyline(octagon(500, 500, 6.44), close=True)  # handle 2F
    msp.add_lwpolyline(octagon(500, 500, 6.44, 15.0)[::-1], close=True)  # turned, reversed
    msp.add_lwpolyline(octagon(1500, 500, 100), close=True)
    msp.add_lwpolyline(octagon(1500, 500, 100, 20.0), close=True)
    doc.saveas(tmp_path / "d.dxf")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        parts = read_dxf_parts(tmp_path / "d.dxf")
    said = " ".join(str(w.message) for w in rec)
    # the small turned copy: a vertex of one is 6.44 (cos 7.5 - cos 22.5 deg) = 0.435 mm off
    # the other's nearest edge, under the 0.5 mm join tolerance
    d_small = 6.44 * (math.cos(math.radians(7.5)) - math.cos(math.radians(22.5)))
    assert f"1 outline(s) drawn twice cut once (entities 30 on 2F ({d_small:.3f} mm)" in said
    assert "within the join tolerance 0.5 mm" in said
    # the large one (100 (cos 2.5 - cos 22.5 deg) = 7.5 mm apart): two outlines, both cut, told
    assert "1 pair(s) of nearly equal outlines" in said and "31/32" in said
    assert len(parts) == 3
    with warnings.catch_warnings(record=True) as rec:  # a tighter tolerance keeps both
        warnings.simplefilter("always")
        parts = read_dxf_parts(tmp_path / "d.dxf", join_tolerance=0.2)
    said = " ".join(str(w.message) for w in rec)
    assert len(parts) == 4 and "cut once" not in said and "2 pair(s)" in said


def test_the_microhouse_discs_drawn_twice_are_cut_once(wikihouse_dxf):
    with pytest.warns(InputWarning, match=r"2 outline\(s\) drawn twice cut once \(entities 1E06 on "
                      r"1E05 \(0\.435 mm\), 8DA7 on 8DA6 \(0\.435 mm\)") as rec:
        read_cutting_file(wikihouse_dxf)
    assert not any("nearly equal" in str(w.message) for w in rec)


def test_border_rectangle_is_the_sheet(tmp_path):
    doc = _doc([("0", (0, 0, 2440, 1220)), ("0", (100, 100, 500, 300)),
                ("0", (150, 150, 50, 20)), ("0", (800, 100, 300, 300))])
    doc.saveas(tmp_path / "b.dxf")
    assert sorted(round(p.area) for p in read_dxf_parts(tmp_path / "b.dxf")) == \
        [90000, 150000 - 1000]
    (sheet,) = read_cutting_file(tmp_path / "b.dxf")
    assert (sheet.stock.width, sheet.stock.height) == (2440, 1220)


@pytest.mark.parametrize("name, units, size, warned", [
    ("openscad_lines.dxf", None, (2000, 1000), None),
    ("insunits1_mm.dxf", None, (2000, 1000), "read as millimetres"),
    ("sketchup_inch.dxf", None, (40, 20), "give units = 'inch'"),
    ("sketchup_inch.dxf", "inch", (1016, 508), None),
])
def test_units_of_line_only_and_unitless_files(name, units, size, warned):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        (part,) = read(name, units=units)
    said = " ".join(str(w.message) for w in rec)
    assert part.bounds[2:] == pytest.approx(size)
    assert (warned in said) if warned else not said


def test_budgets_refused_in_one_line(tmp_path):
    doc = _new()
    doc.modelspace().add_spline(fit_points=None).control_points = [
        (i, (i * 7) % 13, 0) for i in range(20_000)]
    doc.saveas(tmp_path / "spl.dxf")
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="SPLINE with 20,000 control points"):
        read_dxf_parts(tmp_path / "spl.dxf")
    doc = _new()
    prev = None
    for k in range(8):  # 8 levels of 10 inserts: 10^8 entities once expanded
        blk = doc.blocks.new(f"B{k}")
        for i in range(10):
            if prev is None:
                blk.add_line((i, 0), (i, 1))
            else:
                blk.add_blockref(prev, (0, 2 * i))
        prev = f"B{k}"
    doc.modelspace().add_blockref(prev, (0, 0))
    doc.saveas(tmp_path / "bomb.dxf")
    with pytest.raises(InputError, match="entities once blocks are expanded"):
        read_dxf_parts(tmp_path / "bomb.dxf")
    assert time.perf_counter() - t0 < 20
    fifo = tmp_path / "f.dxf"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_dxf_parts(fifo)
