"""DXF in: WikiHouse cutting files and plain CAD outlines as wikicut Parts and sheets.

Reading runs the stages in order: entities (flattened, in mm), chain (loose pieces into
loops), assemble (loops into parts on sheets), then names the parts and checks depths
against the stock; a cutting file's sheets take back their keep-outs and an offcut's
material (zones).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import shapely
from shapely.geometry import Polygon

from ...errors import InputError, InputWarning
from ...model import Part, Placement, SheetLayout, Stock
from ...model.font import engraving_said
from .assemble import assemble
from .chain import MAX_JOIN_TOL, SNAP_TOL, Joined, default_join_tol, loops
from .clearance import check_clearance
from .collect import read_drawing
from .document import DAMAGED
from .drawing import Drawing, name_entities
from .drawn import DrawnPart, DrawnSheet
from .fitting import SlotFit, SlotRule, fit_part_slots, in_inches, slot_warnings
from .layers import (
    DEFAULT_THICKNESS,
    LayerOp,
    is_wikihouse_name,
    named_thickness,
    on_back,
    sheet_material,
    sheet_thickness,
    unmatched_layers,
    unused_entry,
)
from .units import check_coords, extent, settle_units, to_mm, units_hint
from .zones import with_zones

__all__ = ["read_cutting_file", "read_dxf_parts"]



def _analyse(path, layer_map, display, units=None, join_tolerance=None, layers_seen=None
             ) -> tuple[str, list[DrawnSheet], list[DrawnPart], float]:
    """Read and assemble, and the mm per drawing unit it settled on; damaged entity data the
    checks did not foresee still gives one InputError naming the file, never a raw
    exception. `layers_seen` (a list) takes the file's layer names, for a caller that
    checks its layer map against several files; without it the entries of `layer_map` that
    match no layer of this file are warned of here."""
    shown = display or str(path)
    tol = _join_tolerance(join_tolerance, shown)
    try:
        drawing = read_drawing(path, layer_map, shown, units=units)
        _unused_layers(drawing, layer_map, layers_seen)
        try:
            mm, joined = _join(drawing, drawing.units.scale, tol)
        except InputError as exc:
            # refused while joining (an open contour): its ends, gap and tolerance are told
            # in mm only once the units are settled, from the contours closed as drawn
            scale, hint = _settle_before_join(drawing, shown, units is not None)
            if scale == drawing.units.scale:
                if not hint:
                    raise
                # the units a small drawing may be in are the likeliest cure of its gaps
                raise InputError(f"{exc.detail}; {hint}", exc.file, exc.part) from None
            mm, joined = _join(drawing, scale, tol)
        else:
            scale = settle_units(drawing.units, joined.pieces, shown, units is not None)
            if scale != drawing.units.scale:
                mm, joined = _join(drawing, scale, tol)
        check_coords(mm)
        _off_sheet_layers(joined, shown)
        _report(joined, shown)
        sheets, raw = assemble(mm, joined.pieces, joined.join)
    except InputError:
        raise
    except DAMAGED as exc:
        raise InputError(f"damaged or unsupported DXF data ({type(exc).__name__}: {exc})",
                         shown) from None
    return shown, sheets, raw, scale


def _settle_before_join(drawing: Drawing, shown: str, forced: bool) -> tuple[float, str]:
    """The units settle_units picks from the contours closed as drawn (closed polylines,
    circles), its warning said only when that changes the scale; else, for the refusal to
    carry, what it tells of a unitless drawing's size (the units it may be in), from what
    every piece spans: the outlines of a file refused while joining are not closed."""
    if forced:
        return drawing.units.scale, ""
    mm = to_mm(drawing, drawing.units.scale)
    closed = [p for p in mm.pieces if p.closed]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scale = settle_units(drawing.units, closed, shown, False)
    if scale != drawing.units.scale:
        settle_units(drawing.units, closed, shown, False)  # now said
        return scale, ""
    return scale, units_hint(drawing.units, extent(mm.pieces), spans=True) or ""


def _off_sheet_layers(joined: Joined, shown: str) -> None:
    """In a WikiHouse cutting file (WikiHouse layer names and sheet rectangles), a layer of
    no known name whose every entity lies outside every sheet is the sheet's title or notes
    drawn as curves (Skylark 250's 'TC' layer: the block's name in letters above the
    sheets), not parts: its closed contours are not cut (nor nested as parts), with one
    warning naming the layer and how to cut it."""
    if not any(is_wikihouse_name(p.layer) for p in joined.pieces):
        return
    sheets = [Polygon(p.pts) for p in joined.pieces
              if p.closed and p.op.kind == "sheet" and len(p.pts) >= 3]
    sheets = [g for g in sheets if g.is_valid and g.area > 0]
    if not sheets:
        return
    area = shapely.union_all(sheets)
    shapely.prepare(area)
    by_layer: dict[str, list] = {}
    for p in (*joined.pieces, *joined.construction):
        if p.op.kind == "auto" and p.op.guessed:
            by_layer.setdefault(p.layer, []).append(p)
    for layer, pieces in by_layer.items():
        if not pieces or any(_touches(area, p) for p in pieces):
            continue
        off = {id(p) for p in pieces}
        joined.pieces = [p for p in joined.pieces if id(p) not in off]
        joined.construction = [p for p in joined.construction if id(p) not in off]
        closed = [p for p in pieces if p.closed]
        warnings.warn(f"{shown}: layer '{layer}' (not a WikiHouse layer name) lies wholly "
                      f"outside the sheets: its {len(pieces)} entity(ies) ({len(closed)} "
                      "closed) are not cut, as a title or notes drawn as curves "
                      f"({name_entities(pieces)}); to cut its closed contours as parts "
                      f"give --layer '{layer}=auto' (a job's [layers])", InputWarning,
                      stacklevel=4)


def _touches(area, p) -> bool:
    if len(p.pts) == 1:
        return bool(area.intersects(shapely.Point(p.pts[0])))
    return bool(area.intersects(shapely.LineString(p.pts)))


def _unused_layers(drawing: Drawing, layer_map: dict[str, str] | None,
                   layers_seen: list[str] | None) -> None:
    """Before assembling (a misspelt layer read as "auto" may be why it is refused): each
    entry of the layer map naming no layer of the file, in one line, or the file's layers
    added to `layers_seen` for the caller to say so of all its files."""
    if layers_seen is not None:
        layers_seen.extend(n for n in drawing.layers if n not in layers_seen)
        return
    for key in unmatched_layers(layer_map, drawing.layers):
        warnings.warn(f"{drawing.shown}: layer map entry '{key}' (key 'layers.{key}', or "
                      f"--layer {key}=...) {unused_entry(key, drawing.layers)}",
                      InputWarning, stacklevel=4)


def _join(drawing: Drawing, scale: float, tol: float | None) -> tuple[Drawing, Joined]:
    mm = to_mm(drawing, scale)
    join = tol if tol is not None else default_join_tol(drawing.pieces, scale)
    return mm, loops(mm.pieces, mm.shown, min(SNAP_TOL, join), join)


def _report(joined: Joined, shown: str) -> None:
    if joined.gaps:
        warnings.warn(f"{shown}: closed {len(joined.gaps)} gap(s) between line ends, the "
                      f"largest {max(joined.gaps):.3f} mm", InputWarning, stacklevel=4)
    if joined.covered:
        warnings.warn(f"{shown}: {len(joined.covered)} stub(s) (lying on another line, or "
                      "shorter than the join tolerance) not cut "
                      f"({name_entities(joined.covered)})", InputWarning, stacklevel=4)
    if joined.tails:
        n = len(joined.tails)
        closed = len({id(t[0]) for t in joined.tails})  # a crossing corner: two lines run on
        listed = ", ".join(f"entity {h} (layer {loop.layer}) runs {length:.3f} mm past "
                           f"({at[0]:.3f}, {at[1]:.3f}) to ({tip[0]:.3f}, {tip[1]:.3f})"
                           for loop, h, length, at, tip in joined.tails[:5])
        more = f" and {n - 5} more" if n > 5 else ""
        warnings.warn(f"{shown}: {closed} contour(s) closed where a line runs on past the"
                      " corner: "
                      f"the overshoot is not cut ({listed}{more})", InputWarning,
                      stacklevel=4)
    if joined.copies:
        n = len(joined.copies)
        pairs = ", ".join(f"{p.handle} on {q.handle}" for p, q in joined.copies[:5])
        more = f" and {n - 5} more" if n > 5 else ""
        layers = ", ".join(sorted({repr(p.layer) for p, _q in joined.copies}))
        # said of the copy alone: whether the first drawn is cut, another warning may say
        # (a construction line drawn twice is not cut at all)
        warnings.warn(f"{shown}: {n} entity(ies) drawn twice exactly (an exact copy on the "
                      f"same layer, each named on the one it copies): the copies are not cut "
                      f"(entities {pairs}{more}; layer(s) {layers})", InputWarning,
                      stacklevel=4)
    if joined.construction:
        layers = sorted({p.layer for p in joined.construction})
        warnings.warn(f"{shown}: {len(joined.construction)} open stroke(s) on layer(s) "
                      f"{', '.join(repr(n) for n in layers)} not cut (construction lines: "
                      "the file names its part outlines on an OUTSIDE layer; "
                      f"{name_entities(joined.construction)})", InputWarning, stacklevel=4)


def _join_tolerance(value: float | None, shown: str) -> float | None:
    if value is None:
        return None
    try:
        tol = float(value)
    except (TypeError, ValueError):
        raise InputError(f"join tolerance '{value}' is not a number", shown) from None
    if not (math.isfinite(tol) and 0 < tol <= MAX_JOIN_TOL):
        raise InputError(f"join tolerance {value} mm: give a number above 0 and at most "
                         f"{MAX_JOIN_TOL:g} mm", shown)
    return tol


def _parse_stock(sheet: DrawnSheet, thickness: float | None = None, scale: float = 1.0
                 ) -> Stock:
    """Stock from a sheet rectangle (its own size and orientation) and its layer name (a
    thickness there in the drawing's units, `scale` mm each, unless it names its own); a
    measured `thickness` replaces the one the layer name gives."""
    minx, miny, maxx, maxy = sheet.poly.bounds
    material = sheet.op.material or sheet_material(sheet.layer)
    t = thickness if thickness is not None else sheet_thickness(sheet.layer, scale)
    return Stock(width=round(maxx - minx, 2), height=round(maxy - miny, 2),
                 thickness=t, margin=0.0, material=material)


def _check_depths(rp: DrawnPart, t: float | None, shown: str, name: str) -> None:
    """What the part's pockets, drills and engravings ask of the stock: the top face and,
    in `t` mm stock, less than through; each refusal names the contour's own entity and
    layer and the layer map entry that cuts it (a pocket named 0 mm deep is refused as
    its layer is read: layers.py)."""
    for what, drawn in (("pocket", rp.pocket_from), ("drill", rp.drill_from),
                        ("engraving", rp.engraving_from)):
        back = [p for p in drawn if p.op.back]
        if back:
            p = back[0]
            more = f" ({len(back) - 1} more on the part)" if len(back) > 1 else ""
            raise InputError(on_back(what, f"{p.where}{more}", p.layer), shown, name)
    if t is None:
        return
    for pk, p in zip(rp.pockets, rp.pocket_from):
        if pk.depth >= t:
            raise InputError(f"pocket {pk.depth:g} mm deep in {t:g} mm stock {p.where}: "
                             f"to cut it through give --layer '{p.layer}=inside' (a job's "
                             "[layers]); if the stock is thicker, give its measured "
                             "thickness", shown, name)
    for d, p in zip(rp.drills, rp.drill_from):
        if d.depth is not None and d.depth >= t:
            raise InputError(f"drill {d.depth:g} mm deep in {t:g} mm stock {p.where}: to "
                             f"drill it through give --layer '{p.layer}=drill' (a job's "
                             "[layers]); if the stock is thicker, give its measured "
                             "thickness", shown, name)


def _make_parts(raw: list[DrawnPart], stem: str, shown: str,
                thickness_of: Callable[[DrawnPart], float | None],
                source: str | None = None) -> list[Part]:
    """Named Parts in drawing coordinates (not yet moved), checking pocket depths. Each
    part's `source` is `source`, else the file as `shown` (as the job gives it)."""
    used: set[str] = set()
    out: list[Part] = []
    for n, rp in enumerate(raw, start=1):
        base = rp.label.text if rp.label else f"{stem}-{n}"
        name, k = base, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        _check_depths(rp, thickness_of(rp), shown, name)
        lab = rp.label
        out.append(Part(
            name=name,
            outline=rp.outline,
            pockets=tuple(rp.pockets),
            drills=tuple(rp.drills),
            engravings=tuple(rp.engravings),
            label=lab.text if lab else "",
            source=shown if source is None else source,
            label_at=(lab.x, lab.y) if lab else None,
            label_height=lab.height if lab and lab.height > 0 else 25.0,
        ))
        how = "" if out[-1].engraves_label else engraving_said(out[-1].text)
        if how:  # the drawing's text or file name, engraved by wikicut's font
            warnings.warn(f"{shown}: part {name!r} (outline entity {rp.handle}): label "
                          f"{out[-1].text!r}: {how}", InputWarning, stacklevel=3)
    return out


def _fit_slots(parts: list[Part], raw: list[DrawnPart], sheets: list[DrawnSheet],
               rule: SlotRule | None, stock: float | None, shown: str,
               fitted: list[SlotFit] | None, scale: float) -> list[Part]:
    """The parts with their thickness slots fitted to `stock` mm ply (io/dxf/fitting.py),
    the drawn outlines (`raw`) updated alike. What was done is added to `fitted` for the
    caller to say once for all its files, or said here of this file. A sheet layer's
    thickness is in the drawing's units (`scale` mm each) unless it names its own, and a
    drawing in inches is likelier drawn for inch ply."""
    if rule is None or stock is None:
        return parts
    out, records = [], []
    for part, rp in zip(parts, raw):
        layer = sheets[rp.sheet].layer if rp.sheet is not None and rp.sheet < len(sheets) else ""
        outline, rec = fit_part_slots(rp.outline, rule, stock, named_thickness(layer, scale),
                                      layer, shown, part.name, inches=in_inches(scale))
        if rec is not None:
            records.append(rec)
        rp.outline = outline
        n = len(rec.widths) if rec is not None and rec.drawn is not None else 0
        out.append(replace(part, outline=outline, slots_fitted=n) if n else part)
    if fitted is not None:
        fitted.extend(records)
    else:
        for line in slot_warnings(records, rule):
            warnings.warn(f"{shown}: {line}", InputWarning, stacklevel=3)
    return out


def read_dxf_parts(path, layer_map: dict[str, str] | None = None, display: str | None = None,
                   thickness: float | None = None, *, units: str | None = None,
                   join_tolerance: float | None = None,
                   layers_seen: list[str] | None = None, slots: SlotRule | None = None,
                   fitted: list[SlotFit] | None = None) -> list[Part]:
    """Every outline in a DXF with what lies inside it, as Parts moved to bounding-box min
    (0, 0). Names are '<stem>-<n>' in sheet-then-position order, or the TEXT inside the part.
    Pocket depths are checked against `thickness`, else against the part's sheet layer.
    `units` ("mm", "cm", "m", "inch", "ft", "pt", "px") overrides the file's; `join_tolerance`
    (mm) is how far apart loose ends may be and still meet. An entry of `layer_map` naming no
    layer of the file is warned of, unless `layers_seen` (a list) is given: the file's layer
    names are added to it, for a caller reading several files with one map to say so once.
    With `slots` (a SlotRule) and the stock's `thickness`, the parts' thickness slots are
    fitted to the stock (io/dxf/fitting.py); what was done is said, or added to `fitted`
    (a list) for a caller to say once for all its files."""
    shown, sheets, raw, scale = _analyse(path, layer_map, display, units, join_tolerance,
                                         layers_seen)
    stocks = [_parse_stock(s, scale=scale) for s in sheets]

    def thick(rp: DrawnPart) -> float | None:
        if thickness is not None:
            return thickness
        return stocks[rp.sheet].thickness if rp.sheet is not None else None

    if not raw:
        raise InputError("no part outlines found (no closed contour on a cut layer)", shown)
    for rp in raw:  # nested separately, a part must carry the holes its cut-outs left
        if rp.cutouts:
            rest = rp.outline.difference(shapely.union_all(rp.cutouts))
            if not isinstance(rest, Polygon) or rest.is_empty:
                raise InputError(f"parts cut out of the part (entity {rp.handle}, layer "
                                 f"{rp.layer}) split it in pieces", shown)
            rp.outline = shapely.normalize(rest)
    parts = _fit_slots(_make_parts(raw, Path(path).stem, shown, thick), raw, sheets, slots,
                       thickness, shown, fitted, scale)
    out = []
    for p in parts:
        minx, miny, _, _ = p.outline.bounds
        out.append(p.transformed(0.0, -minx, -miny))
    return out


def read_cutting_file(path, layer_map: dict[str, str] | None = None,
                      display: str | None = None, *, units: str | None = None,
                      join_tolerance: float | None = None, thickness: float | None = None,
                      clearance: float | None = None,
                      layers_seen: list[str] | None = None, slots: SlotRule | None = None,
                      fitted: list[SlotFit] | None = None) -> list[SheetLayout]:
    """A cutting file as sheets: each sheet rectangle (0_SHEET_* layers) with the parts on it
    in the sheet's own frame (lower-left 0,0), placed at x=y=0 with no rotation.
    `units`, `join_tolerance` and `layers_seen` as for read_dxf_parts; `thickness` (mm,
    measured) replaces the sheet layer's (or the default) in the stock and in the depth
    checks alike.
    `clearance` (mm, the tool's diameter) says the file is to be cut as drawn: parts drawn
    over each other or closer than that are refused (UnsafeJobError), naming both.
    Closed polylines on DONOTCUT_MATERIAL and DONOTCUT_KEEPOUTS (an offcut's board and a
    sheet's clamps, as sheet_dxf_text writes them) become the sheet's `Stock.outline` and
    `Stock.keepouts`. `slots` and `fitted` as for read_dxf_parts: the slots are fitted only
    to a measured `thickness`."""
    shown, sheets, raw, scale = _analyse(path, layer_map, display, units, join_tolerance,
                                         layers_seen)
    stocks = with_zones(path, shown, scale, sheets,
                         [_parse_stock(s, thickness, scale) for s in sheets])
    if sheets:
        for rp in raw:
            if rp.sheet is None:
                crosses = any(rp.outline.intersects(s.poly) for s in sheets)
                what = "crosses a sheet boundary" if crosses else "is not on any sheet"
                raise InputError(f"part outline (entity {rp.handle}, layer {rp.layer}) {what}",
                                 shown)
    elif not raw:
        raise InputError("no sheets and no part outlines found", shown)
    else:
        minx, miny, maxx, maxy = shapely.union_all([rp.outline for rp in raw]).bounds
        sheets = [DrawnSheet(shapely.box(minx, miny, maxx, maxy), "", "", LayerOp("sheet", None))]
        stocks = [Stock(width=round(maxx - minx, 4), height=round(maxy - miny, 4),
                        thickness=thickness if thickness is not None else DEFAULT_THICKNESS,
                        margin=0.0)]
        for rp in raw:
            rp.sheet = 0
    # a cutting file is given from the current folder, not from a job: its parts' source is
    # its absolute path, which the outputs give by name (io.report.portable_source), the
    # same from wherever it was run and however it was typed; messages name it in full
    parts = _make_parts(raw, Path(path).stem, shown, lambda rp: stocks[rp.sheet].thickness,
                        source=str(Path(path).absolute()))
    parts = _fit_slots(parts, raw, sheets, slots, thickness, shown, fitted, scale)
    if clearance is not None:
        check_clearance([(p.name, rp) for p, rp in zip(parts, raw)], clearance, shown)
    layouts = [SheetLayout(index=i + 1, stock=stocks[i]) for i in range(len(sheets))]
    for rp, part in zip(raw, parts):
        minx, miny = sheets[rp.sheet].poly.bounds[:2]  # type: ignore[index]
        local = part.transformed(0.0, -minx, -miny)
        layouts[rp.sheet].placements.append(Placement(part.name, local, 0.0, 0.0, 0.0))
    return layouts
