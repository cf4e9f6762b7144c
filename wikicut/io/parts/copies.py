"""A feature's copies: its linear repeats and mirror images. Copies that land on each other
(a centred pocket mirrored about its own centre lines, a drill about its own x) are one
place, machined once: each was a pocket cleared again or a hole drilled twice."""

from __future__ import annotations

import warnings

import numpy as np
import shapely
from shapely import affinity

from ...errors import InputWarning
from ..toml import check_keys
from .shapes import Context

SAME = 1e-3  # mm: copies this close everywhere are one place (far finer than a router holds)


def copies(ctx: Context, f: dict, where: str, geom) -> list:
    """The feature itself plus its repeats and mirror images, coinciding ones merged."""
    return [c[0] for c in copy_sets(ctx, f, where, geom)]


def copy_sets(ctx: Context, f: dict, where: str, *geoms) -> list[tuple]:
    """The copies of `geoms` (a shape and what goes with it: a slot and its walls) placed
    alike, one tuple per copy; a copy whose first geometry coincides with an earlier copy's is
    left out, with one warning naming the feature's repeat or mirror."""
    placed = [geoms]
    rep = f.get("repeat")
    if rep is not None:
        if not isinstance(rep, dict):
            raise ctx.tf.error(f"{where}.repeat", "must be a table {count, dx, dy}", ctx.name)
        check_keys(ctx.tf, rep, {"count", "dx", "dy"}, f"{where}.repeat.", ctx.name)
        count = ctx.num(rep, "count", f"{where}.repeat")
        if count != int(count) or not 1 <= count <= 1000:
            raise ctx.tf.error(f"{where}.repeat.count", "must be a whole number 1..1000",
                               ctx.name)
        dx = ctx.num(rep, "dx", f"{where}.repeat", 0.0)
        dy = ctx.num(rep, "dy", f"{where}.repeat", 0.0)
        placed = [tuple(affinity.translate(g, k * dx, k * dy) for g in geoms)
                  for k in range(int(count))]
    repeats = len(placed)
    mir = f.get("mirror")
    if mir is not None:
        if not isinstance(mir, dict):
            raise ctx.tf.error(f"{where}.mirror", "must be a table {x = X} or {y = Y}", ctx.name)
        check_keys(ctx.tf, mir, {"x", "y"}, f"{where}.mirror.", ctx.name)
        extra: list[tuple] = []
        if "x" in mir:  # mirror about the vertical line x = X
            X = ctx.num(mir, "x", f"{where}.mirror")
            extra += [tuple(affinity.scale(g, -1, 1, origin=(X, 0)) for g in c) for c in placed]
        if "y" in mir:
            Y = ctx.num(mir, "y", f"{where}.mirror")
            extra += [tuple(affinity.scale(g, 1, -1, origin=(0, Y)) for g in c)
                      for c in placed + extra]
        placed += extra
    kept = distinct([c[0] for c in placed])
    if len(kept) < len(placed):
        dropped = sorted(set(range(len(placed))) - set(kept))
        key = "repeat" if dropped[0] < repeats else "mirror"
        n = len(placed) - len(kept)
        warnings.warn(f"{ctx.tf.display}: part '{ctx.name}': {ctx.tf.where(f'{where}.{key}')}:"
                      f" {n} of its {len(placed)} copies coincide with another: each place is"
                      " machined once", InputWarning, stacklevel=4)
    return [placed[k] for k in kept]


def distinct(geoms: list) -> list[int]:
    """Indices of the geometries that do not coincide (within SAME) with an earlier one."""
    bounds = np.array([g.bounds for g in geoms], dtype=float).reshape(len(geoms), 4)
    kept: list[int] = []
    for i, g in enumerate(geoms):
        if kept:
            near = np.abs(bounds[kept] - bounds[i]).max(axis=1) <= SAME
            if any(_same(geoms[kept[j]], g) for j in np.flatnonzero(near)):
                continue
        kept.append(i)
    return kept


def _same(a, b) -> bool:
    """Whether two copies are one place: their outlines (a point: itself) within SAME of
    each other everywhere, along their edges too (densified: two outlines through the same
    corners in another order are not the same)."""
    if a.geom_type == "Point":
        return a.distance(b) <= SAME
    ea = a.boundary if a.geom_type.endswith("Polygon") else a
    eb = b.boundary if b.geom_type.endswith("Polygon") else b
    return shapely.hausdorff_distance(ea, eb, densify=0.25) <= SAME
