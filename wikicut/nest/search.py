"""One worker's search: the first-fit-decreasing layouts, then the phases in turn (see the
package docstring), each given the budget (or a share of it)."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import numpy as np

from .budget import Budget
from .locked import locked_first
from .params import Params
from .phases import patterns
from .phases.eliminate import elim_type, eliminate
from .phases.fit import fit_all, tighten
from .phases.order import search_order
from .phases.strip import search_strip, strip_overlap
from .problem import Problem
from .solution import MODE_BOTTOM_LEFT, MODE_RIGHT_EDGE, Solution, decode
from .walk import initial_orders

# a first layout that takes more than this share of the search's time is the only one when
# the sheet patterns apply (1500 mixed parts: about 0.5 s of 9 s)
LEAN_DECODE = 0.02
UNIFORM_SHARE = 0.9  # uniform-rotation first layouts when one design has this share of the area


def uniform_prefs(p: Problem) -> list[np.ndarray]:
    """Rotation choices that turn every item the same way (its j-th rotation, each j), when
    one design makes nearly all the job's area (sheet jobs). Copies of one design tile a
    sheet best all turned alike (21 x 11 pairs of blocks, 335 x 270 mm, fill 7099 x 3000
    mm; a layout that mixes turns holds 229), and first fit, free to choose each copy's
    rotation, mixes them."""
    if p.strip or not p.items:
        return []
    area: dict[int, float] = {}
    for it, a in zip(p.items, p.item_area.tolist()):
        area[id(it.part)] = area.get(id(it.part), 0.0) + a
    if max(area.values()) < UNIFORM_SHARE * sum(area.values()):
        return []
    k = p.item_v1 - p.item_v0
    if int(k.max()) < 2:
        return []
    return [np.where(j < k, j, -1).astype(np.int64) for j in range(int(k.max()))]


def search(p: Problem, seed: int, budget: Budget, prm: Params,
           start: Solution | None = None) -> Solution:
    """The best layout found from the best first-fit-decreasing one; with `start` (a strip
    carried onto a finer raster: refine.on_finer), overlap removal from it."""
    if start is not None:
        return strip_overlap(p, start, random.Random(seed), budget, prm)
    n = len(p.items)
    pref0 = np.full(n, -1, np.int64)
    best: Solution | None = None
    orders = initial_orders(p)
    starts = [(mode, order, pref0) for mode in (MODE_RIGHT_EDGE, MODE_BOTTOM_LEFT)
              for order in orders]
    # right after the first: a job of one design is tiled by them (462 blocks on one sheet,
    # where the first layouts mix turns and leave 4 over), and a job whose first layout is
    # slow for its time (a short limit, a busy machine) must not stop before them
    uniform = [(MODE_BOTTOM_LEFT, orders[0], pref) for pref in uniform_prefs(p)]
    starts = starts[:1] + uniform + starts[1:]
    took = 0.0  # the last decode's time: on 1500 parts one takes about a second
    # a large job of few designs (a first layout longer than LEAN_DECODE of the time): the
    # sheet patterns beat the other first layouts (each a decode of the whole job; the
    # patterns' decodes are of one sheet), so they get that time, and a larger share
    few_designs = (not budget.fixed and not p.strip and len(p.stocks) == 1
                   and patterns.applies(patterns.item_types(p.item_v0, p.item_v1,
                                                             p.item_vars, p.item_area)))
    large = False
    t0 = time.monotonic()
    for k, (mode, order, pref) in enumerate(starts):  # the first always; the others while
        # they end in time (all of them when the iterations are fixed: the result must not
        # depend on time), the uniform ones even in a large job
        t = time.monotonic()
        if best is not None and not budget.fixed and (
                t + took >= budget.deadline or (large and k > len(uniform))):
            break
        s = decode(p, locked_first(p, order, pref, mode), pref, mode)
        took = time.monotonic() - t
        large = few_designs and took > LEAN_DECODE * (budget.deadline - t0)
        if best is None or s.key < best.key:
            best = s
    assert best is not None
    budget.improved(best)
    rng = random.Random(seed)
    if p.strip:
        # bottom-left search first (fast to a good layout), then overlap removal (denser);
        # a roll too short for the first layouts: the order search first tries to fit
        # everything, and overlap removal goes on from the least left out
        bl = budget.share(prm.fit_share if best.key.unplaced > 0 else prm.bl_share)
        if best.key.unplaced > 0:
            best = fit_all(p, best, rng, bl, prm)
        best = search_strip(p, best, rng, bl, prm)
        budget.spend(bl.iterations)
        return strip_overlap(p, best, rng, budget, prm)
    if best.key.unplaced > 0:  # too few sheets in stock: fit what can be fitted
        best = fit_all(p, best, rng, budget, prm)
        if best.key.unplaced > 0:
            return best
    if len(p.stocks) > 1:  # a stock list: fewer of the sheets listed last, if the others can
        p, best = tighten(p, best, rng, budget, prm)
    best = patterns.solve(p, best, rng, budget,
                          replace(prm, pattern_share=prm.lean_pattern_share) if large else prm)
    if elim_type(p, best) < 0:  # no sheet elimination
        return search_order(p, best, rng, budget, prm)
    bl = budget.share(prm.bins_bl_share)
    best = search_order(p, best, rng, bl, prm)
    budget.spend(bl.iterations)
    return eliminate(p, best, rng, budget, prm)
