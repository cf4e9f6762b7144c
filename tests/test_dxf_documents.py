"""What a DXF file says about itself, read as its writer meant it:

- several DXF documents one after another (tests/data/real/openscad_lazy_union/): OpenSCAD's
  DXF export, given several top-level objects (its lazy unions on), writes a whole document
  for each (export_dxf.cc: the GeometryList branch calls the one-polygon writer, header to
  EOF, per object); lazy_union.dxf is OpenSCAD 2021.01's own output for each object, one
  after the other as that loop writes them, and both_union.dxf its export of the two unioned;
- Inkscape's DXF R14 export (tests/data/real/inkscape_1_2/, written by Inkscape 1.2.2's
  dxf_outlines.py from the SVGs beside them): from 1.2 on it writes $INSUNITS from the
  document's unit, 0 for px; before 1.2 (freecad_library/inkscape.dxf, cadquery/genshi.dxf) it
  wrote none, its base unit pt unless the user chose another;
- wikicut's own sheet DXFs, re-imported as a designer or another CAM would.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import ezdxf
import pytest
import shapely
from conftest import read_said, run_wikicut

from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file, read_dxf_parts, write_sheet_dxf

REAL = Path(__file__).resolve().parent / "data" / "real"
LAZY = REAL / "openscad_lazy_union" / "lazy_union.dxf"
INKSCAPE = REAL / "inkscape_1_2"


def _shapes(parts):
    return sorted((round(p.outline.area, 3), len(p.outline.interiors), p.outline.bounds)
                  for p in parts)


# --- several documents in one file ---------------------------------------------------------

def test_every_document_of_an_openscad_lazy_union_export_is_read():
    data = LAZY.read_bytes()
    # ezdxf, as CAD, reads only the first: the plate's 8 lines
    assert data.count(b"\nEOF\n") == 2 and len(ezdxf.readfile(LAZY).modelspace()) == 8
    parts, said = read_said(LAZY)
    # the plate with its slot, and the disc of the second document
    assert _shapes(parts) == _shapes(read_said(REAL / "openscad_lazy_union" / "both_union.dxf")[0])
    assert [(round(p.outline.area), len(p.outline.interiors)) for p in parts] == \
        [(6600, 1), (706, 0)]
    assert said == [f"{LAZY}: 2 DXF documents one after another in the file (OpenSCAD writes "
                    "one for each top-level object): all read, as one drawing; CAD opens only "
                    "the first"]


@pytest.mark.parametrize("tail", [b"\n\n", b"\x1a", b"saved by hand\n"])
def test_what_follows_the_last_document_and_is_none_is_not_read(tmp_path, tail):
    path = tmp_path / "lazy.dxf"
    path.write_bytes(LAZY.read_bytes() + tail)
    parts, said = read_said(path)
    assert len(parts) == 2 and len(said) == 1


def test_entities_of_a_later_document_are_named_by_it(tmp_path):
    doc = ezdxf.new("R2010")
    doc.modelspace().add_lwpolyline([(0, 0), (50, 0), (50, 50), (0, 50)], close=True)
    first = tmp_path / "a.dxf"
    doc.saveas(first)
    doc2 = ezdxf.new("R2010")
    line = doc2.modelspace().add_line((100, 0), (150, 0))
    second = tmp_path / "b.dxf"
    doc2.saveas(second)
    both = tmp_path / "both.dxf"
    both.write_bytes(first.read_bytes() + second.read_bytes())
    with pytest.raises(InputError, match=rf"open contour \(entity {line.dxf.handle} of "
                       r"document 2, layer 0\)"):
        read_said(both)


def test_documents_in_different_units_are_refused(tmp_path):
    paths = []
    for units in (4, 1):
        doc = ezdxf.new("R2010")
        doc.header["$INSUNITS"] = units
        doc.modelspace().add_circle((units * 100, 0), 10)
        paths.append(tmp_path / f"{units}.dxf")
        doc.saveas(paths[-1])
    both = tmp_path / "both.dxf"
    both.write_bytes(paths[0].read_bytes() + paths[1].read_bytes())
    with pytest.raises(InputError) as err:
        read_said(both)
    assert str(err.value) == (f"{both}: its DXF documents are in different units: document 1 "
                              "$INSUNITS=4, document 2 $INSUNITS=1: join them into one "
                              "drawing in CAD")


def test_a_damaged_later_document_is_named(tmp_path):
    path = tmp_path / "two.dxf"
    path.write_bytes(LAZY.read_bytes() + b"  0\nSECTION\n  2\nENTITIES\n  0\nLINE\n 10\n")
    with pytest.raises(InputError, match=rf"^{path} \(document 3 of 3\): "):
        read_said(path)


def test_a_lazy_union_export_as_a_jobs_part_file(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text(f'name = "lazy"\n[sheet]\nwidth = 1220\nheight = 610\nthickness = 6\n'
                   f'[nest]\ntime_limit = 1\n[[part]]\nfile = "{LAZY}"\nquantity = 1\n')
    res = run_wikicut("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode")
    assert res.returncode == 0, res.stderr
    (warned,) = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert "2 DXF documents one after another" in warned
    assert "2/2 placed" in res.stderr + res.stdout


# --- Inkscape's DXF R14 export -------------------------------------------------------------

def test_inkscape_1_2_writes_insunits_0_for_px_and_says_so():
    path = INKSCAPE / "plate_px.dxf"
    assert b"$INSUNITS\n 70\n     0\n" in path.read_bytes()
    (plate,), said = read_said(path)
    assert plate.outline.bounds == pytest.approx((0, 0, 453.54331, 226.77165), abs=1e-5)
    assert said == [f"{path}: unitless ($INSUNITS=0), read as mm; $INSUNITS=0 is what "
                    "Inkscape's DXF R14 export writes for its base unit px (1/96 in): the "
                    "largest outline is 453.5 mm long; if the drawing is in px, give units = "
                    "'px' (120.0 mm)"]
    (plate,), said = read_said(path, units="px")
    assert plate.outline.bounds == pytest.approx((0, 0, 120, 60), abs=1e-5)
    assert said == []
    # the same plate drawn in mm: Inkscape says so, and nothing more is said
    path = INKSCAPE / "plate_mm.dxf"
    assert b"$INSUNITS\n 70\n     4\n" in path.read_bytes()
    (plate,), said = read_said(path)
    assert plate.outline.bounds == pytest.approx((0, 0, 120, 60), abs=1e-6)
    assert len(plate.outline.interiors) == 1 and said == []


def test_inkscape_before_1_2_records_no_units_and_is_said(tmp_path):
    path = REAL / "cadquery" / "genshi.dxf"
    (part,), said = read_said(path)
    assert said[0] == (
        f"{path}: unitless (no $INSUNITS in the header), read as mm; Inkscape's DXF R14 "
        "export before 1.2 records no units, and its base unit is pt (1/72 in) unless the "
        "user chose another: the largest outline is 77.8 mm long; if the drawing is in pt, "
        "give units = 'pt' (27.5 mm); if in inches (1977 mm), give units = 'inch'")
    (in_pt,), said = read_said(path, units="pt")
    assert in_pt.area == pytest.approx(part.area * (25.4 / 72) ** 2, rel=2e-3)
    assert not any("Inkscape" in s for s in said)
    # Fusion 360 writes AC1014 with $HANDSEED FFFF too, in another order and with its units
    _, said = read_said(REAL / "laser4diy" / "laserenclosure4_v8_mainsheet_x.dxf")
    assert not any("Inkscape" in s for s in said)
    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 0
    doc.modelspace().add_lwpolyline([(0, 0), (300, 0), (300, 200), (0, 200)], close=True)
    doc.saveas(tmp_path / "plain.dxf")
    assert read_said(tmp_path / "plain.dxf")[1] == []


# --- wikicut's own sheet DXFs, re-imported ---------------------------------------------------

MICROHOUSE = Path(__file__).resolve().parent.parent / "examples" / "microhouse" / \
    "MicroHouse_othercomponents_v0.5.dxf"


def _details(part):
    """What a part is cut as, its area as far as coordinates written to 0.1 um keep it."""
    return (pytest.approx(part.outline.area, rel=1e-6, abs=0.01), len(part.outline.interiors),
            sorted((round(d.diameter, 3), d.depth) for d in part.drills),
            sorted((round(k.shape.area, 1), k.depth) for k in part.pockets),
            len(part.engravings))


def test_written_sheets_audit_clean_and_read_back_as_written(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the source file's own warnings (mm in inches...)
        sheets = read_cutting_file(MICROHOUSE)
    for s in sheets[:4] + sheets[19:21]:
        path = tmp_path / f"sheet-{s.index}.dxf"
        write_sheet_dxf(s, path, screws=[(100.0, 100.0), (1200.0, 600.0)])
        doc = ezdxf.readfile(path)
        auditor = doc.audit()
        assert not auditor.has_errors and not auditor.fixes, path
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            (back,) = read_cutting_file(path)
            parts = read_dxf_parts(path)
        assert [str(w.message) for w in rec] == [], path
        assert back.stock == s.stock
        written = {pl.instance: pl.placed() for pl in s.placements}
        # as a cutting file: the same parts where they were
        got = {pl.instance: pl.part for pl in back.placements}
        assert set(got) == set(written)
        for k, part in written.items():
            assert _details(got[k]) == _details(part), k
            assert shapely.hausdorff_distance(got[k].outline, part.outline) < 1e-3
        # as a job's part file: the sheet rectangle is the sheet, not a part; each part is
        # named by the id written on it, and carries the holes its cut-outs leave in it
        assert sorted(p.name for p in parts) == sorted(written)
        for p in parts:
            part = written[p.name]
            inside = [q.outline for q in written.values()
                      if q is not part and shapely.Polygon(part.outline.exterior).contains(
                          q.outline)]
            if inside:
                part = replace(part, outline=part.outline.difference(shapely.union_all(inside)))
            assert _details(p) == _details(part), p.name
