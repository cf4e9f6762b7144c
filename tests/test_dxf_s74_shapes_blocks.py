"""What lies in a block is named by its place there (crkbd's keyboard plates: a plate
outline drawn twice by two blocks inserted in one INSERT was "entities 1CD on 1CD"), and a
fill on an engraving layer is not cut, as on a layer read by shape, where a layer that
cuts it refuses it under its own role."""

from __future__ import annotations

import warnings

import ezdxf
import pytest

from wikicut.errors import InputError
from wikicut.io.dxf import read_dxf_parts

_PLATE = [(0, 0), (120, 0), (120, 80), (0, 80)]


def _doc():
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    return doc, doc.modelspace()


def _read(path, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        parts = read_dxf_parts(path, **kw)
    return parts, [str(w.message) for w in rec]


def test_an_outline_drawn_twice_in_a_block_names_the_block_and_its_entities(tmp_path):
    doc, msp = _doc()
    key = doc.blocks.new("KEY")
    first = key.add_lwpolyline(_PLATE, close=True)
    again = key.add_lwpolyline([(x + 0.004, y) for x, y in _PLATE], close=True)
    ref = msp.add_blockref("KEY", (10, 10), dxfattribs={"layer": "Cut"})
    doc.saveas(tmp_path / "k.dxf")
    (part,), said = _read(tmp_path / "k.dxf")
    h, i = ref.dxf.handle, (first.dxf.handle, again.dxf.handle)
    assert any(f"1 outline(s) drawn twice cut once (entities {i[1]} in block 'KEY' via "
               f"INSERT {h} on {i[0]} in block 'KEY' via INSERT {h} (0.004 mm)" in s
               for s in said), said


def test_blocks_inserted_in_a_block_are_named_by_the_inserts_down_to_them(tmp_path):
    doc, msp = _doc()
    inner = doc.blocks.new("PLATE")
    line = inner.add_line((0, 0), (120, 0))  # an open contour: refused, naming it
    outer = doc.blocks.new("PAIR")
    a = outer.add_blockref("PLATE", (0, 0))
    b = outer.add_blockref("PLATE", (0, 200))
    ref = msp.add_blockref("PAIR", (0, 0))
    doc.saveas(tmp_path / "n.dxf")
    with pytest.raises(InputError) as exc:
        read_dxf_parts(tmp_path / "n.dxf")
    said = str(exc.value)
    for via in (a, b):
        assert (f"open contour (entity {line.dxf.handle} in block 'PLATE' via INSERT "
                f"{ref.dxf.handle} > {via.dxf.handle}, layer 0) ends at") in said


def _hatched(tmp_path):
    doc, msp = _doc()
    msp.add_lwpolyline(_PLATE, close=True, dxfattribs={"layer": "Cut"})
    msp.add_line((20, 40), (100, 40), dxfattribs={"layer": "Marks"})
    hatch = msp.add_hatch(dxfattribs={"layer": "Marks"})
    hatch.paths.add_polyline_path([(30, 30), (50, 30), (50, 50)], is_closed=True)
    doc.saveas(tmp_path / "h.dxf")
    return tmp_path / "h.dxf", hatch.dxf.handle


def test_a_hatch_on_an_engraving_layer_is_not_cut_and_said(tmp_path):
    path, hatch = _hatched(tmp_path)
    (part,), said = _read(path, layer_map={"Marks": "engrave"})
    assert len(part.engravings) == 1
    assert any(f"1 entity not cut, as it draws no outline: HATCH (entity {hatch} on layer(s) "
               "'Marks')" in s for s in said), said


def test_a_hatch_on_a_pocket_layer_is_refused_naming_that_role(tmp_path):
    path, hatch = _hatched(tmp_path)
    with pytest.raises(InputError, match=rf"unsupported entity HATCH on pocket layer \(entity "
                                         rf"{hatch}, layer Marks\): draw it with lines"):
        read_dxf_parts(path, layer_map={"Marks": "pocket:6"})
