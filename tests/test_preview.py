"""Previews: SVGs are valid XML with one labelled part element per placement; index.html
shows every sheet in a real headless browser; report.json keeps its schema."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET

import pytest
import shapely

from wikicut.model import Drill, Layout, Part, Placement, Pocket, SheetLayout, Stock
from wikicut.preview import index_html, part_svg, sheet_svg
from wikicut.report import SCHEMA, build_report, dumps

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
    for g in parts:  # labelled: a title and a visible text with id and name
        assert g.find(f"{SVG}title").text.startswith("rib#")
        assert 'rib <&"x">' in g.find(f"{SVG}text").text
    assert sheet_svg(lay.sheets[0]) == svg  # deterministic


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


def test_index_html_shows_every_sheet_in_headless_chromium(tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium missing in CI (.ci/run installs it)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    lay = layout(3)
    rep = build_report("job", lay, 12.0)
    html = index_html(rep, [sheet_svg(s) for s in lay.sheets], title="job")
    page = tmp_path / "index.html"
    page.write_text(html, encoding="utf-8")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    png = tmp_path / "shot.png"
    res = subprocess.run(flags + [f"--screenshot={png}", "--window-size=1400,4000",
                                  page.as_uri()], capture_output=True, text=True, timeout=120)
    assert png.exists(), res.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    assert (w, h) == (1400, 4000) and len(data) > 20_000  # not a blank page
    dom = subprocess.run(flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert dom.count('<section class="sheet"') == 3
    assert dom.count('class="part"') == 9
