"""wikicut: WikiHouse-style plywood parts to cut-ready CNC jobs.

The pipeline, one module per stage:
parts (parametric TOML) / dxfio (DXF in and out) -> nest -> toolpath -> gcode -> preview, report.
"""

__version__ = "0.1.0"
