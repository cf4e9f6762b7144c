"""Safety is checked on the result, not assumed: the setup before a sheet is planned, each
part against the sheet, and the last word, every move of the planned program against the
sheet, the machine's travel and the deepest allowed cut. Also the program's lengths and time.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UnsafeJobError
from ..model import P3, Part, Profile, SheetLayout, SheetProgram, arc_points, estimate
from .context import Context

EDGE_SLACK = 0.5  # mm: a cutting tool centre may pass this far beyond radius off the sheet edge
CHECK_TOL = 0.01  # mm: chord error of arcs sampled for the safety checks (well inside EDGE_SLACK)


def _stock_top_z(p: Profile, thickness: float) -> float:
    """The stock top's Z in the program's work coordinates: [limits] z is the machine's
    travel in the Z the program writes (a controller's soft limits act on it), while the
    planner's moves are from the stock top."""
    return float(thickness) if p.z_zero == "spoilboard" else 0.0


def _written_frame(p: Profile, thickness: float) -> str:
    """Where the program's Z0 is, said beside a written Z that is out of the travel."""
    if p.z_zero != "spoilboard":
        return " (Z0 on the stock top)"
    return f" (Z0 on the spoilboard: the {thickness:g} mm stock's top at Z{thickness:g})"


def check_setup(sheet: SheetLayout, profile: Profile, through: float) -> None:
    """Refuse a stock, through-cut depth or clearance height no part could be cut with: the
    depth against the stock, every written Z against the machine's travel ([limits] z)."""
    p = profile
    t = float(sheet.stock.thickness)
    if t <= 0:
        raise UnsafeJobError(f"sheet {sheet.index}: stock thickness {t:g} mm is not positive")
    if through > t + p.depth.max_overcut + 1e-9:
        raise UnsafeJobError(f"through-cut depth {through:g} mm is beyond the {t:g} mm stock"
                             f" + {p.depth.max_overcut:g} mm allowed overcut", p.source or None)
    z0 = _stock_top_z(p, t)
    where = f" in {p.source}" if p.source else ""
    if z0 - through < p.limits.z_min - 1e-9:  # the stock's thickness said first: the likelier slip
        if not z0:
            raise UnsafeJobError(f"sheet {sheet.index}: {t:g} mm stock: a through cut"
                                 f" {through:g} mm deep is beyond the {p.name} machine's Z travel"
                                 f" ({-p.limits.z_min:g} mm below the stock top, [limits]"
                                 f" z{where})")
        raise UnsafeJobError(f"sheet {sheet.index}: {t:g} mm stock: a through cut {through:g} mm"
                             f" deep, Z{z0 - through:g} written{_written_frame(p, t)}, is below"
                             f" [limits] z min {p.limits.z_min:g} of the {p.name} machine{where}")
    h = p.heights
    high = [(h.clearance, "[heights] clearance"), (h.safe, "[heights] safe")]
    if sheet.stock.keepouts:  # rapids cross the clamps at clamp + safe
        high.append((h.over_keepouts, "[heights] clamp + safe"))
    top, key = max(high, key=lambda k: k[0])
    if top + z0 <= p.limits.z_max + 1e-9:
        return
    if not z0 and top == max(h.clearance, h.safe):
        raise UnsafeJobError(f"clearance height {h.clearance:g} mm is above the machine's"
                             f" Z limit ({p.limits.z_max:g})", p.source or None)
    raise UnsafeJobError(f"sheet {sheet.index}: {key} {top:g} mm over the stock top is"
                         f" Z{top + z0:g} written{_written_frame(p, t)}, above [limits] z max"
                         f" {p.limits.z_max:g} of the {p.name} machine{where}")


def check_on_sheet(ctx: Context, part: Part) -> None:
    """A part must lie on the sheet, inside its margin when the stock has one. Parts drawn
    flush with the sheet edge (WikiHouse cutting files, margin 0) are fine: the tool then cuts
    air just beyond the edge (see EDGE_SLACK, checked on the moves in check_program)."""
    x0, y0, x1, y1 = part.outline.bounds
    st = ctx.sheet.stock
    w, h, m = st.width, st.height, max(float(st.margin), 0.0)
    tol = 0.011  # the DXF reader's flush-with-the-edge tolerance
    if x0 < m - tol or y0 < m - tol or x1 > w - m + tol or y1 > h - m + tol:
        less = f" less its {m:g} mm margin" if m > 0 else ""
        raise ctx.refuse(f"part at ({x0:.1f}, {y0:.1f})-({x1:.1f}, {y1:.1f}) is outside the"
                         f" {w:g}x{h:g} sheet{less}")


def check_program(program: SheetProgram, p: Profile, sheet: SheetLayout) -> None:
    """The last word on safety (see check_moves). Every check of check_moves on every point,
    in numpy; only when one fails (or is within rounding of failing) does the move-by-move
    check run, to find the first offending move and name it."""
    if program_suspect(program, p, sheet):
        check_moves(program, p, sheet)


def program_suspect(program: SheetProgram, p: Profile, sheet: SheetLayout) -> bool:
    """Whether any move might fail a check of check_moves (conservative: True whenever in
    doubt)."""
    moves = [m for op in program.operations for m in op.moves]
    if not moves:
        return False
    end = np.array([(m.x, m.y, m.z) for m in moves], dtype=float)
    start = np.vstack([[0.0, 0.0, p.heights.clearance], end[:-1]])
    rapid = np.array([m.kind == "rapid" for m in moves])
    feed = np.array([m.feed for m in moves], dtype=float)
    # every point each move passes through: its end, and for arcs the sampled points
    pts = [end]
    for k, m in enumerate(moves):
        if m.kind in ("arc_cw", "arc_ccw"):
            pts.append(np.asarray(arc_points(tuple(start[k].tolist()), m, CHECK_TOL), dtype=float))
    pts = np.vstack(pts)
    x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
    t = sheet.stock.thickness
    w, h = sheet.stock.width, sheet.stock.height
    r = p.tool.radius
    floor = -(t + p.depth.max_overcut) - 1e-9
    z0 = _stock_top_z(p, t)
    if (z < floor).any() or (z + z0 < p.limits.z_min - 1e-9).any():
        return True
    low = z < 0
    if (low & ((x + r + EDGE_SLACK < 0) | (y + r + EDGE_SLACK < 0) | (x - r - EDGE_SLACK > w)
               | (y - r - EDGE_SLACK > h))).any():
        return True
    lim = p.limits
    inside = ((lim.x_min - 1e-6 <= x) & (x <= lim.x_max + 1e-6) & (lim.y_min - 1e-6 <= y)
              & (y <= lim.y_max + 1e-6) & (z + z0 <= lim.z_max + 1e-9))
    if not inside.all():
        return True
    cut = ~rapid
    if ((feed[cut] <= 0) | (feed[cut] > p.feeds.max + 1e-9)).any():
        return True
    zmin = np.minimum(end[:, 2], start[:, 2])
    if (rapid & (zmin < -1e-9)).any():
        return True
    moved = np.hypot(end[:, 0] - start[:, 0], end[:, 1] - start[:, 1]) > 1e-9 * (1 - 1e-6)
    moved[0] = False  # the first move may rapid from wherever the machine is
    return bool((rapid & moved & (zmin < p.heights.safe - 1e-9)).any())


def check_moves(program: SheetProgram, p: Profile, sheet: SheetLayout) -> None:
    """The last word on safety, move by move: no rapid below the stock top, no XY rapid below
    safe height, nothing deeper than thickness + max_overcut, every cut (tool
    radius included) on the sheet, everything inside the machine's travel."""
    t = sheet.stock.thickness
    w, h = sheet.stock.width, sheet.stock.height
    r = p.tool.radius
    floor = -(t + p.depth.max_overcut) - 1e-9
    z0 = _stock_top_z(p, t)
    lim = p.limits
    pos: P3 = (0.0, 0.0, p.heights.clearance)
    first = True
    for op in program.operations:
        for m in op.moves:
            pts = arc_points(pos, m, CHECK_TOL)
            zs = [q[2] for q in pts] + [pos[2]]
            where = f"{op.kind} of '{op.part}' at ({m.x:.1f}, {m.y:.1f}, {m.z:.2f})"
            if m.kind == "rapid":
                if min(zs) < -1e-9:
                    raise UnsafeJobError(f"internal: rapid below the stock top, {where}")
                moved = math.hypot(m.x - pos[0], m.y - pos[1]) > 1e-9
                if moved and not first and min(zs) < p.heights.safe - 1e-9:
                    raise UnsafeJobError(f"internal: rapid below safe height, {where}")
            elif m.feed <= 0 or m.feed > p.feeds.max + 1e-9:
                raise UnsafeJobError(f"internal: feed {m.feed:g} out of range, {where}")
            for x, y, z in pts:
                if z < floor:
                    raise UnsafeJobError(f"cut to Z{z:.2f} is deeper than the {t:g} mm stock +"
                                         f" {p.depth.max_overcut:g} mm allowed overcut ({where})")
                if not lim.z_min - 1e-9 <= z + z0 <= lim.z_max + 1e-9:
                    raise UnsafeJobError(f"Z{z + z0:.2f} written{_written_frame(p, t)} is outside"
                                         f" [limits] z {lim.z_min:g}..{lim.z_max:g}: {where}",
                                         p.source or None)
                if z < 0 and (x + r + EDGE_SLACK < 0 or y + r + EDGE_SLACK < 0
                              or x - r - EDGE_SLACK > w or y - r - EDGE_SLACK > h):
                    raise UnsafeJobError(f"cut outside the {w:g}x{h:g} sheet: {where}")
                if not (lim.x_min - 1e-6 <= x <= lim.x_max + 1e-6
                        and lim.y_min - 1e-6 <= y <= lim.y_max + 1e-6):
                    raise UnsafeJobError(f"move outside the machine's travel limits"
                                         f" (x {lim.x_min:g}..{lim.x_max:g},"
                                         f" y {lim.y_min:g}..{lim.y_max:g}): {where}",
                                         p.source or None)
            pos = (m.x, m.y, m.z)
            first = False


def toolpath_segments(program: SheetProgram, p: Profile, pilots: bool = True) -> np.ndarray:
    """Every XY segment the tool centre travels below the stock top, (n, 4): x0 y0 x1 y1
    (arcs as chords within CHECK_TOL); without the screws' own pilots unless `pilots`."""
    segs = []
    pos: P3 = (0.0, 0.0, p.heights.clearance)
    for op in program.operations:
        for m in op.moves:
            pts = [pos, *arc_points(pos, m, CHECK_TOL)]
            for a, b in zip(pts, pts[1:]):
                if min(a[2], b[2]) < 0 and (pilots or op.kind != "pilot"):
                    segs.append((a[0], a[1], b[0], b[1]))
            pos = (m.x, m.y, m.z)
    return np.asarray(segs, dtype=float).reshape(-1, 4)


def screw_distances(screws, segs: np.ndarray) -> np.ndarray:
    """Each screw centre's distance to the nearest segment (inf without segments)."""
    out = np.full(len(screws), np.inf)
    if not len(segs):
        return out
    a, d = segs[:, :2], segs[:, 2:] - segs[:, :2]
    dd = np.maximum((d ** 2).sum(axis=1), 1e-18)
    for k, c in enumerate(np.asarray(screws, dtype=float).reshape(-1, 2)):
        t = np.clip(((c - a) * d).sum(axis=1) / dd, 0.0, 1.0)
        out[k] = float(np.sqrt((((a + d * t[:, None]) - c) ** 2).sum(axis=1)).min())
    return out


def check_screws(program: SheetProgram, p: Profile) -> None:
    """Never a toolpath over a screw: every cut's centre stays the tool radius, the head's
    radius and the clearance away from every hold-down screw (its own pilot aside: drilled
    before the screw is driven)."""
    if not program.screws:
        return
    h = p.holddown
    need = p.tool.radius + h.diameter / 2 + h.clearance
    dist = screw_distances(program.screws, toolpath_segments(program, p, pilots=False))
    k = int(np.argmin(dist))
    if dist[k] < need - 1e-6:
        x, y = program.screws[k]
        raise UnsafeJobError(f"internal: a toolpath passes {dist[k]:.1f} mm from the hold-down"
                             f" screw at ({x:.1f}, {y:.1f}), less than {need:g} mm")


def measure(program: SheetProgram, p: Profile) -> None:
    """Cut and rapid lengths and a cycle-time estimate (model.timing: the moves as the writer
    writes them, with acceleration, spindle dwells, tool changes, the rises before stops and
    changes and over the clamps, and the final retract to clearance height)."""
    est = estimate(program.operations, p, tools=tuple(t.number for t in program.tools),
                   speeds={t.number: t.rpm for t in program.tools},
                   high=p.heights.over_keepouts if program.sheet.stock.keepouts else None)
    program.cut_length = round(est.cut_length, 3)
    program.rapid_length = round(est.rapid_length, 3)
    program.est_seconds = round(est.seconds, 1)
    program.tool_seconds = {t: round(v, 1) for t, v in est.tool_seconds.items()}
    program.stops = est.stops
