"""What the previews show of a rack's programs, labels the
font cannot engrave, large parts' previews and the part library at valid parameters."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import shapely

from wikicut.io.parts import load_part
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.render import index_html, part_svg, sheet_svg, tool_changes, toolpath_overlay
from wikicut.verify import simulate

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
PARTS = ROOT / "parts"
SVG = "{http://www.w3.org/2000/svg}"


def _cuts(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', m))
            for m in re.findall(r'<polyline class="cut"[^>]*>', svg)]


# -- toolpaths: each tool of a rack at its width, in its colour ---------------------------

def test_tools_fitted_at_a_pause_are_read_from_the_program():
    """GRBL and ShopBot change tools by hand at a pause: "(tool change: fit T1 6 mm ...)".
    The preview read no change there and drew the 3 mm tool's cuts 6 mm wide."""
    text = (GOLDEN / "sheet-multi-grbl-pause.nc").read_text()
    assert tool_changes(text) == [(17, 2, 3.0), (107, 1, 6.0)]
    sbp = (GOLDEN / "sheet-multi-shopbot-pause.sbp").read_text()
    assert [(t, d) for _, t, d in tool_changes(sbp)] == [(2, 3.0), (1, 6.35)]
    moves = simulate(text, load_profile("grbl"))
    svg = "".join(toolpath_overlay(moves, 400.0, 18.3, 6.0, tool_changes(text)))
    assert {c["stroke-width"] for c in _cuts(svg)} == {"3", "6"}
    assert svg.count('class="toolchange"') == 2


def test_a_rack_cut_in_one_program_per_tool_is_drawn_tool_by_tool():
    """`nest` with `tools = [...]` on a machine without a changer writes sheet-001-1-T2.nc,
    sheet-001-2-T1.nc; the preview reads them one after the other. Each file names its tool
    in its header only: the preview drew every cut at the profile tool's width, in one
    colour, with no sign of which tool cut what."""
    text = "".join((GOLDEN / f).read_text() for f in ("sheet-multi-grbl-1-T2.nc",
                                                      "sheet-multi-grbl-2-T1.nc"))
    changes = tool_changes(text)
    assert [(t, d) for _, t, d in changes] == [(2, 3.0), (1, 6.0)]
    moves = simulate(text, load_profile("grbl"))
    svg = "".join(toolpath_overlay(moves, 400.0, 18.3, 6.0, changes))
    cuts = _cuts(svg)
    by_tool = {c["data-tool"]: set() for c in cuts}
    for c in cuts:
        by_tool[c["data-tool"]].add(c["stroke-width"])
    assert by_tool == {"2": {"3"}, "1": {"6"}}
    # a colour per tool: a through cut of each in its own, never the same
    through = {c["data-tool"]: c["stroke"] for c in cuts if float(c["data-z"]) <= -18.3}
    assert set(through) == {"1", "2"} and through["1"] != through["2"]
    assert svg.count('class="toolchange"') == 2 and "T2 3 mm" in svg and "T1 6 mm" in svg
    # the legend says which colour is which tool
    part = Part("rib", shapely.box(0, 0, 100, 50))
    sheet = SheetLayout(1, Stock(500, 400, 18.3, 10), [Placement("rib#1", part, 20, 20)])
    full = sheet_svg(sheet, moves, 6.0, changes=changes)
    ET.fromstring(full)
    legend = full[full.index('<g class="legend"'):]
    assert "T2 3 mm cut" in legend and "T1 6 mm cut" in legend
    assert "orange shallow, red through" not in legend


def test_a_program_of_one_tool_keeps_its_depth_colours_and_no_tool_mark():
    text = (GOLDEN / "sheet-grbl.nc").read_text()
    svg = "".join(toolpath_overlay(simulate(text, load_profile("grbl")), 400.0, 18.3, 6.0,
                                   tool_changes(text)))
    assert "toolchange" not in svg and "data-tool=\"1\"" not in svg
    assert {c["stroke-width"] for c in _cuts(svg)} == {"6"}


# -- labels the font cannot engrave ------------------------------------------------------

def test_a_label_the_font_cannot_engrave_says_what_is_engraved():
    """A label with <, &, quotes or 日 is engraved with '?' for each, and lower case in
    capitals: the sheet draws what is engraved (the typed text in data-label), and the job
    sheet lists the typed text to sort by with what is on the part."""
    part = Part("rib", shapely.box(0, 0, 400, 200), label='rib <&"日">')
    sheet = SheetLayout(1, Stock(600, 300, 18, 10), [Placement("rib#1", part, 20, 20)])
    svg = sheet_svg(sheet, total=1)
    label = ET.fromstring(svg).findall(f".//{SVG}text[@class='label']")
    assert len(label) == 1 and label[0].text == "RIB ??????"
    assert label[0].get("data-label") == 'rib <&"日">'
    plain = Part("post", shapely.box(0, 0, 400, 200), label="post 1")
    svg1 = sheet_svg(SheetLayout(1, Stock(600, 300, 18, 10), [Placement("p#1", plain, 20, 20)]),
                     total=1)
    (drawn,) = ET.fromstring(svg1).findall(f".//{SVG}text[@class='label']")
    assert drawn.text == "POST 1" and drawn.get("data-label") == "post 1"
    report = {"job": "j", "settings": {}, "totals": {"sheets": 1},
              "sheets": [{"index": 1, "file_dxf": "sheet-001.dxf", "file_svg": "sheet-001.svg",
                          "file_program": None, "utilisation": 0.5,
                          "stock": {"name": "ply", "thickness": 18},
                          "offcut": {"x_from": 0, "width": 0, "area_m2": 0},
                          "parts": [{"id": "rib#1", "name": "rib", "label": 'rib <&"日">',
                                     "source": "rib.toml"},
                                    {"id": "post#1", "name": "post", "label": "post",
                                     "source": "post.toml"}]}]}
    page = index_html(report, [svg])
    assert "(engraved: RIB ??????)" in page
    assert page.count("(engraved:") == 1  # lower case alone is engraved as capitals: no note


# -- the index page: the machine's tools -------------------------------------------------

def test_the_job_summary_names_the_racks_tools_not_one_diameter():
    """A job cut with T7 2.5 mm and T1 6 mm said "Machine: profile GRBL, 6 mm tool"."""
    tools = [{"order": 1, "number": 7, "name": "2.5 mm 2-flute upcut", "diameter": 2.5,
              "est_seconds": 60.0},
             {"order": 2, "number": 1, "name": "6 mm 2-flute compression spiral",
              "diameter": 6.0, "est_seconds": 300.0}]
    report = {"job": "j", "settings": {"profile": "GRBL", "tool_diameter": 6.0},
              "totals": {"sheets": 1},
              "sheets": [{"index": 1, "file_dxf": "a.dxf", "file_svg": "a.svg",
                          "file_program": None, "utilisation": 0.5, "tools": tools,
                          "stock": {"name": "ply", "thickness": 18},
                          "offcut": {"x_from": 0, "width": 0, "area_m2": 0}, "parts": []}]}
    page = index_html(report, ["<svg></svg>"])
    line = re.search(r"<li>Machine: [^\n]*?</li>", page).group(0)
    assert "T7 2.5 mm" in line and "T1 6 mm" in line and "6 mm tool" not in line
    one = dict(report, sheets=[dict(report["sheets"][0], tools=None)])
    assert "<li>Machine: profile GRBL, 6 mm tool</li>" in index_html(one, ["<svg></svg>"])


# -- a large part's preview --------------------------------------------------------------

def test_a_large_parts_preview_has_readable_dimensions():
    """The 2.3 m portal side's dimensions were 16 mm text, 0.7 % of the drawing: unreadable
    when the preview fits a window. They follow the part's size now, clear of the part."""
    part = load_part(PARTS / "portal-side.toml")
    svg = part_svg(part)
    root = ET.fromstring(svg)
    dims = root.findall(f".//{SVG}text[@class='dimension']")
    assert len(dims) == 2
    size = float(dims[0].get("font-size"))
    assert size >= 0.015 * 2300
    # the width's figure stands between the part and its dimension line, clear of both
    x0, y0, x1, y1 = part.outline.bounds
    vb = [float(v) for v in root.get("viewBox").split()]
    pad = (vb[2] - (x1 - x0)) / 2
    baseline = float(dims[0].get("y"))
    assert baseline - 0.75 * size > pad + (y1 - y0)  # below the part
    assert float(dims[1].get("x")) - 0.75 * size > 0  # the height's figure inside the view
    summary = root.find(f".//{SVG}text[@class='summary']")
    assert float(summary.get("y")) < vb[3]
    small = part_svg(load_part(PARTS / "bowtie.toml"))  # a small part as it was
    assert 'font-size="7.2"' in small


# -- the part library at valid parameters ------------------------------------------------

@pytest.mark.parametrize("slots", [2, 3, 4, 5, 7])
def test_wall_rib_takes_any_count_of_spacer_slots(slots):
    """An odd count put a slot over the middle screw pilot: "drill at (1200, 187.5) is not
    inside the part" for the library's own wall rib with 3 spacer slots."""
    rib = load_part(PARTS / "wall-rib.toml", {"spacer_slots": slots}, thickness=18.3)
    for d in rib.drills:
        assert rib.outline.contains(shapely.Point(d.x, d.y).buffer(d.diameter / 2 + 1))


@pytest.mark.parametrize("length", [700, 1000, 1200, 1500, 1900, 2300, 2400])
def test_cassette_side_joist_slots_follow_its_length(length):
    """Its joist slots were fixed at 600, 1200, 1800: a cassette shorter than 1.8 m failed
    ("cut (copy 3 of 3) misses the part")."""
    side = load_part(PARTS / "cassette-side.toml", {"length": length}, thickness=18.3)
    y = side.bounds[3] - 20  # across the slots, near the top edge
    cut = shapely.LineString([(-10, y), (length + 10, y)]).difference(side.outline)
    inner = [g for g in getattr(cut, "geoms", [cut]) if 0 < g.bounds[0] < length]
    assert inner and all(g.length == pytest.approx(18.6) for g in inner)
    assert all(g.bounds[0] >= 100 and g.bounds[2] <= length - 50 for g in inner)
    if length >= 1900:  # the houses' lengths: slots where they always were
        assert [round(g.centroid.x) for g in inner] == [600, 1200, 1800]


def test_cassette_side_with_one_tenon():
    """tenons = 1 was a division by zero; one tenon goes in the middle."""
    side = load_part(PARTS / "cassette-side.toml", {"tenons": 1}, thickness=18.3)
    below = side.outline.intersection(shapely.box(-1, -100, 2401, 0))
    assert below.centroid.x == pytest.approx(1200)
    assert below.area == pytest.approx(120 * 18.3)


@pytest.mark.parametrize("width", [600, 620, 900])
def test_portal_side_knee_brace_stays_under_its_beam(width):
    """A portal side narrower than its leg plus the 300 mm brace had the brace's tip stick
    out past the end of the beam."""
    side = load_part(PARTS / "portal-side.toml", {"width": width}, thickness=18.3)
    assert side.bounds[2] == pytest.approx(width)
    below_beam = side.outline.intersection(shapely.box(0, 0, 5000, 2300 - 300 - 1))
    assert below_beam.bounds[2] <= width - 20 + 1e-6


@pytest.mark.parametrize("leg", [200, 210, 250])
def test_portal_side_with_a_slim_leg(leg):
    """leg = 200 failed: the window's 30 mm corner radius on a 40 mm wide window."""
    side = load_part(PARTS / "portal-side.toml", {"leg": leg}, thickness=18.3)
    assert len(side.outline.interiors) == 1
