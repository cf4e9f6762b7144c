"""Previews: sheet and part SVGs (svg.py) and the job's index.html (html.py)."""

from __future__ import annotations

from .html import index_html, write_preview_folder
from .svg import label_box, part_svg, sheet_svg

__all__ = ["index_html", "label_box", "part_svg", "sheet_svg", "write_preview_folder"]
