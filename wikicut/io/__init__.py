"""Reading wikicut's inputs (job, part, profile, tool and DXF files) and writing its output
folder. Names load on first use, so reading a profile does not import the DXF library."""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module of wikicut.io that defines it
_HOME = {
    "TomlFile": "toml",
    "Job": "job", "JobPart": "job", "load_job": "job", "load_job_parts": "items",
    "job_items": "items",
    "available_profiles": "profiles", "load_profile": "profiles", "parse_profile": "profiles",
    "resolve_profile_path": "profiles",
    "load_library": "tools",
    "build_report": "report", "dumps": "report", "read_report": "report",
    "check_outdir": "staging", "safe_name": "staging", "staged_output": "staging",
    "shipped_dir": "shipped",
    "load_part": "parts", "part_info": "parts", "part_parameters": "parts",
    "LayerOp": "dxf", "classify_layer": "dxf", "read_cutting_file": "dxf",
    "read_dxf_parts": "dxf", "sheet_dxf_text": "dxf", "part_dxf_text": "dxf",
    "write_sheet_dxf": "dxf", "write_part_dxf": "dxf",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'wikicut.io' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

