"""Which contour lies in which: outlines with their holes and the parts cut out of them,
pocket shells with their islands, and a rectangle around every other contour read as the
sheet or as a part."""

from __future__ import annotations

import math
import warnings

import shapely
from shapely.geometry import Polygon

from ...errors import InputError, InputWarning
from .chain import SNAP_TOL
from .drawing import Piece
from .drawn import DrawnPart, DrawnSheet
from .layers import LayerOp, is_wikihouse_name

__all__ = ["STOCK_SIZES", "border", "even_odd", "frames_as_sheets", "inner_borders",
           "outlines", "parents"]

# Sheet sizes a border rectangle drawn around the parts is taken for (mm, either way round)
STOCK_SIZES = ((2440, 1220), (2500, 1250), (3050, 1525), (2400, 1200), (3000, 1500),
               (1830, 915), (1220, 610))
# mm a part may run past a stock-size rectangle drawn around the parts and that rectangle
# still be the sheet (jsphpl/standesk draws a part 0.43 mm over its 2500 x 1250 panel): a
# slip of the hand, a tenth of what the size itself is matched by (1 % of 610 mm); a part
# farther out says the rectangle is not the sheet
OVERRUN_TOL = 1.0


def parents(polys: list[Polygon]) -> list[int | None]:
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


def even_odd(polys: list[Polygon]) -> list[tuple[int, list[int]]]:
    """Shells (even nesting depth) with their islands (odd depth, directly inside)."""
    parent = parents(polys)
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


def outlines(cut: list[tuple[Piece, Polygon]], shown: str,
              named: bool = False) -> list[DrawnPart]:
    """Outlines with their holes: explicit layers decide, "auto" loops by nesting."""
    if not cut:
        return []
    polys = [poly for _p, poly in cut]
    parent = parents(polys)
    role: dict[int, str] = {}
    holes: dict[int, list[int]] = {}
    cutouts: dict[int, list[int]] = {}
    for i in sorted(range(len(cut)), key=lambda i: (-polys[i].area, i)):
        p = cut[i][0]
        par = parent[i]
        prole = role.get(par) if par is not None else None
        k = p.op.kind
        if k == "auto":
            if p.op.unsure and prole == "outline":  # a pocket is never cut through
                raise InputError(
                    f"layer '{p.layer}' {p.op.unsure}, and it holds a contour inside a part "
                    f"{p.where}: say what it is in the layer map, e.g. \"{p.layer}\" = "
                    f"\"pocket:9\" (--layer '{p.layer}=pocket:9')", shown)
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
            raise InputError(f"part outline {p.where} with its holes is not a valid shape: "
                             f"{_why_invalid(cut, polys, holes[i], shape)}", shown)
        rp = DrawnPart(shape, p.handle, p.layer)
        rp.cutouts = [Polygon(polys[j].exterior) for j in cutouts.get(i, [])]
        out.append(rp)
    return out


def _why_invalid(cut, polys, holes: list[int], shape: Polygon) -> str:
    """Which two of a part's holes overlap (each by entity and layer), and whether they are
    one contour drawn on two layers; else what GEOS says."""
    for n, a in enumerate(holes):
        for b in holes[n + 1:]:
            if not polys[a].intersects(polys[b]):
                continue
            common = polys[a].intersection(polys[b])
            if common.is_empty or shapely.get_dimensions(common) < 1:
                continue  # holes meeting at a point make a valid shape
            pa, pb = cut[a][0], cut[b][0]
            same = polys[a].hausdorff_distance(polys[b]) <= SNAP_TOL
            odd = pa if pa.op.kind == "auto" and pb.op.kind != "auto" else pb  # not named so
            twice = (f": one contour drawn on both layers; if '{odd.layer}' is no through cut, "
                     f"say what it is in the layer map (--layer '{odd.layer}=ignore')"
                     if same and pa.layer != pb.layer else "")
            return f"its holes {pa.where} and {pb.where} overlap{twice}"
    return f"{shapely.is_valid_reason(shape)} (a hole crossing the outline or another hole)"


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


def _is_stock(poly: Polygon) -> bool:
    minx, miny, maxx, maxy = poly.bounds
    w, h = sorted((maxx - minx, maxy - miny), reverse=True)
    return any(abs(w - a) <= 0.01 * a and abs(h - b) <= 0.01 * b for a, b in STOCK_SIZES)


def border(cut: list[tuple[Piece, Polygon]], shown: str
            ) -> tuple[list[DrawnSheet], list[tuple[Piece, Polygon]]]:
    """A rectangle of a stock size around every other contour, drawn on a layer that says
    nothing (layer 0, an unknown name) and holding no contour of a hole layer, is the sheet,
    not a part with the parts as holes; a warning names it, and any contour running past it
    by up to OVERRUN_TOL. Anything else is read by nesting (outline, hole, part in the
    hole, its hole, ...), as CAD/CAM tools do: a frame with its insert drawn inside it looks
    just like a small sheet with a part on it, so a rectangle that could be either is cut
    as a part, with a warning saying how to make it the sheet (and naming the contour
    that crosses it, when one does)."""
    if len(cut) < 2:
        return [], cut
    k = max(range(len(cut)), key=lambda i: (cut[i][1].area, -i))
    p, rect = cut[k]
    box = shapely.box(*rect.bounds)
    if p.op.kind not in ("auto", "outside") or abs(rect.area - box.area) > 1e-4 * box.area:
        return [], cut
    rest = [c for i, c in enumerate(cut) if i != k]
    past = _past(box, rest)
    if past is None:
        return [], cut
    parent = parents([poly for _q, poly in rest])
    holes = any(par is None and q.op.kind == "inside" for (q, _poly), par in zip(rest, parent))
    minx, miny, maxx, maxy = rect.bounds
    size = f"{maxx - minx:g} x {maxy - miny:g} mm"
    over = past[0][1] if past else 0.0
    if p.op.kind == "auto" and _is_stock(rect) and not holes and over <= OVERRUN_TOL:
        slip = (f", though {_named(past)} (at most {OVERRUN_TOL:g} mm: a slip of the "
                "drawing, which nesting puts right; cut as drawn, such a part is refused)"
                if past else "")
        warnings.warn(f"{shown}: the {size} rectangle {p.where} around every other contour "
                      f"is read as the sheet (a stock size, on no sheet layer), not cut{slip}; "
                      "draw it on a 0_SHEET layer to say so, or on a cut layer to cut it",
                      InputWarning, stacklevel=3)
        return [DrawnSheet(box, p.layer, p.handle, LayerOp("sheet", None))], rest
    if p.op.kind == "auto" and _is_stock(rect) and not holes:
        warnings.warn(f"{shown}: the {size} rectangle {p.where} around the other contours "
                      f"is cut as a part, not read as the sheet: {_named(past)}, more than "
                      f"the {OVERRUN_TOL:g} mm a part may run past the sheet drawn around "
                      "it; if it is the sheet, draw it on a 0_SHEET layer with every part "
                      "inside it", InputWarning, stacklevel=3)
        return [], cut
    if p.op.kind == "outside":  # the layer says it is cut; a stock size is worth a word
        ambiguous, why = _is_stock(rect), "it is on an OUTSIDE layer"
    else:  # parts with holes inside it: a sheet, or a frame with an insert?
        ambiguous = not holes and any(par is not None for par in parent)
        why = "by nesting: outline, hole, part in the hole, its hole, ..."
    # a part cut across another part's edge damages both (a hole drawn over a part's edge
    # is the MicroHouse's way: contours.refuse_crossing lets it be)
    past = [t for t in past if t[0].op.kind != "inside"]
    if past:
        warnings.warn(f"{shown}: the {size} rectangle {p.where} around the other contours is "
                      f"cut as a part ({why}), and {_named(past)}; if it is the sheet, draw "
                      "it on a 0_SHEET layer with every part inside it", InputWarning,
                      stacklevel=3)
    elif ambiguous:
        warnings.warn(f"{shown}: the {size} rectangle {p.where} around every other contour "
                      f"is cut as a part ({why}); if it is the sheet, draw it on a 0_SHEET "
                      "layer", InputWarning, stacklevel=3)
    return [], cut


def _past(box: Polygon, rest: list[tuple[Piece, Polygon]]
          ) -> list[tuple[Piece, float]] | None:
    """The contours of `rest` that run past `box` (an axis-aligned rectangle), with how far
    (mm; the farthest first), when every one of them lies at least partly inside it; None
    when one lies wholly outside (the rectangle is not around them). A contour past it by
    no more than SNAP_TOL lies on it (float noise of a part drawn flush with its edge)."""
    out = []
    for q, poly in rest:
        if box.contains(poly):
            continue
        if not box.relate_pattern(poly, "T********"):  # no area in common
            return None
        far = float(shapely.distance(box, shapely.points(shapely.get_coordinates(poly))).max())
        if far > SNAP_TOL:
            out.append((q, far))
    return sorted(out, key=lambda t: -t[1])


def _named(past: list[tuple[Piece, float]]) -> str:
    """The contour running farthest past a rectangle, and how many others do."""
    q, far = past[0]
    more = f" (and {len(past) - 1} more contour(s))" if len(past) > 1 else ""
    return f"the contour {q.where} crosses its edge, running {far:.3f} mm past it{more}"


def frames_as_sheets(frames: list[tuple[Piece, Polygon]], cut: list[tuple[Piece, Polygon]],
                     shown: str) -> list[DrawnSheet]:
    """Rectangles of a stock size on a layer of notes (AtFAB draws its 96 x 48 inch sheets on
    000_NOTES or 000_NO-PLOT) are the sheets when every contour to cut lies in one of them:
    the parts keep their places on the sheet, said in one warning. Otherwise none is."""
    boxes: list[tuple[Piece, Polygon]] = []
    for p, poly in frames:
        box = shapely.box(*poly.bounds)
        square = abs(poly.area - box.area) <= 1e-4 * box.area
        if square and _is_stock(box) and not any(box.equals_exact(b, 1e-6) for _q, b in boxes):
            boxes.append((p, box))
    if not boxes or not cut:
        return []
    holds = [[j for j, (_q, b) in enumerate(boxes) if b.covers(poly)] for _p, poly in cut]
    if not all(holds):
        return []
    used = sorted({js[0] for js in holds})
    p, box = boxes[used[0]]
    minx, miny, maxx, maxy = box.bounds
    layers = ", ".join(dict.fromkeys(repr(boxes[j][0].layer) for j in used))
    warnings.warn(f"{shown}: {len(used)} rectangle(s) of a stock size ({maxx - minx:g} x "
                  f"{maxy - miny:g} mm) on layer(s) {layers} (notes, not cut; entities "
                  f"{', '.join(boxes[j][0].handle for j in used)}) around the parts are read "
                  "as the sheet(s); draw them on a 0_SHEET layer to say so", InputWarning,
                  stacklevel=3)
    return [DrawnSheet(boxes[j][1], boxes[j][0].layer, boxes[j][0].handle,
                       LayerOp("sheet", None, "Plywood")) for j in used]


def inner_borders(cut: list[tuple[Piece, Polygon]], sheets: list[DrawnSheet],
                   shown: str) -> None:
    """On a sheet (drawn, or a stock-size border), a rectangle on a layer that says nothing
    around every other contour on it, holding parts with holes, is cut as a part by nesting
    (the contours in it its holes, what lies in those parts cut from their waste), as
    `border` reads it without a sheet: it could be a frame with inserts, or a margin line
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
        parent = parents([poly for _q, poly in rest])
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
