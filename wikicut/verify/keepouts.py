"""Keep-outs checked on a program as the controller runs it: nothing passes over a sheet's
keep-out zones (clamps, damaged areas) below the profile's clamp height plus safe height.

Where the machine stands is not known at the start of a program, nor after a tool change or
a stop (the operator may jog it, a changer parks it elsewhere): the first move across from
there may pass over any keep-out, so it is held to the clamp clearance wherever it goes. A
move straight up goes away from everything and is never a collision."""

from __future__ import annotations

import shapely

from ..model import Profile
from .checks import written_z
from .motion import Segment, Violation


def check_keepouts(segs: list[Segment], profile: Profile, zones, z0: float = 0.0
                   ) -> list[Violation]:
    """One violation per program line moving over a keep-out too low. `segs` are from the
    stock top; every Z a message quotes is as the program writes it (`z0`: the stock top's
    Z there, see checks.check_motion)."""
    if not zones or not segs:
        return []
    area = shapely.union_all(list(zones))
    shapely.prepare(area)
    high = profile.heights.over_keepouts - 1e-3
    clear = f"the clamp clearance Z{profile.heights.over_keepouts + z0:g}"
    out: list[Violation] = []
    lost = True  # where the tool stands is not known (the start, a change, a stop)
    for s in segs:
        if s.kind == "change":
            lost = True
            continue
        across = s.start[:2] != s.end[:2]
        if not across and s.end[2] >= s.start[2]:
            continue  # straight up
        z = min(s.start[2], s.end[2])
        if lost:
            if z >= high:
                lost = lost and not across
                continue
            if not out or out[-1].line != s.line:
                what = "moves across" if across else "moves down"
                out.append(Violation(s.line, "keepout",
                                     f"{s.kind} {what} at {written_z(z, z0, profile, 2)}"
                                     " from where the machine stands (not known at the"
                                     " start, after a change or a stop), below"
                                     f" {clear}: it may pass over a keep-out"))
            lost = lost and not across
            continue
        if z >= high:
            continue
        path = shapely.LineString([s.start[:2], s.end[:2]]) if across \
            else shapely.Point(s.start[:2])
        if area.intersects(path) and (not out or out[-1].line != s.line):
            out.append(Violation(s.line, "keepout",
                                 f"{s.kind} over a keep-out at"
                                 f" {written_z(z, z0, profile, 2)}, below {clear}"))
    return out
