"""What a sheet's program takes from it besides its parts: every path the tool's centre ran
below the stock top, as wide as the tool (lead arcs and ramps in the waste reach further
than the spacing round a part), and each hold-down screw's hole with the head and clearance
kept round it. A remnant leaves these out: the next job must not cut a part over a groove
or a screw hole."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely import Geometry

from ...model import SheetProgram, arc_points
from .offcuts import ARC_GROW, QUAD_SEGS

# mm: arcs as chords this close to them; each sweep is this much wider to cover the arc
ARC_TOL = 0.05
# mm: segments are told apart at this grid (the passes of one outline repeat its path)
GRID = 0.001


def cut_away(program: SheetProgram, diameter: float, screw_keep: float,
             clearance: float) -> Geometry:
    """The area `program` cuts or screws into beyond its parts grown by `clearance` (which
    the remnant leaves out anyway): each tool's paths below the stock top swept by its
    radius (`diameter`: the profile's own tool, the program's tool 0), and a circle
    `screw_keep` in radius round each screw (none where 0)."""
    widths = {t.number: t.diameter for t in program.tools}
    segs: dict[float, set[tuple[int, int, int, int]]] = {}  # radius -> ends on the grid
    pos = (0.0, 0.0, math.inf)
    for op in program.operations:
        mine = segs.setdefault(widths.get(op.tool, diameter) / 2, set())
        for m in op.moves:
            pts = [pos, *arc_points(pos, m, ARC_TOL)]
            for a, b in zip(pts, pts[1:]):
                if min(a[2], b[2]) < 0:
                    ends = sorted([(round(a[0] / GRID), round(a[1] / GRID)),
                                   (round(b[0] / GRID), round(b[1] / GRID))])
                    mine.add((*ends[0], *ends[1]))
            pos = (m.x, m.y, m.z)
    gone = []
    for r, found in segs.items():
        if not found:
            continue
        lines = shapely.linestrings(np.array(sorted(found), dtype=float).reshape(-1, 2, 2) * GRID)
        width = (r + ARC_TOL + GRID) * ARC_GROW
        if clearance > width:  # most paths run round a part, inside its clearance: the
            # union of their sweeps is the slow part, and adds nothing there
            near = shapely.union_all([pl.placed().outline.buffer(clearance - width, QUAD_SEGS)
                                      for pl in program.sheet.placements])
            shapely.prepare(near)
            lines = lines[~shapely.contains(near, lines)]
        gone.append(shapely.buffer(lines, width, quad_segs=QUAD_SEGS))
    if program.screws and screw_keep > 0:
        gone.append(shapely.buffer(shapely.points(program.screws), screw_keep * ARC_GROW,
                                   quad_segs=QUAD_SEGS))
    return shapely.union_all(np.concatenate(gone)) if gone else shapely.Polygon()
