"""Job files: what to cut (parts and quantities), on what stock, with which machine.

A job is TOML (see README). Every key is checked and unknown keys are refused, so a typo
like `spacng = 12` never silently falls back to a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import InputError, suggest
from ..model import ANY, Lock, NestSettings, Stock
from ..model.tooling import OPERATION_KINDS, OperationSettings
from . import limits as lim
from . import remnants as rem
from .locks import read_locks
from .reading import DXF_KEYS as DXF_KEYS  # re-exported: the keys a job's [dxf] takes
from .reading import SLOT_KEYS, Reading, read_slot_keys, read_units, reading_of
from .reading import check_layer_map as check_layer_map  # re-exported, as load_reading
from .reading import load_reading as load_reading
from .shipped import is_shipped_name, shipped_dir, shipped_names
from .stock import load_offcut as load_offcut  # re-exported: scripts import it from io.job
from .stock import read_stock, read_stocks
from .toml import TomlFile, check_keys, get_bool, get_number, get_str, get_table

NEST_KEYS = {"spacing", "rotations", "seed", "time_limit", "iterations", "workers",
             "common_line", "mirror"}
MACHINE_KEYS = {"profile", "tool_diameter", "tools", "library", "materials", "operations"}
OPERATION_KEYS = {"tool", "feed", "plunge", "ramp", "rpm", "per_pass"}
PART_KEYS = {"file", "quantity", "params", "rotations", "name", "units", "lock", "filler",
             "grain", "mirror", *SLOT_KEYS}
BLOCK_KEYS = {"dir", "quantity", "rotations", "units", "grain", "mirror", *SLOT_KEYS}
GRAIN_ROTATIONS = (0.0, 180.0)  # a part with grain keeps it along the sheet's length
TOP_KEYS = {"name", "description", "sheet", "nest", "machine", "part", "block", "layers",
            "currency", "dxf", "remnants"}
DXF_SUFFIXES = {".dxf"}
PART_SUFFIXES = (".toml", ".dxf")  # a part file's path ends so; a shipped part is named


@dataclass(frozen=True)
class JobPart:
    """One [[part]] entry: a part file (parametric TOML or DXF) and how many of each."""

    file: str  # as written in the job
    path: Path
    quantity: int
    params: dict[str, float] = field(default_factory=dict)
    rotations: tuple[float, ...] | str | None = None  # degrees, ANY, None: the job's
    name: str | None = None
    key: str = "part[1]"  # where it is in the job, for messages
    units: str | None = None  # a DXF's units when the file cannot tell (None: the job's)
    label: str = ""  # a block's label (E-XXS-A): engraved on the part, its name and sort key
    locks: tuple[Lock, ...] = ()  # the first copies' places (io/locks.py)
    filler: bool = False  # only the room the other parts leave (at most `quantity`)
    mirror: bool | None = None  # may be cut face down (None: the job's [nest] mirror)
    drawn_thickness: float | None = None  # the ply a DXF was drawn for, over its sheet layer
    slots: str | None = None  # its slots "fit" or "as drawn" (None: the job's)

    @property
    def shown(self) -> str:
        """The file as messages and reports name it: as the job gives it, a shipped part
        named as the shipped profiles are (parts/wall-rib.toml)."""
        return f"parts/{self.path.name}" if is_shipped_name(self.file, PART_SUFFIXES) else self.file


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
    reading: Reading = field(default_factory=Reading)
    blocks: tuple[Path, ...] = ()  # the production CSVs of its [[block]] entries
    tools: tuple[int, ...] = ()  # the rack, by number in the tool library
    operations: tuple[OperationSettings, ...] = ()  # [machine.operations.<kind>]
    library: Path | None = None  # a tool library beside the job; None: the shipped one
    materials: Path | None = None
    remnants: rem.RemnantRules | None = None  # [remnants]: offcuts kept (io/remnants/)
    inventory: rem.RemnantFile | None = None  # the shop's remnants, as read
    # the files its sheets are read from: [[sheet]] from = "..." and DXF outlines
    remnant_files: tuple[Path, ...] = ()
    outline_layers: tuple[str, ...] = ()  # the layers of those DXF outlines, as read

    @property
    def material(self) -> str:
        return self.stocks[0].material

    @property
    def thickness(self) -> float:
        return self.stocks[0].thickness

    @property
    def base(self) -> Path:
        return self.path.parent


def _rotations(tf: TomlFile, value: Any, key: str) -> tuple[float, ...] | str:
    if value == ANY:
        return ANY
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise tf.error(key, f"must be a non-empty list of angles in degrees or \"{ANY}\","
                            f" got {value!r}")
    out: list[float] = []
    for v in value:
        if why := lim.ANGLE.problem(v):
            raise tf.error(key, f"angle {why}")
        a = float(v) % 360.0
        if a not in out:
            out.append(a)
    return tuple(out)


def _part_rotations(tf: TomlFile, table: dict[str, Any], where: str, file: str
                    ) -> tuple[float, ...] | str | None:
    """A [[part]]'s or [[block]]'s own rotations (None: the job's). With `grain = true` the
    part keeps its grain along the sheet: half turns only (GRAIN_ROTATIONS unless given), and
    an angle that turns it off the grain, "any" included, is refused."""
    grain = get_bool(tf, table, "grain", where, part=file)
    rots = _rotations(tf, table["rotations"], f"{where}rotations") if "rotations" in table else None
    if not grain:
        return rots
    if rots is None:
        return GRAIN_ROTATIONS
    if rots == ANY:
        raise tf.error(f"{where}rotations", f"\"{ANY}\" would turn the part off its grain"
                       f" ({where}grain = true): give [0, 180] or drop grain", file)
    off = [r for r in rots if float(r) % 180.0]
    if off:
        raise tf.error(f"{where}rotations", f"{off[0]:g} degrees turns the part off its grain"
                       f" ({where}grain = true): half turns only, [0, 180]", file)
    return rots


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
        common_line=get_bool(tf, nest_t, "common_line", "nest.",
                             default=defaults.common_line),
        mirror=get_bool(tf, nest_t, "mirror", "nest.", default=defaults.mirror),
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


def _job_parts(tf: TomlFile, data: dict[str, Any], path: Path, n_stocks: int) -> list[JobPart]:
    """The [[part]] tables, each naming a part file that exists."""
    raw_parts = data.get("part", [])
    if not isinstance(raw_parts, list) or not all(isinstance(p, dict) for p in raw_parts):
        raise tf.error("part", "must be [[part]] tables")
    if len(raw_parts) > lim.MAX_PART_ENTRIES:
        raise InputError(f"{len(raw_parts)} [[part]] tables: more than the"
                         f" {lim.MAX_PART_ENTRIES} a job may list", tf.display)
    parts = []
    for i, p in enumerate(raw_parts):
        try:
            parts.append(_job_part(tf, p, f"part[{i + 1}].", path, n_stocks))
        except InputError as exc:  # the key names the entry; the part names what it is
            if exc.part is None and isinstance(p.get("file"), str) and p["file"].strip():
                exc.part = str(p.get("name") or Path(p["file"]).stem)
            raise
    return parts


def _job_part(tf: TomlFile, p: dict[str, Any], where: str, path: Path,
              n_stocks: int) -> JobPart:
    """One [[part]] table."""
    check_keys(tf, p, PART_KEYS, where)
    file = get_str(tf, p, "file", where, required=True)
    qty = get_number(tf, p, "quantity", where, default=1, rng=lim.QUANTITY)
    params = get_table(tf, p, "params", where)
    for k, v in params.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise tf.error(f"{where}params.{k}", f"must be a number, got {v!r}")
        if why := lim.COORDINATE.problem(v):
            raise tf.error(f"{where}params.{k}", why)
    rots = _part_rotations(tf, p, where, file)
    ppath = _part_file(tf, file, f"{where}file", path.parent)
    if ppath.suffix.lower() in DXF_SUFFIXES and params:
        raise tf.error(f"{where}params", "a DXF part takes no parameters")
    locks, filler = _placing(tf, p, where, int(qty), n_stocks)
    drawn, slots = read_slot_keys(tf, p, where, file)
    if ppath.suffix.lower() not in DXF_SUFFIXES and (drawn is not None or slots is not None):
        key = "drawn_thickness" if drawn is not None else "slots"
        raise tf.error(f"{where}{key}", "a parametric part's slots follow the stock's thickness"
                       " by its own parameters: drawn_thickness and slots are for DXF parts")
    return JobPart(file=file, path=ppath, quantity=int(qty),
                   params={k: float(v) for k, v in params.items()}, rotations=rots,
                   name=_part_name(tf, p, where), key=where.rstrip("."),
                   units=read_units(tf, p, where), locks=locks, filler=filler,
                   mirror=_mirror(tf, p, where, file), drawn_thickness=drawn, slots=slots)


def _part_file(tf: TomlFile, file: str, key: str, base: Path) -> Path:
    """A [[part]]'s file: a shipped part by name (`wall-rib`, as a profile is named: no
    folder, no .toml), which an installed wikicut carries inside the package, else a path
    relative to the job."""
    names = shipped_names("parts")
    if is_shipped_name(file, PART_SUFFIXES):
        if file in names:
            return shipped_dir("parts") / f"{file}.toml"
        raise tf.error(key, f"no shipped part '{file}'{suggest(file, names)}; shipped parts:"
                       f" {', '.join(names)} (a part file of your own is a path relative to"
                       " the job, ending in .toml or .dxf)")
    path = base / file
    if not path.exists():
        stem = Path(file).stem
        shipped = (f"; a shipped part '{stem}' exists: to use it, file = \"{stem}\""
                   if stem in names and Path(file).suffix.lower() == ".toml" else "")
        raise tf.error(key, f"part file '{file}' not found{shipped}")
    return path


def _part_name(tf: TomlFile, p: dict[str, Any], where: str) -> str | None:
    """A [[part]]'s `name`, held to a part file's rules: an empty one was ignored without a
    word (the file's name used), and one of any length engraved and written everywhere."""
    name = get_str(tf, p, "name", where)
    if name is None:
        return None
    if not name.strip():
        raise tf.error(f"{where}name", "must not be empty (leave it out for the part"
                       " file's own name)")
    if len(name) > lim.MAX_LABEL:
        raise tf.error(f"{where}name", f"{len(name)} characters: longer than the"
                       f" {lim.MAX_LABEL} a name may be")
    if any(not c.isprintable() for c in name):
        raise tf.error(f"{where}name", f"{name!r} holds a line break or control character")
    return name


def _mirror(tf: TomlFile, table: dict[str, Any], where: str, file: str) -> bool | None:
    """A [[part]]'s or [[block]]'s `mirror` (None: not given, the job's [nest] mirror).
    Whether its parts' machining allows it is checked when they are read (`job_items`)."""
    return get_bool(tf, table, "mirror", where, part=file) if "mirror" in table else None


def _placing(tf: TomlFile, p: dict[str, Any], where: str, qty: int, n_stocks: int
             ) -> tuple[tuple[Lock, ...], bool]:
    """A [[part]]'s `lock` (io/locks.py) and `filler` keys."""
    locks = read_locks(tf, p["lock"], f"{where}lock", n_stocks) if "lock" in p else ()
    if len(locks) > qty:
        raise tf.error(f"{where}lock", f"{len(locks)} locks for a quantity of {qty}")
    filler = get_bool(tf, p, "filler", where)
    if filler and locks:
        raise tf.error(f"{where}filler", "a locked part is placed, not a filler: drop one")
    return locks, filler


def _check_total(tf: TomlFile, parts: list[JobPart]) -> None:
    total = sum(jp.quantity for jp in parts if not jp.filler)
    if total > lim.MAX_PARTS:
        raise InputError(f"{total} parts after quantities: more than the {lim.MAX_PARTS} a job"
                         " may nest (a whole house is about 1,500): split the job", tf.display)
    fillers = sum(jp.quantity for jp in parts if jp.filler)  # no sheet of their own: apart
    if fillers > lim.MAX_FILLERS:
        raise InputError(f"{fillers} filler copies after quantities: more than the"
                         f" {lim.MAX_FILLERS} a job may offer (a cap apart from its"
                         f" {lim.MAX_PARTS} parts): lower the fillers' quantity", tf.display)


def _job_blocks(tf: TomlFile, data: dict[str, Any]) -> tuple[list[JobPart], list[Path]]:
    """The [[block]] tables: their parts and their production CSVs."""
    raw_blocks = data.get("block", [])
    if not isinstance(raw_blocks, list) or not all(isinstance(b, dict) for b in raw_blocks):
        raise tf.error("block", "must be [[block]] tables")
    parts: list[JobPart] = []
    csvs = []
    for i, b in enumerate(raw_blocks):
        block_parts, csv = _block(tf, b, f"block[{i + 1}].")
        parts += block_parts
        csvs.append(csv)
    return parts, csvs


def thickness_key(job: Job) -> str:
    """"key 'sheet.thickness' (line 5)": where the job gives its thickness, for a message
    about it (the first [[sheet]] that gives one; its [sheet] table when the thickness is
    its remnants')."""
    tf = TomlFile.load(job.path)
    sheets = tf.data.get("sheet")
    if isinstance(sheets, dict) and "thickness" in sheets:
        return tf.where("sheet.thickness")
    if isinstance(sheets, list):
        for i, s in enumerate(sheets):
            if isinstance(s, dict) and "thickness" in s:
                return tf.where(f"sheet[{i + 1}].thickness")
    return tf.where("sheet")


def load_job(path: str | Path, *, seed: int | None = None, time_limit: float | None = None,
             profile: str | None = None, iterations: int | None = None,
             inventory: str | Path | None = None, replacing: str | Path | None = None
             ) -> Job:
    """Read and check a job file; command-line options override the job's values
    (`inventory`: the shop's remnant file, over the job's [remnants] inventory;
    `replacing`: the output folder a --force run replaces, whose own draw on the inventory
    is undone first, see io/remnants/inventory.py `load_inventory`)."""
    path = Path(path)
    tf = TomlFile.load(path)
    data = tf.data
    check_keys(tf, data, TOP_KEYS)
    rules = rem.rules_from_table(tf, data, inventory)
    inv = (rem.load_inventory(rules.inventory, read_stock, replacing)
           if rules is not None and rules.inventory is not None else None)
    outline_layers: list[str] = []
    stocks, remnant_files = read_stocks(tf, data, inv, outline_layers)
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

    reading = reading_of(tf, data, thickness=stocks[0].thickness)
    # a lock's `stock` counts the job's own sheets; the remnants drawn come before them
    n_rem = sum(1 for s in stocks if s.remnant)
    parts = [replace(jp, locks=tuple(replace(lk, stock=lk.stock + n_rem) for lk in jp.locks))
             for jp in _job_parts(tf, data, path, len(stocks) - n_rem)]
    block_parts, csvs = _job_blocks(tf, data)
    if not parts and not block_parts:
        raise InputError("no parts: add at least one [[part]] with a file (or a [[block]])",
                         tf.display)
    if not block_parts and all(jp.filler for jp in parts):  # no part asks for a sheet:
        # the job wrote no sheet and said "no room" (blocks are never fillers)
        first = parts[0]
        raise tf.error(f"{first.key}.filler", "every part of the job is a filler: fillers only"
                       " take the room other parts leave on the sheets those need, and no"
                       " part needs one (drop filler = true from the parts the job must cut)",
                       first.name or Path(first.file).stem)
    _check_total(tf, parts + block_parts)
    return Job(path=path, name=get_str(tf, data, "name", default=path.stem) or path.stem,
               stocks=tuple(stocks), settings=settings, profile=prof, tool_diameter=tool,
               parts=tuple(parts + block_parts), layer_map=dict(reading.layer_map),
               currency=get_str(tf, data, "currency", default="") or "", reading=reading,
               blocks=tuple(csvs), tools=rack,
               operations=operations, library=libs.get("library"),
               materials=libs.get("materials"), remnants=rules, inventory=inv,
               remnant_files=tuple(remnant_files), outline_layers=tuple(outline_layers))


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


def _block(tf: TomlFile, b: dict[str, Any], where: str) -> tuple[list[JobPart], Path]:
    """A [[block]]: a WikiHouse Skylark block folder (one DXF per label and
    <name>_production.csv with Label,Quantity) times `quantity` blocks."""
    check_keys(tf, b, BLOCK_KEYS, where)
    rel = get_str(tf, b, "dir", where, required=True)
    n = get_number(tf, b, "quantity", where, default=1, rng=lim.QUANTITY)
    rots = _part_rotations(tf, b, where, rel)
    units = read_units(tf, b, where)
    mirror = _mirror(tf, b, where, rel)
    drawn, slots = read_slot_keys(tf, b, where, rel)
    folder = tf.path.parent / rel
    if not folder.is_dir():
        raise tf.error(f"{where}dir", f"block folder '{rel}' not found")
    csvs = sorted(folder.glob("*_production.csv"))
    if len(csvs) != 1:
        raise tf.error(f"{where}dir", f"'{rel}' holds {len(csvs)} *_production.csv files,"
                       " expected one (Label,Quantity)")
    name = csvs[0].name[: -len("_production.csv")]
    out = []
    for label, qty in read_production_csv(csvs[0]):
        dxf = next((p for p in (folder / f"{label}.dxf", folder / f"{name}-{label}.dxf")
                    if p.exists()), None)
        if dxf is None:
            raise InputError(f"label {label}: no {label}.dxf or {name}-{label}.dxf in the"
                             " block folder", csvs[0])
        out.append(JobPart(file=str(Path(rel) / dxf.name), path=dxf, quantity=qty * int(n),
                           rotations=rots, name=label, key=where.rstrip("."), units=units,
                           label=label, mirror=mirror, drawn_thickness=drawn, slots=slots))
    return out, csvs[0]


def read_production_csv(path: Path) -> list[tuple[str, int]]:
    """(label, quantity) rows of a Skylark production CSV (header Label,Quantity)."""
    import csv

    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read ({exc})", path) from None
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["label", "quantity"]:
        raise InputError("expected a header Label,Quantity", path)
    out = []
    for k, row in enumerate(rows[1:], start=2):
        try:
            label, qty = row[0].strip(), int(row[1])
        except (IndexError, ValueError):
            raise InputError(f"row {k}: expected a label and a whole quantity, got"
                             f" {','.join(row)!r}", path) from None
        if not label or qty < 0:
            raise InputError(f"row {k}: expected a label and a quantity >= 0", path)
        if qty:
            out.append((label, qty))
    if not out:
        raise InputError("no parts listed", path)
    return out
