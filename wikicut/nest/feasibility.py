"""Refuse a job before a long search when a part fits no sheet at any allowed rotation."""

from __future__ import annotations

from shapely import affinity

from ..errors import UnsafeJobError
from ..model import NestItem, Stock

MAX_LISTED = 8  # rotations named in the refusal; more (rotations = "any") are counted


def check_fits(items: list[NestItem], stocks: tuple[Stock, ...] | list[Stock]) -> None:
    """Refuse a part that fits no sheet at any allowed rotation (before a long search)."""
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
            raise UnsafeJobError(
                f"part is {x1 - x0:.1f} x {y1 - y0:.1f} mm, larger than every sheet's usable"
                f" area ({sizes} mm inside the margin) at {angles}",
                it.part.source, it.part.name)
