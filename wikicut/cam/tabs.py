"""Tabs: short lifts of the final passes round an outline, holding the part in the sheet."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..model import Profile
from .depth import LOW, PL, Track

CORNER_TURN = 20.0  # degrees of turn that make a vertex a corner (no tabs there)

def tabbed(p: Profile) -> bool:
    """Whether the profile holds parts by tabs (their places depend on the neighbours):
    on, of some height, and no onion skin instead."""
    return p.tabs.enabled and p.tabs.height > 0 and p.tabs.mode != "onion"


def tab_count(profile: Profile, perimeter: float) -> int:
    """How many tabs hold a part of this perimeter (0: none)."""
    p = profile
    if not p.tabs.enabled or p.tabs.height <= 0 or perimeter < p.tabs.min_perimeter:
        return 0
    return p.tabs.count if p.tabs.count > 0 else max(2, math.ceil(perimeter / p.tabs.spacing))


def tab_centres(track: Track, profile: Profile, perimeter: float,
                avoid: Sequence[tuple[float, float]] = (), count: int | None = None
                ) -> list[float]:
    """Arc-length positions (on the loop) of tab centres: evenly spread, moved onto straight
    stretches long enough to hold a tab so none sits on a corner; at least 2 on any part.
    `avoid`: stretches (u0, u1) of the loop no tab may touch (a common line, cam/common.py:
    a tab there would tie the part to its neighbour); the tabs they displace are packed into
    the stretches left, as many as fit, and none where nothing is left. `count` replaces the
    number the perimeter asks for."""
    p = profile
    n = tab_count(p, perimeter) if count is None else count
    if n <= 0:
        return []
    span = p.tabs.length + p.tool.diameter  # the lifted stretch of the tool centre
    n = min(n, int(track.length // (span + p.tool.diameter)))
    if n <= 0:
        return []
    pts, cum, total = track.pts, track.cum, track.length
    d = np.diff(pts, axis=0)
    ang = np.arctan2(d[:, 1], d[:, 0])
    turn = np.abs((np.diff(np.concatenate([ang, ang[:1]])) + np.pi) % (2 * np.pi) - np.pi)
    corners = [0.0] + [float(cum[k + 1]) for k in np.nonzero(np.degrees(turn) > CORNER_TURN)[0]]
    corners += [float(u) % total for a, b in avoid for u in (a, b)]
    corners = sorted(set(corners))
    margin = p.tool.diameter / 2
    allowed: list[tuple[float, float]] = []
    for a, b in zip(corners, corners[1:] + [corners[0] + total]):
        lo, hi = a + span / 2 + margin, b - span / 2 - margin
        if hi >= lo:
            allowed.append((lo, hi))
    if avoid:
        allowed = [(lo, hi) for lo, hi in allowed if not any(
            _within((lo + hi) / 2, a, b, total) for a, b in avoid)]
        if not allowed:
            return []
    elif not allowed:
        allowed = [(0.0, total)]
    chosen: list[float] = []
    for i in range(n):
        ideal = (i + 0.5) * total / n
        best = None
        for lo, hi in allowed:
            for shift in (0.0, total, -total):
                c = min(max(ideal + shift, lo), hi)
                dist = abs(c - ideal - shift)
                cand = (dist, c % total)
                if best is None or cand < best:
                    best = cand
        c = best[1]
        if all(min(abs(c - o), total - abs(c - o)) >= span + p.tool.diameter for o in chosen):
            chosen.append(c)
    if avoid and len(chosen) < n:
        chosen = _pack(chosen, allowed, n, span + p.tool.diameter, total)
    return sorted(chosen)


def _pack(chosen: list[float], allowed: list[tuple[float, float]], n: int, gap: float,
          total: float) -> list[float]:
    """More tabs, up to n, in the allowed stretches: each time the point (on a 1 mm grid and
    the stretches' ends) farthest round the loop from every tab so far, while that is at
    least `gap` (deterministic, and spread as evenly as the stretches allow)."""
    cand = np.unique(np.concatenate([np.append(np.arange(lo, hi, 1.0), hi)
                                     for lo, hi in allowed]) % total)
    chosen = list(chosen)
    while len(chosen) < n and cand.size:
        if chosen:
            d = np.abs(cand[:, None] - np.asarray(chosen)[None, :])
            far = np.minimum(d, total - d).min(axis=1)
        else:
            far = np.full(cand.size, total)
        k = int(np.argmax(far))
        if far[k] < gap - 1e-9:
            break
        chosen.append(float(cand[k]))
    return chosen


def _within(u: float, a: float, b: float, total: float) -> bool:
    """u lies in the stretch a..b of a loop of length `total` (b may pass the loop's start)."""
    return (u - a) % total <= (b - a) + 1e-9


def tab_function(track: Track, centres: Sequence[float], u0: float, u1: float,
                 profile: Profile, t: float, through: float) -> PL | None:
    """Depth floor over the tabs: flat at the tab top, then a steep ramp (45 deg, steeper on
    short tabs) back down so the tool never plunges vertically into the material ahead."""
    if not centres:
        return None
    p = profile
    top = -(t - p.tabs.height)
    drop = through + top  # from the tab top down to the through depth (positive)
    span = p.tabs.length + p.tool.diameter
    rl = min(drop, p.tabs.length / 2)
    flat = span - rl
    knots: list[tuple[float, float]] = []
    per = track.period
    m0 = math.floor((u0 - span) / per)
    m1 = math.ceil((u1 + span) / per)
    for m in range(m0, m1 + 1):
        for c in centres:
            a = c - span / 2 + m * per
            b = a + flat
            e = b + rl
            if e < u0 or a > u1:
                continue
            knots += [(a, LOW), (a, top), (b, top), (e, -through), (e, LOW)]
    knots.sort(key=lambda k: k[0])
    return PL.of(knots) if knots else None
