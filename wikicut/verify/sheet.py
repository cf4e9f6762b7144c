"""The rules a program must keep on its sheet: no cutting outside the stock (or an offcut's
material), none into a part, every outline and hole cut through but for its tabs (a hole
holding parts may keep tabs or a skin for its slug), each tab holding its part to the waste,
no part tied to a loose slug and nothing cut in a part once cut free (holds.py), pocket
floors cleared and drills cut to their diameter and depth (floors.py)."""

from __future__ import annotations

import numpy as np
import shapely

from ..model import Profile, SheetLayout, Stock
from .floors import Floors, Keep, drill_zone, drills, first_entering, pocket_floors
from .holds import (
    cut_when_loose,
    held_apart,
    held_by_nothing,
    loose_slugs,
    slugs,
    tabs_between_parts,
)
from .motion import Segment, Violation
from .swept import Boxes, Swept, centre_lines, swept_area, where
from .tools import ToolLimits, cut_radii, unknown_radius


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
    lines = centre_lines(ends[:, :, :2])
    out += _out_of_stock(cutting, ends[:, :, :2], lines, st, radii)
    # swept areas per segment, found per part through a tree: a union over the whole sheet
    # for every part grows with sheets x parts and took minutes on a house
    source = np.array([s.line for s in cutting], np.int64)  # each segment's program line
    floors = Floors(lines, radii, ends, source)
    lowest = floors.low
    shallow_ok = profile.engrave.depth + 0.01  # engraving/labels may cross parts
    deep, thru = lowest < -shallow_ok, lowest <= through
    # an onion skin left on purpose (no pass takes it off): outlines are cut through to it
    skin = profile.onion.skin if profile.tabs.mode == "onion" and not profile.onion.final_pass \
        else 0.0
    to_skin = lowest <= through + skin
    placed = [p.placed() for p in sheet.placements]
    outlines = shapely.STRtree([part.outline for part in placed])
    # a hole holding parts holds their slug as an outline its part: by tabs or a skin
    holding = {(k, i) for k, i, _ in slugs(placed)}
    deep_enough = lowest <= through + profile.onion.skin
    # one tree for the sets of cuts through (or to the skin), swept 0.05 mm wider than their
    # tools; the gouges' own, as wide as the tools (a part's own outline pass stays out)
    boxes = Boxes(lines, radii + 0.05, thru | to_skin | (deep_enough & bool(holding)))
    gouging = Swept(lines[deep], radii[deep])
    gouge_lines = source[deep]
    through_cut = Swept(lines[thru], radii[thru] + 0.05, (boxes, thru))
    skin_cut = Swept(lines[to_skin], radii[to_skin] + 0.05, (boxes, to_skin)) \
        if skin else through_cut
    slug_cut = None
    if holding:
        slug_cut = Swept(lines[deep_enough], radii[deep_enough] + 0.05, (boxes, deep_enough))
    bridged: set[frozenset[int]] = set()  # pairs of parts a tab ties together, said once
    unheld: set[int] = set()  # parts held by nothing (not tied to a slug either)
    tabs: dict[int, tuple] = {}  # each part's outline left uncut, and its tool's radius
    # the widest groove below the engraving depth: how far a neighbour's tab may reach
    wide = float(gouging.radii.max()) if len(gouging.lines) else float(radii.min())
    material = st.outline if st.outline is not None else shapely.box(0, 0, st.width, st.height)
    for k_part, (p, part) in enumerate(zip(sheet.placements, placed)):
        keep = Keep(part)
        # around a drill the drill check judges the material (an oversize hole names it)
        zones = [drill_zone(d, gouging) for d in part.drills]
        out += drills(p.instance, part, floors, gouging, keep, zones, st.thickness,
                      gouge_lines)
        if zones:
            keep = keep.less(shapely.union_all([z for z, _ in zones]))
        # the zones are cut out of the material: the cuts inside them cannot reach it
        idx = (np.zeros(0, np.int64) if keep.inner.is_empty
               else gouging.query(keep.inner, clear=[c for _, c in zones]))
        hit = gouging.hits(idx, keep.at) if len(idx) else shapely.Polygon()
        if hit.area > 0.5:  # said at the move that cut into the part
            out.append(Violation(first_entering(gouging, idx, keep.at, gouge_lines), "gouge",
                                 f"{p.instance}: the tool enters the part"
                                 f" ({hit.area:.1f} mm2 near {where(hit)})"))
        # every outline and hole edge cut through, except at tabs
        for k_ring, ring in enumerate([part.outline.exterior, *part.outline.interiors]):
            length = ring.length
            held = k_ring > 0 and (k_part, k_ring - 1) in holding
            cut = skin_cut if k_ring == 0 else slug_cut if held else through_cut
            near = cut.query(ring)
            left = ring.difference(swept_area(cut.lines[near], cut.radii[near]))
            # the tool that cut the ring: its tabs are as long as it is wide
            r = float(cut.radii[near].max()) - 0.05 if len(near) else float(radii.max())
            if profile.corners.relief == "none" and not left.is_empty:
                left = _beside_round_corners(left, ring, k_ring == 0, r)
            uncut = left.length
            if (k_ring == 0 or held) and uncut > 0:
                out += tabs_between_parts(k_part, sheet, placed, outlines, left, gouging,
                                           cut, r, wide, bridged)
                if not skin and k_ring == 0:  # a skin holds the part all round
                    tabs[k_part] = (left, r)
                    loose = held_by_nothing(k_part, sheet, placed, outlines, left,
                                            through_cut, r, wide, material)
                    out += loose
                    if loose:
                        unheld.add(k_part)
            n_tabs = (profile.tabs.count or int(length / max(profile.tabs.spacing, 1)) + 2)
            allowance = n_tabs * (profile.tabs.length + 2 * r) + 1.0
            if not profile.tabs.enabled or profile.tabs.mode == "onion" or (k_ring > 0
                                                                             and not held):
                allowance = 1.0
            if uncut > allowance:
                kind = "outline" if k_ring == 0 else "hole"
                to = (f"down to the {skin:g} mm onion skin" if skin and k_ring == 0 else
                      "through or down to the onion skin" if held else "through")
                out.append(Violation(0, "uncut", f"{p.instance}: {uncut:.1f} mm of the {kind} "
                                     f"is not cut {to} (allowed {allowance:.0f} for tabs)"))
        out += pocket_floors(p.instance, part, floors)
    thru_at = np.flatnonzero(thru)
    if holding:
        thru_lines = [cutting[k].line for k in thru_at.tolist()]
        out += loose_slugs(sheet, placed, through_cut, slug_cut, thru_lines, unheld)
    out += cut_when_loose(sheet, placed, cutting, floors.tree, through_cut, thru_at)
    # over the whole sheet: parts whose tabs hold only to waste their grooves close in
    said = unheld | {k for pair in bridged for k in pair}
    out += held_apart(sheet, placed, outlines, tabs, through_cut, material, holding, said)
    return out


def _beside_round_corners(left, ring, outline: bool, r: float):
    """What is left of a ring but its inside corners, which `[corners] relief = "none"` asks
    to be left round by the radius r of the tool that cut it: ring points that a tool of
    that radius, kept on its side (inside a hole, outside an outline), misses by more than
    the 0.05 mm the through cuts are swept wider but by no more than r (a corner of 60
    degrees or more), each such place about one corner of the ring. A notch or slot the tool
    cannot enter is missed about two corners or more: it stays uncut, however shallow."""
    q = 16
    body = shapely.Polygon(ring)
    if outline:  # what the tool leaves: the part with its inside corners filled
        kept = body.buffer(r, quad_segs=q).buffer(-r, quad_segs=q)
        corners = kept.buffer(-0.05, quad_segs=q).difference(
            kept.buffer(-(r + 0.05), quad_segs=q))
        missed = kept.difference(body)
    else:
        inner = body.buffer(-r, quad_segs=q)
        if inner.is_empty:  # the tool fits nowhere in it: no corner of it is rounded
            return left
        swept = inner.buffer(r, quad_segs=q)
        corners = swept.buffer(r + 0.05, quad_segs=q).difference(swept.buffer(0.05, quad_segs=q))
        missed = body.difference(swept)
    sharp = shapely.points(_sharp_vertices(np.asarray(ring.coords)))
    rounded = [g.buffer(0.06) for g in getattr(missed, "geoms", [missed])
               if not g.is_empty and int(shapely.dwithin(sharp, g, 0.06).sum()) == 1]
    if not rounded:
        return left
    return left.difference(corners.intersection(shapely.union_all(rounded)))


def _sharp_vertices(pts: np.ndarray, turn: float = 20.0) -> np.ndarray:
    """The vertices of a closed ring (first point repeated last) where it turns by more than
    `turn` degrees: its corners, not the facets of a drawn arc (a few degrees each)."""
    p = pts[:-1] if len(pts) > 1 and np.allclose(pts[0], pts[-1]) else pts
    if len(p) < 3:
        return p
    a = p - np.roll(p, 1, axis=0)
    b = np.roll(p, -1, axis=0) - p
    ang = np.degrees(np.abs(np.arctan2(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
                                       (a * b).sum(axis=1))))
    return p[ang > turn]


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
