"""Strip packing by overlap removal on the raster (the approach of the strip-packing
literature: GLS of Egeblad et al., sparrow), after the bottom-left search has found a layout.

Fix a strip length a little shorter than the best layout, pull the parts that stick out back
in (they now overlap others), then move one overlapping part at a time to the position and
rotation where it overlaps least. Overlap is counted in raster cells. What a move
minimises is one of two losses:
- **cells** (sheet elimination): each cell weighted, cells that stay overlapped get heavier
  (guided local search), so the parts that keep fighting over a spot look elsewhere;
- **pairs** (strips, as sparrow weighs them): a loss per pair of parts, with a weight per
  pair (kernels/pairs.py).
No overlap left = a valid layout at that length (cell-disjoint grown outlines, as in the
decoder); then shorten again. Where it gives up, the last valid layout stands.

The grid `cnt[u, v]` counts the parts (and keep-out zones, fixed at 1) covering each cell;
`S[u, c]` is the row prefix sum of cnt * weight, so the weighted overlap of a part at any
position costs one subtraction per raster interval.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from .decode import span
from .pairs import (
    PAIR_EPS,
    common,
    heavy_pairs,
    near_buffers,
    neighbours,
    no_near,
    pair_cost,
    part_sizes,
    update_pairs,
)


class Grid(NamedTuple):
    """The overlap search's cells: part counts, weights, their row prefix sums (one column
    more), and scratch for the weight updates (MARK or wider)."""

    cnt: np.ndarray
    w: np.ndarray
    S: np.ndarray
    mark: np.ndarray
    pw: np.ndarray  # weight of each pair of parts (n x n); 0 x 0: the cell loss


class Parts(NamedTuple):
    """Each part's variant (-1: not placed yet) and origin cell, and the variants it may
    take: item_vars[item_v0[i]:item_v1[i]]."""

    var_of: np.ndarray
    u_of: np.ndarray
    v_of: np.ndarray
    item_v0: np.ndarray
    item_v1: np.ndarray
    item_vars: np.ndarray


class Tuning(NamedTuple):
    """How a move searches (`best_spot`, `separate`): coarse samples per rotation, the pull
    to the left per cell of u, moves without progress before contested cells get dearer and
    by what factor, anchor cells per variant, descents (0: all), rotations sampled (0: all),
    the first step of a descent from the part's own position (0: none), samples per
    rotation near the part's own position (0: none)."""

    samples: int
    bias: float
    bump: int
    factor: float
    anchors: int
    top: int = 0
    rot_keep: int = 0
    local: int = 0
    focus: int = 0

# compact cell arrays, so two searches side by side (the two workers) share the cache:
# part counts stay far below 2**15; weights need no float64 (their products are summed in
# float64); MARK is the weight update's scratch, its epoch restarts before it would overflow
COUNT = np.int16
WEIGHT = np.float32
MARK = np.int16
_EPOCH_MAX = int(np.iinfo(MARK).max)
# "no current position" for best_spot as int64 values: literal -1, 0 would compile the kernel
# (and each kernel it calls) once more, for those values
_NO_VARIANT = np.int64(-1)
_ORIGIN = np.int64(0)


@njit(cache=True, inline="always")
def paint(cnt, rows, lo, hi, s0, s1, u, v, delta):
    nu, nv = cnt.shape
    for k in range(s0, s1):
        r, a, b = span(rows, lo, hi, k, u, v, nu, nv)
        if r >= 0:
            for c in range(a, b + 1):
                cnt[r, c] += delta


@njit(cache=True)
def prefix_rows(cnt, w, S, r0, r1):
    for r in range(max(r0, 0), min(r1, cnt.shape[0] - 1) + 1):
        S[r, 0] = 0.0
        _sum_row(cnt, w, S, r, 0, cnt.shape[1] - 1)


@njit(cache=True, inline="always")
def _sum_row(cnt, w, S, r, a, b):
    """Row r's prefix sums of cnt * w over cells a..b, going on from S[r, a]; returns the
    last one."""
    acc = S[r, a]
    for c in range(a, b + 1):
        acc += cnt[r, c] * w[r, c]
        S[r, c + 1] = acc
    return acc


@njit(cache=True, inline="always")
def _place(cnt, w, S, rows, lo, hi, var_s0, var_s1, s, u, v, delta):
    """Add (delta 1) or take away (-1) variant s at (u, v), and refresh the prefix sums of
    the rows it covers."""
    paint(cnt, rows, lo, hi, var_s0[s], var_s1[s], u, v, delta)
    _refresh(cnt, w, S, rows, lo, hi, var_s0[s], var_s1[s], u, v)


@njit(cache=True)
def _refresh(cnt, w, S, rows, lo, hi, s0, s1, u, v):
    """Prefix sums of the rows a shape at (u, v) covers: summed again from its first to its
    last cell in each row (the sums before are the same numbers added in the same order),
    the rest of the row shifted by the change (no chain of additions: it vectorises). The
    shift can differ from a fresh sum in the last bits; readers allow for that
    (`_anchor_taken`), and `prefix_rows` sums afresh."""
    nu, nv = cnt.shape
    k = s0
    while k < s1:  # by row, then first cell
        k1 = k + 1
        while k1 < s1 and rows[k1] == rows[k]:
            k1 += 1
        r, a, _ = span(rows, lo, hi, k, u, v, nu, nv)
        _, _, b = span(rows, lo, hi, k1 - 1, u, v, nu, nv)
        k = k1
        if r >= 0 and a <= b:
            _refresh_span(cnt, w, S, r, a, b)


@njit(cache=True, inline="always")
def _refresh_span(cnt, w, S, r, a, b):
    """Row r's prefix sums after cells a..b changed: summed again over a..b, the rest of
    the row shifted by the change."""
    old = S[r, b + 1]
    d = _sum_row(cnt, w, S, r, a, b) - old
    if d != 0.0:
        for c in range(b + 2, S.shape[1]):
            S[r, c] += d


@njit(cache=True)
def cost(S, rows, lo, hi, s0, s1, u, v, nu, nv, limit):
    """Weighted overlap of a shape at (u, v). Every term is >= 0, so the sum can stop once
    it reaches `limit` (a position no better than the best so far): the caller's
    comparisons come out the same, in a fraction of the rows. `limit` has no default: an
    omitted one would compile the kernel once more."""
    c = 0.0
    for k in range(s0, s1):
        r, a, b = span(rows, lo, hi, k, u, v, nu, nv)
        if r >= 0 and a <= b:
            c += S[r, b + 1] - S[r, a]
            if c >= limit:
                return c
    return c


@njit(cache=True, inline="always")
def _loss(S, shapes, vbox, s, u, v, nu, nv, limit, near):
    """What a move minimises: the pair loss with neighbours, else the weighted cells.
    With the pair loss the cells' weights stay 1, so the prefix sums give the cells shared
    with all neighbours together (n) at one subtraction a row: none, no loss; and as
    sqrt is subadditive, the loss is at least fmin * sqrt(n + PAIR_EPS), which rejects
    most samples before any neighbour is merged."""
    rows, lo, hi, var_s0, var_s1, _ = shapes
    if near.m > 0:
        n = cost(S, rows, lo, hi, var_s0[s], var_s1[s], u, v, nu, nv, math.inf)
        if n < 0.5:
            return 0.0
        bound = near.fmin * math.sqrt(n + PAIR_EPS)
        if bound >= limit:
            return bound
        return pair_cost(rows, lo, hi, var_s0, var_s1, vbox, s, u, v, near, nu, nv, limit)
    return cost(S, rows, lo, hi, var_s0[s], var_s1[s], u, v, nu, nv, limit)


@njit(cache=True)
def _over(cnt, rows, lo, hi, s0, s1, u, v):
    """Overlapped cells of a painted part (each counted once per extra part on it)."""
    nu, nv = cnt.shape
    o = 0
    for k in range(s0, s1):
        r, a, b = span(rows, lo, hi, k, u, v, nu, nv)
        if r < 0:
            continue
        for c in range(a, b + 1):
            if cnt[r, c] > 1:
                o += cnt[r, c] - 1
    return o


@njit(cache=True, inline="always")
def _descend(S, shapes, vbox, s, lu, lv, lbest, d, du0, du1, dv0, dv1, nu, nv, bias, near):
    """From (lu, lv) at cost `lbest`: steps of d cells along u and v while one lowers the
    cost (within du0..du1, dv0..dv1), then of half as many, down to one cell. Returns the
    cost and the cell reached."""
    while d >= 1:
        back = -1  # the step back to where the last step came from: known to be worse
        moved = True
        while moved:
            moved = False
            for m in range(4):
                if m == back:
                    continue
                uu = lu + (d if m == 0 else -d if m == 1 else 0)
                vv = lv + (d if m == 2 else -d if m == 3 else 0)
                if uu < du0 or uu > du1 or vv < dv0 or vv > dv1:
                    continue
                c = _loss(S, shapes, vbox, s, uu, vv, nu, nv, lbest - bias * uu, near) \
                    + bias * uu
                if c < lbest - 1e-12:
                    lbest, lu, lv = c, uu, vv
                    moved = True
                    back = m ^ 1
        d //= 2
    return lbest, lu, lv


@njit(cache=True, inline="always")
def _sample_grid(S, shapes, vbox, anc, near, s, u0, u1, v0, v1, count, check, lbest, top,
                 bias, nu, nv):
    """About `count` samples of variant s on a grid over the origins u0..u1, v0..v1 (at a
    random offset), skipping those with an anchor cell taken when `check`; each sum stops
    at the lower of `lbest` and `top`. Returns the least loss below `lbest`, its origin and
    the grid's stride; origin u -1 when none was lower."""
    span_u = u1 - u0 + 1
    span_v = v1 - v0 + 1
    stride = max(1, int(math.sqrt(span_u * span_v / count)))
    su = u0 + np.random.randint(min(stride, span_u))
    sv0 = v0 + np.random.randint(min(stride, span_v))
    bu, bv = -1, 0
    for u in range(su, u1 + 1, stride):
        for v in range(sv0, v1 + 1, stride):
            if check and _anchor_taken(S, anc, s, u, v, nu, nv):
                continue
            c = _loss(S, shapes, vbox, s, u, v, nu, nv, min(lbest, top) - bias * u, near) \
                + bias * u
            if c < lbest:
                lbest, bu, bv = c, u, v
    return lbest, bu, bv, stride


@njit(cache=True)
def best_spot(S, cands, shapes, lim, t, ucap, offs, tuning, cur_s, cur_u, cur_v, anc, near,
              vbox):
    """The least weighted-overlap position over the candidate variants and sheets (`offs`:
    where each sheet starts along u): a coarse sample of each range (random offset), then,
    per variant, a descent with halving steps from the best sample; with `top` > 0 only the
    variants with the `top` best samples (ties included) descend (a part that turns in 16
    steps would make every move slow otherwise). The current position competes too. Ties go
    left: `bias` per cell of u. Coarse samples with one of the variant's anchor cells
    (`anchors`) taken are skipped unevaluated (one look-up instead of a sum over the shape's
    rows): the least overlap is rarely there, and most samples on a crowded sheet are; a
    variant none of whose samples is left is sampled again in full. With `top` > 0 a
    sample's sum also stops at the `top`-th least sample of the variants before (it cannot
    descend then). The descent's first step is half the sample stride: a whole stride lands
    on the neighbouring samples, already worse. With `rot_keep` > 0 a move of a placed part
    samples each variant but its current one with chance rot_keep / their count (a part with
    16 rotations looks at about that many per move); a part put in afresh (`cur_s` -1)
    samples them all, so it always gets a spot. With `focus` > 0 a moved part also samples
    each rotation that many times (on a grid, random offset, no anchors) among the origins
    that put its centre within half its extent of where its centre is. `samples`, `bias`,
    `top`, `rot_keep`, `focus`: from `tuning`."""
    rows, lo, hi, var_s0, var_s1, _ = shapes
    samples, bias, _, _, _, top, rot_keep, local, focus = tuning
    nu, nv = S.shape[0], S.shape[1] - 1
    n_anc = anc.shape[1]
    bs, bu, bv = -1, 0, 0
    best = math.inf
    stays = cur_s >= 0 and cur_u <= ucap[cur_s]  # the current position competes
    here = math.inf  # its cost
    o_cur, mu, mv = 0, 0, 0  # its sheet, and twice its centre's cell (u, v)
    if stays:
        bs, bu, bv = cur_s, cur_u, cur_v
        here = _loss(S, shapes, vbox, cur_s, cur_u, cur_v, nu, nv, math.inf, near) \
            + bias * cur_u
        best = here
        for oo in range(offs.shape[0]):
            if offs[oo] + lim[t, cur_s, 0] <= cur_u:
                o_cur = oo
        mu = 2 * cur_u + vbox[cur_s, 0] + vbox[cur_s, 1]
        mv = 2 * cur_v + vbox[cur_s, 2] + vbox[cur_s, 3]
    per = max(samples // offs.shape[0], 16)
    nq = cands.shape[0]
    q_best = np.full(nq, math.inf)
    q_box = np.zeros((nq, 7), np.int64)  # best sample u, v; its range u0, u1, v0, v1; stride
    tops = np.full(max(top, 1), math.inf)  # the `top` least samples so far, ascending
    for q in range(nq):
        s = cands[q]
        if cur_s >= 0 and 0 < rot_keep < nq and s != cur_s \
                and np.random.random() * nq >= rot_keep:
            continue
        # coarse samples on every sheet; the descent goes from the best of them, within
        # its sheet. With anchors, a first pass over the sheets skips samples whose anchor
        # cells are taken, and a second pass (without) runs only if none was left.
        lu, lv = -1, 0
        lbest = math.inf
        du0, du1, dv0, dv1, dstride = 0, -1, 0, -1, 1
        n_off = offs.shape[0]
        for oo in range(2 * n_off if n_anc > 0 else n_off):
            o = oo % n_off
            check = n_anc > 0 and oo < n_off
            if oo == n_off and lu >= 0:
                break
            u0 = offs[o] + lim[t, s, 0]
            u1 = min(offs[o] + lim[t, s, 1], ucap[s])
            v0 = lim[t, s, 2]
            v1 = lim[t, s, 3]
            if u0 > u1 or v0 > v1:
                continue
            c, cu, cv, stride = _sample_grid(S, shapes, vbox, anc, near, s, u0, u1, v0, v1,
                                             per, check, lbest, tops[-1], bias, nu, nv)
            if cu >= 0:
                lbest, lu, lv = c, cu, cv
                du0, du1, dv0, dv1, dstride = u0, u1, v0, v1, stride
        if focus > 0 and stays:
            # samples near where the part is (sparrow's focused samples), centre on centre:
            # the coarse ones lie a stride apart, the least overlap after a cut or a
            # neighbour's move is often between them
            hu = vbox[s, 1] - vbox[s, 0] + 1
            hv = vbox[s, 3] - vbox[s, 2] + 1
            ou = (mu - vbox[s, 0] - vbox[s, 1]) // 2  # s's origin with the same centre
            ov_ = (mv - vbox[s, 2] - vbox[s, 3]) // 2
            u0 = offs[o_cur] + lim[t, s, 0]
            u1 = min(offs[o_cur] + lim[t, s, 1], ucap[s])
            v0 = lim[t, s, 2]
            v1 = lim[t, s, 3]
            fu0, fu1 = max(u0, ou - hu // 2), min(u1, ou + hu // 2)
            fv0, fv1 = max(v0, ov_ - hv // 2), min(v1, ov_ + hv // 2)
            if fu0 <= fu1 and fv0 <= fv1:
                c, cu, cv, stride = _sample_grid(S, shapes, vbox, anc, near, s, fu0, fu1, fv0,
                                                 fv1, focus, False, lbest, tops[-1], bias, nu,
                                                 nv)
                if cu >= 0:
                    lbest, lu, lv = c, cu, cv
                    du0, du1, dv0, dv1, dstride = u0, u1, v0, v1, stride
        if lu < 0:
            continue
        q_best[q] = lbest
        if top > 0 and lbest < tops[-1]:
            j = top - 1
            while j > 0 and tops[j - 1] > lbest:
                tops[j] = tops[j - 1]
                j -= 1
            tops[j] = lbest
        q_box[q, 0], q_box[q, 1], q_box[q, 2], q_box[q, 3] = lu, lv, du0, du1
        q_box[q, 4], q_box[q, 5], q_box[q, 6] = dv0, dv1, dstride
    # the descent, from the best sample of each variant (or of the `top` best variants:
    # the values in `tops` are the `top` least of q_best, the others no less than the last)
    thr = tops[-1] if 0 < top < nq else math.inf
    for q in range(nq):
        if q_best[q] == math.inf or q_best[q] > thr:
            continue
        s = cands[q]
        lbest = q_best[q]
        lu, lv, du0, du1 = q_box[q, 0], q_box[q, 1], q_box[q, 2], q_box[q, 3]
        dv0, dv1, dstride = q_box[q, 4], q_box[q, 5], q_box[q, 6]
        d = max(dstride // 2, 1)
        lbest, lu, lv = _descend(S, shapes, vbox, s, lu, lv, lbest, d, du0, du1, dv0, dv1,
                                 nu, nv, bias, near)
        if lbest < best - 1e-12:
            best, bs, bu, bv = lbest, s, lu, lv
    if local > 0 and stays:
        # a descent from where the part is: after a cut, or a neighbour's move, the least
        # overlap is often a few cells away, between the coarse samples
        s = cur_s
        du0, du1 = offs[o_cur] + lim[t, s, 0], min(offs[o_cur] + lim[t, s, 1], ucap[s])
        dv0, dv1 = lim[t, s, 2], lim[t, s, 3]
        lbest, lu, lv = _descend(S, shapes, vbox, s, cur_u, cur_v, here, local, du0, du1,
                                 dv0, dv1, nu, nv, bias, near)
        if lbest < best - 1e-12:
            best, bs, bu, bv = lbest, s, lu, lv
    return bs, bu, bv


@njit(cache=True)
def anchors(rows, lo, hi, var_s0, var_s1, k):
    """k cells each variant covers, relative to its origin (row, column): the middles of
    intervals spread evenly through its interval list (which runs row by row)."""
    n_var = var_s0.shape[0]
    anc = np.zeros((n_var, k, 2), np.int64)
    for s in range(n_var):
        n = var_s1[s] - var_s0[s]
        for j in range(k if n > 0 else 0):
            q = var_s0[s] + n * (j + 1) // (k + 1)
            anc[s, j, 0] = rows[q]
            anc[s, j, 1] = (lo[q] + hi[q]) // 2
    return anc


@njit(cache=True, inline="always")
def _anchor_taken(S, anc, s, u, v, nu, nv):
    """Whether a cell under one of variant s's anchors at (u, v) is taken (cnt * w > 0)."""
    for j in range(anc.shape[1]):
        r, c = u + anc[s, j, 0], v + anc[s, j, 1]
        if 0 <= r < nu and 0 <= c < nv and S[r, c + 1] - S[r, c] > 0.5:  # w >= 1
            return True
    return False


@njit(cache=True)
def cell_boxes(rows, lo, hi, var_s0, var_s1):
    """Each variant's cell box relative to its origin cell: (first row, last row, lowest
    column, highest column); zeros for a variant with no cells."""
    n_var = var_s0.shape[0]
    vbox = np.zeros((n_var, 4), np.int64)
    for s in range(n_var):
        if var_s1[s] > var_s0[s]:
            vbox[s, 0] = rows[var_s0[s]]
            vbox[s, 1] = rows[var_s1[s] - 1]
            vbox[s, 2] = lo[var_s0[s]:var_s1[s]].min()
            vbox[s, 3] = hi[var_s0[s]:var_s1[s]].max()
    return vbox


@njit(cache=True)
def next_part(ov, queue, turn):
    """The next part to move: the overlapping parts (`ov` > 0) in turn, each once a round,
    in a random order (as sparrow moves them), skipping those whose overlap went meanwhile;
    a round ends, and the next is drawn, when the queue is used up. `queue` (n) and `turn`
    (its length, the next place in it) carry the round between calls; some part must
    overlap."""
    while True:
        if turn[1] >= turn[0]:
            m = 0
            for j in range(ov.shape[0]):
                if ov[j] > 0:
                    queue[m] = j
                    m += 1
            for j in range(m - 1, 0, -1):
                x = np.random.randint(j + 1)
                queue[j], queue[x] = queue[x], queue[j]
            turn[0], turn[1] = m, 0
        i = queue[turn[1]]
        turn[1] += 1
        if ov[i] > 0:
            return i


@njit(cache=True)
def separate(grid, parts, shapes, lim, t, ucap, offs, moves, seed, tuning, strike, keep):
    """Up to `moves` moves of overlapping parts; items beyond `ucap` are pulled in first,
    and items not placed yet (variant -1) put where they overlap least.
    Returns the overlap left (0 = a valid layout) and the moves made. The state (`grid`,
    `parts`) is updated in place, so calls continue where the last stopped. `tuning`'s
    anchors per variant prune the coarse samples; its `top` and `rot_keep` limit the
    descents and the rotations sampled (`best_spot`; 0: none, all). With pair weights in
    `grid` (n x n) a move minimises the pair loss, else the weighted cells.

    The strike's progress is kept after every move, not only where a call ends (a call is
    a chunk of up to 200 moves, and the overlap swings within one): `strike` holds the
    least overlap so far (-1: none yet), the moves since it last fell by 2 % (or first
    fell), the moves without that after which the strike ends (the call returns there),
    and, written here, the overlap when the call began; `keep` (n x 3) gets each part's
    variant and origin whenever the least falls."""
    cnt, w, S, mark, pw = grid
    var_of, u_of, v_of, item_v0, item_v1, item_vars = parts
    rows, lo, hi, var_s0, var_s1, _ = shapes
    _, _, bump, factor, n_anchors, _, _, _, _ = tuning
    np.random.seed(seed)
    anc = anchors(rows, lo, hi, var_s0, var_s1, n_anchors)
    epoch = 0
    mark[:] = 0
    nu, nv = cnt.shape
    n = var_of.shape[0]
    vbox = cell_boxes(rows, lo, hi, var_s0, var_s1)
    pairs = pw.shape[0] == n and n > 0
    size = part_sizes(rows, lo, hi, var_s0, var_s1, item_v0, item_vars)
    buf = near_buffers(n)
    heavy, n_heavy = heavy_pairs(pw)
    none = no_near()
    # pull in what sticks out of the strip
    for i in range(n):
        s = var_of[i]
        if s >= 0:
            if u_of[i] <= ucap[s]:
                continue
            _place(cnt, w, S, rows, lo, hi, var_s0, var_s1, s, u_of[i], v_of[i], -1)
        cands = item_vars[item_v0[i]:item_v1[i]]
        bs, bu, bv = best_spot(S, cands, shapes, lim, t, ucap, offs, tuning, _NO_VARIANT,
                               _ORIGIN, _ORIGIN, anc, none, vbox)
        var_of[i], u_of[i], v_of[i] = bs, bu, bv
        _place(cnt, w, S, rows, lo, hi, var_s0, var_s1, bs, bu, bv, 1)
    # a move changes another part's overlap by the cells it shares with the moved part's
    # new footprint less those it shared with the old one (only parts whose box meets one
    # of those can share any)
    ov = np.zeros(n, np.int64)
    for i in range(n):
        s = var_of[i]
        ov[i] = _over(cnt, rows, lo, hi, var_s0[s], var_s1[s], u_of[i], v_of[i])
    best_total = 1 << 62
    stall = 0
    queue = np.zeros(n, np.int64)
    turn = np.zeros(2, np.int64)
    for m in range(moves + 1):
        total = 0
        for i in range(n):
            total += ov[i]
        if m == 0:
            strike[3] = total
        if total == 0:
            return 0, m
        # the state after each move (and the first, before any) against the strike's least
        if m > 0 or strike[0] < 0:
            if strike[0] < 0 or total < strike[0]:
                if strike[0] < 0 or total < 0.98 * strike[0]:
                    strike[1] = 0
                strike[0] = total
                for j in range(n):
                    keep[j, 0], keep[j, 1], keep[j, 2] = var_of[j], u_of[j], v_of[j]
            elif m > 0:
                strike[1] += 1
                if strike[1] >= strike[2]:
                    return total, m
        if m == moves:
            return total, moves
        if total < best_total:
            best_total = total
            stall = 0
        else:
            stall += 1
        if stall > bump and pairs:  # stuck: overlapping pairs dearer, the others lighter
            heavy, n_heavy = update_pairs(pw, heavy, n_heavy, rows, lo, hi, var_s0, var_s1,
                                          vbox, var_of, u_of, v_of, ov, size, nu, nv)
            stall = 0
            best_total = total
        elif stall > bump:  # stuck: make the contested cells dearer (each once)
            epoch += 1
            if epoch > _EPOCH_MAX:  # `mark` holds MARK
                mark[:] = 0
                epoch = 1
            for j in range(n):
                if ov[j] == 0:
                    continue
                s = var_of[j]
                for q in range(var_s0[s], var_s1[s]):
                    r, a, b = span(rows, lo, hi, q, u_of[j], v_of[j], nu, nv)
                    if r < 0:
                        continue
                    c0, c1 = -1, -1
                    for c in range(a, b + 1):
                        if cnt[r, c] > 1 and mark[r, c] != epoch:
                            mark[r, c] = epoch
                            w[r, c] *= factor
                            if c0 < 0:
                                c0 = c
                            c1 = c
                    if c1 >= 0:  # prefix sums again from the first cell changed
                        _refresh_span(cnt, w, S, r, c0, c1)
            stall = 0
            best_total = total
        i = next_part(ov, queue, turn)
        s, su, sv = var_of[i], u_of[i], v_of[i]
        a0, a1 = su + vbox[s, 0], su + vbox[s, 1]
        b0, b1 = sv + vbox[s, 2], sv + vbox[s, 3]
        _place(cnt, w, S, rows, lo, hi, var_s0, var_s1, s, su, sv, -1)
        cands = item_vars[item_v0[i]:item_v1[i]]
        near = neighbours(i, var_of, u_of, v_of, vbox, pw, size, buf) if pairs else none
        bs, bu, bv = best_spot(S, cands, shapes, lim, t, ucap, offs, tuning, s, su, sv, anc,
                               near, vbox)
        var_of[i], u_of[i], v_of[i] = bs, bu, bv
        _place(cnt, w, S, rows, lo, hi, var_s0, var_s1, bs, bu, bv, 1)
        ov[i] = _over(cnt, rows, lo, hi, var_s0[bs], var_s1[bs], bu, bv)
        if bs == s and bu == su and bv == sv:
            continue
        c0, c1 = bu + vbox[bs, 0], bu + vbox[bs, 1]
        d0, d1 = bv + vbox[bs, 2], bv + vbox[bs, 3]
        for j in range(n):
            if j == i:
                continue
            sj, uj, vj = var_of[j], u_of[j], v_of[j]
            e0, e1 = uj + vbox[sj, 0], uj + vbox[sj, 1]
            f0, f1 = vj + vbox[sj, 2], vj + vbox[sj, 3]
            if e0 <= a1 and e1 >= a0 and f0 <= b1 and f1 >= b0:
                ov[j] -= common(rows, lo, hi, var_s0[sj], var_s1[sj], uj, vj, var_s0[s],
                                 var_s1[s], su, sv, nu, nv)
            if e0 <= c1 and e1 >= c0 and f0 <= d1 and f1 >= d0:
                ov[j] += common(rows, lo, hi, var_s0[sj], var_s1[sj], uj, vj, var_s0[bs],
                                 var_s1[bs], bu, bv, nu, nv)
    return -1, moves  # not reached: the loop returns at m == moves
