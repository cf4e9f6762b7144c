"""Hold-down screws checked on a program as the controller runs it: no move below the stock
top comes within its tool's radius (tools.cut_radii), the head's radius and the clearance of
a screw centre
(screws from the sheet DXF's DONOTCUT_SCREWS layer or the report). Independent of
cam/holddown.py, which placed them, and of cam/safety.py, which checked the planned moves.

The one cut allowed at a screw is its own pilot (or mark): the tool centre within the
pilot's radius of the centre, before any other cut, with the spindle stopped (a stop for the
operator, or the end of a program of pilots) between the last pilot and the first other cut,
and a mark ("mark" mode) no deeper than the profile's mark_depth."""

from __future__ import annotations

import numpy as np

from ..model import Profile
from .motion import Segment, Violation
from .tools import ToolLimits, cut_radii, unknown_radius

PILOT_TOL = 0.05  # mm: a plunged pilot's tool centre within this of the screw centre


def check_screws(segs: list[Segment], profile: Profile,
                 screws: list[tuple[float, float]],
                 tools: dict[int, ToolLimits] | None = None) -> list[Violation]:
    """One violation per program line whose cut passes too near a screw; each cut as wide
    as its own tool where `tools` knows it."""
    cuts = [s for s in segs if min(s.start[2], s.end[2]) < 0]
    if not screws or not cuts:
        return []
    pilots, out = _pilots(segs, profile, screws)
    cuts = [s for s in cuts if id(s) not in pilots]
    if not cuts:
        return out
    h = profile.holddown
    tools = tools or {}
    need = cut_radii(cuts, tools, unknown_radius(profile, tools)) + (
        h.diameter / 2 + h.clearance - 1e-3)
    a = np.array([s.start[:2] for s in cuts], dtype=float)
    d = np.array([s.end[:2] for s in cuts], dtype=float) - a
    dd = np.maximum((d ** 2).sum(axis=1), 1e-18)
    for x, y in screws:
        c = np.array([x, y], dtype=float)
        t = np.clip(((c - a) * d).sum(axis=1) / dd, 0.0, 1.0)
        dist = np.sqrt((((a + d * t[:, None]) - c) ** 2).sum(axis=1))
        for k in np.flatnonzero(dist < need)[:1]:
            out.append(Violation(cuts[k].line, "screw",
                                 f"cut passes {dist[k]:.1f} mm from the hold-down screw at"
                                 f" ({x:g}, {y:g}); needs {need[k]:.1f} mm (tool radius, head,"
                                 f" clearance)"))
    return out


def _pilots(segs: list[Segment], profile: Profile, screws: list[tuple[float, float]]
            ) -> tuple[set[int], list[Violation]]:
    """The segments (by id) that are screws' pilots, and what is wrong with them: the cuts
    before the first cut that is no pilot, each within a pilot's radius of a screw centre."""
    h = profile.holddown
    reach = max(h.pilot_diameter / 2, PILOT_TOL)
    centres = np.array(screws, dtype=float).reshape(-1, 2)
    pilots: set[int] = set()
    out: list[Violation] = []
    stopped = True  # since the last pilot: the spindle stopped for the screws
    for s in segs:
        if s.kind == "change" or not s.spindle:
            stopped = True
        if s.kind == "change" or min(s.start[2], s.end[2]) >= 0:
            continue
        ends = np.array([s.start[:2], s.end[:2]], dtype=float)
        far = np.hypot(*(ends[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
        if not (far <= reach + 1e-6).all(axis=0).any():
            if pilots and not stopped:
                out.append(Violation(s.line, "screw", "cutting starts after the screw pilots"
                                     " without a stop to drive the screws"))
            break
        pilots.add(id(s))
        stopped = False
        deepest = -min(s.start[2], s.end[2])
        if h.mode == "mark" and deepest > h.mark_depth + 1e-3:
            out.append(Violation(s.line, "screw", f"screw mark {deepest:.3f} mm deep, beyond"
                                 f" the profile's mark_depth {h.mark_depth:g}"))
        elif h.mode == "drill" and h.pilot_depth > 0 and deepest > h.pilot_depth + 1e-3:
            out.append(Violation(s.line, "screw", f"screw pilot {deepest:.3f} mm deep, beyond"
                                 f" the profile's pilot_depth {h.pilot_depth:g}"))
    return pilots, out
