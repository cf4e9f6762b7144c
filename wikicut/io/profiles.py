"""Machine profiles: one TOML file per router in profiles/, read into a frozen Profile.

Every key is checked; unknown keys are refused with the nearest valid key suggested.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UnsafeJobError, WikicutError, suggest
from ..model.machine import (
    CHANGER_MODES,
    DIALECTS,
    HOLDDOWN_MODES,
    INCH,
    LEAD_INS,
    TAB_MODES,
    TAB_NO_ROOM,
    WORK_OFFSETS,
    Z_ZEROS,
    Profile,
    Travel,
)
from .limits import COORDINATE, TOOL_DIAMETER
from .shipped import is_shipped_name, shipped_dir, shipped_names
from .toml import TomlFile, check_keys, get_bool, get_number, get_str, get_table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..model.geometry import Stock

PROFILE_DIR = shipped_dir("profiles")
# mm: a tool this thin in an inch profile is its diameter typed in inches (1/4 in as 0.25)
INCH_LOOKING_TOOL = 1.0
# mm: a G64 P or Q tolerance wider than this in an inch header is a mm value kept from a mm
# profile (LinuxCNC reads it in the program's units: P0.02 lets the path stray 0.508 mm and
# joints cut loose); inch shops write 0.0005 to 0.005 in
MM_LOOKING_BLEND = 0.005 * INCH + 1e-9
# [limits] this many times smaller than a sheet, that span it read as inches, were typed in
# inches
INCH_LOOKING_TRAVEL = 3.0
_G64 = re.compile(r"(?<![A-Z])G0*64(?![\d.])")
_BLEND_WORD = re.compile(r"([PQ])\s*([-+]?(?:\d+\.?\d*|\.\d+))")


# Keys every profile must give: (table, key); "" is the top level.
_REQUIRED = {("", "name"), ("", "dialect"), ("", "units"), ("tool", "diameter"),
             ("feeds", "cut"), ("feeds", "plunge"), ("depth", "per_pass"),
             ("heights", "safe"), ("limits", "x"), ("limits", "y"), ("limits", "z")}
_CHOICES = {("", "dialect"): DIALECTS, ("", "units"): ("mm", "inch"),
            ("", "comment_style"): ("paren", "semicolon", "apostrophe"),
            ("", "direction"): ("climb", "conventional"),
            ("entry", "mode"): ("plunge", "ramp", "helix"),
            ("entry", "lead_in"): LEAD_INS, ("tabs", "mode"): TAB_MODES,
            ("tabs", "no_room"): TAB_NO_ROOM,
            ("changer", "mode"): CHANGER_MODES,
            ("corners", "relief"): ("dogbone", "tbone", "none"),
            ("tool", "type"): ("flat", "upcut", "downcut", "compression", "ball", "vbit")}
_POSITIVE = {("tool", "diameter"), ("feeds", "cut"), ("feeds", "plunge"), ("feeds", "ramp"),
             ("feeds", "max"), ("feeds", "rapid"), ("depth", "per_pass"), ("heights", "safe"),
             ("heights", "clearance"), ("tabs", "length"), ("tabs", "spacing"),
             ("", "arc_tolerance"), ("pocket", "stepover"), ("engrave", "depth"),
             ("onion", "skin"), ("holddown", "mark_depth")}
_INTS = {("", "decimals"), ("tool", "number"), ("tool", "flutes"), ("tabs", "count")}
# The profile's tables: the nested dataclass fields of Profile ([limits] is read apart).
_TABLES = {f.name: f.default_factory for f in fields(Profile)
           if f.default_factory is not MISSING and f.name != "limits"}


def available_profiles() -> list[str]:
    """Names of the profiles shipped in profiles/."""
    return shipped_names("profiles")


def resolve_profile_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """A profile name from profiles/ or a path to a profile TOML (relative to the job)."""
    s = str(name_or_path)
    if not is_shipped_name(s):
        p = Path(s)
        if not p.is_absolute() and relative_to is not None:
            p = relative_to / p
        return p
    p = PROFILE_DIR / f"{s}.toml"
    if not p.exists():
        raise InputError(str(missing_profile(s)))
    return p


def missing_profile(ref: str, relative_to: Path | None = None,
                    use: str = "give its name, '{}'") -> str | None:
    """Why `ref` names no profile (None when it names one): a name no profile ships under,
    or a path to no file, with the shipped profile of that name when there is one (`use`
    says how to name it where `ref` was given: `profile = "{}"` in a job, `--profile {}`)."""
    s = str(ref)
    names = available_profiles()
    if is_shipped_name(s):
        if s in names:
            return None
        return (f"unknown machine profile '{s}'{suggest(s, names)}; shipped profiles:"
                f" {', '.join(names)}")
    path = resolve_profile_path(s, relative_to)
    if path.exists():
        return None  # whatever else is wrong with it, the loader says
    stem = Path(s).stem
    shipped = (f"; a shipped profile '{stem}' exists: to use it, {use.format(stem)}"
               if stem in names else "")
    return f"file '{s}' not found{f' ({path})' if path != Path(s) else ''}{shipped}"


def load_profile(name_or_path: str | Path, relative_to: Path | None = None) -> Profile:
    path = resolve_profile_path(name_or_path, relative_to)
    shown = f"profiles/{path.name}" if path.parent == PROFILE_DIR else str(name_or_path)
    if not path.exists():
        raise InputError(str(missing_profile(str(name_or_path), relative_to)), shown)
    tf = TomlFile.load(path, display=shown)
    return parse_profile(tf)


def profile_named(name: str, relative_to: Path | None = None) -> Profile:
    """A profile by file name or path, or by the name a report records (a profile's `name`
    key, e.g. "GRBL" for grbl.toml, in any case): output folders are read back with it,
    and an operator may type what the report shows."""
    try:
        return load_profile(name, relative_to)
    except WikicutError:
        for shipped in available_profiles():
            try:
                prof = load_profile(shipped)
            except WikicutError:
                continue
            if prof.name.casefold() == name.casefold():
                return prof
        raise


def parse_profile(tf: TomlFile) -> Profile:
    data = tf.data
    top = [f.name for f in fields(Profile) if f.name not in _TABLES
           and f.name not in ("limits", "source")]
    check_keys(tf, data, set(top) | set(_TABLES) | {"limits"})
    values: dict[str, Any] = {"source": tf.display}
    values.update(_read_table(tf, data, "", Profile(name=""), top))
    for table, factory in _TABLES.items():
        defaults = factory()
        keys = [f.name for f in fields(defaults)]
        tab = get_table(tf, data, table)
        check_keys(tf, tab, set(keys), f"{table}.")
        values[table] = replace(defaults, **_read_table(tf, tab, table, defaults, keys))
    values["limits"] = _read_limits(tf, get_table(tf, data, "limits"))
    prof = Profile(**values)
    if prof.depth.max_overcut < prof.depth.overcut:
        raise tf.error("depth.max_overcut", f"({prof.depth.max_overcut:g}) is less than"
                       f" depth.overcut ({prof.depth.overcut:g})")
    if prof.z_zero not in Z_ZEROS:
        raise tf.error("z_zero", f"'{prof.z_zero}' is not one of {', '.join(Z_ZEROS)}")
    if prof.work_offset not in WORK_OFFSETS or (prof.work_offset and prof.dialect == "shopbot"):
        raise tf.error("work_offset", f"'{prof.work_offset}' is not one of"
                       f" {', '.join(WORK_OFFSETS[1:])} (G-code dialects only)")
    if prof.holddown.mode not in HOLDDOWN_MODES:
        raise tf.error("holddown.mode", f"'{prof.holddown.mode}' is not one of"
                       f" {', '.join(HOLDDOWN_MODES)}")
    if prof.limits.z_min > 0:  # a through cut goes below Z0, wherever Z0 is set
        zero = "the spoilboard top" if prof.z_zero == "spoilboard" else "the stock top"
        raise tf.error("limits.z", f"minimum must be at or below Z0 ({zero})")
    if prof.dialect != "shopbot":
        _check_header(tf, prof)
    if prof.dialect == "grbl" and prof.changer.mode == "m6":
        raise tf.error("changer.mode", "GRBL has no M6: use \"split\" (one program per tool)"
                       " or \"pause\" (M0)")
    sp = prof.spindle
    for key, example in (("on", "\"M3 S{speed}\", or \"M3\" for a speed set by hand"),
                         ("off", "\"M5\"")):
        if not getattr(sp, key).strip():  # the verifier refuses every cut, or the program end
            raise tf.error(f"spindle.{key}", f"is empty: give the line that turns the spindle"
                           f" {key} ({example}; C6/C7 on a ShopBot)")
    if prof.units == "inch" and prof.tool.diameter < INCH_LOOKING_TOOL:
        raise tf.error("tool.diameter", f"{prof.tool.diameter:g} mm: a profile's lengths are"
                       " mm (feeds mm/min) whatever `units` says, which sets only the"
                       f" program's units: a 1/4 in tool is diameter = {INCH / 4:g}")
    if (sp.min > 0) != (sp.max > 0) or sp.min > sp.max:
        raise tf.error("spindle.min", "give the spindle's range as both min and max (rpm),"
                       f" min <= max, got {sp.min:g}..{sp.max:g}")
    if sp.max > 0 and not sp.min <= sp.speed <= sp.max:
        raise tf.error("spindle.speed", f"{sp.speed:g} rpm is outside the spindle's range"
                       f" {sp.min:g}..{sp.max:g}")
    if prof.tabs.height and prof.tabs.enabled and prof.tabs.length <= 0:
        raise tf.error("tabs.length", "must be greater than 0")
    return prof


def _check_header(tf: TomlFile, prof: Profile) -> None:
    """A G-code header in the other unit system's numbers: a G20/G21 that is not the
    profile's scales every move by 25.4, and an inch header's G64 P/Q written in mm lets the
    path stray 25.4 times as far as meant. Both are the profile's to fix (exit 2)."""
    if other := prof.header_units_against:
        raise tf.error("header", f"selects {other} but the profile's units are {prof.units}"
                       f" (`units = \"{prof.units}\"`): give {'G20' if other == 'G21' else 'G21'}"
                       " or change `units`")
    if prof.units != "inch":
        return
    for line in prof.header:
        code = re.sub(r"\([^)]*\)", "", line.upper()).split(";", 1)[0]
        g64 = _G64.search(code)
        if g64 is None:
            continue
        for word, value in _BLEND_WORD.findall(code[g64.end():]):
            v = abs(float(value))
            if v * INCH > MM_LOOKING_BLEND:
                raise tf.error("header", f"line '{line}': {word}{value} is {v:g} in ="
                               f" {v * INCH:.4g} mm in an inch program (units = \"inch\"):"
                               f" write {word}{_in_inches(v, prof.decimals)}")


def _in_inches(mm: float, decimals: int) -> str:
    """A header value typed in mm, as the inch program must say it (0.02 -> 0.0008): at
    least 4 decimals (a ten-thousandth of an inch, 0.0025 mm), more until one is not 0."""
    v = mm / INCH
    for d in range(max(decimals, 4), 9):
        s = f"{v:.{d}f}".rstrip("0").rstrip(".")
        if s not in ("0", "-0"):
            return s
    return f"{v:g}"


def check_stock_fits(profile: Profile, stocks: Iterable[Stock]) -> None:
    """Refuse, before any nesting, a sheet whose parts the machine cannot reach: anywhere
    in the sheet's usable area (inside its margin) a part may be nested, and the tool's
    centre runs its radius outside the part. Strips are left to the planner (a roll is
    longer than any bed; only the length used is cut)."""
    lim, r = profile.limits, profile.tool.radius
    for st in stocks:
        if st.strip or st.usable.is_empty:
            continue
        x0, y0, x1, y1 = st.usable.bounds
        need = (x0 - r, y0 - r, x1 + r, y1 + r)
        if lim.holds(need):
            continue
        hint = ""
        if lim.holds((y0 - r, x0 - r, y1 + r, x1 + r)):
            hint = (f" (turned, as width = {st.height:g} and height = {st.width:g}, it"
                    " fits)")
        if _inch_looking(lim, st.width, st.height):
            hint += (" ([limits] are mm whatever `units` says: 96 in is"
                    f" {96 * INCH:g} mm)")
        raise UnsafeJobError(
            f"a {st.width:g} x {st.height:g} mm sheet (margin {st.margin:g}) is larger than"
            f" the {profile.name} machine's travel: its parts, cut with the"
            f" {profile.tool.diameter:g} mm tool, need x {need[0]:g}..{need[2]:g},"
            f" y {need[1]:g}..{need[3]:g}; [limits] give x {lim.x_min:g}..{lim.x_max:g},"
            f" y {lim.y_min:g}..{lim.y_max:g}{hint}. Give the sheet's size as the machine"
            " takes it (or a wider margin)", profile.source)


def _inch_looking(lim: Travel, width: float, height: float) -> bool:
    """Whether [limits] look typed in inches: read as inches they span the sheet (either way
    round, within 5 %: a 96 x 48 in bed for a 2440 x 1220 mm sheet), while as mm they are a
    fraction of it (0..97). A mm bed a few mm short of the sheet is not, whatever `units`."""
    x, y = lim.x_max - lim.x_min, lim.y_max - lim.y_min
    spans = sorted((x, y))
    sheet = sorted((width, height))
    if not all(t * INCH >= 0.95 * s for t, s in zip(spans, sheet)):
        return False
    return spans[1] * INCH_LOOKING_TRAVEL < sheet[1]


def depth_problem(profile: Profile, thickness: float) -> str | None:
    """Why the machine cannot cut stock this thick (None when it can): [limits] z is its
    travel in the Z the program writes, and every written Z must be in it, the through cut
    (the profile's overcut below the stock) and the clearance height over the stock top
    (cam.safety.check_setup's bounds). With Z0 on the stock top, only the through cut
    depends on the thickness; with Z0 on the spoilboard, only the heights over the stock.
    Said where the thickness was given (a job's key, --thickness), which is the number to
    check first: 183 for 18.3 is a typo, not a machine to change."""
    through = thickness + profile.depth.overcut
    lim, where = profile.limits, f" in {profile.source}" if profile.source else ""
    if profile.z_zero != "spoilboard":
        if -through >= lim.z_min - 1e-9:
            return None
        return (f"{thickness:g} mm: a through cut {through:g} mm deep is beyond the"
                f" {profile.name} machine's Z travel ({-lim.z_min:g} mm below the stock top,"
                f" [limits] z{where})")
    top = max(profile.heights.clearance, profile.heights.safe)
    if thickness + top > lim.z_max + 1e-9:
        return (f"{thickness:g} mm: with Z0 on the spoilboard the stock top is Z{thickness:g}"
                f" and the clearance height {top:g} mm over it is Z{thickness + top:g}"
                f" written, above [limits] z max {lim.z_max:g} of the {profile.name}"
                f" machine{where}")
    if -profile.depth.overcut < lim.z_min - 1e-9:
        return (f"{thickness:g} mm: with Z0 on the spoilboard a through cut {through:g} mm deep"
                f" is Z{-profile.depth.overcut:g} written, below [limits] z min"
                f" {lim.z_min:g} of the {profile.name} machine{where}")
    return None


def _read_table(tf: TomlFile, table: dict, section: str, defaults: Any,
                keys: list[str]) -> dict[str, Any]:
    """The keys of one table present in the file, typed like the defaults' fields."""
    prefix = f"{section}." if section else ""
    out: dict[str, Any] = {}
    for key in keys:
        if key not in table:
            if (section, key) in _REQUIRED:
                raise InputError(f"missing required key '{prefix}{key}'", tf.display)
            continue
        default = getattr(defaults, key)
        if isinstance(default, bool):
            out[key] = get_bool(tf, table, key, prefix)
        elif (section, key) == ("tools", "rack"):
            v = table[key]
            if (not isinstance(v, list) or not v or not all(
                    isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in v)
                    or len(set(v)) != len(v)):
                raise tf.error(f"{prefix}{key}", "must be a list of distinct tool numbers in"
                               f" the tool library, got {v!r}")
            out[key] = tuple(v)
        elif isinstance(default, tuple):
            v = table[key]
            if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
                raise tf.error(f"{prefix}{key}", "must be a list of strings")
            out[key] = tuple(v)
        elif isinstance(default, str):
            out[key] = get_str(tf, table, key, prefix, choices=_CHOICES.get((section, key)))
        else:
            out[key] = get_number(tf, table, key, prefix, minimum=0.0,
                                  positive=(section, key) in _POSITIVE,
                                  integer=(section, key) in _INTS,
                                  rng=TOOL_DIAMETER if (section, key) == ("tool", "diameter")
                                  else None)
    return out


def _read_limits(tf: TomlFile, table: dict) -> Travel:
    check_keys(tf, table, {"x", "y", "z", "acceleration"}, "limits.")
    values: dict[str, float] = {}
    if "acceleration" in table:  # [x, y, z] mm/s^2, for the time estimate
        acc = table["acceleration"]
        if (not isinstance(acc, list) or len(acc) != 3
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
                           for v in acc)):
            raise tf.error("limits.acceleration", f"must be [x, y, z] mm/s^2, each > 0,"
                           f" got {acc!r}")
        values.update(zip(("accel_x", "accel_y", "accel_z"), map(float, acc)))
    for key in ("x", "y", "z"):
        if key not in table:
            raise InputError(f"missing required key 'limits.{key}'", tf.display)
        lim = table[key]
        if (not isinstance(lim, list) or len(lim) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in lim)
                or lim[0] >= lim[1]):
            raise tf.error(f"limits.{key}", f"must be [min, max] with min < max, got {lim!r}")
        for v in lim:  # a travel of a kilometre is a typo, not a machine
            if (why := COORDINATE.problem(v)) is not None:
                raise tf.error(f"limits.{key}", f"each end {why} mm")
        values[f"{key}_min"], values[f"{key}_max"] = float(lim[0]), float(lim[1])
    return Travel(**values)
