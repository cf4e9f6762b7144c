"""Parts left out by the first layouts (a roll too short, too few sheets in stock), and a
stock list's sheets: fewer of the kinds listed last."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np

from ..budget import Budget
from ..params import Params
from ..problem import Problem, least_sheets
from ..solution import Solution, decode
from ..walk import Walk, move_forward

PULL = 0.3  # share of moves that also bring a part left out earlier in the order


class _FitWalk(Walk):
    def rank(self, s: Solution) -> tuple:
        return s.fit

    def done(self) -> bool:
        return self.best.key.unplaced == 0

    def mutate(self, cur: Solution) -> tuple[np.ndarray, np.ndarray]:
        order, pref = super().mutate(cur)
        out = np.flatnonzero(cur.out.sheet[order] < 0)
        if out.size and self.rng.random() < PULL:
            a = int(out[self.rng.randrange(out.size)])
            move_forward(order, a, self.rng.randrange(a + 1))
        return order, pref


def fit_all(p: Problem, best: Solution, rng: random.Random, budget: Budget,
            prm: Params) -> Solution:
    """Search the order and rotations until everything fits or the budget is spent, walking
    by `Solution.fit` (the count of parts left out, then their area, which moves where the
    count sits on long plateaus). The layout returned is the best by the usual key; once
    everything fits, the usual phases go on with what is left."""
    return _FitWalk(p, best, rng, budget, prm).run()


def tighten(p: Problem, best: Solution, rng: random.Random, budget: Budget,
            prm: Params) -> tuple[Problem, Solution]:
    """A stock list (offcuts first, say): the decoder opens a sheet of an earlier type only
    for a part no open sheet takes, so offcuts often stay unused while a new sheet is cut, or
    get one small part. Try one sheet fewer of each type in use, the last-listed first: the
    best order decoded with that count, and `fit_all` for `tighten_share` of what is left if
    parts are left out. A layout with everything placed that ranks better (`sheets_rank`)
    is kept, and with it the tighter counts, for the rest of the search. Returns the problem
    with those counts and the layout."""
    tried: set[tuple[int, ...]] = set()
    need = least_sheets(p)  # fewer than these no layout has
    while budget.live():
        counts = np.bincount(best.out.stock, minlength=len(p.stocks))
        for t in range(len(p.stocks) - 1, -1, -1):
            # a locked sheet is cut anyway (its need is 0)
            if counts[t] <= need[t] or p.stocks[t].locked:
                continue
            cap = p.st_count.copy()
            cap[t] = counts[t] - 1
            if tuple(cap.tolist()) in tried:
                continue
            tried.add(tuple(cap.tolist()))
            q = replace(p, st_count=cap)
            s = decode(q, best.order, best.pref, best.mode)
            budget.spend(1)
            if s.key.unplaced == 0 and not s.key < best.key:
                # the decoder opened more of the sheets listed after this type for what it
                # no longer holds (two 1300 mm bars off a triangular offcut onto a second
                # full sheet, where the first has room for them): hold those at the best
                # layout's counts, so what is left out is fitted into the sheets there are
                held = cap.copy()
                for k in range(t + 1, len(p.stocks)):
                    if held[k] < 0 or held[k] > counts[k]:
                        held[k] = counts[k]
                q = replace(p, st_count=held)
                s = decode(q, best.order, best.pref, best.mode)
                budget.spend(1)
                if s.key.unplaced > 0:  # first what was left out, then the rest in order
                    out = s.out.sheet[s.order] < 0
                    front = np.concatenate([s.order[out], s.order[~out]])
                    f = decode(q, front, best.pref, best.mode)
                    budget.spend(1)
                    if f.fit < s.fit:
                        s = f
            if s.key.unplaced > 0:
                part = budget.share(prm.tighten_share, report=False)
                s = fit_all(q, s, rng, part, prm)
                budget.spend(part.used)
            if s.key.unplaced == 0 and s.key < best.key:
                p, best = q, s
                budget.improved(best)
                break
        else:
            break
    return p, best
