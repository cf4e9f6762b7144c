"""Real users' jobs from packingsolver's repository (benchmarks/bins/, see its README) that
wikicut lost: three that need an exact fit, and small parts on a large sheet that need a
finer raster. The sheet counts packingsolver reaches, at a small fixed `iterations`, every
layout checked here independently of the nester's own check."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import shapely

from wikicut.model import Layout, NestSettings
from wikicut.nest import nest, resolution

ROOT = Path(__file__).resolve().parents[1]


def _instances():
    spec = importlib.util.spec_from_file_location("bench_instances_real",
                                                  ROOT / "benchmarks" / "instances.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_instances_real"] = mod
    spec.loader.exec_module(mod)
    return mod


INST = _instances()


def _check(layout: Layout, job) -> None:
    """Every part once, inside the sheet less its margin, no two closer than the spacing."""
    names = sorted(p.instance for s in layout.sheets for p in s.placements)
    assert names == sorted(it.instance for it in job.nest_items()) and not layout.unplaced
    m = job.margin
    for sheet in layout.sheets:
        usable = shapely.box(m, m, job.sheet_width - m, job.sheet_height - m).buffer(1e-6)
        geoms = [p.placed().outline for p in sheet.placements]
        for g in geoms:
            assert usable.contains(g)
        tree = shapely.STRtree(geoms)
        for i, g in enumerate(geoms):
            for j in tree.query(g, predicate="dwithin", distance=job.spacing + 1.0).tolist():
                if j > i:
                    assert g.intersection(geoms[j]).area <= 1e-9
                    assert g.distance(geoms[j]) >= job.spacing - 1e-6


def _nest(name: str, iterations: int) -> tuple[Layout, object]:
    job = INST.load_bins(name)
    layout = nest(job.nest_items(), [job.stock()],
                  NestSettings(spacing=job.spacing, seed=1, time_limit=60.0, workers=1,
                               iterations=iterations))
    _check(layout, job)
    return layout, job


def test_twelve_squares_fill_one_sheet_exactly():
    """Three 300 mm squares and two 50 mm gaps are the 1000 mm inside the margin: the
    raster's columns (a cell of slack, straight edges grown for arcs) leave the last
    squares a sheet of their own; the exact fill puts them in the third column."""
    layout, job = _nest("2024-08-25_1", 100)
    assert job.spacing == pytest.approx(50.0) and job.margin == pytest.approx(100.0)
    assert len(layout.sheets) == 1
    xs = sorted({round(p.placed().outline.bounds[0], 3) for p in layout.sheets[0].placements})
    assert xs == pytest.approx([100.0, 450.0, 800.0], abs=1e-3)


def test_parts_1270_mm_apart_fit_two_to_a_sheet_diagonally():
    """Nine parts, 1270 mm spacing, 96 x 48 in sheets: two fit a sheet corner to corner
    with 1.3 mm to spare (the raster's outlines, grown for arcs, are 7 mm too far out at
    this spacing), so 5 sheets, not 9."""
    layout, job = _nest("2026-02-05_2", 100)
    assert job.spacing == pytest.approx(1270.0)
    assert [len(s.placements) for s in layout.sheets] == [2, 2, 2, 2, 1]
    a, b = (p.placed().outline for p in layout.sheets[0].placements)
    assert job.spacing <= a.distance(b) < job.spacing + 2.0


def test_chamfered_blocks_pair_up_chamfer_to_chamfer_on_one_sheet():
    """462 copies of a block with a large chamfer: a copy and one turned half way fill
    their 270 x 335 mm box to 93 % (one alone fills its box to 78 %), and 21 x 11 such
    pairs just fit the 7099 x 3000 mm sheet (91 % of it)."""
    layout, job = _nest("2026-04-08_sub_2", 100)
    assert len(layout.sheets) == 1 and len(layout.sheets[0].placements) == 462
    turns = {p.rotation % 180.0 for p in layout.sheets[0].placements}
    rots = [p.rotation for p in layout.sheets[0].placements]
    assert len(turns) <= 2
    for t in turns:  # half the copies of each orientation are turned half way
        assert sum(r % 180.0 == t and r < 180.0 for r in rots) == \
            sum(r % 180.0 == t and r >= 180.0 for r in rots)


def test_small_parts_on_a_large_sheet_get_cells_to_match():
    """2,077 parts of 125-250 mm, mostly near right triangles, on one 15 x 3 m sheet (79 %
    of it): at the 10 mm cells that 300 across the sheet give, a part loses about 11 % of
    its area to the raster and the job took 2 sheets; cells for at most 5 % (down to half
    the sheet's cell: 5 mm) put it on one in its first layouts."""
    job = INST.load_bins("2026-04-23_sub_2")
    assert resolution(job.stocks(), job.nest_items()) == pytest.approx(5.0)
    layout, _ = _nest("2026-04-23_sub_2", 0)
    assert len(layout.sheets) == 1 and len(layout.sheets[0].placements) == 2077


def test_the_cell_follows_the_parts_only_where_they_are_small():
    """Sheet-sized WikiHouse parts keep 300 cells across the sheet; strips keep theirs."""
    house = INST.load_bins("table")
    assert resolution(house.stocks(), house.nest_items()) == pytest.approx(1219.2 / 300)
    job = INST.load_bins("2026-04-23_sub_2")
    strip = [replace(job.stock(), strip=True)]
    assert resolution(strip, job.nest_items()) == pytest.approx(10.0)


def test_one_design_gets_its_uniform_first_layouts_even_when_decodes_are_slow(monkeypatch):
    """A job whose first layout is slow for its time limit (a short limit, a busy machine)
    keeps only that first layout before the sheet patterns, except the uniform ones: the
    462 blocks tile one sheet all turned alike, and first fit that mixes turns leaves 4
    over. Here every first layout counts as slow (LEAN_DECODE 0), deterministically."""
    from wikicut.nest import search as search_mod

    monkeypatch.setattr(search_mod, "LEAN_DECODE", 0.0)
    job = INST.load_bins("2026-04-08_sub_2")
    layout = nest(job.nest_items(), [job.stock()],
                  NestSettings(spacing=job.spacing, seed=1, time_limit=30.0, workers=1))
    _check(layout, job)
    assert len(layout.sheets) == 1
