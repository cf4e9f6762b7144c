"""The kernels made ready before a job's clock starts: Numba compiles each kernel on its
first call (seconds, the first run after an install) or loads it from its cache (`cache=True`:
__pycache__ beside the kernels, or NUMBA_CACHE_DIR, or the user's cache folder when the
package folder is read-only). `load_kernels` runs two tiny jobs through `nest` (a strip and
sheets, a few hundred iterations: every kernel with the argument types a real job passes), so
that neither cost counts against a job's time limit. With NUMBA_DISABLE_JIT there is nothing
to make ready.

On the first run after an install (no cache yet) with more than one core, a second process
compiles the overlap kernels (`compile_overlap`) while this one compiles the decoder's,
raster's and compaction's through the sheet job; the strip job then loads what the other
process wrote (an idle machine: 25 s to 17 s). The overlap kernels do not need the others
compiled: the other process runs those as plain Python, for one small layout. Its share
takes longer (16 s against 13 s), so a caller's own first work (`meanwhile`: the job's
parts planned alone, which compiles the toolpath stage's kernels) runs here first, before
the sheet job, at no cost to the warm-up's end."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable

from shapely.geometry import Polygon, box

from ..model import NestItem, NestSettings, Part, Stock

_ready = False
_loading = False  # the warm-up jobs' own nest() calls must not start another
# seconds to wait for the overlap kernels' process (16 s on an idle core; minutes at load 10)
HELPER_WAIT = 900.0


def _jobs() -> list[tuple[list[NestItem], list[Stock], NestSettings]]:
    ell = Part("ell", Polygon([(0, 0), (60, 0), (60, 20), (20, 20), (20, 50), (0, 50)]))
    plate = Part("plate", box(0, 0, 70, 40))
    items = ([NestItem(f"ell#{k}", ell) for k in range(4)]
             + [NestItem(f"plate#{k}", plate) for k in range(3)])
    # the iterations bound the work, not the clock: the kernels compile inside these runs, and
    # on a busy machine that alone can outlast a short limit; the phases after it (the strip's
    # overlap removal) would not run, and the first real job would compile their kernels
    quick = NestSettings(spacing=2.0, seed=1, time_limit=3600.0, iterations=300, workers=1)
    return [(items, [Stock(width=400, height=90, margin=0, strip=True)], quick),
            (items, [Stock(width=120, height=100, margin=2)], quick)]


def load_kernels(meanwhile: Callable[[], object] | None = None) -> float:
    """Compile or load every nest kernel, once per process; the seconds it took (with
    `meanwhile`'s). `meanwhile`: a caller's work to run while the overlap kernels' process
    compiles, before this process compiles its own (at once when the kernels are ready
    already); an exception from it ends the warm-up (the process stopped) and propagates,
    and the next call starts it again."""
    global _ready, _loading
    from numba import config

    if _loading:
        return 0.0
    t = time.monotonic()
    if _ready or config.DISABLE_JIT:  # nothing (more) to compile
        if meanwhile is not None:
            meanwhile()
        return time.monotonic() - t
    from . import nest

    _loading = True
    try:
        helper = _overlap_helper()
        strip, sheets = _jobs()
        try:
            if meanwhile is not None:  # first: an error it finds is reported in seconds
                meanwhile()
            nest(*sheets)  # the decoder, raster and compaction kernels
            if helper is not None:
                # its kernels are in the cache then (if not, they compile below, as without it)
                helper.wait(timeout=HELPER_WAIT)
        except subprocess.TimeoutExpired:
            pass
        finally:  # never left running: out of time, the sheet job or `meanwhile` interrupted
            if helper is not None and helper.poll() is None:
                helper.kill()
                helper.wait()
        nest(*strip)  # and the overlap kernels
        _ready = True
    finally:
        _loading = False
    return time.monotonic() - t


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _overlap_helper() -> subprocess.Popen | None:
    """A process compiling the overlap kernels (`compile_overlap`), when they have no cache
    yet and a second core can take them; None otherwise."""
    from .kernels import overlap

    index = getattr(getattr(getattr(overlap.separate, "_cache", None), "_cache_file", None),
                    "_index_path", None)
    # a frozen executable would take the -c for its own command line
    if (not sys.executable or getattr(sys, "frozen", False) or index is None
            or os.path.exists(index) or cores() < 2):
        return None
    try:
        return subprocess.Popen(
            [sys.executable, "-c", "from wikicut.nest.warmup import compile_overlap; "
             "compile_overlap()"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
    except OSError:  # no interpreter to start (an embedded one): compile here
        return None


def compile_overlap() -> None:
    """Compile (into the cache) the overlap kernels with the argument types the strip's and
    sheet elimination's overlap removal pass, on the strip job's parts. The raster,
    decoder and compaction kernels run as plain Python here (their compile is the other
    process's): every module's reference to them is swapped for the Python function."""
    from numba.core.registry import CPUDispatcher

    from . import kernels
    from .budget import Budget
    from .overlap import Overlap, separate
    from .params import DEFAULT
    from .phases.strip import ZERO_OFFS
    from .problem import build, obstacles, resolution, strip_cap, variant_centres

    package = __name__.rpartition(".")[0]
    plain = {f"{kernels.__name__}.{m}" for m in ("compact", "decode", "raster")}
    compiled = {f"{kernels.__name__}.{m}" for m in ("overlap", "pairs")}
    for name, mod in list(sys.modules.items()):
        # the overlap kernels' own references (the decoder's helpers they inline) stay
        if mod is None or not name.startswith(package) or name in compiled:
            continue
        for attr, f in list(vars(mod).items()):
            if isinstance(f, CPUDispatcher) and f.__module__ in plain:
                setattr(mod, attr, f.py_func)
    items, stocks, settings = _jobs()[0]
    p = build(items, stocks, settings.spacing, resolution(stocks, items))
    variant_centres(p)
    n = len(p.items)
    var = p.item_vars[p.item_v0].copy()
    us = p.lim[0, var, 0].copy()
    vs = p.lim[0, var, 2].copy()
    for pairs in (True, False):  # a strip's pair loss, sheet elimination's cell loss
        ov = Overlap(p, DEFAULT, 0, obstacles(p, 0), var.copy(), us.copy(), vs.copy(),
                     p.item_v0, p.item_v1, ZERO_OFFS, pairs=pairs, span=None)
        separate(ov, strip_cap(p, float(stocks[0].width)), random.Random(1),
                 Budget(200 * n, float("inf")), None)
