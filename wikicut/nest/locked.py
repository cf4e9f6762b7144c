"""Locked parts: placed by the user, nested around.

A sheet that holds locked parts is handed to the search as a stock type of its own (one
copy, listed first, so the decoder opens it before any other; `Stock.locked`, so using it
costs no sheet in the search's key: it is cut anyway), its locked parts taking
room as keep-outs: each outline grown by half the spacing (`raster.grow`, as the search
grows every part), so a part kept clear of the keep-out is kept the spacing from the locked
part, in the raster as in exact compaction. Everything the search does with keep-outs
(raster, overlap removal, sheet elimination, compaction) then holds for locked parts
without a change to a kernel. The locked parts join their sheet afterwards, on the stock as
listed; a locked sheet the search left empty is still in the layout, so no phase can
remove a sheet that holds a locked part.

The decoder opens a sheet only for a part no open sheet takes: from an order whose first
part fits only the listed stock, every later part that fits there stays there and the
locked sheets, cut anyway, stay empty. The search's first layouts therefore start with the
parts the locked sheets take (`locked_first`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..model import Layout, NestItem, SheetLayout, Stock, locked_placement, strip_length
from .problem import Problem
from .raster import grow
from .solution import decode_raw


def by_sheet(locked: list[NestItem]) -> dict[int, list[NestItem]]:
    """The locked items per sheet number, in sheet order; the numbers run from 1 without a
    gap and each sheet is of one stock type (ValueError otherwise: the job reader refuses
    such input with a line naming the part)."""
    out: dict[int, list[NestItem]] = {}
    for it in locked:
        out.setdefault(it.lock.sheet, []).append(it)
    if sorted(out) != list(range(1, len(out) + 1)):
        raise ValueError(f"locked sheets {sorted(out)}: not numbered 1 to {len(out)}")
    for k, its in out.items():
        if len({it.lock.stock for it in its}) > 1:
            raise ValueError(f"locked sheet {k}: parts locked on different stock types")
    return dict(sorted(out.items()))


def locked_stocks(locked: list[NestItem], stocks: list[Stock], spacing: float, res: float
                  ) -> tuple[list[Stock], dict[int, tuple[int, Stock]]]:
    """The stock list the search sees, and per type (by its id) the locked sheet it is (0:
    none) and the stock as listed. Locked sheets first, each a copy of its stock type with
    its locked parts as keep-outs; then the listed types less the copies locked sheets take
    (a type with none left is dropped; a strip is a single roll)."""
    out: list[Stock] = []
    sheet_of: dict[int, tuple[int, Stock]] = {}
    taken = [0] * len(stocks)
    for k, its in by_sheet(locked).items():
        t = its[0].lock.stock
        st = stocks[t]
        zones = tuple(grow(locked_placement(it).placed().outline, spacing, res) for it in its)
        mine = replace(st, count=1, keepouts=st.keepouts + zones, locked=True)
        sheet_of[id(mine)] = (k, st)
        out.append(mine)
        taken[t] += 1
    for t, st in enumerate(stocks):
        if not taken[t] or (st.count is None and not st.strip):
            left: Stock | None = st
        elif st.strip or st.count == taken[t]:  # a roll is one sheet; or all copies locked
            left = None
        elif st.count < taken[t]:
            raise ValueError(f"{taken[t]} locked sheets of a stock type of {st.count}")
        else:
            left = replace(st, count=st.count - taken[t])
        if left is not None:
            sheet_of[id(left)] = (0, st)
            out.append(left)
    return out, sheet_of


def place_locked(layout: Layout, locked: list[NestItem], stocks: list[Stock],
                 sheet_of: dict[int, tuple[int, Stock]]) -> Layout:
    """The search's layout with the locked parts on their sheets (numbered as locked), the
    other sheets after them in the search's order, every sheet on its stock as listed."""
    groups = by_sheet(locked)
    found: dict[int, SheetLayout] = {}
    rest: list[SheetLayout] = []
    for sh in layout.sheets:
        k, st = sheet_of[id(sh.stock)]
        if k:
            found[k] = sh
        else:
            rest.append(replace(sh, stock=st))
    sheets: list[SheetLayout] = []
    for k, its in groups.items():
        st = stocks[its[0].lock.stock]
        near = found[k].placements if k in found else []
        pls = sorted([*near, *(locked_placement(it) for it in its)], key=lambda q: q.instance)
        sheets.append(SheetLayout(k, st, pls, strip_length(st, pls) if st.strip else None))
    sheets += [replace(sh, index=len(groups) + i + 1) for i, sh in enumerate(rest)]
    return replace(layout, sheets=sheets, locked=sorted(it.instance for it in locked))


def locked_first(p: Problem, order: np.ndarray, pref: np.ndarray, mode: int) -> np.ndarray:
    """`order` with the items the locked sheets take, laid on them alone in this order, moved
    to its front (in order, the others after them): decoded, the locked sheets are filled
    first, as they are laid alone, and the rest goes on the listed stock. `order` itself
    when no stock type, or every one, is a locked sheet."""
    locked = np.array([st.locked for st in p.stocks], np.bool_)
    if not locked.any() or locked.all():
        return order
    out = decode_raw(p, order, pref, mode, count=np.where(locked, p.st_count, 0))
    on = out.sheet[order] >= 0
    return np.concatenate([order[on], order[~on]])
