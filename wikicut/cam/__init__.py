"""The toolpath stage: a placed sheet of parts -> machine-independent moves, in cutting order."""

from .plan import EDGE_SLACK, plan_sheet

__all__ = ["EDGE_SLACK", "plan_sheet"]
