"""The toolpath stage: a placed sheet of parts -> machine-independent moves, in cutting order.

plan (the sheet's operations in order) over offsets (kerf and corner reliefs), depth (passes,
ramps: depth as a function of distance along a path), tabs, pockets, drills, labels, loops
(holes and outlines), order (the tour), emit (moves) and safety (the checks of the result).
"""

from .context import Proofs
from .plan import plan_sheet
from .rack import resolve_tooling
from .safety import EDGE_SLACK

__all__ = ["EDGE_SLACK", "Proofs", "plan_sheet", "resolve_tooling"]
