"""An independent reading of a DXF file (ezdxf + shapely, no wikicut import) for the
real-file tests: closed loops per layer, nested into parts, holes and pockets.

Adapted from the corpus's independent_reading.py: closed (LW)POLYLINE, CIRCLE and full
ELLIPSE are loops as drawn; open pieces are chained greedily, first at 1e-3 drawing units,
then within min(0.5 mm, 0.002 x the drawing's diagonal). Layers are told apart by a small
table of name fragments written here, not by wikicut's layer rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import ezdxf
from ezdxf.path import make_path
from shapely.geometry import Polygon

EXACT_TOL = 1e-3
FLAT = 0.01
CURVES = {"LINE", "ARC", "LWPOLYLINE", "POLYLINE", "SPLINE", "ELLIPSE", "CIRCLE"}


@dataclass
class Reading:
    parts: int
    holes: int
    pockets: int
    area: float  # mm2: parts less their holes
    gaps_closed: int
    open_left: int


def role(layer: str) -> str:
    up = layer.upper()
    if "SHEET" in up:
        return "sheet"
    if up in ("DEFPOINTS", "NOTES") or "DONOTCUT" in up:
        return "ignore"
    m = re.search(r"(\d+(?:\.\d+)?)MM_?(DEEP|_IN)", up.replace("HALF_MILL_", ""))
    if "MILL" in up or (m and float(m.group(1)) > 1.5):
        return "pocket"
    if "LABEL" in up or (m and float(m.group(1)) <= 1.5):
        return "ignore"
    return "cut"


def _pts(e):
    try:
        v = [(q.x, q.y) for q in make_path(e).flattening(FLAT)]
    except Exception:  # noqa: BLE001
        return None
    return v if len(v) >= 2 else None


def _closed(e) -> bool:
    t = e.dxftype()
    if t == "CIRCLE":
        return True
    if t == "ELLIPSE":
        return abs(abs(e.dxf.end_param - e.dxf.start_param) - 2 * math.pi) < 1e-9
    if t in ("LWPOLYLINE", "SPLINE"):
        return bool(e.closed)
    if t == "POLYLINE":
        return bool(e.is_closed)
    return False


def _chain(pieces, tol):
    pieces = [list(p) for p in pieces]
    closed, opened = [], []

    def d(a, b):
        return math.hypot(a[0] - b[0], a[1] - b[1])

    while pieces:
        cur = pieces.pop()
        while not (d(cur[0], cur[-1]) <= tol and len(cur) > 2):
            best = None
            for i, p in enumerate(pieces):
                for q in (p, p[::-1]):
                    g = d(cur[-1], q[0])
                    if g <= tol and (best is None or g < best[0]):
                        best = (g, i, q)
            if best is None:
                break
            pieces.pop(best[1])
            cur = cur + best[2][1:]
        (closed if len(cur) > 2 and d(cur[0], cur[-1]) <= tol else opened).append(cur)
    return closed, opened


def _flat(entities, depth=0):
    for e in entities:
        if e.dxftype() == "INSERT" and depth < 8:
            yield from _flat(list(e.virtual_entities()), depth + 1)
        else:
            yield e


def read(path, scale: float, gap_mm: float | None = None) -> Reading:
    """The file read with `scale` mm per drawing unit (and `gap_mm`, the gap pass's
    tolerance, when the reader is given one)."""
    doc = ezdxf.readfile(path)
    closed_by, open_by = {}, {}
    xs, ys = [], []
    for e in _flat(doc.modelspace()):
        if e.dxftype() not in CURVES:
            continue
        r = role(e.dxf.layer)
        if r in ("ignore", "sheet"):
            continue
        pts = _pts(e)
        if not pts:
            continue
        xs += [p[0] for p in pts]
        ys += [p[1] for p in pts]
        (closed_by if _closed(e) else open_by).setdefault(r, []).append(pts)
    diag = math.hypot(max(xs) - min(xs), max(ys) - min(ys)) * scale if xs else 0.0
    gap = (gap_mm if gap_mm is not None else min(0.5, 0.002 * diag)) / scale
    loops, gaps, left = {}, 0, 0
    for r in set(closed_by) | set(open_by):
        c1, o1 = _chain(open_by.get(r, []), EXACT_TOL)
        c2, o2 = _chain(o1, gap)
        gaps += len(c2)
        left += sum(1 for o in o2 if sum(math.dist(a, b) for a, b in zip(o, o[1:])) > gap)
        loops[r] = [Polygon([(x * scale, y * scale) for x, y in lp])
                    for lp in closed_by.get(r, []) + c1 + c2]
    cut, seen = [], set()
    # loops under 0.1 mm2 are debris no tool cuts (Wren has a 0.25 x 0.2 mm one)
    for p in sorted((p for p in loops.get("cut", []) if p.area > 0.1), key=lambda p: -p.area):
        key = (round(p.area, 1),) + tuple(round(v, 2) for v in p.bounds)
        if key not in seen:  # a contour drawn twice is cut once (Wren has one such hole)
            seen.add(key)
            cut.append(p)
    depth = []
    for i, p in enumerate(cut):
        inside = [j for j in range(i) if cut[j].buffer(1e-6).contains(p)]
        depth.append(max((depth[j] + 1 for j in inside), default=0))
    parts = [p for p, k in zip(cut, depth) if k % 2 == 0]
    holes = [p for p, k in zip(cut, depth) if k % 2 == 1]
    area = sum(p.area for p in parts) - sum(p.area for p in holes)
    return Reading(len(parts), len(holes), len(loops.get("pocket", [])), area, gaps, left)
