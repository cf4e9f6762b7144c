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

When no such move is left, a cluster whose parts may all turn half way (each part's allowed
rotations, passed in) is turned 180 degrees about its box's centre and moved as above, so
that a plain edge faces the neighbour where the slotted one did; turn and move are judged
together by the same checks, so no part is turned without a snap. Then plain moves again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely import affinity

from ..model import Layout, Placement, SheetLayout, oriented_outline, placed_outlines, strip_length

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
                      reach: float | None = None,
                      rotations: Mapping[str, Sequence[float]] | None = None) -> Layout:
    """The layout with parts moved together so facing straight edges are `gap` apart where
    they can be (see the module's doc), no part further than `reach` (default REACH); a
    layout with nothing to snap comes back equal. `rotations`: each instance's allowed
    rotations (NestItem.rotations); a part whose list has its rotation plus 180 may be
    turned half way to snap (none is turned without it)."""
    locked = set(layout.locked)
    reach = REACH if reach is None else reach
    sheets = [_snap_sheet(s, gap, spacing, reach, locked, rotations or {})
              for s in layout.sheets]
    return replace(layout, sheets=sheets)


def _half_turn(rotation: float, allowed: Sequence[float]) -> float | None:
    """The allowed rotation half a turn from `rotation` (the list's own value, so the layout
    keeps to the list), or None."""
    for a in allowed:
        if abs((float(a) - rotation) % 360.0 - 180.0) < TOL:
            return float(a)
    return None


def _snap_sheet(sheet: SheetLayout, gap: float, spacing: float, reach: float,
                locked: set[str], rotations: Mapping[str, Sequence[float]]) -> SheetLayout:
    pls = list(sheet.placements)
    if len(pls) < 2 or gap >= spacing - TOL:
        return sheet
    geoms = [p.placed().outline for p in pls]
    grown = list(_grown(geoms, gap))
    usable = sheet.stock.usable.buffer(TOL)
    cluster = list(range(len(pls)))
    fixed = [p.instance in locked for p in pls]
    turns = not all(fixed) and any(
        _half_turn(p.rotation, rotations.get(p.instance, ())) is not None for p in pls)
    # moves refused, each with the box outside which no part's move can change that (the
    # moved parts and every part the check looked at, `spacing` round): a refused move is
    # not checked again until a part moves from or into its box
    refused: dict[tuple, tuple[float, float, float, float]] = {}
    memo = _Memo()

    def check(new: dict, grown_new: dict) -> tuple | None:
        return _refused(new, grown_new, geoms, grown, cluster, usable, gap, spacing,
                        memo.snapped_pair)

    def first(candidates, every: bool = False) -> tuple | None:
        return _first(candidates, every, refused, cluster, geoms, spacing, check)

    while True:
        found = first(_plain(pls, geoms, grown, cluster, fixed, gap, reach, memo))
        if found is None and turns:
            # no plain move left: a cluster turned half way (a slotted edge away from the
            # neighbour, its plain edge towards it) and then moved
            found = first(_turned(pls, geoms, cluster, fixed, rotations, gap, reach, memo),
                          every=True)
        if found is None:
            break
        group, new_pls, new, grown_new = found
        moved = _box([geoms[k] for k in group] + list(new.values()), spacing)
        refused = {key: box for key, box in refused.items() if not _meet(box, moved)}
        i = group[0]
        for k in group:
            geoms[k] = new[k]
            grown[k] = grown_new[k]
            pls[k] = new_pls[k]
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


def _first(candidates, every: bool, refused: dict, cluster: list[int], geoms: list,
           spacing: float, check) -> tuple | None:
    """The first candidate move (key, group, make) that `check` allows: (group, new
    placements, outlines, grooves), or None; a refused one goes into `refused` with its box.
    With `every`, of all those allowed the first of the ones whose clusters (the moved one
    and those it would snap to) have the fewest other neighbours to snap to: in a stack of
    parts each slotted on one side, pairs from the ends, so no part is left alone between
    two snapped pairs."""
    ok = []
    for key, group, make in candidates:
        if key in refused:
            continue
        new_pls, new, grown_new = make()
        box = check(new, grown_new)
        if box is not None:
            refused[key] = box
            continue
        if not every:
            return group, new_pls, new, grown_new
        d = shapely.distance(np.asarray(geoms, dtype=object)[:, None],
                             np.asarray(list(new.values()), dtype=object)[None, :])
        ok.append(({cluster[group[0]]} | {cluster[o] for o in np.flatnonzero(
            (d < spacing - TOL).any(axis=1)).tolist() if o not in new},
                   (group, new_pls, new, grown_new)))
    if not ok:
        return None
    neighbours: dict[int, set[int]] = {}
    for touched, _ in ok:
        for c in touched:
            neighbours.setdefault(c, set()).update(touched - {c})
    return min(ok, key=lambda t: sum(len(neighbours[c]) for c in t[0]))[1]


def _box(geoms: list, pad: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geoms, dtype=object)).tolist()
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _meet(a: tuple, b: tuple) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


class _Memo:
    """What a sheet's rounds of moves compute again and again for outlines that did not
    move: each outline's edges, each pair's facing edges, each cluster turned. Keyed by the
    outlines' identities, which the memo keeps alive (so no id is reused)."""

    def __init__(self) -> None:
        self.edges: dict[int, tuple] = {}
        self.facing: dict[tuple[int, int], tuple] = {}
        self.turned: dict[tuple[int, ...], tuple] = {}
        self.made: dict[tuple, tuple] = {}
        self.snapped: dict[tuple[int, int], tuple] = {}

    def make(self, key: tuple, sources: tuple, build) -> tuple:
        """A candidate's placements, outlines and grooves, built once for the same
        `sources` (the outlines it is made from)."""
        got = self.made.get(key)
        if got is None or any(a is not b for a, b in zip(got[0], sources)):
            got = self.made[key] = (sources, build())
        return got[1]

    def snapped_pair(self, a, b, gap: float, spacing: float) -> bool:
        key = (id(a), id(b))
        if key not in self.snapped:
            self.snapped[key] = (a, b, snapped_pair(a, b, gap, spacing))
        return self.snapped[key][2]

    def edges_of(self, g) -> list:
        if id(g) not in self.edges:
            self.edges[id(g)] = (g, _edges(g))
        return self.edges[id(g)][1]

    def facing_of(self, a, b, gap: float, reach: float) -> list:
        key = (id(a), id(b))
        if key not in self.facing:
            self.facing[key] = (a, b, _facing(self.edges_of(a), self.edges_of(b), gap, reach))
        return self.facing[key][2]


def _plain(pls: list, geoms: list, grown: list, cluster: list[int], fixed: list[bool],
           gap: float, reach: float, memo: _Memo):
    """The plain moves (_moves) as candidates for `first`: (key, group, make)."""
    for step, i, nx, ny in _moves(geoms, geoms, cluster, fixed, gap, reach, memo):
        group = tuple(k for k, c in enumerate(cluster) if c == cluster[i])

        def build(group=group, dx=nx * step, dy=ny * step):
            return ({k: replace(pls[k], x=pls[k].x + dx, y=pls[k].y + dy) for k in group},
                    {k: affinity.translate(geoms[k], dx, dy) for k in group},
                    {k: affinity.translate(grown[k], dx, dy) for k in group})

        key = (group, nx, ny, step)
        yield key, group, partial(memo.make, key, tuple(geoms[k] for k in group), build)


def _turned(pls: list, geoms: list, cluster: list[int], fixed: list[bool],
            rotations: Mapping[str, Sequence[float]], gap: float, reach: float, memo: _Memo):
    """Candidates for `first`: a cluster whose parts may all turn half way, turned about its
    box's centre (its own snaps kept, each part at its rotation + 180 from its list, mirror
    kept) and then moved, as _moves finds for the turned outlines (a move of 0 too: the turn
    alone may snap it)."""
    groups: dict[int, list[int]] = {}
    for k, c in enumerate(cluster):
        groups.setdefault(c, []).append(k)
    turned: list = list(geoms)  # each part of a cluster that may turn, turned
    poses: dict[int, Placement] = {}
    can = [False] * len(pls)
    for ks in groups.values():
        rots = [_half_turn(pls[k].rotation, rotations.get(pls[k].instance, ())) for k in ks]
        if any(fixed[k] for k in ks) or None in rots:
            continue
        now = tuple(geoms[k] for k in ks)
        got = memo.turned.get(tuple(ks))
        if got is None or any(a is not b for a, b in zip(got[0], now)):
            x0, y0, x1, y1 = shapely.total_bounds(np.asarray(now, dtype=object))
            ps, gs = [], []
            for k, rot in zip(ks, rots):
                p = pls[k]  # turned about (cx, cy): the part's origin goes to 2c - origin
                ps.append(replace(p, x=x0 + x1 - p.x, y=y0 + y1 - p.y, rotation=rot))
                gs.append(affinity.translate(oriented_outline(p.part.outline, rot, p.mirrored),
                                             ps[-1].x, ps[-1].y))
            got = memo.turned[tuple(ks)] = (now, ps, gs)
        for k, pose, g in zip(ks, got[1], got[2]):
            poses[k], turned[k], can[k] = pose, g, True
    if not any(can):
        return
    for step, i, nx, ny in _moves(turned, geoms, cluster, [not c for c in can], gap, reach,
                                  memo, least=-TOL):
        group = tuple(groups[cluster[i]])

        def build(group=group, dx=nx * step, dy=ny * step):
            new = {k: affinity.translate(turned[k], dx, dy) for k in group}
            return ({k: replace(poses[k], x=poses[k].x + dx, y=poses[k].y + dy)
                     for k in group}, new, dict(zip(group, _grown(list(new.values()), gap))))

        key = ("turn", group, nx, ny, step)
        yield key, group, partial(memo.make, key, tuple(turned[k] for k in group), build)


def _moves(moving: list, geoms: list, cluster: list[int], fixed: list[bool], gap: float,
           reach: float, memo: _Memo, least: float = TOL
           ) -> list[tuple[float, int, float, float]]:
    """Every snap move one part's cluster could make (no cluster with a locked part), its
    parts as `moving` (the outlines `geoms`, or turned) and the others as `geoms`, as
    (distance, part, normal x, normal y), shortest first, none longer than `reach` nor
    shorter than `least`."""
    tree = shapely.STRtree(geoms)
    stuck = {c for c, f in zip(cluster, fixed) if f}
    free = [k for k, c in enumerate(cluster) if c not in stuck]
    if not free:
        return []
    ii, jj = tree.query(np.array([moving[k] for k in free], dtype=object),
                        predicate="dwithin", distance=gap + reach)
    out = []
    for i, j in zip([free[i] for i in ii.tolist()], jj.tolist()):
        if cluster[i] == cluster[j]:
            continue
        for g, na, _ in memo.facing_of(moving[i], geoms[j], gap, reach):
            if g - gap > least:
                out.append((round(g - gap, 9), i, float(na[0]), float(na[1]), g - gap))
    # ordered by the move rounded (ties by part, not by float noise), made exactly
    return [(step, i, nx, ny) for _, i, nx, ny, step in sorted(set(out))]


def _refused(new: dict, grown_new: dict, geoms: list, grown: list, cluster: list[int],
             usable, gap: float, spacing: float, snapped=snapped_pair) -> tuple | None:
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
    if not all(snapped(new[k], geoms[o], gap, spacing) for k, o in near):
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
