"""Independent searches (worker k from `worker_seed(seed, k)`), the best result kept, ties to
the first.

Locally (the default) two: the parent searches with `seed`, a forked child with the second
worker's seed. The
child ignores Ctrl-C and SIGHUP: the parent decides (interrupt.py). A daemonic process (a Dask
worker's) may not have children: it runs the two searches one after the other, each with the
whole iteration budget (the same result) and half of the time. Inside `searching_on(pool)`
all `workers` searches go to the pool (a cluster: wikicut.cluster.search), as plain data
(`SearchSpec`): each rebuilds the raster where it runs and sends back its layout's arrays."""

from __future__ import annotations

import contextlib
import contextvars
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from ..model import NestItem, Stock
from . import interrupt
from .budget import Budget
from .params import Params
from .phases.refine import on_finer
from .problem import Problem, build
from .search import search
from .solution import Decoded, Solution, solution

GRACE = 30.0  # seconds past the deadline the parent waits for the child's result
# Worker k > 0 searches from seed + k * SEED_STRIDE so that neighbouring seeds (1, then 2:
# what a user tries next) share no search. Were it seed + k, the second worker of seed 1
# would be the first of seed 2, and a job its second worker wins would give both one layout.
SEED_STRIDE = 1 << 32

# (order, pref, mode, decoded arrays, the iterations used when the deadline stopped the search
# with fixed ones left: None when it did not: Budget.stopped)
Found = tuple[np.ndarray, np.ndarray, int, tuple, "int | None"]
# one worker's search: (problem, seed, budget, tuning, start) -> its best layout on `problem`
Searcher = Callable[[Problem, int, Budget, Params, "Solution | None"], Solution]


@dataclass(frozen=True)
class SearchSpec:
    """One search's inputs as plain, picklable data (no raster, no compiled code)."""

    items: list[NestItem]
    stocks: list[Stock]
    spacing: float
    res: float
    item_mult: np.ndarray | None
    item_area: np.ndarray | None
    params: Params
    iterations: int
    fixed: bool
    seconds: float  # the search's time from when it starts (a deadline is per machine)
    # a strip's search ends on finer rasters (`strip_chain`), and the search of an odd
    # worker (`worker_index`) runs with `Params.second_worker()`: as the two local workers
    refine: bool = False
    seed0: int = 0


Pool = Callable[[SearchSpec, list[int]], list[Found]]
_pool: contextvars.ContextVar[Pool | None] = contextvars.ContextVar("wikicut_pool", default=None)


@contextlib.contextmanager
def searching_on(pool: Pool | None) -> Iterator[None]:
    """Inside, `run` sends every search to `pool` (seeds -> results in the same order)."""
    token = _pool.set(pool)
    try:
        yield
    finally:
        _pool.reset(token)


def worker_seed(seed: int, k: int) -> int:
    """The seed worker k of a run with `seed` searches from (k = 0: `seed` itself)."""
    return seed + k * SEED_STRIDE


def worker_index(seed0: int, seed: int) -> int:
    """Which worker of a run with `seed0` searches from `seed` (`worker_seed`'s inverse)."""
    return (seed - seed0) // SEED_STRIDE


def problem(spec: SearchSpec) -> Problem:
    p = build(spec.items, spec.stocks, spacing=spec.spacing, res=spec.res)
    if spec.item_mult is not None:
        p.item_mult = spec.item_mult
    if spec.item_area is not None:
        p.item_area = spec.item_area
    return p


def search_spec(spec: SearchSpec, seed: int) -> Found:
    """One search where it runs (a cluster's worker): kernels loaded once per process. A
    strip's (`spec.refine`) runs the chain of rasters the local workers run, on the finest
    problem, so a pool's result is the local one."""
    from .warmup import load_kernels

    load_kernels()
    budget = Budget(spec.iterations, time.monotonic() + spec.seconds, None, spec.fixed)
    if not spec.refine:
        return _found(search(problem(spec), seed, budget, spec.params), budget)
    fine, chain = strip_chain(spec)
    prm = (spec.params if worker_index(spec.seed0, seed) % 2 == 0
           else spec.params.second_worker())
    return _found(chain(fine, seed, budget, prm, None), budget)


def strip_chain(spec: SearchSpec, coarse: Problem | None = None) -> tuple[Problem, Searcher]:
    """A strip's search on the coarse raster (`coarse`, else built from `spec`), then for
    the last `strip_refine_share` of the budget on one `strip_refine` times finer, and for
    the last `strip_refine_last` on one finer again: (the finest problem, the searcher to
    call with it)."""
    prm = spec.params
    factor = prm.strip_refine
    coarse = coarse if coarse is not None else problem(spec)
    fine = problem(replace(spec, res=coarse.res / factor))
    chain = refining(coarse, prm.strip_refine_share, prm.refine_shrink)
    if prm.strip_refine_last > 0:
        finer = problem(replace(spec, res=fine.res / factor))
        chain = refining(fine, prm.strip_refine_last, prm.refine_shrink, searcher=chain)
        fine = finer
    return fine, chain


def _found(s: Solution, budget: Budget) -> Found:
    return (s.order, s.pref, s.mode, tuple(s.out), budget.stopped)


def refining(coarse: Problem, share: float, shrink: float,
             searcher: Searcher = search) -> Searcher:
    """A worker's search on the coarse raster `coarse` (`searcher`: itself a chain of
    rasters ending on `coarse`, or one raster), then for the last `share` of its
    budget on the finer raster it is called with, from its own coarse layout carried over
    exactly (refine.on_finer), shortening by `shrink` and trying a failed cut again from
    the last valid layout (`refine_retries`): the best layout, on the finer raster
    (the coarse one carried over when the finer search found none better). Each worker
    refines its own layout, not the best of all, so the workers' layouts stay apart to the
    end (jakobs2 at 30 s: 23.0 long, where both refining the better coarse layout stayed at
    24.0; docs/nesting.md, Workers)."""

    def run_one(fine: Problem, seed: int, budget: Budget, prm: Params,
                start: Solution | None = None) -> Solution:
        first = budget.share(1.0 - share)
        best = searcher(coarse, seed, first, prm)
        budget.spend(first.used)
        carried = on_finer(coarse, best, fine)
        if carried is None:  # parts left out (a roll too short): the finer raster afresh
            return search(fine, seed, budget, prm)
        if not budget.live():
            return carried
        got = search(fine, seed, budget,
                     replace(prm, ov_shrink=shrink, ov_retries=prm.refine_retries),
                     start=carried)
        return got if got.key < carried.key else carried

    return run_one


def _child(conn, p: Problem, seed: int, budget: Budget, prm: Params,
           start: Solution | None, searcher: Searcher) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's terminate() ends it at once
    try:
        conn.send(_found(searcher(p, seed, budget, prm, start), budget))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which falls back
        conn.send(repr(exc))
    finally:
        conn.close()
        os._exit(0)


def _better(p: Problem, best: Solution, got, budget: Budget) -> Solution:
    if isinstance(got, tuple):
        order, pref, mode, out, stopped = got
        budget.cut_short(stopped)  # won or lost, a search cut short could have ended otherwise
        other = solution(p, order, pref, mode, Decoded(*out))
        if other.key < best.key:
            budget.improved(other)
            return other
    return best


def pooled() -> bool:
    """Whether searches go to a pool (a cluster) here."""
    return _pool.get() is not None


def run(p: Problem, workers: int, seed: int, budget: Budget, prm: Params,
        spec: SearchSpec | None = None, start: Solution | None = None,
        searcher: Searcher = search, second: Params | None = None) -> Solution:
    """The best of `workers` searches, each with the whole iteration budget: on the pool
    when one is set (and `spec` given), else 1 or 2 locally; from `start` (`search`), which
    a pool does not take. Locally each runs `searcher` (`refining`: coarse, then finer),
    the second (`worker_seed(seed, 1)`) with `second` when given, else `prm`."""
    pool = _pool.get()
    if (pool is not None and spec is not None and start is None and workers > 1
            and len(p.items) > 1):
        found = pool(spec, [worker_seed(seed, k) for k in range(workers)])
        best = solution(p, found[0][0], found[0][1], found[0][2], Decoded(*found[0][3]))
        budget.cut_short(found[0][4])
        budget.improved(best)
        for got in found[1:]:  # in worker order: ties stay with the first
            best = _better(p, best, got, budget)
        return best
    if workers < 2 or len(p.items) < 2:
        return searcher(p, seed, budget, prm, start)
    quiet = Budget(budget.iterations, budget.deadline, None, budget.fixed)
    other = second or prm
    if multiprocessing.current_process().daemon or "fork" not in (
            multiprocessing.get_all_start_methods()):
        first = Budget(budget.iterations, budget.phase_end(0.5), budget.report, budget.fixed)
        best = searcher(p, seed, first, prm, start)
        budget.cut_short(first.stopped)
        return _better(p, best, _found(searcher(p, worker_seed(seed, 1), quiet, other, start),
                                       quiet), budget)
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, daemon=True,
                        args=(send, p, worker_seed(seed, 1), quiet, other, start, searcher))
    child.start()
    send.close()
    try:
        best = searcher(p, seed, budget, prm, start)
        got = None
        wait_until = max(budget.deadline, time.monotonic()) + GRACE
        while time.monotonic() < wait_until and child.is_alive() or recv.poll(0):
            interrupt.check()
            if recv.poll(0.1):
                got = recv.recv()
                break
        child.join(5.0)
        return _better(p, best, got, budget)
    finally:
        if child.is_alive():
            child.terminate()
            child.join()
