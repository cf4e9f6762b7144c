"""Sheet patterns for jobs with many copies of few designs (cutting-stock column generation).

A WikiHouse kit is a few dozen designs, each cut tens of times. The order search decodes the
whole job at once, seconds for 1500 parts, and so cannot afford many tries; here a try is one
sheet. A pattern is one sheet's layout, from the decoder on a single sheet and an order of
candidate copies, counted as copies per design ("type": items with the same rotated rasters).
A linear program over the patterns found so far (fewest sheets such that every type is cut
often enough) prices each type (its dual value); new patterns are decoded from orders that
favour a high price per area and are kept when worth more than a sheet (Gilmore and Gomory's
column generation, with the decoder as a heuristic pricing step). An integer program (HiGHS
through scipy) then picks how many sheets of each pattern to cut; copies beyond a type's demand
are left off the emptiest sheets. Identical sheets help the operator too: one program, cut
several times.

HiGHS gets a node limit (with `iterations` set, the choice must not depend on time) and a time
limit (the phase's end): on a large pool a node limit alone took seconds past the deadline. A
program stopped by the clock with no solution falls back to the linear program's solution
rounded up, which is a valid choice too.

`solve` is the phase: the pool from the single-sheet decode, its choice as a layout.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import LinearConstraint, linprog, milp

from ..budget import Budget
from ..params import Params
from ..problem import Problem, lower
from ..solution import Decoded, Solution, decode_raw, regroup, solution

MAX_TYPES = 30  # more designs than this: the integer program grows, the gain shrinks
MIN_REPEAT = 2.0  # at least this many copies per design on average
TRIES = 100  # candidate patterns decoded per round of the linear program
# rounds without a new pattern before the pool is final: on large mixed jobs a round often
# finds none and a later one still does
QUIET_ROUNDS = 5
MAX_ROUNDS = 60
# share of the candidates whose first type is capped below the most copies a sheet has held:
# first fit otherwise always fills a sheet with it, and a long part whose full rows leave a
# useless band never appears beside another design in fewer rows
CAP_SHARE = 0.3
MILP_NODES = 5000  # besides the time limit: with `iterations` set, the one that binds
MILP_SHARE = 1 / 3  # of the phase's time kept for the integer program (without `iterations`)


@dataclass
class Types:
    """Items grouped into interchangeable designs."""

    of: np.ndarray  # type of each item
    members: list[np.ndarray]  # item indices of each type, ascending
    demand: np.ndarray
    area: np.ndarray

    @property
    def count(self) -> int:
        return len(self.members)


def item_types(item_v0: np.ndarray, item_v1: np.ndarray, item_vars: np.ndarray,
               item_area: np.ndarray) -> Types:
    """Items whose rotated rasters are the same objects are the same design to the nester."""
    keys: dict[tuple, int] = {}
    of = np.zeros(item_v0.shape[0], np.int64)
    for i in range(item_v0.shape[0]):
        k = tuple(item_vars[item_v0[i]:item_v1[i]].tolist())
        of[i] = keys.setdefault(k, len(keys))
    members = [np.flatnonzero(of == t) for t in range(len(keys))]
    return Types(of, members, np.array([m.size for m in members], np.int64),
                 np.array([float(item_area[m[0]]) for m in members]))


def applies(types: Types) -> bool:
    """Worth it when designs repeat: few types, several copies each."""
    n = int(types.demand.sum())
    return 1 <= types.count <= MAX_TYPES and n >= MIN_REPEAT * types.count


@dataclass
class Pattern:
    counts: np.ndarray  # copies per type
    slot_type: np.ndarray  # per placed part, in placement order: its type
    var: np.ndarray  # and its variant and cell (as the decoder returned them)
    u: np.ndarray
    v: np.ndarray

    @property
    def key(self) -> tuple:
        return tuple(self.counts.tolist())


class Pool:
    """The patterns found so far, by their counts (one layout per distinct count vector)."""

    def __init__(self, types: Types, usable_area: float,
                 decode1: Callable[[np.ndarray, int], Decoded]):
        self.types = types
        self.decode1 = decode1
        # copies of a type worth offering one sheet: no more than its area lets fit
        self.fit = np.minimum(types.demand,
                              np.floor(usable_area / types.area).astype(np.int64) + 1)
        self.patterns: dict[tuple, Pattern] = {}
        self.most = np.zeros(types.count, np.int64)  # the most copies of a type on a sheet
        self.decodes = 0

    def decode(self, order: np.ndarray, mode: int) -> Pattern:
        out = self.decode1(order, mode)
        self.decodes += 1
        placed = order[out.sheet[order] >= 0]
        t = self.types.of[placed]
        return Pattern(np.bincount(t, minlength=self.types.count), t, out.var[placed],
                       out.u[placed], out.v[placed])

    def by_types(self, prio: list[int], mode: int, cap: np.ndarray | None = None) -> Pattern:
        """One sheet from whole types in priority order (copies of a type together), at
        most `cap` copies of each (default `fit`)."""
        cap = self.fit if cap is None else cap
        order = np.concatenate([self.types.members[t][:cap[t]] for t in prio])
        return self.decode(order.astype(np.int64), mode)

    def add(self, pat: Pattern) -> bool:
        if pat.counts.sum() == 0 or pat.key in self.patterns:
            return False
        self.patterns[pat.key] = pat
        self.most = np.maximum(self.most, pat.counts)
        return True

    def matrix(self) -> np.ndarray:
        return np.array([p.counts for p in self.patterns.values()], np.float64).T


def _seconds(end: float) -> float:
    """HiGHS's time limit for a solve that must end at `end` (monotonic clock)."""
    return max(end - time.monotonic(), 0.0)


def _relaxation(a: np.ndarray, demand: np.ndarray, end: float):
    """The linear program min sum(x), a @ x >= demand, x >= 0, solved by `end`; None if not."""
    lp = linprog(np.ones(a.shape[1]), A_ub=-a, b_ub=-demand.astype(np.float64),
                 bounds=(0, None), method="highs", options={"time_limit": _seconds(end)})
    return lp if lp.status == 0 else None


def _prices(a: np.ndarray, demand: np.ndarray, end: float) -> np.ndarray | None:
    """Dual values of the covering constraints (`_relaxation`)."""
    lp = _relaxation(a, demand, end)
    if lp is None:
        return None
    return np.maximum(-np.asarray(lp.ineqlin.marginals), 0.0)


def _candidate(pool: Pool, pi: np.ndarray, rng: random.Random) -> Pattern:
    """A pattern decoded from an order that favours valuable types: by price per area, by
    area (big parts first, valuable ones only) or by price, with multiplicative noise; often
    one type (drawn by price) forced first; sometimes copies of neighbouring types mixed."""
    ty = pool.types
    nt = ty.count
    sigma = rng.choice((0.3, 1.0, 2.0))
    noise = np.exp(np.array([rng.gauss(0.0, sigma) for _ in range(nt)]))
    f = rng.random()
    if f < 0.4:
        key = pi / ty.area * noise
    elif f < 0.8:
        key = ty.area * noise * (pi > 1e-9)
    else:
        key = pi * noise
    prio = [int(t) for t in np.argsort(-key, kind="stable")
            if pi[t] > 1e-9 or rng.random() < 0.3]
    if not prio:
        prio = [int(np.argmax(pi))]
    if rng.random() < 0.5:
        first = rng.choices(prio, weights=[float(pi[t]) + 1e-9 for t in prio])[0]
        prio = [first] + [t for t in prio if t != first]
    mode = rng.randrange(2)
    cap = pool.fit.copy()
    if rng.random() < CAP_SHARE:
        cap[prio[0]] = rng.randint(1, max(1, int(pool.most[prio[0]]) - 1))
    if rng.random() >= 0.3:
        return pool.by_types(prio, mode, cap)
    order = np.concatenate([ty.members[t][:cap[t]] for t in prio]).astype(np.int64)
    for _ in range(order.size // 4):
        i = rng.randrange(order.size)
        j = min(order.size - 1, i + rng.randrange(1, 6))
        order[i], order[j] = order[j], order[i]
    return pool.decode(order, mode)


def generate(pool: Pool, rng: random.Random, deadline: float, budget: int) -> None:
    """Grow the pool: start patterns (each type first, in both placement modes), then rounds
    of pricing until no pattern worth more than a sheet turns up, the time or the decode
    budget runs out."""
    ty = pool.types
    base = [int(t) for t in np.argsort(-ty.area, kind="stable")]
    for mode in (0, 1):
        for s in range(ty.count):
            if s and time.monotonic() >= deadline:  # at least one start pattern per mode
                break
            pool.add(pool.by_types([base[s]] + base[:s] + base[s + 1:], mode))
    quiet = 0
    for _ in range(MAX_ROUNDS):
        if quiet >= QUIET_ROUNDS or time.monotonic() >= deadline or pool.decodes >= budget:
            break
        pi = _prices(pool.matrix(), ty.demand, deadline)
        if pi is None:
            return
        added = 0
        for _ in range(TRIES):
            if pool.decodes >= budget or time.monotonic() >= deadline:
                break
            pat = _candidate(pool, pi, rng)
            if float(pat.counts @ pi) > 1.0 + 1e-6:
                added += pool.add(pat)
        quiet = 0 if added else quiet + 1


def choose(pool: Pool, end: float) -> np.ndarray | None:
    """Sheets of each pattern (in pool order): fewest sheets covering every type, from the
    integer program stopped at `end` (its best solution so far, optimal or not) or from the
    linear program's solution rounded (`_rounded`), whichever takes fewer (the integer
    program's on a tie). None if neither is found in time. On large pools the integer
    program stopped by the clock is often sheets worse than the rounding: 1500 mixed parts,
    145 and 147 sheets against 141 from a linear optimum of 139."""
    a = pool.matrix()
    ty = pool.types
    if a.size == 0 or np.any(a.sum(axis=1) == 0):
        return None
    lp = _relaxation(a, ty.demand, end)
    rounded = None if lp is None else _rounded(a, ty.demand, ty.area, lp.x)
    res = milp(np.ones(a.shape[1]),
               constraints=LinearConstraint(a, lb=ty.demand.astype(np.float64), ub=np.inf),
               integrality=np.ones(a.shape[1]),
               options={"node_limit": MILP_NODES, "time_limit": _seconds(end)})
    if res.x is not None:
        x = np.round(res.x).astype(np.int64)
        if np.all(a @ x >= ty.demand) and (rounded is None or x.sum() <= rounded.sum()):
            return x
    return rounded


def _rounded(a: np.ndarray, demand: np.ndarray, area: np.ndarray,
             lp_x: np.ndarray) -> np.ndarray:
    """The linear program's sheets rounded down, then the copies still missing covered one
    sheet at a time by the pattern that covers most of their area (the first on a tie):
    rounding every pattern up adds a sheet per fractional one."""
    x = np.floor(lp_x + 1e-9).astype(np.int64)
    short = np.maximum(demand - a.astype(np.int64) @ x, 0)
    counts = a.astype(np.int64)
    while short.any():
        j = int(np.argmax(area @ np.minimum(counts, short[:, None])))
        x[j] += 1
        short = np.maximum(short - counts[:, j], 0)
    return x


def assign(pool: Pool, x: np.ndarray, n_items: int) -> tuple[np.ndarray, ...]:
    """The chosen sheets, fullest pattern first, filled with the items (surplus copies left
    out, so they come off the emptiest sheets): sheet, variant, u, v per item, and the items
    in placement order, sheet by sheet, for the order search to start from."""
    ty = pool.types
    pats = list(pool.patterns.values())
    fill = [float(p.counts @ ty.area) for p in pats]
    picks = [j for j in sorted(range(len(pats)), key=lambda j: (-fill[j], j))
             for _ in range(int(x[j]))]
    sheet = np.full(n_items, -1, np.int64)
    var = np.full(n_items, -1, np.int64)
    us = np.zeros(n_items, np.int64)
    vs = np.zeros(n_items, np.int64)
    nxt = np.zeros(ty.count, np.int64)
    order: list[int] = []
    for k, j in enumerate(picks):
        pat = pats[j]
        for q in range(pat.slot_type.size):
            t = int(pat.slot_type[q])
            if nxt[t] >= ty.demand[t]:
                continue  # surplus copy: left out
            i = int(ty.members[t][nxt[t]])
            nxt[t] += 1
            sheet[i], var[i], us[i], vs[i] = k, pat.var[q], pat.u[q], pat.v[q]
            order.append(i)
    return sheet, var, us, vs, np.array(order, np.int64)


def solve(p: Problem, best: Solution, rng: random.Random, budget: Budget,
          prm: Params) -> Solution:
    """The best choice of repeated single-sheet patterns, when it beats `best` (everything
    placed on one stock type, above the area bound, and few designs in many copies)."""
    if (budget.left() <= 0 or len(p.stocks) != 1 or best.key.unplaced != 0
            or best.key.sheets <= lower(p)):
        return best
    types = item_types(p.item_v0, p.item_v1, p.item_vars, p.item_area)
    if not applies(types):
        return best
    one = np.ones(1, np.int64)
    pref = np.full(len(p.items), -1, np.int64)

    pool = Pool(types, p.stocks[0].usable.area,
                lambda order, mode: decode_raw(p, order, pref, mode, count=one))
    part = budget.share(prm.pattern_share, least=1)
    end = part.deadline
    grow_end = end if budget.fixed else end - MILP_SHARE * max(end - time.monotonic(), 0.0)
    generate(pool, rng, grow_end, part.iterations)
    budget.spend(pool.decodes)
    x = choose(pool, end)
    if x is None:
        return best
    sheet, var, us, vs, order = assign(pool, x, len(p.items))
    out = regroup(p, sheet, var, us, vs, 0)
    order = order[np.argsort(out.sheet[order], kind="stable")]  # sheet by sheet, as numbered
    s = solution(p, order, np.full(len(p.items), -1, np.int64), best.mode, out)
    if s.key < best.key:
        best = s
        budget.improved(best)
    return best
