"""DXF in and out: WikiHouse cutting files and plain CAD outlines <-> wikicut Parts and sheets.

Reading turns every entity on a cut layer into flattened polylines in mm (arcs with a chord
error <= 0.01 mm), chains loose LINE/ARC pieces into loops, and assembles parts: each outline
with the holes, pockets, drills, engravings and labels inside it. A layer's name says what it
is (WikiHouse convention, matched by pattern because real files vary); other layers go through
a layer map, and unknown layers are outline-or-hole by nesting so that plain DXFs work.

Writing produces a WikiHouse-style cutting file for one sheet (or one part) with fixed header
metadata, so the same layout always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import ezdxf
import numpy as np
import shapely
from ezdxf.math import bulge_to_arc
from shapely.geometry import LinearRing, LineString, Polygon

from .errors import InputError, InputWarning
from .model import Drill, Engraving, Part, Placement, Pocket, SheetLayout, Stock

__all__ = [
    "DEFAULT_LAYER_MAP",
    "LayerOp",
    "classify_layer",
    "part_dxf_text",
    "read_cutting_file",
    "read_dxf_parts",
    "sheet_dxf_text",
    "write_part_dxf",
    "write_sheet_dxf",
]

CHORD_TOL = 0.01  # mm: max distance between a flattened arc and the true arc
SNAP_TOL = 0.01  # mm: loose endpoints closer than this are joined
MAX_COORD = 1e6  # mm: beyond this the file is surely in other units than it says
SLIVER_WIDTH = 0.1  # mm: a closed contour narrower than this on average encloses nothing
MAX_PART = 10_000.0  # mm: no sheet or part a router cuts is longer than this
DEFAULT_THICKNESS = 18.0
ENGRAVE_MAX_DEPTH = 1.5  # mm: shallower "mmDEEP" layers are engravings, not pockets

# Layer names that are not WikiHouse-style: value syntax is a kind, "kind:depth", or a
# WikiHouse layer name.  "auto" = outline or hole by nesting (outermost loop is the outline).
DEFAULT_LAYER_MAP: dict[str, str] = {
    "0": "auto",
    "defpoints": "ignore",
    "outline": "outside",
    "outlines": "outside",
    "outside": "outside",
    "cut": "auto",
    "cutting": "auto",
    "holes": "inside",
    "hole": "inside",
    "inside": "inside",
    "pocket": "pocket:9",
    "engrave": "engrave:1",
    "engraving": "engrave:1",
    "drill": "drill",
    "drills": "drill",
    "text": "ignore",
    "labels": "ignore",
    "notes": "ignore",
    "dimensions": "ignore",
}

_KINDS = ("outside", "inside", "pocket", "engrave", "sheet", "ignore", "drill", "auto")
_CUT_KINDS = ("outside", "inside", "auto", "pocket", "engrave", "drill")
_UNITS = {0: 1.0, 1: 25.4, 2: 304.8, 4: 1.0, 5: 10.0, 6: 1000.0, 8: 25.4e-6, 9: 0.0254,
          13: 0.001, 14: 100.0}
_UNIT_NAMES = {1: "inches", 2: "feet", 5: "cm", 6: "m", 8: "microinches", 9: "mils",
               13: "microns", 14: "dm"}
_GEOMETRY = {"LINE", "ARC", "CIRCLE", "LWPOLYLINE", "POLYLINE", "ELLIPSE", "SPLINE"}
_ANNOTATIONS = {"TEXT", "MTEXT", "ATTRIB", "ATTDEF", "DIMENSION", "ARC_DIMENSION",
                "LARGE_RADIAL_DIMENSION", "LEADER", "MLEADER", "MULTILEADER", "VIEWPORT",
                "XLINE", "RAY"}

_DEPTH_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*mm\s*_?\s*DEEP", re.IGNORECASE)
_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_THICK_RE = re.compile(r"(\d+(?:\.\d+)?)\s*mm", re.IGNORECASE)


@dataclass(frozen=True)
class LayerOp:
    """What a layer means for the router.

    kind: "outside" | "inside" | "pocket" | "engrave" | "sheet" | "ignore", plus "drill"
    (CIRCLEs are drilled) and "auto" (outline or hole by nesting, for plain CAD layers).
    """

    kind: str
    depth: float | None  # mm for pocket/engrave (and blind drills); None = through
    material: str | None = None  # for sheet layers, e.g. "BirchPly"


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _sheet_material(name: str) -> str:
    """'0_SHEET_BirchPly 2440x1220x18' -> 'BirchPly': the name less prefix, sizes, thickness."""
    rest = re.sub(r"^.*?SHEET", "", name, count=1, flags=re.IGNORECASE)
    rest = _SIZE_RE.sub("", rest)
    rest = _THICK_RE.sub("", rest)
    rest = rest.strip(" _-")
    return rest or "Plywood"


def _by_pattern(name: str) -> LayerOp | None:
    """The WikiHouse meaning of a layer name, or None when the name follows no convention."""
    up = name.upper()
    if "DONOTCUT" in up or "DO_NOT_CUT" in up or "DO NOT CUT" in up:
        return LayerOp("ignore", None)
    if re.search(r"(^|[^A-Z])SHEET", up):
        return LayerOp("sheet", None, _sheet_material(name))
    m = _DEPTH_RE.search(name)
    depth = _num(m.group(1)) if m else None
    if "DRILL" in up:
        return LayerOp("drill", depth)
    if "ENGRAVE" in up:
        return LayerOp("engrave", depth if depth is not None else 1.0)
    if "POCKET" in up:
        return LayerOp("pocket", depth) if depth is not None else None
    if depth is not None:
        return LayerOp("engrave" if depth <= ENGRAVE_MAX_DEPTH else "pocket", depth)
    through = "CUTTHROUGH" in up or "CUT_THROUGH" in up or "THROUGH" in up
    if "OUTSIDE" in up:
        return LayerOp("outside", None)
    if "INSIDE" in up:
        return LayerOp("inside", None)
    if through:
        return LayerOp("auto", None)
    return None


def _from_value(value: str, name: str) -> LayerOp:
    """Parse a layer-map value: 'outside', 'pocket:9', 'engrave', or a WikiHouse layer name."""
    kind, _, depth_s = value.strip().partition(":")
    kind = kind.strip().lower()
    if kind in _KINDS:
        depth: float | None = None
        if depth_s.strip():
            try:
                depth = float(depth_s)
            except ValueError:
                raise InputError(f"layer map for '{name}': bad depth '{depth_s}'") from None
            if not depth > 0:
                raise InputError(f"layer map for '{name}': depth must be > 0, got {depth_s}")
        elif kind == "pocket":
            raise InputError(f"layer map for '{name}': a pocket needs a depth, e.g. 'pocket:9'")
        elif kind == "engrave":
            depth = 1.0
        return LayerOp(kind, depth, _sheet_material(name) if kind == "sheet" else None)
    op = _by_pattern(value)
    if op is None:
        raise InputError(f"layer map for '{name}': '{value}' is not one of {', '.join(_KINDS)} "
                         "(optionally ':depth') nor a WikiHouse layer name")
    return op


def classify_layer(name: str, layer_map: dict[str, str] | None = None) -> LayerOp:
    """What layer `name` means: the user's map first, then the WikiHouse patterns, then the
    default map; anything else is "auto" so plain DXFs from any CAD cut as drawn."""
    low = name.strip().lower()
    for mapping in (layer_map or {},):
        for key, value in mapping.items():
            if key.strip().lower() == low:
                return _from_value(value, name)
    op = _by_pattern(name)
    if op is not None:
        return op
    if low in DEFAULT_LAYER_MAP:
        return _from_value(DEFAULT_LAYER_MAP[low], name)
    return LayerOp("auto", None)


# ----------------------------------------------------------------------------- reading


@dataclass
class _Piece:
    """A flattened entity (or chain of entities) in drawing coordinates."""

    pts: np.ndarray  # (n, 2)
    closed: bool
    layer: str
    op: LayerOp
    handle: str
    circle: tuple[float, float, float] | None = None  # centre x, y, radius

    @property
    def where(self) -> str:
        return f"(entity {self.handle}, layer {self.layer})"


@dataclass
class _Label:
    x: float
    y: float
    text: str
    height: float


@dataclass
class _RawPart:
    outline: Polygon
    handle: str
    layer: str
    pockets: list[Pocket] = field(default_factory=list)
    drills: list[Drill] = field(default_factory=list)
    engravings: list[Engraving] = field(default_factory=list)
    label: _Label | None = None
    sheet: int | None = None  # index into the sorted sheets
    # outlines of parts cut out of this one: in place, their own cut makes the hole
    cutouts: list[Polygon] = field(default_factory=list)


@dataclass
class _Sheet:
    poly: Polygon
    layer: str
    handle: str
    op: LayerOp


def _arc_segments(r: float, sweep: float, tol: float) -> int:
    """Segments so that the chord error stays <= tol (at least 8 per full turn)."""
    sweep = abs(sweep)
    if r <= tol:
        return max(2, math.ceil(sweep / (math.pi / 4)))
    step = 2.0 * math.acos(1.0 - tol / r)
    n = math.ceil(sweep / step - 1e-9)
    return int(min(max(n, math.ceil(sweep / (math.pi / 4)), 1), 20_000))


def _arc_pts(cx: float, cy: float, r: float, a0: float, sweep: float, tol: float) -> np.ndarray:
    """Points on an arc from angle a0 (radians) over sweep (signed), ends included exactly."""
    n = _arc_segments(r, sweep, tol)
    t = a0 + sweep * np.linspace(0.0, 1.0, n + 1)
    return np.column_stack((cx + r * np.cos(t), cy + r * np.sin(t)))


def _bulge_pts(verts: list[tuple[float, float, float]], closed: bool, tol: float) -> np.ndarray:
    """Polyline vertices (x, y, bulge) to points, each bulged segment as a flattened arc."""
    out: list[np.ndarray] = []
    n = len(verts)
    segs = n if closed else n - 1
    for i in range(segs):
        x0, y0, b = verts[i]
        x1, y1, _ = verts[(i + 1) % n]
        if b and abs(b) > 1e-12 and (x0 != x1 or y0 != y1):
            c, _a_start, _a_end, r = bulge_to_arc((x0, y0), (x1, y1), b)
            a0 = math.atan2(y0 - c.y, x0 - c.x)
            sweep = 4.0 * math.atan(b)
            pts = _arc_pts(c.x, c.y, r, a0, sweep, tol)
            pts[0] = (x0, y0)
            pts[-1] = (x1, y1)
            out.append(pts[:-1])
        else:
            out.append(np.array([[x0, y0]]))
    if not closed:
        out.append(np.array([verts[-1][:2]]))
    elif n:
        out.append(np.array([verts[0][:2]]))
    return np.concatenate(out) if out else np.zeros((0, 2))


def _to_wcs(entity, pts: np.ndarray) -> np.ndarray:
    """OCS -> WCS for 2D entities drawn with a flipped extrusion (mirrored in some CADs)."""
    ext = entity.dxf.get("extrusion", (0.0, 0.0, 1.0))
    if tuple(round(v, 12) for v in ext) == (0.0, 0.0, 1.0):
        return pts
    ocs = entity.ocs()
    return np.array([(v.x, v.y) for v in ocs.points_to_wcs([(x, y, 0.0) for x, y in pts])])


def _dedupe_consecutive(pts: np.ndarray) -> np.ndarray:
    if len(pts) < 2:
        return pts
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(pts, axis=0)) > 1e-9, axis=1)
    return pts[keep]


_DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError, StopIteration,
            ArithmeticError, ezdxf.DXFError, shapely.errors.GEOSException)


def _analyse(path, layer_map, display) -> tuple[_Reader, list[_Sheet], list[_RawPart]]:
    """Read and assemble; damaged entity data the checks did not foresee still gives one
    InputError naming the file, never a raw exception."""
    shown = display or str(path)
    try:
        reader = _Reader(path, layer_map, display)
        sheets, raw = reader.analyse()
    except InputError:
        raise
    except _DAMAGED as exc:
        raise InputError(f"damaged or unsupported DXF data ({type(exc).__name__}: {exc})",
                         shown) from None
    return reader, sheets, raw


class _Reader:
    """One pass over a DXF: pieces and labels in mm, then parts and sheets."""

    def __init__(self, path, layer_map, display, tol: float = SNAP_TOL):
        self.path = Path(path)
        self.shown = display or str(path)
        self.layer_map = layer_map
        self.tol = tol
        self._ops: dict[str, LayerOp] = {}
        self.pieces: list[_Piece] = []
        self.labels: list[_Label] = []
        doc = self._open()
        self.insunits = int(doc.header.get("$INSUNITS", 0) or 0)
        if self.insunits not in _UNITS:
            raise InputError(f"unsupported drawing units $INSUNITS={self.insunits}; "
                             "save the DXF in mm or inches", self.shown)
        self.header_scale = _UNITS[self.insunits]
        raw_tol = CHORD_TOL / self.header_scale
        for entity in doc.modelspace():
            self._entity(entity, None, entity.dxf.handle, raw_tol, 0)
        self.scale = self._decide_scale()
        for p in self.pieces:
            p.pts = p.pts * self.scale
            if p.circle:
                p.circle = tuple(v * self.scale for v in p.circle)  # type: ignore[assignment]
            if np.abs(p.pts).max(initial=0.0) > MAX_COORD:
                raise InputError(
                    f"coordinates beyond {MAX_COORD:g} mm {p.where}: are the drawing units "
                    f"right? ($INSUNITS={self.insunits}, read as x{self.scale:g} to mm)",
                    self.shown)
        for lab in self.labels:
            lab.x, lab.y, lab.height = (lab.x * self.scale, lab.y * self.scale,
                                        lab.height * self.scale)

    # -- file
    def _open(self):
        shown = self.shown
        try:
            head = self.path.read_bytes()[:64]
        except FileNotFoundError:
            raise InputError("file not found", shown) from None
        except IsADirectoryError:
            raise InputError("is a directory, not a DXF file", shown) from None
        except OSError as exc:
            raise InputError(f"cannot read file ({exc.strerror})", shown) from None
        if not head.strip():
            raise InputError("file is empty, not a DXF file", shown)
        if b"\x00" in head and not head.startswith(b"AutoCAD Binary DXF"):
            raise InputError("binary data, not a DXF file", shown)
        try:
            return ezdxf.readfile(self.path)
        except ezdxf.DXFStructureError as exc:
            raise InputError(f"not a DXF file or damaged/truncated ({exc})", shown) from None
        except OSError as exc:  # ezdxf says "is not a DXF file" with an IOError
            why = exc.strerror or "not a DXF file"
            raise InputError(f"cannot read file: {why}", shown) from None
        except Exception as exc:  # noqa: BLE001 - damaged files make ezdxf raise anything
            raise InputError(f"not a readable DXF file ({type(exc).__name__}: {exc})",
                             shown) from None

    def op(self, layer: str) -> LayerOp:
        op = self._ops.get(layer)
        if op is None:
            op = self._ops[layer] = classify_layer(layer, self.layer_map)
        return op

    # -- entities
    def _entity(self, e, parent_layer: str | None, handle: str, tol: float, depth: int) -> None:
        kind = e.dxftype()
        layer = e.dxf.get("layer", "0")
        if parent_layer is not None and layer == "0":
            layer = parent_layer  # block entities on layer 0 take the INSERT's layer
        where = f"(entity {handle}, layer {layer})"
        if kind == "INSERT":
            if depth > 20:
                raise InputError(f"blocks nested too deeply {where}", self.shown)
            try:
                subs = list(e.virtual_entities())
            except Exception as exc:  # noqa: BLE001 - bad block refs raise many types
                raise InputError(f"cannot explode block reference {where}: {exc}",
                                 self.shown) from None
            for sub in subs:
                self._entity(sub, layer, handle, tol, depth + 1)
            return
        op = self.op(layer)
        if kind in ("TEXT", "MTEXT", "ATTRIB"):
            self._label(e, kind)
            return
        if kind in _ANNOTATIONS or op.kind == "ignore":
            return
        if kind not in _GEOMETRY:
            if op.kind == "sheet":
                return
            raise InputError(f"unsupported entity {kind} on cut layer {where}: draw it with "
                             "lines, arcs, circles or polylines", self.shown)
        try:
            got = self._flatten(e, kind, tol, where)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - malformed entity data
            raise InputError(f"cannot read {kind} {where}: {exc}", self.shown) from None
        if got is None:
            return
        pts, closed, circle = got
        pts = _dedupe_consecutive(np.asarray(pts, dtype=float)[:, :2])
        if len(pts) < 2:
            return  # a zero-length line or a point: no geometry to cut
        if not np.all(np.isfinite(pts)):
            raise InputError(f"{kind} with non-finite coordinates {where}", self.shown)
        if closed and len(pts) > 2 and np.all(np.abs(pts[0] - pts[-1]) < 1e-9):
            pts = pts[:-1]
        self.pieces.append(_Piece(pts, closed, layer, op, handle, circle))

    def _flatten(self, e, kind: str, tol: float, where: str):
        """(points, closed, circle) of one entity in drawing units, or None to skip it."""
        if kind == "LINE":
            s, t = e.dxf.start, e.dxf.end
            return np.array([(s.x, s.y), (t.x, t.y)]), False, None
        if kind == "CIRCLE":
            c, r = e.dxf.center, float(e.dxf.radius)
            if not r > 0:
                raise InputError(f"CIRCLE of radius {r:g} {where}", self.shown)
            pts = _to_wcs(e, _arc_pts(c.x, c.y, r, 0.0, 2 * math.pi, tol)[:-1])
            cw = _to_wcs(e, np.array([(c.x, c.y)]))[0]
            return pts, True, (float(cw[0]), float(cw[1]), r)
        if kind == "ARC":
            c, r = e.dxf.center, float(e.dxf.radius)
            a0 = math.radians(e.dxf.start_angle)
            sweep = (math.radians(e.dxf.end_angle) - a0) % (2 * math.pi)
            if sweep < 1e-12:
                sweep = 2 * math.pi
            return _to_wcs(e, _arc_pts(c.x, c.y, r, a0, sweep, tol)), False, None
        if kind == "LWPOLYLINE":
            verts = [(float(x), float(y), float(b)) for x, y, b in e.get_points("xyb")]
            if not verts:
                return None
            closed = bool(e.closed)
            return _to_wcs(e, _bulge_pts(verts, closed, tol)), closed, None
        if kind == "POLYLINE":
            if e.is_poly_face_mesh or e.is_polygon_mesh:
                raise InputError(f"unsupported entity POLYLINE mesh on cut layer {where}",
                                 self.shown)
            verts = []
            zs = set()
            for v in e.vertices:
                loc = v.dxf.location
                zs.add(round(loc.z, 6))
                verts.append((loc.x, loc.y, float(v.dxf.get("bulge", 0.0))))
            if not verts:
                return None
            if e.is_3d_polyline and len(zs) > 1:
                raise InputError(f"3D POLYLINE that is not flat {where}", self.shown)
            closed = bool(e.is_closed)
            pts = _bulge_pts(verts, closed, tol)
            return (_to_wcs(e, pts) if e.is_2d_polyline else pts), closed, None
        if kind == "ELLIPSE":
            ct = e.construction_tool()
            span = (ct.end_param - ct.start_param) % (2 * math.pi)
            full = span < 1e-9 or abs(span - 2 * math.pi) < 1e-9
            pts = np.array([(v.x, v.y) for v in ct.flattening(tol, segments=8)])
            if full and len(pts) > 2 and np.allclose(pts[0], pts[-1], atol=1e-9):
                pts = pts[:-1]
            return pts, full, None
        if kind == "SPLINE":
            ct = e.construction_tool()
            pts = np.array([(v.x, v.y) for v in ct.flattening(tol, segments=8)])
            closed = bool(e.closed) or (len(pts) > 2 and np.allclose(pts[0], pts[-1],
                                                                     atol=1e-9))
            if closed and np.allclose(pts[0], pts[-1], atol=1e-9):
                pts = pts[:-1]
            return pts, closed, None
        return None

    def _label(self, e, kind: str) -> None:
        try:
            if kind == "MTEXT":
                text = e.plain_text()
                p = e.dxf.insert
                h = float(e.dxf.get("char_height", 2.5))
            else:
                text = e.dxf.text
                _align, p1, p2 = e.get_placement()
                p = p2 if p2 is not None and _align.name != "LEFT" else p1
                h = float(e.dxf.get("height", 2.5))
        except Exception:  # noqa: BLE001 - an unreadable note never stops a cut
            return
        text = " ".join(str(text).split())
        if text:
            self.labels.append(_Label(float(p.x), float(p.y), text, h))

    def _decide_scale(self) -> float:
        """The header scale, unless it makes every sheet or part absurdly large while the raw
        numbers are a plausible size in mm: SketchUp exports WikiHouse files in mm with
        $INSUNITS=1 (inches), and the real MicroHouse file is one of them."""
        s = self.header_scale
        if s <= 1.0:
            return s
        biggest = 0.0
        for p in self.pieces:
            if p.closed and p.op.kind in ("sheet", "outside", "auto"):
                ext = p.pts.max(axis=0) - p.pts.min(axis=0)
                biggest = max(biggest, float(ext.max()))
        if biggest * s > MAX_PART and biggest <= MAX_PART:
            warnings.warn(f"{self.shown}: $INSUNITS={self.insunits} would make the largest "
                          f"outline {biggest * s / 1000:.1f} m long; read as millimetres "
                          f"({biggest:.0f} mm): check the sizes", InputWarning, stacklevel=2)
            return 1.0
        return s

    # -- loops
    def loops(self) -> list[_Piece]:
        """Closed loops and open paths after de-duplication and chaining of loose pieces."""
        seen: set[bytes] = set()
        closed: list[_Piece] = []
        loose: dict[str, list[_Piece]] = {}
        # A file with outlines on an OUTSIDE layer keeps all its cuts on named layers: what
        # lies on layer 0 / unknown layers there is construction geometry, not to be cut.
        explicit = any(p.op.kind == "outside" for p in self.pieces)
        for p in self.pieces:
            if explicit and p.op.kind == "auto":
                continue
            r = np.round(p.pts, 6)
            key_f = (p.layer + ("C" if p.closed else "O")).encode() + r.tobytes()
            key_r = (p.layer + ("C" if p.closed else "O")).encode() + r[::-1].tobytes()
            if key_f in seen or key_r in seen:
                continue  # exact duplicate: CAD copies lines onto themselves
            seen.add(key_f)
            if not p.closed and len(p.pts) > 2 and \
                    np.hypot(*(p.pts[0] - p.pts[-1])) <= self.tol:
                p = replace(p, pts=p.pts[:-1], closed=True)
            if p.closed:
                closed.append(p)
            else:
                length = float(np.hypot(*np.diff(p.pts, axis=0).T).sum())
                if length <= self.tol:
                    continue  # a speck: nothing to cut
                loose.setdefault(p.layer, []).append(p)
        for pieces in loose.values():  # dict keeps first-seen order: deterministic
            closed.extend(self._chain(pieces))
        return closed

    def _chain(self, pieces: list[_Piece]) -> list[_Piece]:
        """Join loose pieces whose ends meet within tol; dangling ends on cut layers refused."""
        tol = self.tol
        ends = np.array([[p.pts[0], p.pts[-1]] for p in pieces]).reshape(-1, 2)
        # cluster endpoints: grid cells of size tol, neighbours checked, union-find
        parent = list(range(len(ends)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        cells: dict[tuple[int, int], list[int]] = {}
        for i, (x, y) in enumerate(ends):
            cx, cy = math.floor(x / tol), math.floor(y / tol)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for j in cells.get((cx + dx, cy + dy), ()):
                        if math.hypot(x - ends[j][0], y - ends[j][1]) <= tol:
                            a, b = find(i), find(j)
                            if a != b:
                                parent[max(a, b)] = min(a, b)
            cells.setdefault((cx, cy), []).append(i)
        node = [find(i) for i in range(len(ends))]
        adj: dict[int, list[tuple[int, int]]] = {}  # node -> [(piece, end 0/1)]
        for k in range(len(ends)):
            adj.setdefault(node[k], []).append((k // 2, k % 2))
        op = pieces[0].op
        strict = op.kind in ("outside", "inside", "auto")
        if strict:
            for n, inc in adj.items():
                if len(inc) != 2:
                    p = pieces[inc[0][0]]
                    x, y = ends[n]
                    if len(inc) == 1:
                        raise InputError(f"open contour {p.where} ends at ({x:.3f}, {y:.3f}): "
                                         f"close it (gap > {tol:g} mm)", self.shown)
                    raise InputError(f"contour branches {p.where} at ({x:.3f}, {y:.3f}): "
                                     f"{len(inc)} lines meet there", self.shown)
        used = [False] * len(pieces)
        out: list[_Piece] = []

        def walk(start_piece: int, start_end: int) -> tuple[list[np.ndarray], int, int]:
            parts = []
            pi, pe = start_piece, start_end
            first_node = node[2 * pi + pe]
            while True:
                used[pi] = True
                pts = pieces[pi].pts if pe == 0 else pieces[pi].pts[::-1]
                pts = pts.copy()
                pts[0] = ends[node[2 * pi + pe]]
                far = node[2 * pi + (1 - pe)]
                pts[-1] = ends[far]
                parts.append(pts if not parts else pts[1:])
                inc = adj[far]
                if len(inc) != 2 or far == first_node:
                    return parts, first_node, far
                nxt = [(q, qe) for q, qe in inc if not (q == pi and qe == 1 - pe)]
                if not nxt or used[nxt[0][0]]:
                    return parts, first_node, far
                pi, pe = nxt[0]

        order = [(i, e) for i in range(len(pieces)) for e in (0, 1)]
        for i, e in order:  # trails from ends and branch points first
            if not used[i] and len(adj[node[2 * i + e]]) != 2:
                parts, a, b = walk(i, e)
                out.append(self._joined(pieces[i], parts, a == b and len(parts) > 0))
        for i in range(len(pieces)):  # what is left are cycles
            if not used[i]:
                parts, a, b = walk(i, 0)
                out.append(self._joined(pieces[i], parts, a == b))
        return out

    @staticmethod
    def _joined(first: _Piece, parts: list[np.ndarray], closed: bool) -> _Piece:
        pts = _dedupe_consecutive(np.concatenate(parts))
        if closed and len(pts) > 2:
            pts = pts[:-1]
        return replace(first, pts=pts, closed=closed and len(pts) > 2, circle=None)

    # -- assembly
    def analyse(self) -> tuple[list[_Sheet], list[_RawPart]]:
        """Sheets (sorted rows top to bottom, then left to right) and parts in drawing mm."""
        loops = self.loops()
        sheets: list[_Sheet] = []
        cut: list[tuple[_Piece, Polygon]] = []
        pockets: list[tuple[_Piece, Polygon]] = []
        engr: list[tuple[_Piece, LineString]] = []
        drills: list[_Piece] = []
        slivers: list[_Piece] = []
        for p in loops:
            k = p.op.kind
            if k == "sheet":
                if p.closed:
                    sheets.append(self._sheet(p))
                continue
            if k == "engrave" or (k == "pocket" and not p.closed):
                line = LineString(np.vstack([p.pts, p.pts[:1]]) if p.closed else p.pts)
                engr.append((p, line))
                continue
            poly = self._polygon(p)
            if poly is None:
                slivers.append(p)
                continue
            if k == "drill":
                if p.circle is None:
                    raise InputError(f"drill layer holds a contour that is not a CIRCLE "
                                     f"{p.where}", self.shown)
                drills.append(p)
            elif k == "pocket":
                pockets.append((p, poly))
            else:
                cut.append((p, poly))
        sheets = self._sort_sheets(sheets)
        parts = self._outlines(cut)
        shells = [Polygon(rp.outline.exterior) for rp in parts]
        tree = shapely.STRtree(shells)
        for p in slivers:  # debris on or inside a part is dropped; anywhere else refused
            near = tree.query(LineString(p.pts), predicate="dwithin", distance=SLIVER_WIDTH)
            if len(near) == 0:
                raise InputError(f"zero-area contour {p.where}: remove it", self.shown)

        def owner(geom, p: _Piece, what: str) -> tuple[_RawPart | None, list]:
            """The part that holds most of `geom`, and geom clipped to that part's outline:
            pockets and engravings drawn over a part's edge (hinge recesses in the MicroHouse
            doors) are cut only where there is material; beyond the edge is air."""
            size = shapely.length if isinstance(geom, LineString) else shapely.area
            best, best_key, best_clip = None, None, None
            for i in sorted(int(k) for k in tree.query(geom, predicate="intersects")):
                clip = shapely.intersection(geom, shells[i])
                key = (round(float(size(clip)), 6), -shells[i].area)
                if key[0] > 0 and (best_key is None or key > best_key):
                    best, best_key, best_clip = i, key, clip
            if best is None:
                near = tree.query(geom, predicate="dwithin", distance=SLIVER_WIDTH)
                if len(near):
                    return None, []  # drawn wholly beside a part's edge: air, nothing to cut
                raise InputError(f"{what} {p.where} is not inside any part outline", self.shown)
            kind = LineString if isinstance(geom, LineString) else Polygon
            pieces = [g for g in shapely.get_parts(best_clip) if isinstance(g, kind)]
            if kind is LineString:
                pieces = list(shapely.get_parts(shapely.line_merge(
                    shapely.multilinestrings(pieces)))) if len(pieces) > 1 else pieces
            return parts[best], [g for g in pieces if size(g) > 0]

        for group in _group_by_depth(pockets):
            for shell, islands in _even_odd([poly for _p, poly in group]):
                p, poly = group[shell]
                shape = Polygon(poly.exterior, list(poly.interiors)
                                + [group[j][1].exterior for j in islands])
                rp, clipped = owner(shape, p, "pocket")
                for g in clipped:
                    if g.area >= 1e-3:
                        rp.pockets.append(Pocket(g, float(p.op.depth)))  # type: ignore[union-attr]
        for p, line in engr:
            depth = p.op.depth if p.op.depth is not None else 1.0
            rp, clipped = owner(line, p, "engraving")
            for g in clipped:
                rp.engravings.append(Engraving(g, float(depth)))  # type: ignore[union-attr]
        for p in drills:
            cx, cy, r = p.circle  # type: ignore[misc]
            hits = [int(i) for i in tree.query(shapely.Point(cx, cy), predicate="within")]
            if not hits:
                raise InputError(f"drill {p.where} is not inside any part outline", self.shown)
            rp = parts[min(hits, key=lambda i: (shells[i].area, i))]
            rp.drills.append(Drill(cx, cy, 2 * r, p.op.depth))
        # a label belongs to the part whose material it sits on, not to a part cut out of it
        material = [rp.outline.difference(shapely.union_all(rp.cutouts)) if rp.cutouts
                    else rp.outline for rp in parts]
        for lab in self.labels:
            pt = shapely.Point(lab.x, lab.y)
            hits = [int(i) for i in tree.query(pt, predicate="covered_by")
                    if material[int(i)].covers(pt)]
            if hits:
                rp = parts[min(hits, key=lambda i: (shells[i].area, i))]
                if rp.label is None:
                    rp.label = lab
        if sheets:
            # parts drawn flush with a sheet edge stick out by float noise (1e-12 mm)
            stree = shapely.STRtree([s.poly.buffer(self.tol, join_style="mitre")
                                     for s in sheets])
            for rp in parts:
                inside = [int(i) for i in stree.query(rp.outline, predicate="covered_by")]
                if inside:
                    rp.sheet = min(inside)
        parts.sort(key=lambda rp: (rp.sheet if rp.sheet is not None else len(sheets),
                                   -round(rp.outline.bounds[3], 3),
                                   round(rp.outline.bounds[0], 3)))
        return sheets, parts

    def _polygon(self, p: _Piece) -> Polygon | None:
        """The loop as a polygon; None for a zero-width sliver (CAD debris: SketchUp leaves
        collapsed arcs in the real MicroHouse file), which the caller drops or refuses."""
        if not p.closed:
            raise InputError(f"open contour {p.where} ends at ({p.pts[-1][0]:.3f}, "
                             f"{p.pts[-1][1]:.3f})", self.shown)
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
            x, y = _self_crossing(ring)
            raise InputError(f"self-intersecting contour {p.where} near ({x:.3f}, {y:.3f})",
                             self.shown)
        return poly

    def _sheet(self, p: _Piece) -> _Sheet:
        poly = Polygon(p.pts) if len(p.pts) >= 3 else Polygon()
        box = shapely.box(*poly.bounds) if not poly.is_empty else None
        if box is None or poly.area < 1.0 or abs(poly.area - box.area) > 1e-3 * box.area:
            raise InputError(f"sheet boundary {p.where} is not an axis-aligned rectangle",
                             self.shown)
        return _Sheet(box, p.layer, p.handle, p.op)

    @staticmethod
    def _sort_sheets(sheets: list[_Sheet]) -> list[_Sheet]:
        """Rows top to bottom (a sheet joins a row when its centre is within the row's first
        sheet's height), then left to right; duplicates dropped."""
        uniq: list[_Sheet] = []
        for s in sheets:
            if not any(s.poly.equals_exact(u.poly, 1e-6) for u in uniq):
                uniq.append(s)
        rest = sorted(uniq, key=lambda s: (-s.poly.bounds[3], s.poly.bounds[0]))
        out: list[_Sheet] = []
        while rest:
            top = rest[0]
            lo, hi = top.poly.bounds[1], top.poly.bounds[3]
            row = [s for s in rest if lo <= (s.poly.bounds[1] + s.poly.bounds[3]) / 2 <= hi]
            out.extend(sorted(row, key=lambda s: (s.poly.bounds[0], -s.poly.bounds[3])))
            rest = [s for s in rest if s not in row]
        return out

    def _outlines(self, cut: list[tuple[_Piece, Polygon]]) -> list[_RawPart]:
        """Outlines with their holes: explicit layers decide, "auto" loops by nesting."""
        if not cut:
            return []
        polys = [poly for _p, poly in cut]
        parent = _parents(polys)
        order = sorted(range(len(cut)), key=lambda i: (-polys[i].area, i))
        role: dict[int, str] = {}
        holes: dict[int, list[int]] = {}
        cutouts: dict[int, list[int]] = {}
        for i in order:
            p = cut[i][0]
            par = parent[i]
            prole = role.get(par) if par is not None else None
            k = p.op.kind
            if k == "auto":
                k = "outside" if prole in (None, "hole") else "inside"
            if k == "outside":
                role[i] = "outline"
                holes[i] = []
                if prole == "outline":  # a part cut out of another part (WikiHouse does)
                    cutouts.setdefault(par, []).append(i)  # type: ignore[arg-type]
            else:
                if prole is None:
                    raise InputError(f"hole or slot {p.where} is not inside any part outline",
                                     self.shown)
                if prole == "hole":
                    raise InputError(f"hole or slot {p.where} lies inside another hole "
                                     f"{cut[par][0].where}", self.shown)  # type: ignore[index]
                if polys[i].interiors:
                    raise InputError(f"hole or slot {p.where} touches itself around an island",
                                     self.shown)
                role[i] = "hole"
                holes[par].append(i)  # type: ignore[index]
        out: list[_RawPart] = []
        for i in sorted(holes):
            p = cut[i][0]
            shape = Polygon(polys[i].exterior, list(polys[i].interiors)
                            + [polys[j].exterior for j in holes[i]])
            if not shape.is_valid:
                why = shapely.is_valid_reason(shape)
                raise InputError(f"part outline {p.where} with its holes is not a valid shape "
                                 f"({why}): holes overlap each other?", self.shown)
            rp = _RawPart(shape, p.handle, p.layer)
            rp.cutouts = [Polygon(polys[j].exterior) for j in cutouts.get(i, [])]
            out.append(rp)
        return out


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


def _group_by_depth(items: list[tuple[_Piece, Polygon]]) -> list[list[tuple[_Piece, Polygon]]]:
    groups: dict[float, list[tuple[_Piece, Polygon]]] = {}
    for it in items:
        groups.setdefault(float(it[0].op.depth), []).append(it)  # type: ignore[arg-type]
    return [groups[k] for k in sorted(groups)]


def _parse_stock(sheet: _Sheet) -> Stock:
    """Stock from a sheet rectangle (its own size and orientation) and its layer name."""
    minx, miny, maxx, maxy = sheet.poly.bounds
    name = sheet.layer
    thickness = DEFAULT_THICKNESS
    m = _SIZE_RE.search(name)
    if m:
        thickness = float(m.group(3))
    else:
        t = _THICK_RE.search(name)
        if t:
            thickness = float(t.group(1))
    material = sheet.op.material or _sheet_material(name)
    return Stock(width=round(maxx - minx, 2), height=round(maxy - miny, 2), thickness=thickness,
                 margin=0.0, material=material)


def _make_parts(raw: list[_RawPart], stem: str, shown: str,
                thickness_of) -> list[Part]:
    """Named Parts in drawing coordinates (not yet moved), checking pocket depths."""
    used: set[str] = set()
    out: list[Part] = []
    for n, rp in enumerate(raw, start=1):
        base = rp.label.text if rp.label else f"{stem}-{n}"
        name, k = base, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        t = thickness_of(rp)
        if t is not None:
            for pk in rp.pockets:
                if pk.depth >= t:
                    raise InputError(f"pocket {pk.depth:g} mm deep in {t:g} mm stock "
                                     f"(outline entity {rp.handle}, layer {rp.layer}): "
                                     "put it on a CUTTHROUGH_INSIDE layer", shown, name)
        for d in rp.drills:
            if t is not None and d.depth is not None and d.depth >= t:
                raise InputError(f"drill {d.depth:g} mm deep in {t:g} mm stock "
                                 f"(outline entity {rp.handle})", shown, name)
        lab = rp.label
        out.append(Part(
            name=name,
            outline=rp.outline,
            pockets=tuple(rp.pockets),
            drills=tuple(rp.drills),
            engravings=tuple(rp.engravings),
            label=lab.text if lab else "",
            source=shown,
            label_at=(lab.x, lab.y) if lab else None,
            label_height=lab.height if lab and lab.height > 0 else 25.0,
        ))
    return out


def read_dxf_parts(path, layer_map: dict[str, str] | None = None, display: str | None = None,
                   thickness: float | None = None) -> list[Part]:
    """Every outline in a DXF with what lies inside it, as Parts moved to bounding-box min
    (0, 0). Names are '<stem>-<n>' in sheet-then-position order, or the TEXT inside the part.
    Pocket depths are checked against `thickness`, else against the part's sheet layer."""
    reader, sheets, raw = _analyse(path, layer_map, display)
    stocks = [_parse_stock(s) for s in sheets]

    def thick(rp: _RawPart) -> float | None:
        if thickness is not None:
            return thickness
        return stocks[rp.sheet].thickness if rp.sheet is not None else None

    if not raw:
        raise InputError("no part outlines found (no closed contour on a cut layer)",
                         reader.shown)
    for rp in raw:  # nested separately, a part must carry the holes its cut-outs left
        if rp.cutouts:
            rest = rp.outline.difference(shapely.union_all(rp.cutouts))
            if not isinstance(rest, Polygon) or rest.is_empty:
                raise InputError(f"parts cut out of the part (entity {rp.handle}, layer "
                                 f"{rp.layer}) split it in pieces", reader.shown)
            rp.outline = shapely.normalize(rest)
    parts = _make_parts(raw, Path(path).stem, reader.shown, thick)
    out = []
    for p in parts:
        minx, miny, _, _ = p.outline.bounds
        out.append(p.transformed(0.0, -minx, -miny))
    return out


def read_cutting_file(path, layer_map: dict[str, str] | None = None,
                      display: str | None = None) -> list[SheetLayout]:
    """A cutting file as sheets: each sheet rectangle (0_SHEET_* layers) with the parts on it
    in the sheet's own frame (lower-left 0,0), placed at x=y=0 with no rotation."""
    reader, sheets, raw = _analyse(path, layer_map, display)
    stocks = [_parse_stock(s) for s in sheets]
    if sheets:
        for rp in raw:
            if rp.sheet is None:
                crosses = any(rp.outline.intersects(s.poly) for s in sheets)
                what = "crosses a sheet boundary" if crosses else "is not on any sheet"
                raise InputError(f"part outline (entity {rp.handle}, layer {rp.layer}) {what}",
                                 reader.shown)
    elif not raw:
        raise InputError("no sheets and no part outlines found", reader.shown)
    else:
        minx, miny, maxx, maxy = shapely.union_all([rp.outline for rp in raw]).bounds
        sheets = [_Sheet(shapely.box(minx, miny, maxx, maxy), "", "", LayerOp("sheet", None))]
        stocks = [Stock(width=round(maxx - minx, 4), height=round(maxy - miny, 4),
                        thickness=DEFAULT_THICKNESS, margin=0.0)]
        for rp in raw:
            rp.sheet = 0
    parts = _make_parts(raw, Path(path).stem, reader.shown,
                        lambda rp: stocks[rp.sheet].thickness)
    layouts = [SheetLayout(index=i + 1, stock=stocks[i]) for i in range(len(sheets))]
    for rp, part in zip(raw, parts):
        minx, miny = sheets[rp.sheet].poly.bounds[:2]  # type: ignore[index]
        local = part.transformed(0.0, -minx, -miny)
        layouts[rp.sheet].placements.append(Placement(part.name, local, 0.0, 0.0, 0.0))
    return layouts


# ----------------------------------------------------------------------------- writing

LAYER_OUTSIDE = "6_anyTOOL_CUTTHROUGH_OUTSIDE"
LAYER_INSIDE = "3_anyTOOL_CUTTHROUGH_INSIDE"
LAYER_ENGRAVE = "1_anyTOOL_1mmDEEP_INSIDE"
LAYER_DRILL = "2_anyTOOL_DRILL"
LAYER_LABELS = "DONOTCUT_LABELS"
_ROUND = 4
_BAD_LAYER_CHARS = re.compile(r'[<>/\\":;?*|=`,\s]+')


def _g(v: float) -> str:
    return f"{round(float(v), 4):g}"


def pocket_layer(depth: float) -> str:
    """Pocket layer name; shallow pockets say POCKET so they are not read back as engraving."""
    if depth > ENGRAVE_MAX_DEPTH:
        return f"4_anyTOOL_{_g(depth)}mmDEEP_INSIDE"
    return f"4_anyTOOL_{_g(depth)}mmDEEP_POCKET"


def engrave_layer(depth: float, closed: bool) -> str:
    if depth == 1.0 and not closed:
        return LAYER_ENGRAVE
    return f"1_anyTOOL_{_g(depth)}mmDEEP_ENGRAVE"


def drill_layer(depth: float | None) -> str:
    return LAYER_DRILL if depth is None else f"2_anyTOOL_{_g(depth)}mmDEEP_DRILL"


def sheet_layer(stock: Stock) -> str:
    material = _BAD_LAYER_CHARS.sub("", stock.material) or "Plywood"
    return (f"0_SHEET_{material}_{stock.width:g}x{stock.height:g}x{stock.thickness:g}")


@contextlib.contextmanager
def _fixed_meta():
    saved = ezdxf.options.write_fixed_meta_data_for_testing
    ezdxf.options.write_fixed_meta_data_for_testing = True
    try:
        yield
    finally:
        ezdxf.options.write_fixed_meta_data_for_testing = saved


class _Writer:
    """Collects entities for one DXF; layers are created in first-use order."""

    def __init__(self) -> None:
        with _fixed_meta():  # ezdxf stamps the creation time and version at new()
            self.doc = ezdxf.new("R2010", setup=False)
        self.doc.units = ezdxf.units.MM
        self.doc.header["$INSUNITS"] = 4
        self.doc.header["$MEASUREMENT"] = 1
        self.msp = self.doc.modelspace()

    def extents(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Real extents, so CAD programs open the file zoomed on the drawing."""
        lo = (round(x0, _ROUND) + 0.0, round(y0, _ROUND) + 0.0, 0.0)
        hi = (round(x1, _ROUND) + 0.0, round(y1, _ROUND) + 0.0, 0.0)
        self.doc.header["$EXTMIN"], self.doc.header["$EXTMAX"] = lo, hi
        self.doc.header["$LIMMIN"], self.doc.header["$LIMMAX"] = lo[:2], hi[:2]

    def layer(self, name: str, color: int) -> str:
        if name not in self.doc.layers:
            self.doc.layers.add(name, color=color)
        return name

    def ring(self, coords, layer: str, color: int, closed: bool = True) -> None:
        pts = [(round(x, _ROUND) + 0.0, round(y, _ROUND) + 0.0) for x, y in coords]
        if closed and len(pts) > 1 and pts[0] == pts[-1]:
            pts = pts[:-1]
        clean = [pts[0]] if pts else []
        for p in pts[1:]:
            if p != clean[-1]:
                clean.append(p)
        if len(clean) < 2:
            return
        self.msp.add_lwpolyline(clean, format="xy", close=closed,
                                dxfattribs={"layer": self.layer(layer, color)})

    def part(self, part: Part, instance: str,
             anchor: tuple[float, float] | None = None) -> None:
        poly = shapely.orient_polygons(part.outline) if hasattr(shapely, "orient_polygons") \
            else shapely.geometry.polygon.orient(part.outline)
        self.ring(poly.exterior.coords, LAYER_OUTSIDE, 6)
        for hole in poly.interiors:
            self.ring(hole.coords, LAYER_INSIDE, 3)
        for pk in part.pockets:
            layer = pocket_layer(pk.depth)
            self.ring(pk.shape.exterior.coords, layer, 5)
            for isl in pk.shape.interiors:
                self.ring(isl.coords, layer, 5)
        for d in part.drills:
            self.msp.add_circle((round(d.x, _ROUND) + 0.0, round(d.y, _ROUND) + 0.0),
                                round(d.diameter / 2, _ROUND),
                                dxfattribs={"layer": self.layer(drill_layer(d.depth), 2)})
        for e in part.engravings:
            closed = e.path.is_closed
            self.ring(e.path.coords, engrave_layer(e.depth, closed), 1, closed)
        x, y = anchor if anchor is not None else part.label_anchor()
        text = self.msp.add_text(instance, height=round(part.label_height, _ROUND),
                                 dxfattribs={"layer": self.layer(LAYER_LABELS, 8)})
        text.set_placement((round(x, _ROUND) + 0.0, round(y, _ROUND) + 0.0),
                           align=ezdxf.enums.TextEntityAlignment.MIDDLE_CENTER)

    def text(self) -> str:
        stream = io.StringIO()
        _sort_classes(self.doc)
        with _fixed_meta():  # no timestamps, GUIDs or ezdxf version in the output
            self.doc.write(stream)
        return stream.getvalue()


def _sort_classes(doc) -> None:
    """ezdxf adds CLASS entries by iterating a set of type names, so their order follows
    PYTHONHASHSEED; register them all now in sorted order so write() adds none."""
    doc.classes.add_required_classes(doc.dxfversion)
    doc.classes.classes = dict(sorted(doc.classes.classes.items()))


def sheet_dxf_text(sheet: SheetLayout) -> str:
    """One sheet as a WikiHouse cutting file (R2010, mm, lower-left 0,0), as a string."""
    w = _Writer()
    st = sheet.stock
    width = sheet.used_length if sheet.used_length else st.width
    w.ring([(0, 0), (width, 0), (width, st.height), (0, st.height)],
           sheet_layer(replace(st, width=width)), 7)
    w.extents(0.0, 0.0, width, st.height)
    placed = [pl.placed() for pl in sheet.placements]
    for pl, part in zip(sheet.placements, placed):
        w.part(part, pl.instance, _free_anchor(part, placed))
    return w.text()


def _free_anchor(part: Part, placed: list[Part]) -> tuple[float, float]:
    """The label point, moved off any part cut out of this one so it reads back right."""
    x, y = part.label_anchor()
    pt = shapely.Point(x, y)
    inner = [q.outline for q in placed if q is not part and q.outline.covers(pt)]
    if not inner:
        return x, y
    free = part.outline.difference(shapely.union_all(inner))
    if free.is_empty:
        return x, y
    p = free.point_on_surface()
    return p.x, p.y


def part_dxf_text(part: Part) -> str:
    """One part in its own coordinates with WikiHouse layers, as a string."""
    w = _Writer()
    w.part(part, part.text)
    w.extents(*part.bounds)
    return w.text()


def _write(text: str, path) -> None:
    Path(path).write_text(text, encoding="utf-8", newline="")


def write_sheet_dxf(sheet: SheetLayout, path) -> None:
    """Write one sheet's cutting file (same layout -> same bytes)."""
    _write(sheet_dxf_text(sheet), path)


def write_part_dxf(part: Part, path) -> None:
    """Write one part as a DXF (same part -> same bytes)."""
    _write(part_dxf_text(part), path)
