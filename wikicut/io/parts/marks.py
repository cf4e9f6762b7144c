"""A part file's drills and engravings: on the part, not lost in a pocket or a deeper drill
(where they would cut nothing, or be cut twice), and no more than a part may have."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from ...model import Drill, Engraving
from ..limits import MAX_FEATURES
from ..toml import check_keys
from .copies import copies
from .shapes import MIN_MM, Context, require_positive, snap

Sunk = Sequence[tuple[str, Polygon, float]]  # the part's pockets: (feature key, shape, depth)


def _in_pocket(pockets: Sunk, geom, depth: float) -> tuple[str, float] | None:
    """(key, depth) of the pockets `geom` lies wholly in that are cleared at least `depth`
    deep: a blind drill or engraving there cuts nothing, and would vanish without a word."""
    deep = [(w, pg, d) for w, pg, d in pockets if d >= depth - 1e-9 and pg.intersects(geom)]
    if deep and shapely.union_all([pg for _, pg, _ in deep]).buffer(1e-6).contains(geom):
        return deep[0][0], min(d for _, _, d in deep)
    return None


def _capped(ctx: Context, count: int, table: dict, where: str, what: str) -> None:
    """Each drill and engraving is checked against the part and the others: bound the work
    as features are bounded."""
    if count > MAX_FEATURES:
        raise ctx.tf.error(f"{where}.repeat" if "repeat" in table else where, f"more than"
                           f" {MAX_FEATURES} {what} after repeats: a part file may have no"
                           " more", ctx.name)


def read_drills(ctx: Context, data: dict, body: Polygon, thickness: float,
                pockets: Sunk = ()) -> tuple[Drill, ...]:
    """[[drill]] tables: points inside the part; no depth = through. A blind drill must
    reach below the floor of a pocket it is in (its depth is from the top face), and no
    drill may lie inside one at least as deep."""
    drills: list[Drill] = []
    keys: list[str] = []  # each drill's table
    for k, d in enumerate(ctx.tables(data, "drill")):
        where = f"drill[{k + 1}]"
        check_keys(ctx.tf, d, {"x", "y", "d", "depth_mm", "repeat", "mirror"}, f"{where}.",
                   ctx.name)
        dia = ctx.num(d, "d", where)
        require_positive(ctx, where, d=dia)
        depth = None
        if "depth_mm" in d:
            depth = ctx.num(d, "depth_mm", where)
            if not 0 < depth < thickness:
                raise ctx.tf.error(f"{where}.depth_mm", f"drill depth {depth:g} mm must be "
                                   f"between 0 and the {thickness:g} mm thickness (leave it "
                                   "out for a through hole)", ctx.name)
        centre = shapely.Point(ctx.num(d, "x", where), ctx.num(d, "y", where))
        placed = copies(ctx, d, where, centre)
        _capped(ctx, len(drills) + len(placed), d, where, "drills")
        for pt in placed:
            if not body.contains(pt.buffer(dia / 2)):
                raise ctx.tf.error(f"{where}.x", f"drill at ({pt.x:g}, {pt.y:g}) is not inside "
                                   "the part", ctx.name)
            sunk = _in_pocket(pockets, pt.buffer(dia / 2), depth) if depth else None
            if sunk:
                raise ctx.tf.error(f"{where}.depth_mm", f"drill at ({pt.x:g}, {pt.y:g}) is"
                                   f" {depth:g} mm deep, in the pocket of {sunk[0]} cleared"
                                   f" {sunk[1]:g} mm deep: it would cut nothing (depth is"
                                   " from the top face)", ctx.name)
            drills.append(Drill(round(pt.x, 6), round(pt.y, 6), dia, depth))
            keys.append(where)
    _refuse_drill_in_drill(ctx, drills, keys)
    return tuple(drills)


def _refuse_drill_in_drill(ctx: Context, drills: list[Drill], keys: list[str]) -> None:
    """A drill wholly inside others at least as deep cuts nothing of its own, and its
    program then plunges or bores into a hole already cut (a blind drill inside a through
    one was refused by the cutting check only at nest time, as a gouge)."""
    if len(drills) < 2:
        return
    xy = np.array([(d.x, d.y) for d in drills])
    r = np.array([d.diameter / 2 for d in drills])
    deep = np.array([1e9 if d.depth is None else d.depth for d in drills])  # through: deepest
    order = np.arange(len(drills))
    for i, d in enumerate(drills):
        dist = np.hypot(*(xy - xy[i]).T)
        deeper = (deep >= deep[i] - 1e-9) & (order != i)
        near = deeper & (dist < r + r[i])
        if not near.any():
            continue
        # of two alike, the later is the one that cuts nothing
        alike = (np.abs(r - r[i]) <= 1e-9) & (np.abs(deep - deep[i]) <= 1e-9) & (dist <= 1e-6)
        hosts = np.flatnonzero(near & ~(alike & (order > i)))
        within = [j for j in hosts if dist[j] + r[i] <= r[j] + 1e-6]
        if not within:
            circles = [shapely.Point(*xy[j]).buffer(r[j]) for j in hosts]
            if len(circles) < 2 or not shapely.union_all(circles).buffer(1e-6).contains(
                    shapely.Point(*xy[i]).buffer(r[i])):
                continue
            within = list(hosts)
        j = within[0]
        host = drills[j]
        how = "through" if host.depth is None else f"{host.depth:g} mm deep"
        what = "through" if d.depth is None else f"{d.depth:g} mm deep"
        key = f"{keys[i]}.depth_mm" if d.depth is not None else f"{keys[i]}.x"
        raise ctx.tf.error(key, f"the {d.diameter:g} mm drill at ({d.x:g}, {d.y:g}), {what},"
                           f" lies inside the {host.diameter:g} mm drill of {keys[j]} at"
                           f" ({host.x:g}, {host.y:g}), {how}: it would cut nothing",
                           ctx.name)


def read_engravings(ctx: Context, data: dict, grown: Polygon, thickness: float,
                    pockets: Sunk = ()) -> tuple[Engraving, ...]:
    """[[engrave]] tables: single-stroke lines on the part (marks, assembly arrows), not
    wholly in a pocket at least as deep (depth is from the top face)."""
    out: list[Engraving] = []
    for k, e in enumerate(ctx.tables(data, "engrave")):
        where = f"engrave[{k + 1}]"
        check_keys(ctx.tf, e, {"points", "depth_mm", "repeat", "mirror"}, f"{where}.", ctx.name)
        raw = e.get("points")
        if not isinstance(raw, list) or len(raw) < 2:
            raise ctx.tf.error(f"{where}.points", "needs at least 2 [x, y] points", ctx.name)
        line = LineString([ctx.point(p, f"{where}.points") for p in raw])
        if line.length < MIN_MM:
            raise ctx.tf.error(f"{where}.points", f"engraving is {line.length:.3g} mm long"
                               f" (its points coincide): nothing to engrave", ctx.name)
        depth = ctx.num(e, "depth_mm", where, 1.0)
        if not 0 < depth < thickness:
            raise ctx.tf.error(f"{where}.depth_mm", f"engraving depth {depth:g} mm must be "
                               f"between 0 and the {thickness:g} mm thickness", ctx.name)
        placed = copies(ctx, e, where, line)
        _capped(ctx, len(out) + len(placed), e, where, "engravings")
        for ln in placed:
            if not grown.contains(ln):
                raise ctx.tf.error(f"{where}.points", "engraving runs off the part", ctx.name)
            sunk = _in_pocket(pockets, ln, depth)
            if sunk:
                raise ctx.tf.error(f"{where}.depth_mm", f"engraving {depth:g} mm deep lies in"
                                   f" the pocket of {sunk[0]} cleared {sunk[1]:g} mm deep: it"
                                   " would cut nothing (depth is from the top face)", ctx.name)
            out.append(Engraving(snap(ln), depth))
    return tuple(out)
