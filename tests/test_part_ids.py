"""A designer's and an operator's view of which part is which: every sheet preview writes
each part's id on the part (a key, listed in the legend, where the id does not fit), so a
printed job sheet tells the shapes apart; and a label the router cannot engrave is said on
the terminal, not only in the program's notes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import shapely
from conftest import need_module, print_pdf, run_wikicut

from wikicut.errors import InputWarning
from wikicut.io.profiles import load_profile
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.pipeline import write_outputs
from wikicut.render import sheet_svg, with_toolpaths
from wikicut.verify import simulate

SVG = "{http://www.w3.org/2000/svg}"

JOB = """name = "ids"
[sheet]
width = 1000
height = 600
thickness = 18
margin = 10
[nest]
spacing = 12
seed = 1
iterations = 5
workers = 1
rotations = [0, 90]
[machine]
profile = "grbl"
tool_diameter = 6
[[part]]
file = "panel.toml"
quantity = 1
[[part]]
file = "key.toml"
quantity = 2
"""

PARTS = {
    "panel": 'name = "panel"\nlabel = "PANEL"\n[[feature]]\ntype = "rectangle"\n'
             "x = 0\ny = 0\nw = 400\nh = 300\n",
    # 30 mm square: no room for its label at the 6 mm tool's width
    "key": 'name = "key"\nlabel = "KEY 12"\n[[feature]]\ntype = "rectangle"\n'
           "x = 0\ny = 0\nw = 30\nh = 30\n",
}


def test_labels_not_engraved_are_said_on_the_terminal(tmp_path):
    """The keys' labels have no room: one warning line names both keys and their sheet
    (the program notes say it too); the panel's label, engraved, is not named."""
    (tmp_path / "job.toml").write_text(JOB)
    for name, text in PARTS.items():
        (tmp_path / f"{name}.toml").write_text(text)
    out = tmp_path / "out"
    res = run_wikicut("nest", str(tmp_path / "job.toml"), "-o", str(out))
    assert res.returncode == 0, res.stderr
    warned = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warned) == 1, res.stderr
    assert "key#1" in warned[0] and "key#2" in warned[0] and "panel" not in warned[0]
    assert "not engraved" in warned[0] and "sheet 1" in warned[0]
    assert "labels: 2 of 3 parts without room" in (out / "sheet-001.nc").read_text()


def ribs(index: int) -> SheetLayout:
    """A long rib (its id fits beside its label), a post turned up, and six small keys
    (their ids do not fit: each a key in the legend)."""
    rib = Part("rib", shapely.box(0, 0, 900, 140), label="R7")
    post = Part("post", shapely.box(0, 0, 90, 500), label="P")
    key = Part("key", shapely.box(0, 0, 40, 40), label="K")
    pls = [Placement(f"rib#{index}", rib, 20, 20, 0.0),
           Placement(f"post#{index}", post, 980 + 20 * index, 20, 0.0)]
    pls += [Placement(f"key#{6 * index + k}", key, 20 + 60 * k, 300, 0.0) for k in range(6)]
    return SheetLayout(index, Stock(1220, 640, 18, 10), pls)


def _ids(svg: str) -> dict[str, ET.Element]:
    """Instance -> its id text on the sheet (class part-id)."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "part":
            (t,) = [t for t in g.iter(f"{SVG}text") if "part-id" in (t.get("class") or "")]
            out[g.get("data-part")] = t
    return out


def test_each_part_shows_its_id_inside_it_or_a_key_the_legend_lists():
    sheet = ribs(1)
    svg = sheet_svg(sheet, tool_diameter=6.0, total=1)
    ids = _ids(svg)
    assert set(ids) == {pl.instance for pl in sheet.placements}
    H = sheet.stock.height
    for pl in sheet.placements:
        t = ids[pl.instance]
        part = pl.placed().outline
        x, y, size = float(t.get("x")), H - float(t.get("y")), float(t.get("font-size"))
        assert part.contains(shapely.Point(x, y)), pl.instance
        if t.get("class") == "part-id":  # written whole, its box inside the part
            assert t.text == pl.instance
            w, h = 0.6 * len(t.text) * size / 2, 0.5 * size
            if "rotate(-90" in (t.get("transform") or ""):
                w, h = h, w
            assert part.contains(shapely.box(x - w, y - h, x + w, y + h)), pl.instance
            assert size >= 16 * 1220 / 2440  # render.labels.ID_MIN on a sheet this size
        else:  # a key, which the legend gives with the id
            assert t.get("class") == "part-id key" and t.get("data-id") == pl.instance
    assert ids["rib#1"].get("class") == "part-id"
    assert ids["post#1"].get("class") == "part-id"
    keys = {t.text: k for k, t in ids.items() if t.get("class") == "part-id key"}
    assert set(keys.values()) == {f"key#{k}" for k in range(6, 12)}
    assert sorted(keys) == list("abcdef") and keys["a"] == "key#6"  # in the ids' order
    legend = [e for e in ET.fromstring(svg).iter(f"{SVG}text") if e.get("class") == "id-key"]
    assert ["".join(e.itertext()) for e in legend] == [f"{k} {keys[k]}" for k in "abcdef"]
    # the id stays clear of the label: the two texts' boxes do not meet
    rib = ET.fromstring(svg).find(f".//{SVG}g[@data-part='rib#1']")
    label = rib.find(f"{SVG}text[@class='label']")
    lx, ls = float(label.get("x")), float(label.get("font-size"))
    ix, isz = float(ids["rib#1"].get("x")), float(ids["rib#1"].get("font-size"))
    assert abs(ix - lx) > 0.6 * len("rib#1") * isz / 2 + ls
    # the id is not the engraved label's colour, and the legend says what it is
    assert ids["rib#1"].get("fill") not in (label.get("fill"), "#777")
    assert "part id, not cut" in svg
    assert sheet_svg(sheet, tool_diameter=6.0, total=1) == svg  # deterministic


def test_toolpaths_redrawn_keep_the_ids_and_their_legend(tmp_path):
    """with_toolpaths rebuilds the legend from the drawing: the keys' list must survive."""
    prof = load_profile("grbl")
    sheet = ribs(1)
    out = write_outputs("ids", Layout([sheet]), tmp_path / "out", profile=prof, spacing=12.0,
                        toolpaths=True)
    svg = (out.outdir / "sheet-001.svg").read_text()
    text = (out.outdir / "sheet-001.nc").read_text()
    again = with_toolpaths(svg, simulate(text, prof), prof.tool.diameter)
    assert again == svg
    assert svg.count('class="id-key"') == 6


def test_origin_mark_is_whole_in_the_view():
    """The origin's circle and the Y arrow's head lie about x = 0: the view starts left of
    it, so neither is cut in half."""
    svg = sheet_svg(ribs(1))
    x0 = float(ET.fromstring(svg).get("viewBox").split()[0])
    origin = ET.fromstring(svg).find(f".//{SVG}g[@class='origin']")
    r = float(origin.find(f"{SVG}circle").get("r"))
    assert x0 <= -r - 1


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Two sheets written by the pipeline and printed by Chromium, as a designer would."""
    pdfium = need_module("pypdfium2")
    tmp = tmp_path_factory.mktemp("ids")
    out = tmp / "out"
    write_outputs("ids", Layout([ribs(1), ribs(2)]), out, profile=load_profile("grbl"),
                  spacing=12.0)
    pdf = print_pdf(out / "index.html", tmp)
    return out, pdfium.PdfDocument(str(pdf))


def test_a_printed_sheet_tells_its_parts_apart(printed):
    """On paper (no tooltips) each sheet's page holds every part's id, written on the part
    or given by its key in the legend."""
    out, doc = printed
    pages = [doc[k].get_textpage().get_text_range() for k in range(len(doc))]
    for index in (1, 2):
        page = next(p for p in pages if re.search(rf"Sheet {index} of 2\b", p))
        for pl in ribs(index).placements:
            assert re.search(rf"{re.escape(pl.instance)}(?!\d)", page), (index, pl.instance)


def test_a_repeated_layouts_sheets_each_name_their_own_unlabelled_parts(tmp_path):
    """One program cuts both sheets (planned on the first): the warning names the second
    sheet's own keys, not the first's again."""
    key = Part("key", shapely.box(0, 0, 30, 30), label="KEY 12")
    panel = Part("panel", shapely.box(0, 0, 400, 300), label="PANEL")

    def sheet(index: int) -> SheetLayout:
        return SheetLayout(index, Stock(1000, 600, 18, 10),
                           [Placement(f"panel#{index}", panel, 20, 20, 0.0),
                            Placement(f"key#{2 * index - 1}", key, 500, 20, 0.0),
                            Placement(f"key#{2 * index}", key, 600, 20, 0.0)])

    with pytest.warns(InputWarning) as said:
        res = write_outputs("keys", Layout([sheet(1), sheet(2)]), tmp_path / "out",
                            profile=load_profile("grbl"), spacing=12.0)
    assert len(res.report["programs"]) == 1  # one program, cut twice
    (line,) = [str(w.message) for w in said if "not engraved" in str(w.message)]
    assert line.startswith("4 part labels not engraved")
    assert line.endswith(": key#1, key#2 on sheet 1; key#3, key#4 on sheet 2"), line
