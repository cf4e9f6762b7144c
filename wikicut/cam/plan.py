"""The sheet planner: a placed sheet of parts -> every operation, in cutting order, each cut
with a tool of the job's rack (see choose)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from shapely.geometry import GeometryCollection, Polygon, box

from ..errors import UnsafeJobError
from ..model import MIN_WEB, P3, Operation, Part, Placement, Profile, SheetLayout, SheetProgram
from ..model.tooling import Tooling, ToolSetting
from .choose import Chooser
from .common import CommonLines
from .common import enabled as common_on
from .context import Context, PlaceRefusal, Proofs, xy_text
from .depth import Track
from .drills import drill_op, pocket_drill, round_hole
from .emit import Emitter
from .grooves import SWEPT, Groove, Grooves, closed_in
from .holddown import place_screws
from .keepouts import lift_over_keepouts
from .labels import engrave_op, label_strokes
from .loops import loop_op
from .offsets import for_direction, inside_loops, oriented, outside_loop
from .order import FEATURE_RANK, MARKS, by_tool, nesting_depth, tour
from .pilots import pilot_ops, pilot_tool_first
from .pockets import check_pocket_depth, pocket_op
from .safety import check_on_sheet, check_program, check_screws, check_setup, measure
from .skin import NoRoom, no_room_refusal, onion, skin_depth, skin_note, skin_pass
from .slugs import HOLDS, Slug, SlugSkins, find_slugs, slug_hole
from .tabs import tab_centres, tabbed

# one feature of a part: its kind, how to cut it (given the tool's Context and an Emitter;
# returns tab centres or None), where it starts (for the tour), how deep it goes and, for a
# round hole, its diameter (a drill may make it), and its shape (a tool's refusal of it is
# remembered by shape)
Cut = Callable[[Context, Emitter], list | None]
Feature = tuple[str, Cut, tuple[float, float], float, float | None, object]


def plan_sheet(sheet: SheetLayout, profile: Profile, proofs: Proofs | None = None,
               tooling: Tooling | None = None) -> SheetProgram:
    """All operations for a sheet in cutting order (sheet coordinates, mm, Z0 = stock top):
    inner features before each outline, parts inside other parts' holes first, parts in a
    short rapid tour. Refuses (UnsafeJobError) anything that cannot be cut safely. `proofs`
    carries the features proven cuttable from sheet to sheet of a job (see Proofs);
    `tooling` the job's rack (None: the profile's one tool). With more than one tool, every
    operation names its tool and the sheet is cut tool by tool (order.by_tool). Common lines
    (cam/common.py) that leave anything out are kept only where they also make the program
    quicker than the sheet cut plain (as it lies, tabs off the grooves round the neighbours):
    it then records what they saved against that plain program. Short shared stretches can
    cost more in entries and rapids than they save in cut; such a sheet is cut plain, its
    parts where the nest put them, and records nothing saved."""
    program, saved = _plan(sheet, profile, proofs, tooling, True, True)
    if saved <= 0:
        return program
    try:
        plain, _ = _plan(sheet, profile, proofs, tooling, True, False)
    except UnsafeJobError:
        # a part only the common lines' skins can hold: they stay, and what they saved is
        # judged against the parts cut as if each were alone (their own tabs)
        other, _ = _plan(sheet, profile, proofs, tooling, False, False)
    else:
        # the plain cut keeps a part with no room for tabs on a skin, taken off in a final
        # pass: that can make it the slower after all
        if plain.est_seconds <= program.est_seconds:
            return plain
        other = plain
    if other.est_seconds > program.est_seconds:
        program.common_line = (round(other.cut_length - program.cut_length, 3),
                               round(other.est_seconds - program.est_seconds, 1))
    return program


def _plan(sheet: SheetLayout, profile: Profile, proofs: Proofs | None,
          tooling: Tooling | None, grooves: bool, shared: bool
          ) -> tuple[SheetProgram, float]:
    """plan_sheet's program, with tabs off the grooves round the neighbours (`grooves`) and
    common lines where asked and `shared`, and the tool-centre length they left out."""
    tooling = tooling if tooling is not None else Tooling((ToolSetting(profile),))
    placed = [pl.placed() for pl in sheet.placements]
    # without `grooves` the sheet is only measured (plan_sheet), with its parts one tool
    # apart: its tabs are placed as if each part were alone, as the saving is judged where
    # the sheet cannot be cut plain
    chooser = Chooser(sheet, tooling, proofs if proofs is not None else Proofs(),
                      placed if grooves else ())
    main = chooser.main
    check_setup(sheet, main.profile, chooser.through)
    slugs = find_slugs(sheet, placed)  # holes holding parts: they hold their slugs
    if grooves and tabbed(main.profile):
        chooser.grooves = _grooves(chooser, sheet, placed, slugs)
    depth = nesting_depth([pp.outline for pp in placed])
    pos: P3 = (0.0, 0.0, main.profile.heights.clearance)
    common = (CommonLines(chooser.context(main)) if shared and common_on(main.profile)
              else None)
    held = NoRoom(main.profile)  # parts held by a skin for want of room for tabs
    skins = SlugSkins()
    # with a rack, a part's labels and engravings are cut with a tool the sheet's other
    # features use (see Chooser.candidates), never with one of their own: first planned with
    # the main tool, in line; then, if the sheet uses a finer tool anyway, again with that one
    chooser.sheet_tools = frozenset({main.number})
    by_part: list[tuple[int, int, P3, list[Operation]]] = []  # part, level, start, ops
    for level in sorted(set(depth), reverse=True):
        group = [k for k in range(len(placed)) if depth[k] == level]
        reps = [placed[k].outline.representative_point() for k in group]
        order = [group[gi] for gi in tour([(q.x, q.y) for q in reps], (pos[0], pos[1]))]
        if common is not None:  # parts held by a skin first (see CommonLines.outline)
            order = [order[i] for i in common.plan_group(
                [sheet.placements[k].instance for k in order],
                [partial(_main_loop, chooser, placed[k]) for k in order],
                [placed[k].outline.exterior.length for k in order])]
        elif chooser.grooves is not None:
            order = _held_first(chooser, placed, order)
        for k in order:
            chooser.part = placed[k]
            start = pos
            part_ops, pos = _part_operations(chooser, sheet.placements[k], placed[k], pos,
                                             common, held, slugs, skins)
            by_part.append((k, level, start, part_ops))
    chooser.part = None
    screws = place_screws(sheet, main.profile)
    # pilots first, from where the machine stands; the parts' cuts are planned as if from
    # there too (the writer's stop after the pilots lifts the tool to clearance anyway)
    pilots = pilot_ops(chooser, screws, (0.0, 0.0, main.profile.heights.clearance))
    if not tooling.single:
        chooser.sheet_tools = frozenset(op.tool for op in pilots + [
            o for _, _, _, part_ops in by_part for o in part_ops] if op.kind not in MARKS)
        if not all(chooser.marks_tool_ok(o) for _, _, _, part_ops in by_part
                   for o in part_ops if o.kind in MARKS):
            again = []
            for k, level, start, part_ops in by_part:
                chooser.part = placed[k]
                marks, _ = _marks(chooser, sheet.placements[k], placed[k], start)
                again.append((k, level, start,
                              marks + [o for o in part_ops if o.kind not in MARKS]))
            by_part = again
            chooser.part = None
    ops = [o for _, _, _, part_ops in by_part for o in part_ops]
    level_of = [level for _, level, _, part_ops in by_part for _ in part_ops]
    by_instance = {pl.instance: pp for pl, pp in zip(sheet.placements, placed)}
    skinned = common if common is not None and common.skinned else None
    notes = tuple(n for n in (skin_note(main.profile) if onion(main.profile) else None,
                              skinned.skin_note() if skinned else None, held.note())
                  if n) + _lead_notes(ops, held) + _label_notes(chooser, sheet, ops)
    if tooling.single:
        ops += _skin_ops(chooser, ops, by_instance, skinned, held, skins)
        notes += (skins.note(),) if skins.left else ()
        program = SheetProgram(sheet, pilots + ops, screws=screws, notes=notes)
        lift_over_keepouts(program, main.profile)
        check_program(program, main.profile, sheet)
        check_screws(program, main.profile)
    else:
        phase = pilot_tool_first(chooser.phase_key, pilots[0].tool) if pilots else (
            chooser.phase_key)
        ops = by_tool(ops, level_of, phase)
        ops = pilots + ops + _skin_ops(chooser, ops, by_instance, skinned, held, skins)
        notes += (skins.note(),) if skins.left else ()
        used = list(dict.fromkeys(op.tool for op in ops))
        program = SheetProgram(sheet, ops, tools=tuple(chooser.use(n, ops) for n in used),
                               screws=screws, notes=notes)
        lift_over_keepouts(program, main.profile)
        for n in used:
            alone = SheetProgram(sheet, [op for op in ops if op.tool == n], screws=screws)
            check_program(alone, tooling.tool(n).profile, sheet)
            check_screws(alone, tooling.tool(n).profile)
    measure(program, main.profile)
    return program, common.saved if common is not None else 0.0


def _part_operations(ch: Chooser, pl: Placement, part: Part, pos: P3,
                     common: CommonLines | None, held: NoRoom,
                     slugs: dict[tuple[str, int], Slug], skins: SlugSkins
                     ) -> tuple[list[Operation], P3]:
    """The operations of one placed part: labels and engravings, pockets, drills, holes (one
    holding parts holds their slug: `slugs`, cam/slugs.py), then the outline (which frees the
    part, so it must be last)."""
    check_on_sheet(ch.context(ch.main), part)
    features = _mark_features(ch, part) + _inside_features(ch, part, pl.instance, slugs, skins)
    ops, pos = _cut_features(ch, pl, features, pos)
    outline = (_bind(_outline, held) if common is None
               else _bind(_common_outline, common, held, pl.instance))
    op, pos = ch.cut(pl.instance, "outline", outline, ch.through, None, pos, part.outline)
    ops.append(op)
    return ops, pos


def _marks(ch: Chooser, pl: Placement, part: Part, pos: P3) -> tuple[list[Operation], P3]:
    """A part's labels and engravings alone (cut before its other features: in another
    tool's turn, order.by_tool regroups them)."""
    return _cut_features(ch, pl, _mark_features(ch, part), pos)


def _mark_features(ch: Chooser, part: Part) -> list[Feature]:
    """The label (placed for the tool that will engrave it) and the engravings."""
    t = ch.thickness
    features: list[Feature] = []
    label = ch.candidates("label", ch.main.profile.engrave.depth)
    if label:
        lp = label[0].profile
        for s in label_strokes(part, lp):
            features.append(("label", _bind(engrave_op, s, lp.engrave.depth), tuple(s[0]),
                             lp.engrave.depth, None, None))
    for e in part.engravings:
        if e.depth > t + 1e-9 or e.depth <= 0:
            raise ch.context(ch.main).refuse(
                f"engraving {e.depth:g} mm deep at {xy_text(e.path.coords[0])} is not within"
                f" the {t:g} mm stock")
        cut = _bind(engrave_op, np.asarray(e.path.coords), e.depth)
        features.append(("engrave", cut, tuple(e.path.coords[0])[:2], e.depth, None, None))
    return features


def _inside_features(ch: Chooser, part: Part, instance: str = "",
                     slugs: dict[tuple[str, int], Slug] | None = None,
                     skins: SlugSkins | None = None) -> list[Feature]:
    """Pockets, drills and holes."""
    features: list[Feature] = []
    for pk in part.pockets:
        c = pk.shape.representative_point()
        hole = round_hole(pk.shape)
        features.append(("pocket", _bind(_pocket, pk.shape, pk.depth), (c.x, c.y), pk.depth,
                         hole[2] if hole else None, GeometryCollection([part.outline, pk.shape])))
    for d in part.drills:
        deep = ch.through if d.depth is None else float(d.depth)
        features.append(("drill", _bind(drill_op, d), (d.x, d.y), deep, d.diameter, None))
    for i, ring in enumerate(part.outline.interiors):
        hole = Polygon(ring)
        c = hole.representative_point()
        slug = (slugs or {}).get((instance, i))
        cut = _bind(_hole, hole) if slug is None else _bind(_slug_hole, slug, skins)
        features.append(("hole", cut, (c.x, c.y), ch.through, None, hole))
    return features


def _cut_features(ch: Chooser, pl: Placement, features: list[Feature], pos: P3
                  ) -> tuple[list[Operation], P3]:
    """The features by rank (FEATURE_RANK), each rank in a short tour."""
    ops: list[Operation] = []
    for rank in sorted(set(FEATURE_RANK.values())):
        group = [f for f in features if FEATURE_RANK[f[0]] == rank]
        for gi in tour([f[2] for f in group], (pos[0], pos[1])):
            kind, fn, _, deep, dia, geom = group[gi]
            if kind == "pocket" and pocket_drill(geom.geoms[1], deep, ch.main.profile) is None:
                done, pos = ch.cut_pocket(pl.instance, fn, geom.geoms[1], deep, dia, pos, geom)
                ops += done
                continue
            op, pos = ch.cut(pl.instance, kind, fn, deep, dia, pos, geom)
            ops.append(op)
    return ops, pos


def _lead_notes(ops: list[Operation], held: NoRoom) -> tuple[str, ...]:
    """How many profile cuts had no room for their lead arcs (each says so in the program;
    an outline's comment may say only that it is held by a skin: `held`)."""
    short = sum(1 for op in ops if op.kind in ("outline", "hole") and any(
        n and n != held.comments.get(op.part) and not n.startswith(HOLDS)
        for n in op.note.split("; ")))
    cuts = sum(1 for op in ops if op.kind in ("outline", "hole"))
    return (f"lead arcs: {short} of {cuts} profile cuts without room for one (see their"
            f" comments)",) if short else ()


def _label_notes(ch: Chooser, sheet: SheetLayout, ops: list[Operation]) -> tuple[str, ...]:
    """What became of the parts' labels, said (never dropped without a word): the parts
    whose drawing engraves their own (a LABELS layer: wikicut adds none), those without
    room for theirs at the width of the tool that engraves them (the preview shows them
    grey), and all of them where no tool of the rack reaches the engraving depth."""
    own = [pl.instance for pl in sheet.placements if pl.part.engraves_label]
    notes = (f"drawn labels: {len(own)} of {len(sheet.placements)} parts engrave the label"
             f" their drawing gives (a LABELS layer), not wikicut's ({_some(own)})",
             ) if own else ()
    depth = ch.main.profile.engrave.depth
    left = [pl.instance for pl in sheet.placements if not pl.part.engraves_label]
    if not left or not ch.main.profile.engrave.labels:
        return notes
    label = ch.candidates("label", depth)
    if not label:
        return notes + (f"labels: none engraved: {ch.none_reaches('label', depth)}",)
    if not label[0].profile.engrave.labels:
        return notes
    done = {op.part for op in ops if op.kind == "label"}
    left = [i for i in left if i not in done]
    if not left:
        return notes
    return notes + (f"labels: {len(left)} of {len(sheet.placements)} parts without room for"
                    f" theirs at the engraving tool's width, not engraved ({_some(left)})",)


def _some(instances: list[str], most: int = 6) -> str:
    """The first `most` parts by id, and how many more."""
    more = f" and {len(instances) - most} more" if len(instances) > most else ""
    return ", ".join(instances[:most]) + more


def _bind(fn, *args) -> Cut:
    """fn(ctx, em, *args) as a function of the tool's Context and the Emitter."""
    return lambda ctx, em: fn(ctx, em, *args)


def _outline_loop(ctx: Context) -> np.ndarray:
    return for_direction(oriented(outside_loop(ctx, ctx.part.outline), ccw=False), ctx.profile)


def _outline(ctx: Context, em: Emitter, held: NoRoom) -> list:
    if onion(ctx.profile):  # held by a skin instead of tabs
        return loop_op(ctx, em, _outline_loop(ctx), skin_depth(ctx), tabs=False)
    loop = _outline_loop(ctx)
    avoid = _no_waste(ctx, loop)
    if not _no_room(ctx, loop, avoid):
        return loop_op(ctx, em, loop, ctx.through, tabs=True, avoid=avoid)
    _may_hold(ctx, loop)
    tabs = loop_op(ctx, em, loop, skin_depth(ctx), tabs=False)
    _hold(ctx, em, loop, held)
    return tabs


def _no_room(ctx: Context, loop: np.ndarray, avoid: list[tuple[float, float]]) -> bool:
    """Whether the grooves round the neighbours (`avoid`: _no_waste) leave an outline no room
    for the tabs it would have alone."""
    if not avoid:
        return False
    track, perimeter = Track(loop, closed=True), ctx.part.outline.exterior.length
    return (not tab_centres(track, ctx.profile, perimeter, avoid)
            and bool(tab_centres(track, ctx.profile, perimeter)))


def _may_hold(ctx: Context, loop: np.ndarray) -> None:
    """Refuse a part with no room for its tabs that no onion skin may hold instead."""
    if why := no_room_refusal(ctx):
        raise _no_tab_room(ctx, loop, why)


def _hold(ctx: Context, em: Emitter, loop: np.ndarray, held: NoRoom) -> None:
    """A part with no room for its tabs, cut down to the skin: recorded in `held` (its skin
    is taken off at the end of the sheet), and said at its outline."""
    others, near, _ = _neighbours(ctx, loop)
    comment = held.add(_instance(ctx), others, near)
    em.say_first(comment)


def _held_first(ch: Chooser, placed: list[Part], order: list[int]) -> list[int]:
    """One nesting level's parts in cutting order, those the grooves round their neighbours
    leave no room for tabs (held by a skin: _outline) first, as common lines order theirs: a
    part cut down to the skin while the stock round it is whole. Judged with the main tool's
    loop; a part another tool cuts keeps its place."""
    first = []
    for k in order:
        ch.part = placed[k]
        ctx = ch.context(ch.main)
        try:
            loop = _outline_loop(ctx)
        except UnsafeJobError:  # another tool cuts it (or nothing can: said when it is cut)
            continue
        if _no_room(ctx, loop, _no_waste(ctx, loop)):
            first.append(k)
    ch.part = None
    return first + [k for k in order if k not in first]


def _grooves(ch: Chooser, sheet: SheetLayout, placed: list[Part],
             slugs: dict[tuple[str, int], Slug]) -> Grooves:
    """Every groove the sheet's through cuts leave, round each part and in each of its
    holes, with the tool that will cut it (the first that makes its loop: Chooser.first_able)
    and so as wide as that tool: a part cut by a finer tool, or in a hole another tool cuts,
    is judged by its own groove. A feature no tool can cut has none (refused when cut). And
    the pieces of waste they close in (grooves.closed_in): each part grown by its groove, a
    hole holding parts (`slugs`) left open, shrunk by its own; a hole that holds none is cut
    out of the part, no waste. Keepouts are not cut: their material is the stock's."""
    out, grown, held, at_edge = [], [], [], []
    st = sheet.stock
    material = st.outline if st.outline is not None else box(0, 0, st.width, st.height)
    for pl, part in zip(sheet.placements, placed):
        ch.part = part
        got = ch.first_able("outline", ch.through, _outline_loop, part.outline)
        r = got[0].r if got is not None else 0.0
        if got is not None:
            out.append(Groove(pl.instance, np.asarray(part.outline.exterior.coords), r, True))
        if part.outline.distance(material.exterior) < 2 * r:
            at_edge.append(pl.instance)  # its groove runs off the stock: held as the sheet is
        body = Polygon(part.outline.exterior).buffer(2 * r + SWEPT)
        for i, ring in enumerate(part.outline.interiors):
            hole = Polygon(ring)
            got = ch.first_able("hole", ch.through, partial(_hole_loop, hole=hole), hole)
            if got is not None:
                out.append(Groove(pl.instance, np.asarray(ring.coords), got[0].r, False))
            if (pl.instance, i) in slugs:
                slug = hole.buffer(-(2 * got[0].r + SWEPT)) if got is not None else hole
                held.append(slug)
                body = body.difference(slug)
        grown.append(body)
    ch.part = None
    return Grooves(out, closed_in(material, grown, held), at_edge)


def _instance(ctx: Context) -> str:
    """The id of the part being cut."""
    return next(pl.instance for pl, q in zip(ctx.sheet.placements, ctx.placed)
                if q is ctx.part)


def _neighbours(ctx: Context, loop: np.ndarray) -> tuple[list[str], float, str]:
    """The parts whose grooves meet the current part's (`loop`), or close in the waste
    beyond it (Grooves.closing), the spacing that would leave waste between them (mm: both
    grooves and MIN_WEB of ply) and the grooves, said."""
    me = _instance(ctx)
    met = ctx.grooves.met_by(me, loop, ctx.r)
    met += [g for g in ctx.grooves.closing(me, loop, ctx.r) if g not in met]
    # none: its own groove closes in the waste beyond it (a notch's mouth it cuts away)
    others = list(dict.fromkeys(g.instance for g in met)) or [me]
    d, e = 2 * ctx.r, 2 * max((g.radius for g in met), default=ctx.r)
    grooves = (f"two {d:g} mm grooves" if abs(d - e) < 1e-9
               else f"a {d:g} mm and a {e:g} mm groove")
    return others, round(d + e + MIN_WEB, 6), f"{grooves} and {MIN_WEB:g} mm of web"


def _no_tab_room(ctx: Context, loop: np.ndarray, why: str) -> PlaceRefusal:
    """A part whose cut meets its neighbours' wherever a tab could go, which no onion skin
    may hold instead (`why`): held by nothing once cut, it is refused (a wider spacing
    leaves the waste its tabs need)."""
    others, near, grooves = _neighbours(ctx, loop)
    return PlaceRefusal(
        f"{_instance(ctx)} has no room for its tabs: the cut round it meets the cuts round"
        f" {', '.join(others[:4])}{' and more' if len(others) > 4 else ''} wherever a tab"
        f" could go (parts nearer than {near:g} mm, {grooves}, leave no waste between them"
        f" to hold one); set [nest] spacing to {near:g} mm or more ({why})",
        ctx.part.source or None, ctx.part.name)


def _no_waste(ctx: Context, loop: np.ndarray) -> list[tuple[float, float]]:
    """The stretches of an outline's loop where its groove meets a groove cut round another
    part or in one's hole (Context.grooves, each as wide as its own tool), or leaves less
    than MIN_WEB of ply between them: no waste is left there for a tab to hold on to, so a
    tab there would be cut away by the other pass, meet the neighbour's tab and tie the two
    parts together, or hold to a sliver the other pass tears away."""
    if ctx.grooves is None:
        return []
    return ctx.grooves.meeting(_instance(ctx), loop, ctx.r)


def _common_outline(ctx: Context, em: Emitter, common: CommonLines, held: NoRoom,
                    instance: str) -> list:
    """An outline with common lines: as planned for them (CommonLines.outline), or, cut by
    another tool than theirs, whole, its tabs off every other groove (_outline). A part the
    grooves no common line spares leave no room for tabs is one of their skinned parts."""
    loop = _outline_loop(ctx)
    if not common.plans(ctx, instance, loop):
        return _outline(ctx, em, held)
    if instance not in common.no_room:
        return common.outline(ctx, em, instance, loop, loop_op)
    _may_hold(ctx, loop)
    tabs = common.outline(ctx, em, instance, loop, loop_op)
    _hold(ctx, em, loop, held)
    return tabs


def _main_loop(ch: Chooser, part: Part) -> np.ndarray:
    """A part's outline loop as the main tool would cut it (cam.common compares these)."""
    ch.part = part
    try:
        return _outline_loop(ch.context(ch.main))
    except UnsafeJobError:  # another tool cuts it (or nothing can: said when it is cut)
        return None


def _skin_ops(ch: Chooser, ops: list[Operation], placed: dict[str, Part],
              skinned: CommonLines | None, held: NoRoom, skins: SlugSkins
              ) -> list[Operation]:
    """The onion skin taken off under every outline, after everything else (none unless the
    profile asks for it), or under the outlines of the parts `skinned` holds by a skin alone
    (common lines left no room for their tabs: cam/common.py) and of those `held` holds
    (the grooves round their neighbours left none): each with the tool that cut the outline,
    the last tool's first. A hole cut down to the skin to hold its slug (`skins`) has its
    skin taken off after every part in it is freed; while one is still tabbed to the slug
    the skin stays (SlugSkins.left)."""
    p = ch.main.profile
    every = onion(p) and p.onion.final_pass
    alone = set(skinned.skinned if skinned else ()) | set(held.parts)
    slug_of = {id(op): s for op in ops if (s := skins.of(op)) is not None}
    if not (every or alone or slug_of) or not ops or (onion(p) and not every):
        return []
    tabbed_in = {op.part for op in ops if op.kind == "outline" and op.tabs}
    take = []
    for op in ops:
        if op.kind == "outline" and (every or op.part in alone):
            take.append(op)
        elif id(op) in slug_of:
            s = slug_of[id(op)]
            if every or all(q in alone or q not in tabbed_in for q in s.parts):
                take.append(op)
            else:
                skins.left.append(s)
    last = ops[-1].tool
    outlines = sorted(take, key=lambda op: op.tool != last)
    if not _freed_first(outlines, slug_of):  # the tools' order would free a slug too soon
        outlines = take
    m = ops[-1].moves[-1]
    pos: P3 = (m.x, m.y, m.z)
    out = []
    for op in outlines:
        slug = slug_of.get(id(op))
        setting = ch.tooling.tools[0] if ch.tooling.single else ch.tooling.setting(
            op.kind, op.tool)
        ch.part = placed[op.part]
        ctx = ch.context(setting)
        em = Emitter(setting.profile, pos)
        if slug is not None:
            skin_pass(ctx, em, _hole_loop(ctx, slug.hole))
            note = f"{HOLDS} {slug.names()} in it: its skin taken off after theirs"
        elif skinned is not None and op.part in skinned.skinned:
            skinned.take_off_skin(ctx, em, _outline_loop(ctx))
            note = held.comments.get(op.part, "")
        else:
            skin_pass(ctx, em, _outline_loop(ctx))
            note = held.comments.get(op.part, "")
        pos = em.pos
        out.append(Operation(op.part, "skin", em.moves, tool=op.tool, note=note))
    ch.part = None
    return out


def _freed_first(ops: list[Operation], slug_of: dict[int, Slug]) -> bool:
    """Whether every slug's skin comes after the skins of the parts in it."""
    at = {op.part: k for k, op in enumerate(ops) if op.kind == "outline"}
    return all(at.get(q, -1) < k for k, op in enumerate(ops) if id(op) in slug_of
               for q in slug_of[id(op)].parts)


def _hole(ctx: Context, em: Emitter, hole: Polygon) -> None:
    loop_op(ctx, em, _hole_loop(ctx, hole), ctx.through, False, outside=False)


def _slug_hole(ctx: Context, em: Emitter, slug: Slug, skins: SlugSkins) -> list:
    """A hole holding parts, holding its slug (cam/slugs.py)."""
    return slug_hole(ctx, em, _hole_loop(ctx, slug.hole), slug, skins)


def _hole_loop(ctx: Context, hole: Polygon) -> np.ndarray:
    return for_direction(inside_loops(ctx, hole, "hole")[0], ctx.profile)


def _pocket(ctx: Context, em: Emitter, shape: Polygon, depth: float) -> None:
    """A pocket; one that is really a drilled hole (see pocket_drill) is drilled."""
    check_pocket_depth(ctx, shape, depth)
    drill = pocket_drill(shape, depth, ctx.profile)
    if drill is not None:
        drill_op(ctx, em, drill)
    else:
        pocket_op(ctx, em, shape, depth)
