"""Loose pieces joined into loops: CAD files draw outlines as separate LINEs and ARCs.

Exact duplicates are dropped, endpoints closer than SNAP_TOL meet, and a contour on a cut layer
that stays open or branches is refused with the point where it does.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ...errors import InputError
from .entities import Piece, dedupe_consecutive

__all__ = ["MAX_JOIN_TOL", "SNAP_TOL", "loops"]

SNAP_TOL = 0.01  # mm: loose endpoints closer than this are joined
MAX_JOIN_TOL = 5.0  # mm: a wider gap is a drawing error, not an exporter's rounding


def loops(pieces: list[Piece], shown: str, tol: float = SNAP_TOL) -> list[Piece]:
    """Closed loops and open paths after de-duplication and chaining of loose pieces."""
    seen: set[bytes] = set()
    closed: list[Piece] = []
    loose: dict[str, list[Piece]] = {}
    # A file with outlines on an OUTSIDE layer keeps all its cuts on named layers: what
    # lies on layer 0 / unknown layers there is construction geometry, not to be cut.
    explicit = any(p.op.kind == "outside" for p in pieces)
    for p in pieces:
        if explicit and p.op.kind == "auto":
            continue
        r = np.round(p.pts, 6)
        key_f = (p.layer + ("C" if p.closed else "O")).encode() + r.tobytes()
        key_r = (p.layer + ("C" if p.closed else "O")).encode() + r[::-1].tobytes()
        if key_f in seen or key_r in seen:
            continue  # exact duplicate: CAD copies lines onto themselves
        seen.add(key_f)
        if not p.closed and len(p.pts) > 2 and np.hypot(*(p.pts[0] - p.pts[-1])) <= tol:
            p = replace(p, pts=p.pts[:-1], closed=True)
        if p.closed:
            closed.append(p)
        else:
            length = float(np.hypot(*np.diff(p.pts, axis=0).T).sum())
            if length <= tol:
                continue  # a speck: nothing to cut
            loose.setdefault(p.layer, []).append(p)
    for group in loose.values():  # dict keeps first-seen order: deterministic
        closed.extend(_Chainer(group, tol, shown).chain())
    return closed


def _cluster(ends: np.ndarray, tol: float) -> list[int]:
    """The node of each endpoint: grid cells of size tol, neighbours checked, union-find."""
    parent = list(range(len(ends)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cells: dict[tuple[int, int], list[int]] = {}
    for i, (x, y) in enumerate(ends):
        cx, cy = math.floor(x / tol), math.floor(y / tol)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in cells.get((cx + dx, cy + dy), ()):
                    if math.hypot(x - ends[j][0], y - ends[j][1]) <= tol:
                        a, b = find(i), find(j)
                        if a != b:
                            parent[max(a, b)] = min(a, b)
        cells.setdefault((cx, cy), []).append(i)
    return [find(i) for i in range(len(ends))]


class _Chainer:
    """The loose pieces of one layer as a graph: endpoints are nodes, pieces are edges."""

    def __init__(self, pieces: list[Piece], tol: float, shown: str):
        self.pieces, self.tol, self.shown = pieces, tol, shown
        self.ends = np.array([[p.pts[0], p.pts[-1]] for p in pieces]).reshape(-1, 2)
        self.node = _cluster(self.ends, tol)
        self.adj: dict[int, list[tuple[int, int]]] = {}  # node -> [(piece, end 0/1)]
        for k in range(len(self.ends)):
            self.adj.setdefault(self.node[k], []).append((k // 2, k % 2))
        self.used = [False] * len(pieces)

    def chain(self) -> list[Piece]:
        """Join pieces whose ends meet within tol; dangling ends on cut layers refused."""
        if self.pieces[0].op.kind in ("outside", "inside", "auto"):
            self._check_closed()
        out: list[Piece] = []
        adj, node = self.adj, self.node
        for i, e in [(i, e) for i in range(len(self.pieces)) for e in (0, 1)]:
            if not self.used[i] and len(adj[node[2 * i + e]]) != 2:  # trails from ends first
                parts, a, b = self._walk(i, e)
                out.append(_joined(self.pieces[i], parts, a == b and len(parts) > 0))
        for i in range(len(self.pieces)):  # what is left are cycles
            if not self.used[i]:
                parts, a, b = self._walk(i, 0)
                out.append(_joined(self.pieces[i], parts, a == b))
        return out

    def _check_closed(self) -> None:
        for n, inc in self.adj.items():
            if len(inc) != 2:
                p = self.pieces[inc[0][0]]
                x, y = self.ends[n]
                if len(inc) == 1:
                    raise InputError(f"open contour {p.where} ends at ({x:.3f}, {y:.3f}): "
                                     f"close it (gap > {self.tol:g} mm)", self.shown)
                raise InputError(f"contour branches {p.where} at ({x:.3f}, {y:.3f}): "
                                 f"{len(inc)} lines meet there", self.shown)

    def _walk(self, start_piece: int, start_end: int) -> tuple[list[np.ndarray], int, int]:
        """Follow pieces from one end until a dead end, a branch or back to the start."""
        node, ends, adj = self.node, self.ends, self.adj
        parts = []
        pi, pe = start_piece, start_end
        first_node = node[2 * pi + pe]
        while True:
            self.used[pi] = True
            pts = self.pieces[pi].pts if pe == 0 else self.pieces[pi].pts[::-1]
            pts = pts.copy()
            pts[0] = ends[node[2 * pi + pe]]
            far = node[2 * pi + (1 - pe)]
            pts[-1] = ends[far]
            parts.append(pts if not parts else pts[1:])
            inc = adj[far]
            if len(inc) != 2 or far == first_node:
                return parts, first_node, far
            nxt = [(q, qe) for q, qe in inc if not (q == pi and qe == 1 - pe)]
            if not nxt or self.used[nxt[0][0]]:
                return parts, first_node, far
            pi, pe = nxt[0]


def _joined(first: Piece, parts: list[np.ndarray], closed: bool) -> Piece:
    pts = dedupe_consecutive(np.concatenate(parts))
    if closed and len(pts) > 2:
        pts = pts[:-1]
    return replace(first, pts=pts, closed=closed and len(pts) > 2, circle=None)
