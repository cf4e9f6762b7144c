"""Remnants: the offcuts a job leaves, kept as stock for the next job.

A remnant file is TOML of `[[sheet]]` tables, each a job's sheet (width, height, thickness,
material, margin) plus its `id`, where it came from (`source`) and, for an irregular piece,
its `outline` (and `holes`) in its own frame (lower-left bound at 0, 0). A job lists one as
`[[sheet]] from = "remnants.toml"`; a shop's inventory is the same file with a `next_id`,
read before a job (its remnants of the job's thickness and material become stock) and
rewritten after it (remnants used are gone, the new ones added) only when the job succeeded.
The job's output folder then records that draw (UNDO_FILE): a run that replaces the folder
(--force) undoes it first, so re-planning a job never spends its remnants twice. One run at
a time draws on an inventory: its OS lock is held from the read to the rewrite.

What counts as a remnant (`[remnants]` in the job): the material a sheet has left once its
parts and the cuts around them are gone, and whatever else its program cut or screwed into
(lead arcs, screw holes: cuts.py), less every strip narrower than `min_width` (an opening
of that width), in pieces of at least `min_area_m2`. See docs/nesting.md.
"""

from .cuts import cut_away
from .files import (
    FILE_NAME,
    FROM_KEYS,
    RemnantFile,
    draw,
    parse_outline,
    read_remnant_file,
    remnants_text,
    same_kind,
)
from .inventory import check_unchanged, inventory_update, load_inventory, replace_file
from .inventory_lock import InventoryLock, holding
from .offcuts import find_remnants, remnant_outputs, remnant_pieces, summary
from .rules import RemnantRules, rules_from_table
from .undo import (
    UNDO_FILE,
    DrawRecord,
    check_no_draw_left,
    check_replaced,
    recorded_draw,
    recorded_inventory,
    undo_note,
    undo_record,
)

__all__ = ["FILE_NAME", "FROM_KEYS", "UNDO_FILE", "DrawRecord", "InventoryLock", "RemnantFile",
           "RemnantRules", "check_no_draw_left", "check_replaced", "check_unchanged", "cut_away",
           "draw", "find_remnants", "holding", "inventory_update", "load_inventory",
           "parse_outline", "read_remnant_file", "recorded_draw", "recorded_inventory",
           "remnant_outputs", "remnant_pieces", "remnants_text", "replace_file",
           "rules_from_table", "same_kind", "summary", "undo_note", "undo_record"]
