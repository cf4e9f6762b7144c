"""The offcuts a layout leaves: each sheet's material less its parts and the cuts around
them, opened by `min_width`, kept as the job's remnants.toml (and in the inventory)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import shapely
from shapely import Geometry, affinity
from shapely.geometry import Polygon

from ...model import Layout, SheetLayout, Stock
from .files import RemnantFile, remnants_text
from .inventory import InventoryIds, inventory_update
from .rules import RemnantRules

QUAD_SEGS = 8
# the chords of a polygonal buffer cut inside the true arc (a fillet's chord spans up to 1.5
# quanta of pi / 2 / QUAD_SEGS): grown by this much, the cut around a part is covered
ARC_GROW = 1.0 / math.cos(3.0 * math.pi / (8 * QUAD_SEGS))
# a piece's coordinates are written to 0.001 mm: the next job's margin keeps parts far
# further from its edges than that rounding moves them
PRECISION = 0.001


def remnant_pieces(sheet: SheetLayout, clearance: float, rules: RemnantRules,
                   taken: Geometry | None = None) -> list[Polygon]:
    """The usable pieces of material a sheet leaves, in sheet coordinates: its material
    (the box, or an offcut's outline; a strip only up to its used length, the rest of the
    roll stays a roll) less every part grown by `clearance` (the cut around it), the
    keep-outs and what its program `taken` besides (cuts.cut_away: lead arcs, screw
    holes), opened by `min_width` (no strip narrower survives), pieces of `min_area_m2`
    at least, largest first."""
    st = sheet.stock
    length = sheet.used_length if st.strip and sheet.used_length else st.width
    shape = st.outline if st.outline is not None else shapely.box(0.0, 0.0, length, st.height)
    grow = clearance * ARC_GROW
    gone = [p.placed().outline.buffer(grow, quad_segs=QUAD_SEGS) for p in sheet.placements]
    gone += list(st.keepouts)
    if taken is not None:
        gone.append(taken)
    free = shape.difference(shapely.union_all(gone)) if gone else shape
    # the squares' sweeps leave points along straight edges: only those are simplified off
    opened = shapely.simplify(_opened(free, rules.min_width / 2).intersection(free), 0.0)
    out = []
    for p in shapely.get_parts(opened):
        if p.geom_type != "Polygon":
            continue
        x0, y0, x1, y1 = p.bounds
        if p.area >= rules.min_area_m2 * 1e6 and min(x1 - x0, y1 - y0) >= rules.min_width - 1e-6:
            out.append(p)
    out.sort(key=lambda p: (-round(p.area, 3), p.bounds))
    return out


def _opened(free: Geometry, r: float) -> Geometry:
    """`free` opened by a square 2r wide, sides along x and y: the union of every such
    square inside it. A strip narrower than 2r holds none, whatever its slant, and
    nothing grows where free does not reach (a mitred offset, shrunk and grown back,
    grows spikes out of slanted edges and keeps strips a little narrower); a rectangle,
    and a slanted edge a square reaches along, are kept whole (a round opening would
    round every corner off)."""
    if free.is_empty:
        return free
    eroded = free.difference(_swept_edges(free, r))
    if eroded.is_empty:
        return eroded
    return shapely.union_all([eroded, _swept_edges(eroded, r)])


def _swept_edges(geom: Geometry, r: float) -> Geometry:
    """The edges of every ring of `geom` swept by the square [-r, r] x [-r, r]: each edge's
    sweep is the hull of its two ends moved to the square's four corners."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    ends = np.concatenate([np.stack([c[:-1], c[1:]], axis=1) for c in
                           (shapely.get_coordinates(ring) for ring in rings)])
    corners = np.array([[-r, -r], [r, -r], [r, r], [-r, r]])
    pts = (ends[:, :, None, :] + corners[None, None, :, :]).reshape(-1, 8, 2)
    return shapely.union_all(shapely.convex_hull(shapely.multipoints(pts)))


def _as_stock(piece: Polygon, sheet: SheetLayout, rules: RemnantRules, rid: str) -> Stock:
    """A piece as a sheet in its own frame (lower-left bound at 0, 0); rectangular pieces
    carry no outline."""
    st = sheet.stock
    x0, y0 = piece.bounds[:2]
    local = shapely.set_precision(affinity.translate(piece, -x0, -y0), PRECISION)
    if local.geom_type != "Polygon":  # rounding split it: its largest part
        local = max(shapely.get_parts(local), key=lambda g: g.area)
    w, h = (round(v, 3) for v in local.bounds[2:])
    rect = abs(local.area - w * h) <= 1e-9 * w * h + 1e-6
    margin = st.margin if rules.margin is None else rules.margin
    margin = min(margin, max(0.0, min(w, h) / 2 - 1.0))  # as a job's sheet must leave room
    return Stock(width=w, height=h, thickness=st.thickness, margin=margin,
                 material=st.material, count=1, outline=None if rect else local,
                 remnant=rid, name=f"Remnant {rid}")


def find_remnants(layout: Layout, clearance: float, rules: RemnantRules,
                  ids: Callable[[int, int], str], taken: Sequence[Geometry] = ()
                  ) -> list[tuple[int, Stock]]:
    """Every sheet's usable remnants as (sheet index, Stock), named by `ids(sheet, k)`;
    `taken`: what each sheet's program cuts besides its parts, in sheet order (none
    without programs)."""
    out = []
    for n, sheet in enumerate(layout.sheets):
        more = taken[n] if taken else None
        for k, piece in enumerate(remnant_pieces(sheet, clearance, rules, more), 1):
            out.append((sheet.index, _as_stock(piece, sheet, rules, ids(sheet.index, k))))
    return out


def remnant_outputs(job_name: str, layout: Layout, rules: RemnantRules,
                    inventory: RemnantFile | None, clearance: float,
                    taken: Sequence[Geometry] = ()) -> tuple[str, str | None]:
    """The job's remnants.toml and, with an inventory, the inventory's new text. Without
    one, ids are the job's name, the sheet and the piece (`house-002-1`); with one, the
    inventory's next ids (`R0007`), never given out twice. `taken` as find_remnants'."""
    from ..staging import safe_name

    if inventory is None:
        stem = safe_name(job_name)
        found = find_remnants(layout, clearance, rules, lambda s, k: f"{stem}-{s:03d}-{k}",
                              taken)
    else:
        ids = InventoryIds(inventory)
        found = find_remnants(layout, clearance, rules, ids, taken)
    text = remnants_text([(st, f"{job_name} sheet {k}") for k, st in found])
    if inventory is None:
        return text, None
    return text, inventory_update(inventory, layout, found, job_name, ids.next)


def summary(layout: Layout, written: Path, inventory: RemnantFile | None) -> str:
    """One line for the terminal: the remnants cut, and those kept (where)."""
    used = [s.stock.remnant for s in layout.sheets if s.stock.remnant]
    kept = [s.get("id", "") for s in tomllib.loads(written.read_text(encoding="utf-8"))
            .get("sheet", [])]
    where = written.name + (f" and the inventory {inventory.path}" if inventory else "")
    return (f"remnants: cut on {', '.join(used) if used else 'none'}; {len(kept)} kept"
            + (f" ({', '.join(kept[:8])}{' ...' if len(kept) > 8 else ''})" if kept else "")
            + f" in {where}")
