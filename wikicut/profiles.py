"""Machine profiles: one TOML file per router in profiles/, read into a frozen Profile.

A profile is data, not code: the G-code writer is one function with small dialect hooks.
Every key is checked; unknown keys are refused with the nearest valid key suggested.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .config import TomlFile, check_keys, get_bool, get_number, get_str, get_table
from .errors import InputError

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"
DIALECTS = ("grbl", "linuxcnc", "mach", "shopbot")
INCH = 25.4


@dataclass(frozen=True)
class Profile:
    """A router and how to talk to it. Lengths in mm, feeds in mm/min, whatever `units` says
    the program is written in (conversion happens only in the writer)."""

    name: str
    dialect: str = "grbl"  # grbl | linuxcnc | mach | shopbot
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
    # spindle
    spindle_speed: float = 18000.0
    spindle_on: str = "M3 S{speed}"
    spindle_off: str = "M5"
    spindle_dwell: float = 3.0  # s after start, before the first cut
    # tool
    tool_diameter: float = 6.0
    tool_type: str = "flat"  # flat | upcut | downcut | compression | ball | vbit
    tool_number: int = 1
    flutes: int = 2
    # feeds (mm/min)
    feed_cut: float = 3000.0
    feed_plunge: float = 600.0
    feed_ramp: float = 1500.0
    feed_max: float = 10000.0
    rapid_rate: float = 8000.0  # for time estimates only
    # depths (mm)
    depth_per_pass: float = 6.0
    final_pass: float = 0.0  # thin last pass for a clean bottom; 0 = none
    overcut: float = 0.3  # into the spoilboard for a clean cut-through
    max_overcut: float = 1.0  # never deeper than thickness + this
    # heights above the stock top (mm)
    safe_height: float = 5.0
    clearance_height: float = 20.0
    # tabs (hold-downs left on the final passes)
    tabs: bool = True
    tab_count: int = 0  # per outline; 0 = by spacing
    tab_spacing: float = 400.0
    tab_length: float = 12.0
    tab_height: float = 4.0
    tab_min_perimeter: float = 300.0  # smaller parts get no tabs... unless below
    # entry
    entry: str = "ramp"  # plunge | ramp | helix
    ramp_angle: float = 5.0  # degrees
    helix_diameter: float = 0.0  # 0 = tool diameter
    direction: str = "climb"  # climb | conventional
    # corners
    corner_relief: str = "dogbone"  # dogbone | tbone | none
    stepover: float = 0.45  # fraction of tool diameter for pocketing
    # drilling
    peck: float = 0.0  # peck depth; 0 = single plunge
    # engraving
    engrave_depth: float = 1.0
    engrave_labels: bool = True
    # machine travel limits, work coordinates (X0 Y0 sheet corner, Z0 stock top)
    x_min: float = 0.0
    x_max: float = 2500.0
    y_min: float = 0.0
    y_max: float = 1250.0
    z_min: float = -25.0
    z_max: float = 100.0
    source: str = ""

    @property
    def tool_radius(self) -> float:
        return self.tool_diameter / 2.0

    @property
    def unit_scale(self) -> float:
        """Multiply mm by this to get program units."""
        return 1.0 / INCH if self.units == "inch" else 1.0

    def with_tool(self, diameter: float | None) -> Profile:
        return self if diameter is None else replace(self, tool_diameter=float(diameter))


# TOML layout: section -> {toml key: dataclass field}
_SECTIONS: dict[str, dict[str, str]] = {
    "": {"name": "name", "dialect": "dialect", "description": "description", "units": "units",
         "extension": "extension", "header": "header", "footer": "footer",
         "decimals": "decimals", "line_numbers": "line_numbers",
         "comment_style": "comment_style", "arcs": "arcs", "arc_tolerance": "arc_tolerance",
         "direction": "direction"},
    "spindle": {"speed": "spindle_speed", "on": "spindle_on", "off": "spindle_off",
                "dwell": "spindle_dwell"},
    "tool": {"diameter": "tool_diameter", "type": "tool_type", "number": "tool_number",
             "flutes": "flutes"},
    "feeds": {"cut": "feed_cut", "plunge": "feed_plunge", "ramp": "feed_ramp", "max": "feed_max",
              "rapid": "rapid_rate"},
    "depth": {"per_pass": "depth_per_pass", "final_pass": "final_pass", "overcut": "overcut",
              "max_overcut": "max_overcut"},
    "heights": {"safe": "safe_height", "clearance": "clearance_height"},
    "tabs": {"enabled": "tabs", "count": "tab_count", "spacing": "tab_spacing",
             "length": "tab_length", "height": "tab_height", "min_perimeter": "tab_min_perimeter"},
    "entry": {"mode": "entry", "ramp_angle": "ramp_angle", "helix_diameter": "helix_diameter"},
    "corners": {"relief": "corner_relief"},
    "pocket": {"stepover": "stepover"},
    "drill": {"peck": "peck"},
    "engrave": {"depth": "engrave_depth", "labels": "engrave_labels"},
    "limits": {"x": "x", "y": "y", "z": "z"},
}
_REQUIRED = {("", "name"), ("", "dialect"), ("", "units"), ("tool", "diameter"),
             ("feeds", "cut"), ("feeds", "plunge"), ("depth", "per_pass"),
             ("heights", "safe"), ("limits", "x"), ("limits", "y"), ("limits", "z")}
_CHOICES = {"dialect": DIALECTS, "units": ("mm", "inch"),
            "comment_style": ("paren", "semicolon", "apostrophe"),
            "direction": ("climb", "conventional"), "entry": ("plunge", "ramp", "helix"),
            "corner_relief": ("dogbone", "tbone", "none"),
            "tool_type": ("flat", "upcut", "downcut", "compression", "ball", "vbit")}
_POSITIVE = {"tool_diameter", "feed_cut", "feed_plunge", "feed_ramp", "feed_max", "rapid_rate",
             "depth_per_pass", "safe_height", "clearance_height", "tab_length", "tab_spacing",
             "arc_tolerance", "stepover", "engrave_depth"}
_INTS = {"decimals", "tool_number", "flutes", "tab_count"}


def available_profiles() -> list[str]:
    """Names of the profiles shipped in profiles/."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def resolve_profile_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """A profile name from profiles/ or a path to a profile TOML (relative to the job)."""
    s = str(name_or_path)
    if s.endswith(".toml") or "/" in s or "\\" in s:
        p = Path(s)
        if not p.is_absolute() and relative_to is not None:
            p = relative_to / p
        return p
    p = PROFILE_DIR / f"{s}.toml"
    if not p.exists():
        from .errors import suggest

        raise InputError(f"unknown machine profile '{s}'{suggest(s, available_profiles())};"
                         f" shipped profiles: {', '.join(available_profiles())}")
    return p


def load_profile(name_or_path: str | Path, relative_to: Path | None = None) -> Profile:
    path = resolve_profile_path(name_or_path, relative_to)
    shown = path.name if path.parent == PROFILE_DIR else str(name_or_path)
    tf = TomlFile.load(path, display=f"profiles/{path.name}" if path.parent == PROFILE_DIR else shown)
    return parse_profile(tf)


def parse_profile(tf: TomlFile) -> Profile:
    data = tf.data
    top_keys = set(_SECTIONS[""]) | {k for k in _SECTIONS if k}
    check_keys(tf, data, top_keys)
    values: dict[str, Any] = {"source": tf.display}
    defaults = Profile(name="")
    for section, keys in _SECTIONS.items():
        table = data if section == "" else get_table(tf, data, section)
        prefix = f"{section}." if section else ""
        if section:
            check_keys(tf, table, set(keys), prefix)
        for key, fname in keys.items():
            if (section, key) in _REQUIRED and key not in table:
                raise InputError(f"missing required key '{prefix}{key}'", tf.display)
            if key not in table:
                continue
            if section == "limits":
                lim = table[key]
                if (not isinstance(lim, list) or len(lim) != 2
                        or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                   for v in lim) or lim[0] >= lim[1]):
                    raise tf.error(f"limits.{key}", f"must be [min, max] with min < max, got {lim!r}")
                values[f"{key}_min"], values[f"{key}_max"] = float(lim[0]), float(lim[1])
                continue
            default = getattr(defaults, fname)
            if isinstance(default, bool):
                values[fname] = get_bool(tf, table, key, prefix)
            elif isinstance(default, tuple):
                v = table[key]
                if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
                    raise tf.error(f"{prefix}{key}", "must be a list of strings")
                values[fname] = tuple(v)
            elif isinstance(default, str):
                values[fname] = get_str(tf, table, key, prefix, choices=_CHOICES.get(fname))
            else:
                values[fname] = get_number(tf, table, key, prefix, minimum=0.0,
                                           positive=fname in _POSITIVE, integer=fname in _INTS)
    prof = Profile(**values)
    if prof.max_overcut < prof.overcut:
        raise tf.error("depth.max_overcut", f"({prof.max_overcut:g}) is less than depth.overcut"
                       f" ({prof.overcut:g})")
    if prof.z_min > 0:
        raise tf.error("limits.z", "minimum must be at or below the stock top (0)")
    if prof.tab_height and prof.tabs and prof.tab_length <= 0:
        raise tf.error("tabs.length", "must be greater than 0")
    return prof
