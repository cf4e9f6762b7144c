"""A layout of the coarse raster carried onto a finer one of the same job, every part
exactly where it was, for the search to go on there (`nest._search`)."""

from __future__ import annotations

import numpy as np

from ..problem import Problem
from ..solution import Solution, regroup, solution


def on_finer(p: Problem, s: Solution, fine: Problem) -> Solution | None:
    """The layout `s` of `p` on the finer raster of the same job (`fine`), every part
    exactly where it was: valid there too, since each fine cell lies within one coarse
    cell, so parts with no coarse cell in common have no fine one either. A part whose turn
    the finer raster dropped as a repeat (`problem._distinct`) takes the kept turn of the
    same extent. None when parts are left out, a part has no such turn, or would leave its
    limits."""
    sheet, var, us, vs, stock, _ = s.out
    if stock.shape[0] == 0 or (sheet < 0).any():
        return None
    n = len(p.items)
    var2, us2, vs2 = (np.zeros(n, np.int64) for _ in range(3))
    for i in range(n):
        v = p.variants[int(var[i])]
        x = int(us[i]) * p.res - v.ox + v.bare[0]  # the bare part's lower left, from the margin
        y = int(vs[i]) * p.res - v.oy + v.bare[1]
        kept = fine.item_vars[fine.item_v0[i]:fine.item_v1[i]].tolist()
        same = [k for k in kept if (fine.variants[k].rotation, fine.variants[k].mirrored)
                == (v.rotation, v.mirrored)]
        if not same:
            w, h = v.bare[2] - v.bare[0], v.bare[3] - v.bare[1]
            same = [k for k in kept
                    if abs(fine.variants[k].bare[2] - fine.variants[k].bare[0] - w) < 1e-6
                    and abs(fine.variants[k].bare[3] - fine.variants[k].bare[1] - h) < 1e-6]
        if not same:
            return None
        k = same[0]
        f = fine.variants[k]
        u = round((x + f.ox - f.bare[0]) / fine.res)
        w = round((y + f.oy - f.bare[1]) / fine.res)
        lim = fine.lim[int(stock[sheet[i]]), k]
        if not (lim[0] <= u <= lim[1] and lim[2] <= w <= lim[3]):
            return None
        var2[i], us2[i], vs2[i] = k, u, w
    out = regroup(fine, sheet, var2, us2, vs2, stock)
    return solution(fine, s.order, s.pref, s.mode, out)
