"""A cutting file laid out elsewhere, each sheet fitted to the machine's travel (turned a
quarter where only that fits) and written as programs in its own coordinates."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path, PurePosixPath

from ..errors import InputWarning, UnsafeJobError
from ..io.dxf.write import SheetMarks, read_sheet_marks
from ..io.job import Reading
from ..io.staging import staged_output
from ..model import Layout, Profile, SheetLayout
from .job import profile_ref, skin_held_note
from .outputs import NestResult, Progress, write_outputs

TURN_NOTE = "turned 90 deg clockwise from the drawing to fit the machine's travel"


def _cut_box(sheet: SheetLayout, profile: Profile) -> tuple[float, float, float, float]:
    """Where the tool centre goes: every part's bounds grown by the tool radius plus the
    edge slack the toolpath allows (parts drawn flush with the sheet edge)."""
    from ..cam import EDGE_SLACK

    boxes = [pl.placed().outline.bounds for pl in sheet.placements]
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    g = profile.tool.radius + EDGE_SLACK
    return (min(b[0] for b in boxes) - g, min(b[1] for b in boxes) - g,
            max(b[2] for b in boxes) + g, max(b[3] for b in boxes) + g)


def turn_sheet(sheet: SheetLayout) -> SheetLayout:
    """The sheet turned a quarter clockwise, lower-left corner kept at 0,0: (x, y) -> (y, W - x).
    A placement's rotation drops by 90 degrees and its offset turns with it, so every part,
    pocket, drill and label turns exactly as drawn (a rotation, never a mirror: a part cut
    face down stays so, and climb stays climb)."""
    from dataclasses import replace

    from shapely import affinity

    from ..model import Placement

    st = sheet.stock
    turned = [Placement(p.instance, p.part, p.y, st.width - p.x, (p.rotation - 90.0) % 360.0,
                        p.mirrored) for p in sheet.placements]
    def turn(z):
        return affinity.translate(affinity.rotate(z, -90.0, origin=(0, 0)), 0.0, st.width)

    stock = replace(st, width=st.height, height=st.width,
                    keepouts=tuple(turn(z) for z in st.keepouts),
                    outline=None if st.outline is None else turn(st.outline))
    return SheetLayout(sheet.index, stock, turned, sheet.used_length)


def fit_machine(sheet: SheetLayout, profile: Profile) -> tuple[SheetLayout, bool]:
    """The sheet as drawn if it fits the machine's travel, else turned 90 degrees if that fits
    (WikiHouse sheets are drawn portrait, most routers are landscape). A sheet fits when its
    rectangle does, or failing that, where the tool goes. (sheet, turned?)"""
    st = sheet.stock
    turned = turn_sheet(sheet)
    if profile.limits.holds((0.0, 0.0, st.width, st.height)):
        return sheet, False
    if profile.limits.holds((0.0, 0.0, st.height, st.width)):
        return turned, True
    if profile.limits.holds(_cut_box(sheet, profile)):
        return sheet, False
    if profile.limits.holds(_cut_box(turned, profile)):
        return turned, True
    return sheet, False  # fits neither way: plan_sheet refuses it, naming the travel limits


def as_marked(sheets: list[SheetLayout], marks: SheetMarks) -> list[SheetLayout]:
    """The sheets of a sheet DXF wikicut wrote, as its job named them (read_sheet_marks):
    each part with its name and the label the router engraves and the operator sorts by
    (the file's text gives only its id), and the sheet's number in the job where the file
    is that one sheet. A file with no marks is returned as read."""
    if not marks.parts and marks.sheet is None:
        return sheets
    out = []
    for s in sheets:
        placements = []
        for pl in s.placements:
            named = marks.parts.get(pl.instance)
            part = pl.part if named is None else replace(pl.part, name=named[0],
                                                         label=named[1])
            placements.append(replace(pl, part=part))
        index = marks.sheet if marks.sheet is not None and len(sheets) == 1 else s.index
        out.append(SheetLayout(index, s.stock, placements, s.used_length))
    return out


def run_gcode(cutfile: Path, outdir: Path, profile: Profile, *, force: bool = False,
              layer_map: dict[str, str] | None = None, toolpaths: bool = False,
              reading: Reading | None = None, progress: Progress | None = None) -> NestResult:
    """Programs for a cutting file laid out elsewhere: one per sheet, in its own coordinates
    (turned 90 degrees, and said so in the program header, when only that fits the machine).
    `reading` is read as a job reads its DXF parts (a measured thickness replaces the
    drawing's); `layer_map` adds to its layer map."""
    from ..cam.rack import check_profile_tool
    from ..io.dxf import read_cutting_file
    from ..io.profiles import depth_problem
    from ..io.tools import load_library

    reading = reading or Reading()
    if reading.drawn_given is not None and reading.thickness is None:
        warnings.warn(f"{cutfile}: --drawn-thickness {reading.drawn_given:g} without the"
                      " measured --thickness: the sheets are cut at the drawing's thickness"
                      " and no slot is fitted", InputWarning, stacklevel=2)
    if layer_map:
        reading = replace(reading, layer_map={**reading.layer_map, **layer_map})
    with staged_output(Path(outdir), force, [Path(cutfile)]) as stage:
        drawn = read_cutting_file(cutfile, display=str(cutfile), thickness=reading.thickness,
                                  clearance=profile.tool.diameter, slots=reading.slot_rule(),
                                  **reading.dxf_keywords())
        drawn = as_marked(drawn, read_sheet_marks(cutfile, str(cutfile)))
        if not drawn:
            raise UnsafeJobError("no sheets or parts found in the cutting file", cutfile)
        sheets: list[SheetLayout] = []
        notes: dict[int, str] = {}
        library = load_library()
        for s in drawn:
            try:  # the profile's own tool and depth per pass, held to what nest holds them to
                check_profile_tool(profile, library, s.stock.material)
            except UnsafeJobError as exc:
                raise UnsafeJobError(f"sheet {s.index}: {exc.detail}", cutfile) from None
            if reading.thickness is None and (why := depth_problem(profile, s.stock.thickness)):
                # the drawing's number (its sheet layer's name), not the machine, to check first
                raise UnsafeJobError(f"sheet {s.index}, as the drawing gives it (its sheet layer,"
                                     f" else 18 mm): {why}; give the stock's with --thickness",
                                     cutfile)
            fitted, turned = fit_machine(s, profile)
            if not profile.limits.holds(_cut_box(fitted, profile)):
                # the drawing, not the profile, is what is too large: say so in its terms
                x0, y0, x1, y1 = _cut_box(s, profile)
                lim = profile.limits
                raise UnsafeJobError(
                    f"sheet {s.index}: its parts span {x1 - x0:.1f} x {y1 - y0:.1f} mm with the"
                    f" tool, more than the {profile.name} machine's travel"
                    f" ({lim.x_max - lim.x_min:g} x {lim.y_max - lim.y_min:g} mm) either way"
                    " round", cutfile)
            sheets.append(fitted)
            if turned:
                notes[s.index] = TURN_NOTE
        settings = {"profile": profile.name, "tool_diameter": profile.tool.diameter,
                    "profile_ref": _profile_ref(profile, Path(outdir).resolve().parent),
                    "turned_sheets": sorted(notes)}
        result = write_outputs(Path(cutfile).stem, Layout(sheets=sheets), outdir,
                               profile=profile, force=force, toolpaths=toolpaths,
                               progress=progress, settings=settings, notes=notes, stage=stage)
        # laid out elsewhere: no spacing of ours to advise on
        if note := skin_held_note(result, profile, float("inf")):
            warnings.warn(f"{cutfile}: {note}", InputWarning, stacklevel=2)
        return result


def _profile_ref(profile: Profile, base: Path) -> str | None:
    """`settings.profile_ref` of the profile a cutting file is cut with (there is no job
    file): a shipped one's name, else its file's path from `base`, the folder the output
    folder is in (where `wikicut diff` and `recut` look beside it); None for a profile read
    from no file."""
    from ..io.profiles import PROFILE_DIR

    src = profile.source
    if not src:
        return None
    shipped = PurePosixPath(src)
    if shipped.parent.as_posix() == "profiles" and (PROFILE_DIR / shipped.name).is_file():
        return shipped.stem  # load_profile names a shipped file so
    return profile_ref(str(Path(src).resolve()), base)

