"""The Emitter: builds one operation's list of moves, keeping the rules every move obeys."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..model import P3, Move, Profile
from .depth import dist3


class Emitter:
    """Collects the moves of one operation and keeps the rules every move must obey: rapids
    only at safe height or above, retract (by feed while in the material) before each rapid."""

    def __init__(self, profile: Profile, pos: P3):
        self.profile = profile
        self.moves: list[Move] = []
        self.pos = pos
        self.note = ""  # for the operator, carried by the operation (cam/leads.py)
        # plunge, cut and ramp feeds, each capped at the machine's maximum: feed_for and path
        # pick among these by the same rule
        cap = profile.feeds.max
        self.rates = (min(profile.feeds.plunge, cap), min(profile.feeds.cut, cap),
                      min(profile.feeds.ramp, profile.feeds.cut, cap))

    def say_first(self, text: str) -> None:
        """Put `text` before what the operation's comment says already (why the cut is as it
        is comes before how it was entered)."""
        self.note = "; ".join(n for n in (text, self.note) if n)

    def feed_for(self, a: P3, b: P3) -> float:
        f_plunge, f_cut, f_ramp = self.rates
        dxy = math.hypot(b[0] - a[0], b[1] - a[1])
        dz = b[2] - a[2]
        if dxy < 1e-7:
            return f_plunge if dz < 0 else f_cut
        return f_ramp if dz < -1e-9 else f_cut

    def feed(self, x: float, y: float, z: float, f: float | None = None) -> None:
        b = (x, y, z)
        if dist3(self.pos, b) <= 1e-7:
            return
        self.moves.append(Move("feed", x, y, z, f if f is not None else self.feed_for(self.pos, b)))
        self.pos = b

    def rapid(self, x: float, y: float, z: float) -> None:
        if dist3(self.pos, (x, y, z)) <= 1e-7:
            return
        self.moves.append(Move("rapid", x, y, z))
        self.pos = (x, y, z)

    def retract(self) -> None:
        x, y, z = self.pos
        if z < 0:
            self.feed(x, y, 0.0, min(self.profile.feeds.cut, self.profile.feeds.max))
        if z < self.profile.heights.safe:
            self.rapid(x, y, self.profile.heights.safe)

    def approach(self, x: float, y: float, z: float) -> None:
        """To (x, y, z) from anywhere: up to safe height, across, then down by feed (z must be
        air: the stock top or a floor already cleared)."""
        if math.hypot(x - self.pos[0], y - self.pos[1]) > 1e-7 or self.pos[2] > z + 1e-9:
            if math.hypot(x - self.pos[0], y - self.pos[1]) > 1e-7:
                self.retract()
                self.rapid(x, y, self.pos[2])
                self.rapid(x, y, self.profile.heights.safe)
            self.feed(x, y, max(z, 0.0), self.profile.feeds.plunge)
            self.feed(x, y, z, self.profile.feeds.plunge)  # down a floor already cleared
        else:
            self.feed(x, y, z)

    def path(self, pts: Sequence[P3]) -> None:
        """Feed through the points (as feed() one by one, but the distances and feeds of a
        long walk in a few numpy operations)."""
        pts = list(pts)
        k = 0
        while k < len(pts) and dist3(self.pos, pts[k]) <= 1e-7:
            k += 1  # already there (the walk starts where approach() left the tool)
        pts = pts[k:]
        if len(pts) < 8:
            for x, y, z in pts:
                self.feed(x, y, z)
            return
        a = np.array([self.pos] + pts, dtype=float)
        d = a[1:] - a[:-1]
        dxy = np.hypot(d[:, 0], d[:, 1])
        dist = np.sqrt(dxy * dxy + d[:, 2] * d[:, 2])
        # within rounding of a threshold (numpy's arithmetic may differ from math's by an ulp):
        # decide those one by one, exactly as feed() does
        if (dist[1:] <= 1e-7 + 1e-12).any() or (np.abs(dxy - 1e-7) < 1e-12).any():
            for x, y, z in pts:
                self.feed(x, y, z)
            return
        f_plunge, f_cut, f_ramp = self.rates
        dz = d[:, 2]
        feeds = np.where(dxy < 1e-7, np.where(dz < 0, f_plunge, f_cut),
                         np.where(dz < -1e-9, f_ramp, f_cut)).tolist()
        self.moves.extend([Move("feed", x, y, z, f) for (x, y, z), f in zip(pts, feeds)])
        self.pos = pts[-1]

    def arc(self, x: float, y: float, z: float, cx: float, cy: float, ccw: bool,
            f: float) -> None:
        x0, y0, _ = self.pos
        f = min(f, self.profile.feeds.max)
        self.moves.append(Move("arc_ccw" if ccw else "arc_cw", x, y, z, f, cx - x0, cy - y0))
        self.pos = (x, y, z)
