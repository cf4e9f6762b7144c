"""Nesting: irregular parts with holes onto as few sheets as possible.

A conservative raster core (Numba, kernels.py) finds bottom-left positions fast; the exact
shapely check (`verify_layout`) has the last word before anything is written. Anytime search:
orders are perturbed until the budget runs out, the best layout kept by (sheets, length of
the last sheet used, -utilisation): fewest sheets first, then the largest offcut.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity

from ..errors import UnsafeJobError
from ..model import Layout, NestItem, NestSettings, Placement, SheetLayout, Stock
from . import kernels

SQRT_HALF = math.sqrt(0.5)


@dataclass(frozen=True)
class NestProgress:
    sheets: int
    utilisation: float
    elapsed: float
    placed: int
    total: int
    improved: bool


@dataclass
class _Shape:
    """One part at one rotation, rasterised: buffered (spacing) and bare interval lists."""

    rotation: float
    bare: tuple[float, float, float, float]  # bounds of the bare part in the local frame
    dx: float  # placement offset: cell (i, j) -> x = j*res + dx, y = i*res + dy
    dy: float
    h: int
    w: int
    rows_b: np.ndarray
    lo_b: np.ndarray
    hi_b: np.ndarray


def _intervals(geom, res: float, x0: float, y0: float, h: int, w: int):
    """Per-row runs of cells whose square may touch geom (centre within res*sqrt(1/2))."""
    grown = geom.buffer(res * SQRT_HALF * 1.02, quad_segs=8)
    xs = x0 + (np.arange(w) + 0.5) * res
    ys = y0 + (np.arange(h) + 0.5) * res
    X, Y = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(grown, X, Y)
    rows, lo, hi = [], [], []
    for i in range(h):
        r = inside[i]
        if not r.any():
            continue
        d = np.diff(np.concatenate(([0], r.astype(np.int8), [0])))
        starts = np.flatnonzero(d == 1)
        ends = np.flatnonzero(d == -1) - 1
        rows += [i] * len(starts)
        lo += starts.tolist()
        hi += ends.tolist()
    return (np.array(rows, np.int64), np.array(lo, np.int64), np.array(hi, np.int64))


def _shape(item: NestItem, rotation: float, spacing: float, res: float) -> _Shape:
    g = item.part.outline
    if rotation:
        g = affinity.rotate(g, rotation, origin=(0.0, 0.0))
    # tiny spacings (below 1 nm) buffer to an empty shape in GEOS: treat them as none
    buf = g.buffer(spacing / 2.0, quad_segs=8) if spacing > 1e-6 else g
    bx0, by0, bx1, by1 = buf.bounds
    pad = 1
    ox, oy = bx0 - pad * res, by0 - pad * res  # local frame origin (cell 0,0 corner)
    w = int(math.ceil((bx1 - ox) / res)) + pad
    h = int(math.ceil((by1 - oy) / res)) + pad
    rb = _intervals(buf, res, ox, oy, h, w)
    gx0, gy0, gx1, gy1 = g.bounds
    # cell (i, j) of the sheet = local origin at (j*res, i*res) => translate by (-ox, -oy)
    return _Shape(rotation, (gx0 - ox, gy0 - oy, gx1 - ox, gy1 - oy), -ox, -oy, h, w, *rb)


class _Sheet:
    def __init__(self, stock: Stock, res: float, index: int):
        self.stock, self.res, self.index = stock, res, index
        nx = int(stock.width // res)
        ny = int(stock.height // res)
        self.occ = np.zeros((ny, nx), np.uint8)
        for zone in stock.keepouts:  # keep-outs are obstacles like placed parts
            rows, lo, hi = _intervals(zone, res, 0.0, 0.0, ny, nx)
            kernels.stamp(self.occ, rows, lo, hi, 0, 0)
        self.pre = kernels.row_prefix(self.occ)
        self.placements: list[Placement] = []
        self.max_x = 0.0

    def try_place(self, item: NestItem, shapes: list[_Shape]) -> bool:
        best = None
        st, res = self.stock, self.res
        lo_x, hi_x = st.margin, st.width - st.margin
        lo_y, hi_y = st.margin, st.height - st.margin
        for s in shapes:
            # exact sheet bounds: the bare part must lie within the margin (x = j*res + dx)
            bx0, by0, bx1, by1 = s.bare
            j_min = math.ceil((lo_x - bx0) / res - 1e-9)
            j_max = math.floor((hi_x - bx1) / res + 1e-9)
            i_min = math.ceil((lo_y - by0) / res - 1e-9)
            i_max = math.floor((hi_y - by1) / res + 1e-9)
            if j_min > j_max or i_min > i_max:
                continue
            found, i, j = kernels.first_fit(self.pre, s.rows_b, s.lo_b, s.hi_b, i_min, i_max,
                                            j_min, j_max)
            if not found:
                continue
            key = (j + s.w, i)  # leftmost right edge, then lowest
            if best is None or key < best[0]:
                best = (key, s, i, j)
        if best is None:
            return False
        _, s, i, j = best
        kernels.stamp(self.occ, s.rows_b, s.lo_b, s.hi_b, i, j)
        self.pre = kernels.row_prefix(self.occ)
        x = j * self.res + s.dx
        y = i * self.res + s.dy
        self.placements.append(Placement(item.instance, item.part, x, y,
                                         s.rotation))
        self.max_x = max(self.max_x, (j + s.w) * self.res)
        return True


def _resolution(stocks: list[Stock], items: list[NestItem]) -> float:
    """Cell size: fine enough for the smallest part, coarse enough to stay fast."""
    span = min(min(s.width, s.height) for s in stocks)
    small = min(min(b[2] - b[0], b[3] - b[1]) for b in (i.part.outline.bounds for i in items))
    return float(max(min(span / 300.0, max(span / 1000.0, small / 4.0)), 1e-6))


def _pack(order: list[int], items: list[NestItem], shapes: dict, stocks: list[Stock],
          res: float) -> tuple[list[_Sheet], list[str]]:
    sheets: list[_Sheet] = []
    used = [0] * len(stocks)
    unplaced: list[str] = []
    for k in order:
        it = items[k]
        placed = False
        for sh in sheets:
            if sh.try_place(it, shapes[(k, stocks.index(sh.stock))]):
                placed = True
                break
        while not placed:
            si = next((n for n, s in enumerate(stocks)
                       if (s.count is None or used[n] < s.count)
                       and shapes[(k, n)]), None)
            if si is None:
                unplaced.append(it.instance)
                break
            used[si] += 1
            sh = _Sheet(stocks[si], res, len(sheets) + 1)
            sheets.append(sh)
            placed = sh.try_place(it, shapes[(k, si)])
            if not placed:  # fits nowhere even on an empty sheet of this stock
                sheets.pop()
                used[si] -= 1
                unplaced.append(it.instance)
                break
    return sheets, unplaced


def _score(sheets: list[_Sheet], unplaced: list[str]) -> tuple:
    util = sum(sum(p.part.area for p in s.placements) for s in sheets)
    return (len(unplaced), len(sheets), sheets[-1].max_x if sheets else 0.0, -util)


def nest(items: list[NestItem], stocks: list[Stock], settings: NestSettings,
         progress: Callable[[NestProgress], None] | None = None) -> Layout:
    """Nest items onto the fewest sheets; see the module docstring."""
    t0 = time.monotonic()
    if not items:
        return Layout([])
    _check_oversize(items, stocks)
    res = _resolution(stocks, items)
    shapes: dict = {}
    cache: dict = {}
    for k, it in enumerate(items):
        for n, st in enumerate(stocks):
            key = (id(it.part), it.rotations)
            if key not in cache:
                cache[key] = [_shape(it, r, settings.spacing, res) for r in it.rotations]
            shapes[(k, n)] = cache[key]
    order = sorted(range(len(items)), key=lambda k: (-items[k].part.area, items[k].instance))
    best_sheets, best_unplaced = _pack(order, items, shapes, stocks, res)
    best = _score(best_sheets, best_unplaced)
    total = len(items)

    def report(improved: bool) -> None:
        if progress:
            placed = total - len(best_unplaced)
            area = sum(s.stock.width * s.stock.height for s in best_sheets) or 1.0
            util = sum(p.part.area for s in best_sheets for p in s.placements) / area
            progress(NestProgress(len(best_sheets), util, time.monotonic() - t0, placed, total,
                                  improved))

    report(True)
    rng = random.Random(settings.seed)
    budget = settings.iterations if settings.iterations is not None else 10**9
    it_count = 0
    while it_count < budget and time.monotonic() - t0 < settings.time_limit:
        it_count += 1
        cand = list(order)
        for _ in range(rng.randint(1, 4)):
            a, b = rng.randrange(len(cand)), rng.randrange(len(cand))
            cand[a], cand[b] = cand[b], cand[a]
        sheets, unplaced = _pack(cand, items, shapes, stocks, res)
        sc = _score(sheets, unplaced)
        if sc < best:
            best, best_sheets, best_unplaced, order = sc, sheets, unplaced, cand
            report(True)
        elif it_count % 5 == 0:
            report(False)
    layout = Layout(
        [SheetLayout(n + 1, s.stock, sorted(s.placements, key=lambda p: p.instance),
                     used_length=(s.max_x + s.stock.margin if s.stock.strip else None))
         for n, s in enumerate(best_sheets)],
        sorted(best_unplaced))
    problems = verify_layout(layout, settings.spacing)
    if problems:
        raise RuntimeError("nester produced an invalid layout: " + "; ".join(problems[:3]))
    return layout


def _check_oversize(items: list[NestItem], stocks: list[Stock]) -> None:
    from ..job import check_fits

    check_fits(items, stocks)


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
