"""Rolls: a strip's length is only an upper bound on the length used, and a roll may be tens
of metres long (sparrow's real-world instances). The raster, the decoder and the overlap
search lay out the whole strip, so a 60 m roll would cost them fifteen times a 4 m one for
nothing: the nester works on the roll cut to the length every part needs laid in one row
(each at the longest of its rotations that fit across the roll: the decoder may pick any of
them, and a part placed bottom-left always fits right of those before it, so no layout the
search makes is cut short), and hands the layout back on the roll as given. Keep-outs (a
roll's clamps, the room of parts locked on it: locked.py) may stand anywhere along it, even
across its whole width, and each one the row reaches may push the rest of the row past it:
by its own length, and at most one item and its spacing that did not fit before it. Keep-outs
beyond what the row so needs are left off (a clamp at the far end of a 1 km roll must not
make the raster 1 km long)."""

from __future__ import annotations

from dataclasses import replace

from shapely import affinity

from ..model import Layout, NestItem, Stock


def row_length(items: list[NestItem], stock: Stock, spacing: float, res: float) -> float:
    """The strip length that holds every item in one row along it: per item its longest
    extent along the strip at a rotation that fits across, plus the spacing and two cells
    of raster slack; and the margins at both ends."""
    return _row(items, _extents(items, stock), spacing, res, stock)


def cut_rolls(items: list[NestItem], stocks: list[Stock], spacing: float, res: float
              ) -> list[Stock]:
    """Each strip no longer than its parts in a row need (the others as they are)."""
    out = []
    for st in stocks:
        if st.strip:
            extents = _extents(items, st)
            need = _row(items, extents, spacing, res, st)
            longest = max(widest for _, widest in extents.values())
            for x0, x1 in _spans(st):  # along the roll, merged
                if x0 >= need:
                    break  # the row ends before it
                # the row goes on past it: its length, and an item that did not fit before
                need += (x1 - x0) + longest + spacing + 3 * res
            if need < st.width:
                st = replace(st, width=need)
        out.append(st)
    return out


Key = tuple[int, tuple[float, ...]]  # a part and its rotations: items alike in the row


def _extents(items: list[NestItem], stock: Stock) -> dict[Key, tuple[float, float]]:
    """Per part and rotations: its longest extent along the strip at a rotation that fits
    across it (the widest where none does), and its longest at any rotation (mm)."""
    across = stock.height - 2 * stock.margin
    out: dict[Key, tuple[float, float]] = {}
    for it in items:
        key = (id(it.part), it.rotations)
        if key in out:
            continue
        fits, widest = [], 0.0
        for r in it.rotations:
            g = affinity.rotate(it.part.outline, r, origin=(0, 0)) if r % 360 else \
                it.part.outline
            x0, y0, x1, y1 = g.bounds
            widest = max(widest, x1 - x0)
            if y1 - y0 <= across + 1e-9:
                fits.append(x1 - x0)
        out[key] = (max(fits) if fits else widest, widest)
    return out


def _row(items: list[NestItem], extents: dict[Key, tuple[float, float]], spacing: float,
         res: float, stock: Stock) -> float:
    """row_length from the items' extents."""
    total = 2 * stock.margin
    for it in items:
        total += extents[(id(it.part), it.rotations)][0] + spacing + 2 * res
    return total


def _spans(st: Stock) -> list[tuple[float, float]]:
    """The stretches along the roll its keep-outs cover, merged and in order."""
    spans: list[tuple[float, float]] = []
    for x0, x1 in sorted((float(k.bounds[0]), float(k.bounds[2])) for k in st.keepouts):
        if spans and x0 <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], x1))
        else:
            spans.append((x0, x1))
    return spans


def on_rolls(layout: Layout, cut: list[Stock], given: list[Stock]) -> Layout:
    """The layout's sheets back on the stock as given (the roll's full length)."""
    back = {id(c): g for c, g in zip(cut, given)}
    for sheet in layout.sheets:
        sheet.stock = back.get(id(sheet.stock), sheet.stock)
    return layout
