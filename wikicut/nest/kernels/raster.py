"""Numba kernel of conservative rasterisation (raster.py): one shape's cells, band by band."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _edge_y(x1, y1, x2, y2, x):
    """y of the edge (x1, y1)-(x2, y2) at x (its ends exactly at its ends)."""
    if x == x1:
        return y1
    if x == x2:
        return y2
    return y1 + (x - x1) / (x2 - x1) * (y2 - y1)


@njit(cache=True)
def scan(xy, ends, res, ox, oy, u0, nu, edge_eps, area_eps):
    """The runs of bands u0..nu-1 (see raster.py's docstring); `xy` holds the rings one
    after another, each closed (first point repeated), ring k ending before ends[k]."""
    m = xy.shape[0]
    ex1, ey1, ex2, ey2 = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
    n_e = 0
    first = 0
    for r in range(ends.shape[0]):
        for k in range(first, ends[r] - 1):
            if xy[k, 0] != xy[k + 1, 0]:  # a vertical edge bounds no slice's trapezoid
                ex1[n_e], ey1[n_e] = xy[k, 0], xy[k, 1]
                ex2[n_e], ey2[n_e] = xy[k + 1, 0], xy[k + 1, 1]
                n_e += 1
        first = ends[r]
    exlo = np.minimum(ex1[:n_e], ex2[:n_e])
    exhi = np.maximum(ex1[:n_e], ex2[:n_e])
    cand = np.empty(n_e, np.int64)
    cross = np.empty(n_e, np.int64)
    ym = np.empty(n_e)
    cuts = np.empty(2 * n_e + 2)
    cap = 16
    run_lo, run_hi = np.empty(cap, np.int64), np.empty(cap, np.int64)
    rows, los, his = [0], [0], [0]  # typed by the first element, dropped at the end
    for u in range(u0, nu):
        xa, xb = ox + u * res, ox + (u + 1) * res
        nc, nk = 0, 2
        cuts[0], cuts[1] = xa, xb
        for e in range(n_e):
            if exlo[e] < xb and exhi[e] > xa:
                cand[nc] = e
                nc += 1
                if xa < ex1[e] < xb:
                    cuts[nk] = ex1[e]
                    nk += 1
                if xa < ex2[e] < xb:
                    cuts[nk] = ex2[e]
                    nk += 1
        if nc == 0:
            continue
        xs = np.sort(cuts[:nk])
        nr = 0
        for i in range(nk - 1):
            p, q = xs[i], xs[i + 1]
            if not q > p:
                continue
            xm = 0.5 * (p + q)
            k = 0
            for j in range(nc):  # the edges across the slice, no vertex inside it
                e = cand[j]
                if exlo[e] < xm < exhi[e]:
                    cross[k] = e
                    ym[k] = _edge_y(ex1[e], ey1[e], ex2[e], ey2[e], xm)
                    k += 1
            o = np.argsort(ym[:k])
            for j in range(0, k - 1, 2):
                a, b = cross[o[j]], cross[o[j + 1]]
                ap = _edge_y(ex1[a], ey1[a], ex2[a], ey2[a], p)
                aq = _edge_y(ex1[a], ey1[a], ex2[a], ey2[a], q)
                bp = _edge_y(ex1[b], ey1[b], ex2[b], ey2[b], p)
                bq = _edge_y(ex1[b], ey1[b], ex2[b], ey2[b], q)
                if (q - p) * (bp - ap + bq - aq) * 0.5 <= area_eps * res * res:
                    continue  # a sliver at a band's edge, float noise: no cell
                lo = int(math.floor((min(ap, aq) - oy) / res + edge_eps))
                hi = int(math.ceil((max(bp, bq) - oy) / res - edge_eps)) - 1
                if hi < lo:
                    continue
                if nr == cap:
                    cap *= 2
                    grown_lo, grown_hi = np.empty(cap, np.int64), np.empty(cap, np.int64)
                    grown_lo[:nr], grown_hi[:nr] = run_lo[:nr], run_hi[:nr]
                    run_lo, run_hi = grown_lo, grown_hi
                run_lo[nr], run_hi[nr] = lo, hi
                nr += 1
        if nr == 0:
            continue
        o = np.argsort(run_lo[:nr], kind="mergesort")
        a, z = run_lo[o[0]], run_hi[o[0]]
        for j in range(1, nr):  # merge overlapping or adjacent runs
            if run_lo[o[j]] <= z + 1:
                z = max(z, run_hi[o[j]])
            else:
                rows.append(u)
                los.append(a)
                his.append(z)
                a, z = run_lo[o[j]], run_hi[o[j]]
        rows.append(u)
        los.append(a)
        his.append(z)
    n = len(rows) - 1
    out_r, out_l, out_h = np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n, np.int32)
    for i in range(n):
        out_r[i], out_l[i], out_h[i] = rows[i + 1], los[i + 1], his[i + 1]
    return out_r, out_l, out_h
