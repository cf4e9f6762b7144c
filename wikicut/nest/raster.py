"""Conservative rasterisation of parts and sheets into the interval form the kernels use.

A part is cut into vertical bands one cell wide. Within a band, the vertices' x split it
into slices where no vertex lies; in a slice the part is a stack of trapezoids, each between
two of its edges (paired bottom to top, even-odd, holes included), and each projects onto y
as one interval whose ends are those edges' ends at the slice's sides. A trapezoid meets the
interior of every cell of its interval (it is connected and spans the cells it projects
onto), so the cells marked are exactly the cells whose interior the part meets: conservative
(disjoint cells => parts at most touching) without the extra ring a centre-distance test
would add. Holes that span a whole cell stay free, which is what lets small parts nest
inside them. One Numba call per shape (`kernels.raster.scan`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from ..model import floating, oriented_outline
from .kernels.decode import empty_grid, stamp
from .kernels.raster import scan

QUAD_SEGS = 8
# GEOS buffers put the arc vertices ON the circle, so chords cut inside it: grow the radius
# so the polygonal buffer contains the true one (the spacing is then never short). A corner
# fillet of angle A gets round(A / quantum) chords (quantum = pi / 2 / QUAD_SEGS), so one
# chord spans up to 1.5 quanta (A just under 1.5 quanta gives a single chord): half-angle
# 0.75 quantum, not 0.5.
ARC_GROW = 1.0 / math.cos(3.0 * math.pi / (8 * QUAD_SEGS))
TOL = 1e-7  # mm: slack when rounding positions against the margin (verify allows 1e-6)
# A cell is taken when the shape's interior meets it: shapes that only touch along cell edges
# (parts with no spacing, on a raster aligned to their coordinates) share no cell. These
# tolerances (in cells) keep float noise on an edge from taking the next cell.
EDGE_EPS = 1e-9
AREA_EPS = 1e-9


def intervals(geom, res: float, ox: float, oy: float, nu: int | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-band runs of the cells whose interior `geom` meets; band u covers x in (ox +
    u*res, ox + (u+1)*res) and cell v covers y in (oy + v*res, oy + (v+1)*res). Two shapes
    with no common cell do not overlap (they may touch along cell edges). Returns (rows, lo,
    hi) int32 arrays, sorted, runs merged. Lines and points in `geom` take no cell."""
    empty = np.zeros(0, np.int32)
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not polys:
        return empty, empty, empty
    x0, _, x1, _ = shapely.total_bounds(polys)
    if nu is None:
        nu = int(math.floor((x1 - ox) / res)) + 1
    u0 = max(int(math.floor((x0 - ox) / res)) - 1, 0)
    rings = []
    for poly in polys:
        rings.append(poly.exterior)
        rings.extend(poly.interiors)
    xy = shapely.get_coordinates(rings).astype(np.float64)
    ends = np.cumsum(shapely.get_num_coordinates(rings)).astype(np.int64)
    return scan(xy, ends, float(res), float(ox), float(oy), u0, int(nu), EDGE_EPS, AREA_EPS)


@dataclass(frozen=True)
class Variant:
    """One part at one rotation (mirrored first, with `mirrored`): where its raster's origin
    sits and its bare extent, all in the turned part's own frame. The origin is a cell
    corner at the grown outline's lower-left, or along an axis at the bare part's (see
    `variant`).
    Origin cell (u, v) on a sheet => translate by (margin + u*res - ox, margin + v*res - oy)."""

    rotation: float
    ox: float
    oy: float
    bare: tuple[float, float, float, float]  # rotated, unbuffered bounds
    rows: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    mirrored: bool = False


def tile_resolution(res: float, items, stocks, spacing: float) -> float:
    """A cell that divides the bounding box of the design that makes most of the job's area
    (bundles and pairs included), when there is no spacing and `res` does not: copies
    side by side then take whole cells and nothing is lost between them (21 pairs of
    chamfered blocks, 335 mm each, across 7099 mm: 10 mm cells make each 340). Never finer
    than 1000 cells across the sheet's short side; `res` otherwise."""
    if spacing > 1e-9 or not items:
        return res
    area: dict[int, float] = {}
    for it in items:
        area[id(it.part)] = area.get(id(it.part), 0.0) + it.part.area
    top = max(area, key=lambda k: area[k])
    if area[top] < 0.5 * sum(area.values()):
        return res
    part = next(it.part for it in items if id(it.part) == top)
    x0, y0, x1, y1 = part.outline.bounds
    dims = [round((x1 - x0) * 100), round((y1 - y0) * 100)]  # hundredths of a mm
    if abs(dims[0] / 100 - (x1 - x0)) > 1e-6 or abs(dims[1] / 100 - (y1 - y0)) > 1e-6:
        return res
    g = math.gcd(*dims) / 100.0
    if g <= 0:
        return res
    cell = g / math.ceil(g / res - 1e-9)
    span = min(min(s.width, s.height) for s in stocks)
    return cell if span / 1000.0 <= cell < res - 1e-12 else res


def grow(outline: Polygon, spacing: float, res: float) -> Polygon:
    """The outline grown by spacing / 2, never smaller than the exact offset. Outlines with
    many vertices are simplified first and grown by the simplification tolerance too, which
    keeps rasterisation fast on traced or curve-heavy DXF parts."""
    g = outline
    extra = 0.0
    if len(g.exterior.coords) + sum(len(i.coords) for i in g.interiors) > 400:
        extra = res * 0.05
        g = g.simplify(extra, preserve_topology=True)
    # the chords of the buffer's arcs cut inside the radius by the same factor whether the
    # radius is spacing or simplification tolerance: grow both
    d = ((spacing / 2.0 if spacing > 1e-6 else 0.0) + extra) * ARC_GROW
    if d > 0:
        g = g.buffer(d, quad_segs=QUAD_SEGS)
    return g


def bare_origin(bare0: float, grown0: float, res: float) -> float:
    """Along one axis: the origin that puts the bare part's lower bound `bare0` on a cell
    corner, a whole number of cells at or below the grown outline's `grown0`."""
    return bare0 - math.ceil((bare0 - grown0) / res - 1e-9) * res


def variant(outline: Polygon, rotation: float, spacing: float, res: float,
            mirrored: bool = False, bare: tuple[bool, bool] = (False, False)) -> Variant:
    """Rasterise one part at one rotation, mirrored first with `mirrored` (buffered by
    spacing / 2, holes shrunk by it).

    The raster's origin is the cell corner at the grown outline's lower-left: no origin
    gives fewer cells. With the bare part on a corner instead, the spacing band takes a
    whole cell more on the left and below. A 0.1 mm spacing on 6.5 mm cells cost a
    5,008-part job a sixth sheet that way (benchmarks/results/2026-12-05-align.md).
    `bare` (x, y): along that axis, the bare part's lower-left on the corner. A part as wide
    as the usable area then still fits, its spacing band over the margin; `problem.build`
    asks for it where the grown origin leaves a part no place on a stock."""
    g = oriented_outline(floating(outline), rotation, mirrored)
    gb = grow(g, spacing, res)
    gx0, gy0 = gb.bounds[0], gb.bounds[1]
    ox = bare_origin(g.bounds[0], gx0, res) if bare[0] else gx0
    oy = bare_origin(g.bounds[1], gy0, res) if bare[1] else gy0
    rows, lo, hi = intervals(gb, res, ox, oy)
    return Variant(float(rotation), ox, oy, tuple(g.bounds), rows, lo, hi, mirrored)


def limits(var: Variant, width: float, height: float, margin: float, res: float
           ) -> tuple[int, int, int, int]:
    """The origin cells (u_min, u_max, v_min, v_max) that keep the bare part inside the
    sheet less its margin (exactly, up to TOL; the spacing band may hang over the margin).
    The sheet grid starts at (margin, margin)."""
    bx0, by0, bx1, by1 = var.bare
    u_min = math.ceil((var.ox - bx0 - TOL) / res)
    u_max = math.floor((width - 2 * margin + var.ox - bx1 + TOL) / res)
    v_min = math.ceil((var.oy - by0 - TOL) / res)
    v_max = math.floor((height - 2 * margin + var.oy - by1 + TOL) / res)
    return u_min, u_max, v_min, v_max


def sheet_grid(width: float, height: float, margin: float, keepouts, res: float
               ) -> np.ndarray:
    """The initial `last` grid of a sheet's usable rectangle (cell (0, 0) at (margin,
    margin)): keep-out zones occupied (the cells whose interior they meet)."""
    nu = max(int(math.ceil((width - 2 * margin) / res - 1e-9)), 1)
    nv = max(int(math.ceil((height - 2 * margin) / res - 1e-9)), 1)
    g = empty_grid(nu, nv)
    for zone in keepouts:
        zone = zone.intersection(shapely.box(0, 0, width, height))
        if zone.is_empty:
            continue
        rows, lo, hi = intervals(zone, res, margin, margin, nu)
        # runs wholly below or above the grid (clamps in the margin band) take no cell; the
        # clip below would otherwise move them onto the first or last usable row
        inside = (hi >= 0) & (lo <= nv - 1)
        rows, lo, hi = rows[inside], lo[inside], hi[inside]
        if rows.size:
            lo = np.clip(lo, 0, nv - 1).astype(np.int32)
            hi = np.clip(hi, 0, nv - 1).astype(np.int32)
            stamp(g, rows, lo, hi, 0, rows.size, 0, 0)
    return g
