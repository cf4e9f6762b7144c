"""Arc fitting: runs of short feed moves that are chords of one arc written as G2/G3 (or CG).

The search runs in a Numba kernel (`scan_arcs`); `arc_through` and `fit_from` are its Python
definition, used where the kernel cannot decide and by the kernel's test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numba import njit

from ..model import P3, Move

__all__ = [
    "MAX_ARC_RADIUS",
    "MAX_ARC_SEGMENTS",
    "MIN_ARC_SEGMENTS",
    "append_arc",
    "arc_through",
    "fit_arcs",
    "fit_from",
    "load_kernel",
    "scan_arcs",
]


def _circle(a, b, c) -> tuple[float, float, float] | None:
    """Centre and radius of the circle through three points (None if collinear)."""
    ax, ay = a
    bx, by = b
    cx, cy = c
    d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    if abs(d) < 1e-9:
        return None
    a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    return ux, uy, math.hypot(ax - ux, ay - uy)


MIN_ARC_SEGMENTS = 4  # fewer chords than this stay lines
MAX_ARC_SEGMENTS = 64  # longer runs are split (keeps the fit linear in time)
MAX_ARC_RADIUS = 5000.0  # flatter than this is a line, not an arc


def arc_through(pts: list[P3], tol: float) -> tuple[float, float, float, bool] | None:
    """If the points (>= 3) are chords of one arc within `tol` (points on the circle, chord
    sagitta <= tol, one turning direction, sweep < 360, Z linear along the arc), its centre,
    radius and direction."""
    c = _circle(pts[0][:2], pts[len(pts) // 2][:2], pts[-1][:2])
    if c is None:
        return None
    ux, uy, rad = c
    if rad > MAX_ARC_RADIUS or rad < 0.05:
        return None
    sweep = 0.0
    lengths = []
    sign = 0
    for p, q in itertools.pairwise(pts):
        if abs(math.hypot(q[0] - ux, q[1] - uy) - rad) > tol / 4:
            return None
        chord = math.hypot(q[0] - p[0], q[1] - p[1])
        if chord > 2 * rad or rad - math.sqrt(max(rad * rad - chord * chord / 4, 0.0)) > tol:
            return None
        cross = (p[0] - ux) * (q[1] - uy) - (p[1] - uy) * (q[0] - ux)
        s = 1 if cross > 0 else -1
        if sign and s != sign:
            return None
        sign = s
        ang = 2 * math.asin(min(1.0, chord / (2 * rad)))
        sweep += ang
        lengths.append(ang)
    if sweep >= 2 * math.pi - 1e-6:
        return None
    z0, z1 = pts[0][2], pts[-1][2]
    acc = 0.0
    for p, a in zip(pts[1:], lengths):
        acc += a
        if abs(z0 + (z1 - z0) * acc / sweep - p[2]) > 1e-6:
            return None
    return ux, uy, rad, sign > 0


def fit_arcs(start: P3, moves: list[Move], tol: float) -> list[Move]:
    """Runs of short feed moves that are chords of one arc (offset corners, circular holes)
    as G2/G3 arcs: far shorter programs and smoother motion. Only where every chord is within
    `tol` of the arc, so the tool never strays more than the linearisation tolerance.

    The search runs in a Numba kernel (`scan_arcs`); a test whose outcome the kernel cannot
    vouch for (a value within ARC_EPS of a threshold, where its libm hypot could round
    differently from CPython's) is redone by `fit_from` in Python, so the result is exactly
    that of the plain-Python fit (tests/reference_post.py), byte for byte."""
    n = len(moves)
    if n == 0:
        return []
    pts = [tuple(start)] + [(m.x, m.y, m.z) for m in moves]  # pts[k]: where move k starts
    xyz = np.array(pts, dtype=float)
    px, py, pz = (np.ascontiguousarray(xyz[:, k]) for k in range(3))
    feed = np.array([m.feed if m.kind == "feed" else np.nan for m in moves])  # NaN: not a feed
    best = np.full(n, -2, dtype=np.int64)  # -1 no arc, else the last move of the arc
    i = 0
    while i < n:
        i = int(scan_arcs(px, py, pz, feed, i, float(tol), best))
        if i < n:  # an uncertain test: this start in Python
            best[i] = fit_from(pts, moves, i, tol)
            i = i + 1 if best[i] < 0 else int(best[i]) + 1
    best = best.tolist()
    out: list[Move] = []
    i = 0
    while i < n:
        m = moves[i]
        j = best[i]
        if j < 0:
            out.append(m)
            i += 1
            continue
        seg = pts[i:j + 2]
        ux, uy, ccw = _centre(seg)
        append_arc(out, seg, ux, uy, ccw, m.feed)
        i = j + 1
    return out


def append_arc(out: list[Move], seg: list[P3], ux: float, uy: float, ccw: bool,
              feed: float) -> None:
    """One accepted arc as G2/G3 moves, split at the middle chord point so that no single arc
    is more than 180 degrees (controllers disagree about longer ones)."""
    halves = [seg] if len(seg) < 2 * MIN_ARC_SEGMENTS else [seg[:len(seg) // 2 + 1],
                                                            seg[len(seg) // 2:]]
    for h in halves:
        a, b = h[0], h[-1]
        out.append(Move("arc_ccw" if ccw else "arc_cw", b[0], b[1], b[2], feed,
                        ux - a[0], uy - a[1]))


def _centre(seg: list[P3]) -> tuple[float, float, bool]:
    """Centre and direction of an accepted arc, computed exactly as arc_through does."""
    c = _circle(seg[0][:2], seg[len(seg) // 2][:2], seg[-1][:2])
    ux, uy, _rad = c
    p, q = seg[0], seg[1]
    return ux, uy, (p[0] - ux) * (q[1] - uy) - (p[1] - uy) * (q[0] - ux) > 0


def fit_from(pts: list[P3], moves: list[Move], i: int, tol: float) -> int:
    """The last move of the longest arc starting at move i (-1 if none), in Python: the
    reference for `scan_arcs` (pts[k] is where move k starts)."""
    m = moves[i]
    if m.kind != "feed":
        return -1
    best = -1
    j = i
    n = len(moves)
    while (j < n and j - i < MAX_ARC_SEGMENTS and moves[j].kind == "feed"
           and moves[j].feed == m.feed):
        if j - i + 1 >= MIN_ARC_SEGMENTS:
            if arc_through(pts[i:j + 2], tol) is None:
                break
            best = j
        j += 1
    return best


ARC_EPS = 1e-7  # mm (and rad): kernel values this close to a threshold are decided in Python


@njit(cache=True)
def _near(a: float, b: float) -> bool:
    return abs(a - b) < ARC_EPS


@njit(cache=True)
def _arc_test(px, py, pz, a: int, b: int, tol: float) -> int:
    """arc_through on points a..b (inclusive) of the arrays: 1 an arc, 0 not, 2 too close to a
    threshold to say (same operations in the same order as arc_through)."""
    mid = a + (b - a + 1) // 2
    ax, ay = px[a], py[a]
    bx, by = px[mid], py[mid]
    cx, cy = px[b], py[b]
    d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    if abs(d) < 1e-9:
        return 0
    a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    rad = math.hypot(ax - ux, ay - uy)
    if _near(rad, MAX_ARC_RADIUS) or _near(rad, 0.05):
        return 2
    if rad > MAX_ARC_RADIUS or rad < 0.05:
        return 0
    unsure = False
    sweep = 0.0
    sign = 0
    for k in range(a, b):
        qx, qy = px[k + 1], py[k + 1]
        dev = abs(math.hypot(qx - ux, qy - uy) - rad)
        if _near(dev, tol / 4):
            unsure = True
        elif dev > tol / 4:
            return 2 if unsure else 0
        chord = math.hypot(qx - px[k], qy - py[k])
        if _near(chord, 2 * rad):
            unsure = True
        elif chord > 2 * rad:
            return 2 if unsure else 0
        sag = rad - math.sqrt(max(rad * rad - chord * chord / 4, 0.0))
        if _near(sag, tol):
            unsure = True
        elif sag > tol:
            return 2 if unsure else 0
        cross = (px[k] - ux) * (qy - uy) - (py[k] - uy) * (qx - ux)
        if abs(cross) < ARC_EPS:
            unsure = True
        s = 1 if cross > 0 else -1
        if sign != 0 and s != sign:
            return 2 if unsure else 0
        sign = s
        sweep += 2 * math.asin(min(1.0, chord / (2 * rad)))
    if _near(sweep, 2 * math.pi - 1e-6):
        unsure = True
    elif sweep >= 2 * math.pi - 1e-6:
        return 2 if unsure else 0
    z0, z1 = pz[a], pz[b]
    acc = 0.0
    for k in range(a, b):
        chord = math.hypot(px[k + 1] - px[k], py[k + 1] - py[k])
        acc += 2 * math.asin(min(1.0, chord / (2 * rad)))
        dz = abs(z0 + (z1 - z0) * acc / sweep - pz[k + 1])
        if _near(dz, 1e-6):
            unsure = True
        elif dz > 1e-6:
            return 2 if unsure else 0
    return 2 if unsure else 1


@njit(cache=True)
def scan_arcs(px, py, pz, feed, i: int, tol: float, best) -> int:
    """From move i on, best[k] = the last move of the longest arc starting at move k (-1: none)
    for every k where a run starts, as fit_arcs walks them. Returns len(feed) when done, or the
    start whose test was uncertain (left for Python)."""
    n = len(feed)
    while i < n:
        f = feed[i]
        if math.isnan(f):  # not a feed move
            best[i] = -1
            i += 1
            continue
        found = -1
        j = i
        while j < n and j - i < MAX_ARC_SEGMENTS and feed[j] == f:
            if j - i + 1 >= MIN_ARC_SEGMENTS:
                r = _arc_test(px, py, pz, i, j + 1, tol)
                if r == 2:
                    return i
                if r == 0:
                    break
                found = j
            j += 1
        best[i] = found
        i = i + 1 if found < 0 else found + 1
    return n


def load_kernel() -> None:
    """Compile `scan_arcs` (or load it from its cache) with the argument types `fit_arcs`
    passes, on the chords of a quarter circle: on the first run after an install that is
    most of a second, better spent before a job's clock starts (nest.load_kernels) than on
    its first program."""
    r = 50.0
    moves = [Move("feed", r * math.cos(a), r * math.sin(a), -1.0, 1000.0)
             for a in np.linspace(0.0, math.pi / 2, 9)[1:].tolist()]
    fit_arcs((r, 0.0, -1.0), moves, 0.01)
