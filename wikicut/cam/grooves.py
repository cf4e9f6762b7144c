"""The grooves a sheet's through cuts leave: round each part and in each of its holes, each as
wide as the tool that cuts it. A tab holds its part to the waste, so none goes where the
part's groove meets another, or comes within MIN_WEB of it: no waste is left there (or a
sliver the other pass tears away), the other pass cuts the tab away or meets it and ties two
parts together (cam/plan.py; with common lines, cam/common.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from ..model import MIN_WEB
from .common import NEAR_TOL, near_stretches


@dataclass(frozen=True, eq=False)
class Groove:
    instance: str  # the part it is cut round, or in one of whose holes
    edge: np.ndarray  # the part's edge it runs along (its outline's ring, or the hole's)
    radius: float  # the radius of the tool that cuts it: the groove is twice as wide
    outline: bool  # round the part (False: in one of its holes)


class Grooves:
    """The sheet's grooves, each with the tool the planner will cut it with."""

    def __init__(self, grooves: Sequence[Groove]):
        self.grooves = tuple(grooves)

    def meeting(self, instance: str, loop: np.ndarray, radius: float,
                skip: Collection[str] = ()) -> list[tuple[float, float]]:
        """The stretches of `loop`, the tool centre's round part `instance` with a tool of
        `radius`, where its groove meets a groove of another part: nearer its edge than the
        groove's width, the radius and MIN_WEB (grooves that leave a thinner web between them
        leave no waste a tab could hold to); see common.near_stretches. `skip`: parts whose
        outlines' grooves are left out (the common lines' own comparison)."""
        found = self.met_by(instance, loop, radius, skip)
        return near_stretches(loop, [g.edge for g in found],
                              [_reach(radius, g) for g in found]) if found else []

    def met_by(self, instance: str, loop: np.ndarray, radius: float,
               skip: Collection[str] = ()) -> list[Groove]:
        """The other parts' grooves that meet the groove of `loop` (see `meeting`)."""
        lo, hi = np.min(loop, axis=0), np.max(loop, axis=0)
        near = []
        for g in self.grooves:
            if g.instance == instance or (g.outline and g.instance in skip):
                continue
            d = _reach(radius, g)
            if (g.edge.max(axis=0) >= lo - d).all() and (g.edge.min(axis=0) <= hi + d).all():
                near.append(g)
        if not near:
            return []
        gap = shapely.distance(shapely.LineString(loop),
                               np.array([shapely.LineString(g.edge) for g in near]))
        return [g for g, d in zip(near, gap.tolist()) if d < _reach(radius, g)]


def _reach(radius: float, g: Groove) -> float:
    """How near a tool centre's loop of `radius` must come to the edge `g` runs along for the
    two grooves to leave less than MIN_WEB of ply between them (a web of MIN_WEB, to within
    NEAR_TOL, holds: parts nested two grooves and MIN_WEB apart)."""
    return radius + 2 * g.radius + MIN_WEB - NEAR_TOL
