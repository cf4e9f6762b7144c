"""Entities that draw no outline in a cutting file (a photo or a scanned plan traced over,
a wipeout, an OLE object, a light) are not cut, with one warning naming them; solids,
regions and meshes, drawn but not as a flat outline, are refused in one line saying how to
draw them. The files are written by ezdxf, as CAD writes these entities.
"""

from __future__ import annotations

import ezdxf
import pytest
from conftest import read_said, run_wikicut
from ezdxf.acis import api as acis
from ezdxf.render import MeshBuilder, forms

from wikicut.errors import InputError


def _plate(doc):
    """A 100 x 50 plate with a 20 x 10 hole, on layer 0."""
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True)
    msp.add_lwpolyline([(40, 20), (60, 20), (60, 30), (40, 30)], close=True)
    return msp


def _acis(entity, mesh):
    """The entity holding `mesh` as ACIS data (ezdxf does not write a solid without it)."""
    acis.export_dxf(entity, [acis.body_from_mesh(mesh)])
    return entity


def _solid(msp, kind: str):
    cube = forms.cube().scale_uniform(10)
    if kind == "MESH":
        mesh = msp.add_mesh()
        with mesh.edit_data() as data:
            data.vertices, data.faces = list(cube.vertices), list(cube.faces)
        return mesh
    return _acis({"3DSOLID": msp.add_3dsolid, "BODY": msp.add_body}[kind](), cube)


def _new():
    doc = ezdxf.new("R2010")
    doc.units = ezdxf.units.MM
    return doc


def test_an_image_traced_over_is_not_cut_and_said(tmp_path):
    doc = _new()
    msp = _plate(doc)
    photo = doc.add_image_def("scan.jpg", size_in_pixel=(640, 480))
    img = msp.add_image(photo, insert=(-10, -10), size_in_units=(120, 90),
                        dxfattribs={"layer": "Trace"})
    path = tmp_path / "traced.dxf"
    doc.saveas(path)
    (part,), said = read_said(path)
    assert part.outline.area == pytest.approx(100 * 50 - 20 * 10)
    assert len(part.outline.interiors) == 1
    assert said == [
        f"{path}: 1 entity not cut, as it draws no outline: IMAGE (entity {img.dxf.handle} "
        "on layer(s) 'Trace'): images, underlays (PDF, DWF, DGN), OLE objects and lights "
        "are pictures to trace over and scene aids, not drawings; trace what is to be cut "
        "with lines, arcs or polylines"]


def test_hatches_and_solid_fills_are_not_cut_and_said(tmp_path):
    """A hatch painting the plate (its own layer, or the plate's) and a 2D SOLID: fills,
    not outlines, as a CAM import skips them (they were refused as unsupported on a cut
    layer); the plate is read as drawn."""
    doc = _new()
    msp = _plate(doc)
    hatch = msp.add_hatch(dxfattribs={"layer": "HATCH"})
    hatch.paths.add_polyline_path([(0, 0), (100, 0), (100, 50), (0, 50)], is_closed=True)
    own = msp.add_hatch()
    own.paths.add_polyline_path([(40, 20), (60, 20), (60, 30), (40, 30)], is_closed=True)
    solid = msp.add_solid([(110, 0), (130, 0), (110, 20)], dxfattribs={"layer": "HATCH"})
    path = tmp_path / "hatched.dxf"
    doc.saveas(path)
    (part,), said = read_said(path)
    assert part.outline.area == pytest.approx(100 * 50 - 20 * 10)
    assert len(said) == 1 and "3 entities not cut, as they draw no outline: HATCH, SOLID" in said[0]
    for e in (hatch, own, solid):
        assert e.dxf.handle in said[0]
    assert "hatches and solid fills paint an area, they do not outline it" in said[0]
    assert "images, underlays" not in said[0]


def test_underlays_wipeouts_ole_objects_and_lights_are_one_warning(tmp_path):
    doc = _new()
    msp = _plate(doc)
    plan = doc.add_underlay_def("plan.pdf", fmt="pdf", name="1")
    kinds = [msp.add_underlay(plan, insert=(0, 0)),
             msp.add_wipeout([(10, 10), (20, 10), (20, 20), (10, 20)]),
             msp.new_entity("OLE2FRAME", {}), msp.new_entity("LIGHT", {"name": "sun"})]
    kinds[1].dxf.layer = "Mask"
    path = tmp_path / "aids.dxf"
    doc.saveas(path)
    (part,), said = read_said(path)
    assert part.outline.area == pytest.approx(4800)
    (line,) = said
    handles = ", ".join(e.dxf.handle for e in kinds)
    assert line.startswith(f"{path}: 4 entities not cut, as they draw no outline: PDFUNDERLAY, "
                           f"WIPEOUT, OLE2FRAME, LIGHT (entities {handles} on layer(s) '0', "
                           "'Mask'): ")
    # what a wipeout hid in CAD is cut: the designer is told
    assert line.endswith("; a WIPEOUT only hides what lies under it in CAD, and that is cut "
                         "as drawn")


def test_pictures_in_blocks_on_hidden_or_ignored_layers(tmp_path):
    doc = _new()
    msp = _plate(doc)
    photo = doc.add_image_def("scan.jpg", size_in_pixel=(64, 48))
    block = doc.blocks.new("LOGO")
    block.add_image(photo, insert=(0, 0), size_in_units=(10, 7.5))
    ref = msp.add_blockref("LOGO", (5, 5), dxfattribs={"layer": "Art"})
    msp.add_image(photo, insert=(0, 0), size_in_units=(10, 7.5),
                  dxfattribs={"layer": "DONOTCUT"})
    doc.layers.add("Off").off()
    msp.add_image(photo, insert=(0, 0), size_in_units=(10, 7.5), dxfattribs={"layer": "Off"})
    path = tmp_path / "logo.dxf"
    doc.saveas(path)
    (part,), said = read_said(path)
    # the picture in the block is named by its block reference, on the reference's layer;
    # one on a layer not cut, or switched off, is not a word (nor the switched-off layer)
    assert said == [
        f"{path}: 1 entity not cut, as it draws no outline: IMAGE (entity {ref.dxf.handle} "
        "on layer(s) 'Art'): images, underlays (PDF, DWF, DGN), OLE objects and lights are "
        "pictures to trace over and scene aids, not drawings; trace what is to be cut with "
        "lines, arcs or polylines"]


@pytest.mark.parametrize("kind", ["3DSOLID", "BODY", "MESH"])
def test_solids_and_meshes_are_refused_with_the_way_to_a_flat_outline(tmp_path, kind):
    doc = _new()
    msp = _plate(doc)
    made = _solid(msp, kind)
    path = tmp_path / "solid.dxf"
    doc.saveas(path)
    with pytest.raises(InputError) as err:
        read_said(path)
    assert str(err.value) == (
        f"{path}: unsupported entity {kind} on cut layer (entity {made.dxf.handle}, layer 0): "
        "a 3D solid, surface or mesh is not a flat outline: export the part's outline (a flat "
        "pattern or a 2D projection) as lines, arcs or polylines")


def test_a_region_is_refused_with_explode(tmp_path):
    doc = _new()
    msp = _plate(doc)
    square = MeshBuilder()
    square.add_face([(0, 0, 0), (10, 0, 0), (10, 10, 0), (0, 10, 0)])
    region = _acis(msp.add_region(dxfattribs={"layer": "Cut"}), square)
    path = tmp_path / "region.dxf"
    doc.saveas(path)
    with pytest.raises(InputError, match=r"unsupported entity REGION on cut layer \(entity "
                       rf"{region.dxf.handle}, layer Cut\): a REGION keeps its outline as "
                       r"ACIS solid-modelling data, which wikicut does not read: explode it "
                       r"to lines and arcs in CAD \(EXPLODE\)$"):
        read_said(path)


def test_a_traced_photo_from_the_command_line(tmp_path):
    doc = _new()
    msp = _plate(doc)
    photo = doc.add_image_def("scan.jpg", size_in_pixel=(640, 480))
    msp.add_image(photo, insert=(-10, -10), size_in_units=(120, 90))
    path = tmp_path / "traced.dxf"
    doc.saveas(path)
    out = tmp_path / "traced.svg"
    res = run_wikicut("part", str(path), "-o", str(out))
    assert res.returncode == 0, res.stderr
    warned = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warned) == 1 and "IMAGE (entity" in warned[0]
    assert out.exists()
