"""Where a part's label is engraved: one choice, made here, that the planner engraves and the
previews draw (a preview that guessed for itself showed labels a metre from where the router
put them)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiLineString, Point, Polygon

from .font import text_strokes, text_width
from .geometry import Part

MIN_HEIGHT = 4.0  # below this a label is not engraved: too small to read in plywood
SHRINK = 0.8  # a label that does not fit is tried again this much smaller
ENGRAVING_GAP = 1.0  # mm a label keeps from an engraving's line at the least


@dataclass(frozen=True, eq=False)
class LabelPlace:
    """A placed label: its text; (x, y) the centre of the engraved strokes' box, which the
    text is turned about by `angle` (degrees counter-clockwise: it reads left to right or
    bottom to top); its cap height; `start`, where the text's baseline begins relative to
    (x, y) before it is turned, and `width`, the font's width of the text (a drawing of the
    text over that box covers the strokes); the strokes the router engraves (mm, in the
    part's coordinates: the sheet's for a placed part)."""

    text: str
    x: float
    y: float
    height: float
    angle: float
    start: tuple[float, float]
    width: float
    strokes: tuple[np.ndarray, ...]


def label_room(part: Part, radius: float):
    """Where a label's strokes may run: inside the part, clear of its holes, pockets, drills
    and engravings by the engraving tool's `radius` and 1 mm more."""
    keep = Polygon(part.outline.exterior, [h.coords for h in part.outline.interiors])
    avoid = [pk.shape for pk in part.pockets]
    avoid += [Point(d.x, d.y).buffer(d.diameter / 2) for d in part.drills]
    # an engraving is a groove, not a line: at radius 0 (a layout drawn with no tool) a
    # buffer of 0 would be empty and the label could be drawn over it
    avoid += [e.path.buffer(max(radius, ENGRAVING_GAP)) for e in part.engravings]
    if avoid:
        keep = keep.difference(shapely.union_all(avoid))
    return keep.buffer(-(radius + 1.0))


def _angles(big) -> list[float]:
    """Across, along the room's long axis, then up."""
    rc = np.asarray(big.minimum_rotated_rectangle.exterior.coords)
    e1, e2 = rc[1] - rc[0], rc[2] - rc[1]
    long = e1 if math.hypot(*e1) >= math.hypot(*e2) else e2
    axis = math.degrees(math.atan2(long[1], long[0])) % 180.0
    if axis > 90.0 + 1e-9:
        axis -= 180.0  # keep text reading left to right or bottom to top
    return [0.0] + ([round(axis, 6)] if abs(axis) > 1e-6 else []) + [90.0]


def place_label(part: Part, radius: float,
                font: Callable[[str, float], list[np.ndarray]] = text_strokes
                ) -> LabelPlace | None:
    """Where the part's label (Part.text) is engraved by a tool of `radius`: at the part's
    label anchor, else its widest point; across, along its length or up; at its label
    height, shrunk until it fits clear of holes and features. None when it cannot fit (a
    label never fails a job), and on a part whose drawing engraves its own (Part.engraves_label).
    `font`: text -> strokes at a cap height."""
    text = part.text
    if not text.strip() or part.engraves_label:
        return None
    room = label_room(part, radius)
    if room.is_empty:
        return None
    ax, ay = part.label_anchor()
    big = max(getattr(room, "geoms", [room]), key=lambda g: g.area)

    widest: list[tuple[float, float]] = []

    def centres():  # the widest point only if the anchor will not do (it is slow to find)
        yield (ax, ay)
        if not widest:
            widest.append(tuple(shapely.maximum_inscribed_circle(big, tolerance=0.5)
                                .coords[0]))
        yield widest[0]

    angles = _angles(big)
    h = part.label_height
    while h >= MIN_HEIGHT - 1e-9:
        strokes = [np.asarray(s, dtype=float) for s in font(text, h)]
        strokes = [s for s in strokes if len(s) >= 1]
        if not strokes:
            return None
        allp = np.vstack(strokes)
        mid = (allp.min(axis=0) + allp.max(axis=0)) / 2
        for cx, cy in centres():
            for ang in angles:
                a = math.radians(ang)
                rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
                placed = [(s - mid) @ rot.T + (cx, cy) for s in strokes]
                geom = MultiLineString([s if len(s) > 1 else np.vstack([s, s]) for s in
                                        placed])
                if room.contains(geom):
                    return LabelPlace(text, float(cx), float(cy), h, ang,
                                      (-float(mid[0]), -float(mid[1])), text_width(text, h),
                                      tuple(placed))
        h *= SHRINK
    return None
