"""Cutters, materials and the feeds and speeds that follow from them (tools/*.toml).

A tool's chip load (mm per tooth) is the maker's number; the rest is derived: feed = rpm x
flutes x chip load, derated when a pass is deeper than one diameter, then fitted into the
machine's feed and spindle range. Settings outside a tool's or the machine's limits are refused
(UnsafeJobError, exit 3), never quietly changed: a broken cutter is worse than a refused job.
A chip load under the recommended range but above the rubbing floor is only a warning, carried
in the result for the caller to show. docs/tools.md gives the formulas and their sources.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

from ..errors import InputError, UnsafeJobError, suggest
from .machine import Profile

TOOL_TYPES = ("upcut", "downcut", "compression", "ball", "vbit", "drill")
CHIP_TARGETS = ("mid", "min")


@dataclass(frozen=True)
class ChipLoad:
    """A recommended chip load range, mm per tooth."""

    min: float
    max: float

    @property
    def mid(self) -> float:
        return (self.min + self.max) / 2.0

    def scaled(self, factor: float) -> ChipLoad:
        return ChipLoad(self.min * factor, self.max * factor)


@dataclass(frozen=True)
class Cutter:
    """One tool of the rack (library.toml `[[tool]]`). The profile's `Tool` only says what is
    in the spindle; a Cutter says what it may do. The dicts are keyed by material key."""

    number: int
    name: str
    type: str  # one of TOOL_TYPES
    diameter: float
    flutes: int
    flute_length: float  # cutting height for a V-bit
    max_rpm: float
    chip_load: dict[str, ChipLoad] = field(default_factory=dict)  # at 1 x D depth of cut
    max_depth_per_pass: dict[str, float] = field(default_factory=dict)  # multiples of D
    rpm_nominal: float = 18000.0
    min_rpm: float = 0.0
    upcut_length: float = 0.0  # compression tools
    angle: float = 0.0  # V-bits: included angle, degrees
    tip_diameter: float = 0.0  # V-bits
    point_angle: float = 0.0  # drills
    shank: float = 0.0
    overall_length: float = 0.0
    use: str = ""
    basis: str = ""
    sources: tuple[str, ...] = ()
    notes: str = ""

    @property
    def radius(self) -> float:
        return self.diameter / 2.0

    @property
    def label(self) -> str:
        return f"T{self.number} ({self.name})"

    def rated(self, material: Material) -> ChipLoad:
        """The chip load range for `material`, or a refusal: an unrated pair is never guessed."""
        if material.key not in self.chip_load:
            rated = ", ".join(sorted(self.chip_load)) or "nothing"
            raise UnsafeJobError(f"{self.label} is not rated for {material.key}"
                                 f" (rated for: {rated})")
        return self.chip_load[material.key]

    def depth_multiple(self, material: Material) -> float:
        """Deepest pass as a multiple of D: the tool's own ceiling, else the material's."""
        return self.max_depth_per_pass.get(material.key, material.max_depth_per_pass)

    def pass_limit(self, material: Material) -> float:
        """Deepest pass in mm: the ceiling in D, never beyond the flutes."""
        self.rated(material)
        return min(self.depth_multiple(material) * self.diameter, self.flute_length)


@dataclass(frozen=True)
class Material:
    """A sheet material (materials.toml `[material.<key>]`)."""

    key: str
    name: str
    aliases: tuple[str, ...] = ()
    chart: tuple[tuple[float, ChipLoad], ...] = ()  # (diameter, range) at 1 x D, by diameter
    max_depth_per_pass: float = 1.0  # x D, for tools that give none of their own
    rpm: tuple[float, float] | None = None
    surface_speed: tuple[float, float] | None = None  # m/min
    typical_thickness: tuple[float, ...] = ()
    basis: str = ""
    sources: tuple[str, ...] = ()
    notes: str = ""

    def chart_chip_load(self, diameter: float) -> ChipLoad:
        """The chart's range at `diameter`: linear between rows, scaled by D below the first
        row (small tools), the last row above the last."""
        if not self.chart:
            raise ValueError(f"material {self.key} has no chip load chart")
        (d0, c0), rows = self.chart[0], self.chart
        if diameter <= d0:
            return c0.scaled(diameter / d0)
        for (da, ca), (db, cb) in pairwise(rows):
            if diameter <= db:
                t = (diameter - da) / (db - da)
                return ChipLoad(ca.min + t * (cb.min - ca.min), ca.max + t * (cb.max - ca.max))
        return rows[-1][1]


@dataclass(frozen=True)
class CuttingRules:
    """How depth of cut, rubbing and entry feeds apply to every tool (materials.toml [rules])."""

    derate_per_diameter: float = 0.25
    derate_max_multiple: float = 3.0
    rubbing_floor: float = 0.025  # mm per tooth
    plunge_fraction: float = 0.33
    ramp_fraction: float = 0.5


DEFAULT_RULES = CuttingRules()


@dataclass(frozen=True)
class MachineLimits:
    """What the machine can do: feed mm/min, spindle rpm."""

    feed_max: float
    spindle_min: float
    spindle_max: float
    name: str = "the machine"

    @classmethod
    def of(cls, profile: Profile, spindle_min: float | None = None,
           spindle_max: float | None = None) -> MachineLimits:
        """A profile's limits: its `[spindle] min`/`max` range, or where it gives none its one
        speed, the only speed the machine is known to run; `spindle_min`/`spindle_max` win."""
        sp = profile.spindle
        lo, hi = (sp.min, sp.max) if sp.min > 0 and sp.max > 0 else (sp.speed, sp.speed)
        return cls(profile.feeds.max, lo if spindle_min is None else spindle_min,
                   hi if spindle_max is None else spindle_max, profile.name)


@dataclass(frozen=True)
class ToolLibrary:
    """A rack of tools and the materials they are rated for (tools/library.toml and
    tools/materials.toml)."""

    tools: tuple[Cutter, ...]
    materials: tuple[Material, ...]
    rules: CuttingRules = field(default_factory=CuttingRules)
    source: str = ""

    def tool(self, number: int) -> Cutter:
        for t in self.tools:
            if t.number == number:
                return t
        have = ", ".join(f"T{t.number}" for t in self.tools)
        raise InputError(f"no tool T{number} in the library (it holds {have})", self.source)

    def material(self, name: str) -> Material:
        """A material by key or alias, ignoring case (jobs say "BirchPly", the table "plywood")."""
        names = {}
        for m in self.materials:
            for n in (m.key, *m.aliases):
                names[n.lower()] = m
        found = names.get(name.lower())
        if found is None:
            keys = [m.key for m in self.materials]
            raise InputError(f"unknown material '{name}'{suggest(name.lower(), list(names))};"
                             f" known: {', '.join(keys)}", self.source)
        return found


@dataclass(frozen=True)
class CuttingData:
    """Feeds and speeds for one tool in one material at one depth per pass (mm, mm/min, rpm)."""

    tool: int
    material: str
    rpm: float
    feed: float
    plunge: float
    ramp: float
    depth_per_pass: float
    passes: int
    chip_load: float  # actual, feed / (rpm x flutes)
    chip_range: ChipLoad  # the tool's range, derated for the depth per pass
    warnings: tuple[str, ...] = ()


def depth_derate(depth_per_pass: float, diameter: float,
                 rules: CuttingRules = DEFAULT_RULES) -> float:
    """Chip load factor for a pass `depth_per_pass` deep: 1 up to 1 x D, less per extra D
    (Amana and AST: 2 x D 75 %, 3 x D 50 %), held at the last charted multiple."""
    extra = min(max(depth_per_pass / diameter - 1.0, 0.0), rules.derate_max_multiple - 1.0)
    return 1.0 - rules.derate_per_diameter * extra


def chip_factor(kind: str, depth_per_pass: float, diameter: float,
                rules: CuttingRules = DEFAULT_RULES) -> float:
    """The share of a tool's rated maximum chip load it may take on a pass `depth_per_pass`
    deep: the depth derate for a side cut; none for a drill (its per-lip load is not derated:
    its depth per pass is a peck). The planner's feeds and the verifier's check of a written
    program both judge by this one rule."""
    return 1.0 if kind == "drill" else depth_derate(depth_per_pass, diameter, rules)


def plan_passes(tool: Cutter, material: Material, depth: float,
                per_pass: float | None = None) -> tuple[int, float]:
    """(passes, depth per pass) for a cut `depth` deep: equal passes no deeper than the tool
    allows, or the user's `per_pass`, refused if it is deeper than that."""
    if not (depth > 0 and math.isfinite(depth)):
        raise UnsafeJobError(f"{tool.label}: cut depth {depth:g} mm is not positive")
    tool.rated(material)
    if depth > tool.flute_length + 1e-9:
        raise UnsafeJobError(f"{tool.label}: cut depth {depth:g} mm is deeper than its flute"
                             f" length {tool.flute_length:g} mm (the shank would rub)")
    limit = tool.pass_limit(material)
    if per_pass is not None:
        _check_pass(tool, material, per_pass)
        limit = per_pass
    passes = max(1, math.ceil(depth / limit - 1e-9))
    return passes, depth / passes


def cutting_data(tool: Cutter, material: Material, machine: MachineLimits, depth: float, *,
                 rules: CuttingRules = DEFAULT_RULES, per_pass: float | None = None,
                 chip: str = "mid") -> CuttingData:
    """Feeds and speeds for a cut `depth` deep. Start at the tool's nominal rpm inside the
    spindle range, aim at the middle of the derated range (`chip="min"` for a light machine or
    a first cut); if the feed is over the machine's maximum, take the maximum and slow the
    spindle to keep the chip load, no slower than the spindle allows."""
    if chip not in CHIP_TARGETS:
        raise ValueError(f"chip must be one of {CHIP_TARGETS}, got {chip!r}")
    passes, step = plan_passes(tool, material, depth, per_pass)
    lo, hi = max(machine.spindle_min, tool.min_rpm), min(machine.spindle_max, tool.max_rpm)
    if lo > hi:
        if machine.spindle_min > tool.max_rpm:
            bores = (" (holes are then bored by an end mill that fits them)"
                     if tool.type == "drill" else "")
            raise UnsafeJobError(f"{tool.label}: {machine.name}'s slowest spindle speed"
                                 f" {machine.spindle_min:g} rpm is above the tool's max_rpm"
                                 f" {tool.max_rpm:g}: this spindle cannot run it; leave"
                                 f" T{tool.number} out of the rack{bores} or use a machine"
                                 f" profile whose [spindle] min is {tool.max_rpm:g} or less")
        raise UnsafeJobError(f"{tool.label}: needs at least {tool.min_rpm:g} rpm, above"
                             f" {machine.name}'s fastest spindle speed {machine.spindle_max:g}")
    target = getattr(_range(tool, material, step, rules), chip)
    rpm = min(max(tool.rpm_nominal, lo), hi)
    feed = rpm * tool.flutes * target
    if feed > machine.feed_max:
        feed = machine.feed_max
        rpm = max(lo, feed / (tool.flutes * target))
    return check_cutting(tool, material, machine, rpm=rpm, feed=feed, depth_per_pass=step,
                         passes=passes, rules=rules)


def check_cutting(tool: Cutter, material: Material, machine: MachineLimits, *, rpm: float,
                  feed: float, depth_per_pass: float, passes: int = 1,
                  plunge: float | None = None, ramp: float | None = None,
                  rules: CuttingRules = DEFAULT_RULES) -> CuttingData:
    """Check settings (given by a profile or a user, or derived) against the tool's and the
    machine's limits: refuse what is unsafe, warn about what is only poor. Plunge and ramp
    default to the rules' fractions of the feed."""
    _check_speeds(tool, machine, rpm, feed)
    plunge = rules.plunge_fraction * feed if plunge is None else plunge
    ramp = rules.ramp_fraction * feed if ramp is None else ramp
    if tool.type == "drill":  # a drill only moves down: its feed is the plunge
        plunge = ramp = feed
    _check_feeds(tool.label, machine, feed, plunge, ramp)
    _check_pass(tool, material, depth_per_pass)
    _check_charted(tool, depth_per_pass, rules)
    rng = _range(tool, material, depth_per_pass, rules)
    chip = feed / (rpm * tool.flutes)
    at = f"in {material.key} at {depth_per_pass:.3g} mm per pass"
    _check_chip(tool.label, chip, rng, rpm, feed, at, rules)
    warnings = _chip_warnings(tool.label, chip, rng, at, feed, plunge, ramp)
    warnings += _tool_warnings(tool, depth_per_pass)
    return CuttingData(tool.number, material.key, rpm, feed, plunge, ramp, depth_per_pass,
                       passes, chip, rng, tuple(warnings))


def _check_speeds(tool: Cutter, machine: MachineLimits, rpm: float, feed: float) -> None:
    """Refuse a spindle speed or feed that is not a positive number, or an rpm the tool or
    the spindle cannot run at: checked first, the chip load divides by them."""
    label = tool.label
    for what, value in (("spindle speed", rpm), ("feed", feed)):
        if not (value > 0 and math.isfinite(value)):
            raise UnsafeJobError(f"{label}: {what} {value:g} is not positive")
    if rpm > tool.max_rpm + 1e-6:
        raise UnsafeJobError(f"{label}: spindle speed {rpm:.0f} rpm is above the tool's"
                             f" max_rpm {tool.max_rpm:g}")
    if rpm > machine.spindle_max + 1e-6 or rpm < machine.spindle_min - 1e-6:
        raise UnsafeJobError(f"{label}: spindle speed {rpm:.0f} rpm is outside {machine.name}'s"
                             f" range {machine.spindle_min:g}-{machine.spindle_max:g} rpm")


def _check_feeds(label: str, machine: MachineLimits, feed: float, plunge: float,
                 ramp: float) -> None:
    """Refuse a feed, plunge or ramp feed the machine cannot move at."""
    for what, value in (("feed", feed), ("plunge feed", plunge), ("ramp feed", ramp)):
        if not value > 0:
            raise UnsafeJobError(f"{label}: {what} {value:g} mm/min is not positive")
        if value > machine.feed_max + 1e-6:
            raise UnsafeJobError(f"{label}: {what} {value:.0f} mm/min is above {machine.name}'s"
                                 f" max feed {machine.feed_max:g} mm/min")


def _check_chip(label: str, chip: float, rng: ChipLoad, rpm: float, feed: float, at: str,
                rules: CuttingRules) -> None:
    """Refuse a chip load that rubs (burns the edge) or exceeds the tool's max (breaks it)."""
    if chip < rules.rubbing_floor:
        raise UnsafeJobError(f"{label}: chip load {chip:.3f} mm/tooth ({feed:.0f} mm/min at"
                             f" {rpm:.0f} rpm) is below the rubbing floor {rules.rubbing_floor:g}"
                             " mm: the edge would rub and burn; raise the feed or lower the rpm")
    if chip > rng.max + 1e-9:
        raise UnsafeJobError(f"{label}: chip load {chip:.3f} mm/tooth ({feed:.0f} mm/min at"
                             f" {rpm:.0f} rpm) is above the tool's max {rng.max:.3f} {at}")


def _chip_warnings(label: str, chip: float, rng: ChipLoad, at: str, feed: float,
                   plunge: float, ramp: float) -> list[str]:
    """Poor but safe speeds: a chip load under the range, a plunge or ramp faster than the
    cut."""
    warnings = []
    if chip < rng.min - 1e-9:
        warnings.append(f"{label}: chip load {chip:.3f} mm/tooth is below the recommended"
                        f" minimum {rng.min:.3f} {at} (heat, dull edges): raise the feed or"
                        " lower the rpm")
    for what, value in (("plunge feed", plunge), ("ramp feed", ramp)):
        if value > feed + 1e-6:
            warnings.append(f"{label}: {what} {value:.0f} mm/min is above the cutting feed"
                            f" {feed:.0f}")
    return warnings


def _tool_warnings(tool: Cutter, depth_per_pass: float) -> list[str]:
    """Poor but safe uses of the tool's geometry: finish, chip packing, a long slender cutter."""
    label = tool.label
    warnings = []
    if tool.type == "compression" and depth_per_pass <= tool.upcut_length:
        warnings.append(f"{label}: {depth_per_pass:.3g} mm per pass is within the upcut part"
                        f" ({tool.upcut_length:g} mm): the top face may fuzz")
    if tool.type == "downcut" and depth_per_pass > tool.diameter + 1e-9:
        warnings.append(f"{label}: downcut deeper than 1 x D per pass packs chips (heat)")
    if tool.flute_length > 4 * tool.diameter and tool.type != "drill":
        warnings.append(f"{label}: flutes longer than 4 x D break more easily: keep passes"
                        " shallow and enter by ramp or helix")
    return warnings


def _range(tool: Cutter, material: Material, depth_per_pass: float,
           rules: CuttingRules) -> ChipLoad:
    """The tool's range at this depth per pass (chip_factor)."""
    return tool.rated(material).scaled(chip_factor(tool.type, depth_per_pass, tool.diameter,
                                                   rules))


def _check_charted(tool: Cutter, depth_per_pass: float, rules: CuttingRules) -> None:
    """Refuse a side cut deeper than the makers' derate rule goes (3 x D): the derate is
    held there, so a deeper pass would take the 3 x D chip load on a longer edge."""
    deepest = rules.derate_max_multiple * tool.diameter
    if tool.type != "drill" and depth_per_pass > deepest + 1e-9:
        raise UnsafeJobError(f"{tool.label}: depth per pass {depth_per_pass:g} mm is deeper"
                             f" than the makers' charts go ({rules.derate_max_multiple:g} x D ="
                             f" {deepest:g} mm)")


def _check_pass(tool: Cutter, material: Material, per_pass: float) -> None:
    """Refuse a pass deeper than the flutes or the tool's ceiling for the material."""
    if not (per_pass > 0 and math.isfinite(per_pass)):
        raise UnsafeJobError(f"{tool.label}: depth per pass {per_pass:g} mm is not positive")
    if per_pass > tool.flute_length + 1e-9:
        raise UnsafeJobError(f"{tool.label}: depth per pass {per_pass:g} mm is deeper than its"
                             f" flute length {tool.flute_length:g} mm")
    multiple = tool.depth_multiple(material)
    if per_pass > multiple * tool.diameter + 1e-9:
        raise UnsafeJobError(f"{tool.label}: depth per pass {per_pass:g} mm in {material.key}"
                             f" is deeper than the tool allows ({multiple:g} x D ="
                             f" {multiple * tool.diameter:g} mm)")


OPERATION_KINDS = ("outline", "hole", "pocket", "drill", "engrave", "label")


@dataclass(frozen=True)
class OperationSettings:
    """A job's own settings for one kind of operation (`[machine.operations.<kind>]`; kind
    "all" for every kind): which tool, and feeds that replace the tool's derived ones. None
    leaves a value to the tool."""

    kind: str
    tool: int | None = None
    feed: float | None = None
    plunge: float | None = None
    ramp: float | None = None
    rpm: float | None = None
    per_pass: float | None = None

    @property
    def sets_cutting(self) -> bool:
        return any(v is not None for v in (self.feed, self.plunge, self.ramp, self.rpm,
                                            self.per_pass))


@dataclass(frozen=True)
class ToolSetting:
    """A tool of the rack resolved for a job: the profile that cuts with it (its diameter,
    feeds, depth per pass and spindle speed) and the cutter it is (None: the profile's own
    tool, cut with the profile's feeds)."""

    profile: Profile
    cutter: Cutter | None = None
    data: CuttingData | None = None

    @property
    def number(self) -> int:
        return self.cutter.number if self.cutter else self.profile.tool.number

    @property
    def diameter(self) -> float:
        """The cutting diameter (a V-bit's is the width it cuts at the engraving depth)."""
        return self.profile.tool.diameter

    @property
    def reach(self) -> float:
        """The deepest cut the tool can make (its flute length)."""
        return self.cutter.flute_length if self.cutter else math.inf

    @property
    def kind(self) -> str:
        return self.cutter.type if self.cutter else self.profile.tool.type

    @property
    def name(self) -> str:
        return self.cutter.name if self.cutter else f"{self.diameter:g} mm {self.kind}"


@dataclass(frozen=True)
class Tooling:
    """The tools a job cuts with (the rack, in the job's order) and the job's per-operation
    settings: `forced` names the tool of a kind, `special` a tool's settings for one kind."""

    tools: tuple[ToolSetting, ...]
    forced: tuple[tuple[str, int], ...] = ()
    special: tuple[tuple[str, int, ToolSetting], ...] = ()
    rules: CuttingRules = DEFAULT_RULES  # the library's, that the feeds were derived by

    def tool(self, number: int) -> ToolSetting:
        for t in self.tools:
            if t.number == number:
                return t
        raise KeyError(number)

    def setting(self, kind: str, number: int) -> ToolSetting:
        """The settings tool `number` cuts an operation of `kind` with."""
        for k, n, s in self.special:
            if k == kind and n == number:
                return s
        return self.tool(number)

    def forced_tool(self, kind: str) -> int | None:
        for k, n in self.forced:
            if k == kind:
                return n
        return None

    @property
    def single(self) -> bool:
        """One tool: programs name no tool and change none (as before racks)."""
        return len(self.tools) == 1

    def map_profiles(self, fn) -> Tooling:
        """The same tooling with fn applied to every tool's profile (e.g. wider limits)."""
        def m(s: ToolSetting) -> ToolSetting:
            return ToolSetting(fn(s.profile), s.cutter, s.data)
        return Tooling(tuple(m(t) for t in self.tools), self.forced,
                       tuple((k, n, m(s)) for k, n, s in self.special), self.rules)
