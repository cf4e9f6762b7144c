"""What a DXF holds for cutting: its pieces of geometry and its text notes, by layer, and the
units they are in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import LayerOp

__all__ = ["Drawing", "DrawingUnits", "Label", "Piece", "name_entities"]


@dataclass
class Piece:
    """A flattened entity (or chain of entities) in drawing coordinates."""

    pts: np.ndarray  # (n, 2)
    closed: bool
    layer: str
    op: LayerOp
    handle: str
    # centre x, y, radius: a closed piece is that circle; an open one (an ARC) lies on it
    circle: tuple[float, float, float] | None = None

    @property
    def where(self) -> str:
        return f"(entity {self.handle}, layer {self.layer})"


@dataclass
class Label:
    """A TEXT or MTEXT note: a part's name when it sits on the part."""

    x: float
    y: float
    text: str
    height: float


@dataclass(frozen=True)
class DrawingUnits:
    """How a drawing's numbers become mm, and where that came from (for messages)."""

    scale: float  # mm per drawing unit
    said: str  # "$INSUNITS=1", "unitless (no HEADER section), read as mm", "units='inch'"
    stated: bool  # the file or the user said so (the plausibility check only warns)
    insunits: int | None = None
    # unstated units a known exporter may have written in: (unit name, why), said in a warning
    alt: tuple[str, str] | None = None


@dataclass
class Drawing:
    """Everything read from one DXF, in drawing units until `units` is applied (then mm);
    `shown` names the file in messages."""

    pieces: list[Piece]
    labels: list[Label]
    shown: str
    units: DrawingUnits = DrawingUnits(1.0, "mm", True)
    # the file's layer names: those holding entities first (as met), then the layer
    # table's other names; a layer map's entry matching none of them is not used
    layers: tuple[str, ...] = ()


def name_entities(pieces: list[Piece], most: int = 5) -> str:
    """'entities 1A3, 1B0, 1C2 and 4 more': the handles of pieces a warning counts, each
    once, so that the designer can find them."""
    handles = list(dict.fromkeys(p.handle for p in pieces))
    more = f" and {len(handles) - most} more" if len(handles) > most else ""
    word = "entity" if len(handles) == 1 else "entities"
    return f"{word} {', '.join(handles[:most])}{more}"
