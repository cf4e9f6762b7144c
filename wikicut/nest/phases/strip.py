"""Strip packing: the target-length order search (a walk, walk.py), then overlap removal
(overlap.py) from its best layout, exploring as sparrow does."""

from __future__ import annotations

import random

import numpy as np

from ..budget import Budget
from ..kernels.overlap import cell_boxes
from ..overlap import Overlap, separate
from ..params import Params
from ..problem import Problem, obstacles, strip_cap, strip_limits, variant_centres
from ..solution import Solution, decode, regroup, solution
from ..walk import Walk

ZERO_OFFS = np.zeros(1, np.int64)  # one sheet (the strip) at u = 0
LEAST_STEP = 0.002  # the target's step halves on a stall down to this share of the length


class _TargetWalk(Walk):
    """Walk by the area left out within a target length (`Solution.fit` of a decode with the
    target's limits); everything fitting is a new best, and a target a step shorter."""

    restart = False

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.step = self.prm.step0
        self.lim = self._aim()

    def _aim(self) -> np.ndarray:
        return strip_limits(self.p, self.best.key.last * (1 - self.step))

    def rank(self, s: Solution) -> tuple:
        return s.fit.area_out, s.fit.length

    def start(self) -> Solution:
        b = self.best
        return self.decode(b.order, b.pref, b.mode)

    def decode(self, order: np.ndarray, pref: np.ndarray, mode: int) -> Solution:
        return decode(self.p, order, pref, mode, self.lim)

    def offer(self, s: Solution) -> Solution | None:
        if s.fit.area_out != 0:
            return None
        self.best = decode(self.p, s.order, s.pref, s.mode)
        self.budget.improved(self.best)
        self.lim = self._aim()
        return self.decode(s.order, s.pref, s.mode)

    def stalled(self, stall: int) -> Solution | None:
        if stall <= self.prm.stall0 + self.prm.stall1 * len(self.p.items) \
                or self.step <= LEAST_STEP:
            return None
        self.step /= 2  # too ambitious: aim closer
        self.lim = self._aim()
        return self.start()


def search_strip(p: Problem, best: Solution, rng: random.Random, budget: Budget,
                 prm: Params) -> Solution:
    """Fix a target length a little shorter than the best, search for an order that fits
    everything within it (minimising the area left out), and shorten the target on success;
    the step shrinks when the search stalls."""
    if best.key.unplaced > 0:
        return best
    return _TargetWalk(p, best, rng, budget, prm).run()


def strip_overlap(p: Problem, best: Solution, rng: random.Random, budget: Budget,
                  prm: Params) -> Solution:
    """Shorten the strip by overlap removal (overlap.py) from the best bottom-left layout,
    exploring as sparrow does: shorten by `ov_shrink` (the parts right of the middle move left
    by that much, so the new overlap lies along one cut, not piled at the end) and separate;
    on success shorten again (separation: `overlap.separate`). A failed cut is first tried
    again `ov_retries` times from the last valid layout, smaller and at a random place;
    then a failed layout joins a pool at that length, and the search goes on from one of
    the pool (the less overlap, the likelier), disrupted by swapping two large parts. The
    length only goes down; the last valid layout stands. A layout with parts left out (a
    roll too short) first has them put in where they overlap least, within the whole
    roll."""
    _, var, us, vs, stock, _ = best.out
    if stock.shape[0] != 1 or budget.left() <= 0:
        return best
    t = int(stock[0])
    n = len(p.items)
    cnt = obstacles(p, t)
    span = cnt.shape[0]
    if best.key.unplaced == 0:
        # the length only goes down from here: the grid ends where a part can reach. The
        # roll (cut to one row of parts) is about three times the strip on gardeyn6 and 7,
        # and the finest raster's grid over all of it 27 million cells, every cell of
        # which a cut's prefix sums went over
        box = cell_boxes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1)
        reach = int((strip_cap(p, best.key.last) + box[:, 1]).max()) + 2
        if reach < span:
            cnt = np.ascontiguousarray(cnt[:reach])
    ov = Overlap(p, prm, t, cnt, var.copy(), us.copy(), vs.copy(), p.item_v0,
                 p.item_v1, ZERO_OFFS, pairs=True, span=span)
    by_area = np.argsort(-p.item_area, kind="stable")
    share = np.cumsum(p.item_area[by_area]) / max(float(p.item_area.sum()), 1e-12)
    large = by_area[:int(np.searchsorted(share, prm.ov_large)) + 1].tolist()
    mid_u, mid_v = variant_centres(p)
    cap = np.zeros(0, np.int64)

    def shrink(length: float, at: float = 0.5) -> bool:
        """Cap the strip at `length`, the parts right of `at` of its length moved left by
        the cut; False when some part no longer fits in it at all."""
        nonlocal cap
        old = ov.length()
        cap = strip_cap(p, length)
        # a turn too tall for the strip has no origin at all (its v range is empty)
        reach = ((np.minimum(p.lim[t, :, 1], cap) >= p.lim[t, :, 0])
                 & (p.lim[t, :, 3] >= p.lim[t, :, 2]))
        if not all(reach[p.item_vars[p.item_v0[i]:p.item_v1[i]]].any() for i in range(n)):
            return False
        cut = int(round((old - length) / p.res))
        middle = old * at / p.res
        for i in range(n if cut > 0 else 0):
            sv = int(ov.var_of[i])
            if ov.u_of[i] + mid_u[sv] > middle:
                ov.move(i, sv, int(ov.u_of[i]) - cut, int(ov.v_of[i]), cap)
        ov.reset_weights()
        return True

    def disrupt() -> None:
        """Swap two large parts (centre to centre), of different sizes where possible; the
        parts each of the two lands on go its way back, into the room it left (`_follow`)."""
        a = rng.choice(large)
        area = p.item_area
        others = [j for j in large if abs(area[j] - area[a]) > 0.01 * area[a]]
        b = rng.choice(others or [j for j in range(n) if j != a])
        sa, sb = int(ov.var_of[a]), int(ov.var_of[b])
        ua, va, ub, vb = (int(x) for x in (ov.u_of[a], ov.v_of[a], ov.u_of[b], ov.v_of[b]))
        du, dv = mid_u[sb] - mid_u[sa], mid_v[sb] - mid_v[sa]  # a's origin to b's, centred
        ov.move(a, sa, round(ub + du), round(vb + dv), cap)
        ov.move(b, sb, round(ua - du), round(va - dv), cap)
        _follow(ov, a, ua, va, (a, b), cap, mid_u, mid_v)
        _follow(ov, b, ub, vb, (a, b), cap, mid_u, mid_v)
        ov.reset_weights()

    pool: list[tuple[int, float, tuple]] = []
    # parts left out (a roll too short): first all of them within the whole roll (the
    # first separation puts them where they overlap least)
    target = (float(p.stocks[t].width) if best.key.unplaced > 0
              else best.key.last * (1 - prm.ov_shrink))
    # the last valid layout (before the first cut), copied only when failed cuts are
    # retried from it
    keep = prm.ov_retries > 0
    valid = ov.state() if keep and best.key.unplaced == 0 else None
    ok = shrink(target)
    retries = 0  # failed cuts at this length tried again from `valid`
    while ok and budget.live():
        left = separate(ov, cap, rng, budget, best)
        if left == 0:
            out = regroup(p, np.zeros(n, np.int64), ov.var_of.copy(), ov.u_of.copy(),
                              ov.v_of.copy(), t)
            s = solution(p, best.order, best.pref, best.mode, out)
            if s.key < best.key:
                best = s
                budget.improved(best)
            pool.clear()
            valid, retries = (ov.state() if keep else None), 0
            target = min(target, best.key.last) * (1 - prm.ov_shrink)
            ok = shrink(target)
        elif retries < prm.ov_retries and valid is not None and budget.live():
            # another cut from the last valid layout: elsewhere, and as small as a cell
            retries += 1
            ov.restore(valid)
            target = best.key.last - rng.uniform(p.res, max(p.res, prm.ov_shrink
                                                            * best.key.last))
            ok = shrink(target, rng.random())
        elif n > 1 and budget.live():  # a disruption swaps two parts
            pool.append((left, rng.random(), ov.state()))
            pool.sort(key=lambda e: (e[0], e[1]))
            del pool[prm.ov_pool:]
            k = min(int(abs(rng.gauss(0.0, prm.ov_pool_sd)) * len(pool)), len(pool) - 1)
            ov.restore(pool[k][2])
            disrupt()
        else:  # one part: nothing to swap it with, and it did not fit shorter
            break
    return best


def _follow(ov: Overlap, i: int, fu: int, fv: int, swapped: tuple[int, int],
            cap: np.ndarray, mid_u: np.ndarray, mid_v: np.ndarray) -> None:
    """After a disruption's swap: the parts whose centre part i now covers (not the two
    swapped) move by i's way back, into the room i left (its origin was (fu, fv)), as
    sparrow disrupts. A large part swapped with a smaller one otherwise lands on the small
    one's neighbours, and the separation after it starts from their pile. `mid_u`,
    `mid_v`: the variants' centres (problem.variant_centres)."""
    p = ov.p
    si, ui, vi = int(ov.var_of[i]), int(ov.u_of[i]), int(ov.v_of[i])
    k = slice(int(p.var_s0[si]), int(p.var_s1[si]))
    rows, lo, hi = p.rows[k] + ui, p.lo[k] + vi, p.hi[k] + vi  # i's cells: row, first, last
    for j in range(len(ov.var_of)):
        sj = int(ov.var_of[j])
        if j in swapped or sj < 0:
            continue
        cu = int(ov.u_of[j]) + round(mid_u[sj])
        cv = int(ov.v_of[j]) + round(mid_v[sj])
        if ((rows == cu) & (lo <= cv) & (cv <= hi)).any():
            ov.move(j, sj, int(ov.u_of[j]) + fu - ui, int(ov.v_of[j]) + fv - vi, cap)
