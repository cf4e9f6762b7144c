"""Simulate a written program and report what would break a bit, a spoilboard or a part.

The simulator reads the program text back (not our internal moves), so it checks what the
router will actually run: travel limits, depth, feeds, rapids in the stock and, given the
sheet, gouges into parts and contours left uncut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString

from .model import INCH, Move, Profile, SheetLayout, arc_points

# Chord error of arcs in the simulation: well below the 0.05 mm the sheet checks allow, so a
# chord never makes a full cut look short.
ARC_TOL = 0.005


@dataclass(frozen=True)
class Violation:
    line: int
    kind: str  # travel-limit | depth | feed | rapid-in-stock | out-of-stock | gouge | uncut | syntax
    message: str


@dataclass(frozen=True)
class Segment:
    kind: str  # rapid | feed
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    feed: float  # mm/min
    line: int
    spindle: bool = True


_WORD = re.compile(r"([A-Z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")


def _strip_comment(line: str) -> str:
    line = re.sub(r"\([^)]*\)", "", line)
    return line.split(";", 1)[0].strip().upper()


def simulate(text: str, profile: Profile) -> list[Segment]:
    """Motion of a program in mm (arcs as short lines), with source line numbers.
    Raises ValueError(line, message) for words it does not know."""
    segs, _ = _simulate(text, profile)
    return segs


def _simulate(text: str, profile: Profile) -> tuple[list[Segment], list[Violation]]:
    if profile.dialect == "shopbot":
        return _simulate_sbp(text, profile)
    segs: list[Segment] = []
    bad: list[Violation] = []
    scale = 1.0
    absolute = True
    pos = [0.0, 0.0, 0.0]
    feed = 0.0
    motion = None
    spindle = False
    known_g = {0, 1, 2, 3, 4, 17, 20, 21, 40, 49, 54, 61, 64, 80, 90, 91, 94}
    for n, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw)
        if not line or line == "%":
            continue
        words = _WORD.findall(line)
        rest = _WORD.sub("", line).strip()
        if rest:
            bad.append(Violation(n, "syntax", f"cannot read '{rest}'"))
            continue
        w: dict[str, float] = {}
        gs: list[float] = []
        for letter, val in words:
            if letter == "G":
                gs.append(float(val))
            elif letter == "M":
                m = int(float(val))
                if m in (3, 4):
                    spindle = True
                elif m in (5, 2, 30):
                    spindle = False
                elif m not in (6, 7, 8, 9, 0, 1):
                    bad.append(Violation(n, "syntax", f"unknown M{m}"))
            else:
                w[letter] = float(val)
        dwell = False
        for g in gs:
            gi = int(g) if g == int(g) else g
            if gi == 20:
                scale = INCH
            elif gi == 21:
                scale = 1.0
            elif gi == 90:
                absolute = True
            elif gi == 91:
                absolute = False
            elif gi in (0, 1, 2, 3):
                motion = gi
            elif gi == 4:
                dwell = True
            elif gi not in known_g:
                bad.append(Violation(n, "syntax", f"unsupported G{g:g}"))
        if "F" in w:
            feed = w["F"] * scale
        if dwell or not any(k in w for k in "XYZ"):
            continue
        new = list(pos)
        for i, k in enumerate("XYZ"):
            if k in w:
                new[i] = w[k] * scale + (pos[i] if not absolute else 0.0)
        if motion is None:
            bad.append(Violation(n, "syntax", "coordinates without a motion mode"))
            continue
        if motion in (2, 3):
            cx = pos[0] + w.get("I", 0.0) * scale
            cy = pos[1] + w.get("J", 0.0) * scale
            if "R" in w:
                bad.append(Violation(n, "syntax", "R arcs are not checked; use I/J"))
                continue
            arc = Move("arc_cw" if motion == 2 else "arc_ccw", *new, i=cx - pos[0], j=cy - pos[1])
            prev = tuple(pos)
            for cur in arc_points(prev, arc, ARC_TOL):
                segs.append(Segment("feed", prev, cur, feed, n, spindle))
                prev = cur
        else:
            segs.append(Segment("rapid" if motion == 0 else "feed", tuple(pos), tuple(new),
                                feed, n, spindle))
        pos = new
    return segs, bad


def _simulate_sbp(text: str, profile: Profile) -> tuple[list[Segment], list[Violation]]:
    segs: list[Segment] = []
    bad: list[Violation] = []
    scale = INCH if profile.units == "inch" else 1.0
    pos = [0.0, 0.0, 0.0]
    ms_xy = ms_z = 0.0
    spindle = False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("'", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(",")]
        cmd = parts[0].upper().split()[0] if parts[0].split() else ""
        args = []
        for p in parts[1:]:
            try:
                args.append(float(p) if p else None)
            except ValueError:
                args.append(None)
        if cmd in ("SA", "SR", "VU", "VD", "VS", "PAUSE", "END", "SO", "TR", "CN", "RETURN"):
            continue
        if cmd.startswith("IF") or cmd.endswith(":") or cmd.startswith("GOTO") or cmd.startswith("&") or cmd.startswith("MSGBOX"):
            continue
        if cmd in ("C6",):
            spindle = True
            continue
        if cmd in ("C7",):
            spindle = False
            continue
        if cmd == "MS":
            if args and args[0] is not None:
                ms_xy = args[0] * scale * 60
            if len(args) > 1 and args[1] is not None:
                ms_z = args[1] * scale * 60
            continue
        if cmd == "JS":
            continue
        axes = {"M2": "XY", "M3": "XYZ", "MX": "X", "MY": "Y", "MZ": "Z",
                "J2": "XY", "J3": "XYZ", "JX": "X", "JY": "Y", "JZ": "Z"}
        if cmd in axes:
            new = list(pos)
            for i, ax in enumerate(axes[cmd]):
                if i < len(args) and args[i] is not None:
                    new["XYZ".index(ax)] = args[i] * scale
            kind = "rapid" if cmd.startswith("J") else "feed"
            f = ms_z if cmd == "MZ" else ms_xy
            segs.append(Segment(kind, tuple(pos), tuple(new), f, n, spindle or kind == "rapid"))
            pos = new
            continue
        if cmd == "CG":  # CG, dia, x, y, i, j, outin, dir(1 cw, -1 ccw), plunge...
            try:
                x, y, i, j = (args[1] * scale, args[2] * scale, args[3] * scale, args[4] * scale)
                cw = (args[6] if len(args) > 6 and args[6] is not None else 1) == 1
                pz = args[7] * scale if len(args) > 7 and args[7] is not None else None
            except (IndexError, TypeError):
                bad.append(Violation(n, "syntax", "CG needs dia, x, y, i, j"))
                continue
            z = pos[2] + (pz if pz else 0.0)
            prev = tuple(pos)
            arc = Move("arc_cw" if cw else "arc_ccw", x, y, z, i=i, j=j)
            for cur in arc_points(prev, arc, ARC_TOL):
                segs.append(Segment("feed", prev, cur, ms_xy, n, spindle))
                prev = cur
            pos = [x, y, z]
            continue
        bad.append(Violation(n, "syntax", f"unknown OpenSBP command '{cmd}'"))
    return segs, bad


def verify_program(text: str, profile: Profile, sheet: SheetLayout | None = None,
                   thickness: float | None = None) -> list[Violation]:
    """Every violation in a program; empty when it is safe to run."""
    segs, out = _simulate(text, profile)
    t = sheet.stock.thickness if sheet is not None else thickness
    floor = -(t + profile.depth.max_overcut) if t is not None else profile.limits.z_min
    eps = 1e-6
    lim = ((profile.limits.x_min, profile.limits.x_max), (profile.limits.y_min, profile.limits.y_max),
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
    if sheet is not None:
        out += _check_sheet(segs, profile, sheet)
    out.sort(key=lambda v: (v.line, v.kind))
    dedup: list[Violation] = []
    for v in out:
        if not dedup or (v.line, v.kind) != (dedup[-1].line, dedup[-1].kind):
            dedup.append(v)
    return dedup


def _check_sheet(segs: list[Segment], profile: Profile, sheet: SheetLayout) -> list[Violation]:
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
