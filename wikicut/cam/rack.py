"""The tools a job cuts with: each tool's feeds, spindle speed and depth per pass from the tool
library (chip load, docs/tools.md), the profile that cuts with it, and the job's own settings
per kind of operation, every one checked against the tool's and the machine's limits."""

from __future__ import annotations

import math
from collections.abc import Iterable
from contextlib import contextmanager, nullcontext

from ..errors import InputError, UnsafeJobError
from ..model import Profile
from ..model.tooling import (
    OPERATION_KINDS,
    Cutter,
    CuttingData,
    MachineLimits,
    Material,
    OperationSettings,
    Tooling,
    ToolLibrary,
    ToolSetting,
    check_cutting,
    cutting_data,
)

# end mills, the best for through profiles first (compression: clean both faces)
END_MILLS = ("compression", "upcut", "downcut", "ball")
SAME_DIAMETER = 0.01  # mm: a library tool this close to `tool_diameter` is that tool


def is_end_mill(kind: str) -> bool:
    return kind in END_MILLS or kind == "flat"


def library_tool_for(library: ToolLibrary, diameter: float, material: Material,
                     through: float) -> Cutter | None:
    """The library's end mill of `diameter` best suited to profiles in `material`: one whose
    flutes reach through the sheet, compression before upcut before downcut, lowest number."""
    found = [c for c in library.tools if abs(c.diameter - diameter) <= SAME_DIAMETER
             and c.type in END_MILLS and material.key in c.chip_load]
    if not found:
        return None
    return min(found, key=lambda c: (c.flute_length < through, END_MILLS.index(c.type),
                                     c.number))


def resolve_tooling(profile: Profile, library: ToolLibrary, material: str, thickness: float, *,
                    tool_diameter: float | None = None, tools: tuple[int, ...] = (),
                    operations: Iterable[OperationSettings] = ()) -> Tooling:
    """The job's tooling. The rack is the job's `tools`, else a library tool of the job's
    `tool_diameter`, else the profile's `[tools] rack`; with none of them the profile's own
    tool cuts with the profile's own feeds (as before racks). Refuses (exit 3) settings
    outside a tool's or the machine's limits; refuses as bad input (exit 2) a `tool_diameter`
    the library has no tool of when the job gives no feeds for it."""
    ops = {o.kind: o for o in operations}
    for kind in ops:
        if kind != "all" and kind not in OPERATION_KINDS:
            raise InputError(f"[machine.operations.{kind}]: unknown operation kind; kinds:"
                             f" all, {', '.join(OPERATION_KINDS)}")
    if tool_diameter is not None and tools:
        raise InputError("[machine] gives both tool_diameter and tools: tools names the rack"
                         " (its diameters come from the tool library); drop tool_diameter")
    through = thickness + profile.depth.overcut
    machine = MachineLimits.of(profile)
    numbers = tuple(tools)
    if tool_diameter is not None:
        mat = library.material(material)
        cutter = library_tool_for(library, tool_diameter, mat, through)
        if cutter is None:
            return _own_tool(profile, library, mat, float(tool_diameter), ops)
        numbers = (cutter.number,)
    elif not numbers:
        numbers = profile.tools.rack
    if not numbers:
        return _profile_tool(profile, ops, _ceiling(library, material))
    mat = library.material(material)
    cutters = [library.tool(n) for n in numbers]
    with _said_by("all") if _sets(ops.get("all")) else nullcontext():
        base = [_setting(c, profile, mat, machine, through, library, ops.get("all"))
                for c in cutters]
    forced: list[tuple[str, int]] = []
    special: list[tuple[str, int, ToolSetting]] = []
    for kind, ov in ops.items():
        if ov.tool is not None:
            if ov.tool not in numbers:
                raise InputError(f"[machine.operations.{kind}] tool = {ov.tool}: T{ov.tool} is"
                                 f" not in the rack ({', '.join(f'T{n}' for n in numbers)})")
            forced.append((kind, ov.tool))
        if kind == "all" or not ov.sets_cutting:
            continue
        for c in cutters:
            if ov.tool is None or ov.tool == c.number:
                merged = _merge(ops.get("all"), ov)
                with _said_by(kind):
                    special.append((kind, c.number, _setting(c, profile, mat, machine, through,
                                                             library, merged)))
    return Tooling(tuple(base), tuple(forced), tuple(special), library.rules)


def _sets(ov: OperationSettings | None) -> bool:
    return ov is not None and ov.sets_cutting


@contextmanager
def _said_by(kind: str):
    """A refusal of settings the job gives for a kind names the table that gave them."""
    try:
        yield
    except UnsafeJobError as exc:
        raise UnsafeJobError(f"[machine.operations.{kind}]: {exc.detail}", exc.file,
                             exc.part) from exc


def tool_profile(profile: Profile, cutter: Cutter, cd: CuttingData, width: float) -> Profile:
    """The profile cutting with `cutter`: its width, feeds, depth per pass and spindle speed."""
    return profile.updated(
        tool={"diameter": width, "type": cutter.type, "number": cutter.number,
              "flutes": cutter.flutes},
        feeds={"cut": cd.feed, "plunge": cd.plunge, "ramp": min(cd.ramp, cd.feed)},
        depth={"per_pass": cd.depth_per_pass},
        spindle={"speed": cd.rpm})


def cut_width(cutter: Cutter, depth: float) -> float:
    """The width a tool cuts at `depth`: its diameter, or a V-bit's at that depth."""
    if cutter.type != "vbit":
        return cutter.diameter
    w = cutter.tip_diameter + 2 * depth * math.tan(math.radians(cutter.angle / 2))
    return min(w, cutter.diameter)


def _setting(cutter: Cutter, profile: Profile, mat: Material, machine: MachineLimits,
             through: float, library: ToolLibrary, ov: OperationSettings | None) -> ToolSetting:
    """A rack tool's feeds for the deepest cut it makes here (a V-bit: the engraving depth;
    an end mill: through the sheet, or its flute length if shorter: such a tool only
    pockets and engraves), with the job's settings `ov`, checked."""
    depth = profile.engrave.depth if cutter.type == "vbit" else through
    depth = min(depth, cutter.flute_length)
    per_pass = ov.per_pass if ov else None
    cd = cutting_data(cutter, mat, machine, depth, rules=library.rules, per_pass=per_pass)
    rpm, feed = float(round(cd.rpm)), float(math.floor(cd.feed))
    if ov is not None and ov.rpm is not None:
        if ov.feed is None:  # the same chip load at the job's speed
            feed = float(math.floor(min(feed * ov.rpm / rpm, machine.feed_max)))
        rpm = ov.rpm
    if ov is not None and ov.feed is not None:
        feed = ov.feed
    if cutter.type == "drill" and ov is not None and ov.plunge is not None:
        # a drill only moves down: its feed is its plunge, so the job's plunge sets it
        if ov.feed is not None and ov.feed != ov.plunge:
            raise InputError(f"[machine.operations.{ov.kind}]: feed {ov.feed:g} and plunge"
                             f" {ov.plunge:g} for T{cutter.number}, a drill, which only"
                             " plunges: give one of them")
        feed = ov.plunge
    fr = library.rules
    plunge = ov.plunge if ov is not None and ov.plunge is not None else round(
        fr.plunge_fraction * feed)
    ramp = ov.ramp if ov is not None and ov.ramp is not None else round(fr.ramp_fraction * feed)
    cd = check_cutting(cutter, mat, machine, rpm=rpm, feed=feed, depth_per_pass=cd.depth_per_pass,
                       passes=cd.passes, plunge=plunge, ramp=ramp, rules=library.rules)
    return ToolSetting(tool_profile(profile, cutter, cd, cut_width(cutter, depth)), cutter, cd)


def _merge(a: OperationSettings | None, b: OperationSettings) -> OperationSettings:
    """b's values, a's where b gives none."""
    if a is None:
        return b
    pick = {k: getattr(b, k) if getattr(b, k) is not None else getattr(a, k)
            for k in ("tool", "feed", "plunge", "ramp", "rpm", "per_pass")}
    return OperationSettings(b.kind, **pick)


def _with_settings(profile: Profile, ov: OperationSettings | None) -> Profile:
    """The profile's own tool with the job's feeds, checked against the machine (the
    library has no such tool to check the chip load against)."""
    if ov is None or not ov.sets_cutting:
        return profile
    f = profile.feeds
    feed = ov.feed if ov.feed is not None else f.cut
    plunge = ov.plunge if ov.plunge is not None else (f.plunge if ov.feed is None else
                                                      round(0.33 * feed))
    ramp = ov.ramp if ov.ramp is not None else (f.ramp if ov.feed is None else round(0.5 * feed))
    label = f"{profile.tool.diameter:g} mm tool"
    for what, v in (("feed", feed), ("plunge feed", plunge), ("ramp feed", ramp)):
        if not v > 0 or v > f.max + 1e-6:
            raise UnsafeJobError(f"{label}: {what} {v:g} mm/min is outside {profile.name}'s"
                                 f" range (0, {f.max:g}] mm/min")
    sp = profile.spindle
    rpm = ov.rpm if ov.rpm is not None else sp.speed
    lo, hi = (sp.min, sp.max) if sp.max > 0 else (sp.speed, sp.speed)
    if not lo - 1e-6 <= rpm <= hi + 1e-6:
        raise UnsafeJobError(f"{label}: spindle speed {rpm:g} rpm is outside {profile.name}'s"
                             f" range {lo:g}-{hi:g} rpm")
    per_pass = ov.per_pass if ov.per_pass is not None else profile.depth.per_pass
    if not per_pass > 0:
        raise UnsafeJobError(f"{label}: depth per pass {per_pass:g} mm is not positive")
    return profile.updated(feeds={"cut": feed, "plunge": plunge, "ramp": min(ramp, feed)},
                           depth={"per_pass": per_pass}, spindle={"speed": rpm})


def _profile_tool(profile: Profile, ops: dict[str, OperationSettings], ceiling: float
                  ) -> Tooling:
    """No rack: the profile's own tool and feeds, with the job's settings per kind. A
    kind's `tool` can only be that tool; its depth per pass is held to `ceiling` times its
    diameter (the material's, for a tool the library does not rate)."""
    own = profile.tool.number
    for kind, ov in ops.items():
        if ov.tool is not None and ov.tool != own:
            raise InputError(f"[machine.operations.{kind}] tool = {ov.tool}: the job has no rack,"
                             f" so {profile.name}'s own tool T{own} cuts everything: give"
                             f" [machine] tools = [{own}, {ov.tool}] (from the tool library)"
                             f" to use T{ov.tool}")
    with _said_by("all") if _sets(ops.get("all")) else nullcontext():
        base = ToolSetting(_with_settings(profile, ops.get("all")))
    _per_pass_within(base.profile, ops.get("all"), "all", ceiling)
    special = []
    for kind, ov in ops.items():
        if kind != "all" and ov.sets_cutting:
            with _said_by(kind):
                setting = ToolSetting(_with_settings(base.profile, ov))
            _per_pass_within(setting.profile, ov, kind, ceiling)
            special.append((kind, base.number, setting))
    return Tooling((base,), (), tuple(special))


def _ceiling(library: ToolLibrary, material: str) -> float:
    """How deep a pass may be, in diameters, for a tool the library does not rate: the job's
    material's ceiling, or for a material the table does not know the highest it gives."""
    try:
        return library.material(material).max_depth_per_pass
    except InputError:
        return max(m.max_depth_per_pass for m in library.materials)


def check_profile_tool(profile: Profile, library: ToolLibrary, material: str) -> None:
    """Refuse (exit 3) the profile's own tool, cut with the profile's own feeds and depth per
    pass (`wikicut gcode`, which has no rack), where a job's nest would refuse it: a pass
    deeper than `material`'s ceiling in diameters (a 1.5 mm tool given to a profile whose
    6.5 mm passes were set for its 6 mm one)."""
    ceiling = _ceiling(library, material)
    try:
        shown = library.material(material).key
    except InputError:
        shown = material
    _per_pass_within(profile, None, "all", ceiling, where=shown,
                     remedy="give a larger tool, or lower it in a copy of the profile")


def _per_pass_within(profile: Profile, ov: OperationSettings | None, kind: str,
                     ceiling: float, where: str = "this material",
                     remedy: str = "lower it, or cut with a library tool ([machine] tools)"
                                   " rated deeper") -> None:
    """Refuse a depth per pass deeper than `ceiling` diameters of the profile's own tool
    (exit 3, naming the key that set it)."""
    d, per_pass = profile.tool.diameter, profile.depth.per_pass
    if per_pass <= ceiling * d + 1e-6:
        return
    key = (f"[machine.operations.{kind}] per_pass" if ov is not None and ov.per_pass is not None
           else f"{profile.name}'s [depth] per_pass")
    raise UnsafeJobError(f"{d:g} mm tool: depth per pass {per_pass:g} mm ({key}) is over"
                         f" {ceiling:g} x its diameter ({ceiling * d:g} mm), the most a tool"
                         f" the library does not rate may take in {where}: {remedy}")


def _own_tool(profile: Profile, library: ToolLibrary, mat: Material, diameter: float,
              ops: dict[str, OperationSettings]) -> Tooling:
    """`tool_diameter` with no such tool in the library: the job must give its feeds (the
    profile's are for its own tool), unless it is the profile's own diameter. Without them
    the job asks for a tool nobody described, most often a mistyped diameter: bad input,
    named by its key with the diameters the library has (exit 2), not an unsafe job."""
    given = ops.get("all")
    if abs(diameter - profile.tool.diameter) > SAME_DIAMETER and (
            given is None or given.feed is None or given.per_pass is None):
        sizes = sorted({f"{c.diameter:g}" for c in library.tools if c.type in END_MILLS
                        and mat.key in c.chip_load}, key=float)
        has = f"it holds {', '.join(sizes)} mm" if sizes else "it holds none"
        raise InputError(
            f"key 'machine.tool_diameter': no end mill of {diameter:g} mm rated for {mat.key}"
            f" in the tool library {library.source} ({has}), and the job gives no feeds for"
            " it: use one of those diameters, add the tool to the library, or give"
            " [machine.operations.all] feed and per_pass")
    return _profile_tool(profile.with_tool(diameter), ops, mat.max_depth_per_pass)
