"""Two output folders compared the way CI needs: what changed on the sheets and in the
programs, not a text diff of G-code.

Per sheet (by index): the sheet added or removed, parts added, removed (to another sheet, left
unplaced, or no longer in the job), moved (their box's lower-left corner, by how much, turned
by how much) and resized, from report.json. Per program file of each sheet (a sheet cut with
several tools has one per tool, `sheets[].programs`; every one is compared): cut length and
estimated time, deepest cut (from the stock's top, wherever the programs set Z0), tools and
the first move that differs, read back through the verifier's simulator with the machine
profile the job ran with (`settings.profile_ref`; comments and headers do not count). Then
everything else, for CI: every key of report.json those do not already judge (`report`), and
every file of the folders, byte for byte (`files`: a DXF, an SVG, parts.csv, a comment in a
program, a file added or removed).
`equal` only when the folders hold the same files with the same bytes.
"""

from .folders import diff_folders
from .html import diff_html
from .result import FolderDiff, ProgramDiff, SheetDiff
from .text import diff_text

__all__ = ["FolderDiff", "ProgramDiff", "SheetDiff", "diff_folders", "diff_html", "diff_text"]
