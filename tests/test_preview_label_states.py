"""The sheet previews draw each label as the program treats it: engraved (black), engraved
from the part's own drawing (its file's strokes, as dark as a label), or not engraved (grey:
no room, no tool of the rack reaching the depth, labels turned off), and the legend names
only what the sheet holds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import shapely
from conftest import ROOT, profile_copy, run_wikicut

from wikicut.io.dxf import read_dxf_parts
from wikicut.io.parts import load_part
from wikicut.io.profiles import load_profile
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.pipeline.outputs import write_outputs
from wikicut.render import sheet_svg, with_toolpaths
from wikicut.verify import simulate

SVG = "{http://www.w3.org/2000/svg}"
C_LABEL = "#222"


def _legend(svg: str) -> list[str]:
    """The legend's entries' names (the text beside each sample), in order."""
    g = next(e for e in ET.fromstring(svg).iter(f"{SVG}g") if e.get("class") == "legend")
    texts = [e for e in g if e.tag == f"{SVG}text" and e.get("x") and not e.get("class")]
    return [t.text for t in texts if t.get("text-anchor") is None and t.text
            and not t.text.endswith(" mm")]


def _labels(svg: str) -> dict[str, tuple[str, str | None]]:
    """Part -> its label's class and why it is not engraved (data-why)."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "part":
            (t,) = [t for t in g.iter(f"{SVG}text") if t.get("class", "").startswith("label")]
            out[g.get("data-part")] = (t.get("class"), t.get("data-why"))
    return out


def _spacer_job(tmp_path: Path, profile: str, extra: str = "") -> Path:
    job = tmp_path / "job.toml"
    job.write_text(f"""name = "spacers"
[sheet]
width = 1220
height = 1220
thickness = 18
margin = 10
material = "BirchPly"
[nest]
spacing = 12
seed = 1
time_limit = 5
iterations = 3
[machine]
profile = "{profile}"
{extra}
[[part]]
file = "{ROOT / 'parts' / 'spacer.toml'}"
quantity = 2
""", encoding="utf-8")
    return job


def test_labels_no_tool_reaches_are_drawn_not_engraved(tmp_path):
    """The rack's label tool (T5, 12 mm of flutes) cannot engrave 13 mm deep: the program
    engraves no label, so the preview draws none black; each grey, the legend saying why."""
    prof = profile_copy(tmp_path, "grbl", [("[engrave]\ndepth = 1.0", "[engrave]\ndepth = 13.0")])
    job = _spacer_job(tmp_path, prof, "tools = [1, 5]\n[machine.operations.label]\ntool = 5")
    out = tmp_path / "out"
    r = run_wikicut("nest", str(job), "-o", str(out), "--toolpaths")
    assert r.returncode == 0, r.stderr[-2000:]
    svg = (out / "sheet-001.svg").read_text()
    why = "no tool reaches their depth"
    assert _labels(svg) == {"spacer#1": ("label unengraved", why),
                            "spacer#2": ("label unengraved", why)}
    legend = _legend(svg)
    assert f"label, not engraved: {why}" in legend, legend
    assert "label, engraved" not in legend and "label, no room: not engraved" not in legend
    # redrawn over the programs (wikicut preview --toolpaths): the same picture and legend
    text = "".join(p.read_text() for p in sorted(out.glob("sheet-001*.nc")))
    assert text
    again = run_wikicut("preview", str(out), "--toolpaths")
    assert again.returncode == 0, again.stderr[-2000:]
    assert (out / "sheet-001.svg").read_text() == svg


def test_labels_turned_off_in_the_profile_are_drawn_not_engraved(tmp_path):
    prof = replace(load_profile("grbl"), engrave=replace(load_profile("grbl").engrave,
                                                         labels=False))
    spacer = load_part(ROOT / "parts" / "spacer.toml")
    x0, y0, _, _ = spacer.outline.bounds
    sheet = SheetLayout(1, Stock(1220, 1220, 18.0, 10), [
        Placement(f"spacer#{k}", spacer, 20 - x0, 20 + 400 * (k - 1) - y0, 0.0) for k in (1, 2)])
    res = write_outputs("off", Layout([sheet]), tmp_path / "out", profile=prof, spacing=12.0,
                        toolpaths=True)
    assert not [op for op in res.programs[0].operations if op.kind == "label"]
    svg = (tmp_path / "out" / "sheet-001.svg").read_text()
    why = "[engrave] labels = false"
    assert set(_labels(svg).values()) == {("label unengraved", why)}
    assert f"label, not engraved: {why}" in _legend(svg)
    text = (tmp_path / "out" / "sheet-001.nc").read_text()
    assert with_toolpaths(svg, simulate(text, prof), prof.tool.diameter) == svg


def test_the_legend_names_only_what_the_sheet_holds():
    """A plain panel on a sheet without margin or keep-outs: no hole, pocket, drill,
    engraving, margin or keep-out in its legend; its label and id are."""
    panel = Part("panel", shapely.box(0, 0, 400, 300), label="PANEL")
    sheet = SheetLayout(1, Stock(1000, 600, 18, 0), [Placement("panel#1", panel, 20, 20, 0.0)])
    assert _legend(sheet_svg(sheet, tool_diameter=6.0)) == [
        "part", "label, engraved", "part id, not cut"]


def _skylark(label: str) -> Part:
    (part,) = read_dxf_parts(ROOT / "examples" / "skylark" / "E-XXS_cnc" / f"{label}.dxf")
    return part


def test_a_drawings_own_label_is_drawn_as_a_label_and_the_legend_says_so():
    """Skylark's parts engrave their label from their drawing (a LABELS layer): its strokes
    are drawn dark and as thick as a label's letters (thin grey lines read as a label not
    engraved), the legend gives them as a label engraved as drawn, and shows no sample of
    wikicut's label, which no part of the sheet has."""
    b = _skylark("E-XXS-B")
    sheet = SheetLayout(1, Stock(2440, 1220, 18.0, 10), [Placement("E-XXS-B#1", b, 20, 20, 0.0)])
    svg = sheet_svg(sheet, tool_diameter=6.0)
    root = ET.fromstring(svg)
    drawn = [e for e in root.iter(f"{SVG}polyline") if e.get("class") == "engraving label"]
    assert len(drawn) == sum(e.label for e in b.engravings) > 0
    assert {e.get("stroke") for e in drawn} == {C_LABEL}
    assert all(float(e.get("stroke-width")) >= 2.0 for e in drawn)
    assert not [e for e in root.iter(f"{SVG}text") if (e.get("class") or "").startswith("label")]
    legend = _legend(svg)
    assert "label, engraved as drawn" in legend and "label, engraved" not in legend, legend
    # the legend's sample is drawn the same way: strokes, not a font's text
    g = next(e for e in root.iter(f"{SVG}g") if e.get("class") == "legend")
    assert [e for e in g.iter(f"{SVG}path") if e.get("class") == "sample engraving label"]


def test_a_label_with_no_room_at_all_stays_inside_its_part():
    """A 10 mm disc named by a long file name (MicroHouse's): its grey label is drawn inside
    it however small, never across its neighbours and off the sheet."""
    from wikicut.render import label_box
    from wikicut.render.labels import CHAR_W

    disc = shapely.Point(0, 0).buffer(5.0)
    text = "MicroHouse_othercomponents_v0.5-14"
    x, y, size, vertical = label_box(disc, text)
    hw, hh = CHAR_W * len(text) * size / 2, 0.4 * size
    if vertical:
        hw, hh = hh, hw
    assert disc.contains(shapely.box(x - hw, y - hh, x + hw, y + hh)), size
    assert size > 0.1
