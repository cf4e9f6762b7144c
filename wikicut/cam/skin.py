"""Onion skin, the alternative to tabs (`[tabs] mode = "onion"`): every outline is cut to
`[onion] skin` above the through depth, so the parts stay held by a thin sheet of material
under their whole edge instead of a few tabs (no tab stubs to sand off, and a vacuum table
keeps its seal). The skin is broken out by hand, or (`final_pass = true`) taken off by one
shallow pass round each outline at the end of the sheet, after everything else.

A part whose neighbours' grooves meet its own wherever a tab could go is held by a skin too,
whatever the tab mode (`NoRoom`; `[tabs] no_room = "refuse"` refuses it instead)."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point

from ..errors import UnsafeJobError
from ..model import Profile, SheetProgram
from .context import Context
from .depth import PL, Track, descend_knots, walk
from .emit import Emitter


def onion(p: Profile) -> bool:
    return p.tabs.mode == "onion"


def skin_depth(ctx: Context) -> float:
    """How deep an outline is cut when a skin is left: the stock less the skin."""
    skin = ctx.profile.onion.skin
    if not 0 < skin < ctx.t:
        raise UnsafeJobError(f"onion.skin {skin:g} mm is not within the {ctx.t:g} mm stock",
                             ctx.profile.source or None)
    return ctx.t - skin


def skin_note(p: Profile) -> str:
    """What the operator is told (program header, report)."""
    skin = f"onion skin {p.onion.skin:g} mm"
    return f"{skin}: taken off by a final pass" if p.onion.final_pass else (
        f"{skin}: break out by hand")


def skin_pass(ctx: Context, em: Emitter, loop: np.ndarray) -> None:
    """Take the skin off under one outline: down the groove already cut to the skin, a ramp
    through it along the loop and one lap at the through depth."""
    p = ctx.profile
    track = Track(loop, closed=True)
    u0 = float(LineString(track.pts).project(Point(em.pos[0], em.pos[1])))
    top = -skin_depth(ctx)
    x, y = track.at(u0)
    em.approach(x, y, top)
    knots, u1 = descend_knots(track, u0, top, [-ctx.through], p)
    em.path(walk(track, u0, u1, PL.of(knots)))
    em.retract()


# how the comment at a part held by a skin for want of room for tabs begins (its outline and
# its skin pass: `held_by_skin` reads the latter)
NO_ROOM = "no room for tabs"


def no_room_refusal(ctx: Context) -> str | None:
    """Why a part with no room for its tabs cannot be held by an onion skin instead (None:
    it can): the profile says to refuse it, or its skin is no skin in this stock."""
    if ctx.profile.tabs.no_room == "refuse":
        return 'the profile holds no part by an onion skin instead: [tabs] no_room = "refuse"'
    try:
        skin_depth(ctx)
    except UnsafeJobError as err:
        return f"no onion skin can hold it instead: {err.detail}"
    return None


class NoRoom:
    """The parts of one sheet held by an onion skin because the grooves round their
    neighbours meet theirs wherever a tab could go (cam/plan.py; with common lines, the
    grooves none spares: cam/common.py). Each is cut down to the skin before the parts around
    it and the skin taken off at the end of the sheet, as common lines do theirs. `near`:
    the spacing that would leave room for their tabs (mm, the widest asked)."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.parts: list[str] = []
        self.comments: dict[str, str] = {}  # the comment at each one's cuts
        self.near = 0.0

    def add(self, instance: str, others: list[str], near: float) -> str:
        """One part held by a skin (`others`: the neighbours whose grooves meet its own; cut
        down to the skin already); returns the comment at its outline and skin pass."""
        more = " and more" if len(others) > 4 else ""
        comment = (f"{NO_ROOM}: the cuts round {', '.join(others[:4])}{more} meet its own"
                   f" wherever a tab could go, so it is cut down to a"
                   f" {self.profile.onion.skin:g} mm onion skin, taken off at the end of the"
                   f" sheet")
        if instance not in self.parts:
            self.parts.append(instance)
        self.comments[instance] = comment
        self.near = max(self.near, near)
        return comment

    def note(self) -> str | None:
        """What the operator is told (program header, report's notes); None: no such part."""
        if not self.parts:
            return None
        return (f"{NO_ROOM}: {', '.join(self.parts)} held by a"
                f" {self.profile.onion.skin:g} mm onion skin instead (the grooves round their"
                f" neighbours meet theirs wherever a tab could go: parts nearer than"
                f" {self.near:g} mm), taken off by a final pass at the end of the sheet")


def held_by_skin(program: SheetProgram) -> list[str]:
    """The parts of a planned sheet held by an onion skin for want of room for tabs."""
    return [op.part for op in program.operations
            if op.kind == "skin" and op.note.startswith(NO_ROOM)]
