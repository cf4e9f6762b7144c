"""Plunges no deeper than the tool's depth per pass.

A straight plunge loads the whole tip of an end mill at once: a long, thin cutter (the
2.5 mm long-reach pilot tool) snaps when it is driven its full reach into the sheet in one
move, which is why its maker says "helical or pecking entry only". A plunge here is a feed
move down in Z whose XY travel is within the tool's radius; its depth is the new material
it cuts, measured from where the tool already is, the stock top, or the floor an earlier cut
of a tool at least as wide left at that spot (a peck going back down its own hole cuts only
below the last peck). Checked only where a tool's depth per pass is known (a tool library,
or the job's tooling in the check before writing)."""

from __future__ import annotations

import numpy as np

from .motion import Segment, Violation
from .tools import ToolLimits

# an earlier cut counts as having cleared the spot when its centre line passes this close
# (at least: see same_spot)
SAME_SPOT = 0.01  # mm
# a plunge deeper than the limit by less than this is the program's rounding
DEPTH_TOL = 1e-3  # mm


def check_plunges(segs: list[Segment], tools: dict[int, ToolLimits],
                  tol: float = DEPTH_TOL) -> list[Violation]:
    """A plunge cutting deeper than its tool's depth per pass, one violation a plunge (`tol`:
    mm of the program's rounding, at least DEPTH_TOL: checks.resolution)."""
    cuts = [s for s in segs if s.kind == "feed" and s.start != s.end]
    if not cuts or not any(t.max_depth_per_pass is not None for t in tools.values()):
        return []
    a = np.array([s.start for s in cuts], np.float64)
    b = np.array([s.end for s in cuts], np.float64)
    number = np.array([s.tool for s in cuts], np.int64)
    dia = np.zeros(len(cuts))
    step = np.full(len(cuts), np.nan)  # each cut's tool's depth per pass (nan: not known)
    for n, t in tools.items():
        mine = number == n
        dia[mine] = t.diameter
        step[mine] = np.nan if t.max_depth_per_pass is None else t.max_depth_per_pass
    # the plunges deeper than a pass from the stock top or where the tool stood: the few the
    # loop below measures against the floors earlier cuts left (nan compares False)
    deep = ((b[:, 2] < a[:, 2]) & ~(np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]) > dia / 2)
            & (np.minimum(a[:, 2], 0.0) - b[:, 2] > step + tol))
    out: list[Violation] = []
    near = same_spot(tol)
    for k in np.flatnonzero(deep).tolist():
        s = cuts[k]
        t = tools[s.tool]
        top = min(s.start[2], 0.0)
        top = min(top, floor_at(a[:k], b[:k], dia[:k] >= t.diameter - 1e-9, s.end[:2], near))
        depth = top - s.end[2]
        if depth > t.max_depth_per_pass + tol:
            out.append(Violation(s.line, "plunge", f"plunge {depth:.3f} mm into the material in"
                                 f" one move, T{t.number} may cut {t.max_depth_per_pass:g} mm"
                                 " per pass (peck or ramp)"))
    return out


def same_spot(tol: float) -> float:
    """mm within which a plunge is where an earlier cut passed, for a program written to
    `tol` mm (checks.resolution): each written X and Y is off its planned place by up to half
    a unit of the last decimal, the plunge's and the earlier cut's ends alike, so the two
    may lie a unit's diagonal apart (0.036 mm in inches to 3 decimals: a final pass
    re-entering its own kerf); never under SAME_SPOT."""
    return max(SAME_SPOT, tol * np.sqrt(2.0))


def floor_at(a: np.ndarray, b: np.ndarray, wide: np.ndarray, xy,
             near: float = SAME_SPOT) -> float:
    """The deepest Z the centre of an earlier, wide enough cut reached at `xy` (0: none),
    one passing within `near` mm of it."""
    a, b = a[wide], b[wide]
    if not len(a):
        return 0.0
    dist, z = passing(np.asarray(xy, np.float64), a, b)
    hit = dist <= near
    if not hit.any():
        return 0.0
    return float(min(z[hit].min(), 0.0))


def passing(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How near each cut a -> b (rows of XYZ) passes the point p (XY, or one row per cut), and
    the Z of its centre there: a cut its depth where it passes; a plunge its bottom (it
    clears its whole column)."""
    d = b[:, :2] - a[:, :2]
    n = np.einsum("ij,ij->i", d, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.clip(np.where(n > 0, np.einsum("ij,ij->i", p - a[:, :2], d) / n, 0.0), 0.0, 1.0)
    dist = np.hypot(*(a[:, :2] + d * u[:, None] - p).T)
    z = np.where(n > 0, a[:, 2] + (b[:, 2] - a[:, 2]) * u, np.minimum(a[:, 2], b[:, 2]))
    return dist, z
