"""Job files: what to cut (parts and quantities), on what stock, with which machine.

A job is TOML (see README). Every key is checked and unknown keys are refused, so a typo
like `spacng = 12` never silently falls back to a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import shapely

from ..errors import InputError
from ..model import NestItem, NestSettings, Part, Stock
from ..model.tooling import OPERATION_KINDS, OperationSettings
from . import limits as lim
from .toml import TomlFile, check_keys, get_bool, get_number, get_str, get_table

SHEET_KEYS = {"width", "height", "thickness", "margin", "count", "strip", "material", "name",
              "price", "keepouts"}
NEST_KEYS = {"spacing", "rotations", "seed", "time_limit", "iterations", "workers"}
MACHINE_KEYS = {"profile", "tool_diameter", "tools", "library", "materials", "operations"}
OPERATION_KEYS = {"tool", "feed", "plunge", "ramp", "rpm", "per_pass"}
PART_KEYS = {"file", "quantity", "params", "rotations", "name"}
TOP_KEYS = {"name", "description", "sheet", "nest", "machine", "part", "layers", "currency"}
DXF_SUFFIXES = {".dxf"}


@dataclass(frozen=True)
class JobPart:
    """One [[part]] entry: a part file (parametric TOML or DXF) and how many of each."""

    file: str  # as written in the job
    path: Path
    quantity: int
    params: dict[str, float] = field(default_factory=dict)
    rotations: tuple[float, ...] | None = None
    name: str | None = None
    key: str = "part[1]"  # where it is in the job, for messages


@dataclass(frozen=True)
class Job:
    path: Path
    name: str
    stocks: tuple[Stock, ...]
    settings: NestSettings
    profile: str
    tool_diameter: float | None
    parts: tuple[JobPart, ...]
    layer_map: dict[str, str] = field(default_factory=dict)
    currency: str = ""
    tools: tuple[int, ...] = ()  # the rack, by number in the tool library
    operations: tuple[OperationSettings, ...] = ()  # [machine.operations.<kind>]
    library: Path | None = None  # a tool library beside the job; None: the shipped one
    materials: Path | None = None

    @property
    def material(self) -> str:
        return self.stocks[0].material

    @property
    def thickness(self) -> float:
        return self.stocks[0].thickness

    @property
    def base(self) -> Path:
        return self.path.parent


def _rotations(tf: TomlFile, value: Any, key: str) -> tuple[float, ...]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise tf.error(key, f"must be a non-empty list of angles in degrees, got {value!r}")
    out: list[float] = []
    for v in value:
        if why := lim.ANGLE.problem(v):
            raise tf.error(key, f"angle {why}")
        a = float(v) % 360.0
        if a not in out:
            out.append(a)
    return tuple(out)


def _keepouts(tf: TomlFile, value: Any, key: str) -> tuple[Any, ...]:
    """Keep-outs as [x0, y0, x1, y1] rectangles or [[x, y], ...] polygons, sheet coordinates."""
    if not isinstance(value, list):
        raise tf.error(key, "must be a list of [x0, y0, x1, y1] rectangles or [[x, y], ...] polygons")
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


def _stock(tf: TomlFile, table: dict[str, Any], prefix: str) -> Stock:
    check_keys(tf, table, SHEET_KEYS, prefix)
    num = lambda k, **kw: get_number(tf, table, k, prefix, **kw)
    width = num("width", required=True, positive=True)
    height = num("height", required=True, positive=True)
    thickness = num("thickness", required=True, positive=True)
    margin = num("margin", default=15.0, rng=lim.MARGIN)
    count = num("count", default=None, rng=lim.SHEET_COUNT)
    price = num("price", default=None, rng=lim.PRICE)
    if lim.THICKNESS.problem(thickness):
        raise tf.error(f"{prefix}thickness", f"{thickness:g} mm is not a sheet thickness"
                       " (inches or metres given?)")
    if lim.SHEET_SIZE.problem(width) or lim.SHEET_SIZE.problem(height):
        raise tf.error(f"{prefix}width", "sheet larger than 20 m: units mixed up?")
    if 2 * margin >= min(width, height):
        raise tf.error(f"{prefix}margin", f"{margin:g} mm leaves no room on a"
                       f" {width:g} x {height:g} sheet")
    return Stock(
        width=width, height=height, thickness=thickness, margin=margin, count=count,
        material=get_str(tf, table, "material", prefix, default="Plywood"),
        name=get_str(tf, table, "name", prefix, default=""),
        keepouts=_keepouts(tf, table["keepouts"], f"{prefix}keepouts") if "keepouts" in table else (),
        price=price, strip=get_bool(tf, table, "strip", prefix),
    )


def _stocks(tf: TomlFile, data: dict[str, Any]) -> list[Stock]:
    """The [sheet] table or [[sheet]] tables: one thickness, strip mode alone."""
    sheets = data.get("sheet")
    if sheets is None:
        raise InputError("missing required table [sheet]", tf.display)
    if isinstance(sheets, dict):
        stocks = [_stock(tf, sheets, "sheet.")]
    elif isinstance(sheets, list) and sheets and all(isinstance(s, dict) for s in sheets):
        stocks = [_stock(tf, s, f"sheet[{i + 1}].") for i, s in enumerate(sheets)]
    else:
        raise tf.error("sheet", "must be a [sheet] table or [[sheet]] tables")
    if len({s.thickness for s in stocks}) > 1:
        raise tf.error("thickness", "all sheets of a job must have the same thickness"
                       " (parametric slots follow it): split the job by thickness")
    if sum(1 for s in stocks if s.strip) and len(stocks) > 1:
        raise tf.error("strip", "strip mode takes a single [sheet]")
    return stocks


def _settings(tf: TomlFile, data: dict[str, Any], seed: int | None, time_limit: float | None,
              iterations: int | None) -> NestSettings:
    """The [nest] table with the command line's overrides."""
    nest_t = get_table(tf, data, "nest")
    check_keys(tf, nest_t, NEST_KEYS, "nest.")
    defaults = NestSettings()
    rotations = (_rotations(tf, nest_t["rotations"], "nest.rotations") if "rotations" in nest_t
                 else defaults.rotations)
    settings = NestSettings(
        spacing=get_number(tf, nest_t, "spacing", "nest.", default=defaults.spacing,
                           rng=lim.SPACING),
        rotations=rotations,
        seed=get_number(tf, nest_t, "seed", "nest.", default=defaults.seed, rng=lim.SEED),
        time_limit=get_number(tf, nest_t, "time_limit", "nest.", default=defaults.time_limit,
                              rng=lim.TIME_LIMIT),
        workers=get_number(tf, nest_t, "workers", "nest.", default=defaults.workers,
                           rng=lim.WORKERS),
        iterations=get_number(tf, nest_t, "iterations", "nest.", default=None,
                              rng=lim.ITERATIONS),
    )
    if seed is not None:
        settings = replace(settings, seed=int(seed))
    if time_limit is not None:
        if time_limit <= 0:
            raise InputError(f"--time-limit must be greater than 0, got {time_limit:g}")
        settings = replace(settings, time_limit=float(time_limit))
    if iterations is not None:
        settings = replace(settings, iterations=int(iterations))
    return settings

def _job_parts(tf: TomlFile, data: dict[str, Any], path: Path) -> list[JobPart]:
    """The [[part]] tables, each naming a part file that exists."""
    raw_parts = data.get("part")
    if raw_parts is None:
        raise InputError("no parts: add at least one [[part]] with a file", tf.display)
    if not isinstance(raw_parts, list) or not all(isinstance(p, dict) for p in raw_parts):
        raise tf.error("part", "must be [[part]] tables")
    if len(raw_parts) > lim.MAX_PART_ENTRIES:
        raise InputError(f"{len(raw_parts)} [[part]] tables: more than the"
                         f" {lim.MAX_PART_ENTRIES} a job may list", tf.display)
    parts = []
    for i, p in enumerate(raw_parts):
        where = f"part[{i + 1}]."
        check_keys(tf, p, PART_KEYS, where)
        file = get_str(tf, p, "file", where, required=True)
        qty = get_number(tf, p, "quantity", where, default=1, rng=lim.QUANTITY)
        params = get_table(tf, p, "params", where)
        for k, v in params.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise tf.error(f"{where}params.{k}", f"must be a number, got {v!r}")
            if why := lim.COORDINATE.problem(v):
                raise tf.error(f"{where}params.{k}", why)
        rots = _rotations(tf, p["rotations"], f"{where}rotations") if "rotations" in p else None
        ppath = (path.parent / file)
        if not ppath.exists():
            raise tf.error(f"{where}file", f"part file '{file}' not found")
        if ppath.suffix.lower() in DXF_SUFFIXES and params:
            raise tf.error(f"{where}params", "a DXF part takes no parameters")
        parts.append(JobPart(file=file, path=ppath, quantity=int(qty),
                             params={k: float(v) for k, v in params.items()}, rotations=rots,
                             name=get_str(tf, p, "name", where), key=where.rstrip(".")))
    total = sum(jp.quantity for jp in parts)
    if total > lim.MAX_PARTS:
        raise InputError(f"{total} parts after quantities: more than the {lim.MAX_PARTS} a job"
                         " may nest (a whole house is about 1,500): split the job", tf.display)
    return parts


def load_job(path: str | Path, *, seed: int | None = None, time_limit: float | None = None,
             profile: str | None = None, iterations: int | None = None) -> Job:
    """Read and check a job file; command-line options override the job's values."""
    path = Path(path)
    tf = TomlFile.load(path)
    data = tf.data
    check_keys(tf, data, TOP_KEYS)
    stocks = _stocks(tf, data)
    settings = _settings(tf, data, seed, time_limit, iterations)

    mach = get_table(tf, data, "machine")
    check_keys(tf, mach, MACHINE_KEYS, "machine.")
    prof = profile or get_str(tf, mach, "profile", "machine.", default="grbl")
    tool = get_number(tf, mach, "tool_diameter", "machine.", default=None,
                      rng=lim.TOOL_DIAMETER)
    rack = _rack(tf, mach.get("tools", []))
    operations = _operations(tf, get_table(tf, mach, "operations", "machine."))
    libs = {k: path.parent / get_str(tf, mach, k, "machine.") for k in ("library", "materials")
            if k in mach}
    for k, p in libs.items():
        if not p.exists():
            raise tf.error(f"machine.{k}", f"file '{p}' not found")

    layers = get_table(tf, data, "layers")
    for k, v in layers.items():
        if not isinstance(v, str):
            raise tf.error(f"layers.{k}", f"must be a string naming the operation, got {v!r}")

    parts = _job_parts(tf, data, path)
    return Job(path=path, name=get_str(tf, data, "name", default=path.stem) or path.stem,
               stocks=tuple(stocks), settings=settings, profile=prof, tool_diameter=tool,
               parts=tuple(parts), layer_map=dict(layers),
               currency=get_str(tf, data, "currency", default="") or "", tools=rack,
               operations=operations, library=libs.get("library"),
               materials=libs.get("materials"))


def _rack(tf: TomlFile, value: Any) -> tuple[int, ...]:
    if (not isinstance(value, list) or len(set(map(str, value))) != len(value) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value)):
        raise tf.error("machine.tools", "must be a list of distinct tool numbers in the tool"
                       f" library, got {value!r}")
    return tuple(value)


def _operations(tf: TomlFile, table: dict[str, Any]) -> tuple[OperationSettings, ...]:
    """[machine.operations.<kind>] tables: a tool and feeds for one kind of operation."""
    check_keys(tf, table, {"all", *OPERATION_KINDS}, "machine.operations.")
    out = []
    for kind, row in table.items():
        prefix = f"machine.operations.{kind}."
        if not isinstance(row, dict):
            raise tf.error(prefix.rstrip("."), "must be a table")
        check_keys(tf, row, OPERATION_KEYS, prefix)
        vals = {k: get_number(tf, row, k, prefix, default=None, positive=True,
                              integer=k == "tool") for k in OPERATION_KEYS}
        out.append(OperationSettings(kind, **vals))
    return tuple(out)


def load_job_parts(job: Job) -> list[tuple[JobPart, Part]]:
    """Render every part file of the job at the job's measured thickness."""
    out: list[tuple[JobPart, Part]] = []
    for jp in job.parts:
        display = jp.file
        if jp.path.suffix.lower() in DXF_SUFFIXES:
            from .dxf import read_dxf_parts

            found = read_dxf_parts(jp.path, layer_map=job.layer_map or None, display=display,
                                   thickness=job.thickness)
            if not found:
                raise InputError("no closed part outlines found", display)
        else:
            from .parts import load_part

            found = [load_part(jp.path, jp.params, thickness=job.thickness, display=display)]
        if jp.name:
            found = ([replace(found[0], name=jp.name)] if len(found) == 1 else
                     [replace(p, name=f"{jp.name}-{k + 1}") for k, p in enumerate(found)])
        out.extend((jp, p) for p in found)
    return out


def job_items(job: Job) -> list[NestItem]:
    """Expand quantities into nest items with unique, stable instance ids (name#k)."""
    items: list[NestItem] = []
    counts: dict[str, int] = {}
    for jp, part in load_job_parts(job):
        rots = jp.rotations or job.settings.rotations
        for _ in range(jp.quantity):
            k = counts.get(part.name, 0) + 1
            counts[part.name] = k
            items.append(NestItem(instance=f"{part.name}#{k}", part=part, rotations=rots))
            if len(items) > lim.MAX_PARTS:
                raise InputError(f"more than {lim.MAX_PARTS} parts after quantities (a whole"
                                 " house is about 1,500): split the job", job.path)
    return items


def load_offcut(path: str | Path) -> Stock:
    """An offcut to re-cut a part on (`wikicut recut --on`): a TOML file holding one [sheet]
    table, written as in a job (width, height, thickness, margin, keepouts ...)."""
    tf = TomlFile.load(path)
    check_keys(tf, tf.data, {"sheet"})
    if not isinstance(tf.data.get("sheet"), dict):
        raise tf.error("sheet", "an offcut file holds one [sheet] table")
    return _stock(tf, get_table(tf, tf.data, "sheet"), "sheet.")
