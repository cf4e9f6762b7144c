"""Previews: sheet and part SVGs (svg.py) with the parts' labels and ids (labels.py) in one
style (style.py), the programs' moves over a sheet (toolpaths.py) and the job's index.html
(html.py)."""

from __future__ import annotations

from .html import index_html, kept_remnants, write_preview_folder
from .labels import label_box
from .svg import part_svg, sheet_svg, with_toolpaths
from .toolpaths import Tab, tab_spans, tool_changes, toolpath_overlay

__all__ = ["Tab", "index_html", "kept_remnants", "label_box", "part_svg", "sheet_svg",
           "tab_spans", "tool_changes", "toolpath_overlay", "with_toolpaths",
           "write_preview_folder"]
