"""Exact compaction: slide every placed part left, then down, as far as it really goes.

The raster decode is conservative: a part takes every cell its grown outline touches, so two
neighbours end up to a cell apart where they could touch. On a strip of a few hundred cells
that is a few per cent of the length. Sliding each part in continuous coordinates (its grown
outline against the others', vertex-to-edge ray casts in a Numba kernel) gives that back
without changing which part is where: the layout only tightens towards x = 0, y = 0.

Two outlines that do not overlap can only first meet, when one slides, where a vertex of one
reaches an edge of the other; so the distance a part can slide is the smallest such hit over
its neighbours, and the usable area's edge. Parts stop `GAP` short of touching, which keeps
the next slide (along the contact) from catching on the neighbour's corner.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from ..model import Layout, SheetLayout, oriented_outline, strip_length
from .kernels.compact import compact_pass
from .raster import grow

GAP = 1e-4  # mm left between grown outlines (verify allows parts to touch)
MAX_ROUNDS = 30
PASS_PER_PART = 3e-4  # s: a pass's cost a part before one is timed (1,837 blocks: 0.5 s, quiet)
# Tight outlines (`tight_grow`) for exact fits: gaps far below verify's 1e-6 tolerance, so a
# row of parts that fills the usable width exactly still fits; far above float noise on
# sheet coordinates (1e-12 mm), so a slide along a contact does not catch on a corner.
TIGHT_GAP = 1e-8
TIGHT_SEGS = 32  # chords per quarter circle of the round part of a tight outline
TIGHT_ARC = 1.0 / math.cos(3.0 * math.pi / (8 * TIGHT_SEGS))  # as raster.ARC_GROW


def tight_grow(outline, spacing: float):
    """The outline grown by spacing / 2 with straight edges at exactly that distance: a mitred
    offset (exact along edges, pointed at convex corners) cut by a fine round one (never
    short of the true offset, as raster.grow's). Both contain the true offset, so does their
    intersection; raster.grow's round offset alone puts straight edges ARC_GROW too far,
    0.3 mm of each 50 mm spacing, which is what keeps three 300 mm squares and two 50 mm
    gaps out of 1000 mm."""
    d = spacing / 2.0
    if d <= 5e-7:
        return outline
    rounded = outline.buffer(d * TIGHT_ARC, quad_segs=TIGHT_SEGS)
    return rounded.intersection(outline.buffer(d, join_style="mitre", mitre_limit=10.0))


def _edges(geom) -> np.ndarray:
    """All ring edges of a polygon (or multipolygon) as rows (x0, y0, x1, y1)."""
    rows = []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords, dtype=np.float64)
            rows.append(np.hstack([c[:-1], c[1:]]))
    return np.vstack(rows) if rows else np.zeros((0, 4))


def compact_sheet(sheet: SheetLayout, spacing: float, res: float, rounds: int = MAX_ROUNDS,
                  deadline: float = math.inf, tight: bool = False) -> SheetLayout:
    """The sheet with every part slid left and down as far as its neighbours allow (at most
    `rounds` passes each way, until nothing moves; none begun that would end after
    `deadline` by the last pass's time, monotonic clock), in exact coordinates; parts keep
    at least `spacing` between them and stay in the usable area. Keep-out zones stay where
    they are. `tight`: outlines by `tight_grow` and `TIGHT_GAP` between them (exact fits;
    the raster's own outlines otherwise)."""
    places = sheet.placements
    if not places or time.monotonic() + len(places) * PASS_PER_PART >= deadline:
        return sheet
    st = sheet.stock
    cache: dict[tuple[int, float, bool], tuple[np.ndarray, tuple]] = {}
    blocks, e0, e1, boxes, bares, movable = [], [], [], [], [], []
    n_e = 0

    def add(edges: np.ndarray, bare: tuple, move: bool) -> None:
        nonlocal n_e
        blocks.append(edges)
        e0.append(n_e)
        n_e += edges.shape[0]
        e1.append(n_e)
        boxes.append((edges[:, [0, 2]].min(), edges[:, [1, 3]].min(),
                      edges[:, [0, 2]].max(), edges[:, [1, 3]].max()))
        bares.append(bare)
        movable.append(move)

    for pl in places:
        key = (id(pl.part), float(pl.rotation) % 360.0, pl.mirrored)
        if key not in cache:
            g = oriented_outline(pl.part.outline, key[1], pl.mirrored)
            cache[key] = (_edges(tight_grow(g, spacing) if tight else grow(g, spacing, res)),
                          g.bounds)
        edges, bare = cache[key]
        off = np.array([pl.x, pl.y, pl.x, pl.y])
        add(edges + off, (bare[0] + pl.x, bare[1] + pl.y), True)
    for zone in st.blocked:
        if zone.is_empty or zone.area <= 0:
            continue
        add(_edges(zone), (0.0, 0.0), False)
    e = np.vstack(blocks)
    edges = (e[:, 0].copy(), e[:, 1].copy(), e[:, 2].copy(), e[:, 3].copy(),
             np.array(e0, np.int64), np.array(e1, np.int64))
    box, bare = np.array(boxes, np.float64), np.array(bares, np.float64)
    move = np.array(movable, np.bool_)
    dx, dy = np.zeros(len(blocks)), np.zeros(len(blocks))
    # the last pass's seconds (before the first, an estimate by the parts): a pass of a
    # strip of 80 intricate parts takes half a second or more, a sheet of 1,837 blocks 0.5 s,
    # and one begun just before the deadline overran it by that
    took = len(places) * PASS_PER_PART
    for _ in range(rounds):
        t = time.monotonic()
        if t + took >= deadline:
            break
        gap = TIGHT_GAP if tight else GAP
        if compact_pass(*edges, box, bare, move, float(st.margin), float(st.margin), gap,
                        dx, dy) <= gap:
            break
        took = time.monotonic() - t
    moved = [replace(pl, x=pl.x + float(dx[i]), y=pl.y + float(dy[i]))
             for i, pl in enumerate(places)]
    used = strip_length(st, moved) if st.strip else sheet.used_length
    return replace(sheet, placements=moved, used_length=used)


def compact(layout: Layout, spacing: float, res: float, deadline: float = math.inf) -> Layout:
    """Every sheet compacted (see compact_sheet)."""
    return replace(layout, sheets=[compact_sheet(s, spacing, res, deadline=deadline)
                                   for s in layout.sheets])
