"""Two searches in parallel: the parent searches with `seed`, a forked child with seed + 1;
the better result wins, ties to the parent (the lower seed). The child ignores Ctrl-C and
SIGHUP: the parent decides (interrupt.py)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

from . import interrupt
from .budget import Budget
from .params import Params
from .problem import Problem
from .search import search
from .solution import Solution, solution

GRACE = 30.0  # seconds past the deadline the parent waits for the child's result


def _child(conn, p: Problem, seed: int, budget: Budget, prm: Params) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's terminate() ends it at once
    try:
        s = search(p, seed, budget, prm)
        conn.send((s.order, s.pref, s.mode, s.out))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which falls back
        conn.send(repr(exc))
    finally:
        conn.close()
        os._exit(0)


def run(p: Problem, workers: int, seed: int, budget: Budget, prm: Params) -> Solution:
    """The best of `workers` (1 or 2) searches, each with the whole budget."""
    child = None
    if workers > 1 and len(p.items) > 1 and "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        quiet = Budget(budget.iterations, budget.deadline, None, budget.fixed)
        child = ctx.Process(target=_child, args=(send, p, seed + 1, quiet, prm), daemon=True)
        child.start()
        send.close()
    try:
        best = search(p, seed, budget, prm)
        if child is not None:
            got = None
            wait_until = max(budget.deadline, time.monotonic()) + GRACE
            while time.monotonic() < wait_until and child.is_alive() or recv.poll(0):
                interrupt.check()
                if recv.poll(0.1):
                    got = recv.recv()
                    break
            child.join(5.0)
            if isinstance(got, tuple):
                other = solution(p, *got)
                if other.key < best.key:
                    best = other
                    budget.improved(best)
    finally:
        if child is not None and child.is_alive():
            child.terminate()
            child.join()
    return best
