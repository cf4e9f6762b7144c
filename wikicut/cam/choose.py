"""The right tool for each feature: profile cuts (outlines) and holes with the largest end
mill that keeps the geometry (its dogbones sized to it), what that tool cannot make (narrow
slots and notches, small holes, screw pilots) with the next smaller one that can, engraving
and labels with a V-bit or else the smallest end mill the sheet already cuts with (a label
never costs a tool change of its own), holes a drill of their size fits with that drill.
"Keeps the geometry" is decided by cutting: the planner's own refusals (a slot narrower than
the tool, a corner it cannot relieve) move a feature on to the next tool, and a feature no
tool cuts is refused with its size."""

from __future__ import annotations

import re

from ..errors import UnsafeJobError
from ..model import P3, Operation, SheetLayout, ToolUse
from ..model.tooling import Tooling, ToolSetting
from .context import Context, PlaceRefusal, Proofs, shape_key
from .drills import drilling_profile
from .emit import Emitter
from .offsets import UNCUT_WIDTH
from .pockets import pocket_op, reach, rest_left
from .rack import is_end_mill

DRILL_FIT = 0.1  # mm: a drill makes holes of its own diameter, within this
# a larger tool clears a pocket it cannot finish when it reaches at least this share of it
# (the smaller tool then finishes the walls); less, and the smaller one clears it whole
REST_SHARE = 0.5


class Chooser:
    """The tools of one sheet: a Context per tool setting, the part being cut, and the choice
    of tool for each feature (remembered across sheets, by shape, in the job's Proofs)."""

    def __init__(self, sheet: SheetLayout, tooling: Tooling, proofs: Proofs,
                 placed: tuple = ()):
        self.sheet = sheet
        self.placed = tuple(placed)  # the sheet's parts as placed (Context.placed)
        self.tooling = tooling
        self.proofs = proofs
        self.thickness = float(sheet.stock.thickness)
        self.main = main_tool(tooling, self.thickness)
        self.through = self.thickness + self.main.profile.depth.overcut
        self._ctx: dict[int, Context] = {}
        self._part = None
        self._grooves = None  # the grooves round the parts (Context.grooves)
        # the tools the sheet's other features use, once they are chosen (plan_sheet): labels
        # and engravings take one of them, so they never add a tool change of their own
        self.sheet_tools: frozenset[int] = frozenset()
        small = sorted((t for t in tooling.tools if t.number != self.main.number),
                       key=lambda t: (t.kind != "vbit", t.diameter, t.number))
        self._rank = {t.number: k for k, t in enumerate(small)}

    @property
    def part(self):
        return self._part

    @part.setter
    def part(self, part) -> None:
        self._part = part
        for ctx in self._ctx.values():
            ctx.part = part

    @property
    def grooves(self):
        return self._grooves

    @grooves.setter
    def grooves(self, grooves) -> None:
        self._grooves = grooves
        for ctx in self._ctx.values():
            ctx.grooves = grooves

    def context(self, setting: ToolSetting) -> Context:
        ctx = self._ctx.get(id(setting))
        if ctx is None:
            ctx = self._ctx[id(setting)] = Context(self.sheet, drilling_profile(setting),
                                                   self.proofs)
            ctx.part = self._part
            ctx.placed, ctx.grooves = self.placed, self._grooves
        return ctx

    def candidates(self, kind: str, depth: float, hole: float | None = None
                   ) -> list[ToolSetting]:
        """The tools that may cut a feature, in the order they are tried."""
        tl = self.tooling
        if tl.single:
            numbers = [tl.tools[0].number]
        else:
            forced = tl.forced_tool(kind) or tl.forced_tool("all")
            if forced is not None:
                numbers = [forced]
            else:
                mills = sorted((t for t in tl.tools if is_end_mill(t.kind)),
                               key=lambda t: (-t.diameter, t.number))
                first = []
                if kind in ("label", "engrave"):
                    # a V-bit the job put in the rack engraves; else the finest end mill
                    # the sheet already cuts with, else the finest of the rest
                    first = [t for t in tl.tools if t.kind == "vbit"]
                    mills = sorted(mills, key=lambda t: (t.number not in self.sheet_tools,
                                                         t.diameter, t.number))
                elif hole is not None and kind in ("drill", "pocket"):
                    first = [t for t in tl.tools if t.kind == "drill"
                             and abs(t.cutter.diameter - hole) <= DRILL_FIT]
                numbers = [t.number for t in first + mills]
        # only tools whose flutes reach the depth, the one alone in the rack and the one a
        # job forces on a kind too: a shank would rub (or a V-bit gouge) below its flutes
        return [tl.setting(kind, n) for n in numbers if tl.tool(n).reach >= depth - 1e-9]

    def none_reaches(self, kind: str, depth: float) -> str:
        """Why no tool may cut a `kind` `depth` mm deep (candidates() is empty): each tool
        of the rack and what rules it out."""
        tl = self.tooling
        forced = None if tl.single else tl.forced_tool(kind) or tl.forced_tool("all")
        marks = kind in ("label", "engrave")
        if forced is not None:
            key = kind if tl.forced_tool(kind) is not None else "all"
            why = [f"T{forced}, the job's [machine.operations.{key}] tool, has only"
                   f" {tl.tool(forced).reach:g} mm of flutes"]
        else:
            why = [f"T{t.number} ({_size(t):g} mm) "
                   + ("is a drill" if marks and t.kind == "drill"
                      else f"has only {t.reach:g} mm of flutes") for t in tl.tools]
        verb = "engraves" if marks else "cuts"
        return f"no tool in the rack {verb} {depth:g} mm deep: {'; '.join(why)}"

    def first_able(self, kind: str, depth: float, fn, geom) -> tuple[Context, object] | None:
        """The tool `cut` will give a feature, as far as `fn` (its loop: fn(context)) decides
        it, and what fn made with it: the first candidate the shape was not refused by whose
        fn does not refuse it; None when none can."""
        cands = self.candidates(kind, depth)
        key = None if len(cands) <= 1 else shape_key(geom)
        for s in cands:
            if key is not None and ("refused", kind, s.number, key) in self.proofs:
                continue
            ctx = self.context(s)
            try:
                return ctx, fn(ctx)
            except UnsafeJobError:
                continue
        return None

    def cut(self, instance: str, kind: str, fn, depth: float, hole: float | None, pos: P3,
            geom=None) -> tuple[Operation, P3]:
        """Cut one feature with the first candidate tool that can; refuse it, with its size,
        when none can."""
        cands = self.candidates(kind, depth, hole)
        if not cands:
            ctx = self.context(self.main)
            tl = self.tooling
            forced = None if tl.single else tl.forced_tool(kind) or tl.forced_tool("all")
            if forced is not None:
                key = kind if tl.forced_tool(kind) is not None else "all"
                raise ctx.refuse(f"{kind} {depth:g} mm deep: T{forced}, the job's"
                                 f" [machine.operations.{key}] tool, has only"
                                 f" {tl.tool(forced).reach:g} mm of flutes")
            longest = max(t.reach for t in tl.tools)
            raise ctx.refuse(f"{kind} {depth:g} mm deep: no tool in the rack reaches it (the"
                             f" longest flutes are {longest:g} mm)")
        key = None if geom is None or len(cands) == 1 else shape_key(geom)
        failed: list[tuple[ToolSetting, UnsafeJobError]] = []
        for s in cands:
            if key is not None and ("refused", kind, s.number, key) in self.proofs:
                continue
            try:
                return self._op(s, instance, kind, fn, pos)
            except PlaceRefusal:
                raise
            except UnsafeJobError as err:
                if len(cands) == 1:
                    err.detail += self._too_short(kind, depth)
                    raise
                failed.append((s, err))
                if key is not None:
                    self.proofs.add(("refused", kind, s.number, key))
        if len(failed) < len(cands):  # remembered refusals: cut again for the message
            return self.cut(instance, kind, fn, depth, hole, pos, None)
        raise self._none_fits(failed, kind, depth)

    def _op(self, s: ToolSetting, instance: str, kind: str, fn, pos: P3
            ) -> tuple[Operation, P3]:
        """The feature cut with tool setting `s` (UnsafeJobError when it cannot)."""
        em = Emitter(s.profile, pos)
        tabs = fn(self.context(s), em) or []
        number = 0 if self.tooling.single else s.number
        # with a rack every operation names its speed (a tool's first may be a job's rpm for
        # its kind); one tool only where the job sets another than the tool's
        rpm = s.profile.spindle.speed
        own = rpm == self.tooling.tool(s.number).profile.spindle.speed
        return Operation(instance, kind, em.moves, list(tabs), tool=number, note=em.note,
                         rpm=0.0 if own and number == 0 else rpm), em.pos

    def cut_pocket(self, instance: str, fn, shape, depth: float, hole: float | None, pos: P3,
                   geom) -> tuple[list[Operation], P3]:
        """A pocket: the largest end mill that clears it whole; else, where that tool still
        clears most of it, it clears what it reaches and the next smaller tool whose
        finishing loops along the walls take the rest (corners, narrow parts) finishes it;
        else the first tool that clears it whole (cut)."""
        cands = self.candidates("pocket", depth, hole)
        mills = [c for c in cands if is_end_mill(c.kind)]
        if self.tooling.single or len(mills) < 2 or cands[0] is not mills[0]:
            op, pos = self.cut(instance, "pocket", fn, depth, hole, pos, geom)
            return [op], pos
        big, key = mills[0], shape_key(geom)
        if ("refused", "pocket", big.number, key) not in self.proofs:
            try:
                op, end = self._op(big, instance, "pocket", fn, pos)
                return [op], end
            except UnsafeJobError:
                self.proofs.add(("refused", "pocket", big.number, key))
        rest = self._rest_machined(instance, shape, depth, pos, big, mills[1:])
        if rest is not None:
            return rest
        op, pos = self.cut(instance, "pocket", fn, depth, hole, pos, geom)
        return [op], pos

    def _rest_machined(self, instance: str, shape, depth: float, pos: P3, big: ToolSetting,
                       smaller: list[ToolSetting]) -> tuple[list[Operation], P3] | None:
        reached = reach(shape, big.profile.tool.radius)
        if sum(q.area for q in reached) < REST_SHARE * shape.area:
            return None  # mostly the small tool's anyway: it clears the pocket whole
        for small in smaller:
            try:
                left = rest_left(self.context(small), shape, reached)
                if not left.buffer(-UNCUT_WIDTH / 2).is_empty:
                    continue
                ops, end = [], pos
                for piece in reached:
                    op, end = self._op(big, instance, "pocket",
                                       lambda ctx, em, q=piece: pocket_op(ctx, em, q, depth),
                                       end)
                    ops.append(op)
                op, end = self._op(small, instance, "pocket",
                                   lambda ctx, em: pocket_op(ctx, em, shape, depth, False), end)
                return ops + [op], end
            except UnsafeJobError:
                continue
        return None

    def _none_fits(self, failed: list[tuple[ToolSetting, UnsafeJobError]], kind: str,
                   depth: float) -> UnsafeJobError:
        err = min(failed, key=lambda f: f[0].diameter)[1]
        rack = ", ".join(f"T{t.number} {t.diameter:g} mm" for t, _ in failed)
        m = re.search(r"(\d+(?:\.\d+)?) mm wide", err.detail) or re.search(
            r"drill (\d+(?:\.\d+)?) mm", err.detail)
        need = ""
        if m:
            need = f": it needs a tool of at most {float(m.group(1)):g} mm"
        return UnsafeJobError(f"{err.detail}; no tool of the rack cuts it (tried {rack}){need}"
                              f"{self._too_short(kind, depth)}", err.file, err.part)

    def _too_short(self, kind: str, depth: float) -> str:
        """The rack's tools left out of a refused feature for their flutes, named: a small
        tool that would fit a hole is no help when it cannot reach its depth. A V-bit only
        engraves: it is no candidate for any other cut, whatever its flutes."""
        tl = self.tooling
        if tl.single:
            return ""
        marks = kind in ("label", "engrave")
        short = [t for t in tl.tools if t.reach < depth - 1e-9 and (marks or t.kind != "vbit")]
        return "".join(f"; T{t.number} ({_size(t):g} mm) has only {t.reach:g} mm of flutes"
                       f" for its {depth:g} mm depth" for t in short)

    def marks_tool_ok(self, op: Operation) -> bool:
        """Whether a label or engraving has the tool it would now be given (the sheet's
        tools being known)."""
        depth = -min((m.z for m in op.moves), default=0.0)
        cands = self.candidates(op.kind, depth)
        return not cands or cands[0].number == op.tool

    def phase_key(self, op: Operation) -> tuple[int, int]:
        """Small tools' inside features first, then the main tool (its features and outlines),
        then outlines only a small tool can cut (order.by_tool)."""
        if op.tool == self.main.number:
            return (1, 0)
        return (2 if op.kind == "outline" else 0, self._rank.get(op.tool, 0))

    def use(self, number: int, ops: list[Operation] = ()) -> ToolUse:
        """Tool `number` as the program uses it: it starts at its first operation's speed
        (a job's rpm for that kind of operation, else the tool's)."""
        t = self.tooling.tool(number)
        d = t.cutter.diameter if t.cutter else t.diameter
        first = next((op.rpm for op in ops if op.tool == number), 0.0)
        return ToolUse(number, t.name, d, first or t.profile.spindle.speed)


def _size(t: ToolSetting) -> float:
    """A tool's diameter as its library names it (a V-bit's `diameter` is its width at the
    depth it engraves)."""
    return t.cutter.diameter if t.cutter else t.diameter


def main_tool(tooling: Tooling, thickness: float) -> ToolSetting:
    """The tool that cuts the outlines: the largest end mill reaching through the sheet."""
    tools = tooling.tools
    if len(tools) == 1:
        return tools[0]
    mills = [t for t in tools if is_end_mill(t.kind)] or list(tools)
    through = [t for t in mills
               if t.reach >= thickness + t.profile.depth.overcut - 1e-9] or mills
    return max(through, key=lambda t: (t.diameter, -t.number))
