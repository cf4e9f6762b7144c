"""Thickness slots in a drawn part, and the part with its slots fitted to other ply.

A DXF part is drawn for one ply (18 mm, say) and cut from the ply in stock, which is never
quite that. A slot that takes a sheet of ply is a pair of parallel straight faces facing
each other across nothing: the material lies beyond each face, the space between them over
the length they share is empty, and its width is the drawn ply plus the designer's
clearance; a slot that takes two sheets side by side (two ribs laminated, Skylark's and
Wren's) is two plies plus the clearance. Such a slot (a notch from the outline, or a closed
slot in a hole) is found by those properties alone, at any angle, and fitted by moving its
faces apart (or together) by the difference between the stock and the drawn ply, once for
each sheet it takes, half each unless one face runs on past the slot. docs/dxf.md (Slots)
tells the rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon
from shapely.geometry.polygon import orient

__all__ = ["MIN_LENGTH", "NARROWER", "PLIES", "WIDER", "Slot", "SlotFitError", "find_slots",
           "fit_slots"]

MIN_LENGTH = 5.0  # mm: the shortest stretch two faces share that is taken for a slot
NARROWER = 0.05  # mm: a slot may be drawn this much narrower than its ply (a press fit)
WIDER = 1.0  # mm: ... or up to this much wider (the designer's clearance)
PLIES = (1, 2)  # how many sheets side by side a slot may take (the clearance counts once)
LINE_TOL = 0.005  # mm: vertices this near one straight line are one face (split edges)
BEND = 0.01  # sine of the turn between edges still one face (0.6 deg): not an arc's first chord
PARALLEL = 1e-4  # sine of the angle two faces may make and still be a slot's (0.006 deg)
TAPER = 0.02  # mm: how much the width may differ from one end of a slot to the other
RUN_ON = 0.01  # mm: a face running on further past a slot's end is a wall of more than it
TOUCH = 1e-6  # mm: a strip laid on a face reaches this far into it, to be one with it
EMPTY = 1e-4  # of the area between the faces: material there this small is none


class SlotFitError(ValueError):
    """A slot that cannot be fitted: its part would change shape (a wall broken through)."""


@dataclass(frozen=True)
class Slot:
    """Two antiparallel faces `width` apart with nothing between them over `length` (mm).

    `start` is on one face (A) where the shared stretch begins, `along` runs along A over
    it, `across` from A to the other face (B), both unit vectors. `ends` is how far the
    slot's empty space runs on past each end of the stretch before material closes it
    (rounded corners, a dogbone, the bottom of a notch), 0 where it opens out. `runs` is
    how far face A, then face B, runs on before and after the stretch (mm). `hole`: the
    faces lie on a hole (a closed slot), not on the outline (a notch). `plies`: how many
    sheets it takes side by side, so how many times the stock's difference it moves by."""

    start: tuple[float, float]
    along: tuple[float, float]
    across: tuple[float, float]
    width: float
    length: float
    ends: tuple[float, float] = (0.0, 0.0)
    runs: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    hole: bool = False
    plies: int = 1

    @property
    def shares(self) -> tuple[float, float]:
        """The part of a change in width each face takes (A, B): half each, or all of it
        on one face where the other runs on past the slot as the wall of more than it (a
        notch whose one side is the part's long edge, a slot widening a narrower channel
        along one side): that face's line is kept, as a step in it would be a ledge the
        tool cannot cut clean and the designer lined it up with what lies beyond."""
        a_on = self.runs[0] > self.ends[0] + RUN_ON or self.runs[1] > self.ends[1] + RUN_ON
        b_on = self.runs[2] > self.ends[0] + RUN_ON or self.runs[3] > self.ends[1] + RUN_ON
        if a_on != b_on:
            return (0.0, 1.0) if a_on else (1.0, 0.0)
        return (0.5, 0.5)

    @property
    def centre(self) -> tuple[float, float]:
        sx, sy = self.start
        return (sx + self.along[0] * self.length / 2 + self.across[0] * self.width / 2,
                sy + self.along[1] * self.length / 2 + self.across[1] * self.width / 2)

    def box(self, lo: float = 0.0, hi: float | None = None, near: float = 0.0,
            far: float | None = None) -> Polygon:
        """The rectangle from `lo` to `hi` along the slot and `near` to `far` across it
        (from face A); by default the space between the faces over their shared stretch."""
        hi = self.length if hi is None else hi
        far = self.width if far is None else far
        s, u, v = np.array(self.start), np.array(self.along), np.array(self.across)
        pts = [s + u * lo + v * near, s + u * hi + v * near, s + u * hi + v * far,
               s + u * lo + v * far]
        return Polygon([tuple(p) for p in pts])


def _corner_start(pts: np.ndarray) -> int:
    """The vertex where a ring turns most: a face never runs through it, so the ring's
    faces are found from there without one split at the ring's first vertex."""
    d_in = pts - np.roll(pts, 1, axis=0)
    d_out = np.roll(pts, -1, axis=0) - pts
    ang = np.abs(np.arctan2(d_in[:, 0] * d_out[:, 1] - d_in[:, 1] * d_out[:, 0],
                            (d_in * d_out).sum(axis=1)))
    return int(np.argmax(ang))


def _on_line(pts: np.ndarray) -> bool:
    """Whether every point lies within LINE_TOL of the line through the first and last, and
    every edge runs along it (an arc's first chord, however short, turns off it)."""
    a, b = pts[0], pts[-1]
    d = b - a
    n = float(np.hypot(*d))
    if n == 0:
        return False
    u = d / n
    rel = pts - a
    off = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
    steps = np.diff(pts, axis=0)
    size = np.hypot(*steps.T)
    if off.max() > LINE_TOL or np.any(size == 0):
        return False
    along = steps @ u
    turn = np.abs(steps[:, 0] * u[1] - steps[:, 1] * u[0])
    return bool(np.all(along > 0) and np.all(turn <= BEND * size))


def _faces(coords) -> list[tuple[np.ndarray, np.ndarray]]:
    """The straight faces of a ring: runs of edges on one line (a face drawn in pieces,
    or with a vertex in its middle, is one face), as (start, end) in the ring's order."""
    pts = np.asarray(coords, dtype=float)[:-1, :2]
    if len(pts) < 3:
        return []
    pts = np.roll(pts, -_corner_start(pts), axis=0)
    pts = np.vstack([pts, pts[:1]])
    out, i, n = [], 0, len(pts) - 1
    while i < n:
        j = i + 1
        while j < n and _on_line(pts[i:j + 2]):
            j += 1
        out.append((pts[i], pts[j]))
        i = j
    return out


def find_slots(outline: Polygon, drawn: float, *, narrower: float = NARROWER,
               wider: float = WIDER, min_length: float = MIN_LENGTH,
               plies: tuple[int, ...] = PLIES) -> tuple[Slot, ...]:
    """The slots of a part drawn for `drawn` mm ply: pairs of antiparallel straight faces,
    material beyond each, between `k * drawn - narrower` and `k * drawn + wider` apart for
    a k of `plies` (the sheets the slot takes), sharing at least `min_length` mm with
    nothing between them. In a fixed order (ring, then face)."""
    poly = orient(outline, 1.0)  # material on the left of every edge, holes included
    faces: list[tuple[np.ndarray, np.ndarray, bool]] = []
    for k, ring in enumerate([poly.exterior, *poly.interiors]):
        faces += [(a, b, k > 0) for a, b in _faces(ring.coords)
                  if math.dist(a, b) >= min_length]
    if len(faces) < 2:
        return ()
    p0 = np.array([f[0] for f in faces])
    p1 = np.array([f[1] for f in faces])
    length = np.hypot(*(p1 - p0).T)
    u = (p1 - p0) / length[:, None]
    left = np.column_stack([-u[:, 1], u[:, 0]])  # into the material
    # i against j: j's ends measured from i's start, along i and across it (away from
    # i's material, where j must be)
    rel0 = p0[None, :, :] - p0[:, None, :]
    rel1 = p1[None, :, :] - p0[:, None, :]
    w0 = -np.einsum("ijk,ik->ij", rel0, left)
    w1 = -np.einsum("ijk,ik->ij", rel1, left)
    t0 = np.einsum("ijk,ik->ij", rel0, u)
    t1 = np.einsum("ijk,ik->ij", rel1, u)
    dot = u @ u.T
    cross = np.abs(u[:, 0][:, None] * u[:, 1][None, :] - u[:, 1][:, None] * u[:, 0][None, :])
    lo = np.maximum(0.0, np.minimum(t0, t1))
    hi = np.minimum(length[:, None], np.maximum(t0, t1))
    # the sheets each pair's width takes (0: none); the windows never overlap while the
    # clearance is less than a ply
    k = np.zeros(dot.shape, dtype=np.int64)
    for n in sorted(plies, reverse=True):
        lo_w, hi_w = n * drawn - narrower, n * drawn + wider
        k[(np.minimum(w0, w1) >= lo_w - 1e-9) & (np.maximum(w0, w1) <= hi_w + 1e-9)] = n
    ok = ((dot < 0) & (cross <= PARALLEL) & (np.abs(w0 - w1) <= TAPER) & (k > 0)
          & (hi - lo >= min_length) & np.triu(np.ones_like(dot, dtype=bool), 1))
    found = []
    for i, j in zip(*np.nonzero(ok)):
        w = float((w0[i, j] + w1[i, j]) / 2)
        start = p0[i] + u[i] * lo[i, j]
        b_lo, b_hi = min(t0[i, j], t1[i, j]), max(t0[i, j], t1[i, j])
        runs = (lo[i, j], length[i] - hi[i, j], lo[i, j] - b_lo, b_hi - hi[i, j])
        slot = Slot(start=(float(start[0]), float(start[1])),
                    along=(float(u[i, 0]), float(u[i, 1])),
                    across=(float(-left[i, 0]), float(-left[i, 1])),
                    width=w, length=float(hi[i, j] - lo[i, j]),
                    runs=tuple(float(max(r, 0.0)) for r in runs), hole=faces[i][2],
                    plies=int(k[i, j]))
        found.append(slot)
    if not found:
        return ()
    between = shapely.intersection(np.array([s.box() for s in found], dtype=object), poly)
    areas = shapely.area(between)
    shapely.prepare(poly)
    return tuple(_with_ends(s, poly) for s, a in zip(found, areas)
                 if a <= EMPTY * s.width * s.length)


def _with_ends(slot: Slot, poly: Polygon) -> Slot:
    """The slot with how far its empty space runs on past each end before material closes
    it, looked for along its middle up to half its width (a rounded corner, a dogbone, the
    bottom of a notch); 0 where it runs on further (a mouth, a wider hole)."""
    reach = slot.width / 2
    s, u, v = np.array(slot.start), np.array(slot.along), np.array(slot.across)
    ends = []
    for at, out in ((0.0, -u), (slot.length, u)):
        mid = s + u * at + v * slot.width / 2
        ray = LineString([tuple(mid), tuple(mid + out * reach)])
        hit = ray.intersection(poly)
        t = 0.0 if hit.is_empty else float(shapely.Point(mid).distance(hit))
        ends.append(t if t > LINE_TOL else 0.0)  # a bottom at the faces' ends: nothing past
    return replace(slot, ends=(ends[0], ends[1]))


def _cuts(slot: Slot, poly: Polygon, delta: float) -> list[Polygon]:
    """What widening the slot by `delta` clears: its empty space moved into each face by
    that face's share. The space is the stretch between the faces and, past a closed end,
    what is empty there as far as material closes it and as far out beside the faces (a
    rounded corner, a dogbone): the part between the face lines moves both ways, a relief
    beside a face moves with that face only, so a dogbone's circle still reaches the new
    corner."""
    u, v = np.array(slot.along), np.array(slot.across)
    # a hair longer than the stretch: a wall across its end, moved along by nothing, must
    # not be left as a sliver between the cut and the wall's drawn line
    between, beside_a, beside_b = [slot.box(-TOUCH, slot.length + TOUCH)], [], []
    for t, sign, edge in ((slot.ends[0], -1.0, 0.0), (slot.ends[1], 1.0, slot.length)):
        if t <= 0:
            continue
        # as deep again past the bottom (capped at half the width): a dogbone's circle
        # reaches below the bottom's line, and all of it moves with its face
        lo, hi = sorted((edge, edge + sign * (t + min(t, slot.width / 2))))
        p = np.array(slot.start) + u * edge
        line = LineString([tuple(p), tuple(p + v * slot.width)])  # the stretch's end
        free = slot.box(lo, hi, -t, slot.width + t).difference(poly)
        for g in getattr(free, "geoms", [free]):
            if isinstance(g, Polygon) and g.intersection(line).length > 1e-6:
                between.append(g.intersection(slot.box(lo, hi)))
                beside_a.append(g.intersection(slot.box(lo, hi, -t, 0.0)))
                beside_b.append(g.intersection(slot.box(lo, hi, slot.width, slot.width + t)))
    mid = shapely.union_all(between)
    share_a, share_b = slot.shares
    out = [mid]
    for share, side, beside in ((share_a, -1.0, beside_a), (share_b, 1.0, beside_b)):
        if share:
            dx, dy = v * (side * share * delta)
            out += [affinity.translate(g, dx, dy) for g in (mid, *beside)]
    return out


def fit_slots(outline: Polygon, slots: tuple[Slot, ...] | list[Slot], delta: float
              ) -> Polygon:
    """The outline with every slot `delta` mm wider per sheet it takes (narrower where
    negative: a two-sheet slot by twice that), each face
    moved by its share of it (Slot.shares: half each, unless one face runs on past the
    slot): widening clears the slot's space moved that far into each face (a rounded
    corner or a dogbone moves with its face, the bottom stays); narrowing adds a strip
    along each face over the stretch the faces share. All slots at once, found on the
    drawn outline. Raises SlotFitError when the part would change shape (a wall
    broken through, holes joined): it must stay one valid polygon with as many holes."""
    if not slots or delta == 0:
        return outline
    if delta > 0:
        cuts = [g for s in slots for g in _cuts(s, outline, delta * s.plies)]
        out = outline.difference(shapely.union_all(cuts))
    else:
        if any(-delta * s.plies >= s.width for s in slots):
            raise SlotFitError(f"narrowing by {-delta:g} mm a sheet closes a slot")
        strips = []
        for s in slots:
            share_a, share_b = s.shares
            d = delta * s.plies
            # into the face as far as the faces may stray from the straight, parallel pair
            # the slot is measured as (a long slot's faces a thousandth of a mm apart in
            # angle leave the strip short of its face at one end: a spike), and a hair past
            # the stretch's ends, to be one with the walls across them (the hair left
            # outside is simplified away)
            lo, hi = -TOUCH, s.length + TOUCH
            into = TAPER + LINE_TOL
            if share_a:
                strips.append(s.box(lo, hi, -into, -d * share_a))
            if share_b:
                strips.append(s.box(lo, hi, s.width + d * share_b, s.width + into))
        out = outline.union(shapely.union_all(strips))
    # the steps a strip's reach into its face leaves at the face's ends (TOUCH high), and
    # any such sliver where a cut meets an edge it runs along, are no edges to cut
    out = shapely.simplify(out, 10 * TOUCH)
    if _same_shape(outline, out):
        return shapely.normalize(out)
    if len(slots) == 1:
        raise SlotFitError(_broken(slots[0], delta * slots[0].plies))
    for s in slots:  # named: the first that alone changes the part's shape
        fit_slots(outline, (s,), delta)
    raise SlotFitError(_broken(slots[0], delta * slots[0].plies, together=True))


def _same_shape(before: Polygon, after) -> bool:
    """One valid polygon with as many holes, and no ring running back on itself (a spike
    of no width where a cut missed a wall by a rounding error)."""
    if not (isinstance(after, Polygon) and after.is_valid and not after.is_empty
            and len(after.interiors) == len(before.interiors)):
        return False
    for ring in [after.exterior, *after.interiors]:
        c = np.asarray(ring.coords)[:, :2]
        d = np.diff(np.vstack([c, c[1:2]]), axis=0)
        n = np.hypot(*d.T)
        if np.any(n == 0):
            return False
        u = d / n[:, None]
        if np.any((u[:-1] * u[1:]).sum(axis=1) < -1 + 1e-9):
            return False
    return True


def _broken(s: Slot, delta: float, together: bool = False) -> str:
    x, y = s.centre
    how = "widening" if delta > 0 else "narrowing"
    what = "its slots together" if together else f"the slot at ({x:.1f}, {y:.1f})"
    return (f"{how} {what} ({s.width:.2f} -> {s.width + delta:.2f} mm) breaks through a "
            "wall, joins two openings or leaves a sliver")
