"""Whether each part's tabs hold it to the waste: not to another part (a tab two parts
share), not to material the cuts round it close in (held by nothing once cut), not to
the waste in another part's hole cut through all round (a loose slug), and, over the whole
sheet, not only to waste that the grooves of several parts close in between them; and
nothing cut in a part once it is cut free."""

from __future__ import annotations

import numpy as np
import shapely

from ..model import SheetLayout, webs_dropped
from .motion import Violation
from .swept import Swept, swept_area, where

# A tab shorter than this along the outline is the polygons' rounding, not a tab
TAB_MIN = 0.5  # mm


def tab_reach(r: float, wide: float) -> float:
    """How far a tab's material is followed from it: across its own groove (2r), then a
    neighbour's groove as far again as it is wide. What lies within it ties the tab to a
    part (tabs_between_parts) or closes it in (held_by_nothing): one reach for both."""
    return 2 * r + 2 * wide + 1.0


def tabs_between_parts(k: int, sheet: SheetLayout, placed: list, outlines, left, gouging,
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
        window = tab.buffer(tab_reach(r, wide))  # parts up to two grooves apart may be tied
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
                                     f" material left uncut near {where(tab)} ties {me}"
                                     f" to {other}, not to the waste"))
    return out


def held_by_nothing(k: int, sheet: SheetLayout, placed: list, outlines, left, through_cut,
                     r: float, wide: float, material) -> list[Violation]:
    """Part k, its outline cut through but for its tabs (`left`), held by none of them: the
    material each tab leaves at the bottom of the grooves, followed away from the part, is
    closed in by cuts through the sheet (a neighbour's groove over the tab's far end, or the
    sheet's edge) within two grooves of it, so it reaches no waste (a tab tied to another
    part is tabs_between_parts'); a web thinner than MIN_WEB between two of them is no
    waste (webs_dropped). Loose at its last pass, the part may be thrown by the
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
    reach = tab_reach(r, wide)  # a tab whose material reaches past both grooves holds
    area = shapely.union_all([t.buffer(reach) for t in tabs])
    edge = area.boundary.intersection(material.buffer(-0.01))  # the window's, not the sheet's
    shapely.prepare(edge)
    left_standing = (area.intersection(material).difference(through_cut.near(area))
                     .difference(part))
    pieces = shapely.get_parts(webs_dropped(left_standing))
    into: list[str] = []
    for tab in tabs:
        mine = [g for g in pieces if g.distance(tab) < 0.05]
        if any(g.distance(edge) < 0.05 for g in mine):
            return []  # reaches waste beyond the grooves
        if any(j != k for g in mine for j in outlines.query(g, predicate="intersects")):
            return []  # tied to another part: tabs_between_parts says so
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
                      f" first near {where(tabs[0])}), no waste beyond; loose once cut"
                      " through, it may be thrown by the cutter or shift and be recut")]


def held_apart(sheet: SheetLayout, placed: list, outlines, tabs: dict[int, tuple],
               through_cut: Swept, material, holding: set[tuple[int, int]], said: set[int]
               ) -> list[Violation]:
    """Parts held to the sheet by nothing, judged over the whole sheet: the waste left
    standing once every cut through is made (less its webs thinner than MIN_WEB,
    webs_dropped) falls into pieces; a piece touching the stock's outer edge stands on it
    and is held as the sheet is (clamps, vacuum), as is a part whose groove runs off the
    sheet. A part is tied to each piece its outline is not cut through against (its tabs'
    material at the bottom of the grooves, a hole's tabs or skin to its slug) and to each
    part one of its tabs touches; a part with tabs tied by none of these, however many
    parts and pieces away, to the sheet's edge is loose once cut: the grooves of several
    parts close in a piece of waste larger than held_by_nothing's window, and their tabs
    hold only to it and to one another. `tabs`: each part's outline left uncut and the
    radius of the tool that cut it; `holding`: the holes (part, ring) that hold parts;
    `said`: parts a check before already named."""
    edge = material.exterior
    free = {k: [t for t in shapely.get_parts(left) if t.length >= TAB_MIN]
            for k, (left, _) in tabs.items()}
    at_edge = {k for k, (_, r) in tabs.items() if placed[k].outline.distance(edge) < 2 * r}
    judged = [k for k in sorted(tabs) if free[k] and k not in said and k not in at_edge]
    if not judged:
        return []
    # each part's body with the holes that hold parts: the waste in the others holds none
    bodies = [shapely.Polygon(p.outline.exterior, [ring for i, ring in
                                                   enumerate(p.outline.interiors)
                                                   if (k, i) in holding])
              for k, p in enumerate(placed)]
    solid = shapely.union_all(bodies)
    cut = swept_area(*_outside(through_cut, solid))
    standing = material.difference(shapely.union(cut, solid))
    pieces = shapely.get_parts(webs_dropped(standing))
    n = len(placed)
    root = list(range(n + len(pieces) + 1))  # parts, then pieces, then the sheet's edge

    def find(a: int) -> int:
        while root[a] != a:
            root[a] = root[root[a]]
            a = root[a]
        return a

    def join(a: int, b: int) -> None:
        root[find(a)] = find(b)

    frame = n + len(pieces)
    tree = shapely.STRtree(pieces)
    for i in tree.query(edge, predicate="dwithin", distance=0.05).tolist():
        join(n + i, frame)
    for k in at_edge:
        join(k, frame)
    # a part's body is left out of the standing waste: a piece within a hair of it is tied
    # to it where its outline or a hole's is not cut through
    ks, ps = tree.query(bodies, predicate="dwithin", distance=0.05)
    for k, i in zip(ks.tolist(), ps.tolist()):
        join(k, n + i)
    for k, mine in free.items():  # a tab on an edge two parts share: no waste between
        for t in mine:
            for j in outlines.query(t, predicate="dwithin", distance=0.05).tolist():
                if j != k:
                    join(k, j)
    loose: dict[int, list[int]] = {}
    for k in judged:
        if find(k) != find(frame):
            loose.setdefault(find(k), []).append(k)
    return [_apart(sheet, group, [g for i, g in enumerate(pieces)
                                  if find(n + i) == find(group[0])])
            for group in loose.values()]


def _apart(sheet: SheetLayout, group: list[int], closed: list) -> Violation:
    """held_apart's line for the parts `group`, their tabs into the pieces `closed`."""
    names = [sheet.placements[k].instance for k in group]
    if len(names) == 1:
        who, runs, it, them = f"part {names[0]} is", "its tabs run", "it", "it"
    else:
        who = f"parts {', '.join(names[:-1])} and {names[-1]} are"
        runs, it, them = "their tabs run", "they", "them"
    closed = sorted(closed, key=lambda g: -g.area)
    what = f"{len(closed)} pieces of waste" if len(closed) > 1 else "a piece of waste"
    into = (f"into {what} closed in by grooves"
            f" ({', '.join(f'{g.area:.0f} mm2 near {where(g)}' for g in closed)})"
            if closed else "only to one another")
    return Violation(0, "tab", f"{who} held by nothing: {runs} {into}, no tab ties {them} to"
                     f" the waste at the sheet's edge; loose once cut through, {it} may be"
                     " thrown by the cutter or shift and be recut")


def _outside(cut: Swept, solid) -> tuple:
    """`cut`'s segments and radii less those swept inside `solid` (its box, the radius
    beyond each end, properly inside): a drill's helix or a hole's groove in a part's body
    changes no waste outside it, and they are half a house sheet's through cuts: left in,
    they doubled the time of the sweeps' union."""
    b = cut.bounds
    r = cut.radii
    boxes = shapely.box(b[:, 0] - r, b[:, 1] - r, b[:, 2] + r, b[:, 3] + r)
    shapely.prepare(solid)
    keep = ~shapely.contains_properly(solid, boxes)
    return cut.lines[keep], r[keep]


def slugs(placed: list) -> list[tuple[int, int, list[int]]]:
    """The holes that hold parts: (part k, its `ring`-th hole, the parts lying in it)."""
    bodies = shapely.STRtree([shapely.Polygon(p.outline.exterior) for p in placed])
    out = []
    for k, part in enumerate(placed):
        for i, ring in enumerate(part.outline.interiors):
            inside = sorted(int(j) for j in bodies.query(shapely.Polygon(ring),
                                                         predicate="contains") if j != k)
            if inside:
                out.append((k, i, inside))
    return out


def closed_at(ring, through_cut, before: int | None = None) -> int | None:
    """The first through cut (its index in program order among `through_cut`'s) by which
    `ring` is cut through all round, no stretch of it left as long as a tab; None: never
    (or, with `before`, not by the through cuts before that one)."""
    near = through_cut.query(ring)
    if before is not None:
        near = near[near < before]

    def closed(m: int) -> bool:
        left = ring.difference(swept_area(through_cut.lines[near[:m]],
                                          through_cut.radii[near[:m]]))
        return all(g.length < TAB_MIN for g in shapely.get_parts(left))

    if not len(near) or not closed(len(near)):
        return None
    lo, hi = 1, len(near)  # the shortest prefix of the cuts near it that closes it
    while lo < hi:
        mid = (lo + hi) // 2
        if closed(mid):
            hi = mid
        else:
            lo = mid + 1
    return int(near[lo - 1])


def loose_slugs(sheet: SheetLayout, placed: list, through_cut, skin_cut, lines: list[int],
                skip: set[int]) -> list[Violation]:
    """Parts in another part's hole still held (by their tabs, or a skin) to the waste in
    it, the slug, when that hole is cut through all round (no tab, no skin): the slug is
    loose with them tied to it, beside the cutter finishing the hole and under all that is
    cut after. A part freed before (its outline cut through all round) is not tied to it.
    `skin_cut`: cuts down to the profile's onion skin (how the part is held, said); `lines`:
    each through cut's program line; `skip`: parts already said to be held by nothing, to
    which those it ties to a loose slug are added (held_apart names neither again)."""
    out: list[Violation] = []
    for k, i, inside in slugs(placed):
        hole = placed[k].outline.interiors[i]
        at = closed_at(hole, through_cut)
        if at is None:
            continue
        holder = sheet.placements[k].instance
        for j in inside:
            ring = placed[j].outline.exterior
            if j in skip:
                continue
            freed = closed_at(ring, through_cut)
            if freed is not None and freed < at:
                continue
            left = ring.difference(skin_cut.near(ring))
            by = ("its skin holds" if all(g.length < TAB_MIN for g in shapely.get_parts(left))
                  else "its tabs hold")
            out.append(Violation(0, "tab", f"part {sheet.placements[j].instance} is tied to a"
                                 f" loose slug: {by} it to the waste in {holder}'s hole"
                                 f" near {where(shapely.Polygon(hole))}, cut through all"
                                 f" round (no tab, no skin) at line {lines[at]}; the slug"
                                 " may shift or be thrown by the cutter"))
            skip.add(j)
    return out


def cut_when_loose(sheet: SheetLayout, placed: list, cutting: list, tree, through_cut: Swept,
                   through: np.ndarray) -> list[Violation]:
    """Cuts inside a part (an engraving, a pocket, a hole, a drill) after its outline was cut
    through all round, no tab or skin left: the part is loose on the spoilboard by then,
    and the cutter shifts it (the cut lands elsewhere) or throws it. A program set run out
    of order does it (the labels engraved after the pass that takes the skin off), as does
    an edited program. `cutting`: the sheet's cutting segments, whose centre lines `tree`
    holds; `through`: the indices among them of `through_cut`'s."""
    out: list[Violation] = []
    for k, part in enumerate(placed):
        ring = part.outline.exterior
        # inside its outline by more than a hair (its own outline passes run beside it),
        # its holes and what lies in them too: cut free, all of that moves with it
        body = shapely.Polygon(ring).buffer(-0.05)
        if body.is_empty:
            continue
        shapely.prepare(body)
        inside = tree.query(body, predicate="intersects")
        if not len(inside):
            continue
        # its own features come before its outline: the ring is not closed before its last
        # cut inside in a program in order (one sweep, not a search)
        last = int(inside.max())
        at = closed_at(ring, through_cut, int(np.searchsorted(through, last)))
        if at is None:
            continue
        freed = int(through[at])
        late = sorted({cutting[i].line for i in inside.tolist() if i > freed})
        out += [Violation(line, "loose", f"{sheet.placements[k].instance}: cut inside the part"
                          f" after its outline was cut through all round (no tab or skin"
                          f" left) at line {cutting[freed].line}: loose by then, the part may"
                          " shift or be thrown by the cutter; cut inside it before its outline")
                for line in late]
    return out
