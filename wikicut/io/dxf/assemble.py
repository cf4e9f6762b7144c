"""Loops assembled into parts: each outline with the holes, pockets, drills, engravings and
label inside it, and the sheet rectangles the parts lie on."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LinearRing, LineString, Polygon

from ...errors import InputError, InputWarning
from ...model import Drill, Engraving, Pocket
from .chain import SNAP_TOL
from .drawing import Drawing, Label, Piece, name_entities
from .layers import LayerOp, is_wikihouse_name

__all__ = ["SLIVER_WIDTH", "STOCK_SIZES", "DrawnPart", "DrawnSheet",
           "assemble"]

SLIVER_WIDTH = 0.1  # mm: a closed contour narrower than this on average encloses nothing
# Sheet sizes a border rectangle drawn around the parts is taken for (mm, either way round)
STOCK_SIZES = ((2440, 1220), (2500, 1250), (3050, 1525), (2400, 1200), (3000, 1500),
               (1830, 915), (1220, 610))


@dataclass
class DrawnPart:
    """A part as found in the drawing (drawing coordinates, mm), before it is named."""

    outline: Polygon
    handle: str
    layer: str
    pockets: list[Pocket] = field(default_factory=list)
    drills: list[Drill] = field(default_factory=list)
    engravings: list[Engraving] = field(default_factory=list)
    label: Label | None = None
    sheet: int | None = None  # index into the sorted sheets
    # outlines of parts cut out of this one: in place, their own cut makes the hole
    cutouts: list[Polygon] = field(default_factory=list)


@dataclass
class DrawnSheet:
    """A sheet rectangle and the layer (name, material) it was drawn on."""

    poly: Polygon
    layer: str
    handle: str
    op: LayerOp


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
    got.cut = _unique(got.cut, shown, join)
    _refuse_crossing(got.cut, shown)
    if not got.sheets:
        got.sheets, got.cut = _border(got.cut, shown)
    sheets = _sort_sheets(got.sheets)
    _inner_borders(got.cut, sheets, shown)
    named = any(is_wikihouse_name(p.layer) for p in loops)
    parts = _outlines(got.cut, shown, named)
    owners = _Owners(parts, shown)
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
    _add_pockets(owners, got.pockets)
    for p, line in got.engravings:
        depth = p.op.depth if p.op.depth is not None else 1.0
        rp, clipped = owners.owner(line, p, "engraving")
        for g in clipped:
            rp.engravings.append(Engraving(g, float(depth)))  # type: ignore[union-attr]
    for p in got.drills:
        cx, cy, r = p.circle  # type: ignore[misc]
        rp = owners.smallest(shapely.Point(cx, cy), "within")
        if rp is None:
            raise InputError(f"drill {p.where} is not inside any part outline", shown)
        rp.drills.append(Drill(cx, cy, 2 * r, p.op.depth))
    _add_labels(owners, drawing.labels)
    _place_on_sheets(parts, sheets)
    parts.sort(key=lambda rp: (rp.sheet if rp.sheet is not None else len(sheets),
                               -round(rp.outline.bounds[3], 3),
                               round(rp.outline.bounds[0], 3)))
    return sheets, parts


def _sort_loops(loops: list[Piece], shown: str, join: float = SNAP_TOL) -> _Sorted:
    out = _Sorted()
    for p in loops:
        k = p.op.kind
        if p.closed and _collapsed(p):  # a contour of no size (a CIRCLE of radius 1e-9)
            out.slivers.append(p)
            continue
        if k == "sheet":
            if p.closed:
                out.sheets.append(_sheet(p, shown))
            continue
        if k == "engrave" or (k == "pocket" and not p.closed):
            line = LineString(np.vstack([p.pts, p.pts[:1]]) if p.closed else p.pts)
            out.engravings.append((p, line))
            continue
        poly = _polygon(p, shown, join, out.spikes)
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


def _collapsed(p: Piece) -> bool:
    """A closed contour whose points are all one point (within 1e-6 mm): it encloses
    nothing and draws nothing, on any layer."""
    return bool(np.all(np.ptp(p.pts, axis=0) <= 1e-6)) if len(p.pts) else True


class _Owners:
    """Which part a pocket, engraving, drill or label belongs to (an STRtree of outlines)."""

    def __init__(self, parts: list[DrawnPart], shown: str):
        self.parts, self.shown = parts, shown
        self.shells = [Polygon(rp.outline.exterior) for rp in parts]
        self.tree = shapely.STRtree(self.shells)

    def near(self, geom) -> bool:
        return len(self.tree.query(geom, predicate="dwithin", distance=SLIVER_WIDTH)) > 0

    def smallest(self, geom, predicate: str, keep=None) -> DrawnPart | None:
        """The smallest part whose outline satisfies `predicate` for geom (and `keep`)."""
        hits = [int(i) for i in self.tree.query(geom, predicate=predicate)
                if keep is None or keep(int(i))]
        if not hits:
            return None
        return self.parts[min(hits, key=lambda i: (self.shells[i].area, i))]

    def owner(self, geom, p: Piece, what: str) -> tuple[DrawnPart | None, list]:
        """The part that holds most of `geom`, and geom clipped to that part's outline:
        pockets and engravings drawn over a part's edge (hinge recesses in the MicroHouse
        doors) are cut only where there is material; beyond the edge is air."""
        size = shapely.length if isinstance(geom, LineString) else shapely.area
        best, best_key, best_clip = None, None, None
        for i in sorted(int(k) for k in self.tree.query(geom, predicate="intersects")):
            clip = shapely.intersection(geom, self.shells[i])
            key = (round(float(size(clip)), 6), -self.shells[i].area)
            if key[0] > 0 and (best_key is None or key > best_key):
                best, best_key, best_clip = i, key, clip
        if best is None:
            if self.near(geom):
                return None, []  # drawn wholly beside a part's edge: air, nothing to cut
            raise InputError(f"{what} {p.where} is not inside any part outline", self.shown)
        kind = LineString if isinstance(geom, LineString) else Polygon
        pieces = [g for g in shapely.get_parts(best_clip) if isinstance(g, kind)]
        if kind is LineString and len(pieces) > 1:
            pieces = list(shapely.get_parts(shapely.line_merge(shapely.multilinestrings(pieces))))
        return self.parts[best], [g for g in pieces if size(g) > 0]


def _add_pockets(owners: _Owners, pockets: list[tuple[Piece, Polygon]]) -> None:
    """Pockets of one depth drawn inside each other are one pocket with islands."""
    for group in _group_by_depth(pockets):
        for shell, islands in _even_odd([poly for _p, poly in group]):
            p, poly = group[shell]
            shape = Polygon(poly.exterior, list(poly.interiors)
                            + [group[j][1].exterior for j in islands])
            rp, clipped = owners.owner(shape, p, "pocket")
            for g in clipped:
                if g.area >= 1e-3:
                    rp.pockets.append(Pocket(g, float(p.op.depth)))  # type: ignore[union-attr]


def _add_labels(owners: _Owners, labels: list[Label]) -> None:
    """A label belongs to the part whose material it sits on, not to a part cut out of it."""
    material = [rp.outline.difference(shapely.union_all(rp.cutouts)) if rp.cutouts
                else rp.outline for rp in owners.parts]
    for lab in labels:
        pt = shapely.Point(lab.x, lab.y)
        rp = owners.smallest(pt, "covered_by", keep=lambda i, pt=pt: material[i].covers(pt))
        if rp is not None and rp.label is None:
            rp.label = lab


def _place_on_sheets(parts: list[DrawnPart], sheets: list[DrawnSheet]) -> None:
    if not sheets:
        return
    # parts drawn flush with a sheet edge stick out by float noise (1e-12 mm)
    stree = shapely.STRtree([s.poly.buffer(SNAP_TOL, join_style="mitre") for s in sheets])
    for rp in parts:
        inside = [int(i) for i in stree.query(rp.outline, predicate="covered_by")]
        if inside:
            rp.sheet = min(inside)


def _polygon(p: Piece, shown: str, join: float = SNAP_TOL,
             spikes: list | None = None) -> Polygon | None:
    """The loop as a polygon; None for a zero-width sliver (CAD debris: SketchUp leaves
    collapsed arcs in the real MicroHouse file), which the caller drops or refuses. A loop
    that doubles back on itself along a zero-width spike no longer than `join` (mm) is the
    polygon without it, the spike recorded in `spikes` (AtFAB's CNC Maker Bench legs, from
    Illustrator: an outline runs 0.443 mm back up the line it came down)."""
    if not p.closed:
        raise InputError(f"open contour {p.where} ends at ({p.pts[-1][0]:.3f}, "
                         f"{p.pts[-1][1]:.3f})", shown)
    if len(p.pts) < 3:
        return None
    ring = LinearRing(p.pts)
    poly = Polygon(ring)
    if 2.0 * abs(shapely.area(shapely.make_valid(poly))) < SLIVER_WIDTH * ring.length:
        return None
    if not ring.is_simple:
        # A ring that only touches itself (a hole joined to the edge by a zero-width slit,
        # as in the real MicroHouse file) is one valid polygon of the same area: the
        # enclosed parts become holes and the slit, which encloses nothing, is not cut.
        # Snapped to a 1e-4 mm grid: the slit ends differ by 1e-12 mm, which would
        # leave rings passing twice through one point once written with 4 decimals.
        fixed = shapely.set_precision(shapely.make_valid(poly), 1e-4)
        if isinstance(fixed, Polygon) and abs(fixed.area - abs(poly.area)) <= \
                1e-5 * fixed.area:
            return shapely.normalize(fixed)
        spiked = _without_spikes(poly, join)
        if spiked is not None:
            shape, length, at = spiked
            if spikes is not None:
                spikes.append((p, length, at))
            return shape
        x, y = _self_crossing(ring)
        raise InputError(f"self-intersecting contour {p.where} near ({x:.3f}, {y:.3f})", shown)
    return poly


def _without_spikes(poly: Polygon, join: float
                    ) -> tuple[Polygon, float, tuple[float, float]] | None:
    """A ring that goes out and back along the same line (a spike of zero width) encloses
    one polygon of the same area plus that line: (the polygon, the spike's length, a point
    on it) when the spike is no longer than `join`, else None (a real crossing, or a spike
    long enough to be a drawing error worth refusing)."""
    fixed = shapely.make_valid(poly)
    members = list(shapely.get_parts(shapely.get_parts(fixed)))
    shapes = [g for g in members if g.geom_type == "Polygon"]
    lines = [g for g in members if g.geom_type == "LineString"]
    if len(shapes) != 1 or not lines or len(shapes) + len(lines) != len(members):
        return None
    shape = shapes[0]
    if abs(shape.area - abs(poly.area)) > 1e-6 * max(shape.area, 1e-9):
        return None
    length = float(sum(g.length for g in lines))
    if length > join:
        return None
    x, y = shapely.get_coordinates(lines[0])[0]
    return shapely.normalize(shape), length, (float(x), float(y))


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


def _unique(cut: list[tuple[Piece, Polygon]], shown: str,
            tol: float) -> list[tuple[Piece, Polygon]]:
    """Outlines of one kind (outline, hole) equal within `tol` (any start vertex, either
    direction: the Hausdorff distance of their boundaries) are cut once, the first drawn.
    `tol` is the join tolerance: ends that close are one point, so boundaries that close
    everywhere are one outline. SketchUp redraws circles as polygons turned a little (the
    MicroHouse file has two 12 mm discs drawn twice, 0.435 mm apart): cutting both copies
    makes one part with a ragged edge, the tool entering it."""
    if len(cut) < 2:
        return cut
    polys = [poly for _p, poly in cut]
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="dwithin", distance=tol)
    dup: dict[int, tuple[int, float]] = {}
    for i, j in zip(a.tolist(), b.tolist()):
        if j <= i or j in dup or i in dup or cut[i][0].op.kind != cut[j][0].op.kind:
            continue
        pi, pj = polys[i], polys[j]
        # boundaries within tol everywhere enclose areas that differ by at most tol x length
        if abs(pi.area - pj.area) > tol * max(pi.length, pj.length):
            continue
        d = shapely.hausdorff_distance(pi.exterior, pj.exterior, densify=0.25)
        if d <= tol:
            dup[j] = (i, d)
    if dup:
        ex = ", ".join(f"{cut[j][0].handle} on {cut[i][0].handle} ({d:.3f} mm)"
                       for j, (i, d) in sorted(dup.items())[:10])
        more = f" and {len(dup) - 10} more" if len(dup) > 10 else ""
        warnings.warn(f"{shown}: {len(dup)} outline(s) drawn twice cut once (entities {ex}"
                      f"{more}: at most {max(d for _i, d in dup.values()):.3f} mm apart, "
                      f"within the join tolerance {tol:.3g} mm)", InputWarning, stacklevel=3)
    return [c for k, c in enumerate(cut) if k not in dup]


def _where_crossed(pa: Piece, a: Polygon, pb: Piece, b: Polygon) -> str:
    """Where two contours cross, told where the operator looks: the point their edges
    cross, and, when one lies mostly inside the other (a nested part run 0.02 mm over the
    plate's edge), how far it runs out; a point inside their common area can lie far from
    both crossings."""
    edges = shapely.get_coordinates(shapely.intersection(a.exterior, b.exterior))
    if not len(edges):  # touching only inside: fall back to the common area
        pt = shapely.intersection(a, b).representative_point()
        return f"overlap near ({pt.x:.3f}, {pt.y:.3f})"
    x, y = edges[0]
    told = f"cross at ({x:.3f}, {y:.3f})"
    common = shapely.intersection(a, b).area
    for inner, outer, pin, pout in ((a, b, pa, pb), (b, a, pb, pa)):
        out = shapely.difference(inner, outer)
        if 0 < out.area < common:
            far = float(shapely.distance(shapely.points(shapely.get_coordinates(out)),
                                         outer.exterior).max())
            return (f"{told}: entity {pin.handle} runs up to {far:.3f} mm outside "
                    f"entity {pout.handle}")
    return told


def _refuse_crossing(cut: list[tuple[Piece, Polygon]], shown: str) -> None:
    """Two contours that cross each other make no part: which one is the cut?"""
    if len(cut) < 2:
        return
    polys = [poly for _p, poly in cut]
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="overlaps")
    twins = []
    for i, j in zip(a.tolist(), b.tolist()):
        if i < j and cut[i][0].op.kind == cut[j][0].op.kind != "inside":
            # a hole drawn over another part's edge is the MicroHouse's way: not refused
            common = shapely.intersection(polys[i], polys[j])
            if common.area <= SLIVER_WIDTH * SLIVER_WIDTH:
                continue
            small, big = sorted((polys[i].area, polys[j].area))
            if small >= 0.99 * big and common.area >= 0.9 * small:
                # the same outline drawn twice, one copy turned a little (the MicroHouse
                # file has such pairs): both were cut before, kept, and told
                twins.append(f"{cut[i][0].handle}/{cut[j][0].handle}")
                continue
            where = _where_crossed(cut[i][0], polys[i], cut[j][0], polys[j])
            raise InputError(f"contours cross each other: {cut[i][0].where} and "
                             f"{cut[j][0].where} {where}", shown)
    if twins:
        warnings.warn(f"{shown}: {len(twins)} pair(s) of nearly equal outlines lie on each "
                      f"other (entities {', '.join(twins[:10])}): both are cut; delete one "
                      "copy if it is drawn twice", InputWarning, stacklevel=3)


def _is_stock(poly: Polygon) -> bool:
    minx, miny, maxx, maxy = poly.bounds
    w, h = sorted((maxx - minx, maxy - miny), reverse=True)
    return any(abs(w - a) <= 0.01 * a and abs(h - b) <= 0.01 * b for a, b in STOCK_SIZES)


def _border(cut: list[tuple[Piece, Polygon]], shown: str
            ) -> tuple[list[DrawnSheet], list[tuple[Piece, Polygon]]]:
    """A rectangle of a stock size around every other contour, drawn on a layer that says
    nothing (layer 0, an unknown name) and holding no contour of a hole layer, is the sheet,
    not a part with the parts as holes; a warning names it. Anything else is read by
    nesting (outline, hole, part in the hole, its hole, ...), as CAD/CAM tools do: a frame
    with its insert drawn inside it looks just like a small sheet with a part on it, so a
    rectangle that could be either is cut as a part, with a warning saying how to make it
    the sheet."""
    if len(cut) < 2:
        return [], cut
    k = max(range(len(cut)), key=lambda i: (cut[i][1].area, -i))
    p, rect = cut[k]
    box = shapely.box(*rect.bounds)
    if p.op.kind not in ("auto", "outside") or abs(rect.area - box.area) > 1e-4 * box.area:
        return [], cut
    rest = [c for i, c in enumerate(cut) if i != k]
    if not all(rect.contains(poly) for _q, poly in rest):
        return [], cut
    parent = _parents([poly for _q, poly in rest])
    holes = any(par is None and q.op.kind == "inside" for (q, _poly), par in zip(rest, parent))
    minx, miny, maxx, maxy = rect.bounds
    size = f"{maxx - minx:g} x {maxy - miny:g} mm"
    if p.op.kind == "auto" and _is_stock(rect) and not holes:
        warnings.warn(f"{shown}: the {size} rectangle {p.where} around every other contour "
                      "is read as the sheet (a stock size, on no sheet layer), not cut; "
                      "draw it on a 0_SHEET layer to say so, or on a cut layer to cut it",
                      InputWarning, stacklevel=3)
        return [DrawnSheet(box, p.layer, p.handle, LayerOp("sheet", None))], rest
    if p.op.kind == "outside":  # the layer says it is cut; a stock size is worth a word
        ambiguous, why = _is_stock(rect), "it is on an OUTSIDE layer"
    else:  # parts with holes inside it: a sheet, or a frame with an insert?
        ambiguous = not holes and any(par is not None for par in parent)
        why = "by nesting: outline, hole, part in the hole, its hole, ..."
    if ambiguous:
        warnings.warn(f"{shown}: the {size} rectangle {p.where} around every other contour "
                      f"is cut as a part ({why}); if it is the sheet, draw it on a 0_SHEET "
                      "layer", InputWarning, stacklevel=3)
    return [], cut


def _inner_borders(cut: list[tuple[Piece, Polygon]], sheets: list[DrawnSheet],
                   shown: str) -> None:
    """On a sheet (drawn, or a stock-size border), a rectangle on a layer that says nothing
    around every other contour on it, holding parts with holes, is cut as a part by nesting
    (the contours in it its holes, what lies in those parts cut from their waste), as
    `_border` reads it without a sheet: it could be a frame with inserts, or a margin line
    drawn inside the sheet, which nesting turns inside out (AtFAB's CNC Maker Bench TOP
    sheet: a 1-inch margin rectangle inside the 96 x 48 inch sheet made the table tops
    holes and their cross-shaped holes parts). Said in a warning, as there."""
    if len(cut) < 3:
        return
    for s in sheets:
        area = s.poly.buffer(SNAP_TOL, join_style="mitre")
        on = [i for i, (_p, poly) in enumerate(cut) if area.covers(poly)]
        if len(on) < 3:
            continue
        k = max(on, key=lambda i: (cut[i][1].area, -i))
        p, rect = cut[k]
        box = shapely.box(*rect.bounds)
        if p.op.kind != "auto" or abs(rect.area - box.area) > 1e-4 * box.area:
            continue
        rest = [cut[i] for i in on if i != k]
        if not all(rect.contains(poly) for _q, poly in rest):
            continue
        parent = _parents([poly for _q, poly in rest])
        if any(par is None and q.op.kind == "inside" for (q, _poly), par in zip(rest, parent)):
            continue  # its holes say it is a part
        if not any(par is not None for par in parent):
            continue  # a panel with plain holes: nothing else it could be
        minx, miny, maxx, maxy = rect.bounds
        tops = sum(par is None for par in parent)
        sheet = f" (entity {s.handle})" if s.handle else ""
        warnings.warn(f"{shown}: the {maxx - minx:g} x {maxy - miny:g} mm rectangle {p.where} "
                      f"inside the sheet{sheet} around every other contour on it is cut as a "
                      f"part (by nesting: the {tops} contour(s) directly inside it are its "
                      "holes, the contours inside those are parts cut from their waste); "
                      "if it is a margin or border line, not a part, delete it or move it to a "
                      "layer that is not cut", InputWarning, stacklevel=3)


def _outlines(cut: list[tuple[Piece, Polygon]], shown: str,
              named: bool = False) -> list[DrawnPart]:
    """Outlines with their holes: explicit layers decide, "auto" loops by nesting."""
    if not cut:
        return []
    polys = [poly for _p, poly in cut]
    parent = _parents(polys)
    role: dict[int, str] = {}
    holes: dict[int, list[int]] = {}
    cutouts: dict[int, list[int]] = {}
    for i in sorted(range(len(cut)), key=lambda i: (-polys[i].area, i)):
        p = cut[i][0]
        par = parent[i]
        prole = role.get(par) if par is not None else None
        k = p.op.kind
        if k == "auto":
            if p.op.guessed and named and prole == "outline":
                raise InputError(
                    f"layer '{p.layer}' is not a layer wikicut knows, and it holds a contour "
                    f"inside a part {p.where}: say what it is in the layer map, e.g. "
                    f"\"{p.layer}\" = \"inside\" (through hole) or \"pocket:9\"", shown)
            k = "outside" if prole in (None, "hole") else "inside"
        if k == "outside":
            role[i] = "outline"
            holes[i] = []
            if prole == "outline":  # a part cut out of another part (WikiHouse does)
                cutouts.setdefault(par, []).append(i)  # type: ignore[arg-type]
        else:
            _check_hole(cut, polys, i, par, prole, shown)
            role[i] = "hole"
            holes[par].append(i)  # type: ignore[index]
    out: list[DrawnPart] = []
    for i in sorted(holes):
        p = cut[i][0]
        shape = Polygon(polys[i].exterior, list(polys[i].interiors)
                        + [polys[j].exterior for j in holes[i]])
        if not shape.is_valid:
            why = shapely.is_valid_reason(shape)
            raise InputError(f"part outline {p.where} with its holes is not a valid shape "
                             f"({why}): holes overlap each other?", shown)
        rp = DrawnPart(shape, p.handle, p.layer)
        rp.cutouts = [Polygon(polys[j].exterior) for j in cutouts.get(i, [])]
        out.append(rp)
    return out


def _check_hole(cut, polys, i: int, par: int | None, prole: str | None, shown: str) -> None:
    p = cut[i][0]
    if prole is None:
        raise InputError(f"hole or slot {p.where} is not inside any part outline"
                         f"{_inside_hint(p)}", shown)
    if prole == "hole":
        raise InputError(f"hole or slot {p.where} lies inside another hole "
                         f"{cut[par][0].where}{_inside_hint(p)}", shown)  # type: ignore[index]
    if polys[i].interiors:
        raise InputError(f"hole or slot {p.where} touches itself around an island", shown)


def _inside_hint(p: Piece) -> str:
    """What to do when a layer read as holes by its name holds part outlines: AtFAB's CNC
    Maker Bench files draw the sheet, the parts and their holes all on INSIDE_CUT. A
    WikiHouse-named file means it, and gets no hint."""
    if is_wikihouse_name(p.layer) or p.op.kind != "inside":
        return ""
    return (f": layer '{p.layer}' is read as through holes (by its name); if it holds part "
            f"outlines too, read it by nesting: --layer \"{p.layer}=auto\" (a job's "
            f"[layers] \"{p.layer}\" = \"auto\")")


def _self_crossing(ring: LinearRing) -> tuple[float, float]:
    """A point where a ring touches or crosses itself, for the error message."""
    try:
        pt = shapely.get_point(shapely.intersection(ring, ring, grid_size=None), 0)
        merged = shapely.node(ring)
        segs = shapely.get_parts(merged)
        ends = np.concatenate([shapely.get_coordinates(s)[[0, -1]] for s in segs])
        vals, counts = np.unique(np.round(ends, 6), axis=0, return_counts=True)
        cross = vals[counts > 2]
        if len(cross):
            return float(cross[0][0]), float(cross[0][1])
        if pt is not None and not pt.is_empty:
            return pt.x, pt.y
    except shapely.errors.GEOSException:
        pass
    c = ring.coords[0]
    return c[0], c[1]


def _parents(polys: list[Polygon]) -> list[int | None]:
    """For each polygon, the smallest other polygon that contains it (None at top level)."""
    tree = shapely.STRtree(polys)
    inner, outer = tree.query(polys, predicate="within")
    parent: list[int | None] = [None] * len(polys)
    best = [math.inf] * len(polys)
    areas = [p.area for p in polys]
    for i, j in zip(inner.tolist(), outer.tolist()):
        if i == j or areas[j] <= areas[i]:
            continue
        if areas[j] < best[i]:
            best[i], parent[i] = areas[j], j
    return parent


def _even_odd(polys: list[Polygon]) -> list[tuple[int, list[int]]]:
    """Shells (even nesting depth) with their islands (odd depth, directly inside)."""
    parent = _parents(polys)
    depth: dict[int, int] = {}

    def d(i: int) -> int:
        if i not in depth:
            depth[i] = 0 if parent[i] is None else d(parent[i]) + 1  # type: ignore[arg-type]
        return depth[i]

    shells = {i: [] for i in range(len(polys)) if d(i) % 2 == 0}
    for i in range(len(polys)):
        if d(i) % 2 == 1:
            shells[parent[i]].append(i)  # type: ignore[index]
    return sorted(shells.items())


def _group_by_depth(items: list[tuple[Piece, Polygon]]) -> list[list[tuple[Piece, Polygon]]]:
    groups: dict[float, list[tuple[Piece, Polygon]]] = {}
    for it in items:
        groups.setdefault(float(it[0].op.depth), []).append(it)  # type: ignore[arg-type]
    return [groups[k] for k in sorted(groups)]
