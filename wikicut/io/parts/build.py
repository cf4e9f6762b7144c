"""Parametric part files (parts/*.toml): declarative shapes over named parameters.

A part is built in file order from `[[feature]]` tables: each adds material to the body or
cuts it away (a cut that stays inside becomes a hole, one across an edge a notch or slot).
Expressions may use the parameters, `[derived]` values and `thickness`, the job's
measured ply thickness, so slots follow the plywood actually in stock. Format: docs/parts.md.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import shapely
from shapely.geometry import Polygon

from ...errors import InputError, InputWarning, suggest
from ...model import Part, Pocket
from ...model.font import engraving_said
from ...model.label import MIN_HEIGHT, place_label
from ..limits import MAX_FEATURES, MAX_LABEL
from ..toml import TomlFile, check_keys
from .copies import copies, copy_sets
from .marks import read_drills, read_engravings
from .schema import OPS, TOP_KEYS, expression_names, fill_label
from .shapes import (
    DEFAULT_OP,
    WALL,
    Context,
    feature_kind,
    feature_shape,
    require_positive,
    slot_walls,
    snap,
)


def load_part(path: str | Path, params: dict[str, float] | None = None, thickness: float = 18.0,
              display: str | None = None) -> Part:
    """Render a part file at the measured `thickness` with parameter overrides."""
    path = Path(path)
    tf = TomlFile.load(path, display=display or path.name)
    data = tf.data
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise tf.error("name", "must be a non-empty string")
    if len(name) > MAX_LABEL:
        raise tf.error("name", f"{len(name)} characters: longer than the {MAX_LABEL} a name may"
                       " be")
    if any(not c.isprintable() for c in name):  # as a job's [[part]] name
        raise tf.error("name", f"{name!r} holds a line break or control character")
    if not isinstance(data.get("description", ""), str):  # as `wikicut parts` refuses it
        raise tf.error("description", f"must be a string, got {data['description']!r}", name)
    if "units" in data:  # a designer used to CAD units: say what the numbers are
        raise tf.error("units", "part files are always in mm (write inches as N * 25.4)",
                       name)
    check_keys(tf, data, TOP_KEYS, part=name)
    ctx = Context(tf, name, expression_names(tf, name, params, thickness, data))
    thickness = ctx.names["thickness"]

    body, pockets = _features(ctx, data, thickness)
    grown = body.buffer(1e-6)
    out_pockets = []
    for where, pg, depth, copy, hint in pockets:
        pg = snap(pg)
        if pg.is_empty or pg.geom_type != "Polygon" or not grown.contains(pg):
            raise tf.error(f"{where}.op", f"pocket{copy} lies outside the part or over a hole"
                           f"{hint}", name)
        out_pockets.append(Pocket(pg, depth))

    sunk = [(p[0], pk.shape, pk.depth) for p, pk in zip(pockets, out_pockets)]
    drills = read_drills(ctx, data, body, thickness, sunk)
    engr = read_engravings(ctx, data, grown, thickness, sunk)
    label = fill_label(tf, name, data.get("label", name), ctx.names)
    label_at = None
    if "label_at" in data:
        label_at = ctx.point(data["label_at"], "label_at")
        if not body.contains(shapely.Point(label_at)):
            raise tf.error("label_at", f"label position ({label_at[0]:g}, {label_at[1]:g}) is "
                           "not on the part", name)
    height = ctx.num(data, "label_height", "", 25.0)
    require_positive(ctx, "", label_height=height)
    part = Part(name=name, outline=body, pockets=tuple(out_pockets), drills=drills,
                engravings=engr, label=label, source=tf.display, label_at=label_at,
                label_height=height)
    _warn_label(tf, part)
    return part


def _warn_label(tf: TomlFile, part: Part) -> None:
    """One warning when the label will not be engraved as written: blank, or unable to fit
    even cut by the finest tool, or holding characters the font lacks (a label never fails
    a job, but must not vanish or change without a word)."""
    key = "label" if "label" in tf.data else "name"
    said = f"{tf.display}: part '{part.name}': {tf.where(key)}: label {part.text!r}"
    if not part.text.strip():
        warnings.warn(f"{said} is blank: nothing will be engraved", InputWarning,
                      stacklevel=3)
        return
    if place_label(part, 0.0) is None:
        warnings.warn(f"{said} does not fit on the part even {MIN_HEIGHT:g} mm high: it will"
                      " not be engraved (shorten it)", InputWarning, stacklevel=3)
        return
    how = engraving_said(part.text)  # one line for what is spelled and what is '?'
    if how:
        warnings.warn(f"{said}: {how}", InputWarning, stacklevel=3)


def _features(ctx: Context, data: dict, thickness: float
              ) -> tuple[Polygon, list[tuple[str, Polygon, float, str, str]]]:
    """The [[feature]] tables in file order: the body (one polygon, snapped to the grid) and
    the pockets as (where, shape, depth, which copy: '' or ' (copy 2 of 4)', a hint for when
    it lies outside the part)."""
    tf, name = ctx.tf, ctx.name
    body = None
    split_at: str | None = None  # the feature after which the part stayed in pieces
    pockets: list[tuple[str, Polygon, float, str, str]] = []
    shapes = 0
    for k, f in enumerate(ctx.tables(data, "feature")):
        where = f"feature[{k + 1}]"
        kind = feature_kind(ctx, f, where)
        op = f.get("op", DEFAULT_OP[kind])
        if not isinstance(op, str) or op not in OPS:
            raise tf.error(f"{where}.op", f"must be one of {', '.join(OPS)}, got {op!r}"
                           f"{suggest(op, OPS) if isinstance(op, str) else ''}", name)
        walls = None
        if kind == "slot" and op == "cut":  # a slot runs between walls of the part
            pairs = copy_sets(ctx, f, where, feature_shape(ctx, f, where),
                              slot_walls(ctx, f, where))
            geoms, walls = [p[0] for p in pairs], [p[1] for p in pairs]
        else:
            geoms = copies(ctx, f, where, feature_shape(ctx, f, where))
        if any(g.is_empty or g.area <= 0 for g in geoms):  # never dropped without a word
            raise tf.error(f"{where}.type", "the shape has no area: check its sizes", name)
        shapes += len(geoms)
        if shapes > MAX_FEATURES:  # each is unioned into the body: the work grows with the square
            raise tf.error(f"{where}.repeat" if "repeat" in f else where, f"more than"
                           f" {MAX_FEATURES} shapes after repeats: a part file may have no more",
                           name)
        if op != "pocket" and "depth_mm" in f:
            raise tf.error(f"{where}.depth_mm", "only a pocket has a depth (op = 'pocket')", name)
        if op == "add":
            g = shapely.union_all(geoms)
            body = g if body is None else body.union(g)
        elif op == "cut":
            body = _cut(ctx, body, geoms, where, walls)
        else:
            depth = ctx.num(f, "depth_mm", where)
            if not 0 < depth < thickness:
                raise tf.error(f"{where}.depth_mm", f"pocket depth {depth:g} mm must be between"
                               f" 0 and the {thickness:g} mm thickness", name)
            n = len(geoms)
            hint = ""
            if kind == "slot" and (back := ctx.num(f, "extend", where, 1.0)) > 0:
                hint = (f" (a slot runs back {back:g} mm past its start, its extend"
                        f"{'' if 'extend' in f else ' by default'}: give extend = 0 for a"
                        " pocket that starts at an edge)")
            pockets += [(where, pg, depth, f" (copy {j + 1} of {n})" if n > 1 else "", hint)
                        for j, pg in enumerate(geoms)]
        if body is not None and body.geom_type == "Polygon":
            split_at = None
        elif split_at is None:
            split_at = where
    return _checked_body(ctx, body, split_at), pockets


def _cut(ctx: Context, body, geoms: list, where: str, walls: list | None = None):
    """The body less a cut feature, each copy of which must hit the material; a slot's
    copies (with their `walls`) must each run between material on at least one side."""
    if body is None:
        raise ctx.tf.error(f"{where}.op", "a cut before any material was added", ctx.name)
    for j, cg in enumerate(geoms):
        copy = f" (copy {j + 1} of {len(geoms)})" if len(geoms) > 1 else ""
        if body.intersection(cg).area < 1e-6:
            raise ctx.tf.error(f"{where}.type", f"cut{copy} misses the part: it lies "
                               "outside the material added so far", ctx.name)
        # a slot with material on neither side is no slot: it cuts the part's edge away
        if walls is not None and body.intersection(walls[j]).area <= WALL * WALL:
            raise ctx.tf.error(f"{where}.width", f"slot{copy} is wider than the part: it"
                               " leaves no wall on either side and cuts the edge away (a"
                               " notch or rectangle cut says so; else narrow it)", ctx.name)
    return body.difference(shapely.union_all(geoms))


def _checked_body(ctx: Context, body, split_at: str | None) -> Polygon:
    """The body as one valid polygon on the grid, or an error saying what is wrong."""
    tf, name = ctx.tf, ctx.name
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
    body = snap(body)
    if body.geom_type != "Polygon" or not body.is_valid or body.area <= 0:
        raise InputError("outline is not a valid shape (pieces touch only at a point?)",
                         tf.display, name)
    return body
