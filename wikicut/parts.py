"""Parametric part files (parts/*.toml): declarative shapes over named parameters.

A part is built in file order from `[[feature]]` tables: each adds material to the body or
cuts it away (a cut that stays inside becomes a hole, one across an edge a notch or slot).
Expressions may use the parameters, `[derived]` values and `thickness`, the job's
measured ply thickness, so slots follow the plywood actually in stock. Format: docs/parts.md.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon

from .config import TomlFile, check_keys, get_table
from .errors import InputError, suggest
from .expr import RESERVED, ExprError, evaluate, names_used
from .model import Drill, Engraving, Part, Pocket

TOP_KEYS = {"name", "description", "label", "label_at", "label_height", "params", "derived",
            "feature", "drill", "engrave"}
OPS = ("add", "cut", "pocket")
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
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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


class _Ctx:
    """What a feature is evaluated against: the file (for messages), the part, the names."""

    def __init__(self, tf: TomlFile, name: str, names: dict[str, float]):
        self.tf, self.name, self.names = tf, name, names

    def num(self, table: dict, key: str, where: str, default: float | None = None) -> float:
        if key not in table:
            if default is None:
                raise InputError(f"missing required key '{where}.{key}'", self.tf.display,
                                 self.name)
            return default
        try:
            v = evaluate(table[key], self.names)
        except ExprError as exc:
            raise self.tf.error(f"{where}.{key}", str(exc), self.name) from None
        return self.sane(v, f"{where}.{key}")

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


def _shape(ctx: _Ctx, f: dict, where: str):
    kind = f.get("type")
    if kind is None:
        raise ctx.tf.error(f"{where}.type", f"missing: one of {', '.join(SHAPE_KEYS)}",
                           ctx.name)
    if kind not in SHAPE_KEYS:
        raise ctx.tf.error(f"{where}.type", f"unknown shape {kind!r}"
                           f"{suggest(str(kind), SHAPE_KEYS)}; one of {', '.join(SHAPE_KEYS)}",
                           ctx.name)
    check_keys(ctx.tf, f, SHAPE_KEYS[kind] | COMMON, f"{where}.", ctx.name)
    n = lambda k, d=None: ctx.num(f, k, where, d)
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
        _positive(ctx, where, w=w, h=h)
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
        _positive(ctx, where, r=r)
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
        _positive(ctx, where, width=width, **{long_key: length})
        if back < 0:
            raise ctx.tf.error(f"{where}.{'extend' if kind == 'slot' else 'overlap'}",
                               f"must be at least 0, got {back:g}", ctx.name)
        g = shapely.box(-back, -width / 2, length, width / 2)
        g = affinity.rotate(g, n("angle", 90.0), origin=(0, 0))
        g = affinity.translate(g, n("x"), n("y"))
    else:  # notch: a rectangle cut from an edge
        w, h = n("w"), n("h")
        _positive(ctx, where, w=w, h=h)
        g = shapely.box(n("x"), n("y"), n("x") + w, n("y") + h)
    return g


def _positive(ctx: _Ctx, where: str, **vals: float) -> None:
    for k, v in vals.items():
        if v <= 0:
            raise ctx.tf.error(f"{where}.{k}", f"must be greater than 0, got {v:g}", ctx.name)


def _copies(ctx: _Ctx, f: dict, where: str, geom_or_pt):
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
        dx, dy = ctx.num(rep, "dx", f"{where}.repeat", 0.0), ctx.num(rep, "dy", f"{where}.repeat", 0.0)
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


def _tables(ctx: _Ctx, data: dict, key: str) -> list[dict]:
    v = data.get(key, [])
    if not isinstance(v, list) or not all(isinstance(t, dict) for t in v):
        raise ctx.tf.error(key, f"must be [[{key}]] tables", ctx.name)
    return v


def _declared(tf: TomlFile, data: dict, name: str | None) -> dict[str, float]:
    """The [params] table: names checked (no clash with functions) and defaults numeric."""
    declared = get_table(tf, data, "params", part=name)
    out: dict[str, float] = {}
    for k, v in declared.items():
        _check_name(tf, f"params.{k}", k, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise tf.error(f"params.{k}", f"default must be a finite number, got {v!r}", name)
        out[k] = float(v)
    return out


def _check_name(tf: TomlFile, dotted: str, k: str, name: str | None) -> None:
    if not NAME_RE.match(k) or k.startswith("__"):
        raise tf.error(dotted, f"'{k}' is not a usable name (letters, digits and _)", name)
    if k in RESERVED or k == "thickness":
        raise tf.error(dotted, f"'{k}' is reserved (a function, constant or the job's "
                       "thickness); choose another name", name)


def _names(tf: TomlFile, name: str, params: dict[str, float] | None, thickness: float,
           data: dict) -> dict[str, float]:
    """Every value expressions may use: thickness, parameters (overridden), derived values."""
    declared = _declared(tf, data, name)
    if isinstance(thickness, bool) or not isinstance(thickness, (int, float)) \
            or not 0 < thickness <= 1000:
        raise InputError(f"material thickness must be a number of mm in (0, 1000], got "
                         f"{thickness!r}",
                         tf.display, name)
    names: dict[str, float] = {"thickness": float(thickness), **declared}
    for k, v in (params or {}).items():
        if k not in declared:
            raise InputError(f"unknown parameter '{k}'{suggest(k, declared)}; parameters: "
                             f"{', '.join(declared) or 'none'}", tf.display, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError(f"parameter '{k}' must be a finite number, got {v!r}",
                             tf.display, name)
        names[k] = float(v)
    derived = get_table(tf, data, "derived", part=name)
    for k in derived:
        _check_name(tf, f"derived.{k}", k, name)
        if k in declared:
            raise tf.error(f"derived.{k}", "redefines a parameter", name)
    for k in _derived_order(tf, name, derived):
        try:
            names[k] = evaluate(derived[k], names)
        except ExprError as exc:
            raise tf.error(f"derived.{k}", str(exc), name) from None
    return names


def _derived_order(tf: TomlFile, name: str, derived: dict[str, Any]) -> list[str]:
    """Derived values in an order where each comes after those it uses; cycles refused.

    File order is kept wherever it already works, so errors point at the first bad line.
    """
    deps: dict[str, list[str]] = {}
    for k, v in derived.items():
        try:
            deps[k] = sorted(n for n in names_used(v) if n in derived)
        except ExprError as exc:
            raise tf.error(f"derived.{k}", str(exc), name) from None
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(k: str, path: list[str]) -> None:
        if state.get(k) == 2:
            return
        if state.get(k) == 1:
            cycle = path[path.index(k):] + [k]
            raise tf.error(f"derived.{k}", "derived values form a cycle: "
                           + " -> ".join(cycle), name)
        state[k] = 1
        for d in deps[k]:
            visit(d, path + [k])
        state[k] = 2
        order.append(k)

    for k in derived:
        visit(k, [])
    return order


def load_part(path: str | Path, params: dict[str, float] | None = None, thickness: float = 18.0,
              display: str | None = None) -> Part:
    """Render a part file at the measured `thickness` with parameter overrides."""
    path = Path(path)
    tf = TomlFile.load(path, display=display or path.name)
    data = tf.data
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise tf.error("name", "must be a non-empty string")
    check_keys(tf, data, TOP_KEYS, part=name)
    ctx = _Ctx(tf, name, _names(tf, name, params, thickness, data))
    thickness = ctx.names["thickness"]

    body = None
    split_at: str | None = None  # the feature after which the part stayed in pieces
    pockets: list[tuple[str, Polygon, float]] = []
    for k, f in enumerate(_tables(ctx, data, "feature")):
        where = f"feature[{k + 1}]"
        op = f.get("op", DEFAULT_OP.get(f.get("type"), "add"))
        if op not in OPS:
            raise tf.error(f"{where}.op", f"must be one of {', '.join(OPS)}, got {op!r}"
                           f"{suggest(str(op), OPS)}", name)
        geoms = _copies(ctx, f, where, _shape(ctx, f, where))
        if op != "pocket" and "depth_mm" in f:
            raise tf.error(f"{where}.depth_mm", "only a pocket has a depth (op = 'pocket')", name)
        if op == "add":
            g = shapely.union_all(geoms)
            body = g if body is None else body.union(g)
        elif op == "cut":
            if body is None:
                raise tf.error(f"{where}.op", "a cut before any material was added", name)
            for j, cg in enumerate(geoms):
                if body.intersection(cg).area < 1e-6:
                    copy = f" (copy {j + 1} of {len(geoms)})" if len(geoms) > 1 else ""
                    raise tf.error(f"{where}.type", f"cut{copy} misses the part: it lies "
                                   "outside the material added so far", name)
            body = body.difference(shapely.union_all(geoms))
        else:
            depth = ctx.num(f, "depth_mm", where)
            if not 0 < depth < thickness:
                raise tf.error(f"{where}.depth_mm", f"pocket depth {depth:g} mm must be between"
                               f" 0 and the {thickness:g} mm thickness", name)
            pockets += [(where, pg, depth) for pg in geoms]
        if body is not None and body.geom_type == "Polygon":
            split_at = None
        elif split_at is None:
            split_at = where
    if body is None or body.is_empty:
        raise InputError("no material: add at least one [[feature]] with op 'add'",
                         tf.display, name)
    if body.area < 1.0:
        raise InputError(f"part is only {body.area:.3g} mm2: check the sizes and parameters",
                         tf.display, name)
    if body.geom_type != "Polygon":
        n = len(getattr(body, "geoms", []))
        at = f"{tf.where(f'{split_at}.type')}: " if split_at else ""
        raise InputError(f"{at}part falls apart into {n} pieces (check the cuts and "
                         "parameters)", tf.display, name)
    body = _round(body)
    if body.geom_type != "Polygon" or not body.is_valid or body.area <= 0:
        raise InputError("outline is not a valid shape (pieces touch only at a point?)",
                         tf.display, name)
    grown = body.buffer(1e-6)
    out_pockets = []
    for where, pg, depth in pockets:
        pg = _round(pg)
        if pg.is_empty or pg.geom_type != "Polygon" or not grown.contains(pg):
            raise tf.error(f"{where}.op", "pocket lies outside the part or over a hole", name)
        out_pockets.append(Pocket(pg, depth))

    drills = _drills(ctx, data, body, thickness)
    engr = _engravings(ctx, data, grown, thickness)
    label = _label(tf, name, data.get("label", name), ctx.names)
    label_at = None
    if "label_at" in data:
        label_at = ctx.point(data["label_at"], "label_at")
        if not body.contains(shapely.Point(label_at)):
            raise tf.error("label_at", f"label position ({label_at[0]:g}, {label_at[1]:g}) is "
                           "not on the part", name)
    height = ctx.num(data, "label_height", "label_height", 25.0)
    _positive(ctx, "label_height", label_height=height)
    return Part(name=name, outline=body, pockets=tuple(out_pockets), drills=drills,
                engravings=engr, label=label, source=tf.display, label_at=label_at,
                label_height=height)


def _drills(ctx: _Ctx, data: dict, body: Polygon, thickness: float) -> tuple[Drill, ...]:
    """[[drill]] tables: points inside the part; no depth = through."""
    drills: list[Drill] = []
    for k, d in enumerate(_tables(ctx, data, "drill")):
        where = f"drill[{k + 1}]"
        check_keys(ctx.tf, d, {"x", "y", "d", "depth_mm", "repeat", "mirror"}, f"{where}.",
                   ctx.name)
        dia = ctx.num(d, "d", where)
        _positive(ctx, where, d=dia)
        depth = None
        if "depth_mm" in d:
            depth = ctx.num(d, "depth_mm", where)
            if not 0 < depth < thickness:
                raise ctx.tf.error(f"{where}.depth_mm", f"drill depth {depth:g} mm must be "
                                   f"between 0 and the {thickness:g} mm thickness (leave it "
                                   "out for a through hole)", ctx.name)
        centre = shapely.Point(ctx.num(d, "x", where), ctx.num(d, "y", where))
        for pt in _copies(ctx, d, where, centre):
            if not body.contains(pt.buffer(dia / 2)):
                raise ctx.tf.error(f"{where}.x", f"drill at ({pt.x:g}, {pt.y:g}) is not inside "
                                   "the part", ctx.name)
            drills.append(Drill(round(pt.x, 6), round(pt.y, 6), dia, depth))
    return tuple(drills)


def _engravings(ctx: _Ctx, data: dict, grown: Polygon, thickness: float
                ) -> tuple[Engraving, ...]:
    """[[engrave]] tables: single-stroke lines on the part (marks, assembly arrows)."""
    out: list[Engraving] = []
    for k, e in enumerate(_tables(ctx, data, "engrave")):
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
        for ln in _copies(ctx, e, where, line):
            if ln.length <= 0 or not grown.contains(ln):
                raise ctx.tf.error(f"{where}.points", "engraving runs off the part", ctx.name)
            out.append(Engraving(_round(ln), depth))
    return tuple(out)


_FIELD = re.compile(r"\{\{|\}\}|\{([^{}:]*)(?::([^{}]*))?\}|[{}]")
_SPEC = re.compile(r"^[<>^]?\d{0,2}(\.\d{1,2})?[fg]?$")


def _label(tf: TomlFile, name: str, label: Any, names: dict[str, float]) -> str:
    """The label with `{expr}` or `{expr:.1f}` filled in; `{{`/`}}` are literal braces.

    Fields go through the safe evaluator, never str.format (which can walk attributes).
    """
    if not isinstance(label, str):
        raise tf.error("label", f"must be a string, got {label!r}", name)

    def fill(m: re.Match) -> str:
        tok = m.group(0)
        if tok in ("{{", "}}"):
            return tok[0]
        if tok in ("{", "}"):
            raise tf.error("label", "unmatched brace (write {{ or }} for a literal one)", name)
        try:
            v = evaluate(m.group(1), names)
        except ExprError as exc:
            raise tf.error("label", str(exc), name) from None
        spec = m.group(2)
        if spec is None:
            return _fmt(v)
        if not _SPEC.match(spec):
            raise tf.error("label", f"format '{spec}' not understood (try .1f)", name)
        return format(v, spec)

    return _FIELD.sub(fill, label)


def _fmt(v: float) -> str:
    """Whole numbers without '.0', others with up to 2 decimals: 2400, 18.3, 33.33."""
    if abs(v - round(v)) < 1e-9:
        return str(round(v))
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _round(g):
    """Snap to a 1e-6 mm grid: the same file gives byte-identical coordinates everywhere.
    Features that collapse on the grid (sizes like 1e-300) vanish quietly and are then
    reported as empty, rather than as a numpy warning."""
    with np.errstate(all="ignore"):
        return shapely.set_precision(g, 1e-6)


def part_parameters(path: str | Path) -> dict[str, float]:
    """The declared parameters of a part file with their defaults, in file order."""
    tf = TomlFile.load(path)
    name = tf.data.get("name") if isinstance(tf.data.get("name"), str) else None
    return _declared(tf, tf.data, name)


def part_info(path: str | Path) -> dict:
    """Name, description and parameters of a part file, for `wikicut parts`."""
    tf = TomlFile.load(path)
    name = tf.data.get("name", Path(path).stem)
    desc = tf.data.get("description", "")
    return {"name": str(name), "description": desc if isinstance(desc, str) else str(desc),
            "parameters": _declared(tf, tf.data, name if isinstance(name, str) else None)}
