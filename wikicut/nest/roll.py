"""Rolls: a strip's length is only an upper bound on the length used, and a roll may be tens
of metres long (sparrow's real-world instances). The raster, the decoder and the overlap
search lay out the whole strip, so a 60 m roll would cost them fifteen times a 4 m one for
nothing: the nester works on the roll cut to the length every part needs laid in one row
(each at the longest of its rotations that fit across the roll: the decoder may pick any of
them, and a part placed bottom-left always fits right of those before it, so no layout the
search makes is cut short), and hands the layout back on the roll as given. Keep-outs (a
roll's clamps, the room of parts locked on it: locked.py) may stand anywhere along it, even
across its whole width, so the row starts after the last of them: the roll is cut no
shorter than their far end plus that row."""

from __future__ import annotations

from dataclasses import replace

from shapely import affinity

from ..model import Layout, NestItem, Stock


def row_length(items: list[NestItem], stock: Stock, spacing: float, res: float) -> float:
    """The strip length that holds every item in one row along it: per item its longest
    extent along the strip at a rotation that fits across, plus the spacing and two cells
    of raster slack; and the margins at both ends."""
    across = stock.height - 2 * stock.margin
    total = 2 * stock.margin
    lengths: dict[tuple[int, tuple[float, ...]], float] = {}
    for it in items:
        key = (id(it.part), it.rotations)
        if key not in lengths:
            fits, widest = [], 0.0
            for r in it.rotations:
                g = affinity.rotate(it.part.outline, r, origin=(0, 0)) if r % 360 else \
                    it.part.outline
                x0, y0, x1, y1 = g.bounds
                widest = max(widest, x1 - x0)
                if y1 - y0 <= across + 1e-9:
                    fits.append(x1 - x0)
            lengths[key] = max(fits) if fits else widest
        total += lengths[key] + spacing + 2 * res
    return total


def cut_rolls(items: list[NestItem], stocks: list[Stock], spacing: float, res: float
              ) -> list[Stock]:
    """Each strip no longer than its parts in a row need (the others as they are)."""
    out = []
    for st in stocks:
        if st.strip:
            # the row laid right of every keep-out (and a cell for the keep-outs' raster)
            reach = max((float(k.bounds[2]) for k in st.keepouts), default=0.0)
            need = row_length(items, st, spacing, res) + (reach + res if reach > 0 else 0.0)
            if need < st.width:
                st = replace(st, width=need)
        out.append(st)
    return out


def on_rolls(layout: Layout, cut: list[Stock], given: list[Stock]) -> Layout:
    """The layout's sheets back on the stock as given (the roll's full length)."""
    back = {id(c): g for c, g in zip(cut, given)}
    for sheet in layout.sheets:
        sheet.stock = back.get(id(sheet.stock), sheet.stock)
    return layout
