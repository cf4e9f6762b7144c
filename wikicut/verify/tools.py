"""The tools a program uses and their limits, from a tool table or the program's header.

A program with several tools names them (T words, or the writer's "fit T<n>" comments for
changes by hand); the limits say how deep, how fast and how quick each may cut. What is not
known is not checked (a tool table gives diameters only).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from ..errors import InputError, UnsafeJobError
from ..model import Profile, ToolLibrary
from ..model.tooling import DEFAULT_RULES, CuttingRules, Tooling, chip_factor
from .motion import Segment

CONE_STEP = 0.05  # mm: a V-bit's cut radius is judged in steps this fine
SAME_DIAMETER = 0.01  # mm: a stated tool this close to the library's of its number is that tool
# the tools a material's chip-load chart rates by diameter: 2-flute solid carbide spirals
CHARTED = ("upcut", "downcut", "compression")


@dataclass(frozen=True)
class ToolLimits:
    number: int
    diameter: float
    max_depth_per_pass: float | None = None  # mm
    max_feed: float | None = None  # mm/min
    max_rpm: float | None = None
    max_chip_load: float | None = None  # mm per tooth at 1 x D, with `flutes`
    flutes: int = 0
    kind: str = ""  # the library's tool type ("drill": its chip load is not derated)
    rules: CuttingRules = DEFAULT_RULES  # how the chip load falls on deeper passes
    angle: float = 0.0  # a V-bit's included angle, degrees (0: not known)
    tip: float = 0.0  # the flat at a V-bit's tip, mm
    unrated: str = ""  # why the library refuses the tool in the material: it may not cut

    def radius_at(self, depth: float) -> float:
        """How far from its centre the tool cuts `depth` mm below the stock top: its radius,
        a V-bit's (its angle known) the cone's there, rounded up to CONE_STEP (a few widths
        on a ramp, not one a step), never more than its radius."""
        if self.kind != "vbit" or not 0.0 < self.angle < 180.0:
            return self.diameter / 2
        cone = self.tip / 2 + max(depth, 0.0) * math.tan(math.radians(self.angle / 2))
        return min(math.ceil(cone / CONE_STEP - 1e-6) * CONE_STEP, self.diameter / 2)

    def chip_limit(self, depth_per_pass: float) -> float | None:
        """The largest chip load on a side cut `depth_per_pass` deep: the maker's maximum,
        derated as the planner derates it (model.tooling.chip_factor)."""
        if self.max_chip_load is None:
            return None
        return self.max_chip_load * chip_factor(self.kind, depth_per_pass, self.diameter,
                                                self.rules)


def limits_from_library(library: ToolLibrary, material: str) -> dict[int, ToolLimits]:
    """Each tool's limits in `material` from a tool library: the deepest pass, the fastest
    spindle and the largest chip load its maker rates, derated for deep passes by the
    library's rules. A tool not rated for the material is refused in it, as the planner
    refuses it: its limits say why, and any cut it makes is a violation."""
    mat = library.material(material)
    out = {}
    for c in library.tools:
        try:
            chip, unrated = c.rated(mat), ""
        except UnsafeJobError as exc:
            chip, unrated = None, exc.detail
        out[c.number] = ToolLimits(c.number, c.diameter, c.pass_limit(mat) if chip else None,
                                   None, c.max_rpm, chip.max if chip else None, c.flutes,
                                   c.type, library.rules, c.angle, c.tip_diameter, unrated)
    return out


def spindle_tool(profile: Profile) -> ToolLimits:
    """The tool a program that names none (no wikicut header, no T word: another CAM's
    post, one written by hand) is cut with: the one in the spindle, the profile's (its
    number, diameter, type and flutes)."""
    t = profile.tool
    return ToolLimits(t.number, t.diameter, flutes=t.flutes, kind=t.type)


def limits_as_stated(library: ToolLibrary, material: str, stated: dict[int, ToolLimits],
                     source: str = "", whose: str = "the program's"
                     ) -> tuple[dict[int, ToolLimits], list[str]]:
    """Each tool's limits in `material` (limits_from_library), with the tools a program is
    stated to cut with (its header, a tool table, --tool-diameter: number and diameter) and
    one line for each taken otherwise than by its number. A stated tool as wide as the
    library's of its number is that tool. One of another diameter is not: judged as the
    library's, its gouges would be the wider tool's and its passes held to the other's
    ceiling. It is held as the planner holds a tool the library does not rate (its pass to
    the material's `max_depth_per_pass` x D) and, a spiral, to the chip load the material's
    chart gives its diameter (the rows the library's spirals are derived from, for 2 flutes:
    the flutes stated, else 2). One the chart cannot rate (a V-bit, a drill, no type
    stated) is refused (InputError, `source` named): nothing rates a tool of that size.
    `whose`: the stated tools' owner, as the lines name them ("the profile's": a program
    naming no tool, spindle_tool)."""
    rated = limits_from_library(library, material)
    mat = library.material(material)
    out, said = dict(rated), []
    for n, t in sorted(stated.items()):
        own = rated.get(n)
        if own is None:  # no library tool of that number: none taken for it
            continue
        if abs(own.diameter - t.diameter) <= SAME_DIAMETER:
            out[n] = replace(own, diameter=t.diameter)
            continue
        both = (f"{whose} T{n} is {t.diameter:g} mm, the library's T{n} is"
                f" {own.diameter:g} mm ({library.tool(n).name})")
        if t.kind not in CHARTED or not mat.chart:
            what = f"{t.diameter:g} mm {t.kind or 'tool of no stated type'}"
            raise InputError(f"{both}: nothing in the library rates a {what} in {mat.key}:"
                             " give the library the program was written with (--library), or"
                             " check without --material", source)
        step = mat.max_depth_per_pass * t.diameter
        chip = mat.chart_chip_load(t.diameter).max
        flutes = t.flutes or 2
        out[n] = ToolLimits(n, t.diameter, step, None, None, chip, flutes, t.kind,
                            library.rules)
        assumed = "" if t.flutes else ", 2 flutes assumed"
        said.append(f"{both}: judged as a {t.diameter:g} mm {t.kind} the library does not"
                    f" rate: passes up to {mat.max_depth_per_pass:g} x D ({step:g} mm), chip"
                    f" load up to {chip:.3f} mm/tooth ({mat.key}'s chart at 1 x D{assumed})")
    return out, said


def limits_from_tooling(tooling: Tooling) -> dict[int, ToolLimits]:
    """Each tool's limits as a job resolved it (the check before writing): the deepest of its
    settings for the job's kinds of operation, a library tool's each already checked against
    the library's ceiling, a profile's own tool's (no library entry) its profile's
    `[depth] per_pass` or the job's `per_pass` for that kind; a library tool's fastest
    spindle and its maker's largest chip load in the job's material, derated for deep
    passes by the rules its feeds were derived by (the verifier's --material check, on
    every program written). A profile's own tool has no rating: its chip load is not
    judged."""
    out: dict[int, ToolLimits] = {}
    for s in (*tooling.tools, *(s for _, _, s in tooling.special)):
        c, chip = s.cutter, None
        if c is not None and s.data is not None:
            number, diameter, step = s.number, c.diameter, s.data.depth_per_pass
            chip = c.chip_load.get(s.data.material)
        elif c is None:
            tool = s.profile.tool
            number, diameter, step = tool.number, tool.diameter, s.profile.depth.per_pass
        else:
            continue
        old = out.get(number)
        deepest = max(step, old.max_depth_per_pass if old else 0.0)
        if chip is None:
            out[number] = ToolLimits(number, diameter, deepest)
        else:
            out[number] = ToolLimits(number, diameter, deepest, None, c.max_rpm, chip.max,
                                     c.flutes, c.type, tooling.rules, c.angle, c.tip_diameter)
    return out


def cut_radii(segs: list[Segment], tools: dict[int, ToolLimits], fallback: float
              ) -> np.ndarray:
    """How far from its centre each segment's tool cuts: its own tool's radius where `tools`
    knows it (a V-bit's, its angle known, the cone's at the segment's deepest point), else
    `fallback`."""
    out = np.full(len(segs), float(fallback))
    if not tools or not segs:
        return out
    number = np.array([s.tool for s in segs], np.int64)
    z = np.array([(s.start[2], s.end[2]) for s in segs], np.float64).reshape(-1, 2)
    depth = -np.minimum(z[:, 0], z[:, 1])
    for n, t in tools.items():
        mine = np.flatnonzero(number == n)
        if len(mine):  # a V-bit's radius at each depth its cuts reach, once a depth
            at, back = np.unique(depth[mine], return_inverse=True)
            out[mine] = np.array([t.radius_at(float(d)) for d in at])[back.reshape(-1)]
    return out


def unknown_radius(profile: Profile, tools: dict[int, ToolLimits]) -> float:
    """The radius a segment whose tool is not known is judged with: the largest of the
    profile's tool and the tools known (a cut's footprint is never taken smaller than it may
    be)."""
    return max([profile.tool.radius, *(t.diameter / 2 for t in tools.values())])


_TABLE = re.compile(r"^\s*T(\d+)\b[^;]*?\bD\s*([-+]?\d*\.?\d+)", re.IGNORECASE)
_HEADER = re.compile(r"^\s*(?:\d+\.|tool:)\s+T(\d+)\s+(\d*\.?\d+) mm\b")
# the type and flutes in the rest of a header's tool line: the profile's tool's ("upcut, 2
# flutes") or a library tool's name ("2.5 mm 2-flute upcut, long reach", "90 deg V-bit")
_KIND = re.compile(r"\b(upcut|downcut|compression|ball|drill|v-?bit)\b", re.IGNORECASE)
_FLUTES = re.compile(r"\b(\d+|single)[- ](?:o-)?flutes?\b", re.IGNORECASE)
_FIT = re.compile(r"\bfit\s+T(\d+)\b")
_CURRENT = re.compile(r"(?:\bfit|tool change:)\s+T(\d+)\b")


def tools_from_table(text: str) -> dict[int, ToolLimits]:
    """Tools of a LinuxCNC tool table (T<n> P<n> D<diameter> ... ;name)."""
    out = {}
    for line in text.splitlines():
        m = _TABLE.match(line.split(";", 1)[0])
        if m:
            out[int(m.group(1))] = ToolLimits(int(m.group(1)), float(m.group(2)))
    return out


def tools_from_header(comments: list[str], kinds: bool = False) -> dict[int, ToolLimits]:
    """Tools listed in a program's header comments ("1. T2 3 mm ...", "tool: T2 3 mm ...");
    with `kinds`, also each one's type and flutes where the line says them (a library
    rates a tool of a diameter it does not hold only knowing what it is)."""
    out = {}
    for c in comments:
        m = _HEADER.match(c)
        if m:
            t = ToolLimits(int(m.group(1)), float(m.group(2)))
            rest = c[m.end():]
            if kinds and (kind := _KIND.search(rest)):
                t = replace(t, kind=kind.group(1).lower().replace("-", ""))
            if kinds and (flutes := _FLUTES.search(rest)):
                count = flutes.group(1).lower()
                t = replace(t, flutes=1 if count == "single" else int(count))
            out[t.number] = t
    return out


def fit_in_comment(comment: str) -> int | None:
    """The tool a change by hand fits ("fit T2 ..."): the program's choice of it, as a T
    word is a controller's."""
    m = _FIT.search(comment)
    return int(m.group(1)) if m else None


def tool_in_comment(comment: str) -> int | None:
    """The tool a change by hand fits ("fit T2 ...", "tool change: T2"), if the comment says."""
    m = _CURRENT.search(comment)
    return int(m.group(1)) if m else None
