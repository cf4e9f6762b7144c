"""Sheet elimination: the least-filled sheet emptied into the others by overlap removal
(overlap.py), a cut at a time."""

from __future__ import annotations

import random

import numpy as np

from ..budget import Budget
from ..kernels.overlap import COUNT
from ..overlap import Overlap, separate
from ..params import Params
from ..problem import (
    Problem,
    area_bound,
    lower,
    obstacles,
    overhang,
    strip_cap,
    variant_centres,
)
from ..solution import Solution, regroup, solution


def elim_type(p: Problem, best: Solution) -> int:
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
        bound = lower(p)
    else:  # the parts on these sheets alone
        bound = area_bound(float(p.item_area[np.isin(sheet, of_t)].sum()), p.stocks[t])
    return t if of_t.size > bound else -1


def eliminate(p: Problem, best: Solution, rng: random.Random, budget: Budget,
              prm: Params) -> Solution:
    """Empty the least-filled sheet by overlap removal, a cut at a time: lay it and the
    least-filled others (up to `ov_window`, and `ov_max_cells` raster cells) side by side in
    one grid, a free band between them wider than any part's spacing band reaches; shorten
    the sheet to empty (its parts right of its middle move left by the cut, as a strip's
    do), and separate (`overlap.separate`), parts moving freely between those sheets. On success
    cut again; on failure back to the last valid layout and half the cut (from `ov_step0` of
    the sheet's length down to `ov_step_min`, then from the top again). A cut beyond the
    sheet's last part empties it: one sheet fewer, and the next window. After
    `ov_window_fails` failed cuts in a row the window is as full as it gets: the next
    window is the next sheets by fill (round again after the fullest). Many small cuts
    succeed where dropping a whole sheet's parts at once does not, and each valid layout on
    the way leaves the last sheet shorter (a larger offcut)."""
    t = elim_type(p, best)
    if t < 0:  # the search before reached the bound, or parts are left out
        return best
    nu, nv = int(p.st_nu[t]), int(p.st_nv[t])
    hang = overhang(p, t)
    pitch = nu + 2 * hang + 1
    base = obstacles(p, t)
    sheet_len = float(p.stocks[t].width)
    lim0 = int(p.lim[t, :, 0].min())
    mid_u, _ = variant_centres(p)
    tried = np.zeros(len(p.items), bool)  # items of the windows given up on so far
    while budget.live() and elim_type(p, best) == t:
        sheet, var, us, vs, kind, _ = best.out
        k_sheets = int(kind.shape[0])
        of_t = np.flatnonzero(kind == t)  # only these sheets take part
        area = np.bincount(sheet, weights=p.item_area, minlength=k_sheets)
        by_fill = [int(k) for k in of_t[np.argsort(area[of_t], kind="stable")]]
        drop = by_fill[0]
        m = max(1, min(of_t.size - 1, prm.ov_window, prm.ov_max_cells // (pitch * nv) - 1))
        # the least-filled others not in a window given up on (sheets are renumbered as
        # they fill, so they are known by their parts), then the rest; all given up on:
        # round again
        old = np.bincount(sheet[tried], minlength=k_sheets) > 0
        if all(old[k] for k in by_fill[1:]):
            tried[:] = False
            old[:] = False
        window = sorted(by_fill[1:], key=lambda k: bool(old[k]))[:m]  # stable: by fill
        slots = sorted(window) + [drop]  # the sheet to empty is the last
        idx = np.flatnonzero(np.isin(sheet, slots))
        offs = np.arange(m + 1, dtype=np.int64) * pitch + hang
        cnt = np.zeros(((m + 1) * pitch, nv), COUNT)
        for j in range(m + 1):
            cnt[offs[j]:offs[j] + nu] = base
        slot = np.full(k_sheets, -1, np.int64)
        slot[slots] = np.arange(m + 1)
        ov = Overlap(p, prm, t, cnt, var[idx].copy(), us[idx] + offs[slot[sheet[idx]]],
                      vs[idx].copy(), p.item_v0[idx].copy(), p.item_v1[idx].copy(), offs)
        lo_u, hi_u = offs[m] + p.lim[t, :, 0], offs[m] + p.lim[t, :, 1]

        # bound now: these read the overlap state of this window only
        def on_drop(ov=ov, start=offs[m] + lim0) -> np.ndarray:
            return ov.u_of >= start

        def drop_len(ov=ov, origin=offs[m]) -> float:
            right = (ov.u_of - origin) * p.res + p.var_right[ov.var_of]
            return float(right[on_drop()].max(initial=0.0))

        cur = drop_len()
        step = prm.ov_step0 * sheet_len
        valid = ov.state()
        fails = 0
        while budget.live():
            target = cur - step
            # at no length left, nothing may stay on it (an origin cell can lie before it)
            cap = (offs[m] + strip_cap(p, target) if target > 0
                   else offs[m] + p.lim[t, :, 0] - 1)
            cut = int(round(step / p.res))
            middle = offs[m] + cur / 2 / p.res
            for i in np.flatnonzero(on_drop()).tolist():
                sv, u = int(ov.var_of[i]), int(ov.u_of[i])
                if u + mid_u[sv] > middle and cap[sv] >= lo_u[sv]:
                    ov.move_to(i, sv, max(min(u - cut, int(cap[sv]), int(hi_u[sv])),
                                          int(lo_u[sv])), int(ov.v_of[i]))
            ov.reset_weights()
            if separate(ov, cap, rng, budget, best) != 0:
                ov.restore(valid)
                fails += 1
                if fails >= prm.ov_window_fails and of_t.size - 1 > m:
                    tried[np.isin(sheet, window)] = True  # as full as it gets: others next
                    break
                step /= 2
                if step < prm.ov_step_min * sheet_len:
                    step = prm.ov_step0 * sheet_len
                continue
            valid = ov.state()
            fails = 0
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
            out = regroup(p, new_sheet, new_var, new_u, new_v, kind)
            s = solution(p, best.order, best.pref, best.mode, out)
            if s.key < best.key:
                best = s
                budget.improved(best)
            if not on_drop().any():
                tried[:] = False
                break
    return best
