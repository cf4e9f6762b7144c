"""packingsolver's solutions of the users' jobs (benchmarks/bins/*_solution.json), read and
checked independently of wikicut's nester, and the same check for wikicut's layouts.

A solution is `bins[{id: bin type, copies, items[{id: item type, x, y, angle, mirror,
item_shapes}]}]`. packingsolver writes an item's shape mirrored about the y axis when
`mirror`, then turned by `angle` degrees counterclockwise about the origin, then moved by
(x, y) (src/irregular/solution.cpp, `write_json`); `item_shapes` is the shape so turned, in
bin coordinates. The check rebuilds every part from the job's own item type, compares it
with the drawn one, and wants: the rotation among the item's allowed ones, the part inside
its bin less the margin (and off its defects), every pair at least the spacing apart, each
item type placed as often as the job asks, no bin type used more often than the file allows.
Shapes touch to float noise: a part may cross a line by `TOL` mm and no more.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import instances as I
import shapely
from shapely.geometry import Polygon

TOL = 1e-3  # mm: how far a part may cross the margin, a neighbour or the spacing


@dataclass(frozen=True)
class Placed:
    item: int  # the item type's index in the file
    label: str
    polygon: Polygon  # mm, where it lies
    angle: float
    mirror: bool = False


@dataclass(frozen=True)
class Sheet:
    label: str
    usable: Polygon  # mm: where parts may go
    parts: tuple[Placed, ...]
    copies: int = 1  # identical sheets this one stands for
    bin_type: int = 0


@dataclass(frozen=True)
class Solution:
    sheets: int  # sheets used, bins' copies counted
    placed: int  # parts placed, bins' copies counted
    problems: tuple[str, ...]  # empty: valid
    mirrored: int = 0  # parts placed mirrored

    @property
    def valid(self) -> bool:
        return not self.problems


def solution_path(job: I.BinInstance):
    return I.USER_BINS_DIR / f"{job.name}_solution.json"


def _usable(bin_shape: Polygon, sheet: I.BinSheet, shift: tuple[float, float]) -> Polygon:
    """The bin less its margin and defects; `shift` moves the job's defects (at the bin's
    bounding box corner) to the bin's own coordinates."""
    inner = bin_shape.buffer(-sheet.margin, join_style="mitre") if sheet.margin > 0 \
        else bin_shape
    for d in sheet.keepouts:
        inner = inner.difference(shapely.affinity.translate(d, *shift))
    return inner


def _drawn(shape: dict, k: float, where: str) -> Polygon:
    """A solution's drawn shape: elements with xs, ys (a closed chain of segments)."""
    if any(e["type"] != "LineSegment" for e in shape["shape"]):
        raise I.InstanceError(f"{where}: arcs in a solution's shape are not supported")
    ring = [(e["xs"] * k, e["ys"] * k) for e in shape["shape"]]
    holes = [[(e["xs"] * k, e["ys"] * k) for e in h] for h in shape.get("holes") or []]
    return Polygon(ring, holes)


def _allowed(item: I.BinItem, angle: float, mirror: bool) -> bool:
    a = angle % 360.0
    for s, e, m in item.allowed:
        if m != mirror:
            continue
        if e - s >= 360.0 - 1e-9:
            return True
        lo, hi = s % 360.0, (s % 360.0) + (e - s)
        if lo - 1e-6 <= a <= hi + 1e-6 or lo - 1e-6 <= a + 360.0 <= hi + 1e-6:
            return True
    return False


def load_solution(job: I.BinInstance, path=None) -> Solution | None:
    """packingsolver's solution of `job` (by default the one beside it), checked; None when
    the repository has none."""
    path = path or solution_path(job)
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    raw = json.loads((I.USER_BINS_DIR / f"{job.name}.json").read_text())
    k = job.scale
    problems: list[str] = []
    sheets: list[Sheet] = []
    mirrored = 0
    for b, sb in enumerate(data["bins"]):
        t = int(sb["id"])
        where = f"{path.name}: bins[{b}]"
        if not 0 <= t < len(job.sheets):
            problems.append(f"{where}: bin type {t} is not in the job")
            continue
        bin_shape = I.shape_polygon(raw["bin_types"][t], k, f"{where} (bin type {t})")
        x0, y0 = bin_shape.bounds[:2]
        parts = []
        for p, si in enumerate(sb["items"]):
            w = f"{where}.items[{p}]"
            i = int(si["id"])
            if not 0 <= i < len(job.items):
                problems.append(f"{w}: item type {i} is not in the job")
                continue
            item = job.items[i]
            angle, mirror = float(si["angle"]), bool(si.get("mirror", False))
            mirrored += mirror
            g = item.polygon
            if mirror:
                g = shapely.affinity.scale(g, -1.0, 1.0, origin=(0.0, 0.0))
            g = shapely.affinity.rotate(g, angle, origin=(0.0, 0.0))
            g = shapely.affinity.translate(g, float(si["x"]) * k, float(si["y"]) * k)
            drawn = [_drawn(sh, k, f"{w}.item_shapes") for sh in si.get("item_shapes", [])]
            if drawn and g.symmetric_difference(drawn[0]).area > 1e-6 * g.area + TOL:
                problems.append(f"{w}: drawn shape differs from item type {i} turned "
                                f"{angle:g} degrees by "
                                f"{g.symmetric_difference(drawn[0]).area:.3g} mm2")
            parts.append(Placed(i, f"bins[{b}].items[{p}]", g, angle, mirror))
        sheets.append(Sheet(f"bins[{b}]", _usable(bin_shape, job.sheets[t], (x0, y0)),
                            tuple(parts), int(sb.get("copies", 1)), t))
    problems += check(job, sheets, partial=job.objective.lower() == "knapsack")
    return Solution(sum(s.copies for s in sheets),
                    sum(s.copies * len(s.parts) for s in sheets), tuple(problems), mirrored)


def layout_sheets(job: I.BinInstance, layout) -> list[Sheet]:
    """wikicut's layout of `job` (from `job.stocks()`) as sheets for `check`: the usable
    area rebuilt from the job, not taken from the nester's stock."""
    by_name = {f"{job.name}-{it.id}": k for k, it in enumerate(job.items)}
    names = [s.name for s in job.stocks()]
    out = []
    for sheet in layout.sheets:
        t = names.index(sheet.stock.name)
        b = job.sheets[t]
        shape = b.outline if b.outline is not None else shapely.box(0, 0, b.width, b.height)
        parts = tuple(Placed(by_name[p.part.name], p.instance, p.placed().outline, p.rotation,
                             p.mirrored) for p in sheet.placements)
        out.append(Sheet(f"sheet {sheet.index}", _usable(shape, b, (0.0, 0.0)), parts, 1, t))
    return out


def _too_close(g: Polygon, h: Polygon, spacing: float, shrunk: Polygon | None) -> bool:
    """Closer than `spacing` by more than TOL; with no spacing, crossing by more than TOL
    (`shrunk`: `g` shrunk by TOL, touching is fine)."""
    d = g.distance(h)
    if spacing > 0:
        return d < spacing - TOL
    return d <= 0 and g.intersection(h).area > 0 and shrunk.intersects(h)


def _sheet_problems(s: Sheet, spacing: float) -> list[str]:
    problems = []
    room = s.usable.buffer(TOL, join_style="mitre")
    for p in s.parts:
        if not room.contains(p.polygon):
            out = p.polygon.difference(s.usable)
            problems.append(f"{s.label}: {p.label} (item {p.item}) {out.area:.3g} mm2 "
                            "off the usable area")
    geoms = [p.polygon for p in s.parts]
    if not geoms:
        return problems
    tree = shapely.STRtree(geoms)
    for i, g in enumerate(geoms):
        shrunk = g.buffer(-TOL) if spacing <= 0 else None
        for j in tree.query(g, predicate="dwithin", distance=spacing).tolist():
            if j > i and _too_close(g, geoms[j], spacing, shrunk):
                problems.append(f"{s.label}: {s.parts[i].label} and {s.parts[j].label} "
                                f"{g.distance(geoms[j]):.4f} mm apart (spacing {spacing:g}), "
                                f"overlap {g.intersection(geoms[j]).area:.3g} mm2")
    return problems


def check(job: I.BinInstance, sheets: list[Sheet], partial: bool = False,
          limits: bool = True) -> list[str]:
    """Problems of a layout of `job`: parts off their sheet's usable area, closer than the
    spacing or at rotations the item does not allow, item types placed too often (or,
    unless `partial`, too rarely), bin types used more often than the job allows (with
    `limits`: wikicut's single sheet type is unlimited, see `BinInstance.stock`)."""
    problems = [x for s in sheets for x in _sheet_problems(s, job.spacing)]
    problems += [f"{s.label}: {p.label} (item {p.item}) at {p.angle:g} degrees"
                 f"{' mirrored' if p.mirror else ''}, not an allowed rotation"
                 for s in sheets for p in s.parts if not _allowed(job.items[p.item], p.angle,
                                                                  p.mirror)]
    placed: Counter[int] = Counter()
    used: Counter[int] = Counter()
    for s in sheets:
        used[s.bin_type] += s.copies
        for p in s.parts:
            placed[p.item] += s.copies
    for i, it in enumerate(job.items):
        if placed[i] > it.copies or (placed[i] < it.copies and not partial):
            problems.append(f"item type {i}: {placed[i]} placed, {it.copies} wanted")
    for t, b in enumerate(job.sheets):
        if limits and b.copies is not None and used[t] > b.copies:
            problems.append(f"bin type {t}: {used[t]} used, {b.copies} available")
    return problems
