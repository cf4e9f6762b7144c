"""Fillers: parts that take the room the other parts leave, never a sheet of their own.

Once the job's layout stands (locked parts included), each of its sheets becomes a stock
type of one copy whose parts are keep-outs, grown by half the spacing as locked parts are
(locked.py); a strip's is cut at the length used, so fillers never lengthen the roll. The
fillers are nested onto those sheets alone with the same search, which puts as many in as
it can (parts left out count first in its key) and can open no other sheet; the fillers it
places join their sheets. A filler left out is no fault: the job asked for at most so many.

So the search is given no more copies of a filler than the room left could hold by area
(`room_for`): `quantity` is the most wanted, and a large one ("as many as fit") must cost
no more than the room does. Fillers are counted apart from the job's parts (io/limits.py
MAX_FILLERS) for that reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from shapely import affinity

from ..model import Layout, NestItem, Stock
from .raster import grow

Nester = Callable[[list[NestItem], list[Stock]], Layout]


def filler_stocks(layout: Layout, spacing: float, res: float) -> list[Stock | None]:
    """Per sheet of `layout`, the room left on it as a one-copy stock type (None: a strip
    used to within its margins, no room)."""
    out: list[Stock | None] = []
    for sh in layout.sheets:
        st = sh.stock
        width = sh.used_length if st.strip and sh.used_length else st.width
        if width - 2 * st.margin <= 0:
            out.append(None)
            continue
        zones = tuple(grow(pl.placed().outline, spacing, res) for pl in sh.placements)
        out.append(replace(st, count=1, strip=False, width=width, keepouts=st.keepouts + zones))
    return out


def _fits(it: NestItem, stocks: list[Stock]) -> bool:
    """Whether the filler's box fits inside some sheet's margins at an allowed rotation."""
    for ang in it.rotations:
        g = affinity.rotate(it.part.outline, ang, origin=(0, 0)) if ang else it.part.outline
        x0, y0, x1, y1 = g.bounds
        if any(x1 - x0 <= s.width - 2 * s.margin + 1e-9
               and y1 - y0 <= s.height - 2 * s.margin + 1e-9 for s in stocks):
            return True
    return False


def room_for(fillers: list[NestItem], area: float) -> list[NestItem]:
    """The copies of each filler, first ones first, that `area` (mm², the room left) could
    hold by their material alone: disjoint copies never hold more, so the others could
    never be placed and are left out before the search rather than by it."""
    out: list[NestItem] = []
    taken: dict[str, float] = {}
    for it in fillers:
        used = taken.get(it.part.name, 0.0) + it.part.area
        if used <= area * (1.0 + 1e-9):
            taken[it.part.name] = used
            out.append(it)
    return out


def fill(layout: Layout, fillers: list[NestItem], spacing: float, res: float,
         nester: Nester) -> Layout:
    """`layout` with as many of `fillers` as `nester` fits into the room its sheets leave;
    those placed and those left out recorded in `Layout.fillers` and `fillers_left`."""
    names = sorted(it.instance for it in fillers)
    if not fillers:
        return layout
    room = filler_stocks(layout, spacing, res)
    stocks = [s for s in room if s is not None]
    # as plain items: the nester sets fillers aside
    fits = [replace(it, filler=False) for it in fillers if stocks and _fits(it, stocks)]
    fits = room_for(fits, sum(s.usable.area for s in stocks))
    sub = nester(fits, stocks) if fits else Layout([])
    index = {id(s): k for k, s in enumerate(room) if s is not None}
    sheets = [replace(sh, placements=list(sh.placements)) for sh in layout.sheets]
    placed: list[str] = []
    for fsh in sub.sheets:
        sh = sheets[index[id(fsh.stock)]]
        sh.placements = sorted(sh.placements + fsh.placements, key=lambda q: q.instance)
        placed += [pl.instance for pl in fsh.placements]
    done = set(placed)
    return replace(layout, sheets=sheets, fillers=sorted(placed),
                   fillers_left=[n for n in names if n not in done])
