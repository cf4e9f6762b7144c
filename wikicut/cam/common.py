"""Common-line cutting (`[nest] common_line = true`): where two parts' facing straight edges
lie exactly one tool diameter apart, their kerf-offset outlines coincide along a stretch, and
the part cut later leaves that stretch to the pass that already cut it through.

The part cut first cuts its whole outline, its tabs kept off the stretches it shares. The
part cut later cuts only the rest of its outline: each remaining piece is an open path that
starts and ends on the earlier part's groove (air at every depth, so the tool goes straight
down into it), cut back and forth in passes (each pass from where the last ended), with
tabs on the pieces. A part whose pieces cannot hold the tabs it needs, or whose outline
another tool cuts, is cut whole (the shared stretch then again, in air). Only outlines of
one nesting level (parts in the same holes, or none) are compared: their cutting order is
the planner's tour, known before they are cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..model import Profile
from .context import Context
from .depth import PL, Track, pass_levels, walk
from .emit import Emitter
from .tabs import tab_centres, tab_count, tab_function

SHARE_TOL = 1e-4  # mm: tool-centre lines this close are one cut (1e-4 mm of part edge)
MIN_SEGMENT = 1.0  # mm: shorter segments of a loop are arcs' chords, never a common line
MIN_SHARE = 50.0  # mm: a shorter shared stretch saves less than the extra entry it costs


def enabled(profile: Profile) -> bool:
    """Common lines asked for, and possible: an onion skin leaves every outline's groove
    short of through, so no part could be freed by another's pass."""
    return profile.nest.common_line and profile.tabs.mode != "onion"


def shared_stretches(loop: np.ndarray, others: Sequence[np.ndarray],
                     min_length: float = MIN_SHARE, tol: float = SHARE_TOL
                     ) -> list[tuple[float, float]]:
    """The stretches (u0, u1) of a closed loop, by arc length from its first point, that run
    along a segment of one of `others` (collinear within `tol`), merged, each at least
    `min_length` long; a stretch over the loop's start ends past its length."""
    loop = _closed(loop)
    if not others:
        return []
    a, b = loop[:-1], loop[1:]
    seg = np.hypot(*(b - a).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    total = float(cum[-1])
    q = np.vstack([np.hstack([_closed(o)[:-1], _closed(o)[1:]]) for o in others])
    q = q[np.hypot(q[:, 2] - q[:, 0], q[:, 3] - q[:, 1]) >= MIN_SEGMENT]
    found: list[tuple[float, float]] = []
    for i in np.nonzero(seg >= MIN_SEGMENT)[0]:
        u = (b[i] - a[i]) / seg[i]
        d0, d1 = q[:, :2] - a[i], q[:, 2:] - a[i]
        off0 = np.abs(u[0] * d0[:, 1] - u[1] * d0[:, 0])
        off1 = np.abs(u[0] * d1[:, 1] - u[1] * d1[:, 0])
        on = (off0 <= tol) & (off1 <= tol)
        if not on.any():
            continue
        t0, t1 = d0[on] @ u, d1[on] @ u
        lo = np.maximum(np.minimum(t0, t1), 0.0)
        hi = np.minimum(np.maximum(t0, t1), seg[i])
        for x, y in zip(lo.tolist(), hi.tolist()):
            if y - x > tol:
                found.append((float(cum[i]) + x, float(cum[i]) + y))
    if not found:
        return []
    found.sort()
    merged = [list(found[0])]
    for x, y in found[1:]:
        if x <= merged[-1][1] + tol:
            merged[-1][1] = max(merged[-1][1], y)
        else:
            merged.append([x, y])
    if len(merged) > 1 and merged[0][0] <= tol and merged[-1][1] >= total - tol:
        first = merged.pop(0)  # one stretch across the loop's start
        merged[-1][1] = total + first[1]
    return [(x, y) for x, y in merged if y - x >= min_length]


def _closed(loop: np.ndarray) -> np.ndarray:
    loop = np.asarray(loop, dtype=float)[:, :2]
    if np.hypot(*(loop[0] - loop[-1])) > 1e-9:
        loop = np.vstack([loop, loop[:1]])
    return loop


def _piece(track: Track, u0: float, u1: float) -> np.ndarray:
    """The loop's points from u0 to u1 (u1 may pass the loop's end), as an open path."""
    inner = track.vertex_params_array(u0, u1)
    inner = inner[(inner > u0 + 1e-9) & (inner < u1 - 1e-9)]
    us = np.concatenate([[u0], np.unique(inner), [u1]])
    return track.at_many(us)


class CommonLines:
    """The common lines of one sheet: which stretches of each part's outline loop it shares
    with the other parts of its level (no tabs there), and the loops cut so far by the tool
    that cuts outlines (the later part leaves what they cut). `saved` is the tool-centre
    length (mm, once per pass depth) left out so far."""

    def __init__(self, key: int):
        self.key = key  # id() of the Context of the tool the loops are compared for
        self.loops: dict[str, np.ndarray] = {}
        self.avoid: dict[str, list[tuple[float, float]]] = {}
        self.cut: list[np.ndarray] = []
        self.saved = 0.0

    def plan_group(self, instances: Sequence[str],
                   loop_of: Sequence[Callable[[], np.ndarray | None]]) -> None:
        """The loops of one nesting level's parts (in cutting order) and the stretches each
        shares with another: tabs stay off them."""
        self.cut = []  # another level: its parts never share with this one's
        found = [f() for f in loop_of]
        loops = [_closed(g) for g in found if g is not None]
        names = [n for n, g in zip(instances, found) if g is not None]
        for k, name in enumerate(names):
            self.loops[name] = loops[k]
            # every shared stretch, however short: a tab on one would be cut away by the
            # neighbour's pass, or hold nothing
            self.avoid[name] = shared_stretches(loops[k], loops[:k] + loops[k + 1:],
                                                min_length=0.0)

    def outline(self, ctx: Context, em: Emitter, instance: str, loop: np.ndarray,
                loop_op: Callable) -> list:
        """Cut one part's outline: the whole loop (tabs off its shared stretches) when no
        part cut before shares any of it, else the pieces the earlier parts left."""
        loop = _closed(loop)
        planned = self.loops.get(instance)
        same = (ctx is not None and id(ctx) == self.key and planned is not None
                and planned.shape == loop.shape and np.array_equal(planned, loop))
        if not same:  # another tool's loop: cut whole, compared with nothing
            return loop_op(ctx, em, loop, ctx.through, tabs=True)
        avoid = self.avoid.get(instance, [])
        done = shared_stretches(loop, self.cut)
        tabs = None if not done else self._pieces(ctx, loop, done, avoid)
        if tabs is None:
            out = loop_op(ctx, em, loop, ctx.through, tabs=True, avoid=avoid)
        else:
            out = self._cut_pieces(ctx, em, tabs)
            levels = len(pass_levels(ctx.through, ctx.profile))
            self.saved += levels * sum(b - a for a, b in done)
        self.cut.append(loop)
        return out

    def _pieces(self, ctx: Context, loop: np.ndarray, done: list[tuple[float, float]],
                avoid: list[tuple[float, float]]) -> list | None:
        """The open pieces left between the stretches already cut, each with its tab
        centres: None when they cannot hold the tabs the whole part needs."""
        p = ctx.profile
        track = Track(loop, closed=True)
        total = track.length
        spans = sorted(done)
        pieces = []
        for k, (_, b) in enumerate(spans):
            a_next = spans[(k + 1) % len(spans)][0] + (total if k + 1 == len(spans) else 0.0)
            if a_next - b > 1e-6:
                pieces.append((b, a_next))
        if not pieces:
            return None
        perim = float(ctx.part.outline.exterior.length) if ctx.part is not None else total
        need = tab_count(p, perim)
        left = sum(e - s for s, e in pieces)
        out, held = [], 0
        for s, e in pieces:
            pts = _piece(track, s, e)
            ptrack = Track(pts, closed=False)
            local = [(max(a - s, 0.0), min(b - s, e - s)) for a, b in _shifted(avoid, s, total)
                     if b > s and a < e]
            n = max(1, round(need * (e - s) / left)) if need else 0
            centres = tab_centres(ptrack, p, perim, local, count=n) if n else []
            held += len(centres)
            out.append((pts, centres))
        if need and held < min(need, 2):
            return None
        return out

    def _cut_pieces(self, ctx: Context, em: Emitter, pieces: list) -> list:
        """Each piece back and forth in passes, down into the groove at its ends."""
        p = ctx.profile
        levels = pass_levels(ctx.through, p)
        tabs_xy: list[tuple[float, float]] = []
        for pts, centres in pieces:
            fwd = Track(pts, closed=False)
            back = Track(pts[::-1].copy(), closed=False)
            length = fwd.length
            tabs_xy += [fwd.at(c) for c in centres]
            x, y = fwd.at(0.0)
            em.approach(x, y, levels[0])
            for k, z in enumerate(levels):
                track, cs = (fwd, centres) if k % 2 == 0 else (back, [length - c for c in
                                                                       reversed(centres)])
                if k:
                    x, y = track.at(0.0)
                    em.feed(x, y, z)  # down the groove at this end: air
                tab = tab_function(track, cs, 0.0, length, p, ctx.t, ctx.through)
                em.path(walk(track, 0.0, length, PL.of([(0.0, z), (length, z)]), tab))
            em.retract()
        return tabs_xy


def _shifted(stretches: list[tuple[float, float]], s: float, total: float
             ) -> list[tuple[float, float]]:
    """Loop stretches moved by whole laps so those a piece from s may meet come after s."""
    out = []
    for a, b in stretches:
        for lap in (-total, 0.0, total):
            if b + lap > s:
                out.append((a + lap, b + lap))
    return out
