"""What the operations of one sheet share: the profile, the stock's depths, the part being cut
(an error names its file and name) and the features already proven cuttable."""

from __future__ import annotations

import numpy as np
import shapely

from ..errors import UnsafeJobError
from ..model import Part, Profile, SheetLayout


class Proofs:
    """Features already proven cuttable (the tool sweeps all of them), by shape up to
    translation. A whole house repeats a dozen parts hundreds of times, and the proof (a union
    of hundreds of buffered segments) is most of the planning time: a job shares one Proofs
    over its preflight and every sheet. Passes are remembered, and which
    tool of a rack could not cut a shape (cam.choose)."""

    MAX = 4096

    def __init__(self) -> None:
        self._seen: set[tuple] = set()
        self._made: dict[tuple, object] = {}

    def __contains__(self, key: tuple) -> bool:
        return key in self._seen

    def add(self, key: tuple) -> None:
        if len(self._seen) >= self.MAX:
            self._seen.clear()
        self._seen.add(key)

    def made(self, key: tuple, make):
        """make(), once a key: what a feature as placed (its exact coordinates in `key`) made,
        remembered for the next time a sheet's planning asks for the same feature."""
        if key not in self._made:
            if len(self._made) >= self.MAX:
                self._made.clear()
            self._made[key] = make()
        return self._made[key]


def shape_key(g) -> bytes:
    """A geometry up to translation, as bytes: two shapes are the same when their coordinates,
    moved to their own lower-left corner, agree to 1e-6 mm."""
    x0, y0 = g.bounds[:2]
    moved = shapely.transform(g, lambda c: np.round(c - (x0, y0), 6) + 0.0)
    return shapely.to_wkb(moved)


class PlaceRefusal(UnsafeJobError):
    """A feature refused for where its part lies on the sheet (beside which parts), not for
    its shape: no other tool is tried for it, and no tool is remembered as unable to cut the
    shape (cam.choose)."""


class Context:
    """The sheet being planned and the part being cut."""

    def __init__(self, sheet: SheetLayout, profile: Profile, proofs: Proofs):
        self.sheet = sheet
        self.profile = profile
        self.t = float(sheet.stock.thickness)
        self.r = profile.tool.radius
        self.through = self.t + profile.depth.overcut
        self.proofs = proofs
        self.part: Part | None = None
        # the sheet's parts as placed, and the grooves cut round them and in their holes,
        # each by its own tool: a tab stays off where its groove meets another part's
        # (cam/plan.py; None: tabs placed as if each part were alone)
        self.placed: tuple[Part, ...] = ()
        self.grooves = None
        self.lead_room = None  # where lead arcs may go on this sheet (cam/leads.py), made once

    def refuse(self, detail: str) -> UnsafeJobError:
        """The error for a feature of the current part that cannot be cut."""
        part = self.part
        return UnsafeJobError(detail, file=(part.source or None) if part else None,
                              part=part.name if part else None)


def xy_text(p) -> str:
    """A point as an error message shows it."""
    return f"({p[0]:.1f}, {p[1]:.1f})"
