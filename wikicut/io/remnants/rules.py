"""The job's `[remnants]` table: which offcuts are kept, and the shop's inventory file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import limits as lim
from ..toml import TomlFile, check_keys, get_number, get_str, get_table

RULE_KEYS = {"min_width", "min_area_m2", "margin", "inventory"}


@dataclass(frozen=True)
class RemnantRules:
    """Which offcuts are kept: every piece at least `min_width` across everywhere and of
    `min_area_m2`; its sheet `margin` (None: the sheet's it came from); the shop's
    inventory file, if any."""

    min_width: float = 100.0
    min_area_m2: float = 0.05
    margin: float | None = None
    inventory: Path | None = None


def rules_from_table(tf: TomlFile, data: dict[str, Any], inventory: str | Path | None
                     ) -> RemnantRules | None:
    """The job's [remnants] table (None when the job has none and no `inventory` is given);
    `inventory` (the command line's) overrides the table's."""
    if "remnants" not in data and inventory is None:
        return None
    t = get_table(tf, data, "remnants")
    check_keys(tf, t, RULE_KEYS, "remnants.")
    inv = get_str(tf, t, "inventory", "remnants.")
    path = Path(inventory) if inventory is not None else (
        tf.path.parent / inv if inv is not None else None)
    return RemnantRules(
        min_width=get_number(tf, t, "min_width", "remnants.", default=100.0, positive=True,
                             rng=lim.SHEET_SIZE),
        min_area_m2=get_number(tf, t, "min_area_m2", "remnants.", default=0.05,
                               rng=lim.Range(minimum=0.0, maximum=400.0)),
        margin=get_number(tf, t, "margin", "remnants.", default=None, rng=lim.MARGIN),
        inventory=path)
