"""Bundles: the copies of a thin design stacked into one item before nesting.

Long thin curved parts (the arcs of a frame: 25 mm wide, a metre long, four of each) are
where a raster search is weakest: two copies fit side by side only at one exact offset, which
sampled positions almost never hit, so they end up scattered with air between them. Stacked
once, exactly, as an operator would lay them out by hand (each copy moved against the last
along the direction that gives the smallest bundle), they become one compact item that the
search places like any other.

A design is bundled when it has several copies with the same rotations, its area is under
FILL of its minimum rotated rectangle, the bundle is at least GAIN times as square, it fits
a sheet, and every pair of copies in it keeps the spacing (checked exactly, as
`verify_layout` will). The bundle's outline is the union of its copies with the gaps between
them closed (a superset: it only keeps other parts further away). After nesting, each
placed bundle becomes its copies again (`expand`).

Other designs in several copies are **paired**: a copy and one turned half way, laid
against each other where the two fill their bounding box best (a chamfered block's
chamfers face to face), when the pair fills its box PAIR_GAIN times better than one copy
fills its own and the design turns by quarter turns only, half way from every rotation it
has (the box is what quarter turns tile). A bundle of two
whose second copy is turned: `Bundle.turns`. A rectangle never pairs (its pair fills its box
no better); a right triangle always does. Copies that may be cut face down (`NestItem.mirror`)
also try the second copy mirrored, as it is or turned half way (`Bundle.mirrors`): a
hook-shaped piece of shapes0 fills 51 % of its pair's box that way, 47 % turned half way.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Polygon

from ..errors import UnsafeJobError
from ..model import (
    Layout,
    NestItem,
    Part,
    Placement,
    Stock,
    moved_copies,
    oriented_outline,
    strip_length,
)
from .feasibility import check_fits

FILL = 0.3  # designs whose area is under this share of their minimum rotated rectangle
GAIN = 1.5  # and whose bundle is at least this much squarer
STEP_DEG = 3  # directions tried for the stacking
BISECT = 20  # halvings of the stacking distance (a thousandth of a mm on a metre)
PAIR_GAIN = 1.05  # a pair must fill its bounding box this much better than one copy
PAIR_DEG = 3  # directions tried for the second copy of a pair, then refined ...
PAIR_REFINE = 24  # ... by this many golden-section steps between the best's neighbours
PAIR_MINIMA = 6  # local minima of the directions' boxes refined
# the second copy's box laid on the part's is a start for the slides when the two overlap
# by less than this share of the part there (`_pair_step`)
LAID_OVERLAP = 0.05


@dataclass(frozen=True)
class Bundle:
    """Copies of one design: copy i lies at i * step in the design's own coordinates,
    turned by turns[i] degrees about its origin first (none: all unturned), and before
    that mirrored where mirrors[i] (none: none mirrored)."""

    items: tuple[NestItem, ...]
    step: tuple[float, float]
    turns: tuple[float, ...] = ()
    mirrors: tuple[bool, ...] = ()


def squareness(g) -> float:
    """Area over the area of the minimum rotated rectangle (1 for a rectangle)."""
    box = shapely.minimum_rotated_rectangle(g).area
    return float(g.area / box) if box > 0 else 1.0


def _apart(a: Polygon, b: Polygon, spacing: float) -> bool:
    """The rule of `verify_layout`: at least `spacing` apart; with no spacing, touching is
    allowed but no overlap."""
    d = a.distance(b)
    return not (d < spacing - 1e-6 or (d <= 0 and a.intersection(b).area > 1e-6))


def _stack_distances(grown: Polygon, ux: np.ndarray, uy: np.ndarray) -> np.ndarray:
    """The least distance along each (ux, uy) at which a copy of `grown` (the part grown by
    a little over half the spacing, prepared) no longer meets it: bisection from a distance
    that surely clears (NaN if that fails), all directions at once."""
    x0, y0, x1, y1 = grown.bounds
    u = np.stack([ux, uy], axis=1)
    hi = np.full(len(u), math.hypot(x1 - x0, y1 - y0) + 1.0)
    clear = ~shapely.intersects(grown, moved_copies(grown, u * hi[:, None]))
    lo = np.zeros(len(u))
    for _ in range(BISECT):
        mid = (lo + hi) / 2
        meets = shapely.intersects(grown, moved_copies(grown, u * mid[:, None]))
        lo = np.where(meets, mid, lo)
        hi = np.where(meets, hi, mid)
    return np.where(clear, hi, np.nan)


def _outline(part: Polygon, k: int, sx: float, sy: float, spacing: float,
             turns: tuple[float, ...] = (), mirrors: tuple[bool, ...] = ()) -> Polygon | None:
    """The bundle's outline: k copies, the gaps between them closed; None unless one
    polygon that holds every copy."""
    copies = [affinity.translate(_turned(part, turns, mirrors, i), i * sx, i * sy)
              for i in range(k)]
    union = shapely.unary_union(copies)
    r = spacing * 0.51 + 1.5  # over half the gaps between copies (`_bundle_one`)
    closed = union.buffer(r, join_style="mitre").buffer(-r, join_style="mitre")
    out = shapely.unary_union([closed, union])
    if out.geom_type != "Polygon" or out.is_empty:
        return None
    # tiny slivers left between copies are not holes anything could use
    return Polygon(out.exterior, [h for h in out.interiors if Polygon(h).area > 1.0])


def _turned(g: Polygon, turns: tuple[float, ...], mirrors: tuple[bool, ...], i: int
            ) -> Polygon:
    return oriented_outline(g, turns[i] if i < len(turns) else 0.0,
                            i < len(mirrors) and mirrors[i])


def box_fill(g) -> float:
    """Area over the area of the axis-aligned bounding box (what quarter turns tile)."""
    x0, y0, x1, y1 = g.bounds
    box = (x1 - x0) * (y1 - y0)
    return float(g.area / box) if box > 0 else 1.0


def _contact(a: Polygon, b: Polygon, ux: np.ndarray, uy: np.ndarray) -> np.ndarray:
    """The least distance along each (ux, uy) at which `b` moved that far no longer meets
    `a` (both grown, `a` prepared): bisection from a distance that surely clears."""
    ax0, ay0, ax1, ay1 = a.bounds
    bx0, by0, bx1, by1 = b.bounds
    u = np.stack([ux, uy], axis=1)
    hi = np.full(len(u), math.hypot(max(ax1, bx1) - min(ax0, bx0),
                                    max(ay1, by1) - min(ay0, by0)) + 1.0)
    lo = np.zeros(len(u))
    for _ in range(BISECT):
        mid = (lo + hi) / 2
        meets = shapely.intersects(a, moved_copies(b, u * mid[:, None]))
        lo = np.where(meets, mid, lo)
        hi = np.where(meets, hi, mid)
    return hi


def _pair_one(items: list[NestItem], stocks: list[Stock], spacing: float
              ) -> tuple[Part, tuple[float, float], float, bool] | None:
    """A copy and a second one against it where the two fill their bounding box best:
    (pair part, step of the second copy, its turn, mirrored?), or None when pairing does
    not pay. The second copy is turned half way; for items that may be mirrored, also
    mirrored (x -> -x) as it is, or mirrored and turned half way (the mirror image about
    the other axis): whichever pair's box is smallest, the half turn on a tie."""
    part = items[0].part
    g = part.outline
    if box_fill(g) * PAIR_GAIN > 1.0:  # no pair can fill its box that much better
        return None
    seconds = [(180.0, False)] + ([(0.0, True), (180.0, True)] if items[0].mirror else [])
    best = None
    for turn, flip in seconds:
        got = _pair_step(g, oriented_outline(g, turn, flip), spacing,
                         math.inf if best is None else best[0])
        if got is not None and (best is None or got[0] < best[0] * (1.0 - 1e-9)):
            best = (*got, turn, flip)
    if best is None:
        return None
    _, step, turn, flip = best
    out = _outline(g, 2, step[0], step[1], spacing, (0.0, turn), (False, flip))
    if out is None:
        return None
    copy = affinity.translate(oriented_outline(g, turn, flip), *step)
    if box_fill(shapely.unary_union([g, copy])) < PAIR_GAIN * box_fill(g):
        return None
    if not _apart(g, copy, spacing):
        return None
    pair = Part(part.name, out, source=part.source)
    return (pair, step, turn, flip) if _fits(pair, items[0].rotations, stocks) else None


def _pair_step(g: Polygon, second: Polygon, spacing: float, bar: float = math.inf
               ) -> tuple[float, tuple[float, float]] | None:
    """Where `second` (a copy of `g` turned or mirrored) goes against `g` for the smallest
    bounding box of the two: (that box's area, the step), or None when it is far from
    paying or from a box smaller than `bar` (another second copy's)."""
    pad = spacing / 2 * 1.02 + 1e-3 if spacing > 0 else 1e-4  # as `_bundle_one`
    a, b = g.buffer(pad), second.buffer(pad)
    if a.is_empty or b.is_empty:  # an outline with no inside (invalid, or of no area)
        return None
    shapely.prepare(a)

    x0, y0, x1, y1 = g.bounds
    t0, u0, t1, u1 = second.bounds

    def boxes(ang: np.ndarray, base: tuple[float, float]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ux, uy = np.cos(ang), np.sin(ang)
        d = _contact(a, affinity.translate(b, *base) if base != (0.0, 0.0) else b, ux, uy)
        sx, sy = base[0] + ux * d, base[1] + uy * d
        w = np.maximum(x1, t1 + sx) - np.minimum(x0, t0 + sx)
        h = np.maximum(y1, u1 + sy) - np.minimum(y0, u0 + sy)
        return w * h, sx, sy

    # slides from the two copies on one point, and from the second copy's box laid on the
    # part's where the two barely overlap there (else it costs a second scan for nothing):
    # a right triangle's pair (a rectangle) closes along the hypotenuse, which no slide
    # from the first start reaches (it slides along it, overlapping, or misses it: 420
    # chamfered triangles of a user's job went unpaired, on sheets 70 % full)
    laid = (x0 - t0, y0 - u0)
    bases = [(0.0, 0.0)]
    if g.intersection(affinity.translate(second, *laid)).area < LAID_OVERLAP * g.area:
        bases.append(laid)
    ang = np.radians(np.arange(0.0, 360.0, PAIR_DEG))
    best: tuple[float, tuple[float, float]] | None = None
    for base in bases:
        area, sx, sy = boxes(ang, base)
        if (2 * g.area / float(area.min()) < 0.95 * PAIR_GAIN * box_fill(g)
                or 0.95 * float(area.min()) > bar):
            continue  # far from paying: the refinement below gains a few per cent at most
        if base != (0.0, 0.0):  # laid: the pair is where the slides barely move the copy
            k0 = int(area.argmin())
            if best is None or float(area[k0]) < best[0] * (1.0 - 1e-6):  # ties: the first
                best = (float(area[k0]), (float(sx[k0]), float(sy[k0])))
            continue
        # the best box is often at a kink (a copy's edge level with the other's): golden
        # section between the neighbours of each of the best local minima finds it (all
        # of them at once: one shapely call per bisection step)
        local = np.flatnonzero((area <= np.roll(area, 1)) & (area <= np.roll(area, -1)))
        ks = local[np.argsort(area[local], kind="stable")][:PAIR_MINIMA]
        lo, hi = ang[ks] - math.radians(PAIR_DEG), ang[ks] + math.radians(PAIR_DEG)
        phi = (math.sqrt(5) - 1) / 2
        for _ in range(PAIR_REFINE):
            m1, m2 = hi - phi * (hi - lo), lo + phi * (hi - lo)
            f = boxes(np.concatenate([m1, m2]), base)[0]
            left = f[:ks.size] <= f[ks.size:]
            hi, lo = np.where(left, m2, hi), np.where(left, lo, m1)
        k0 = int(area.argmin())
        fine, fx, fy = boxes(np.concatenate([(lo + hi) / 2, ang[k0:k0 + 1]]), base)
        j = int(np.argmin(fine))
        if best is None or float(fine[j]) < best[0] - 1e-9:
            best = (float(fine[j]), (float(fx[j]), float(fy[j])))
    if best is None:
        return None
    step = best[1]
    # the contact search leaves the copies a little over the spacing apart: a step
    # rounded to a micron that still keeps it makes a pair whose box is whole millimetres
    # where the design's is (a raster of whole cells then tiles it)
    snap = (round(step[0], 3), round(step[1], 3))
    if _apart(g, affinity.translate(second, *snap), spacing):
        step = snap
    return best[0], step


def _half_turns(rotations: tuple[float, ...]) -> bool:
    """Quarter turns only, and every allowed rotation may also be turned half way (a pair's
    second copy). A pair is judged by its axis-aligned box, which is what quarter turns
    tile; parts turned in finer steps fit by their outlines, and pairing them did worse
    (frame at 30 s: 8 sheets with its 6 paired designs, 7 without)."""
    rs = {round(float(r) % 360.0, 9) for r in rotations}
    return (all(r % 90.0 == 0.0 for r in rs)
            and all(round((r + 180.0) % 360.0, 9) in rs for r in rs))


def _fits(part: Part, rotations: tuple[float, ...], stocks: list[Stock]) -> bool:
    try:
        check_fits([NestItem(part.name, part, rotations)], stocks)
    except UnsafeJobError:
        return False
    return True


def _bundle_one(items: list[NestItem], stocks: list[Stock], spacing: float
                ) -> tuple[Part, tuple[float, float], int] | None:
    """The best stacking of as many of these copies as fit a sheet: (bundle part, step,
    copies), or None when bundling does not pay."""
    part = items[0].part
    g = part.outline
    base = squareness(g)
    # grown by a little over half the spacing (a buffer's chords fall short of the true
    # offset by under 1 %): copies whose grown outlines do not meet keep the spacing
    grown = g.buffer(spacing / 2 * 1.02 + 1e-3)
    shapely.prepare(grown)
    xy = shapely.get_coordinates(g.convex_hull)
    k = len(items)
    best = None
    degs = range(0, 180, STEP_DEG)
    uxs = np.array([math.cos(math.radians(d)) for d in degs])
    uys = np.array([math.sin(math.radians(d)) for d in degs])
    ds = _stack_distances(grown, uxs, uys)
    for ux, uy, d in zip(uxs.tolist(), uys.tolist(), ds.tolist()):
        if math.isnan(d):
            continue
        # the bundle's minimum rectangle is its copies' convex hull's: from the vertices
        pts = np.concatenate([xy + (i * ux * d, i * uy * d) for i in range(k)])
        box = shapely.minimum_rotated_rectangle(shapely.multipoints(pts)).area
        if best is None or box < best[0] - 1e-9:
            best = (box, (ux * d, uy * d))
    if best is None:
        return None
    sx, sy = best[1]
    for k in range(len(items), 1, -1):  # as many copies as still fit a sheet
        out = _outline(g, k, sx, sy, spacing)
        if out is None or squareness(out) < GAIN * base:
            continue
        copies = [affinity.translate(g, i * sx, i * sy) for i in range(k)]
        if not all(_apart(copies[i], copies[j], spacing)
                   for i in range(k) for j in range(i + 1, k)):
            continue
        bundle = Part(part.name, out, source=part.source)
        if _fits(bundle, items[0].rotations, stocks):
            return bundle, (sx, sy), k
    return None


def make_bundles(items: list[NestItem], stocks: list[Stock], spacing: float,
                 deadline: float = math.inf, pairs: bool = True
                 ) -> tuple[list[NestItem], dict[str, Bundle]]:
    """The items to nest, thin designs' copies bundled (others' paired, with `pairs`), and
    each bundle by the instance name its item carries (its first copy's). No design is
    bundled after `deadline` (monotonic clock): its copies are nested one by one."""
    groups: dict[tuple[int, tuple[float, ...], bool], list[NestItem]] = {}
    for it in items:
        groups.setdefault((id(it.part), tuple(it.rotations), it.mirror), []).append(it)
    out: list[NestItem] = []
    bundles: dict[str, Bundle] = {}
    done: set[tuple[int, tuple[float, ...], bool]] = set()
    for it in items:
        key = (id(it.part), tuple(it.rotations), it.mirror)
        if key in done:
            continue
        done.add(key)
        group = groups[key]
        made = None
        if (len(group) >= 2 and squareness(it.part.outline) < FILL
                and time.monotonic() < deadline):
            made = _bundle_one(group, stocks, spacing)
        if (made is None and pairs and len(group) >= 2 and _half_turns(it.rotations)
                and time.monotonic() < deadline):
            paired = _pair_one(group, stocks, spacing)
            if paired is not None:
                part, step, turn, flip = paired
                for a in range(0, len(group) - 1, 2):
                    chunk = tuple(group[a:a + 2])
                    out.append(NestItem(chunk[0].instance, part, chunk[0].rotations,
                                        mirror=chunk[0].mirror))
                    bundles[chunk[0].instance] = Bundle(chunk, step, (0.0, turn),
                                                        (False, flip) if flip else ())
                out.extend(group[len(group) - len(group) % 2:])
                continue
        if made is None:
            out.extend(group)
            continue
        part, step, k = made
        for a in range(0, len(group) - len(group) % k, k):  # bundles of k; the rest alone
            chunk = tuple(group[a:a + k])
            out.append(NestItem(chunk[0].instance, part, chunk[0].rotations,
                                mirror=chunk[0].mirror))
            bundles[chunk[0].instance] = Bundle(chunk, step)
        out.extend(group[len(group) - len(group) % k:])
    return out, bundles


def expand(placements: list[Placement], bundles: dict[str, Bundle]) -> list[Placement]:
    """Placements with each placed bundle replaced by its copies (same rotation, each moved
    by its step turned with the bundle). A bundle placed mirrored mirrors its copies too:
    a copy's step and turn change sign and its own mirroring is undone or made."""
    res: list[Placement] = []
    for pl in placements:
        b = bundles.get(pl.instance)
        if b is None:
            res.append(pl)
            continue
        c, s = math.cos(math.radians(pl.rotation)), math.sin(math.radians(pl.rotation))
        sign = -1.0 if pl.mirrored else 1.0
        for i, it in enumerate(b.items):
            dx, dy = sign * i * b.step[0], i * b.step[1]
            turn = sign * (b.turns[i] if i < len(b.turns) else 0.0)
            flip = (i < len(b.mirrors) and b.mirrors[i]) != pl.mirrored
            res.append(Placement(it.instance, it.part, pl.x + c * dx - s * dy,
                                 pl.y + s * dx + c * dy, (pl.rotation + turn) % 360.0
                                 if turn else pl.rotation, flip))
    return res


def expand_layout(layout: Layout, bundles: dict[str, Bundle]) -> Layout:
    """The layout with every bundle back as its copies (placements by instance again; a
    strip's used length from the copies, which the bundle's closed outline may exceed)."""
    if not bundles:
        return layout
    sheets = []
    for s in layout.sheets:
        per = sorted(expand(s.placements, bundles), key=lambda q: q.instance)
        used = strip_length(s.stock, per) if s.stock.strip else None
        sheets.append(replace(s, placements=per, used_length=used))
    unplaced = sorted(x for u in layout.unplaced
                      for x in ([c.instance for c in bundles[u].items] if u in bundles else [u]))
    return Layout(sheets, unplaced)


def counts(items: list[NestItem], bundles: dict[str, Bundle]) -> np.ndarray:
    """How many parts each item stands for (progress counts parts, not items)."""
    return np.array([len(bundles[it.instance].items) if it.instance in bundles else 1
                     for it in items], np.int64)
