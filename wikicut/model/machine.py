"""A router and how to talk to it: the machine profile, as nested frozen dataclasses.

Each nested group is one table of a profile TOML (`[tool]`, `[feeds]`, `[depth]` ...), with the
same key names, so the file and the code read alike. Lengths in mm, feeds in mm/min, whatever
`units` says the program is written in (conversion happens only in the writer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

INCH = 25.4
DIALECTS = ("grbl", "linuxcnc", "mach", "shopbot")


@dataclass(frozen=True)
class Spindle:
    speed: float = 18000.0
    on: str = "M3 S{speed}"
    off: str = "M5"
    dwell: float = 3.0  # s after start, before the first cut
    min: float = 0.0  # the range the spindle can run (rpm); 0 = only `speed` is known
    max: float = 0.0


@dataclass(frozen=True)
class Tool:
    diameter: float = 6.0
    type: str = "flat"  # flat | upcut | downcut | compression | ball | vbit
    number: int = 1
    flutes: int = 2

    @property
    def radius(self) -> float:
        return self.diameter / 2.0


@dataclass(frozen=True)
class Rack:
    """The tools the machine holds, by number in the tool library (tools/library.toml); empty:
    the one tool of [tool], cut with the profile's own feeds."""

    rack: tuple[int, ...] = ()


@dataclass(frozen=True)
class Feeds:
    """mm/min; `rapid` only estimates time (the controller moves G0 at its own rate)."""

    cut: float = 3000.0
    plunge: float = 600.0
    ramp: float = 1500.0
    max: float = 10000.0
    rapid: float = 8000.0


@dataclass(frozen=True)
class Depths:
    per_pass: float = 6.0
    final_pass: float = 0.0  # thin last pass for a clean bottom; 0 = none
    overcut: float = 0.3  # into the spoilboard for a clean cut-through
    max_overcut: float = 1.0  # never deeper than thickness + this


@dataclass(frozen=True)
class Heights:
    """Above the stock top."""

    safe: float = 5.0
    clearance: float = 20.0
    clamp: float = 0.0  # top of the clamps over keep-outs; crossed at clamp + safe

    @property
    def over_keepouts(self) -> float:
        """The lowest Z a rapid may cross a keep-out (a clamp, a damaged area) at."""
        return max(self.safe, self.clamp + self.safe)


@dataclass(frozen=True)
class Tabs:
    """Hold-downs left on an outline's final passes."""

    enabled: bool = True
    count: int = 0  # per outline; 0 = by spacing
    spacing: float = 400.0
    length: float = 12.0
    height: float = 4.0
    min_perimeter: float = 300.0  # smaller outlines get none
    mode: str = "tabs"  # one of TAB_MODES: "onion" leaves a skin instead ([onion])
    # one of TAB_NO_ROOM: a part the grooves round its neighbours leave no room for tabs is
    # held by an onion skin ([onion] skin), or refuses the job
    no_room: str = "skin"


TAB_MODES = ("tabs", "onion")
TAB_NO_ROOM = ("skin", "refuse")

# The least ply a tab's far side must reach between its own groove and a neighbour's to hold
# to waste (mm): two through grooves nearer than this leave a sliver the second pass tears
# away, so a tab there holds its part to nothing. The planner keeps tabs off such stretches
# and the verifier does not count so thin a web as waste (one number for both).
MIN_WEB = 1.0
# How much thinner than MIN_WEB a web may look to the verifier and still hold: it sweeps each
# cut 0.05 mm wider than its tool (verify/swept.py), on both sides of a web at most
WEB_TOL = 0.1


def webs_dropped(standing):
    """What is left standing of a sheet (a shapely geometry) less its webs thinner than
    MIN_WEB, to WEB_TOL (an opening: what a disc of that width cannot pass through is
    dropped): a sliver between two through grooves is torn away by the second pass, so a
    tab whose material reaches waste only through one holds to nothing. Wider material
    keeps its shape, the tabs' own (as wide as their groove) too. The planner judges the
    waste by it as the verifier does."""
    half = (MIN_WEB - WEB_TOL) / 2
    return standing.buffer(-half, quad_segs=4).buffer(half, quad_segs=4)


@dataclass(frozen=True)
class Nesting:
    """What the router allows the nester ([nest] in a profile; a job's [nest] may ask too)."""

    # facing straight edges of neighbouring parts placed one tool diameter apart and cut
    # once (cam/common.py, nest/common.py)
    common_line: bool = False


@dataclass(frozen=True)
class Onion:
    """A skin of material left under every outline instead of tabs ([tabs] mode = "onion"):
    parts stay in the sheet until they are broken out by hand, or until an optional shallow
    pass at the end of the sheet takes the skin off."""

    skin: float = 0.5  # mm of stock left on the last pass of each outline
    final_pass: bool = False  # take the skin off at the end, after everything else


@dataclass(frozen=True)
class Entry:
    mode: str = "ramp"  # plunge | ramp | helix
    ramp_angle: float = 5.0  # degrees
    helix_diameter: float = 0.0  # 0 = tool diameter
    lead_in: str = "none"  # one of LEAD_INS: "arc" enters and leaves profile cuts on arcs
    lead_radius: float = 0.0  # of the lead arcs' tool centre path, mm; 0 = the tool radius


LEAD_INS = ("none", "arc")


@dataclass(frozen=True)
class Corners:
    relief: str = "dogbone"  # dogbone | tbone | none


@dataclass(frozen=True)
class Pocketing:
    stepover: float = 0.45  # fraction of the tool diameter
    # mm the clearing rings leave on the walls for the finishing loop to take off at each
    # depth (a light last cut: a cleaner wall); 0 = the rings run a stepover from the wall
    finish_allowance: float = 0.0


@dataclass(frozen=True)
class Drilling:
    peck: float = 0.0  # peck depth; 0 = single plunge


@dataclass(frozen=True)
class Marking:
    """Engraved lines and part labels."""

    depth: float = 1.0
    labels: bool = True


@dataclass(frozen=True)
class Travel:
    """The machine's travel in the program's work coordinates (X0 Y0 sheet corner, Z0 where
    the profile's `z_zero` puts it), in mm whatever the program's units."""

    x_min: float = 0.0
    x_max: float = 2500.0
    y_min: float = 0.0
    y_max: float = 1250.0
    z_min: float = -25.0
    z_max: float = 100.0
    # mm/s^2 per axis, for the cycle-time estimate (a trapezoidal speed profile per move)
    accel_x: float = 500.0
    accel_y: float = 500.0
    accel_z: float = 300.0

    def holds(self, box: tuple[float, float, float, float]) -> bool:
        """Whether an XY box (x0, y0, x1, y1) lies inside the travel."""
        x0, y0, x1, y1 = box
        tol = 1e-6
        return (x0 >= self.x_min - tol and y0 >= self.y_min - tol
                and x1 <= self.x_max + tol and y1 <= self.y_max + tol)


CHANGER_MODES = ("split", "pause", "m6")


@dataclass(frozen=True)
class Changer:
    """How the machine changes tools. `m6`: an automatic changer (T M6 with G43 length
    compensation); `pause`: the program stops (M0 / PAUSE) for the operator to fit the next
    tool and re-zero Z; `split`: one program per tool per sheet (GRBL has no M6)."""

    mode: str = "split"  # one of CHANGER_MODES
    seconds: float = 0.0  # per change, for the estimate; 0 = 10 s for m6, 60 s by hand

    @property
    def change_seconds(self) -> float:
        if self.seconds > 0:
            return self.seconds
        return 10.0 if self.mode == "m6" else 60.0


@dataclass(frozen=True)
class Holddown:
    """How a sheet is held: screws through the waste (placed by cam/holddown.py), or none
    (a vacuum table)."""

    mode: str = "none"  # one of HOLDDOWN_MODES
    diameter: float = 10.0  # screw head, mm
    clearance: float = 10.0  # from every toolpath's cutting edge to the head, mm
    edge: float = 30.0  # from the sheet edge to a screw's centre, mm
    spacing: float = 500.0  # grid pitch per sheet, mm
    # "drill": the program's first operation drills a pilot at each screw (cam/pilots.py)
    pilot_depth: float = 0.0  # mm below the stock top; 0 = through + depth.overcut
    pilot_diameter: float = 0.0  # mm; 0 = the pilot tool's own (a plunge), larger = a helix
    mark_depth: float = 1.0  # "mark": a spot this deep at each centre, for a hand drill


# none: no screws (a vacuum table); screws: positions listed; drill: pilots drilled by the
# program, then a stop to drive the screws; mark: spots marked, then a stop
HOLDDOWN_MODES = ("none", "screws", "drill", "mark")
Z_ZEROS = ("stock-top", "spoilboard")
WORK_OFFSETS = ("", "G54", "G55", "G56", "G57", "G58", "G59")


@dataclass(frozen=True)
class Profile:
    """A router and how to talk to it (profiles/*.toml)."""

    name: str
    dialect: str = "grbl"  # one of DIALECTS
    description: str = ""
    units: str = "mm"  # units of the written program: mm | inch
    extension: str = "nc"
    header: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    decimals: int = 3
    line_numbers: bool = False
    comment_style: str = "paren"  # paren | semicolon | apostrophe (OpenSBP)
    arcs: bool = True  # G2/G3 (CG for OpenSBP); false = lines only
    arc_tolerance: float = 0.02  # chord error when arcs are written as lines
    direction: str = "climb"  # climb | conventional
    z_zero: str = "stock-top"  # one of Z_ZEROS: where the operator sets Z0
    work_offset: str = ""  # G54..G59 written at the start (G-code dialects); "" = none
    spindle: Spindle = field(default_factory=Spindle)
    tool: Tool = field(default_factory=Tool)
    tools: Rack = field(default_factory=Rack)
    feeds: Feeds = field(default_factory=Feeds)
    depth: Depths = field(default_factory=Depths)
    heights: Heights = field(default_factory=Heights)
    tabs: Tabs = field(default_factory=Tabs)
    onion: Onion = field(default_factory=Onion)
    nest: Nesting = field(default_factory=Nesting)
    entry: Entry = field(default_factory=Entry)
    corners: Corners = field(default_factory=Corners)
    pocket: Pocketing = field(default_factory=Pocketing)
    holddown: Holddown = field(default_factory=Holddown)
    drill: Drilling = field(default_factory=Drilling)
    engrave: Marking = field(default_factory=Marking)
    limits: Travel = field(default_factory=Travel)
    changer: Changer = field(default_factory=Changer)
    source: str = ""

    @property
    def unit_scale(self) -> float:
        """Multiply mm by this to get program units."""
        return 1.0 / INCH if self.units == "inch" else 1.0

    @property
    def header_units_against(self) -> str | None:
        """The other unit system's word (G21 in an inch profile, G20 in a mm one) where the
        header selects it, which would scale every move by 25.4; None where it does not."""
        other = "G21" if self.units == "inch" else "G20"
        return other if re.search(rf"\b{other}\b", " ".join(self.header).upper()) else None

    def updated(self, **changes) -> Profile:
        """This profile with some values changed: top-level fields by name, a table's keys as
        a dict, e.g. `updated(arcs=False, tabs={"enabled": False})`."""
        for name, value in changes.items():
            if isinstance(value, dict):
                changes[name] = replace(getattr(self, name), **value)
        return replace(self, **changes)

    def with_tool(self, diameter: float | None) -> Profile:
        """This profile with another tool diameter (None: unchanged)."""
        if diameter is None:
            return self
        return replace(self, tool=replace(self.tool, diameter=float(diameter)))
