"""A part and a sheet as found in a drawing: what the loops are assembled into, before the
parts are named and the sheets become stock."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import Polygon

from ...model import Drill, Engraving, Pocket
from .drawing import Label, Piece
from .layers import LayerOp

__all__ = ["DrawnPart", "DrawnSheet"]


@dataclass
class DrawnPart:
    """A part as found in the drawing (drawing coordinates, mm), before it is named."""

    outline: Polygon
    handle: str
    layer: str
    pockets: list[Pocket] = field(default_factory=list)
    drills: list[Drill] = field(default_factory=list)
    engravings: list[Engraving] = field(default_factory=list)
    label: Label | None = None
    sheet: int | None = None  # index into the sorted sheets
    # outlines of parts cut out of this one: in place, their own cut makes the hole
    cutouts: list[Polygon] = field(default_factory=list)
    # the contour each pocket, drill and engraving was drawn as (in their order), for a
    # refusal to name its own entity and layer
    pocket_from: list[Piece] = field(default_factory=list)
    drill_from: list[Piece] = field(default_factory=list)
    engraving_from: list[Piece] = field(default_factory=list)


@dataclass
class DrawnSheet:
    """A sheet rectangle and the layer (name, material) it was drawn on."""

    poly: Polygon
    layer: str
    handle: str
    op: LayerOp
