"""The local search every order phase runs: mutate the current order, decode it, accept
the layout when it ranks no worse (equal moves drift across plateaus), now and then restart
from the best. A phase is a `Walk` subclass: its rank (acceptance key), its decode (a
strip's target length), its stop, what it does with a layout that moves its goal."""

from __future__ import annotations

import random

import numpy as np

from .budget import Budget
from .params import Params
from .problem import Problem
from .solution import Solution, decode

RESTART_EVERY = 200  # moves between chances (one in two) to go back to the best


class Walk:
    """One phase's search from `best`; `run` returns the best layout by `Solution.key`."""

    restart = True  # go back to the lead (the best by rank) now and then

    def __init__(self, p: Problem, best: Solution, rng: random.Random, budget: Budget,
                 prm: Params) -> None:
        self.p, self.best, self.rng, self.budget, self.prm = p, best, rng, budget, prm

    def rank(self, s: Solution) -> tuple:
        """The acceptance key: a candidate no worse than the current layout is taken."""
        return s.key

    def done(self) -> bool:
        """The phase's goal is reached."""
        return False

    def start(self) -> Solution:
        """The current layout to walk from."""
        return self.best

    def decode(self, order: np.ndarray, pref: np.ndarray, mode: int) -> Solution:
        return decode(self.p, order, pref, mode)

    def mutate(self, cur: Solution) -> tuple[np.ndarray, np.ndarray]:
        return mutate(self.rng, cur, self.p, self.prm)

    def offer(self, s: Solution) -> Solution | None:
        """A candidate seen: keep it if it is a new best. Returns the layout to go on from
        when the phase's goal moved (a strip's target length), else None."""
        if s.key < self.best.key:
            self.best = s
            self.budget.improved(s)
        return None

    def stalled(self, stall: int) -> Solution | None:
        """`stall` moves without a strictly better current layout: the layout to go on from
        if the phase changes course, else None."""
        return None

    def run(self) -> Solution:
        budget = self.budget
        cur = lead = self.start()
        stall = 0
        while budget.live() and not self.done():
            budget.used += 1
            order, pref = self.mutate(cur)
            s = self.decode(order, pref, cur.mode)
            moved = self.offer(s)
            if moved is not None:
                cur = lead = moved
                stall = 0
                continue
            if self.rank(s) <= self.rank(cur):
                if self.rank(s) < self.rank(cur):
                    stall = 0
                cur = s
            elif self.restart and budget.used % RESTART_EVERY == 0 and self.rng.random() < 0.5:
                cur = lead
            if self.rank(s) < self.rank(lead):
                lead = s
            stall += 1
            moved = self.stalled(stall)
            if moved is not None:
                cur = moved
                stall = 0
            budget.progress(self.best)
        return self.best


def initial_orders(p: Problem) -> list[np.ndarray]:
    """Classic first-fit-decreasing orders: by area, by longest side, by bounding box."""
    n = len(p.items)
    idx = np.arange(n)
    b = np.array([it.part.outline.bounds for it in p.items]).reshape(n, 4)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    keys = [p.item_area, np.maximum(w, h), w * h]
    # lexsort: last key is primary; ties by item index keep it deterministic
    return [np.lexsort((idx, -k)).astype(np.int64) for k in keys]


def move_forward(order: np.ndarray, a: int, b: int) -> None:
    """The item at position a to position b <= a, the ones between one step back."""
    x = order[a]
    order[b + 1:a + 1] = order[b:a].copy()
    order[b] = x


def mutate(rng: random.Random, sol: Solution, p: Problem, prm: Params
           ) -> tuple[np.ndarray, np.ndarray]:
    """One to three random moves: swap two items (mostly near each other), move a late item
    forward (it fills holes on earlier sheets; on sheets often one from the last sheet), or
    change an item's rotation (a fixed one, or free choice again)."""
    order = sol.order.copy()
    pref = sol.pref.copy()
    n = order.shape[0]
    for _ in range(1 + int(rng.random() < 0.3) + int(rng.random() < 0.1)):
        r = rng.random()
        if r < 0.4 and n > 1:
            a = rng.randrange(n)
            b = min(n - 1, max(0, a + rng.choice((-1, 1)) * (1 + int(rng.expovariate(0.2)))))
            if rng.random() < 0.3:
                b = rng.randrange(n)
            order[a], order[b] = order[b], order[a]
        elif r < 0.7 and n > 1:
            a = rng.randrange(n // 3, n) if n >= 3 else rng.randrange(n)
            if not p.strip and rng.random() < prm.target_last:
                sheet = sol.out.sheet
                on_last = np.flatnonzero(sheet[order] == sheet.max())
                if on_last.size:
                    a = int(on_last[rng.randrange(on_last.size)])
            move_forward(order, a, rng.randrange(0, a + 1))
        else:
            i = rng.randrange(n)
            k = int(p.item_v1[i] - p.item_v0[i])
            pref[i] = -1 if rng.random() < 0.3 or k <= 1 else rng.randrange(k)
    return order, pref
