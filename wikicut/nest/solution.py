"""A layout found by the search, with the keys the phases rank it by.

The decoder (and every phase that lays parts out another way) yields a `Decoded`: per item
its sheet (-1: left out), variant and origin cell, per sheet its stock type and how far its
bare parts reach along x. A `Solution` adds the order that produced it and two keys:

- `key` (`Key`): what the whole search minimises. Parts left out, then the part area left
  out (before anything about the sheets: the last sheet's area would otherwise reward leaving
  the largest part out), then sheets (`sheets_rank`), then the part area on the last sheet
  (which the next moves try to empty, and which otherwise leaves the largest offcut), then
  its length. A strip: parts left out, area left out, sheets, length.
- `fit` (`FitKey`): parts left out, then the part area left out, then the length: smoother
  where parts are left out (a roll too short, a strip's target length) and the count alone
  sits on long plateaus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..model import Layout, Placement, SheetLayout, strip_length
from . import interrupt
from .kernels import decode as kernel
from .problem import Problem, rank_weights

MODE_RIGHT_EDGE = 0  # smallest right edge first: strips and the last sheet's offcut
MODE_BOTTOM_LEFT = 1  # smallest x then y: column by column


class Decoded(NamedTuple):
    sheet: np.ndarray  # per item, its sheet (-1: left out)
    var: np.ndarray  # its variant
    u: np.ndarray  # its origin cell
    v: np.ndarray
    stock: np.ndarray  # per sheet, its stock type
    maxx: np.ndarray  # and how far its bare parts reach along x


class Key(NamedTuple):
    unplaced: int
    area_out: float  # part area left out
    sheets: int  # `sheets_rank` (a strip: its sheets)
    last: float  # part area on the last sheet (a strip: the length used)
    length: float  # the last sheet's length used (a strip: 0)


class FitKey(NamedTuple):
    unplaced: int
    area_out: float
    length: float


@dataclass(frozen=True, eq=False)
class Solution:
    order: np.ndarray
    pref: np.ndarray
    mode: int
    out: Decoded
    key: Key
    fit: FitKey


def decode_raw(p: Problem, order: np.ndarray, pref: np.ndarray, mode: int,
               lim: np.ndarray | None = None, count: np.ndarray | None = None) -> Decoded:
    """The decode kernel's layout; `lim` overrides the placement limits (a strip's target
    length), `count` the stock counts (one sheet: a pattern)."""
    out = kernel.decode(order, pref, mode, p.choices(), p.shapes(), p.sheets(lim, count))
    interrupt.check()
    return Decoded(*out)


def decode(p: Problem, order: np.ndarray, pref: np.ndarray, mode: int,
           lim: np.ndarray | None = None) -> Solution:
    """One layout from an order (see `decode_raw`), with its keys."""
    return solution(p, order, pref, mode, decode_raw(p, order, pref, mode, lim))


def solution(p: Problem, order: np.ndarray, pref: np.ndarray, mode: int,
             out: Decoded) -> Solution:
    """A layout (the decoder's, or another phase's) with its keys."""
    sheet, stock, maxx = out.sheet, out.stock, out.maxx
    n_sheets = stock.shape[0]
    unplaced = int(np.count_nonzero(sheet < 0) if p.item_mult is None
                   else p.item_mult[sheet < 0].sum())  # parts, not items
    area_out = round(float(p.item_area[sheet < 0].sum()), 6)
    fit = FitKey(unplaced, area_out, round(float(maxx.max()), 6) if n_sheets else 0.0)
    if n_sheets == 0:
        key = Key(unplaced, area_out, 0, 0.0, 0.0)
    elif p.strip:
        key = Key(unplaced, area_out, n_sheets, round(float(maxx.max()), 6), 0.0)
    else:
        last = n_sheets - 1
        last_area = float(p.item_area[sheet == last].sum())
        key = Key(unplaced, area_out, sheets_rank(p, stock), round(last_area, 3),
                  round(float(maxx[last]), 6))
    return Solution(order, pref, mode, out, key, fit)


def sheets_rank(p: Problem, stock: np.ndarray) -> int:
    """The sheets used, as one number to minimise: their count for one stock type; for a
    stock list, the fewest sheets of the last-listed type first, then of the one before it,
    and so on (offcuts listed first are used when they save a sheet listed after them, and
    left alone when they do not). A sheet holding locked parts (`Stock.locked`, nest/locked.py)
    is cut anyway: it counts nothing, so the search fills it before any other."""
    if len(p.stocks) == 1:
        return int(stock.shape[0])
    weight = rank_weights(p)
    return sum(weight[t] for t in stock.tolist())


def regroup(p: Problem, sheet: np.ndarray, var: np.ndarray, us: np.ndarray,
            vs: np.ndarray, t: int | np.ndarray) -> Decoded:
    """A layout found outside the decoder (every item placed, sheets numbered with gaps
    allowed; `t` the stock type of all of them, or of each sheet number) as the decoder's
    result: empty sheets dropped, the others by stock type as listed and within a type
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
    return Decoded(sheet.astype(np.int64), var, us.astype(np.int64), vs, kind[order], maxx)


def to_layout(p: Problem, s: Solution) -> Layout:
    """The solution as placements in mm, sheets numbered from 1."""
    sheet, var, us, vs, stock, _ = s.out
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
        per[k].append(Placement(it.instance, it.part, x, y, v.rotation, v.mirrored))
    sheets = []
    for k in range(stock.shape[0]):
        st = p.stocks[int(stock[k])]
        used = strip_length(st, per[k]) if st.strip else None
        sheets.append(SheetLayout(k + 1, st, sorted(per[k], key=lambda q: q.instance), used))
    return Layout(sheets, sorted(unplaced))
