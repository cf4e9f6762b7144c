"""Remnants: the offcuts a job leaves, kept as stock for the next job.

A remnant file is TOML of `[[sheet]]` tables, each a job's sheet (width, height, thickness,
material, margin) plus its `id`, where it came from (`source`) and, for an irregular piece,
its `outline` (and `holes`) in its own frame (lower-left bound at 0, 0). A job lists one as
`[[sheet]] from = "remnants.toml"`; a shop's inventory is the same file with a `next_id`,
read before a job (its remnants of the job's thickness and material become stock) and
rewritten after it (remnants used are gone, the new ones added) only when the job succeeded.
The job's output folder then records that draw (UNDO_FILE): a run that replaces the folder
(--force) undoes it first, so re-planning a job never spends its remnants twice.

What counts as a remnant (`[remnants]` in the job): the material a sheet has left once its
parts and the cuts around them are gone, less every strip narrower than `min_width` (an
opening of that width), in pieces of at least `min_area_m2`. See docs/nesting.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import tomllib
from shapely import affinity
from shapely.geometry import Polygon

from ..errors import InputError, InputWarning
from ..model import Layout, SheetLayout, Stock
from . import limits as lim
from .toml import TomlFile, check_keys, get_number, get_str, get_table

__all__ = ["FILE_NAME", "UNDO_FILE", "DrawRecord", "RemnantFile", "RemnantRules",
           "check_replaced", "check_unchanged", "draw", "find_remnants", "inventory_update",
           "load_inventory", "parse_outline", "read_remnant_file", "remnant_outputs",
           "remnant_pieces", "remnants_text", "replace_file", "rules_from_table", "summary",
           "undo_note", "undo_record"]

FILE_NAME = "remnants.toml"  # in the output folder of a job with [remnants] or an inventory
UNDO_FILE = "inventory-undo.json"  # in the output folder of a job that rewrote an inventory
UNDO_SCHEMA = "wikicut-inventory-undo/1"
RULE_KEYS = {"min_width", "min_area_m2", "margin", "inventory"}
REMNANT_KEYS = {"id", "source", "outline", "holes", "width", "height", "thickness", "margin",
                "material", "name", "price", "keepouts"}
FROM_KEYS = {"from", "thickness", "material"}
SAME_THICKNESS = 0.01  # mm: a remnant of another thickness is never offered
QUAD_SEGS = 8
# the chords of a polygonal buffer cut inside the true arc (a fillet's chord spans up to 1.5
# quanta of pi / 2 / QUAD_SEGS): grown by this much, the cut around a part is covered
ARC_GROW = 1.0 / math.cos(3.0 * math.pi / (8 * QUAD_SEGS))
# a piece's coordinates are written to 0.001 mm: the next job's margin keeps parts far
# further from its edges than that rounding moves them
PRECISION = 0.001


@dataclass(frozen=True)
class RemnantRules:
    """Which offcuts are kept: every piece at least `min_width` across everywhere and of
    `min_area_m2`; its sheet `margin` (None: the sheet's it came from); the shop's
    inventory file, if any."""

    min_width: float = 100.0
    min_area_m2: float = 0.05
    margin: float | None = None
    inventory: Path | None = None


@dataclass(frozen=True)
class DrawRecord:
    """What a job did to the inventory, as its output folder records it (UNDO_FILE): the
    inventory's text it drew from (None: there was no file yet), the sha256 of the text it
    wrote, the ids it took and added, and the `next_id` it left."""

    folder: Path  # the output folder, as given
    inventory: Path  # resolved
    before: str | None
    sha256: str
    took: tuple[str, ...]
    added: tuple[str, ...]
    next_id: int

    def describe(self) -> str:
        return (f"took {', '.join(self.took) or 'none'},"
                f" added {', '.join(self.added) or 'none'}")


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


def rules_from_table(tf: TomlFile, data: dict[str, Any], inventory: str | Path | None
                     ) -> RemnantRules | None:
    """The job's [remnants] table (None when the job has none and no `inventory` is given);
    `inventory` (the command line's) overrides the table's."""
    if "remnants" not in data and inventory is None:
        return None
    t = get_table(tf, data, "remnants")
    check_keys(tf, t, RULE_KEYS, "remnants.")
    inv = get_str(tf, t, "inventory", "remnants.")
    path = Path(inventory) if inventory is not None else (
        tf.path.parent / inv if inv is not None else None)
    return RemnantRules(
        min_width=get_number(tf, t, "min_width", "remnants.", default=100.0, positive=True,
                             rng=lim.SHEET_SIZE),
        min_area_m2=get_number(tf, t, "min_area_m2", "remnants.", default=0.05,
                               rng=lim.Range(minimum=0.0, maximum=400.0)),
        margin=get_number(tf, t, "margin", "remnants.", default=None, rng=lim.MARGIN),
        inventory=path)


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
    return _parse(TomlFile.load(path, display), parse_stock)


def _parse(tf: TomlFile, parse_stock) -> RemnantFile:
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
    out.digest = _digest(tf.text.encode("utf-8"))  # the bytes parsed, not a second read
    out.text = tf.text
    return out


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def load_inventory(path: Path, parse_stock, replacing: Path | None = None) -> RemnantFile:
    """The shop's inventory (empty when the file does not exist yet: the first job makes it).

    `replacing`: the output folder this run replaces (--force). When it records a draw on
    this inventory (UNDO_FILE) and the file is still what that run wrote, the job draws from
    the inventory as it was before (the recorded text); when the file is as it was before
    (restored by hand), there is nothing to undo; when it is neither (other jobs drew on it
    since), the run is refused. Either way the new run's ids start past the ones the
    replaced run gave out: an id in its old remnants.toml never names another board."""
    rec = None if replacing is None else _read_draw(Path(replacing), path)
    if rec is None:
        return _load(path, parse_stock)
    state = _state(rec, path)
    if state == "changed":
        raise InputError(f"{_shown(rec.folder)} was cut from this inventory ({rec.describe()})"
                         " and it changed since (other jobs drew on it): that draw cannot be"
                         " undone, nothing was written; write to a new folder, or restore the"
                         " inventory by hand", path)
    if state == "restored":
        inv = _load(path, parse_stock)
    else:  # the file is what the replaced run wrote: draw from what it read
        if rec.before is None:
            inv = RemnantFile(path)
        else:
            shown = f"{path} (as {_shown(rec.folder)} read it, {UNDO_FILE})"
            try:
                data = tomllib.loads(rec.before)
            except tomllib.TOMLDecodeError as exc:
                raise InputError(f"TOML syntax error: {exc}", shown) from None
            inv = _parse(TomlFile(path, data, rec.before, shown), parse_stock)
        inv.digest = rec.sha256  # the file is checked unchanged against what is there now
        inv.undone = rec
    inv.next_id = max(inv.next_id, rec.next_id)
    inv.replacing = Path(replacing).resolve()
    return inv


def _load(path: Path, parse_stock) -> RemnantFile:
    if not path.exists():
        return RemnantFile(path)
    return read_remnant_file(path, str(path), parse_stock)


def _file_digest(path: Path) -> str:
    """The sha256 of the file as it is now ("" when there is none)."""
    return _digest(path.read_bytes()) if path.exists() else ""


def _shown(folder: Path) -> str:
    return str(folder).rstrip("/\\") + "/"


def undo_record(inv: RemnantFile, written: str) -> str:
    """The output folder's record (UNDO_FILE) of a job that rewrites `inv` as `written`:
    enough to put the inventory back as the job read it, and to see that nothing else drew
    on it since (the sha256 of what the job wrote)."""
    after = tomllib.loads(written)
    ids = [str(t.get("id", "")) for t in after.get("sheet", [])]
    record = {"schema": UNDO_SCHEMA, "inventory": str(inv.path.resolve()),
              "before": inv.text, "sha256": _digest(written.encode("utf-8")),
              "took": [i for i in inv.sources if i not in ids],
              "added": [i for i in ids if i not in inv.sources],
              "next_id": int(after.get("next_id", 1))}
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def _read_draw(folder: Path, inventory: Path) -> DrawRecord | None:
    """The draw on `inventory` an output folder records (None: no record, or one of another
    inventory file). A record that cannot be read is refused: replacing the folder without
    it could spend its remnants twice."""
    p = folder / UNDO_FILE
    if not p.is_file():
        return None
    try:
        rec = json.loads(p.read_text(encoding="utf-8"))
        if rec.get("schema") != UNDO_SCHEMA:
            raise ValueError
        before = rec["before"]
        draw = DrawRecord(folder, Path(rec["inventory"]), before, str(rec["sha256"]),
                    tuple(map(str, rec["took"])), tuple(map(str, rec["added"])),
                    int(rec["next_id"]))
        if before is not None and not isinstance(before, str):
            raise ValueError
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        raise InputError(f"cannot read its {UNDO_FILE} (the draw on the remnant inventory that"
                         " replacing it would undo): write to a new folder", folder) from None
    return draw if draw.inventory == inventory.resolve() else None


def _state(rec: DrawRecord, path: Path) -> str:
    """"restored" (the inventory is as the recorded run read it), "undo" (as it wrote it),
    or "changed" (neither)."""
    now = path.read_bytes() if path.exists() else None
    if now == (None if rec.before is None else rec.before.encode("utf-8")):
        return "restored"  # first: a run that changed nothing wrote what it read
    return "undo" if now is not None and _digest(now) == rec.sha256 else "changed"


def undo_note(inv: RemnantFile) -> str:
    """The info line of a run that undoes the draw of the folder it replaces."""
    rec = inv.undone
    if rec is None:
        return ""
    return (f"{_shown(rec.folder)} was cut from {inv.path} before: its draw ({rec.describe()})"
            " is undone first")


def check_replaced(inv: RemnantFile, outdir: Path, force: bool) -> None:
    """Refuse a run whose inventory was read for another output folder than the one it
    writes: an undone draw written elsewhere leaves the folder that made it beside an
    inventory without it, and a folder replaced without its draw undone spends its remnants
    twice (load_job's `replacing` is the folder a --force run replaces)."""
    out = Path(outdir).resolve()
    if inv.undone is not None and (not force or out != inv.replacing):
        raise InputError(f"the inventory was read undoing the draw of"
                         f" {_shown(inv.undone.folder)}: the job must replace that folder"
                         " (--force), nothing was written", outdir)
    if force and inv.replacing != out:
        rec = _read_draw(Path(outdir), inv.path)
        if rec is not None and _state(rec, inv.path) != "restored":
            raise InputError(f"holds a draw on the inventory {inv.path} ({rec.describe()}):"
                             " read the job for replacing it (load_job(..., replacing=...))"
                             " so that draw is undone first; nothing was written", outdir)


def draw(stocks: list[Stock], thickness: float, materials: set[str] | None,
         where: str) -> list[Stock]:
    """The remnants a job may cut: its thickness (never 12 mm ply for 18 mm) and, when
    `materials` is given, one of them (as written, but for case and spaces: "plywood" is
    "Plywood"). Remnants in `where` (a file) of which none is offered are named in a
    warning: a job that silently cut new sheets beside them looked like one that had none."""
    want = None if materials is None else {_material_key(m) for m in materials}
    out = [s for s in stocks if abs(s.thickness - thickness) <= SAME_THICKNESS
           and (want is None or _material_key(s.material) in want)]
    if stocks and not out:
        kinds = sorted({f"{s.thickness:g} mm {s.material}" for s in stocks})
        mats = "" if materials is None else " " + " or ".join(sorted(materials))
        warnings.warn(f"{where}: none of its {len(stocks)} remnants is {thickness:g} mm{mats}"
                      f" (they are {', '.join(kinds[:4])}{' ...' if len(kinds) > 4 else ''}):"
                      " none offered", InputWarning, stacklevel=2)
    return out


def _material_key(material: str) -> str:
    return " ".join(material.split()).casefold()


def remnant_pieces(sheet: SheetLayout, clearance: float, rules: RemnantRules) -> list[Polygon]:
    """The usable pieces of material a sheet leaves, in sheet coordinates: its material
    (the box, or an offcut's outline; a strip only up to its used length, the rest of the
    roll stays a roll) less every part grown by `clearance` (the cut around it) and the
    keep-outs, opened by `min_width` (no strip narrower survives), pieces of `min_area_m2`
    at least, largest first."""
    st = sheet.stock
    length = sheet.used_length if st.strip and sheet.used_length else st.width
    shape = st.outline if st.outline is not None else shapely.box(0.0, 0.0, length, st.height)
    grow = clearance * ARC_GROW
    gone = [p.placed().outline.buffer(grow, quad_segs=QUAD_SEGS) for p in sheet.placements]
    gone += list(st.keepouts)
    free = shape.difference(shapely.union_all(gone)) if gone else shape
    r = rules.min_width / 2
    opened = free.buffer(-r, join_style="mitre").buffer(r, join_style="mitre")
    opened = opened.intersection(free)
    out = []
    for p in shapely.get_parts(opened):
        if p.geom_type != "Polygon":
            continue
        x0, y0, x1, y1 = p.bounds
        if p.area >= rules.min_area_m2 * 1e6 and min(x1 - x0, y1 - y0) >= rules.min_width - 1e-6:
            out.append(p)
    out.sort(key=lambda p: (-round(p.area, 3), p.bounds))
    return out


def _as_stock(piece: Polygon, sheet: SheetLayout, rules: RemnantRules, rid: str) -> Stock:
    """A piece as a sheet in its own frame (lower-left bound at 0, 0); rectangular pieces
    carry no outline."""
    st = sheet.stock
    x0, y0 = piece.bounds[:2]
    local = shapely.set_precision(affinity.translate(piece, -x0, -y0), PRECISION)
    if local.geom_type != "Polygon":  # rounding split it: its largest part
        local = max(shapely.get_parts(local), key=lambda g: g.area)
    w, h = (round(v, 3) for v in local.bounds[2:])
    rect = abs(local.area - w * h) <= 1e-9 * w * h + 1e-6
    margin = st.margin if rules.margin is None else rules.margin
    margin = min(margin, max(0.0, min(w, h) / 2 - 1.0))  # as a job's sheet must leave room
    return Stock(width=w, height=h, thickness=st.thickness, margin=margin,
                 material=st.material, count=1, outline=None if rect else local,
                 remnant=rid, name=f"Remnant {rid}")


def find_remnants(layout: Layout, clearance: float, rules: RemnantRules,
                  ids: Callable[[int, int], str]) -> list[tuple[int, Stock]]:
    """Every sheet's usable remnants as (sheet index, Stock), named by `ids(sheet, k)`."""
    out = []
    for sheet in layout.sheets:
        for k, piece in enumerate(remnant_pieces(sheet, clearance, rules), 1):
            out.append((sheet.index, _as_stock(piece, sheet, rules, ids(sheet.index, k))))
    return out


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


def inventory_update(inv: RemnantFile, layout: Layout, new: list[tuple[int, Stock]],
                     job_name: str, next_id: int) -> str:
    """The inventory after the job: the remnants it cut gone, the ones it left added (their
    ids already given out, below `next_id`), the others as they were."""
    used = {sh.stock.remnant for sh in layout.sheets if sh.stock.remnant}
    kept = [(s, inv.sources.get(s.remnant, "")) for s in inv.stocks if s.remnant not in used]
    added = [(s, f"{job_name} sheet {k}") for k, s in new]
    return remnants_text(kept + added, next_id, "remnant inventory")


class _Ids:
    """An inventory's next ids, `R0007` on: from its `next_id`, passing over any id already
    in it (a hand-made inventory without `next_id`, or with one too low, listed R0001 twice
    after the job, and the next job refused the file)."""

    def __init__(self, inv: RemnantFile) -> None:
        self.taken = set(inv.sources)
        self.next = inv.next_id

    def __call__(self, sheet: int, piece: int) -> str:
        while f"R{self.next:04d}" in self.taken:
            self.next += 1
        self.next += 1
        return f"R{self.next - 1:04d}"


def check_unchanged(inv: RemnantFile) -> None:
    """Refuse when the inventory changed since the job read it (another job drew on it), or
    cannot be rewritten where it is: before the outputs are written, so that nothing is."""
    if _file_digest(inv.path) != inv.digest:
        raise InputError("the remnant inventory changed while this job ran (another job?):"
                         " nothing was written; run the job again", inv.path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{inv.path.name}.tmp-", dir=inv.path.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise InputError(f"cannot write the remnant inventory's folder ({exc.strerror}):"
                         " nothing was written", inv.path) from None


def replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (a temporary file beside it, renamed over it)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror}): the outputs are written, the"
                         " inventory is as it was", path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remnant_outputs(job_name: str, layout: Layout, rules: RemnantRules,
                    inventory: RemnantFile | None, clearance: float) -> tuple[str, str | None]:
    """The job's remnants.toml and, with an inventory, the inventory's new text. Without
    one, ids are the job's name, the sheet and the piece (`house-002-1`); with one, the
    inventory's next ids (`R0007`), never given out twice."""
    from .staging import safe_name

    if inventory is None:
        stem = safe_name(job_name)
        found = find_remnants(layout, clearance, rules, lambda s, k: f"{stem}-{s:03d}-{k}")
    else:
        ids = _Ids(inventory)
        found = find_remnants(layout, clearance, rules, ids)
    text = remnants_text([(st, f"{job_name} sheet {k}") for k, st in found])
    if inventory is None:
        return text, None
    return text, inventory_update(inventory, layout, found, job_name, ids.next)


def summary(layout: Layout, written: Path, inventory: RemnantFile | None) -> str:
    """One line for the terminal: the remnants cut, and those kept (where)."""
    used = [s.stock.remnant for s in layout.sheets if s.stock.remnant]
    kept = [s.get("id", "") for s in tomllib.loads(written.read_text(encoding="utf-8"))
            .get("sheet", [])]
    where = written.name + (f" and the inventory {inventory.path}" if inventory else "")
    return (f"remnants: cut on {', '.join(used) if used else 'none'}; {len(kept)} kept"
            + (f" ({', '.join(kept[:8])}{' ...' if len(kept) > 8 else ''})" if kept else "")
            + f" in {where}")
