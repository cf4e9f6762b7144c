"""Common-line cutting (`[nest] common_line = true`): where two parts' facing straight edges
lie exactly one tool diameter apart, their kerf-offset outlines coincide along a stretch, and
the part cut later leaves that stretch to the pass that already cut it through.

No tab sits on a shared stretch (it would tie two parts together, or be cut away by the
neighbour's pass): each part's tabs, as many as it would have alone, go on its unshared
stretches. The part cut first cuts its whole outline. A part cut later cuts only the rest of
its outline: each remaining piece is an open path that starts and ends on the earlier
part's groove (air, so the tool goes straight down into it), cut back and forth in passes
(each pass from where the last ended), with its tabs on the pieces. A part whose unshared
stretches cannot hold its tabs is held by an onion skin instead (cam/skin.py): cut before its
neighbours, down to the skin, which a final pass takes off at the end of the sheet. A part
whose outline another tool cuts is cut whole (cam/plan.py). Only outlines of one nesting
level (parts in the same holes, or none) are compared: their cutting order is the planner's
tour, known before they are cut. The grooves no common line spares (round the parts of
other levels or cut by another tool, in holes: cam/grooves.py) keep tabs off too; a part they
leave no room for tabs is held by a skin too, as without common lines (skin.NoRoom: said as
such, and refused where the profile says so).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import shapely

from ..model import MIN_WEB, Profile
from .context import Context
from .depth import PL, Track, pass_levels, walk
from .emit import Emitter
from .skin import skin_depth, skin_pass
from .tabs import tab_centres, tab_function

SHARE_TOL = 1e-4  # mm: tool-centre lines this close are one cut (1e-4 mm of part edge)
MIN_SEGMENT = 1.0  # mm: shorter segments of a loop are arcs' chords, never a common line
MIN_SHARE = 50.0  # mm: a shorter shared stretch saves less than the extra entry it costs
# mm: a web between two grooves thinner than MIN_WEB by less still holds a tab (parts nested
# two grooves and MIN_WEB apart, to the loops' rounding)
NEAR_TOL = 1e-3


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
    return [(x, y) for x, y in _merged(found, total, tol) if y - x >= min_length]


def near_stretches(loop: np.ndarray, others: Sequence[np.ndarray],
                   reach: float | Sequence[float]) -> list[tuple[float, float]]:
    """The stretches (u0, u1) of a closed loop, by arc length from its first point, that come
    within `reach` of one of `others` (one reach for all, or one each), merged; a stretch
    over the loop's start ends past its length. With `reach` the two tools' radii and MIN_WEB,
    where the grooves round two parts overlap or leave a sliver of web between them: a tab
    there would stand in the neighbour's groove (and meet its tabs or its ramps), or hold to
    nothing once the neighbour's pass tears the sliver away."""
    loop = _closed(loop)
    reaches = np.broadcast_to(np.asarray(reach, dtype=float), (len(others),))
    lo, hi = loop.min(axis=0), loop.max(axis=0)
    close = [(o, d) for o, d in zip(map(_closed, others), reaches.tolist())
             if (o.max(axis=0) >= lo - d).all() and (o.min(axis=0) <= hi + d).all()]
    if not close:
        return []
    line = shapely.LineString(loop)
    total = float(line.length)
    zone = shapely.union_all([shapely.LineString(o).buffer(d, quad_segs=16) for o, d in close])
    found = []
    for g in shapely.get_parts(line.intersection(zone)):
        if g.geom_type != "LineString" or g.length <= 0:
            continue  # where the loop only touches the zone
        us = shapely.line_locate_point(line, shapely.points(np.asarray(g.coords)))
        if len(us) > 1 and us[-1] < us[-2]:
            us[-1] = total  # a piece that ends at the loop's end (its first point again)
        found.append((float(us[0]), float(us[-1])))
    return _merged(found, total, SHARE_TOL)


def _merged(found: list[tuple[float, float]], total: float, tol: float
            ) -> list[tuple[float, float]]:
    """Stretches of a loop of length `total` merged where they meet, one across the loop's
    start made one stretch ending past its length."""
    if not found:
        return []
    found = sorted(found)
    merged = [list(found[0])]
    for x, y in found[1:]:
        if x <= merged[-1][1] + tol:
            merged[-1][1] = max(merged[-1][1], y)
        else:
            merged.append([x, y])
    if len(merged) > 1 and merged[0][0] <= tol and merged[-1][1] >= total - tol:
        first = merged.pop(0)  # one stretch across the loop's start
        merged[-1][1] = total + first[1]
    return [(x, y) for x, y in merged]


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
    with the other parts of its level (no tabs there), where each part's tabs go, which parts
    have no room for them off those stretches (`skinned`: held by a skin instead), and the
    loops cut so far by the tool that cuts outlines (the later part leaves what they cut).
    `saved` is the tool-centre length (mm, once per pass depth) left out so far."""

    def __init__(self, ctx: Context):
        self.key = id(ctx)  # the Context of the tool the loops are compared for
        self.profile = ctx.profile
        self.r = ctx.r
        self.grooves = ctx.grooves  # the sheet's grooves, each its tool's (cam/grooves.py)
        self.no_room: set[str] = set()  # parts the other grooves leave no room for tabs
        self.loops: dict[str, np.ndarray] = {}
        self.avoid: dict[str, list[tuple[float, float]]] = {}
        self.centres: dict[str, list[float]] = {}
        self.skinned: list[str] = []
        self.cut: list[np.ndarray] = []
        self.cut_to_skin: list[np.ndarray] = []  # the skinned parts' loops among them
        self.skin_off: list[np.ndarray] = []  # skins taken off so far (end of the sheet)
        self.saved = 0.0

    def plan_group(self, instances: Sequence[str],
                   loop_of: Sequence[Callable[[], np.ndarray | None]],
                   perimeters: Sequence[float]) -> list[int]:
        """The loops of one nesting level's parts (in the tour's order), the stretches each
        shares with another (tabs stay off them) and each part's tabs; returns the order to
        cut them in: the parts held by a skin first (see `outline`), then the rest, each in
        the tour's order."""
        self.cut, self.cut_to_skin = [], []  # another level: never shares with this one
        found = [f() for f in loop_of]
        keys = [k for k, g in enumerate(found) if g is not None]
        loops = [_closed(found[k]) for k in keys]
        compared = {instances[k] for k in keys}
        skin = set()
        # where grooves overlap, or leave less than MIN_WEB between them (no waste to hold)
        reach = self.profile.tool.diameter + MIN_WEB - NEAR_TOL
        for j, k in enumerate(keys):
            name = instances[k]
            self.loops[name] = loops[j]
            # every stretch where its groove meets a neighbour's, however short: a tab there
            # would be cut away by the neighbour's pass, tie the part to the neighbour, or
            # hold to a sliver of web the neighbour's pass tears away
            avoid = near_stretches(loops[j], loops[:j] + loops[j + 1:], reach)
            # and the grooves no common line spares, cut whole: round the parts another
            # tool cuts, round those of other levels, in holes
            other = ([] if self.grooves is None else
                     self.grooves.meeting(name, loops[j], self.r, skip=compared))
            self.avoid[name] = avoid + other
            track = Track(loops[j], closed=True)
            usual = tab_centres(track, self.profile, perimeters[k], other)
            if other and not usual and tab_centres(track, self.profile, perimeters[k]):
                self.no_room.add(name)  # held by a skin, or refused, when cut (cam/plan.py)
            self.centres[name] = tab_centres(track, self.profile, perimeters[k], avoid + other)
            if name in self.no_room or avoid and len(self.centres[name]) < len(usual):
                skin.add(k)
                self.skinned.append(name)
        return [k for k in range(len(instances)) if k in skin] + [
            k for k in range(len(instances)) if k not in skin]

    def outline(self, ctx: Context, em: Emitter, instance: str, loop: np.ndarray,
                loop_op: Callable) -> list:
        """Cut one part's outline: the whole loop when no part cut before shares any of it,
        else the pieces the earlier parts left; with its tabs off every shared stretch. A part
        whose unshared stretches cannot hold the tabs it would have alone is cut down to an
        onion skin instead (taken off at the end of the sheet, see `skin_note`), before its
        neighbours, which leave the stretches it shares with them to it: a tab anywhere else
        would tie it to a neighbour, not to the waste. Only for a loop they planned
        (`plans`)."""
        loop = _closed(loop)
        skin = instance in self.skinned
        depth = skin_depth(ctx) if skin else ctx.through
        done = shared_stretches(loop, self.cut)
        if not done:
            out = loop_op(ctx, em, loop, depth, tabs=not skin, avoid=self.avoid[instance])
        else:
            centres = [] if skin else self.centres[instance]
            soft = [] if skin else shared_stretches(loop, self.cut_to_skin, min_length=0.0)
            pieces = self._pieces(loop, done, centres, soft, len(pass_levels(depth, ctx.profile)))
            out = self._cut_pieces(ctx, em, pieces, depth)
            levels = len(pass_levels(ctx.through, ctx.profile))
            self.saved += levels * sum(b - a for a, b in done)
        self.cut.append(loop)
        if skin:
            self.cut_to_skin.append(loop)
        return out

    def plans(self, ctx: Context, instance: str, loop: np.ndarray) -> bool:
        """Whether a part's outline loop, cut in `ctx`, is one these common lines planned:
        cut by the tool they compared (another tool's is cut whole, cam/plan.py)."""
        loop = _closed(loop)
        planned = self.loops.get(instance)
        return (ctx is not None and id(ctx) == self.key and planned is not None
                and planned.shape == loop.shape and np.array_equal(planned, loop))

    def take_off_skin(self, ctx: Context, em: Emitter, loop: np.ndarray) -> None:
        """Take the skin off under a skinned part's outline at the end of the sheet (the
        last part's whole loop: cam/skin.py), less what the skin passes before it took off
        already (two skinned parts side by side): the rest in pieces, each down into the
        groove at its start (cut through) and along it once, at the through depth."""
        loop = _closed(loop)
        done = shared_stretches(loop, self.skin_off)
        self.skin_off.append(loop)
        if not done:
            skin_pass(ctx, em, loop)
            return
        for pts, _ in self._pieces(loop, done, [], [], 1):
            track = Track(pts, closed=False)
            x, y = track.at(0.0)
            em.approach(x, y, -ctx.through)
            em.path(walk(track, 0.0, track.length,
                         PL.of([(0.0, -ctx.through), (track.length, -ctx.through)])))
            em.retract()

    def skin_note(self) -> str | None:
        """What the operator is told of the parts held by a skin for their shared edges
        (None: there are none; those the other grooves leave no room for: skin.NoRoom)."""
        shared = [n for n in self.skinned if n not in self.no_room]
        if not shared:
            return None
        return (f"common lines: {', '.join(shared)} without room for tabs off the"
                f" edges shared with neighbours: held by a {self.profile.onion.skin:g} mm"
                f" onion skin instead, taken off by a final pass at the end of the sheet")

    @staticmethod
    def _pieces(loop: np.ndarray, done: list[tuple[float, float]], centres: list[float],
                soft: list[tuple[float, float]], levels: int) -> list:
        """The open pieces left between the stretches already cut, each with the part's tab
        centres that fall on it (all of them: tabs stay off every shared stretch). A piece
        runs so that its last pass goes down at an end on a groove cut through where it has
        one (not on a `soft` stretch, a skinned neighbour's groove cut only to the skin)."""
        track = Track(loop, closed=True)
        total = track.length
        spans = sorted(done)

        def on_skin(u: float) -> bool:
            return any((u - a + SHARE_TOL) % total <= b - a + 2 * SHARE_TOL for a, b in soft)

        out = []
        for k, (_, b) in enumerate(spans):
            a_next = spans[(k + 1) % len(spans)][0] + (total if k + 1 == len(spans) else 0.0)
            if a_next - b <= 1e-6:
                continue
            mine = sorted(c + lap - b for c in centres for lap in (0.0, total)
                          if b <= c + lap <= a_next)
            pts = _piece(track, b, a_next)
            last, other = (b, a_next) if levels % 2 else (a_next, b)  # where it goes down
            if on_skin(last) and not on_skin(other):
                length = a_next - b
                pts, mine = pts[::-1].copy(), [length - c for c in reversed(mine)]
            out.append((pts, mine))
        return out

    def _cut_pieces(self, ctx: Context, em: Emitter, pieces: list, depth: float) -> list:
        """Each piece back and forth in passes, down into the groove at its ends."""
        p = ctx.profile
        levels = pass_levels(depth, p)
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
