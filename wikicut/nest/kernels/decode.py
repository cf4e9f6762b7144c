"""Numba kernels of the raster nester: pure functions over numpy arrays.

The sheet is a grid of square cells indexed [u, v] (u along x, v along y). A part at one
rotation is rasterised conservatively (every cell its spacing-buffered outline touches) into
intervals: interval k covers cells v0 + lo[k] .. v0 + hi[k] of grid row u0 + rows[k] when the
shape's origin cell is at (u0, v0). Cell-disjoint shapes are therefore exactly disjoint, and
>= spacing apart once each is buffered by spacing / 2.

The grid stores, per cell, `last[u, v]` = the largest occupied v' <= v in row u (-1 if none).
One lookup answers "is any cell of [a, b] occupied?" (last[u, b] >= a) AND says how far a
shape must move up to clear it, which is what makes bottom-left search skip whole obstacles.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.typed import List

GRID_TYPE = types.int32[:, ::1]
RUNS_TYPE = types.int32[::1]
NONE = -(1 << 40)  # first_fit's "no position"
UNKNOWN = -(1 << 30)  # no column known to collide yet (`best_on_sheet`)


class Shapes(NamedTuple):
    """Every variant (a part at one rotation): intervals var_s0[s] .. var_s1[s] - 1 of (rows,
    lo, hi), and how far right of its origin cell the bare part reaches (mm)."""

    rows: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    var_s0: np.ndarray
    var_s1: np.ndarray
    var_right: np.ndarray


class Choices(NamedTuple):
    """Item i may take variants item_vars[item_v0[i]:item_v1[i]]; it needs at least
    item_need[i] free cells."""

    item_v0: np.ndarray
    item_v1: np.ndarray
    item_vars: np.ndarray
    item_need: np.ndarray


class Sheets(NamedTuple):
    """Stock types: lim[t, s] = variant s's origin cells (u_min, u_max, v_min, v_max) on
    type t; grid sizes, copies in stock (-1: any), initial grids (keep-outs); cell size."""

    lim: np.ndarray
    st_nu: np.ndarray
    st_nv: np.ndarray
    st_count: np.ndarray
    st_init: np.ndarray
    res: float


def empty_grid(nu: int, nv: int) -> np.ndarray:
    """A grid with nothing occupied (plain numpy: nothing to compile)."""
    return np.full((nu, nv), -1, np.int32)


@njit(cache=True, inline="always")
def span(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: int, u: int, v: int, nu: int,
         nv: int) -> tuple:
    """Interval k of a shape at origin (u, v) on an nu x nv grid: (row, first, last cell),
    clipped to the grid; row -1 when the row is off it, first > last when the cells are.
    Cells beyond the grid are left out: a part's spacing band may hang over the edge."""
    r = u + rows[k]
    if r < 0 or r >= nu:
        return -1, 0, -1
    a = v + lo[k]
    b = v + hi[k]
    if a < 0:
        a = 0
    if b >= nv:
        b = nv - 1
    return r, a, b


@njit(cache=True)
def collides(last: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             s0: int, s1: int, u: int, v: int) -> bool:
    """True if shape intervals s0..s1-1 placed with origin cell (u, v) hit an occupied cell.
    Cells beyond the grid count as free: a part's spacing band may hang over the sheet edge
    (the caller keeps the bare part inside the usable area)."""
    nu, nv = last.shape
    for k in range(s0, s1):
        r, a, b = span(rows, lo, hi, k, u, v, nu, nv)
        if r >= 0 and a <= b and last[r, b] >= a:
            return True
    return False


@njit(cache=True)
def first_fit(last: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              s0: int, s1: int, u_min: int, u_max: int, v_min: int, v_max: int) -> tuple:
    """The first free origin cell in (u, then v) order: lowest x first, so sheets fill from
    x = 0 and the last one leaves the largest offcut. Returns (u, v), or (NONE, NONE) if none
    (origins may be negative: the spacing band hangs over the margin). See `_first_fit`."""
    return _first_fit(last, rows, lo, hi, s0, s1, u_min, u_max, v_min, v_max,
                      np.zeros(1, np.int32), -1, 0)


@njit(cache=True, inline="always")
def _longest(rows, lo, hi, s0, s1, v_min, v_max, nv):
    """The interval of a shape with the most cells on the grid wherever v lies in v_min..
    v_max, and that many cells (-1, 0 for none)."""
    kt, need = -1, 0
    for k in range(s0, s1):
        n = nv
        for v in (v_min, v_max):
            a = max(v + lo[k], 0)
            b = min(v + hi[k], nv - 1)
            n = min(n, b - a + 1)
        if n > need:
            kt, need = k, n
    return kt, need


@njit(cache=True)
def shape_keys(rows, lo, hi, var_s0, var_s1, lim, t, nv):
    """Per variant, `_longest` over its v range on stock type t (nv cells across)."""
    n_var = var_s0.shape[0]
    key_k = np.full(n_var, -1, np.int64)
    key_n = np.zeros(n_var, np.int64)
    for s in range(n_var):
        key_k[s], key_n[s] = _longest(rows, lo, hi, var_s0[s], var_s1[s], lim[t, s, 2],
                                      lim[t, s, 3], nv)
    return key_k, key_n


@njit(cache=True, inline="always")
def _row_run(last, r):
    """The longest run of free cells in row r."""
    best = 0
    run = 0
    for c in range(last.shape[1]):
        if last[r, c] == c:
            run = 0
        else:
            run += 1
            if run > best:
                best = run
    return best


@njit(cache=True, inline="always")
def forget_runs(runs, r0, r1):
    """Rows r0..r1 (clipped) changed: their longest free runs are not known any more."""
    for r in range(max(r0, 0), min(r1, runs.shape[0] - 1) + 1):
        runs[r] = -1


@njit(cache=True)
def _first_fit(last, rows, lo, hi, s0, s1, u_min, u_max, v_min, v_max, runs, kt, need):
    """The first free origin cell in (u, then v) order: lowest x first, so sheets fill from
    x = 0 and the last one leaves the largest offcut. Returns (u, v), or (NONE, NONE) if none
    (origins may be negative: the spacing band hangs over the margin).

    A collision of interval k with the obstacle ending at v' proves every origin up to
    v' - lo[k] collides too, so the scan jumps there; the interval that collided last is
    tested first at the next origin (it usually collides again). `runs[r]` (kt >= 0): the
    longest free run of row r (-1: not known, worked out here when first needed); a column
    whose row under interval kt has none of `need` cells cannot take the shape and is
    skipped without a look along it."""
    nu, nv = last.shape
    n = s1 - s0
    if n <= 0 or u_min > u_max or v_min > v_max:
        return NONE, NONE
    hint = s0
    for u in range(u_min, u_max + 1):
        if kt >= 0:
            r = u + rows[kt]
            if 0 <= r < nu:
                if runs[r] < 0:  # not known since the row last changed
                    runs[r] = _row_run(last, r)
                if runs[r] < need:
                    continue
        v = v_min
        while v <= v_max:
            k = hint
            hit = False
            for _ in range(n):
                r, a, b = span(rows, lo, hi, k, u, v, nu, nv)
                if r >= 0 and a <= b:
                    p = last[r, b]
                    if p >= a:
                        v = p - lo[k] + 1
                        hint = k
                        hit = True
                        break
                k += 1
                if k == s1:
                    k = s0
            if not hit:
                return u, v
    return NONE, NONE


@njit(cache=True)
def stamp(last: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
          s0: int, s1: int, u: int, v: int) -> int:
    """Occupy the shape's cells at origin (u, v); returns how many cells were newly taken."""
    nu, nv = last.shape
    added = 0
    for k in range(s0, s1):
        r, a, b = span(rows, lo, hi, k, u, v, nu, nv)
        if r < 0 or a > b:
            continue
        for c in range(a, b + 1):
            if last[r, c] != c:
                last[r, c] = c
                added += 1
        # cells after b up to the next occupied one now see b as their last occupied cell
        c = b + 1
        while c < nv and last[r, c] != c and last[r, c] < b:
            last[r, c] = b
            c += 1
    return added


@njit(cache=True)
def occupancy(last: np.ndarray) -> np.ndarray:
    """The boolean occupancy grid (for tests and previews)."""
    nu, nv = last.shape
    occ = np.zeros((nu, nv), np.bool_)
    for r in range(nu):
        for c in range(nv):
            occ[r, c] = last[r, c] == c
    return occ


@njit(cache=True)
def best_on_sheet(last, shapes, lim, t, cands, res, mode, start, runs, key_k, key_n):
    """Best position over the candidate variants on one sheet: smallest right edge of the
    bare part (mode 0) or smallest origin (u, v) (mode 1), ties to the lower v, then to the
    earlier variant. Returns (variant, u, v) or (-1, -1, -1).

    `start[s]`: the first column where variant s may still fit on this sheet. A sheet only
    ever fills up, so every origin before the column where first fit last found s (or past
    the range it last searched in vain) collides for good, and the next search starts there;
    past the variant's range, it fits nowhere. This is what lets first fit look at every
    open sheet of a 1500-part job, where copies of the same part ask again and again, without
    walking the full columns each time. Updated here. `runs`: each row's longest free run
    (-1: not known yet); `key_k[s]`, `key_n[s]`: variant s's longest interval and its cells
    (`shape_keys`), which let first fit skip columns without looking."""
    rows, lo, hi, var_s0, var_s1, var_right = shapes
    best_s = -1
    best_u = -1
    best_v = -1
    best_key = 1e300
    for q in range(cands.shape[0]):
        s = cands[q]
        u0 = max(lim[t, s, 0], start[s])
        u1 = lim[t, s, 1]
        if u0 > u1:
            continue
        if best_s >= 0:  # only positions that can beat the best so far
            if mode == 0:
                cap = int(np.floor((best_key - var_right[s]) / res + 1e-9))
            else:
                cap = best_u
            if cap < u1:
                u1 = cap
            if u0 > u1:
                continue
        u, v = _first_fit(last, rows, lo, hi, var_s0[s], var_s1[s], u0, u1,
                          lim[t, s, 2], lim[t, s, 3], runs, key_k[s], key_n[s])
        if u == NONE:
            start[s] = u1 + 1
            continue
        start[s] = u
        key = u * res + var_right[s] if mode == 0 else float(u)
        if best_s < 0 or key < best_key - 1e-9 or (key <= best_key + 1e-9 and v < best_v):
            best_s, best_u, best_v, best_key = s, u, v, key
    return best_s, best_u, best_v


@njit(cache=True)
def decode(order, pref, mode, choices, shapes, sheets):
    """Pack items in `order` bottom-left, first fit over the open sheets, opening sheets of
    the first stock type (in preference order) that has copies left and can take the item.

    pref[i] >= 0 forces item i's variant (rotation) index pref[i] while it fits anywhere;
    -1 lets each placement choose the best rotation. `item_need[i]` is a lower bound on the
    free cells item i needs: sheets with fewer free cells than every item still to come are
    closed and their grid released (memory for 1500-part jobs).

    Returns per item (sheet, variant, u, v) (sheet -1 = unplaced) and per sheet
    (stock type, max x of the bare parts)."""
    item_v0, item_v1, item_vars, item_need = choices
    rows, lo, hi, var_s0, var_s1, var_right = shapes
    lim, st_nu, st_nv, st_count, st_init, res = sheets
    n = order.shape[0]
    n_st = st_nu.shape[0]
    out_sheet = np.full(item_v0.shape[0], -1, np.int64)
    out_var = np.full(item_v0.shape[0], -1, np.int64)
    out_u = np.zeros(item_v0.shape[0], np.int64)
    out_v = np.zeros(item_v0.shape[0], np.int64)
    sheet_stock = np.zeros(n + 1, np.int64)
    sheet_maxx = np.zeros(n + 1, np.float64)
    free = np.zeros(n + 1, np.int64)
    closed = np.zeros(n + 1, np.bool_)
    used = np.zeros(n_st, np.int64)
    grids = List.empty_list(GRID_TYPE)
    runs = List.empty_list(RUNS_TYPE)  # per sheet, each row's longest free run
    key_k = np.zeros((n_st, var_s0.shape[0]), np.int64)
    key_n = np.zeros((n_st, var_s0.shape[0]), np.int64)
    for t in range(n_st):
        key_k[t], key_n[t] = shape_keys(rows, lo, hi, var_s0, var_s1, lim, t, st_nv[t])
    n_var = var_s0.shape[0]
    # [sheet, variant]: the first column where it may still fit (`best_on_sheet`)
    start = np.full((n + 1, n_var), UNKNOWN, np.int32)
    scratch = np.full(n_var, UNKNOWN, np.int32)  # the same for a new, still empty sheet
    # suffix minimum of the cells still needed: when to close a sheet for good
    sufmin = np.zeros(n + 1, np.int64)
    sufmin[n] = 1 << 62
    for p in range(n - 1, -1, -1):
        sufmin[p] = min(sufmin[p + 1], item_need[order[p]])
    n_sheets = 0
    first_open = 0
    for p in range(n):
        it = order[p]
        allv = item_vars[item_v0[it]:item_v1[it]]
        if pref[it] >= 0 and pref[it] < allv.shape[0]:
            cands = allv[pref[it]:pref[it] + 1]
        else:
            cands = allv
        need = item_need[it]
        done = False
        for k in range(first_open, n_sheets):
            if closed[k]:
                continue
            if free[k] < sufmin[p]:
                closed[k] = True
                grids[k] = np.empty((1, 1), np.int32)
                runs[k] = np.zeros(1, np.int32)
                continue
            if free[k] < need:
                continue
            t = sheet_stock[k]
            s, u, v = best_on_sheet(grids[k], shapes, lim, t, cands, res, mode, start[k],
                                    runs[k], key_k[t], key_n[t])
            if s < 0 and cands.shape[0] < allv.shape[0]:
                continue
            if s >= 0:
                free[k] -= stamp(grids[k], rows, lo, hi, var_s0[s], var_s1[s], u, v)
                forget_runs(runs[k], u + rows[var_s0[s]], u + rows[var_s1[s] - 1])
                out_sheet[it] = k
                out_var[it] = s
                out_u[it] = u
                out_v[it] = v
                x = u * res + var_right[s]
                if x > sheet_maxx[k]:
                    sheet_maxx[k] = x
                done = True
                break
        while first_open < n_sheets and closed[first_open]:
            first_open += 1
        if done:
            continue
        # a new sheet: the first stock type with copies left that takes the item
        for t in range(n_st):
            if st_count[t] >= 0 and used[t] >= st_count[t]:
                continue
            g = st_init[t, :st_nu[t], :st_nv[t]].copy()
            gr = np.full(st_nu[t], -1, np.int32)
            scratch[:] = UNKNOWN
            s, u, v = best_on_sheet(g, shapes, lim, t, cands, res, mode, scratch, gr,
                                    key_k[t], key_n[t])
            if s < 0 and cands.shape[0] < allv.shape[0]:
                s, u, v = best_on_sheet(g, shapes, lim, t, allv, res, mode, scratch, gr,
                                        key_k[t], key_n[t])
            if s < 0:
                continue
            k = n_sheets
            start[k, :] = scratch
            n_sheets += 1
            used[t] += 1
            grids.append(g)
            runs.append(gr)
            sheet_stock[k] = t
            free[k] = 0
            for r in range(st_nu[t]):
                for c in range(st_nv[t]):
                    if g[r, c] != c:
                        free[k] += 1
            free[k] -= stamp(g, rows, lo, hi, var_s0[s], var_s1[s], u, v)
            forget_runs(gr, u + rows[var_s0[s]], u + rows[var_s1[s] - 1])
            out_sheet[it] = k
            out_var[it] = s
            out_u[it] = u
            out_v[it] = v
            sheet_maxx[k] = u * res + var_right[s]
            break
    return out_sheet, out_var, out_u, out_v, sheet_stock[:n_sheets], sheet_maxx[:n_sheets]
