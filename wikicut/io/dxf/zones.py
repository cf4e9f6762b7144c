"""A sheet's stock zones read back from a cutting file wikicut wrote: an offcut's material
outline (with its holes) on DONOTCUT_MATERIAL and the clamps' keep-outs on
DONOTCUT_KEEPOUTS (write.sheet_dxf_text draws them). Other readers ignore DONOTCUT layers,
so no other CAM cuts them; `wikicut verify --sheet`, `gcode` and `recut` check against the
real board and its clamps.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import ezdxf
import shapely
from shapely.geometry import Polygon

from ...errors import InputError, InputWarning
from ...model import Stock
from .document import DAMAGED, open_dxf
from .drawn import DrawnSheet
from .flatten import CHORD_TOL
from .write import LAYER_KEEPOUTS, LAYER_MATERIAL

__all__ = ["with_zones"]

_ZONES = {LAYER_MATERIAL: "material outline", LAYER_KEEPOUTS: "keep-out"}
_ON_SHEET = 0.01  # mm: a material outline drawn on the sheet's edge is on the sheet


@dataclass(frozen=True)
class _Ring:
    """A closed polyline on a stock-zone layer, as a polygon in drawing mm."""

    poly: Polygon
    handle: str
    layer: str

    @property
    def where(self) -> str:
        return f"(entity {self.handle}, layer {self.layer})"


def with_zones(path, shown: str, scale: float, sheets: list[DrawnSheet],
                stocks: list[Stock]) -> list[Stock]:
    """Each sheet's stock with the offcut material and keep-outs drawn on it (as
    write.sheet_dxf_text draws them), in the sheet's own frame: a program checked against
    the file is checked against the real board and its clamps."""
    if not sheets:
        return stocks
    try:
        rings = _zone_rings(path, shown, scale)
    except InputError:
        raise
    except DAMAGED as exc:
        raise InputError(f"damaged or unsupported DXF data ({type(exc).__name__}: {exc})",
                         shown) from None
    on: list[list[_Ring]] = [[] for _ in sheets]
    for ring in rings:
        k = _sheet_of(ring, sheets)
        if k is None:
            warnings.warn(f"{shown}: {_ZONES[ring.layer]} {ring.where} lies on no sheet: not"
                          " used", InputWarning, stacklevel=3)
        else:
            on[k].append(ring)
    return [_zoned(st, sh, rs, shown) if rs else st for st, sh, rs in zip(stocks, sheets, on)]


def _zone_rings(path, shown: str, scale: float) -> list[_Ring]:
    """The polylines on the two stock-zone layers, in mm. The entity reader drops DONOTCUT
    layers unread, so they are read here; a file that does not name them (any file but a
    sheet wikicut wrote for an offcut or clamps) is not parsed a second time."""
    data = Path(path).read_bytes()
    if not any(name.encode() in data for name in _ZONES):
        return []
    return [_ring(e, o.shown, scale) for o in open_dxf(Path(path), shown)
            for e in o.doc.modelspace().query("LWPOLYLINE POLYLINE")
            if e.dxf.get("layer", "0") in _ZONES]


def _ring(e, shown: str, scale: float) -> _Ring:
    """One zone polyline as a valid polygon, or an InputError naming the entity."""
    ring = _Ring(Polygon(), e.dxf.get("handle", "?"), e.dxf.get("layer", "0"))
    closed = e.closed if e.dxftype() == "LWPOLYLINE" else e.is_closed
    pts = [(v.x * scale, v.y * scale)
           for v in ezdxf.path.make_path(e).flattening(CHORD_TOL / scale)]
    if len(pts) > 1 and pts[0] == pts[-1]:
        closed, pts = True, pts[:-1]
    what = f"{_ZONES[ring.layer]} {ring.where}"
    if not closed:
        raise InputError(f"{what} is an open polyline: draw it as a closed ring", shown)
    poly = Polygon(pts) if len(pts) >= 3 else Polygon()
    if poly.is_empty or not poly.is_valid or poly.area <= 0:
        why = shapely.is_valid_reason(poly) if len(pts) >= 3 else "fewer than 3 points"
        raise InputError(f"{what} is not a valid polygon ({why})", shown)
    return replace(ring, poly=poly)


def _sheet_of(ring: _Ring, sheets: list[DrawnSheet]) -> int | None:
    """The sheet a ring lies on: the one it overlaps most (a clamp may hang over the edge)."""
    areas = [ring.poly.intersection(s.poly).area for s in sheets]
    best = max(range(len(areas)), key=areas.__getitem__)
    return best if areas[best] > 0 else None


def _zoned(st: Stock, sheet: DrawnSheet, rings: list[_Ring], shown: str) -> Stock:
    """The stock with its rings moved into the sheet's frame (lower-left 0,0)."""
    minx, miny = sheet.poly.bounds[:2]

    def local(g: Polygon) -> Polygon:
        return shapely.affinity.translate(g, -minx, -miny)

    material = [r for r in rings if r.layer == LAYER_MATERIAL]
    return replace(st, outline=local(_material(material, sheet, shown)) if material else None,
                   keepouts=tuple(local(r.poly) for r in rings if r.layer == LAYER_KEEPOUTS))


def _material(rings: list[_Ring], sheet: DrawnSheet, shown: str) -> Polygon:
    """The offcut as one polygon: its largest ring is the board's edge, every other ring
    lies inside it and is a hole (an offcut is one piece of board)."""
    edge, *holes = sorted(rings, key=lambda r: -r.poly.area)
    if not sheet.poly.buffer(_ON_SHEET, join_style="mitre").covers(edge.poly):
        raise InputError(f"material outline {edge.where} crosses the sheet boundary", shown)
    for h in holes:
        if not edge.poly.covers(h.poly):
            raise InputError(f"material outline {h.where} lies outside the material outline"
                             f" {edge.where}: an offcut is one piece", shown)
    poly = Polygon(edge.poly.exterior.coords, [h.poly.exterior.coords for h in holes])
    if not poly.is_valid:
        raise InputError(f"material outline {edge.where} with its holes is not a valid polygon"
                         f" ({shapely.is_valid_reason(poly)})", shown)
    return poly
