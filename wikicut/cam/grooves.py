"""The grooves a sheet's through cuts leave: round each part and in each of its holes, each as
wide as the tool that cuts it. A tab holds its part to the waste, so none goes where the
part's groove meets another, or comes within MIN_WEB of it: no waste is left there (or a
sliver the other pass tears away), the other pass cuts the tab away or meets it and ties two
parts together (cam/plan.py; with common lines, cam/common.py). Nor does one go where the
waste beyond its groove is a piece the grooves of several parts close in (`closed_in`): once
every cut is through, such a piece holds only to the tabs that run into it, and the parts
whose tabs do so are held by nothing (the verifier's whole-sheet check, verify/holds.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from ..model import MIN_WEB, webs_dropped
from .common import NEAR_TOL, near_stretches

# mm: the verifier sweeps each cut this much wider than its tool: the waste is judged here
# as there (model.webs_dropped)
SWEPT = 0.05
# mm beyond a groove within which a closed-in piece of waste keeps tabs off its stretch: a
# piece only a dropped web apart from the waste at the sheet's edge is closed in all the same
CLOSED_TOL = MIN_WEB


@dataclass(frozen=True, eq=False)
class Groove:
    instance: str  # the part it is cut round, or in one of whose holes
    edge: np.ndarray  # the part's edge it runs along (its outline's ring, or the hole's)
    radius: float  # the radius of the tool that cuts it: the groove is twice as wide
    outline: bool  # round the part (False: in one of its holes)


class Grooves:
    """The sheet's grooves, each with the tool the planner will cut it with; `closed`: the
    pieces of waste they close in (`closed_in`); `at_edge`: the parts whose groove runs off
    the stock, held as the sheet is (their tabs may go anywhere there is waste)."""

    def __init__(self, grooves: Sequence[Groove], closed: Sequence = (),
                 at_edge: Collection[str] = ()):
        self.grooves = tuple(grooves)
        self.closed = tuple(closed)
        self._tree = shapely.STRtree(self.closed) if self.closed else None
        self.at_edge = frozenset(at_edge)

    def meeting(self, instance: str, loop: np.ndarray, radius: float,
                skip: Collection[str] = ()) -> list[tuple[float, float]]:
        """The stretches of `loop`, the tool centre's round part `instance` with a tool of
        `radius`, where its groove meets a groove of another part: nearer its edge than the
        groove's width, the radius and MIN_WEB (grooves that leave a thinner web between them
        leave no waste a tab could hold to); see common.near_stretches. `skip`: parts whose
        outlines' grooves are left out (the common lines' own comparison). And the
        stretches whose waste beyond the groove is a closed-in piece (`closed_off`)."""
        found = self.met_by(instance, loop, radius, skip)
        met = near_stretches(loop, [g.edge for g in found],
                             [_reach(radius, g) for g in found]) if found else []
        return met + self.closed_off(instance, loop, radius)

    def facing(self, instance: str, loop: np.ndarray, radius: float) -> list:
        """The closed-in pieces of waste beyond the groove of `loop` (see `meeting`): none
        for a part whose groove runs off the stock."""
        if self._tree is None or instance in self.at_edge:
            return []
        near = self._tree.query(shapely.LineString(loop), predicate="dwithin",
                                distance=radius + SWEPT + CLOSED_TOL)
        return [self.closed[i] for i in sorted(near.tolist())]

    def closed_off(self, instance: str, loop: np.ndarray, radius: float
                   ) -> list[tuple[float, float]]:
        """The stretches of `loop` (see `meeting`) within CLOSED_TOL of a closed-in piece of
        waste beyond its groove: a tab there holds to that piece alone."""
        pieces = self.facing(instance, loop, radius)
        rings = [np.asarray(r.coords) for g in pieces for r in (g.exterior, *g.interiors)]
        return near_stretches(loop, rings, radius + SWEPT + CLOSED_TOL) if rings else []

    def closing(self, instance: str, loop: np.ndarray, radius: float) -> list[Groove]:
        """The other parts' grooves that close in the pieces of waste beyond the groove of
        `loop` (see `facing`)."""
        pieces = self.facing(instance, loop, radius)
        if not pieces:
            return []
        whole = shapely.union_all(pieces)
        return [g for g in self.grooves if g.instance != instance and shapely.distance(
            shapely.LineString(g.edge), whole) < 2 * g.radius + SWEPT + CLOSED_TOL]

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


def closed_in(material, grown: Sequence, slugs: Sequence) -> list:
    """The pieces of waste the through cuts close in: the stock's `material` less every part
    grown by its groove (`grown`: its outline's groove out, its holes' that hold parts in),
    less every web thinner than MIN_WEB (an opening, as the verifier's), those touching
    neither the stock's outer edge nor the groove in a hole that holds parts (`slugs`: those
    holes' waste, grown in by their grooves: held by the hole's tabs or skin, cam/slugs.py).
    Sorted by where they are (deterministic)."""
    if not grown:
        return []
    standing = material.difference(shapely.union_all(list(grown)))
    pieces = shapely.get_parts(webs_dropped(standing))
    held = shapely.union_all([material.exterior, *(s.boundary for s in slugs)])
    pieces = [g for g in pieces if shapely.distance(g, held) >= SWEPT]
    return sorted(pieces, key=lambda g: g.bounds)
