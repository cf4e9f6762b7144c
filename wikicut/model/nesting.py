"""What the nester is asked: instances to place and how to search."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Polygon

from .geometry import Part, Placement, Stock

# `rotations = "any"`: a part may turn by any angle. The raster nester tries a finite set
# (`free_angles`): every ANY_STEP degrees, plus the turns that lay the part's own edges along
# the sheet's axes (its minimum-area rectangle and its ANY_EDGES longest edges, each with its
# quarter turns), plus, for a part that fits the sheet at none of those, one that it fits at
# (`fitting_angle`: a long bar across the diagonal). Angles are rounded to ANY_DECIMALS
# places, the report's precision, so a placement read back from the report (recut) is the
# one nested.
ANY = "any"
ANY_STEP = 10.0
ANY_EDGES = 3
ANY_DECIMALS = 3
MAX_LISTED = 8  # rotations named in a refusal; more (rotations = "any") are counted
QUARTER = (0.0, 90.0, 180.0, 270.0)


@dataclass(frozen=True)
class Lock:
    """Where the user put a part: the output's sheet `sheet` (from 1), of the stock list's
    type `stock` (from 0), turned by `rotation` degrees, the lower-left corner of its turned
    bounding box at (x, y) in sheet coordinates; `mirrored`: cut face down (mirrored
    x -> -x before the turn, as `Placement.mirrored`). `key` and `line` say where the job
    gives it."""

    sheet: int
    x: float
    y: float
    rotation: float = 0.0
    stock: int = 0
    key: str = "lock"
    mirrored: bool = False
    line: int | None = None

    def where(self, sub: str = "") -> str:
        """"key 'part[2].lock.sheet' (line 14)" for messages (`sub`: ".sheet")."""
        return f"key '{self.key}{sub}'" + (f" (line {self.line})" if self.line else "")


@dataclass(frozen=True)
class NestItem:
    """One instance to nest, with the rotations it may take (grain-locked: 0/180). A locked
    item stays where its `lock` puts it; a `filler` only takes room left on the sheets the
    other items need, and is never a reason for another sheet. With `mirror` it may also
    be placed mirrored (cut face down, `Placement.mirrored`) at any of its rotations."""

    instance: str
    part: Part
    rotations: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)
    lock: Lock | None = None
    filler: bool = False
    mirror: bool = False


def floating(g):
    """`g` without a precision grid. A part snapped to a grid keeps it (GEOS then snaps
    what a buffer or an overlay of it makes to that grid too), but a pickled copy (a
    search sent to a cluster's worker) loses it: geometry the nester derives from outlines
    is made from the floating form, the same wherever it runs. A buffer by 0.1 micron of
    an outline on a 0.001 mm grid would even be empty."""
    return shapely.set_precision(g, 0.0) if shapely.get_precision(g) else g


def oriented_outline(outline: Polygon, rotation: float, mirrored: bool = False) -> Polygon:
    """`outline` as a placement turns it, before the move: mirrored x -> -x about the
    origin (with `mirrored`), then rotated `rotation` degrees CCW about it."""
    g = affinity.scale(outline, -1.0, 1.0, origin=(0.0, 0.0)) if mirrored else outline
    return affinity.rotate(g, rotation, origin=(0.0, 0.0)) if rotation % 360.0 else g


def moved_copies(g, dxy: np.ndarray) -> np.ndarray:
    """Copies of `g`, copy i moved by dxy[i] (one coordinate transform for them all)."""
    m = len(shapely.get_coordinates(g))
    return shapely.transform(np.full(len(dxy), g, dtype=object),
                             lambda c: c + np.repeat(dxy, m, axis=0))


def placed_outlines(placements: list[Placement]) -> np.ndarray:
    """Each placement's outline where it lies (as `Placement.placed().outline`, without
    the rest of the part): turned once per design and rotation, moved all at once."""
    out = np.empty(len(placements), dtype=object)
    groups: dict[tuple[int, float, bool], list[int]] = {}
    turned: dict[tuple[int, float, bool], Polygon] = {}
    for k, pl in enumerate(placements):
        key = (id(pl.part), float(pl.rotation), bool(pl.mirrored))
        if key not in turned:
            turned[key] = oriented_outline(pl.part.outline, pl.rotation, pl.mirrored)
        groups.setdefault(key, []).append(k)
    for key, ks in groups.items():
        out[ks] = moved_copies(turned[key], np.array([(placements[k].x, placements[k].y)
                                                      for k in ks]))
    return out


def locked_placement(item: NestItem) -> Placement:
    """A locked item's placement (the lock's corner turned into the part-origin offset)."""
    lk = item.lock
    if lk is None:
        raise ValueError(f"{item.instance} is not locked")
    rot = float(lk.rotation) % 360.0
    g = oriented_outline(item.part.outline, rot, lk.mirrored)
    x0, y0 = g.bounds[0], g.bounds[1]
    return Placement(item.instance, item.part, lk.x - x0, lk.y - y0, rot, lk.mirrored)


def free_angles(outline: Polygon, along: tuple[float, ...] = (0.0,),
                stocks: Sequence[Stock] = ()) -> tuple[float, ...]:
    """The rotations (degrees, in [0, 360)) a part with `rotations = "any"` is tried at:
    the quarter turns, the turns that lay its minimum-area rectangle and its longest edges
    along each direction of `along` (degrees; the sheet's axes, an offcut's long edges),
    each with its quarter turns, and a uniform set ANY_STEP apart. Where it fits none of
    `stocks` at any of those but does at some angle (a bar longer than the sheet, across
    its diagonal), that angle and its half turn too: a part that fits is never refused for
    the sampling."""
    own: list[float] = []
    for dx, dy in _directions(outline, ANY_EDGES):
        a = math.degrees(math.atan2(float(dy), float(dx)))
        own.extend(b - a + q for b in along for q in (0.0, 90.0, 180.0, 270.0))
    uniform = [k * ANY_STEP for k in range(int(round(360.0 / ANY_STEP)))]
    out: dict[float, None] = {}
    for a in [0.0, 90.0, 180.0, 270.0, *own, *uniform]:
        out[_angle(a)] = None
    boxes = usable_boxes(stocks)
    if boxes and not fits_turned(outline, tuple(out), boxes).any():
        a = fitting_angle(outline, boxes)
        if a is not None:
            out.update({a: None, _angle(a + 180.0): None})
    return tuple(out)


def _angle(a: float) -> float:
    """`a` in [0, 360), rounded to ANY_DECIMALS places (never -0.0)."""
    a = round(a % 360.0, ANY_DECIMALS) % 360.0
    return 0.0 if a == 0 else a


class Room(NamedTuple):
    """Where a part must fit on a stock, as the checks before a search judge it: the box
    inside its margin and, on an irregular stock (an offcut's outline), the widths of its
    usable area across the directions of its hull's edges. A part wider than the material
    across any of them fits nowhere on it (a square whose box fits a disc's box, not its
    disc), where the box alone would let it through to a search that can only fail."""

    width: float
    height: float
    # on an irregular stock: unit directions (n x 2) and the usable area's width across each
    across: np.ndarray | None = None
    widths: np.ndarray | None = None


ACROSS_DECIMALS = 0  # degrees: an offcut's edge directions, rounded, that its widths are taken in


def usable_boxes(stocks: Sequence[Stock]) -> list[Room]:
    """Each stock's room (Room): its width and height inside its margin, what a part's
    bounding box must fit (as the nester's raster sees a sheet), and an irregular one's
    widths across its usable area."""
    out = []
    for s in stocks:
        room = Room(s.width - 2 * s.margin, s.height - 2 * s.margin)
        usable = s.usable if s.outline is not None else None
        if usable is not None and not usable.is_empty:
            hull = _hull(usable)
            d = np.diff(hull, axis=0)
            # widths are alike both ways: directions in [0, 180), rounded, one each (a disc
            # drawn with hundreds of chords gives no more than 180)
            deg = np.unique(np.round(np.degrees(np.arctan2(d[:, 1], d[:, 0])) % 180.0,
                                     ACROSS_DECIMALS) % 180.0)
            t = np.radians(deg + 90.0)  # each edge's normal
            across = np.column_stack([np.cos(t), np.sin(t)])
            along = hull @ across.T
            room = room._replace(across=across, widths=along.max(axis=0) - along.min(axis=0))
        out.append(room)
    return out


def fits_turned(outline: Polygon, angles: Sequence[float],
                boxes: Sequence[tuple[float, float] | Room]) -> np.ndarray:
    """For each angle (degrees CCW), whether `outline`'s bounding box, turned by it, fits
    one of `boxes` (width, height; to 1e-9 mm), and on an irregular stock's room (Room) it
    is no wider than the stock's usable area across any of the room's directions (to
    1e-6 mm, the layout check's tolerance): what fitting needs, though not all it needs."""
    hull = _hull(outline)
    t = np.radians(np.asarray(angles, dtype=float))[:, None]
    x = hull[:, 0] * np.cos(t) - hull[:, 1] * np.sin(t)
    y = hull[:, 0] * np.sin(t) + hull[:, 1] * np.cos(t)
    w, h = x.max(axis=1) - x.min(axis=1), y.max(axis=1) - y.min(axis=1)
    ok = np.zeros(len(angles), dtype=bool)
    for room in boxes:
        fit = (w <= room[0] + 1e-9) & (h <= room[1] + 1e-9) & ~ok
        if isinstance(room, Room) and room.across is not None and fit.any():
            k = np.flatnonzero(fit)
            fit[k] = _narrow_enough(x[k], y[k], room.across, room.widths)
        ok |= fit
    return ok


MAX_SPAN_VERTICES = 64  # of a part's hull, for its widths (a curvy part's hull has hundreds)


def _narrow_enough(x: np.ndarray, y: np.ndarray, across: np.ndarray, widths: np.ndarray
                   ) -> np.ndarray:
    """For each row of turned hull vertices (x, y), whether the part's width across every
    direction `across` is at most the room's `widths` there. Of a hull with many vertices
    every so many are taken: fewer vertices span no more, so no part that fits is refused
    (a 257-gon disc measured on 64 of them spans 0.01 % less). In chunks of angles."""
    if x.shape[1] > MAX_SPAN_VERTICES:
        keep = np.linspace(0, x.shape[1] - 1, MAX_SPAN_VERTICES).round().astype(int)
        x, y = x[:, keep], y[:, keep]
    out = np.empty(len(x), dtype=bool)
    step = max(1, 1_000_000 // max(x.shape[1] * len(across), 1))
    for i in range(0, len(x), step):
        proj = (x[i:i + step, None, :] * across[:, 0, None]
                + y[i:i + step, None, :] * across[:, 1, None])
        out[i:i + step] = (np.ptp(proj, axis=2) <= widths + 1e-6).all(axis=1)
    return out


def fitting_angle(outline: Polygon, boxes: Sequence[tuple[float, float] | Room]
                  ) -> float | None:
    """An angle (degrees, in [0, 360), ANY_DECIMALS places) at which `outline`'s bounding box
    fits one of `boxes` (width, height; a Room's widths checked at the angle found, as
    fits_turned checks them), or None when it fits none at any angle. Exact: turned
    by t, two vertices of its hull a distance r apart in direction f lie r cos(t + f) apart
    across and r sin(t + f) up, so each pair farther apart than a box's side rules out an arc
    of angles round -f (across) or 90 - f (up); what the arcs leave is where it fits. The
    middle of the widest gap (the most room either way) of any box is taken; a gap narrower
    than the angles' rounding is no fit."""
    hull = _hull(outline)
    best: tuple[float, float] | None = None  # gap width, angle
    for room in boxes:
        bw, bh = room[0], room[1]
        if bw <= 0 or bh <= 0:
            continue
        arcs = []
        for p in hull:
            d = p - hull
            r = np.hypot(d[:, 0], d[:, 1])
            f = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
            for side, centre in ((bw, -f), (bh, 90.0 - f)):
                k = r > side
                half = np.degrees(np.arccos(side / r[k]))
                arcs.append(np.column_stack([centre[k] - half, centre[k] + half]))
        gap = _widest_gap(np.concatenate(arcs))
        if gap is None:
            continue
        a = _angle(gap[1])
        if (best is None or gap[0] > best[0]) and fits_turned(outline, (a,), [room])[0]:
            best = (gap[0], a)
    return None if best is None else best[1]


def turned_away(part: Part, rotations: tuple[float, ...],
                stocks: tuple[Stock, ...] | list[Stock]) -> str | None:
    """Why `part` fits no sheet at `rotations` when another turn would fit: the rotations
    (or the grain that gives them) are what is wrong, not the part. None when it fits at
    one of them, or at no angle (too large whatever the turn: check_fits says so)."""
    boxes = usable_boxes(stocks)
    if fits_turned(part.outline, rotations, boxes).any() or not _other_turns(part, boxes):
        return None
    return turns_refusal(part, rotations, stocks)


def turns_refusal(part: Part, rotations: tuple[float, ...],
                  stocks: tuple[Stock, ...] | list[Stock]) -> str:
    """Why `part` fits no sheet at `rotations`: its size, the sheets' usable areas, and the
    turns it would fit at (the quarter turns that do, else one angle that does), or that it
    fits at no angle at all."""
    x0, y0, x1, y1 = part.outline.bounds
    sizes = ", ".join(f"{s.width - 2 * s.margin:g} x {s.height - 2 * s.margin:g}"
                      for s in stocks) + " mm inside the margin"
    # an offcut's box may hold the part where its material does not: say it is kept to
    shaped = sum(s.outline is not None for s in stocks)
    if shaped:
        sizes += (", and within that the offcut's outline" if len(stocks) == 1
                  else f", and within those the outlines of {shaped} offcut"
                  + ("s" if shaped > 1 else ""))
    other = _other_turns(part, usable_boxes(stocks))
    # a free rotation's dozens of angles are no use listed on the line
    at = ("at any angle" if not other
          else f"at any of its {len(rotations)} angles; {other}" if len(rotations) > MAX_LISTED
          else f"at rotations {', '.join(f'{a:g}' for a in rotations)}; {other}")
    return (f"part is {x1 - x0:.1f} x {y1 - y0:.1f} mm, larger than every sheet's usable area"
            f" ({sizes}) {at}{_inches_hint(stocks)}")


_INCH = 25.4  # mm
_INCH_SHEET = (24.0, 150.0)  # inches: the sides of a sheet bought by the inch (2 ft to 12.5 ft)


def _inches_hint(stocks: tuple[Stock, ...] | list[Stock]) -> str:
    """'; 96 x 48 in would be 2438.4 x 1219.2 mm: sheet sizes are in mm' where every sheet is
    given in numbers that are a sheet's size in inches (a job written by the inch), else ""."""
    lo, hi = _INCH_SHEET
    sizes = list(dict.fromkeys((s.width, s.height) for s in stocks))
    if not sizes or not all(lo <= side <= hi for size in sizes for side in size):
        return ""
    said = ", ".join(f"{w:g} x {h:g} in would be {w * _INCH:.1f} x {h * _INCH:.1f} mm"
                     for w, h in sizes[:3])
    return f"; {said}: sheet sizes are in mm"


def _other_turns(part: Part, boxes: list[Room]) -> str:
    """The quarter turns at which `part` fits one of `boxes`, or else one angle it fits
    at, said ("" when it fits at no angle)."""
    quarter = [a for a, ok in zip(QUARTER, fits_turned(part.outline, QUARTER, boxes)) if ok]
    if quarter:
        return (f"it would fit at rotation{'s' if len(quarter) > 1 else ''}"
                f" {', '.join(f'{a:g}' for a in quarter)}")
    turn = fitting_angle(part.outline, boxes)
    return "" if turn is None else f"it would fit turned {turn:g} degrees"


def _widest_gap(arcs: np.ndarray) -> tuple[float, float] | None:
    """The widest stretch of the circle (degrees) that none of the open `arcs` (lo, hi)
    covers: (its width, its middle), None when they cover it all but single angles."""
    if not len(arcs):
        return 360.0, 0.0
    if (arcs[:, 1] - arcs[:, 0] >= 360.0).any():
        return None
    lo = np.mod(arcs[:, 0], 360.0)
    hi = lo + (arcs[:, 1] - arcs[:, 0])
    over = hi > 360.0  # an arc across 0 in two pieces
    lo, hi = np.concatenate([lo, np.zeros(over.sum())]), np.concatenate([hi, hi[over] - 360])
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], np.maximum.accumulate(np.minimum(hi[order], 360.0))
    # gaps: before the first arc (wrapping from the end of the last) and between arcs
    starts = np.concatenate([[hi[-1] - 360.0], hi[:-1]])
    widths = lo - starts
    k = int(np.argmax(widths))
    if widths[k] <= 0:
        return None
    return float(widths[k]), float((starts[k] + lo[k]) / 2.0) % 360.0


def _hull(outline: Polygon) -> np.ndarray:
    """The vertices of `outline`'s convex hull (what its bounding box at any angle rests on)."""
    hull = outline.convex_hull
    coords = hull.exterior.coords if hull.geom_type == "Polygon" else hull.coords
    return np.asarray(coords, dtype=float)[:, :2]


def edge_directions(outline: Polygon, n: int = 1) -> tuple[float, ...]:
    """The directions (degrees, in [0, 90)) of `outline`'s minimum-area rectangle and its
    `n` longest edges: what an irregular offcut's parts may be laid along (`free_angles`)."""
    out: dict[float, None] = {}
    for dx, dy in _directions(outline, n):
        a = round(math.degrees(math.atan2(float(dy), float(dx))) % 90.0, ANY_DECIMALS) % 90.0
        out[a] = None
    return tuple(out)


def _directions(outline: Polygon, n: int) -> list[np.ndarray]:
    """The first edge of `outline`'s minimum-area rectangle and its `n` longest edges (ties
    in drawing order, so the set never depends on sort noise), as vectors."""
    dirs = []
    rect = shapely.oriented_envelope(outline)
    if rect.geom_type == "Polygon":
        r = np.asarray(rect.exterior.coords)
        dirs.append(r[1] - r[0])
    d = np.diff(np.asarray(outline.exterior.coords), axis=0)
    length = np.hypot(d[:, 0], d[:, 1])
    dirs.extend(d[k] for k in np.argsort(-length, kind="stable")[:n] if length[k] > 0)
    return dirs


@dataclass(frozen=True)
class NestSettings:
    spacing: float = 12.0
    # degrees, or ANY: every part without rotations of its own turns freely (free_angles)
    rotations: tuple[float, ...] | str = (0.0, 90.0, 180.0, 270.0)
    seed: int = 1
    time_limit: float = 30.0
    workers: int = 2
    # Search budget per worker (layouts decoded + overlap moves). With it set, the result
    # depends only on inputs and seed (byte-identical on any machine, for CI); time_limit
    # still caps the run.
    iterations: int | None = None
    # straight edges of neighbours snapped one tool diameter apart and cut once
    # (nest/common.py, cam/common.py)
    common_line: bool = False
    # parts may be cut face down (mirrored) where their machining allows (Part.one_sided)
    mirror: bool = False
