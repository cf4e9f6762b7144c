"""Holes that hold parts. The nest lets small parts sit in big parts' holes; those parts are
cut first, held by their tabs (or skin) to the waste in the hole, the slug. A hole cut through
all round frees that slug with the parts still tied to it: loose beside the cutter's last
pass, and loose under everything cut after it. So a hole that holds parts holds its slug as
an outline holds its part: with tabs where the slug's waste is (off the grooves round the
parts in it: cam/grooves.py), or down to the onion skin ([tabs] mode = "onion", or no room
for a tab). Its skin is taken off by the final skin pass only after the skins of the parts
in it (nothing is then tied to the slug); where a part in it keeps its tabs, the skin is
left to be broken out by hand. A hole that holds no part is cut through as ever."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from ..model import Operation, Part, SheetLayout
from .context import Context, PlaceRefusal, xy_text
from .depth import Track
from .emit import Emitter
from .loops import loop_op
from .skin import no_room_refusal, onion, skin_depth
from .tabs import tab_centres, tabbed

# how the comment at such a hole begins
HOLDS = "holds the slug with"


@dataclass(frozen=True)
class Slug:
    """A hole of a placed part (`instance`, its `ring`-th) and the parts lying in it."""

    instance: str
    ring: int
    hole: Polygon
    parts: tuple[str, ...]

    def names(self) -> str:
        more = f" and {len(self.parts) - 4} more" if len(self.parts) > 4 else ""
        return ", ".join(self.parts[:4]) + more

    def at(self) -> str:
        return xy_text(self.hole.representative_point().coords[0])


def find_slugs(sheet: SheetLayout, placed: list[Part]) -> dict[tuple[str, int], Slug]:
    """The holes of the sheet's parts that hold other parts' outlines, by (part, ring)."""
    bodies = [Polygon(p.outline.exterior) for p in placed]
    tree = shapely.STRtree(bodies)
    out: dict[tuple[str, int], Slug] = {}
    for k, (pl, part) in enumerate(zip(sheet.placements, placed)):
        for i, ring in enumerate(part.outline.interiors):
            hole = Polygon(ring)
            inside = sorted(int(j) for j in tree.query(hole, predicate="contains") if j != k)
            if inside:
                out[(pl.instance, i)] = Slug(pl.instance, i, hole, tuple(
                    sheet.placements[j].instance for j in inside))
    return out


class SlugSkins:
    """The holes of one sheet cut down to the onion skin to hold their slugs: the final skin
    pass takes each off after the parts in it (cam/plan.py `_skin_ops`), or it is left."""

    def __init__(self) -> None:
        self.holes: dict[tuple[str, int], Slug] = {}
        self.left: list[Slug] = []  # skins left to break out by hand (parts tabbed in them)

    def add(self, slug: Slug) -> None:
        self.holes[(slug.instance, slug.ring)] = slug

    def of(self, op: Operation) -> Slug | None:
        """The slug hole a hole operation cut down to the skin, if it is one (found by where
        it cut: a hole's tool centre stays inside the hole)."""
        if op.kind != "hole":
            return None
        mine = [s for s in self.holes.values() if s.instance == op.part]
        if not mine:
            return None
        m = next((m for m in op.moves if m.z < 0), op.moves[-1])
        p = Point(m.x, m.y)
        return next((s for s in mine if s.hole.contains(p)), None)

    def note(self) -> str | None:
        """What the operator is told of skins left on slugs (None: none)."""
        if not self.left:
            return None
        holes = "; ".join(f"{s.instance} at {s.at()} (with {s.names()})" for s in self.left)
        return (f"slug skins: break out by hand the onion skin left in the holes of {holes},"
                f" after the parts in them: their tabs hold them to the slug")


def slug_hole(ctx: Context, em: Emitter, loop: np.ndarray, slug: Slug,
              skins: SlugSkins) -> list:
    """Cut a hole holding parts: with tabs off the grooves round them (where the slug's
    waste is), else, or with an onion skin for tabs, down to the skin. The comment says
    why. Returns the tab centres."""
    p = ctx.profile
    why = f"{HOLDS} {slug.names()} in it"
    if onion(p):
        return _skinned(ctx, em, loop, slug, skins, why)
    if not tabbed(p):  # the parts in it have no tabs either: each is freed by its outline
        return loop_op(ctx, em, loop, ctx.through, False, outside=False)
    avoid = (ctx.grooves.meeting(slug.instance, loop, ctx.r)
             if ctx.grooves is not None else [])
    perimeter, track = slug.hole.exterior.length, Track(loop, closed=True)
    if not tab_centres(track, p, perimeter):  # too small for tabs, so are the parts in it
        return loop_op(ctx, em, loop, ctx.through, False, outside=False)
    if tab_centres(track, p, perimeter, avoid):
        tabs = loop_op(ctx, em, loop, ctx.through, True, outside=False, avoid=avoid,
                       perimeter=perimeter)
        em.say_first(f"{why}: tabs hold it")
        return tabs
    if refusal := no_room_refusal(ctx):
        raise PlaceRefusal(
            f"{slug.instance}'s hole at {slug.at()} holds {slug.names()} and has no room for"
            f" tabs to hold that slug: the cuts round them meet its own wherever a tab could"
            f" go; set [nest] spacing wider ({refusal})", ctx.part.source or None,
            ctx.part.name)
    return _skinned(ctx, em, loop, slug, skins, f"{why}, no room for its tabs")


def _skinned(ctx: Context, em: Emitter, loop: np.ndarray, slug: Slug, skins: SlugSkins,
             why: str) -> list:
    """The hole cut down to the onion skin, recorded for the final skin pass."""
    loop_op(ctx, em, loop, skin_depth(ctx), False, outside=False)
    skins.add(slug)
    em.say_first(f"{why}: cut down to a {ctx.profile.onion.skin:g} mm onion skin")
    return []
