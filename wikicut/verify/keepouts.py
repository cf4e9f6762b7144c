"""Keep-outs checked on a program as the controller runs it: nothing passes over a sheet's
keep-out zones (clamps, damaged areas) below the profile's clamp height plus safe height."""

from __future__ import annotations

import shapely

from ..model import Profile
from .motion import Segment, Violation


def check_keepouts(segs: list[Segment], profile: Profile, zones) -> list[Violation]:
    """One violation per program line moving over a keep-out too low."""
    if not zones or not segs:
        return []
    area = shapely.union_all(list(zones))
    shapely.prepare(area)
    high = profile.heights.over_keepouts - 1e-3
    out: list[Violation] = []
    for k, s in enumerate(segs):
        if min(s.start[2], s.end[2]) >= high:
            continue
        if k == 0 and s.kind == "rapid":
            continue  # from wherever the machine stands before the program: not the program's
        path = (shapely.LineString([s.start[:2], s.end[:2]]) if s.start[:2] != s.end[:2]
                else shapely.Point(s.start[:2]))
        if area.intersects(path) and (not out or out[-1].line != s.line):
            out.append(Violation(s.line, "keepout",
                                 f"{s.kind} over a keep-out at Z{min(s.start[2], s.end[2]):.2f},"
                                 f" below the clamp clearance Z{profile.heights.over_keepouts:g}"))
    return out
