"""The nesting core: each Numba kernel and the rasteriser against slow obvious references on
seeded random inputs, then nest() on small jobs (placement, spacing, margin, keep-outs,
rotations, part-in-part, stock counts, determinism, strip mode)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import Polygon

from wikicut.errors import UnsafeJobError
from wikicut.model import Layout, NestItem, NestSettings, Part, Placement, SheetLayout, Stock
from wikicut.nest import nest, verify_layout
from wikicut.nest.budget import Budget
from wikicut.nest.compact import compact_sheet
from wikicut.nest.kernels import decode as kernels
from wikicut.nest.params import DEFAULT
from wikicut.nest.problem import build
from wikicut.nest.raster import grow, intervals, limits, sheet_grid, tile_resolution, variant
from wikicut.nest.solution import Decoded, solution, to_layout

# --- slow references -------------------------------------------------------------------------


def paint(occ: np.ndarray, rows, lo, hi, u: int, v: int) -> None:
    """Mark a shape's cells on a boolean grid by hand (cells beyond the grid are dropped)."""
    nu, nv = occ.shape
    for r, a, b in zip(rows.tolist(), lo.tolist(), hi.tolist()):
        r += u
        if 0 <= r < nu:
            a, b = max(a + v, 0), min(b + v, nv - 1)
            if a <= b:
                occ[r, a:b + 1] = True


def _hits(occ: np.ndarray, rows, lo, hi, u: int, v: int) -> bool:
    """Does the shape at origin (u, v) cover an occupied cell? (cells beyond the grid: free)"""
    nu, nv = occ.shape
    for r, a, b in zip(rows.tolist(), lo.tolist(), hi.tolist()):
        r += u
        if 0 <= r < nu:
            a, b = max(a + v, 0), min(b + v, nv - 1)
            if a <= b and occ[r, a:b + 1].any():
                return True
    return False


def _last_of(occ: np.ndarray) -> np.ndarray:
    """The `last` grid a boolean occupancy implies: largest occupied v' <= v, else -1."""
    nv = occ.shape[1]
    idx = np.where(occ, np.arange(nv)[None, :], -1)
    return np.maximum.accumulate(idx, axis=1).astype(np.int32)


def _random_shape(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random intervals: a few rows (gaps, negative offsets, several runs per row)."""
    n = int(rng.integers(1, 9))
    rows = rng.integers(-2, 6, n)
    lo = rng.integers(-3, 7, n)
    hi = lo + rng.integers(0, 5, n)
    o = np.lexsort((lo, rows))
    return (rows[o].astype(np.int32), lo[o].astype(np.int32), hi[o].astype(np.int32))


def _random_grid(rng: np.random.Generator, nu: int, nv: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A `last` grid built by stamping random shapes, and the same occupancy painted by hand."""
    last = kernels.empty_grid(nu, nv)
    occ = np.zeros((nu, nv), bool)
    for _ in range(int(rng.integers(0, 6))):
        rows, lo, hi = _random_shape(rng)
        u, v = int(rng.integers(-3, nu + 1)), int(rng.integers(-3, nv + 1))
        before = int(occ.sum())
        added = kernels.stamp(last, rows, lo, hi, 0, rows.size, u, v)
        paint(occ, rows, lo, hi, u, v)
        assert added == int(occ.sum()) - before
    return last, occ


# --- kernels ---------------------------------------------------------------------------------


def test_stamp_and_occupancy_match_hand_painting():
    rng = np.random.default_rng(1)
    for _ in range(400):
        nu, nv = int(rng.integers(1, 12)), int(rng.integers(1, 14))
        last, occ = _random_grid(rng, nu, nv)
        np.testing.assert_array_equal(kernels.occupancy(last), occ)
        np.testing.assert_array_equal(last, _last_of(occ))  # the skyline invariant itself


def test_stamp_of_a_sub_range_of_intervals_only():
    rng = np.random.default_rng(2)
    for _ in range(200):
        rows, lo, hi = _random_shape(rng)
        s0 = int(rng.integers(0, rows.size + 1))
        s1 = int(rng.integers(s0, rows.size + 1))
        last = kernels.empty_grid(9, 9)
        occ = np.zeros((9, 9), bool)
        kernels.stamp(last, rows, lo, hi, s0, s1, 2, 2)
        paint(occ, rows[s0:s1], lo[s0:s1], hi[s0:s1], 2, 2)
        np.testing.assert_array_equal(kernels.occupancy(last), occ)


def test_collides_matches_the_boolean_grid():
    rng = np.random.default_rng(3)
    n_hit = 0
    for _ in range(300):
        nu, nv = int(rng.integers(1, 12)), int(rng.integers(1, 14))
        last, occ = _random_grid(rng, nu, nv)
        rows, lo, hi = _random_shape(rng)
        for _ in range(10):
            u, v = int(rng.integers(-6, nu + 2)), int(rng.integers(-8, nv + 4))
            want = _hits(occ, rows, lo, hi, u, v)
            n_hit += want
            assert kernels.collides(last, rows, lo, hi, 0, rows.size, u, v) == want
    assert 300 < n_hit < 2700  # both answers well exercised


def _brute_first_fit(occ, rows, lo, hi, u_min, u_max, v_min, v_max):
    for u in range(u_min, u_max + 1):
        for v in range(v_min, v_max + 1):
            if not _hits(occ, rows, lo, hi, u, v):
                return u, v
    return kernels.NONE, kernels.NONE


def test_first_fit_matches_brute_force_in_u_then_v_order():
    rng = np.random.default_rng(4)
    found = 0
    for _ in range(300):
        nu, nv = int(rng.integers(1, 12)), int(rng.integers(1, 14))
        last, occ = _random_grid(rng, nu, nv)
        # a denser grid now and then, so that the search must jump over obstacles
        if rng.random() < 0.5:
            for _ in range(4):
                r, a, b = _random_shape(rng)
                u, v = int(rng.integers(0, nu)), int(rng.integers(0, nv))
                kernels.stamp(last, r, a, b, 0, r.size, u, v)
                paint(occ, r, a, b, u, v)
        rows, lo, hi = _random_shape(rng)
        u_min = int(rng.integers(-4, nu))
        u_max = u_min + int(rng.integers(-1, nu + 3))
        v_min = int(rng.integers(-5, nv))
        v_max = v_min + int(rng.integers(-1, nv + 3))
        got = kernels.first_fit(last, rows, lo, hi, 0, rows.size, u_min, u_max, v_min, v_max)
        want = _brute_first_fit(occ, rows, lo, hi, u_min, u_max, v_min, v_max)
        assert tuple(got) == want
        found += want[0] != kernels.NONE
    assert 50 < found < 290


def test_first_fit_on_an_empty_shape_or_range():
    last = kernels.empty_grid(4, 4)
    e = np.zeros(0, np.int32)
    assert tuple(kernels.first_fit(last, e, e, e, 0, 0, 0, 3, 0, 3)) == (kernels.NONE,) * 2
    one = np.zeros(1, np.int32)
    assert tuple(kernels.first_fit(last, one, one, one, 0, 1, 2, 1, 0, 3)) == (kernels.NONE,) * 2
    assert tuple(kernels.first_fit(last, one, one, one, 0, 1, 0, 3, 0, 3)) == (0, 0)


def _random_problem(rng: np.random.Generator, n_items: int, n_var: int):
    """Flat arrays in the decode kernel's layout: variants of random shapes, items choosing
    1-3 of them, one or two stock types with counts and random keep-out cells."""
    shapes = [_random_shape(rng) for _ in range(n_var)]
    rows = np.concatenate([sh[0] for sh in shapes])
    lo = np.concatenate([sh[1] for sh in shapes])
    hi = np.concatenate([sh[2] for sh in shapes])
    var_s1 = np.cumsum([sh[0].size for sh in shapes]).astype(np.int64)
    var_s0 = np.r_[0, var_s1[:-1]].astype(np.int64)
    var_right = rng.uniform(0.5, 6.0, n_var)
    item_vars, item_v0, item_v1 = [], [], []
    for _ in range(n_items):
        item_v0.append(len(item_vars))
        k = min(n_var, int(rng.integers(1, 4)))
        item_vars += rng.choice(n_var, k, replace=False).tolist()
        item_v1.append(len(item_vars))
    n_st = int(rng.integers(1, 3))
    st_nu = rng.integers(4, 10, n_st).astype(np.int64)
    st_nv = rng.integers(4, 10, n_st).astype(np.int64)
    st_count = np.array([int(rng.choice([-1, 1, 2])) for _ in range(n_st)], np.int64)
    init = np.full((n_st, st_nu.max(), st_nv.max()), -1, np.int32)
    for t in range(n_st):
        g = kernels.empty_grid(int(st_nu[t]), int(st_nv[t]))
        if rng.random() < 0.5:
            r, a, b = _random_shape(rng)
            kernels.stamp(g, r, a, b, 0, r.size, int(rng.integers(0, 4)), int(rng.integers(0, 4)))
        init[t, :st_nu[t], :st_nv[t]] = g
    lim = np.zeros((n_st, n_var, 4), np.int64)
    for t in range(n_st):
        for v in range(n_var):
            u0, v0 = int(rng.integers(-2, 2)), int(rng.integers(-2, 2))
            lim[t, v] = (u0, u0 + int(rng.integers(-1, st_nu[t])), v0,
                         v0 + int(rng.integers(-1, st_nv[t])))
    return {"item_v0": np.array(item_v0, np.int64), "item_v1": np.array(item_v1, np.int64),
            "item_vars": np.array(item_vars, np.int64), "rows": rows, "lo": lo, "hi": hi,
            "var_s0": var_s0, "var_s1": var_s1, "var_right": var_right, "lim": lim,
            "st_nu": st_nu, "st_nv": st_nv, "st_count": st_count, "st_init": init}


def _shapes(P) -> kernels.Shapes:
    return kernels.Shapes(P["rows"], P["lo"], P["hi"], P["var_s0"], P["var_s1"], P["var_right"])


def _choices(P, need: np.ndarray) -> kernels.Choices:
    return kernels.Choices(P["item_v0"], P["item_v1"], P["item_vars"], need)


def _slow_best(occ, P, t: int, cands, res: float, mode: int) -> tuple[int, int, int]:
    """best_on_sheet by brute force: each variant's first free origin, the best by key."""
    best, best_key = (-1, -1, -1), None
    for s in cands:
        sl = slice(P["var_s0"][s], P["var_s1"][s])
        u, v = _brute_first_fit(occ, P["rows"][sl], P["lo"][sl], P["hi"][sl],
                                *P["lim"][t, s].tolist())
        if u == kernels.NONE:
            continue
        key = u * res + P["var_right"][s] if mode == 0 else float(u)
        if best_key is None or key < best_key - 1e-9 or (key <= best_key + 1e-9
                                                         and v < best[2]):
            best, best_key = (s, u, v), key
    return best


def test_best_on_sheet_is_the_best_first_fit_over_the_variants():
    rng = np.random.default_rng(15)
    for _ in range(200):
        P = _random_problem(rng, 1, int(rng.integers(1, 5)))
        last, occ = _random_grid(rng, int(P["st_nu"][0]), int(P["st_nv"][0]))
        cands = rng.permutation(P["var_s0"].size).astype(np.int64)
        res = float(rng.choice([1.0, 2.5]))
        key_k, key_n = kernels.shape_keys(P["rows"], P["lo"], P["hi"], P["var_s0"],
                                          P["var_s1"], P["lim"], 0, last.shape[1])
        for mode in (0, 1):
            start = np.full(P["var_s0"].size, kernels.UNKNOWN, np.int32)
            runs = np.full(last.shape[0], -1, np.int32)
            got = kernels.best_on_sheet(last, _shapes(P), P["lim"], 0, cands, res, mode,
                                        start, runs, key_k, key_n)
            # asked again with what it learnt (where each variant's search may start, each
            # row's longest free run): the same answer
            again = kernels.best_on_sheet(last, _shapes(P), P["lim"], 0, cands, res, mode,
                                          start, runs, key_k, key_n)
            assert tuple(again) == tuple(got)
            for r in np.flatnonzero(runs >= 0).tolist():  # the runs it worked out are right
                free = np.concatenate(([0], (~occ[r]).astype(np.int64), [0]))
                edges = np.flatnonzero(np.diff(free))
                assert runs[r] == max(np.diff(edges)[::2], default=0)
            assert tuple(got) == _slow_best(occ, P, 0, cands.tolist(), res, mode)
            for s in cands.tolist():  # what it learnt never skips a free position
                sl = slice(P["var_s0"][s], P["var_s1"][s])
                u, _ = _brute_first_fit(occ, P["rows"][sl], P["lo"][sl], P["hi"][sl],
                                        *P["lim"][0, s].tolist())
                if u != kernels.NONE:
                    assert start[s] <= u


def test_decode_places_each_part_where_a_fresh_look_at_every_sheet_would():
    # what each sheet remembers (where a rotation may still fit, each row's longest free
    # run) only saves work: the layout is the one brute-force first fit gives, sheet by
    # sheet in order, on one stock type without limits
    rng = np.random.default_rng(21)
    for case in range(120):
        n = int(rng.integers(4, 16))
        P = _random_problem(rng, n, int(rng.integers(1, 5)))
        P["st_count"][:] = -1
        order = rng.permutation(n).astype(np.int64)
        pref = np.full(n, -1, np.int64)
        res, mode = 2.0, int(case % 2)
        sheet, var, us, vs, stock, _ = kernels.decode(
            order, pref, mode, _choices(P, np.zeros(n, np.int64)), _shapes(P),
            kernels.Sheets(P["lim"], P["st_nu"][:1], P["st_nv"][:1], P["st_count"][:1],
                           P["st_init"][:1], res))
        fresh = kernels.occupancy(np.ascontiguousarray(
            P["st_init"][0, :P["st_nu"][0], :P["st_nv"][0]]))
        occs: list[np.ndarray] = []
        for i in order.tolist():
            cands = P["item_vars"][P["item_v0"][i]:P["item_v1"][i]].tolist()
            want = (-1, -1, 0, 0)  # unplaced: fits no fresh sheet either
            for k, occ in enumerate(occs + [fresh.copy()]):
                s, u, v = _slow_best(occ, P, 0, cands, res, mode)
                if s >= 0:
                    if k == len(occs):
                        occs.append(occ)
                    sl = slice(P["var_s0"][s], P["var_s1"][s])
                    paint(occs[k], P["rows"][sl], P["lo"][sl], P["hi"][sl], u, v)
                    want = (k, s, u, v)
                    break
            assert (sheet[i], var[i], us[i], vs[i]) == want, f"case {case}, item {i}"
        assert stock.size == len(occs)


def test_decode_layouts_are_cell_disjoint_within_limits_and_respect_counts():
    rng = np.random.default_rng(16)
    n_unplaced = n_sheets = 0
    for case in range(150):
        n = int(rng.integers(1, 12))
        P = _random_problem(rng, n, int(rng.integers(1, 6)))
        order = rng.permutation(n).astype(np.int64)
        k_vars = P["item_v1"] - P["item_v0"]
        pref = np.array([int(rng.integers(-1, k)) for k in k_vars.tolist()], np.int64)
        need = np.zeros(n, np.int64)  # no early closing: every sheet stays a candidate
        res = 2.0
        sheet, var, us, vs, stock, maxx = kernels.decode(
            order, pref, int(case % 2), _choices(P, need), _shapes(P),
            kernels.Sheets(P["lim"], P["st_nu"], P["st_nv"], P["st_count"], P["st_init"], res))
        n_sheets += stock.size
        for t in range(P["st_nu"].size):
            if P["st_count"][t] >= 0:
                assert np.count_nonzero(stock == t) <= P["st_count"][t]
        occ = [kernels.occupancy(np.ascontiguousarray(
            P["st_init"][t, :P["st_nu"][t], :P["st_nv"][t]])) for t in stock.tolist()]
        right = np.full(stock.size, -np.inf)
        for i in range(n):
            if sheet[i] < 0:
                n_unplaced += 1
                # no stock type with copies left could have taken it on a fresh sheet
                for t in range(P["st_nu"].size):
                    if 0 <= P["st_count"][t] <= np.count_nonzero(stock == t):
                        continue
                    g = np.ascontiguousarray(P["st_init"][t, :P["st_nu"][t], :P["st_nv"][t]])
                    for s in P["item_vars"][P["item_v0"][i]:P["item_v1"][i]].tolist():
                        sl = slice(P["var_s0"][s], P["var_s1"][s])
                        got = kernels.first_fit(g, P["rows"][sl], P["lo"][sl], P["hi"][sl],
                                                0, sl.stop - sl.start, *P["lim"][t, s].tolist())
                        assert got[0] == kernels.NONE
                continue
            s, k = int(var[i]), int(sheet[i])
            assert s in P["item_vars"][P["item_v0"][i]:P["item_v1"][i]].tolist()
            u0, u1, v0, v1 = P["lim"][stock[k], s].tolist()
            assert u0 <= us[i] <= u1 and v0 <= vs[i] <= v1
            sl = slice(P["var_s0"][s], P["var_s1"][s])
            assert not _hits(occ[k], P["rows"][sl], P["lo"][sl], P["hi"][sl], us[i], vs[i])
            paint(occ[k], P["rows"][sl], P["lo"][sl], P["hi"][sl], int(us[i]), int(vs[i]))
            right[k] = max(right[k], us[i] * res + P["var_right"][s])
        np.testing.assert_allclose(maxx, right)
    assert n_unplaced > 20 and n_sheets > 100


# --- rasterisation ---------------------------------------------------------------------------


def _random_polygon(rng: np.random.Generator, size: float = 60.0) -> Polygon:
    """A random valid polygon, often with holes: a star, or a union of boxes, less circles."""
    if rng.random() < 0.5:
        n = int(rng.integers(3, 12))
        ang = np.sort(rng.uniform(0, 2 * math.pi, n))
        rad = rng.uniform(0.3, 1.0, n) * size / 2
        g = Polygon(np.c_[rad * np.cos(ang), rad * np.sin(ang)])
    else:
        xy = rng.uniform(0, size * 0.7, (int(rng.integers(1, 4)), 2))
        wh = rng.uniform(size * 0.1, size * 0.5, xy.shape)
        g = shapely.union_all(shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + wh[:, 0],
                                          xy[:, 1] + wh[:, 1]))
    g = shapely.make_valid(g.buffer(0))
    for _ in range(int(rng.integers(0, 3))):
        if g.is_empty:
            break
        c = shapely.Point(rng.uniform(*g.bounds[0::2]), rng.uniform(*g.bounds[1::2]))
        g = g.difference(c.buffer(rng.uniform(1, size / 4)))
    if rng.random() < 0.3:
        g = affinity.rotate(g, float(rng.uniform(0, 360)), origin=(0, 0))
    polys = [p for p in shapely.get_parts(g) if isinstance(p, Polygon) and p.area > 1.0]
    return max(polys, key=lambda p: p.area) if polys else _random_polygon(rng, size)


def _cells(rows, lo, hi) -> set[tuple[int, int]]:
    return {(r, c) for r, a, b in zip(rows.tolist(), lo.tolist(), hi.tolist())
            for c in range(a, b + 1)}


def test_intervals_mark_exactly_the_cells_whose_interior_the_geometry_meets():
    rng = np.random.default_rng(5)
    for case in range(150):
        g = _random_polygon(rng)
        if case % 5 == 0:  # a vertex or edge exactly on cell edges: not the next cell
            g = affinity.translate(shapely.box(0, 0, 12.0, 8.0), 4.0, 2.0)
            if case % 10 == 0:
                g = g.union(affinity.translate(g, 12.0, 8.0)).buffer(0)
        res = float(rng.choice([1.0, 2.0, 3.7, 5.0]))
        x0, y0, x1, y1 = g.bounds
        ox = x0 - float(rng.choice([0.0, res, rng.uniform(0, 2 * res)]))
        oy = y0 + float(rng.uniform(-2 * res, 2 * res))
        rows, lo, hi = intervals(g, res, ox, oy)
        assert rows.dtype == lo.dtype == hi.dtype == np.int32
        assert np.all(lo <= hi)
        key = rows.astype(np.int64) * 10**6 + lo
        assert np.all(np.diff(key) > 0)  # sorted by row then lo
        same = rows[1:] == rows[:-1]
        assert np.all(lo[1:][same] > hi[:-1][same] + 1)  # runs merged
        marked = _cells(rows, lo, hi)
        us = np.arange(math.floor((x0 - ox) / res) - 1, int((x1 - ox) / res) + 2)
        vs = np.arange(math.floor((y0 - oy) / res) - 1, int((y1 - oy) / res) + 2)
        uu, vv = (a.ravel() for a in np.meshgrid(us, vs, indexing="ij"))
        bx0, by0 = ox + uu * res, oy + vv * res
        eps = 1e-9
        inner = shapely.box(bx0 + eps, by0 + eps, bx0 + res - eps, by0 + res - eps)
        touched = shapely.intersects(inner, g)
        dist = shapely.distance(shapely.box(bx0, by0, bx0 + res, by0 + res), g)
        for u, v, t, d in zip(uu.tolist(), vv.tolist(), touched.tolist(), dist.tolist()):
            if t:
                assert (u, v) in marked, f"case {case}: cell {(u, v)} touched but not marked"
            if (u, v) in marked:
                assert t, f"case {case}: cell {(u, v)} marked, {d} mm away, interior free"
        assert marked <= set(zip(uu.tolist(), vv.tolist()))


def _intervals_by_shapely(g, res: float, ox: float, oy: float):
    """The slow reference: cut the shape with shapely band by band; each connected piece of
    positive area projects onto y as one run of cells (the rasteriser before the scan)."""
    x0, y0, x1, y1 = g.bounds
    us = np.arange(max(math.floor((x0 - ox) / res) - 1, 0), math.floor((x1 - ox) / res) + 1)
    pieces = shapely.intersection(g, shapely.box(ox + us * res, y0 - 1, ox + (us + 1) * res,
                                                 y1 + 1))
    parts, idx = shapely.get_parts(pieces, return_index=True)
    keep = shapely.area(parts) > 1e-9 * res * res
    b = shapely.bounds(parts[keep])
    cells = set()
    for u, ylo, yhi in zip(us[idx[keep]].tolist(), b[:, 1].tolist(), b[:, 3].tolist()):
        lo = math.floor((ylo - oy) / res + 1e-9)
        hi = math.ceil((yhi - oy) / res - 1e-9) - 1
        cells |= {(u, v) for v in range(lo, hi + 1)}
    return cells


def test_intervals_match_cutting_the_shape_band_by_band():
    # curve-heavy outlines (buffered, many vertices), rings, slanted and grid-aligned
    # shapes: the scan marks the same cells as shapely's band-by-band cut
    rng = np.random.default_rng(11)
    shapes = []
    for k in range(60):
        g = _random_polygon(rng, 120.0)
        if k % 2:
            g = g.buffer(float(rng.uniform(0.5, 10)), quad_segs=int(rng.integers(2, 24)))
        shapes.append(affinity.rotate(g, float(rng.choice([0.0, 90.0, rng.uniform(0, 360)])),
                                      origin=(0, 0)))
    shapes.append(shapely.Point(0, 0).buffer(100, quad_segs=64).difference(
        shapely.Point(8, -5).buffer(60, quad_segs=64)))
    shapes.append(shapely.box(0, 0, 40, 10).union(shapely.box(30, 10, 40, 50)))  # on cells
    for k, g in enumerate(shapes):
        res = float(rng.choice([1.0, 2.5, 3.7, 4.064]))
        ox = g.bounds[0] - float(rng.choice([0.0, rng.uniform(0, res)]))
        oy = g.bounds[1] - float(rng.choice([0.0, rng.uniform(0, res)]))
        rows, lo, hi = intervals(g, res, ox, oy)
        assert _cells(rows, lo, hi) == _intervals_by_shapely(g, res, ox, oy), f"shape {k}"


def test_parts_touching_along_cell_edges_share_no_cell():
    a = intervals(shapely.box(0, 0, 2, 2), 0.5, 0.0, 0.0)
    assert _cells(*a) == {(u, v) for u in range(4) for v in range(4)}  # exactly 4 x 4
    b = intervals(shapely.box(2, 0, 3, 2), 0.5, 0.0, 0.0)  # touches a along x = 2
    c = intervals(shapely.box(2.01, 0, 3, 2), 0.5, 0.0, 0.0)
    assert not _cells(*a) & _cells(*b)
    assert min(u for u, _ in _cells(*c)) == 4
    d = intervals(shapely.box(1.99, 1.99, 3, 3), 0.5, 0.0, 0.0)  # pokes 0.01 into a
    assert (3, 3) in _cells(*a) & _cells(*d)


def test_resolution_aligns_to_whole_unit_coordinates():
    from wikicut.nest import resolution

    stock = Stock(width=1000, height=70.007, margin=0, strip=True)
    whole = _items([Part("t", Polygon([(3, 2), (15, 2), (3, 10)]))], copies=2)
    assert resolution([stock], whole) == 0.25  # 70 / 300 = 0.233: a quarter unit
    odd = _items([Part("t", Polygon([(3, 2), (15.5, 2), (3, 10)]))], copies=2)
    assert resolution([stock], odd) == pytest.approx(70.007 / 300)
    tilted = _items([Part("t", Polygon([(3, 2), (15, 2), (3, 10)]))], copies=2,
                    rotations=(0.0, 45.0))
    assert resolution([stock], tilted) == pytest.approx(70.007 / 300)


def test_intervals_of_an_empty_geometry():
    rows, lo, hi = intervals(Polygon(), 1.0, 0.0, 0.0, 5)
    assert rows.size == lo.size == hi.size == 0


def _placed(var, outline: Polygon, u: int, v: int, res: float, margin: float = 0.0) -> Polygon:
    """The bare part of a variant at origin cell (u, v), as the driver places it."""
    g = affinity.rotate(outline, var.rotation, origin=(0, 0)) if var.rotation % 360 else outline
    return affinity.translate(g, margin + u * res - var.ox, margin + v * res - var.oy)


def test_cell_disjoint_variants_are_at_least_spacing_apart():
    rng = np.random.default_rng(6)
    tight = 0
    for case in range(120):
        a, b = _random_polygon(rng, 50.0), _random_polygon(rng, 30.0)
        spacing = float(rng.choice([0.0, 3.0, 12.0, rng.uniform(0, 20)]))
        res = float(rng.choice([1.0, 2.5, 4.0, rng.uniform(0.5, 6.0)]))
        rots = (0.0, 90.0, 180.0, 270.0, float(rng.uniform(0, 360)))
        va = variant(a, float(rng.choice(rots)), spacing, res)
        vb = variant(b, float(rng.choice(rots)), spacing, res)
        n = int(200 / res)
        last = kernels.empty_grid(2 * n, 2 * n)
        ua, wa = n // 2, n // 2
        kernels.stamp(last, va.rows, va.lo, va.hi, 0, va.rows.size, ua, wa)
        pa = _placed(va, a, ua, wa, res)
        # the tightest spots first fit finds (from each side), then random spots nearby
        spots = []
        for u_min in (0, ua, ua + 1):
            spots.append(tuple(kernels.first_fit(last, vb.rows, vb.lo, vb.hi, 0, vb.rows.size,
                                                 u_min, n, 0, n)))
        for u in rng.integers(ua - 60 // res, ua + 60 // res, 8).tolist():
            spots.append(tuple(kernels.first_fit(last, vb.rows, vb.lo, vb.hi, 0, vb.rows.size,
                                                 u, u, wa, n)))  # just above part a
        spots += [(int(rng.integers(0, n)), int(rng.integers(0, n))) for _ in range(30)]
        for ub, wb in spots:
            if ub == kernels.NONE:
                continue
            if kernels.collides(last, vb.rows, vb.lo, vb.hi, 0, vb.rows.size, ub, wb):
                continue
            d = pa.distance(_placed(vb, b, ub, wb, res))
            assert d >= spacing - 1e-9, (case, spacing, res, ub, wb, d)
            tight += d < spacing + 2 * res
    assert tight > 400  # many placements really are close


def test_grow_is_never_smaller_than_the_exact_offset():
    """The polygonal buffer's chords must not cut into the true spacing / 2 offset, also
    when a many-vertex outline is simplified first."""
    rng = np.random.default_rng(14)
    shapes = [_random_polygon(rng) for _ in range(30)]
    shapes.append(shapely.Point(0, 0).buffer(40.0, quad_segs=200))  # 800 vertices: simplified
    shapes.append(shapely.Point(0, 0).buffer(40.0, quad_segs=200).difference(
        shapely.Point(0, 0).buffer(20.0, quad_segs=200)))  # a ring: the hole shrinks too
    for g in shapes:
        for spacing in (0.0, 3.0, 12.0, 25.0):
            exact = g.buffer(spacing / 2, quad_segs=256) if spacing else g
            # every point of the true offset's boundary is covered (grow may keep tiny
            # voids the true offset fills: harmless, no part's spacing band fits in them)
            pts = shapely.points(shapely.get_coordinates(exact.boundary))
            assert shapely.covers(grow(g, spacing, 4.0).buffer(1e-9), pts).all()


def test_variant_origin_is_a_cell_corner_at_the_grown_or_the_bare_lower_left():
    """The raster's origin is the grown outline's lower-left (the fewest cells), or along
    an axis given in `bare` the bare part's lower-left, a whole number of cells below."""
    rng = np.random.default_rng(7)
    fewer = 0
    for _ in range(60):
        g = _random_polygon(rng)
        res = float(rng.uniform(0.5, 6.0))
        spacing = float(rng.uniform(0, 20))
        rot = float(rng.choice([0.0, 90.0, 180.0, 270.0, rng.uniform(0, 360)]))
        var = variant(g, rot, spacing, res)
        gr = affinity.rotate(g, rot, origin=(0, 0))
        assert var.bare == pytest.approx(gr.bounds, abs=1e-9)
        gb = grow(gr, spacing, res)
        assert (var.ox, var.oy) == pytest.approx(gb.bounds[:2], abs=1e-9)
        on_bare = variant(g, rot, spacing, res, bare=(True, True))
        for k in (0, 1):
            steps = (on_bare.bare[k] - (on_bare.ox, on_bare.oy)[k]) / res
            assert abs(steps - round(steps)) < 1e-9
        # at or below the buffered outline's lower-left: no band dropped
        assert on_bare.ox <= gb.bounds[0] + 1e-6 and on_bare.oy <= gb.bounds[1] + 1e-6
        # never more cells, and on most parts with a spacing fewer bands
        bands, bare_bands = np.unique(var.rows).size, np.unique(on_bare.rows).size
        assert bands <= bare_bands
        fewer += bands < bare_bands
    assert fewer >= 30


def test_limits_keep_the_bare_part_exactly_inside_the_margin():
    rng = np.random.default_rng(8)
    for _ in range(80):
        g = _random_polygon(rng)
        res = float(rng.uniform(0.5, 6.0))
        var = variant(g, float(rng.choice([0.0, 90.0, 33.0])), float(rng.uniform(0, 15)), res)
        w, h = (float(x) for x in rng.uniform(80, 200, 2))
        m = float(rng.uniform(0, 20))
        u_min, u_max, v_min, v_max = limits(var, w, h, m, res)
        tol = 1e-6
        for u, v in ((u_min, v_min), (u_max, v_max), (u_min, v_max), (u_max, v_min)):
            x0, y0, x1, y1 = _placed(var, g, u, v, res, m).bounds
            assert x0 >= m - tol and y0 >= m - tol and x1 <= w - m + tol and y1 <= h - m + tol
        # one cell further is outside on each side
        assert _placed(var, g, u_min - 1, v_min, res, m).bounds[0] < m - 1e-8
        assert _placed(var, g, u_max + 1, v_min, res, m).bounds[2] > w - m + 1e-8
        assert _placed(var, g, u_min, v_min - 1, res, m).bounds[1] < m - 1e-8
        assert _placed(var, g, u_min, v_max + 1, res, m).bounds[3] > h - m + 1e-8


def test_a_part_as_wide_as_the_usable_area_has_exactly_one_column():
    """Its grown outline cannot fit the usable width, so its raster's origin puts the bare
    part on a cell corner along x (its spacing band over the margin); a narrower part's
    stays at its grown outline's lower-left."""
    part = Part("wide", shapely.box(-7.3, 2.1, 572.7, 40.0))  # 580: 600 less 2 x 10 margin
    narrow = Part("narrow", shapely.box(0.0, 0.0, 300.0, 40.0))
    stock = Stock(width=600.0, height=300.0, margin=10.0)
    for res in (4.0, 3.3, 7.77):
        p = build(_items([part, narrow], copies=1, rotations=(0.0,)), [stock], 12.0, res)
        wide, thin = p.variants
        u_min, u_max, _, _ = p.lim[0, 0]
        assert u_min == u_max
        x0, _, x1, _ = _placed(wide, part.outline, int(u_min), 0, res, 10.0).bounds
        assert x0 == pytest.approx(10.0, abs=1e-9) and x1 == pytest.approx(590.0, abs=1e-9)
        gb = grow(part.outline, 12.0, res)
        assert wide.oy == pytest.approx(gb.bounds[1], abs=1e-9)  # y: room to spare
        assert (thin.ox, thin.oy) == pytest.approx(grow(narrow.outline, 12.0, res).bounds[:2])


def test_sheet_grid_marks_exactly_the_usable_cells_keep_outs_touch():
    rng = np.random.default_rng(9)
    for case in range(60):
        w, h = (float(x) for x in rng.uniform(60, 200, 2))
        m = float(rng.choice([0.0, 10.0, rng.uniform(0, 20)]))
        res = float(rng.uniform(1.5, 6.0))
        zones = []
        for _ in range(int(rng.integers(0, 4))):
            x, y = rng.uniform(-10, w), rng.uniform(-10, h)
            zones.append(shapely.box(x, y, x + rng.uniform(1, 40), y + rng.uniform(1, 40)))
        if case % 3 == 0 and m > 1:  # clamps inside the margin band only: no usable cell is lost
            zones.append(shapely.box(w / 3, 0, w / 3 + 10, m * 0.8))
            zones.append(shapely.box(0, h / 2, m * 0.8, h / 2 + 10))
            zones.append(shapely.box(w / 2, h - m * 0.8, w / 2 + 10, h))
        grid = sheet_grid(w, h, m, zones, res)
        nu, nv = grid.shape
        assert nu == max(math.ceil((w - 2 * m) / res - 1e-9), 1)
        assert nv == max(math.ceil((h - 2 * m) / res - 1e-9), 1)
        occ = kernels.occupancy(grid)
        np.testing.assert_array_equal(grid, _last_of(occ))
        uu, vv = (a.ravel() for a in np.meshgrid(np.arange(nu), np.arange(nv), indexing="ij"))
        bx, by = m + uu * res, m + vv * res
        eps = 1e-9
        cells = shapely.box(bx, by, bx + res, by + res)
        inner = shapely.box(bx + eps, by + eps, bx + res - eps, by + res - eps)
        sheet = shapely.box(0, 0, w, h)
        z = shapely.union_all(zones).intersection(sheet) if zones else Polygon()
        must = shapely.intersects(inner, z)
        may = shapely.distance(cells, z) <= 1e-9 if zones else np.zeros(uu.size, bool)
        got = occ[uu, vv]
        assert np.all(got[must]), f"case {case}: a cell under a keep-out is free"
        assert not np.any(got & ~may), f"case {case}: a cell away from every keep-out is taken"


# --- nest() on small jobs --------------------------------------------------------------------


def _settings(**kw) -> NestSettings:
    base = {"spacing": 6.0, "seed": 1, "time_limit": 20.0, "workers": 1, "iterations": 60}
    base.update(kw)
    return NestSettings(**base)


def _rect(name: str, w: float, h: float, x0: float = 0.0, y0: float = 0.0) -> Part:
    return Part(name, shapely.box(x0, y0, x0 + w, y0 + h))


def _items(parts: list[Part], copies: int = 1,
           rotations: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)) -> list[NestItem]:
    return [NestItem(f"{p.name}#{k + 1}", p, rotations) for p in parts for k in range(copies)]


def _signature(layout: Layout) -> tuple:
    """Everything a layout says, for exact comparisons between runs."""
    return (tuple((s.index, s.stock.label, s.used_length,
                   tuple((p.instance, p.x, p.y, p.rotation) for p in s.placements))
                  for s in layout.sheets), tuple(layout.unplaced))


def _check(layout: Layout, items: list[NestItem], spacing: float) -> None:
    """Independent of verify_layout: each item once, inside the usable area, clear of
    keep-outs, >= spacing from its neighbours, at one of its allowed rotations."""
    by_id = {it.instance: it for it in items}
    seen = [p.instance for s in layout.sheets for p in s.placements] + list(layout.unplaced)
    assert sorted(seen) == sorted(by_id)
    assert verify_layout(layout, spacing) == []
    for k, s in enumerate(layout.sheets):
        assert s.index == k + 1 and s.placements
        st, m = s.stock, s.stock.margin
        geoms = []
        for p in s.placements:
            it = by_id[p.instance]
            assert p.part is it.part
            assert any(abs((p.rotation - r) % 360.0) < 1e-9 for r in it.rotations), p
            g = p.placed().outline
            x0, y0, x1, y1 = g.bounds
            assert x0 >= m - 1e-6 and y0 >= m - 1e-6
            assert x1 <= st.width - m + 1e-6 and y1 <= st.height - m + 1e-6
            for z in st.keepouts:
                assert g.intersection(z).area < 1e-6, f"{p.instance} on a keep-out"
            geoms.append(g)
        for i in range(len(geoms)):
            for j in range(i + 1, len(geoms)):
                assert geoms[i].distance(geoms[j]) >= spacing - 1e-6


def test_a_mixed_small_job_is_placed_once_each_and_verifies():
    rng = np.random.default_rng(10)
    parts = [Part(f"blob{i}", affinity.scale(_random_polygon(rng), 2.0, 2.0)) for i in range(6)]
    parts += [_rect("panel", 180, 90), _rect("strip", 300, 25), _rect("square", 60, 60, 5, 5)]
    items = _items(parts, copies=2)
    clamps = (shapely.box(200, 0, 260, 40), shapely.box(380, 250, 420, 300))
    stock = Stock(width=600, height=300, margin=10, keepouts=clamps)
    layout = nest(items, [stock], _settings(spacing=8.0))
    _check(layout, items, 8.0)
    assert not layout.unplaced
    # no sheet is opened that the first-fit rule could have avoided by a lot
    area = sum(p.area for p in parts) * 2
    assert len(layout.sheets) <= math.ceil(area / stock.usable.area) + 2


def test_zero_spacing_and_arbitrary_rotations():
    rng = np.random.default_rng(11)
    parts = [Part(f"p{i}", affinity.scale(_random_polygon(rng), 1.5, 1.5)) for i in range(5)]
    items = _items(parts, copies=3, rotations=(0.0, 45.0, 137.5))
    layout = nest(items, [Stock(width=400, height=250, margin=5)], _settings(spacing=0.0))
    _check(layout, items, 0.0)
    assert not layout.unplaced


def test_grain_locked_items_never_turn_a_quarter():
    long = _rect("rib", 260, 40)
    free = _rect("block", 50, 120)
    items = _items([long], copies=6, rotations=(0.0, 180.0)) + _items([free], copies=4)
    # the sheet is taller than wide: a free rib would rather stand upright
    layout = nest(items, [Stock(width=300, height=600, margin=10)], _settings())
    _check(layout, items, 6.0)
    assert not layout.unplaced
    rots = {p.instance.split("#")[0]: set() for s in layout.sheets for p in s.placements}
    for s in layout.sheets:
        for p in s.placements:
            rots[p.instance.split("#")[0]].add(p.rotation % 360.0)
    assert rots["rib"] <= {0.0, 180.0}
    only90 = _items([long], copies=2, rotations=(90.0,))
    lay90 = nest(only90, [Stock(width=300, height=600, margin=10)], _settings())
    _check(lay90, only90, 6.0)
    assert {p.rotation for s in lay90.sheets for p in s.placements} == {90.0}


def test_rotations_with_the_same_raster_are_tried_once():
    from wikicut.nest import resolution

    board = _rect("board", 300, 40)
    ell = Part("ell", Polygon([(0, 0), (120, 0), (120, 30), (30, 30), (30, 90), (0, 90)]))
    items = _items([board, ell], copies=1)
    stocks = [Stock(width=600, height=400, margin=5)]
    p = build(items, stocks, 6.0, resolution(stocks, items))
    kept = [p.item_vars[p.item_v0[i]:p.item_v1[i]].tolist() for i in range(2)]
    assert [p.variants[s].rotation for s in kept[0]] == [0.0, 90.0]  # 180, 270 repeat them
    assert [p.variants[s].rotation for s in kept[1]] == [0.0, 90.0, 180.0, 270.0]
    rasters = {(p.variants[s].rows.tobytes(), p.variants[s].lo.tobytes(),
                p.variants[s].hi.tobytes()) for s in kept[1]}
    assert len(rasters) == 4


def _frame(outer: float, hole: float) -> Part:
    o = shapely.box(0, 0, outer, outer)
    c = (outer - hole) / 2
    return Part("frame", o.difference(shapely.box(c, c, c + hole, c + hole)))


def test_a_small_part_nests_inside_a_frames_hole():
    frame = _frame(480.0, 300.0)
    small = _rect("tile", 100, 100)
    items = [NestItem("frame#1", frame), NestItem("tile#1", small), NestItem("tile#2", small)]
    # one 500 x 500 sheet: the tiles only fit in the frame's hole
    stock = Stock(width=500, height=500, margin=10, count=1)
    layout = nest(items, [stock], _settings(spacing=10.0))
    _check(layout, items, 10.0)
    assert not layout.unplaced and len(layout.sheets) == 1
    pl = {p.instance: p for p in layout.sheets[0].placements}
    placed_frame = pl["frame#1"].placed().outline
    hole = Polygon(placed_frame.interiors[0])
    for t in ("tile#1", "tile#2"):
        assert hole.contains(pl[t].placed().outline)


def test_part_in_part_without_a_sheet_limit_saves_a_sheet():
    frame = _frame(480.0, 380.0)
    items = [NestItem("frame#1", frame)] + _items([_rect("tile", 150, 80)], copies=4)
    layout = nest(items, [Stock(width=500, height=500, margin=10)], _settings(spacing=10.0))
    _check(layout, items, 10.0)
    assert len(layout.sheets) == 1


@pytest.mark.parametrize("res_side", ["width", "height"])
def test_a_part_exactly_as_large_as_the_usable_area_fits(res_side):
    w, h, m = 610.0, 410.0, 12.5
    if res_side == "width":
        part = _rect("full", w - 2 * m, 100, x0=-33.3, y0=7.7)
    else:
        part = _rect("full", 100, h - 2 * m, x0=4.4, y0=-21.0)
    items = [NestItem("full#1", part, (0.0,))]
    c = 0.8 * m  # clamps on the margin band only
    clamps = (shapely.box(100, 0, 140, c), shapely.box(0, 200, c, 240),
              shapely.box(300, h - c, 340, h), shapely.box(w - c, 100, w, 140))
    for keepouts in ((), clamps):  # clamps on the margin band take no usable room
        stock = Stock(width=w, height=h, margin=m, keepouts=keepouts)
        layout = nest(items, [stock], _settings())
        _check(layout, items, 6.0)
        assert not layout.unplaced
        x0, y0, x1, y1 = layout.sheets[0].placements[0].placed().outline.bounds
        # bottom-left: in the very corner, the clamps notwithstanding
        assert x0 == pytest.approx(m, abs=1e-6) and y0 == pytest.approx(m, abs=1e-6)
        if res_side == "width":
            assert x1 == pytest.approx(w - m, abs=1e-6)
        else:
            assert y1 == pytest.approx(h - m, abs=1e-6)


def test_an_oversize_part_is_refused():
    items = [NestItem("big#1", _rect("big", 601, 100))]
    with pytest.raises(UnsafeJobError, match="larger than every sheet"):
        nest(items, [Stock(width=620, height=400, margin=10)], _settings())
    # a rotation that fits makes it fine; grain-locked it is refused again
    tall = [NestItem("t#1", _rect("t", 100, 590))]
    assert not nest(tall, [Stock(width=620, height=400, margin=10)], _settings()).unplaced
    locked = [NestItem("t#1", _rect("t", 100, 590), (0.0, 180.0))]
    with pytest.raises(UnsafeJobError):
        nest(locked, [Stock(width=620, height=400, margin=10)], _settings())


def test_stock_counts_are_respected():
    items = _items([_rect("slab", 250, 150)], copies=7)
    one = Stock(width=300, height=400, margin=10, count=1, name="one")  # two slabs a sheet
    layout = nest(items, [one], _settings())
    _check(layout, items, 6.0)
    assert len(layout.sheets) == 1 and len(layout.sheets[0].placements) == 2
    assert len(layout.unplaced) == 5
    # two stock types: the first one is used where it saves a sheet of the second (six
    # slabs: one + other), and left alone where it does not (seven: two of other either way)
    other = Stock(width=600, height=400, margin=10, count=None, name="other")  # four a sheet
    layout = nest(items[:6], [one, other], _settings())
    _check(layout, items[:6], 6.0)
    assert sorted(s.stock.name for s in layout.sheets) == ["one", "other"]
    layout = nest(items, [one, other], _settings())
    _check(layout, items, 6.0)
    assert not layout.unplaced
    assert [s.stock.name for s in layout.sheets] == ["other", "other"]
    two = Stock(width=300, height=400, margin=10, count=2, name="two")
    layout = nest(items, [two, one], _settings())
    _check(layout, items, 6.0)
    assert [s.stock.name for s in layout.sheets] == ["two", "two", "one"]
    assert len(layout.unplaced) == 1


def test_empty_job():
    assert nest([], [Stock()], _settings()).sheets == []


def _det_job() -> tuple[list[NestItem], list[Stock]]:
    rng = np.random.default_rng(12)
    parts = [Part(f"d{i}", affinity.scale(_random_polygon(rng), 2.5, 2.5)) for i in range(8)]
    return _items(parts, copies=3), [Stock(width=500, height=300, margin=10)]


@pytest.mark.parametrize("workers", [1, 2])
def test_with_iterations_set_the_layout_is_deterministic(workers):
    items, stocks = _det_job()
    a = nest(items, stocks, _settings(iterations=150, workers=workers, seed=3))
    b = nest(items, stocks, _settings(iterations=150, workers=workers, seed=3))
    _check(a, items, 6.0)
    assert _signature(a) == _signature(b)
    # a job built again (new objects, other ids in memory) gives the same layout
    items2, stocks2 = _det_job()
    c = nest(items2, stocks2, _settings(iterations=150, workers=workers, seed=3))
    assert _signature(c) == _signature(a)
    # a long time limit changes nothing once the iteration budget is set
    d = nest(items, stocks, _settings(iterations=150, workers=workers, seed=3, time_limit=60))
    assert _signature(d) == _signature(a)


def test_neighbouring_seeds_share_no_search(monkeypatch, tmp_path):
    """Two workers of seed 1 and two of seed 2 search from four different seeds: a user who
    tries seed 2 after seed 1 gets a new search (were the second worker's seed + 1, it would
    be seed 2's first, and a job it wins would give both the same layout)."""
    import random
    from types import SimpleNamespace

    from wikicut.nest import search as search_mod

    log = tmp_path / "seeds.log"

    def recording(seed):  # in both processes: the forked worker appends to the same file
        with open(log, "a") as f:
            f.write(f"{seed}\n")
        return random.Random(seed)

    monkeypatch.setattr(search_mod, "random", SimpleNamespace(Random=recording))
    items, stocks = _det_job()
    seeds = {}
    for seed in (1, 2):
        log.write_text("")
        lay = nest(items, stocks, _settings(iterations=40, workers=2, seed=seed))
        _check(lay, items, 6.0)
        seeds[seed] = set(log.read_text().split())
    assert len(seeds[1]) == len(seeds[2]) == 2
    assert not seeds[1] & seeds[2]


class _BusyClock:
    """A machine so busy that 50 s pass during the first 200 clock readings (then the clock
    stops): a phase that ended at its share of the time would end early."""

    def __init__(self) -> None:
        self.readings = 0

    def monotonic(self) -> float:
        self.readings += 1
        return 50.0 * min(self.readings, 200) / 200


@pytest.mark.parametrize("strip", [True, False])
def test_with_iterations_set_a_busy_machine_changes_nothing(strip, monkeypatch):
    import importlib

    import wikicut.nest as nest_mod
    from wikicut.nest import budget, bundle, search, workers
    from wikicut.nest.phases import patterns

    # a module the package shadows with its function of the same name
    compact = importlib.import_module("wikicut.nest.compact")

    items, stocks = _det_job()  # on a 400 mm sheet: two sheets, elimination tries for one
    stocks = [replace(stocks[0], width=900 if strip else 400, strip=strip)]
    settings = _settings(iterations=1500, seed=2, time_limit=100.0)
    calm = nest(items, stocks, settings)
    clock = _BusyClock()
    for mod in (nest_mod, budget, bundle, compact, search, workers):
        monkeypatch.setattr(mod, "time", clock)
    monkeypatch.setattr(patterns, "time", clock)
    busy = nest(items, stocks, settings)
    assert clock.readings > 200  # the clock did run 50 s of the 100
    assert _signature(busy) == _signature(calm)


def _short_roll_job():
    """Four boards on a roll 240 mm long: the first-fit-decreasing orders leave one out,
    another order fits them all (60 x 100 and 100 x 60 side by side, the two long boards
    stacked beside them)."""
    sizes = [(60, 100), (100, 60), (140, 40), (120, 40)]
    items = [NestItem(f"b{k}#1", Part(name=f"b{k}", outline=shapely.box(0, 0, w, h),
                                      source="roll.toml"), (0.0, 90.0))
             for k, (w, h) in enumerate(sizes)]
    return items, Stock(width=240, height=100, margin=0, strip=True)


def test_a_roll_too_short_for_the_first_layouts_is_searched_until_everything_fits():
    items, roll = _short_roll_job()
    first = nest(items, [roll], NestSettings(spacing=0, seed=1, workers=1, iterations=0))
    assert len(first.unplaced) == 1
    # the search is random: over seeds 1-20 it fits all four in 150 iterations 10 times, in
    # 300 13 times (seed 3 in both)
    lay = nest(items, [roll], NestSettings(spacing=0, seed=3, workers=1, iterations=300))
    assert lay.unplaced == [] and verify_layout(lay, 0) == []
    assert lay.sheets[0].used_length <= 240 + 1e-6


def test_a_roll_too_short_for_any_order_is_fitted_by_overlap_removal():
    """Two bars 105 x 25 mm with a 22 x 8 mm notch at one end, on a roll 38 mm wide and 200
    mm long: end to end they need 210 mm, side by side 50; only lapped, the end of one
    beside the other's notch, do they fit (187 x 33.5 mm). No order of the bottom-left
    decoder finds that; overlap removal does."""
    bar = Part(name="bar", outline=Polygon([(0, 0), (105, 0), (105, 17), (83, 17), (83, 25),
                                            (0, 25)]), source="roll.toml")
    items = [NestItem(f"bar#{q}", bar) for q in (1, 2)]
    roll = Stock(width=38, height=200, margin=0, strip=True)
    first = nest(items, [roll], NestSettings(spacing=0, seed=1, workers=1, iterations=0))
    assert first.unplaced == ["bar#2"]
    lay = nest(items, [roll], NestSettings(spacing=0, seed=1, workers=1, iterations=50))
    assert lay.unplaced == [] and verify_layout(lay, 0) == []


@pytest.mark.parametrize("copies", [1, 2])
@pytest.mark.parametrize("iterations", [1, 50, None])
def test_a_strip_part_too_long_to_stand_up_stays_on_the_strip(copies, iterations):
    """A 2200 mm beam on a 1220 mm roll: its quarter turns have no origin at all (too tall).
    The strip's cut counted them as reaching the shorter length, and the beam, clamped to
    the cut, was moved past the first origin, where the grid has no cells: one copy crashed
    the disruption (nothing to swap with), the others left the usable area (the exact check
    refused the layout: an internal error)."""
    beam = Part(name="beam", outline=Polygon([(0, 0), (2200, 0), (2200, 300), (2080, 300),
                                              (2080, 225), (120, 225), (120, 300), (0, 300)]),
                source="beam.toml")
    items = [NestItem(f"beam#{q}", beam, (0.0, 90.0, 180.0, 270.0))
             for q in range(1, copies + 1)]
    roll = Stock(width=5000, height=1220, margin=15, strip=True)
    lay = nest(items, [roll], NestSettings(spacing=12, seed=1, workers=1, time_limit=2,
                                           iterations=iterations))
    assert lay.unplaced == [] and verify_layout(lay, 12) == []
    assert all(p.rotation in (0.0, 180.0) for p in lay.sheets[0].placements)


def test_offcuts_listed_first_save_a_full_sheet():
    """The example house takes 7 full sheets; with two 1220 x 1220 offcuts listed first it
    takes 6 and both offcuts. The decoder alone opens an offcut only for a part no open
    sheet takes, and left both unused."""
    from dataclasses import replace
    from pathlib import Path

    from wikicut.io.items import job_items
    from wikicut.io.job import load_job

    job = load_job(Path(__file__).resolve().parents[1] / "examples" / "house" / "job.toml")
    items = job_items(job)
    full = replace(job.stocks[0], count=None)
    offcut = replace(full, width=1220.0, count=2, name="offcut")
    # 200: twice the budget the search needs to open both offcuts (90; at 80 it leaves them)
    settings = replace(job.settings, workers=1, iterations=200)
    assert len(nest(items, [full], settings).sheets) == 7
    lay = nest(items, [offcut, full], settings)
    assert lay.unplaced == [] and verify_layout(lay, settings.spacing) == []
    names = [s.stock.name for s in lay.sheets]
    assert names.count("offcut") == 2 and len(names) == 8


def test_a_stock_lists_bound_counts_the_sheets_only_one_type_can_hold():
    """With a stock list the bound is a `sheets_rank`: per type, the sheets the parts that
    fit no other type need by area. A 100 mm square fits only the 200 mm sheet listed
    second: one sheet of it is the best layout there is, and the first layout reaches it."""
    from wikicut.nest.problem import least_sheets, lower
    from wikicut.nest.solution import MODE_BOTTOM_LEFT, decode

    small = Stock(width=50, height=50, margin=0, name="small")
    large = Stock(width=200, height=200, margin=0, name="large")
    block, chip = _rect("block", 100, 100), _rect("chip", 40, 40)
    p = build(_items([block]), [small, large], 0.0, 1.0)
    assert least_sheets(p).tolist() == [0, 1] and lower(p) == 2  # one item: base 2
    # a part that fits either type adds nothing: it may go where the others leave room
    p = build(_items([block, chip]), [small, large], 0.0, 1.0)
    assert least_sheets(p).tolist() == [0, 1] and lower(p) == 3
    s = decode(p, np.arange(2), np.full(2, -1, np.int64), MODE_BOTTOM_LEFT)
    assert s.key.unplaced == 0 and s.key.sheets == lower(p)
    lay = nest(_items([block]), [small, large], _settings(iterations=10_000))
    assert [sh.stock.name for sh in lay.sheets] == ["large"]
    # what the other types cannot hold at their counts: one 100 mm offcut holds one of
    # four 90 mm squares, so a full sheet is needed too; a part that fits anywhere: 1
    offcut = Stock(width=100, height=100, margin=0, count=1, name="offcut")
    p = build(_items([_rect("sq", 90, 90)], copies=4), [offcut, large], 0.0, 1.0)
    assert least_sheets(p).tolist() == [0, 1] and lower(p) == 5  # base 5
    assert lower(build(_items([chip]), [offcut, large], 0.0, 1.0)) == 1


def test_a_stock_lists_bound_is_never_above_a_layout():
    """Random stock lists and parts: every decoded layout ranks at the bound or above."""
    from wikicut.nest.problem import lower
    from wikicut.nest.solution import MODE_BOTTOM_LEFT, decode

    rng = np.random.default_rng(31)
    for _ in range(25):
        stocks = [Stock(width=float(rng.uniform(60, 300)), height=float(rng.uniform(60, 300)),
                        margin=float(rng.choice([0.0, 5.0])), name=f"s{k}")
                  for k in range(int(rng.integers(2, 4)))]
        parts = [_rect(f"r{k}", float(rng.uniform(10, 150)), float(rng.uniform(10, 150)))
                 for k in range(int(rng.integers(1, 6)))]
        items = _items(parts, copies=int(rng.integers(1, 4)))
        try:
            check = build(items, stocks, 2.0, 2.0)
        except ValueError:
            continue
        n = len(items)
        for _ in range(5):
            s = decode(check, rng.permutation(n).astype(np.int64), np.full(n, -1, np.int64),
                       MODE_BOTTOM_LEFT)
            if s.key.unplaced == 0:
                assert s.key.sheets >= lower(check)


def test_strip_mode_used_length_is_the_parts_extent_plus_the_margin():
    rng = np.random.default_rng(13)
    parts = [Part(f"s{i}", affinity.scale(_random_polygon(rng), 2.0, 2.0)) for i in range(5)]
    parts.append(_rect("beam", 200, 30))
    items = _items(parts, copies=2)
    stock = Stock(width=3000, height=250, margin=8, strip=True)
    layout = nest(items, [stock], _settings(iterations=100))
    _check(layout, items, 6.0)
    assert len(layout.sheets) == 1 and not layout.unplaced
    s = layout.sheets[0]
    right = max(p.placed().outline.bounds[2] for p in s.placements)
    assert s.used_length is not None
    assert right - 1e-9 <= s.used_length <= right + stock.margin + 1e-9
    assert s.used_length < 0.5 * stock.width  # a strip is used from x = 0, not spread out


# --- exact compaction --------------------------------------------------------------------------


def _sheet(stock: Stock, *placed: tuple[Part, float, float]) -> SheetLayout:
    return SheetLayout(1, stock, [Placement(f"{p.name}#{k}", p, x, y)
                                  for k, (p, x, y) in enumerate(placed)])


def test_compaction_slides_parts_left_and_down_to_spacing():
    stock = Stock(width=500, height=300, margin=10)
    a, b = _rect("a", 100, 50), _rect("b", 80, 120)
    sheet = compact_sheet(_sheet(stock, (a, 40.0, 70.0), (b, 230.0, 33.0)), 6.0, 2.0)
    (pa, pb) = sheet.placements
    assert (pa.x, pa.y) == pytest.approx((10.0, 10.0))
    # b stops 6 mm (plus the grown outline's chord allowance) right of a, on the margin
    assert pb.y == pytest.approx(10.0)
    gap = pb.x - 110.0
    assert 6.0 <= gap <= 6.0 + 0.1
    assert verify_layout(Layout([sheet]), 6.0) == []


def test_compaction_keeps_a_part_in_its_hole_and_off_keep_outs():
    frame = _frame(300.0, 200.0)  # hole from (50, 50) to (250, 250) in its own frame
    tile = _rect("tile", 60, 60)
    clamp = shapely.box(0, 0, 150, 40)  # in the margin band and beyond it: blocks the bottom
    stock = Stock(width=700, height=400, margin=10, keepouts=(clamp,))
    sheet = compact_sheet(_sheet(stock, (frame, 380.0, 90.0), (tile, 530.0, 220.0),
                                 (tile, 20.0, 300.0)), 4.0, 2.0)
    pf, pt, pk = (p.placed().outline for p in sheet.placements)
    assert Polygon(pf.interiors[0]).contains(pt)  # still inside the hole: it never jumps out
    assert pk.bounds[1] >= 40.0 + 2.0 - 1e-6  # stopped by the clamp (spacing / 2 from it)
    assert verify_layout(Layout([sheet]), 4.0) == []


def test_the_last_sheet_of_a_sheet_job_is_compacted():
    """A sheet job's last sheet keeps the largest offcut: its parts slide left and down in
    exact coordinates (the square beside the triangle's slanted side is placed by the
    raster up to a cell off; it moves 0.77 mm left here), so nothing is left to slide."""
    tri = Part("tri", Polygon([(0, 0), (97.3, 0), (0, 83.1)]))
    sq, panel = _rect("sq", 41.7, 41.7), _rect("panel", 185, 95)
    items = _items([panel], copies=2, rotations=(0.0,)) + _items([tri, sq], rotations=(0.0,))
    stock = Stock(width=200, height=110, margin=5)
    layout = nest(items, [stock], _settings(spacing=3.0, iterations=40))
    _check(layout, items, 3.0)
    last = layout.sheets[-1]
    assert len(layout.sheets) == 3 and len(last.placements) == 2
    moved = compact_sheet(last, 3.0, 1.0)
    for a, b in zip(last.placements, moved.placements):
        assert (a.x, a.y) == pytest.approx((b.x, b.y), abs=1e-3)  # nothing left to slide


def test_every_sheet_of_a_sheet_job_is_compacted():
    """Every sheet keeps its free material along its far end and top, where it is sawn off
    and kept: 301.3 x 201.7 mm blocks, nine to a full sheet (three rows of three), lie
    where the raster put them up to a cell apart; compacted, each full sheet's blocks touch
    (its parts end at 3 x 301.3 and 3 x 201.7 mm), and nothing is left to slide on any."""
    items = _items([_rect("block", 301.3, 201.7)], copies=14, rotations=(0.0,))
    stock = Stock(width=1000, height=620, margin=0)
    layout = nest(items, [stock], _settings(spacing=0.0, iterations=40))
    _check(layout, items, 0.0)
    assert [len(s.placements) for s in layout.sheets] == [9, 5]
    full = layout.sheets[0]
    x_end = max(p.placed().outline.bounds[2] for p in full.placements)
    y_end = max(p.placed().outline.bounds[3] for p in full.placements)
    assert x_end == pytest.approx(3 * 301.3, abs=1e-3)
    assert y_end == pytest.approx(3 * 201.7, abs=1e-3)
    for sheet in layout.sheets:
        moved = compact_sheet(sheet, 0.0, 1.0)
        for a, b in zip(sheet.placements, moved.placements):
            assert (a.x, a.y) == pytest.approx((b.x, b.y), abs=1e-3)


def test_strip_length_is_exact_not_rounded_up_to_raster_cells():
    # 3 x 3 squares, three to a column of a 10-high strip: exactly 6 long; the raster's
    # cells (10 / 300 does not divide 3) alone would leave a gap between the columns
    items = _items([_rect("sq", 3, 3)], copies=6, rotations=(0.0,))
    stock = Stock(width=100, height=10, margin=0, strip=True)
    layout = nest(items, [stock], _settings(spacing=0.0, iterations=50))
    _check(layout, items, 0.0)
    assert layout.sheets[0].used_length == pytest.approx(6.0, abs=1e-3)


# --- strip: overlap removal ---------------------------------------------------------------------


def _painted(p, var_of, u_of, v_of) -> np.ndarray:
    """Cell counts by hand from the raster intervals (the slow reference)."""
    cnt = np.zeros((int(p.st_nu[0]), int(p.st_nv[0])), np.int32)
    for s, u, v in zip(var_of.tolist(), u_of.tolist(), v_of.tolist()):
        occ = np.zeros(cnt.shape, bool)
        paint(occ, p.rows[p.var_s0[s]:p.var_s1[s]], p.lo[p.var_s0[s]:p.var_s1[s]],
               p.hi[p.var_s0[s]:p.var_s1[s]], u, v)
        cnt += occ
    return cnt


@pytest.mark.parametrize("n_anchors, top, rot_keep, pair_loss",
                         [(0, 0, 0, False), (2, 0, 0, False), (2, 3, 0, False),
                          (2, 3, 2, False), (2, 3, 2, True)])
def test_separate_removes_overlap_and_keeps_the_cap(n_anchors, top, rot_keep, pair_loss):
    from wikicut.nest.kernels import overlap

    rng = np.random.default_rng(5)
    parts = [Part(f"b{i}", affinity.scale(_random_polygon(rng), 0.5, 0.5)) for i in range(4)]
    items = _items(parts, copies=3)
    stock = Stock(width=400, height=120, margin=0, strip=True)
    p = build(items, [stock], 2.0, 2.0)
    n = len(items)
    var_of = p.item_vars[p.item_v0].copy()  # everyone at the first rotation, all piled up
    u_of = p.lim[0, var_of, 0].copy()
    v_of = p.lim[0, var_of, 2].copy()
    cnt = _painted(p, var_of, u_of, v_of)
    assert cnt.max() > 1
    w = np.ones(cnt.shape)
    S = np.zeros((cnt.shape[0], cnt.shape[1] + 1))
    overlap.prefix_rows(cnt, w, S, 0, cnt.shape[0] - 1)
    cap = np.floor((300.0 - p.var_right) / p.res).astype(np.int64)
    mark = np.zeros(cnt.shape, np.int32)
    pw = np.ones((n, n) if pair_loss else (0, 0))
    left, moves = overlap.separate(
        overlap.Grid(cnt, w, S, mark, pw),
        overlap.Parts(var_of, u_of, v_of, p.item_v0, p.item_v1, p.item_vars), p.shapes(),
        p.lim, 0, cap, np.zeros(1, np.int64), 5000, 1,
        overlap.Tuning(100, 0.5 / cnt.shape[0], 5, 1.3, n_anchors, top, rot_keep),
        np.array([-1, 0, 1 << 62, 0]), np.zeros((n, 3), np.int64))
    assert left == 0 and 0 < moves < 5000
    assert np.array_equal(cnt, _painted(p, var_of, u_of, v_of))  # the kernel's own count
    assert cnt.max() == 1
    # moves refresh each row's sums over the part's cells and shift the rest: the same
    # as whole-row sums of the final counts and weights, to rounding
    whole = np.zeros_like(S)
    overlap.prefix_rows(cnt, w, whole, 0, cnt.shape[0] - 1)
    assert np.allclose(S, whole, rtol=1e-12, atol=1e-9)
    for i in range(n):
        s = var_of[i]
        assert p.item_v0[i] <= np.flatnonzero(p.item_vars == s).max()
        assert p.lim[0, s, 0] <= u_of[i] <= min(p.lim[0, s, 1], cap[s])
        assert p.lim[0, s, 2] <= v_of[i] <= p.lim[0, s, 3]


@pytest.mark.parametrize("pair_loss", [False, True])
def test_separate_keeps_count_of_overlap_between_moves(pair_loss):
    """The overlap separate reports (each part's cells times the other parts on them, kept
    up to date from the cells a moved part shares with its neighbours) equals a count from
    scratch, after any number of moves."""
    from wikicut.nest.kernels import overlap, pairs

    rng = np.random.default_rng(11)
    parts = [Part(f"b{i}", _random_polygon(rng)) for i in range(5)]
    items = _items(parts, copies=3)
    p = build(items, [Stock(width=600, height=150, margin=0, strip=True)], 2.0, 2.0)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    # shared cells of two shapes, against painting both by hand
    for _ in range(20):
        sa, sb = (int(x) for x in rng.integers(0, p.var_s0.size, 2))
        ua, ub = (int(x) for x in rng.integers(-20, nu, 2))
        va, vb = (int(x) for x in rng.integers(-20, nv, 2))
        both = (_painted(p, np.array([sa]), np.array([ua]), np.array([va]))
                + _painted(p, np.array([sb]), np.array([ub]), np.array([vb])))
        assert pairs.common(p.rows, p.lo, p.hi, p.var_s0[sa], p.var_s1[sa], ua, va,
                               p.var_s0[sb], p.var_s1[sb], ub, vb, nu, nv) \
            == np.count_nonzero(both == 2)
    var_of = p.item_vars[p.item_v0].copy()
    u_of = p.lim[0, var_of, 0].copy()
    v_of = p.lim[0, var_of, 2].copy()
    cnt = _painted(p, var_of, u_of, v_of)
    w = np.ones(cnt.shape)
    S = np.zeros((nu, nv + 1))
    overlap.prefix_rows(cnt, w, S, 0, nu - 1)
    cap = np.floor((60.0 - p.var_right) / p.res).astype(np.int64)  # too short: never done
    mark = np.zeros(cnt.shape, np.int32)
    n = len(items)
    pw = np.ones((n, n) if pair_loss else (0, 0))
    for moves in (1, 7, 60):
        left, used = overlap.separate(
            overlap.Grid(cnt, w, S, mark, pw),
            overlap.Parts(var_of, u_of, v_of, p.item_v0, p.item_v1, p.item_vars), p.shapes(),
            p.lim, 0, cap, np.zeros(1, np.int64), moves, moves,
            overlap.Tuning(100, 0.5 / nu, 5, 1.3, 2), np.array([-1, 0, 1 << 62, 0]),
            np.zeros((n, 3), np.int64))
        assert used == moves and left > 0
        c = _painted(p, var_of, u_of, v_of).astype(np.int64)
        assert left == int((c * (c - 1)).sum())  # each part on a cell counts the others
        # contested cells got dearer (only their rows' sums redone from the first changed
        # cell): still the whole-row sums of the counts and weights, to rounding
        whole = np.zeros_like(S)
        overlap.prefix_rows(cnt, w, whole, 0, nu - 1)
        assert np.allclose(S, whole, rtol=1e-12, atol=1e-9)
    if pair_loss:  # stuck pairs got dearer, and the cells kept their weight
        assert pw.max() > 1.0 and w.max() == 1.0
    else:
        assert w.max() > 1.0


def test_anchor_cells_lie_on_their_variant_and_a_full_grid_still_gives_a_spot():
    """Anchors prune coarse samples by one look-up each: they must be cells the variant
    covers; where every sample's anchor is taken, the variant is sampled in full."""
    from wikicut.nest.kernels import overlap, pairs

    rng = np.random.default_rng(3)
    parts = [Part(f"b{i}", _random_polygon(rng)) for i in range(4)]
    p = build(_items(parts, copies=1), [Stock(width=600, height=150, margin=0, strip=True)],
               2.0, 2.0)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    anc = overlap.anchors(p.rows, p.lo, p.hi, p.var_s0, p.var_s1, 3)
    vbox = overlap.cell_boxes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1)
    for s in range(p.var_s0.size):
        u, v = int(p.lim[0, s, 0]), int(p.lim[0, s, 2])
        painted = _painted(p, np.array([s]), np.array([u]), np.array([v]))
        for r, c in anc[s]:
            if 0 <= u + r < nu and 0 <= v + c < nv:
                assert painted[u + r, v + c] == 1
    full = np.ones((nu, nv), np.int32)
    S = np.zeros((nu, nv + 1))
    overlap.prefix_rows(full, np.ones((nu, nv)), S, 0, nu - 1)
    cap = p.lim[0, :, 1].copy()
    cands = p.item_vars[p.item_v0[0]:p.item_v1[0]]
    # descents from every rotation's best sample, or the best few; with rotations sampled
    # at random (rot_keep), a part put in afresh still looks at them all and gets a spot
    for top, rot_keep in [(0, 0), (1, 0), (3, 0)] + [(3, 1)] * 40:
        bs, bu, bv = overlap.best_spot(S, cands, p.shapes(), p.lim, 0, cap,
                                       np.zeros(1, np.int64),
                                       overlap.Tuning(100, 0.0, 0, 1.0, 3, top, rot_keep),
                                       -1, 0, 0, anc, pairs.no_near(), vbox)
        assert bs in cands.tolist()
        assert (p.lim[0, bs, 0] <= bu <= p.lim[0, bs, 1]
                and p.lim[0, bs, 2] <= bv <= p.lim[0, bs, 3])


def _one_move(p, cnt: np.ndarray, s: int, u: int, v: int, tuning) -> tuple[int, int, int]:
    """Where `best_spot` (cell loss, no anchors) takes p's first item, variant s at (u, v),
    over the part counts `cnt`."""
    from wikicut.nest.kernels import overlap, pairs

    nu, nv = cnt.shape
    S = np.zeros((nu, nv + 1))
    overlap.prefix_rows(cnt, np.ones((nu, nv)), S, 0, nu - 1)
    cands = p.item_vars[p.item_v0[0]:p.item_v1[0]]
    anc = overlap.anchors(p.rows, p.lo, p.hi, p.var_s0, p.var_s1, 0)
    vbox = overlap.cell_boxes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1)
    return overlap.best_spot(S, cands, p.shapes(), p.lim, 0, p.lim[0, :, 1].copy(),
                             np.zeros(1, np.int64), tuning, s, u, v, anc, pairs.no_near(), vbox)


def test_a_moved_part_descends_from_where_it_is_into_a_hole_between_the_samples():
    """Every cell taken but a hole of the part's shape a few cells from where the part is:
    the coarse samples all cost the same, so only the descent from the part's own position
    (`Tuning.local`) slides it in; without it the part stays where it was (unless a sample
    happens to land on the hole exactly)."""
    from wikicut.nest.kernels import overlap

    items = _items([_rect("r", 4.0, 4.0)], copies=1, rotations=(0.0,))  # 2 x 2 cells
    p = build(items, [Stock(width=300, height=100, margin=0, strip=True)], 0.0, 2.0)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    s = int(p.item_vars[p.item_v0[0]])
    uh, vh = 60, 20
    cnt = np.ones((nu, nv), np.int32) - _painted(p, np.array([s]), np.array([uh]),
                                                  np.array([vh])).astype(np.int32)

    def spot(local: int) -> tuple[int, int, int]:
        return _one_move(p, cnt, s, uh + 1, vh + 1,
                         overlap.Tuning(1, 0.0, 0, 1.0, 0, 0, 0, local))

    assert all(spot(4) == (s, uh, vh) for _ in range(20))
    # a sample finds the hole's 3 x 3 cells at a stride of about 20 cells: 2 % of calls
    assert sum(spot(0) == (s, uh + 1, vh + 1) for _ in range(20)) >= 15


def test_a_moved_part_finds_a_hole_near_it_past_a_ridge_by_focused_samples():
    """The part sits in a dip (its own cells count 1, a ring of cells around count 5, the
    rest 1) with a hole of its shape five cells off diagonally: every step of the descent
    from where it is climbs the ring, so without focused samples it stays (unless a coarse
    sample lands near the hole: 6 % of calls); samples at every origin near it
    (`Tuning.focus` as many as the 11 x 11 origins within half its size) find the hole."""
    from wikicut.nest.kernels import overlap

    items = _items([_rect("r", 20.0, 20.0)], copies=1, rotations=(0.0,))  # 10 x 10 cells
    p = build(items, [Stock(width=300, height=100, margin=0, strip=True)], 0.0, 2.0)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    s = int(p.item_vars[p.item_v0[0]])
    uc, vc, uh, vh = 60, 20, 65, 25

    def at(u: int, v: int) -> np.ndarray:
        return _painted(p, np.array([s]), np.array([u]), np.array([v])).astype(bool)

    cnt = np.ones((nu, nv), np.int32)
    cnt[uh - 10:uh + 20, vh - 10:vh + 20] = 5
    cnt[at(uc, vc)] = 1
    cnt[at(uh, vh)] = 0

    def spot(focus: int) -> tuple[int, int, int]:
        return _one_move(p, cnt, s, uc, vc, overlap.Tuning(1, 0.0, 0, 1.0, 0, 0, 0, 4, focus))

    assert all(spot(121) == (s, uh, vh) for _ in range(20))
    assert sum(spot(0) == (s, uc, vc) for _ in range(20)) >= 10


def test_overlap_cost_stops_at_its_limit():
    from wikicut.nest.kernels import overlap

    rng = np.random.default_rng(8)
    items = _items([Part("b", _random_polygon(rng))], copies=1, rotations=(0.0,))
    p = build(items, [Stock(width=300, height=100, margin=0, strip=True)], 0.0, 2.0)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    S = np.zeros((nu, nv + 1))
    S[:, 1:] = np.cumsum(rng.random((nu, nv)), axis=1)
    s0, s1 = int(p.var_s0[0]), int(p.var_s1[0])
    u0, u1, v0, v1 = (int(x) for x in p.lim[0, 0])
    for u, v in ((u0, v0), ((u0 + u1) // 2, (v0 + v1) // 2), (u1, v1)):
        full = overlap.cost(S, p.rows, p.lo, p.hi, s0, s1, u, v, nu, nv, math.inf)
        assert full > 0
        assert overlap.cost(S, p.rows, p.lo, p.hi, s0, s1, u, v, nu, nv, full * 1.01) == full
        part = overlap.cost(S, p.rows, p.lo, p.hi, s0, s1, u, v, nu, nv, full / 3)
        assert full / 3 <= part < full  # stopped early, still no better than the limit


def _pair_problem(rng, designs: int, copies: int, width: float):
    """Random parts on a strip 150 high: the problem, its item count, variant cell boxes."""
    from wikicut.nest.kernels import overlap

    parts = [Part(f"b{i}", _random_polygon(rng)) for i in range(designs)]
    items = _items(parts, copies=copies)
    p = build(items, [Stock(width=width, height=150, margin=0, strip=True)], 2.0, 2.0)
    return p, len(items), overlap.cell_boxes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1)


def _random_layout(rng, p, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each of n parts at a random turn and a random origin within its limits."""
    var_of = np.array([int(rng.choice(p.item_vars[p.item_v0[i]:p.item_v1[i]]))
                       for i in range(n)], np.int64)
    u_of = np.array([rng.integers(p.lim[0, s, 0], p.lim[0, s, 1] + 1) for s in var_of])
    v_of = np.array([rng.integers(p.lim[0, s, 2], p.lim[0, s, 3] + 1) for s in var_of])
    return var_of, u_of, v_of


def test_pair_loss_matches_a_count_by_hand_and_stops_at_its_limit():
    """The pair loss of a part at a position, from the neighbours' sorted window (only those
    whose box can meet it are merged), equals the sum over all neighbours of factor x
    sqrt(shared cells + 1) counted by painting cells; it stops once it reaches the limit."""
    from wikicut.nest.kernels import pairs

    rng = np.random.default_rng(21)
    p, n, vbox = _pair_problem(rng, 5, 3, 300)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    var_of, u_of, v_of = _random_layout(rng, p, n)
    pw = 1.0 + rng.random((n, n))
    pw = (pw + pw.T) / 2
    size = pairs.part_sizes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1, p.item_v0, p.item_vars)
    s0 = p.item_vars[p.item_v0[0]]
    cells = int((p.hi[p.var_s0[s0]:p.var_s1[s0]] - p.lo[p.var_s0[s0]:p.var_s1[s0]] + 1).sum())
    assert size[0] == pytest.approx(cells ** 0.25)
    buf = pairs.near_buffers(n)
    hits = 0
    for i in range(n):
        near = pairs.neighbours(i, var_of, u_of, v_of, vbox, pw, size, buf)
        assert near.m == n - 1 and np.all(np.diff(near.u0[:near.m]) >= 0)
        for s in p.item_vars[p.item_v0[i]:p.item_v1[i]].tolist():
            for _ in range(15):
                u = int(rng.integers(p.lim[0, s, 0], p.lim[0, s, 1] + 1))
                v = int(rng.integers(p.lim[0, s, 2], p.lim[0, s, 3] + 1))
                me = _painted(p, np.array([s]), np.array([u]), np.array([v]))
                ref = 0.0
                for j in range(n):
                    if j == i:
                        continue
                    other = _painted(p, var_of[j:j + 1], u_of[j:j + 1], v_of[j:j + 1])
                    shared = int(np.count_nonzero(me & other))
                    if shared:
                        ref += pw[i, j] * size[i] * size[j] * math.sqrt(shared + 1.0)
                got = pairs.pair_cost(p.rows, p.lo, p.hi, p.var_s0, p.var_s1, vbox, s, u,
                                        v, near, nu, nv, math.inf)
                assert got == pytest.approx(ref, rel=1e-12)
                if ref > 0:
                    hits += 1
                    part = pairs.pair_cost(p.rows, p.lo, p.hi, p.var_s0, p.var_s1, vbox,
                                             s, u, v, near, nu, nv, ref / 3)
                    assert ref / 3 <= part <= ref
    assert hits > 50


def _pair_scene(seed: int):
    """Random parts on a strip, each but part 0 painted: (problem, prefix sums of the others'
    counts, part 0's neighbours for the pair loss, vbox, nu, nv)."""
    from wikicut.nest.kernels import overlap, pairs

    rng = np.random.default_rng(seed)
    p, n, vbox = _pair_problem(rng, 5, 3, 300)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    var_of, u_of, v_of = _random_layout(rng, p, n)
    pw = 1.0 + rng.random((n, n))
    size = pairs.part_sizes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1, p.item_v0, p.item_vars)
    near = pairs.neighbours(0, var_of, u_of, v_of, vbox, (pw + pw.T) / 2, size,
                            pairs.near_buffers(n))
    cnt = _painted(p, var_of[1:], u_of[1:], v_of[1:])
    S = np.zeros((nu, nv + 1))
    overlap.prefix_rows(cnt, np.ones((nu, nv)), S, 0, nu - 1)
    return p, S, near, vbox, nu, nv, rng


def _descend_reference(S, shapes, vbox, s, lu, lv, lbest, d, box, nu, nv, bias, near):
    """The descent trying all four steps every round (the kernel skips the step back)."""
    from wikicut.nest.kernels import overlap

    du0, du1, dv0, dv1 = box
    while d >= 1:
        moved = True
        while moved:
            moved = False
            for du, dv in ((d, 0), (-d, 0), (0, d), (0, -d)):
                uu, vv = lu + du, lv + dv
                if not (du0 <= uu <= du1 and dv0 <= vv <= dv1):
                    continue
                c = overlap._loss(S, shapes, vbox, s, uu, vv, nu, nv, lbest - bias * uu,
                                  near) + bias * uu
                if c < lbest - 1e-12:
                    lbest, lu, lv, moved = c, uu, vv, True
        d //= 2
    return lbest, lu, lv


@pytest.mark.parametrize("pair_loss", [False, True])
def test_descent_ends_where_one_trying_every_step_does(pair_loss):
    """Skipping the step back to where the last step came from (known to be worse) changes
    neither the cell reached nor its loss, with either loss and with the pull to the left."""
    from wikicut.nest.kernels import overlap, pairs

    moved = 0
    for seed in range(3):
        p, S, near, vbox, nu, nv, rng = _pair_scene(10 + seed)
        near = near if pair_loss else pairs.no_near()
        for s in p.item_vars[p.item_v0[0]:p.item_v1[0]].tolist():
            box = tuple(int(x) for x in p.lim[0, s])
            for _ in range(25):
                u = int(rng.integers(box[0], box[1] + 1))
                v = int(rng.integers(box[2], box[3] + 1))
                bias = float(rng.choice([0.0, 0.5 / nu]))
                start = overlap._loss(S, p.shapes(), vbox, s, u, v, nu, nv, math.inf,
                                      near) + bias * u
                d = int(rng.choice([1, 4, 16]))
                got = overlap._descend(S, p.shapes(), vbox, s, u, v, start, d, *box, nu, nv,
                                       bias, near)
                ref = _descend_reference(S, p.shapes(), vbox, s, u, v, start, d, box, nu, nv,
                                         bias, near)
                assert got == ref
                moved += (got[1], got[2]) != (u, v)
    assert moved > 50


def test_pair_weights_grow_on_overlapping_pairs_and_decay_on_the_others():
    """Each update: an overlapping pair's weight grows 1.2 to 2 times (the worst pair the
    most), every other pair's decays by 0.95, never below 1, as a reference over all pairs
    computes it; the kernel visits only the heavy pairs (weight above 1), whose list it
    keeps up to date, growing it past its first capacity."""
    from wikicut.nest.kernels import pairs

    rng = np.random.default_rng(4)
    p, n, vbox = _pair_problem(rng, 4, 2, 600)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    var_of = p.item_vars[p.item_v0].copy()
    u_of = p.lim[0, var_of, 0].copy()
    v_of = p.lim[0, var_of, 2].copy()
    u_of[n // 2:] = p.lim[0, var_of[n // 2:], 1]  # half piled at each end: some pairs apart
    size = pairs.part_sizes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1, p.item_v0, p.item_vars)
    painted = [_painted(p, var_of[i:i + 1], u_of[i:i + 1], v_of[i:i + 1]) for i in range(n)]

    def update(pw, heavy, count, on):
        """One kernel update with only the parts in `on` placed where they overlap (the
        others' overlap counted as 0), checked against the reference."""
        shared = np.array([[np.count_nonzero(painted[j] & painted[k]) if on[j] and on[k]
                            and j != k else 0 for k in range(n)] for j in range(n)])
        ov = shared.sum(axis=1)
        loss = np.where(shared > 0, np.outer(size, size) * np.sqrt(shared + 1.0), 0.0)
        ref = np.where(loss > 0, pw * (1.2 + 0.8 * loss / max(loss.max(), 1e-300)),
                       np.maximum(pw * 0.95, 1.0))
        ref = np.where((loss == 0) & (pw <= 1.0), pw, ref)
        np.fill_diagonal(ref, np.diag(pw))  # a part and itself: no pair
        heavy, count = pairs.update_pairs(pw, heavy, count, p.rows, p.lo, p.hi, p.var_s0,
                                          p.var_s1, vbox, var_of, u_of, v_of, ov, size, nu,
                                          nv)
        assert np.allclose(pw, ref, rtol=1e-12) and np.array_equal(pw, pw.T)
        assert pw.min() >= 1.0
        listed = {(int(j), int(k)) for j, k in heavy[:count]}
        assert len(listed) == count
        assert listed == {(j, k) for j in range(n) for k in range(j + 1, n) if pw[j, k] > 1}
        return heavy, count, loss

    pw = np.full((n, n), 1.5)
    heavy, count = pairs.heavy_pairs(pw)
    assert count == n * (n - 1) // 2
    heavy, count, loss = update(pw, heavy, count, np.ones(n, bool))
    grown = np.triu(loss > 0, 1).sum()
    assert 0 < grown < count  # some pairs apart, some overlapping
    j, k = np.unravel_index(np.argmax(loss), loss.shape)
    assert pw[j, k] == pytest.approx(1.5 * 2.0)  # the worst pair grows the most
    pw[:] = 1.0
    heavy, count = pairs.heavy_pairs(pw)
    assert count == 0 and heavy.shape[0] == 16
    heavy, count, _ = update(pw, heavy, count, np.zeros(n, bool))
    assert count == 0 and np.all(pw == 1.0)  # never below 1
    for _ in range(40):  # overlaps come and go: pairs join the list and leave it
        heavy, count, _ = update(pw, heavy, count, rng.random(n) < 0.7)
    u_of[:] = p.lim[0, var_of, 0]  # all piled at one end: more heavy pairs than fit at first
    painted[:] = [_painted(p, var_of[i:i + 1], u_of[i:i + 1], v_of[i:i + 1]) for i in range(n)]
    pw[:] = 1.0
    heavy, count = pairs.heavy_pairs(pw)
    heavy, count, _ = update(pw, heavy, count, np.ones(n, bool))
    assert count > 16 and heavy.shape[0] > 16


def _strip_job(seed: int, designs: int, height: float, margin: float, spacing: float):
    """Random parts (three copies of each design) on a 3000-long strip, and a nest() run
    with a fixed budget of `k` iterations: (items, run)."""
    rng = np.random.default_rng(seed)
    parts = [Part(f"s{i}", affinity.scale(_random_polygon(rng), 1.5, 1.5))
             for i in range(designs)]
    items = _items(parts, copies=3)
    stock = Stock(width=3000, height=height, margin=margin, strip=True)

    def run(k: int, params=DEFAULT) -> Layout:
        return nest(items, [stock], _settings(iterations=k, spacing=spacing, time_limit=600.0),
                    params=params)

    return items, run


def test_strip_overlap_phase_is_deterministic_and_only_shortens(monkeypatch):
    import wikicut.nest as nest_mod

    items, run = _strip_job(21, 6, height=260, margin=5, spacing=2.0)
    a, b = run(1000), run(1000)
    _check(a, items, 2.0)
    assert _signature(a) == _signature(b)
    # raster lengths (no compaction), on one raster: the overlap phase starts from the
    # layout the bottom-left phase found in its 10 % of the budget, and only ever keeps
    # shorter ones
    monkeypatch.setattr(nest_mod, "compact", lambda layout, *args: layout)
    a = run(3000, replace(DEFAULT, strip_refine=1))
    bl = run(300, replace(DEFAULT, bl_share=1.0, strip_refine=1))
    assert a.sheets[0].used_length < bl.sheets[0].used_length - 1.0


def test_a_strip_layout_keeps_every_part_in_place_on_a_finer_raster():
    """on_finer: the coarse search's layout on the raster twice as fine, every part exactly
    where it was (turns the finer raster dropped as repeats taken by the kept turn of the
    same extent) and still cell-disjoint there (each fine cell lies in one coarse cell)."""
    from wikicut.nest.kernels import overlap as ov_kernel
    from wikicut.nest.phases.refine import on_finer
    from wikicut.nest.solution import MODE_BOTTOM_LEFT, decode

    rng = np.random.default_rng(4)
    parts = [Part(f"s{i}", affinity.scale(_random_polygon(rng), 1.5, 1.5)) for i in range(5)]
    parts.append(_rect("board", 130.0, 40.0))  # turned half way: a repeat on both rasters
    items = _items(parts, copies=3)
    stock = Stock(width=3000, height=260, margin=5, strip=True)
    coarse = build(items, [stock], 2.0, 260 / 90)
    fine = build(items, [stock], 2.0, 260 / 180)
    n = len(items)
    s = decode(coarse, np.arange(n), np.full(n, -1, np.int64), MODE_BOTTOM_LEFT)
    got = on_finer(coarse, s, fine)
    assert got is not None
    a, b = to_layout(coarse, s), to_layout(fine, got)
    pa = {q.instance: q for q in a.sheets[0].placements}
    for q in b.sheets[0].placements:
        g, h = q.placed().outline, pa[q.instance].placed().outline
        assert shapely.equals_exact(shapely.normalize(g), shapely.normalize(h), 1e-6) or (
            g.symmetric_difference(h).area < 1e-6)
    assert got.key.last == pytest.approx(s.key.last, abs=1e-6)
    assert verify_layout(b, 2.0) == []
    cnt = np.zeros((fine.st_nu[0] + 400, fine.st_nv[0]), ov_kernel.COUNT)
    _, var, us, vs, _, _ = got.out
    for i in range(n):
        sv = int(var[i])
        ov_kernel.paint(cnt, fine.rows, fine.lo, fine.hi, fine.var_s0[sv], fine.var_s1[sv],
                        int(us[i]), int(vs[i]), 1)
    assert int(cnt.max()) == 1


@pytest.mark.parametrize("last, finest", [(0.0, 2), (DEFAULT.strip_refine_last, 4)])
def test_a_strip_search_ends_on_the_finer_raster_and_only_shortens(monkeypatch, last, finest):
    """The last share of a strip's search runs on a raster twice as fine, from the coarse
    layout, and (`strip_refine_last`) its last share on one twice as fine again: a result
    found there is on its cells (parts off the coarser grids), valid, the same on every
    run, and each finer raster's search ends no longer than the layout it was handed
    (raster lengths: no compaction)."""
    import wikicut.nest as nest_mod
    import wikicut.nest.search as search_mod

    monkeypatch.setattr(nest_mod, "compact", lambda layout, *args: layout)
    handed = []  # each finer raster's search: (cell, length handed over, length found)
    real = search_mod.strip_overlap

    def strip_overlap(p, best, *args):
        got = real(p, best, *args)
        handed.append((p.res, best.key.last, got.key.last))
        return got

    nest_mod.load_kernels()  # its warm-up jobs are strips too: before the count starts
    monkeypatch.setattr(search_mod, "strip_overlap", strip_overlap)
    items, run = _strip_job(21, 6, height=260, margin=5, spacing=2.0)
    prm = replace(DEFAULT, strip_refine_last=last)
    a, b = run(1000, prm), run(1000, prm)
    _check(a, items, 2.0)
    assert _signature(a) == _signature(b)
    per_run = len(handed) // 2
    assert per_run == (3 if last else 2)  # the coarse raster's search, then each finer one
    chain = handed[:per_run]
    assert [r for r, _, _ in chain] == sorted((r for r, _, _ in chain), reverse=True)
    for (_, _, found), (_, given, got) in zip(chain, chain[1:]):
        assert given == pytest.approx(found, abs=1e-6)  # handed on as it was
        assert got <= given + 1e-9  # and only shortened there
    # the strip's length: the finest raster's, and the 5 mm margin at each end
    assert a.sheets[0].used_length == pytest.approx(chain[-1][2] + 2 * 5, abs=1e-6)
    stocks = [Stock(width=3000, height=260, margin=5, strip=True)]
    res = tile_resolution(nest_mod.resolution(stocks, items), items, stocks, 2.0)
    # a part's grown outline's lower left lies on a cell corner of the raster that placed it
    cells = [(grow(q.placed().outline, 2.0, res).bounds[0] - 5) / res
             for q in a.sheets[0].placements]
    assert all(abs(finest * c - round(finest * c)) < 1e-6 for c in cells)
    # some only the finest raster has
    assert any(abs(finest // 2 * c - round(finest // 2 * c)) > 1e-6 for c in cells)


def test_a_strips_second_worker_searches_with_its_own_settings(monkeypatch, tmp_path):
    """On a strip the two workers search unlike each other: the second (its own seed and
    process) cuts by `second_shrink` on the coarse raster and keeps at a separation for
    `second_strikes` strikes, the first by `ov_shrink` and `ov_strikes`; the better layout
    wins, the same on every run."""
    import os

    from wikicut.nest import search as search_mod

    log = tmp_path / "overlap.log"
    real = search_mod.strip_overlap

    def spy(p, best, rng, budget, prm):
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {prm.ov_shrink} {prm.ov_strikes}\n")
        return real(p, best, rng, budget, prm)

    monkeypatch.setattr(search_mod, "strip_overlap", spy)
    items, _ = _strip_job(21, 6, height=260, margin=5, spacing=2.0)
    stock = Stock(width=3000, height=260, margin=5, strip=True)
    prm = replace(DEFAULT, second_shrink=0.005, second_strikes=4)

    def run() -> Layout:
        return nest(items, [stock], _settings(iterations=1000, spacing=2.0, workers=2,
                                              time_limit=600.0), params=prm)

    a = run()
    _check(a, items, 2.0)
    seen: dict[str, set[tuple[str, str]]] = {}
    for line in log.read_text().splitlines():
        pid, shrink, strikes = line.split()
        seen.setdefault(pid, set()).add((shrink, strikes))
    assert set(seen) >= {str(os.getpid())} and len(seen) == 2
    first = seen.pop(str(os.getpid()))
    (second,) = seen.values()
    # the coarse raster's cut, then the finer rasters' (`refine_shrink`)
    assert first == {(str(DEFAULT.ov_shrink), "3"), (str(DEFAULT.refine_shrink), "3")}
    assert second == {("0.005", "4"), (str(DEFAULT.refine_shrink), "4")}
    assert _signature(run()) == _signature(a)


def test_the_strip_overlap_grid_ends_where_parts_can_reach(monkeypatch):
    """The overlap search's grid on a strip ends where a part can reach from the layout it
    starts from (the length only goes down), not at the roll's end: a fraction of the
    roll's cells here, and the layout found is valid and fits in it."""
    from wikicut.nest import load_kernels
    from wikicut.nest import overlap as overlap_mod
    from wikicut.nest.phases import strip as strip_mod

    load_kernels()  # its warm-up job searches a strip too
    grids = []
    real = overlap_mod.Overlap.__init__

    def spy(self, p, prm, t, cnt, *args, **kw):
        grids.append((cnt.shape[0], kw.get("span"), p.res))
        real(self, p, prm, t, cnt, *args, **kw)

    monkeypatch.setattr(strip_mod.Overlap, "__init__", spy)
    items, run = _strip_job(21, 6, height=260, margin=5, spacing=2.0)
    lay = run(3000, replace(DEFAULT, strip_refine=1))
    _check(lay, items, 2.0)
    assert grids
    nu, span, res = grids[0]
    assert nu < 0.7 * span  # the roll, cut to one row of parts, is longer than the strip
    assert lay.sheets[0].used_length <= 5 + nu * res  # from the sheet edge, margin 5


def test_two_strip_workers_each_refine_their_own_layout(monkeypatch):
    """With two workers each goes on on the finer raster from its own coarse layout: the
    result is exactly the better of the two one-worker runs (seed; the second worker's seed
    with its settings), each of which is what one worker alone finds. Refining only the
    better coarse layout twice (both workers from the same start) gives other layouts, and
    loses the runner-up's chance."""
    import wikicut.nest as nest_mod

    monkeypatch.setattr(nest_mod, "compact", lambda layout, *args: layout)
    items, _ = _strip_job(23, 6, height=260, margin=5, spacing=2.0)
    stock = Stock(width=3000, height=260, margin=5, strip=True)
    second = DEFAULT.second_worker()

    def run(workers: int, seed: int, params=DEFAULT) -> Layout:
        return nest(items, [stock], _settings(iterations=2000, spacing=2.0, seed=seed,
                                              workers=workers, time_limit=600.0),
                    params=params)

    from wikicut.nest.workers import worker_seed

    # at this budget the second worker's layout is the shorter: keeping the first worker's
    # always would not pass
    both, one, other = run(2, 1), run(1, 1), run(1, worker_seed(1, 1), second)
    _check(both, items, 2.0)
    lengths = [one.sheets[0].used_length, other.sheets[0].used_length]
    assert lengths[0] != lengths[1]  # the two seeds end apart: the choice is seen
    best = one if lengths[0] <= lengths[1] else other
    assert _signature(both) == _signature(best)


def test_a_strips_strike_ends_sooner_the_fewer_its_parts():
    """A strike ends after `ov_no_gain` moves without a new least overlap; on a strip at
    most `ov_no_gain_part` a part (a strike as long on 8 parts as on 160 kept a stalled
    search at one length for seconds); a sheet's strikes keep the full count."""
    from types import SimpleNamespace

    from wikicut.nest.overlap import separate

    prm = replace(DEFAULT, ov_no_gain=2000, ov_no_gain_part=20, ov_strikes=1, ov_chunk=10)

    class Stuck:  # overlap that never goes down: every move counts as stale, as the
        # kernel counts (test_the_kernel_keeps_a_strikes_least_overlap_layout)
        def __init__(self, strip):
            self.prm, self.p = prm, SimpleNamespace(strip=strip, items=[0] * 8)
            self.var_of = np.zeros(8, np.int64)

        def run(self, cap, moves, rng, strike, keep):
            strike[3] = 5
            if strike[0] < 0:
                strike[0] = 5
            for m in range(1, moves + 1):
                strike[1] += 1
                if strike[1] >= strike[2]:
                    return 5, m
            return 5, moves

        def place(self, pos):
            pass

    def moves(ov, params=prm):
        ov.prm = params
        budget = Budget(10**9, math.inf)
        assert separate(ov, None, None, budget, None) == 5
        return budget.used

    assert moves(Stuck(True)) == 20 * 8  # 160 stale moves
    assert moves(Stuck(False)) == 2000
    assert moves(Stuck(True), replace(prm, ov_no_gain_part=0)) == 2000
    assert moves(Stuck(True), replace(prm, ov_no_gain_part=1000)) == 2000


def test_overlapping_parts_move_in_turn_each_once_a_round():
    """A separation moves the overlapping parts in rounds, each once a round in a random
    order, as sparrow does (drawing one at random each move left some unmoved for many
    moves); a part whose overlap went meanwhile is skipped, and the next round takes the
    parts that overlap then."""
    from wikicut.nest.kernels import overlap

    ov = np.array([3, 0, 1, 4, 0, 2, 7])
    queue = np.zeros(ov.size, np.int64)
    turn = np.zeros(2, np.int64)
    orders = set()
    for _ in range(6):
        first = [int(overlap.next_part(ov, queue, turn)) for _ in range(5)]
        assert sorted(first) == [0, 2, 3, 5, 6]  # a round: each overlapping part once
        orders.add(tuple(first))
    assert len(orders) > 1  # in a random order
    first = [int(overlap.next_part(ov, queue, turn)) for _ in range(2)]
    gone = next(j for j in (0, 2, 3, 5, 6) if j not in first)
    ov[gone] = 0  # its overlap went (a neighbour moved away): skipped
    rest = [int(overlap.next_part(ov, queue, turn)) for _ in range(2)]
    assert sorted(first + rest) == sorted({0, 2, 3, 5, 6} - {gone})
    ov[1] = 5  # overlaps from now on: in the next round
    assert sorted(int(overlap.next_part(ov, queue, turn)) for _ in range(5)) \
        == sorted({0, 1, 2, 3, 5, 6} - {gone})


def test_the_kernel_keeps_a_strikes_least_overlap_layout():
    """The separation kernel looks at the overlap after every move: `keep` holds the
    layout of the least overlap seen (not only where a call of 200 moves ends), and the
    call returns once the moves without a 2 % fall reach the strike's length."""
    from wikicut.nest.kernels import overlap

    rng = np.random.default_rng(11)
    parts = [Part(f"b{i}", _random_polygon(rng)) for i in range(5)]
    items = _items(parts, copies=3)
    p = build(items, [Stock(width=600, height=150, margin=0, strip=True)], 2.0, 2.0)
    nu, nv = int(p.st_nu[0]), int(p.st_nv[0])
    var_of = p.item_vars[p.item_v0].copy()
    u_of = p.lim[0, var_of, 0].copy()
    v_of = p.lim[0, var_of, 2].copy()
    cnt = _painted(p, var_of, u_of, v_of)
    start = int((cnt.astype(np.int64) * (cnt - 1)).sum())
    w = np.ones(cnt.shape)
    S = np.zeros((nu, nv + 1))
    overlap.prefix_rows(cnt, w, S, 0, nu - 1)
    cap = np.floor((60.0 - p.var_right) / p.res).astype(np.int64)  # too short: never done
    n = len(items)
    strike = np.array([-1, 0, 40, 0])
    keep = np.zeros((n, 3), np.int64)
    ends = []
    for _ in range(30):
        left, used = overlap.separate(
            overlap.Grid(cnt, w, S, np.zeros(cnt.shape, np.int32), np.ones((n, n))),
            overlap.Parts(var_of, u_of, v_of, p.item_v0, p.item_v1, p.item_vars),
            p.shapes(), p.lim, 0, cap, np.zeros(1, np.int64), 7, len(ends),
            overlap.Tuning(100, 0.5 / nu, 5, 1.3, 2), strike, keep)
        ends.append(left)
        if strike[1] >= strike[2]:
            assert used <= 7  # ended within the call, where the strike ran out
            break
        assert used == 7
    assert strike[1] == 40  # ran out
    assert strike[0] <= min(min(ends), start)  # least of every state, between ends too
    c = _painted(p, keep[:, 0], keep[:, 1], keep[:, 2]).astype(np.int64)
    assert int((c * (c - 1)).sum()) == strike[0]  # `keep` is that layout


def test_strip_exploration_goes_on_from_failed_layouts(monkeypatch):
    """Separations cut short (50 moves, one strike) fail often: the search must go on from
    the pool of failed layouts (disrupted) and still only keep valid, shorter ones."""
    from wikicut.nest.overlap import Overlap

    prm = replace(DEFAULT, ov_no_gain=50, ov_strikes=1)
    restored = []  # per restore: did the layout overlap?
    real_restore = Overlap.restore
    monkeypatch.setattr(Overlap, "restore", lambda self, st: restored.append(
        int(st[0].max()) > 1) or real_restore(self, st))
    items, run = _strip_job(8, 5, height=200, margin=0, spacing=1.0)
    a, b = run(2000, prm), run(2000, prm)
    _check(a, items, 1.0)
    assert _signature(a) == _signature(b)
    # failed separations happened and the search went on from them (the finer rasters'
    # retries restore valid layouts only)
    assert any(restored)
    # the bottom-left phase's share of the budget alone
    bl = run(200, replace(prm, bl_share=1.0))
    assert a.sheets[0].used_length <= bl.sheets[0].used_length


def test_a_failed_cut_is_retried_from_the_last_valid_layout(monkeypatch):
    """With retries (the finer raster's compression), a cut whose overlap stays goes back
    to the last valid layout, never to a failed one from the pool; without them the search
    goes on from failed layouts. Either way only valid, shorter layouts are kept."""
    import sys

    from wikicut.nest.overlap import Overlap

    seen = []  # per restore by the strip search itself: did the layout overlap?
    real_restore = Overlap.restore

    def restore(self, st):
        if sys._getframe(1).f_code.co_name == "strip_overlap":
            seen.append(int(st[0].max()) > 1)
        real_restore(self, st)

    monkeypatch.setattr(Overlap, "restore", restore)
    items, run = _strip_job(8, 5, height=200, margin=0, spacing=1.0)
    base = replace(DEFAULT, ov_no_gain=50, ov_strikes=1, strip_refine=1)
    # run once: that a search with retries is the same on every run is the finer rasters'
    # test (test_a_strip_search_ends_on_the_finer_raster_and_only_shortens): they retry so
    a = run(2000, replace(base, ov_retries=1 << 30))
    _check(a, items, 1.0)
    assert len(seen) > 1 and not any(seen)  # retried, always from a valid layout
    bl = run(200, replace(base, bl_share=1.0))  # the bottom-left phase's share alone
    assert a.sheets[0].used_length <= bl.sheets[0].used_length
    seen.clear()
    run(2000, base)
    assert any(seen)  # no retries: the pool's failed layouts
    # the very first cut failing goes back to the layout before it, not to the cut one
    import wikicut.nest.phases.strip as strip_mod

    real_separate, real_init, calls, first = strip_mod.separate, Overlap.__init__, [], []

    def init(self, *args, **kw):
        real_init(self, *args, **kw)
        first.append(self.u_of.copy())

    def separate(ov, *args):
        calls.append(ov.u_of.copy())
        return 1 if len(calls) == 1 else real_separate(ov, *args)

    restored = []
    monkeypatch.setattr(Overlap, "__init__", init)
    monkeypatch.setattr(Overlap, "restore",
                        lambda self, st: restored.append(st[2].copy()) or real_restore(self, st))
    monkeypatch.setattr(strip_mod, "separate", separate)
    _check(run(2000, replace(base, ov_retries=1 << 30, ov_shrink=0.05)), items, 1.0)
    assert not np.array_equal(first[0], calls[0])  # the cut moved parts
    assert np.array_equal(restored[0], first[0])


def test_overlap_state_moves_parts_within_their_limits():
    from wikicut.nest.overlap import Overlap
    from wikicut.nest.problem import obstacles

    items = _items([_rect("a", 40, 20), _rect("b", 30, 30)], copies=1, rotations=(0.0,))
    stock = Stock(width=500, height=100, margin=0, strip=True)
    p = build(items, [stock], 0.0, 1.0)
    var = p.item_vars[p.item_v0].copy()
    u = p.lim[0, var, 0].copy()
    v = p.lim[0, var, 2].copy()
    ov = Overlap(p, DEFAULT, 0, obstacles(p, 0), var.copy(), u.copy(), v.copy(), p.item_v0,
                 p.item_v1, np.zeros(1, np.int64))
    assert ov.cnt.max() == 2  # both in the corner
    cap = np.full(var.size, 1 << 40, np.int64)
    ov.move(1, int(var[1]), 10_000, -50, cap)  # far beyond the strip's end and its bottom
    assert ov.u_of[1] == p.lim[0, var[1], 1] and ov.v_of[1] == p.lim[0, var[1], 2]
    assert ov.cnt.max() == 1 and int(ov.cnt.sum()) == np.count_nonzero(ov.cnt)
    cap[:] = 100
    ov.move(1, int(var[1]), 10_000, 0, cap)
    assert ov.u_of[1] == 100
    assert ov.length() == pytest.approx(100 * p.res + p.var_right[var[1]])


def test_a_disruption_takes_the_parts_a_swapped_part_lands_on_into_the_room_it_left():
    """After two parts swap (a disruption), the parts whose centre one of them now covers
    move by its way back, into the room it left (sparrow's disruption); parts it does not
    cover, and the swapped pair, stay."""
    from wikicut.nest.overlap import Overlap
    from wikicut.nest.phases.strip import _follow
    from wikicut.nest.problem import obstacles, variant_centres

    items = _items([_rect("big", 60, 60), _rect("s1", 10, 10), _rect("s2", 10, 10),
                    _rect("s3", 10, 10), _rect("other", 20, 20)], rotations=(0.0,))
    p = build(items, [Stock(width=500, height=100, margin=0, strip=True)], 0.0, 1.0)
    var = p.item_vars[p.item_v0].copy()
    # big (0) swapped from 300 to 100 along u: s1 lies under it there, s2 just clear of
    # its cells, s3 (1) is the part it swapped with, `other` far off
    u = np.array([100, 130, 170, 105, 400])
    v = np.array([20, 40, 40, 30, 10])
    ov = Overlap(p, DEFAULT, 0, obstacles(p, 0), var.copy(), u.copy(), v.copy(), p.item_v0,
                 p.item_v1, np.zeros(1, np.int64))
    cap = np.full(var.size, 1 << 40, np.int64)
    _follow(ov, 0, 300, 25, (0, 3), cap, *variant_centres(p))
    assert (int(ov.u_of[1]), int(ov.v_of[1])) == (330, 45)  # by big's way back: +200, +5
    assert ov.u_of[2] == 170 and ov.u_of[3] == 105 and ov.u_of[4] == 400  # the others stay
    assert ov.u_of[0] == 100
    c = _painted(p, ov.var_of, ov.u_of, ov.v_of)
    assert np.array_equal(c, ov.cnt)  # the cells follow the parts


def test_with_a_fixed_budget_phases_end_at_the_deadline_not_at_a_share_of_the_time():
    import time

    deadline = time.monotonic() + 100.0
    # the budget splits the phases
    assert Budget(1, deadline, fixed=True).phase_end(0.2) == deadline
    end = Budget(1, deadline, fixed=False).phase_end(0.2)
    assert time.monotonic() < end <= time.monotonic() + 20.0 + 1e-6


@pytest.mark.parametrize("window", [1, 12])
def test_sheet_elimination_moves_parts_between_sheets(window, monkeypatch):
    import random

    from wikicut.nest.phases.eliminate import eliminate

    prm = replace(DEFAULT, ov_window=window)  # 1: into one other sheet at a time

    # three 90 x 185 panels fit side by side on one 300 x 200 sheet (4 mm apart), but start
    # on a sheet each: the overlap phase empties two sheets, one at a time
    items = _items([_rect("panel", 90, 185)], copies=3)
    stock = Stock(width=300, height=200, margin=5)
    p = build(items, [stock], 4.0, 1.0)
    var = p.item_vars[p.item_v0].copy()
    out = (np.arange(3, dtype=np.int64), var, p.lim[0, var, 0].copy(),
           p.lim[0, var, 2].copy(), np.zeros(3, np.int64), np.zeros(3))
    start = solution(p, np.arange(3), np.full(3, -1, np.int64), 0, Decoded(*out))
    assert start.key.sheets == 3
    best = eliminate(p, start, random.Random(1), Budget(20000, math.inf), prm)
    assert (best.key.unplaced, best.key.sheets) == (0, 1)
    layout = to_layout(p, best)
    _check(layout, items, 4.0)
    assert [len(s.placements) for s in layout.sheets] == [3]


def test_sheet_elimination_goes_on_to_the_next_window_when_one_is_full():
    import random

    from wikicut.nest.phases.eliminate import eliminate

    # sheets A and B: a 200 x 190 panel each, a band 86 mm wide beside it that takes one
    # 80 x 150 block (not two: 2 x 150 + 4 > 190); sheet C: two blocks. With a window of
    # one sheet, A takes one of C's blocks and then nothing more; only B's band, the next
    # window, takes the other and empties C.
    panel, block = _rect("panel", 200, 190), _rect("block", 80, 150)
    items = _items([panel], copies=2, rotations=(0.0,)) + _items([block], copies=2,
                                                                 rotations=(0.0,))
    stock = Stock(width=300, height=200, margin=5)
    p = build(items, [stock], 4.0, 1.0)
    var = p.item_vars[p.item_v0].copy()
    u = p.lim[0, var, 0].copy()
    v = p.lim[0, var, 2].copy()
    u[3] += 84  # C's blocks side by side
    sheet = np.array([0, 1, 2, 2], np.int64)
    out = (sheet, var, u, v, np.zeros(3, np.int64), np.zeros(3))
    start = solution(p, np.arange(4), np.full(4, -1, np.int64), 0, Decoded(*out))
    _check(to_layout(p, start), items, 4.0)
    assert (start.key.unplaced, start.key.sheets) == (0, 3)
    prm = replace(DEFAULT, ov_window=1, ov_no_gain=200)  # failures sooner
    best = eliminate(p, start, random.Random(1), Budget(30_000, math.inf), prm)
    layout = to_layout(p, best)
    _check(layout, items, 4.0)
    assert [len(s.placements) for s in layout.sheets] == [2, 2]


def test_sheet_elimination_returns_a_layout_already_at_the_bound_as_it_is():
    import random

    from wikicut.nest.phases.eliminate import eliminate

    # the order search before it can reach the area bound within its share of the time
    # (the table job did, with one worker at 30 s): nothing to empty then, and no crash
    items = _items([_rect("panel", 90, 185)], copies=3)
    p = build(items, [Stock(width=300, height=200, margin=5)], 4.0, 1.0)
    var = p.item_vars[p.item_v0].copy()
    u = p.lim[0, var, 0] + np.array([0, 94, 188])
    out = (np.zeros(3, np.int64), var, u, p.lim[0, var, 2].copy(), np.zeros(1, np.int64),
           np.zeros(1))
    start = solution(p, np.arange(3), np.full(3, -1, np.int64), 0, Decoded(*out))
    assert (start.key.unplaced, start.key.sheets) == (0, 1)
    assert eliminate(p, start, random.Random(1), Budget(1000, math.inf), DEFAULT) is start


def test_sheet_elimination_leaves_a_shorter_last_sheet_when_it_cannot_empty_it(monkeypatch):
    import random

    from wikicut.nest.phases import eliminate as phase

    monkeypatch.setattr(phase, "lower", lambda p: 1)  # the area bound says 2: try anyway

    # sheet 0: a 200 x 190 panel leaves a band 82 mm wide beside it, room for two of the
    # four 80 x 90 blocks that start in a row on sheet 1 (reaching x = 257). The sheet
    # cannot be emptied, but cut by cut its two last blocks end up stacked at its start.
    panel, block = _rect("panel", 200, 190), _rect("block", 80, 90)
    items = _items([panel]) + _items([block], copies=4)
    stock = Stock(width=300, height=200, margin=5)
    p = build(items, [stock], 4.0, 1.0)
    var = p.item_vars[p.item_v0].copy()  # 0 degrees
    u = p.lim[0, var, 0].copy()
    v = p.lim[0, var, 2].copy()
    u[1:4] += np.array([0, 84, 168])  # three blocks in a row along the bottom
    v[4] += 94  # the fourth above the first
    sheet = np.array([0, 1, 1, 1, 1], np.int64)
    out = (sheet, var, u, v, np.zeros(2, np.int64), np.zeros(2))
    start = solution(p, np.arange(5), np.full(5, -1, np.int64), 0, Decoded(*out))
    _check(to_layout(p, start), items, 4.0)
    best = phase.eliminate(p, start, random.Random(1), Budget(30000, math.inf), DEFAULT)
    layout = to_layout(p, best)
    _check(layout, items, 4.0)
    assert [len(s.placements) for s in layout.sheets] == [3, 2]
    last = max(q.placed().outline.bounds[2] for q in layout.sheets[1].placements)
    # one column of two blocks at the sheet's start (a 210 mm offcut), up to the raster's
    # slack of a few cells (the cuts' least step is 1.5 mm; the exact compaction takes it)
    assert last <= 5 + 80 + 4


def test_sheet_elimination_empties_a_full_sheet_of_a_stock_list_and_leaves_the_offcut():
    import random

    from wikicut.nest.phases.eliminate import eliminate

    # an offcut (listed first) holds one block; full sheet A a 200 x 190 panel, with a band
    # 86 mm wide beside it; full sheet B two 80 x 90 blocks, which fit stacked in that band.
    # Elimination works on the full sheets only: B is emptied, the offcut stays as it was.
    offcut = Stock(width=120, height=200, margin=5, count=1, name="offcut")
    full = Stock(width=300, height=200, margin=5, name="full")
    panel, block = _rect("panel", 200, 190), _rect("block", 80, 90)
    items = _items([block], rotations=(0.0,)) + _items([panel]) \
        + [NestItem(f"block#{k}", block, (0.0,)) for k in (2, 3)]
    p = build(items, [offcut, full], 4.0, 1.0)
    kind = np.array([0, 1, 1, 1])  # each item's stock type
    var = p.item_vars[p.item_v0].copy()  # 0 degrees
    u = p.lim[kind, var, 0].copy()
    v = p.lim[kind, var, 2].copy()
    u[3] += 84  # B's two blocks in a row
    sheet = np.array([0, 1, 2, 2], np.int64)
    out = (sheet, var, u, v, np.array([0, 1, 1], np.int64), np.zeros(3))
    start = solution(p, np.arange(4), np.full(4, -1, np.int64), 0, Decoded(*out))
    _check(to_layout(p, start), items, 4.0)
    best = eliminate(p, start, random.Random(1), Budget(30000, math.inf), DEFAULT)
    layout = to_layout(p, best)
    _check(layout, items, 4.0)
    assert [(s.stock.name, len(s.placements)) for s in layout.sheets] == \
        [("offcut", 1), ("full", 3)]
    before = to_layout(p, start).sheets[0].placements[0]
    after = layout.sheets[0].placements[0]
    assert (after.instance, after.x, after.y) == (before.instance, before.x, before.y)


def test_strip_progress_reports_use_of_the_length_so_far():
    items = _items([_rect("sq", 40, 40)], copies=12, rotations=(0.0,))
    stock = Stock(width=5000, height=125, margin=5, strip=True)
    seen = []
    layout = nest(items, [stock], _settings(spacing=0.0, iterations=200), progress=seen.append)
    last = [q for q in seen if q.improved][-1]
    # not the whole 5 m roll: 12 squares on about 4 x 3 of them
    assert 0.5 < last.utilisation <= 1.0
    assert last.utilisation == pytest.approx(layout.sheets[0].utilisation, abs=0.05)


def _cutting_stock_job() -> tuple[list[NestItem], Stock]:
    """Six each of three strips 95 high, 480, 300 and 180 long, on sheets 1000 x 100 usable:
    one of each fills a sheet (968 mm with spacing), but first fit decreasing pairs the long
    ones, triples the middle ones and puts five short ones a sheet: 3 + 2 + 2 = 7 sheets."""
    parts = [_rect("A", 480, 95), _rect("B", 300, 95), _rect("C", 180, 95)]
    return _items(parts, copies=6, rotations=(0.0, 180.0)), Stock(width=1010, height=110,
                                                                   margin=5)


def test_sheet_patterns_beat_first_fit_decreasing_on_a_cutting_stock_job():
    import random

    from wikicut.nest.phases import patterns
    from wikicut.nest.solution import decode
    from wikicut.nest.walk import initial_orders

    items, stock = _cutting_stock_job()
    p = build(items, [stock], 4.0, 1.0)
    first = decode(p, initial_orders(p)[0], np.full(len(items), -1, np.int64), 0)
    assert (first.key.unplaced, first.key.sheets) == (0, 7)
    budget = Budget(10**6, math.inf)
    best = patterns.solve(p, first, random.Random(1), budget, DEFAULT)
    assert (best.key.unplaced, best.key.sheets) == (0, 6) and budget.used > 0
    layout = to_layout(p, best)
    _check(layout, items, 4.0)
    assert len(layout.sheets) == 6


def test_sheet_patterns_through_nest_are_deterministic():
    items, stock = _cutting_stock_job()
    a = nest(items, [stock], _settings(spacing=4.0, iterations=200, seed=5))
    b = nest(items, [stock], _settings(spacing=4.0, iterations=200, seed=5))
    _check(a, items, 4.0)
    assert len(a.sheets) == 6 and _signature(a) == _signature(b)


def test_the_integer_program_stops_at_the_phase_end(monkeypatch):
    """HiGHS gets a time limit (the pattern phase's end): on a large pool a node limit alone
    ran seconds past the deadline. Stopped before any solution, the linear program rounded
    stands in, or nothing (the layout before stays)."""
    import random
    import time

    from wikicut.nest.phases import patterns
    from wikicut.nest.solution import decode
    from wikicut.nest.walk import initial_orders

    items, stock = _cutting_stock_job()
    p = build(items, [stock], 4.0, 1.0)
    first = decode(p, initial_orders(p)[0], np.full(len(items), -1, np.int64), 0)
    seen = []
    real = patterns.milp

    def spy(*args, **kw):
        seen.append(dict(kw["options"]))  # milp empties the dict
        return real(*args, **kw)

    monkeypatch.setattr(patterns, "milp", spy)
    budget = Budget(10**12, time.monotonic() + 5.0)
    best = patterns.solve(p, first, random.Random(1), budget, DEFAULT)
    assert (best.key.unplaced, best.key.sheets) == (0, 6)
    limit = seen[-1]["time_limit"]
    assert 0.0 <= limit <= 0.3 * 5.0 and seen[-1]["node_limit"] == patterns.MILP_NODES

    types = patterns.item_types(p.item_v0, p.item_v1, p.item_vars, p.item_area)
    pool = patterns.Pool(types, stock.usable.area, lambda order, mode: None)
    rows = [(1, 1, 1), (2, 0, 0), (0, 3, 0), (0, 0, 5), (1, 1, 0)]
    for c in rows:
        pool.add(patterns.Pattern(np.array(c), np.zeros(0, np.int64), *[np.zeros(0)] * 3))
    assert patterns.choose(pool, math.inf).sum() == 6
    t = time.monotonic()
    late = patterns.choose(pool, t - 1.0)  # the clock has run out: no solve may run on
    assert time.monotonic() - t < 1.0
    assert late is None or np.all(pool.matrix() @ late >= types.demand)


def test_compaction_begins_no_pass_after_its_deadline():
    stock = Stock(width=300, height=200, margin=0)
    a, b = _rect("a", 60, 40), _rect("b", 50, 50)
    sheet = _sheet(stock, (a, 40.0, 70.0), (b, 230.0, 33.0))
    assert _signature_sheet(compact_sheet(sheet, 6.0, 2.0, deadline=0.0)) == \
        _signature_sheet(sheet)
    assert _signature_sheet(compact_sheet(sheet, 6.0, 2.0)) != _signature_sheet(sheet)


def _signature_sheet(sheet: SheetLayout) -> tuple:
    return tuple((p.instance, p.x, p.y) for p in sheet.placements)


def test_a_pattern_job_with_a_short_limit_ends_near_it():
    """Many copies of 24 designs (the sheet patterns and their integer program run), two
    workers, 3 s: the call returns near the limit (a generous margin: the machine is
    shared). The kernels are ready before the clock starts."""
    import time

    from wikicut.nest import load_kernels

    rng = np.random.default_rng(3)
    parts = [_rect(f"r{k}", float(rng.integers(80, 600)), float(rng.integers(40, 300)))
             for k in range(24)]
    items = _items(parts, copies=12)
    load_kernels()
    t = time.monotonic()
    layout = nest(items, [Stock(width=1220, height=610, margin=5)],
                  _settings(time_limit=3.0, workers=2, iterations=None))
    assert time.monotonic() - t < 3.0 + 4.0
    _check(layout, items, 6.0)


def test_sheet_patterns_only_for_repeated_designs():
    from wikicut.nest.phases.patterns import applies, item_types

    one_each = item_types(np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([0, 1, 2]),
                          np.ones(3))
    repeated = item_types(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]),
                          np.array([0, 0, 1, 1]), np.ones(4))
    assert one_each.count == 3 and not applies(one_each)
    assert repeated.count == 2 and repeated.demand.tolist() == [2, 2] and applies(repeated)


def test_the_linear_program_rounded_down_then_covered_greedily():
    """Three designs, one copy each, and three patterns of two designs: the linear optimum
    is half a sheet of each pattern (1.5 sheets); rounded up that is 3 sheets, rounded down
    and the missing copies covered a sheet at a time, 2 (the integer optimum)."""
    from wikicut.nest.phases.patterns import _rounded

    a = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]], np.float64)  # types x patterns
    demand = np.array([1, 1, 1])
    x = _rounded(a, demand, np.ones(3), np.array([0.5, 0.5, 0.5]))
    assert np.all(a @ x >= demand) and x.sum() == 2
    assert np.ceil(np.array([0.5, 0.5, 0.5])).sum() == 3
    # whole sheets of the linear solution are kept, only the shortfall is added
    x = _rounded(a, np.array([3, 3, 2]), np.ones(3), np.array([2.0, 1.0, 0.5]))
    assert np.all(a @ x >= np.array([3, 3, 2])) and x[0] >= 2 and x[1] >= 1


def test_placed_outlines_are_the_placements_outlines_exactly():
    from wikicut.nest import placed_outlines

    hook = Part("hook", Polygon([(0, 0), (90, 0), (90, 60), (60, 60), (60, 30), (0, 30)],
                                [[(10, 5), (20, 5), (20, 15), (10, 15)]]))
    tri = Part("tri", Polygon([(0, 0), (50, 0), (0, 40)]))
    pls = [Placement(f"{part.name}#{k}", part, 100.0 + 37.5 * k, 200.0 - 11.25 * k, rot, flip)
           for k, (part, rot, flip) in enumerate(
               [(hook, 0.0, False), (tri, 90.0, False), (hook, 33.5, True), (hook, 0.0, False),
                (tri, 270.0, True), (hook, 33.5, True)])]
    got = placed_outlines(pls)
    for pl, g in zip(pls, got):
        assert shapely.equals_exact(g, pl.placed().outline, tolerance=0.0), pl.instance


@pytest.mark.parametrize("spacing", [0.0, 5.0])
def test_verify_layout_names_every_pair_too_close_and_every_part_outside(spacing):
    sq = Part("sq", shapely.box(0, 0, 100, 100))
    stock = Stock(width=1000, height=500, margin=10)
    pls = [Placement("sq#1", sq, 20.0, 20.0),
           Placement("sq#2", sq, 120.0 + spacing, 20.0),  # exactly the spacing: fine
           Placement("sq#3", sq, 500.0, 20.0),
           Placement("sq#4", sq, 590.0, 50.0),  # overlaps sq#3
           Placement("sq#5", sq, 220.0 + 2 * spacing + 1e-3, 20.0),  # just clear of sq#2 ...
           Placement("sq#6", sq, 950.0, 20.0)]  # ... and past the margin
    problems = verify_layout(Layout([SheetLayout(1, stock, pls)]), spacing)
    assert problems == ["sheet 1: sq#6 outside the usable area",
                        "sheet 1: sq#3 and sq#4 are 0.000 mm apart"]
    if spacing:  # nearer than the spacing, not touching
        pls[1] = Placement("sq#2", sq, 120.0 + spacing / 2, 20.0)
        problems = verify_layout(Layout([SheetLayout(1, stock, pls[:3])]), spacing)
        assert problems == ["sheet 1: sq#1 and sq#2 are 2.500 mm apart"]
