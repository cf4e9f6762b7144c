"""How a DXF is read, the same for a job and for `gcode` and `part`: a job's [layers] and
[dxf] tables, or an --options file holding them (and [sheet] thickness)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import suggest
from . import limits as lim
from .toml import TomlFile, check_keys, get_number, get_str, get_table

SLOT_KEYS = {"drawn_thickness", "slots"}  # a DXF's slots fitted to the stock (io/dxf/fitting)
DXF_KEYS = {"units", "join_tolerance", *SLOT_KEYS}
READING_KEYS = {"sheet", "layers", "dxf"}  # an --options file for gcode and part


@dataclass(frozen=True)
class Reading:
    """How a DXF is read: the layer map, the units when the file cannot tell, how far apart
    loose ends may be and still meet (mm), the measured thickness (None: the drawing's or
    the job's), and how its thickness slots meet the stock: the ply the parts were drawn
    for where a sheet layer names none (`drawn_thickness`) and over the sheet layers
    (`drawn_given`, --drawn-thickness), fitted or kept (`slots`); `slot_keys` names where
    those three are set, for messages."""

    layer_map: dict[str, str] = field(default_factory=dict)
    units: str | None = None
    join_tolerance: float | None = None
    thickness: float | None = None
    drawn_thickness: float | None = None
    drawn_given: float | None = None
    slots: str = "fit"
    slot_keys: tuple[str, str, str] = ("key 'dxf.drawn_thickness'", "dxf.slots",
                                       "--drawn-thickness")

    def dxf_keywords(self, units: str | None = None) -> dict[str, Any]:
        """Keywords for read_dxf_parts and read_cutting_file (`units` overrides)."""
        return {"layer_map": self.layer_map or None, "units": units or self.units,
                "join_tolerance": self.join_tolerance}

    def slot_rule(self, drawn: float | None = None, slots: str | None = None,
                  key: str | None = None):
        """The io.dxf SlotRule for a DXF: a job's [[part]] or [[block]] (`key`, as
        "part[2]") with its own `drawn` and `slots` over the job's."""
        from .dxf import SlotRule

        default_key, mode_key, given_key = self.slot_keys
        given, mode = self.drawn_given, self.slots
        if drawn is not None:
            given, given_key = drawn, f"key '{key}.drawn_thickness'"
        if slots is not None:
            mode, mode_key = slots, f"{key}.slots"
        return SlotRule(mode=mode, given=given, default=self.drawn_thickness,
                        given_key=given_key, default_key=default_key, mode_key=mode_key)


def read_units(tf: TomlFile, table: dict[str, Any], prefix: str) -> str | None:
    """A table's `units` (a DXF's, when the file cannot tell)."""
    units = get_str(tf, table, "units", prefix)
    if units is None:
        return None
    from .dxf import UNIT_NAMES

    if units not in UNIT_NAMES:
        raise tf.error(f"{prefix}units", f"'{units}' is not one of "
                       f"{', '.join(UNIT_NAMES)}{suggest(units, list(UNIT_NAMES))}")
    return units


def read_slot_keys(tf: TomlFile, table: dict[str, Any], where: str, file: str | None = None
                   ) -> tuple[float | None, str | None]:
    """A table's `drawn_thickness` (the ply its DXF parts were drawn for, mm) and `slots`
    ("fit" or "as drawn"), None where not given."""
    from .dxf import SLOT_MODES

    drawn = get_number(tf, table, "drawn_thickness", where, default=None, rng=lim.THICKNESS,
                       part=file)
    return drawn, get_str(tf, table, "slots", where, choices=SLOT_MODES, part=file)


def reading_of(tf: TomlFile, data: dict[str, Any], thickness: float | None,
               slot_keys: tuple[str, str, str] | None = None) -> Reading:
    """The [layers] map and the [dxf] table (units, join_tolerance, drawn_thickness, slots)."""
    from .dxf.chain import MAX_JOIN_TOL

    layers = get_table(tf, data, "layers")
    for k, v in layers.items():
        if not isinstance(v, str):
            raise tf.error(f"layers.{k}", f"must be a string naming the operation, got {v!r}")
    # checked here, where the key and its line are known: a typo ('drlil') or a bad depth
    # was refused only when a DXF was read, naming neither the job nor the key
    bad = check_layer_map(layers)
    if bad is not None:
        raise tf.error(f"layers.{bad[0]}", bad[1])
    dxf = get_table(tf, data, "dxf")
    check_keys(tf, dxf, DXF_KEYS, "dxf.")
    tol = get_number(tf, dxf, "join_tolerance", "dxf.", default=None,
                     rng=lim.Range(positive=True, maximum=MAX_JOIN_TOL))
    drawn, slots = read_slot_keys(tf, dxf, "dxf.")
    keys = slot_keys or (tf.where("dxf.drawn_thickness"), "dxf.slots", "--drawn-thickness")
    return Reading(layer_map=dict(layers), units=read_units(tf, dxf, "dxf."),
                   join_tolerance=tol, thickness=thickness, drawn_thickness=drawn,
                   slots=slots or "fit", slot_keys=keys)


def check_layer_map(layers: dict[str, str]) -> tuple[str, str] | None:
    """(layer name, what is wrong) for the first entry of a layer map that names no
    operation, or two names the reader takes for one layer (it ignores case and spaces
    round them: the second would be ignored); None when all are good."""
    from ..errors import WikicutError
    from .dxf import classify_layer

    seen: dict[str, str] = {}
    for k, v in layers.items():
        same = seen.setdefault(k.strip().lower(), k)
        if same != k:
            return k, (f"the same layer as '{same}' (names are read without regard to case"
                       " and spaces): give it once")
        try:
            classify_layer(k, {k: v})
        except WikicutError as exc:
            said = f"layer map for '{k}': "
            return k, exc.detail[len(said):] if exc.detail.startswith(said) else exc.detail
    return None


def load_reading(path: str | Path) -> Reading:
    """An --options file for `gcode` and `part`: the job's [layers], [dxf] and
    [sheet] thickness keys, nothing else."""
    tf = TomlFile.load(Path(path))
    check_keys(tf, tf.data, READING_KEYS)
    sheet = get_table(tf, tf.data, "sheet")
    check_keys(tf, sheet, {"thickness"}, "sheet.")
    t = get_number(tf, sheet, "thickness", "sheet.", default=None, rng=lim.THICKNESS)
    # a message about the cutting file names the flag, or this file's key
    keys = (f"--drawn-thickness (or [dxf] drawn_thickness in {tf.display})",
            f"[dxf] slots in {tf.display}", "--drawn-thickness")
    return reading_of(tf, tf.data, thickness=t, slot_keys=keys)
