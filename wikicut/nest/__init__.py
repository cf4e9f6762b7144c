"""Nesting: irregular parts with holes onto as few sheets as possible.

Each part at each allowed rotation is rasterised conservatively (raster.py): cell-disjoint
parts are at least `spacing` apart, holes stay free so small parts nest inside big ones. A
whole layout is then one Numba call (`kernels.decode`): items in a given order, each placed
bottom-left on the first open sheet that takes it. Because a decode costs milliseconds, the
search can afford thousands of them: a local search over the order and the rotation of each
item (swaps, moves to the front, rotation changes), keeping the best layout by
(unplaced, sheets, part area on the last sheet, length of the last sheet used): fewest sheets
first, then the emptiest last sheet, which the next moves try to empty completely and which
otherwise leaves the largest offcut. When the first layouts leave parts out (a roll too
short, too few sheets in stock), the search first tries to fit them. With a stock list
(offcuts first), sheets count kind by kind, the last-listed kind first (`_sheets_rank`), and
the search tries one sheet fewer of each kind in use (`_tighten`).

Thin designs in several copies (curved ribs) are first stacked into bundles, one item each,
and expanded again at the end (bundle.py): the raster search rarely finds the one offset at
which two such arcs nest.

Jobs of few designs in many copies (a house kit) are also solved as a cutting-stock problem
(patterns.py): one-sheet layouts from the same decoder, priced by a linear program, combined
by an integer program; kept when they beat the order search's first layout.

Then overlap removal (overlap.py) takes over from the best layout: parts placed on the
raster where they may overlap, moved one at a time to where they overlap least, with
guided-local-search weights on cells that stay contested. Sheets: when the layout is above
the area bound, most of the time goes to emptying the least-filled sheet into the others (laid
side by side in one grid; with a stock list, among the sheets of the last-listed kind in use,
the offcuts' layouts staying as they are). Strips: after a tenth of the time, the strip is
shortened 0.2 % at a time, as sparrow explores (a cut through the middle, failed layouts
pooled and disrupted by swapping two large parts). A layout with no overlap left is valid
exactly as a decoded one is. In strip mode the result is finally compacted in exact
coordinates (compact.py: every part slid left and down), which gives back the raster's slack
between neighbours.

Two workers (seed, seed + 1) search in parallel when `settings.workers` > 1; the best result
wins, ties to the lower seed. With `settings.iterations` set (counting decodes and overlap
moves), the result depends only on the inputs and the seed. The exact shapely check
(`verify_layout`) has the last word before a layout is returned.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import shapely

from ..model import (
    Layout,
    NestItem,
    NestSettings,
    Placement,
    SheetLayout,
    Stock,
    strip_length,
)
from . import bundle, patterns
from .kernels import decode as kernels
from .kernels import overlap
from .compact import compact, compact_sheet
from .raster import Variant, limits, sheet_grid, variant

MODE_RIGHT_EDGE = 0  # smallest right edge first: strips and the last sheet's offcut
MODE_BOTTOM_LEFT = 1  # smallest x then y: column by column

# Ctrl-C during a compiled decode would surface as a SystemError; nest() defers it to
# between decodes (milliseconds apart) through this flag.
_interrupted = False
# strip search: first target 2% shorter than the best; halve the step after this many
# fruitless moves (+ per item). Tuned on ESICUP instances; within noise of nearby values.
TARGET_LAST = 0.3  # sheets: share of forward moves that take a part off the last sheet
STEP0 = 0.02
BL_SHARE = 0.1  # strips: share of the time (or budget) for the bottom-left search
FIT_SHARE = 0.5  # the same on a roll too short for the first layouts
OV_SHRINK = 0.002  # strips: each valid layout is followed by a target this much shorter
OV_NO_GAIN = 2000  # moves without a new least overlap end a strike
OV_STRIKES = 3  # strikes in a row without a 2 % gain end a separation
OV_LARGE = 0.75  # disruption swaps parts among the largest that make up this share of area
OV_POOL, OV_POOL_SD = 16, 0.25  # failed layouts kept per length; |N(0, sd)| picks one
OV_SAMPLES = 100  # coarse positions tried per rotation for a moved part
OV_BUMP = 5  # moves without progress before contested cells get dearer
OV_FACTOR = 1.3  # by this factor
OV_ROT_KEEP = 4  # a move samples about this many of a part's rotations and its own (0: all)
OV_DESCENTS = 3  # a moved part descends from the best sample of only this many rotations (0: all)
OV_ANCHORS = 2  # cells of a moved part that must be free for a coarse sample to count
BINS_BL_SHARE = 0.05  # sheets: share for the order search before sheet elimination (frame: 7
# sheets in 19 of 24 one-worker runs of 30 s against 15 of 24 with 0.2; sofa_structure one
# sheet in 6 of 8 against 3 of 8)
OV_MAX_CELLS = 8_000_000  # sheet elimination: at most this many raster cells side by side
OV_WINDOW = 8  # and at most this many sheets besides the one to empty (the least-filled)
OV_STEP0, OV_STEP_MIN = 0.1, 0.005  # its cuts: first and least, share of the sheet length
ZERO_OFFS = np.zeros(1, np.int64)  # one sheet (the strip) at u = 0
OV_CHUNK = 200  # moves per kernel call (between deadline checks)
TIGHTEN_SHARE = 0.25  # stock lists: share of the time left for one sheet fewer of a kind
PATTERN_SHARE = 0.3  # sheets: at most this share of the time (or budget) for sheet patterns
STALL0 = 400
STALL1 = 4
BUNDLES = True  # thin designs' copies stacked into one item (bundle.py)
# passes of the last sheet's exact compaction: most of the slack goes in the first few, and a
# sheet of curved parts takes about 0.05 s a pass (1.2-1.5 s for the strip's 30)
LAST_SHEET_ROUNDS = 6


class _DeferCtrlC:
    def __enter__(self):
        global _interrupted
        _interrupted = False
        self.old = None
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    @staticmethod
    def _on_sigint(signum, frame):
        global _interrupted
        _interrupted = True

    def __exit__(self, *exc):
        global _interrupted
        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)
        _interrupted = False
        return False


@dataclass(frozen=True)
class NestProgress:
    sheets: int
    utilisation: float
    elapsed: float
    placed: int
    total: int
    improved: bool


@dataclass
class _Problem:
    """Everything the decode kernel needs, as flat numpy arrays."""

    items: list[NestItem]
    stocks: list[Stock]
    res: float
    variants: list[Variant]
    item_v0: np.ndarray
    item_v1: np.ndarray
    item_vars: np.ndarray
    item_need: np.ndarray
    item_area: np.ndarray
    rows: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    var_s0: np.ndarray
    var_s1: np.ndarray
    var_right: np.ndarray
    lim: np.ndarray
    st_nu: np.ndarray
    st_nv: np.ndarray
    st_count: np.ndarray
    st_init: np.ndarray
    strip: bool
    item_mult: np.ndarray | None = None  # parts per item (bundles); None: one each


def resolution(stocks: list[Stock], items: list[NestItem]) -> float:
    """Cell size: fine enough for the smallest part, coarse enough to stay fast (about 4 mm
    on a 2440 x 1220 sheet, 300 cells across the short side)."""
    span = min(min(s.width, s.height) for s in stocks)
    small = min(min(b[2] - b[0], b[3] - b[1]) for b in (i.part.outline.bounds for i in items))
    res = float(max(min(span / 300.0, max(span / 1000.0, small / 4.0)), 1e-6))
    if res < 1.0 and _on_unit_grid(items):  # 1 / k: the parts' edges fall on cell edges
        res = 1.0 / round(1.0 / res)
    return res


def _on_unit_grid(items: list[NestItem]) -> bool:
    """Every vertex a whole number of units from its part's lower-left bound, and rotations
    by quarter turns only (which keep that true): the benchmark instances' coordinates. On a
    raster of 1 / k units such parts lie exactly on cells, and touching parts share none."""
    for it in items:
        if any(float(r) % 90.0 for r in it.rotations):
            return False
        xy = shapely.get_coordinates(it.part.outline) - np.array(it.part.outline.bounds[:2])
        if np.abs(xy - np.round(xy)).max(initial=0.0) > 1e-9:
            return False
    return True


def _build(items: list[NestItem], stocks: list[Stock], spacing: float, res: float) -> _Problem:
    variants: list[Variant] = []
    cache: dict[tuple[int, float], int] = {}
    item_v0, item_v1, item_vars, need, area = [], [], [], [], []
    for it in items:
        item_v0.append(len(item_vars))
        for rot in it.rotations:
            key = (id(it.part), float(rot) % 360.0)
            if key not in cache:
                cache[key] = len(variants)
                variants.append(variant(it.part.outline, key[1], spacing, res))
            item_vars.append(cache[key])
        item_v1.append(len(item_vars))
        # a lower bound on the cells the bare part covers (all inside the sheet grid)
        need.append(int(it.part.outline.area / (res * res)))
        area.append(it.part.outline.area)
    s0, s1, right = [], [], []
    n = 0
    for v in variants:
        s0.append(n)
        n += v.rows.size
        s1.append(n)
        right.append(v.bare[2] - v.ox)
    cat = (lambda xs: np.concatenate(xs).astype(np.int32) if xs else np.zeros(0, np.int32))
    lim = np.zeros((len(stocks), len(variants), 4), np.int64)
    for t, st in enumerate(stocks):
        for s, v in enumerate(variants):
            lim[t, s] = limits(v, st.width, st.height, st.margin, res)
    item_v0, item_v1, item_vars = _distinct(variants, lim, right, item_v0, item_v1, item_vars)
    grids = [sheet_grid(st.width, st.height, st.margin, st.keepouts, res) for st in stocks]
    nu = max(g.shape[0] for g in grids)
    nv = max(g.shape[1] for g in grids)
    init = np.full((len(stocks), nu, nv), -1, np.int32)
    for t, g in enumerate(grids):
        init[t, :g.shape[0], :g.shape[1]] = g
    return _Problem(
        items, stocks, res, variants,
        np.array(item_v0, np.int64), np.array(item_v1, np.int64),
        np.array(item_vars, np.int64), np.array(need, np.int64), np.array(area, np.float64),
        cat([v.rows for v in variants]), cat([v.lo for v in variants]),
        cat([v.hi for v in variants]),
        np.array(s0, np.int64), np.array(s1, np.int64), np.array(right, np.float64), lim,
        np.array([g.shape[0] for g in grids], np.int64),
        np.array([g.shape[1] for g in grids], np.int64),
        # a strip is one roll: what does not fit in it is left out, never put on a second
        np.array([1 if st.strip else -1 if st.count is None else st.count for st in stocks],
                 np.int64), init,
        all(st.strip for st in stocks))


def _distinct(variants: list[Variant], lim: np.ndarray, right: list[float],
              item_v0: list[int], item_v1: list[int], item_vars: list[int]
              ) -> tuple[list[int], list[int], list[int]]:
    """Each item's rotations less those whose raster, limits and right edge repeat an
    earlier one's (a board turned half way, a symmetric panel): the same cells in the same
    places, so trying both is the same move twice. The one kept places the part; the
    raster guarantees its spacing just as well."""
    sig = [(v.rows.tobytes(), v.lo.tobytes(), v.hi.tobytes(), lim[:, s].tobytes(),
            round(right[s], 9)) for s, v in enumerate(variants)]
    v0, v1, out = [], [], []
    for a, b in zip(item_v0, item_v1):
        v0.append(len(out))
        seen = set()
        for s in item_vars[a:b]:
            if sig[s] not in seen:
                seen.add(sig[s])
                out.append(s)
        v1.append(len(out))
    return v0, v1, out


@dataclass
class _Solution:
    order: np.ndarray
    pref: np.ndarray
    mode: int
    key: tuple
    out: tuple  # the decode kernel's result


def _decode(p: _Problem, order: np.ndarray, pref: np.ndarray, mode: int,
            lim: np.ndarray | None = None) -> _Solution:
    """One layout from an order; `lim` overrides the placement limits (a strip's target
    length), and then the key is (area left unplaced, length used): smooth enough for the
    search to make progress where the length alone sits on long plateaus."""
    return _solution(p, order, pref, mode, _decode_raw(p, order, pref, mode, lim),
                     lim is not None)


def _decode_raw(p: _Problem, order: np.ndarray, pref: np.ndarray, mode: int,
                lim: np.ndarray | None = None, count: np.ndarray | None = None) -> tuple:
    """The decode kernel's result; `count` overrides the stock counts (one sheet: a
    pattern)."""
    out = kernels.decode(order, pref, p.item_v0, p.item_v1, p.item_vars, p.item_need,
                         p.rows, p.lo, p.hi, p.var_s0, p.var_s1, p.var_right,
                         p.lim if lim is None else lim, p.st_nu, p.st_nv,
                         p.st_count if count is None else count, p.st_init, p.res, mode)
    if _interrupted:
        raise KeyboardInterrupt
    return out


def _solution(p: _Problem, order: np.ndarray, pref: np.ndarray, mode: int, out: tuple,
              targeted: bool = False) -> _Solution:
    """A layout (the decode kernel's result, or the overlap search's) with its key."""
    sheet, _, _, _, stock, maxx = out
    n_sheets = stock.shape[0]
    unplaced = int(np.count_nonzero(sheet < 0) if p.item_mult is None
                   else p.item_mult[sheet < 0].sum())  # parts, not items
    if targeted:
        key = (round(float(p.item_area[sheet < 0].sum()), 6),
               round(float(maxx.max()), 6) if n_sheets else 0.0)
    elif n_sheets == 0:
        key = (unplaced, 0, 0.0, 0.0)
    elif p.strip:
        key = (unplaced, n_sheets, round(float(maxx.max()), 6), 0.0)
    else:
        last = n_sheets - 1
        last_area = float(p.item_area[sheet == last].sum())
        key = (unplaced, _sheets_rank(p, stock), round(last_area, 3), round(float(maxx[last]), 6))
    return _Solution(order, pref, mode, key, out)


def _sheets_rank(p: _Problem, stock: np.ndarray) -> int:
    """The sheets used, as one number to minimise: their count for one stock type; for a
    stock list, the fewest sheets of the last-listed type first, then of the one before it,
    and so on (offcuts listed first are used when they save a sheet listed after them, and
    left alone when they do not)."""
    if len(p.stocks) == 1:
        return int(stock.shape[0])
    base = len(p.items) + 1  # more sheets than any one type can hold
    return sum(base ** int(t) for t in stock.tolist())


def _strip_limits(p: _Problem, length: float) -> np.ndarray:
    """Placement limits that keep every bare part within `length` of the strip's start."""
    lim = p.lim.copy()
    lim[:, :, 1] = np.minimum(lim[:, :, 1], _strip_cap(p, length)[None, :])
    return lim


def _strip_cap(p: _Problem, length: float) -> np.ndarray:
    """Per variant, the last origin cell along u that keeps the bare part within `length`."""
    return np.floor((length - p.var_right) / p.res + 1e-9).astype(np.int64)


def _initial_orders(p: _Problem) -> list[np.ndarray]:
    """Classic first-fit-decreasing orders: by area, by longest side, by bounding box."""
    n = len(p.items)
    idx = np.arange(n)
    b = np.array([it.part.outline.bounds for it in p.items]).reshape(n, 4)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    keys = [p.item_area, np.maximum(w, h), w * h]
    # lexsort: last key is primary; ties by item index keep it deterministic
    return [np.lexsort((idx, -k)).astype(np.int64) for k in keys]


def _move_forward(order: np.ndarray, a: int, b: int) -> None:
    """The item at position a to position b <= a, the ones between one step back."""
    x = order[a]
    order[b + 1:a + 1] = order[b:a].copy()
    order[b] = x


def _mutate(rng: random.Random, sol: _Solution, p: _Problem) -> tuple[np.ndarray, np.ndarray]:
    order = sol.order.copy()
    pref = sol.pref.copy()
    n = order.shape[0]
    for _ in range(1 + int(rng.random() < 0.3) + int(rng.random() < 0.1)):
        r = rng.random()
        if r < 0.4 and n > 1:  # swap two items, mostly near each other
            a = rng.randrange(n)
            b = min(n - 1, max(0, a + rng.choice((-1, 1)) * (1 + int(rng.expovariate(0.2)))))
            if rng.random() < 0.3:
                b = rng.randrange(n)
            order[a], order[b] = order[b], order[a]
        elif r < 0.7 and n > 1:  # move a late item forward (fills holes on earlier sheets)
            a = rng.randrange(n // 3, n) if n >= 3 else rng.randrange(n)
            if not p.strip and rng.random() < TARGET_LAST:  # one from the last sheet
                sheet = sol.out[0]
                on_last = np.flatnonzero(sheet[order] == sheet.max())
                if on_last.size:
                    a = int(on_last[rng.randrange(on_last.size)])
            _move_forward(order, a, rng.randrange(0, a + 1))
        else:  # change an item's rotation: a fixed one, or free choice again
            i = rng.randrange(n)
            k = int(p.item_v1[i] - p.item_v0[i])
            pref[i] = -1 if rng.random() < 0.3 or k <= 1 else rng.randrange(k)
    return order, pref


def _search(p: _Problem, settings: NestSettings, seed: int, deadline: float,
            budget: int, report: Callable[[_Solution, bool], None] | None) -> _Solution:
    """Anytime local search from the best first-fit-decreasing layout; equal moves are
    accepted so the search drifts across plateaus of equal sheet counts."""
    n = len(p.items)
    pref0 = np.full(n, -1, np.int64)
    fixed = settings.iterations is not None
    best: _Solution | None = None
    starts = [(mode, order) for mode in (MODE_RIGHT_EDGE, MODE_BOTTOM_LEFT)
              for order in _initial_orders(p)]
    for mode, order in starts:  # the first always; the others while there is time
        # (all of them when the iterations are fixed: the result must not depend on time)
        if best is not None and not fixed and time.monotonic() >= deadline:
            break
        s = _decode(p, order, pref0, mode)
        if best is None or s.key < best.key:
            best = s
    assert best is not None
    if report:
        report(best, True)
    rng = random.Random(seed)
    if p.strip:
        # bottom-left search first (fast to a good layout), then overlap removal (denser);
        # a roll too short for the first layouts: the order search first tries to fit
        # everything, and overlap removal goes on from the least left out
        share = FIT_SHARE if best.key[0] > 0 else BL_SHARE
        split = _phase_end(deadline, share, fixed)
        bl_budget = int(budget * share)
        used = 0
        if best.key[0] > 0:
            best, used = _fit_all(p, best, rng, split, bl_budget, report)
        best = _search_strip(p, best, rng, split, bl_budget - used, report)
        return _strip_overlap(p, best, rng, deadline, budget - bl_budget, report)
    if best.key[0] > 0:  # too few sheets in stock: fit what can be fitted
        best, used = _fit_all(p, best, rng, deadline, budget, report)
        budget -= used
        if best.key[0] > 0:
            return best
    if len(p.stocks) > 1:  # a stock list: fewer of the sheets listed last, if the others can
        p, best, used = _tighten(p, best, rng, deadline, budget, report, fixed)
        budget -= used
    best, used = _patterns(p, best, rng, deadline, budget, report, fixed)
    budget -= used
    if _elim_type(p, best) < 0:  # no sheet elimination
        return _search_sheets(p, best, rng, deadline, budget, report)
    split = _phase_end(deadline, BINS_BL_SHARE, fixed)
    bl_budget = int(budget * BINS_BL_SHARE)
    best = _search_sheets(p, best, rng, split, bl_budget, report)
    return _sheets_overlap(p, best, rng, deadline, budget - bl_budget, report)


def _phase_end(deadline: float, share: float, fixed: bool) -> float:
    """When a phase given `share` of what is left must stop. With a fixed budget
    (`iterations`) the phases split the budget alone and run to the overall deadline: a
    phase cut short by a slow or busy machine would make the result depend on it. The time
    limit still caps the whole run."""
    if fixed:
        return deadline
    now = time.monotonic()
    return now + share * max(deadline - now, 0.0)


def _tighten(p: _Problem, best: _Solution, rng: random.Random, deadline: float, budget: int,
             report, fixed: bool) -> tuple[_Problem, _Solution, int]:
    """A stock list (offcuts first, say): the decoder opens a sheet of an earlier type only
    for a part no open sheet takes, so offcuts often stay unused while a new sheet is cut, or
    get one small part. Try one sheet fewer of each type in use, the last-listed first: the
    best order decoded with that count, and `_fit_all` for TIGHTEN_SHARE of the time left if
    parts are left out. A layout with everything placed that ranks better (`_sheets_rank`)
    is kept, and with it the tighter counts, for the rest of the search. Returns the problem
    with those counts, the layout and the decodes spent."""
    spent = 0
    tried: set[tuple[int, ...]] = set()
    while time.monotonic() < deadline and spent < budget:
        counts = np.bincount(best.out[4], minlength=len(p.stocks))
        for t in range(len(p.stocks) - 1, -1, -1):
            if counts[t] == 0:
                continue
            cap = p.st_count.copy()
            cap[t] = counts[t] - 1
            if tuple(cap.tolist()) in tried:
                continue
            tried.add(tuple(cap.tolist()))
            q = replace(p, st_count=cap)
            s = _decode(q, best.order, best.pref, best.mode)
            spent += 1
            if s.key[0] > 0:
                s, used = _fit_all(q, s, rng, _phase_end(deadline, TIGHTEN_SHARE, fixed),
                                   int(TIGHTEN_SHARE * max(budget - spent, 0)), None)
                spent += used
            if s.key[0] == 0 and s.key < best.key:
                p, best = q, s
                if report:
                    report(best, True)
                break
        else:
            break
    return p, best, spent


def _fit_all(p: _Problem, best: _Solution, rng: random.Random, deadline: float, budget: int,
             report) -> tuple[_Solution, int]:
    """Parts left out by the first layouts (a roll too short, too few sheets in stock):
    search the order and rotations, until everything fits or the time is up, for the fewest
    parts left out and then the least part area left out (which moves where the count sits
    on long plateaus), with parts left out brought forward in the order. The layout kept is
    the best by the usual key. Returns it and the decodes spent; once everything fits, the
    usual phases go on with the time left."""

    def both(order: np.ndarray, pref: np.ndarray, mode: int) -> tuple[_Solution, _Solution]:
        raw = _decode_raw(p, order, pref, mode)
        s, t = _solution(p, order, pref, mode, raw), _solution(p, order, pref, mode, raw, True)
        t.key = (s.key[0],) + t.key
        return s, t

    cur = lead = both(best.order, best.pref, best.mode)[1]
    spend = _Spend(budget, deadline, report)
    while spend.live() and best.key[0] > 0:
        spend.used += 1
        order, pref = _mutate(rng, cur, p)
        out = np.flatnonzero(cur.out[0][order] < 0)
        if out.size and rng.random() < 0.3:  # a part left out, earlier in the order
            a = int(out[rng.randrange(out.size)])
            _move_forward(order, a, rng.randrange(a + 1))
        s, t = both(order, pref, cur.mode)
        if t.key <= cur.key:
            cur = t
        elif spend.used % 200 == 0 and rng.random() < 0.5:
            cur = lead  # back to the best now and then
        if t.key < lead.key:
            lead = t
        if s.key < best.key:
            best = s
            if report:
                report(best, True)
        spend.progress(best)
    return best, spend.used


def _patterns(p: _Problem, best: _Solution, rng: random.Random, deadline: float, budget: int,
              report, fixed: bool) -> tuple[_Solution, int]:
    """Jobs of few designs in many copies: the best choice of repeated single-sheet patterns
    (patterns.py), when it beats the layout so far. Returns it and the decodes spent."""
    if budget <= 0 or len(p.stocks) != 1 or best.key[0] != 0 or best.key[1] <= _lower(p):
        return best, 0
    types = patterns.item_types(p.item_v0, p.item_v1, p.item_vars, p.item_area)
    if not patterns.applies(types):
        return best, 0
    one = np.ones(1, np.int64)
    pref = np.full(len(p.items), -1, np.int64)

    pool = patterns.Pool(types, p.stocks[0].usable.area,
                         lambda order, mode: _decode_raw(p, order, pref, mode, count=one))
    patterns.generate(pool, rng, _phase_end(deadline, PATTERN_SHARE, fixed),
                      max(1, int(budget * PATTERN_SHARE)))
    x = patterns.choose(pool)
    if x is None:
        return best, pool.decodes
    sheet, var, us, vs, order = patterns.assign(pool, x, len(p.items))
    out = _sheets_out(p, sheet, var, us, vs, 0)
    order = order[np.argsort(out[0][order], kind="stable")]  # sheet by sheet, as numbered now
    s = _solution(p, order, np.full(len(p.items), -1, np.int64), best.mode, out)
    if s.key < best.key:
        best = s
        if report:
            report(best, True)
    return best, pool.decodes


class _Spend:
    """Work (layouts decoded, overlap moves) spent against a budget and a deadline, with
    progress reports at most twice a second: every search phase counts the same way."""

    def __init__(self, budget: int, deadline: float, report) -> None:
        self.budget, self.deadline, self.report = budget, deadline, report
        self.used = 0
        self.last_report = time.monotonic()

    def live(self) -> bool:
        return self.used < self.budget and time.monotonic() < self.deadline

    def left(self) -> int:
        return self.budget - self.used

    def tick(self, k: int, best: _Solution) -> None:
        self.used += k
        self.progress(best)

    def progress(self, best: _Solution) -> None:
        if self.report and time.monotonic() - self.last_report > 0.5:
            self.last_report = time.monotonic()
            self.report(best, False)


def _search_sheets(p: _Problem, best: _Solution, rng: random.Random, deadline: float,
                   budget: int, report) -> _Solution:
    """Local search over the order and rotations, judged by the decoder's layout."""
    cur = best
    spend = _Spend(budget, deadline, report)
    while spend.live() and best.key[0:2] != (0, _lower(p)):
        spend.used += 1
        order, pref = _mutate(rng, cur, p)
        s = _decode(p, order, pref, cur.mode)
        if s.key <= cur.key:
            cur = s
            if s.key < best.key:
                best = s
                if report:
                    report(best, True)
        elif spend.used % 200 == 0 and rng.random() < 0.5:
            cur = best  # restart from the best now and then
        spend.progress(best)
    return best


def _sheets_out(p: _Problem, sheet: np.ndarray, var: np.ndarray, us: np.ndarray,
                vs: np.ndarray, t: int | np.ndarray) -> tuple:
    """A layout found outside the decoder (every item placed, sheets numbered with gaps
    allowed; `t` the stock type of all of them, or of each sheet number) as the decoder's
    result tuple: empty sheets dropped, the others by stock type as listed and within a type
    fullest first, so the last one leaves the largest offcut; each sheet's max x of bare
    parts."""
    k = int(sheet.max()) + 1
    kind = np.full(k, t, np.int64) if np.isscalar(t) else np.asarray(t, np.int64)[:k]
    alive = np.flatnonzero(np.bincount(sheet, minlength=k))
    fill = np.bincount(sheet, weights=p.item_area, minlength=k)[alive]
    rank = np.full(k, -1, np.int64)
    order = alive[np.lexsort((-fill, kind[alive]))]  # the sheets as they will be numbered
    rank[order] = np.arange(alive.size)
    sheet = rank[sheet]
    maxx = np.full(alive.size, -np.inf)
    np.maximum.at(maxx, sheet, us * p.res + p.var_right[var])
    return (sheet.astype(np.int64), var, us.astype(np.int64), vs, kind[order], maxx)


def _hang(p: _Problem, t: int) -> int:
    """Cells a part's grown raster can reach beyond the sheet grid along u."""
    nu = int(p.st_nu[t])
    h = 0
    for s in range(p.var_s0.shape[0]):
        u0, u1 = int(p.lim[t, s, 0]), int(p.lim[t, s, 1])
        if u0 > u1 or p.var_s1[s] == p.var_s0[s]:
            continue
        rmin, rmax = int(p.rows[p.var_s0[s]]), int(p.rows[p.var_s1[s] - 1])
        h = max(h, -(u0 + rmin), u1 + rmax - (nu - 1))
    return h


def _obstacles(p: _Problem, t: int) -> np.ndarray:
    """Stock type t's grid as part counts: 1 where a keep-out takes the cell, else 0."""
    nu, nv = int(p.st_nu[t]), int(p.st_nv[t])
    return (p.st_init[t, :nu, :nv] == np.arange(nv)[None, :]).astype(overlap.COUNT)


class _Overlap:
    """Overlap-search state on one raster (a strip, or sheets side by side starting at
    `offs` along u): per-cell part counts, cell weights and their row prefix sums, each
    part's variant and origin cell (variant -1: not placed yet, put in by the first run)."""

    def __init__(self, p: _Problem, t: int, cnt: np.ndarray, var_of: np.ndarray,
                 u_of: np.ndarray, v_of: np.ndarray, item_v0: np.ndarray, item_v1: np.ndarray,
                 offs: np.ndarray):
        self.p, self.t, self.offs = p, t, offs
        cnt = cnt.astype(overlap.COUNT, copy=False)  # compact: see overlap.COUNT
        self.cnt, self.var_of, self.u_of, self.v_of = cnt, var_of, u_of, v_of
        self.item_v0, self.item_v1 = item_v0, item_v1
        for i in np.flatnonzero(var_of >= 0).tolist():
            sv = int(var_of[i])
            overlap.paint(cnt, p.rows, p.lo, p.hi, p.var_s0[sv], p.var_s1[sv], u_of[i],
                           v_of[i], 1)
        self.w = np.ones(cnt.shape, overlap.WEIGHT)
        self.S = np.zeros((cnt.shape[0], cnt.shape[1] + 1))
        self.mark = np.zeros(cnt.shape, overlap.MARK)
        self.reset_weights()

    def reset_weights(self) -> None:
        self.w[:] = 1.0
        overlap.prefix_rows(self.cnt, self.w, self.S, 0, self.cnt.shape[0] - 1)

    def state(self) -> tuple:
        return (self.cnt.copy(), self.var_of.copy(), self.u_of.copy(), self.v_of.copy())

    def restore(self, state: tuple) -> None:
        """Back to a saved layout; the weights stay."""
        self.cnt[:], self.var_of[:], self.u_of[:], self.v_of[:] = state
        overlap.prefix_rows(self.cnt, self.w, self.S, 0, self.cnt.shape[0] - 1)

    def move(self, i: int, sv: int, u: int, v: int, cap: np.ndarray) -> None:
        """Part i to variant sv at (u, v), clamped to its limits (u also to `cap`). The
        prefix sums are left stale: reset_weights or restore refresh them."""
        lim = self.p.lim[self.t, sv]
        self.move_to(i, sv, int(min(max(u, lim[0]), min(lim[1], cap[sv]))),
                     int(min(max(v, lim[2]), lim[3])))

    def move_to(self, i: int, sv: int, u: int, v: int) -> None:
        """Part i to variant sv at (u, v) as given; prefix sums left stale."""
        p = self.p
        old = int(self.var_of[i])
        overlap.paint(self.cnt, p.rows, p.lo, p.hi, p.var_s0[old], p.var_s1[old],
                       self.u_of[i], self.v_of[i], -1)
        self.var_of[i], self.u_of[i], self.v_of[i] = sv, u, v
        overlap.paint(self.cnt, p.rows, p.lo, p.hi, p.var_s0[sv], p.var_s1[sv], u, v, 1)

    def length(self) -> float:
        """How far the bare parts reach along u (a strip's length)."""
        placed = self.var_of >= 0
        return float((self.u_of[placed] * self.p.res
                      + self.p.var_right[self.var_of[placed]]).max(initial=0.0))

    def run(self, cap: np.ndarray, moves: int, rng: random.Random) -> tuple[int, int]:
        """Up to `moves` moves (overlap.separate): (overlap left, moves counted, >= 1)."""
        p = self.p
        left, used = overlap.separate(self.cnt, self.w, self.S, self.mark, self.var_of,
                                      self.u_of, self.v_of, self.item_v0, self.item_v1,
                                      p.item_vars, p.rows, p.lo, p.hi, p.var_s0, p.var_s1,
                                      p.lim, self.t, cap, self.offs, moves, OV_SAMPLES,
                                      0.5 / self.cnt.shape[0], OV_BUMP,
                                      rng.randrange(1 << 30), OV_FACTOR, OV_ANCHORS,
                                      OV_DESCENTS, OV_ROT_KEEP)
        if _interrupted:
            raise KeyboardInterrupt
        return left, max(used, 1)


def _elim_type(p: _Problem, best: _Solution) -> int:
    """The stock type whose sheets sheet elimination empties, or -1: every part placed, and
    among the sheets of the last-listed type in use (the only one, or a stock list's full
    sheets after its offcuts: the sheets that count most, `_sheets_rank`) one more than
    their parts' area needs. The other types' sheets stay as they are."""
    sheet, _, _, _, stock, _ = best.out
    if stock.shape[0] < 2 or np.any(sheet < 0):
        return -1
    t = int(stock.max())
    of_t = np.flatnonzero(stock == t)
    if of_t.size < 2:
        return -1
    if len(p.stocks) == 1:
        bound = _lower(p)
    else:  # the parts on these sheets alone
        bound = _area_bound(float(p.item_area[np.isin(sheet, of_t)].sum()), p.stocks[t])
    return t if of_t.size > bound else -1


def _sheets_overlap(p: _Problem, best: _Solution, rng: random.Random, deadline: float,
                    budget: int, report) -> _Solution:
    """Empty the least-filled sheet by overlap removal, a cut at a time: lay it and the
    least-filled others (up to OV_WINDOW, and OV_MAX_CELLS raster cells) side by side in
    one grid, a free band between them wider than any part's spacing band reaches; shorten
    the sheet to empty (its parts right of its middle move left by the cut, as a strip's
    do), and separate (`_separate`), parts moving freely between those sheets. On success
    cut again; on failure back to the last valid layout and half the cut (from OV_STEP0 of
    the sheet's length down to OV_STEP_MIN, then from the top again). A cut beyond the
    sheet's last part empties it: one sheet fewer, and the next window. Many small cuts
    succeed where dropping a whole sheet's parts at once does not, and each valid layout on
    the way leaves the last sheet shorter (a larger offcut)."""
    t = _elim_type(p, best)
    if t < 0:  # the search before reached the bound, or parts are left out
        return best
    nu, nv = int(p.st_nu[t]), int(p.st_nv[t])
    hang = _hang(p, t)
    pitch = nu + 2 * hang + 1
    base = _obstacles(p, t)
    sheet_len = float(p.stocks[t].width)
    lim0 = int(p.lim[t, :, 0].min())
    mid_u, _ = _variant_centres(p)
    spend = _Spend(budget, deadline, report)
    while spend.live() and _elim_type(p, best) == t:
        sheet, var, us, vs, kind, _ = best.out
        k_sheets = int(kind.shape[0])
        of_t = np.flatnonzero(kind == t)  # only these sheets take part
        area = np.bincount(sheet, weights=p.item_area, minlength=k_sheets)
        by_fill = [int(k) for k in of_t[np.argsort(area[of_t], kind="stable")]]
        drop = by_fill[0]
        m = max(1, min(of_t.size - 1, OV_WINDOW, OV_MAX_CELLS // (pitch * nv) - 1))
        slots = sorted(by_fill[1:m + 1]) + [drop]  # the sheet to empty is the last
        idx = np.flatnonzero(np.isin(sheet, slots))
        offs = np.arange(m + 1, dtype=np.int64) * pitch + hang
        cnt = np.zeros(((m + 1) * pitch, nv), overlap.COUNT)
        for j in range(m + 1):
            cnt[offs[j]:offs[j] + nu] = base
        slot = np.full(k_sheets, -1, np.int64)
        slot[slots] = np.arange(m + 1)
        ov = _Overlap(p, t, cnt, var[idx].copy(), us[idx] + offs[slot[sheet[idx]]],
                      vs[idx].copy(), p.item_v0[idx].copy(), p.item_v1[idx].copy(), offs)
        lo_u, hi_u = offs[m] + p.lim[t, :, 0], offs[m] + p.lim[t, :, 1]

        def on_drop() -> np.ndarray:
            return ov.u_of >= offs[m] + lim0

        def drop_len() -> float:
            right = (ov.u_of - offs[m]) * p.res + p.var_right[ov.var_of]
            return float(right[on_drop()].max(initial=0.0))

        cur = drop_len()
        step = OV_STEP0 * sheet_len
        valid = ov.state()
        while spend.live():
            target = cur - step
            if target > 0:
                cap = offs[m] + _strip_cap(p, target)
            else:  # nothing may stay on it (an origin cell can lie before the sheet)
                cap = offs[m] + p.lim[t, :, 0] - 1
            cut = int(round(step / p.res))
            middle = offs[m] + cur / 2 / p.res
            for i in np.flatnonzero(on_drop()).tolist():
                sv, u = int(ov.var_of[i]), int(ov.u_of[i])
                if u + mid_u[sv] > middle and cap[sv] >= lo_u[sv]:
                    ov.move_to(i, sv, max(min(u - cut, int(cap[sv]), int(hi_u[sv])),
                                          int(lo_u[sv])), int(ov.v_of[i]))
            ov.reset_weights()
            if _separate(ov, cap, rng, spend, best) != 0:
                ov.restore(valid)
                step /= 2
                if step < OV_STEP_MIN * sheet_len:
                    step = OV_STEP0 * sheet_len
                continue
            valid = ov.state()
            cur = drop_len()
            # back to sheets (the window's come back in the same slots), then fullest
            # first, so the last one leaves the largest offcut
            j_of = np.searchsorted(offs + lim0, ov.u_of, side="right") - 1
            new_sheet, new_u = sheet.copy(), us.copy()
            new_sheet[idx] = np.array(slots, np.int64)[j_of]
            new_u[idx] = ov.u_of - offs[j_of]
            new_var, new_v = var.copy(), vs.copy()
            new_var[idx], new_v[idx] = ov.var_of, ov.v_of
            # drops the emptied sheet, and any other the separation happened to clear too
            out = _sheets_out(p, new_sheet, new_var, new_u, new_v, kind)
            s = _solution(p, best.order, best.pref, best.mode, out)
            if s.key < best.key:
                best = s
                if report:
                    report(best, True)
            if not on_drop().any():
                break
    return best


def _search_strip(p: _Problem, best: _Solution, rng: random.Random, deadline: float,
                  budget: int, report) -> _Solution:
    """Strip packing: fix a target length a little shorter than the best, search for an
    order that fits everything within it (minimising the area left out), and shorten the
    target on success; the step shrinks when the search stalls."""
    if best.key[0] > 0:
        return best
    step = STEP0
    best_len = best.key[2]
    target = best_len * (1 - step)
    lim = _strip_limits(p, target)
    cur = _decode(p, best.order, best.pref, best.mode, lim)
    stall = 0
    spend = _Spend(budget, deadline, report)
    while spend.live():
        spend.used += 1
        order, pref = _mutate(rng, cur, p)
        s = _decode(p, order, pref, cur.mode, lim)
        if s.key[0] == 0:  # everything fits in the target: a new best
            best = _decode(p, s.order, s.pref, s.mode)
            best_len = best.key[2]
            if report:
                report(best, True)
            target = best_len * (1 - step)
            lim = _strip_limits(p, target)
            cur = _decode(p, s.order, s.pref, s.mode, lim)
            stall = 0
            continue
        if s.key <= cur.key:
            if s.key < cur.key:
                stall = 0
            cur = s
        stall += 1
        if stall > STALL0 + STALL1 * len(p.items) and step > 0.002:
            step /= 2  # too ambitious: aim closer
            target = best_len * (1 - step)
            lim = _strip_limits(p, target)
            cur = _decode(p, best.order, best.pref, best.mode, lim)
            stall = 0
        spend.progress(best)
    return best


def _strip_overlap(p: _Problem, best: _Solution, rng: random.Random, deadline: float,
                   budget: int, report) -> _Solution:
    """Shorten the strip by overlap removal (overlap.py) from the best bottom-left layout,
    exploring as sparrow does: shorten by OV_SHRINK (the parts right of the middle move left
    by that much, so the new overlap lies along one cut, not piled at the end) and separate;
    on success shorten again. Separation runs in strikes: moves until OV_NO_GAIN of them
    bring no new least overlap, then back to the least-overlap layout (weights kept); a
    strike that gains under 2 % counts, OV_STRIKES of them in a row give up. A failed layout
    joins a pool at that length, and the search goes on from one of the pool (the less
    overlap, the likelier), disrupted by swapping two large parts. The length only goes
    down; the last valid layout stands. A layout with parts left out (a roll too short)
    first has them put in where they overlap least, within the whole roll."""
    _, var, us, vs, stock, _ = best.out
    if stock.shape[0] != 1 or budget <= 0:
        return best
    t = int(stock[0])
    n = len(p.items)
    ov = _Overlap(p, t, _obstacles(p, t), var.copy(), us.copy(), vs.copy(), p.item_v0,
                  p.item_v1, ZERO_OFFS)
    by_area = np.argsort(-p.item_area, kind="stable")
    share = np.cumsum(p.item_area[by_area]) / max(float(p.item_area.sum()), 1e-12)
    large = by_area[:int(np.searchsorted(share, OV_LARGE)) + 1].tolist()
    mid_u, mid_v = _variant_centres(p)
    spend = _Spend(budget, deadline, report)
    cap = np.zeros(0, np.int64)

    def shrink(length: float) -> bool:
        """Cap the strip at `length`; False when some part no longer fits in it at all."""
        nonlocal cap
        old = ov.length()
        cap = _strip_cap(p, length)
        reach = np.minimum(p.lim[t, :, 1], cap) >= p.lim[t, :, 0]
        if not all(reach[p.item_vars[p.item_v0[i]:p.item_v1[i]]].any() for i in range(n)):
            return False
        cut = int(round((old - length) / p.res))
        middle = old / 2 / p.res
        for i in range(n if cut > 0 else 0):
            sv = int(ov.var_of[i])
            if ov.u_of[i] + mid_u[sv] > middle:
                ov.move(i, sv, int(ov.u_of[i]) - cut, int(ov.v_of[i]), cap)
        ov.reset_weights()
        return True

    def disrupt() -> None:
        """Swap two large parts (centre to centre), of different sizes where possible."""
        a = rng.choice(large)
        area = p.item_area
        others = [j for j in large if abs(area[j] - area[a]) > 0.01 * area[a]]
        b = rng.choice(others or [j for j in range(n) if j != a])
        sa, sb = int(ov.var_of[a]), int(ov.var_of[b])
        ua, va, ub, vb = (int(x) for x in (ov.u_of[a], ov.v_of[a], ov.u_of[b], ov.v_of[b]))
        du, dv = mid_u[sb] - mid_u[sa], mid_v[sb] - mid_v[sa]  # a's origin to b's, centred
        ov.move(a, sa, round(ub + du), round(vb + dv), cap)
        ov.move(b, sb, round(ua - du), round(va - dv), cap)
        ov.reset_weights()

    pool: list[tuple[int, float, tuple]] = []
    # parts left out (a roll too short): first all of them within the whole roll (the
    # first separation puts them where they overlap least)
    target = float(p.stocks[t].width) if best.key[0] > 0 else best.key[2] * (1 - OV_SHRINK)
    ok = shrink(target)
    while ok and spend.live():
        left = _separate(ov, cap, rng, spend, best)
        if left == 0:
            out = _sheets_out(p, np.zeros(n, np.int64), ov.var_of.copy(), ov.u_of.copy(),
                              ov.v_of.copy(), t)
            s = _solution(p, best.order, best.pref, best.mode, out)
            if s.key < best.key:
                best = s
                if report:
                    report(best, True)
            pool.clear()
            target = min(target, best.key[2]) * (1 - OV_SHRINK)
            ok = shrink(target)
        elif spend.live():
            pool.append((left, rng.random(), ov.state()))
            pool.sort(key=lambda e: (e[0], e[1]))
            del pool[OV_POOL:]
            k = min(int(abs(rng.gauss(0.0, OV_POOL_SD)) * len(pool)), len(pool) - 1)
            ov.restore(pool[k][2])
            disrupt()
    return best


def _separate(ov: _Overlap, cap: np.ndarray, rng: random.Random, spend: _Spend,
              best: _Solution) -> int:
    """Overlap removal in strikes: moves until OV_NO_GAIN of them bring no new least
    overlap, then back to the least-overlap layout (weights kept); a strike that gains
    under 2 % counts, OV_STRIKES of them in a row give up. Returns the overlap left (0: a
    valid layout, which stays in `ov`); the moves count in `spend`, whose progress reports
    show `best`."""
    least, least_state = -1, None
    strikes = 0
    while strikes < OV_STRIKES and spend.live():
        first = least  # the loss this strike starts from (-1: not known yet)
        stale = 0
        while stale < OV_NO_GAIN and spend.live():
            left, k = ov.run(cap, min(OV_CHUNK, spend.left()), rng)
            spend.tick(k, best)
            if first < 0:
                first = left
            if left == 0:
                return 0
            if least < 0 or left < least:
                if least < 0 or left < 0.98 * least:
                    stale = 0
                least, least_state = left, ov.state()
            else:
                stale += k
        strikes = strikes + 1 if first >= 0 and first * 0.98 <= least else 0
        if least_state is not None:
            ov.restore(least_state)
    return max(least, 1)


def _variant_centres(p: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """Each variant's cell-box centre relative to its origin cell (u, v)."""
    box = overlap.cell_boxes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1)
    return (box[:, 0] + box[:, 1]) / 2, (box[:, 2] + box[:, 3]) / 2


def _lower(p: _Problem) -> int:
    """Sheets no layout can beat (area bound on the first stock type), 0 for strips."""
    if p.strip:
        return 0
    return max(1, _area_bound(float(p.item_area.sum()), p.stocks[0]))


def _area_bound(area: float, stock: Stock) -> int:
    """Sheets of `stock` that parts of this total area need at least."""
    return math.ceil(area / stock.usable.area - 1e-9)


def _child(conn, p: _Problem, settings: NestSettings, seed: int, deadline: float,
           budget: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides about Ctrl-C
    try:
        s = _search(p, settings, seed, deadline, budget, None)
        conn.send((s.order, s.pref, s.mode, s.out))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which falls back
        conn.send(repr(exc))
    finally:
        conn.close()
        os._exit(0)


def nest(items: list[NestItem], stocks: list[Stock], settings: NestSettings,
         progress: Callable[[NestProgress], None] | None = None) -> Layout:
    """Nest items onto the fewest sheets; see the module docstring."""
    t0 = time.monotonic()
    if not items:
        return Layout([])
    from ..job import check_fits

    check_fits(items, stocks)
    res = settings_resolution(settings, stocks, items)
    parts = items
    items, bundles = bundle.make_bundles(items, stocks, settings.spacing) if BUNDLES \
        else (items, {})
    mult = bundle.counts(items, bundles)  # parts per item
    p = _build(items, stocks, settings.spacing, res)
    if bundles:  # a bundle counts its copies' parts and area (its outline closes the gaps)
        p.item_mult = mult
        p.item_area = np.array([sum(c.part.area for c in bundles[it.instance].items)
                                if it.instance in bundles else it.part.area for it in items])
    deadline = t0 + settings.time_limit
    budget = settings.iterations if settings.iterations is not None else 10**12

    def report(s: _Solution, improved: bool) -> None:
        if progress:
            sheet, stock, maxx = s.out[0], s.out[4], s.out[5]
            if p.strip and stock.shape[0]:  # a strip is used up to its length so far
                st = p.stocks[int(stock[0])]
                area = (float(maxx.max()) + 2 * st.margin) * st.height
            else:
                area = sum(p.stocks[t].width * p.stocks[t].height for t in stock.tolist())
            area = area or 1.0
            placed = int(mult[sheet >= 0].sum())
            util = float(p.item_area[sheet >= 0].sum()) / area
            progress(NestProgress(int(stock.shape[0]), util, time.monotonic() - t0, placed,
                                  len(parts), improved))

    with _DeferCtrlC():
        best = _run(p, items, settings, deadline, budget, report)
    layout = _expand(_layout(p, best), bundles)
    problems = verify_layout(layout, settings.spacing)
    if problems:
        raise RuntimeError("nester produced an invalid layout: " + "; ".join(problems[:3]))
    if p.strip and layout.sheets:  # the raster's slack between neighbours, given back in exact coordinates
        tight = compact(layout, settings.spacing, res)
        if (tight.sheets[0].used_length < layout.sheets[0].used_length
                and not verify_layout(tight, settings.spacing)):
            layout = tight
    elif layout.sheets:  # the last sheet's parts slid left and down: a larger offcut
        tight = replace(layout, sheets=layout.sheets[:-1]
                        + [compact_sheet(layout.sheets[-1], settings.spacing, res,
                                         LAST_SHEET_ROUNDS)])
        if not verify_layout(tight, settings.spacing):
            layout = tight
    return layout


def _run(p: _Problem, items: list[NestItem], settings: NestSettings, deadline: float,
         budget: int, report: Callable[[_Solution, bool], None]) -> _Solution:
    child = None
    workers = max(1, settings.workers)
    if workers > 1 and len(items) > 1 and "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child, args=(send, p, settings, settings.seed + 1,
                                                 deadline, budget), daemon=True)
        child.start()
        send.close()
    try:
        best = _search(p, settings, settings.seed, deadline, budget, report)
        if child is not None:
            got = None
            wait_until = max(deadline, time.monotonic()) + 30.0
            while time.monotonic() < wait_until and child.is_alive() or recv.poll(0):
                if _interrupted:
                    raise KeyboardInterrupt
                if recv.poll(0.1):
                    got = recv.recv()
                    break
            child.join(5.0)
            if isinstance(got, tuple):
                other = _solution(p, *got)
                if other.key < best.key:
                    best = other
                    report(best, True)
    finally:
        if child is not None and child.is_alive():
            child.terminate()
            child.join()
    return best


def _expand(layout: Layout, bundles: dict[str, bundle.Bundle]) -> Layout:
    """The layout with every bundle back as its copies (placements by instance again; a
    strip's used length from the copies, which the bundle's closed outline may exceed)."""
    if not bundles:
        return layout
    sheets = []
    for s in layout.sheets:
        per = sorted(bundle.expand(s.placements, bundles), key=lambda q: q.instance)
        used = strip_length(s.stock, per) if s.stock.strip else None
        sheets.append(replace(s, placements=per, used_length=used))
    unplaced = sorted(x for u in layout.unplaced
                      for x in ([c.instance for c in bundles[u].items] if u in bundles else [u]))
    return Layout(sheets, unplaced)


def settings_resolution(settings: NestSettings, stocks: list[Stock],
                        items: list[NestItem]) -> float:
    r = getattr(settings, "resolution", None)
    return float(r) if r else resolution(stocks, items)


def _layout(p: _Problem, s: _Solution) -> Layout:
    sheet, var, us, vs, stock, maxx = s.out
    per: list[list[Placement]] = [[] for _ in range(stock.shape[0])]
    unplaced = []
    for i, it in enumerate(p.items):
        k = int(sheet[i])
        if k < 0:
            unplaced.append(it.instance)
            continue
        v = p.variants[int(var[i])]
        m = p.stocks[int(stock[k])].margin
        x = m + int(us[i]) * p.res - v.ox
        y = m + int(vs[i]) * p.res - v.oy
        per[k].append(Placement(it.instance, it.part, x, y, v.rotation))
    sheets = []
    for k in range(stock.shape[0]):
        st = p.stocks[int(stock[k])]
        used = strip_length(st, per[k]) if st.strip else None
        sheets.append(SheetLayout(k + 1, st, sorted(per[k], key=lambda q: q.instance), used))
    return Layout(sheets, sorted(unplaced))


def verify_layout(layout: Layout, spacing: float) -> list[str]:
    """Exact check: every part inside its sheet's usable area, every pair >= spacing apart."""
    problems: list[str] = []
    for sheet in layout.sheets:
        usable = sheet.stock.usable.buffer(1e-6)
        geoms = [p.placed().outline for p in sheet.placements]
        for p, g in zip(sheet.placements, geoms):
            if not usable.contains(g):
                problems.append(f"sheet {sheet.index}: {p.instance} outside the usable area")
        if len(geoms) < 2:
            continue
        tree = shapely.STRtree(geoms)
        a, b = tree.query(np.array(geoms, dtype=object), predicate="dwithin",
                          distance=max(spacing - 1e-6, 0.0))
        for i, j in zip(a.tolist(), b.tolist()):
            if i < j:
                d = geoms[i].distance(geoms[j])
                if d < spacing - 1e-6 or (d <= 0 and geoms[i].intersection(geoms[j]).area > 1e-6):
                    problems.append(f"sheet {sheet.index}: {sheet.placements[i].instance} and "
                                    f"{sheet.placements[j].instance} are {d:.3f} mm apart")
    return problems
