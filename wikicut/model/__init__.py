"""The model every stage speaks, in mm: geometry, what to nest, moves, and the machine."""

from .geometry import (
    Drill,
    Engraving,
    Layout,
    Part,
    Placement,
    Pocket,
    SheetLayout,
    Stock,
    sheet_stem,
    strip_length,
)
from .machine import (
    CHANGER_MODES,
    DIALECTS,
    HOLDDOWN_MODES,
    INCH,
    Changer,
    Corners,
    Depths,
    Drilling,
    Entry,
    Feeds,
    Heights,
    Holddown,
    Marking,
    Pocketing,
    Profile,
    Rack,
    Spindle,
    Tabs,
    Tool,
    Travel,
)
from .motion import (
    P3,
    Move,
    MoveKind,
    Operation,
    OpKind,
    SheetProgram,
    ToolUse,
    arc_points,
    is_arc,
    move_length,
    sweep,
)
from .nesting import Lock, NestItem, NestSettings, locked_placement
from .timing import Estimate, estimate
from .tooling import (
    CHIP_TARGETS,
    DEFAULT_RULES,
    TOOL_TYPES,
    ChipLoad,
    Cutter,
    CuttingData,
    CuttingRules,
    MachineLimits,
    Material,
    ToolLibrary,
    check_cutting,
    cutting_data,
    depth_derate,
    plan_passes,
)

__all__ = [
    "CHANGER_MODES", "CHIP_TARGETS", "Changer", "ChipLoad", "Corners", "Cutter", "CuttingData",
    "CuttingRules", "DEFAULT_RULES", "DIALECTS", "Depths", "Drill", "Drilling", "Engraving",
    "HOLDDOWN_MODES", "Holddown",
    "Entry", "Estimate", "Feeds", "Heights", "INCH", "Layout", "Lock", "MachineLimits", "Marking",
    "Material", "Move", "MoveKind", "NestItem", "NestSettings", "OpKind", "Operation", "P3",
    "Part", "Placement", "Pocket", "Pocketing", "Profile", "Rack", "SheetLayout", "SheetProgram",
    "Spindle", "Stock", "TOOL_TYPES", "Tabs", "Tool", "ToolLibrary", "ToolUse", "Travel",
    "arc_points", "check_cutting", "cutting_data", "depth_derate", "estimate", "is_arc",
    "locked_placement", "move_length", "plan_passes", "sheet_stem", "strip_length", "sweep",
]
