"""Writing DXF: a WikiHouse-style cutting file for one sheet (or one part).

Header metadata is fixed, so the same layout always gives the same bytes. Layer names follow
the WikiHouse convention (layers.py reads them back as the same operations). A sheet's number
and each part's name and label ride along as XDATA of the application WIKICUT (on the sheet
rectangle and on the part's id text), which CAD keeps and neither draws nor cuts:
`wikicut gcode` on the sheet alone, at another thickness, cuts and names it as the job did.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import ezdxf
import shapely
from shapely.geometry import Polygon

from ...model import Part, SheetLayout, Stock
from .document import open_dxf
from .layers import ENGRAVE_MAX_DEPTH

__all__ = ["LAYER_KEEPOUTS", "LAYER_MATERIAL", "SheetMarks", "part_dxf_text", "read_screws",
           "read_sheet_marks", "sheet_dxf_text", "write_part_dxf", "write_sheet_dxf"]

LAYER_OUTSIDE = "6_anyTOOL_CUTTHROUGH_OUTSIDE"
LAYER_INSIDE = "3_anyTOOL_CUTTHROUGH_INSIDE"
LAYER_ENGRAVE = "1_anyTOOL_1mmDEEP_INSIDE"
LAYER_DRILL = "2_anyTOOL_DRILL"
LAYER_LABELS = "DONOTCUT_LABELS"
LAYER_SCREWS = "DONOTCUT_SCREWS"  # hold-down screws: drawn for the operator, never cut
# An offcut's material and a sheet's keep-outs: DONOTCUT so no other CAM cuts them, and read
# back by read_cutting_file so a program checked against the file meets the real board
LAYER_MATERIAL = "DONOTCUT_MATERIAL"
LAYER_KEEPOUTS = "DONOTCUT_KEEPOUTS"
_ROUND = 4
APPID = "WIKICUT"  # the XDATA application of what wikicut says of its own sheet files
_XSTR = 250  # characters per XDATA string (DXF allows 255 bytes): longer text is split
_MAX_SHEET = 10**6
_BAD_LAYER_CHARS = re.compile(r'[<>/\\":;?*|=`,\s]+')


def _g(v: float) -> str:
    return f"{round(float(v), 4):g}"


def pocket_layer(depth: float) -> str:
    """Pocket layer name; shallow pockets say POCKET so they are not read back as engraving."""
    if depth > ENGRAVE_MAX_DEPTH:
        return f"4_anyTOOL_{_g(depth)}mmDEEP_INSIDE"
    return f"4_anyTOOL_{_g(depth)}mmDEEP_POCKET"


def engrave_layer(depth: float, closed: bool, label: bool = False) -> str:
    if label:  # the part's own label, read back as one (layers.names_label)
        return f"1_anyTOOL_{_g(depth)}mmDEEP_ENGRAVE_LABELS"
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
        self.marked = False  # any XDATA of APPID: the application is registered last

    def extents(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Real extents, so CAD programs open the file zoomed on the drawing. ezdxf copies
        $EXTMIN/$EXTMAX and $LIMMIN/$LIMMAX from the modelspace's layout when it saves, so
        they are set there (and in the header too: it copies no extents of which a corner
        is (0, 0, 0), as a sheet's lower-left is); AutoCAD opens on the *Active viewport's
        view instead, so that is centred on the drawing too (in place: no new handle
        shifts the entities')."""
        lo = (round(x0, _ROUND) + 0.0, round(y0, _ROUND) + 0.0, 0.0)
        hi = (round(x1, _ROUND) + 0.0, round(y1, _ROUND) + 0.0, 0.0)
        self.doc.header["$EXTMIN"], self.doc.header["$EXTMAX"] = lo, hi
        self.msp.reset_extents(lo, hi)
        self.msp.reset_limits(lo[:2], hi[:2])
        for vport in self.doc.viewports.get_config("*Active"):
            vport.dxf.center = (round((lo[0] + hi[0]) / 2, _ROUND) + 0.0,
                                round((lo[1] + hi[1]) / 2, _ROUND) + 0.0)
            # the height in view: the drawing's, or more where its width would not fit a
            # view of the viewport's shape (width / height = its aspect ratio)
            aspect = vport.dxf.get("aspect_ratio") or 1.34  # DXF's default, as ezdxf writes
            vport.dxf.height = round(max(hi[1] - lo[1], (hi[0] - lo[0]) / aspect),
                                     _ROUND) or 1.0

    def layer(self, name: str, color: int) -> str:
        if name not in self.doc.layers:
            self.doc.layers.add(name, color=color)
        return name

    def mark(self, entity, *pairs: tuple[str, str | int]) -> None:
        """XDATA on `entity`: (key, value) pairs, a number as a 32-bit integer, a text as a
        {group} of strings (any length, empty too)."""
        self.marked = True
        tags: list[tuple[int, str | int]] = []
        for key, value in pairs:
            tags.append((1000, key))
            if isinstance(value, int):
                tags.append((1071, value))
            else:
                tags += [(1002, "{"), *((1000, value[k:k + _XSTR])
                                        for k in range(0, len(value), _XSTR)), (1002, "}")]
        entity.set_xdata(APPID, tags)

    def ring(self, coords, layer: str, color: int, closed: bool = True):
        pts = [(round(x, _ROUND) + 0.0, round(y, _ROUND) + 0.0) for x, y in coords]
        if closed and len(pts) > 1 and pts[0] == pts[-1]:
            pts = pts[:-1]
        clean = [pts[0]] if pts else []
        for p in pts[1:]:
            if p != clean[-1]:
                clean.append(p)
        if len(clean) < 2:
            return None
        return self.msp.add_lwpolyline(clean, format="xy", close=closed,
                                       dxfattribs={"layer": self.layer(layer, color)})

    def part(self, part: Part, instance: str,
             anchor: tuple[float, float] | None = None, marked: bool = False) -> None:
        """The part's cuts and, on LAYER_LABELS, its `instance` text; `marked`: that text
        carries the part's name and label (read_sheet_marks)."""
        poly = _oriented(part.outline)
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
            self.ring(e.path.coords, engrave_layer(e.depth, closed, e.label), 1, closed)
        x, y = anchor if anchor is not None else part.label_anchor()
        text = self.msp.add_text(instance, height=round(part.label_height, _ROUND),
                                 dxfattribs={"layer": self.layer(LAYER_LABELS, 8)})
        text.set_placement((round(x, _ROUND) + 0.0, round(y, _ROUND) + 0.0),
                           align=ezdxf.enums.TextEntityAlignment.MIDDLE_CENTER)
        if marked:
            self.mark(text, ("name", part.name), ("label", part.label))

    def text(self) -> str:
        if self.marked and APPID not in self.doc.appids:
            # registered after every entity, so their handles are as in a file without it
            self.doc.appids.add(APPID)
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


def sheet_dxf_text(sheet: SheetLayout, screws=()) -> str:
    """One sheet as a WikiHouse cutting file (R2010, mm, lower-left 0,0), as a string;
    hold-down `screws` (centres) as points on LAYER_SCREWS, which readers do not cut."""
    w = _Writer()
    st = sheet.stock
    width = sheet.used_length if sheet.used_length else st.width
    rect = w.ring([(0, 0), (width, 0), (width, st.height), (0, st.height)],
                  sheet_layer(replace(st, width=width)), 7)
    if rect is not None:
        w.mark(rect, ("sheet", sheet.index))
    w.extents(0.0, 0.0, width, st.height)
    _stock_zones(w, st, shapely.box(0.0, 0.0, width, st.height))
    placed = [pl.placed() for pl in sheet.placements]
    for pl, part in zip(sheet.placements, placed):
        w.part(part, pl.instance, _free_anchor(part, placed), marked=True)
    for x, y in screws:
        w.msp.add_point((round(x, _ROUND) + 0.0, round(y, _ROUND) + 0.0, 0.0),
                        dxfattribs={"layer": w.layer(LAYER_SCREWS, 1)})
    return w.text()


def _stock_zones(w: _Writer, st: Stock, drawn: Polygon) -> None:
    """The offcut's material rings and each keep-out on their DONOTCUT layers, only where the
    stock has them, so a plain sheet's file stays byte for byte as it was. Keep-outs off the
    drawn rectangle (beyond a strip's used length) mean nothing for this file."""
    if st.outline is not None:
        poly = _oriented(st.outline)
        for ring in (poly.exterior, *poly.interiors):
            w.ring(ring.coords, LAYER_MATERIAL, 8)
    for zone in st.keepouts:
        if zone.intersection(drawn).area > 0:
            w.ring(zone.exterior.coords, LAYER_KEEPOUTS, 1)


def _oriented(poly: Polygon) -> Polygon:
    """Exterior counter-clockwise, holes clockwise (as CAD programs draw them)."""
    if hasattr(shapely, "orient_polygons"):
        return shapely.orient_polygons(poly)
    return shapely.geometry.polygon.orient(poly)


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


def part_dxf_text(part: Part, thickness: float | None = None) -> str:
    """One part in its own coordinates with WikiHouse layers, as a string. `thickness`: the
    ply it was made for, said as WikiHouse files say it, by a sheet rectangle round the part
    (`0_SHEET_Plywood_2400x250x17.6`, a layer no CAM cuts): a job reading the file at
    another thickness fits its slots to that stock (io/dxf/fitting.py)."""
    w = _Writer()
    if thickness is not None:
        x0, y0, x1, y1 = part.bounds
        w.ring([(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
               sheet_layer(Stock(width=round(x1 - x0, 3), height=round(y1 - y0, 3),
                                 thickness=thickness)), 7)
    w.part(part, part.text)
    w.extents(*part.bounds)
    return w.text()


def _write(text: str, path) -> None:
    Path(path).write_text(text, encoding="utf-8", newline="")


def write_sheet_dxf(sheet: SheetLayout, path, screws=()) -> None:
    """Write one sheet's cutting file (same layout -> same bytes)."""
    _write(sheet_dxf_text(sheet, screws), path)


def read_screws(path) -> list[tuple[float, float]]:
    """The hold-down screw centres of a sheet DXF written by write_sheet_dxf."""
    doc = ezdxf.readfile(str(path))
    return [(float(e.dxf.location.x), float(e.dxf.location.y))
            for e in doc.modelspace().query(f'POINT[layer=="{LAYER_SCREWS}"]')]


def write_part_dxf(part: Part, path, thickness: float | None = None) -> None:
    """Write one part as a DXF (same part -> same bytes), made for `thickness` mm ply when
    given (part_dxf_text)."""
    _write(part_dxf_text(part, thickness), path)


@dataclass(frozen=True)
class SheetMarks:
    """What a sheet DXF wikicut wrote says of itself besides its cuts: the sheet's number in
    its job (None: no single one) and, by the id its label text gives (`floor-beam#3`),
    each part's (name, label)."""

    sheet: int | None = None
    parts: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def read_sheet_marks(path, shown: str | None = None) -> SheetMarks:
    """The marks sheet_dxf_text writes (XDATA of APPID), read back; none from a file that
    holds no WIKICUT XDATA (every file but a sheet wikicut wrote is not parsed again)."""
    path = Path(path)
    if APPID.encode() not in path.read_bytes():
        return SheetMarks()
    sheets: list[int] = []
    parts: dict[str, tuple[str, str]] = {}
    for opened in open_dxf(path, shown or str(path)):
        for e in opened.doc.modelspace():
            if not e.has_xdata(APPID):
                continue
            got = _unmark(e.get_xdata(APPID))
            if isinstance(got.get("sheet"), int) and 0 < got["sheet"] <= _MAX_SHEET:
                sheets.append(got["sheet"])
            if (e.dxftype() == "TEXT" and e.dxf.get("layer") == LAYER_LABELS
                    and isinstance(got.get("name"), str) and got["name"]):
                label = got.get("label")
                # keyed as the reader names the part: the text with its spaces collapsed
                parts[" ".join(e.dxf.text.split())] = (got["name"],
                                                       label if isinstance(label, str) else "")
    return SheetMarks(sheets[0] if len(sheets) == 1 else None, parts)


def _unmark(tags) -> dict[str, str | int]:
    """The (key, value) pairs Writer.mark wrote; what does not fit that shape is passed over
    (XDATA another program changed)."""
    out: dict[str, str | int] = {}
    tags = list(tags)
    k = 0
    while k + 1 < len(tags):
        code, key = tags[k].code, tags[k].value
        nxt = tags[k + 1]
        if code != 1000:
            k += 1
        elif nxt.code in (1070, 1071):
            out[str(key)] = int(nxt.value)
            k += 2
        elif nxt.code == 1002 and nxt.value == "{":
            end = next((j for j in range(k + 2, len(tags))
                        if tags[j].code == 1002 and tags[j].value == "}"), None)
            if end is None:
                break
            if all(t.code == 1000 for t in tags[k + 2:end]):
                out[str(key)] = "".join(str(t.value) for t in tags[k + 2:end])
            k = end + 1
        else:
            k += 1
    return out
