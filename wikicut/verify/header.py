"""What a wikicut program's header states about its sheet, read back from the comments
before its first command: the stock's thickness bounds how deep a cut may go when no sheet
file is given, so a cut into the spoilboard is caught from the program alone."""

from __future__ import annotations

import math
import re

from ..model import Profile
from .gcode import comments

# "sheet 1: 2440 x 1220 x 18 mm Plywood", as post/writer.py writes it (always in mm)
_SHEET = re.compile(r"^sheet \d+: [\d.]+ x [\d.]+ x (\d+(?:\.\d*)?|\.\d+) mm\b")
_OURS = re.compile(r"^wikicut: ")
# "machine: GRBL (grbl), program units mm" in any dialect's comments: "(machine: GRBL [grbl],"
# (G-code turns the parentheses round), "; machine: ...", "' machine: ShopBot (shopbot), ..."
_MACHINE = re.compile(r"^\s*(?:N\d+\s*)?[(;']\s*machine: (.+?) [\[(](\w+)[\])], program units")
_HEAD_LINES = 40  # a wikicut header is shorter than this


def stated_machine(text: str) -> tuple[str, str] | None:
    """(machine name, dialect) a wikicut program's header says it was written for, read in
    whatever comment style it has (None: no such header). A program checked with another
    dialect's profile breaks on every line: one line saying so tells the operator more."""
    lines = text.splitlines()[:_HEAD_LINES]
    if not lines or "wikicut: " not in lines[0]:
        return None
    for line in lines:
        m = _MACHINE.match(line)
        if m:
            return m.group(1), m.group(2)
    return None


def header_comments(text: str, profile: Profile) -> list[str]:
    """The comments before the program's first command, in order."""
    out: list[str] = []
    for line in text.splitlines():
        if profile.dialect == "shopbot":
            code, sep, note = line.partition("'")
            found = [note.strip()] if sep else []
        else:
            found = [c.strip() for c in comments(line)]
            code = re.sub(r"\([^)]*\)", "", line).split(";", 1)[0]
        if code.strip():
            break
        out += found
    return out


def stated_thickness(text: str, profile: Profile) -> float | None:
    """The sheet thickness (mm) a wikicut program's header states, or None when the
    program has no such header (another CAM's, or written by hand)."""
    m = _stated(text, profile, _SHEET)
    if m is None:
        return None
    t = float(m.group(1))
    return t if math.isfinite(t) and t > 0 else None


def _stated(text: str, profile: Profile, line: re.Pattern) -> re.Match | None:
    """The first line of a wikicut program's header that `line` matches (None: no such
    line, or no wikicut header)."""
    head = header_comments(text, profile)
    if not head or not _OURS.match(head[0]):
        return None
    return next((m for c in head if (m := line.match(c))), None)


# "depth: through 18.6 mm in passes <= 6.5 mm; tabs on", as post/writer.py writes it for a
# program cut with its profile's own tool (always in mm)
_PASSES = re.compile(r"^depth: (?:through )?[\d.]+ mm(?:, not through,)? in passes <= "
                     r"(\d+(?:\.\d*)?|\.\d+) mm\b")


def stated_pass(text: str, profile: Profile) -> float | None:
    """The depth per pass (mm) a wikicut program's header states its one tool cuts at, or
    None (no such header, or one listing several tools, each cut as its job set). Without
    a tool library, the header's word is the only limit known: a pass deeper than it was
    not planned so."""
    m = _stated(text, profile, _PASSES)
    if m is None:
        return None
    step = float(m.group(1))
    return step if math.isfinite(step) and step > 0 else None


# "Z0 = stock top, X0 Y0 = ..." or "Z0 = spoilboard top (stock top at Z18, ...)", as
# post/writer.py writes it: the profile's z_zero it was written with
_Z_ZERO = re.compile(r"^Z0 = (stock|spoilboard) top\b")


def stated_z_zero(text: str, profile: Profile) -> str | None:
    """Where a wikicut program's header says Z0 is, as a profile's `z_zero` says it
    ("stock-top" or "spoilboard"; None: no such header). Checked with a profile that sets
    Z0 elsewhere, every depth is a sheet's thickness off, and no check without the sheet
    can tell."""
    m = _stated(text, profile, _Z_ZERO)
    if m is None:
        return None
    return "stock-top" if m.group(1) == "stock" else "spoilboard"


# "program 2 of 3 for this sheet: run them in order", as post/writer.py writes it on each
# program of a sheet split one per tool
_PROGRAM = re.compile(r"^program (\d+) of (\d+) for this sheet\b")


def stated_program(text: str, profile: Profile) -> tuple[str, int, int] | None:
    """(the header's title line, k, n) of a wikicut program that says it is program k of a
    sheet's n (None: a whole sheet's program, or no wikicut header). The operator runs them
    in that order, so the sheet is checked on them in that order, all of them."""
    m = _stated(text, profile, _PROGRAM)
    if m is None:
        return None
    k, n = int(m.group(1)), int(m.group(2))
    return (header_comments(text, profile)[0], k, n) if 1 <= k <= n else None
