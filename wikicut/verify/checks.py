"""The rules a simulated program must keep whatever the sheet: machine limits, depth, feeds,
spindle and each tool's own limits (chip load, depth per pass). Given the sheet, the rest
are sheet.py's."""

from __future__ import annotations

import numpy as np
import shapely

from ..model import Profile
from .motion import ARC_TOL, Segment, Violation
from .plunges import passing
from .tools import ToolLimits


def check_motion(segs: list[Segment], profile: Profile,
                 thickness: float | None = None, z0: float = 0.0,
                 stock: tuple[float, float, float, float] | None = None) -> list[Violation]:
    """Travel limits, depth (the stock's thickness plus the allowed overcut, else the
    machine's Z limit), rapids in the stock (but straight up out of the kerf) and across it
    below the safe height, feeds and the spindle, segment by segment. `segs` are from the
    stock top; `z0` is the stock top's Z in the program's own work coordinates (the sheet's
    thickness with Z0 on the spoilboard): [limits] z is the machine's travel in the Z the
    program writes, and every Z a message quotes is as the program writes it. `stock`: the
    XY box (x0, y0, x1, y1) over which a tool touches the stock (None: that round the
    program's cuts into it, the profile tool's radius wide)."""
    out: list[Violation] = []
    floor = (-(thickness + profile.depth.max_overcut) if thickness is not None
             else profile.limits.z_min)
    eps = 1e-6
    lim = ((profile.limits.x_min, profile.limits.x_max),
           (profile.limits.y_min, profile.limits.y_max),
           (profile.limits.z_min - z0, profile.limits.z_max - z0))
    # before the first move, where the tool stands is not known
    first = next((k for k, s in enumerate(segs) if s.kind != "change"), len(segs))
    low = _low_rapids(segs, profile, thickness, z0, stock, resolution(profile))
    for k in np.union1d(_suspects(segs, lim, floor, profile.feeds.max, eps),
                        np.array(list(low), np.int64)).tolist():
        s = segs[k]
        if s.kind == "change":
            out += _check_change(s, profile, k > first, z0)
            continue
        # the reader's start of its first move is a guess (Z0), never written
        for p in (s.end,) if k == first else (s.start, s.end):
            for ax, (lo, hi), v in zip("XYZ", lim, p):
                if v < lo - eps or v > hi + eps:
                    out.append(Violation(s.line, "travel-limit", _outside(ax, v, lo, hi, z0,
                                                                          profile)))
                    break
        zmin = min(s.start[2], s.end[2])
        if zmin < floor - 1e-3:
            out.append(Violation(s.line, "depth", f"{written_z(zmin, z0, profile)} is below the"
                                 f" allowed {floor + z0:.3f}"))
        if s.kind == "rapid":
            if zmin < -eps and not _straight_up(s):
                out.append(Violation(s.line, "rapid-in-stock", f"rapid move at"
                                     f" {written_z(zmin, z0, profile)}, below the stock top"
                                     f" Z{z0:g}"))
            elif k in low:
                h = profile.heights.safe
                out.append(Violation(s.line, "rapid-low", f"rapid across the stock at"
                                     f" {written_z(low[k], z0, profile)}, below the safe height"
                                     f" Z{h + z0:g} ([heights] safe {h:g} mm over the stock"
                                     " top): warped stock is gouged"))
        else:
            moving = s.start != s.end
            if moving and s.feed <= 0:
                out.append(Violation(s.line, "feed", "cutting move with no feed rate"))
            elif moving and s.feed > profile.feeds.max + 1e-6:
                out.append(Violation(s.line, "feed", f"feed {s.feed:g} mm/min above the"
                                     f" machine's {profile.feeds.max:g}"))
            if zmin < -eps and not s.spindle:
                out.append(Violation(s.line, "feed", "cutting with the spindle off"))
    return out


def _low_rapids(segs: list[Segment], profile: Profile, thickness: float | None, z0: float,
                stock: tuple[float, float, float, float] | None, tol: float
                ) -> dict[int, float]:
    """The rapids that move across the stock (`stock`, see check_motion) below the profile's
    safe height but not into it, with the lowest Z each passes at: a sheet of ply is rarely
    flat, and the planner crosses it at the safe height or above. A rapid whose Z the
    program has not yet said (where the machine stood when it started) is not judged; the
    one that first says it only by where it ends. Nothing is judged where the stock top is
    not known (Z0 on the spoilboard and no thickness)."""
    if not segs or (profile.z_zero == "spoilboard" and thickness is None):
        return {}
    a = np.array([s.start for s in segs], np.float64)
    b = np.array([s.end for s in segs], np.float64)
    kind = np.array([s.kind for s in segs])
    if stock is None:
        cut = (kind == "feed") & (np.minimum(a[:, 2], b[:, 2]) < -1e-6)
        if not cut.any():
            return {}
        xy = np.concatenate([a[cut, :2], b[cut, :2]])
        r = profile.tool.radius
        stock = (*(xy.min(axis=0) - r), *(xy.max(axis=0) + r))
    # until the program writes a Z, every point of it is the reader's guess (Z0): a first
    # Z written as that same Z0 (the stock top) says where the tool is all the same
    said = np.flatnonzero((kind != "change") & np.array([s.said for s in segs]))
    if not len(said):
        return {}
    z = np.minimum(a[:, 2], b[:, 2])
    z[said[0]] = b[said[0], 2]  # from a Z not known: judged where it ends
    x0, y0, x1, y1 = stock
    cand = ((kind == "rapid") & (a[:, :2] != b[:, :2]).any(axis=1)
            & (z < profile.heights.safe - tol) & (z >= -1e-6)
            & (np.minimum(a[:, 0], b[:, 0]) <= x1) & (np.maximum(a[:, 0], b[:, 0]) >= x0)
            & (np.minimum(a[:, 1], b[:, 1]) <= y1) & (np.maximum(a[:, 1], b[:, 1]) >= y0))
    cand[:said[0]] = False
    ks = np.flatnonzero(cand)
    if not len(ks):
        return {}
    over = shapely.intersects(shapely.linestrings(np.stack([a[ks, :2], b[ks, :2]], 1)),
                              shapely.box(x0, y0, x1, y1))
    return {int(k): float(z[k]) for k in ks[over]}


def written_z(z: float, z0: float, profile: Profile, digits: int = 3) -> str:
    """A Z from the stock top as the program writes it (`z0`: the stock top's Z in the
    program's work coordinates), saying so where Z0 is not the stock top: the operator
    finds the line by the number in it."""
    where = " written (Z0 on the spoilboard)" if profile.z_zero == "spoilboard" else ""
    return f"Z{z + z0:.{digits}f}{where}"


def _outside(ax: str, v: float, lo: float, hi: float, z0: float, profile: Profile) -> str:
    """One axis word out of the machine's travel; a Z as the program writes it, with where
    its Z0 is (the limits are in the program's work coordinates)."""
    if ax != "Z":
        return f"{ax}{v:.3f} outside the machine's {lo:g}..{hi:g}"
    zero = "the spoilboard" if profile.z_zero == "spoilboard" else "the stock top"
    side, key = ("above", "max") if v > hi else ("below", "min")
    return (f"Z{v + z0:.3f} written (Z0 on {zero}) is {side} [limits] z {key}"
            f" {(hi if v > hi else lo) + z0:g}")


def _suspects(segs: list[Segment], lim, floor: float, max_feed: float, eps: float
              ) -> np.ndarray:
    """The segments check_motion must look at one by one: changes, and the moves its tests
    do not all pass at once (the others, nearly all of a sheet's 50,000, say nothing)."""
    if not segs:
        return np.zeros(0, np.int64)
    a = np.array([s.start for s in segs], np.float64)
    b = np.array([s.end for s in segs], np.float64)
    kind = np.array([s.kind for s in segs])
    lo = np.array([x for x, _ in lim]) - eps
    hi = np.array([x for _, x in lim]) + eps
    inside = ((a >= lo) & (a <= hi) & (b >= lo) & (b <= hi)).all(axis=1)
    zmin = np.minimum(a[:, 2], b[:, 2])
    quiet = inside & ~(zmin < floor - 1e-3)
    feed = np.array([s.feed for s in segs], np.float64)
    spindle = np.array([s.spindle for s in segs], bool)
    moving = (a != b).any(axis=1)
    cutting = quiet & (kind == "feed") & ~(moving & ((feed <= 0) | (feed > max_feed + 1e-6)))
    cutting &= ~((zmin < -eps) & ~spindle)
    up = ((a[:, :2] == b[:, :2]).all(axis=1)) & (b[:, 2] >= a[:, 2])
    rapid = quiet & (kind == "rapid") & ~((zmin < -eps) & ~up)
    return np.flatnonzero(~(cutting | rapid))


def _straight_up(s: Segment) -> bool:
    """A rapid that only rises, X and Y unchanged: the tool leaves along its own axis
    through its own kerf (as VCarve's and Fusion's posts retract), touching nothing."""
    return s.start[:2] == s.end[:2] and s.end[2] >= s.start[2]


def _check_change(s: Segment, profile: Profile, moved: bool, z0: float = 0.0
                  ) -> list[Violation]:
    """Hands go near the cutter at a change or a stop: spindle off, tool up at clearance
    (Z as the program writes it: the stock top at `z0`)."""
    out = []
    what = f"tool change to T{s.tool}" if s.tool else "stop for a tool change"
    if s.spindle:
        out.append(Violation(s.line, "tool-change", f"{what} with the spindle on"))
    if moved and s.start[2] < profile.heights.clearance - 1e-3:
        out.append(Violation(s.line, "tool-change", f"{what} at Z{s.start[2] + z0:.3f}, below"
                             f" the clearance height Z{profile.heights.clearance + z0:g}"))
    return out


def resolution(profile: Profile) -> float:
    """mm within which two depths the program writes are one: a written number is rounded to
    the profile's decimals in its units, so a step between two of them may be off by one unit
    of the last decimal (0.0001 in = 0.00254 mm on a ShopBot), and a pass the planner made
    exactly as deep as the tool allows must not read as deeper (never less than 1e-3 mm)."""
    return max(1e-3, 10.0 ** -profile.decimals / profile.unit_scale * (1 + 1e-9))


def sliver(profile: Profile) -> float:
    """mm of material beside an earlier cut a side cut may take and still be judged on the
    earlier cut's floor: two passes of one outline are arcs fitted apart (each within the
    profile's arc_tolerance, read back as chords within ARC_TOL), and so thin a strip is no
    pass."""
    return 0.05 + 2 * (profile.arc_tolerance + ARC_TOL)


def check_tools(segs: list[Segment], tools: dict[int, ToolLimits],
                tol: float = 1e-3, slack: float = 0.1) -> list[Violation]:
    """Each tool's own limits where known: feed, spindle speed, chip load and depth per pass.
    A side cut's pass is the material no earlier cut reached that it takes: its depth below
    the floor earlier cuts (of any tool) left under its tool's rim (_Cuts.depths), so a pass
    down its own groove takes one step, and a sweep at full depth into uncut waste (a
    lead-out after the loop's deepest pass) the whole depth, however deep the tool had just
    been (`tol`: mm of the program's rounding, see resolution; `slack`: see sliver). Its
    chip load is judged on that depth too (_deep_chips). A tool the library does not rate
    for the material may not cut it at all."""
    out: list[Violation] = _unrated(segs, tools)
    cuts = _Cuts(segs, tools)
    deep: list[int] = []  # side cuts whose chip load their depth may not allow
    look, passes = _tool_suspects(segs, tools, tol, cuts)
    for k in look.tolist():
        s = segs[k]
        t = tools[s.tool]
        if t.max_feed is not None and s.start != s.end and s.feed > t.max_feed + 1e-6:
            out.append(Violation(s.line, "tool", f"feed {s.feed:g} mm/min above T{t.number}'s"
                                 f" {t.max_feed:g}"))
        z = min(s.start[2], s.end[2])
        chip = _chip_load(s, t)
        if chip is not None and chip > t.max_chip_load * (1 + 1e-6):
            out.append(Violation(s.line, "tool", f"chip load {chip:.3f} mm/tooth above"
                                 f" T{t.number}'s {t.max_chip_load:g}"))
        elif (chip is not None and s.start[:2] != s.end[:2]
              and chip > t.chip_limit(-z - tol) * (1 + 1e-6)):
            deep.append(k)  # too much for a pass as deep as the stock top: measure its pass
        if t.max_rpm is not None and s.rpm > t.max_rpm + 1e-6:
            out.append(Violation(s.line, "tool", f"spindle {s.rpm:g} rpm above T{t.number}'s"
                                 f" {t.max_rpm:g}"))
    out += _deep_passes(segs, passes, tools, cuts, tol, slack)
    return out + _deep_chips(segs, deep, tools, cuts, tol, slack)


def _deep_passes(segs: list[Segment], ks: np.ndarray, tools: dict[int, ToolLimits],
                 cuts: _Cuts, tol: float, slack: float) -> list[Violation]:
    """The side cuts `ks` (each deeper below the stock top than its tool may cut a pass) that
    take more than a pass of material no earlier cut reached: their depth below the floor
    under their tool's rim (_Cuts.depths)."""
    if not len(ks):
        return []
    step = np.array([tools[segs[k].tool].max_depth_per_pass for k in ks.tolist()])
    open_ = cuts.repeated(ks) > step + tol
    ks, step = ks[open_], step[open_]
    ks = ks[cuts.bound(ks.tolist(), slack) > step + tol].tolist() if len(ks) else []
    out = []
    for k, depth in zip(ks, cuts.depths(ks, slack) if ks else []):
        s = segs[k]
        t = tools[s.tool]
        if depth > t.max_depth_per_pass + tol:
            out.append(Violation(s.line, "tool", f"side cut {depth:.3f} mm deep into material"
                                 f" no earlier cut reached, T{t.number} may cut"
                                 f" {t.max_depth_per_pass:g} mm per pass"))
    return out


def _unrated(segs: list[Segment], tools: dict[int, ToolLimits]) -> list[Violation]:
    """A tool the library does not rate for the material may not cut it: one violation per
    such tool, at its first cut into the stock (every cut after it is the same)."""
    out = []
    for n, t in sorted(tools.items()):
        if t.unrated:
            first = next((s for s in segs if s.tool == n and s.kind == "feed"
                          and min(s.start[2], s.end[2]) < -1e-6), None)
            if first is not None:
                out.append(Violation(first.line, "tool", f"{t.unrated}: the tool library"
                                     " refuses it in this material"))
    return out


def _tool_suspects(segs: list[Segment], tools: dict[int, ToolLimits], tol: float,
                   cuts: _Cuts) -> tuple[np.ndarray, np.ndarray]:
    """The cuts check_tools must look at one by one (those its tests, taken at once over
    the arrays, do not all pass: a few of a sheet's 50,000), and the side cuts whose pass
    the floors of earlier cuts must measure: those deeper below the stock top than their
    tool may cut a pass (no others can take more). The arrays made on the way are `cuts`'
    too."""
    n = len(segs)
    if not n or not tools:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a = np.array([s.start for s in segs], np.float64).reshape(-1, 3)
    b = np.array([s.end for s in segs], np.float64).reshape(-1, 3)
    kind = np.array([s.kind for s in segs])
    number = np.array([s.tool for s in segs], np.int64)
    feed = np.array([s.feed for s in segs], np.float64)
    rpm = np.array([s.rpm for s in segs], np.float64)
    across = (a[:, :2] != b[:, :2]).any(axis=1)
    moving = (a != b).any(axis=1)
    z = np.minimum(a[:, 2], b[:, 2])
    cutting = (kind != "change") & (kind != "rapid")
    known = np.zeros(n, bool)
    diameter = np.zeros(n)
    limits = {name: np.full(n, np.nan) for name in ("feed", "chip", "rpm", "step", "deep")}
    flutes = np.zeros(n)
    for number_, t in tools.items():
        mine = cutting & (number == number_)
        known |= mine
        for name, v in (("feed", t.max_feed), ("chip", t.max_chip_load), ("rpm", t.max_rpm),
                        ("step", t.max_depth_per_pass)):
            limits[name][mine] = np.nan if v is None else v
        flutes[mine] = t.flutes
        diameter[number == number_] = t.diameter
        side = np.flatnonzero(mine & across & (rpm > 0) & (flutes != 0) & moving)
        if t.max_chip_load is not None and len(side):  # the limit at each depth, once
            at, back = np.unique(-z[side] - tol, return_inverse=True)
            limits["deep"][side] = np.array([t.chip_limit(float(d)) for d in at])[
                back.reshape(-1)]
    with np.errstate(divide="ignore", invalid="ignore"):
        chip = np.where((rpm > 0) & (flutes != 0) & moving, feed / (rpm * flutes), np.nan)
    look = known & ((moving & (feed > limits["feed"] + 1e-6))
                    | (chip > limits["chip"] * (1 + 1e-6))
                    | (across & (chip > limits["deep"] * (1 + 1e-6)))
                    | (rpm > limits["rpm"] + 1e-6))
    fed = np.flatnonzero((kind == "feed") & moving)
    cuts.arrays = (fed, a[fed], b[fed], diameter[fed])
    # nan (no limit known) compares False
    passes = np.flatnonzero(known & across & (kind == "feed") & (-z > limits["step"] + tol))
    return np.flatnonzero(look), passes


def _chip_load(s: Segment, t: ToolLimits) -> float | None:
    """The chip load (mm per tooth) of a cutting move, where the tool's maximum is known."""
    if t.max_chip_load is None or not t.flutes or s.rpm <= 0 or s.start == s.end:
        return None
    return s.feed / (s.rpm * t.flutes)


def _deep_chips(segs: list[Segment], ks: list[int], tools: dict[int, ToolLimits],
                cuts: _Cuts, tol: float, slack: float) -> list[Violation]:
    """The side cuts `ks` whose chip load is above their tool's maximum derated for the depth
    of the pass they cut, as the planner derates it (ToolLimits.chip_limit): the depth is
    measured below the floor the tool's rim meets (_Cuts.depths): each pass of a slot cut in
    passes takes one step, a slot cut in one pass its whole depth."""
    if not ks:
        return []
    out = []
    for k, depth in zip(ks, cuts.depths(ks, slack)):
        s = segs[k]
        t = tools[s.tool]
        chip = s.feed / (s.rpm * t.flutes)
        limit = t.chip_limit(max(depth - tol, 0.0))
        if chip > limit * (1 + 1e-6):
            share = 100 * limit / t.max_chip_load
            out.append(Violation(s.line, "tool", f"chip load {chip:.3f} mm/tooth above"
                                 f" T{t.number}'s {limit:.3f} for a pass {depth:.3f} mm deep"
                                 f" ({depth / t.diameter:.2f} x D: {share:.0f} % of its"
                                 f" {t.max_chip_load:g}, the makers' derate for deep passes)"))
    return out


class _Cuts:
    """The program's cutting moves as arrays (and trees), made when first asked: where
    earlier cuts left the floor under a tool's rim (depths)."""

    def __init__(self, segs: list[Segment], tools: dict[int, ToolLimits]):
        self.segs = segs
        self.tools = tools
        self.arrays = None
        self.trees = None

    def _arrays(self):
        if self.arrays is None:
            idx = [i for i, g in enumerate(self.segs) if g.kind == "feed" and g.start != g.end]
            self.arrays = (np.array(idx, np.int64).reshape(-1),
                           np.array([self.segs[i].start for i in idx], np.float64).reshape(-1, 3),
                           np.array([self.segs[i].end for i in idx], np.float64).reshape(-1, 3),
                           np.array([self.tools[self.segs[i].tool].diameter
                                     if self.segs[i].tool in self.tools else 0.0 for i in idx]))
        return self.arrays

    def depths(self, ks: list[int], slack: float) -> np.ndarray:
        """How deep each side cut `ks` cuts into material no earlier cut reached: the most,
        over points on its tool's rim (ahead and to both sides at its end, and at its middle
        when it is longer than the tool's radius), of the move's depth there below the floor
        earlier cuts swept there (the deepest Z of those whose tool came within `slack` of
        the point; 0: the stock top). A groove cut deeper along an earlier pass (or a ramp
        down one) takes a step, a slot cut at once or a sweep into uncut waste its whole
        depth, a move inside a bored hole only what is below the bore's floor."""
        points, z, owner = self._rims(ks)
        lowest = self._lowest(points, np.searchsorted(self._arrays()[0], ks)[owner], slack)
        depth = np.full(len(ks), -np.inf)
        np.maximum.at(depth, owner, lowest - z)
        return depth

    def repeated(self, ks: np.ndarray) -> np.ndarray:
        """At least as much as depths(ks) gives, found quicker still: each move's depth, at
        its end and middle, below the deepest earlier cut along the very same XY line by a
        tool as wide (a loop's earlier pass, its ramp included: every point of the move's
        rim was swept there); the stock top where none was. Most passes of a sheet are
        such repeats."""
        idx, a, b, dia = self._arrays()
        key = np.round(np.column_stack([a[:, :2], b[:, :2], dia]), 6)
        _, group = np.unique(key, axis=0, return_inverse=True)
        group = group.reshape(-1)
        order = np.lexsort((np.arange(len(idx)), group))  # by group, then cutting order
        g = group[order].astype(np.float64)
        out = []
        for z in (b[order, 2], (a[order, 2] + b[order, 2]) / 2):  # at its end, its middle
            # the deepest of the group's earlier cuts: a running minimum that restarts at each
            # group (offset so every group's values lie below all earlier groups')
            big = 2 * (np.abs(z).max() + 1)
            low = np.minimum.accumulate(z - g * big) + g * big
            prior = np.concatenate(([0.0], low[:-1]))
            prior[np.r_[True, g[1:] != g[:-1]]] = 0.0  # the first of its group: the stock top
            at = np.empty(len(idx))
            at[order] = np.minimum(prior, 0.0)
            out.append(at)
        pos = np.searchsorted(idx, ks)
        return np.maximum(out[0][pos] - b[pos, 2], out[1][pos] - (a[pos, 2] + b[pos, 2]) / 2)

    def bound(self, ks: list[int], slack: float) -> np.ndarray:
        """At least as much as depths(ks) gives, found far quicker: at its end and (when it
        is long) its middle, the move's depth below the deepest earlier cut of a tool at
        least as wide whose centre line passed within `slack` of its own (its tool then
        swept every point of the move's rim there); the stock top where none did. A pass
        down its own groove is cleared here; only the rest need depths."""
        idx, a, b, dia = self._arrays()
        start, end, zs, ze, radius, long = self._ends(ks)
        points = np.concatenate([end, (start + end)[long] / 2])
        z = np.concatenate([ze, (zs + ze)[long] / 2])
        owner = np.concatenate([np.arange(len(ks)), long])
        before = np.searchsorted(idx, ks)[owner]
        lowest = np.zeros(len(points))
        for width, tree, cut in self._trees():
            pi, ci = tree.query(shapely.points(points), predicate="dwithin", distance=slack)
            ci = cut[ci]
            keep = (ci < before[pi]) & (width / 2 >= radius[owner[pi]] - 1e-9)
            pi, ci = pi[keep], ci[keep]
            dist, zc = passing(points[pi], a[ci], b[ci])
            near = dist <= slack
            np.minimum.at(lowest, pi[near], zc[near])
        depth = np.full(len(ks), -np.inf)
        np.maximum.at(depth, owner, lowest - z)
        return depth

    def _ends(self, ks: list[int]):
        """Each move's XY start and end, Z at both, its tool's radius, and which are longer
        than that radius."""
        start = np.array([self.segs[k].start for k in ks], np.float64).reshape(-1, 3)
        end = np.array([self.segs[k].end for k in ks], np.float64).reshape(-1, 3)
        radius = np.array([self.tools[self.segs[k].tool].diameter / 2 for k in ks])
        length = np.hypot(*(end[:, :2] - start[:, :2]).T)  # side cuts: never 0
        return (start[:, :2], end[:, :2], start[:, 2], end[:, 2], radius,
                np.flatnonzero(length > radius))

    def _rims(self, ks: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The points on each move's tool rim depths() judges, the move's Z at each, and
        whose they are."""
        start, end, zs, ze, radius, long = self._ends(ks)
        ahead = end - start
        ahead /= np.hypot(*ahead.T)[:, None]
        side = ahead[:, ::-1] * (-1.0, 1.0)
        rims = np.stack([ahead, side, -side], 1) * radius[:, None, None]  # (m, 3, 2)
        points = np.concatenate([(end[:, None] + rims).reshape(-1, 2),
                                 ((start + end)[long, None] / 2 + rims[long]).reshape(-1, 2)])
        z = np.concatenate([np.repeat(ze, 3), np.repeat((zs + ze)[long] / 2, 3)])
        owner = np.concatenate([np.repeat(np.arange(len(ks)), 3), np.repeat(long, 3)])
        return points, z, owner

    def _lowest(self, points: np.ndarray, before: np.ndarray, slack: float) -> np.ndarray:
        """At each point, the deepest Z of the cuts before `before` (its own) whose tool came
        within `slack` of it (0: the stock top)."""
        _, a, b, _ = self._arrays()
        lowest = np.zeros(len(points))
        for width, tree, cut in self._trees():
            pi, ci = tree.query(shapely.points(points), predicate="dwithin",
                                distance=width / 2 + slack)
            ci = cut[ci]
            keep = ci < before[pi]
            pi, ci = pi[keep], ci[keep]
            dist, z = passing(points[pi], a[ci], b[ci])
            swept = dist <= width / 2 + slack
            np.minimum.at(lowest, pi[swept], z[swept])
        return lowest

    def _trees(self) -> list[tuple[float, shapely.STRtree, np.ndarray]]:
        """A tree of the cuts' centre lines per tool width (a wide V-bit's few cuts would
        widen every query), with the cuts' indices."""
        if self.trees is None:
            _, a, b, dia = self._arrays()
            self.trees = []
            for width in np.unique(dia):
                cut = np.flatnonzero(dia == width)
                lines = shapely.linestrings(np.stack([a[cut, :2], b[cut, :2]], 1))
                self.trees.append((float(width), shapely.STRtree(lines), cut))
        return self.trees
