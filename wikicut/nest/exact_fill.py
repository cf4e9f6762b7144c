"""Exact fill: the last sheet's parts moved onto the earlier sheets, in exact coordinates.

The raster keeps neighbours up to a cell apart and grows straight edges by the arc
allowance too (raster.grow), so a job that fits its sheets exactly, or with a fraction of a
millimetre to spare, is out of its reach: twelve 300 mm squares with 50 mm spacing on a
sheet 1000 mm wide inside its margin (three columns fill it to the micron), or two parts
1270 mm apart that fit one sheet corner to corner with 1.3 mm to spare. The search ends a
sheet above such fits.

So after the search, the earlier sheets are compacted in exact coordinates with tight
outlines (compact.tight_grow: straight edges exactly half the spacing out), and every part
of the last sheet goes, largest first, to the first sheet with room, bottom-left among its
contact positions: each part's bounding box against the usable area's edges and the
spacing from every placed part's box, at each allowed rotation, checked exactly (shapely:
inside the usable area, at least the spacing from every other part); column by column,
then, if a part finds no room, row by row. A bundle or a pair (bundle.py) is one part here:
its copies keep their interlock. Row by row, a part without a contact position, and every
part after it, gets the exact free regions and ejection chains (chains.py), copy by copy.
The result is kept only when the last sheet empties (one sheet fewer); then the new last
sheet is tried, until one stays or the deadline comes. A layout it does not shorten is
returned as it was.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import shapely

from ..model import (
    Layout,
    NestItem,
    Placement,
    SheetLayout,
    Stock,
    moved_copies,
    oriented_outline,
    placed_outlines,
)
from .bundle import Bundle, expand
from .chains import Chains
from .clearance import TOL, clashing
from .compact import compact_sheet

CHUNK = 4096  # candidate positions checked per shapely call at most ...
FIRST_CHUNK = 128  # ... this many in the first; the next sized to take about ...
CHUNK_SECONDS = 0.02  # ... this long (the deadline is checked between calls)
MIN_CHUNK = 16
PER_PART = 4e-4  # s a placed part, at least, that a fill needs (quiet machine)
MAX_CANDIDATES = 200_000  # per sheet and rotation, after `_may_fit`; bottom-left ones first


def fill_last_sheets(layout: Layout, items: list[NestItem], spacing: float, res: float,
                     deadline: float = math.inf,
                     bundles: dict[str, Bundle] | None = None,
                     stocks: list[Stock] | None = None) -> Layout:
    """The layout with as many of its last sheets emptied into the earlier ones as exact
    placement allows (see the module docstring); not for a strip. `items`: the job's items
    (their allowed rotations); `deadline`: monotonic clock. A stock list (`stocks`, as
    listed: the sheets' types in the order `solution.sheets_rank` weighs them, the last
    listed heaviest) may empty any sheet but one holding locked parts' room: each sheet
    fewer ranks better, whichever its type, and the search's raster misses such fits as it
    does on one type (two 1300 mm bars left on a triangular offcut beside a full sheet with
    room for them). Its sheets are tried the heaviest type first, the emptiest first."""
    sheets = layout.sheets
    if len(sheets) < 2 or any(s.stock.strip for s in sheets):
        return layout
    one = all(s.stock is sheets[0].stock for s in sheets)
    # too little time for the parts there are: the compaction and the candidate search
    # cost about this much a part (2,215 parts: 1.0 s on a quiet machine), and a fill begun
    # anyway ran 1.8 s past a 10 s limit at load 8
    if time.monotonic() + sum(len(s.placements) for s in sheets) * PER_PART >= deadline:
        return layout
    rotations = {it.instance: it.rotations for it in items}
    # earlier sheets compacted on first use, by the id of the sheet and of its compacted
    # self (the layout's sheets and these values stay alive, so no id is reused meanwhile)
    tight: dict[int, SheetLayout] = {}
    shapes = _Shapes(spacing)
    out = list(sheets)
    while len(out) >= 2 and time.monotonic() < deadline:
        moved = None
        for k in ([len(out) - 1] if one else _candidates(out, stocks)):
            order = [*out[:k], *out[k + 1:], out[k]]  # the sheet to empty last
            for across in (False, True):  # column by column, then row by row
                moved = _empty(order, tight, rotations, spacing, res, deadline, across,
                               shapes, bundles or {})
                if moved is not None:
                    break
            if moved is not None or time.monotonic() >= deadline:
                break
        if moved is None:  # the last two sheets' parts laid afresh on one
            moved = _repack(out, rotations, spacing, deadline, shapes)
        if moved is None:
            break
        out = moved
    if len(out) == len(sheets):
        return layout
    return replace(layout, sheets=[s if s.index == i + 1 else replace(s, index=i + 1)
                                   for i, s in enumerate(out)])


REPACK_MAX = 300  # parts of the last two sheets, at most, laid afresh on one
REPACK_TURNS = 8  # turns tried for all of them alike, at most


def _repack(sheets: list[SheetLayout], rotations: dict[str, tuple[float, ...]],
            spacing: float, deadline: float, shapes: _Shapes) -> list[SheetLayout] | None:
    """The sheets with the last two (of one stock type, neither holding locked parts' room)
    replaced by one: their parts, largest first, each at its first free contact position on
    the empty sheet (`place`), every part turned alike (each turn all of them may take),
    then each turned as it places best; column by column, then row by row. None if no way
    fits them all. Emptying the last sheet keeps the others' layouts, which may not leave
    the room an exact grid needs: twelve 593.5 x 388.67 mm panels fill a sheet's 2410 x
    1190 mm four by three to the micron (12 mm spacing), where the search, whose raster
    cannot see that fit, mixed their turns and put three on a second sheet."""
    if len(sheets) < 2:
        return None
    a, b = sheets[-2], sheets[-1]
    if a.stock is not b.stock or a.stock.locked:
        return None
    pls = sorted([*a.placements, *b.placements], key=lambda p: -p.part.area)
    if len(pls) > REPACK_MAX or sum(p.part.area for p in pls) > a.stock.usable.area:
        return None
    allowed = [tuple(dict.fromkeys(float(r) % 360.0 for r in rotations.get(
        p.instance, (p.rotation,)))) for p in pls]
    common = [r for r in allowed[0] if all(r in rs for rs in allowed[1:])]
    for turn in [*common[:REPACK_TURNS], None]:
        for across in (False, True):
            s = replace(a, placements=[])
            for pl, rots in zip(pls, allowed):
                if time.monotonic() >= deadline:
                    return None
                spot = place(s, pl, rots if turn is None else (turn,), spacing, deadline,
                             across, shapes)
                if spot is None and turn is not None and len(rots) > 1:
                    spot = place(s, pl, rots, spacing, deadline, across, shapes)
                if spot is None:
                    break
                s = replace(s, placements=[*s.placements, spot])
            else:
                return [*sheets[:-2], s]
    return None


def _candidates(sheets: list[SheetLayout], stocks: list[Stock] | None) -> list[int]:
    """A stock list's sheets to try emptying: not one holding locked parts' room (cut
    anyway: emptying it saves nothing), the type listed last first, the emptiest first."""
    rank = {id(st): t for t, st in enumerate(stocks or [])}
    first = {}
    for s in sheets:  # types not in `stocks`: in the layout's order
        first.setdefault(id(s.stock), len(rank) + len(first))
    kind = {**first, **rank}
    cands = [k for k, s in enumerate(sheets) if not s.stock.locked]
    return sorted(cands, key=lambda k: (-kind[id(sheets[k].stock)],
                                        sum(p.part.area for p in sheets[k].placements), k))


def _empty(sheets: list[SheetLayout], tight: dict[int, SheetLayout],
           rotations: dict[str, tuple[float, ...]], spacing: float, res: float,
           deadline: float, across: bool, shapes: _Shapes,
           bundles: dict[str, Bundle]) -> list[SheetLayout] | None:
    """The sheets without the last one, its parts placed on the others; None if one of its
    parts finds no room (or the deadline comes first). The second pass (`across`) gives a
    part without a box contact position its chance in the exact free regions and by
    ejection chains (chains.py), after the others."""
    last = sheets[-1]
    targets = list(sheets[:-1])
    need = sum(p.part.area for p in last.placements)
    free = sum(s.stock.usable.area - sum(p.part.area for p in s.placements) for s in targets)
    if need > free:
        return None
    def tightened(k: int) -> SheetLayout:  # target k compacted with tight outlines, once
        s = targets[k]
        if id(s) not in tight:
            c = compact_sheet(s, spacing, res, deadline=deadline, tight=True)
            tight[id(s)] = tight[id(c)] = c
        targets[k] = tight[id(s)]
        return targets[k]

    ch: Chains | None = None
    for pl in sorted(last.placements, key=lambda p: -p.part.area):
        if ch is not None:  # chains took over
            if not _chain(ch, pl, bundles, deadline):
                return None
            continue
        for k, s in enumerate(targets):
            if time.monotonic() >= deadline:
                return None
            if s.stock.usable.area - sum(p.part.area for p in s.placements) < pl.part.area:
                continue
            s = tightened(k)
            spot = place(s, pl, rotations.get(pl.instance, (pl.rotation,)), spacing, deadline,
                         across, shapes)
            if spot is not None:
                s = replace(s, placements=s.placements + [spot])
                tight[id(s)] = s
                targets[k] = s
                break
        else:
            if not across:  # the first pass: the first part without room ends it
                return None
            # the second: the exact free regions and chains (chains.py) for this part and
            # the rest, on the targets compacted as the box contacts had them
            ch = Chains([tightened(k) for k in range(len(targets))], rotations, spacing,
                        deadline)
            if not _chain(ch, pl, bundles, deadline):
                return None
    return targets if ch is None else ch.layouts()


def _chain(ch: Chains, pl: Placement, bundles: dict[str, Bundle],
           deadline: float) -> bool:
    """`pl` placed by `ch` in a free region or by a chain; a bundle or pair copy by copy
    (its copies may find room apart where together they find none)."""
    b = bundles.get(pl.instance)
    if b is None:
        return ch.place(pl) or ch.eject(pl)
    for it in b.items:
        ch.rotations[it.instance] = it.rotations
    copies = sorted(expand([pl], bundles), key=lambda q: -q.part.area)
    return all(ch.place(q) or ch.eject(q) for q in copies) and time.monotonic() < deadline


class _Shapes:
    """Placed outlines, their boxes and air (`_air`), worked out once per placement."""

    def __init__(self, spacing: float) -> None:
        self.spacing = spacing
        self.memo: dict[int, tuple[Placement, object, tuple, float]] = {}

    def of(self, pls: list[Placement]) -> tuple[list, np.ndarray, np.ndarray]:
        new = [p for p in pls if (m := self.memo.get(id(p))) is None or m[0] is not p]
        for p, g in zip(new, placed_outlines(new)):  # outlines only, all at once
            shapely.prepare(g)  # the exact check's predicates run against it
            self.memo[id(p)] = (p, g, g.bounds, _air(g, self.spacing))
        rows = [self.memo[id(p)] for p in pls]
        return ([r[1] for r in rows], np.array([r[2] for r in rows]).reshape(-1, 4),
                np.array([r[3] for r in rows]))


def place(sheet: SheetLayout, pl: Placement, rotations: tuple[float, ...], spacing: float,
          deadline: float = math.inf, across: bool = False,
          shapes: _Shapes | None = None) -> Placement | None:
    """`pl` moved onto `sheet` at its first free contact position (smallest x, then y, over
    the allowed rotations; `across`: smallest y, then x), or None. Contact positions: the
    part's box against the usable area's edges, and `spacing` from each placed part's box,
    along each axis. One order fills a free column that the other leaves a gap in (the
    first free spot of a column by column order may be a corner at the top of the free
    column's neighbour)."""
    st = sheet.stock
    usable = st.usable
    ux0, uy0, ux1, uy1 = usable.bounds
    placed, boxes, air = (shapes or _Shapes(spacing)).of(sheet.placements)
    tree = shapely.STRtree(placed) if placed else None
    inside = usable.buffer(TOL)
    shapely.prepare(inside)
    best: tuple[float, float, float, Placement] | None = None
    for rot in dict.fromkeys(float(r) % 360.0 for r in rotations):
        if time.monotonic() >= deadline:
            break
        g = oriented_outline(pl.part.outline, rot, pl.mirrored)
        bx0, by0, bx1, by1 = g.bounds
        w, h = bx1 - bx0, by1 - by0
        xs = _lanes(ux0, ux1, w, boxes[:, 0], boxes[:, 2], spacing)
        ys = _lanes(uy0, uy1, h, boxes[:, 1], boxes[:, 3], spacing)
        if not xs.size or not ys.size:
            continue
        if best is not None:  # only positions before (or level with) the best so far
            if across:
                ys = ys[ys <= best[0] + TOL]
            else:
                xs = xs[xs <= best[0] + TOL]
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        keep = _may_fit(xs, ys, w, h, _air(g, spacing), boxes, air, spacing)
        if across:  # row by row
            gx, gy, keep = gx.T, gy.T, keep.T
        cx, cy = gx[keep][:MAX_CANDIDATES], gy[keep][:MAX_CANDIDATES]
        hit = _first_free(g, cx, cy, tree, inside, spacing, deadline)
        if hit is not None:
            x, y = float(cx[hit]), float(cy[hit])
            # level: the rotation that reaches less far (a row stays low, a column narrow)
            key = (y, x, y + h) if across else (x, y, x + w)
            if best is None or key < best[:3]:
                best = (*key, replace(pl, x=x - bx0, y=y - by0, rotation=rot))
    return None if best is None else best[3]


def _lanes(lo: float, hi: float, size: float, starts: np.ndarray, ends: np.ndarray,
           spacing: float) -> np.ndarray:
    """Where a box `size` long may start along one axis: against the usable edges, `spacing`
    after a placed box's end or before its start; sorted, inside [lo, hi - size]."""
    c = np.concatenate([[lo, hi - size], ends + spacing, starts - spacing - size])
    c = c[(c >= lo - TOL) & (c <= hi - size + TOL)]
    return np.unique(np.clip(c, lo, hi - size))


def _air(g, spacing: float) -> float:
    """The bounding box's area outside the outline, both grown by spacing / 2 (the buffer's
    chords make the outline's area a little short: the air is never underestimated)."""
    x0, y0, x1, y1 = g.bounds
    grown = g.buffer(spacing / 2.0) if spacing > 0 else g
    return (x1 - x0 + spacing) * (y1 - y0 + spacing) - grown.area


def _may_fit(xs: np.ndarray, ys: np.ndarray, w: float, h: float, air: float,
             boxes: np.ndarray, airs: np.ndarray, spacing: float) -> np.ndarray:
    """Which box corners (xs[i], ys[j]) pass a test every free one passes: two outlines
    grown by spacing / 2 that do not overlap share at most their boxes' air. On a full
    sheet most contact positions fail it, and the exact check is left the few others.
    Lane by lane along x, against the boxes that reach the lane only."""
    keep = np.ones((xs.size, ys.size), np.bool_)
    if not boxes.shape[0]:
        return keep
    h2 = spacing / 2.0
    px0, py0, px1, py1 = (boxes[:, 0] - h2, boxes[:, 1] - h2, boxes[:, 2] + h2,
                          boxes[:, 3] + h2)
    y0 = ys[:, None] - h2
    for i, x in enumerate(xs.tolist()):
        x0 = x - h2
        ox = np.minimum(x0 + w + spacing, px1) - np.maximum(x0, px0)
        k = np.flatnonzero(ox > 0)
        if not k.size:
            continue
        oy = np.minimum(y0 + h + spacing, py1[k]) - np.maximum(y0, py0[k])
        over = ox[k] * np.maximum(oy, 0.0)
        keep[i] = ~np.any(over > air + airs[k] + 1e-3, axis=1)
    return keep


def _first_free(g, cx: np.ndarray, cy: np.ndarray, tree, inside, spacing: float,
                deadline: float) -> int | None:
    """Index of the first box corner (cx[i], cy[i]) at which `g` lies in `inside` and at
    least `spacing` (less TOL) from every geometry of `tree`; None if none does."""
    bx0, by0 = g.bounds[:2]
    a, chunk = 0, FIRST_CHUNK
    while a < cx.size:
        t = time.monotonic()
        if t >= deadline:
            return None
        idx = np.arange(a, min(a + chunk, cx.size))
        a = idx[-1] + 1
        cands = moved_copies(g, np.column_stack([cx[idx] - bx0, cy[idx] - by0]))
        ok = shapely.contains(inside, cands)
        if tree is not None and ok.any():
            ok[clashing(tree, cands, spacing)] = False
        free = np.flatnonzero(ok)
        if free.size:
            return int(idx[free[0]])
        # the next chunk sized to take about CHUNK_SECONDS at this one's pace: curved
        # parts touching many neighbours cost milliseconds a candidate, and one chunk of
        # thousands overran a 10 s limit by 1.8 s (sofa_structure, no spacing)
        took = max(time.monotonic() - t, 1e-6)
        chunk = int(min(max(chunk * CHUNK_SECONDS / took, MIN_CHUNK), CHUNK))
    return None
