"""What a refusal says of an open contour (chain.py joins; this module explains what it could
not join): where its ends are, how far each loose end is from the nearest other loose end and
whose that is, whether a larger join tolerance would span the gap or a line is missing, and
when the ends lie on another contour's line, that a side was drawn once for two contours
(common-line cutting, which a cutting file must not do: each outline is cut whole)."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString

from .drawing import Piece
from .flatten import CHORD_TOL

__all__ = ["gap_advice", "on_rim", "open_contour"]


def gap_advice(join: float, joinable: list[float], far: int, most: float) -> str:
    """What a larger join tolerance would do for the open contours named: the tolerance that
    spans their widest gap, when it is within `most` (the largest join tolerance allowed);
    that a wider gap is a line missing, when no other reason was given."""
    said = []
    if joinable:
        need = min(most, math.ceil(max(joinable) * 1000 - 1e-6) / 1000)
        said.append(f"close them, or give a larger join tolerance ({need:g} mm spans the "
                    "widest gap) if the gaps are an exporter's rounding")
    if far:
        said.append(f"a gap over {most:g} mm (the most a join tolerance may be) is a "
                    "line missing, not an exporter's rounding: draw it")
    if not said:
        return ""
    return f" (join tolerance {join:.3g} mm): " + "; ".join(said)


def open_contour(ch, p: Piece, tree: shapely.STRtree, lines: list[LineString],
                 most: float) -> str:
    """Open contour `p` of chainer `ch` (chain._Chainer) named with its ends and what keeps
    them apart (see _gaps_said), counted in ch.joinable when a join tolerance within `most`
    spans its gaps (else in ch.far). Ends at branch points (other contours' lines meet there)
    have no gap; loose ends each within the join tolerance of another contour's line, too
    far from any loose end to be joined, are a side drawn once for two contours."""
    start, end = p.pts[0], p.pts[-1]
    nodes = ch.trail_nodes.get(id(p)) or (ch.node_at(start), ch.node_at(end))
    said = (f"open contour {p.where} ends at ({start[0]:.3f}, {start[1]:.3f}) and "
            f"({end[0]:.3f}, {end[1]:.3f})")
    meet = {w: len(ch.adj[n]) for w, n in zip(("first", "second"), nodes)}
    loose = [(pt, n, w) for pt, n, w in zip((start, end), nodes, meet) if meet[w] == 1]
    if not loose:
        return (f"{said}, both points where {meet['first']} and {meet['second']} lines "
                "meet (branch points): other contours touch or cross it there, and no "
                "join tolerance tells them apart; draw each outline whole, a tool width "
                "apart")
    said += "".join(f" (the {w} where {k} lines meet)" for w, k in meet.items() if k > 2)
    near = [(*_nearest_loose(ch, n, nodes), w) for _pt, n, w in loose]
    said += _gaps_said(near)
    if max(d for d, _h, _w in near) <= most:  # a tolerance must span the wider
        ch.joinable.append(max(d for d, _h, _w in near))
        return said
    walked = set(ch.trail_idx.get(id(p), ()))
    by_line = [_lines_near(ch, pt, walked, tree, lines) for pt, _n, _w in loose]
    if not all(by_line):
        inside = _inside_rim(ch, p)
        if inside is not None:
            return _stroke(ch, p, said, inside)
        ch.far += 1
        return said
    common = set.intersection(*(set(d) for d in by_line))
    if common:  # one line of another contour near every loose end: name that one
        h = min(common, key=lambda h: max(d[h] for d in by_line))
        hs = [h] * len(by_line)
    else:
        hs = [min(d, key=d.get) for d in by_line]
    dists = [f"{d[h]:.3f} mm" for d, h in zip(by_line, hs)]
    if len(loose) == 1:
        return (f"{said}: its loose end lies {dists[0]} from entity {hs[0]}, another "
                "contour's line, not on it: end it on a corner of its own")
    if common:
        lie = f"both lie {dists[0]}" if dists[0] == dists[1] else \
            f"lie {dists[0]} and {dists[1]}"
        lie += f" from entity {hs[0]}, another contour's line"
    else:
        lie = (f"lie {dists[0]} from entity {hs[0]} and {dists[1]} from entity {hs[1]}, "
               "other contours' lines")
    return (f"{said}: its ends {lie}: the side between them is drawn once, as a line of "
            "the other contour (common-line cutting); draw each outline whole, a tool "
            "width apart")


def _inside_rim(ch, p: Piece) -> Piece | None:
    """The innermost closed contour of a cut layer (ch.rims) that open contour `p` lies
    wholly inside of, clear of its edge; None when there is none."""
    if not ch.rims:
        return None
    rings, tree = ch.rim_rings()
    line = LineString(p.pts)
    best: tuple[float, int] | None = None
    for k in tree.query(line).tolist():
        poly = shapely.Polygon(rings[k])
        if poly.is_valid and poly.contains(line) and \
                rings[k].distance(line) > ch.tol + CHORD_TOL and \
                (best is None or poly.area < best[0]):
            best = (poly.area, k)
    return None if best is None else ch.rims[best[1]]


def _stroke(ch, p: Piece, said: str, rim: Piece) -> str:
    """Open contour `p`, too far from any loose end to be joined, lies inside closed
    contour `rim`: a stroke inside a part (the OpenROV shell's score lines), no outline
    with a line missing (a straight one closes round nothing). Its way out: a layer that
    engraves it, or none; the whole layer mapped when no closed contour is cut from it."""
    (x0, y0), (x1, y1) = p.pts[0], p.pts[-1]
    chord = LineString([p.pts[0], p.pts[-1]])
    straight = bool(shapely.distance(shapely.points(p.pts), chord).max() <= ch.tol)
    if straight:
        said = (f"open contour {p.where} from ({x0:.3f}, {y0:.3f}) to ({x1:.3f}, "
                f"{y1:.3f})")
    alone = not any(r.layer == p.layer for r in ch.rims)
    move = (f"map its layer to an engraving (--layer '{p.layer}=engrave', a job's "
            "[layers])" if alone else "move it to an engraving layer")
    hole = "" if straight else "; if it is a hole's outline, draw the line missing"
    return (f"{said} lies inside the closed contour {rim.where}, clear of its edge: an "
            "open stroke inside a part (a score or slit line?), which a cut layer does not "
            f"cut (it takes closed contours): {move}, or delete it{hole}")


def on_rim(ch, p: Piece) -> str | None:
    """A T-junction of open contour `p` of chainer `ch` with a closed contour (an
    LWPOLYLINE, a CIRCLE: no end to split it at) when an end of `p` lies on one (within tol,
    as on a loose line, and the flattening's CHORD_TOL: a CIRCLE's polygon lies inside it);
    a contour running from edge to edge inside it divides it. None when neither end does."""
    if not ch.rims:
        return None
    rings, tree = ch.rim_rings()
    ends = (p.pts[0], p.pts[-1])
    hit: list[int | None] = []
    for pt in ends:
        at = shapely.Point(pt)
        near = [(float(rings[k].distance(at)), k) for k in
                tree.query(at, predicate="dwithin",
                                     distance=ch.tol + CHORD_TOL).tolist()]
        hit.append(min(near)[1] if near else None)
    if hit[0] is None and hit[1] is None:
        return None
    (x0, y0), (x1, y1) = ends
    if hit[0] == hit[1]:
        r = ch.rims[hit[0]]  # type: ignore[index]
        mid = LineString(p.pts).interpolate(0.5, normalized=True)
        inside = shapely.Polygon(r.pts).contains(mid)
        side = "across" if inside else "outside"
        what = ("it divides that contour in two; draw each piece's outline as a closed "
                "contour of its own, or delete the line" if inside else
                "a closed contour takes no branch; draw the outline whole, or delete "
                "the line")
        return (f"contour {p.where} runs {side} the closed contour {r.where} from "
                f"({x0:.3f}, {y0:.3f}) to ({x1:.3f}, {y1:.3f}), both ends on its edge "
                f"(T-junction: {what})")
    k, (x, y) = (hit[0], ends[0]) if hit[0] is not None else (hit[1], ends[1])
    r = ch.rims[k]  # type: ignore[index]
    return (f"contour {p.where} ends on the closed contour {r.where} at ({x:.3f}, "
            f"{y:.3f}), not at a corner of its own (T-junction: a closed contour takes no "
            "branch; end the contour on a corner of its own, or delete it)")


def _nearest_loose(ch, n: int, own: tuple[int, int]) -> tuple[float, str | None]:
    """How far the nearest other loose end (a node only one line ends at) is from node `n`,
    and the entity ending there (None: the contour's own other end, on a tie too)."""
    others = [m for m in ch.loose_nodes() if m != n]
    if not others:
        return math.inf, None
    d = np.hypot(*(ch.ends[others] - ch.ends[n]).T)
    best = float(d.min())
    near = [m for m, x in zip(others, d.tolist()) if x == best]
    if any(m in own for m in near):
        return best, None
    return best, ch.pieces[ch.adj[near[0]][0][0]].handle


def _lines_near(ch, pt: np.ndarray, walked: set[int], tree: shapely.STRtree,
                lines: list[LineString]) -> dict[str, float]:
    """The lines of other contours within the join tolerance of `pt` (as its ends would be
    joined), by entity, and how far each is."""
    at = shapely.Point(pt)
    found: dict[str, float] = {}
    for k in tree.query(at, predicate="dwithin", distance=ch.join).tolist():
        if k not in walked:
            h = ch.pieces[k].handle
            found[h] = min(found.get(h, math.inf), float(lines[k].distance(at)))
    return found


def _gaps_said(near: list[tuple[float, str | None, str]]) -> str:
    """The gaps at an open contour's loose ends, each given as (how far the nearest other
    loose end is, the entity ending there or None for the contour's own other end, which
    end): "gap" alone when its ends are each other's nearest, else from which end to whose
    (a contour drawn in pieces that miss each other: its own ends may lie far apart)."""
    if len(near) == 2 and near[0][1] is None and near[1][1] is None:
        return f", gap {near[0][0]:.3f} mm"  # its ends are each other's nearest loose end
    near = sorted(near, key=lambda t: t[0])
    (d0, h0, w0), rest = near[0], near[1:]
    if math.isinf(d0):
        return ", no other loose end"
    if rest and h0 and rest[0][1] and f"{d0:.3f}" == f"{rest[0][0]:.3f}":
        hs = sorted({h0, rest[0][1]})
        return (f", gap {d0:.3f} mm from each end to the nearest loose end (entit"
                f"{'y' if len(hs) == 1 else 'ies'} {' and '.join(hs)})")

    def whose(h: str | None) -> str:
        return "its other end" if h is None else f"entity {h}'s"

    said = f", gap {d0:.3f} mm from the {w0} end to the nearest loose end ({whose(h0)})"
    for d, h, w in rest:
        said += f", {d:.3f} mm from the {w} ({whose(h)})"
    return said
