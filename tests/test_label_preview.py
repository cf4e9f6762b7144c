"""The previews show each label where the router engraves it: a nested job's sheet SVGs
against its programs read back by the verifier (model.place_label is the one choice both
follow), for labels the planner turns along a part, shrinks to fit or moves off a hole."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.verify import simulate

SVG = "{http://www.w3.org/2000/svg}"

JOB = """name = "labels"
[sheet]
width = 1800
height = 1200
thickness = 18
margin = 15
[nest]
spacing = 12
seed = 2
time_limit = 60
iterations = 40
workers = 1
rotations = [0, 90]
[machine]
profile = "grbl"
tool_diameter = 6
[[part]]
file = "beam.toml"
quantity = 2
[[part]]
file = "brace.toml"
quantity = 2
[[part]]
file = "spacer.toml"
quantity = 3
[[part]]
file = "frame.toml"
quantity = 1
[[part]]
file = "drilled.toml"
quantity = 2
"""

PARTS = {
    # long: engraved along it, whichever way it is placed
    "beam": 'name = "beam"\nlabel = "BEAM-LONG-1"\n[[feature]]\ntype = "rectangle"\n'
            "x = 0\ny = 0\nw = 1600\nh = 90\n",
    # a slanted strip: the label fits only turned along it
    "brace": 'name = "brace"\nlabel = "BRACE-2"\n[[feature]]\ntype = "polygon"\n'
             "points = [[0, 0], [70, 0], [670, 400], [600, 400]]\n",
    # small: the label shrinks to fit
    "spacer": 'name = "spacer"\nlabel = "SPACER-7"\n[[feature]]\ntype = "rectangle"\n'
              "x = 0\ny = 0\nw = 120\nh = 60\n",
    # a frame round a large hole: the label goes up a side
    "frame": 'name = "frame"\nlabel = "FRAME"\n[[feature]]\ntype = "rectangle"\n'
             'x = 0\ny = 0\nw = 400\nh = 300\n[[feature]]\ntype = "rectangle"\n'
             'x = 50\ny = 70\nw = 300\nh = 160\nop = "cut"\n',
    # the label's point is in the drill hole: the label moves off it
    "drilled": 'name = "drilled"\nlabel = "DRILLED"\n[[feature]]\ntype = "rectangle"\n'
               "x = 0\ny = 0\nw = 400\nh = 300\n[[drill]]\nx = 200\ny = 150\nd = 60\n",
}

ROTATE = re.compile(r"rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)")


# the same parts with a rack: the 6 mm spiral cuts, the 12.7 mm V-bit engraves the labels,
# so each label is placed for the V-bit's radius, not the spiral's
RACK = JOB.replace('tool_diameter = 6\n', 'tools = [1, 10]\n')


@pytest.fixture(scope="module", params=["one tool", "rack"])
def job(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("labels")
    (d / "job.toml").write_text(JOB if request.param == "one tool" else RACK)
    for name, text in PARTS.items():
        (d / f"{name}.toml").write_text(text)
    out = d / "out"
    res = CliRunner().invoke(main, ["nest", str(d / "job.toml"), "-o", str(out),
                                    "--iterations", "40"])
    assert res.exit_code == 0, res.output
    return out


def _engraved(text: str) -> dict[str, np.ndarray]:
    """Instance -> the points its label's cuts (below the stock top) pass through."""
    owner: dict[int, str] = {}
    cur = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("("):
            m = re.match(r"\((\S+) label\)", line)
            cur = m.group(1) if m else None
        elif cur:
            owner[n] = cur
    pts: dict[str, list] = {}
    for s in simulate(text, load_profile("grbl")):
        inst = owner.get(s.line)
        if inst and s.kind == "feed":
            pts.setdefault(inst, []).extend(p[:2] for p in (s.start, s.end) if p[2] < -1e-6)
    return {k: np.asarray(v) for k, v in pts.items() if v}


def _shown(svg: str) -> dict[str, tuple]:
    """Instance -> its preview label's point (sheet mm), angle (degrees counter-clockwise)
    and the text's box (x0, y0, x1, y1) about that point before it is turned."""
    root = ET.fromstring(svg)
    H = float(next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "sheet")
              .get("height"))
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "part":
            continue
        (t,) = [t for t in g.iter(f"{SVG}text") if t.get("class") == "label"]
        x, y = float(t.get("x")), float(t.get("y"))
        m = ROTATE.search(t.get("transform") or "")
        if m:
            assert (float(m.group(2)), float(m.group(3))) == (x, y)
        angle = -float(m.group(1)) if m else 0.0
        x0, base = float(t.get("dx", 0)), -float(t.get("dy", 0))
        cap = float(t.get("font-size")) * 0.72  # render.labels.CAP
        out[g.get("data-part")] = (x, H - y, angle,
                                   (x0, base, x0 + float(t.get("textLength", 0)), base + cap))
    return out


def test_every_preview_label_is_where_the_router_engraves_it(job):
    report = json.loads((job / "report.json").read_text())
    angles, heights, off = set(), set(), []
    checked = 0
    for s in report["sheets"]:
        shown = _shown((job / s["file_svg"]).read_text())
        # a sheet cut in one program per tool (a rack on GRBL): all of them, in order
        names = [q["file"] for q in s.get("programs") or []] or [s["file_program"]]
        cut = _engraved("".join((job / n).read_text() for n in names))
        assert set(shown) == set(cut), "every part's label is both drawn and engraved"
        for inst, (x, y, angle, box) in shown.items():
            # the engraved strokes turned back by the preview's angle about its point: that
            # point is their box's centre, and the drawn text's box holds them
            a = math.radians(-angle)
            rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
            local = (cut[inst] - (x, y)) @ rot.T
            lo, hi = local.min(axis=0), local.max(axis=0)
            centre = (lo + hi) / 2
            inside = np.all(lo >= np.array(box[:2]) - 0.5) and np.all(hi <= np.array(box[2:])
                                                                      + 0.5)
            fills = (hi - lo) >= 0.9 * (np.array(box[2:]) - box[:2])
            if math.hypot(*centre) > 2.0 or not inside or not fills.all():
                off.append((inst, centre.round(1).tolist(), lo.round(1).tolist(),
                            hi.round(1).tolist(), box))
            angles.add(round(angle % 180, 1))
            heights.add(round(box[3] - box[1], 1))
            checked += 1
    assert checked == 10
    assert not off, off
    # the job has labels turned along a slanted part, turned up, and shrunk
    assert any(a not in (0.0, 90.0) for a in angles), angles
    assert 90.0 in angles and min(heights) < 20, (angles, heights)


def test_a_label_without_room_is_said_in_the_program_not_dropped_silently():
    """A 30 mm key has no room for its name at the tool's width: the program (and the
    report's notes) say which part goes unlabelled; the panel beside it is engraved."""
    import shapely

    from wikicut.cam import plan_sheet
    from wikicut.model import Part, Placement, SheetLayout, Stock

    st = Stock(1000, 600, 18, 10)
    panel = Part("panel", shapely.box(0, 0, 400, 300), label="PANEL")
    key = Part("key", shapely.box(0, 0, 30, 30), label="KEY 12")
    sheet = SheetLayout(1, st, [Placement("panel#1", panel, 20, 20, 0.0),
                                Placement("key#1", key, 500, 20, 0.0)])
    prog = plan_sheet(sheet, load_profile("grbl"))
    assert {op.part for op in prog.operations if op.kind == "label"} == {"panel#1"}
    assert [n for n in prog.notes if n.startswith("labels:")] == [
        "labels: 1 of 2 parts without room for theirs at the engraving tool's width, not"
        " engraved (key#1)"]


@pytest.mark.parametrize("radius", [0.0, 3.0])
def test_a_label_keeps_clear_of_the_parts_own_engraving_even_with_no_tool(radius):
    """A part whose drawing engraves its own name across its middle (Skylark's LABELS
    layers): the label goes beside it, never over it, also in a layout drawn with no tool
    (`--no-gcode`: radius 0), where a line's buffer of 0 was empty."""
    import shapely
    from shapely.geometry import LineString

    from wikicut.model import Part
    from wikicut.model.geometry import Engraving
    from wikicut.model.label import place_label

    engraving = LineString([(150, 100), (450, 100)])
    part = Part("E-XXS-B", shapely.box(0, 0, 600, 200), label="E-XXS-B",
                engravings=(Engraving(engraving, 1.0),))
    place = place_label(part, radius)
    assert place is not None
    strokes = shapely.MultiLineString([s[:, :2] for s in place.strokes])
    assert strokes.distance(engraving) >= 2 * radius + 1.0 - 1e-6
