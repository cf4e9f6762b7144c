"""Common-line snapping (`[nest] common_line = true`): after the nest, parts move together
until facing straight edges are exactly one tool diameter (`gap`) apart, so the planner cuts
the line between them once (cam/common.py).

A move takes a part, with every part already snapped to it (a rigid cluster), along the
normal of one of its straight edges until that edge is `gap` from an antiparallel edge of a
part of another cluster it overlaps by at least MIN_SHARE. The move is kept only when the
moved parts stay in the usable area and every other pair stays `spacing` apart, or is itself
a clean snap: exactly `gap` apart along such edges, with no other place where the two are
closer than `spacing` (a sliver of waste there could come loose), and when the parts snapped
together then enclose no waste (_pockets: a notch or recess whose mouth the shared cut
closes would come loose). The smallest move is tried first, locked parts never move, and the
moves repeat until none is left (deterministic: no randomness, ties by part order).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely import affinity

from ..model import Layout, SheetLayout, placed_outlines, strip_length

TOL = 1e-6  # mm: as verify_layout's
MIN_SHARE = 50.0  # mm of shared edge, as cam/common.py's: shorter is not worth a snap
REACH = 200.0  # mm a part may move to meet a neighbour (moves of up to 12 mm found fewer snaps)
SLIVER_AREA = 1.0  # mm2 of waste narrower than spacing allowed away from a snapped line
# grooves grown this much more than the tool: two meeting exactly (parts 2 x gap apart) close
# off what lies between them whatever the float noise
TOUCH = 1e-3


def _edges(outline) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """The exterior's straight edges at least MIN_SHARE long: start, unit direction, outward
    unit normal, length."""
    ring = shapely.LinearRing(outline.exterior.coords)
    c = np.asarray(ring.coords, dtype=float)[:, :2]
    if not ring.is_ccw:
        c = c[::-1]
    out = []
    for a, b in zip(c[:-1], c[1:]):
        d = b - a
        length = float(np.hypot(*d))
        if length >= MIN_SHARE:
            u = d / length
            out.append((a, u, np.array([u[1], -u[0]]), length))
    return out


def _facing(ea: list, eb: list, gap: float, near: float) -> list[tuple[float, np.ndarray, object]]:
    """Pairs of antiparallel edges (a's, b's) overlapping by MIN_SHARE, b's in front of a's
    at a distance g with gap - TOL <= g <= gap + near: (g, a's normal, the band between
    the overlapping stretches)."""
    out = []
    for pa, ua, na, la in ea:
        for pb, ub, nb, lb in eb:
            if float(na @ nb) > -1 + 1e-9:
                continue
            g = float((pb - pa) @ na)
            qb = pb + ub * lb
            if abs(float((qb - pa) @ na) - g) > TOL or not gap - TOL <= g <= gap + near + TOL:
                continue
            t0, t1 = float((pb - pa) @ ua), float((qb - pa) @ ua)
            lo, hi = max(min(t0, t1), 0.0), min(max(t0, t1), la)
            if hi - lo >= MIN_SHARE:
                s0, s1 = pa + ua * lo, pa + ua * hi
                band = shapely.Polygon([s0, s1, s1 + na * g, s0 + na * g])
                out.append((g, na, band))
    return out


def snapped_pair(a, b, gap: float, spacing: float) -> bool:
    """Two outlines cleanly snapped: straight edges exactly `gap` apart over MIN_SHARE, and
    nowhere else closer than `spacing`."""
    bands = [band for g, _, band in _facing(_edges(a), _edges(b), gap, 0.0)
             if abs(g - gap) <= TOL]
    if not bands:
        return False
    r = spacing / 2

    def closed(g):  # g with every gap narrower than spacing filled
        return g.buffer(r, quad_segs=32).buffer(-r, quad_segs=32)

    # what only the pair encloses (each part's own notches and corners are its own affair)
    narrow = closed(shapely.union_all([a, b])).difference(
        shapely.union_all([closed(a), closed(b)]))
    # next to a snapped line the closing fills its ends' corners: allowed within spacing
    stray = narrow.difference(shapely.union_all(bands).buffer(spacing))
    return stray.area <= SLIVER_AREA


def _pair_ok(a, b, gap: float, spacing: float) -> bool:
    d = a.distance(b)
    if d >= spacing - TOL:
        return True
    return d >= gap - TOL and snapped_pair(a, b, gap, spacing)


def _grown(outlines, gap: float):
    """Each outline with its groove: the part grown by one tool diameter (the tool's centre
    runs half a diameter out), TOUCH more."""
    return shapely.buffer(np.asarray(outlines, dtype=object), gap + TOUCH, quad_segs=16)


def _pockets(grown) -> list:
    """The waste `grown` (parts with their grooves) enclose together and none alone: the
    holes of their union, less any part standing in them, over SLIVER_AREA, that lie in no
    hole of one part's own (a cut-out, or a notch whose mouth its own groove closes, is that
    part's affair). A hole of the union is waste cut free on every side whatever the other
    parts of the sheet are: no window or neighbour can open it."""
    bodies = shapely.get_parts(shapely.union_all(grown))
    holes = [h for h in (shapely.Polygon(r) for q in bodies for r in q.interiors)
             if h.area > SLIVER_AREA]
    if not holes:
        return []
    own = [shapely.Polygon(r) for g in grown for q in shapely.get_parts(g) for r in q.interiors]
    out = []
    for hole in holes:
        inside = bodies[shapely.within(bodies, hole)]
        for piece in (shapely.get_parts(hole.difference(shapely.union_all(inside)))
                      if len(inside) else [hole]):
            if piece.area > SLIVER_AREA:
                pt = piece.representative_point()
                if not any(h.contains(pt) for h in own):
                    out.append(piece)
    return out


def snap_common_lines(layout: Layout, gap: float, spacing: float,
                      reach: float | None = None) -> Layout:
    """The layout with parts moved together so facing straight edges are `gap` apart where
    they can be (see the module's doc), no part further than `reach` (default REACH); a
    layout with nothing to snap comes back equal."""
    locked = set(layout.locked)
    reach = REACH if reach is None else reach
    sheets = [_snap_sheet(s, gap, spacing, reach, locked) for s in layout.sheets]
    return replace(layout, sheets=sheets)


def _snap_sheet(sheet: SheetLayout, gap: float, spacing: float, reach: float,
                locked: set[str]) -> SheetLayout:
    pls = list(sheet.placements)
    if len(pls) < 2 or gap >= spacing - TOL:
        return sheet
    geoms = [p.placed().outline for p in pls]
    grown = list(_grown(geoms, gap))
    usable = sheet.stock.usable.buffer(TOL)
    cluster = list(range(len(pls)))
    fixed = [p.instance in locked for p in pls]
    # moves refused, each with the box outside which no part's move can change that (the
    # moved parts and every part the check looked at, `spacing` round): a refused move is
    # not checked again until a part moves from or into its box
    refused: dict[tuple, tuple[float, float, float, float]] = {}
    while True:
        for step, i, nx, ny in _moves(geoms, cluster, fixed, gap, reach):
            group = [k for k, c in enumerate(cluster) if c == cluster[i]]
            key = (tuple(group), nx, ny, step)
            if key in refused:
                continue
            new = {k: affinity.translate(geoms[k], nx * step, ny * step) for k in group}
            grown_new = {k: affinity.translate(grown[k], nx * step, ny * step) for k in group}
            box = _refused(new, grown_new, geoms, grown, cluster, usable, gap, spacing)
            if box is None:
                break
            refused[key] = box
        else:
            break
        moved = _box([geoms[k] for k in group] + list(new.values()), spacing)
        refused = {key: box for key, box in refused.items() if not _meet(box, moved)}
        for k in group:
            geoms[k] = new[k]
            grown[k] = grown_new[k]
            p = pls[k]
            pls[k] = replace(p, x=p.x + nx * step, y=p.y + ny * step)
        for k in range(len(pls)):  # every part now snapped to the moved ones joins them
            if cluster[k] != cluster[i] and any(
                    geoms[k].distance(geoms[m]) < spacing - TOL for m in group):
                old = cluster[k]
                cluster = [cluster[i] if c == old else c for c in cluster]
    if pls == list(sheet.placements):
        return sheet
    # a strip's used length follows its parts (a part may move towards the far end)
    used = strip_length(sheet.stock, pls) if sheet.used_length is not None else None
    return replace(sheet, placements=pls, used_length=used)


def _box(geoms: list, pad: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geoms, dtype=object)).tolist()
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _meet(a: tuple, b: tuple) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _moves(geoms: list, cluster: list[int], fixed: list[bool], gap: float, reach: float
           ) -> list[tuple[float, int, float, float]]:
    """Every snap move one part's cluster could make (no cluster with a locked part), as
    (distance, part, normal x, normal y), shortest first, none longer than `reach`."""
    tree = shapely.STRtree(geoms)
    ii, jj = tree.query(np.array(geoms, dtype=object), predicate="dwithin",
                        distance=gap + reach)
    edges = [_edges(g) for g in geoms]
    stuck = {c for c, f in zip(cluster, fixed) if f}
    out = []
    for i, j in zip(ii.tolist(), jj.tolist()):
        if i == j or cluster[i] == cluster[j] or cluster[i] in stuck:
            continue
        for g, na, _ in _facing(edges[i], edges[j], gap, reach):
            if g - gap > TOL:
                out.append((round(g - gap, 9), i, float(na[0]), float(na[1]), g - gap))
    # ordered by the move rounded (ties by part, not by float noise), made exactly
    return [(step, i, nx, ny) for _, i, nx, ny, step in sorted(set(out))]


def _refused(new: dict, grown_new: dict, geoms: list, grown: list, cluster: list[int],
             usable, gap: float, spacing: float) -> tuple | None:
    """None when the move is allowed: the moved parts (`new`, `grown_new`) inside the usable
    area, each pair they form with a part left where it was `spacing` apart or cleanly
    snapped, and the parts then snapped together (whole clusters) enclosing no waste. Else
    the box outside which no part's move can change that (cheap tests first)."""
    box = _box(list(new.values()), spacing)
    if not all(usable.contains(g) for g in new.values()):
        return box
    near = []
    for o in range(len(geoms)):
        if o not in new:
            for k, g in new.items():
                d = g.distance(geoms[o])
                if d < gap - TOL:
                    return box
                if d < spacing - TOL:
                    near.append((k, o))
    joined = {cluster[o] for _, o in near}
    together = list(grown_new.values()) + [g for g, c in zip(grown, cluster) if c in joined]
    if _pockets(together):
        return _box(together, spacing)
    if not all(snapped_pair(new[k], geoms[o], gap, spacing) for k, o in near):
        return box
    return None


def verify_common_layout(layout: Layout, spacing: float, gap: float) -> list[str]:
    """Exact check of a snapped layout: `verify_layout`, with a pair also allowed cleanly
    snapped `gap` apart (snapped_pair), and no waste enclosed by parts snapped together
    (_pockets of each group of parts nearer than `spacing` to one another)."""
    from . import verify_layout  # the package imports this module's neighbours first

    problems = verify_layout(layout, spacing, pair_ok=lambda a, b: _pair_ok(a, b, gap, spacing),
                             why=f", not {spacing:g} and not snapped {gap:g} apart along an edge")
    for sheet in layout.sheets:
        pls = sheet.placements
        if len(pls) < 2:
            continue
        geoms = placed_outlines(pls)
        a, b = shapely.STRtree(geoms).query(geoms, predicate="dwithin",
                                            distance=max(spacing - TOL, 0.0))
        near = (a < b) & (shapely.distance(geoms[a], geoms[b]) < spacing - TOL)
        graph = coo_matrix((np.ones(int(near.sum())), (a[near], b[near])),
                           shape=(len(pls), len(pls)))
        _, label = connected_components(graph, directed=False)
        groups: dict[int, list[int]] = {}
        for k, c in enumerate(label.tolist()):
            groups.setdefault(c, []).append(k)
        for ks in sorted(g for g in groups.values() if len(g) > 1):
            grown = _grown(geoms[ks], gap)
            for piece in _pockets(grown):
                round_it = [pls[k].instance for k, g in zip(ks, grown)
                            if g.distance(piece) <= TOUCH]
                x, y = piece.centroid.x, piece.centroid.y
                problems.append(f"sheet {sheet.index}: {', '.join(round_it[:3])} enclose"
                                f" {piece.area:.0f} mm2 of waste at ({x:.0f}, {y:.0f}) that"
                                f" a snapped cut closes off")
    return problems
