"""What the previews mark beyond the nest: locked parts and fillers drawn apart from the
parts nested (their own edge, a legend entry, the tooltip and the page's details), and the
remnants a job keeps listed on its index.html (the job's summary, a table, each sheet's
card), also when the page is rebuilt from the folder."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Polygon

from wikicut.io.report import build_report
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.render import index_html, kept_remnants, sheet_svg, with_toolpaths
from wikicut.render.html import write_preview_folder
from wikicut.render.style import C_EDGE, C_FILLER, C_LOCKED, C_MIRROR, mm, mm3, ring_path
from wikicut.render.svg import ROLES

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wikicut.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)


def _groups(svg: str) -> dict[str, ET.Element]:
    return {g.get("data-part"): g for g in ET.fromstring(svg).iter(f"{SVG}g")
            if g.get("class") == "part"}


def _edges(g: ET.Element) -> list[str]:
    return [p.get("class") for p in g.findall(f"{SVG}path")
            if p.get("class") in ("locked", "filler", "mirrored")]


def _legend(svg: str) -> list[str]:
    legend = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "legend")
    return [t.text for t in legend.findall(f"{SVG}text") if t.text]


# -- locked parts and fillers on a sheet ---------------------------------------------------

def _wedge() -> Part:
    return Part("wedge", Polygon([(0, 0), (160, 0), (150, 40), (10, 40)]),
                source="wedge.toml")


def _marked_sheet() -> SheetLayout:
    rib = Part("rib", shapely.box(0, 0, 500, 120).difference(shapely.box(100, 0, 118, 60)),
               source="rib.toml")
    return SheetLayout(1, Stock(1220, 640, 18, 15), [
        Placement("rib#1", rib, 30, 30),  # nested
        Placement("rib#2", rib, 700, 400, 90.0),  # locked, turned
        Placement("rib#3", rib, 1200, 30, 90.0, mirrored=True),  # locked face down
        Placement("wedge#1", _wedge(), 30, 300),  # a filler
        Placement("wedge#2", _wedge(), 30, 400, mirrored=True)])  # a filler face down


def test_locked_parts_and_fillers_have_an_edge_and_a_legend_entry_of_their_own():
    sheet = _marked_sheet()
    locked, fillers = ["rib#2", "rib#3"], ["wedge#1", "wedge#2"]
    svg = sheet_svg(sheet, tool_diameter=6.0, total=1, locked=locked, fillers=fillers)
    groups = _groups(svg)
    assert {k: _edges(g) for k, g in groups.items()} == {
        "rib#1": [], "rib#2": ["locked"], "rib#3": ["locked", "mirrored"],
        "wedge#1": ["filler"], "wedge#2": ["filler", "mirrored"]}
    H = sheet.stock.height
    for p in sheet.placements:
        g = groups[p.instance]
        placed = p.placed()
        role = "locked" if p.instance in locked else "filler" if p.instance in fillers else ""
        for edge in g.findall(f"{SVG}path"):
            if edge.get("class") == role:  # along the part's own edge, in the style's colour
                assert edge.get("d") == ring_path(placed.outline.exterior.coords, H)
                assert edge.get("stroke") == {"locked": C_LOCKED, "filler": C_FILLER}[role]
                assert edge.findtext(f"{SVG}title") == ROLES[role]
        assert g.get("data-locked") == ("yes" if role == "locked" else None)
        assert g.get("data-filler") == ("yes" if role == "filler" else None)
        tip = g.findtext(f"{SVG}title")
        if role == "locked":  # the corner its lock was given: its turned box's lower-left
            x0, y0 = placed.outline.bounds[:2]
            assert tip.endswith(f"{ROLES['locked']}, its box's lower-left corner at x "
                                f"{mm3(x0)}, y {mm3(y0)}")
        assert (ROLES["filler"] in tip) == (role == "filler")
    # told apart from the nested parts' edge and the mirrored dashes, and from each other
    assert len({C_LOCKED, C_FILLER, C_EDGE, C_MIRROR}) == 4
    legend = _legend(svg)
    assert legend.count(ROLES["locked"]) == 1 and legend.count(ROLES["filler"]) == 1
    # redrawn over toolpaths (wikicut preview OUTDIR --toolpaths): the marks and their keys
    again = with_toolpaths(svg, [], 6.0)
    assert {k: _edges(g) for k, g in _groups(again).items()} == {
        k: _edges(g) for k, g in groups.items()}
    assert ROLES["locked"] in _legend(again) and ROLES["filler"] in _legend(again)
    # deterministic, and a sheet without either keeps its legend as it was
    assert sheet_svg(sheet, tool_diameter=6.0, total=1, locked=locked, fillers=fillers) == svg
    plain = sheet_svg(sheet, tool_diameter=6.0, total=1)
    assert not any(ROLES[r] in plain for r in ROLES)
    assert 'class="locked"' not in plain and 'class="filler"' not in plain


@pytest.mark.slow
def test_a_jobs_previews_mark_its_locked_parts_and_fillers(tmp_path):
    """A job with a lock and fillers: every part the report flags locked or filler has
    that edge in its sheet's SVG and in index.html's drawing, and no other part has."""
    for name in ("spacer.toml", "wedge.toml"):
        shutil.copy(ROOT / "parts" / name, tmp_path / name)
    (tmp_path / "job.toml").write_text(
        'name = "locks"\n[sheet]\nwidth = 1400\nheight = 1220\nthickness = 18\nmargin = 15\n'
        "[nest]\nspacing = 12\nseed = 1\ntime_limit = 60\niterations = 40\nworkers = 1\n"
        '[machine]\nprofile = "grbl"\ntool_diameter = 6\n'
        '[[part]]\nfile = "spacer.toml"\nquantity = 3\nparams = { length = 900 }\n'
        "lock = [{ sheet = 1, x = 1000, y = 100, rotation = 90 }]\n"
        '[[part]]\nfile = "wedge.toml"\nquantity = 6\nfiller = true\n')
    out = tmp_path / "out"
    res = run("nest", str(tmp_path / "job.toml"), "-o", str(out), "--no-gcode", "-q")
    assert res.returncode == 0, res.stderr
    report = json.loads((out / "report.json").read_text())
    page = (out / "index.html").read_text()
    drawn = re.findall(r"<svg .*?</svg>", page, re.S)
    seen = {"locked": 0, "filler": 0}
    for s, inline in zip(report["sheets"], drawn, strict=True):
        svg = (out / s["file_svg"]).read_text()
        assert inline == svg.strip()
        groups = _groups(svg)
        for p in s["parts"]:
            want = ["locked"] if p.get("locked") else ["filler"] if p.get("filler") else []
            assert [e for e in _edges(groups[p["id"]]) if e != "mirrored"] == want, p["id"]
            seen["locked"] += bool(p.get("locked"))
            seen["filler"] += bool(p.get("filler"))
        legend = _legend(svg)
        assert (ROLES["locked"] in legend) == any(p.get("locked") for p in s["parts"])
        assert (ROLES["filler"] in legend) == any(p.get("filler") for p in s["parts"])
    assert seen == {"locked": 1, "filler": report["totals"]["fillers"]["placed"]} != {
        "locked": 1, "filler": 0}
    assert "d.locked ?" in page and "d.filler ?" in page  # a click on one says so


# -- the remnants a job keeps --------------------------------------------------------------

def _area_m2(r: dict) -> float:
    if "outline" in r:
        return Polygon(r["outline"], r.get("holes", [])).area / 1e6
    return r["width"] * r["height"] / 1e6


def _rows(page: str) -> list[tuple[str, str, str, str]]:
    table = page[page.index('<h2 id="remnants">'):]
    table = table[:table.index("</table>")]
    return [tuple(unescape(re.sub(r"<[^>]+>", "", c)) for c in row)
            for row in re.findall(r"<tr><td[^>]*>(.*?)</td><td>(.*?)</td><td>(.*?)</td>"
                                  r"<td>(.*?)</td></tr>", table)]


@pytest.mark.slow
def test_index_html_lists_the_remnants_the_job_keeps(tmp_path):
    """examples/remnants with an inventory: job a keeps what its beams leave, job b cuts
    on that remnant and keeps what it leaves. Each index.html names every remnant of its
    remnants.toml (id, the sheet it comes off, its box and area, its stock) in the summary,
    a table and the sheet's card, and says nothing of a remnant it cut but did not keep;
    rebuilt from the folder (wikicut preview OUTDIR) the page is the same."""
    shop = tmp_path / "shop.toml"
    outs = []
    for job in ("job-a", "job-b"):
        out = tmp_path / job
        res = run("nest", f"examples/remnants/{job}.toml", "-o", str(out), "--inventory",
                  str(shop), "--iterations", "60", "-q")
        assert res.returncode == 0, res.stderr
        outs.append(out)
    cut_on = []
    for out in outs:
        page = (out / "index.html").read_text()
        report = json.loads((out / "report.json").read_text())
        kept = tomllib.loads((out / "remnants.toml").read_text())["sheet"]
        assert kept and kept == kept_remnants(out)
        want = []
        for r in kept:
            job, _, k = r["source"].rpartition(" sheet ")
            assert job == report["job"]
            shape = ", irregular (its outline in remnants.toml)" if "outline" in r else ""
            want.append((r["id"], k, f"{mm(r['width'])} x {mm(r['height'])} mm{shape}, "
                                     f"{_area_m2(r):.2f} m\u00b2",
                         f"{r['thickness']:g} mm {r['material']}"))
        assert _rows(page) == want
        total = sum(map(_area_m2, kept))
        assert (f'<li>Remnants kept: <a href="#remnants">{len(kept)}</a> ('
                + ", ".join(r["id"] for r in kept) + f"), {total:.2f} m&sup2; in "
                "remnants.toml</li>") in page
        for s in report["sheets"]:  # each sheet's card: the ones to set aside from it
            card = page[page.index(f'id="sheet-{s["index"]}"'):]
            card = card[card.index('<div class="card">'):card.index("</section>")]
            ids = [r["id"] for r in kept if r["source"].endswith(f" sheet {s['index']}")]
            keep = re.findall(r"<li><b>Keep</b>(.*?)</li>", card)
            assert re.findall(r"<b>([^<]+)</b>", keep[0] if keep else "") == ids
        for s in report["sheets"]:  # a remnant cut is stock, not kept
            if s["stock"]["name"].startswith("Remnant "):
                rid = s["stock"]["name"].removeprefix("Remnant ")
                cut_on.append(rid)
                assert rid not in {r["id"] for r in kept} and f"<b>{rid}</b>" not in page
        index = (out / "index.html").read_bytes()
        (out / "index.html").unlink()
        assert write_preview_folder(out).read_bytes() == index
    assert cut_on == ["R0001"]  # job b cut on what job a kept


def test_a_layout_cut_several_times_lists_each_sheets_remnants_on_its_card():
    """Sheets 2 and 3 cut by one program: the card printed for them (sheet 2's) names the
    remnants of both, by sheet; a remnant whose source names no sheet of the job is listed
    by its source; ids are escaped."""
    part = Part("post", shapely.box(0, 0, 120, 400), source="post.toml")
    sheets = [SheetLayout(k, Stock(1220, 640, 18, 15),
                          [Placement(f"post#{k}", part, 30, 30)]) for k in (1, 2, 3)]
    rep = build_report("posts", Layout(sheets), 12.0)
    for s in rep["sheets"]:
        s["file_program"] = "sheet-001.nc" if s["index"] == 1 else "sheet-002-x2.nc"
    rep["programs"] = [{"file": "sheet-001.nc", "count": 1, "sheets": [1]},
                       {"file": "sheet-002-x2.nc", "count": 2, "sheets": [2, 3]}]
    kept = [{"id": "posts-002-1", "source": "posts sheet 2", "width": 1040.0,
             "height": 610.0, "thickness": 18.0, "material": "Plywood"},
            {"id": "posts-003-1", "source": "posts sheet 3", "width": 1040.0,
             "height": 610.0, "thickness": 18.0, "material": "Plywood",
             "outline": [[0, 0], [1040, 0], [1040, 300], [500, 610], [0, 610]]},
            {"id": "a<b", "source": "from the yard", "width": 300.0, "height": 200.0,
             "thickness": 18.0, "material": "Plywood"}]
    page = index_html(rep, ["<svg></svg>"] * 3, remnants=kept)
    cards = {int(k): c for k, c in re.findall(
        r'<section class="sheet[^"]*" id="sheet-(\d+)">(.*?)</section>', page, re.S)}
    keep = {k: re.findall(r"<li><b>Keep</b>(.*?)</li>", c) for k, c in cards.items()}
    area = Polygon(kept[1]["outline"]).area / 1e6
    assert keep[1] == []
    assert keep[2] == keep[3] == [
        f" sheet 2: <b>posts-002-1</b> 1040 x 610 mm, {1040 * 610 / 1e6:.2f} m&sup2;;"
        " sheet 3: <b>posts-003-1</b>"
        f" 1040 x 610 mm, irregular (its outline in remnants.toml), {area:.2f} m&sup2;"
        ' (as stock in <a href="remnants.toml">remnants.toml</a>)']
    rows = _rows(page)
    assert [r[:2] for r in rows] == [("posts-002-1", "2"), ("posts-003-1", "3"),
                                     ("a<b", "from the yard")]
    assert "<b>a&lt;b</b>" not in page and ">a&lt;b</td>" in page
    assert index_html(rep, ["<svg></svg>"] * 3) == index_html(rep, ["<svg></svg>"] * 3, [])
    assert "Remnants" not in index_html(rep, ["<svg></svg>"] * 3)
