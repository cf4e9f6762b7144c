"""The rules a simulated program must keep: machine limits, depth, feeds and spindle, and,
given the sheet, no cutting outside it, into a part, or leaving a part attached."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString

from ..model import Profile, SheetLayout
from .motion import Segment, Violation


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
    for s in segs:
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


def check_sheet(segs: list[Segment], profile: Profile, sheet: SheetLayout) -> list[Violation]:
    """Cutting outside the sheet, into a part (gouge), and outlines or holes left uncut."""
    out: list[Violation] = []
    st = sheet.stock
    r = profile.tool.radius
    through = -st.thickness + 1e-3
    cutting = [s for s in segs if s.kind == "feed" and min(s.start[2], s.end[2]) < -1e-6]
    if not cutting:
        return out
    # out of stock: cutting with the tool centre beyond the sheet by more than the radius
    box = shapely.box(-r - 0.5, -r - 0.5, st.width + r + 0.5, st.height + r + 0.5)
    for s in cutting:
        if not (box.contains(shapely.Point(s.start[:2])) and box.contains(shapely.Point(s.end[:2]))):
            out.append(Violation(s.line, "out-of-stock", "cutting outside the sheet"))
    lines = [LineString([s.start[:2], s.end[:2]]) if s.start[:2] != s.end[:2]
             else shapely.Point(s.start[:2]) for s in cutting]
    # swept areas per segment, found per part through a tree: a union over the whole sheet
    # for every part grows with sheets x parts and took minutes on a house
    lowest = np.array([min(s.start[2], s.end[2]) for s in cutting])
    shallow_ok = profile.engrave.depth + 0.01  # engraving/labels may cross parts
    gouging = _Swept([ln for ln, z in zip(lines, lowest) if z < -shallow_ok], r)
    through_cut = _Swept([ln for ln, z in zip(lines, lowest) if z <= through], r + 0.05)
    for p in sheet.placements:
        part = p.placed()
        # material that must survive: the part less its pockets, engravings and relief zones
        keep = part.outline
        for pk in part.pockets:
            keep = keep.difference(pk.shape.buffer(0.05))
        allow = [e.path.buffer(r + 0.05) for e in part.engravings]
        allow += [shapely.Point(d.x, d.y).buffer(max(d.diameter / 2, r) + 0.05)
                  for d in part.drills]
        corners = _concave_corners(part.outline)
        for pk in part.pockets:  # a pocket's corners may get reliefs too
            corners += list(pk.shape.exterior.coords)
        allow += [shapely.Point(c).buffer(profile.tool.diameter * 1.5) for c in corners]
        if allow:
            keep = keep.difference(shapely.union_all(allow))
        keep = keep.buffer(-0.05)
        if not keep.is_empty:
            hit = gouging.near(keep).intersection(keep)
            if hit.area > 0.5:
                out.append(Violation(0, "gouge", f"{p.instance}: the tool enters the part "
                                     f"({hit.area:.1f} mm2 near {_where(hit)})"))
        # every outline and hole edge cut through, except at tabs
        for k_ring, ring in enumerate([part.outline.exterior, *part.outline.interiors]):
            length = ring.length
            uncut = ring.difference(through_cut.near(ring)).length
            n_tabs = (profile.tabs.count or int(length / max(profile.tabs.spacing, 1)) + 2)
            allowance = n_tabs * (profile.tabs.length + profile.tool.diameter) + 1.0
            if not profile.tabs.enabled or k_ring > 0:
                allowance = 1.0
            if uncut > allowance:
                kind = "outline" if k_ring == 0 else "hole"
                out.append(Violation(0, "uncut", f"{p.instance}: {uncut:.1f} mm of the {kind} "
                                     f"is not cut through (allowed {allowance:.0f} for tabs)"))
    return out


class _Swept:
    """The area swept by a set of cutting segments (each buffered by `radius`), unioned only
    over the segments near the geometry asked about."""

    def __init__(self, lines: list, radius: float):
        self.shapes = np.array(shapely.buffer(lines, radius, quad_segs=8) if lines else [],
                               dtype=object)
        self.tree = shapely.STRtree(self.shapes)

    def near(self, geom):
        idx = self.tree.query(geom, predicate="intersects") if len(self.shapes) else []
        if len(idx) == 0:
            return shapely.Polygon()
        return shapely.union_all(self.shapes[np.sort(idx)])


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
