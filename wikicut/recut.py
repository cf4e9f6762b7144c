"""Re-cutting one part of a finished job (`wikicut recut`): a part broke, or was cut from a
bad sheet, and is cut again, alone, on an offcut or at a chosen spot of a fresh sheet.

Everything comes from the job's output folder: the part's geometry as cut from its sheet's
DXF (so no part file, parameters or nesting are needed), the thickness, machine profile and
tool diameter from report.json. The program is planned, verified and written like any
sheet's (pipeline.write_outputs), into a new folder.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from .errors import InputError, UnsafeJobError
from .io.dxf import read_cutting_file
from .io.profiles import load_profile, resolve_profile_path
from .io.report import checked_report, is_number
from .io.staging import staged_output
from .io.stock import load_offcut
from .model import Layout, Part, Placement, Profile, SheetLayout, Stock
from .pipeline import NestResult, write_outputs

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


def recut_profile(report: dict, profile: str | None, outdir: Path | None = None) -> Profile:
    """The job's profile and tool (report settings), or `profile` when given. A profile
    file the report names is a path relative to the job: looked for from here, then beside
    the output folder (where the job usually is)."""
    st = report.get("settings", {})
    ref = profile or st.get("profile_ref")
    if not ref:
        raise InputError("the report names no machine profile: give --profile")
    if profile is None and outdir is not None:
        ref = str(ref)
        here = resolve_profile_path(ref)
        beside = resolve_profile_path(ref, Path(outdir).parent)
        if here.suffix == ".toml" and not here.is_file() and beside.is_file():
            ref = str(beside)
        elif here.suffix == ".toml" and not here.is_file():
            # never a shipped profile of the same name instead: its limits may differ
            raise InputError(f"the report's machine profile '{ref}' (a path from the job's"
                             " folder) is neither here nor beside the output folder: give"
                             " --profile", Path(outdir) / "report.json")
    return load_profile(ref).with_tool(st.get("tool_diameter"))


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
    raise UnsafeJobError(f"part {part.name} ({x1 - x0:.0f} x {y1 - y0:.0f} mm) does not fit"
                         f" {'at that spot on ' if at else ''}the {stock.width:g} x"
                         f" {stock.height:g} mm stock (margin {stock.margin:g}, keep-outs"
                         f" avoided)")


def is_remnant_id(on: str | Path, inventory: Path | None) -> bool:
    """Whether `--on` names a remnant by its id (R0007) rather than an offcut file: always
    with --inventory; else when no such file exists and it has no suffix or folder."""
    if inventory is not None:
        return True
    text = str(on)
    return not Path(text).exists() and not Path(text).suffix and not any(
        c in text for c in "/\\")


def remnant_stock(rid: str, outdir: Path, inventory: Path | None = None) -> tuple[Stock, Path]:
    """The remnant `rid` and the file it was found in: `inventory`, else the inventory the
    job drew on (its output folder records it), else the job's own remnants.toml. An id the
    file does not list is refused naming the file: one it gave out before (below its
    `next_id`, never given twice) was taken since by a job that cut it."""
    from .io import remnants as rem
    from .io.stock import read_stock

    path = inventory or rem.recorded_inventory(Path(outdir))
    if path is None:
        path = Path(outdir) / rem.FILE_NAME
        if not path.is_file():
            raise InputError(f"--on {rid}: no offcut file of that name, and the job kept no"
                             " remnants to find that id in: give the shop's inventory with"
                             " --inventory FILE")
    if not Path(path).is_file():
        raise InputError(f"--on {rid}: remnant inventory not found", path)
    inv = rem.read_remnant_file(Path(path), str(path), read_stock)
    for st in inv.stocks:
        if st.remnant == rid:
            return st, Path(path)
    ids = [st.remnant for st in inv.stocks]
    listed = (", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")) if ids else "none"
    num = rid[1:] if rid[:1] == "R" and rid[1:].isdigit() else ""
    if num and int(num) < inv.next_id:
        raise InputError(f"--on {rid}: remnant {rid} is already taken (a job cut it since; ids"
                         f" are never given out twice); its remnants now: {listed}", path)
    raise InputError(f"--on {rid}: no remnant of that id (its remnants: {listed})", path)


def recut(outdir: Path, part: str, dest: Path, *, offcut: Path | str | None = None,
          at: tuple[float, float] | None = None, profile: str | None = None,
          force: bool = False, inventory: Path | None = None) -> NestResult:
    """Write the program (and DXF, preview, report) for one part of a job into `dest`, on
    `offcut` (a file, or a remnant's id: remnant_stock) or at a spot of a sheet like its own.
    `dest` may not be (or hold) the job's folder, the offcut file or the inventory: with
    --force the folder would be replaced, and the job's sheets gone with it."""
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
    remnant = None
    if offcut is not None and is_remnant_id(offcut, inventory):
        remnant = remnant_stock(str(offcut), Path(outdir), inventory)
    board = remnant[1] if remnant else Path(offcut) if offcut is not None else None
    inputs = [Path(outdir), *([board] if board is not None else [])]
    with staged_output(Path(dest), force, inputs) as stage:
        shape = part_as_cut(outdir, sheet, placed)
        prof = recut_profile(report, profile, outdir)
        if offcut is not None:
            stock = remnant[0] if remnant else load_offcut(offcut)
            if abs(stock.thickness - st["thickness"]) > 0.5:
                what = f"--on {offcut}: remnant" if remnant else "offcut"
                raise InputError(f"{what} is {stock.thickness:g} mm thick, the job's sheets"
                                 f" {st['thickness']:g} mm: re-cut from the same board", board)
        else:
            stock = sheet_stock(st, rep_path)
        pl = place_on(shape, stock, at, prof.tool.diameter)
        layout = Layout(sheets=[SheetLayout(1, stock, [pl])])
        job = report.get("settings", {})
        settings = {"profile": prof.name, "profile_ref": job.get("profile_ref"),
                    "tool_diameter": prof.tool.diameter, "thickness": stock.thickness,
                    "recut_of": placed["id"], "recut_from_sheet": sheet["index"]}
        return write_outputs(f"recut {placed['id']}", layout, dest, profile=prof, force=force,
                             spacing=job.get("spacing", 0.0),
                             settings=settings, stage=stage)


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
