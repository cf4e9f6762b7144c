"""Reading a DXF into a Drawing: one pass over the model space collects the pieces, flattened
in drawing units, and the notes, each by its layer's operation.

Blocks are exploded (entities on layer 0 take the INSERT's layer), hidden layers are not cut,
and the drawing units are decided once for the whole file.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from ...errors import InputError, InputWarning
from .document import Opened, open_dxf
from .drawing import Drawing, DrawingUnits, Label, Piece
from .flatten import CHORD_TOL, GEOMETRY, dedupe_consecutive, flatten_entity
from .layers import LayerOp, classify_layer
from .units import drawing_units, given_units

__all__ = ["MAX_BLOCK_DEPTH", "MAX_ENTITIES", "hidden_layers", "read_drawing"]

# Budgets: documented in docs/dxf.md; real cutting files stay far below each of them.
MAX_BLOCK_DEPTH = 20  # INSERT nesting levels (real files: 1-2)
MAX_ENTITIES = 1_000_000  # entities after block expansion (a whole house: ~10,000)

_ANNOTATIONS = {"TEXT", "MTEXT", "ATTRIB", "ATTDEF", "DIMENSION", "ARC_DIMENSION",
                "LARGE_RADIAL_DIMENSION", "LEADER", "MLEADER", "MULTILEADER", "VIEWPORT",
                "XLINE", "RAY"}
# Pictures and scene aids: a raster image, a PDF/DWF/DGN underlay or an OLE object traced
# over, a wipeout masking what lies under it on screen, a light. None is an outline (a CAM
# import skips them too); they are not cut, with one warning naming them.
_PICTURES = {"IMAGE", "PDFUNDERLAY", "PDFREFERENCE", "DWFUNDERLAY", "DGNUNDERLAY",
             "OLE2FRAME", "OLEFRAME", "WIPEOUT", "LIGHT"}
# Fills: a hatch or a solid (2D) fill paints an area CAD draws its outline round, or not at
# all; a CAM import skips them. On a layer read by shape (auto) not cut, said with the
# pictures; on a layer that names a cut, refused (draw the outline to cut).
_FILLS = {"HATCH", "MPOLYGON", "SOLID", "TRACE"}
# Geometry held as ACIS solid-modelling data or as 3D faces: drawn, but not as a flat outline
# ezdxf can give (its path and disassemble modules read none of them): refused, with the way
# to a flat drawing.
_SOLIDS = {"3DSOLID", "BODY", "SURFACE", "EXTRUDEDSURFACE", "LOFTEDSURFACE", "PLANESURFACE",
           "REVOLVEDSURFACE", "SWEPTSURFACE", "MESH", "3DFACE"}
# what a layer does, as a refusal names it ("auto", "outside", "inside": a cut layer)
_ROLES = {"engrave": "engraving", "pocket": "pocket", "drill": "drill"}
_CALLOUT = re.compile(r"[\u00d8\u2300]|%%c", re.IGNORECASE)  # a diameter: Ø, ⌀, %%c


class _Collector:
    """One pass over the model space: pieces and labels in drawing units."""

    def __init__(self, shown: str, layer_map: dict[str, str] | None, tol: float,
                 hidden: set[str]):
        self.shown = shown
        self.hidden = hidden
        self.frozen: set[str] = set()  # of the hidden layers, the frozen ones
        self.skipped: set[str] = set()
        self.layer_map = layer_map
        self.tol = tol
        self._ops: dict[str, LayerOp] = {}
        self.pieces: list[Piece] = []
        self.labels: list[Label] = []
        self.unengraved: list[str] = []  # text on engraving layers: "'ENGR' (entity .., ..)"
        self.points: list[tuple[str, str]] = []  # POINTs on cut layers: (handle, layer)
        self.pictures: list[tuple[str, str, str]] = []  # images, underlays: (kind, handle, layer)
        # geometry on layers not cut for a reason worth a word (bend lines): by reason
        self.unseen: dict[str, list[tuple[str, str]]] = {}
        self.used: dict[str, None] = {}  # the layers entities are on, in the order met

    def op(self, layer: str) -> LayerOp:
        op = self._ops.get(layer)
        if op is None:
            op = self._ops[layer] = classify_layer(layer, self.layer_map)
        return op

    def entity(self, e, parent_layer: str | None, handle: str, depth: int,
               top: str | None = None, via: tuple[str, ...] = ()) -> None:
        """Entity `e`, named `handle` (inside a block: its place there, see _insert); `top`
        names the model-space INSERT it came from, for the warnings that list what is not
        cut (the designer selects that), `handle` for what is cut or refused. `via`: the
        INSERTs from the model space down to `e`, itself included (its own handle in its
        block), when `e` lies in a block."""
        top = handle if top is None else top
        kind = e.dxftype()
        layer = e.dxf.get("layer", "0")
        if parent_layer is not None and layer == "0":
            layer = parent_layer  # block entities on layer 0 take the INSERT's layer
        where = f"(entity {handle}, layer {layer})"
        self.used.setdefault(layer)
        # an INSERT on a layer switched off (not frozen) hides only what it puts on that
        # layer (its layer-0 entities): its entities on layers shown are seen, as in CAD
        if layer in self.hidden and not (kind == "INSERT" and layer not in self.frozen):
            if not ({kind} & (_ANNOTATIONS | _PICTURES | _FILLS) or kind in ("TEXT", "MTEXT")):
                self.skipped.add(layer)
            return
        if kind == "INSERT":
            self._insert(e, layer, depth, where, top, via or (handle,))
            return
        op = self.op(layer)
        if kind in ("TEXT", "MTEXT", "ATTRIB"):
            lab = self._label(e, kind)
            if op.kind == "engrave" and not op.lettering and lab is not None:
                self.unengraved.append(f"'{lab.text}' {where}")
            return
        if kind in _ANNOTATIONS:
            return
        if op.kind == "ignore":
            if op.unseen:
                self.unseen.setdefault(op.unseen, []).append((top, layer))
            elif op.frames and kind in ("LWPOLYLINE", "POLYLINE"):
                self._frame(e, kind, where, layer, op, handle)
            return
        # a fill on a layer named for a cut may be the designer's way to draw it: refused
        # below, to be drawn as an outline; on a layer whose part is found by shape, or on
        # one engraved (a router engraves strokes, a fill is a laser's raster), a fill
        # paints what the lines there outline, or nothing wikicut can cut
        if kind == "POINT" or kind in _PICTURES or (kind in _FILLS and
                                                    op.kind in ("auto", "engrave")):
            self._no_outline(kind, top, layer, op)
            return
        if kind not in GEOMETRY:
            if op.kind == "sheet":
                return
            raise InputError(f"unsupported entity {kind} on {_ROLES.get(op.kind, 'cut')} "
                             f"layer {where}: {_redraw(kind)}", self.shown)
        got = self._flatten(e, kind, where)
        if got is not None:
            self._add(got, kind, where, layer, op, handle)

    def _frame(self, e, kind: str, where: str, layer: str, op: LayerOp, handle: str) -> None:
        """A closed polyline on a layer of notes, kept in case it is a sheet drawn round the
        parts (containment.frames_as_sheets); nothing else there is read, nor refused."""
        try:
            got = self._flatten(e, kind, where)
        except InputError:
            return
        if got is not None and got[1]:
            self._add(got, kind, where, layer, op, handle)

    def _no_outline(self, kind: str, handle: str, layer: str, op: LayerOp) -> None:
        """A POINT, image, underlay, light or fill: nothing to cut, said in one warning
        each."""
        if kind in _PICTURES or kind in _FILLS:
            self.pictures.append((kind, handle, layer))
        elif op.kind != "sheet":  # a POINT: Fusion 360 exports a sketch's points
            self.points.append((handle, layer))

    def _insert(self, e, layer: str, depth: int, where: str, top: str,
                via: tuple[str, ...]) -> None:
        """The block's entities, each named by its handle in the block definition (else its
        place in it, #1 first), the block, and the INSERTs down to it from the model space
        (`via`, this one last): one INSERT puts many entities on the sheet, and blocks
        inserted in one may draw an outline twice (crkbd's key plates)."""
        if depth > MAX_BLOCK_DEPTH:
            raise InputError(f"blocks nested too deeply {where}", self.shown)
        if e.dxf.get("zscale", 1.0) == 0.0:
            # LibreCAD writes every INSERT with z scale 0. A flat block is drawn the same at
            # any z scale (CAD shows it), but ezdxf cannot transform its arcs' and circles'
            # normals through a matrix that flattens z: read it at z scale 1.
            e.dxf.zscale = 1.0
        try:
            tiles = list(e.multi_insert()) if e.mcount > 1 else [e]  # MINSERT: rows x cols
            subs = [(t, k, sub) for t, tile in enumerate(tiles)
                    for k, sub in enumerate(tile.virtual_entities())]
        except Exception as exc:  # noqa: BLE001 - bad block refs raise many types
            raise InputError(f"cannot explode block reference {where}: {exc}",
                             self.shown) from None
        block = e.dxf.get("name", "")
        for t, k, sub in subs:
            src = getattr(sub, "source_of_copy", None)
            own = src.dxf.get("handle") if src is not None else None
            own = own or f"#{k + 1}"
            at = f" tile {t + 1}" if len(tiles) > 1 else ""  # a MINSERT's rows x columns
            down = (*via[:-1], via[-1] + at)
            self.entity(sub, layer, f"{own} in block '{block}' via INSERT "
                        f"{' > '.join(down)}", depth + 1, top, (*down, own))

    def _flatten(self, e, kind: str, where: str):
        def fail(detail: str):
            raise InputError(f"{detail} {where}", self.shown)

        try:
            return flatten_entity(e, kind, self.tol, fail)
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


def _redraw(kind: str) -> str:
    """How to draw an entity the reader cannot cut as something it can."""
    if kind == "REGION":
        return ("a REGION keeps its outline as ACIS solid-modelling data, which wikicut does "
                "not read: explode it to lines and arcs in CAD (EXPLODE)")
    if kind in _SOLIDS:
        return ("a 3D solid, surface or mesh is not a flat outline: export the part's outline "
                "(a flat pattern or a 2D projection) as lines, arcs or polylines")
    return "draw it with lines, arcs, circles or polylines"


def _named(seen: list[tuple[str, str]]) -> tuple[str, str, int]:
    """('1A, 1B and 4 more', "'Layer1', 'Cut'", count) of (handle, layer) pairs a warning
    names: a few handles, then a count, and each layer once."""
    n = len(seen)
    handles = ", ".join(h for h, _ in seen[:5]) + (f" and {n - 5} more" if n > 5 else "")
    layers = ", ".join(repr(x) for x in dict.fromkeys(lay for _, lay in seen))
    return handles, layers, n


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
    if total > MAX_ENTITIES:  # counted for the whole file by the caller too
        raise InputError(f"more than {MAX_ENTITIES:,} entities once blocks are expanded: "
                         "over the reader's limit (no cutting file comes near it)", shown)
    return total


def hidden_layers(doc, frozen_only: bool = False) -> set[str]:
    """Layers switched off or frozen (`frozen_only`: frozen): what the designer hid is not
    cut."""
    out = set()
    for layer in doc.layers:
        try:
            if layer.is_frozen() or (not frozen_only and layer.is_off()):
                out.add(layer.dxf.name)
        except Exception:  # noqa: BLE001 - a damaged layer table entry hides nothing
            continue
    return out


def read_drawing(path: str | Path, layer_map: dict[str, str] | None = None,
                 shown: str | None = None, units: str | None = None) -> Drawing:
    """Every piece of cut geometry and every note of a DXF (of each DXF document in it),
    flattened, in drawing units (`Drawing.units` says how they scale to mm). `units` ("mm",
    "cm", "m", "inch", "ft", "pt", "px") overrides what the file says."""
    path = Path(path)
    shown = shown or str(path)
    given = given_units(units, shown)
    opened = open_dxf(path, shown)
    du = _one_units(opened, given, shown)
    if sum(_expanded(o.doc, o.shown) for o in opened) > MAX_ENTITIES:
        raise InputError(f"more than {MAX_ENTITIES:,} entities once blocks are expanded: "
                         "over the reader's limit (no cutting file comes near it)", shown)
    col = _Collector(shown, layer_map, CHORD_TOL / du.scale, set())
    for o in opened:
        col.hidden, col.frozen = hidden_layers(o.doc), hidden_layers(o.doc, frozen_only=True)
        of = "" if len(opened) == 1 else f" of document {o.number}"
        for entity in o.doc.modelspace():
            col.entity(entity, None, f"{entity.dxf.handle}{of}", 0)
    if col.unengraved:
        n = len(col.unengraved)
        listed = ", ".join(col.unengraved[:5]) + (f" and {n - 5} more" if n > 5 else "")
        warnings.warn(f"{shown}: {n} text(s) on an engraving layer not engraved as drawn: "
                      f"{listed}: wikicut engraves the lines, arcs and polylines there (a "
                      "part's name is engraved as its label where labels are on); explode "
                      "the text to single-line curves in CAD", InputWarning, stacklevel=2)
    if col.points:
        handles, layers, n = _named(col.points)
        warnings.warn(f"{shown}: {n} POINT entit{'y' if n == 1 else 'ies'} not cut (a point "
                      f"has no outline; CAD exports sketch points so): entit"
                      f"{'y' if n == 1 else 'ies'} {handles} on layer(s) {layers}",
                      InputWarning, stacklevel=2)
    if col.pictures:
        _say_pictures(col.pictures, shown)
    for why, seen in col.unseen.items():
        handles, layers, n = _named(seen)
        first = next(iter(dict.fromkeys(lay for _, lay in seen)))
        warnings.warn(f"{shown}: {n} entit{'y' if n == 1 else 'ies'} on layer(s) {layers} "
                      f"not cut: {why} (entit{'y' if n == 1 else 'ies'} {handles}); to "
                      f"mark them, map the layer to an engraving (--layer "
                      f"'{first}=engrave:0.5', a job's [layers])", InputWarning, stacklevel=2)
    if col.skipped:
        names = ", ".join(f"'{n}'" for n in sorted(col.skipped))
        warnings.warn(f"{shown}: layers switched off or frozen are not cut: {names}",
                      InputWarning, stacklevel=2)
    tables = [name for o in opened for name in _table_layers(o.doc)]
    return Drawing(col.pieces, col.labels, shown, du, tuple(dict.fromkeys([*col.used, *tables])))


def _one_units(opened: list[Opened], given: DrawingUnits | None, shown: str) -> DrawingUnits:
    """The drawing units of the file's documents, which must agree (OpenSCAD's are all
    unitless); several documents are said in one warning, as CAD shows only the first."""
    each = [drawing_units(o.doc, o.has_header, given, o.shown, o.inkscape) for o in opened]
    for o, du in zip(opened[1:], each[1:]):
        if du.scale != each[0].scale:
            raise InputError(f"its DXF documents are in different units: document 1 "
                             f"{each[0].said}, document {o.number} {du.said}: join them into "
                             "one drawing in CAD", shown)
    if len(opened) > 1:
        warnings.warn(f"{shown}: {len(opened)} DXF documents one after another in the file "
                      "(OpenSCAD writes one for each top-level object): all read, as one "
                      "drawing; CAD opens only the first", InputWarning, stacklevel=3)
    return each[0]


def _say_pictures(pictures: list[tuple[str, str, str]], shown: str) -> None:
    """One warning for the images, underlays, wipeouts and lights not cut."""
    handles, layers, n = _named([(h, lay) for _, h, lay in pictures])
    kinds = ", ".join(dict.fromkeys(k for k, _, _ in pictures))
    word, draw = ("entity", "it draws") if n == 1 else ("entities", "they draw")
    masked = ("; a WIPEOUT only hides what lies under it in CAD, and that is cut as drawn"
              if any(k == "WIPEOUT" for k, _, _ in pictures) else "")
    found = {k for k, _, _ in pictures}
    what = "; ".join(w for w, ks in (
        ("images, underlays (PDF, DWF, DGN), OLE objects and lights are pictures to trace"
         " over and scene aids, not drawings", _PICTURES),
        ("hatches and solid fills paint an area, they do not outline it", _FILLS)) if found & ks)
    warnings.warn(f"{shown}: {n} {word} not cut, as {draw} no outline: {kinds} ({word} "
                  f"{handles} on layer(s) {layers}): {what}; trace what is to be cut with"
                  f" lines, arcs or polylines{masked}", InputWarning, stacklevel=3)


def _table_layers(doc) -> list[str]:
    """The names in the layer table (a damaged entry names nothing)."""
    out = []
    for layer in doc.layers:
        try:
            out.append(str(layer.dxf.name))
        except Exception:  # noqa: BLE001 - a damaged layer table entry
            continue
    return out
