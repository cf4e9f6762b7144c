"""Loose pieces joined into loops: CAD files draw outlines as separate LINEs and ARCs.

Exact duplicates are cut once (`Joined.copies`: the reader says so) and endpoints closer
than SNAP_TOL meet. Then, as exporters (Rhino, Grasshopper) leave outlines open by a fraction
of a millimetre, the ends still loose are joined to the nearest loose end within the join
tolerance: nearest pairs first and only loose ends, so that a wide tolerance never merges
corners of contours that already close.
A contour on a cut or pocket layer that closes on itself where one of its lines runs on past
the corner (LibreCAD: a side drawn 1 mm past the bottom edge) is cut as the loop, the
overshoot not (`Joined.tails`), when that tail lies outside the loop and is no longer than
MAX_OVERSHOOT. Two lines drawn past each other at a corner are both cut back to their
crossing (crossings.py), before the join pass (which would join their ends across the
corner), on the same terms. A contour that stays open, branches, overlaps or ends on
another is refused, every one of them named (up to MAX_LISTED), an open contour with what
its gap is (and a larger join tolerance advised only when one within MAX_JOIN_TOL spans it:
open_ends.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from shapely.geometry import LineString

from ...errors import InputError
from .crossings import crossings, loop_at, trimmed
from .drawing import Piece
from .flatten import CHORD_TOL, circle_pts, dedupe_consecutive
from .open_ends import gap_advice, on_rim, open_contour

__all__ = ["DEFAULT_JOIN_TOL", "MAX_JOIN_TOL", "SNAP_TOL", "Joined", "default_join_tol", "loops"]

SNAP_TOL = 0.01  # mm: loose endpoints closer than this are one point
DEFAULT_JOIN_TOL = 0.5  # mm: Rhino/Grasshopper leave gaps up to 0.36 mm (WikiHouse Wren)
JOIN_TOL_PER_SIZE = 0.002  # x the drawing's diagonal: small (inch) parts join tighter
MAX_JOIN_TOL = 5.0  # mm: a wider gap is a drawing error, not an exporter's rounding
MAX_LISTED = 10  # problems named one by one in a refusal; the rest counted
MAX_OVERSHOOT = 5.0  # mm: a line drawn on past a corner by more is not drafting slop

_CUT = ("outside", "inside", "auto")


@dataclass
class Joined:
    """The loops and open paths of a drawing, and what joining them took."""

    pieces: list[Piece]
    join: float = SNAP_TOL  # mm: how far apart two points may be and still be one
    gaps: list[float] = field(default_factory=list)  # gaps closed by the join pass
    construction: list[Piece] = field(default_factory=list)  # open strokes not cut
    # loose stubs lying on another piece or shorter than the tolerance, not cut
    covered: list[Piece] = field(default_factory=list)
    # entities drawn twice exactly, on one layer: (the copy not cut, the one cut)
    copies: list[tuple[Piece, Piece]] = field(default_factory=list)
    # contours closed where a line runs on past the corner: (the loop cut, the entity the
    # tail is on, its length in mm, the corner, the tail's far end)
    tails: list[tuple[Piece, str, float, tuple[float, float], tuple[float, float]]] = \
        field(default_factory=list)


def default_join_tol(pieces: list[Piece], scale: float) -> float:
    """DEFAULT_JOIN_TOL mm, less for a small drawing (never below SNAP_TOL), in mm."""
    pts = [p.pts for p in pieces if p.op.kind != "ignore" and len(p.pts)]
    if not pts:
        return DEFAULT_JOIN_TOL
    allp = np.concatenate(pts)
    diag = float(np.hypot(*(allp.max(axis=0) - allp.min(axis=0)))) * scale
    return max(SNAP_TOL, min(DEFAULT_JOIN_TOL, JOIN_TOL_PER_SIZE * diag))


def loops(pieces: list[Piece], shown: str, tol: float = SNAP_TOL,
          join: float | None = None) -> Joined:
    """Closed loops and open paths after de-duplication and chaining of loose pieces.
    `tol` and `join` (default: tol) in mm."""
    join = tol if join is None else max(join, tol)
    seen: dict[bytes, Piece] = {}
    copies: list[tuple[Piece, Piece]] = []
    closed: list[Piece] = []
    specks: list[Piece] = []
    loose: dict[str, list[Piece]] = {}
    for p in pieces:
        r = np.round(p.pts, 6)
        key_f = (p.layer + ("C" if p.closed else "O")).encode() + r.tobytes()
        key_r = (p.layer + ("C" if p.closed else "O")).encode() + r[::-1].tobytes()
        first = seen.get(key_f) or seen.get(key_r)
        if first is not None:  # exact duplicate: CAD copies lines onto themselves
            copies.append((p, first))  # cut once, and said (a sheet drawn twice is one)
            continue
        seen[key_f] = p
        if not p.closed and len(p.pts) > 2 and np.hypot(*(p.pts[0] - p.pts[-1])) <= tol:
            p = _closed(p, p.pts[:-1], [p.circle], True)
        if p.closed:
            closed.append(p)
        else:
            length = float(np.hypot(*np.diff(p.pts, axis=0).T).sum())
            if length <= tol:  # a speck: nothing to cut, said with the stubs
                specks.append(p)
                continue
            loose.setdefault(p.layer, []).append(p)
    # A file with outlines on an OUTSIDE layer names its cuts: open strokes on its layer 0 or
    # unknown layers are construction lines (closed loops there are still cut).
    explicit = any(p.op.kind == "outside" for p in pieces)
    # the closed contours a refused open one may end on (a line drawn across an LWPOLYLINE)
    rims = [p for p in closed if (p.op.kind in _CUT or p.op.kind == "pocket")
            and len(p.pts) >= 3]
    out = Joined(closed, join, copies=[c for c in copies if c[0].op.kind != "sheet"],
                 covered=[p for p in specks if p.op.kind != "sheet"])
    problems: list[str] = []
    joinable: list[float] = []  # gaps of open contours a join tolerance within the maximum spans
    far = 0  # open contours whose gap no join tolerance may span, nothing else explaining it
    for group in loose.values():  # dict keeps first-seen order: deterministic
        group, covered = _drop_covered(group, tol)
        kind = group[0].op.kind
        trims = (kind in _CUT or kind == "pocket") and not (explicit and kind == "auto")
        ch, got = _chained(group, tol, join, shown, trims, rims)
        out.covered += covered + ch.specks
        out.gaps.extend(ch.gaps)
        if trims:
            got = ch.trim_tails(got)
            out.tails += ch.tails
        if kind in _CUT or kind == "pocket":
            bad = ch.problems() if not (explicit and kind == "auto") else []
            if bad:
                joinable += ch.joinable
                far += ch.far
            if kind == "auto" and explicit:
                out.construction.extend(p for p in got if not p.closed)
                got = [p for p in got if p.closed]
            problems.extend(bad)
        out.pieces.extend(got)
    if problems:
        more = len(problems) - MAX_LISTED
        listed = "; ".join(problems[:MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")
        raise InputError(listed + gap_advice(join, joinable, far, MAX_JOIN_TOL), shown)
    return out


def _chained(group: list[Piece], tol: float, join: float, shown: str,
             trims: bool, rims: list[Piece] | None = None) -> tuple[_Chainer, list[Piece]]:
    """The group chained. With `trims` (a cut or pocket layer), two lines crossing at a
    corner, each running on past the other by more than tol and at most MAX_OVERSHOOT, are
    first cut back to the crossing (crossings.py), and so said in the chainer's tails, where
    the contour then closes with both overshoots outside it; elsewhere the pieces are
    chained as drawn (an overshoot into the part may be meant as a cut). `rims`: the closed
    contours of the drawing, which a refusal names when an open contour ends on one."""
    ends = _ends(group)
    found = crossings(group, ends, _cluster(ends, tol), tol, join, MAX_OVERSHOOT) if trims else []
    while True:
        ch = _Chainer(trimmed(group, found), tol, join, shown, rims)
        got = ch.chain()
        at = {c: loop_at(c, got, group, tol) for c in found}
        kept = [c for c in found if at[c] is not None]
        if kept == found:
            break
        found = kept
    for c in found:
        for k, past in zip(c.ends, c.past):
            tip = group[k // 2].pts[-(k % 2)]
            ch.tails.append((at[c], group[k // 2].handle, past, c.corner,
                             (float(tip[0]), float(tip[1]))))
    return ch, got


def _ends(group: list[Piece]) -> np.ndarray:
    """Each piece's first and last point, in turn (end k is piece k // 2's)."""
    return np.array([[p.pts[0], p.pts[-1]] for p in group]).reshape(-1, 2)


def _drop_covered(group: list[Piece], tol: float) -> tuple[list[Piece], list[Piece]]:
    """The pieces less those lying wholly (within tol) on another one of the group, and
    those."""
    if len(group) < 2:
        return group, []
    lines = [LineString(p.pts) for p in group]
    tree = shapely.STRtree(lines)
    a, b = tree.query(lines, predicate="dwithin", distance=tol)
    dropped: set[int] = set()
    for i, j in zip(a.tolist(), b.tolist()):
        if i == j or i in dropped or j in dropped or lines[i].length > lines[j].length:
            continue
        if shapely.difference(lines[i], shapely.buffer(lines[j], tol)).length <= tol:
            dropped.add(i)
    return ([p for k, p in enumerate(group) if k not in dropped],
            [p for k, p in enumerate(group) if k in dropped])


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


def _close_gaps(ends: np.ndarray, node: list[int], join: float) -> list[float]:
    """Join loose ends (nodes with one end) to the nearest loose end within `join`, nearest
    pairs first; `node` is updated in place. Returns the gaps closed."""
    count: dict[int, int] = {}
    for n in node:
        count[n] = count.get(n, 0) + 1
    loose = sorted(n for n, c in count.items() if c == 1)
    if len(loose) < 2:
        return []
    pts = ends[loose]
    tree = shapely.STRtree(shapely.points(pts))
    a, b = tree.query(shapely.points(pts), predicate="dwithin", distance=join)
    pairs = sorted((float(np.hypot(*(pts[i] - pts[j]))), i, j)
                   for i, j in zip(a.tolist(), b.tolist()) if i < j)
    done: set[int] = set()
    gaps = []
    for d, i, j in pairs:
        if i in done or j in done:
            continue
        done.update((i, j))
        keep, drop = loose[i], loose[j]
        for k, n in enumerate(node):
            if n == drop:
                node[k] = keep
        gaps.append(d)
    return gaps


class _Chainer:
    """The loose pieces of one layer as a graph: endpoints are nodes, pieces are edges."""

    def __init__(self, pieces: list[Piece], tol: float, join: float, shown: str,
                 rims: list[Piece] | None = None):
        self.pieces, self.tol, self.join, self.shown = pieces, tol, join, shown
        self.rims = rims or []  # closed contours (any cut layer) an open one may end on
        self._rims: tuple[list, shapely.STRtree] | None = None  # their rings, when asked
        self.ends = _ends(pieces)
        self.node = _cluster(self.ends, tol)
        self.gaps = _close_gaps(self.ends, self.node, join) if join > tol else []
        self.adj: dict[int, list[tuple[int, int]]] = {}  # node -> [(piece, end 0/1)]
        for k in range(len(self.ends)):
            self.adj.setdefault(self.node[k], []).append((k // 2, k % 2))
        self.used = [False] * len(pieces)
        self.walked: list[int] = []  # the pieces the last walk went through, in order
        self.opened: list[Piece] = []
        self.joinable: list[float] = []  # problems(): open contours' gaps a tolerance spans
        self.far = 0  # problems(): open contours with a gap too wide and no other reason
        self._loose: list[int] | None = None  # the nodes one line ends at, when asked
        self.trails: dict[int, list[str]] = {}  # id(open path) -> handles walked through
        self.trail_nodes: dict[int, tuple[int, int]] = {}  # id(open path) -> its end nodes
        self.trail_idx: dict[int, list[int]] = {}  # id(open path) -> pieces walked, in order
        self.tails: list = []  # Joined.tails of this layer

    def chain(self) -> list[Piece]:
        """Join pieces whose ends meet; open paths are returned open."""
        out: list[Piece] = []
        adj, node = self.adj, self.node
        for i, e in [(i, e) for i in range(len(self.pieces)) for e in (0, 1)]:
            if not self.used[i] and len(adj[node[2 * i + e]]) != 2:  # trails from ends first
                parts, a, b = self._walk(i, e)
                out.append(self._joined(parts, a == b and len(parts) > 0))
                self.trails[id(out[-1])] = [self.pieces[k].handle for k in self.walked]
                self.trail_nodes[id(out[-1])] = (a, b)
                self.trail_idx[id(out[-1])] = list(self.walked)
        for i in range(len(self.pieces)):  # what is left are cycles
            if not self.used[i]:
                parts, a, b = self._walk(i, 0)
                out.append(self._joined(parts, a == b))
        # an open path no longer than the join tolerance (a stub whose ends the gap pass
        # joined to each other) outlines nothing
        specks = [p for p in out if not p.closed and _length(p.pts) <= self.join]
        self.specks = specks
        out = [p for p in out if not any(p is q for q in specks)]
        self.opened = [p for p in out if not p.closed]
        return out

    def trim_tails(self, got: list[Piece]) -> list[Piece]:
        """`got` with each open path that closes on itself, a line running on past the
        corner outside the loop by up to MAX_OVERSHOOT, as the loop (the tail said in
        self.tails); the rest as they were."""
        out = []
        for p in got:
            cut = None if p.closed else _overshoot(p.pts, self.tol)
            if cut is None or cut[1] > MAX_OVERSHOOT:
                out.append(p)
                continue
            loop, length, at, tip, at_start = cut
            trail = self._trail_of(p)
            loop_piece = replace(p, pts=loop, closed=True, circle=None)
            self.tails.append((loop_piece, trail[0] if at_start else trail[-1], length,
                               (float(at[0]), float(at[1])), (float(tip[0]), float(tip[1]))))
            out.append(loop_piece)
        self.opened = [p for p in out if not p.closed]
        return out

    def _trail_of(self, piece: Piece) -> list[str]:
        return self.trails.get(id(piece), [piece.handle])

    def problems(self) -> list[str]:
        """What keeps this layer's contours from closing, each case named once: a collinear
        overlap, an edge two contours share, a T-junction, a branch, an open contour with its
        gap (the open pieces a named overlap or shared edge leaves are not named again)."""
        self.joinable, self.far = [], 0
        branch = [n for n, inc in self.adj.items() if len(inc) > 2]
        if not branch and not self.opened:
            return []
        named: set[str] = set()  # handles an overlap or shared edge has named
        found = self._overlaps(named)
        found += self._shared_edges(branch, named)
        found += self._shared_trails(set(branch), named)
        if not found:
            for n in branch:
                p = self.pieces[self.adj[n][0][0]]
                x, y = self.ends[n]
                whose = ", ".join(self.pieces[q].handle for q, _e in self.adj[n])
                found.append(f"contour branches {p.where} at ({x:.3f}, {y:.3f}): "
                             f"{len(self.adj[n])} lines meet there (entities {whose})")
        explained = {n for n in branch if any(self.pieces[q].handle in named
                                               for q, _e in self.adj[n])}
        found += self._open_ends(named, explained)
        return found

    def _lines(self) -> list[LineString]:
        return [LineString(p.pts) for p in self.pieces]

    def _overlaps(self, named: set[str]) -> list[str]:
        lines = self._lines()
        tree = shapely.STRtree(lines)
        a, b = tree.query(lines, predicate="intersects")
        out = []
        for i, j in zip(a.tolist(), b.tolist()):
            if i >= j:
                continue
            common = shapely.intersection(lines[i], lines[j])
            if common.length > self.tol:
                x0, y0, x1, y1 = common.bounds
                pi, pj = self.pieces[i], self.pieces[j]
                named.update((pi.handle, pj.handle))
                out.append(f"lines overlap along {common.length:.3f} mm from ({x0:.3f}, "
                           f"{y0:.3f}) to ({x1:.3f}, {y1:.3f}): entity {pi.handle} and "
                           f"entity {pj.handle} (layer {pi.layer}; collinear overlap: delete "
                           "the overlapping part of one)")
        return out

    def _shared_edges(self, branch: list[int], named: set[str]) -> list[str]:
        hubs = set(branch)
        out = []
        for i, p in enumerate(self.pieces):
            a, b = self.node[2 * i], self.node[2 * i + 1]
            if not (a in hubs and b in hubs and a != b):
                continue
            # each contour through the edge: the pieces from one end round to the other
            sides = [self._trail(q, a, hubs) for q, _e in self.adj[a] if q != i]
            loops = [hs for end, hs in sides if end == b]
            (x0, y0), (x1, y1) = self.ends[a], self.ends[b]
            if len(loops) >= 2:
                whose = " and ".join(f"the one through entities {', '.join(hs)}"
                                     for hs in loops[:2])
            else:
                whose = "entities " + ", ".join(sorted(
                    {self.pieces[q].handle for q, _e in self.adj[a] + self.adj[b] if q != i}))
            named.add(p.handle)
            named.update(h for _end, hs in sides for h in hs)
            out.append(f"two contours share an edge: entity {p.handle} (layer {p.layer}) from "
                       f"({x0:.3f}, {y0:.3f}) to ({x1:.3f}, {y1:.3f}) is an edge of both "
                       f"{whose}: draw each outline whole, a tool width apart")
        return out

    def _shared_trails(self, hubs: set[int], named: set[str]) -> list[str]:
        """Contours sharing an edge drawn in several pieces (Inkscape, laser layouts cut on
        common lines): three or more open paths joining the same two junctions. Each path
        is named by the entities it runs through; an edge of one piece is named by
        _shared_edges."""
        between: dict[tuple[int, int], list[Piece]] = {}
        for p in self.opened:
            a, b = self.trail_nodes.get(id(p), (-1, -1))
            if a != b and a in hubs and b in hubs:
                between.setdefault((min(a, b), max(a, b)), []).append(p)
        out = []
        for (a, b), paths in between.items():
            trails = [self._trail_of(p) for p in paths]
            if len(paths) < 3 or all(set(t) <= named for t in trails):
                continue  # named already, as an edge of one piece
            for t in trails:
                named.update(t)
            (x0, y0), (x1, y1) = self.ends[a], self.ends[b]
            listed = "; ".join(f"entities {', '.join(t[:6])}"
                               + (f" and {len(t) - 6} more" if len(t) > 6 else "")
                               for t in trails[:4])
            out.append(f"contours share an edge (layer {paths[0].layer}): {len(paths)} paths "
                       f"join ({x0:.3f}, {y0:.3f}) and ({x1:.3f}, {y1:.3f}) ({listed}): "
                       "draw each outline whole, a tool width apart")
        return out

    def _trail(self, q: int, start: int, hubs: set[int]) -> tuple[int, list[str]]:
        """Follow pieces from piece q, leaving node `start`, through plain joints until a
        branch or a dead end: (the node it stops at, the handles on the way)."""
        handles: list[str] = []
        at = start
        for _ in range(len(self.pieces)):
            handles.append(self.pieces[q].handle)
            ends = (self.node[2 * q], self.node[2 * q + 1])
            at = ends[1] if ends[0] == at else ends[0]
            nxt = [r for r, _e in self.adj[at] if r != q]
            if at in hubs or len(nxt) != 1:
                break
            q = nxt[0]
        return at, handles

    def _open_ends(self, named: set[str], explained: set[int]) -> list[str]:
        lines = self._lines()
        tree = shapely.STRtree(lines)
        out = []
        for p in self.opened:
            start, end = p.pts[0], p.pts[-1]
            if p.handle in named and self._at_hub(start, explained) and \
                    self._at_hub(end, explained):
                continue  # a side of a shared edge or overlap already named
            walked = self.trail_idx.get(id(p), [])
            said = False
            for pt, own, other in ((start, walked[:1], end), (end, walked[-1:], start)):
                on = [k for k, ln in enumerate(lines) if k not in own
                      and ln.distance(shapely.Point(pt)) <= self.tol
                      and min(np.hypot(*(self.ends[2 * k] - pt)),
                              np.hypot(*(self.ends[2 * k + 1] - pt))) > self.tol]
                if not on:
                    continue
                q = self.pieces[on[0]]
                said = True
                if {p.handle, q.handle} <= named and on[0] not in walked:
                    break  # the end of a collinear overlap, named as such
                if on[0] in walked:  # it closes on itself: a line drawn past the corner
                    past = float(np.hypot(*(other - pt)))
                    out.append(f"contour {p.where} closes on itself at ({pt[0]:.3f}, "
                               f"{pt[1]:.3f}), on entity {q.handle}, not at its end: entity "
                               f"{q.handle} runs on {past:.3f} mm past that corner to "
                               f"({other[0]:.3f}, {other[1]:.3f}) (trim it at the corner; an "
                               f"overshoot outside the contour up to {MAX_OVERSHOOT:g} mm is "
                               "left uncut)")
                else:
                    out.append(f"contour {p.where} ends on entity {q.handle} at ({pt[0]:.3f}, "
                               f"{pt[1]:.3f}), not at its end (T-junction: split entity "
                               f"{q.handle} there, or end the contour on a corner)")
                break
            if said:
                continue
            out.append(on_rim(self, p) or open_contour(self, p, tree, lines, MAX_JOIN_TOL))
        return out

    def _at_hub(self, pt: np.ndarray, hubs: set[int]) -> bool:
        return any(float(np.hypot(*(self.ends[n] - pt))) <= self.tol for n in hubs)

    def node_at(self, pt: np.ndarray) -> int:
        return self.node[int(np.argmin(np.hypot(*(self.ends - pt).T)))]

    def rim_rings(self) -> tuple[list, shapely.STRtree]:
        """The rims' rings and a tree of them (open_ends.on_rim asks, for refusals only)."""
        if self._rims is None:
            rings = [shapely.LinearRing(r.pts) for r in self.rims]
            self._rims = (rings, shapely.STRtree(rings))
        return self._rims

    def loose_nodes(self) -> list[int]:
        """The nodes only one line ends at (open_ends.py asks, for each open contour)."""
        if self._loose is None:
            self._loose = [m for m, inc in self.adj.items() if len(inc) == 1]
        return self._loose

    def _joined(self, parts: list[np.ndarray], closed: bool) -> Piece:
        """The pieces just walked (self.walked) as one piece."""
        first = self.pieces[self.walked[0]]
        pts = dedupe_consecutive(np.concatenate(parts))
        if closed and len(pts) > 2:
            return _closed(first, pts[:-1], [self.pieces[k].circle for k in self.walked],
                           len(pts) > 3)
        return replace(first, pts=pts, closed=False, circle=None)

    def _walk(self, start_piece: int, start_end: int) -> tuple[list[np.ndarray], int, int]:
        """Follow pieces from one end until a dead end, a branch or back to the start."""
        node, ends, adj = self.node, self.ends, self.adj
        parts = []
        pi, pe = start_piece, start_end
        first_node = node[2 * pi + pe]
        self.walked = []
        while True:
            self.used[pi] = True
            self.walked.append(pi)
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


def _overshoot(pts: np.ndarray, tol: float):
    """An open path that ends on itself (within tol of one of its own segments, not at a
    vertex it just left) is a loop and a tail: a line drawn on past the corner the loop
    closes at. (loop points, tail length, the corner, the tail's far end, whether the tail
    is at the path's start) when exactly one end does so, the loop has an area and the tail
    lies outside it; else None."""
    found = []
    for at_start, seq in ((True, pts), (False, pts[::-1])):
        e = seq[-1]
        a, b = seq[:-2], seq[1:-1]  # every segment but the last, which ends at e
        if not len(a):
            continue
        d = b - a
        dd = np.maximum((d * d).sum(axis=1), 1e-300)
        t = np.clip(((e - a) * d).sum(axis=1) / dd, 0.0, 1.0)
        near = a + t[:, None] * d
        hit = np.nonzero(np.hypot(*(near - e).T) <= tol)[0]
        if not len(hit):
            continue
        i = int(hit[0])
        corner = near[i]
        loop = dedupe_consecutive(np.vstack([corner, seq[i + 1:-1]]))
        tail = dedupe_consecutive(np.vstack([seq[:i + 1], corner]))
        if len(loop) < 3 or len(tail) < 2 or _area(loop) <= tol * _length(loop):
            continue
        poly = shapely.Polygon(loop)
        if not poly.is_valid or LineString(tail).intersection(poly).length > tol:
            continue
        found.append((loop, _length(tail), corner, seq[0], at_start))
    # a path ending on itself at both ends is no plain overshoot
    return found[0] if len(found) == 1 else None


def _area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2


def _length(pts: np.ndarray) -> float:
    return float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0


def _closed(p: Piece, pts: np.ndarray, circles: list, closed: bool) -> Piece:
    """`p` closed with points `pts` (`closed` says whether it stays closed when it is not
    a circle); pieces that all lie on one circle (ARCs that meet all the way round) are
    that circle, flattened as a CIRCLE is (exact width: see circle_pts)."""
    c = circles[0]
    same = c is not None and all(
        o is not None and math.hypot(o[0] - c[0], o[1] - c[1]) <= 1e-6 * max(1.0, c[2])
        and abs(o[2] - c[2]) <= 1e-6 * max(1.0, c[2]) for o in circles)
    if same and len(pts) > 2 and _area(pts) >= 0.9 * math.pi * c[2] ** 2:
        return replace(p, pts=circle_pts(c[0], c[1], c[2], CHORD_TOL), closed=True, circle=c)
    return replace(p, pts=pts, closed=closed, circle=None)
