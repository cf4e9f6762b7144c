"""A whole job, written into its output folder all at once or not at all: the job run
(`job`), a layout's outputs planned, checked and written (`outputs`), and a cutting file
fitted to the machine (`cutfile`)."""

from __future__ import annotations

from ..io.items import job_items
from .cutfile import TURN_NOTE, fit_machine, run_gcode, turn_sheet
from .job import (
    common_lines,
    job_inputs,
    job_profile,
    job_profile_of,
    job_tooling,
    nest_summary,
    preflight_toolpaths,
    run_nest,
    unplaced_message,
)
from .outputs import (
    TOOL_TABLE,
    NestResult,
    Progress,
    check_programs,
    preview_toolpaths,
    write_outputs,
)

__all__ = [
    "TOOL_TABLE",
    "TURN_NOTE",
    "NestResult",
    "Progress",
    "check_programs",
    "common_lines",
    "fit_machine",
    "job_inputs",
    "job_items",
    "job_profile",
    "job_profile_of",
    "job_tooling",
    "nest_summary",
    "preflight_toolpaths",
    "preview_toolpaths",
    "run_gcode",
    "run_nest",
    "turn_sheet",
    "unplaced_message",
    "write_outputs",
]
