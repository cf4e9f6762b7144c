"""Refuse a job before a long search when a part fits no sheet at any allowed rotation."""

from __future__ import annotations

import warnings

from ..errors import InputWarning, UnsafeJobError
from ..model import NestItem, Stock
from ..model.nesting import fits_turned, turns_refusal, usable_boxes


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
        if not fits_turned(it.part.outline, it.rotations, usable_boxes(stocks)).any():
            out.append((it, turns_refusal(it.part, it.rotations, stocks)))
    return out
