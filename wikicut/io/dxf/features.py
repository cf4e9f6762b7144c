"""What belongs to which part: pockets, engravings, drills and labels, each given to the
part whose outline holds it."""

from __future__ import annotations

import shapely
from shapely.geometry import LineString, Polygon

from ...errors import InputError
from ...model import Drill, Engraving, Pocket
from .containment import even_odd
from .contours import SLIVER_WIDTH
from .drawing import Label, Piece
from .drawn import DrawnPart
from .layers import names_label, on_back

__all__ = ["Owners", "add_drills", "add_engravings", "add_labels", "add_pockets"]


class Owners:
    """Which part a pocket, engraving, drill or label belongs to (an STRtree of outlines)."""

    def __init__(self, parts: list[DrawnPart], shown: str):
        self.parts, self.shown = parts, shown
        self.shells = [Polygon(rp.outline.exterior) for rp in parts]
        self.tree = shapely.STRtree(self.shells)

    def near(self, geom) -> bool:
        return len(self.tree.query(geom, predicate="dwithin", distance=SLIVER_WIDTH)) > 0

    def smallest(self, geom, predicate: str, keep=None) -> DrawnPart | None:
        """The smallest part whose outline satisfies `predicate` for geom (and `keep`)."""
        hits = [int(i) for i in self.tree.query(geom, predicate=predicate)
                if keep is None or keep(int(i))]
        if not hits:
            return None
        return self.parts[min(hits, key=lambda i: (self.shells[i].area, i))]

    def owner(self, geom, p: Piece, what: str) -> tuple[DrawnPart | None, list]:
        """The part that holds most of `geom`, and geom clipped to that part's outline:
        pockets and engravings drawn over a part's edge (hinge recesses in the MicroHouse
        doors) are cut only where there is material; beyond the edge is air."""
        size = shapely.length if isinstance(geom, LineString) else shapely.area
        best, best_key, best_clip = None, None, None
        for i in sorted(int(k) for k in self.tree.query(geom, predicate="intersects")):
            clip = shapely.intersection(geom, self.shells[i])
            key = (round(float(size(clip)), 6), -self.shells[i].area)
            if key[0] > 0 and (best_key is None or key > best_key):
                best, best_key, best_clip = i, key, clip
        if best is None:
            if self.near(geom):
                return None, []  # drawn wholly beside a part's edge: air, nothing to cut
            if p.op.back:  # a back view drawn beside the parts
                raise InputError(on_back(what, p.where, p.layer), self.shown)
            raise InputError(f"{what} {p.where} is not inside any part outline", self.shown)
        kind = LineString if isinstance(geom, LineString) else Polygon
        pieces = [g for g in shapely.get_parts(best_clip) if isinstance(g, kind)]
        if kind is LineString and len(pieces) > 1:
            pieces = list(shapely.get_parts(shapely.line_merge(shapely.multilinestrings(pieces))))
        return self.parts[best], [g for g in pieces if size(g) > 0]


def add_pockets(owners: Owners, pockets: list[tuple[Piece, Polygon]]) -> None:
    """Pockets of one depth drawn inside each other are one pocket with islands."""
    for group in _group_by_depth(pockets):
        for shell, islands in even_odd([poly for _p, poly in group]):
            p, poly = group[shell]
            shape = Polygon(poly.exterior, list(poly.interiors)
                            + [group[j][1].exterior for j in islands])
            rp, clipped = owners.owner(shape, p, "pocket")
            for g in clipped:
                if g.area >= 1e-3:
                    rp.pockets.append(Pocket(g, float(p.op.depth)))  # type: ignore[union-attr]
                    rp.pocket_from.append(p)  # type: ignore[union-attr]


def add_engravings(owners: Owners, engravings: list[tuple[Piece, LineString]]) -> list[Piece]:
    """An engraving is cut on the part that holds most of it, only where there is material;
    a layer without a depth engraves 1 mm deep. One on a layer named for labels is the
    part's label (Engraving.label). Those on a layer named for letters (LayerOp.lettering)
    that touch no part are not cut: returned, for the caller to say so."""
    off: list[Piece] = []
    for p, line in engravings:
        if p.op.lettering and not len(owners.tree.query(line, predicate="intersects")):
            off.append(p)  # a title, a sheet's notes or a frame drawn as lines
            continue
        depth = p.op.depth if p.op.depth is not None else 1.0
        label = names_label(p.layer)
        rp, clipped = owners.owner(line, p, "engraving")
        for g in clipped:
            rp.engravings.append(Engraving(g, float(depth), label))  # type: ignore[union-attr]
            rp.engraving_from.append(p)  # type: ignore[union-attr]
    return off


def add_drills(owners: Owners, drills: list[Piece]) -> None:
    """A drill belongs to the smallest part its centre lies in: a hole on no part is refused."""
    for p in drills:
        cx, cy, r = p.circle  # type: ignore[misc]
        rp = owners.smallest(shapely.Point(cx, cy), "within")
        if rp is None:
            raise InputError(on_back("drill", p.where, p.layer) if p.op.back else
                             f"drill {p.where} is not inside any part outline", owners.shown)
        rp.drills.append(Drill(cx, cy, 2 * r, p.op.depth))
        rp.drill_from.append(p)


def add_labels(owners: Owners, labels: list[Label]) -> None:
    """A label belongs to the part whose material it sits on, not to a part cut out of it."""
    material = [rp.outline.difference(shapely.union_all(rp.cutouts)) if rp.cutouts
                else rp.outline for rp in owners.parts]
    for lab in labels:
        pt = shapely.Point(lab.x, lab.y)
        rp = owners.smallest(pt, "covered_by", keep=lambda i, pt=pt: material[i].covers(pt))
        if rp is not None and rp.label is None:
            rp.label = lab


def _group_by_depth(items: list[tuple[Piece, Polygon]]) -> list[list[tuple[Piece, Polygon]]]:
    groups: dict[float, list[tuple[Piece, Polygon]]] = {}
    for it in items:
        groups.setdefault(float(it[0].op.depth), []).append(it)  # type: ignore[arg-type]
    return [groups[k] for k in sorted(groups)]
