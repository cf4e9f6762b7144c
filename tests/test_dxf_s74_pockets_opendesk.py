"""OpenDesk's pocket layers wikicut misread: `2MM_POCKET_1MM_CUTTER` (fin-locker-planter:
the depth first, the cutter after it) and `TOP-POCKET-OUTSIDE_1.000MM` (lift-standing-desk,
divide: the tool outside the line, the inner edge of a POCKET-INSIDE pocket of that depth)."""

from __future__ import annotations

import math
import warnings

import ezdxf
import pytest

from wikicut.errors import InputError
from wikicut.io.dxf import classify_layer, read_dxf_parts

CUTTER = "2MM_POCKET_1MM_CUTTER"
RING_IN = "TOP-POCKET-INSIDE_1.000MM"
RING_OUT = "TOP-POCKET-OUTSIDE_1.000MM"


def _plate(tmp_path, features):
    """A 400 x 300 mm part on TOP-CUT-OUTSIDE_18.000MM with `features`: (layer, kind, geom),
    kind "circle" ((x, y), r) or "poly" (points)."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (400, 0), (400, 300), (0, 300)], close=True,
                       dxfattribs={"layer": "TOP-CUT-OUTSIDE_18.000MM"})
    for layer, kind, geom in features:
        if kind == "circle":
            msp.add_circle(geom[0], geom[1], dxfattribs={"layer": layer})
        else:
            msp.add_lwpolyline(geom, close=True, dxfattribs={"layer": layer})
    path = tmp_path / "plate.dxf"
    doc.saveas(path)
    return path


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_dxf_parts(path, thickness=18.0)


def test_the_depth_before_pocket_is_read_never_the_cutter_after_it():
    op = classify_layer(CUTTER)
    assert (op.kind, op.depth, op.back) == ("pocket", 2.0, False)


def test_a_cutter_layer_pocket_is_cut_two_mm_deep(tmp_path):
    square = [(100, 100), (140, 100), (140, 130), (100, 130)]
    (part,) = _read(_plate(tmp_path, [(CUTTER, "poly", square)]))
    assert [round(p.depth, 6) for p in part.pockets] == [2.0]
    assert part.pockets[0].shape.area == pytest.approx(1200.0)


def test_an_outside_pocket_is_an_island_and_never_cleared_alone(tmp_path):
    # lift-standing-desk: a 9 mm hole's counterbore, r 4.5 inside r 7, 1 mm deep
    (tmp_path / "ring").mkdir()
    path = _plate(tmp_path / "ring", [(RING_IN, "circle", ((200, 150), 7.0)),
                                      (RING_OUT, "circle", ((200, 150), 4.5))])
    (part,) = _read(path)
    assert len(part.pockets) == 1
    ring = part.pockets[0]
    assert ring.depth == 1.0
    assert ring.shape.area == pytest.approx(math.pi * (7.0 ** 2 - 4.5 ** 2), rel=0.02)
    assert not ring.shape.contains(ring.shape.centroid)  # the middle is not cleared
    # with no POCKET-INSIDE edge round it, what lies outside it is not drawn
    path = _plate(tmp_path, [(RING_OUT, "poly", [(100, 100), (160, 100), (160, 140),
                                                 (100, 140)])])
    with pytest.raises(InputError) as err:
        _read(path)
    said = str(err.value)
    assert RING_OUT in said
    assert "clears outside its line" in said and "POCKET-INSIDE" in said
    assert "back face" not in said
    assert "\n" not in said
