"""What the nester is asked: instances to place and how to search."""

from __future__ import annotations

from dataclasses import dataclass

from shapely import affinity

from .geometry import Part, Placement


@dataclass(frozen=True)
class Lock:
    """Where the user put a part: the output's sheet `sheet` (from 1), of the stock list's
    type `stock` (from 0), turned by `rotation` degrees, the lower-left corner of its turned
    bounding box at (x, y) in sheet coordinates. `key` says where the job gives it."""

    sheet: int
    x: float
    y: float
    rotation: float = 0.0
    stock: int = 0
    key: str = "lock"


@dataclass(frozen=True)
class NestItem:
    """One instance to nest, with the rotations it may take (grain-locked: 0/180). A locked
    item stays where its `lock` puts it; a `filler` only takes room left on the sheets the
    other items need, and is never a reason for another sheet."""

    instance: str
    part: Part
    rotations: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)
    lock: Lock | None = None
    filler: bool = False


def locked_placement(item: NestItem) -> Placement:
    """A locked item's placement (the lock's corner turned into the part-origin offset)."""
    lk = item.lock
    if lk is None:
        raise ValueError(f"{item.instance} is not locked")
    rot = float(lk.rotation) % 360.0
    g = affinity.rotate(item.part.outline, rot, origin=(0.0, 0.0)) if rot else item.part.outline
    x0, y0 = g.bounds[0], g.bounds[1]
    return Placement(item.instance, item.part, lk.x - x0, lk.y - y0, rot)


@dataclass(frozen=True)
class NestSettings:
    spacing: float = 12.0
    rotations: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)
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
