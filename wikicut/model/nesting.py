"""What the nester is asked: instances to place and how to search."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Polygon

from .geometry import Part, Placement

# `rotations = "any"`: a part may turn by any angle. The raster nester tries a finite set
# (`free_angles`): every ANY_STEP degrees, plus the turns that lay the part's own edges along
# the sheet's axes (its minimum-area rectangle and its ANY_EDGES longest edges, each with its
# quarter turns). Angles are rounded to ANY_DECIMALS places, the report's precision, so a
# placement read back from the report (recut) is the one nested.
ANY = "any"
ANY_STEP = 10.0
ANY_EDGES = 3
ANY_DECIMALS = 3


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


def free_angles(outline: Polygon, along: tuple[float, ...] = (0.0,)) -> tuple[float, ...]:
    """The rotations (degrees, in [0, 360)) a part with `rotations = "any"` is tried at:
    the quarter turns, the turns that lay its minimum-area rectangle and its longest edges
    along each direction of `along` (degrees; the sheet's axes, an offcut's long edges),
    each with its quarter turns, and a uniform set ANY_STEP apart."""
    own: list[float] = []
    for dx, dy in _directions(outline, ANY_EDGES):
        a = math.degrees(math.atan2(float(dy), float(dx)))
        own.extend(b - a + q for b in along for q in (0.0, 90.0, 180.0, 270.0))
    uniform = [k * ANY_STEP for k in range(int(round(360.0 / ANY_STEP)))]
    out: dict[float, None] = {}
    for a in [0.0, 90.0, 180.0, 270.0, *own, *uniform]:
        a = round(a % 360.0, ANY_DECIMALS) % 360.0
        out[0.0 if a == 0 else a] = None
    return tuple(out)


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
