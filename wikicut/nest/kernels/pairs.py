"""The strip overlap search's loss per pair of parts (as sparrow weighs overlap), on the
raster of kernels/overlap.py.

For each other part j the moved part i shares cells with, the loss adds the square root of
the shared cells (plus PAIR_EPS), times both parts' sizes ((cells_i cells_j) ** 1/4), times
a weight for the pair. The square root makes a small overlap dear: a part is pushed to leave
a neighbour entirely rather than spread a little overlap over several. Pairs that stay
overlapped get heavier (`update_pairs`), the others lighter, back towards 1, and a weight
stays with its pair wherever the two parts go.

Shared cells come from merging two parts' interval lists (`common`), only for neighbours
whose box meets the part's: `Near` holds a moved part's neighbours sorted by where their
boxes start along u, so a binary search finds the window that can.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

# the pair loss: sqrt(shared cells + PAIR_EPS); weights of pairs apart decay by PAIR_DECAY
# at each update, those of overlapping pairs grow by PAIR_MIN_GROWTH up to PAIR_MAX_GROWTH
# (benchmarks/results/2026-12-03-pairs.md)
PAIR_EPS = 1.0
PAIR_DECAY = 0.95
PAIR_MIN_GROWTH = 1.2
PAIR_MAX_GROWTH = 2.0


class Near(NamedTuple):
    """A moved part's neighbours for the pair loss, sorted by u0: their cell boxes (u0, u1,
    v0, v1), variants, origins and pair factors (weight x both sizes); the first m are
    used (m 0: the cell loss), no box is wider along u than `wide` cells, and no factor
    is below `fmin`."""

    u0: np.ndarray
    u1: np.ndarray
    v0: np.ndarray
    v1: np.ndarray
    s: np.ndarray
    u: np.ndarray
    v: np.ndarray
    f: np.ndarray
    m: int
    wide: int
    fmin: float


@njit(cache=True)
def no_near() -> Near:
    """No neighbours: a move minimises the cell loss."""
    z = np.zeros(0, np.int64)
    return Near(z, z, z, z, z, z, z, np.zeros(0), np.int64(0), np.int64(0), 0.0)


@njit(cache=True)
def common(rows, lo, hi, sa0, sa1, ua, va, sb0, sb1, ub, vb, nu, nv):
    """Grid cells that shape A at (ua, va) and shape B at (ub, vb) both cover: one merge of
    their interval lists (sorted by row, then first cell; disjoint within a row)."""
    n = 0
    ka, kb = sa0, sb0
    while ka < sa1 and kb < sb1:
        ra, rb = ua + rows[ka], ub + rows[kb]
        if ra < rb:
            ka += 1
            continue
        if rb < ra:
            kb += 1
            continue
        a1, b1 = va + hi[ka], vb + hi[kb]
        if 0 <= ra < nu:
            x0 = max(va + lo[ka], vb + lo[kb], 0)
            x1 = min(a1, b1, nv - 1)
            if x1 >= x0:
                n += x1 - x0 + 1
        if a1 < b1:
            ka += 1
        else:
            kb += 1
    return n


@njit(cache=True)
def pair_cost(rows, lo, hi, var_s0, var_s1, vbox, s, u, v, near, nu, nv, limit):
    """The pair loss of variant s at (u, v) against `near`: the sum over neighbours sharing
    cells with it of f * sqrt(shared + PAIR_EPS). Stops once it reaches `limit`."""
    a0, a1 = u + vbox[s, 0], u + vbox[s, 1]
    b0, b1 = v + vbox[s, 2], v + vbox[s, 3]
    k = np.searchsorted(near.u0[:near.m], a0 - near.wide)
    c = 0.0
    while k < near.m and near.u0[k] <= a1:
        if near.u1[k] >= a0 and near.v0[k] <= b1 and near.v1[k] >= b0:
            sj = near.s[k]
            shared = common(rows, lo, hi, var_s0[s], var_s1[s], u, v, var_s0[sj], var_s1[sj],
                            near.u[k], near.v[k], nu, nv)
            if shared > 0:
                c += near.f[k] * math.sqrt(shared + PAIR_EPS)
                if c >= limit:
                    return c
        k += 1
    return c


@njit(cache=True)
def part_sizes(rows, lo, hi, var_s0, var_s1, item_v0, item_vars):
    """Each part's size in the pair loss: its cells ** 0.25 (at its first variant), so a
    pair's factor is the square root of the geometric mean of the two areas."""
    n = item_v0.shape[0]
    q = np.ones(n)
    for i in range(n):
        s = item_vars[item_v0[i]]
        cells = 0
        for k in range(var_s0[s], var_s1[s]):
            cells += hi[k] - lo[k] + 1
        q[i] = max(cells, 1) ** 0.25
    return q


@njit(cache=True)
def near_buffers(n):
    """Scratch for `neighbours` (n parts), allocated once per `separate` call."""
    z = np.zeros(n, np.int64)
    return (z, z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), z.copy(),
            np.zeros(n))


@njit(cache=True)
def neighbours(i, var_of, u_of, v_of, vbox, pw, size, buf):
    """Part i's neighbours (every other placed part) for the pair loss, sorted by u0, in
    `buf` (near_buffers)."""
    n = var_of.shape[0]
    u0, u1, v0, v1, ss, uu, vv, key, idx, f = buf
    m = 0
    for j in range(n):
        if j != i and var_of[j] >= 0:
            key[m] = u_of[j] + vbox[var_of[j], 0]
            idx[m] = j
            m += 1
    order = np.argsort(key[:m], kind="mergesort")
    wide = 0
    fmin = math.inf
    for k in range(m):
        j = idx[order[k]]
        sj = var_of[j]
        u0[k], u1[k] = u_of[j] + vbox[sj, 0], u_of[j] + vbox[sj, 1]
        v0[k], v1[k] = v_of[j] + vbox[sj, 2], v_of[j] + vbox[sj, 3]
        ss[k], uu[k], vv[k] = sj, u_of[j], v_of[j]
        f[k] = pw[i, j] * size[i] * size[j]
        wide = max(wide, u1[k] - u0[k])
        fmin = min(fmin, f[k])
    return Near(u0, u1, v0, v1, ss, uu, vv, f, m, wide, fmin)


@njit(cache=True)
def _shared(rows, lo, hi, var_s0, var_s1, vbox, var_of, u_of, v_of, j, k, nu, nv):
    """Cells parts j and k share (0 when their boxes miss)."""
    sj, uj, vj = var_of[j], u_of[j], v_of[j]
    sk, uk, vk = var_of[k], u_of[k], v_of[k]
    if uj + vbox[sj, 0] > uk + vbox[sk, 1] or uj + vbox[sj, 1] < uk + vbox[sk, 0] \
            or vj + vbox[sj, 2] > vk + vbox[sk, 3] or vj + vbox[sj, 3] < vk + vbox[sk, 2]:
        return 0
    return common(rows, lo, hi, var_s0[sj], var_s1[sj], uj, vj, var_s0[sk], var_s1[sk], uk,
                  vk, nu, nv)


@njit(cache=True)
def heavy_pairs(pw):
    """The pairs (j < k) whose weight is above 1, the only ones a weight update decays: a
    growable list (pairs x 2, the first `count` used) and count. Every other pair weighs
    exactly 1 (decay stops there), so updates cost the pairs that are heavy, not n^2."""
    n = pw.shape[0]
    count = 0
    for j in range(n):
        for k in range(j + 1, n):
            if pw[j, k] > 1.0:
                count += 1
    heavy = np.zeros((max(count, 16), 2), np.int64)
    count = 0
    for j in range(n):
        for k in range(j + 1, n):
            if pw[j, k] > 1.0:
                heavy[count, 0], heavy[count, 1] = j, k
                count += 1
    return heavy, count


@njit(cache=True)
def update_pairs(pw, heavy, count, rows, lo, hi, var_s0, var_s1, vbox, var_of, u_of, v_of,
                 ov, size, nu, nv):
    """Guided local search on pairs: each overlapping pair's weight grows by its share of
    the worst pair's loss (PAIR_MIN_GROWTH .. PAIR_MAX_GROWTH), the others' decay towards
    1. Only parts that overlap (`ov` > 0) can make an overlapping pair: their pairs' losses
    are found once; only the heavy pairs (`heavy_pairs`) can decay. Returns the heavy
    pairs' list and count after the update."""
    n = var_of.shape[0]
    hot = np.flatnonzero(ov > 0)  # ascending: j < k in each pair below
    at = np.full(n, -1, np.int64)  # each part's index in `hot` (-1: no overlap)
    at[hot] = np.arange(hot.shape[0])
    loss = np.zeros((hot.shape[0], hot.shape[0]))
    worst = 0.0
    for a in range(hot.shape[0]):
        for b in range(a + 1, hot.shape[0]):
            j, k = hot[a], hot[b]
            shared = _shared(rows, lo, hi, var_s0, var_s1, vbox, var_of, u_of, v_of, j, k,
                             nu, nv)
            if shared > 0:
                loss[a, b] = size[j] * size[k] * math.sqrt(shared + PAIR_EPS)
                worst = max(worst, loss[a, b])
    kept = 0
    for h in range(count):  # pairs apart lighter; the overlapping ones grow below
        j, k = heavy[h, 0], heavy[h, 1]
        if not (at[j] >= 0 and at[k] >= 0 and loss[at[j], at[k]] > 0.0):
            pw[j, k] = max(1.0, pw[j, k] * PAIR_DECAY)
            pw[k, j] = pw[j, k]
            if pw[j, k] == 1.0:
                continue
        heavy[kept, 0], heavy[kept, 1] = j, k
        kept += 1
    for a in range(hot.shape[0]):
        for b in range(a + 1, hot.shape[0]):
            x = loss[a, b]
            if x <= 0.0:
                continue
            j, k = hot[a], hot[b]
            if pw[j, k] == 1.0:  # heavy from now on
                if kept == heavy.shape[0]:
                    more = np.zeros((2 * kept, 2), np.int64)
                    more[:kept] = heavy
                    heavy = more
                heavy[kept, 0], heavy[kept, 1] = j, k
                kept += 1
            pw[j, k] *= PAIR_MIN_GROWTH + (PAIR_MAX_GROWTH - PAIR_MIN_GROWTH) * x / worst
            pw[k, j] = pw[j, k]
    return heavy, kept
