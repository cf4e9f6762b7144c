"""Parametric part files (parts/*.toml): declarative shapes over named parameters.

A part is built in file order from `[[feature]]` tables: each adds material to the body or
cuts it away (a cut that stays inside becomes a hole, one across an edge a notch or slot).
Expressions may use the parameters, earlier `[derived]` values and `thickness`, the job's
measured ply thickness, so slots follow the plywood actually in stock. Format: docs/parts.md.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon

from .config import TomlFile, check_keys, get_table
from .errors import InputError, suggest
from .expr import ExprError, evaluate
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
QUAD = 32  # circle segments per quarter: chord error < 0.01 mm up to r ~ 400 mm


class _Ctx:
    def __init__(self, tf: TomlFile, name: str, names: dict[str, float]):
        self.tf, self.name, self.names = tf, name, names

    def num(self, table: dict, key: str, where: str, default: float | None = None) -> float:
        if key not in table:
            if default is None:
                raise InputError(f"missing required key '{where}.{key}'", self.tf.display,
                                 self.name)
            return default
        try:
            return evaluate(table[key], self.names)
        except ExprError as exc:
            raise self.tf.error(f"{where}.{key}", str(exc), self.name) from None

    def point(self, pt: Any, where: str) -> tuple[float, float]:
        if not isinstance(pt, list) or len(pt) != 2:
            raise self.tf.error(where, f"a point must be [x, y], got {pt!r}", self.name)
        try:
            return (evaluate(pt[0], self.names), evaluate(pt[1], self.names))
        except ExprError as exc:
            raise self.tf.error(where, str(exc), self.name) from None


def _shape(ctx: _Ctx, f: dict, where: str):
    kind = f.get("type")
    if kind not in SHAPE_KEYS:
        raise ctx.tf.error(f"{where}.type", f"unknown shape {kind!r}"
                           f"{suggest(str(kind), SHAPE_KEYS)}; one of {', '.join(SHAPE_KEYS)}",
                           ctx.name)
    check_keys(ctx.tf, f, SHAPE_KEYS[kind] | COMMON, f"{where}.", ctx.name)
    n = lambda k, d=None: ctx.num(f, k, where, d)  # noqa: E731
    if kind == "rectangle":
        w, h = n("w"), n("h")
        if "cx" in f or "cy" in f:
            x, y = n("cx") - w / 2, n("cy") - h / 2
        else:
            x, y = n("x"), n("y")
        g = shapely.box(x, y, x + w, y + h)
        r = n("radius", 0.0)
        if r > 0:
            g = g.buffer(-r, join_style="mitre").buffer(r, quad_segs=QUAD)
        ang = n("angle", 0.0)
        g = affinity.rotate(g, ang, origin="center") if ang else g
        _positive(ctx, where, w=w, h=h)
    elif kind == "circle":
        r = n("r") if "r" in f else n("d") / 2
        _positive(ctx, where, r=r)
        g = shapely.Point(n("cx"), n("cy")).buffer(r, quad_segs=QUAD)
    elif kind == "polygon":
        pts = f.get("points")
        if not isinstance(pts, list) or len(pts) < 3:
            raise ctx.tf.error(f"{where}.points", "needs at least 3 [x, y] points", ctx.name)
        g = Polygon([ctx.point(p, f"{where}.points") for p in pts])
        if not g.is_valid:
            raise ctx.tf.error(f"{where}.points", "polygon is self-intersecting", ctx.name)
    elif kind in ("slot", "tenon"):
        width = n("width")
        length = n("depth") if kind == "slot" else n("length")
        back = n("extend", 1.0) if kind == "slot" else n("overlap", 1.0)
        _positive(ctx, where, width=width, length=length)
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


def _names(tf: TomlFile, name: str, params: dict[str, float] | None, thickness: float,
           data: dict) -> dict[str, float]:
    declared = get_table(tf, data, "params", part=name)
    names: dict[str, float] = {"thickness": float(thickness)}
    for k, v in declared.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise tf.error(f"params.{k}", f"default must be a number, got {v!r}", name)
        names[k] = float(v)
    for k, v in (params or {}).items():
        if k not in declared:
            raise InputError(f"unknown parameter '{k}'{suggest(k, declared)}; parameters: "
                             f"{', '.join(declared) or 'none'}", tf.display, name)
        if not math.isfinite(v):
            raise InputError(f"parameter '{k}' must be finite", tf.display, name)
        names[k] = float(v)
    derived = get_table(tf, data, "derived", part=name)
    for k, v in derived.items():
        if k in names:
            raise tf.error(f"derived.{k}", "redefines a parameter", name)
        try:
            names[k] = evaluate(v, names)
        except ExprError as exc:
            raise tf.error(f"derived.{k}", str(exc), name) from None
    return names


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

    body = None
    pockets: list[Pocket] = []
    cuts_after: list = []
    for k, f in enumerate(_tables(ctx, data, "feature")):
        where = f"feature[{k + 1}]"
        op = f.get("op", DEFAULT_OP.get(f.get("type"), "add"))
        if op not in OPS:
            raise tf.error(f"{where}.op", f"must be one of {', '.join(OPS)}, got {op!r}", name)
        geoms = _copies(ctx, f, where, _shape(ctx, f, where))
        g = shapely.union_all(geoms)
        if op == "add":
            body = g if body is None else body.union(g)
        elif op == "cut":
            if body is None:
                raise tf.error(f"{where}.op", "a cut before any material was added", name)
            body = body.difference(g)
            cuts_after.append(g)
        else:
            depth = ctx.num(f, "depth_mm", where)
            if not 0 < depth < thickness:
                raise tf.error(f"{where}.depth_mm", f"pocket depth {depth:g} mm must be between"
                               f" 0 and the {thickness:g} mm thickness", name)
            for pg in geoms:
                pockets.append(Pocket(_round(pg), depth))
    if body is None or body.is_empty:
        raise InputError("no material: add at least one [[feature]] with op 'add'",
                         tf.display, name)
    if body.geom_type != "Polygon":
        n = len(getattr(body, "geoms", []))
        raise InputError(f"part falls apart into {n} pieces (check the cuts and parameters)",
                         tf.display, name)
    body = _round(body)
    if not body.is_valid or body.area <= 0:
        raise InputError("outline is not a valid shape", tf.display, name)
    for p in pockets:
        if not body.buffer(1e-6).contains(p.shape):
            raise InputError("a pocket lies outside the part or over a hole", tf.display, name)

    drills: list[Drill] = []
    for k, d in enumerate(_tables(ctx, data, "drill")):
        where = f"drill[{k + 1}]"
        check_keys(tf, d, {"x", "y", "d", "depth_mm", "repeat", "mirror"}, f"{where}.", name)
        dia = ctx.num(d, "d", where)
        _positive(ctx, where, d=dia)
        depth = ctx.num(d, "depth_mm", where, -1.0)
        for pt in _copies(ctx, d, where, shapely.Point(ctx.num(d, "x", where),
                                                       ctx.num(d, "y", where))):
            if not body.contains(pt.buffer(dia / 2)):
                raise InputError(f"drill at ({pt.x:g}, {pt.y:g}) is not inside the part",
                                 tf.display, name)
            drills.append(Drill(round(pt.x, 6), round(pt.y, 6), dia,
                                None if depth < 0 else depth))
    engr: list[Engraving] = []
    for k, e in enumerate(_tables(ctx, data, "engrave")):
        where = f"engrave[{k + 1}]"
        check_keys(tf, e, {"points", "depth_mm"}, f"{where}.", name)
        pts = [ctx.point(p, f"{where}.points") for p in e.get("points", [])]
        if len(pts) < 2:
            raise tf.error(f"{where}.points", "needs at least 2 points", name)
        engr.append(Engraving(LineString(pts), ctx.num(e, "depth_mm", where, 1.0)))

    label = data.get("label", name)
    try:
        label = str(label).format(**{k: _fmt(v) for k, v in ctx.names.items()})
    except (KeyError, ValueError, IndexError) as exc:
        raise tf.error("label", f"cannot fill in {exc}", name) from None
    label_at = ctx.point(data["label_at"], "label_at") if "label_at" in data else None
    return Part(name=name, outline=body, pockets=tuple(pockets), drills=tuple(drills),
                engravings=tuple(engr), label=label, source=tf.display, label_at=label_at,
                label_height=ctx.num(data, "label_height", "label_height", 25.0))


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v - round(v)) > 1e-9 else str(int(round(v)))


def _round(g):
    return shapely.set_precision(g, 1e-6)


def part_parameters(path: str | Path) -> dict[str, float]:
    tf = TomlFile.load(path)
    return {k: float(v) for k, v in get_table(tf, tf.data, "params").items()}


def part_info(path: str | Path) -> dict:
    tf = TomlFile.load(path)
    return {"name": tf.data.get("name", Path(path).stem),
            "description": tf.data.get("description", ""),
            "parameters": part_parameters(path)}
