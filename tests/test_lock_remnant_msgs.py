"""Locks kept from keep-outs as nested parts are, and the messages of offcuts and remnants:
a part that does not fit an offcut's outline (recut, and the check before a search), a
remnant id that left the inventory, an offcut outline DXF that is drawn wrong."""

from __future__ import annotations

from pathlib import Path

import ezdxf
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import rect_part
from shapely import affinity

from wikicut.cli import main
from wikicut.errors import EXIT_INPUT, InputError, UnsafeJobError
from wikicut.io.items import job_items
from wikicut.io.job import load_job
from wikicut.model import NestItem, Part, Stock
from wikicut.model.nesting import fits_turned, usable_boxes
from wikicut.nest import check_fits
from wikicut.recut import place_on, remnant_stock


def job(tmp_path: Path, lock: str, keepouts: str = "[[0, 0, 120, 120]]",
        spacing: float = 12) -> Path:
    (tmp_path / "sq.toml").write_text(rect_part("sq", 200, 100))
    path = tmp_path / "job.toml"
    path.write_text(f"""\
name = "locks"
[sheet]
width = 1200
height = 600
thickness = 18
margin = 10
keepouts = {keepouts}
[nest]
spacing = {spacing}
iterations = 1
[machine]
profile = "grbl"
[[part]]
file = "sq.toml"
quantity = 2
lock = {lock}
""")
    return path


# --- a locked part kept from the keep-outs ---------------------------------------------------


def test_a_lock_within_half_the_spacing_of_a_keepout_is_refused_at_load(tmp_path):
    """2 mm from a clamp, the tool cutting round the part ran over the clamp: the job was
    refused only after its programs were planned, naming a line of a file never written."""
    path = job(tmp_path, "{ sheet = 1, x = 122, y = 10 }")
    res = CliRunner().invoke(main, ["nest", str(path), "-o", str(tmp_path / "out"),
                                    "--no-gcode"])
    assert res.exit_code == EXIT_INPUT, res.output
    (line,) = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    for needle in ("job.toml", "key 'part[1].lock' (line 16)", "2.000 mm from keepouts[0]",
                   "6 mm, half the 12 mm spacing"):
        assert needle in line, line
    assert not (tmp_path / "out").exists()


def test_a_lock_half_the_spacing_from_a_keepout_is_kept_nearer_refused(tmp_path):
    """The room the nester keeps round a keep-out (each part grown by half the spacing), no
    more: a lock at it is the user's to choose, 0.1 mm nearer is refused. (Locks nearer each
    other than the spacing were refused already, as tests/test_job_locks.py shows.)"""
    with pytest.raises(InputError, match=r"5\.900 mm from keepouts\[0\]"):
        job_items(load_job(job(tmp_path, "{ sheet = 1, x = 125.9, y = 10 }")))
    items = job_items(load_job(job(tmp_path, "{ sheet = 1, x = 126, y = 10 }")))
    assert [it.lock.x for it in items if it.lock is not None] == [126]


# --- an offcut's outline, not its box -------------------------------------------------------


def disc() -> Stock:
    return Stock(width=1180, height=1180, thickness=18, margin=10,
                 outline=shapely.Point(590, 590).buffer(590, quad_segs=32))


def test_the_check_before_a_search_holds_a_part_to_an_offcut_outline(tmp_path):
    """A 1000 mm square fits the 1160 mm box inside the margin of a 1180 mm disc, never the
    disc: refused before the search, as a part larger than every sheet (it was "did not fit
    the stock" after it). A part the disc holds at an angle is never refused."""
    st = disc()
    square = Part("sq", shapely.box(0, 0, 1000, 1000))
    with pytest.raises(UnsafeJobError, match="1000.0 x 1000.0 mm, larger than every sheet's"
                       r" usable area \(1160 x 1160 mm inside the margin, and within that the"
                       r" offcut's outline\) at any angle"):
        check_fits([NestItem("sq#1", square)], [st])
    rooms = usable_boxes([st])
    rng = np.random.default_rng(7)
    usable = st.usable
    for _ in range(200):  # random convex parts drawn inside the usable disc, turned back
        pts = rng.uniform(0, 1180, (rng.integers(3, 12), 2))
        g = shapely.MultiPoint(pts).convex_hull.intersection(usable)
        if g.geom_type != "Polygon" or g.area < 1:
            continue
        a = float(rng.uniform(0, 360))
        turned_back = affinity.rotate(g, -a, origin=(0, 0))
        assert fits_turned(turned_back, (a,), rooms)[0], a


def test_recut_says_the_part_does_not_fit_the_offcut_outline(tmp_path):
    st = disc()
    with pytest.raises(UnsafeJobError) as e:
        place_on(Part("sq", shapely.box(0, 0, 1000, 1000)), st, None, 6.0)
    msg = str(e.value)
    assert "does not fit the offcut's outline (1180 x 1180 mm box, 1.09" in msg, msg
    assert "m2 of material; margin 10, keep-outs avoided)" in msg, msg


# --- a remnant id no longer in the inventory -------------------------------------------------


def test_a_remnant_id_gone_from_the_inventory_is_not_said_cut_by_a_job(tmp_path):
    """Below next_id but not listed: a job cut it, or a --force re-run undid the draw that
    added it; the inventory cannot tell which."""
    inv = tmp_path / "inv.toml"
    inv.write_text('next_id = 5\n\n[[sheet]]\nid = "R0002"\nmaterial = "Plywood"\n'
                   "thickness = 18\nwidth = 400\nheight = 300\nmargin = 10\n")
    with pytest.raises(InputError) as e:
        remnant_stock("R0003", tmp_path, inv)
    msg = str(e.value)
    assert "remnant R0003 is no longer in the inventory (taken by a job, or removed by a" \
           " --force re-run that undid the draw adding it" in msg, msg
    assert "a job cut it since" not in msg


# --- an offcut outline DXF drawn wrong --------------------------------------------------------


@pytest.mark.parametrize("points, closed, needle", [
    ([(0, 0), (900, 0), (900, 500), (0, 500)], False, "open contour (entity"),
    ([(0, 0), (900, 500), (900, 0), (0, 500)], True, "self-intersecting contour (entity"),
])
def test_an_offcut_outline_drawn_wrong_says_to_fix_the_drawing(tmp_path, points, closed,
                                                               needle):
    """Not to map a layer in [layers]: the contour is on a cut layer already."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    doc.modelspace().add_lwpolyline(points, close=closed, dxfattribs={"layer": "0"})
    doc.saveas(tmp_path / "offcut.dxf")
    (tmp_path / "sq.toml").write_text(rect_part("sq", 100, 100))
    path = tmp_path / "job.toml"
    path.write_text('name = "j"\n[sheet]\nthickness = 18\noutline = "offcut.dxf"\n'
                    '[machine]\nprofile = "grbl"\n[[part]]\nfile = "sq.toml"\n')
    with pytest.raises(InputError) as e:
        load_job(path)
    msg = str(e.value)
    assert needle in msg and "offcut.dxf" in msg, msg
    assert msg.endswith("the offcut's outline must be one closed contour that does not cross"
                        " itself: fix the drawing"), msg
    assert "[layers]" not in msg, msg
