"""Plain-Python references for wikicut.post's Numba kernels."""

from __future__ import annotations

from wikicut.model import P3, Move
from wikicut.post.arcfit import MAX_ARC_SEGMENTS, MIN_ARC_SEGMENTS, append_arc, arc_through


def fit_arcs_py(start: P3, moves: list[Move], tol: float) -> list[Move]:
    """fit_arcs in plain Python (~100x slower): the reference the kernel is tested against."""
    out: list[Move] = []
    pos = start
    i = 0
    n = len(moves)
    while i < n:
        m = moves[i]
        if m.kind != "feed":
            out.append(m)
            pos = (m.x, m.y, m.z)
            i += 1
            continue
        best = None
        j = i
        pts = [pos]
        while (j < n and j - i < MAX_ARC_SEGMENTS and moves[j].kind == "feed"
               and moves[j].feed == m.feed):
            pts.append((moves[j].x, moves[j].y, moves[j].z))
            if len(pts) - 1 >= MIN_ARC_SEGMENTS:
                fit = arc_through(pts, tol)
                if fit is None:
                    break
                best = (j, fit)
            j += 1
        if best is None:
            out.append(m)
            pos = (m.x, m.y, m.z)
            i += 1
            continue
        j, (ux, uy, _rad, ccw) = best
        end = moves[j]
        seg = [pos] + [(q.x, q.y, q.z) for q in moves[i:j + 1]]
        append_arc(out, seg, ux, uy, ccw, m.feed)
        pos = (end.x, end.y, end.z)
        i = j + 1
    return out
