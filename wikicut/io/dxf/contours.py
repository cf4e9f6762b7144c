"""Contours fit to cut: a loop as a polygon (debris of no width dropped, a slit or a short
spike cut without it, a ring crossing itself refused) and contours among each other (one
drawn twice cut once, two crossing refused)."""

from __future__ import annotations

import warnings

import numpy as np
import shapely
from shapely.geometry import LinearRing, Polygon

from ...errors import InputError, InputWarning
from .chain import SNAP_TOL
from .drawing import Piece

__all__ = ["SLIVER_WIDTH", "collapsed", "loop_polygon", "refuse_crossing", "unique"]

SLIVER_WIDTH = 0.1  # mm: a closed contour narrower than this on average encloses nothing


def collapsed(p: Piece) -> bool:
    """A closed contour whose points are all one point (within 1e-6 mm): it encloses
    nothing and draws nothing, on any layer."""
    return bool(np.all(np.ptp(p.pts, axis=0) <= 1e-6)) if len(p.pts) else True

def loop_polygon(p: Piece, shown: str, join: float = SNAP_TOL,
             spikes: list | None = None) -> Polygon | None:
    """The loop as a polygon; None for a zero-width sliver (CAD debris: SketchUp leaves
    collapsed arcs in the real MicroHouse file), which the caller drops or refuses. A loop
    that doubles back on itself along a zero-width spike no longer than `join` (mm) is the
    polygon without it, the spike recorded in `spikes` (AtFAB's CNC Maker Bench legs, from
    Illustrator: an outline runs 0.443 mm back up the line it came down)."""
    if not p.closed:
        raise InputError(f"open contour {p.where} ends at ({p.pts[-1][0]:.3f}, "
                         f"{p.pts[-1][1]:.3f})", shown)
    if len(p.pts) < 3:
        return None
    ring = LinearRing(p.pts)
    poly = Polygon(ring)
    if 2.0 * abs(shapely.area(shapely.make_valid(poly))) < SLIVER_WIDTH * ring.length:
        return None
    if not ring.is_simple:
        # A ring that only touches itself (a hole joined to the edge by a zero-width slit,
        # as in the real MicroHouse file) is one valid polygon of the same area: the
        # enclosed parts become holes and the slit, which encloses nothing, is not cut.
        # Snapped to a 1e-4 mm grid: the slit ends differ by 1e-12 mm, which would
        # leave rings passing twice through one point once written with 4 decimals.
        fixed = shapely.set_precision(shapely.make_valid(poly), 1e-4)
        if isinstance(fixed, Polygon) and abs(fixed.area - abs(poly.area)) <= \
                1e-5 * fixed.area:
            return shapely.normalize(fixed)
        spiked = _spikes(poly)
        if spiked is not None and max(n for n, _at in spiked[1]) <= join:
            shape, found = spiked
            if spikes is not None:  # one per contour, its longest spike named
                length, at = max(found)
                spikes.append((p, length, at))
            return shape
        if spiked is not None:
            n, (x, y) = max(spiked[1])
            raise InputError(
                f"self-intersecting contour {p.where} near ({x:.3f}, {y:.3f}): it runs "
                f"{n:.3f} mm back along the line it came (a spike of no width), longer "
                f"than the join tolerance {join:.3g} mm within which an exporter's slip is "
                "cut without it: delete the spike, ending the outline at its corner", shown)
        x, y = _self_crossing(ring)
        raise InputError(
            f"self-intersecting contour {p.where} near ({x:.3f}, {y:.3f}): its outline "
            "crosses itself there, so it encloses no one part: redraw it so it does not "
            "(a figure of eight is two outlines, each closed on its own)", shown)
    return poly


def _spikes(poly: Polygon
            ) -> tuple[Polygon, list[tuple[float, tuple[float, float]]]] | None:
    """A ring that goes out and back along the same line (a spike of zero width) encloses
    one polygon of the same area plus that line: (the polygon, each spike's length and a
    point on it), else None (a real crossing). A spike drawn a hair off the line it came
    along (Illustrator: 0.223 mm out and back 0.00013 mm apart, in the OpenROV 2.4 frame)
    encloses a sliver with it; a sliver no wider on average than SNAP_TOL / 2 (ends that
    close are one point: its two sides are one line) is part of the spike, its length
    half its perimeter. A lobe any wider is a real crossing, however small."""
    fixed = shapely.make_valid(poly)
    members = list(shapely.get_parts(shapely.get_parts(fixed)))
    shapes = [g for g in members if g.geom_type == "Polygon"]
    lines = [g for g in members if g.geom_type == "LineString"]
    if len(shapes) + len(lines) != len(members) or not shapes:
        return None
    shapes.sort(key=lambda g: g.area, reverse=True)
    shape, slivers = shapes[0], shapes[1:]
    if any(2.0 * g.area > 0.5 * SNAP_TOL * g.length for g in slivers):
        return None  # a lobe with width: the contour crosses itself
    debris = lines + slivers
    if not debris:
        return None
    thin = sum(g.area for g in slivers)
    if abs(shape.area - abs(poly.area)) > 1e-6 * max(shape.area, 1e-9) + 2.0 * thin:
        return None
    return shapely.normalize(shape), [_spike(group) for group in _touching(debris)]


def _touching(debris: list) -> list[list]:
    """The pieces of debris in groups that touch (one spike may be a line and a sliver)."""
    tree = shapely.STRtree(debris)
    a, b = tree.query(debris, predicate="dwithin", distance=1e-9)
    group = list(range(len(debris)))

    def find(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, j in zip(a.tolist(), b.tolist()):
        group[find(i)] = find(j)
    out: dict[int, list] = {}
    for i, g in enumerate(debris):
        out.setdefault(find(i), []).append(g)
    return list(out.values())


def _spike(pieces: list) -> tuple[float, tuple[float, float]]:
    """A spike's length (a sliver's side counted once) and a point on it."""
    length = float(sum(g.length / 2.0 if g.geom_type == "Polygon" else g.length
                       for g in pieces))
    x, y = shapely.get_coordinates(pieces[0])[0]
    return length, (float(x), float(y))


def _self_crossing(ring: LinearRing) -> tuple[float, float]:
    """A point where a ring touches or crosses itself, for the error message."""
    try:
        pt = shapely.get_point(shapely.intersection(ring, ring, grid_size=None), 0)
        merged = shapely.node(ring)
        segs = shapely.get_parts(merged)
        ends = np.concatenate([shapely.get_coordinates(s)[[0, -1]] for s in segs])
        vals, counts = np.unique(np.round(ends, 6), axis=0, return_counts=True)
        cross = vals[counts > 2]
        if len(cross):
            return float(cross[0][0]), float(cross[0][1])
        if pt is not None and not pt.is_empty:
            return pt.x, pt.y
    except shapely.errors.GEOSException:
        pass
    c = ring.coords[0]
    return c[0], c[1]

def unique(cut: list[tuple[Piece, Polygon]], shown: str,
            tol: float) -> list[tuple[Piece, Polygon]]:
    """Outlines of one kind (outline, hole) equal within `tol` (any start vertex, either
    direction: the Hausdorff distance of their boundaries) are cut once, the first drawn.
    `tol` is the join tolerance: ends that close are one point, so boundaries that close
    everywhere are one outline. SketchUp redraws circles as polygons turned a little (the
    MicroHouse file has two 12 mm discs drawn twice, 0.435 mm apart): cutting both copies
    makes one part with a ragged edge, the tool entering it."""
    if len(cut) < 2:
        return cut
    polys = [poly for _p, poly in cut]
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="dwithin", distance=tol)
    dup: dict[int, tuple[int, float]] = {}
    for i, j in zip(a.tolist(), b.tolist()):
        if j <= i or j in dup or i in dup or cut[i][0].op.kind != cut[j][0].op.kind:
            continue
        pi, pj = polys[i], polys[j]
        # boundaries within tol everywhere enclose areas that differ by at most tol x length
        if abs(pi.area - pj.area) > tol * max(pi.length, pj.length):
            continue
        d = shapely.hausdorff_distance(pi.exterior, pj.exterior, densify=0.25)
        if d <= tol:
            dup[j] = (i, d)
    if dup:
        ex = ", ".join(f"{cut[j][0].handle} on {cut[i][0].handle} ({d:.3f} mm)"
                       for j, (i, d) in sorted(dup.items())[:10])
        more = f" and {len(dup) - 10} more" if len(dup) > 10 else ""
        warnings.warn(f"{shown}: {len(dup)} outline(s) drawn twice cut once (entities {ex}"
                      f"{more}: at most {max(d for _i, d in dup.values()):.3f} mm apart, "
                      f"within the join tolerance {tol:.3g} mm)", InputWarning, stacklevel=3)
    return [c for k, c in enumerate(cut) if k not in dup]


def _where_crossed(pa: Piece, a: Polygon, pb: Piece, b: Polygon) -> str:
    """Where two contours cross, told where the operator looks: the point their edges
    cross, and, when one lies mostly inside the other (a nested part run 0.02 mm over the
    plate's edge), how far it runs out; a point inside their common area can lie far from
    both crossings."""
    edges = shapely.get_coordinates(shapely.intersection(a.exterior, b.exterior))
    if not len(edges):  # touching only inside: fall back to the common area
        pt = shapely.intersection(a, b).representative_point()
        return f"overlap near ({pt.x:.3f}, {pt.y:.3f})"
    x, y = edges[0]
    told = f"cross at ({x:.3f}, {y:.3f})"
    common = shapely.intersection(a, b).area
    for inner, outer, pin, pout in ((a, b, pa, pb), (b, a, pb, pa)):
        out = shapely.difference(inner, outer)
        if 0 < out.area < common:
            far = float(shapely.distance(shapely.points(shapely.get_coordinates(out)),
                                         outer.exterior).max())
            return (f"{told}: entity {pin.handle} runs up to {far:.3f} mm outside "
                    f"entity {pout.handle}")
    return told


def refuse_crossing(cut: list[tuple[Piece, Polygon]], shown: str) -> None:
    """Two contours that cross each other make no part: which one is the cut?"""
    if len(cut) < 2:
        return
    polys = [poly for _p, poly in cut]
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="overlaps")
    twins: list[str] = []
    straddling: list[tuple[int, int]] = []
    for i, j in zip(a.tolist(), b.tolist()):
        if i < j and cut[i][0].op.kind == cut[j][0].op.kind != "inside":
            # a hole drawn over another part's edge is the MicroHouse's way: not refused
            common = shapely.intersection(polys[i], polys[j])
            if common.area <= SLIVER_WIDTH * SLIVER_WIDTH:
                continue
            small, big = sorted((polys[i].area, polys[j].area))
            if small >= 0.99 * big and common.area >= 0.9 * small:
                # the same outline drawn twice, one copy turned a little (the MicroHouse
                # file has such pairs): both were cut before, kept, and told
                twins.append(f"{cut[i][0].handle}/{cut[j][0].handle}")
                continue
            if (k := _straddles(polys, i, j)) is not None:
                straddling.append(k)
                continue
            where = _where_crossed(cut[i][0], polys[i], cut[j][0], polys[j])
            raise InputError(f"contours cross each other: {cut[i][0].where} and "
                             f"{cut[j][0].where} {where}", shown)
    if straddling:
        _refuse_straddling(cut, polys, straddling, shown)
    if twins:
        warnings.warn(f"{shown}: {len(twins)} pair(s) of nearly equal outlines lie on each "
                      f"other (entities {', '.join(twins[:10])}): both are cut; delete one "
                      "copy if it is drawn twice", InputWarning, stacklevel=3)


def _straddles(polys: list[Polygon], i: int, j: int) -> tuple[int, int] | None:
    """(small, big) when one of two crossing contours is a small one centred on the
    other's edge (at most 1 % of its area, its centre within half its size of that
    edge): a laser design's stress-relief hole drawn on a corner (the relay box of
    DaveBerkeley/lasercut: 0.5 mm circles on the corners of its nut traps), not a part
    drawn over another."""
    for s, b in ((i, j), (j, i)):
        small, big = polys[s], polys[b]
        if small.area > 0.01 * big.area:
            continue
        minx, miny, maxx, maxy = small.bounds
        if shapely.distance(small.centroid, big.exterior) <= 0.5 * max(maxx - minx,
                                                                        maxy - miny):
            return s, b
    return None


def _refuse_straddling(cut: list[tuple[Piece, Polygon]], polys: list[Polygon],
                       pairs: list[tuple[int, int]], shown: str) -> None:
    """Cut as drawn, a small contour on a part's edge takes a notch out of it, as a laser
    cuts it; a router bit is wider than such a relief and cannot: which shape is meant is
    the designer's to say, so all of them are named at once, with the way out."""
    s, b = pairs[0]
    minx, miny, maxx, maxy = polys[s].bounds
    c = polys[s].centroid
    others = sorted({cut[k][0].handle for k, _b in pairs[1:]} - {cut[s][0].handle})
    more = ""
    if others:
        listed = ", ".join(others[:10]) + (f" and {len(others) - 10} more"
                                           if len(others) > 10 else "")
        more = f"; so are {len(others)} more (entities {listed})"
    raise InputError(
        f"contours cross each other: {cut[s][0].where}, {maxx - minx:.2f} x "
        f"{maxy - miny:.2f} mm, is drawn on the edge of {cut[b][0].where}, centred at "
        f"({c.x:.3f}, {c.y:.3f}){more}: a small contour on a part's edge is a notch only "
        "a laser cuts as drawn (a stress-relief hole?): delete them, or draw each notch "
        "into the part's outline", shown)
