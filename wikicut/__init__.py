"""wikicut: WikiHouse-style plywood parts to cut-ready CNC jobs.

The library behind the `wikicut` command, one package per stage (docs/architecture.md):

    io (job, part, profile, tool and DXF files)  ->  nest  ->  cam (toolpaths)
      ->  post (programs per dialect), verify (independent simulator), render (SVG, HTML)
      ->  pipeline (a whole job, written atomically)

Everything the command does, a script can do with these names::

    import wikicut
    job = wikicut.load_job("examples/house/job.toml")
    result = wikicut.run_job(job, "out/", force=True)

Names load on first use, so `import wikicut` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> (module, name in it)
_HOME = {
    # inputs
    "load_job": ("io.job", "load_job"),
    "job_items": ("io.items", "job_items"),
    "load_profile": ("io.profiles", "load_profile"),
    "available_profiles": ("io.profiles", "available_profiles"),
    "load_part": ("io.parts", "load_part"),
    "load_library": ("io.tools", "load_library"),
    "read_dxf_parts": ("io.dxf", "read_dxf_parts"),
    "read_cutting_file": ("io.dxf", "read_cutting_file"),
    "write_sheet_dxf": ("io.dxf", "write_sheet_dxf"),
    # stages
    "nest": ("nest", "nest"),
    "verify_layout": ("nest", "verify_layout"),
    "plan_sheet": ("cam", "plan_sheet"),
    "write_program": ("post", "write_program"),
    "verify_program": ("verify", "verify_program"),
    "sheet_svg": ("render", "sheet_svg"),
    # whole jobs
    "run_job": ("pipeline", "run_nest"),
    "run_cutting_file": ("pipeline", "run_gcode"),
    "write_outputs": ("pipeline", "write_outputs"),
    # errors
    "WikicutError": ("errors", "WikicutError"),
    "InputError": ("errors", "InputError"),
    "UnsafeJobError": ("errors", "UnsafeJobError"),
    "InputWarning": ("errors", "InputWarning"),
    # the model
    "Part": ("model", "Part"),
    "Stock": ("model", "Stock"),
    "Placement": ("model", "Placement"),
    "SheetLayout": ("model", "SheetLayout"),
    "Layout": ("model", "Layout"),
    "NestItem": ("model", "NestItem"),
    "NestSettings": ("model", "NestSettings"),
    "Profile": ("model", "Profile"),
    "SheetProgram": ("model", "SheetProgram"),
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'wikicut' has no attribute {name!r}")
    module, attr = _HOME[name]
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
