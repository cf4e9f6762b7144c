"""A job whose sheet sizes are given in inches: the refusal of a part larger than every
sheet says what those numbers would be in inches."""

from __future__ import annotations

import shapely

from wikicut.model import Part, Stock
from wikicut.model.nesting import turns_refusal


def test_sheet_sizes_given_in_inches_are_said_to_be_in_mm():
    part = Part("spacer", shapely.box(0, 0, 715.7, 200))
    inch = Stock(width=96, height=48, thickness=17.86, margin=0.5)
    said = turns_refusal(part, (0.0, 90.0), [inch])
    assert "larger than every sheet's usable area (95 x 47 mm inside the margin)" in said
    assert said.endswith("; 96 x 48 in would be 2438.4 x 1219.2 mm: sheet sizes are in mm")
    both = turns_refusal(part, (0.0,), [inch, Stock(width=120, height=60, thickness=18)])
    assert both.endswith("; 96 x 48 in would be 2438.4 x 1219.2 mm, 120 x 60 in would be"
                         " 3048.0 x 1524.0 mm: sheet sizes are in mm")


def test_sheets_in_mm_or_not_an_inch_sheet_get_no_hint():
    big = Part("big", shapely.box(0, 0, 3000, 200))
    assert "in would be" not in turns_refusal(big, (0.0,), [Stock(2440, 1220, 18)])
    small = Part("small", shapely.box(0, 0, 50, 20))
    assert "in would be" not in turns_refusal(small, (0.0,), [Stock(10, 8, 18)])
