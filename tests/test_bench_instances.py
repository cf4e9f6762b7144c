"""The benchmark loaders (benchmarks/instances.py) read every shipped instance correctly."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from shapely.geometry import Polygon

from wikicut.model import Layout, NestItem, NestSettings, Part, Placement, SheetLayout, Stock
from wikicut.nest import nest, verify_layout

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("bench_instances",
                                                  ROOT / "benchmarks" / "instances.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_instances"] = mod
    spec.loader.exec_module(mod)
    return mod


INST = _load()


def _bench(name: str):
    """A benchmark script of benchmarks/, which import their neighbours from that folder."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))

# CI checks out ../shared beside the repository (.ci/run): there a missing folder fails
pytestmark = pytest.mark.skipif(not INST.BENCH_DIR.is_dir() and not os.environ.get("CI"),
                                reason="../shared/benchmarks is not beside the repo")


def test_every_instance_is_shipped():
    assert len(INST.strip_names()) == 13
    assert len(INST.bin_names()) == 12  # shared OpenCutList jobs
    # packingsolver's users' jobs (benchmarks/bins/): 43, 39 with its solution
    assert len(INST.user_bin_names()) == 43
    assert len(list(INST.USER_BINS_DIR.glob("*_solution.json"))) == 39
    assert INST.real_strip_names() == [f"gardeyn{k}" for k in range(10)]


@pytest.mark.parametrize("name", (INST.strip_names() if INST.STRIP_DIR.is_dir() else [])
                         + INST.real_strip_names())
def test_strip_instances_parse(name):
    s = INST.load_strip(name)
    folder = INST.REAL_STRIP_DIR if name.startswith("gardeyn") else INST.STRIP_DIR
    raw = json.loads((folder / f"{name}.json").read_text())
    assert s.strip_height == raw["strip_height"] > 0
    assert s.count == sum(it["demand"] for it in raw["items"]) == len(s.nest_items())
    for it in s.items:
        assert it.polygon.is_valid and it.polygon.area > 0
        assert it.orientations and all(0 <= a < 360 for a in it.orientations)
    # the strip we offer the nester is long enough for a trivial layout
    assert s.max_length() >= s.total_area / s.strip_height
    ids = [n.instance for n in s.nest_items()]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", (INST.bin_names() if INST.BINS_DIR.is_dir() else [])
                         + INST.user_bin_names())
def test_bin_instances_parse(name):
    b = INST.load_bins(name)
    assert b.sheet_width > 0 and b.sheet_height > 0 and b.margin >= 0 and b.spacing >= 0
    assert b.count == len(b.nest_items()) > 0
    for it in b.items:
        assert it.polygon.is_valid and it.polygon.area > 0, it.id
        assert it.rotations
    # every part fits the usable sheet at one of its rotations (else the job is unsolvable)
    assert 1 <= b.area_bound() <= b.count


def test_inches_become_millimetres():
    b = INST.load_bins("table")
    raw = json.loads((INST.BINS_DIR / "table.json").read_text())
    assert b.units == "in"
    assert b.sheet_width == pytest.approx(96 * 25.4) and b.sheet_height == pytest.approx(1219.2)
    assert b.margin == pytest.approx(raw["bin_types"][0]["item_bin_minimum_spacing"] * 25.4)
    assert b.spacing == pytest.approx(20.0, abs=1e-6)  # 0.787 in
    v = raw["item_types"][0]["shapes"][0]["vertices"]
    xs = [p["x"] for p in v]
    x0, _, x1, _ = b.items[0].polygon.bounds
    assert x1 - x0 == pytest.approx((max(xs) - min(xs)) * 25.4)
    holes = raw["item_types"][0]["shapes"][0].get("holes") or []
    assert len(b.items[0].polygon.interiors) == len(holes)
    assert b.items[0].rotations == (0.0, 180.0)


def test_millimetre_files_stay_millimetres():
    b = INST.load_bins("deer")
    assert b.units == "mm" and b.sheet_width == 2800.0 and b.sheet_copies is None
    assert b.items[0].rotations == (0.0,)  # packingsolver's default: no rotation


def test_general_shapes_and_rotation_ranges():
    b = INST.load_bins("frame")  # LineSegment chains; free rotation 0..360
    assert b.units == "in" and b.margin == pytest.approx(12.7)
    # free rotation: quarter turns for boards, 22.5-degree steps for parts filling under 3/4
    # of their bounding box (the frame's 20 curved and angled designs)
    sixteenth = tuple(22.5 * k for k in range(16))
    for it in b.items:
        x0, y0, x1, y1 = it.polygon.bounds
        boxy = it.polygon.area >= INST.FREE_FILL * (x1 - x0) * (y1 - y0)
        assert it.rotations == ((0.0, 90.0, 180.0, 270.0) if boxy else sixteenth)
    assert sum(it.rotations == sixteenth for it in b.items) == 20
    assert INST._rotations([{"start": 0, "end": 0}, {"start": 180, "end": 180}], "x") == (0.0,
                                                                                        180.0)
    assert INST._rotations([{"start": 0, "end": 360}], "x") == (0.0, 90.0, 180.0, 270.0)
    assert INST._rotations([{"start": 0, "end": 90}], "x", 45.0) == (0.0, 45.0, 90.0)
    assert INST._rotations(None, "x") == (0.0,)


def test_arc_elements_are_chords_on_the_circle():
    pts = INST._arc((1.0, 0.0), (-1.0, 0.0), {"center": {"x": 0, "y": 0},
                                           "orientation": "Anticlockwise"}, "x")
    assert pts[0] == (1.0, 0.0) and pts[-1] == pytest.approx((-1.0, 0.0))
    assert all(abs(x * x + y * y - 1) < 1e-9 and y >= -1e-12 for x, y in pts)


def test_bad_files_name_the_item(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"name": "bad", "strip_height": 10, "items": [
        {"id": 7, "demand": 1, "allowed_orientations": [0],
         "shape": {"type": "simple_polygon", "data": [[0, 0], [2, 2], [2, 0], [0, 2]]}}]}))
    with pytest.raises(INST.InstanceError, match=r"bad.json: items\[0\] \(id 7\)"):
        INST.load_strip(p)


def test_best_known_densities():
    best = INST.best_known()
    assert best["blaz1"].literature == pytest.approx(85.49)
    assert best["albano"].sparrow_record == pytest.approx(89.821)
    assert set(INST.strip_names()) <= set(best)
    assert best["gardeyn7"].sparrow_record == pytest.approx(87.015)
    assert all(best[n].sparrow_record for n in INST.real_strip_names())


def test_a_tiny_strip_instance_nests_and_verifies():
    s = INST.load_strip("fu")
    lay = nest(s.nest_items(), [s.stock()],
               NestSettings(spacing=0.0, seed=1, time_limit=20, workers=1, iterations=30))
    assert not lay.unplaced and len(lay.sheets) == 1
    assert verify_layout(lay, 0.0) == []
    sheet = lay.sheets[0]
    density = s.total_area / (sheet.used_length * s.strip_height)
    assert 0.5 < density <= 1.0


def test_scaling_kits_are_valid_and_deterministic():
    bench_nest = _bench("bench_nest")
    for n in (50, 1500):
        items = bench_nest.wikihouse_like(n)
        assert len(items) == n and len({it.instance for it in items}) == n
        parts = {id(it.part): it.part for it in items}.values()
        assert all(p.outline.is_valid and p.outline.area > 0 for p in parts)
        again = bench_nest.wikihouse_like(n)
        assert [it.part.outline.wkb for it in items] == [it.part.outline.wkb for it in again]
    assert any(p.outline.interiors for p in parts)  # holes, as in real kits


def test_strip_rows_over_several_seeds_show_means_and_the_longest_run():
    bench_nest = _bench("bench_nest")
    runs = [{"status": "ok", "density": 0.80, "time": 29.1},
            {"status": "ok", "density": 0.84, "time": 29.6}]
    r = bench_nest._runs(runs)
    assert r["status"] == "ok" and abs(r["density"] - 0.82) < 1e-12
    assert (r["lo"], r["hi"], r["time"]) == (0.80, 0.84, 29.6)
    assert bench_nest.spread(r) == "80.00-84.00"
    bad = bench_nest._runs(runs + [{"status": "INVALID", "detail": "overlap", "time": 30.2}])
    assert bad["status"] == "INVALID" and "density" not in bad and bad["time"] == 30.2
    assert bench_nest.spread(bad) == "n/a"
    missing = bench_nest._runs([{"status": "n/a", "detail": "spyrrow is not installed"}])
    assert missing["status"] == "n/a" and "time" not in missing


def test_an_offcut_that_saves_no_sheet_is_left_unused():
    """stool_x10 fits on two full sheets; the first layouts with a 1220 x 1220 offcut listed
    first put one small part on the offcut (three sheets to handle): the exact fill moves it
    onto a full sheet already (a stock list's sheets are emptied too), and the search keeps
    it off."""
    from dataclasses import replace

    b = INST.load_bins("stool_x10")
    full = b.stock()
    offcut = replace(full, width=1220.0, count=1, name="offcut")
    first = nest(b.nest_items(), [offcut, full],
                 NestSettings(spacing=b.spacing, workers=1, iterations=0))
    assert [s.stock.name for s in first.sheets] == [full.name] * 2
    lay = nest(b.nest_items(), [offcut, full],
               NestSettings(spacing=b.spacing, workers=1, iterations=300))
    assert lay.unplaced == [] and verify_layout(lay, b.spacing) == []
    assert [s.stock.name for s in lay.sheets] == [full.name] * 2


def test_a_sheet_layout_read_as_a_strip_counts_the_last_sheet_to_its_rightmost_part():
    """bench_large's `lengths`: two full sheets and a last one used to 610 of its 2410 mm
    usable length (margin 15) read as 2.25 sheet lengths; a job with mirrored parts is not
    offered to sparrow (it does not mirror)."""
    large = _bench("bench_large")
    stock = Stock(width=2440, height=1220, thickness=18.0, margin=15)
    part = Part(name="block", outline=Polygon([(0, 0), (300, 0), (300, 200), (0, 200)]))
    sheets = [SheetLayout(k + 1, stock, [Placement(f"b#{k}", part, 15.0, 15.0, 0.0)])
              for k in range(2)]
    last = [Placement("b#2", part, 15.0, 15.0, 0.0), Placement("b#3", part, 325.0, 15.0, 0.0)]
    lay = Layout(sheets + [SheetLayout(3, stock, last)])
    assert abs(large.lengths(lay) - (2 + 610 / 2410)) < 1e-12
    mirrored = [NestItem("b#1", part, (0.0,), mirror=True)]
    r = large.spyrrow_lengths(mirrored, stock, 0.0, 1.0, 1)
    assert r["status"] == "n/a"
