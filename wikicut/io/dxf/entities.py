"""A DXF file's entities as flattened point lists and text notes in millimetres.

Arcs, bulges, ellipses and splines are flattened with a chord error <= CHORD_TOL, blocks are
exploded (entities on layer 0 take the INSERT's layer), and the drawing units are decided
once for the whole file.
"""

from __future__ import annotations

import logging
import math
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import ezdxf
import numpy as np
import shapely
from ezdxf.math import bulge_to_arc

from ...errors import InputError, InputWarning
from .layers import LayerOp, classify_layer

__all__ = ["CHORD_TOL", "DAMAGED", "MAX_BLOCK_DEPTH", "MAX_ENTITIES", "MAX_FILE_BYTES",
           "MAX_SPLINE_POINTS", "MIN_CIRCLE_SIDES", "UNIT_NAMES", "Drawing", "DrawingUnits",
           "Label", "Piece", "circle_pts", "dedupe_consecutive", "full_circle", "hidden_layers",
           "name_entities", "read_drawing", "unit_scale"]

# what damaged entity data the checks did not foresee raises, inside ezdxf, shapely or here:
# each reader turns it into one InputError naming the file, never a raw exception
DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError, StopIteration,
           ArithmeticError, AssertionError, ezdxf.DXFError, shapely.errors.GEOSException)

CHORD_TOL = 0.01  # mm: max distance between a flattened arc and the true arc
MIN_CIRCLE_SIDES = 32  # a full circle's polygon: within 0.7% of its area, whatever its size
# Budgets: documented in docs/dxf.md; real cutting files stay far below each of them.
MAX_BLOCK_DEPTH = 20  # INSERT nesting levels (real files: 1-2)
MAX_ENTITIES = 1_000_000  # entities after block expansion (a whole house: ~10,000)
MAX_SPLINE_POINTS = 10_000  # control or fit points of one SPLINE (real files: < 100)
MAX_FILE_BYTES = 200 * 1024 * 1024  # a whole-house cutting file is a few MB

_UNITS = {0: 1.0, 1: 25.4, 2: 304.8, 4: 1.0, 5: 10.0, 6: 1000.0, 8: 25.4e-6, 9: 0.0254,
          13: 0.001, 14: 100.0}
# The names a user gives for drawing units ("units" keyword, job key, --units) -> mm factor.
UNIT_NAMES = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "inch": 25.4, "ft": 304.8}

_GEOMETRY = {"LINE", "ARC", "CIRCLE", "LWPOLYLINE", "POLYLINE", "ELLIPSE", "SPLINE"}
_ANNOTATIONS = {"TEXT", "MTEXT", "ATTRIB", "ATTDEF", "DIMENSION", "ARC_DIMENSION",
                "LARGE_RADIAL_DIMENSION", "LEADER", "MLEADER", "MULTILEADER", "VIEWPORT",
                "XLINE", "RAY"}


@dataclass
class Piece:
    """A flattened entity (or chain of entities) in drawing coordinates."""

    pts: np.ndarray  # (n, 2)
    closed: bool
    layer: str
    op: LayerOp
    handle: str
    # centre x, y, radius: a closed piece is that circle; an open one (an ARC) lies on it
    circle: tuple[float, float, float] | None = None

    @property
    def where(self) -> str:
        return f"(entity {self.handle}, layer {self.layer})"


@dataclass
class Label:
    """A TEXT or MTEXT note: a part's name when it sits on the part."""

    x: float
    y: float
    text: str
    height: float


@dataclass(frozen=True)
class DrawingUnits:
    """How a drawing's numbers become mm, and where that came from (for messages)."""

    scale: float  # mm per drawing unit
    said: str  # "$INSUNITS=1", "unitless (no HEADER section), read as mm", "units='inch'"
    stated: bool  # the file or the user said so (the plausibility check only warns)
    insunits: int | None = None


@dataclass
class Drawing:
    """Everything read from one DXF, in drawing units until `units` is applied (then mm);
    `shown` names the file in messages."""

    pieces: list[Piece]
    labels: list[Label]
    shown: str
    units: DrawingUnits = DrawingUnits(1.0, "mm", True)
    # the file's layer names: those holding entities first (as met), then the layer
    # table's other names; a layer map's entry matching none of them is not used
    layers: tuple[str, ...] = ()


def name_entities(pieces: list[Piece], most: int = 5) -> str:
    """'entities 1A3, 1B0, 1C2 and 4 more': the handles of pieces a warning counts, each
    once, so that the designer can find them."""
    handles = list(dict.fromkeys(p.handle for p in pieces))
    more = f" and {len(handles) - most} more" if len(handles) > most else ""
    word = "entity" if len(handles) == 1 else "entities"
    return f"{word} {', '.join(handles[:most])}{more}"


def arc_segments(r: float, sweep: float, tol: float) -> int:
    """Segments so that the chord error stays <= tol (at least 8 per full turn)."""
    sweep = abs(sweep)
    if r <= tol:
        return max(2, math.ceil(sweep / (math.pi / 4)))
    step = 2.0 * math.acos(1.0 - tol / r)
    n = math.ceil(sweep / step - 1e-9)
    return int(min(max(n, math.ceil(sweep / (math.pi / 4)), 1), 20_000))


def arc_pts(cx: float, cy: float, r: float, a0: float, sweep: float, tol: float) -> np.ndarray:
    """Points on an arc from angle a0 (radians) over sweep (signed), ends included exactly."""
    n = arc_segments(r, sweep, tol)
    t = a0 + sweep * np.linspace(0.0, 1.0, n + 1)
    return np.column_stack((cx + r * np.cos(t), cy + r * np.sin(t)))


def circle_pts(cx: float, cy: float, r: float, tol: float) -> np.ndarray:
    """A full circle as a polygon with its vertices on it, a multiple of 4 of them (at least
    MIN_CIRCLE_SIDES) starting at 0 degrees: its width either way is the diameter exactly
    and its area within 0.7% of the circle's, however coarsely it is flattened, so whether a
    circle on a pocket layer is a drilled hole never depends on the drawing's size or units
    (a 2 mm circle flattened to 23 sides measured 1.995 mm across and was refused as a
    pocket narrower than a 2.5 mm tool instead of being drilled)."""
    n = max(MIN_CIRCLE_SIDES, 4 * math.ceil(arc_segments(r, 2 * math.pi, tol) / 4))
    t = np.arange(n) * (2 * math.pi / n)
    return np.column_stack((cx + r * np.cos(t), cy + r * np.sin(t)))


def full_circle(verts: list[tuple[float, float, float]]) -> tuple[float, float, float] | None:
    """(cx, cy, r) when a closed polyline's bulges all lie on one circle and go round it
    once (two half-circle bulges, as CAD writes a round hole as a polyline), else None."""
    if len(verts) < 2:
        return None
    got = None
    sweep = 0.0
    for i, (x0, y0, b) in enumerate(verts):
        x1, y1, _ = verts[(i + 1) % len(verts)]
        if not abs(b) > 1e-12 or (x0 == x1 and y0 == y1):
            return None
        c, _a0, _a1, r = bulge_to_arc((x0, y0), (x1, y1), b)
        if got is None:
            got = (float(c.x), float(c.y), float(r))
        elif math.hypot(c.x - got[0], c.y - got[1]) > 1e-9 * max(1.0, r) or \
                abs(r - got[2]) > 1e-9 * max(1.0, r):
            return None
        sweep += 4.0 * math.atan(b)
    return got if abs(abs(sweep) - 2 * math.pi) < 1e-6 else None


def bulge_pts(verts: list[tuple[float, float, float]], closed: bool, tol: float) -> np.ndarray:
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
            pts = arc_pts(c.x, c.y, r, a0, sweep, tol)
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


def dedupe_consecutive(pts: np.ndarray) -> np.ndarray:
    """The points less each one equal (within 1e-9) to the one before it."""
    if len(pts) < 2:
        return pts
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(pts, axis=0)) > 1e-9, axis=1)
    return pts[keep]


# Flattening, one function per entity type: (points, closed, circle) in drawing units, or
# None to skip the entity; `fail(detail)` raises an InputError naming file and entity.

def _line(e, tol, fail):
    s, t = e.dxf.start, e.dxf.end
    return np.array([(s.x, s.y), (t.x, t.y)]), False, None


def _circle(e, tol, fail):
    c, r = e.dxf.center, float(e.dxf.radius)
    if not r > 0:
        fail(f"CIRCLE of radius {r:g}")
    cw = _to_wcs(e, np.array([(c.x, c.y)]))[0]
    return _circle_loop(float(cw[0]), float(cw[1]), r, tol)


def _circle_loop(cx: float, cy: float, r: float, tol: float):
    return circle_pts(cx, cy, r, tol), True, (cx, cy, r)


def _arc(e, tol, fail):
    c, r = e.dxf.center, float(e.dxf.radius)
    a0 = math.radians(e.dxf.start_angle)
    sweep = (math.radians(e.dxf.end_angle) - a0) % (2 * math.pi)
    cx, cy = (float(v) for v in _to_wcs(e, np.array([(c.x, c.y)]))[0])
    if sweep < 1e-12 and r > 0:  # an ARC that goes all the way round is a circle
        return _circle_loop(cx, cy, r, tol)
    # open, it remembers its circle: ARCs that meet all the way round are one (chain)
    return _to_wcs(e, arc_pts(c.x, c.y, r, a0, sweep, tol)), False, (cx, cy, r)


def _lwpolyline(e, tol, fail):
    verts = [(float(x), float(y), float(b)) for x, y, b in e.get_points("xyb")]
    if not verts:
        return None
    closed = bool(e.closed)
    return _bulged(e, verts, closed, tol, True)


def _bulged(e, verts, closed: bool, tol: float, ocs: bool):
    """Points of a polyline (in WCS when `ocs`), a closed one going once round one circle
    flattened as that circle."""
    ring = full_circle(verts) if closed else None
    if ring is not None:
        c = _to_wcs(e, np.array([ring[:2]]))[0] if ocs else ring[:2]
        return _circle_loop(float(c[0]), float(c[1]), ring[2], tol)
    pts = bulge_pts(verts, closed, tol)
    return (_to_wcs(e, pts) if ocs else pts), closed, None


def _polyline(e, tol, fail):
    if e.is_poly_face_mesh or e.is_polygon_mesh:
        fail("unsupported entity POLYLINE mesh on cut layer")
    verts = []
    zs = set()
    for v in e.vertices:
        loc = v.dxf.location
        zs.add(round(loc.z, 6))
        verts.append((loc.x, loc.y, float(v.dxf.get("bulge", 0.0))))
    if not verts:
        return None
    if e.is_3d_polyline and len(zs) > 1:
        fail("3D POLYLINE that is not flat")
    return _bulged(e, verts, bool(e.is_closed), tol, e.is_2d_polyline)


def _ellipse(e, tol, fail):
    ct = e.construction_tool()
    span = (ct.end_param - ct.start_param) % (2 * math.pi)
    full = span < 1e-9 or abs(span - 2 * math.pi) < 1e-9
    pts = np.array([(v.x, v.y) for v in ct.flattening(tol, segments=8)])
    if full and len(pts) > 2 and np.allclose(pts[0], pts[-1], atol=1e-9):
        pts = pts[:-1]
    return pts, full, None


def _spline(e, tol, fail):
    n = max(len(e.control_points), len(e.fit_points))
    if n > MAX_SPLINE_POINTS:  # checked before flattening: 10^6 points take > 10 GB there
        fail(f"SPLINE with {n:,} control points: over the reader's limit of "
             f"{MAX_SPLINE_POINTS:,}")
    ct = e.construction_tool()
    pts = np.array([(v.x, v.y) for v in ct.flattening(tol, segments=8)])
    closed = bool(e.closed) or (len(pts) > 2 and np.allclose(pts[0], pts[-1], atol=1e-9))
    if closed and np.allclose(pts[0], pts[-1], atol=1e-9):
        pts = pts[:-1]
    return pts, closed, None


_FLATTEN = {"LINE": _line, "CIRCLE": _circle, "ARC": _arc, "LWPOLYLINE": _lwpolyline,
            "POLYLINE": _polyline, "ELLIPSE": _ellipse, "SPLINE": _spline}


_CALLOUT = re.compile(r"[\u00d8\u2300]|%%c", re.IGNORECASE)  # a diameter: Ø, ⌀, %%c
_HEADER_RE = re.compile(rb"SECTION\s*\r?\n\s*2\s*\r?\n\s*HEADER\b")
_LEADING_BLANKS = re.compile(rb"(?:[ \t]*\r?\n)+(?=[ \t]*0[ \t]*\r?\n)")
_DUP_HANDLE_RE = re.compile(r"non-unique entity handle #?([0-9A-Fa-f]+)")


def _read_text(data: bytes):
    """An ASCII DXF from its bytes, in the encoding its header gives (as ezdxf.readfile)."""
    import io

    from ezdxf.filemanagement import dxf_stream_info

    info = dxf_stream_info(io.StringIO(data.decode("utf-8", errors="ignore")))
    return ezdxf.read(io.StringIO(data.decode(info.encoding, errors="surrogateescape")))


class _EzdxfLog(logging.Handler):
    """While a file is read, ezdxf's log lines (one per repaired entity, printed raw on the
    terminal) are held and said in one warning naming the file: a file with its entity
    handles used twice (SketchUp's R12 export of WikiHouse StepUp) gets the copies new
    handles, so a message naming a handle may name one the file does not have."""

    def __init__(self, shown: str):
        super().__init__(logging.WARNING)
        self.shown = shown
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self):
        log = logging.getLogger("ezdxf")
        self._propagate = log.propagate
        log.addHandler(self)
        log.propagate = False
        return self

    def __exit__(self, *exc) -> None:
        log = logging.getLogger("ezdxf")
        log.removeHandler(self)
        log.propagate = self._propagate
        if exc[0] is None:
            self.say()

    def say(self) -> None:
        dup = [m.group(1).upper() for m in map(_DUP_HANDLE_RE.search, self.messages) if m]
        rest = [m for m in self.messages if not _DUP_HANDLE_RE.search(m)]
        if dup:
            more = f" and {len(dup) - 5} more" if len(dup) > 5 else ""
            warnings.warn(f"{self.shown}: {len(dup)} entity handle(s) used twice in the file "
                          f"({', '.join(dup[:5])}{more}): the copies were given new handles, "
                          "so an entity named here by handle may not be found by it in CAD",
                          InputWarning, stacklevel=5)
        if rest:
            more = f" (and {len(rest) - 1} more message(s))" if len(rest) > 1 else ""
            warnings.warn(f"{self.shown}: the DXF reader repaired the file: "
                          f"{rest[0]}{more}", InputWarning, stacklevel=5)


def open_dxf(path: Path, shown: str):
    """The ezdxf document and whether the file has a HEADER section (ezdxf fills in
    $INSUNITS=6, metres, when there is none), or one InputError saying why the file is not
    a readable DXF."""
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file (a FIFO or device?), not a DXF file", shown)
        if st.st_size > MAX_FILE_BYTES:
            raise InputError(f"file of {st.st_size / 2**20:.0f} MB: over the reader's limit "
                             f"of {MAX_FILE_BYTES // 2**20} MB for a DXF", shown)
        data = path.read_bytes()
        head = data[:64]
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
    has_header = head.startswith(b"AutoCAD Binary DXF") or bool(_HEADER_RE.search(data))
    try:
        with _EzdxfLog(shown):
            lead = _LEADING_BLANKS.match(data)
            if lead and not head.startswith(b"AutoCAD Binary DXF"):
                # blank lines before the first group code (a file saved through a text
                # editor or a web page): ezdxf calls it "not a DXF file"; CAD reads on
                return _read_text(data[lead.end():]), has_header
            return ezdxf.readfile(path), has_header
    except ezdxf.DXFStructureError as exc:
        raise InputError(f"not a DXF file or damaged/truncated ({exc})", shown) from None
    except OSError as exc:  # ezdxf says "is not a DXF file" with an IOError
        why = exc.strerror or "not a DXF file"
        raise InputError(f"cannot read file: {why}", shown) from None
    except Exception as exc:  # noqa: BLE001 - damaged files make ezdxf raise anything
        raise InputError(f"not a readable DXF file ({type(exc).__name__}: {exc})",
                         shown) from None


class _Collector:
    """One pass over the model space: pieces and labels in drawing units."""

    def __init__(self, shown: str, layer_map: dict[str, str] | None, tol: float,
                 hidden: set[str]):
        self.shown = shown
        self.hidden = hidden
        self.skipped: set[str] = set()
        self.layer_map = layer_map
        self.tol = tol
        self._ops: dict[str, LayerOp] = {}
        self.pieces: list[Piece] = []
        self.labels: list[Label] = []
        self.unengraved: list[str] = []  # text on engraving layers: "'ENGR' (entity .., ..)"
        self.points: list[tuple[str, str]] = []  # POINTs on cut layers: (handle, layer)
        self.used: dict[str, None] = {}  # the layers entities are on, in the order met

    def op(self, layer: str) -> LayerOp:
        op = self._ops.get(layer)
        if op is None:
            op = self._ops[layer] = classify_layer(layer, self.layer_map)
        return op

    def entity(self, e, parent_layer: str | None, handle: str, depth: int) -> None:
        kind = e.dxftype()
        layer = e.dxf.get("layer", "0")
        if parent_layer is not None and layer == "0":
            layer = parent_layer  # block entities on layer 0 take the INSERT's layer
        where = f"(entity {handle}, layer {layer})"
        self.used.setdefault(layer)
        if layer in self.hidden:
            if kind not in _ANNOTATIONS and kind not in ("TEXT", "MTEXT"):
                self.skipped.add(layer)
            return
        if kind == "INSERT":
            self._insert(e, layer, handle, depth, where)
            return
        op = self.op(layer)
        if kind in ("TEXT", "MTEXT", "ATTRIB"):
            lab = self._label(e, kind)
            if op.kind == "engrave" and lab is not None:
                self.unengraved.append(f"'{lab.text}' {where}")
            return
        if kind in _ANNOTATIONS or op.kind == "ignore":
            return
        if kind == "POINT":  # no outline to cut: Fusion 360 exports a sketch's points
            if op.kind != "sheet":
                self.points.append((handle, layer))
            return
        if kind not in _GEOMETRY:
            if op.kind == "sheet":
                return
            raise InputError(f"unsupported entity {kind} on cut layer {where}: draw it with "
                             "lines, arcs, circles or polylines", self.shown)
        got = self._flatten(e, kind, where)
        if got is not None:
            self._add(got, kind, where, layer, op, handle)

    def _insert(self, e, layer: str, handle: str, depth: int, where: str) -> None:
        if depth > MAX_BLOCK_DEPTH:
            raise InputError(f"blocks nested too deeply {where}", self.shown)
        try:
            tiles = list(e.multi_insert()) if e.mcount > 1 else [e]  # MINSERT: rows x cols
            subs = [sub for tile in tiles for sub in tile.virtual_entities()]
        except Exception as exc:  # noqa: BLE001 - bad block refs raise many types
            raise InputError(f"cannot explode block reference {where}: {exc}",
                             self.shown) from None
        for sub in subs:
            self.entity(sub, layer, handle, depth + 1)

    def _flatten(self, e, kind: str, where: str):
        def fail(detail: str):
            raise InputError(f"{detail} {where}", self.shown)

        try:
            return _FLATTEN[kind](e, self.tol, fail)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - malformed entity data
            raise InputError(f"cannot read {kind} {where}: {exc}", self.shown) from None

    def _add(self, got, kind: str, where: str, layer: str, op: LayerOp, handle: str) -> None:
        pts, closed, circle = got
        pts = dedupe_consecutive(np.asarray(pts, dtype=float)[:, :2])
        if not np.all(np.isfinite(pts)):
            raise InputError(f"{kind} with non-finite coordinates {where}", self.shown)
        if len(pts) < 2 and not (closed and len(pts)):
            return  # a zero-length line or a point: no geometry to cut
        if len(pts) < 2:
            # a closed contour collapsed to a point (a CIRCLE of radius 1e-9): kept as a
            # zero-area contour, which assembling reports (on a part) or refuses (elsewhere)
            pts = np.vstack([pts, pts])
        if closed and len(pts) > 2 and np.all(np.abs(pts[0] - pts[-1]) < 1e-9):
            pts = pts[:-1]
        self.pieces.append(Piece(pts, closed, layer, op, handle, circle))

    def _label(self, e, kind: str) -> Label | None:
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
            return None
        text = " ".join(str(text).split())
        if not text or _CALLOUT.search(text):
            return None  # a hole's diameter callout (LibreCAD: '1/4"%%C') names no part
        self.labels.append(Label(float(p.x), float(p.y), text, h))
        return self.labels[-1]


def _expanded(doc, shown: str) -> int:
    """Entities the model space holds once every INSERT and MINSERT is expanded, counted
    before expanding: 8 levels of 10 INSERTs would be 10^8 entities from a few KB."""
    memo: dict[str, tuple[int, int]] = {}  # block -> (entities, nesting depth)

    def walk(entities, name: str, depth: int) -> tuple[int, int]:
        if depth > MAX_BLOCK_DEPTH:
            raise InputError(f"blocks nested deeper than {MAX_BLOCK_DEPTH} levels (block "
                             f"'{name}'): over the reader's limit", shown)
        total, deepest = 0, 0
        for e in entities:
            if e.dxftype() != "INSERT":
                total += 1
                continue
            bname = e.dxf.get("name", "")
            if bname not in memo:
                block = doc.blocks.get(bname)
                memo[bname] = (0, 0)  # a block that inserts itself counts as empty here
                memo[bname] = walk(block, bname, depth + 1) if block is not None else (1, 0)
            n, d = memo[bname]
            total += max(1, int(e.mcount)) * n
            deepest = max(deepest, d + 1)
            if total > MAX_ENTITIES:
                break
        return total, deepest

    total, _ = walk(doc.modelspace(), "*Model_Space", 0)
    if total > MAX_ENTITIES:
        raise InputError(f"more than {MAX_ENTITIES:,} entities once blocks are expanded: "
                         "over the reader's limit (no cutting file comes near it)", shown)
    return total


def unit_scale(units: str, shown: str | None = None) -> float:
    """The mm factor of a units name the user gave ("mm", "cm", "m", "inch", "ft")."""
    key = str(units).strip().lower()
    key = {"in": "inch", "inches": "inch", "feet": "ft", "foot": "ft"}.get(key, key)
    if key not in UNIT_NAMES:
        raise InputError(f"units '{units}' not one of {', '.join(UNIT_NAMES)}", shown)
    return UNIT_NAMES[key]


def hidden_layers(doc) -> set[str]:
    """Layers switched off or frozen: what the designer hid is not cut."""
    out = set()
    for layer in doc.layers:
        try:
            if layer.is_off() or layer.is_frozen():
                out.add(layer.dxf.name)
        except Exception:  # noqa: BLE001 - a damaged layer table entry hides nothing
            continue
    return out


def read_drawing(path: str | Path, layer_map: dict[str, str] | None = None,
                 shown: str | None = None, units: str | None = None) -> Drawing:
    """Every piece of cut geometry and every note of a DXF, flattened, in drawing units
    (`Drawing.units` says how they scale to mm). `units` ("mm", "cm", "m", "inch", "ft")
    overrides what the file says."""
    path = Path(path)
    shown = shown or str(path)
    forced = unit_scale(units, shown) if units is not None else None
    doc, has_header = open_dxf(path, shown)
    insunits = int(doc.header.get("$INSUNITS", 0) or 0) if has_header else 0
    if forced is None and insunits not in _UNITS:
        raise InputError(f"unsupported drawing units $INSUNITS={insunits}; "
                         "save the DXF in mm or inches, or give the units", shown)
    if forced is not None:
        du = DrawingUnits(forced, f"units='{units}'", stated=True)
    elif insunits == 0:
        # an R12 header has no $INSUNITS at all (SketchUp's and Rhino's R12 exports)
        why = ("no HEADER section" if not has_header else "$INSUNITS=0"
               if "$INSUNITS" in doc.header else "no $INSUNITS in the header")
        du = DrawingUnits(1.0, f"unitless ({why}), read as mm", stated=False)
    else:
        du = DrawingUnits(_UNITS[insunits], f"$INSUNITS={insunits}", stated=True,
                          insunits=insunits)
    _expanded(doc, shown)
    col = _Collector(shown, layer_map, CHORD_TOL / du.scale, hidden_layers(doc))
    for entity in doc.modelspace():
        col.entity(entity, None, entity.dxf.handle, 0)
    if col.unengraved:
        n = len(col.unengraved)
        listed = ", ".join(col.unengraved[:5]) + (f" and {n - 5} more" if n > 5 else "")
        warnings.warn(f"{shown}: {n} text(s) on an engraving layer not engraved as drawn: "
                      f"{listed}: wikicut engraves the lines, arcs and polylines there (a "
                      "part's name is engraved as its label where labels are on); explode "
                      "the text to single-line curves in CAD", InputWarning, stacklevel=2)
    if col.points:
        n = len(col.points)
        handles = ", ".join(h for h, _ in col.points[:5]) + (f" and {n - 5} more" if n > 5
                                                             else "")
        layers = ", ".join(repr(x) for x in dict.fromkeys(lay for _, lay in col.points))
        warnings.warn(f"{shown}: {n} POINT entit{'y' if n == 1 else 'ies'} not cut (a point "
                      f"has no outline; CAD exports sketch points so): entit"
                      f"{'y' if n == 1 else 'ies'} {handles} on layer(s) {layers}",
                      InputWarning, stacklevel=2)
    if col.skipped:
        names = ", ".join(f"'{n}'" for n in sorted(col.skipped))
        warnings.warn(f"{shown}: layers switched off or frozen are not cut: {names}",
                      InputWarning, stacklevel=2)
    return Drawing(col.pieces, col.labels, shown, du,
                   tuple(dict.fromkeys([*col.used, *_table_layers(doc)])))


def _table_layers(doc) -> list[str]:
    """The names in the layer table (a damaged entry names nothing)."""
    out = []
    for layer in doc.layers:
        try:
            out.append(str(layer.dxf.name))
        except Exception:  # noqa: BLE001 - a damaged layer table entry
            continue
    return out
