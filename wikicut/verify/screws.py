"""Hold-down screws checked on a program as the controller runs it: no move below the stock
top comes within the tool radius, the head's radius and the clearance of a screw centre
(screws from the sheet DXF's DONOTCUT_SCREWS layer or the report). Independent of
cam/holddown.py, which placed them, and of cam/safety.py, which checked the planned moves."""

from __future__ import annotations

import numpy as np

from ..model import Profile
from .motion import Segment, Violation


def check_screws(segs: list[Segment], profile: Profile,
                 screws: list[tuple[float, float]]) -> list[Violation]:
    """One violation per program line whose cut passes too near a screw."""
    cuts = [s for s in segs if min(s.start[2], s.end[2]) < 0]
    if not screws or not cuts:
        return []
    h = profile.holddown
    need = profile.tool.radius + h.diameter / 2 + h.clearance - 1e-3
    a = np.array([s.start[:2] for s in cuts], dtype=float)
    d = np.array([s.end[:2] for s in cuts], dtype=float) - a
    dd = np.maximum((d ** 2).sum(axis=1), 1e-18)
    out: list[Violation] = []
    for x, y in screws:
        c = np.array([x, y], dtype=float)
        t = np.clip(((c - a) * d).sum(axis=1) / dd, 0.0, 1.0)
        dist = np.sqrt((((a + d * t[:, None]) - c) ** 2).sum(axis=1))
        for k in np.flatnonzero(dist < need)[:1]:
            out.append(Violation(cuts[k].line, "screw",
                                 f"cut passes {dist[k]:.1f} mm from the hold-down screw at"
                                 f" ({x:g}, {y:g}); needs {need:.1f} mm (tool radius, head,"
                                 f" clearance)"))
    return out
