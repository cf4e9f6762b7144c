"""Stock: the sheets a job cuts, from its [sheet] table or [[sheet]] tables.

A sheet is a rectangle (width, height) or an irregular offcut (`outline` and `holes`, as
points or a DXF drawing it), with its thickness, margin, keep-outs (clamps, damaged areas)
and price. A `[[sheet]] from = "..."` table draws on a remnant file instead, as the job's
inventory does (io/remnants/): each remnant is read by `read_stock` too, so it is checked
as the job's own sheets are. An offcut file for `wikicut recut --on` is one [sheet] table,
read the same way.
"""

from __future__ import annotations

import warnings
from functools import partial
from pathlib import Path
from typing import Any

import shapely

from ..errors import InputError, InputWarning
from ..model import Stock
from . import limits as lim
from . import remnants as rem
from .toml import TomlFile, check_keys, get_bool, get_number, get_str, get_table

THIN = 2.0  # mm: a sheet thinner is a thickness in inches, most likely (0.75 for 3/4 in)
# how the DXF reader begins its refusal of a drawing with no closed contour on a cut layer
NOT_ON_A_CUT_LAYER = ("no part outlines found", "sheet boundary")
SHEET_KEYS = {"width", "height", "thickness", "margin", "count", "strip", "material", "name",
              "price", "keepouts", "outline", "holes"}


def _keepouts(tf: TomlFile, value: Any, key: str) -> tuple[Any, ...]:
    """Keep-outs as [x0, y0, x1, y1] rectangles or [[x, y], ...] polygons, sheet coordinates."""
    if not isinstance(value, list):
        raise tf.error(key, "must be a list of [x0, y0, x1, y1] rectangles or [[x, y], ...]"
                            " polygons")
    zones = []
    for i, z in enumerate(value):
        try:
            flat = z if len(z) == 4 and not isinstance(z[0], list) else [v for p in z for v in p]
            if any(lim.COORDINATE.problem(float(v)) for v in flat):
                raise ValueError  # nan, inf or far off any sheet
            if len(z) == 4 and all(isinstance(v, (int, float)) for v in z):
                x0, y0, x1, y1 = (float(v) for v in z)
                if x1 <= x0 or y1 <= y0:
                    raise ValueError
                poly = shapely.box(x0, y0, x1, y1)
            else:
                poly = shapely.Polygon([(float(x), float(y)) for x, y in z])
            if not poly.is_valid or poly.area <= 0:
                raise ValueError
        except (TypeError, ValueError):
            raise tf.error(f"{key}[{i}]", f"is not a valid rectangle or polygon: {z!r}") from None
        zones.append(poly)
    return tuple(zones)


def read_stock(tf: TomlFile, table: dict[str, Any], prefix: str,
               keys: set[str] = SHEET_KEYS, layers_seen: list[str] | None = None) -> Stock:
    """One [sheet] table; `layers_seen` gathers the layers of an outline's DXF."""
    check_keys(tf, table, keys, prefix)

    def num(k: str, **kw):
        return get_number(tf, table, k, prefix, **kw)

    seen = layers_seen if layers_seen is not None else []
    outline = rem.parse_outline(tf, table, prefix, partial(_dxf_outlines, tf, seen=seen))
    width = num("width", required=outline is None, positive=True)
    height = num("height", required=outline is None, positive=True)
    if outline is not None:  # the outline's box, which a width or height given must match
        w, h = outline.bounds[2:]
        if (width is not None and abs(width - w) > 0.01) or (
                height is not None and abs(height - h) > 0.01):
            raise tf.error(f"{prefix}outline", f"spans {w:g} x {h:g} mm, not the"
                           f" {width or w:g} x {height or h:g} given as width and height")
        width, height = w, h
        if get_bool(tf, table, "strip", prefix):
            raise tf.error(f"{prefix}strip", "a roll has no outline: strip mode takes a"
                           " rectangular [sheet]")
    thickness = num("thickness", required=True, positive=True)
    margin = num("margin", default=15.0, rng=lim.MARGIN)
    count = num("count", default=None, rng=lim.SHEET_COUNT)
    price = num("price", default=None, rng=lim.PRICE)
    if lim.THICKNESS.problem(thickness):
        raise tf.error(f"{prefix}thickness", f"{thickness:g} mm is not a sheet thickness"
                       f" (at most {lim.THICKNESS.maximum:g} mm: a typo, or inches or metres"
                       " given?)")
    if thickness < THIN:  # 0.75 is a 3/4 in sheet in inches: every depth would follow it
        raise tf.error(f"{prefix}thickness", f"{thickness:g} mm is thinner than any board a "
                       f"router cuts parts from ({thickness:g} in would be "
                       f"{thickness * 25.4:g} mm): give the thickness in mm")
    strip = get_bool(tf, table, "strip", prefix)
    if lim.SHEET_SIZE.problem(height):
        raise tf.error(f"{prefix}height", "sheet larger than 20 m: units mixed up?")
    if strip and lim.ROLL_LENGTH.problem(width):
        raise tf.error(f"{prefix}width", "roll longer than 1 km: units mixed up?")
    if not strip and lim.SHEET_SIZE.problem(width):
        raise tf.error(f"{prefix}width", "sheet larger than 20 m: units mixed up?")
    if 2 * margin >= min(width, height):
        raise tf.error(f"{prefix}margin", f"{margin:g} mm leaves no room on a"
                       f" {width:g} x {height:g} sheet")
    keepouts = (_keepouts(tf, table["keepouts"], f"{prefix}keepouts")
                if "keepouts" in table else ())
    sheet = shapely.box(0.0, 0.0, width, height)
    for i, z in enumerate(keepouts):
        # a clamp put off the sheet (x and y swapped, another sheet's size) keeps nothing
        # out where the clamp really is
        if not z.intersects(sheet) or z.intersection(sheet).area <= 0:
            raise tf.error(f"{prefix}keepouts[{i}]", f"lies outside the {width:g} x"
                           f" {height:g} mm sheet (x along the width, y along the height)")
        # so does one in an offcut's notch or hole: no material there to clamp
        if outline is not None and z.intersection(outline).area <= 0:
            raise tf.error(f"{prefix}keepouts[{i}]", "lies off the offcut's material (in a"
                           " notch of its outline, or in a hole), where there is nothing to"
                           " clamp: keep-outs are in the outline's frame, its lower-left"
                           " bound at 0, 0")
    return Stock(
        width=width, height=height, thickness=thickness, margin=margin, count=count,
        material=get_str(tf, table, "material", prefix, default="Plywood"),
        name=get_str(tf, table, "name", prefix, default=""),
        keepouts=keepouts, price=price, strip=strip, outline=outline,
    )


def _dxf_outlines(tf: TomlFile, path: Path, shown: str, seen: list[str]) -> list:
    """The closed outlines of a DXF drawing an offcut (each with its holes), read as the
    file naming it (`tf`, a job) reads its part DXFs: its [layers] map, its [dxf] units and
    join_tolerance. Its layers go into `seen`: the job warns of map entries no DXF of it
    uses once its parts' are read (io/job.py)."""
    from .dxf import read_dxf_parts
    from .reading import reading_of

    kw = reading_of(tf, tf.data, None).dxf_keywords()
    try:
        return [p.outline for p in read_dxf_parts(path, display=shown, layers_seen=seen, **kw)]
    except InputError as exc:
        if exc.detail.startswith(NOT_ON_A_CUT_LAYER):
            # drawn as a sheet or on a layer not cut: say how it is read
            raise InputError(f"{exc.detail}; an offcut's outline is read as a part's, a"
                             " closed contour on a cut layer: map the layer it is drawn on to"
                             " one in the job's [layers] (\"LAYER\" = \"outside\")",
                             exc.file, exc.part) from None
        # an open or self-crossing contour, an entity not read: the drawing is wrong where
        # the reader says, and no layer map mends it
        raise InputError(f"{exc.detail}; the offcut's outline must be one closed contour"
                         " that does not cross itself: fix the drawing", exc.file,
                         exc.part) from None


def read_stocks(tf: TomlFile, data: dict[str, Any], inventory: rem.RemnantFile | None = None,
                layers_seen: list[str] | None = None) -> tuple[list[Stock], list[Path]]:
    """The [sheet] table or [[sheet]] tables: one thickness, strip mode alone. Remnants
    (`from` a remnant file, and the inventory's) of the job's thickness and material come
    first: the nester uses a kind listed earlier when it saves one listed later. Also the
    files read for them: remnant files and DXF outlines (whose layers go into
    `layers_seen`)."""
    sheets = data.get("sheet")
    if sheets is None:
        raise InputError("missing required table [sheet]", tf.display)
    if isinstance(sheets, dict):
        sheets = [sheets]
        prefixes = ["sheet."]
    elif isinstance(sheets, list) and sheets and all(isinstance(s, dict) for s in sheets):
        prefixes = [f"sheet[{i + 1}]." for i in range(len(sheets))]
    else:
        raise tf.error("sheet", "must be a [sheet] table or [[sheet]] tables")
    given = [(s, pre) for s, pre in zip(sheets, prefixes) if "from" not in s]
    stocks = [read_stock(tf, s, pre, layers_seen=layers_seen) for s, pre in given]
    _one_thickness(tf, stocks, [pre for _, pre in given])
    offcuts, files = _remnant_sheets(tf, sheets, prefixes, stocks, inventory)
    # an offcut's outline drawn in a DXF is read too: an input like any other
    files += [tf.path.parent / s["outline"] for s in sheets
              if "from" not in s and isinstance(s.get("outline"), str)]
    stocks = offcuts + stocks
    if not stocks:
        raise tf.error("sheet", "no sheet to cut: the remnant files list none of this"
                       " thickness and material, and no other [[sheet]] is given")
    if len({s.thickness for s in stocks}) > 1:  # the remnants are read of one thickness
        raise tf.error("sheet", "all sheets of a job must have the same thickness"
                       " (parametric slots follow it): split the job by thickness")
    if sum(1 for s in stocks if s.strip) and len(stocks) > 1:
        raise tf.error("strip", "strip mode takes a single [sheet] (no remnants beside it)")
    return stocks, files


def _one_thickness(tf: TomlFile, stocks: list[Stock], prefixes: list[str]) -> None:
    """Refuse sheets of another thickness than the first, naming the first that differs:
    parametric slots follow the one thickness of a job."""
    for st, pre in zip(stocks[1:], prefixes[1:]):
        if st.thickness != stocks[0].thickness:
            raise tf.error(f"{pre}thickness", f"{st.thickness:g} mm, but {prefixes[0]}thickness"
                           f" is {stocks[0].thickness:g} mm: all sheets of a job must have the"
                           " same thickness (parametric slots follow it): split the job by"
                           " thickness")


def _remnant_sheets(tf: TomlFile, sheets: list[dict], prefixes: list[str], stocks: list[Stock],
                    inventory: rem.RemnantFile | None) -> tuple[list[Stock], list[Path]]:
    """The remnants the job may cut: those of the `from` files and the inventory, of the
    job's thickness (its other sheets', else the `from` table's) and material (the `from`
    table's, else its other sheets', else any)."""
    out: list[Stock] = []
    files: list[Path] = []
    empty: list[tuple[str, str, str]] = []  # (key, name, why) of the files that hold none
    materials = {s.material for s in stocks} or None
    thickness = stocks[0].thickness if stocks else None
    for table, prefix in zip(sheets, prefixes):
        if "from" not in table:
            continue
        check_keys(tf, table, rem.FROM_KEYS, prefix)
        name = get_str(tf, table, "from", prefix, required=True)
        path = tf.path.parent / name
        if not path.exists():
            raise tf.error(f"{prefix}from", f"remnant file '{name}' not found")
        if inventory is not None and path.resolve() == inventory.path.resolve():
            raise tf.error(f"{prefix}from", f"'{name}' is the job's inventory: it is drawn on"
                           " already (list it once, as the inventory)")
        got = rem.read_remnant_file(path, name, read_stock).stocks
        got, why = _inventory_said(tf, prefix, name, got, inventory, path)
        files.append(path)
        if not got:  # its job kept none: it says nothing of the thickness
            get_number(tf, table, "thickness", prefix, positive=True)  # checked all the same
            get_str(tf, table, "material", prefix)
            empty.append((f"{prefix}from", name, why))
            continue
        t = get_number(tf, table, "thickness", prefix, default=thickness, positive=True)
        if t is None:
            t = got[0].thickness if len({s.thickness for s in got}) == 1 else None
            if t is None:
                raise tf.error(f"{prefix}thickness", f"'{name}' holds remnants of several"
                               " thicknesses: say which this job cuts")
        thickness = t
        mat = get_str(tf, table, "material", prefix)
        out += rem.draw(got, t, {mat} if mat else materials, name)
    _say_empty(tf, empty, only=len(empty) == sum("from" in s for s in sheets) and not stocks
               and (inventory is None or not inventory.stocks))
    if inventory is not None:
        if thickness is None:
            raise tf.error("sheet", "the inventory holds remnants of any thickness: give the"
                           " job a [sheet] (its thickness and material)")
        offered = rem.draw(inventory.stocks, thickness, materials,
                           f"the inventory {inventory.path.name}")
        if offered and any(s.strip for s in stocks):
            # a roll is cut alone; the shop's offcuts of its thickness wait for a sheet job
            # (refused as "remnants beside a strip" before, which a roll job never listed)
            warnings.warn(f"the inventory {inventory.path.name}: its {len(offered)} remnants"
                          f" of {thickness:g} mm are not offered to a roll (strip mode cuts"
                          " the roll alone); they stay in it",
                          InputWarning, stacklevel=2)
            offered = []
        out += offered
    seen: set[str] = set()
    for s in out:
        if s.remnant in seen:
            raise tf.error("sheet", f"remnant id '{s.remnant}' is listed twice (two remnant"
                           " files, or a file and the inventory): ids must be unique")
        seen.add(s.remnant)
    return out, files


def _inventory_said(tf: TomlFile, prefix: str, name: str, got: list[Stock],
                    inventory: rem.RemnantFile | None, path: Path) -> tuple[list[Stock], str]:
    """A `from` file's remnants less those its job's inventory has given out since (another
    job cut them), with what is said of them; and why none are left when none are."""
    kept = rem.recorded_inventory(path.parent)
    if kept is not None and (inventory is None or kept != inventory.path.resolve()):
        # the job that wrote this file also added its remnants to the shop's inventory,
        # which this job does not update: a later job would be offered them again
        warnings.warn(f"{tf.display}: {tf.where(f'{prefix}from')}: '{name}' was written"
                      f" by a job that added its remnants to the inventory {kept} too;"
                      " this job does not update that inventory, which will still offer"
                      " what it cuts"
                      f" (cut them as the inventory: --inventory {kept})",
                      InputWarning, stacklevel=3)
    why = "the job that wrote it kept none"
    if kept is not None and got and (gone := _taken_since(got, kept, inventory)):
        # another job has cut them since, drawing on the inventory: not there to cut
        got = [st for st in got if st.remnant not in gone]
        why = f"every one taken from the inventory {kept} since, by another job"
        if got:
            warnings.warn(f"{tf.display}: {tf.where(f'{prefix}from')}: '{name}':"
                          f" {', '.join(gone)} taken from the inventory {kept} since"
                          " (cut by another job): not offered", InputWarning, stacklevel=3)
    return got, why


def _taken_since(got: list[Stock], kept: Path, inventory: rem.RemnantFile | None
                 ) -> list[str]:
    """The ids of `got` (remnants a job that drew on the inventory `kept` kept) that
    inventory no longer lists: a later job took them. The job's own inventory as it was
    read; another read, not locked (this job does not write it)."""
    if inventory is not None and kept == inventory.path.resolve():
        stocks = inventory.stocks
    elif kept.is_file():
        stocks = rem.read_remnant_file(kept, str(kept), read_stock).stocks
    else:
        return []
    listed = {st.remnant for st in stocks}
    return [st.remnant for st in got if st.remnant and st.remnant not in listed]


def _say_empty(tf: TomlFile, empty: list[tuple[str, str, str]], only: bool) -> None:
    """Remnant files (key, name, why) that hold none to cut: refused when they are the
    `only` stock the job lists, else said."""
    if empty and only:
        key, name, why = empty[0]
        raise tf.error(key, f"'{name}' holds no remnants ({why}): no sheet to cut; give the"
                       " job a [[sheet]] of its own")
    for key, name, why in empty:
        warnings.warn(f"{tf.display}: {tf.where(key)}: '{name}' holds no remnants ({why}):"
                      " none offered", InputWarning, stacklevel=3)


def load_offcut(path: str | Path) -> Stock:
    """An offcut to re-cut a part on (`wikicut recut --on`): a TOML file holding one [sheet]
    table, written as in a job (width, height, thickness, margin, keepouts ...)."""
    tf = TomlFile.load(path)
    check_keys(tf, tf.data, {"sheet"})
    if not isinstance(tf.data.get("sheet"), dict):
        raise tf.error("sheet", "an offcut file holds one [sheet] table")
    return read_stock(tf, get_table(tf, tf.data, "sheet"), "sheet.")
