"""Onion skin, the alternative to tabs (`[tabs] mode = "onion"`): every outline is cut to
`[onion] skin` above the through depth, so the parts stay held by a thin sheet of material
under their whole edge instead of a few tabs (no tab stubs to sand off, and a vacuum table
keeps its seal). The skin is broken out by hand, or (`final_pass = true`) taken off by one
shallow pass round each outline at the end of the sheet, after everything else."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point

from ..errors import UnsafeJobError
from ..model import Profile
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
