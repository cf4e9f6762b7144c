"""Re-cutting one part of a finished job (`wikicut recut`): a part broke, or was cut from a
bad sheet, and is cut again, alone, on an offcut or at a chosen spot of a fresh sheet.

Everything comes from the job's output folder: the part's geometry as cut from its sheet's
DXF (so no part file, parameters or nesting are needed), the thickness, machine profile and
the job's tools (its rack, tools per operation and feeds: `settings.tooling`) from
report.json. The program is planned, verified and written like any sheet's
(pipeline.write_outputs), into a new folder.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, InputWarning, UnsafeJobError, WikicutError
from .io.dxf import read_cutting_file
from .io.profiles import load_profile, resolve_profile_path
from .io.report import checked_report, is_number
from .io.staging import staged_output
from .io.stock import load_offcut
from .model import Layout, Part, Placement, Profile, SheetLayout, Stock
from .pipeline import NestResult, write_outputs
from .pipeline.job import profile_ref

if TYPE_CHECKING:
    from .io.remnants import RemnantFile
    from .model.tooling import OperationSettings, Tooling

_MATCH = 0.01  # mm: a DXF part is the report's part when their boxes agree this closely


def find_part(report: dict, part: str) -> tuple[dict, dict]:
    """(sheet, placed part) for an instance id ("wall-rib#3") or a part name (its first copy)."""
    for key in ("id", "name"):
        for s in report["sheets"]:
            for p in s["parts"]:
                if p[key] == part:
                    return s, p
    names = sorted({p["name"] for s in report["sheets"] for p in s["parts"]})
    raise InputError(f"no part '{part}' in this job (parts: {', '.join(names[:20])}"
                     + (" ..." if len(names) > 20 else "") + ")")


def part_as_cut(outdir: Path, sheet: dict, placed: dict) -> Part:
    """The part's geometry from its sheet's DXF, in the sheet's frame, named by its id."""
    dxf = Path(outdir) / Path(sheet["file_dxf"]).name
    if not dxf.exists():
        raise InputError("sheet DXF missing", dxf)
    drawn = read_cutting_file(dxf, display=str(dxf))
    want = placed["bbox"]
    for s in drawn:
        for p in s.placements:
            got = p.part.outline.bounds
            if all(abs(a - b) <= _MATCH for a, b in zip(got, want)):
                # the DXF's text is the copy's id; the part's label is what the job engraved
                label = placed.get("label") or p.part.label or placed["name"]
                return replace(p.part, name=placed["name"], label=label, source=placed["source"])
    raise InputError(f"part {placed['id']} not found at {want} in the sheet's DXF", dxf)


def sheet_stock(st: dict, where: Path) -> Stock:
    """The sheet's stock from its report record, with the offcut's material and the
    keep-outs (absent from older reports and from plain sheets): a part placed on it goes
    on the board and clear of the clamps, as the nested parts did."""
    rings = st.get("outline")
    return Stock(width=st["width"], height=st["height"], thickness=st["thickness"],
                 margin=st["margin"], material=st["material"], name=st["name"],
                 outline=_polygon(rings[0], rings[1:], where, "outline") if rings else None,
                 keepouts=tuple(_polygon(z, [], where, "keepouts")
                                for z in st.get("keepouts", ())))


def _polygon(shell, holes, where: Path, key: str):
    """A valid polygon from report rings, or a one-line refusal naming the key."""
    import shapely

    try:
        poly = shapely.Polygon(shell, holes)
    except (TypeError, ValueError, shapely.errors.GEOSException):
        poly = None
    if poly is None or poly.is_empty or not poly.is_valid or poly.area <= 0:
        raise InputError(f"sheet stock `{key}` is not a valid polygon", where)
    return poly


def recut_profile(report: dict, profile: str | None, outdir: Path | None = None,
                  thickness: float | None = None) -> tuple[Profile, Tooling | None]:
    """The profile of the job's main tool and the job's tooling (recut_tooling), cutting
    stock `thickness` (the job's when None); or `profile`'s when given. A profile file the
    report names is a path relative to the job: looked for from here, then beside the
    output folder (where the job usually is)."""
    st = report.get("settings", {})
    ref = profile or st.get("profile_ref")
    if not ref:
        raise InputError("the report names no machine profile: give --profile")
    if profile is None and outdir is not None:
        ref = str(_beside(resolve_profile_path(str(ref)), str(ref), outdir, "machine profile",
                          "give --profile") or ref)
    base = load_profile(ref)
    thick = thickness if thickness is not None else st.get("thickness")
    tooling = recut_tooling(report, base, thick, outdir)
    if tooling is None:
        return base.with_tool(st.get("tool_diameter")), None
    from .cam.choose import main_tool

    return main_tool(tooling, thick).profile, tooling


def _beside(here: Path, ref: str, outdir: Path, what: str, remedy: str) -> Path | None:
    """A file the report names by its path from the job's folder: None when `here` (from
    the current folder, or a shipped one) is it, else the one beside the output folder,
    where the job usually is."""
    if here.suffix != ".toml" or here.is_file():
        return None
    beside = Path(outdir).parent / ref
    if beside.is_file():
        return beside
    # never a shipped file of the same name instead: its limits may differ
    raise InputError(f"the report's {what} '{ref}' (a path from the job's folder) is neither"
                     f" here nor beside the output folder: {remedy}",
                     Path(outdir) / "report.json")


def recut_tooling(report: dict, base: Profile, thickness: float,
                  outdir: Path | None = None) -> Tooling | None:
    """The job's tooling built again as the job built it (cam.resolve_tooling) from the
    report's `settings.tooling`: its rack, tools per operation and feeds. None for a report
    without it: the profile's one tool, said in a warning where the job may have had a rack
    (a `wikicut gcode` folder never has one)."""
    from .cam import resolve_tooling
    from .io.tools import load_library

    st = report.get("settings", {})
    where = Path(outdir) / "report.json" if outdir is not None else None
    rec = st.get("tooling")
    if rec is None:
        if "turned_sheets" not in st:
            shown = f"{where}: " if where else ""
            warnings.warn(f"{shown}no `settings.tooling` (a report from before wikicut"
                          " recorded it): the job's rack is unknown, so the part is recut with"
                          f" {base.name}'s own {st.get('tool_diameter') or base.tool.diameter:g}"
                          " mm tool and feeds", InputWarning, stacklevel=2)
        return None
    tools, ops, material, files = _tooling_of(rec, where)
    lib, mats = (f if f is None or outdir is None else
                 _beside(Path(f), f, outdir, f"tool {k} file", "put it there") or f
                 for k, f in zip(("library", "materials"), files))
    try:
        library = load_library(lib, mats)
        if not tools:  # the profile's own tool, of the job's tool_diameter, its rack unused
            base = base.with_tool(st.get("tool_diameter")).updated(tools={"rack": ()})
        return resolve_tooling(base, library, material, thickness, tools=tools,
                               operations=ops)
    except WikicutError as exc:  # the report's record asked for it: name the report
        if exc.file is None:
            exc.file = where
            exc.args = (exc.message,)
        raise


def _tooling_of(rec, where: Path | None) -> tuple[tuple[int, ...],
                                                   tuple[OperationSettings, ...], str,
                                                   tuple[str | None, str | None]]:
    """(rack, operations, material, (library, materials)) of a `settings.tooling` record,
    or a one-line refusal naming the key a hand-edited report broke."""
    from .io.report import OPERATION_KEYS
    from .model.tooling import OperationSettings

    def bad(key: str, what: str):
        raise InputError(f"not a wikicut report: `settings.tooling{key}` {what}", where)

    if not isinstance(rec, dict):
        bad("", "is not an object")
    tools = rec.get("tools")
    if not isinstance(tools, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in tools):
        bad(".tools", "is not a list of tool numbers")
    ops = rec.get("operations")
    if not isinstance(ops, dict):
        bad(".operations", "is not an object")
    out = []
    for kind, vals in ops.items():
        if not isinstance(vals, dict) or not set(vals) <= set(OPERATION_KEYS) or not all(
                is_number(v) for v in vals.values()):
            bad(f".operations.{kind}", f"is not {{{', '.join(OPERATION_KEYS)}}} numbers")
        tool = vals.get("tool")
        if tool is not None and (not isinstance(tool, int) or isinstance(tool, bool)):
            bad(f".operations.{kind}.tool", "is not a tool number")
        out.append(OperationSettings(kind, **vals))
    if not isinstance(rec.get("material"), str):
        bad(".material", "is not a material name")
    files = (rec.get("library"), rec.get("materials"))
    for key, f in zip(("library", "materials"), files):
        if f is not None and not isinstance(f, str):
            bad(f".{key}", "is not a file name")
    return tuple(tools), tuple(out), rec["material"], files


def place_on(part: Part, stock: Stock, at: tuple[float, float] | None, gap: float) -> Placement:
    """The part with its box's lower-left corner at `at`, or else at the first spot of the
    stock (bottom row first, then left to right, every 5 mm, as drawn or turned a quarter)
    inside its margin and `gap` (room for the tool) clear of every keep-out; refused if none
    fits."""
    import shapely

    room = shapely.box(stock.margin, stock.margin, stock.width - stock.margin,
                       stock.height - stock.margin)
    if stock.outline is not None:  # an irregular offcut: its material, less the margin
        room = room.intersection(stock.inner)
    blocked = shapely.union_all([z.buffer(gap) for z in stock.keepouts]) if stock.keepouts \
        else shapely.Polygon()
    shapely.prepare(room)
    shapely.prepare(blocked)
    name = part.name + "#recut"
    for rot in [0.0] if at is not None else [0.0, 90.0]:
        shape = Placement(name, part, 0.0, 0.0, rot).placed().outline
        x0, y0, x1, y1 = shape.bounds
        if at is not None:
            spots = [at]
        else:
            lo = stock.margin + gap
            xs = [lo + 5.0 * i for i in range(int((stock.width - lo - (x1 - x0)) // 5) + 1)]
            ys = [lo + 5.0 * j for j in range(int((stock.height - lo - (y1 - y0)) // 5) + 1)]
            spots = [(x, y) for y in ys for x in xs]
        for tx, ty in spots:
            moved = shapely.affinity.translate(shape, tx - x0, ty - y0)
            if room.contains(moved) and not blocked.intersects(moved):
                return Placement(name, part, tx - x0, ty - y0, rot)
    x0, y0, x1, y1 = part.outline.bounds
    # an irregular offcut's box may hold the part where its material does not: name both
    board = f"remnant {stock.remnant}" if stock.remnant else "the offcut"
    what = (f"{board}'s outline ({stock.width:g} x {stock.height:g} mm box,"
            f" {stock.outline.area / 1e6:.3f} m2 of material;" if stock.outline is not None
            else f"the {stock.width:g} x {stock.height:g} mm stock (")
    raise UnsafeJobError(f"part {part.name} ({x1 - x0:.0f} x {y1 - y0:.0f} mm) does not fit"
                         f" {'at that spot on ' if at else ''}{what} margin"
                         f" {stock.margin:g}, keep-outs avoided)")


def as_placed(pl: Placement, placed: dict) -> Placement:
    """`pl`, the part as cut from its sheet (part_as_cut) placed again (place_on), as the
    placement of the part itself, in report.json's terms: the job's placement (`placed`,
    mirrored, turned by `rotation`, moved by `x`, `y`) followed by `pl`'s. Where the part's
    origin lies on its old sheet comes from the report (its offset from the box's corner)
    and the DXF (the box), so the new placement is as exact as the sheet DXF."""
    from shapely import Point, affinity

    g = pl.part
    gx, gy = g.outline.bounds[:2]
    ox, oy = gx + placed["x"] - placed["bbox"][0], gy + placed["y"] - placed["bbox"][1]
    rot, mirrored = float(placed["rotation"]), bool(placed.get("mirrored"))
    own = g.transformed(0.0, -ox, -oy).transformed(-rot, 0.0, 0.0).transformed(
        0.0, 0.0, 0.0, mirrored)
    at = affinity.rotate(Point(ox, oy), pl.rotation, origin=(0.0, 0.0))
    return Placement(pl.instance, own, at.x + pl.x, at.y + pl.y, (rot + pl.rotation) % 360.0,
                     mirrored)


def is_remnant_id(on: str | Path, inventory: Path | None) -> bool:
    """Whether `--on` names a remnant by its id (R0007) rather than an offcut file: always
    with --inventory; else when no such file exists and it has no suffix or folder."""
    if inventory is not None:
        return True
    text = str(on)
    return not Path(text).exists() and not Path(text).suffix and not any(
        c in text for c in "/\\")


def remnant_file(rid: str, outdir: Path, inventory: Path | None = None) -> tuple[Path, bool]:
    """Where the remnant `rid` is looked for, and whether that file is a shop's inventory:
    `inventory`, else the inventory the job drew on (its output folder records it), both
    rewritten after the recut as after a job; else the job's own remnants.toml, a record of
    what the job left, read only."""
    from .io import remnants as rem

    path = inventory or rem.recorded_inventory(Path(outdir))
    if path is None:
        path = Path(outdir) / rem.FILE_NAME
        if not path.is_file():
            raise InputError(f"--on {rid}: no offcut file of that name, and the job kept no"
                             " remnants to find that id in: give the shop's inventory with"
                             " --inventory FILE")
        return path, False
    if not Path(path).is_file():
        raise InputError(f"--on {rid}: remnant inventory not found", path)
    return Path(path), True


def remnant_stock(rid: str, outdir: Path, inventory: Path | None = None) -> tuple[Stock, Path]:
    """The remnant `rid` and the file it was found in (remnant_file), read only."""
    from .io import remnants as rem
    from .io.stock import read_stock

    path, _ = remnant_file(rid, outdir, inventory)
    return listed_remnant(rid, rem.read_remnant_file(path, str(path), read_stock)), path


def listed_remnant(rid: str, inv: RemnantFile) -> Stock:
    """The remnant `rid` of a remnant file as read. An id the file does not list is refused
    naming the file: one it gave out before (below its `next_id`, never given twice) has
    left it since, cut by a job (or a recut), or undone by a re-run."""
    for st in inv.stocks:
        if st.remnant == rid:
            return st
    ids = [st.remnant for st in inv.stocks]
    listed = (", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")) if ids else "none"
    num = rid[1:] if rid[:1] == "R" and rid[1:].isdigit() else ""
    if num and int(num) < inv.next_id:
        # the inventory keeps no record of why an id left it: a job that cut the remnant
        # and a re-run (--force) that undid the draw adding it look alike
        raise InputError(f"--on {rid}: remnant {rid} is no longer in the inventory (taken by a"
                         " job, or removed by a --force re-run that undid the draw adding it;"
                         f" ids are never given out twice); its remnants now: {listed}",
                         inv.path)
    raise InputError(f"--on {rid}: no remnant of that id (its remnants: {listed})", inv.path)


def recut(outdir: Path, part: str, dest: Path, *, offcut: Path | str | None = None,
          at: tuple[float, float] | None = None, profile: str | None = None,
          force: bool = False, inventory: Path | None = None) -> NestResult:
    """Write the program (and DXF, preview, report) for one part of a job into `dest`, on
    `offcut` (a file, or a remnant's id: remnant_file) or at a spot of a sheet like its own.
    `dest` may not be (or hold) the job's folder, the offcut file or the inventory: with
    --force the folder would be replaced, and the job's sheets gone with it.

    A recut on a shop's remnant draws on its inventory as a job does: under its lock from
    the read to the rewrite, the remnant taken out and what the recut leaves of it added,
    the file rewritten only once the outputs are in place, and the draw recorded in `dest`
    (a --force recut into it undoes it first)."""
    from .io import remnants as rem
    from .io.stock import read_stock

    if at is not None and not all(math.isfinite(v) and abs(v) <= 1e6 for v in at):
        raise InputError(f"--at {at[0]:g},{at[1]:g}: give a finite spot on the sheet, in mm")
    rep_path = Path(outdir) / "report.json"
    report = _report(outdir, rep_path)
    sheet, placed = find_part(report, part)
    st = sheet.get("stock")
    if not isinstance(st, dict) or not all(
            is_number(st.get(k)) for k in ("width", "height", "thickness", "margin")):
        raise InputError(f"sheet {sheet['index']}: `stock` lacks its width, height, thickness"
                         " or margin", rep_path)
    if not _box(placed.get("bbox")):
        raise InputError(f"part {placed['id']}: `bbox` is not [x0, y0, x1, y1]", rep_path)
    if inventory is not None and offcut is None:
        raise InputError("--inventory names where the remnant of --on ID is: give --on too")
    found = shop = None
    if offcut is not None and is_remnant_id(offcut, inventory):
        path, is_shop = remnant_file(str(offcut), Path(outdir), inventory)
        # an inventory's lock is taken by its read, and held by `shop` until the rewrite
        found = (rem.load_inventory(path, read_stock, Path(dest) if force else None) if is_shop
                 else rem.read_remnant_file(path, str(path), read_stock))
        shop = found if is_shop else None
    with rem.holding(shop):
        remnant = listed_remnant(str(offcut), found) if found is not None else None
        if remnant is not None:
            _check_same_kind(str(offcut), remnant, st, found.path)
        _check_draws(dest, force, shop)
        board = found.path if found is not None else Path(offcut) if offcut is not None \
            else None
        inputs = [Path(outdir), *([board] if board is not None else [])]
        kept: list[str] = []  # the inventory's new text (written with the outputs)
        with staged_output(Path(dest), force, inputs) as stage:
            shape = part_as_cut(outdir, sheet, placed)
            if remnant is not None:
                stock = remnant
            elif offcut is not None:
                stock = load_offcut(offcut)
                if abs(stock.thickness - st["thickness"]) > 0.5:
                    raise InputError(f"offcut is {stock.thickness:g} mm thick, the job's sheets"
                                     f" {st['thickness']:g} mm: re-cut from the same board",
                                     board)
            else:
                stock = sheet_stock(st, rep_path)
            prof, tooling = recut_profile(report, profile, outdir, stock.thickness)
            pl = as_placed(place_on(shape, stock, at, prof.tool.diameter), placed)
            layout = Layout(sheets=[SheetLayout(1, stock, [pl])])
            job = report.get("settings", {})
            # the profile cut with: --profile's (its path from the folder `dest` is in, where
            # diff and recut look beside it), else the job's as its report names it
            ref = (job.get("profile_ref") if profile is None
                   else profile_ref(profile, Path(dest).resolve().parent))
            settings = {"profile": prof.name, "profile_ref": ref,
                        **({"tooling": job["tooling"]} if tooling is not None else {}),
                        "tool_diameter": prof.tool.diameter, "thickness": stock.thickness,
                        "recut_of": placed["id"], "recut_from_sheet": sheet["index"]}
            name = f"recut {placed['id']}"
            spacing = job.get("spacing", 0.0)
            spacing = spacing if is_number(spacing) else 0.0
            then = None if shop is None else lambda r: kept.append(
                _draw_on(shop, name, layout, prof, spacing, stage.tmp, r))
            result = write_outputs(name, layout, dest, profile=prof, force=force,
                                   spacing=spacing, settings=settings, stage=stage,
                                   tooling=tooling, then=then)
        if kept:  # the outputs are in place: the shop's remnants follow them
            rem.replace_file(shop.path, kept[0])
    return result


def _check_same_kind(rid: str, remnant: Stock, st: dict, where: Path) -> None:
    """Refuse a remnant a job would not be offered (io.remnants.same_kind): its thickness
    and material against those of the sheet the part was cut from (any material for a
    report that records none)."""
    from .io.remnants import same_kind

    mat = st.get("material") if isinstance(st.get("material"), str) else None
    if not same_kind(remnant, st["thickness"], None if mat is None else {mat}):
        job = f"{st['thickness']:g} mm thick" + (f" {mat}" if mat is not None else "")
        raise InputError(f"--on {rid}: remnant is {remnant.thickness:g} mm thick"
                         f" {remnant.material}, the job's sheets {job}: a remnant is cut only"
                         " for parts of its thickness and material, as a job draws them",
                         where)


def _check_draws(dest: Path, force: bool, shop: RemnantFile | None) -> None:
    """Refuse to replace (--force) a folder whose draw on an inventory this run would not
    undo (io.remnants.check_replaced, check_no_draw_left): its remnant would stay taken
    with the record of it gone."""
    from .io import remnants as rem

    if shop is not None:
        rem.check_replaced(shop, Path(dest), force)
    drew = rem.recorded_inventory(Path(dest)) if force else None
    if force and (shop is None or (drew is not None and drew != shop.path.resolve())):
        rem.check_no_draw_left(Path(dest), remedy="write to a new folder, or recut on a"
                               " remnant of that inventory, which undoes it")


def _draw_on(shop: RemnantFile, name: str, layout: Layout, prof: Profile, spacing: float,
             tmp: Path, result: NestResult) -> str:
    """The inventory's new text: the remnant cut taken out, the pieces the recut leaves of
    it (found as a job's, with the default `[remnants]` rules: the job's are not in its
    report) added with new ids; remnants.toml and the record of this draw (UNDO_FILE) go
    into the staged folder, once the inventory is checked unchanged since it was read."""
    from .io import remnants as rem
    from .pipeline.outputs import write_text

    clearance = max(spacing, prof.tool.diameter)  # as a job's: the cut around the part
    keep = prof.holddown.diameter / 2 + prof.holddown.clearance
    taken = [rem.cut_away(p, prof.tool.diameter, keep, clearance) for p in result.programs]
    text, inventory = rem.remnant_outputs(name, layout, rem.RemnantRules(), shop, clearance,
                                          taken)
    write_text(tmp / rem.FILE_NAME, text)
    write_text(tmp / rem.UNDO_FILE, rem.undo_record(shop, inventory))
    result.files += [rem.FILE_NAME, rem.UNDO_FILE]
    rem.check_unchanged(shop)
    return inventory


def inventory_note(dest: Path) -> str:
    """One line for the terminal: what a recut's draw on an inventory (recorded in `dest`)
    took out of it and added ("" for a recut that drew on none)."""
    from .io import remnants as rem

    rec = rem.recorded_draw(Path(dest))
    if rec is None:
        return ""
    rules = rem.RemnantRules()
    added = (f"what is left of it added as {', '.join(rec.added)}" if rec.added
             else f"nothing left of it to keep (no piece {rules.min_width:g} mm wide and"
             f" {rules.min_area_m2:g} m2)")
    return f"inventory {rec.inventory}: {', '.join(rec.took) or 'nothing'} taken out, {added}"


def _report(outdir: Path, rep_path: Path) -> dict:
    """The job's report.json checked as diff and the previews check it (checked_report),
    and each sheet's DXF named: recut reads the part from it."""
    report = checked_report(outdir)
    for i, sh in enumerate(report["sheets"]):
        if not isinstance(sh.get("file_dxf"), str):
            raise InputError(f"not a wikicut report: `sheets[{i}]` lacks its DXF", rep_path)
    return report


def _box(v) -> bool:
    return isinstance(v, list) and len(v) == 4 and all(map(is_number, v))
