"""Ejection chains: a part that finds no room on the earlier sheets gets it by moving one or
two smaller parts out of its way, each into a gap of its own.

Exact fill (exact_fill.py) places the last sheet's parts at box contact positions. Where
that finds no room, the gaps are often there but scattered: the earlier sheets' free area
can take dozens of small parts and none of the leftover one. Here each sheet's free region
is worked out exactly: for a part P at one rotation, the translations t at which P + t keeps
clear of a placed outline O are those outside O (+) -P, grown by the spacing: no-fit
polygons, from the convex pieces of both (each the convex hull of their vertices'
differences). The free region is the usable area's inner fit rectangle less their union,
and P goes to its leftmost, then lowest vertex.

When a part finds no free region anywhere, a sheet's smaller parts are taken out one at a
time, and then in touching pairs: if P now fits where they were (the free region near
them, worked out from the outlines near them only), each of them must find a free region
anywhere (its own sheet first). The move is kept only when all do. A chain is one link
deep: the parts moved out never move others.

Every outline is grown by the spacing and DELTA more, so a vertex of the free region keeps
clear of its neighbours by a margin that rounding cannot eat; each position found is then
checked exactly (shapely) as exact fill checks its own. The shrink this costs: fits with
less than DELTA to spare are not seen (exact fill's box contacts see those along x and y).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry import Polygon, box

from ..model import Placement, SheetLayout, floating, moved_copies, oriented_outline
from .clearance import TOL, clashing

DELTA = 1e-4  # mm beyond the spacing that every no-fit polygon is grown by
NEAR = 5.0  # mm beyond the spacing: two parts this close are a pair to move out together
VERTICES = 8  # free region vertices checked exactly at most, leftmost first
MAX_PIECES = 32  # convex pieces of an outline at most (beyond: its convex hull)


def _convex(g) -> bool:
    return g.geom_type == "Polygon" and g.convex_hull.area - g.area <= 1e-9 * max(g.area, 1.0)


def _pieces(g: Polygon) -> list[np.ndarray]:
    """Convex pieces of `g` (its exterior: nothing is placed in a hole), as vertex arrays:
    its triangles, merged across each shared edge, once, where the union stays convex
    (Hertel and Mehlhorn: a T-bracket's 11 triangles make 3 pieces, and every no-fit
    polygon is a piece times a piece). More than MAX_PIECES (a flattened curve: a C-shaped
    ring of 1,537 vertices is 758): its convex hull, which holds it, so the free regions
    only shrink."""
    g = shapely.make_valid(Polygon(g.exterior))
    if g.geom_type != "Polygon":  # a grown outline that touches itself: its largest part
        g = max(getattr(g, "geoms", [g]), key=lambda h: h.area)
    if _convex(g):
        return [np.asarray(g.exterior.coords)[:-1]]
    tris = list(shapely.constrained_delaunay_triangles(g).geoms)
    # the triangles' shared edges, by their end points
    edges: dict[tuple, list[int]] = {}
    for i, t in enumerate(tris):
        c = [tuple(v) for v in np.asarray(t.exterior.coords)[:3]]
        for a, b in ((c[0], c[1]), (c[1], c[2]), (c[2], c[0])):
            edges.setdefault((a, b) if a < b else (b, a), []).append(i)
    root = list(range(len(tris)))
    poly: dict[int, Polygon] = dict(enumerate(tris))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for ts in edges.values():
        if len(ts) != 2:
            continue
        a, b = find(ts[0]), find(ts[1])
        if a == b:
            continue
        u = poly[a].union(poly[b])
        if _convex(u):
            root[b] = a
            poly[a] = u.convex_hull
            del poly[b]
    if len(poly) > MAX_PIECES:
        return [np.asarray(shapely.normalize(g.convex_hull).exterior.coords)[:-1]]
    return [np.asarray(shapely.normalize(p).exterior.coords)[:-1] for p in poly.values()]


def _sums(obstacle: list[np.ndarray], part: list[np.ndarray]) -> np.ndarray:
    """The no-fit polygons of an obstacle's convex pieces against the part's: convex hulls
    of a - b over the vertices a of an obstacle's piece and b of a part's piece."""
    pts, idx, k = [], [], 0
    for a in obstacle:
        for b in part:
            d = (a[:, None, :] - b[None, :, :]).reshape(-1, 2)
            pts.append(d)
            idx.append(np.full(len(d), k))
            k += 1
    if not k:
        return np.empty(0, dtype=object)
    hulls = shapely.convex_hull(shapely.multipoints(np.concatenate(pts),
                                                    indices=np.concatenate(idx)))
    return hulls


@dataclass
class _Sheet:
    """One sheet being filled: its placements, their outlines where they lie, and what
    finds their no-fit polygons (Chains.memo, Chains.nfp)."""

    layout: SheetLayout
    outlines: list  # exact, where they lie
    keys: list[tuple]  # each placement's design and turn (its grown pieces: Chains.memo)
    offsets: np.ndarray  # ... and where it lies
    boxes: np.ndarray  # the grown outlines' bounds
    free: float  # the usable area less the parts'


class Chains:
    """The exact free regions of a list of sheets of one stock, and parts placed into them,
    directly or by an ejection chain."""

    def __init__(self, sheets: list[SheetLayout], rotations: dict[str, tuple[float, ...]],
                 spacing: float, deadline: float = math.inf) -> None:
        self.rotations, self.spacing, self.deadline = rotations, spacing, deadline
        self.grow = spacing + DELTA
        st = sheets[0].stock
        self.usable = floating(st.usable)
        self.inside = self.usable.buffer(TOL)
        shapely.prepare(self.inside)
        # where the usable area is not, inside a frame round it (keep-outs, an offcut's
        # outline): obstacles with no spacing to keep, in triangles (holes and all); a
        # rectangle has none (the inner fit rectangle is all of it)
        x0, y0, x1, y1 = self.usable.bounds
        rest = box(x0 - 1, y0 - 1, x1 + 1, y1 + 1).difference(self.usable)
        self.edges = [] if self.usable.equals(box(x0, y0, x1, y1)) else [
            np.asarray(t.exterior.coords)[:-1]
            for t in shapely.constrained_delaunay_triangles(rest).geoms]
        self.memo: dict[tuple, tuple] = {}  # parts stay alive in the layouts: ids hold
        self.full: dict[tuple, tuple] = {}  # (sheet, design) pairs known to have no room
        self.changes = 0  # parts placed so far (directly or by a chain)
        self.no_chain: dict[tuple, int] = {}  # designs without a chain, at `changes`
        self.sheets = [self._sheet(s) for s in sheets]
        self.turned: dict[tuple[int, float, bool], tuple[Polygon, list[np.ndarray]]] = {}
        self.nfp: dict[tuple, np.ndarray] = {}  # (obstacle's design and turn, part's)
        self.edge_nfp: dict[tuple, np.ndarray] = {}

    def _sheet(self, s: SheetLayout) -> _Sheet:
        rows = [self._one(q) for q in s.placements]
        return _Sheet(s, [r[0] for r in rows], [r[1] for r in rows],
                      np.array([r[2] for r in rows]).reshape(-1, 2),
                      np.array([r[3] for r in rows]).reshape(-1, 4),
                      s.stock.usable.area - sum(q.part.area for q in s.placements))

    def _one(self, q: Placement) -> tuple:
        """A placement's outline where it lies, its design and turn, where it lies, and its
        grown outline's bounds (the grown convex pieces worked out once per design and
        turn: `memo`)."""
        key = (id(q.part), float(q.rotation), bool(q.mirrored))
        row = self.memo.get(key)
        if row is None:
            g = floating(oriented_outline(q.part.outline, q.rotation, q.mirrored))
            pieces = _pieces(g.buffer(self.grow, join_style="mitre"))
            allv = np.vstack(pieces)
            row = self.memo[key] = (g, pieces, np.concatenate([allv.min(0), allv.max(0)]))
        g, _, bounds = row
        d = np.array([q.x, q.y])
        return (shapely.transform(g, lambda c: c + d), key, d, bounds + np.concatenate([d, d]))

    def _nfps(self, keys: list[tuple], offsets: np.ndarray, pkey: tuple,
              ppieces: list[np.ndarray]) -> np.ndarray:
        """The no-fit polygons of the obstacles (design and turn, where they lie) and the
        usable area's edges against the part (design and turn `pkey`): each design pair's
        worked out once, then moved."""
        hulls, offs = [], []
        for k, d in zip(keys, offsets):
            h = self.nfp.get((k, pkey))
            if h is None:
                h = self.nfp[(k, pkey)] = _sums(self.memo[k][1], ppieces)
            hulls.append(h)
            offs.append(np.broadcast_to(d, (len(h), 2)))
        if pkey not in self.edge_nfp:
            self.edge_nfp[pkey] = _sums(self.edges, ppieces)
        if hulls:
            moved = np.concatenate(hulls)
            at = np.repeat(np.concatenate(offs), shapely.get_num_coordinates(moved), axis=0)
            moved = shapely.transform(moved, lambda c: c + at)
            return np.concatenate([moved, self.edge_nfp[pkey]])
        return self.edge_nfp[pkey]

    def layouts(self) -> list[SheetLayout]:
        return [s.layout for s in self.sheets]

    def _turn(self, pl: Placement, rot: float) -> tuple[Polygon, list[np.ndarray]]:
        key = (id(pl.part), rot, bool(pl.mirrored))
        if key not in self.turned:
            g = floating(oriented_outline(pl.part.outline, rot, pl.mirrored))
            self.turned[key] = (g, _pieces(g))
        return self.turned[key]

    def _rots(self, pl: Placement) -> list[float]:
        return list(dict.fromkeys(float(r) % 360.0
                                  for r in self.rotations.get(pl.instance, (pl.rotation,))))

    # -- placing a part on one sheet ------------------------------------------------------

    def _free_spot(self, sh: _Sheet, g: Polygon, pieces: list[np.ndarray], pkey: tuple,
                   skip: set[int], window: tuple[float, float, float, float] | None
                   ) -> tuple[float, float] | None:
        """The leftmost, then lowest translation t (within `window` of translations, if
        given) at which `g` + t lies inside the usable area, clear of the sheet's outlines
        but those in `skip` by the spacing; checked exactly. None if there is none."""
        ux0, uy0, ux1, uy1 = self.usable.bounds
        gx0, gy0, gx1, gy1 = g.bounds
        lo_x, lo_y, hi_x, hi_y = ux0 - gx0, uy0 - gy0, ux1 - gx1, uy1 - gy1
        if window is not None:
            lo_x, lo_y = max(lo_x, window[0]), max(lo_y, window[1])
            hi_x, hi_y = min(hi_x, window[2]), min(hi_y, window[3])
        if lo_x > hi_x or lo_y > hi_y:
            return None
        # a part as long as the usable area: its translations a line, widened to a sliver
        # (the exact check allows TOL)
        hi_x, hi_y = max(hi_x, lo_x + TOL / 2), max(hi_y, lo_y + TOL / 2)
        # obstacles whose no-fit polygon reaches the window: grown box (+) -box(g)
        b = sh.boxes
        near = np.flatnonzero((b[:, 2] - gx0 >= lo_x) & (b[:, 0] - gx1 <= hi_x)
                              & (b[:, 3] - gy0 >= lo_y) & (b[:, 1] - gy1 <= hi_y))
        if skip:
            near = np.array([i for i in near.tolist() if i not in skip], np.int64)
        ifr = box(lo_x, lo_y, hi_x, hi_y)
        nfps = self._nfps([sh.keys[i] for i in near.tolist()], sh.offsets[near], pkey, pieces)
        free = ifr
        if nfps.size:  # those covering most of it first: a window they cover ends early
            bb = shapely.bounds(nfps)  # their boxes' overlap with the window, a guide
            cover = (np.clip(np.minimum(bb[:, 2], hi_x) - np.maximum(bb[:, 0], lo_x), 0, None)
                     * np.clip(np.minimum(bb[:, 3], hi_y) - np.maximum(bb[:, 1], lo_y), 0,
                               None))
            for i in np.argsort(-cover, kind="stable").tolist():
                if cover[i] <= 0:
                    break
                free = free.difference(nfps[i])
                if free.is_empty:
                    return None
        if free.is_empty or free.area <= 0:
            return None
        c = shapely.get_coordinates(free)
        order = np.lexsort((c[:, 1], c[:, 0]))
        # the first few vertices, checked exactly as exact fill checks its own
        ts = c[order[:VERTICES]]
        cands = moved_copies(g, ts)
        ok = shapely.contains(self.inside, cands)
        others = [o for i, o in enumerate(sh.outlines) if i not in skip]
        if others and ok.any():
            ok[clashing(shapely.STRtree(others), cands, self.spacing)] = False
        hit = np.flatnonzero(ok)
        return (float(ts[hit[0], 0]), float(ts[hit[0], 1])) if hit.size else None

    def _best_on(self, sh: _Sheet, pl: Placement, skip: set[int] = frozenset(),
                 window_of=None) -> Placement | None:
        """`pl` at its best free spot on `sh` over its rotations (leftmost, then lowest,
        then the rotation that reaches less far), or None."""
        best = None
        for rot in self._rots(pl):
            if time.monotonic() >= self.deadline:
                return None
            g, pieces = self._turn(pl, rot)
            pkey = (id(pl.part), rot, bool(pl.mirrored))
            t = self._free_spot(sh, g, pieces, pkey, skip,
                                window_of(g) if window_of else None)
            if t is not None:
                key = (t[0] + g.bounds[0], t[1] + g.bounds[1], t[0] + g.bounds[2])
                if best is None or key < best[0]:
                    best = (key, replace(pl, x=t[0], y=t[1], rotation=rot))
        return None if best is None else best[1]

    def _put(self, k: int, spot: Placement, drop: Iterable[int] = ()) -> None:
        """Sheet k with `spot` added and its placements `drop` taken out."""
        sh = self.sheets[k]
        drop = set(drop)
        keep = [q for i, q in enumerate(sh.layout.placements) if i not in drop]
        self.sheets[k] = self._sheet(replace(sh.layout, placements=keep + [spot]))

    def _room(self, k: int, pl: Placement) -> Placement | None:
        """`pl` at its best free spot on sheet k, or None; a sheet as it is that had no
        room for the design has none again (remembered)."""
        sh = self.sheets[k]
        key = (id(sh.layout), id(pl.part), bool(pl.mirrored))
        if key in self.full:
            return None
        spot = None if sh.free < pl.part.area else self._best_on(sh, pl)
        if spot is None and time.monotonic() < self.deadline:
            self.full[key] = (sh.layout, pl.part)  # both kept alive: their ids stay theirs
        return spot

    def place(self, pl: Placement, first: int = 0) -> bool:
        """`pl` into the first sheet (from `first`, then round) with a free spot: True if
        placed."""
        n = len(self.sheets)
        for k in [(first + j) % n for j in range(n)]:
            spot = self._room(k, pl)
            if spot is not None:
                self._put(k, spot)
                self.changes += 1
                return True
            if time.monotonic() >= self.deadline:
                return False
        return False

    def _homeless(self, q: Placement, k: int) -> bool:
        """No sheet but k has room for `q` as the sheets are (a part moved out of sheet k
        for a smaller one could only go back there)."""
        return all(self._room(j, q) is None for j in range(len(self.sheets)) if j != k)

    # -- ejection -------------------------------------------------------------------------

    def eject(self, pl: Placement) -> bool:
        """`pl` placed by moving one or two smaller parts of one sheet into gaps, or failing
        that one larger part of another design: True if placed (the sheets changed), False
        if no such chain was found (unchanged). A design that found none finds none again
        until the sheets change."""
        key = (id(pl.part), bool(pl.mirrored))
        if self.no_chain.get(key) == self.changes:
            return False
        if self._eject(pl):
            self.changes += 1
            return True
        if time.monotonic() < self.deadline:
            self.no_chain[key] = self.changes
        return False

    def _eject(self, pl: Placement) -> bool:
        for larger in (False, True):
            for k in range(len(self.sheets)):
                sh = self.sheets[k]
                for vs in self._victims(k, pl, larger):
                    if time.monotonic() >= self.deadline:
                        return False
                    out = sum(sh.layout.placements[i].part.area for i in vs)
                    if sh.free + out >= pl.part.area and self._chain(k, pl, vs):
                        return True
        return False

    def _victims(self, k: int, pl: Placement, larger: bool) -> Iterator[tuple[int, ...]]:
        """Sheet k's parts to move out for `pl`: the smaller ones, then touching pairs of
        them; or (`larger`) one larger part of another design, smallest first, that has
        room on another sheet (the smallest part of a job has no smaller ones to move)."""
        sh = self.sheets[k]
        pls = sh.layout.placements
        if larger:
            for i in sorted((i for i, q in enumerate(pls)
                             if q.part.area >= pl.part.area and q.part is not pl.part),
                            key=lambda i: pls[i].part.area):
                if not self._homeless(pls[i], k):
                    yield (i,)
            return
        small = [i for i, q in enumerate(pls) if q.part.area < pl.part.area]
        yield from ((i,) for i in small)
        reach = self.spacing + NEAR
        for a_ in range(len(small)):
            for b_ in range(a_ + 1, len(small)):
                i, j = small[a_], small[b_]
                if sh.outlines[i].distance(sh.outlines[j]) <= reach:
                    yield (i, j)

    def _chain(self, k: int, pl: Placement, vs: tuple[int, ...]) -> bool:
        sh = self.sheets[k]
        vb = np.array([sh.outlines[i].bounds for i in vs])
        x0, y0 = vb[:, 0].min() - self.grow, vb[:, 1].min() - self.grow
        x1, y1 = vb[:, 2].max() + self.grow, vb[:, 3].max() + self.grow

        def window(g: Polygon) -> tuple[float, float, float, float]:
            # translations at which g's box meets the freed parts' box (elsewhere the
            # sheet had no room for it before)
            gx0, gy0, gx1, gy1 = g.bounds
            return (x0 - gx1, y0 - gy1, x1 - gx0, y1 - gy0)

        spot = self._best_on(sh, pl, set(vs), window)
        if spot is None:
            return False
        saved, changes = list(self.sheets), self.changes
        moved = [sh.layout.placements[i] for i in vs]
        self._put(k, spot, vs)
        for q in sorted(moved, key=lambda q: -q.part.area):
            if not self.place(q, first=k):
                self.sheets, self.changes = saved, changes
                return False
        return True
