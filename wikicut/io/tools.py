"""The tool library and materials: tools/library.toml and tools/materials.toml, read into a
frozen ToolLibrary with the strictness of machine profiles (every key checked, unknown keys
refused with the nearest valid one suggested, one-line errors naming file and key).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..errors import InputError, suggest
from ..model.machine import INCH
from ..model.tooling import TOOL_TYPES, ChipLoad, Cutter, CuttingRules, Material, ToolLibrary
from . import shipped
from .toml import TomlFile, check_keys, get_number, get_str, get_table

SCHEMA = 1
LIBRARY = "library.toml"
MATERIALS = "materials.toml"
# a cutter's flutes longer than this many diameters: no such cutter, a length in the wrong
# units (a 6 mm tool's diameter typed as 0.236 in beside its 22 mm flutes); T7 is 8.8 x D
SLENDER = 20.0

_LENGTHS = {"diameter", "flute_length", "upcut_length", "tip_diameter", "shank",
            "overall_length"}  # mm, or inches where the library says units = "inch"
_TOOL_NUMBERS = {"diameter", "flute_length", "max_rpm", "rpm_nominal", "min_rpm",
                 "upcut_length", "angle", "tip_diameter", "point_angle", "shank",
                 "overall_length"}
_TOOL_REQUIRED = {"number", "name", "type", "diameter", "flutes", "flute_length", "max_rpm",
                  "chip_load"}
_TOOL_KEYS = _TOOL_NUMBERS | _TOOL_REQUIRED | {"max_depth_per_pass", "use", "basis", "sources",
                                               "notes"}
_MATERIAL_KEYS = {"name", "aliases", "chip_load", "max_depth_per_pass", "rpm", "surface_speed",
                  "typical_thickness", "basis", "sources", "notes"}
_SOURCE_KEYS = {"maker", "title", "url", "note"}


def shipped_dir() -> Path:
    """The tools/ folder shipped beside profiles/ (found like the profiles are)."""
    return shipped.shipped_dir("tools")


def load_library(library: str | Path | None = None,
                 materials: str | Path | None = None) -> ToolLibrary:
    """A tool library and the materials it rates; None means the shipped file."""
    mats, rules = load_materials(materials)
    tf = _load(library, LIBRARY)
    data = tf.data
    check_keys(tf, data, {"schema", "units", "tool", "source"})
    _schema(tf)
    scale = INCH if get_str(tf, data, "units", default="mm", choices=("mm", "inch")) == "inch" \
        else 1.0
    sources = _sources(tf)
    rows = data.get("tool")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise InputError("needs at least one [[tool]] table", tf.display)
    keys = {m.key for m in mats}
    tools: list[Cutter] = []
    for i, row in enumerate(rows, 1):
        tool = _tool(tf, row, f"tool[{i}].", keys, sources, scale, rules)
        if any(t.number == tool.number for t in tools):
            raise tf.error(f"tool[{i}].number", f"T{tool.number} is listed twice")
        tools.append(tool)
    return ToolLibrary(tuple(tools), mats, rules, tf.display)


def load_materials(path: str | Path | None = None) -> tuple[tuple[Material, ...], CuttingRules]:
    """The materials table and the cutting rules; None means the shipped file."""
    tf = _load(path, MATERIALS)
    data = tf.data
    check_keys(tf, data, {"schema", "rules", "material", "source"})
    _schema(tf)
    sources = _sources(tf)
    rules = _rules(tf, get_table(tf, data, "rules"))
    table = get_table(tf, data, "material")
    if not table:
        raise InputError("needs at least one [material.<name>] table", tf.display)
    mats: list[Material] = []
    seen: dict[str, str] = {}
    for key, row in table.items():
        prefix = f"material.{key}."
        if not isinstance(row, dict):
            raise tf.error(f"material.{key}", "must be a table")
        mat = _material(tf, key, row, prefix, sources)
        _check_multiple(tf, f"{prefix}max_depth_per_pass", mat.max_depth_per_pass, rules)
        for name in {n.lower() for n in (mat.key, *mat.aliases)}:
            if name in seen:
                raise tf.error(f"{prefix}aliases", f"'{name}' already names material"
                               f" '{seen[name]}'")
            seen[name] = key
        mats.append(mat)
    return tuple(mats), rules


def _load(path: str | Path | None, name: str) -> TomlFile:
    if path is None:
        return TomlFile.load(shipped_dir() / name, display=f"tools/{name}")
    return TomlFile.load(path)


def _schema(tf: TomlFile) -> None:
    schema = get_number(tf, tf.data, "schema", required=True, integer=True)
    if schema != SCHEMA:
        raise tf.error("schema", f"is {schema}; this wikicut reads schema {SCHEMA}")


def _sources(tf: TomlFile) -> set[str]:
    table = get_table(tf, tf.data, "source")
    for key, row in table.items():
        if not isinstance(row, dict):
            raise tf.error(f"source.{key}", "must be a table")
        check_keys(tf, row, _SOURCE_KEYS, f"source.{key}.")
        for k in _SOURCE_KEYS:
            get_str(tf, row, k, f"source.{key}.", required=k == "url")
    return set(table)


def _rules(tf: TomlFile, table: dict[str, Any]) -> CuttingRules:
    d = CuttingRules()
    check_keys(tf, table, set(vars(d)), "rules.")
    values = {k: get_number(tf, table, k, "rules.", default=v, positive=True)
              for k, v in vars(d).items()}
    rules = CuttingRules(**values)
    for key in ("plunge_fraction", "ramp_fraction"):
        if getattr(rules, key) > 1:
            raise tf.error(f"rules.{key}", f"must be at most 1, got {getattr(rules, key):g}")
    if rules.derate_max_multiple < 1:
        raise tf.error("rules.derate_max_multiple",
                       f"must be at least 1, got {rules.derate_max_multiple:g}")
    if rules.derate_per_diameter * (rules.derate_max_multiple - 1) >= 1:
        raise tf.error("rules.derate_per_diameter", "derates the chip load to nothing at"
                       f" {rules.derate_max_multiple:g} x D")
    return rules


def _tool(tf: TomlFile, row: dict[str, Any], prefix: str, materials: set[str],
          sources: set[str], scale: float = 1.0, rules: CuttingRules | None = None) -> Cutter:
    check_keys(tf, row, _TOOL_KEYS, prefix)
    for key in sorted(_TOOL_REQUIRED):
        if key not in row:
            raise InputError(f"missing required key '{prefix}{key}'", tf.display)
    nums = {k: get_number(tf, row, k, prefix, minimum=0.0,
                          positive=k in ("diameter", "flute_length", "max_rpm", "rpm_nominal"))
            * (scale if k in _LENGTHS else 1.0)
            for k in _TOOL_NUMBERS if k in row}
    nums.setdefault("rpm_nominal", min(18000.0, nums["max_rpm"]))
    tool = Cutter(
        number=get_number(tf, row, "number", prefix, positive=True, integer=True),
        name=get_str(tf, row, "name", prefix),
        type=get_str(tf, row, "type", prefix, choices=TOOL_TYPES),
        flutes=get_number(tf, row, "flutes", prefix, positive=True, integer=True),
        chip_load=_chip_loads(tf, row, prefix, materials, scale),
        max_depth_per_pass=_depth_multiples(tf, row, prefix),
        use=get_str(tf, row, "use", prefix, default=""),
        basis=get_str(tf, row, "basis", prefix, default=""),
        notes=get_str(tf, row, "notes", prefix, default=""),
        sources=_source_list(tf, row, prefix, sources),
        **nums)
    _check_units(tf, tool, prefix, scale, rules or CuttingRules())
    if not tool.min_rpm <= tool.rpm_nominal <= tool.max_rpm:
        raise tf.error(f"{prefix}rpm_nominal", f"{tool.rpm_nominal:g} is outside min_rpm"
                       f" {tool.min_rpm:g} .. max_rpm {tool.max_rpm:g}")
    if tool.upcut_length >= tool.flute_length:
        raise tf.error(f"{prefix}upcut_length", f"{tool.upcut_length:g} mm is not shorter than"
                       f" flute_length {tool.flute_length:g} mm")
    if tool.type == "vbit":
        if not 0 < tool.angle < 180:
            raise tf.error(f"{prefix}angle", "a V-bit needs its included angle, between 0 and"
                           f" 180 degrees, got {tool.angle:g}")
        if tool.tip_diameter >= tool.diameter:
            raise tf.error(f"{prefix}tip_diameter", f"{tool.tip_diameter:g} mm is not smaller"
                           f" than the diameter {tool.diameter:g} mm")
    elif tool.angle or tool.tip_diameter:
        raise tf.error(f"{prefix}angle", f"only a vbit has an angle or tip_diameter (this is"
                       f" {tool.type})")
    if tool.point_angle >= 180:
        raise tf.error(f"{prefix}point_angle", f"must be below 180, got {tool.point_angle:g}")
    for key, multiple in tool.max_depth_per_pass.items():
        if key not in tool.chip_load:
            raise tf.error(f"{prefix}max_depth_per_pass.{key}",
                           f"the tool has no chip_load for {key}")
        if tool.type != "drill":  # a drill's depth per pass is a peck, not a side cut
            _check_multiple(tf, f"{prefix}max_depth_per_pass.{key}", multiple,
                            rules or CuttingRules())
    return tool


def _check_multiple(tf: TomlFile, dotted: str, multiple: float, rules: CuttingRules) -> None:
    """Refuse a depth per pass beyond the makers' derate rule (Amana, AST: chip loads are
    given for 1, 2 and 3 x D and no deeper): below it the chip load would be a guess."""
    if multiple > rules.derate_max_multiple + 1e-9:
        raise tf.error(dotted, f"{multiple:g} x D is deeper than the makers' charts go"
                       f" (rules.derate_max_multiple = {rules.derate_max_multiple:g} x D)")


def _check_units(tf: TomlFile, tool: Cutter, prefix: str, scale: float,
                 rules: CuttingRules) -> None:
    """Refuse numbers that only make sense in the other unit: a length or a chip load typed
    in inches in a file read in mm (or the other way round). Cutting with them would plan
    a 6 mm cutter's paths for a 0.24 mm one: every part gouged by the difference."""
    unit = "in" if scale != 1.0 else "mm"
    other = ("the whole file is read in inches: give mm, or drop units = \"inch\""
             if scale != 1.0 else "lengths are mm unless the file says units = \"inch\"")
    if tool.flute_length > SLENDER * tool.diameter:
        raise tf.error(f"{prefix}diameter", f"{tool.diameter / scale:g} {unit} beside"
                       f" {tool.flute_length / scale:g} {unit} of flutes"
                       f" ({tool.flute_length / tool.diameter:.0f} x D): no cutter is that"
                       f" slender; is one of them in other units? ({other})")
    for key, rng in tool.chip_load.items():
        if rng.max < rules.rubbing_floor:
            raise tf.error(f"{prefix}chip_load.{key}", f"[{rng.min / scale:g},"
                           f" {rng.max / scale:g}] {unit}/tooth is below the rubbing floor"
                           f" ({rules.rubbing_floor / scale:g} {unit}): is it in other units?"
                           f" ({other})")


def _chip_loads(tf: TomlFile, row: dict[str, Any], prefix: str,
                materials: set[str], scale: float = 1.0) -> dict[str, ChipLoad]:
    table = get_table(tf, row, "chip_load", prefix)
    if not table:
        raise tf.error(f"{prefix}chip_load", "rates no material")
    check_keys(tf, table, materials, f"{prefix}chip_load.")
    return {k: ChipLoad(*_range(tf, v, f"{prefix}chip_load.{k}")).scaled(scale)
            for k, v in table.items()}


def _depth_multiples(tf: TomlFile, row: dict[str, Any], prefix: str) -> dict[str, float]:
    table = get_table(tf, row, "max_depth_per_pass", prefix)
    p = f"{prefix}max_depth_per_pass."
    return {k: get_number(tf, table, k, p, positive=True) for k in table}


def _material(tf: TomlFile, key: str, row: dict[str, Any], prefix: str,
              sources: set[str]) -> Material:
    check_keys(tf, row, _MATERIAL_KEYS, prefix)
    if "name" not in row:
        raise InputError(f"missing required key '{prefix}name'", tf.display)
    chart = row.get("chip_load", [])
    if not isinstance(chart, list):
        raise tf.error(f"{prefix}chip_load", "must be a list of [diameter, min, max] rows")
    rows = []
    for r in chart:
        if (not isinstance(r, list) or len(r) != 3 or not _all_numbers(r) or r[0] <= 0):
            raise tf.error(f"{prefix}chip_load",
                           f"rows must be [diameter, min, max] with diameter > 0, got {r!r}")
        rows.append((float(r[0]), ChipLoad(*_range(tf, r[1:], f"{prefix}chip_load"))))
    rows.sort(key=lambda r: r[0])
    if len({d for d, _ in rows}) != len(rows):
        raise tf.error(f"{prefix}chip_load", "lists a diameter twice")
    return Material(
        key=key,
        name=get_str(tf, row, "name", prefix),
        aliases=_strings(tf, row, "aliases", prefix),
        chart=tuple(rows),
        max_depth_per_pass=get_number(tf, row, "max_depth_per_pass", prefix, default=1.0,
                                      positive=True),
        rpm=_range(tf, row["rpm"], f"{prefix}rpm") if "rpm" in row else None,
        surface_speed=(_range(tf, row["surface_speed"], f"{prefix}surface_speed")
                       if "surface_speed" in row else None),
        typical_thickness=_numbers(tf, row, "typical_thickness", prefix),
        basis=get_str(tf, row, "basis", prefix, default=""),
        sources=_source_list(tf, row, prefix, sources),
        notes=get_str(tf, row, "notes", prefix, default=""),
    )


def _all_numbers(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _range(tf: TomlFile, value: Any, dotted: str) -> tuple[float, float]:
    """A [min, max] pair with 0 < min <= max."""
    if (not isinstance(value, list) or len(value) != 2 or not _all_numbers(value)
            or not 0 < value[0] <= value[1] or not math.isfinite(value[1])):
        raise tf.error(dotted, f"must be [min, max] with 0 < min <= max, got {value!r}")
    return float(value[0]), float(value[1])


def _numbers(tf: TomlFile, row: dict[str, Any], key: str, prefix: str) -> tuple[float, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or not _all_numbers(value) or any(v <= 0 for v in value):
        raise tf.error(f"{prefix}{key}", f"must be a list of positive numbers, got {value!r}")
    return tuple(float(v) for v in value)


def _strings(tf: TomlFile, row: dict[str, Any], key: str, prefix: str) -> tuple[str, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
        raise tf.error(f"{prefix}{key}", f"must be a list of names, got {value!r}")
    return tuple(value)


def _source_list(tf: TomlFile, row: dict[str, Any], prefix: str,
                 sources: set[str]) -> tuple[str, ...]:
    names = _strings(tf, row, "sources", prefix)
    for name in names:
        if name not in sources:
            raise tf.error(f"{prefix}sources", f"names no [source.{name}] table"
                           f"{suggest(name, sources)}")
    return names


