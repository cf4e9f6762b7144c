"""How long a program takes: moves at their feed with a trapezoidal speed profile from the
machine's per-axis acceleration, spindle dwells, and tool changes.

The speed through a corner between two moves is limited as a controller's planner limits it:
full speed straight on, none at a reversal, and the speed an arc's centripetal acceleration
allows. A backward and a forward pass then make every move's entry and exit speeds reachable
within its length (as GRBL's and LinuxCNC's planners do), so a run of short chords is not
counted as stopping at every vertex, nor a short zig-zag as cruising at full feed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .machine import Profile
from .motion import P3, Move, Operation, is_arc, move_length


@dataclass(frozen=True)
class Estimate:
    """A program's lengths and time; `tool_seconds` per tool number (0 = the profile's one
    tool) counts its moves and spindle dwells, `changes` the tool changes between them, and
    `stops` the program stops the operator resumes from besides changes (to drive the
    hold-down screws, to set a spindle speed by hand): counted, not timed, as no one knows
    how long the operator takes."""

    cut_length: float  # mm at feed
    rapid_length: float  # mm at rapid
    seconds: float
    changes: int = 0
    tool_seconds: dict[int, float] = field(default_factory=dict)
    stops: int = 0


def _directions(start: P3, m: Move) -> tuple[tuple[float, float, float], ...]:
    """Unit directions at a move's start and end (tangents for an arc)."""
    if not is_arc(m):
        d = (m.x - start[0], m.y - start[1], m.z - start[2])
        n = math.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2) or 1.0
        u = (d[0] / n, d[1] / n, d[2] / n)
        return u, u
    cx, cy = start[0] + m.i, start[1] + m.j
    s = 1.0 if m.kind == "arc_ccw" else -1.0
    out = []
    for px, py in ((start[0], start[1]), (m.x, m.y)):
        tx, ty = -s * (py - cy), s * (px - cx)
        n = math.hypot(tx, ty) or 1.0
        out.append((tx / n, ty / n, 0.0))
    return out[0], out[1]


def _accel(u: tuple[float, float, float], limits: tuple[float, float, float]) -> float:
    """The acceleration along direction u that keeps every axis within its own."""
    return min((a / abs(c) for a, c in zip(limits, u) if abs(c) > 1e-9), default=limits[0])


def _move_time(d: float, v: float, a: float, v0: float, v1: float) -> float:
    """Seconds to travel d mm entering at v0 and leaving at v1 (both reachable), cruising at
    most at v, accelerating at a."""
    d_acc = (v * v - v0 * v0) / (2 * a)
    d_dec = (v * v - v1 * v1) / (2 * a)
    if d_acc + d_dec <= d:
        return (v - v0) / a + (v - v1) / a + (d - d_acc - d_dec) / v
    peak = math.sqrt(max((2 * a * d + v0 * v0 + v1 * v1) / 2, max(v0, v1) ** 2))
    return max(peak - v0, 0.0) / a + max(peak - v1, 0.0) / a


_KIND = {"rapid": 1, "arc_cw": 2, "arc_ccw": 3}  # else a straight feed


def motion_seconds(start: P3, moves: list[Move], profile: Profile) -> list[float]:
    """Seconds for each move, from rest at `start` to rest after the last (all moves at once
    in arrays: a whole house's sheet is a million moves without arc fitting;
    `_motion_seconds_each` is the same one move at a time)."""
    return _motion(start, moves, profile)[1].tolist()


def _motion(start: P3, moves: list[Move], profile: Profile
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each move's length, seconds (`motion_seconds`) and whether it is a rapid."""
    n = len(moves)
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, np.bool_)
    lim = profile.limits
    axes = np.array([lim.accel_x, lim.accel_y, lim.accel_z])
    cols = np.array([(m.x, m.y, m.z, m.feed, m.i, m.j, _KIND.get(m.kind, 0)) for m in moves],
                    np.float64)
    end, feed, ij, kind = cols[:, :3], cols[:, 3], cols[:, 4:6], cols[:, 6]
    beg = np.vstack([np.asarray(start, np.float64)[None], end[:-1]])
    rapid, ccw = kind == 1, kind == 3
    arc = ccw | (kind == 2)
    d = end - beg
    length = np.sqrt((d * d).sum(axis=1))
    norm = np.where(length > 0, length, 1.0)
    u0 = d / norm[:, None]
    u1 = u0.copy()
    if arc.any():
        c = beg[arc, :2] + ij[arc]
        rad = np.hypot(ij[arc, 0], ij[arc, 1])
        a0 = np.arctan2(beg[arc, 1] - c[:, 1], beg[arc, 0] - c[:, 0])
        a1 = np.arctan2(end[arc, 1] - c[:, 1], end[arc, 0] - c[:, 0])
        two_pi = 2 * math.pi
        sw = np.where(ccw[arc], (a1 - a0) % two_pi, -((a0 - a1) % two_pi))
        sw = np.where(np.abs(sw) < 1e-9, np.where(ccw[arc], two_pi, -two_pi), sw)
        length[arc] = np.hypot(np.abs(sw) * rad, d[arc, 2])
        sgn = np.where(ccw[arc], 1.0, -1.0)
        for u, pt in ((u0, beg), (u1, end)):
            tx, ty = -sgn * (pt[arc, 1] - c[:, 1]), sgn * (pt[arc, 0] - c[:, 0])
            tn = np.hypot(tx, ty)
            tn = np.where(tn > 0, tn, 1.0)
            u[arc] = np.column_stack([tx / tn, ty / tn, np.zeros(tx.shape[0])])
    acc = np.minimum(_accels(u0, axes), _accels(u1, axes))
    speed = np.where(rapid, profile.feeds.rapid, feed) / 60.0
    if arc.any():
        speed[arc] = np.minimum(speed[arc], np.sqrt(acc[arc] * np.maximum(rad, 1e-6)))
    speed = np.maximum(speed, 1e-6)
    # junction speeds: the slower cruise, scaled by how straight the path goes on; G0 stops
    # exactly at its ends (G61-like in every controller)
    junction = np.zeros(n + 1)
    cos = (u1[:-1] * u0[1:]).sum(axis=1)
    inner = np.minimum(speed[:-1], speed[1:]) * np.maximum(0.0, cos)
    junction[1:n] = np.where(rapid[:-1] | rapid[1:], 0.0, inner)
    reach = (2 * acc * length).tolist()
    jl = junction.tolist()
    for k in range(n - 1, -1, -1):  # backward: can stop (or slow) in time
        jl[k] = min(jl[k], math.sqrt(jl[k + 1] ** 2 + reach[k]))
    for k in range(n):  # forward: can reach the speed in time
        jl[k + 1] = min(jl[k + 1], math.sqrt(jl[k] ** 2 + reach[k]))
    junction = np.array(jl)
    v0 = np.minimum(junction[:-1], speed)
    v1 = np.minimum(junction[1:], speed)
    return length, _move_times(length, speed, acc, v0, v1), rapid


def _accels(u: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """`_accel` for each row of u."""
    c = np.abs(u)
    big = c > 1e-9
    per = np.where(big, limits[None] / np.where(big, c, 1.0), np.inf)
    out = per.min(axis=1)
    return np.where(big.any(axis=1), out, limits[0])


def _move_times(d: np.ndarray, v: np.ndarray, a: np.ndarray, v0: np.ndarray,
                v1: np.ndarray) -> np.ndarray:
    """`_move_time` for each move (0 for a move of no length)."""
    d_acc = (v * v - v0 * v0) / (2 * a)
    d_dec = (v * v - v1 * v1) / (2 * a)
    cruise = (v - v0) / a + (v - v1) / a + (d - d_acc - d_dec) / v
    peak = np.sqrt(np.maximum((2 * a * d + v0 * v0 + v1 * v1) / 2, np.maximum(v0, v1) ** 2))
    short = np.maximum(peak - v0, 0.0) / a + np.maximum(peak - v1, 0.0) / a
    out = np.where(d_acc + d_dec <= d, cruise, short)
    return np.where(d > 1e-12, out, 0.0)


def _motion_seconds_each(start: P3, moves: list[Move], profile: Profile) -> list[float]:
    """`motion_seconds` one move at a time: the reference the arrays are tested against."""
    lim = profile.limits
    axes = (lim.accel_x, lim.accel_y, lim.accel_z)
    n = len(moves)
    length = [0.0] * n
    speed = [0.0] * n  # cruise, mm/s
    acc = [0.0] * n
    dirs = []
    pos = start
    for k, m in enumerate(moves):
        length[k] = move_length(pos, m)
        u0, u1 = _directions(pos, m)
        dirs.append((u0, u1))
        v = (profile.feeds.rapid if m.kind == "rapid" else m.feed) / 60.0
        a = min(_accel(u0, axes), _accel(u1, axes))
        if is_arc(m):
            v = min(v, math.sqrt(a * max(math.hypot(m.i, m.j), 1e-6)))
        speed[k], acc[k] = max(v, 1e-6), a
        pos = (m.x, m.y, m.z)
    # junction speeds: the slower cruise, scaled by how straight the path goes on
    junction = [0.0] * (n + 1)
    for k in range(1, n):
        if moves[k].kind == "rapid" or moves[k - 1].kind == "rapid":
            continue  # G0 stops exactly at its ends (G61-like in every controller)
        cos = sum(p * q for p, q in zip(dirs[k - 1][1], dirs[k][0]))
        junction[k] = min(speed[k - 1], speed[k]) * max(0.0, cos)
    for k in range(n - 1, -1, -1):  # backward: can stop (or slow) in time
        junction[k] = min(junction[k], math.sqrt(junction[k + 1] ** 2 + 2 * acc[k] * length[k]))
    for k in range(n):  # forward: can reach the speed in time
        junction[k + 1] = min(junction[k + 1], math.sqrt(junction[k] ** 2
                                                          + 2 * acc[k] * length[k]))
    return [_move_time(length[k], speed[k], acc[k], min(junction[k], speed[k]),
                       min(junction[k + 1], speed[k])) if length[k] > 1e-12 else 0.0
            for k in range(n)]


def estimate(operations: list[Operation], profile: Profile, start: P3 | None = None,
             tools: tuple[int, ...] = (), speeds: dict[int, float] | None = None,
             high: float | None = None) -> Estimate:
    """Lengths and time of a program's operations, as the writer (wikicut.post) writes them:
    their moves with acceleration (a rapid that changes XY and Z split as the writer splits
    it: up first, or across then down), a spindle start (dwell) per tool, a change between
    tools (the changer's time each), the spindle started again (its dwell) where an
    operation's speed differs from the one before and after the stop for the hold-down
    screws, the rise to clearance before every stop and change, and the retract to clearance
    at the end. `tools` lists the tool numbers in use (empty = one tool), `speeds` each
    tool's rpm where an operation gives none (default: its first operation's, else the
    profile's). `high`: the height the first move across is made at where the machine's
    place is not known (at the start, after a change or a stop): the profile's
    `heights.over_keepouts` on a sheet with keep-outs, else None."""
    p = profile
    pos: P3 = start or (0.0, 0.0, p.heights.clearance)
    run = _Run(operations, p, pos, tools, speeds, high)
    moves, owner = run.moves, run.owner
    length, secs, fast = _motion(pos, moves, p)
    cut, rapid = float(length[~fast].sum()), float(length[fast].sum())
    owners = np.array(owner, np.int64)
    per_tool: dict[int, float] = {}
    for t in dict.fromkeys(owner):  # in the order the tools first cut
        per_tool[t] = float(secs[owners == t].sum())
    if operations and p.spindle.dwell > 0:
        for t in per_tool:  # the spindle starts once per tool run
            per_tool[t] += p.spindle.dwell * _runs(operations, t, tools)
        for t, n in run.restarts.items():
            per_tool[t] = per_tool.get(t, 0.0) + n * p.spindle.dwell
    total = sum(per_tool.values()) + run.changes * p.changer.change_seconds
    return Estimate(cut, rapid, total, run.changes, per_tool, run.stops)


class _Run:
    """A program's operations as the writer runs them: the moves in order (with the rises to
    clearance before a change or a stop, over the clamps before the first move across from
    a place not known, and each rapid split as the writer splits it) and their tools, the
    changes, the operator's stops and the spindle's restarts within a tool's run."""

    def __init__(self, operations: list[Operation], p: Profile, pos: P3,
                 tools: tuple[int, ...], speeds: dict[int, float] | None,
                 high: float | None = None):
        self.p, self.pos, self.ops, self.tools, self.speeds = p, pos, operations, tools, speeds
        self.high = high
        self.at: P3 = pos  # where the writer stands
        self.lost = True  # where the machine stands is not known (the writer's `lost`)
        self.scale, self.decimals = p.unit_scale, p.decimals
        self.moves: list[Move] = []
        self.owner: list[int] = []
        self.current = tools[0] if tools else 0
        self.changes = self.stops = 0
        self.restarts: dict[int, int] = {}
        speed = self.base(self.current)
        set_speed = "{speed}" in p.spindle.on
        for k, op in enumerate(operations):
            change = bool(tools and op.tool and op.tool != self.current)
            # the stop to drive the screws; a change by hand (a pause, or the next program
            # when split) is that stop itself, and a change restarts the spindle anyway
            if (k and operations[k - 1].kind == "pilot" and op.kind != "pilot"
                    and not (change and p.changer.mode in ("pause", "split"))):
                self.stop()
                if not change:
                    self.restart()
            if change:
                before = speed
                self.up()
                self.changes += 1
                self.current = op.tool
                speed = self.base(self.current)
                self.lost = True
                if p.changer.mode == "m6" and not set_speed and speed != before:
                    self.stops += 1  # an automatic change stops to set the new speed
            rpm = op.rpm or self.base(self.current)
            if rpm != speed:  # the spindle's start line again and its wait, after a stop
                speed = rpm  # for the operator where that line cannot set the speed
                if not set_speed:
                    self.stop()
                self.restart()
            self.add(op.moves)
        if self.moves and self.at[2] < p.heights.clearance:
            self.push(Move("rapid", self.at[0], self.at[1], p.heights.clearance))

    def base(self, t: int) -> float:
        """The tool's own speed: what it turns at where an operation sets none."""
        if self.speeds and t in self.speeds:
            return self.speeds[t]
        if self.tools:
            first = next((op.rpm for op in self.ops if (op.tool or self.tools[0]) == t), 0.0)
            return first or self.p.spindle.speed
        return self.p.spindle.speed

    def push(self, m: Move) -> None:
        self.moves.append(m)
        self.owner.append(self.current)
        self.at = (m.x, m.y, m.z)

    def add(self, moves: list[Move]) -> None:
        """An operation's moves; a rapid as the writer writes it (Writer.emit_rapid)."""
        rapids = [k for k, m in enumerate(moves) if m.kind == "rapid"]
        done = 0
        for k in rapids:
            if k > done:
                self.moves.extend(moves[done:k])
                self.owner.extend([self.current] * (k - done))
                m = moves[k - 1]
                self.at = (m.x, m.y, m.z)
            self.rapid(moves[k])
            done = k + 1
        if done < len(moves):
            self.moves.extend(moves[done:])
            self.owner.extend([self.current] * (len(moves) - done))
            m = moves[-1]
            self.at = (m.x, m.y, m.z)

    def rapid(self, m: Move) -> None:
        x0, y0, z0 = self.at
        across = self.differs(m.x, x0) or self.differs(m.y, y0)
        if across and self.lost:  # from a place not known: over the clamps first
            if self.high is not None and z0 < self.high:
                self.push(Move("rapid", x0, y0, self.high))
                z0 = self.high
            self.lost = False
        if across and self.differs(m.z, z0):  # never a diagonal rapid
            self.push(Move("rapid", x0, y0, m.z) if m.z > z0 else Move("rapid", m.x, m.y, z0))
        self.push(m)

    def differs(self, a: float, b: float) -> bool:
        """Whether two coordinates are written as different words."""
        return round(a * self.scale, self.decimals) != round(b * self.scale, self.decimals)

    def up(self) -> None:
        """To clearance before hands come near (the writer goes up first)."""
        if self.at[2] < self.p.heights.clearance:
            self.push(Move("rapid", self.at[0], self.at[1], self.p.heights.clearance))

    def stop(self) -> None:
        """A stop for the operator: up to clearance first; the place is not known after."""
        self.up()
        self.stops += 1
        self.lost = True

    def restart(self) -> None:
        self.restarts[self.current] = self.restarts.get(self.current, 0) + 1


def _runs(operations: list[Operation], tool: int, tools: tuple[int, ...]) -> int:
    """How many times the spindle starts with `tool`: once per run of its operations."""
    if not tools:
        return 1
    runs, current = 0, None
    for op in operations:
        t = op.tool or current or tools[0]
        if t != current and t == tool:
            runs += 1
        current = t
    return runs
