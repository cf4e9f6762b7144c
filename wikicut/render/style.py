"""What the previews draw with: their colours (one place, so every legend matches its
drawing) and their numbers as text (fixed formatting: the same layout gives the same bytes)."""

from __future__ import annotations

from shapely.geometry import Polygon

C_SHEET, C_MARGIN, C_KEEPOUT = "#f4ead8", "#c8c8c8", "#d04040"
C_PART, C_EDGE, C_HOLE = "#e8c990", "#5a3d10", "#1f5fa0"
C_POCKET, C_DRILL, C_ENGRAVE = "#a8763a", "#a00000", "#333333"
C_MIRROR = "#6a1b9a"  # the dashed edge of a part cut face down
# a locked part's heavy solid edge and a filler's dotted one: told apart from the nested
# parts, and from each other, on a job sheet printed in grey too
C_LOCKED, C_FILLER = "#0d47a1", "#2e7d32"
C_LABEL, C_UNENGRAVED, C_ID = "#222", "#777", "#00707a"  # label, label not engraved, part id


def mm(v: float) -> str:
    """A number as short fixed text (2 decimals, trailing zeros trimmed, never -0)."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def mm3(v: float) -> str:
    """A placement as report.json gives it (3 decimals)."""
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def ring_path(coords, H: float) -> str:
    """A closed ring as an SVG path, y flipped (`H`: the sheet's height)."""
    pts = list(coords)
    return "M" + " L".join(f"{mm(x)},{mm(H - y)}" for x, y in pts[:-1]) + " Z"


def poly_path(poly: Polygon, H: float) -> str:
    """A polygon with its holes as one path (drawn with fill-rule evenodd)."""
    return " ".join([ring_path(poly.exterior.coords, H)]
                    + [ring_path(r.coords, H) for r in poly.interiors])


def polygons(geom) -> list[Polygon]:
    """The non-empty polygons of a geometry (a shapely result may be a collection)."""
    return [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
