"""Exact fill: the last sheet's parts moved onto the earlier sheets, in exact coordinates.

The raster keeps neighbours up to a cell apart and grows straight edges by the arc
allowance too (raster.grow), so a job that fits its sheets exactly, or with a fraction of a
millimetre to spare, is out of its reach: twelve 300 mm squares with 50 mm spacing on a
sheet 1000 mm wide inside its margin (three columns fill it to the micron), or two parts
1270 mm apart that fit one sheet diagonally with 0.39 mm to spare. The search ends a
sheet above such fits.

So after the search, the earlier sheets are compacted in exact coordinates with tight
outlines (compact.tight_grow: straight edges exactly half the spacing out), and every part
of the last sheet goes, largest first, to the first sheet with room, bottom-left among its
contact positions: each part's bounding box against the usable area's edges and the
spacing from every placed part's box, at each allowed rotation, checked exactly (shapely:
inside the usable area, at least the spacing from every other part). The result is kept
only when the last sheet empties (one sheet fewer); then the new last sheet is tried, until
one stays or the deadline comes. A layout it does not shorten is returned as it was.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import shapely
from shapely import affinity

from ..model import Layout, NestItem, Placement, SheetLayout
from .compact import compact_sheet

TOL = 5e-7  # mm: a contact position may be this short of the spacing (verify allows 1e-6)
CHUNK = 4096  # candidate positions checked per shapely call
MAX_CANDIDATES = 200_000  # per sheet and rotation; the bottom-left ones are tried first


def fill_last_sheets(layout: Layout, items: list[NestItem], spacing: float, res: float,
                     deadline: float = math.inf) -> Layout:
    """The layout with as many of its last sheets emptied into the earlier ones as exact
    placement allows (see the module docstring); only for a single stock type, not a strip.
    `items`: the job's items (their allowed rotations); `deadline`: monotonic clock."""
    sheets = layout.sheets
    if len(sheets) < 2 or any(s.stock is not sheets[0].stock for s in sheets):
        return layout
    if sheets[0].stock.strip:
        return layout
    rotations = {it.instance: it.rotations for it in items}
    tight: dict[int, SheetLayout] = {}  # earlier sheets, compacted on first use
    out = list(sheets)
    while len(out) >= 2 and time.monotonic() < deadline:
        moved = _empty(out, tight, rotations, spacing, res, deadline)
        if moved is None:
            break
        out = moved
    if len(out) == len(sheets):
        return layout
    return replace(layout, sheets=out)


def _empty(sheets: list[SheetLayout], tight: dict[int, SheetLayout],
           rotations: dict[str, tuple[float, ...]], spacing: float, res: float,
           deadline: float) -> list[SheetLayout] | None:
    """The sheets without the last one, its parts placed on the others; None if one of its
    parts finds no room (or the deadline comes first)."""
    last = sheets[-1]
    targets = list(sheets[:-1])
    need = sum(p.part.area for p in last.placements)
    free = sum(s.stock.usable.area - sum(p.part.area for p in s.placements) for s in targets)
    if need > free:
        return None
    for pl in sorted(last.placements, key=lambda p: -p.part.area):
        for k, s in enumerate(targets):
            if time.monotonic() >= deadline:
                return None
            if s.stock.usable.area - sum(p.part.area for p in s.placements) < pl.part.area:
                continue
            if id(s) not in tight:
                c = compact_sheet(s, spacing, res, deadline=deadline, tight=True)
                tight[id(c)] = c
                s = targets[k] = c
            spot = place(s, pl, rotations.get(pl.instance, (pl.rotation,)), spacing, deadline)
            if spot is not None:
                s = replace(s, placements=s.placements + [spot])
                tight[id(s)] = s
                targets[k] = s
                break
        else:
            return None
    return targets


def place(sheet: SheetLayout, pl: Placement, rotations: tuple[float, ...], spacing: float,
          deadline: float = math.inf) -> Placement | None:
    """`pl` moved onto `sheet` at its first free contact position (smallest x, then y, over
    the allowed rotations), or None. Contact positions: the part's box against the usable
    area's edges, and `spacing` from each placed part's box, along each axis."""
    st = sheet.stock
    usable = st.usable
    ux0, uy0, ux1, uy1 = usable.bounds
    placed = [p.placed().outline for p in sheet.placements]
    tree = shapely.STRtree(placed) if placed else None
    inside = usable.buffer(TOL)
    shapely.prepare(inside)
    boxes = np.array([g.bounds for g in placed]).reshape(-1, 4)
    best: tuple[float, float, Placement] | None = None
    for rot in dict.fromkeys(float(r) % 360.0 for r in rotations):
        if time.monotonic() >= deadline:
            break
        g = affinity.rotate(pl.part.outline, rot, origin=(0.0, 0.0)) if rot else pl.part.outline
        bx0, by0, bx1, by1 = g.bounds
        w, h = bx1 - bx0, by1 - by0
        xs = _lanes(ux0, ux1, w, boxes[:, 0], boxes[:, 2], spacing)
        ys = _lanes(uy0, uy1, h, boxes[:, 1], boxes[:, 3], spacing)
        if not xs.size or not ys.size:
            continue
        if best is not None:  # only positions left of (or level with) the best so far
            xs = xs[xs <= best[0] + TOL]
        gx, gy = np.meshgrid(xs, ys, indexing="ij")  # x-major: column by column
        cx, cy = gx.ravel()[:MAX_CANDIDATES], gy.ravel()[:MAX_CANDIDATES]
        hit = _first_free(g, cx - bx0, cy - by0, tree, inside, spacing, deadline)
        if hit is not None:
            x, y = float(cx[hit]), float(cy[hit])
            if best is None or (x, y) < (best[0], best[1]):
                best = (x, y, replace(pl, x=x - bx0, y=y - by0, rotation=rot))
    return None if best is None else best[2]


def _lanes(lo: float, hi: float, size: float, starts: np.ndarray, ends: np.ndarray,
           spacing: float) -> np.ndarray:
    """Where a box `size` long may start along one axis: against the usable edges, `spacing`
    after a placed box's end or before its start; sorted, inside [lo, hi - size]."""
    c = np.concatenate([[lo, hi - size], ends + spacing, starts - spacing - size])
    c = c[(c >= lo - TOL) & (c <= hi - size + TOL)]
    return np.unique(np.clip(c, lo, hi - size))


def _first_free(g, dx: np.ndarray, dy: np.ndarray, tree, inside, spacing: float,
                deadline: float) -> int | None:
    """Index of the first offset (dx[i], dy[i]) at which `g` lies in `inside` and at least
    `spacing` (less TOL) from every geometry of `tree`; None if none does."""
    n = len(g.exterior.coords) + sum(len(r.coords) for r in g.interiors)
    for a in range(0, dx.size, CHUNK):
        if time.monotonic() >= deadline:
            return None
        ox, oy = dx[a:a + CHUNK], dy[a:a + CHUNK]
        shifts = np.repeat(np.column_stack([ox, oy]), n, axis=0)
        cands = shapely.transform(np.full(ox.size, g, dtype=object),
                                  lambda xy, s=shifts: xy + s)
        ok = shapely.contains(inside, cands)
        if tree is not None and ok.any():
            if spacing > TOL:
                near, _ = tree.query(cands, predicate="dwithin", distance=spacing - TOL)
            else:  # no spacing: touching is fine, sharing interior is not
                a_, b_ = tree.query(cands, predicate="intersects")
                clash = shapely.relate_pattern(cands[a_], tree.geometries[b_], "T********")
                near = a_[clash]
            ok[near] = False
        free = np.flatnonzero(ok)
        if free.size:
            return a + int(free[0])
    return None
