"""Refuse a job before a long search when a part fits no sheet at any allowed rotation."""

from __future__ import annotations

import warnings

from shapely import affinity

from ..errors import InputWarning, UnsafeJobError
from ..model import NestItem, Stock

MAX_LISTED = 8  # rotations named in the refusal; more (rotations = "any") are counted


def check_fits(items: list[NestItem], stocks: tuple[Stock, ...] | list[Stock]) -> None:
    """Refuse a part that fits no sheet at any allowed rotation (before a long search)."""
    for it, why in too_large(items, stocks):
        raise UnsafeJobError(why, it.part.source, it.part.name)


def warn_fillers(items: list[NestItem], stocks: tuple[Stock, ...] | list[Stock]) -> None:
    """Name, in a warning, each filler design that fits no sheet: it is left out as one with
    no room left would be, and a filler never placed looked like one that found no room
    (a typo in its parameters went unnoticed)."""
    for it, why in too_large([i for i in items if i.filler], stocks):
        warnings.warn(f"{it.part.source}: filler '{it.part.name}': {why}: never placed",
                      InputWarning, stacklevel=2)


def too_large(items: list[NestItem], stocks: tuple[Stock, ...] | list[Stock]
              ) -> list[tuple[NestItem, str]]:
    """The first copy of each design that fits no sheet at any allowed rotation, with why."""
    out = []
    seen: set[tuple[int, tuple[float, ...]]] = set()
    for it in items:
        key = (id(it.part), it.rotations)
        if key in seen:
            continue
        seen.add(key)
        ok = False
        for ang in it.rotations:
            g = affinity.rotate(it.part.outline, ang, origin=(0, 0)) if ang else it.part.outline
            x0, y0, x1, y1 = g.bounds
            w, h = x1 - x0, y1 - y0
            for s in stocks:
                if w <= s.width - 2 * s.margin + 1e-9 and h <= s.height - 2 * s.margin + 1e-9:
                    ok = True
                    break
            if ok:
                break
        if not ok:
            x0, y0, x1, y1 = it.part.outline.bounds
            sizes = ", ".join(f"{s.width - 2 * s.margin:g} x {s.height - 2 * s.margin:g}"
                              for s in stocks)
            # a free rotation's dozens of angles are no use listed on the line
            angles = (f"any of its {len(it.rotations)} angles" if len(it.rotations) > MAX_LISTED
                      else f"rotations {', '.join(f'{a:g}' for a in it.rotations)}")
            out.append((it, f"part is {x1 - x0:.1f} x {y1 - y0:.1f} mm, larger than every"
                            f" sheet's usable area ({sizes} mm inside the margin) at {angles}"))
    return out
