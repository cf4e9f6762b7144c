"""What a program's cutting moves sweep: each move's centre line, and the area a tool of
its radius sweeps along it, built only near the geometry asked about."""

from __future__ import annotations

import numpy as np
import shapely


def _hulls(lines: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """A polygon round each segment's sweep, which the tree tests against a prepared
    geometry before the exact test (the tree's own "dwithin" is not prepared: twice as slow
    on a house): round a line the rectangle its radius each side and beyond each end, round
    a point the square; each 1e-6 mm wider, far beyond any rounding of its corners. A
    diagonal chord's box would reach across a part's edge where its sweep stops short."""
    radii = np.asarray(radii, np.float64) + 1e-6
    if not len(lines):
        return np.zeros(0, dtype=object)
    b = shapely.bounds(lines)
    out = shapely.box(b[:, 0] - radii, b[:, 1] - radii, b[:, 2] + radii, b[:, 3] + radii)
    two = (shapely.get_type_id(lines) == 1) & (shapely.get_num_coordinates(lines) == 2)
    if two.any():
        xy = shapely.get_coordinates(lines[two]).reshape(-1, 2, 2)
        p, q, r = xy[:, 0], xy[:, 1], radii[two][:, None]
        along = (q - p) / np.hypot(*(q - p).T)[:, None]  # a line's two ends differ
        across = along[:, ::-1] * (-1.0, 1.0)
        a, c = p - along * r, q + along * r
        out[two] = shapely.polygons(np.stack([a + across * r, c + across * r, c - across * r,
                                              a - across * r, a + across * r], axis=1))
    return out


def centre_lines(xy: np.ndarray) -> np.ndarray:
    """Each segment's centre line ((n, 2, 2) ends): a line, or a point where it does not
    move in X and Y (a plunge)."""
    out = np.empty(xy.shape[0], dtype=object)
    moving = np.any(xy[:, 0] != xy[:, 1], axis=1)
    if moving.any():
        out[moving] = shapely.linestrings(xy[moving])
    if (~moving).any():
        out[~moving] = shapely.points(xy[~moving, 0])
    return out


class Boxes:
    """A tree of cutting segments `used` of a sheet, each by a polygon round its sweep at
    `radii` (_hulls), that several sets of them (Swept) query: one tree a sheet, not one a
    set of its 50,000 segments."""

    def __init__(self, lines: np.ndarray, radii: np.ndarray, used: np.ndarray):
        self.index = np.flatnonzero(used)  # the tree's polygons, by their segment
        self.tree = shapely.STRtree(_hulls(lines[self.index], radii[self.index]))


class Swept:
    """The area swept by a set of cutting segments (each buffered by its radius), made only
    near the geometry asked about."""

    def __init__(self, lines: np.ndarray, radius, shared: tuple[Boxes, np.ndarray] | None = None):
        """`shared`: a sheet's Boxes, each at least as wide as these segments' sweeps, and
        which of the sheet's segments these are (their tree is that one)."""
        self.lines = lines
        self.radii = np.broadcast_to(np.asarray(radius, np.float64), (len(lines),))
        self.bounds = shapely.bounds(lines) if len(lines) else np.zeros((0, 4))
        self.mine = None  # the tree's polygons, by their segment here (-1: not one of these)
        if shared is None:
            self.tree = shapely.STRtree(_hulls(lines, self.radii))
        else:
            boxes, mask = shared
            self.tree = boxes.tree
            self.mine = np.where(mask, np.cumsum(mask) - 1, -1)[boxes.index]

    def query(self, geom, clear: np.ndarray | None = None) -> np.ndarray:
        """The segments whose sweep reaches `geom`, in program order. `clear`: discs (rows of
        x, y, radius) `geom` has no point in: a segment swept wholly inside one cannot reach
        it and is left out before the exact test (a drill's hundreds of helix chords in its
        hole, 7 us each against a part's material: a second a house)."""
        if not len(self.lines):
            return np.zeros(0, np.int64)
        idx = self.tree.query(geom, predicate="intersects")
        if self.mine is not None:  # a box wider than the sweep: the exact test decides
            idx = self.mine[idx]
            idx = idx[idx >= 0]
        if clear is not None and len(clear) and len(idx):
            idx = idx[~self._inside(idx, np.asarray(clear, np.float64).reshape(-1, 3))]
        shapely.prepare(geom)  # used only as dwithin's first argument: half the time on a
        # MicroHouse part's 8,000 vertices (its facets indexed once, not once a segment)
        idx = idx[shapely.dwithin(geom, self.lines[idx], self.radii[idx])]
        return np.sort(idx)

    def _inside(self, idx: np.ndarray, discs: np.ndarray) -> np.ndarray:
        """Whether each segment `idx`, swept by its radius, lies inside one of the open
        `discs`: its box's corner farthest from the centre plus its radius short of the
        disc's radius."""
        b, r = self.bounds[idx], self.radii[idx]
        out = np.zeros(len(idx), bool)
        for x, y, rad in discs.tolist():
            dx = np.maximum(np.abs(b[:, 0] - x), np.abs(b[:, 2] - x))
            dy = np.maximum(np.abs(b[:, 1] - y), np.abs(b[:, 3] - y))
            out |= np.hypot(dx, dy) + r < rad
        return out

    def near(self, geom):
        idx = self.query(geom)
        return swept_area(self.lines[idx], self.radii[idx])

    def hits(self, idx: np.ndarray, material):
        """Where the segments `idx` sweep `material(radius)`, the material a tool of that
        radius must leave: each tool's cuts judged by its own zones."""
        rad = self.radii[idx]
        found = []
        for r in np.unique(rad).tolist():
            mine = idx[rad == r]
            keep = material(r)
            if keep.is_empty:
                continue
            swept = swept_area(self.lines[mine], self.radii[mine])
            found.append(swept.intersection(keep))
        return shapely.union_all(found) if found else shapely.Polygon()


def swept_area(lines: np.ndarray, radii: np.ndarray):
    """The union of each segment (a line, or a point where the tool plunged) buffered by its
    radius. Segments of one radius are joined into polylines first: buffering a polyline is
    one pass, where the union of its segments' buffers took 17 times longer on a pocket's
    zigzag of 40,000 chords (the same area to 1e-10). A path cut in several passes gives the
    same polyline each pass: it is buffered and joined once (half the time of the union, the
    same area to 1e-11)."""
    radii = np.asarray(radii, np.float64)
    pieces = []
    for r in np.unique(radii).tolist():
        mine = lines[radii == r]
        dots = shapely.get_type_id(mine) == 0
        if (~dots).any():
            joined = shapely.line_merge(shapely.multilinestrings(mine[~dots]))
            pieces.append(shapely.buffer(_once(shapely.get_parts(joined)), r, quad_segs=8))
        if dots.any():
            pieces.append(shapely.buffer(_once(mine[dots]), r, quad_segs=8))
    if not pieces:
        return shapely.Polygon()
    return shapely.union_all(np.concatenate(pieces))


def _once(geoms: np.ndarray) -> np.ndarray:
    """The geometries less repeats of one before (the same coordinates), in order."""
    _, first = np.unique(shapely.to_wkb(geoms), return_index=True)
    return geoms[np.sort(first)] if len(first) < len(geoms) else geoms


def where(g) -> str:
    p = g.representative_point()
    return f"({p.x:.1f}, {p.y:.1f})"
