"""Repeated sheets: sheets with the same layout (the same stock, the same parts in the same
places at the same rotation, mirrored alike) are cut by one program, run once per sheet.

A whole house nests dozens of sheets of wall ribs alike; an operator wants one program and
"run it 28 times", not 28 files to tell apart. The program is named after the first sheet
it cuts and its count, `sheet-003-x28.nc`, so a name never changes while the layout does not
and a sheet cut once keeps its plain `sheet-003.nc`. Sheet numbers, DXFs and SVGs stay per
sheet: the parts of each physical sheet are still found and sorted by its own number.
"""

from __future__ import annotations

from ..model import Layout, Placement, SheetLayout, sheet_stem

_DECIMALS = 3  # placements equal to a thousandth of a mm (or degree) are the same cut


def _part_key(part) -> tuple:
    """A part's cutting identity: its name and its geometry (parts of one name may differ,
    e.g. a parametric rib at two lengths)."""
    geo = (part.outline.wkb, tuple((q.shape.wkb, q.depth) for q in part.pockets),
           tuple(part.drills), tuple((e.path.wkb, e.depth, e.label) for e in part.engravings),
           part.label_at, part.label_height)
    return (part.name, part.text, hash(geo))


def place_key(p: Placement, part_key: tuple | None = None) -> tuple:
    """One placement as repeated layouts are told apart: its part's cutting identity
    (`part_key`, when known already) and its place, to a thousandth."""
    pk = _part_key(p.part) if part_key is None else part_key
    return (pk, round(p.x, _DECIMALS) + 0.0, round(p.y, _DECIMALS) + 0.0,
            round(p.rotation % 360.0, _DECIMALS) % 360.0, p.mirrored)


def layout_key(sheet: SheetLayout) -> tuple:
    """What makes two sheets' programs the same: stock and every placement, order aside."""
    st = sheet.stock
    stock = (st.width, st.height, st.thickness, st.material, st.margin,
             tuple(z.wkb for z in st.keepouts), None if st.outline is None else st.outline.wkb)
    keys: dict[int, tuple] = {}
    places = []
    for p in sheet.placements:
        places.append(place_key(p, keys.setdefault(id(p.part), _part_key(p.part))))
    return stock, tuple(sorted(places))


def repeat_groups(layout: Layout) -> list[list[int]]:
    """Positions (0-based, in layout order) of the sheets each distinct program cuts, in order
    of each group's first sheet."""
    groups: dict[tuple, list[int]] = {}
    for k, sheet in enumerate(layout.sheets):
        groups.setdefault(layout_key(sheet), []).append(k)
    return list(groups.values())


def repeat_stem(first_index: int, count: int) -> str:
    """sheet-003 for a sheet cut once, sheet-003-x28 for a layout cut 28 times (first sheet 3)."""
    return sheet_stem(first_index) + (f"-x{count}" if count > 1 else "")


