"""The kernels made ready before a job's clock starts: Numba compiles each kernel on its
first call (seconds, the first run after an install) or loads it from its cache (`cache=True`:
__pycache__ beside the kernels, or NUMBA_CACHE_DIR, or the user's cache folder when the
package folder is read-only). `load_kernels` runs two tiny jobs through `nest` (a strip and
sheets, a few hundred iterations: every kernel with the argument types a real job passes), so
that neither cost counts against a job's time limit. With NUMBA_DISABLE_JIT there is nothing
to make ready."""

from __future__ import annotations

import time

from shapely.geometry import Polygon, box

from ..model import NestItem, NestSettings, Part, Stock

_ready = False


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


def load_kernels() -> float:
    """Compile or load every nest kernel, once per process; the seconds it took."""
    global _ready
    if _ready:
        return 0.0
    _ready = True  # before: nest() calls this
    from numba import config

    if config.DISABLE_JIT:  # nothing to compile: the jobs would only run as slow Python
        return 0.0
    from . import nest

    t = time.monotonic()
    for items, stocks, settings in _jobs():
        nest(items, stocks, settings)
    return time.monotonic() - t
