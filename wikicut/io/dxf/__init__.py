"""DXF in and out: WikiHouse cutting files and plain CAD outlines <-> Parts and sheets.

layers (layer names -> operations), document (a file -> an ezdxf document, or why not),
flatten (an entity -> points), drawing (the pieces and notes read), collect (a document ->
a Drawing), units (unit names, $INSUNITS and their plausibility), chain (loose pieces ->
loops), contours (a loop -> a polygon; contours drawn twice or crossing), containment (which
contour lies in which), drawn (a part and a sheet as found), features (pockets, engravings,
drills, labels -> their parts), assemble (loops -> parts with holes, pockets, drills, labels),
clearance, zones, slots (thickness slots found and fitted to other ply), fitting (which ply
a part was drawn for, its slots fitted to the stock, and what is said), read (the public
readers), write (sheet and part DXFs, same layout -> same bytes).
"""

from .fitting import AS_DRAWN, FIT, SLOT_MODES, SlotFit, SlotRule, slot_warnings
from .layers import DEFAULT_LAYER_MAP, LayerOp, classify_layer
from .read import read_cutting_file, read_dxf_parts
from .slots import Slot, SlotFitError, find_slots, fit_slots
from .units import UNIT_NAMES
from .write import part_dxf_text, read_screws, sheet_dxf_text, write_part_dxf, write_sheet_dxf

__all__ = [
    "AS_DRAWN",
    "DEFAULT_LAYER_MAP",
    "FIT",
    "SLOT_MODES",
    "UNIT_NAMES",
    "LayerOp",
    "Slot",
    "SlotFit",
    "SlotFitError",
    "SlotRule",
    "classify_layer",
    "find_slots",
    "fit_slots",
    "part_dxf_text",
    "read_cutting_file",
    "read_dxf_parts",
    "read_screws",
    "sheet_dxf_text",
    "slot_warnings",
    "write_part_dxf",
    "write_sheet_dxf",
]
