"""Pockets and drills as cut: each pocket's floor swept at its depth, each drill cut to its
diameter and depth and no wider, judged by what the tools' paths swept at that depth."""

from __future__ import annotations

import math

import numpy as np
import shapely

from .motion import Violation
from .swept import Swept, centre_lines, swept_area, where

# A pocket's floor counts as cut where a tool passed within this of the pocket's depth
FLOOR_TOL = 0.05  # mm
# Uncleared floor narrower than this is a scallop, not material left standing (the planner's
# rest machining accepts as much)
FLOOR_SLIVER = 0.5  # mm
FLOOR_AREA = 0.5  # mm2: less uncleared floor than this is not reported
# A move whose own sweep cuts this much of a gouge is where the gouge is reported (the first
# so, in program order; else the one that cuts most): a chord grazing by rounding is not it
MOVE_AREA = 0.05  # mm2


class Floors:
    """The cutting segments with their radii and lowest points, found by place, to judge
    whether a pocket's floor was swept at its depth."""

    def __init__(self, lines: np.ndarray, radii: np.ndarray, ends: np.ndarray,
                 source: np.ndarray | None = None):
        self.radii = radii
        self.lines = lines
        self.ends = ends  # (n, 2, xyz)
        self.low = ends[:, :, 2].min(axis=1)
        self.tree = shapely.STRtree(self.lines)
        # each segment's line in the program (0: not known)
        self.source = np.zeros(len(lines), np.int64) if source is None else source

    def lowest_in(self, centre, rad: float) -> float | None:
        """The lowest Z of the paths whose centre line passes within `rad` of `centre`."""
        near = self.tree.query(centre, predicate="dwithin", distance=rad - 1e-6)
        return float(self.low[near].min()) if len(near) else None

    def at_depth(self, region, depth: float) -> tuple[np.ndarray, np.ndarray]:
        """The paths near `region` at `depth` or below (each segment's part that is, a ramp
        counting from where it reaches the depth) and their tool radii."""
        r = float(self.radii.max())
        near = np.sort(self.tree.query(shapely.box(*region.buffer(r + 1.0).bounds)))
        zt = -depth + FLOOR_TOL
        near = near[self.low[near] <= zt]
        e = self.ends[near]
        a, b = e[:, 0, :2].copy(), e[:, 1, :2].copy()
        z0, z1 = e[:, 0, 2], e[:, 1, 2]
        # keep the part at depth (z is linear along the segment)
        ramp = (z0 > zt) | (z1 > zt)
        t = (zt - z0[ramp]) / (z1[ramp] - z0[ramp])
        m = a[ramp] + (b[ramp] - a[ramp]) * t[:, None]
        down = z0[ramp] > zt  # reaches the depth on the way: from m to its end
        a[np.flatnonzero(ramp)[down]] = m[down]
        b[np.flatnonzero(ramp)[~down]] = m[~down]
        return centre_lines(np.stack([a, b], axis=1)), self.radii[near]


def pocket_floors(instance: str, part, floors: Floors) -> list[Violation]:
    """Each pocket's floor swept at its depth, but for the corners a round tool cannot reach:
    the pocket opened by the smallest radius that cut there (every disc of that radius inside
    it) must be covered by the tools' paths at depth."""
    out = []
    for pk in part.pockets:
        paths, radii = floors.at_depth(pk.shape, pk.depth)
        # the tools that cut in the pocket (not a cut beside it that grazes its edge)
        inside = radii[shapely.distance(paths, pk.shape) < radii - 0.1]
        rmin = float(inside.min()) if inside.size else float(floors.radii.min())
        # the slug inside a hole of the part falls out: no floor to clear there
        need = pk.shape.buffer(-rmin, quad_segs=16).buffer(rmin, quad_segs=16)
        need = need.intersection(part.outline)
        if need.is_empty:
            continue
        swept = swept_area(paths, radii + FLOOR_TOL)
        left = need.difference(swept)
        left = left.buffer(-FLOOR_SLIVER / 2).buffer(FLOOR_SLIVER / 2).intersection(left)
        if left.area > FLOOR_AREA:
            big = max(getattr(left, "geoms", [left]), key=lambda g: g.area)
            c = pk.shape.representative_point()
            out.append(Violation(0, "uncut", f"{instance}: the {pk.depth:g} mm pocket at"
                                 f" {where(c)} is not cleared: {left.area:.1f} mm2 of its"
                                 f" floor left, the most near {where(big)}"))
    return out


# A drill may come out this much over or under its diameter: a tool within it plunges the
# hole (a 6.35 mm bit in a 6 mm hole), a wider hole is bored to the diameter
DRILL_TOL = 0.5  # mm
DRILL_AREA = 0.05  # mm2: less uncut (or overcut) than this is the polygons' rounding


def drill_zone(d, gouging: Swept) -> tuple[object, tuple[float, float, float]]:
    """Around a drill, the material the drill check judges: as far as the tools centred in
    the hole (their centre line within its radius) reach; and the disc inside it (inner)."""
    centre = shapely.Point(d.x, d.y)
    rad = d.diameter / 2
    idx = gouging.query(centre.buffer(rad, quad_segs=16))
    own = gouging.radii[idx][shapely.distance(gouging.lines[idx], centre) < rad]
    reach = float(own.max()) if own.size else 0.0
    return centre.buffer(rad + reach + 0.05, quad_segs=16), inner(d.x, d.y, rad + reach + 0.05)


def inner(x: float, y: float, radius: float) -> tuple[float, float, float]:
    """The disc inside a point's 16-segment buffer (64 chords) of `radius`: its inradius,
    less 1e-6 mm, far more than the rounding of the overlays that cut the buffer out of
    something (Swept.query's `clear`)."""
    return (x, y, radius * math.cos(math.pi / 64) - 1e-6)


class Keep:
    """The material of a part that must survive each tool's cuts: the part less its pockets,
    and less the zones a tool of that radius may cut into, its own width from them: along
    the part's engravings, and at its concave corners and its pockets' (reliefs); `less`
    takes more away. `at(radius)` is shrunk by 0.05 mm (a cut that grazes the edge)."""

    def __init__(self, part, away=None, allowed: dict | None = None):
        self.part = part
        body = part.outline
        for pk in part.pockets:
            body = body.difference(pk.shape.buffer(0.05))
        if away is not None:
            body = body.difference(away)
        self.body = body
        self.inner = body.buffer(-0.05)  # what a cut along the edge does not reach
        self.away = away
        corners = concave_corners(part.outline)
        for pk in part.pockets:  # a pocket's corners may get reliefs too
            corners += list(pk.shape.exterior.coords)
        self.corners = shapely.points(np.array(corners, np.float64).reshape(-1, 2))
        self.paths = [e.path for e in part.engravings]
        self._at: dict[float, object] = {}
        # the zones each radius may cut into, whatever else is taken away: shared with less()
        # (a part with drills asks both; joining a part's hundreds of reliefs is the slow
        # step of the check)
        self._allowed = {} if allowed is None else allowed

    def less(self, away) -> Keep:
        return Keep(self.part, away if self.away is None else self.away.union(away),
                    self._allowed)

    def at(self, radius: float):
        got = self._at.get(radius)
        if got is None:
            allow = self.allowed(radius)
            got = self.body.difference(allow) if allow is not None else self.body
            got = self._at[radius] = got.buffer(-0.05)
        return got

    def allowed(self, radius: float):
        """Along the engravings and round the corners, what a tool of `radius` may cut (None:
        nothing)."""
        if radius not in self._allowed:
            allow = [*shapely.buffer(np.asarray(self.paths, dtype=object), radius + 0.05),
                     *shapely.buffer(self.corners, 2 * radius * 1.5)]
            self._allowed[radius] = shapely.union_all(allow) if allow else None
        return self._allowed[radius]


def drills(instance: str, part, floors: Floors, gouging: Swept, keep: Keep, zones: list,
           thickness: float, source: np.ndarray) -> list[Violation]:
    """Each drill cut to its diameter (within DRILL_TOL) and depth: the tools' paths at its
    depth, each swept by its radius, cover the hole (through the stock, its rim: the slug
    falls out), and nothing deeper than an engraving cuts the part's material beyond it (a
    tool centred in the hole: oversize; another cut: a gouge). Drills that overlap (a
    counterbore over a through hole, two holes run into a slot) are one hole: a drill's
    material is what no drill of the part takes at that depth, so one drill's cuts may reach
    into the next, down to its depth. `zones`: each drill's (drill_zone); `source`: the
    program line of each of `gouging`'s segments, where a cut too deep or too wide is
    reported."""
    out = []
    if not part.drills:
        return out
    holes = [shapely.Point(d.x, d.y).buffer(d.diameter / 2 + DRILL_TOL / 2, quad_segs=16)
             for d in part.drills]
    reaches = shapely.STRtree(holes)
    for k, (d, (zone, _)) in enumerate(zip(part.drills, zones)):
        centre = shapely.Point(d.x, d.y)
        rad = d.diameter / 2
        depth = thickness if d.depth is None else float(d.depth)
        what = (f"{instance}: the {d.diameter:g} mm drill at {where(centre)}"
                + ("" if d.depth is None else f", {d.depth:g} mm deep,"))
        paths, radii = floors.at_depth(zone, depth)
        # the tools that cut in the hole (their centre inside it), not a cut passing beside
        mine = [(g, float(rr)) for g, rr in zip(paths, radii) if g.distance(centre) < rad]
        need = centre.buffer(rad - DRILL_TOL / 2, quad_segs=16)
        if d.depth is None:
            need = need.exterior
        swept = swept_area(paths, radii + FLOOR_TOL)
        left = need.difference(swept)
        lowest = floors.lowest_in(centre, rad)
        if (left.length if d.depth is None else left.area) > (
                DRILL_AREA if d.depth is not None else 0.1):
            through = " through" if d.depth is None else ""
            if mine:
                msg = f"is not cut to its diameter{through}: {_cut_text(centre, mine)}"
            else:
                msg = (f"is not cut {through.strip() or 'to its depth'}: "
                       + ("no tool cuts in it" if lowest is None
                          else f"the tool in it reaches {-lowest:.2f} mm"))
            out.append(Violation(0, "uncut", f"{what} {msg}"))
        # the drills whose holes meet this one's zone (itself first): their holes are not
        # its material
        near = [k, *(j for j in np.sort(reaches.query(zone, predicate="intersects")).tolist()
                     if j != k)]
        # a blind hole no deeper than drawn (within FLOOR_TOL) but where a deeper drill is
        if d.depth is not None:
            deep = _below_floor(part.drills, holes, near, floors, depth)
            if deep is not None:
                out.append(Violation(deep[0], "gouge", f"{what} is cut {deep[1]:.2f} mm deep"))
        hole = holes[k] if len(near) == 1 else shapely.union_all([holes[j] for j in near])
        region = keep.inner.intersection(zone).difference(hole)
        if region.is_empty:
            continue
        # the cuts whose sweep reaches the material (none inside the holes, cut out of it)
        idx = gouging.query(region, clear=[inner(part.drills[j].x, part.drills[j].y,
                                                 part.drills[j].diameter / 2 + DRILL_TOL / 2)
                                           for j in near])

        def material(radius: float, zone=zone, hole=hole):
            return keep.at(radius).intersection(zone).difference(hole)

        dist = shapely.distance(gouging.lines[idx], centre)
        for ks, own in ((idx[dist < rad], True), (idx[dist >= rad], False)):
            if not ks.size:
                continue
            over = gouging.hits(ks, material)
            if over.area <= DRILL_AREA:
                continue
            line = first_entering(gouging, ks, material, source)
            if own:
                reach = shapely.hausdorff_distance(centre, over)
                out.append(Violation(line, "gouge", f"{what} is cut oversize: the tool reaches"
                                     f" {reach:.2f} mm from its centre ({over.area:.1f} mm2"
                                     f" beyond {rad + DRILL_TOL / 2:g} mm)"))
            elif over.area > 0.5:  # the gouge check's own threshold
                out.append(Violation(line, "gouge", f"{instance}: the tool enters the part "
                                     f"({over.area:.1f} mm2 near {where(over)})"))
    return out


def _below_floor(drills: list, holes: list, near: list[int], floors: Floors, depth: float
                 ) -> tuple[int, float] | None:
    """Where the cuts of the drills `near` (their centre line in one of their holes) take the
    floor of the blind drill `near[0]`, `depth` deep: deeper than it, and where no drill
    `near` at least that deep is (within FLOOR_TOL). The program line of the first such cut
    and the deepest they reach, or None. A cut of a pocket or an outline beside the hole is
    not a drill's: the gouge check judges it."""
    d = drills[near[0]]
    floor = shapely.Point(d.x, d.y).buffer(d.diameter / 2, quad_segs=16)
    cand = np.unique(np.concatenate([
        floors.tree.query(shapely.Point(drills[j].x, drills[j].y), predicate="dwithin",
                          distance=drills[j].diameter / 2 - 1e-6) for j in near]))
    cand = np.sort(cand[floors.low[cand] < -depth - FLOOR_TOL]) if len(cand) else cand
    if not len(cand):
        return None
    sweeps = shapely.buffer(floors.lines[cand], floors.radii[cand], quad_segs=16)
    bad = []
    for c, sweep in zip(cand.tolist(), sweeps):
        low = -float(floors.low[c])
        # a through drill goes as deep as any cut may (the motion check bounds that)
        deeper = [holes[j] for j in near
                  if drills[j].depth is None or float(drills[j].depth) >= low - FLOOR_TOL]
        cut = sweep.intersection(floor)
        if deeper:
            cut = cut.difference(shapely.union_all(deeper))
        if cut.area > DRILL_AREA:
            bad.append(c)
    if not bad:
        return None
    return int(floors.source[bad[0]]), -float(floors.low[bad].min())


def first_entering(gouging: Swept, idx: np.ndarray, material, source: np.ndarray) -> int:
    """The program line of the move among `idx` (gouging's segments, in program order) that
    a gouge into `material(radius)` is reported at, so an editor or a CI log jumps to it:
    the first whose own sweep cuts MOVE_AREA of it, else the one that cuts most (0: none)."""
    cuts = np.zeros(len(idx))
    rad = gouging.radii[idx]
    for r in np.unique(rad).tolist():
        mine = np.flatnonzero(rad == r)
        keep = material(r)
        if keep.is_empty:
            continue
        shapely.prepare(keep)
        sweeps = shapely.buffer(gouging.lines[idx[mine]], r, quad_segs=8)
        hit = shapely.intersects(keep, sweeps)
        cuts[mine[hit]] = shapely.area(shapely.intersection(sweeps[hit], keep))
    if not len(cuts) or cuts.max() <= 0:
        return 0
    k = int(np.flatnonzero(cuts >= min(MOVE_AREA, cuts.max()))[0])
    return int(source[idx[k]])


def _cut_text(centre, mine: list) -> str:
    """What was cut in a hole at its depth: the tools and how wide their sweep reaches."""
    tools = sorted({round(2 * rr, 3) for _, rr in mine})
    sweep = shapely.union_all(shapely.buffer([g for g, _ in mine],
                                             np.array([rr for _, rr in mine]), quad_segs=16))
    across = 2 * shapely.hausdorff_distance(centre, sweep)
    how = ("plunged" if all(g.distance(centre) < 1e-3 and g.length < 1e-3 for g, _ in mine)
           else "bored")
    return (f"a {'/'.join(f'{t:g}' for t in tools)} mm tool {how} there cuts"
            f" {across:.1f} mm across")


def concave_corners(poly) -> list[tuple[float, float]]:
    """Vertices where material turns inward: dogbone reliefs are allowed there."""
    pts = []
    for k_ring, ring in enumerate([poly.exterior, *poly.interiors]):
        c = list(ring.coords)[:-1]
        ccw = ring.is_ccw
        is_ext = k_ring == 0
        n = len(c)
        for i in range(n):
            (x0, y0), (x1, y1), (x2, y2) = c[i - 1], c[i], c[(i + 1) % n]
            cross = (x1 - x0) * (y2 - y1) - (y1 - y0) * (x2 - x1)
            left, right = cross > 1e-9, cross < -1e-9
            concave = right if (ccw == is_ext) else left
            if concave:
                pts.append((x1, y1))
    return pts
