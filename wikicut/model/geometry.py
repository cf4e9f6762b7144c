"""Geometry: parts, stock sheets and layouts, in mm.

A part's `outline` is a shapely Polygon: its exterior is cut outside (the part), its interiors
are through-holes and slots cut inside. Pockets, drills and engravings sit inside the outline.
Placing a part = mirror it (only where the job allows it: x -> -x about the part's own
origin, the part turned face down about its vertical axis), rotate about the origin by
`rotation` degrees counter-clockwise, then translate by (x, y): sheet coordinates with the
sheet's lower-left corner at (0, 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon


@dataclass(frozen=True)
class Pocket:
    """An area cleared to `depth` mm below the stock top (islands allowed as interiors)."""

    shape: Polygon
    depth: float


@dataclass(frozen=True)
class Drill:
    """A drilled hole at (x, y); depth None means through the stock."""

    x: float
    y: float
    diameter: float
    depth: float | None = None


@dataclass(frozen=True)
class Engraving:
    """A single-stroke line routed `depth` mm deep (markings, WikiHouse 1mmDEEP layers).
    `label`: a stroke of the part's name as its drawing engraves it (a layer named LABELS,
    WikiHouse's `1_ANYTOOL_1MMDEEP_LABELS_S...`): the part then has its label, and wikicut
    engraves none of its own on it (two names, two spellings, on one part)."""

    path: LineString
    depth: float = 1.0
    label: bool = False


@dataclass(frozen=True)
class Part:
    """One part: the outline with holes plus pockets, drills, engravings and a label."""

    name: str
    outline: Polygon
    pockets: tuple[Pocket, ...] = ()
    drills: tuple[Drill, ...] = ()
    engravings: tuple[Engraving, ...] = ()
    label: str = ""
    source: str = ""
    label_at: tuple[float, float] | None = None  # where the label goes; None = inside, chosen
    label_height: float = 25.0
    slots_fitted: int = 0  # a DXF part's slots fitted to the stock's thickness (io/dxf/fitting)

    @property
    def area(self) -> float:
        return float(self.outline.area)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(self.outline.bounds)  # type: ignore[return-value]

    @property
    def text(self) -> str:
        """The label text shown and engraved: the label, or the part's name."""
        return self.label or self.name

    @property
    def engraves_label(self) -> bool:
        """Whether the part's drawing engraves its label itself (Engraving.label)."""
        return any(e.label for e in self.engravings)

    def transformed(self, rotation: float, dx: float, dy: float, mirrored: bool = False
                    ) -> Part:
        """This part (mirrored x -> -x first, with `mirrored`) rotated about the origin
        (degrees CCW) and then moved by (dx, dy). A mirrored outline's rings run the other
        way round: the planner orients every loop itself, so climb stays climb. A label
        anchor is moved with the part; its text is laid out readable where it lands."""

        def tr(g):
            if mirrored:
                g = affinity.scale(g, -1.0, 1.0, origin=(0.0, 0.0))
            if rotation % 360:
                g = affinity.rotate(g, rotation, origin=(0.0, 0.0))
            if dx or dy:
                g = affinity.translate(g, dx, dy)
            return g

        def tr_pt(x: float, y: float) -> tuple[float, float]:
            p = tr(shapely.Point(x, y))
            return (p.x, p.y)

        return replace(
            self,
            outline=tr(self.outline),
            pockets=tuple(Pocket(tr(p.shape), p.depth) for p in self.pockets),
            drills=tuple(Drill(*tr_pt(d.x, d.y), d.diameter, d.depth) for d in self.drills),
            engravings=tuple(replace(e, path=tr(e.path)) for e in self.engravings),
            label_at=None if self.label_at is None else tr_pt(*self.label_at),
        )

    def one_sided(self, thickness: float) -> str:
        """Why this part cannot be cut mirrored (face down), or "" when it can: a pocket, a
        blind drill or an engraving is machined into one face, and mirrored it would be
        cut into the other. Through cuts (the outline, its holes, through drills) are the
        same from either face. A label is no reason: it names the part on the face cut."""
        if self.pockets:
            return f"it has {len(self.pockets)} pocket(s), cut into one face"
        blind = [d for d in self.drills if d.depth is not None and d.depth < thickness - 1e-9]
        if blind:
            d = blind[0]
            return (f"its drill at ({d.x:g}, {d.y:g}) is {d.depth:g} mm deep, not through"
                    f" the {thickness:g} mm stock")
        if self.engravings:
            return f"it has {len(self.engravings)} engraving(s), cut into one face"
        return ""

    def label_anchor(self) -> tuple[float, float]:
        """A point inside the part for its label (a point on the surface, not the centroid,
        which can fall outside an L-shaped part)."""
        if self.label_at is not None:
            return self.label_at
        p = self.outline.point_on_surface()
        return (p.x, p.y)


@dataclass(frozen=True)
class Stock:
    """A sheet type in stock: size, measured thickness, edge margin, how many, keep-outs."""

    width: float = 2440.0
    height: float = 1220.0
    thickness: float = 18.0
    margin: float = 15.0
    count: int | None = None  # None = as many as needed
    material: str = "Plywood"
    name: str = ""
    keepouts: tuple[Polygon, ...] = ()  # sheet coordinates: clamps, screws, damage
    price: float | None = None  # per sheet, for the cost summary
    strip: bool = False  # one sheet of this height, shortest length used
    # the nester's copy of a sheet that holds locked parts (cut anyway, so using it for the
    # other parts costs no sheet); never in a layout it returns
    locked: bool = False
    # an irregular sheet (an offcut): where the material is, within the width x height box,
    # sheet coordinates; None: the whole box
    outline: Polygon | None = None
    remnant: str = ""  # the id of the remnant this sheet is, in its inventory or file

    @property
    def usable(self) -> Polygon:
        """Where parts may go: the sheet less its margin and keep-out zones."""
        m = self.margin
        box = shapely.box(m, m, self.width - m, self.height - m)
        if self.outline is not None:
            box = box.intersection(self.inner)
        if self.keepouts:
            box = box.difference(shapely.union_all(list(self.keepouts)))
        return box

    @property
    def inner(self) -> Polygon:
        """The material less the margin along every edge, the outline's too (an offcut's
        sawn or routed edges are sheet edges like any other)."""
        shape = self.outline if self.outline is not None else shapely.box(
            0.0, 0.0, self.width, self.height)
        if self.margin <= 0:
            return shape
        return shape.buffer(-self.margin, join_style="mitre")

    @property
    def blocked(self) -> tuple[Polygon, ...]:
        """Where no part may go inside the box: the keep-outs and, on an irregular sheet,
        everything off its material (the nester rasterises both as taken cells)."""
        if self.outline is None:
            return self.keepouts
        off = shapely.box(0.0, 0.0, self.width, self.height).difference(self.inner)
        return (*self.keepouts, off) if not off.is_empty else self.keepouts

    @property
    def label(self) -> str:
        return self.name or f"{self.material} {self.width:.7g}x{self.height:.7g}x{self.thickness:g}"


@dataclass(frozen=True)
class Placement:
    """One instance of a part on a sheet."""

    instance: str  # unique id in the job, e.g. "wall-rib#3"
    part: Part  # as designed (not moved)
    x: float
    y: float
    rotation: float = 0.0
    mirrored: bool = False  # cut face down: mirrored x -> -x before the rotation

    def placed(self) -> Part:
        """The part in sheet coordinates."""
        return self.part.transformed(self.rotation, self.x, self.y, self.mirrored)


@dataclass
class SheetLayout:
    """One sheet of a layout: which stock, which parts where."""

    index: int  # 1-based, as in sheet-001
    stock: Stock
    placements: list[Placement] = field(default_factory=list)
    used_length: float | None = None  # strip mode: the length actually used

    @property
    def stem(self) -> str:
        """The file name of this sheet's outputs without extension: sheet-001 ..."""
        return sheet_stem(self.index)

    @property
    def area(self) -> float:
        """The material this sheet counts for: the strip's used length in strip mode, an
        offcut's outline (not its box: a job on an L-shaped remnant used half of what it
        had, not a seventh), else the whole sheet."""
        if self.used_length:
            return self.used_length * self.stock.height
        if self.stock.outline is not None:
            return float(self.stock.outline.area)
        return self.stock.width * self.stock.height

    @property
    def utilisation(self) -> float:
        """Part area over the sheet's material (`area`)."""
        area = self.area
        return sum(p.part.area for p in self.placements) / area if area > 0 else 0.0


def sheet_stem(index: int) -> str:
    """sheet-001, sheet-002 ...: every output of a sheet is named so (programs, DXF, SVG)."""
    return f"sheet-{index:03d}"


def sheets_text(indices: list[int]) -> str:
    """Sheet numbers as runs: "3-30, 32"."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def strip_length(stock: Stock, placements: list[Placement]) -> float:
    """The length of a strip its placed parts use: their right-most extent plus the margin
    (never beyond the strip)."""
    right = max(float(shapely.bounds(p.placed().outline)[2]) for p in placements)
    return min(stock.width, right + stock.margin)


@dataclass
class Layout:
    sheets: list[SheetLayout]
    unplaced: list[str] = field(default_factory=list)  # instance ids that found no room
    # fillers (NestItem.filler): those placed and those left out (which is no fault)
    fillers: list[str] = field(default_factory=list)
    fillers_left: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)  # instance ids placed by their lock
