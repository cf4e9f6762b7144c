"""Hold-down screws: where a sheet is screwed to the spoilboard, in the waste between parts.

A screw must sit clear of every cut (a cutter meeting a steel screw breaks, and throws the
sheet), far enough from the sheet edge not to split it, and close enough to every part that
none lifts or chatters as it is freed: a grid over the sheet (the free point nearest each
cell's centre) plus points beside long thin parts, which flex and lift first. They are
listed in the report for the operator to drive before starting, or drilled or marked by the
program's first operation ("drill", "mark": cam/pilots.py).
safety.check_screws proves every toolpath clear of them on the moves themselves.
"""

from __future__ import annotations

import numpy as np
import shapely

from ..errors import UnsafeJobError
from ..model import HOLDDOWN_MODES, Profile, SheetLayout
from .leads import lead_reach

_STEP = 5.0  # mm: candidate spacing when searching a cell for a free spot


def keep_distance(p: Profile) -> float:
    """From a part's outline to a screw's centre: the cutter runs outside the outline with
    its centre a radius off and its edge a diameter off, then the clearance and the head
    (and a lead arc's reach into the waste, where the profile has them)."""
    h = p.holddown
    return 2 * p.tool.radius + h.clearance + h.diameter / 2 + lead_reach(p)


def free_area(sheet: SheetLayout, p: Profile):
    """Where a screw's centre may go: inside the edge distance, away from parts and
    keep-outs (clamps: a screw cannot go under one either)."""
    h = p.holddown
    st = sheet.stock
    if 2 * h.edge >= min(st.width, st.height):
        return shapely.Polygon()
    room = shapely.box(h.edge, h.edge, st.width - h.edge, st.height - h.edge)
    if st.outline is not None:  # an offcut: screws go into its material only
        room = room.intersection(st.outline.buffer(-h.edge, join_style="mitre"))
    near = [pl.placed().outline.buffer(keep_distance(p), 8) for pl in sheet.placements]
    near += [z.buffer(h.clearance + h.diameter / 2) for z in st.keepouts]
    return room.difference(shapely.union_all(near)) if near else room


def place_screws(sheet: SheetLayout, p: Profile) -> tuple[tuple[float, float], ...]:
    """Screw centres for a sheet (none when the profile holds sheets otherwise)."""
    h = p.holddown
    if h.mode not in HOLDDOWN_MODES:
        raise UnsafeJobError(f"holddown.mode '{h.mode}' is not one of"
                             f" {', '.join(HOLDDOWN_MODES)}", p.source or None)
    if h.mode == "none":
        return ()
    free = free_area(sheet, p)
    if free.is_empty:
        return ()
    shapely.prepare(free)
    st = sheet.stock
    picks: list[tuple[float, float]] = []
    nx = max(1, round(st.width / h.spacing))
    ny = max(1, round(st.height / h.spacing))
    for i in range(nx):
        for j in range(ny):
            cell = (st.width * i / nx, st.height * j / ny, st.width * (i + 1) / nx,
                    st.height * (j + 1) / ny)
            spot = _nearest_free(free, cell, ((cell[0] + cell[2]) / 2, (cell[1] + cell[3]) / 2))
            if spot is not None:
                picks.append(spot)
    for pl in sheet.placements:
        for spot in _beside_thin(pl.placed().outline, free, keep_distance(p)):
            if all(np.hypot(spot[0] - a, spot[1] - b) > h.spacing / 4 for a, b in picks):
                picks.append(spot)
    return tuple((round(x, 3), round(y, 3)) for x, y in picks)


def _nearest_free(free, box, target) -> tuple[float, float] | None:
    x0, y0, x1, y1 = box
    xs = np.arange(x0 + _STEP / 2, x1, _STEP)
    ys = np.arange(y0 + _STEP / 2, y1, _STEP)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    ok = shapely.contains_xy(free, gx, gy)
    if not ok.any():
        return None
    gx, gy = gx[ok], gy[ok]
    k = int(np.argmin((gx - target[0]) ** 2 + (gy - target[1]) ** 2))
    return float(gx[k]), float(gy[k])


def _beside_thin(outline, free, keep: float) -> list[tuple[float, float]]:
    """Points beside a long thin part, at a quarter and three quarters of its length, on
    both long sides (one each side where free)."""
    rect = outline.minimum_rotated_rectangle
    c = np.asarray(rect.exterior.coords)[:4]
    e1, e2 = c[1] - c[0], c[2] - c[1]
    long_, short = (e1, e2) if np.hypot(*e1) >= np.hypot(*e2) else (e2, e1)
    length, width = float(np.hypot(*long_)), float(np.hypot(*short))
    if width <= 0 or length / width < 4 or width > 300:
        return []
    centre = c.mean(axis=0)
    u, v = long_ / length, short / width
    out = []
    for t in (-0.25, 0.25):
        for side in (-1, 1):
            base = centre + u * t * length + v * side * (width / 2 + keep + _STEP)
            for extra in (0.0, 10.0, 25.0, 50.0):
                pt = base + v * side * extra
                if shapely.contains_xy(free, pt[0], pt[1]):
                    out.append((float(pt[0]), float(pt[1])))
                    break
    return out
