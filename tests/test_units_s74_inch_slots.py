"""Slots in DXFs drawn in inches: a sheet layer's thickness in the drawing's units, and the
North American nominal plies (23/32 in, 3/4 in) among the slots said when nothing says
which ply a part was drawn for."""

from __future__ import annotations

import warnings

import ezdxf
import pytest

from wikicut.io.dxf import SlotRule, read_cutting_file, read_dxf_parts
from wikicut.io.dxf.layers import named_thickness
from wikicut.io.dxf.slots import find_slots

OUTSIDE = "6_anyTOOL_CUTTHROUGH_OUTSIDE"


def slotted(path, slot: float, sheet_layer: str | None, inches: bool = True):
    """A 24 x 12 plate with one notch `slot` wide and 4 deep (drawing units), on a 96 x 48
    sheet (inches) or the same in mm x 25.4 (`inches` False)."""
    k = 1.0 if inches else 25.4
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 1 if inches else 4
    msp = doc.modelspace()
    if sheet_layer is not None:
        msp.add_lwpolyline([(0, 0), (96 * k, 0), (96 * k, 48 * k), (0, 48 * k)], close=True,
                           dxfattribs={"layer": sheet_layer})
    x, w = 7 * k, slot / 2
    msp.add_lwpolyline([(k, k), (25 * k, k), (25 * k, 13 * k), (x + w, 13 * k), (x + w, 9 * k),
                        (x - w, 9 * k), (x - w, 13 * k), (k, 13 * k)], close=True,
                       dxfattribs={"layer": OUTSIDE})
    doc.saveas(path)
    return path


def slot_widths(outline) -> list[float]:
    return [round(s.width, 3) for s in find_slots(outline, 17.0, narrower=0.0, wider=3.5)]


def read(path, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts = read_dxf_parts(path, **kw)
    return parts, [str(w.message) for w in caught if "slot" in str(w.message)]


@pytest.mark.parametrize("name,scale,mm", [
    ("0_SHEET_Ply 96x48x0.703", 25.4, 17.8562),  # the drawing's units
    ("0_SHEET_Ply 96x48x0.703", 1.0, 0.703),
    ("0_SHEET_BirchPly 2440x1220x18", 25.4, 18.0),  # no sheet in inches: mm
    ("0_SHEET_Ply 96x48x18mm", 25.4, 18.0),  # its own unit
    ("0_SHEET_Ply 96x48x0.75in", 1.0, 19.05),
    ("0_SHEET_Plywood_3-4in", 25.4, 19.05),  # a fraction, '-' for '/'
    ("0_SHEET_Plywood_23-32IN", 1.0, 18.25625),
    ("0_SHEET_MelamineFacedPly18mm", 25.4, 18.0),
    ("0_SHEET_SPRUCEPLY_2440X122", 25.4, None),
])
def test_a_sheet_layers_thickness_is_in_the_drawings_units(name, scale, mm):
    got = named_thickness(name, scale)
    assert got == (None if mm is None else pytest.approx(mm, abs=1e-4))


def test_an_inch_sheet_layers_thickness_fits_the_slots_and_is_the_stock(tmp_path):
    """0.703 in ply (17.86 mm) with a 23/32 in slot (18.26 mm: 0.4 mm of clearance): in
    17.5 mm stock the slot is 17.9 mm, the clearance kept; in 17.86 mm stock (the ply the
    layer names) nothing moves; a cutting file's stock is 17.86 mm thick, never 0.703."""
    dxf = slotted(tmp_path / "a.dxf", 23 / 32, "0_SHEET_Ply 96x48x0.703")
    (part,), lines = read(dxf, thickness=17.5, slots=SlotRule())
    assert part.slots_fitted == 1 and slot_widths(part.outline) == [pytest.approx(17.9, abs=1e-3)]
    assert "drawn for 17.8562 mm ply, as sheet layer '0_SHEET_Ply 96x48x0.703' says" in lines[0]
    (part,), lines = read(dxf, thickness=17.86, slots=SlotRule())
    assert part.slots_fitted == 0 and slot_widths(part.outline) == [18.256] and not lines
    (sheet,) = read_cutting_file(dxf)
    assert sheet.stock.thickness == pytest.approx(17.8562, abs=1e-4)


@pytest.mark.parametrize("slot,ply", [(0.75, "3/4 in ply (19.05 mm)"),
                                      (23 / 32, "23/32 in ply (18.26 mm)")])
def test_inch_ply_slots_said_when_nothing_says_the_ply(tmp_path, slot, ply):
    """No thickness on the sheet layer: a 3/4 in slot (19.05 mm, beyond 18 mm ply's 19) and
    a 23/32 in one are said to be cut as drawn, the key set to the inch ply's own width."""
    dxf = slotted(tmp_path / "b.dxf", slot, "0_SHEET_Plywood")
    (part,), lines = read(dxf, thickness=17.86, slots=SlotRule())
    assert part.slots_fitted == 0
    mm = round(slot * 25.4, 3)
    assert len(lines) == 1 and f"holds 1 slot {mm:.2f} mm wide, as for {ply}, cut as drawn" \
        in lines[0], lines
    assert f"set drawn_thickness = {mm:g} (the ply" in lines[0]
    (part,), lines = read(dxf, thickness=17.86, slots=SlotRule(default=mm))
    assert part.slots_fitted == 1 and slot_widths(part.outline) == [17.86]


def test_a_three_quarter_inch_slot_in_a_metric_drawing(tmp_path):
    """A metric drawing: a 19.05 mm slot is said in 17.6 mm stock and in 18 mm stock (no
    slot of 18 mm ply, whose are 18-19 mm); given the part was drawn for 18 mm ply, it is
    not fitted with the 18.5 mm slots and is said to be cut as drawn."""
    dxf = slotted(tmp_path / "c.dxf", 19.05, None, inches=False)
    for stock in (17.6, 18.0):
        (part,), lines = read(dxf, thickness=stock, slots=SlotRule())
        assert len(lines) == 1 and "1 slot 19.05 mm wide, as for 3/4 in ply (19.05 mm), cut" \
            f" as drawn in the {stock:g} mm stock" in lines[0], lines
    (part,), lines = read(dxf, thickness=17.6, slots=SlotRule(default=18.0))
    assert part.slots_fitted == 0 and slot_widths(part.outline) == [19.05]
    assert any("holds 1 slot 19.05 mm wide, as for 3/4 in ply (19.05 mm), cut as drawn in the"
               " 17.6 mm stock: only slots 17.95-19 mm wide" in ln
               and "18 mm ply the parts were drawn for, as drawn_thickness says" in ln
               for ln in lines), lines
    # an 18.5 mm slot, 18 mm ply's, is fitted and nothing more said; nor in 18 mm stock
    dxf = slotted(tmp_path / "d.dxf", 18.5, None, inches=False)
    (part,), lines = read(dxf, thickness=17.6, slots=SlotRule(default=18.0))
    assert part.slots_fitted == 1 and len(lines) == 1 and ": fitted 1 slot" in lines[0]
    assert read(dxf, thickness=18.0, slots=SlotRule())[1] == []
