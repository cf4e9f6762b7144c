"""Previews: SVGs are valid XML with one labelled part element per placement; index.html
shows every sheet in a real headless browser; report.json keeps its schema."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import shapely
from conftest import find_chromium

from wikicut.io.report import SCHEMA, build_report, dumps
from wikicut.model import Drill, Layout, Part, Placement, Pocket, SheetLayout, Stock
from wikicut.render import (
    index_html,
    label_box,
    part_svg,
    sheet_svg,
    with_toolpaths,
    write_preview_folder,
)

SVG = "{http://www.w3.org/2000/svg}"


def layout(n_sheets: int = 3) -> Layout:
    part = Part('rib <&"x">', shapely.box(0, 0, 400, 200).difference(shapely.Point(200, 100)
                                                                     .buffer(30)),
                pockets=(Pocket(shapely.box(20, 20, 80, 60), 9.0),),
                drills=(Drill(350, 150, 8.0),), source="rib.toml")
    sheets = []
    for s in range(n_sheets):
        st = Stock(2440, 1220, 18, 15, keepouts=(shapely.box(0, 0, 100, 100),), price=60)
        sheets.append(SheetLayout(s + 1, st, [Placement(f"rib#{s * 3 + k + 1}", part,
                                                        150 + k * 450, 150, 0.0)
                                              for k in range(3)]))
    return Layout(sheets)


def test_sheet_svg_is_xml_with_one_part_element_each():
    lay = layout(1)
    svg = sheet_svg(lay.sheets[0])
    root = ET.fromstring(svg)
    parts = [g for g in root.iter(f"{SVG}g") if g.get("class") == "part"]
    assert len(parts) == 3
    assert {g.get("data-part") for g in parts} == {"rib#1", "rib#2", "rib#3"}
    for g in parts:  # a title with id and name; the visible label is the engraved text
        assert g.find(f"{SVG}title").text.startswith(g.get("data-part") + ' rib <&"x">\n')
        label = [t for t in g.iter(f"{SVG}text") if t.get("class") == "label"]
        assert len(label) == 1 and label[0].text == "RIB ???X??"  # as engraved
        assert label[0].get("data-label") == 'rib <&"x">'
    assert sheet_svg(lay.sheets[0]) == svg  # deterministic


def test_parts_carry_their_placement_for_hover_and_click():
    g = _svg_parts(sheet_svg(layout(1).sheets[0]), "part", "g")[1]
    assert (g.get("data-x"), g.get("data-y"), g.get("data-rotation")) == ("600", "150", "0")
    assert g.get("data-size") == "400 x 200" and g.get("data-source") == "rib.toml"
    assert "at x 600, y 150 mm, rotated 0 deg" in g.find(f"{SVG}title").text


def test_part_svg_is_xml():
    root = ET.fromstring(part_svg(layout(1).sheets[0].placements[0].part))
    assert root.tag == f"{SVG}svg"


def test_report_schema_and_totals():
    lay = layout(3)
    rep = build_report("job", lay, 12.0)
    assert rep["schema"] == SCHEMA
    assert set(rep) >= {"job", "settings", "sheets", "unplaced", "parts", "totals"}
    assert rep["totals"]["placed"] == sum(len(s["parts"]) for s in rep["sheets"]) == 9
    assert rep["totals"]["cost"] == 180
    s0 = rep["sheets"][0]
    assert set(s0) >= {"index", "file_dxf", "file_svg", "utilisation", "offcut", "parts",
                       "stock"}
    assert set(s0["parts"][0]) >= {"id", "name", "source", "rotation", "x", "y"}
    assert json.loads(dumps(rep)) == rep and dumps(rep) == dumps(build_report("job", lay, 12.0))


VISIBLE_JS = """<script>
(() => {
  const bad = [];
  const secs = document.querySelectorAll('section.sheet');
  secs.forEach((sec, k) => {
    const svg = sec.querySelector('svg');
    const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const st = svg ? getComputedStyle(svg) : null;
    if (!svg || r.width < 600 || r.height < 200 || st.display === 'none'
        || st.visibility !== 'visible') bad.push('sheet' + (k + 1));
    svg && svg.querySelectorAll('g.part').forEach(g => {
      const b = g.getBoundingClientRect();
      if (b.width < 5 || b.height < 5 || b.left < r.left - 1 || b.right > r.right + 1)
        bad.push(g.getAttribute('data-part'));
    });
  });
  // zoom about the pointer with the wheel, then a click on a part shows its placement
  const svg = secs[0].querySelector('svg'), w0 = svg.viewBox.baseVal.width;
  const r = svg.getBoundingClientRect();
  svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: r.left + 10,
                                             clientY: r.top + 10, bubbles: true,
                                             cancelable: true}));
  if (!(svg.viewBox.baseVal.width < w0)) bad.push('zoom');
  svg.dispatchEvent(new MouseEvent('dblclick', {bubbles: true}));
  if (svg.viewBox.baseVal.width !== w0) bad.push('reset');
  svg.querySelector('g.part path.outline').dispatchEvent(new MouseEvent('click', {bubbles: true}));
  const info = document.getElementById('details');
  if (info.hidden || !info.textContent.includes('rib#1') || !info.textContent.includes('x 150'))
    bad.push('details');
  document.title = (bad.length ? 'bad:' + bad.join(',') : 'ok:' + secs.length);
})();
</script>"""




def test_index_html_shows_every_sheet_in_headless_chromium(tmp_path):
    browser = find_chromium()
    lay = layout(3)
    rep = build_report("job", lay, 12.0)
    html = index_html(rep, [sheet_svg(s, total=3) for s in lay.sheets], title="job")
    # self-contained: one inline script, nothing fetched (the only URL is the SVG namespace)
    assert html.count("<script>") == 1 and "src=" not in html
    assert set(re.findall(r"https?://[^\s\"']+", html)) == {"http://www.w3.org/2000/svg"}
    page = tmp_path / "index.html"
    page.write_text(html, encoding="utf-8")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    png = tmp_path / "shot.png"
    res = subprocess.run(flags + [f"--screenshot={png}", "--window-size=1400,4000",
                                  page.as_uri()], check=False, capture_output=True, text=True,
                         timeout=120)
    assert png.exists(), res.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    assert (w, h) == (1400, 4000) and len(data) > 20_000  # not a blank page
    # every sheet laid out at a real size and every part inside its sheet, measured by the
    # browser itself (a probe script added to a copy of the page)
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", VISIBLE_JS + "</body>"), encoding="utf-8")
    dom = subprocess.run(flags + ["--window-size=1400,4000", "--dump-dom", probe.as_uri()],
                         check=False, capture_output=True, text=True, timeout=120).stdout
    assert "<title>ok:3</title>" in dom, re.findall(r"<title>.*?</title>", dom)
    assert dom.count('<section class="sheet"') == 3
    assert dom.count('class="part"') == 9
    assert "Sheet 3 of 3" in dom


def _svg_parts(svg: str, cls: str, tag: str = "*") -> list[ET.Element]:
    return [e for e in ET.fromstring(svg).iter() if e.get("class") == cls
            and (tag == "*" or e.tag == f"{SVG}{tag}")]


def test_holes_pockets_drills_margin_keepouts_and_legend_are_distinct():
    svg = sheet_svg(layout(1).sheets[0], total=3)
    assert len(_svg_parts(svg, "hole")) == 3 and len(_svg_parts(svg, "pocket")) == 3
    assert len(_svg_parts(svg, "drill")) == 3 and len(_svg_parts(svg, "margin")) == 1
    assert len(_svg_parts(svg, "keepout")) == 1
    fills = {c: _svg_parts(svg, c)[0].get("fill") for c in ("outline", "pocket", "keepout")}
    assert len(set(fills.values())) == 3
    title = _svg_parts(svg, "legend-title")[0].text
    assert title.startswith("Sheet 1 of 3: ") and "3 parts" in title and "% used" in title
    root = ET.fromstring(svg)  # mm in the viewBox (the sheet + legend band), fits a window;
    # 16 mm left of the sheet, so the origin mark about its corner is drawn whole
    assert root.get("width") is None and root.get("viewBox").startswith("-16 0 2456 ")
    height = root.get("viewBox").split()[3]  # to scale on paper
    assert f"@media print{{svg:root{{width:2456mm;height:{height}mm}}}}" in svg
    origin = _svg_parts(svg, "origin")  # X0 Y0 at the lower-left corner, X right, Y up
    assert len(origin) == 1 and origin[0].find(f"{SVG}circle").get("cy") == "1220"
    assert [t.text for t in origin[0].iter(f"{SVG}text")] == ["X", "Y"]


def test_y_is_flipped_like_the_machine():
    part = Part("sq", shapely.box(0, 0, 100, 100))
    sheet = SheetLayout(1, Stock(1000, 500, 18, 0), [Placement("sq#1", part, 10, 20, 0.0)])
    d = _svg_parts(sheet_svg(sheet), "outline")[0].get("d")
    assert "10,480" in d and "110,380" in d  # sheet y=20 is 20 mm above the bottom edge


def test_hostile_names_are_escaped_everywhere():
    evil = '</text><script>alert(1)</script>&"'
    part = Part(evil, shapely.box(0, 0, 300, 100), source=evil)
    st = Stock(1000, 500, 18, 10, name=evil)
    lay = Layout([SheetLayout(1, st, [Placement(evil + "#1", part, 20, 20, 0.0)])],
                 unplaced=[evil + "#2"])
    svg = sheet_svg(lay.sheets[0])
    ET.fromstring(svg)
    assert "<script>" not in svg
    ET.fromstring(part_svg(part))
    html = index_html(build_report(evil, lay, 0.0), [svg], title=evil)
    assert html.count("<script>") == 1 and "<script>alert" not in html  # only the page's own
    assert html.count("&lt;script&gt;") >= 4


@pytest.mark.parametrize("shape", [
    shapely.Polygon([(0, 0), (60, 0), (35, 90), (60, 180), (0, 180), (25, 90)]),  # bowtie
    shapely.box(0, 0, 600, 40).union(shapely.box(0, 0, 40, 900)),  # L
    shapely.box(0, 0, 30, 800),  # tall and narrow: turned
    shapely.box(0, 0, 400, 400).difference(shapely.box(40, 40, 360, 360)),  # frame
])
def test_label_fits_inside_the_part(shape):
    text = "bowtie#15 bowtie"
    x, y, size, vertical = label_box(shape, text)
    hw, hh = 0.6 * len(text) * size / 2, 0.35 * size
    if vertical:
        hw, hh = hh, hw
    assert size >= 5
    assert shape.contains(shapely.box(x - hw, y - hh, x + hw, y + hh))
    if shape.bounds[3] - shape.bounds[1] > 10 * (shape.bounds[2] - shape.bounds[0]):
        assert vertical


def test_toolpath_overlay_is_the_program_read_back():
    """Cuts at the tool's width, one stroke per pass and depth, rapids dashed, entries
    numbered; drawn from the program text through the verifier's simulator."""
    from wikicut.cam import plan_sheet
    from wikicut.io.profiles import load_profile
    from wikicut.post import write_program
    from wikicut.verify import simulate

    prof = load_profile("grbl")
    sheet = layout(1).sheets[0]
    moves = simulate(write_program(plan_sheet(sheet, prof), prof), prof)
    assert not _svg_parts(sheet_svg(sheet), "toolpaths")  # only when asked
    svg = sheet_svg(sheet, moves, prof.tool.diameter)
    assert len(_svg_parts(svg, "part", "g")) == 3
    rapids = _svg_parts(svg, "rapid")
    assert len(rapids) == sum(1 for m in moves if m.kind == "rapid"
                              and abs(m.end[0] - m.start[0]) + abs(m.end[1] - m.start[1]) > 1e-6)
    assert all(r.get("stroke-dasharray") for r in rapids)
    cuts = _svg_parts(svg, "cut")
    assert len(cuts) >= 3 * 3  # outline, hole and pocket of each part at least
    assert {c.get("stroke-width") for c in cuts} == {f"{prof.tool.diameter:g}"}
    assert len({c.get("stroke") for c in cuts}) >= 2  # shallow pocket vs through cut colours
    depths = {float(c.get("data-z")) for c in cuts}
    assert min(depths) <= -18 and max(depths) > -18  # passes (and tabs) at their own depths
    order = [int(t.text) for t in _svg_parts(svg, "order")]
    assert order == list(range(1, len(order) + 1)) and len(order) >= 9
    assert sheet_svg(sheet, moves, prof.tool.diameter) == svg
    # redrawn from the file alone: the same bytes
    assert with_toolpaths(sheet_svg(sheet), moves, prof.tool.diameter) == svg
    assert with_toolpaths(svg, moves, prof.tool.diameter) == svg


def test_tabs_are_marked_where_the_tool_rises_over_them():
    """Issue 35: the overlay marks every tab the planner left, found in the program read
    back (the tool rising inside the stock and coming down again), at its height."""
    import dataclasses

    from wikicut.cam import plan_sheet
    from wikicut.io.profiles import load_profile
    from wikicut.post import write_program
    from wikicut.verify import simulate

    prof = load_profile("grbl")
    sheet = layout(1).sheets[0]
    plan = plan_sheet(sheet, prof)
    centres = [c for op in plan.operations for c in op.tabs]
    assert len(centres) >= 3 * 2  # every outline holds its part with two or more
    svg = sheet_svg(sheet, simulate(write_program(plan, prof), prof), prof.tool.diameter)
    marks = _svg_parts(svg, "tab")
    assert len(marks) == len(centres)
    lines = [shapely.LineString([(float(x), 1220 - float(y)) for x, y in
                                 (p.split(",") for p in m.get("points").split())])
             for m in marks]
    for c in centres:  # each planned tab under exactly one mark, near its middle
        near = [ln for ln in lines if ln.distance(shapely.Point(c)) < 0.05]
        assert len(near) == 1, c
        assert abs(near[0].project(shapely.Point(c)) - near[0].length / 2) < prof.tool.diameter
    for m, ln in zip(marks, lines):
        assert float(m.get("data-height")) == pytest.approx(prof.tabs.height, abs=0.01)
        assert ln.length == pytest.approx(prof.tabs.length + prof.tool.diameter, abs=1.0)
        assert m.get("stroke-width") == f"{prof.tool.diameter:g}"
    assert "tab (material left)" in svg  # in the legend
    # no tabs planned, none drawn: the pocket's and the hole's passes are not tabs
    bare = dataclasses.replace(prof, tabs=dataclasses.replace(prof.tabs, enabled=False))
    plan = plan_sheet(sheet, bare)
    assert not [c for op in plan.operations for c in op.tabs]
    svg = sheet_svg(sheet, simulate(write_program(plan, bare), bare), bare.tool.diameter)
    assert not _svg_parts(svg, "tab") and _svg_parts(svg, "cut")


def test_tool_changes_are_marked_and_each_tool_cuts_at_its_width():
    from wikicut.io.profiles import load_profile
    from wikicut.render import tool_changes, toolpath_overlay
    from wikicut.verify import simulate

    text = (Path(__file__).parent / "golden" / "sheet-multi-linuxcnc.ngc").read_text()
    changes = tool_changes(text)
    assert [(t, d) for _, t, d in changes] == [(2, 3.0), (1, 6.0)]
    moves = simulate(text, load_profile("linuxcnc"))
    svg = "".join(toolpath_overlay(moves, 300.0, 18.3, 6.0, changes))
    assert svg.count('class="toolchange"') == 2 and "T2 3 mm" in svg
    widths = re.findall(r'class="cut"[^>]*stroke-width="([\d.]+)"', svg)
    assert set(widths) == {"3", "6"}
    first_t1 = svg.index("T1 6 mm")
    assert set(re.findall(r'stroke-width="([\d.]+)"', svg[first_t1:])) - {"2", "0.6"} == {"6"}


def _program_moves(text: str) -> tuple[set[tuple[float, float]], int]:
    """An independent reading of a G-code program: the XY ends of every move below the
    surface, and the number of rapids that go somewhere in XY (modal words, mm, absolute)."""
    pos = {"X": 0.0, "Y": 0.0, "Z": 0.0}
    motion, ends, rapids = None, set(), 0
    for raw in text.splitlines():
        line = re.sub(r"\(.*?\)|;.*", "", raw).upper()
        words = dict(re.findall(r"([A-Z])\s*(-?[\d.]+)", line))
        for g in re.findall(r"G\s*0*(\d+)", line):
            if g in ("0", "1", "2", "3"):
                motion = g
        new = {k: float(words[k]) if k in words else pos[k] for k in "XYZ"}
        if motion and any(k in words for k in "XYZ"):
            if motion == "0" and (new["X"], new["Y"]) != (pos["X"], pos["Y"]):
                rapids += 1
            elif motion != "0" and new["Z"] < 0 and pos["Z"] < 0:
                ends.add((round(new["X"], 2), round(new["Y"], 2)))
            pos = new
    return ends, rapids


@pytest.mark.xdist_group("house")
def test_preview_toolpaths_from_the_folder_draws_the_programs_written(house_run, tmp_path):
    """Issue 35: a nest, then `preview OUTDIR --toolpaths`: the parts stand where the
    report (the layout the programs were planned from) puts them, and the moves drawn are
    the programs', read here independently; nothing is nested again."""
    from click.testing import CliRunner
    from conftest import HOUSE_NEST

    from wikicut.cli import main

    out = tmp_path / "out"
    shutil.copytree(house_run, out)  # the example nested and written (conftest.HOUSE_NEST)
    report = json.loads((out / "report.json").read_text())
    first = (out / "sheet-001.svg").read_text()
    res = CliRunner().invoke(main, ["preview", str(out), "--toolpaths"])
    assert res.exit_code == 0 and res.output.strip() == str(out / "index.html"), res.output
    assert json.loads((out / "report.json").read_text()) == report
    for s in report["sheets"]:
        svg = (out / s["file_svg"]).read_text()
        placed = {g.get("data-part"): (float(g.get("data-x")), float(g.get("data-y")),
                                       float(g.get("data-rotation")))
                  for g in _svg_parts(svg, "part", "g")}
        assert placed == {p["id"]: (p["x"], p["y"], p["rotation"]) for p in s["parts"]}
        H = float(ET.fromstring(svg).find(f"{SVG}rect").get("height"))
        drawn = {(round(float(x), 2), round(H - float(y), 2))
                 for c in _svg_parts(svg, "cut")
                 for x, y in (p.split(",") for p in c.get("points").split())}
        ends, rapids = _program_moves((out / s["file_program"]).read_text())
        missed = [e for e in ends - drawn  # (a coordinate rounded the other way: 0.01 mm)
                  if min(abs(e[0] - d[0]) + abs(e[1] - d[1]) for d in drawn) > 0.021]
        assert ends and not missed, missed[:5]
        assert len(_svg_parts(svg, "rapid")) == rapids
    index = (out / "index.html").read_text()
    assert index.count('class="toolpaths"') == len(report["sheets"])
    # drawn by `nest --toolpaths` from the programs just written: the same picture
    again = tmp_path / "again"
    res = CliRunner().invoke(main, [*HOUSE_NEST, "-o", str(again), "--toolpaths"])
    assert res.exit_code == 0, res.output
    assert _svg_parts((again / "sheet-001.svg").read_text(), "cut")
    assert first != (out / "sheet-001.svg").read_text()
    for s in report["sheets"]:
        assert (again / s["file_svg"]).read_text() == (out / s["file_svg"]).read_text()


def test_golden_small_sheet(golden):
    part = Part("plate", shapely.box(0, 0, 200, 100).difference(shapely.box(90, 40, 110, 60)),
                pockets=(Pocket(shapely.box(10, 10, 60, 40), 6.0),),
                drills=(Drill(170, 70, 8.0),), source="plate.toml")
    st = Stock(600, 300, 18, 10, keepouts=(shapely.box(500, 0, 600, 60),), price=20)
    sheet = SheetLayout(1, st, [Placement("plate#1", part, 20, 20, 0.0),
                                Placement("plate#2", part, 450, 80, 90.0)])
    golden("sheet_small.svg", sheet_svg(sheet, total=1))


def test_part_svg_shows_holes_pockets_drills_and_size():
    part = layout(1).sheets[0].placements[0].part
    svg = part_svg(part)
    for cls in ("outline", "hole", "pocket", "drill", "label"):
        assert len(_svg_parts(svg, cls)) == 1, cls
    assert "400 x 200 mm" in svg


def test_preview_folder_rebuilds_index_and_cli(tmp_path):
    from click.testing import CliRunner

    from wikicut.cli import main
    from wikicut.pipeline import write_outputs

    lay = layout(2)
    out = tmp_path / "out"
    write_outputs("job", lay, out, profile=None, spacing=12.0)
    first = (out / "index.html").read_text(encoding="utf-8")
    (out / "index.html").unlink()
    assert write_preview_folder(out) == out / "index.html"
    assert (out / "index.html").read_text(encoding="utf-8") == first
    res = CliRunner().invoke(main, ["preview", str(out)])
    assert res.exit_code == 0 and res.output.strip() == str(out / "index.html")
    (out / "sheet-002.svg").unlink()
    res = CliRunner().invoke(main, ["preview", str(out)])
    assert res.exit_code == 2 and "sheet-002.svg" in res.output
    res = CliRunner().invoke(main, ["preview", str(tmp_path)])
    assert res.exit_code == 2 and "not a wikicut output folder" in res.output


def test_preview_part_file_cli(tmp_path):
    from click.testing import CliRunner

    from wikicut.cli import main

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    part = os.path.join(root, "parts", "spacer.toml")
    out = tmp_path / "s.svg"
    res = CliRunner().invoke(main, ["preview", part, "-p", "length=600", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(_svg_parts(out.read_text(encoding="utf-8"), "part", "g")) == 1
    res = CliRunner().invoke(main, ["preview", part, "-o", str(tmp_path / "s.dxf")])
    assert res.exit_code == 2 and "must end in .svg" in res.output


def test_index_names_the_larger_offcut_of_the_last_sheet():
    """Parts along the bottom: the offcut named is the strip along the top; parts at the
    start of the sheet: the strip at the far end."""
    st = Stock(2440, 1220, 18, 10)
    board = Part("board", shapely.box(0, 0, 2400, 250))
    low = Layout([SheetLayout(1, st, [Placement("board#1", board, 10, 10, 0.0)])])
    html = index_html(build_report("job", low, 12.0), [""])
    assert "Offcut on the last sheet: 960 mm along the top from y = 260 mm, 2.34 m&sup2;" in html
    post = Part("post", shapely.box(0, 0, 250, 1200))
    left = Layout([SheetLayout(1, st, [Placement("post#1", post, 10, 10, 0.0)])])
    html = index_html(build_report("job", left, 12.0), [""])
    assert "Offcut on the last sheet: 2180 mm from x = 260 mm, 2.66 m&sup2;" in html
