"""A remnant file as data: its `[[sheet]]` tables read into stock and written back, and
the remnants of it a job may cut (its thickness and material)."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from shapely import affinity
from shapely.geometry import Polygon

from ...errors import InputWarning
from ...model import Stock
from .. import limits as lim
from ..toml import TomlFile, check_keys, get_number, get_str

if TYPE_CHECKING:
    from .inventory_lock import InventoryLock
    from .undo import DrawRecord

FILE_NAME = "remnants.toml"  # in the output folder of a job with [remnants] or an inventory
REMNANT_KEYS = {"id", "source", "outline", "holes", "width", "height", "thickness", "margin",
                "material", "name", "price", "keepouts"}
FROM_KEYS = {"from", "thickness", "material"}
SAME_THICKNESS = 0.01  # mm: a remnant of another thickness is never offered


@dataclass
class RemnantFile:
    """A remnant file as read: its sheets (one each, `remnant` = the id), where each came
    from (id -> source), the next id to give out. A shop's inventory is rewritten only if it
    still holds the bytes read (`digest`) when the job's outputs are written: of two jobs
    drawing on it at once the second is refused, and no remnant is given out twice.

    `text` is what the sheets were parsed from (None: no file), which the job's output
    folder records so that replacing the folder can undo the draw. Undoing one (`undone`)
    parses the recorded text while `digest` stays that of the file as it is."""

    path: Path
    stocks: list[Stock] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    next_id: int = 1
    digest: str = ""  # of the bytes read ("" when the file did not exist)
    text: str | None = None  # the text parsed (None when the file did not exist)
    replacing: Path | None = None  # the output folder (resolved) it was read to replace
    undone: DrawRecord | None = None  # that folder's draw, undone in `stocks` and `sources`
    # an inventory's: held from its read to the end of its rewrite (inventory_lock.py)
    lock: InventoryLock | None = field(default=None, repr=False, compare=False)


def digest(raw: bytes) -> str:
    """The sha256 an inventory is recognised by: as read, as a job wrote it."""
    return hashlib.sha256(raw).hexdigest()


def _points(tf: TomlFile, value: Any, key: str) -> list[tuple[float, float]]:
    try:
        pts = [(float(x), float(y)) for x, y in value]
        if len(pts) < 3 or any(isinstance(v, bool) or lim.COORDINATE.problem(v)
                               for p in value for v in p):
            raise ValueError
    except (TypeError, ValueError):
        raise tf.error(key, "must be a list of at least three [x, y] points in mm") from None
    return pts


def parse_outline(tf: TomlFile, table: dict[str, Any], prefix: str,
                  read_dxf: Callable[[Path, str], list[Polygon]]) -> Polygon | None:
    """A sheet's `outline` (a list of [x, y] points, or a DXF file holding one closed
    outline) and `holes` (lists of points), moved so its lower-left bound is at 0, 0; None
    for a rectangular sheet."""
    if "outline" not in table:
        if "holes" in table:
            raise tf.error(f"{prefix}holes", "holes need an outline")
        return None
    value = table["outline"]
    if isinstance(value, str):
        path = tf.path.parent / value
        if not path.exists():
            raise tf.error(f"{prefix}outline", f"file '{value}' not found")
        found = read_dxf(path, value)
        if len(found) != 1:
            raise tf.error(f"{prefix}outline", f"'{value}' holds {len(found)} closed outlines,"
                           " expected the offcut's one")
        poly = found[0]
    else:
        poly = Polygon(_points(tf, value, f"{prefix}outline"))
    if not poly.is_valid or poly.is_empty or poly.area <= 0:  # before any hole is cut from it
        raise tf.error(f"{prefix}outline", "is not one valid polygon (edges crossing, or"
                       " no area)")
    if "holes" in table:
        holes = table["holes"]
        if not isinstance(holes, list):
            raise tf.error(f"{prefix}holes", "must be a list of outlines ([[x, y], ...] each)")
        outer = poly
        for k, h in enumerate(holes):
            key = f"{prefix}holes[{k}]"
            hole = Polygon(_points(tf, h, key))
            if not hole.is_valid or hole.area <= 0:
                raise tf.error(key, "is not a valid polygon (edges crossing, or no area)")
            # a hole off the material (another frame, x and y swapped) or across its edge
            # was dropped or made a notch without a word: parts were nested over the
            # damage it marks
            if not outer.contains(hole):
                where = ("lies outside the outline" if outer.intersection(hole).area <= 0
                         else "crosses the outline's edge")
                raise tf.error(key, f"{where}: a hole must lie inside the material (draw a"
                               " notch in the outline itself)")
            poly = poly.difference(hole)
    if not poly.is_valid or poly.is_empty or poly.geom_type != "Polygon" or poly.area <= 0:
        raise tf.error(f"{prefix}outline", "is not one valid polygon (edges crossing, or"
                       " holes splitting it)")
    x0, y0 = poly.bounds[:2]
    return affinity.translate(poly, -x0, -y0)


def read_remnant_file(path: Path, display: str,
                      parse_stock: Callable[[TomlFile, dict, str, set[str]], Stock]
                      ) -> RemnantFile:
    """A remnant file; `parse_stock` reads one [sheet] table as a job does."""
    return parse_remnants(TomlFile.load(path, display), parse_stock)


def parse_remnants(tf: TomlFile, parse_stock) -> RemnantFile:
    """A remnant file's TOML, loaded: from disk, or as a job's output folder recorded it."""
    path = tf.path
    check_keys(tf, tf.data, {"sheet", "next_id"})
    sheets = tf.data.get("sheet", [])
    if not isinstance(sheets, list) or not all(isinstance(s, dict) for s in sheets):
        raise tf.error("sheet", "must be [[sheet]] tables")
    out = RemnantFile(Path(path))
    for i, t in enumerate(sheets):
        prefix = f"sheet[{i + 1}]."
        rid = get_str(tf, t, "id", prefix, required=True)
        if not rid or rid in out.sources:
            raise tf.error(f"{prefix}id", f"'{rid}' is empty or listed twice")
        out.sources[rid] = get_str(tf, t, "source", prefix, default="") or ""
        st = parse_stock(tf, t, prefix, REMNANT_KEYS)
        out.stocks.append(replace(st, count=1, remnant=rid, name=st.name or f"Remnant {rid}"))
    out.next_id = int(get_number(tf, tf.data, "next_id", default=1, rng=lim.Range(
        integer=True, minimum=1, maximum=10**9)))
    out.digest = digest(tf.text.encode("utf-8"))  # the bytes parsed, not a second read
    out.text = tf.text
    return out


def draw(stocks: list[Stock], thickness: float, materials: set[str] | None,
         where: str) -> list[Stock]:
    """The remnants a job may cut: its thickness (never 12 mm ply for 18 mm) and, when
    `materials` is given, one of them (as written, but for case and spaces: "plywood" is
    "Plywood"). Remnants in `where` (a file) of which none is offered are named in a
    warning: a job that silently cut new sheets beside them looked like one that had none."""
    out = [s for s in stocks if same_kind(s, thickness, materials)]
    if stocks and not out:
        kinds = sorted({f"{s.thickness:g} mm {s.material}" for s in stocks})
        mats = "" if materials is None else " " + " or ".join(sorted(materials))
        warnings.warn(f"{where}: none of its {len(stocks)} remnants is {thickness:g} mm{mats}"
                      f" (they are {', '.join(kinds[:4])}{' ...' if len(kinds) > 4 else ''}):"
                      " none offered", InputWarning, stacklevel=2)
    return out


def same_kind(stock: Stock, thickness: float, materials: set[str] | None) -> bool:
    """Whether a remnant may be cut for parts of `thickness` and one of `materials` (None:
    any): a job's draw and a recut on a remnant hold to the one rule."""
    return abs(stock.thickness - thickness) <= SAME_THICKNESS and (
        materials is None
        or _material_key(stock.material) in {_material_key(m) for m in materials})


def _material_key(material: str) -> str:
    return " ".join(material.split()).casefold()


def _num(v: float) -> str:
    s = f"{round(float(v), 3):.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _ring(coords) -> str:
    pts = np.asarray(coords)[:-1]
    return "[" + ", ".join(f"[{_num(x)}, {_num(y)}]" for x, y in pts) + "]"


def _sheet_table(st: Stock, source: str) -> list[str]:
    lines = ["[[sheet]]", f"id = {json.dumps(st.remnant)}"]
    if source:
        lines.append(f"source = {json.dumps(source, ensure_ascii=False)}")
    if st.name and st.name != f"Remnant {st.remnant}":
        lines.append(f"name = {json.dumps(st.name, ensure_ascii=False)}")
    lines += [f"material = {json.dumps(st.material, ensure_ascii=False)}",
              f"thickness = {_num(st.thickness)}", f"width = {_num(st.width)}",
              f"height = {_num(st.height)}", f"margin = {_num(st.margin)}"]
    if st.price is not None:
        lines.append(f"price = {_num(st.price)}")
    if st.outline is not None:
        lines.append(f"outline = {_ring(st.outline.exterior.coords)}")
        if st.outline.interiors:
            lines.append("holes = [" + ", ".join(_ring(r.coords) for r in st.outline.interiors)
                         + "]")
    if st.keepouts:
        lines.append("keepouts = [" + ", ".join(_ring(z.exterior.coords) for z in st.keepouts
                                                 if z.geom_type == "Polygon") + "]")
    return lines


def remnants_text(stocks: list[tuple[Stock, str]], next_id: int | None = None,
                  title: str = "remnants") -> str:
    """A remnant file: (stock, source) pairs as [[sheet]] tables; an inventory also keeps
    its `next_id` (ids are never given out twice)."""
    lines = [f"# wikicut {title}: offcuts kept as stock. A job lists them with"
             ' [[sheet]] from = "<this file>"']
    if next_id is not None:
        lines.append(f"next_id = {int(next_id)}")
    for st, source in stocks:
        lines += ["", *_sheet_table(st, source)]
    return "\n".join(lines) + "\n"
