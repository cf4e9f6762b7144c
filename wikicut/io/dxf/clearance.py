"""A cutting file cut as drawn (`wikicut gcode`): the parts on a sheet must leave the tool room
to pass between them. Checked on the drawing, where the entities' handles and the drawing's
own coordinates can still name the place, before any toolpath is planned."""

from __future__ import annotations

import shapely

from ...errors import UnsafeJobError
from .contours import SLIVER_WIDTH
from .drawn import DrawnPart

__all__ = ["CLEARANCE_TOL", "check_clearance"]

CLEARANCE_TOL = 1e-3  # mm: parts drawn exactly one tool apart share the cut's centre line
MAX_LISTED = 10  # places named one by one in a refusal; the rest counted


def check_clearance(parts: list[tuple[str, DrawnPart]], tool: float, shown: str) -> None:
    """Refuse (exit 3) parts of one sheet drawn over each other or closer together than the
    `tool` diameter: the cut around one would enter the other. Every such pair is named, with
    both entities and where (drawing coordinates)."""
    if not parts:
        return
    found: list[str] = []
    drawn_on = False
    outlines = [rp.outline for _n, rp in parts]
    tree = shapely.STRtree(outlines)
    a, b = tree.query(outlines, predicate="dwithin", distance=max(tool - CLEARANCE_TOL, 0.0))
    for i, j in sorted(zip(a.tolist(), b.tolist())):
        (ni, pi), (nj, pj) = parts[i], parts[j]
        if i >= j or pi.sheet != pj.sheet:
            continue
        where = f"sheet {pi.sheet + 1}: " if pi.sheet is not None else ""
        why, on = _why(ni, pi, nj, pj, tool)
        found.append(where + why)
        drawn_on = drawn_on or on
    if found:
        more = len(found) - MAX_LISTED
        listed = "; ".join(found[:MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")
        if drawn_on:
            listed += (" (the file draws parts on each other: cutting one cuts into the other;"
                       " move or delete one)")
        raise UnsafeJobError(listed, shown)


def _why(ni: str, pi: DrawnPart, nj: str, pj: DrawnPart, tool: float) -> tuple[str, bool]:
    """What is wrong between two parts, and whether one is drawn on the other."""
    common = shapely.intersection(pi.outline, pj.outline)
    if common.area > SLIVER_WIDTH * SLIVER_WIDTH:
        # the smaller one is the part drawn on the other (a copy, an offcut, a hole's plug)
        (ns, ps), (nb, pb) = sorted([(ni, pi), (nj, pj)], key=lambda t: t[1].outline.area)
        at = common.representative_point()
        if not shapely.Polygon(pb.outline.exterior).contains(ps.outline):
            how = "overlaps"
        elif common.area < 0.5 * ps.outline.area:
            how = "lies in a hole too small for it in"
        else:
            how = "lies inside, with no hole for it,"
        return (f"part '{ns}' (entity {ps.handle}) {how} part '{nb}' (entity {pb.handle}): "
                f"{common.area:.1f} mm2 of one on the other near ({at.x:.1f}, {at.y:.1f}) in "
                "the drawing", True)
    line = shapely.shortest_line(pi.outline, pj.outline)
    (x0, y0), (x1, y1) = shapely.get_coordinates(line)
    d = pi.outline.distance(pj.outline)
    both = f"parts '{ni}' (entity {pi.handle}) and '{nj}' (entity {pj.handle})"
    at = f"near ({(x0 + x1) / 2:.1f}, {(y0 + y1) / 2:.1f}) in the drawing"
    if d < SLIVER_WIDTH:  # tabs drawn against a board (Fusion 360), parts sharing an edge
        edge = _shared_edge(pi, pj)
        if edge is not None:
            (ex0, ey0), (ex1, ey1) = edge
            at = f"from ({ex0:.1f}, {ey0:.1f}) to ({ex1:.1f}, {ey1:.1f}) in the drawing"
        return (f"{both} {'share an edge' if edge else 'touch'} {at}: the cut around one "
                f"would gouge the other (the {tool:g} mm tool needs {tool:g} mm between them)",
                False)
    return (f"{both} are {d:.1f} mm apart, closer than the {tool:g} mm tool, {at}: the cut "
            "around one would gouge the other", False)


def _shared_edge(pi: DrawnPart, pj: DrawnPart):
    """The ends of the longest stretch two outlines' boundaries share, or None."""
    common = shapely.intersection(pi.outline.boundary, pj.outline.boundary)
    pieces = [g for g in shapely.get_parts(common) if g.geom_type == "LineString"]
    if not pieces:
        return None
    merged = shapely.line_merge(shapely.multilinestrings(pieces))
    lines = [g for g in shapely.get_parts(merged) if g.length > SLIVER_WIDTH]
    if not lines:
        return None
    longest = max(lines, key=lambda g: g.length)
    xy = shapely.get_coordinates(longest)
    return tuple(xy[0]), tuple(xy[-1])
