"""Drawing units: what the file or the user says, checked against the size of what it draws.

The user's name for the units ("units" keyword, job key, --units) wins; else the header's
$INSUNITS, a file without one being unitless and read as mm. The check runs on the assembled
loops (LINE-only files included), both ways: an outline tens of metres long whose numbers are
a plausible size in mm is read as mm (SketchUp writes WikiHouse files in mm with
$INSUNITS=1, the real MicroHouse file among them); a unitless drawing whose largest outline
is a few centimetres is read as mm with a warning that names the inch reading, and a
unitless file of Inkscape's DXF R14 export with one naming the unit that export writes
unstated (pt before Inkscape 1.2, px after), and inches too when it is that small. The
user's `units` is never second-guessed.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from ...errors import InputError, InputWarning
from .drawing import Drawing, DrawingUnits, Piece

__all__ = ["MAX_COORD", "MAX_PART", "SMALL_PART", "UNIT_NAMES", "check_coords",
           "drawing_units", "extent", "given_units", "largest", "settle_units", "to_mm",
           "unit_scale", "units_hint"]

# $INSUNITS -> mm factor: unitless, inches, feet, mm, cm, m, microinches, mils, microns, dm
_INSUNITS = {0: 1.0, 1: 25.4, 2: 304.8, 4: 1.0, 5: 10.0, 6: 1000.0, 8: 25.4e-6, 9: 0.0254,
             13: 0.001, 14: 100.0}
# The names a user gives for drawing units -> mm factor. "pt" is the PostScript point
# (1/72 inch): templates exported from a PDF keep their page's points with $INSUNITS=0;
# "px" the CSS pixel (1/96 inch) of an SVG, which Inkscape's DXF export can write.
UNIT_NAMES = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "inch": 25.4, "ft": 304.8, "pt": 25.4 / 72,
              "px": 25.4 / 96}
_ALIASES = {"in": "inch", "inches": "inch", "feet": "ft", "foot": "ft", "point": "pt",
            "points": "pt", "pixel": "px", "pixels": "px"}

MAX_COORD = 1e6  # mm: beyond this the file is surely in other units than it says
MAX_PART = 10_000.0  # mm: no sheet or part a router cuts is longer than this
SMALL_PART = 100.0  # mm: a unitless drawing whose largest outline is shorter may be inches

_SIZED = ("sheet", "outside", "inside", "auto", "pocket", "drill")


def unit_scale(units: str, shown: str | None = None) -> float:
    """The mm factor of a units name the user gave ("mm", "cm", "m", "inch", "ft", "pt",
    "px")."""
    key = str(units).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in UNIT_NAMES:
        raise InputError(f"units '{units}' not one of {', '.join(UNIT_NAMES)}", shown)
    return UNIT_NAMES[key]


def given_units(units: str | None, shown: str) -> DrawingUnits | None:
    """The units the user gave, checked before the file is opened, or None."""
    if units is None:
        return None
    return DrawingUnits(unit_scale(units, shown), f"units='{units}'", stated=True)


def drawing_units(doc, has_header: bool, given: DrawingUnits | None,
                  shown: str, inkscape: bool = False) -> DrawingUnits:
    """How the drawing's numbers become mm: the units given, else the header's $INSUNITS.
    A file of Inkscape's DXF R14 export that states no unit is read as mm, and names the
    unit that export may have written it in (see `settle_units`)."""
    insunits = int(doc.header.get("$INSUNITS", 0) or 0) if has_header else 0
    if given is None and insunits not in _INSUNITS:
        raise InputError(f"unsupported drawing units $INSUNITS={insunits}; "
                         "save the DXF in mm or inches, or give the units", shown)
    if given is not None:
        return given
    if insunits == 0:
        # an R12 header has no $INSUNITS at all (SketchUp's and Rhino's R12 exports)
        said = "$INSUNITS" in doc.header
        why = ("no HEADER section" if not has_header else "$INSUNITS=0" if said
               else "no $INSUNITS in the header")
        alt = None
        if inkscape and said:
            # from 1.2 on it writes the unit it was given, and 0 only for "px (unitless)"
            alt = ("px", "$INSUNITS=0 is what Inkscape's DXF R14 export writes for its base "
                   "unit px (1/96 in)")
        elif inkscape:
            # before 1.2 it wrote no unit, whichever base unit the user chose: pt unless
            # changed (the first of its options, and its script's default)
            alt = ("pt", "Inkscape's DXF R14 export before 1.2 records no units, and its base "
                   "unit is pt (1/72 in) unless the user chose another")
        return DrawingUnits(1.0, f"unitless ({why}), read as mm", stated=False, alt=alt)
    return DrawingUnits(_INSUNITS[insunits], f"$INSUNITS={insunits}", stated=True,
                        insunits=insunits)


def to_mm(drawing: Drawing, scale: float) -> Drawing:
    """A copy of the drawing with every piece and note scaled by `scale` to mm."""
    pieces = []
    for p in drawing.pieces:
        circle = tuple(v * scale for v in p.circle) if p.circle else None
        pieces.append(replace(p, pts=p.pts * scale, circle=circle))
    labels = [replace(lab, x=lab.x * scale, y=lab.y * scale, height=lab.height * scale)
              for lab in drawing.labels]
    return replace(drawing, pieces=pieces, labels=labels,
                   units=replace(drawing.units, scale=scale))


def largest(loops: list[Piece]) -> float:
    """The longest side of the largest closed loop on a cut, pocket or sheet layer."""
    big = 0.0
    for p in loops:
        if p.closed and p.op.kind in _SIZED and len(p.pts):
            big = max(big, float((p.pts.max(axis=0) - p.pts.min(axis=0)).max()))
    return big


def settle_units(units: DrawingUnits, loops_mm: list[Piece], shown: str,
                 forced: bool) -> float:
    """The mm scale to read the drawing with, given its loops read at `units.scale`."""
    s = units.scale
    big = largest(loops_mm)
    if forced or big == 0.0:
        return s
    raw = big / s
    if big > MAX_PART and raw <= MAX_PART and s > 1.0:
        warnings.warn(f"{shown}: {units.said} would make the largest outline "
                      f"{big / 1000:.1f} m long; read as millimetres ({raw:.0f} mm): "
                      "check the sizes, or give the units", InputWarning, stacklevel=3)
        return 1.0
    hint = units_hint(units, big)
    if hint:
        warnings.warn(f"{shown}: {hint}", InputWarning, stacklevel=3)
    return s


def units_hint(units: DrawingUnits, big: float, spans: bool = False) -> str | None:
    """What to tell of a unitless drawing whose largest outline is `big` mm long (`spans`:
    the drawing spans `big` mm, nothing being closed yet): the unit its exporter writes
    unstated (Inkscape), and inches when it is under SMALL_PART; None when there is nothing
    to tell."""
    if units.stated or big <= 0.0 or not (units.alt or big < SMALL_PART):
        return None
    size = f"the drawing spans {big:.1f} mm" if spans else \
        f"the largest outline is {big:.1f} mm long"
    inch = f"inches ({big * 25.4:.0f} mm), give units = 'inch'"
    if not units.alt:
        return f"{units.said}: {size}; if the drawing is in {inch}"
    name, why = units.alt
    said = (f"{units.said}; {why}: {size}; if the drawing is in {name}, give units = "
            f"'{name}' ({big * UNIT_NAMES[name]:.1f} mm)")
    if big < SMALL_PART:  # small enough to be inches, as a unitless drawing of any other
        said += f"; if in {inch}"
    return said


def extent(pieces: list[Piece]) -> float:
    """The longest side of the box round every piece on a cut, pocket or sheet layer."""
    pts = [p.pts for p in pieces if p.op.kind in _SIZED and len(p.pts)]
    if not pts:
        return 0.0
    allp = np.concatenate(pts)
    return float((allp.max(axis=0) - allp.min(axis=0)).max())


def check_coords(drawing: Drawing) -> None:
    """Refuse coordinates no machine reaches: the units are surely wrong."""
    du = drawing.units
    for p in drawing.pieces:
        if np.abs(p.pts).max(initial=0.0) > MAX_COORD:
            raise InputError(
                f"coordinates beyond {MAX_COORD:g} mm {p.where}: are the drawing units "
                f"right? ({du.said}, read as x{du.scale:g} to mm)", drawing.shown)
