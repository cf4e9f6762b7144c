"""Parametric part files (parts/*.toml) rendered into Parts; format in docs/parts.md."""

from .build import load_part
from .schema import ParamError, part_info, part_parameters
from .shapes import quad_segs

__all__ = ["ParamError", "load_part", "part_info", "part_parameters", "quad_segs"]
