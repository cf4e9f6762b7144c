"""Issue 34: index.html printed is the job sheet. Headless Chromium prints a real output folder
to PDF; the PDF is read (pages, text layer) and rendered to pixels: the job on page one, then
one page per distinct layout with its drawing fitted to the page, the program to run, zero,
the screws, the time and the parts to sort by their engraved labels."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import need_module, print_pdf

from wikicut.io.profiles import load_profile
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.pipeline import write_outputs


def rib() -> Part:
    return Part("rib", shapely.box(0, 0, 500, 120).difference(shapely.box(100, 0, 118.3, 60)),
                source="parts/rib.toml", label="R7")


def post() -> Part:
    return Part("post", shapely.box(0, 0, 120, 400), source="parts/post.toml")


def sheet(index: int, dx: float = 0.0) -> SheetLayout:
    st = Stock(1220, 640, 18.3, 15, material="BirchPly")
    return SheetLayout(index, st, [Placement(f"rib#{2 * index - 1}", rib(), 20 + dx, 20, 0.0),
                                   Placement(f"rib#{2 * index}", rib(), 720, 20, 90.0),
                                   Placement(f"post#{index}", post(), 1000, 100, 0.0)])


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, dict, object]:
    """Sheets 1, 2 and 4 alike, sheet 3 different; held by screws, zero at G55; printed."""
    pdfium = need_module("pypdfium2")
    tmp = tmp_path_factory.mktemp("print")
    prof = load_profile("grbl")
    prof = dataclasses.replace(prof, work_offset="G55",
                               holddown=dataclasses.replace(prof.holddown, mode="screws"))
    out = tmp / "out"
    write_outputs("ribs <&>", Layout([sheet(1), sheet(2), sheet(3, dx=5.0), sheet(4)]), out,
                  profile=prof, spacing=12.0,
                  settings={"profile": prof.name, "tool_diameter": prof.tool.diameter})
    pdf = print_pdf(out / "index.html", tmp)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return out, report, pdfium.PdfDocument(str(pdf))


def _text(page) -> str:
    return page.get_textpage().get_text_range().replace("\r\n", "\n")


def test_the_job_then_one_page_per_distinct_layout(printed):
    out, report, pdf = printed
    assert [p["count"] for p in report["programs"]] == [3, 1]
    assert len(pdf) == 1 + len(report["programs"])  # the job, then sheet 1 (x3) and sheet 3
    for k in range(len(pdf)):
        w, h = pdf[k].get_size()
        assert w > h  # landscape, like the sheets
    first = _text(pdf[0])
    for words in ("ribs <&>", "Sheets: 4", "Parts placed: 12 of 12", "Stock: 4 x BirchPly",
                  "sheet-001-x3.nc", "cut x 3", "sheet-003.nc", "work offset G55",
                  "Z0 on the stock top", "Hold-down: screws",
                  "Machine: profile GRBL, 6 mm tool"):
        assert words in first, words
    assert "Sheet 1 of 4" not in first  # the sheets start on their own pages
    pages = [_text(pdf[k]) for k in (1, 2)]
    assert "Sheet 1 of 4, cut x 3: sheets 1-2, 4" in pages[0]
    assert "Sheet 3 of 4" in pages[1] and "cut x" not in pages[1]
    assert not any(f"Sheet {k} of 4" in t for k in (2, 4) for t in pages)  # printed once
    for text, s in zip(pages, (report["sheets"][0], report["sheets"][2])):
        prog = s["file_program"]
        assert f"1. {prog}: fit the 6 mm tool" in text.replace("\n", " ")
        assert "Z0 on the stock top; measured thickness 18.3 mm; work offset G55" in \
            text.replace("\n", " ")
        assert s["screws"]
        flat = text.replace("\n", " ")
        assert f"{len(s['screws'])} screws to drive before cutting" in flat
        for n, (x, y) in enumerate(s["screws"], 1):
            assert f"{n}: {x:g}, {y:g}" in flat
        assert "Time 0:0" in flat and "a sheet" in flat
        # the parts to sort, by the text engraved on them
        assert "R7 rib 2 parts/rib.toml" in flat and "post post 1 parts/post.toml" in flat


def _labels_in_drawing(page, label: str, top: float) -> int:
    """Occurrences of `label` in the page's text layer above `top` (points from the bottom)."""
    tp = page.get_textpage()
    search = tp.search(label, match_case=True, match_whole_word=True)
    n = 0
    while (hit := search.get_next()) is not None:
        _, bottom, _, _ = tp.get_charbox(hit[0])
        n += bottom > top
    return n


def test_the_sheet_page_shows_the_layout_fitted_with_its_labels_and_screws(printed):
    out, report, pdf = printed
    s = report["sheets"][0]
    page = pdf[1]
    w, h = page.get_size()
    # the labels in the drawing are the engraved text (one per part), above the card
    assert _labels_in_drawing(page, "R7", h * 0.35) == 2
    assert _labels_in_drawing(page, "POST", h * 0.35) == 1  # in capitals, as engraved
    # each part's id is written on it too, once, apart from its label (render.labels ID_MAX)
    assert _labels_in_drawing(page, "rib#1", h * 0.35) == 1
    scale = 2.0
    img = page.render(scale=scale, rev_byteorder=True).to_numpy()[:, :, :3].astype(int)
    H, W = img.shape[:2]
    ink = (np.abs(img - 255).sum(axis=2) > 60)
    assert ink.mean() > 0.05  # not a blank page

    def near(rgb: tuple[int, int, int], tol: int = 12) -> np.ndarray:
        return (np.abs(img - np.array(rgb)).max(axis=2) <= tol)

    bare = near((0xF4, 0xEA, 0xD8))  # the sheet inside its margin (rows and columns of it:
    rows = np.nonzero(bare.sum(axis=1) > 0.1 * W)[0]  # not the legend's small swatch)
    cols = np.nonzero(bare.sum(axis=0) > 0.1 * (rows[-1] - rows[0]))[0]
    (y0, y1), (x0, x1) = (rows[0], rows[-1]), (cols[0], cols[-1])
    st = s["stock"]
    span_w, span_h = st["width"] - 2 * st["margin"], st["height"] - 2 * st["margin"]
    assert (x1 - x0) > 0.6 * W  # fitted to the page's width
    assert x0 > 0 and x1 < W - 1 and y0 > 0 and y1 < 0.7 * H  # whole, above the card
    assert abs((x1 - x0) / (y1 - y0) - span_w / span_h) < 0.03  # to scale

    def at(x: float, y: float) -> tuple[int, int]:  # sheet mm -> pixel (row, column)
        return (round(y1 - (y - st["margin"]) / span_h * (y1 - y0)),
                round(x0 + (x - st["margin"]) / span_w * (x1 - x0)))

    part = near((0xE8, 0xC9, 0x90))
    for p in s["parts"]:  # each part drawn where the report puts it
        bx0, by0, bx1, by1 = p["bbox"]
        r, c = at(bx0 + 0.1 * (bx1 - bx0), by0 + 0.7 * (by1 - by0))  # inside, off the label
        assert part[r - 2:r + 3, c - 2:c + 3].mean() > 0.8, p["id"]
    assert not part[at(400, 400)]  # and nothing where there is none
    for x, y in s["screws"]:  # the screws as dark dots
        r, c = at(x, y)
        assert img[r, c].max() < 110, (x, y)
    svg = (out / s["file_svg"]).read_text(encoding="utf-8")  # numbered as the page lists them
    assert "hold-down screw (numbered)" in svg  # in the legend
    assert re.findall(r'<text class="screw-n"[^>]*>(\d+)</text>', svg) == [
        str(n) for n in range(1, len(s["screws"]) + 1)]


def test_a_sheet_cut_by_one_program_per_tool_lists_them_in_order_with_the_tool_to_fit():
    """Split programs (one file per tool, no changer): the card runs them in order, each
    with its tool; the programs table on page one names both files and the tools."""
    from wikicut.io.report import build_report
    from wikicut.render import index_html

    rep = build_report("split", Layout([sheet(1)]), 12.0)
    s = rep["sheets"][0]
    s.update(file_program="sheet-001-1-T2.nc", toolpath={
        "cut_length_m": 12.5, "rapid_length_m": 3.0, "est_seconds": 600.0, "operations": 9},
        tools=[{"order": 1, "number": 2, "name": "upcut", "diameter": 3.0, "rpm": 18000,
                "est_seconds": 200.0},
               {"order": 2, "number": 1, "name": "compression", "diameter": 6.0,
                "rpm": 16000, "est_seconds": 400.0}],
        programs=[{"file": "sheet-001-1-T2.nc", "tools": [2], "est_seconds": 200.0},
                  {"file": "sheet-001-2-T1.nc", "tools": [1], "est_seconds": 400.0}])
    rep["programs"] = [{"file": "sheet-001-1-T2.nc", "count": 1, "sheets": [1]}]
    rep["settings"].update(z_zero="spoilboard", work_offset=None, holddown="none")
    html = index_html(rep, [""])
    card = html[html.index('<div class="card">'):]
    run = re.findall(r'<li><a href="([^"]+)">[^<]*</a>: fit ([^<]*)</li>', card)
    assert run == [("sheet-001-1-T2.nc", "T2 3 mm upcut (0:03)"),
                   ("sheet-001-2-T1.nc", "T1 6 mm compression (0:07)")]
    assert "Z0 on the spoilboard top (the stock top is Z18.3)" in card
    assert "Hold-down</b> none" in card and "work offset" not in card
    table = html[html.index('id="programs"'):html.index("<nav>")]
    assert table.index("sheet-001-1-T2.nc") < table.index("sheet-001-2-T1.nc")
    assert "T2 3 mm upcut, T1 6 mm compression" in table
    # pilots drilled (or centres marked) by the program: the card says it stops for the screws
    s["screws"] = [[300.0, 320.0], [900.0, 320.0]]
    for mode, says in (("drill", "the program drills a pilot for each of 2 screws, then stops"),
                       ("mark", "the program marks 2 screw centres, then stops"),
                       ("screws", "2 screws to drive before cutting")):
        rep["settings"]["holddown"] = mode
        card = index_html(rep, [""]).split('<div class="card">')[1]
        assert says in card and "1: 300, 320; 2: 900, 320" in card, mode


def test_a_tool_named_by_its_size_is_not_sized_twice():
    from wikicut.render.html import _tool

    lib = {"number": 7, "diameter": 2.5, "name": "2.5 mm 2-flute upcut, long reach"}
    assert _tool(lib) == "T7 2.5 mm 2-flute upcut, long reach"
    assert _tool({**lib, "name": "2.5 mm"}) == "T7 2.5 mm"
    assert _tool({**lib, "name": "25 mm surfacing"}) == "T7 2.5 mm 25 mm surfacing"
    assert _tool({**lib, "name": "upcut <long>"}) == "T7 2.5 mm upcut &lt;long&gt;"
