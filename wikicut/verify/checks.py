"""The rules a simulated program must keep: machine limits, depth, feeds and spindle, and,
given the sheet, no cutting outside it, into a part, or leaving a part attached."""

from __future__ import annotations

import numpy as np
import shapely

from ..model import Profile, SheetLayout, Stock
from .motion import ARC_TOL, Segment, Violation
from .plunges import floor_at, passing
from .tools import ToolLimits, cut_radii, unknown_radius


def check_motion(segs: list[Segment], profile: Profile,
                 thickness: float | None = None) -> list[Violation]:
    """Travel limits, depth (the stock's thickness plus the allowed overcut, else the
    machine's Z limit), rapids in the stock, feeds and the spindle, segment by segment."""
    out: list[Violation] = []
    floor = (-(thickness + profile.depth.max_overcut) if thickness is not None
             else profile.limits.z_min)
    eps = 1e-6
    lim = ((profile.limits.x_min, profile.limits.x_max),
           (profile.limits.y_min, profile.limits.y_max),
           (profile.limits.z_min, profile.limits.z_max))
    moved = False  # before the first move, where the tool stands is not known
    for s in segs:
        if s.kind == "change":
            out += _check_change(s, profile, moved)
            continue
        moved = True
        for p in (s.start, s.end):
            for ax, (lo, hi), v in zip("XYZ", lim, p):
                if v < lo - eps or v > hi + eps:
                    out.append(Violation(s.line, "travel-limit",
                                         f"{ax}{v:.3f} outside the machine's {lo:g}..{hi:g}"))
                    break
        zmin = min(s.start[2], s.end[2])
        if zmin < floor - 1e-3:
            out.append(Violation(s.line, "depth", f"Z{zmin:.3f} is below the allowed {floor:.3f}"))
        if s.kind == "rapid":
            if zmin < -eps:
                out.append(Violation(s.line, "rapid-in-stock", f"rapid move at Z{zmin:.3f}"))
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


def _check_change(s: Segment, profile: Profile, moved: bool) -> list[Violation]:
    """Hands go near the cutter at a change or a stop: spindle off, tool up at clearance."""
    out = []
    what = f"tool change to T{s.tool}" if s.tool else "stop for a tool change"
    if s.spindle:
        out.append(Violation(s.line, "tool-change", f"{what} with the spindle on"))
    if moved and s.start[2] < profile.heights.clearance - 1e-3:
        out.append(Violation(s.line, "tool-change", f"{what} at Z{s.start[2]:.3f}, below the"
                             f" clearance height {profile.heights.clearance:g}"))
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
    """Each tool's own limits where known: feed, spindle speed, chip load and depth per pass
    (the step below the deepest level the tool has cut at since it last came out of the
    stock, or below the floor earlier cuts of a tool at least as wide left at both ends of
    the move: an onion skin taken off down its own groove cuts only the skin; `tol`: mm of
    the program's rounding, see resolution). A side cut's chip load is judged on the depth
    it cuts (_deep_chips; `slack`: see sliver)."""
    out: list[Violation] = []
    level = 0.0
    cuts = _Cuts(segs, tools)
    deep: list[int] = []  # side cuts whose chip load their depth may not allow
    for k, s in enumerate(segs):
        if s.kind == "change" or s.kind == "rapid":
            level = 0.0 if s.kind == "rapid" and s.start[:2] != s.end[:2] else level
            continue
        t = tools.get(s.tool)
        if t is None:
            continue
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
        if s.start[:2] == s.end[:2]:
            continue  # a plunge (or pecking) is no pass
        if t.max_depth_per_pass is not None and level - z > t.max_depth_per_pass + tol:
            level = min(level, cuts.floor(k, s, t.diameter))
            if level - z > t.max_depth_per_pass + tol:
                out.append(Violation(s.line, "tool", f"pass {level - z:.3f} mm deep,"
                                     f" T{t.number} may cut {t.max_depth_per_pass:g} mm per"
                                     " pass"))
        level = min(level, z)
    return out + _deep_chips(segs, deep, tools, cuts, tol, slack)


def _chip_load(s: Segment, t: ToolLimits) -> float | None:
    """The chip load (mm per tooth) of a cutting move, where the tool's maximum is known."""
    if t.max_chip_load is None or not t.flutes or s.rpm <= 0 or s.start == s.end:
        return None
    return s.feed / (s.rpm * t.flutes)


def _deep_chips(segs: list[Segment], ks: list[int], tools: dict[int, ToolLimits],
                cuts: _Cuts, tol: float, slack: float) -> list[Violation]:
    """The side cuts `ks` whose chip load is above their tool's maximum derated for the depth
    of the pass they cut, as the planner derates it (ToolLimits.chip_limit): the depth is
    measured below the floor the tool's rim meets (_Cuts.floors): each pass of a slot cut in
    passes takes one step, a slot cut in one pass its whole depth."""
    if not ks:
        return []
    out = []
    for k, floor in zip(ks, cuts.floors(ks, slack)):
        s = segs[k]
        t = tools[s.tool]
        chip = s.feed / (s.rpm * t.flutes)
        depth = floor - min(s.start[2], s.end[2])
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
    earlier cuts left the floor (plunges.floor_at, floors)."""

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

    def floor(self, k: int, s: Segment, diameter: float) -> float:
        """The floor earlier cuts (before segment k) of a tool at least `diameter` wide left
        under both ends of s: the shallower of the two (0: the stock top)."""
        idx, a, b, dia = self._arrays()
        n = int(np.searchsorted(idx, k))
        wide = dia[:n] >= diameter - 1e-9
        return max(floor_at(a[:n], b[:n], wide, s.start[:2]),
                   floor_at(a[:n], b[:n], wide, s.end[:2]))

    def floors(self, ks: list[int], slack: float) -> np.ndarray:
        """Where the material under each side cut `ks` stood before it: the shallowest, over
        points on its tool's rim (ahead and to both sides at its end, and at its middle when
        it is longer than the tool's radius), of the floor earlier cuts swept there (the
        deepest Z of those whose tool came within `slack` of the point; 0: the stock top). A
        groove cut deeper along an earlier pass stands at that pass, a slot cut at once at the
        stock top, a move inside a bored hole at the bore's floor."""
        idx, a, b, dia = self._arrays()
        start = np.array([self.segs[k].start[:2] for k in ks], np.float64).reshape(-1, 2)
        end = np.array([self.segs[k].end[:2] for k in ks], np.float64).reshape(-1, 2)
        radius = np.array([self.tools[self.segs[k].tool].diameter / 2 for k in ks])
        length = np.hypot(*(end - start).T)  # side cuts: never 0
        ahead = (end - start) / length[:, None]
        side = ahead[:, ::-1] * (-1.0, 1.0)
        rims = np.stack([ahead, side, -side], 1) * radius[:, None, None]  # (m, 3, 2)
        long = np.flatnonzero(length > radius)
        points = np.concatenate([(end[:, None] + rims).reshape(-1, 2),
                                 ((start + end)[long, None] / 2 + rims[long]).reshape(-1, 2)])
        owner = np.concatenate([np.repeat(np.arange(len(ks)), 3), np.repeat(long, 3)])
        before = np.searchsorted(idx, ks)[owner]  # the cuts before each move
        lowest = np.zeros(len(points))  # the stock top where no cut passed
        for width, tree, cut in self._trees():
            pi, ci = tree.query(shapely.points(points), predicate="dwithin",
                                distance=width / 2 + slack)
            ci = cut[ci]
            keep = ci < before[pi]
            pi, ci = pi[keep], ci[keep]
            dist, z = passing(points[pi], a[ci], b[ci])
            swept = dist <= width / 2 + slack
            np.minimum.at(lowest, pi[swept], z[swept])
        floor = np.full(len(ks), -np.inf)
        np.maximum.at(floor, owner, lowest)
        return floor

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


def check_sheet(segs: list[Segment], profile: Profile, sheet: SheetLayout,
                tools: dict[int, ToolLimits] | None = None) -> list[Violation]:
    """Cutting outside the sheet, into a part (gouge), outlines or holes left uncut, pocket
    floors left uncleared and drills not cut to their diameter and depth; each segment swept
    by its own tool where `tools` says its diameter (cut_radii), and judged by the zones
    that tool may cut into (its reliefs, along engravings, in a drill's hole), not the
    widest tool's: a wide V-bit in the rack licenses no end mill to cut wider."""
    out: list[Violation] = []
    st = sheet.stock
    tools = tools or {}
    through = -st.thickness + 1e-3
    cutting = [s for s in segs if s.kind == "feed" and min(s.start[2], s.end[2]) < -1e-6]
    if not cutting:
        return out
    radii = cut_radii(cutting, tools, unknown_radius(profile, tools))
    # geometry for all segments at once (a house's sheet is some 16,000 arc chords)
    ends = np.array([(s.start, s.end) for s in cutting], np.float64)  # (n, 2, xyz)
    lines = _paths(ends[:, :, :2])
    out += _out_of_stock(cutting, ends[:, :, :2], lines, st, radii)
    # swept areas per segment, found per part through a tree: a union over the whole sheet
    # for every part grows with sheets x parts and took minutes on a house
    floors = _Floors(lines, radii, ends)
    lowest = floors.low
    shallow_ok = profile.engrave.depth + 0.01  # engraving/labels may cross parts
    deep, thru = lowest < -shallow_ok, lowest <= through
    gouging = _Swept(lines[deep], radii[deep])
    through_cut = _Swept(lines[thru], radii[thru] + 0.05)
    # an onion skin left on purpose (no pass takes it off): outlines are cut through to it
    skin = profile.onion.skin if profile.tabs.mode == "onion" and not profile.onion.final_pass \
        else 0.0
    to_skin = lowest <= through + skin
    skin_cut = _Swept(lines[to_skin], radii[to_skin] + 0.05) \
        if skin else through_cut
    placed = [p.placed() for p in sheet.placements]
    outlines = shapely.STRtree([part.outline for part in placed])
    bridged: set[frozenset[int]] = set()  # pairs of parts a tab ties together, said once
    # the widest groove below the engraving depth: how far a neighbour's tab may reach
    wide = float(gouging.radii.max()) if len(gouging.lines) else float(radii.min())
    material = st.outline if st.outline is not None else shapely.box(0, 0, st.width, st.height)
    for k_part, (p, part) in enumerate(zip(sheet.placements, placed)):
        keep = _Keep(part)
        # around a drill the drill check judges the material (an oversize hole names it)
        zones = [_drill_zone(d, gouging) for d in part.drills]
        out += _drills(p.instance, part, floors, gouging, keep, zones, st.thickness)
        if zones:
            keep = keep.less(shapely.union_all(zones))
        hit = (shapely.Polygon() if keep.inner.is_empty
               else gouging.hits(gouging.query(keep.inner), keep.at))
        if hit.area > 0.5:
            out.append(Violation(0, "gouge", f"{p.instance}: the tool enters the part "
                                 f"({hit.area:.1f} mm2 near {_where(hit)})"))
        # every outline and hole edge cut through, except at tabs
        for k_ring, ring in enumerate([part.outline.exterior, *part.outline.interiors]):
            length = ring.length
            cut = skin_cut if k_ring == 0 else through_cut
            near = cut.query(ring)
            left = ring.difference(swept_area(cut.lines[near], cut.radii[near]))
            uncut = left.length
            # the tool that cut the ring: its tabs are as long as it is wide
            r = float(cut.radii[near].max()) - 0.05 if len(near) else float(radii.max())
            if k_ring == 0 and uncut > 0:
                out += _tabs_between_parts(k_part, sheet, placed, outlines, left, gouging,
                                           cut, r, wide, bridged)
                if not skin:  # a skin holds the part all round
                    out += _held_by_nothing(k_part, sheet, placed, outlines, left,
                                            through_cut, r, wide, material)
            n_tabs = (profile.tabs.count or int(length / max(profile.tabs.spacing, 1)) + 2)
            allowance = n_tabs * (profile.tabs.length + 2 * r) + 1.0
            if not profile.tabs.enabled or profile.tabs.mode == "onion" or k_ring > 0:
                allowance = 1.0
            if uncut > allowance:
                kind = "outline" if k_ring == 0 else "hole"
                to = f"down to the {skin:g} mm onion skin" if skin and k_ring == 0 else "through"
                out.append(Violation(0, "uncut", f"{p.instance}: {uncut:.1f} mm of the {kind} "
                                     f"is not cut {to} (allowed {allowance:.0f} for tabs)"))
        out += _pocket_floors(p.instance, part, floors)
    return out


# A tab shorter than this along the outline is the polygons' rounding, not a tab
TAB_MIN = 0.5  # mm


def _tab_reach(r: float, wide: float) -> float:
    """How far a tab's material is followed from it: across its own groove (2r), then a
    neighbour's groove as far again as it is wide. What lies within it ties the tab to a
    part (_tabs_between_parts) or closes it in (_held_by_nothing): one reach for both."""
    return 2 * r + 2 * wide + 1.0


def _tabs_between_parts(k: int, sheet: SheetLayout, placed: list, outlines, left, gouging,
                        cut, r: float, wide: float, bridged: set[frozenset[int]]
                        ) -> list[Violation]:
    """The stretches of part k's outline left uncut (its tabs) whose material, what the
    grooves left at their bottom, reaches another part: such a tab ties two parts together
    instead of a part to the waste (a tab on an edge two parts share, a neighbour's pass
    lifted over it, or two parts' tabs meeting where their grooves do). `r`: the radius of
    the tool that cut the outline; `wide`: of the widest that cuts grooves."""
    out: list[Violation] = []
    me = sheet.placements[k].instance
    for tab in shapely.get_parts(left):
        if tab.length < TAB_MIN:
            continue
        window = tab.buffer(_tab_reach(r, wide))  # parts up to two grooves apart may be tied
        others = [j for j in outlines.query(window, predicate="intersects").tolist()
                  if j != k and frozenset((k, j)) not in bridged]
        if not others:
            continue
        # the bottom of the grooves near the tab: swept by a cut, not cut through
        floor = gouging.near(window).intersection(window).difference(cut.near(window))
        floor = floor.difference(placed[k].outline.buffer(-0.05))
        held = [g for g in shapely.get_parts(floor) if g.distance(tab) < 0.05]
        for j in others:
            if any(g.distance(placed[j].outline) < 0.05 for g in held):
                bridged.add(frozenset((k, j)))
                other = sheet.placements[j].instance
                out.append(Violation(0, "tab", f"tab between parts {me} and {other}: the"
                                     f" material left uncut near {_where(tab)} ties {me}"
                                     f" to {other}, not to the waste"))
    return out


def _held_by_nothing(k: int, sheet: SheetLayout, placed: list, outlines, left, through_cut,
                     r: float, wide: float, material) -> list[Violation]:
    """Part k, its outline cut through but for its tabs (`left`), held by none of them: the
    material each tab leaves at the bottom of the grooves, followed away from the part, is
    closed in by cuts through the sheet (a neighbour's groove over the tab's far end, or the
    sheet's edge) within two grooves of it, so it reaches no waste (a tab tied to another
    part is _tabs_between_parts'). Loose at its last pass, the part may be thrown by the
    cutter, or shift and be recut. A part whose groove runs off the sheet stands on the
    sheet's edge and is held as the sheet is (clamps, vacuum): not judged. `r`: the radius
    of the tool that cut the outline; `wide`: of the widest that cuts grooves; `material`:
    the stock's."""
    tabs = [t for t in shapely.get_parts(left) if t.length >= TAB_MIN]
    if not tabs:
        return []
    part = placed[k].outline
    if part.distance(material.exterior) < 2 * r:
        return []  # its groove runs off the sheet: the part is at its edge, held as it is
    reach = _tab_reach(r, wide)  # a tab whose material reaches past both grooves holds
    area = shapely.union_all([t.buffer(reach) for t in tabs])
    edge = area.boundary.intersection(material.buffer(-0.01))  # the window's, not the sheet's
    shapely.prepare(edge)
    left_standing = (area.intersection(material).difference(through_cut.near(area))
                     .difference(part))
    pieces = shapely.get_parts(left_standing)
    into: list[str] = []
    for tab in tabs:
        mine = [g for g in pieces if g.distance(tab) < 0.05]
        if any(g.distance(edge) < 0.05 for g in mine):
            return []  # reaches waste beyond the grooves
        if any(j != k for g in mine for j in outlines.query(g, predicate="intersects")):
            return []  # tied to another part: _tabs_between_parts says so
        near = sorted((placed[j].outline.distance(tab), j) for j in
                      outlines.query(tab, predicate="dwithin", distance=reach).tolist()
                      if j != k)
        into.append(f"the cut round {sheet.placements[near[0][1]].instance}" if near
                    else "the sheet's edge" if any(g.distance(material.exterior) < 0.05
                                                   for g in mine)
                    else "a cut through the sheet")
    me = sheet.placements[k].instance
    names = list(dict.fromkeys(into))
    what = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    each = f"each of its {len(tabs)} tabs runs" if len(tabs) > 1 else "its one tab runs"
    return [Violation(0, "tab", f"part {me} is held by nothing: {each} into {what} (the"
                      f" first near {_where(tabs[0])}), no waste beyond; loose once cut"
                      " through, it may be thrown by the cutter or shift and be recut")]


# A pocket's floor counts as cut where a tool passed within this of the pocket's depth
FLOOR_TOL = 0.05  # mm
# Uncleared floor narrower than this is a scallop, not material left standing (the planner's
# rest machining accepts as much)
FLOOR_SLIVER = 0.5  # mm
FLOOR_AREA = 0.5  # mm2: less uncleared floor than this is not reported


class _Floors:
    """The cutting segments with their radii and lowest points, found by place, to judge
    whether a pocket's floor was swept at its depth."""

    def __init__(self, lines: np.ndarray, radii: np.ndarray, ends: np.ndarray):
        self.radii = radii
        self.lines = lines
        self.ends = ends  # (n, 2, xyz)
        self.low = ends[:, :, 2].min(axis=1)
        self.tree = shapely.STRtree(self.lines)

    def lowest_in(self, centre, rad: float) -> float | None:
        """The lowest Z of the paths whose centre line passes within `rad` of `centre`."""
        near = self.tree.query(centre, predicate="dwithin", distance=rad - 1e-6)
        return float(self.low[near].min()) if len(near) else None

    def at_depth(self, region, depth: float) -> tuple[np.ndarray, np.ndarray]:
        """The paths near `region` at `depth` or below (each segment's part that is, a ramp
        counting from where it reaches the depth) and their tool radii."""
        r = float(self.radii.max())
        near = np.sort(self.tree.query(shapely.box(*region.buffer(r + 1.0).bounds)))
        zt = -depth + FLOOR_TOL
        near = near[self.low[near] <= zt]
        e = self.ends[near]
        a, b = e[:, 0, :2].copy(), e[:, 1, :2].copy()
        z0, z1 = e[:, 0, 2], e[:, 1, 2]
        # keep the part at depth (z is linear along the segment)
        ramp = (z0 > zt) | (z1 > zt)
        t = (zt - z0[ramp]) / (z1[ramp] - z0[ramp])
        m = a[ramp] + (b[ramp] - a[ramp]) * t[:, None]
        down = z0[ramp] > zt  # reaches the depth on the way: from m to its end
        a[np.flatnonzero(ramp)[down]] = m[down]
        b[np.flatnonzero(ramp)[~down]] = m[~down]
        return _paths(np.stack([a, b], axis=1)), self.radii[near]


def _pocket_floors(instance: str, part, floors: _Floors) -> list[Violation]:
    """Each pocket's floor swept at its depth, but for the corners a round tool cannot reach:
    the pocket opened by the smallest radius that cut there (every disc of that radius inside
    it) must be covered by the tools' paths at depth."""
    out = []
    for pk in part.pockets:
        paths, radii = floors.at_depth(pk.shape, pk.depth)
        # the tools that cut in the pocket (not a cut beside it that grazes its edge)
        inside = radii[shapely.distance(paths, pk.shape) < radii - 0.1]
        rmin = float(inside.min()) if inside.size else float(floors.radii.min())
        # the slug inside a hole of the part falls out: no floor to clear there
        need = pk.shape.buffer(-rmin, quad_segs=16).buffer(rmin, quad_segs=16)
        need = need.intersection(part.outline)
        if need.is_empty:
            continue
        swept = swept_area(paths, radii + FLOOR_TOL)
        left = need.difference(swept)
        left = left.buffer(-FLOOR_SLIVER / 2).buffer(FLOOR_SLIVER / 2).intersection(left)
        if left.area > FLOOR_AREA:
            big = max(getattr(left, "geoms", [left]), key=lambda g: g.area)
            c = pk.shape.representative_point()
            out.append(Violation(0, "uncut", f"{instance}: the {pk.depth:g} mm pocket at"
                                 f" {_where(c)} is not cleared: {left.area:.1f} mm2 of its"
                                 f" floor left, the most near {_where(big)}"))
    return out


# A drill may come out this much over or under its diameter: a tool within it plunges the
# hole (a 6.35 mm bit in a 6 mm hole), a wider hole is bored to the diameter
DRILL_TOL = 0.5  # mm
DRILL_AREA = 0.05  # mm2: less uncut (or overcut) than this is the polygons' rounding


def _drill_zone(d, gouging: _Swept):
    """Around a drill, the material the drill check judges: as far as the tools centred in
    the hole (their centre line within its radius) reach."""
    centre = shapely.Point(d.x, d.y)
    rad = d.diameter / 2
    idx = gouging.query(centre.buffer(rad, quad_segs=16))
    own = gouging.radii[idx][shapely.distance(gouging.lines[idx], centre) < rad]
    reach = float(own.max()) if own.size else 0.0
    return centre.buffer(rad + reach + 0.05, quad_segs=16)


class _Keep:
    """The material of a part that must survive each tool's cuts: the part less its pockets,
    and less the zones a tool of that radius may cut into, its own width from them: along
    the part's engravings, and at its concave corners and its pockets' (reliefs); `less`
    takes more away. `at(radius)` is shrunk by 0.05 mm (a cut that grazes the edge)."""

    def __init__(self, part, away=None):
        self.part = part
        body = part.outline
        for pk in part.pockets:
            body = body.difference(pk.shape.buffer(0.05))
        if away is not None:
            body = body.difference(away)
        self.body = body
        self.inner = body.buffer(-0.05)  # what a cut along the edge does not reach
        self.away = away
        corners = _concave_corners(part.outline)
        for pk in part.pockets:  # a pocket's corners may get reliefs too
            corners += list(pk.shape.exterior.coords)
        self.corners = shapely.points(np.array(corners, np.float64).reshape(-1, 2))
        self.paths = [e.path for e in part.engravings]
        self._at: dict[float, object] = {}

    def less(self, away) -> _Keep:
        return _Keep(self.part, away if self.away is None else self.away.union(away))

    def at(self, radius: float):
        got = self._at.get(radius)
        if got is None:
            allow = [*shapely.buffer(np.asarray(self.paths, dtype=object), radius + 0.05),
                     *shapely.buffer(self.corners, 2 * radius * 1.5)]
            got = self.body.difference(shapely.union_all(allow)) if allow else self.body
            got = self._at[radius] = got.buffer(-0.05)
        return got


def _drills(instance: str, part, floors: _Floors, gouging: _Swept, keep: _Keep, zones: list,
            thickness: float) -> list[Violation]:
    """Each drill cut to its diameter (within DRILL_TOL) and depth: the tools' paths at its
    depth, each swept by its radius, cover the hole (through the stock, its rim: the slug
    falls out), and nothing deeper than an engraving cuts the part's material beyond it (a
    tool centred in the hole: oversize; another cut: a gouge)."""
    out = []
    for d, zone in zip(part.drills, zones):
        centre = shapely.Point(d.x, d.y)
        rad = d.diameter / 2
        depth = thickness if d.depth is None else float(d.depth)
        what = (f"{instance}: the {d.diameter:g} mm drill at {_where(centre)}"
                + ("" if d.depth is None else f", {d.depth:g} mm deep,"))
        paths, radii = floors.at_depth(zone, depth)
        # the tools that cut in the hole (their centre inside it), not a cut passing beside
        mine = [(g, float(rr)) for g, rr in zip(paths, radii) if g.distance(centre) < rad]
        need = centre.buffer(rad - DRILL_TOL / 2, quad_segs=16)
        if d.depth is None:
            need = need.exterior
        swept = swept_area(paths, radii + FLOOR_TOL)
        left = need.difference(swept)
        lowest = floors.lowest_in(centre, rad)
        if (left.length if d.depth is None else left.area) > (
                DRILL_AREA if d.depth is not None else 0.1):
            through = " through" if d.depth is None else ""
            if mine:
                msg = f"is not cut to its diameter{through}: {_cut_text(centre, mine)}"
            else:
                msg = (f"is not cut {through.strip() or 'to its depth'}: "
                       + ("no tool cuts in it" if lowest is None
                          else f"the tool in it reaches {-lowest:.2f} mm"))
            out.append(Violation(0, "uncut", f"{what} {msg}"))
        # a blind hole no deeper than drawn (within FLOOR_TOL)
        if d.depth is not None and lowest is not None and lowest < -depth - FLOOR_TOL:
            out.append(Violation(0, "gouge", f"{what} is cut {-lowest:.2f} mm deep"))
        hole = centre.buffer(rad + DRILL_TOL / 2, quad_segs=16)
        region = keep.inner.intersection(zone).difference(hole)
        if region.is_empty:
            continue
        idx = gouging.query(region)  # the cuts whose sweep reaches the material

        def material(radius: float, zone=zone, hole=hole):
            return keep.at(radius).intersection(zone).difference(hole)

        dist = shapely.distance(gouging.lines[idx], centre)
        for ks, own in ((idx[dist < rad], True), (idx[dist >= rad], False)):
            if not ks.size:
                continue
            over = gouging.hits(ks, material)
            if over.area <= DRILL_AREA:
                continue
            if own:
                reach = shapely.hausdorff_distance(centre, over)
                out.append(Violation(0, "gouge", f"{what} is cut oversize: the tool reaches"
                                     f" {reach:.2f} mm from its centre ({over.area:.1f} mm2"
                                     f" beyond {rad + DRILL_TOL / 2:g} mm)"))
            elif over.area > 0.5:  # the gouge check's own threshold
                out.append(Violation(0, "gouge", f"{instance}: the tool enters the part "
                                     f"({over.area:.1f} mm2 near {_where(over)})"))
    return out


def _cut_text(centre, mine: list) -> str:
    """What was cut in a hole at its depth: the tools and how wide their sweep reaches."""
    tools = sorted({round(2 * rr, 3) for _, rr in mine})
    sweep = shapely.union_all(shapely.buffer([g for g, _ in mine],
                                             np.array([rr for _, rr in mine]), quad_segs=16))
    across = 2 * shapely.hausdorff_distance(centre, sweep)
    how = ("plunged" if all(g.distance(centre) < 1e-3 and g.length < 1e-3 for g, _ in mine)
           else "bored")
    return (f"a {'/'.join(f'{t:g}' for t in tools)} mm tool {how} there cuts"
            f" {across:.1f} mm across")


def _paths(xy: np.ndarray) -> np.ndarray:
    """Each segment's centre line ((n, 2, 2) ends): a line, or a point where it does not
    move in X and Y (a plunge)."""
    out = np.empty(xy.shape[0], dtype=object)
    moving = np.any(xy[:, 0] != xy[:, 1], axis=1)
    if moving.any():
        out[moving] = shapely.linestrings(xy[moving])
    if (~moving).any():
        out[~moving] = shapely.points(xy[~moving, 0])
    return out


def _out_of_stock(cutting: list[Segment], xy: np.ndarray, lines: np.ndarray, st: Stock,
                  radii: np.ndarray) -> list[Violation]:
    """Cutting with the tool centre beyond the sheet by more than its tool's radius; on an
    offcut, beyond its material (whose notches a cut between two points inside could still
    cross)."""
    r = radii[:, None, None]  # (n, end, xy) against each segment's own radius
    lo, hi = -r - 0.5, np.array([st.width, st.height]) + r + 0.5
    outside = np.any((xy <= lo) | (xy >= hi), axis=(1, 2))
    out = [Violation(cutting[k].line, "out-of-stock", "cutting outside the sheet")
           for k in np.flatnonzero(outside).tolist()]
    if st.outline is None:
        return out
    off = np.zeros(len(lines), bool)
    for rad in np.unique(radii).tolist():
        mine = np.flatnonzero(radii == rad)
        material = st.outline.buffer(rad + 0.5)
        shapely.prepare(material)
        off[mine] = ~shapely.covers(material, lines[mine])
    out += [Violation(cutting[k].line, "out-of-stock", "cutting off the offcut's material")
            for k in np.flatnonzero(off).tolist()]
    return out


class _Swept:
    """The area swept by a set of cutting segments (each buffered by its radius), made only
    near the geometry asked about."""

    def __init__(self, lines: np.ndarray, radius):
        self.lines = lines
        self.radii = np.broadcast_to(np.asarray(radius, np.float64), (len(lines),))
        # each segment's box grown by its radius, which the tree tests against a prepared
        # geometry (its own "dwithin" is not prepared: twice as slow on a house)
        b = shapely.bounds(lines) if len(lines) else np.zeros((0, 4))
        r = self.radii
        self.tree = shapely.STRtree(shapely.box(b[:, 0] - r, b[:, 1] - r, b[:, 2] + r,
                                                b[:, 3] + r))

    def query(self, geom) -> np.ndarray:
        """The segments whose sweep reaches `geom`, in program order."""
        if not len(self.lines):
            return np.zeros(0, np.int64)
        idx = self.tree.query(geom, predicate="intersects")
        shapely.prepare(geom)
        idx = idx[shapely.dwithin(self.lines[idx], geom, self.radii[idx])]
        return np.sort(idx)

    def near(self, geom):
        idx = self.query(geom)
        return swept_area(self.lines[idx], self.radii[idx])

    def hits(self, idx: np.ndarray, material):
        """Where the segments `idx` sweep `material(radius)`, the material a tool of that
        radius must leave: each tool's cuts judged by its own zones."""
        rad = self.radii[idx]
        found = []
        for r in np.unique(rad).tolist():
            mine = idx[rad == r]
            keep = material(r)
            if keep.is_empty:
                continue
            swept = swept_area(self.lines[mine], self.radii[mine])
            found.append(swept.intersection(keep))
        return shapely.union_all(found) if found else shapely.Polygon()


def swept_area(lines: np.ndarray, radii: np.ndarray):
    """The union of each segment (a line, or a point where the tool plunged) buffered by its
    radius. Segments of one radius are joined into polylines first: buffering a polyline is
    one pass, where the union of its segments' buffers took 17 times longer on a pocket's
    zigzag of 40,000 chords (the same area to 1e-10)."""
    radii = np.asarray(radii, np.float64)
    pieces = []
    for r in np.unique(radii).tolist():
        mine = lines[radii == r]
        dots = shapely.get_type_id(mine) == 0
        if (~dots).any():
            joined = shapely.line_merge(shapely.multilinestrings(mine[~dots]))
            pieces.append(shapely.buffer(shapely.get_parts(joined), r, quad_segs=8))
        if dots.any():
            pieces.append(shapely.buffer(mine[dots], r, quad_segs=8))
    if not pieces:
        return shapely.Polygon()
    return shapely.union_all(np.concatenate(pieces))


def _where(g) -> str:
    p = g.representative_point()
    return f"({p.x:.1f}, {p.y:.1f})"


def _concave_corners(poly) -> list[tuple[float, float]]:
    """Vertices where material turns inward: dogbone reliefs are allowed there."""
    pts = []
    for k_ring, ring in enumerate([poly.exterior, *poly.interiors]):
        c = list(ring.coords)[:-1]
        ccw = ring.is_ccw
        is_ext = k_ring == 0
        n = len(c)
        for i in range(n):
            (x0, y0), (x1, y1), (x2, y2) = c[i - 1], c[i], c[(i + 1) % n]
            cross = (x1 - x0) * (y2 - y1) - (y1 - y0) * (x2 - x1)
            left, right = cross > 1e-9, cross < -1e-9
            concave = right if (ccw == is_ext) else left
            if concave:
                pts.append((x1, y1))
    return pts
