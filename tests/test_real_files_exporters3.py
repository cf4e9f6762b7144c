"""Real DXF files from exporters and habits the corpus did not have yet (tests/data/real/,
SOURCES.md), each with the reading it must give: parts, sizes to 0.1 mm, holes and the
warnings, or the refusal.

- purple_tentacle/master.dxf (LibreCAD, dxfrw 0.6.3): a keyboard case's design master, its
  keys, LEDs and screws placed as nested blocks; LibreCAD writes every INSERT with z scale
  0, and exploding one with a circle in it failed ("float division"), so the file was
  refused before anything of it was read; plate.dxf is the plate the author exported from it;
- laser4diy/laserenclosure4_v8_mainsheet.dxf (Fusion 360 sheet-metal flat pattern, layers
  OUTER_PROFILES, INTERIOR_PROFILES, BEND, BEND_EXTENT): the bend lines were refused as open
  contours; laserenclosure4_v8_mainsheet_x.dxf is the same sheet with the bends deleted in
  LibreCAD by its authors;
- hackpiano/plate.dxf (a keyboard plate generator on maker.js: a HEADER with only $INSUNITS);
- lumberjack/*.dxf (KiCad's DXF plot: R12, layer BLACK, $MEASUREMENT but no $INSUNITS);
- zwerg/plate.dxf (OpenSCAD's newer writer: "999 DXF from OpenSCAD", AC1006 with LWPOLYLINEs
  that carry no handles).
"""

from __future__ import annotations

import collections
from pathlib import Path

import ezdxf
import pytest
import shapely
from conftest import read_said, run_wikicut

from wikicut.errors import InputError
from wikicut.io.dxf import classify_layer

REAL = Path(__file__).resolve().parent / "data" / "real"
MASTER = REAL / "purple_tentacle" / "master.dxf"
FLAT = REAL / "laser4diy" / "laserenclosure4_v8_mainsheet.dxf"


def _size(geom) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    return round(maxx - minx, 1), round(maxy - miny, 1)


def _dims(geom) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    return maxx - minx, maxy - miny


def _holes(part) -> collections.Counter:
    return collections.Counter(_size(shapely.Polygon(r)) for r in part.outline.interiors)


def test_blocks_with_z_scale_0_are_read_as_librecad_draws_them():
    """The Plate layer of the master, through three levels of blocks (some mirrored), is
    the plate the author exported: 80 switch cut-outs turned 13 degrees, 14 straight ones and
    3 LED holes (the 7 screw holes are on the Case layer)."""
    doc = ezdxf.readfile(MASTER)
    inserts = [*doc.modelspace().query("INSERT"), *(e for b in doc.blocks
                                                   for e in b.query("INSERT"))]
    assert len(inserts) == 69 and {float(e.dxf.zscale) for e in inserts} == {0.0}
    names = [layer.dxf.name for layer in doc.layers]
    only_plate = {n: "auto" if n == "Plate" else "ignore" for n in names}
    cutouts, said = read_said(MASTER, layer_map=only_plate)
    assert said == []
    got = collections.Counter(_size(p.outline) for p in cutouts)
    assert got == {(18.0, 16.0): 80, (15.5, 12.8): 14, (3.0, 3.0): 3}
    (plate,), _ = read_said(REAL / "purple_tentacle" / "plate.dxf")
    exported = _holes(plate)
    assert exported.pop((3.2, 3.2)) == 7
    assert got == exported
    assert sum(p.area for p in cutouts) == pytest.approx(
        sum(shapely.Polygon(r).area for r in plate.outline.interiors
            if _size(shapely.Polygon(r)) != (3.2, 3.2)), rel=1e-6)


def test_the_design_master_is_refused_for_its_open_construction_lines():
    with pytest.raises(InputError) as err:
        read_said(MASTER)
    msg = str(err.value)
    assert msg.startswith(f"{MASTER}: open contour (entity 162, layer Case) ends at "
                          "(-188.366, -93.524) and (188.366, -93.524), gap 376.732 mm;")
    assert "(entity 173, layer Construction: Case screws: corners)" in msg
    assert "float division" not in msg and "block reference" not in msg


def test_the_design_master_is_refused_from_the_command_line(tmp_path):
    out = tmp_path / "master.svg"
    res = run_wikicut("part", str(MASTER), "-o", str(out))
    assert res.returncode == 2, res.stderr
    (error,) = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert str(MASTER) in error and "open contour (entity 162, layer Case)" in error
    assert not out.exists()


def test_the_plate_librecad_exported():
    (plate,), said = read_said(REAL / "purple_tentacle" / "plate.dxf")
    assert _size(plate.outline) == (377.4, 214.5)
    assert _holes(plate) == {(18.0, 16.0): 80, (15.5, 12.8): 14, (3.2, 3.2): 7, (3.0, 3.0): 3}
    assert said == []


@pytest.mark.parametrize("name", ["BEND", "BEND_EXTENT", "bend_lines", "BENDLINES",
                                  "IV_BEND", "IV_BEND_DOWN", "IV_BEND_EXTENTS"])
def test_bend_layers_are_not_cut(name):
    op = classify_layer(name)
    assert op.kind == "ignore" and "bend" in op.unseen


@pytest.mark.parametrize("name", ["BENCH", "BENDY", "BEND_9mmDEEP", "0_SHEET_BEND"])
def test_names_that_only_start_like_bend_are_read_as_before(name):
    assert not classify_layer(name).unseen


def test_a_flat_pattern_is_its_outline_and_holes_and_its_bends_are_said():
    (part,), said = read_said(FLAT)
    (twin,), twin_said = read_said(REAL / "laser4diy" / "laserenclosure4_v8_mainsheet_x.dxf")
    assert twin_said == []
    assert _size(part.outline) == (776.5, 790.0)
    assert len(part.outline.interiors) == 212
    assert _holes(part)[(6.0, 6.0)] == 120 and _holes(part)[(140.0, 120.0)] == 1
    # the same sheet as the authors' copy with the bends deleted, to a micron
    assert shapely.hausdorff_distance(part.outline, twin.outline) < 1e-3
    assert part.outline.symmetric_difference(twin.outline).area < 1e-3
    assert not part.engravings and not part.pockets
    assert said == [
        f"{FLAT}: 6 entities on layer(s) 'BEND', 'BEND_EXTENT' not cut: bend marks of a "
        "sheet-metal flat pattern (its bend lines and the edges of its bend zones, as Fusion "
        "360 and Inventor export them), for the press brake (entities 313, 314, 315, 316, 317 "
        "and 1 more); to mark them, map the layer to an engraving (--layer "
        "'BEND=engrave:0.5', a job's [layers])"]


def test_bend_lines_mapped_to_an_engraving_are_engraved():
    (part,), said = read_said(FLAT, layer_map={"BEND": "engrave:0.5"})
    lines = sorted((round(e.path.coords[0][0], 2), round(e.path.length, 2), e.depth)
                   for e in part.engravings)
    assert lines == [(192.13, 790.0, 0.5), (584.39, 790.0, 0.5)]
    (line,) = said
    assert "4 entities on layer(s) 'BEND_EXTENT' not cut" in line
    assert "(entities 315, 316, 317, 318)" in line


def test_a_flat_pattern_from_the_command_line(tmp_path):
    out = tmp_path / "sheet.svg"
    res = run_wikicut("part", str(FLAT), "-o", str(out))
    assert res.returncode == 0, res.stderr
    warned = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warned) == 1 and "'BEND', 'BEND_EXTENT' not cut" in warned[0]
    assert out.exists()


def test_a_makerjs_plate_whose_header_has_only_its_units():
    path = REAL / "hackpiano" / "plate.dxf"
    head = path.read_bytes()[:200]
    assert b"$INSUNITS" in head and b"$ACADVER" not in path.read_bytes()
    (plate,), said = read_said(path)
    assert _dims(plate.outline) == pytest.approx((200.025, 57.15), abs=0.001)
    assert _holes(plate) == {(14.0, 14.0): 16}
    assert said == []


def test_a_kicad_plot_of_a_keyboard_plate():
    (plate,), said = read_said(REAL / "lumberjack" / "lumberjack-full.dxf")
    assert _dims(plate.outline) == pytest.approx((285.75, 95.25), abs=0.005)
    assert _holes(plate) == {(14.0, 14.0): 48, (14.1, 14.0): 4, (33.1, 15.4): 2,
                             (52.4, 90.5): 1}
    assert said == []


def test_a_kicad_plot_of_the_acrylic_cover():
    # the README: 95 x 57 mm of 2 mm acrylic with four M2 holes at the corners
    (cover,), _ = read_said(REAL / "lumberjack" / "cover.dxf")
    assert _dims(cover.outline) == pytest.approx((57.15, 95.25), abs=0.001)
    assert _holes(cover) == {(2.4, 2.4): 4}


def test_openscads_newer_writer():
    path = REAL / "zwerg" / "plate.dxf"
    assert path.read_bytes().startswith(b"999\nDXF from OpenSCAD\n")
    (plate,), said = read_said(path)
    assert _size(plate.outline) == (147.3, 109.8)
    assert _holes(plate) == {(14.0, 14.0): 23, (19.1, 19.1): 2}
    assert said == []
