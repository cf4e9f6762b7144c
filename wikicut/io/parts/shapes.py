"""The geometry of a part file: what a feature's numbers are evaluated against, the shape
each feature draws, and the fixed grid every shape is snapped to."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon

from ...errors import InputError, suggest
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
MAX_MM = 100_000.0  # no coordinate or size beyond 100 m (no angle beyond 100,000 degrees)
MIN_MM = 0.01  # no size below the chord error of an arc: nothing a router cuts is smaller
BELOW = f"below the {MIN_MM:g} mm smallest size a part file takes (check the numbers)"
FLAT = 1e-9  # mm: a rounded box's inner side shorter than this is no side at all
WALL = 0.05  # mm: how far past a slot's side its wall is looked for
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
        key = dotted.rsplit(".", 1)[-1]
        if abs(v) <= MAX_MM or key == "count":  # a count has its own range (copies)
            return v
        if key == "angle":
            raise self.tf.error(dotted, f"{v:g} degrees is beyond {MAX_MM:g}: write the angle"
                                " between -360 and 360", self.name)
        raise self.tf.error(dotted, f"{v:g} is beyond {MAX_MM:g} mm: too large for a part",
                            self.name)

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


def feature_kind(ctx: Context, f: dict, where: str) -> str:
    """The feature's `type`: one of SHAPE_KEYS, else a one-line refusal."""
    kind = f.get("type")
    if kind is None:
        raise ctx.tf.error(f"{where}.type", f"missing: one of {', '.join(SHAPE_KEYS)}",
                           ctx.name)
    if not isinstance(kind, str):
        raise ctx.tf.error(f"{where}.type", f"must be a string, one of {', '.join(SHAPE_KEYS)};"
                           f" got {kind!r}", ctx.name)
    if kind not in SHAPE_KEYS:
        raise ctx.tf.error(f"{where}.type", f"unknown shape {kind!r}"
                           f"{suggest(kind, SHAPE_KEYS)}; one of {', '.join(SHAPE_KEYS)}",
                           ctx.name)
    return kind


def feature_shape(ctx: Context, f: dict, where: str):
    kind = feature_kind(ctx, f, where)
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
        require_positive(ctx, where, w=w, h=h)
        r = n("radius", 0.0)
        if r < 0 or r >= min(w, h) / 2:
            raise ctx.tf.error(f"{where}.radius", f"corner radius {r:g} must be at least 0 and"
                               f" less than half the shorter side ({min(w, h) / 2:g})", ctx.name)
        g = _rounded_box(x, y, w, h, r) if r > 0 else shapely.box(x, y, x + w, y + h)
        ang = n("angle", 0.0)
        g = affinity.rotate(g, ang, origin="center") if ang else g
    elif kind == "circle":
        if "r" in f and "d" in f:
            raise ctx.tf.error(f"{where}.d", "give r (radius) or d (diameter), not both",
                               ctx.name)
        if "r" not in f and "d" not in f:
            raise InputError(f"missing required key '{where}.r' (or '{where}.d', the"
                             " diameter)", ctx.tf.display, ctx.name)
        key = "r" if "r" in f else "d"
        size = n(key)
        require_positive(ctx, where, **{key: size})
        r = size if key == "r" else size / 2
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
        box = g.minimum_rotated_rectangle.exterior.coords
        across = min(math.dist(box[0], box[1]), math.dist(box[1], box[2]))
        if across < MIN_MM:
            raise ctx.tf.error(f"{where}.points", f"polygon is {across:.3g} mm across: {BELOW}",
                               ctx.name)
    elif kind in ("slot", "tenon"):
        long_key = "depth" if kind == "slot" else "length"
        width, length = n("width"), n(long_key)
        back = n("extend", 1.0) if kind == "slot" else n("overlap", 1.0)
        require_positive(ctx, where, width=width, **{long_key: length})
        if back < 0:
            raise ctx.tf.error(f"{where}.{'extend' if kind == 'slot' else 'overlap'}",
                               f"must be at least 0, got {back:g}", ctx.name)
        g = _aimed(ctx, f, where, shapely.box(-back, -width / 2, length, width / 2))
    else:  # notch: a rectangle cut from an edge
        w, h = n("w"), n("h")
        require_positive(ctx, where, w=w, h=h)
        g = shapely.box(n("x"), n("y"), n("x") + w, n("y") + h)
    return g


def slot_walls(ctx: Context, f: dict, where: str):
    """Thin strips just outside a slot's two long sides over its depth (not its extend),
    placed as the slot is: where the material it runs between must be."""
    width, length = ctx.num(f, "width", where), ctx.num(f, "depth", where)
    return _aimed(ctx, f, where, shapely.MultiPolygon([
        shapely.box(0, width / 2, length, width / 2 + WALL),
        shapely.box(0, -width / 2 - WALL, length, -width / 2)]))


def _aimed(ctx: Context, f: dict, where: str, g):
    """A slot or tenon drawn along +x from the origin, turned to its angle and moved to its
    start (x, y)."""
    g = affinity.rotate(g, ctx.num(f, "angle", where, 90.0), origin=(0, 0))
    return affinity.translate(g, ctx.num(f, "x", where), ctx.num(f, "y", where))


def _rounded_box(x: float, y: float, w: float, h: float, r: float):
    """The box with corners rounded to r: its inner box grown by r. The inner box is the box
    shrunk by r, unless that lost it (it vanished once r came within a hair of half the
    shorter side, and the feature with it): then it is drawn, or a line or a point (a
    stadium, a circle) where a side is gone."""
    iw, ih = w - 2 * r, h - 2 * r
    x0, y0 = x + r, y + r
    core = shapely.box(x, y, x + w, y + h).buffer(-r, join_style="mitre")
    if core.geom_type == "Polygon" and not core.is_empty and max(
            abs(a - b) for a, b in zip(core.bounds, (x0, y0, x0 + iw, y0 + ih))) <= 1e-7:
        pass  # the shrunk box holds: its vertex order is the one the outputs were made with
    elif iw > FLAT and ih > FLAT:
        core = shapely.box(x0, y0, x0 + iw, y0 + ih)
    elif iw > FLAT:
        core = LineString([(x0, y + h / 2), (x0 + iw, y + h / 2)])
    elif ih > FLAT:
        core = LineString([(x + w / 2, y0), (x + w / 2, y0 + ih)])
    else:
        core = shapely.Point(x + w / 2, y + h / 2)
    return core.buffer(r, quad_segs=quad_segs(r))


def require_positive(ctx: Context, where: str, **vals: float) -> None:
    """Sizes greater than 0 and at least MIN_MM (a size of 1e-300 vanished on the grid, and
    a cut of it was then said to miss the part)."""
    for k, v in vals.items():
        if v <= 0:
            raise ctx.tf.error(f"{where}.{k}" if where else k, f"must be greater than 0,"
                               f" got {v:g}", ctx.name)
        if v < MIN_MM:
            raise ctx.tf.error(f"{where}.{k}" if where else k, f"{v:.3g} mm: {BELOW}",
                               ctx.name)


def snap(g):
    """Snap to a 1e-6 mm grid: the same file gives byte-identical coordinates everywhere.
    Features that collapse on the grid (sizes like 1e-300) vanish quietly and are then
    reported as empty, rather than as a numpy warning."""
    with np.errstate(all="ignore"):
        return shapely.set_precision(g, 1e-6)

