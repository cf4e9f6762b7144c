"""The sheet planner: a placed sheet of parts -> every operation, in cutting order."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from shapely.geometry import Polygon

from ..model import P3, Operation, Part, Placement, Profile, SheetLayout, SheetProgram
from .context import Context, Proofs, xy_text
from .drills import drill_op, pocket_drill
from .emit import Emitter
from .labels import engrave_op, label_strokes
from .loops import loop_op
from .offsets import for_direction, inside_loops, oriented, outside_loop
from .order import FEATURE_RANK, nesting_depth, tour
from .pockets import check_pocket_depth, pocket_op
from .safety import check_on_sheet, check_program, check_setup, measure

# one feature of a part: its kind, how to cut it (given an Emitter; returns tab centres or
# None) and where it starts, for the tour
Feature = tuple[str, Callable[[Emitter], list | None], tuple[float, float]]


def plan_sheet(sheet: SheetLayout, profile: Profile, proofs: Proofs | None = None
               ) -> SheetProgram:
    """All operations for a sheet in cutting order (sheet coordinates, mm, Z0 = stock top):
    inner features before each outline, parts inside other parts' holes first, parts in a
    short rapid tour. Refuses (UnsafeJobError) anything that cannot be cut safely. `proofs`
    carries the features proven cuttable from sheet to sheet of a job (see Proofs)."""
    ctx = Context(sheet, profile, proofs if proofs is not None else Proofs())
    check_setup(sheet, profile, ctx.through)
    placed = [pl.placed() for pl in sheet.placements]
    depth = nesting_depth([pp.outline for pp in placed])
    pos: P3 = (0.0, 0.0, profile.heights.clearance)
    ops: list[Operation] = []
    for level in sorted(set(depth), reverse=True):
        group = [k for k in range(len(placed)) if depth[k] == level]
        reps = [placed[k].outline.representative_point() for k in group]
        for gi in tour([(q.x, q.y) for q in reps], (pos[0], pos[1])):
            k = group[gi]
            ctx.part = placed[k]
            part_ops, pos = _part_operations(ctx, sheet.placements[k], placed[k], pos)
            ops += part_ops
    ctx.part = None
    program = SheetProgram(sheet, ops)
    check_program(program, profile, sheet)
    measure(program, profile)
    return program


def _part_operations(ctx: Context, pl: Placement, part: Part, pos: P3) -> tuple[
        list[Operation], P3]:
    """The operations of one placed part: labels and engravings, pockets, drills, holes, then
    the outline (which frees the part, so it must be last)."""
    p = ctx.profile
    check_on_sheet(ctx, part)
    features: list[Feature] = []
    for s in label_strokes(part, p):
        features.append(("label", _bind(engrave_op, ctx, s, p.engrave.depth), tuple(s[0])))
    for e in part.engravings:
        if e.depth > ctx.t + 1e-9 or e.depth <= 0:
            raise ctx.refuse(f"engraving {e.depth:g} mm deep at {xy_text(e.path.coords[0])} is"
                             f" not within the {ctx.t:g} mm stock")
        cut = _bind(engrave_op, ctx, np.asarray(e.path.coords), e.depth)
        features.append(("engrave", cut, tuple(e.path.coords[0])[:2]))
    for pk in part.pockets:
        c = pk.shape.representative_point()
        features.append(("pocket", _bind(_pocket, ctx, pk.shape, pk.depth), (c.x, c.y)))
    for d in part.drills:
        features.append(("drill", _bind(drill_op, ctx, d), (d.x, d.y)))
    for ring in part.outline.interiors:
        hole = Polygon(ring)
        loops = inside_loops(ctx, hole, "hole")
        c = hole.representative_point()
        features.append(("hole", _bind(loop_op, ctx, for_direction(loops[0], p), ctx.through,
                                       False), (c.x, c.y)))
    outline = for_direction(oriented(outside_loop(ctx, part.outline), ccw=False), p)
    ops: list[Operation] = []
    for rank in sorted(set(FEATURE_RANK.values())):
        group = [f for f in features if FEATURE_RANK[f[0]] == rank]
        for gi in tour([f[2] for f in group], (pos[0], pos[1])):
            kind, fn, _ = group[gi]
            em = Emitter(p, pos)
            tabs = fn(em) or []
            ops.append(Operation(pl.instance, kind, em.moves, list(tabs)))
            pos = em.pos
    em = Emitter(p, pos)
    tabs = loop_op(ctx, em, outline, ctx.through, tabs=True)
    ops.append(Operation(pl.instance, "outline", em.moves, tabs))
    return ops, em.pos


def _bind(fn, ctx: Context, *args) -> Callable[[Emitter], list | None]:
    """fn(ctx, em, *args) as a function of the Emitter alone."""
    return lambda em: fn(ctx, em, *args)


def _pocket(ctx: Context, em: Emitter, shape: Polygon, depth: float) -> None:
    """A pocket; one that is really a drilled hole (see pocket_drill) is drilled."""
    check_pocket_depth(ctx, shape, depth)
    drill = pocket_drill(shape, depth, ctx.profile)
    if drill is not None:
        drill_op(ctx, em, drill)
    else:
        pocket_op(ctx, em, shape, depth)

