"""Loaders for the public nesting benchmarks in ../shared/benchmarks (see its README).

Two families, turned into wikicut's own model (mm, shapely polygons, NestItem, Stock) so the
benchmark drives exactly the nester the factory uses:

- strip/*.json: ESICUP strip-packing instances in jagua-rs/sparrow JSON (`strip_height`,
  `items[{id, demand, allowed_orientations, shape: {type: simple_polygon, data}}]`).
- bins/*.json: packingsolver "irregular" JSON (`bin_types`, `item_types`, `parameters`),
  mostly OpenCutList woodworking exports in inches (converted to mm), a few in mm.

Paths resolve against the repository (`<repo>/../shared`), never the working directory, so
CI (a clone elsewhere with `shared` beside it) finds the same files.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import Polygon

from wikicut.model import NestItem, Part, Stock

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / ".." / "shared" / "benchmarks"
STRIP_DIR = BENCH_DIR / "strip"
BINS_DIR = BENCH_DIR / "bins"
# packingsolver's users' jobs that wikicut lost (issue 36), shipped with the repository: see
# benchmarks/bins/README.md for their source and licence
USER_BINS_DIR = REPO / "benchmarks" / "bins"
BEST_DIR = BENCH_DIR / "best_known"

MM_PER_INCH = 25.4
# packingsolver's files carry no unit. No real sheet is smaller than this many units on its
# longest side in mm, and no OpenCutList sheet (at most 110 in) is larger in inches.
INCH_SHEET_LIMIT = 200.0
ARC_SEGMENT_DEG = 5.0  # circular arcs of "general" shapes become chords of at most this angle


class InstanceError(ValueError):
    """A benchmark file that cannot be read as the format says (names the file and item)."""


# --------------------------------------------------------------------------- strip packing


@dataclass(frozen=True)
class StripItem:
    id: str
    polygon: Polygon
    demand: int
    orientations: tuple[float, ...]


@dataclass(frozen=True)
class StripInstance:
    """An ESICUP strip instance: fixed strip height, shortest used length wanted."""

    name: str
    strip_height: float
    items: tuple[StripItem, ...]

    @property
    def count(self) -> int:
        return sum(it.demand for it in self.items)

    @property
    def total_area(self) -> float:
        return sum(it.polygon.area * it.demand for it in self.items)

    def max_length(self) -> float:
        """A strip length that surely holds every item: 2.5 x the area bound, and never less
        than the longest item side (a long thin item on a tall strip) nor the sum of widths
        across the narrowest orientation (what a trivial row of items would need)."""
        area_bound = self.total_area / self.strip_height
        longest = max(max(_extent(it.polygon, a)[0] for a in it.orientations)
                      for it in self.items)
        row = sum(min(_extent(it.polygon, a)[0] for a in it.orientations) * it.demand
                  for it in self.items)
        return max(2.5 * area_bound, 1.05 * longest, min(row, 4.0 * area_bound))

    def stock(self, length: float | None = None) -> Stock:
        """wikicut's strip mode: one sheet of the strip's height, no margin."""
        return Stock(width=length or self.max_length(), height=self.strip_height,
                     thickness=1.0, margin=0.0, count=1, name=self.name, strip=True)

    def parts(self) -> list[Part]:
        return [Part(name=f"{self.name}-{it.id}", outline=it.polygon, source=self.name)
                for it in self.items]

    def nest_items(self) -> list[NestItem]:
        """One NestItem per copy; copies of an item share one Part (the nester caches
        rasters per part object)."""
        out: list[NestItem] = []
        for it, part in zip(self.items, self.parts()):
            out.extend(NestItem(f"{part.name}#{k + 1}", part, it.orientations)
                       for k in range(it.demand))
        return out


def _extent(poly: Polygon, angle: float) -> tuple[float, float]:
    """Width and height of `poly` rotated by `angle` degrees."""
    g = shapely.affinity.rotate(poly, angle, origin=(0, 0)) if angle % 360 else poly
    x0, y0, x1, y1 = g.bounds
    return x1 - x0, y1 - y0


def strip_names() -> list[str]:
    return sorted(p.stem for p in STRIP_DIR.glob("*.json"))


def _path(folder: Path, name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".json" and p.exists():
        return p
    p = folder / f"{name_or_path}.json"
    if not p.exists():
        raise InstanceError(f"{p}: no such benchmark instance")
    return p


def _polygon(points, where: str, holes=()) -> Polygon:
    """A valid, oriented polygon; refuse what the nester could not cut rather than repair
    it silently (a repair could change the part)."""
    try:
        poly = Polygon(points, holes)
    except (ValueError, TypeError) as exc:
        raise InstanceError(f"{where}: not a polygon ({exc})") from None
    if not poly.is_valid or poly.area <= 0:
        raise InstanceError(f"{where}: invalid polygon ({shapely.is_valid_reason(poly)})")
    return shapely.geometry.polygon.orient(poly, 1.0)


def load_strip(name_or_path: str | Path) -> StripInstance:
    """Read one strip instance by name ('albano') or path."""
    path = _path(REAL_STRIP_DIR if str(name_or_path) in real_strip_names() else STRIP_DIR,
                 name_or_path)
    data = json.loads(path.read_text())
    items = []
    for k, it in enumerate(data["items"]):
        where = f"{path.name}: items[{k}] (id {it.get('id')})"
        shape = it["shape"]
        if shape.get("type") != "simple_polygon":
            raise InstanceError(f"{where}: shape type {shape.get('type')!r} is not supported")
        demand = int(it.get("demand", 1))
        if demand < 1:
            raise InstanceError(f"{where}: demand {demand} < 1")
        rots = tuple(float(a) % 360.0 for a in (it.get("allowed_orientations") or [0.0]))
        items.append(StripItem(str(it["id"]), _polygon(shape["data"], where), demand, rots))
    height = float(data["strip_height"])
    if height <= 0:
        raise InstanceError(f"{path.name}: strip_height must be > 0")
    return StripInstance(str(data.get("name") or path.stem), height, tuple(items))


# --------------------------------------------------------------------------- real-world strips

# sparrow's real-world strip instances (gardeyn0-9), shipped with the repository: see
# benchmarks/strip_real/README.md for their source and licence. Their strips are up to 20 m
# tall and their rolls run to 100 m and more: wikicut nests them unscaled.
REAL_STRIP_DIR = REPO / "benchmarks" / "strip_real"


def real_strip_names() -> list[str]:
    return sorted((p.stem for p in REAL_STRIP_DIR.glob("*.json")),
                  key=lambda n: (len(n), n))


def real_strip_records() -> dict[str, float]:
    """Density (%) of sparrow's best-ever layouts of the real-world strips."""
    with open(REAL_STRIP_DIR / "sparrow_records_density.csv", newline="") as f:
        return {row["instance"]: float(row["density_pct"]) for row in csv.DictReader(f)}


# --------------------------------------------------------------------------- bin packing


@dataclass(frozen=True)
class BinItem:
    id: str
    polygon: Polygon  # mm, holes as interiors
    copies: int
    rotations: tuple[float, ...]  # what wikicut tries
    # the file's allowed rotations as (start, end, mirrored), degrees; (0, 0, False) if none
    allowed: tuple[tuple[float, float, bool], ...] = ((0.0, 0.0, False),)
    mirror: bool = False  # wikicut may also place it mirrored, at each of its rotations


@dataclass(frozen=True)
class BinSheet:
    """One of the file's bin types, in mm, moved so its bounding box starts at (0, 0)."""

    width: float
    height: float
    copies: int | None  # the file's upper bound; None = unlimited
    margin: float
    outline: Polygon | None = None  # where the material is, when not the whole box
    keepouts: tuple[Polygon, ...] = ()  # defects, grown by their own spacing
    origin: tuple[float, float] = (0.0, 0.0)  # the bounding box's corner in the file, mm

    def stock(self, name: str, limited: bool = False) -> Stock:
        return Stock(width=self.width, height=self.height, thickness=18.0, margin=self.margin,
                     count=self.copies if limited else None, name=name,
                     outline=self.outline, keepouts=self.keepouts)


@dataclass(frozen=True)
class BinInstance:
    """A multi-sheet job: one or more sheet types, spacing between parts, a margin at each
    sheet's edge."""

    name: str
    units: str  # of the file: "in" or "mm"; everything here is in mm
    sheets: tuple[BinSheet, ...]
    spacing: float
    items: tuple[BinItem, ...]
    objective: str = "bin-packing"
    # what the file asks that wikicut does not do or that does not change the sheet count
    notes: tuple[str, ...] = ()

    @property
    def scale(self) -> float:
        """mm per unit of the file."""
        return MM_PER_INCH if self.units == "in" else 1.0

    @property
    def sheet_width(self) -> float:
        return self.sheets[0].width

    @property
    def sheet_height(self) -> float:
        return self.sheets[0].height

    @property
    def sheet_copies(self) -> int | None:
        return self.sheets[0].copies

    @property
    def margin(self) -> float:
        return self.sheets[0].margin

    @property
    def count(self) -> int:
        return sum(it.copies for it in self.items)

    @property
    def total_area(self) -> float:
        return sum(it.polygon.area * it.copies for it in self.items)

    def stock(self, limited: bool = False) -> Stock:
        """The (first) sheet as a wikicut Stock; unlimited by default because the files'
        `copies` is only an upper bound for packingsolver (one file even caps it at 1)."""
        return self.sheets[0].stock(self.name, limited)

    def stocks(self) -> list[Stock]:
        """Every sheet type: one unlimited (as `stock`), several with the file's counts
        (which sheet to use is then part of the job)."""
        if len(self.sheets) == 1:
            return [self.stock()]
        return [b.stock(f"{self.name}-{k}", True) for k, b in enumerate(self.sheets)]

    def area_bound(self) -> int:
        """`area_lower_bound` against the largest usable sheet of the job."""
        return area_lower_bound(self.total_area,
                                max(self.stocks(), key=lambda s: s.usable.area))

    def nest_items(self) -> list[NestItem]:
        out: list[NestItem] = []
        for it in self.items:
            part = Part(name=f"{self.name}-{it.id}", outline=it.polygon, source=self.name)
            out.extend(NestItem(f"{part.name}#{k + 1}", part, it.rotations, mirror=it.mirror)
                       for k in range(it.copies))
        return out


def _job_names(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.json") if not p.stem.endswith("_solution"))


def bin_names() -> list[str]:
    """The shared OpenCutList jobs (the users' jobs: `user_bin_names`)."""
    return _job_names(BINS_DIR)


def user_bin_names() -> list[str]:
    """packingsolver's users' jobs shipped in benchmarks/bins/ (most with its solution)."""
    return _job_names(USER_BINS_DIR)


FREE_FILL = 0.75  # a part filling less of its bounding box turns in FREE_STEP steps
FREE_STEP = 22.5  # degrees; boards and panels keep quarter turns


def _allowed(value, mirroring: bool, where: str) -> tuple[tuple[float, float, bool], ...]:
    """packingsolver's `allowed_rotations` [{start, end, mirror}] and the old top-level
    `allow_mirroring` (every unmirrored range again mirrored), as its reader expands them.
    Missing = packingsolver's default, 0 only."""
    out = []
    for r in value or [{"start": 0, "end": 0}]:
        a, b = float(r["start"]), float(r["end"])
        if b < a:
            raise InstanceError(f"{where}: rotation range {a}..{b} is empty")
        out.append((a, b, bool(r.get("mirror", False))))
    if mirroring:
        out += [(a, b, True) for a, b, m in out if not m]
    return tuple(out)


def _rotations(value, where: str, step: float = 90.0) -> tuple[float, ...]:
    """packingsolver's `allowed_rotations` [{start, end}] as wikicut's discrete angles.
    A fixed angle stays; a range (free rotation) becomes the multiples of `step` in it.
    Mirrored ranges are left out (`_mirror` says whether wikicut may mirror the item).
    Missing = packingsolver's default, 0 only."""
    if not value:
        return (0.0,)
    out: list[float] = []
    for r in value:
        if r.get("mirror", False):
            continue
        a, b = float(r["start"]), float(r["end"])
        if b < a:
            raise InstanceError(f"{where}: rotation range {a}..{b} is empty")
        angles = [a] if a == b else [step * k for k in range(math.ceil(a / step - 1e-9),
                                                             math.floor(b / step + 1e-9) + 1)]
        for ang in angles:
            ang = ang % 360.0
            if ang not in out:
                out.append(ang)
    if not out:
        raise InstanceError(f"{where}: only mirrored rotations; wikicut mirrors a part only "
                            "beside its unmirrored rotations")
    return tuple(out)


def _mirror(allowed: tuple[tuple[float, float, bool], ...]) -> bool | None:
    """Whether wikicut may also place the item mirrored: it mirrors at every rotation an
    item has, so only when the file's mirrored ranges are its unmirrored ones (as
    `allow_mirroring` makes them); None when they differ (then it is never mirrored)."""
    plain = sorted((a, b) for a, b, m in allowed if not m)
    mirrored = sorted((a, b) for a, b, m in allowed if m)
    if not mirrored:
        return False
    return True if mirrored == plain else None


def _ring(shape: dict, where: str) -> list[tuple[float, float]]:
    """The points of a packingsolver shape: a `polygon`/`rectangle` with vertices, or a
    `general` chain of LineSegment/CircularArc elements (arcs cut into short chords)."""
    kind = shape.get("type", "polygon")
    if kind in ("polygon", "rectangle") and "vertices" in shape:
        return [(float(v["x"]), float(v["y"])) for v in shape["vertices"]]
    if kind == "rectangle":
        w, h = float(shape["width"]), float(shape["height"])
        return [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
    if kind == "circle":
        c, r = shape["center"], float(shape["radius"])
        n = int(360 / ARC_SEGMENT_DEG)
        return [(c["x"] + r * math.cos(2 * math.pi * k / n),
                 c["y"] + r * math.sin(2 * math.pi * k / n)) for k in range(n)]
    if kind == "general":
        if shape.get("is_path"):
            raise InstanceError(f"{where}: an open path is not a part outline")
        pts: list[tuple[float, float]] = []
        for e in shape["elements"]:
            s = (float(e["start"]["x"]), float(e["start"]["y"]))
            t = (float(e["end"]["x"]), float(e["end"]["y"]))
            if e["type"] == "LineSegment":
                pts.append(s)
            elif e["type"] == "CircularArc":
                pts.extend(_arc(s, t, e, where)[:-1])
            else:
                raise InstanceError(f"{where}: element type {e['type']!r} is not supported")
        return pts
    raise InstanceError(f"{where}: shape type {kind!r} is not supported")


def _arc(s, t, e: dict, where: str) -> list[tuple[float, float]]:
    c = (float(e["center"]["x"]), float(e["center"]["y"]))
    r = math.hypot(s[0] - c[0], s[1] - c[1])
    a0 = math.atan2(s[1] - c[1], s[0] - c[0])
    a1 = math.atan2(t[1] - c[1], t[0] - c[0])
    ccw = e.get("orientation", "Anticlockwise") in ("Anticlockwise", "CounterClockwise")
    sweep = (a1 - a0) % (2 * math.pi) if ccw else -((a0 - a1) % (2 * math.pi))
    if abs(sweep) < 1e-12:
        sweep = 2 * math.pi if ccw else -2 * math.pi
    n = max(1, math.ceil(abs(math.degrees(sweep)) / ARC_SEGMENT_DEG))
    return [(c[0] + r * math.cos(a0 + sweep * k / n), c[1] + r * math.sin(a0 + sweep * k / n))
            for k in range(n + 1)]


def shape_polygon(shape: dict, k: float, where: str) -> Polygon:
    """A packingsolver shape with its holes (`holes`: shapes of their own) as a polygon in
    mm (`k` mm per file unit)."""
    outer = [(x * k, y * k) for x, y in _ring(shape, where)]
    holes = [[(x * k, y * k) for x, y in _ring(hh, f"{where}.holes[{j}]")]
             for j, hh in enumerate(shape.get("holes") or [])]
    return _polygon(outer, where, holes)


# keys of packingsolver's reader that do not change where parts may go: costs and profits
# weigh sheets and items in its objective, `copies_min` asks for at least so many sheets,
# `leftover_mode` says which leftover it keeps, `id` is a label
_NO_GEOMETRY = {"cost", "copies_min", "profit", "leftover_mode", "id"}
_SHAPE_KEYS = {"type", "width", "height", "vertices", "elements", "is_path", "center",
               "radius", "holes"}
_BIN_KEYS = _SHAPE_KEYS | {"copies", "item_bin_minimum_spacing", "defects", "fixed_items"} \
    | _NO_GEOMETRY
_ITEM_KEYS = _SHAPE_KEYS | {"shapes", "copies", "allowed_rotations", "allow_mirroring"} \
    | _NO_GEOMETRY
_PARAM_KEYS = {"item_item_minimum_spacing", "open_dimension_xy_aspect_ratio",
               "leftover_mode"}


def _bin_sheet(b: dict, k: float, where: str) -> BinSheet:
    if b.get("fixed_items"):
        raise InstanceError(f"{where}: fixed_items are not supported")
    poly = shape_polygon(b, k, where)
    x0, y0, x1, y1 = poly.bounds
    w, h = x1 - x0, y1 - y0
    if w <= 0 or h <= 0:
        raise InstanceError(f"{where}: no area")
    moved = shapely.affinity.translate(poly, -x0, -y0)
    boxy = abs(poly.area - w * h) <= 1e-9 * w * h and not poly.interiors
    keepouts = []
    for j, d in enumerate(b.get("defects") or []):
        dw = f"{where}.defects[{j}]"
        g = shapely.affinity.translate(shape_polygon(d, k, dw), -x0, -y0)
        grow = float(d.get("item_defect_minimum_spacing") or 0.0) * k
        keepouts.append(g.buffer(grow) if grow > 0 else g)
    copies = b.get("copies")
    return BinSheet(width=w, height=h,
                    copies=None if copies is None or int(copies) < 0 else int(copies),
                    margin=float(b.get("item_bin_minimum_spacing") or 0.0) * k,
                    outline=None if boxy else moved, keepouts=tuple(keepouts),
                    origin=(x0, y0))


def load_bins(name_or_path: str | Path) -> BinInstance:
    """Read one packingsolver job by name ('table') or path, in mm. What the file asks that
    wikicut cannot do is refused (InstanceError naming the file and key); what it asks that
    wikicut leaves aside without changing where parts may go is listed in `notes`."""
    mine = USER_BINS_DIR / f"{name_or_path}.json"
    path = mine if mine.exists() else _path(BINS_DIR, name_or_path)
    data = json.loads(path.read_text())
    bins = data["bin_types"]
    if not bins:
        raise InstanceError(f"{path.name}: no bin_types")
    notes: list[str] = []
    for i, b in enumerate(bins):
        if set(b) - _BIN_KEYS:
            raise InstanceError(f"{path.name}: bin_types[{i}]: "
                                f"{', '.join(sorted(set(b) - _BIN_KEYS))} not supported")
    params = data.get("parameters") or {}
    for key in sorted(set(params) - _PARAM_KEYS):
        # 2026-04-08's `spacing` is no key of packingsolver's (it reads spacing 0)
        notes.append(f"parameters.{key} is not packingsolver's: ignored")
    # units: no OpenCutList sheet is INCH_SHEET_LIMIT inches long; the same for every bin
    side = max(max(x1 - x0, y1 - y0) for x0, y0, x1, y1 in
               (Polygon(_ring(b, f"{path.name}: bin_types[{i}]")).bounds
                for i, b in enumerate(bins)))
    units = "in" if side < INCH_SHEET_LIMIT else "mm"
    k = MM_PER_INCH if units == "in" else 1.0
    sheets = tuple(_bin_sheet(b, k, f"{path.name}: bin_types[{i}]") for i, b in enumerate(bins))
    items = []
    mirrored = partly = 0
    for i, it in enumerate(data["item_types"]):
        where = f"{path.name}: item_types[{i}]"
        extra = set(it) - _ITEM_KEYS
        if extra - {"priority"}:
            raise InstanceError(f"{where}: {', '.join(sorted(extra))} not supported")
        shapes = it.get("shapes", [it])
        if len(shapes) != 1:
            raise InstanceError(f"{where}: {len(shapes)} shapes; one per item is supported")
        copies = int(it.get("copies", 1))
        if copies < 1:
            raise InstanceError(f"{where}: copies {copies}: only a fixed number of copies "
                                "is supported")
        poly = shape_polygon(shapes[0], k, where)
        allowed = _allowed(it.get("allowed_rotations"), bool(it.get("allow_mirroring")), where)
        mirror = _mirror(allowed)
        mirrored += mirror is True
        partly += mirror is None
        # free rotation: quarter turns for boards and panels (at 45 degrees they only waste
        # the sheet's corners), FREE_STEP steps for the curved and angled parts that fill
        # under FREE_FILL of their bounding box (frame, one worker, 30 s: 7 sheets in 9 of
        # 28 runs at 22.5 degrees, about 1 in 10 at 45; quarter turns never did at 60 s)
        x0, y0, x1, y1 = poly.bounds
        fill = poly.area / max((x1 - x0) * (y1 - y0), 1e-12)
        items.append(BinItem(str(i), poly, copies,
                             _rotations(it.get("allowed_rotations"), where,
                                        FREE_STEP if fill < FREE_FILL else 90.0),
                             allowed, bool(mirror)))
    if mirrored:
        notes.append(f"mirroring allowed for {mirrored} item type(s)")
    if partly:
        notes.append(f"{partly} item type(s) mirrored at other rotations than unmirrored: "
                     "never mirrored by wikicut")
    if any(it.get("priority") is not None for it in data["item_types"]):
        notes.append("item priority: no key of packingsolver's reader, ignored")
    objective = str(data.get("objective") or "bin-packing")
    if objective.lower().replace("-", "") not in ("binpacking", "binpackingwithleftovers"):
        notes.append(f"objective {objective}: nested as bin packing (every part, fewest "
                     "sheets)")
    return BinInstance(
        name=path.stem, units=units, sheets=sheets,
        spacing=float(params.get("item_item_minimum_spacing") or 0.0) * k,
        items=tuple(items), objective=objective, notes=tuple(notes))


# --------------------------------------------------------------------------- references


@dataclass(frozen=True)
class BestKnown:
    literature: float | None  # best known density (%) in data_literature.csv
    sparrow_record: float | None  # sparrow's best-ever layout, against the file's height (%)


def best_known() -> dict[str, BestKnown]:
    """Published best strip densities per instance name (%). The literature table names
    blaz as 'blaz'; our file is blaz1."""
    lit: dict[str, float] = {}
    with open(BEST_DIR / "data_literature.csv", newline="") as f:
        for row in csv.DictReader(f):
            name = Path(row["Path"]).name.split(".")[0]
            lit[{"blaz": "blaz1"}.get(name, name)] = float(row["Best known solution value"])
    rec: dict[str, float] = {}
    with open(BEST_DIR / "sparrow_records_density.csv", newline="") as f:
        for row in csv.DictReader(f):
            rec[row["instance"]] = float(row["density_pct"])
    rec.update(real_strip_records())
    return {n: BestKnown(lit.get(n), rec.get(n)) for n in sorted(set(lit) | set(rec))}


def area_lower_bound(total_area: float, stock: Stock) -> int:
    """Sheets no layout can beat: total part area over the usable sheet area, rounded up."""
    return max(1, math.ceil(total_area / stock.usable.area - 1e-9))
