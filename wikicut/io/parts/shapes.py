"""The geometry of a part file: feature shapes, their repeats and mirror images, drills and
engravings, each checked against the part it belongs to and snapped to a fixed grid."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon

from ...errors import InputError, suggest
from ...model import Drill, Engraving
from ..toml import TomlFile, check_keys
from .expr import ExprError, evaluate

SHAPE_KEYS = {
    "rectangle": {"x", "y", "w", "h", "cx", "cy", "angle", "radius"},
    "circle": {"cx", "cy", "r", "d"},
    "polygon": {"points"},
    "slot": {"x", "y", "width", "depth", "angle", "extend"},
    "notch": {"x", "y", "w", "h"},
    "tenon": {"x", "y", "width", "length", "angle", "overlap"},
}
DEFAULT_OP = {"rectangle": "add", "circle": "add", "polygon": "add", "slot": "cut",
              "notch": "cut", "tenon": "add"}
COMMON = {"type", "op", "depth_mm", "repeat", "mirror"}
MAX_MM = 100_000.0  # no coordinate or size beyond 100 m
CHORD = 0.01  # mm: largest gap between a true arc and its polygon


def quad_segs(r: float) -> int:
    """Segments per quarter circle so the chord error stays within CHORD for radius r."""
    if r <= CHORD:
        return 1
    step = 2 * math.acos(1 - CHORD / r)
    if step < (math.pi / 2) / 4096:  # huge radius (or rounding to 0): as fine as allowed
        return 4096
    # a multiple of 8 (finer, never coarser): vertices then fall on the 45-degree points a
    # CAM arc fit or a DXF CIRCLE of the same hole also passes through
    return max(8, min(4096, 8 * math.ceil((math.pi / 2) / step / 8)))


class Context:
    """What a feature is evaluated against: the file (for messages), the part, the names."""

    def __init__(self, tf: TomlFile, name: str, names: dict[str, float]):
        self.tf, self.name, self.names = tf, name, names

    def num(self, table: dict, key: str, where: str, default: float | None = None) -> float:
        """`table[key]` evaluated; `where` is the table's dotted key ("" for the file's top
        level, whose keys are named alone: 'label_height', not 'label_height.label_height')."""
        dotted = f"{where}.{key}" if where else key
        if key not in table:
            if default is None:
                raise InputError(f"missing required key '{dotted}'", self.tf.display,
                                 self.name)
            return default
        try:
            v = evaluate(table[key], self.names)
        except ExprError as exc:
            raise self.tf.error(dotted, str(exc), self.name) from None
        return self.sane(v, dotted)

    def sane(self, v: float, dotted: str) -> float:
        """Refuse sizes no plywood part has, before shapely is asked to build them."""
        if abs(v) > MAX_MM:
            raise self.tf.error(dotted, f"{v:g} is beyond {MAX_MM:g} mm: too large for a part",
                                self.name)
        return v

    def point(self, pt: Any, where: str) -> tuple[float, float]:
        if not isinstance(pt, list) or len(pt) != 2:
            raise self.tf.error(where, f"a point must be [x, y], got {pt!r}", self.name)
        try:
            x, y = evaluate(pt[0], self.names), evaluate(pt[1], self.names)
        except ExprError as exc:
            raise self.tf.error(where, str(exc), self.name) from None
        return (self.sane(x, where), self.sane(y, where))

    def tables(self, data: dict, key: str) -> list[dict]:
        """The `[[key]]` tables of the file (none is an empty list)."""
        v = data.get(key, [])
        if not isinstance(v, list) or not all(isinstance(t, dict) for t in v):
            raise self.tf.error(key, f"must be [[{key}]] tables", self.name)
        return v


def feature_shape(ctx: Context, f: dict, where: str):
    kind = f.get("type")
    if kind is None:
        raise ctx.tf.error(f"{where}.type", f"missing: one of {', '.join(SHAPE_KEYS)}",
                           ctx.name)
    if kind not in SHAPE_KEYS:
        raise ctx.tf.error(f"{where}.type", f"unknown shape {kind!r}"
                           f"{suggest(str(kind), SHAPE_KEYS)}; one of {', '.join(SHAPE_KEYS)}",
                           ctx.name)
    check_keys(ctx.tf, f, SHAPE_KEYS[kind] | COMMON, f"{where}.", ctx.name)
    n = lambda k, d=None: ctx.num(f, k, where, d)  # noqa: E731 (this feature's numbers)
    if kind == "rectangle":
        w, h = n("w"), n("h")
        if ("cx" in f or "cy" in f) and ("x" in f or "y" in f):
            raise ctx.tf.error(f"{where}.cx", "give x, y (lower-left) or cx, cy (centre), "
                               "not both", ctx.name)
        if "cx" in f or "cy" in f:
            x, y = n("cx") - w / 2, n("cy") - h / 2
        else:
            x, y = n("x"), n("y")
        g = shapely.box(x, y, x + w, y + h)
        require_positive(ctx, where, w=w, h=h)
        r = n("radius", 0.0)
        if r < 0 or r >= min(w, h) / 2:
            raise ctx.tf.error(f"{where}.radius", f"corner radius {r:g} must be at least 0 and"
                               f" less than half the shorter side ({min(w, h) / 2:g})", ctx.name)
        if r > 0:
            g = g.buffer(-r, join_style="mitre").buffer(r, quad_segs=quad_segs(r))
        ang = n("angle", 0.0)
        g = affinity.rotate(g, ang, origin="center") if ang else g
    elif kind == "circle":
        r = n("r") if "r" in f else n("d") / 2
        require_positive(ctx, where, r=r)
        g = shapely.Point(n("cx"), n("cy")).buffer(r, quad_segs=quad_segs(r))
    elif kind == "polygon":
        pts = f.get("points")
        if not isinstance(pts, list) or len(pts) < 3:
            raise ctx.tf.error(f"{where}.points", "needs at least 3 [x, y] points", ctx.name)
        xy = [ctx.point(p, f"{where}.points") for p in pts]
        g = Polygon(xy)
        if shapely.MultiPoint(xy).convex_hull.area <= 1e-9:
            raise ctx.tf.error(f"{where}.points", "polygon has no area (points in a line?)",
                               ctx.name)
        if not g.is_valid:
            raise ctx.tf.error(f"{where}.points", "polygon is self-intersecting", ctx.name)
    elif kind in ("slot", "tenon"):
        long_key = "depth" if kind == "slot" else "length"
        width, length = n("width"), n(long_key)
        back = n("extend", 1.0) if kind == "slot" else n("overlap", 1.0)
        require_positive(ctx, where, width=width, **{long_key: length})
        if back < 0:
            raise ctx.tf.error(f"{where}.{'extend' if kind == 'slot' else 'overlap'}",
                               f"must be at least 0, got {back:g}", ctx.name)
        g = shapely.box(-back, -width / 2, length, width / 2)
        g = affinity.rotate(g, n("angle", 90.0), origin=(0, 0))
        g = affinity.translate(g, n("x"), n("y"))
    else:  # notch: a rectangle cut from an edge
        w, h = n("w"), n("h")
        require_positive(ctx, where, w=w, h=h)
        g = shapely.box(n("x"), n("y"), n("x") + w, n("y") + h)
    return g


def require_positive(ctx: Context, where: str, **vals: float) -> None:
    for k, v in vals.items():
        if v <= 0:
            raise ctx.tf.error(f"{where}.{k}" if where else k, f"must be greater than 0,"
                               f" got {v:g}", ctx.name)


def copies(ctx: Context, f: dict, where: str, geom_or_pt):
    """The feature itself plus its linear repeats and mirror images."""
    out = [geom_or_pt]
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
        out = [affinity.translate(geom_or_pt, k * dx, k * dy) for k in range(int(count))]
    mir = f.get("mirror")
    if mir is not None:
        if not isinstance(mir, dict):
            raise ctx.tf.error(f"{where}.mirror", "must be a table {x = X} or {y = Y}", ctx.name)
        check_keys(ctx.tf, mir, {"x", "y"}, f"{where}.mirror.", ctx.name)
        extra = []
        if "x" in mir:  # mirror about the vertical line x = X
            X = ctx.num(mir, "x", f"{where}.mirror")
            extra += [affinity.scale(g, -1, 1, origin=(X, 0)) for g in out]
        if "y" in mir:
            Y = ctx.num(mir, "y", f"{where}.mirror")
            extra += [affinity.scale(g, 1, -1, origin=(0, Y)) for g in out + extra]
        out += extra
    return out




Sunk = Sequence[tuple[str, Polygon, float]]  # the part's pockets: (feature key, shape, depth)


def _in_pocket(pockets: Sunk, geom, depth: float) -> tuple[str, float] | None:
    """(key, depth) of the pockets `geom` lies wholly in that are cleared at least `depth`
    deep: a blind drill or engraving there cuts nothing, and would vanish without a word."""
    deep = [(w, pg, d) for w, pg, d in pockets if d >= depth - 1e-9 and pg.intersects(geom)]
    if deep and shapely.union_all([pg for _, pg, _ in deep]).buffer(1e-6).contains(geom):
        return deep[0][0], min(d for _, _, d in deep)
    return None


def read_drills(ctx: Context, data: dict, body: Polygon, thickness: float,
                pockets: Sunk = ()) -> tuple[Drill, ...]:
    """[[drill]] tables: points inside the part; no depth = through. A blind drill must
    reach below the floor of a pocket it is in (its depth is from the top face)."""
    drills: list[Drill] = []
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
        for pt in copies(ctx, d, where, centre):
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
    return tuple(drills)


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
        depth = ctx.num(e, "depth_mm", where, 1.0)
        if not 0 < depth < thickness:
            raise ctx.tf.error(f"{where}.depth_mm", f"engraving depth {depth:g} mm must be "
                               f"between 0 and the {thickness:g} mm thickness", ctx.name)
        for ln in copies(ctx, e, where, line):
            if ln.length <= 0 or not grown.contains(ln):
                raise ctx.tf.error(f"{where}.points", "engraving runs off the part", ctx.name)
            sunk = _in_pocket(pockets, ln, depth)
            if sunk:
                raise ctx.tf.error(f"{where}.depth_mm", f"engraving {depth:g} mm deep lies in"
                                   f" the pocket of {sunk[0]} cleared {sunk[1]:g} mm deep: it"
                                   " would cut nothing (depth is from the top face)", ctx.name)
            out.append(Engraving(snap(ln), depth))
    return tuple(out)



def snap(g):
    """Snap to a 1e-6 mm grid: the same file gives byte-identical coordinates everywhere.
    Features that collapse on the grid (sizes like 1e-300) vanish quietly and are then
    reported as empty, rather than as a numpy warning."""
    with np.errstate(all="ignore"):
        return shapely.set_precision(g, 1e-6)

