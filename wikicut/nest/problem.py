"""The nesting problem as flat numpy arrays: every part at every allowed rotation
rasterised once (raster.py), with its placement limits on each stock type, and each stock
type's initial grid. The decode kernel and the overlap search read nothing else."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import shapely

from ..model import NestItem, Stock, oriented_outline
from .kernels.decode import Choices, Shapes, Sheets
from .kernels.overlap import COUNT, cell_boxes
from .raster import Variant, bare_origin, limits, sheet_grid, variant


@dataclass
class Problem:
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

    def shapes(self) -> Shapes:
        return Shapes(self.rows, self.lo, self.hi, self.var_s0, self.var_s1, self.var_right)

    def choices(self) -> Choices:
        return Choices(self.item_v0, self.item_v1, self.item_vars, self.item_need)

    def sheets(self, lim: np.ndarray | None = None, count: np.ndarray | None = None) -> Sheets:
        """The stock types; `lim` and `count` override the limits and counts."""
        return Sheets(self.lim if lim is None else lim, self.st_nu, self.st_nv,
                      self.st_count if count is None else count, self.st_init, self.res)


RASTER_LOSS = 0.05  # share of the parts' area the raster's cells may cost a sheet job


def resolution(stocks: list[Stock], items: list[NestItem]) -> float:
    """Cell size: fine enough for the smallest part, coarse enough to stay fast (about 4 mm
    on a 2440 x 1220 sheet, 300 cells across the short side). Remnants listed beside full
    sheets do not set it: a small offcut would make every full sheet's grid huge."""
    sized = [s for s in stocks if not s.remnant] or stocks
    span = min(min(s.width, s.height) for s in sized)
    boxes = np.array([i.part.outline.bounds for i in items], np.float64).reshape(-1, 4)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    small = float(np.minimum(w, h).min())
    res = float(max(min(span / 300.0, max(span / 1000.0, small / 4.0)), 1e-6))
    if not any(s.strip for s in stocks):
        # a part takes up to a cell more along each side: res times its box's half
        # perimeter, a share res / size of the parts' area (size: their boxes' total area
        # over total half perimeter). Small parts on a large sheet (2,000 parts of 125-250 mm
        # on 15 x 3 m: 11 % at the 10 mm that 300 cells across give, 2 sheets for 1) get
        # cells for RASTER_LOSS at most, down to half the sheet's cell and no finer than
        # 1000 across it.
        size = float((w * h).sum() / max((w + h).sum(), 1e-12))
        res = max(min(res, size * RASTER_LOSS), res / 2.0, span / 1000.0, 1e-6)
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


def build(items: list[NestItem], stocks: list[Stock], spacing: float, res: float) -> Problem:
    variants: list[Variant] = []
    cache: dict[tuple[int, float, bool], int] = {}
    plain: dict[tuple[int, tuple[float, ...]], list] = {}  # `_canon_turns` by part, rotations
    item_v0, item_v1, item_vars, need, area = [], [], [], [], []
    for it in items:
        item_v0.append(len(item_vars))
        # an item that may be mirrored has its mirror images as variants too, after the
        # plain ones: a mirror image that is one of the plain turns (a symmetric part) is
        # that turn's variant, not rasterised again, and where one repeats a plain
        # variant's raster `_distinct` keeps the plain one: such a part is never cut face
        # down
        for flip in (False, True) if it.mirror else (False,):
            for rot in it.rotations:
                key = (id(it.part), float(rot) % 360.0, flip)
                if key not in cache and flip:
                    pk = (id(it.part), it.rotations)
                    if pk not in plain:
                        plain[pk] = _canon_turns(it.part.outline, it.rotations)
                    same = _plain_turn(it.part.outline, key[1], plain[pk])
                    if same is not None and (id(it.part), same, False) in cache:
                        cache[key] = cache[(id(it.part), same, False)]
                if key not in cache:
                    cache[key] = len(variants)
                    v = variant(it.part.outline, key[1], spacing, res, flip)
                    bare = _bare_axes(v, stocks, res)
                    if any(bare):
                        v = variant(it.part.outline, key[1], spacing, res, flip, bare)
                    variants.append(v)
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

    def cat(xs: list) -> np.ndarray:
        return np.concatenate(xs).astype(np.int32) if xs else np.zeros(0, np.int32)

    lim = np.zeros((len(stocks), len(variants), 4), np.int64)
    for t, st in enumerate(stocks):
        for s, v in enumerate(variants):
            lim[t, s] = limits(v, st.width, st.height, st.margin, res)
    item_v0, item_v1, item_vars = _distinct(variants, lim, right, item_v0, item_v1, item_vars)
    grids = [sheet_grid(st.width, st.height, st.margin, st.blocked, res) for st in stocks]
    nu = max(g.shape[0] for g in grids)
    nv = max(g.shape[1] for g in grids)
    init = np.full((len(stocks), nu, nv), -1, np.int32)
    for t, g in enumerate(grids):
        init[t, :g.shape[0], :g.shape[1]] = g
    return Problem(
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


def _bare_axes(v: Variant, stocks: list[Stock], res: float) -> tuple[bool, bool]:
    """Per axis: whether the raster's origin must put the bare part on a cell corner, as
    the grown outline's origin (`raster.variant`) leaves the part no position on a stock
    where the bare part's gives one (a part as wide as the usable area)."""
    alt = replace(v, ox=bare_origin(v.bare[0], v.ox, res), oy=bare_origin(v.bare[1], v.oy, res))
    need = [False, False]
    for st in stocks:
        a = limits(v, st.width, st.height, st.margin, res)
        b = limits(alt, st.width, st.height, st.margin, res)
        for k in (0, 1):
            if a[2 * k + 1] < a[2 * k] and b[2 * k + 1] >= b[2 * k]:
                need[k] = True
    return need[0], need[1]


def _canon(g):
    """`g` moved to its box's lower-left corner at 0,0, its rings in a canonical order."""
    x0, y0 = g.bounds[:2]
    return shapely.normalize(shapely.transform(g, lambda c: c - (x0, y0)))


def _canon_turns(outline, rotations: tuple[float, ...]) -> list:
    """(rotation, box size, canonical outline) of the plain outline at each rotation."""
    out = []
    for r in dict.fromkeys(float(r) % 360.0 for r in rotations):
        g = _canon(oriented_outline(outline, r))
        out.append((r, g.bounds[2:], g))
    return out


def _plain_turn(outline, rotation: float, turns: list, tol: float = 1e-6) -> float | None:
    """The rotation at which the plain outline is the mirrored one turned by `rotation`, up
    to a move (within `tol` mm), among `turns` (`_canon_turns`), or None."""
    flipped = _canon(oriented_outline(outline, rotation, True))
    w, h = flipped.bounds[2:]
    for r, (pw, ph), g in turns:
        if abs(pw - w) <= tol and abs(ph - h) <= tol and g.equals_exact(flipped, tol):
            return r
    return None


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


def strip_limits(p: Problem, length: float) -> np.ndarray:
    """Placement limits that keep every bare part within `length` of the strip's start."""
    lim = p.lim.copy()
    lim[:, :, 1] = np.minimum(lim[:, :, 1], strip_cap(p, length)[None, :])
    return lim


def strip_cap(p: Problem, length: float) -> np.ndarray:
    """Per variant, the last origin cell along u that keeps the bare part within `length`."""
    return np.floor((length - p.var_right) / p.res + 1e-9).astype(np.int64)


def lower(p: Problem) -> int:
    """The `solution.sheets_rank` no layout can beat; 0 for strips. One stock type: its area
    bound. A stock list: `least_sheets` weighted as the rank weights each type, and at
    least one sheet. A layout that reaches it is the best there is: one 100 mm part that
    fits only the second of two sheet types is on one sheet of it at once, where the search
    ran to its limit after an area bound of the first type, which no layout could equal."""
    if p.strip:
        return 0
    if len(p.stocks) == 1:
        return max(1, area_bound(float(p.item_area.sum()), p.stocks[0]))
    return max(1, sum(w * n for w, n in zip(rank_weights(p), least_sheets(p).tolist())))


def rank_weights(p: Problem) -> list[int]:
    """What one sheet of each stock type of a stock list adds to `solution.sheets_rank`:
    (items + 1) ** type, more than any count of the types listed before it can reach; 0
    for a sheet holding locked parts, which is cut anyway."""
    base = len(p.items) + 1  # more sheets than any one type can hold
    return [0 if st.locked else base ** t for t, st in enumerate(p.stocks)]


def least_sheets(p: Problem) -> np.ndarray:
    """Per stock type, the sheets of it every layout has at least (0 for a locked sheet,
    which is cut anyway): the items that fit no other type need them by their area, and
    so does whatever area the other types cannot hold at their counts."""
    lim = p.lim[:, p.item_vars]  # type x item variant x (u_min, u_max, v_min, v_max)
    room = (lim[:, :, 0] <= lim[:, :, 1]) & (lim[:, :, 2] <= lim[:, :, 3])
    only = np.zeros(len(p.stocks))
    for i in range(len(p.items)):
        fits = room[:, p.item_v0[i]:p.item_v1[i]].any(axis=1)
        if int(fits.sum()) == 1:
            only[int(np.argmax(fits))] += float(p.item_area[i])
    total = float(p.item_area.sum())
    cap = [math.inf if st.count is None else st.count * st.usable.area for st in p.stocks]
    out = []
    for t, st in enumerate(p.stocks):
        others = sum(c for k, c in enumerate(cap) if k != t)
        over = total - others  # what the other types cannot hold
        n = max(int(only[t] > 0), area_bound(only[t], st),
                area_bound(over, st) if over > 0 else 0)
        out.append(0 if st.locked else n)
    return np.array(out, np.int64)


def area_bound(area: float, stock: Stock) -> int:
    """Sheets of `stock` that parts of this total area need at least."""
    return math.ceil(area / stock.usable.area - 1e-9)


def overhang(p: Problem, t: int) -> int:
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


def obstacles(p: Problem, t: int) -> np.ndarray:
    """Stock type t's grid as part counts: 1 where a keep-out takes the cell, else 0."""
    nu, nv = int(p.st_nu[t]), int(p.st_nv[t])
    return (p.st_init[t, :nu, :nv] == np.arange(nv)[None, :]).astype(COUNT)


def variant_centres(p: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Each variant's cell-box centre relative to its origin cell (u, v)."""
    box = cell_boxes(p.rows, p.lo, p.hi, p.var_s0, p.var_s1)
    return (box[:, 0] + box[:, 1]) / 2, (box[:, 2] + box[:, 3]) / 2
