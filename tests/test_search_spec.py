"""A search sent elsewhere (a cluster's worker) gets its parts pickled, and a pickled shapely
geometry loses its precision grid: the raster built there must be the one built here, or
the same seed and iterations give another layout on a cluster (house: the last sheet's
length 1872.606987 there against 1872.606986 here, and other bytes in every file)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point

from wikicut.io.job import load_job
from wikicut.nest import workers
from wikicut.nest.raster import variant
from wikicut.pipeline import run_nest

ROOT = Path(__file__).resolve().parent.parent


def test_a_gridded_outline_and_its_pickled_copy_give_one_raster():
    # a disc with a notch, snapped to 1e-6 mm as part files are: its buffer's arcs fall
    # between grid points, so a buffer that keeps the grid moves the raster's origin
    disc = Point(0.0, 0.0).buffer(50.123, quad_segs=16).difference(
        shapely.box(-10.0, 40.0, 10.0, 60.0))
    gridded = shapely.set_precision(disc, 1e-6)
    assert shapely.get_precision(gridded) == 1e-6
    copy = pickle.loads(pickle.dumps(gridded))
    assert shapely.get_precision(copy) == 0.0  # what a worker receives
    for rotation in (0.0, 30.0, 90.0):
        a = variant(gridded, rotation, 6.0, 4.07)
        b = variant(copy, rotation, 6.0, 4.07)
        assert (a.ox, a.oy, a.bare) == (b.ox, b.oy, b.bare), rotation
        for name in ("rows", "lo", "hi"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), (rotation, name)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_parametric_job_searched_on_pickled_parts_gives_the_same_bytes(tmp_path):
    """The house (parametric parts, on a 1e-6 mm grid), its two searches once in the two
    local processes and once through a pool that pickles each search's inputs, as Dask
    does: the same files."""
    job = load_job(ROOT / "examples" / "house" / "job.toml", iterations=4)

    def pickling(spec: workers.SearchSpec, seeds: list[int]) -> list[workers.Found]:
        sent = pickle.loads(pickle.dumps(spec))
        return [pickle.loads(pickle.dumps(workers.search_spec(sent, s))) for s in seeds]

    run_nest(job, tmp_path / "local", gcode=False)
    with workers.searching_on(pickling):
        run_nest(job, tmp_path / "pool", gcode=False)
    local, pool = _files(tmp_path / "local"), _files(tmp_path / "pool")
    assert local.keys() == pool.keys()
    assert [k for k in local if local[k] != pool[k]] == []
