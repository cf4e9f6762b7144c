"""The nest kernels compile once per install: `load_kernels` (nest/warmup.py) compiles every
kernel with the argument types a job passes (the overlap kernels in a process of their own
when there are two cores), so a second process with the cache it filled
compiles nothing on the paths the CLI's nest takes (a strip and its overlap removal, sheets
and sheet elimination, a stock list, too few sheets, locked parts and fillers, free
rotation, mirrored parts). Fresh processes, each with its own NUMBA_CACHE_DIR: slow (the
first compiles), so one test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from wikicut.nest.warmup import cores

FILL = r'''
import json
from numba.core.registry import CPUDispatcher

import wikicut.nest as N
from wikicut.nest.kernels import compact, decode, overlap, pairs, raster

N.load_kernels()
here = sorted(f"{mod.__name__.rsplit('.', 1)[1]}.{name}"
              for mod in (compact, decode, overlap, pairs, raster)
              for name, d in vars(mod).items()
              if isinstance(d, CPUDispatcher) and d.__module__ == mod.__name__
              and sum(d.stats.cache_misses.values()))
print(json.dumps(here))
'''

JOBS = r'''
import json
import numpy as np
from numba.core.registry import CPUDispatcher
from shapely.geometry import Polygon, box

import wikicut.nest as N
import wikicut.nest.search as S
from wikicut.model import Lock, NestItem, NestSettings, Part, Stock
from wikicut.nest.kernels import compact, decode, overlap, pairs, raster

ran = {}
for name in ("eliminate", "fit_all", "tighten", "strip_overlap"):
    def counted(*a, _f=getattr(S, name), _n=name, **k):
        ran[_n] = ran.get(_n, 0) + 1
        return _f(*a, **k)
    setattr(S, name, counted)

N.load_kernels()
rng = np.random.default_rng(5)
rects = []
for _ in range(2):
    rects = [Part(f"r{k}", box(0, 0, float(rng.integers(30, 120)), float(rng.integers(20, 80))))
             for k in range(14)]
items = [NestItem(f"{p.name}#{c}", p) for p in rects for c in range(2)]
ell = Part("ell", Polygon([(0, 0), (60, 0), (60, 20), (20, 20), (20, 50), (0, 50)]))
run = NestSettings(spacing=2.0, seed=1, time_limit=60.0, iterations=300, workers=1)
N.nest(items, [Stock(width=300, height=200, margin=2)], run)  # sheet elimination
N.nest(items[:12] + [NestItem(f"ell#{k}", ell, mirror=True) for k in range(3)],
       [Stock(width=2000, height=120, margin=0, strip=True)], run)  # mirrored variants too
N.nest(items, [Stock(width=300, height=200, margin=2, count=1),
               Stock(width=250, height=150, margin=2)], run)  # a stock list
N.nest(items, [Stock(width=300, height=200, margin=2, count=1)], run)  # too few sheets
locked = NestItem("ell#locked", ell, lock=Lock(sheet=1, x=100.0, y=60.0, rotation=90.0))
fillers = [NestItem(f"key#{k}", Part("key", box(0, 0, 30, 12)), filler=True) for k in range(4)]
N.nest(items[:10] + [locked] + fillers, [Stock(width=300, height=200, margin=2)], run)
N.nest([NestItem(f"ell#{k}", ell) for k in range(5)], [Stock(width=200, height=150, margin=2)],
       NestSettings(spacing=2.0, seed=1, time_limit=60.0, iterations=100, workers=1,
                    rotations="any"))
misses, hits = {}, {}
for mod in (compact, decode, overlap, pairs, raster):
    for name, d in vars(mod).items():
        if isinstance(d, CPUDispatcher) and d.__module__ == mod.__name__:
            misses[name] = sum(d.stats.cache_misses.values())
            hits[name] = sum(d.stats.cache_hits.values())
print(json.dumps({"ran": ran, "misses": misses, "hits": hits}))
'''


def _files(cache: Path) -> dict[str, int]:
    return {str(f.relative_to(cache)): f.stat().st_mtime_ns for f in cache.rglob("*")
            if f.suffix in (".nbi", ".nbc")}


def test_a_filled_kernel_cache_compiles_nothing(tmp_path):
    cache = tmp_path / "numba"
    cache.mkdir()
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    fill = subprocess.run([sys.executable, "-c", FILL], env=env, check=True, timeout=900,
                          capture_output=True, text=True).stdout
    filled = _files(cache)
    assert filled, "load_kernels wrote no cache entries"
    here = json.loads(fill.splitlines()[-1])  # the kernels the first process compiled itself
    assert "decode.decode" in here and "raster.scan" in here, here
    by_helper = [k for k in here if k.startswith(("overlap.", "pairs."))]
    if cores() >= 2:  # a second process compiled the overlap kernels meanwhile
        assert not by_helper, f"compiled beside the overlap kernels' process: {by_helper}"
    else:
        assert "overlap.separate" in by_helper, here
    out = subprocess.run([sys.executable, "-c", JOBS], env=env, check=True, timeout=900,
                         capture_output=True, text=True).stdout
    got = json.loads(out.splitlines()[-1])
    # the jobs took the paths they are here for
    assert set(got["ran"]) == {"eliminate", "fit_all", "tighten", "strip_overlap"}, got["ran"]
    compiled = {k: n for k, n in got["misses"].items() if n}
    assert not compiled, f"compiled in the second process: {compiled}"
    assert _files(cache) == filled, "the second process wrote to the kernel cache"
    loaded = {k for k, n in got["hits"].items() if n}
    assert {"decode", "separate", "scan", "compact_pass", "paint", "prefix_rows"} <= loaded
