"""Loops assembled into parts: each outline with the holes, pockets, drills, engravings and
label inside it, and the sheet rectangles the parts lie on."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from ...errors import InputError, InputWarning
from .chain import SNAP_TOL
from .containment import border, frames_as_sheets, inner_borders, outlines
from .contours import collapsed, loop_polygon, refuse_crossing, unique
from .drawing import Drawing, Piece, name_entities
from .drawn import DrawnPart, DrawnSheet
from .features import Owners, add_drills, add_engravings, add_labels, add_pockets
from .layers import is_wikihouse_name

__all__ = ["assemble"]


@dataclass
class _Sorted:
    """The loops of a drawing by what they become."""

    sheets: list[DrawnSheet] = field(default_factory=list)
    cut: list[tuple[Piece, Polygon]] = field(default_factory=list)
    pockets: list[tuple[Piece, Polygon]] = field(default_factory=list)
    engravings: list[tuple[Piece, LineString]] = field(default_factory=list)
    drills: list[Piece] = field(default_factory=list)
    slivers: list[Piece] = field(default_factory=list)
    # contours that double back on themselves: (piece, spike length mm, where)
    spikes: list[tuple[Piece, float, tuple[float, float]]] = field(default_factory=list)
    # closed polylines on layers of notes: never cut, perhaps the sheets
    frames: list[tuple[Piece, Polygon]] = field(default_factory=list)


def assemble(drawing: Drawing, loops: list[Piece], join: float = SNAP_TOL
             ) -> tuple[list[DrawnSheet], list[DrawnPart]]:
    """Sheets (sorted rows top to bottom, then left to right) and parts in drawing mm.
    `join` (mm) is the tolerance the loops were joined with: outlines within it of each
    other everywhere are one outline drawn twice."""
    shown = drawing.shown
    got = _sort_loops(loops, shown, join)
    if got.spikes:
        ex = ", ".join(f"{p.handle} on layer {p.layer} ({n:.3f} mm near ({x:.3f}, {y:.3f}))"
                       for p, n, (x, y) in got.spikes[:10])
        more = f" and {len(got.spikes) - 10} more" if len(got.spikes) > 10 else ""
        warnings.warn(f"{shown}: {len(got.spikes)} contour(s) double back on themselves "
                      f"along a zero-width spike, cut without it (entities {ex}{more}; at "
                      f"most the join tolerance {join:.3g} mm)", InputWarning, stacklevel=3)
    got.cut = unique(got.cut, shown, join)
    refuse_crossing(got.cut, shown)
    if not got.sheets:
        got.sheets, got.cut = border(got.cut, shown)
    if not got.sheets:
        got.sheets = frames_as_sheets(got.frames, got.cut, shown)
    sheets = _sort_sheets(got.sheets)
    inner_borders(got.cut, sheets, shown)
    named = any(is_wikihouse_name(p.layer) for p in loops)
    parts = outlines(got.cut, shown, named)
    owners = Owners(parts, shown)
    for p in got.slivers:  # debris on or inside a part is dropped; anywhere else refused
        if not owners.near(LineString(p.pts)):
            x, y = p.pts[0]
            raise InputError(f"zero-area contour {p.where} at ({x:.3f}, {y:.3f}), on no "
                             "part: remove it", shown)
    if got.slivers:
        layers = ", ".join(sorted({repr(p.layer) for p in got.slivers}))
        warnings.warn(f"{shown}: {len(got.slivers)} zero-area contour(s) on or inside parts "
                      f"not cut ({name_entities(got.slivers)}; layer(s) {layers}): they "
                      "enclose nothing", InputWarning, stacklevel=3)
    add_pockets(owners, got.pockets)
    _say_off_parts(add_engravings(owners, got.engravings), shown)
    add_drills(owners, got.drills)
    add_labels(owners, drawing.labels)
    _place_on_sheets(parts, sheets)
    parts.sort(key=lambda rp: (rp.sheet if rp.sheet is not None else len(sheets),
                               -round(rp.outline.bounds[3], 3),
                               round(rp.outline.bounds[0], 3)))
    return sheets, parts


def _say_off_parts(off: list[Piece], shown: str) -> None:
    """Strokes on layers named for letters (LABEL, TEXT) that lie on no part: one warning."""
    if not off:
        return
    layers = list(dict.fromkeys(p.layer for p in off))
    warnings.warn(f"{shown}: {len(off)} stroke(s) on layer(s) "
                  f"{', '.join(repr(n) for n in layers)} (named for letters or labels) lie on "
                  f"no part: not cut ({name_entities(off)}); to cut its closed contours as "
                  f"parts give --layer '{layers[0]}=auto' (a job's [layers])", InputWarning,
                  stacklevel=4)


def _sort_loops(loops: list[Piece], shown: str, join: float = SNAP_TOL) -> _Sorted:
    out = _Sorted()
    for p in loops:
        k = p.op.kind
        if p.closed and collapsed(p):  # a contour of no size (a CIRCLE of radius 1e-9)
            out.slivers.append(p)
            continue
        if k == "sheet":
            if p.closed:
                out.sheets.append(_sheet(p, shown))
            continue
        if k == "ignore":  # a layer of notes: only its closed polylines come this far
            poly = Polygon(p.pts) if p.closed and len(p.pts) >= 3 else Polygon()
            if poly.is_valid and poly.area > 0:
                out.frames.append((p, poly))
            continue
        if k == "engrave" or (k == "pocket" and not p.closed):
            line = LineString(np.vstack([p.pts, p.pts[:1]]) if p.closed else p.pts)
            out.engravings.append((p, line))
            continue
        poly = loop_polygon(p, shown, join, out.spikes)
        if poly is None:
            out.slivers.append(p)
        elif k == "drill":
            if p.circle is None:
                raise InputError(f"drill layer holds a contour that is not a CIRCLE "
                                 f"{p.where}", shown)
            out.drills.append(p)
        elif k == "pocket":
            out.pockets.append((p, poly))
        else:
            out.cut.append((p, poly))
    return out


def _place_on_sheets(parts: list[DrawnPart], sheets: list[DrawnSheet]) -> None:
    if not sheets:
        return
    # parts drawn flush with a sheet edge stick out by float noise (1e-12 mm)
    stree = shapely.STRtree([s.poly.buffer(SNAP_TOL, join_style="mitre") for s in sheets])
    for rp in parts:
        inside = [int(i) for i in stree.query(rp.outline, predicate="covered_by")]
        if inside:
            rp.sheet = min(inside)


def _sheet(p: Piece, shown: str) -> DrawnSheet:
    poly = Polygon(p.pts) if len(p.pts) >= 3 else Polygon()
    box = shapely.box(*poly.bounds) if not poly.is_empty else None
    if box is None or poly.area < 1.0 or abs(poly.area - box.area) > 1e-3 * box.area:
        raise InputError(f"sheet boundary {p.where} is not an axis-aligned rectangle", shown)
    return DrawnSheet(box, p.layer, p.handle, p.op)


def _sort_sheets(sheets: list[DrawnSheet]) -> list[DrawnSheet]:
    """Rows top to bottom (a sheet joins a row when its centre is within the row's first
    sheet's height), then left to right; duplicates dropped."""
    uniq: list[DrawnSheet] = []
    for s in sheets:
        if not any(s.poly.equals_exact(u.poly, 1e-6) for u in uniq):
            uniq.append(s)
    rest = sorted(uniq, key=lambda s: (-s.poly.bounds[3], s.poly.bounds[0]))
    out: list[DrawnSheet] = []
    while rest:
        top = rest[0]
        lo, hi = top.poly.bounds[1], top.poly.bounds[3]
        row = [s for s in rest if lo <= (s.poly.bounds[1] + s.poly.bounds[3]) / 2 <= hi]
        out.extend(sorted(row, key=lambda s: (s.poly.bounds[0], -s.poly.bounds[3])))
        rest = [s for s in rest if s not in row]
    return out
