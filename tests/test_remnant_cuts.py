"""A remnant is material the job left whole: every path the tool cut (lead arcs and ramps
in the waste too) and every hold-down screw hole is out of it, and no part of it is
narrower than min_width (no sliver, no spike)."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
import shapely
from conftest import ROOT, profile_copy
from shapely.geometry import Polygon

from wikicut.cam.safety import toolpath_segments
from wikicut.io.job import load_job
from wikicut.io.remnants import RemnantRules, remnant_pieces
from wikicut.model import SheetLayout, Stock
from wikicut.pipeline import job_profile, run_nest

LEAD_JOB = f"""\
name = "lead"
[sheet]
width = 1220
height = 1220
thickness = 18
margin = 15
material = "Plywood"
[nest]
spacing = 12
seed = 1
iterations = 30
time_limit = 10
workers = 1
[machine]
profile = "lead.toml"
[[part]]
file = "{(ROOT / 'parts' / 'spacer.toml').as_posix()}"
quantity = 3
[remnants]
min_width = 150
min_area_m2 = 0.05
margin = 5
"""


@pytest.fixture(scope="module")
def lead_run(tmp_path_factory):
    """Three spacers on a sheet, cut with 30 mm lead-in arcs and held by screws: the
    program, the profile and the remnants written (in sheet coordinates)."""
    tmp = tmp_path_factory.mktemp("lead")
    profile_copy(tmp, "grbl", [
        ('# lead_in = "none"', 'lead_in = "arc"'), ("# lead_radius = 0", "lead_radius = 30"),
        ("# [holddown]", "[holddown]"), ('# mode = "screws"', 'mode = "screws"')], "lead.toml")
    (tmp / "job.toml").write_text(LEAD_JOB)
    job = load_job(tmp / "job.toml")
    result = run_nest(job, tmp / "o")
    (sheet,) = result.layout.sheets
    written = tomllib.loads((tmp / "o" / "remnants.toml").read_text())["sheet"]
    assert written, "the job leaves no remnant to check"
    pieces = []
    for r in written:
        # the parts sit in one corner: a piece the sheet's width and height is in place
        assert (r["width"], r["height"]) == (sheet.stock.width, sheet.stock.height)
        pieces.append(Polygon(r.get("outline") or shapely.box(0, 0, r["width"], r["height"])
                              .exterior.coords, r.get("holes", [])))
    return result.programs[0], job_profile(job), pieces


def test_no_remnant_lies_over_a_lead_arc_or_any_other_cut(lead_run):
    """The lead arcs reach 30 mm into the waste, further than the spacing grows the parts:
    the remnant leaves out every groove the tool cut, tool radius wide."""
    program, prof, pieces = lead_run
    segs = toolpath_segments(program, prof)
    cut = shapely.union_all(shapely.buffer(shapely.linestrings(segs.reshape(-1, 2, 2)),
                                           prof.tool.radius - 0.01))
    for piece in pieces:
        assert piece.intersection(cut).area < 1e-6


def test_no_remnant_lies_over_a_hold_down_screw(lead_run):
    """Each screw's hole, with the head and clearance the profile keeps round it, is out of
    every remnant: the next job's parts are not cut over a hole or a forgotten screw."""
    program, prof, pieces = lead_run
    h = prof.holddown
    assert program.screws
    for x, y in program.screws:
        for piece in pieces:
            assert piece.distance(shapely.Point(x, y)) >= h.diameter / 2 + h.clearance - 0.01


def _narrowest_chord(piece: Polygon, step: float = 5.0) -> float:
    """The shortest run across the piece, along x or y, through any point of a grid over
    it: each point of a piece opened by min_width lies in a min_width square of it."""
    x0, y0, x1, y1 = piece.bounds
    gx, gy = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
    pts = [(x, y) for x, y in zip(gx.ravel(), gy.ravel()) if piece.contains(shapely.Point(x, y))]
    shortest = np.inf
    for x, y in pts:
        for line in (shapely.LineString([(x0 - 1, y), (x1 + 1, y)]),
                     shapely.LineString([(x, y0 - 1), (x, y1 + 1)])):
            runs = shapely.get_parts(piece.intersection(line))
            here = [r for r in runs if r.distance(shapely.Point(x, y)) < 1e-6]
            shortest = min(shortest, max(r.length for r in here))
    return shortest


# an offcut the old opening kept from a zig-zag of wedges: 143 to 152 mm wide over its
# lower 940 mm (min_width 150), wider at the top only
ZIGZAG = [[36.791, 1220], [202.082, 1220], [202.082, 0], [59.328, 0], [58.381, 16.577],
          [51.797, 131.782], [50.776, 149.655], [58.553, 165.688], [51.415, 290.602],
          [50.615, 304.61], [56.609, 324.101], [55.467, 344.078], [49.055, 456.288],
          [58.553, 475.869], [52.462, 582.462], [50.439, 617.869], [57.684, 632.804],
          [49.998, 767.299], [58.553, 784.935], [52.281, 894.695], [50.381, 927.956],
          [44.791, 937.492], [8.758, 955.934], [0, 1109.197], [31.755, 1137.011],
          [36.791, 1146.851]]
# a sheet a slanted part and a notch left: mitred corners grew spikes out of its edges
SLANT = [[0, 172.221], [445.869, 172.221], [454.447, 168.668], [492.565, 122.221],
         [523.869, 122.221], [536, 110.089], [536, 69.295], [600, 0], [600, 333], [0, 333]]


@pytest.mark.parametrize("outline", [ZIGZAG, SLANT], ids=["zigzag", "slant"])
def test_no_piece_kept_is_narrower_than_min_width_anywhere(outline):
    """An offcut's outline as the sheet, nothing cut: every piece kept is min_width across
    through each of its points, along x and along y (no sliver, no mitred spike)."""
    poly = Polygon(outline)
    x0, y0, x1, y1 = poly.bounds
    st = Stock(width=x1, height=y1, thickness=18, margin=0, outline=poly)
    rules = RemnantRules(min_width=150, min_area_m2=0.001)
    pieces = remnant_pieces(SheetLayout(1, st, []), 0.0, rules)
    assert pieces
    for piece in pieces:
        assert poly.buffer(1e-6).contains(piece)
        assert _narrowest_chord(piece) >= 150 - 1e-3

