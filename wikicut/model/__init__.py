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
    INCH,
    Changer,
    Corners,
    Depths,
    Drilling,
    Entry,
    Feeds,
    Heights,
    Marking,
    Pocketing,
    Profile,
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
from .nesting import NestItem, NestSettings
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
    "CHANGER_MODES", "Changer", "DIALECTS", "INCH", "P3", "Corners", "Depths", "Drill", "Drilling", "Engraving", "Entry",
    "Feeds", "Heights", "Layout", "Marking", "Move", "MoveKind", "NestItem", "NestSettings",
    "OpKind", "Operation", "Part", "Placement", "Pocket", "Pocketing", "Profile",
    "SheetLayout", "SheetProgram", "ToolUse", "Spindle", "Stock", "Tabs", "Tool", "Travel", "arc_points",
    "is_arc", "move_length", "sheet_stem", "strip_length", "sweep",
    "CHIP_TARGETS", "DEFAULT_RULES", "TOOL_TYPES", "ChipLoad", "Cutter", "CuttingData",
    "CuttingRules", "MachineLimits", "Material", "ToolLibrary", "check_cutting", "cutting_data",
    "depth_derate", "plan_passes", "Estimate", "estimate",
]
