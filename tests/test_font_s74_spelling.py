"""Labels from shops in many countries: a character the engraving font lacks is spelled with
the glyphs it has (accents dropped, 'ß' as 'SS', '½' as '1/2') before it is given up as '?',
and the program, the previews and the warning agree on what is engraved."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import shapely
from conftest import run_wikicut

from wikicut.cam.labels import label_strokes
from wikicut.errors import InputWarning
from wikicut.io.parts import load_part
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.model.font import engraved_text, spelled, text_strokes, text_width, unengravable
from wikicut.render import sheet_svg

SVG = "{http://www.w3.org/2000/svg}"


def _strokes(text: str, height: float = 6.0) -> list[list]:
    return [s.tolist() for s in text_strokes(text, height)]


@pytest.mark.parametrize(("typed", "cut"), [
    ("Mur-Façade Nord", "MUR-FACADE NORD"),
    ("Wand Süd", "WAND SUD"),
    ("Øst-vegg", "OST-VEGG"),
    ("Dach\u2013Sparren", "DACH-SPARREN"),       # en dash
    ("Dach\u2014Sparren \u2212 2", "DACH-SPARREN - 2"),  # em dash, minus sign
    ("½ panel", "1/2 PANEL"),                     # NFKD's fraction slash U+2044 as '/'
    ("Ärzte", "ARZTE"),
    ("Straße", "STRASSE"),
    ("Æble Œuvre Łódź Đak Þing", "AEBLE OEUVRE LODZ DAK THING"),
    ("\u2018rib\u2019", "'RIB'"),                # curly single quotes as the straight one
])
def test_labels_from_many_countries_are_spelled_with_the_fonts_letters(typed, cut):
    assert engraved_text(typed) == cut
    assert unengravable(typed) == ""
    assert _strokes(typed) == _strokes(cut)
    assert text_width(typed, 25.0) == text_width(cut, 25.0)


def test_a_letter_spelled_with_two_is_as_wide_as_the_two():
    """'ß' takes two places ('SS'): strokes and width are the engraved text's, so the
    previews' box and the router's letters stay one."""
    assert text_width("Straße", 6.0) == text_width("STRASSE", 6.0) > text_width("STRA?E", 6.0)
    assert _strokes("Straße") != _strokes("STRA?E")
    xs = [p[0] for s in _strokes("Straße") for p in s]
    assert max(xs) <= text_width("Straße", 6.0) + 1e-9


def test_an_accent_typed_after_its_letter_is_spelled_as_the_accented_letter():
    decomposed = "Fac\u0327ade e\u0301te\u0301"  # c + combining cedilla, e + combining acute
    assert engraved_text(decomposed) == "FACADE ETE"
    assert spelled(decomposed) == {"ç": "C", "é": "E"}


def test_what_cannot_be_spelled_is_still_a_question_mark_and_named_apart():
    text = "Dach\u2013Sparren 日 \u00b4 \u201cN\u201d ç"
    # a spacing accent is not spelled as a blank, and the straight double quote the curly
    # ones would become is not in the font either
    assert engraved_text(text) == "DACH-SPARREN ? ? ?N? C"
    assert unengravable(text) == "日\u00b4\u201c\u201d"
    assert spelled(text) == {"\u2013": "-", "ç": "C"}
    assert _strokes("日") == _strokes("?")


BASE = '[[feature]]\ntype = "rectangle"\nx = 0\ny = 0\nw = 600\nh = 300\n'


def _warnings(tmp_path: Path, label: str) -> list[str]:
    path = tmp_path / "p.toml"
    path.write_text(f'label = "{label}"\n' + BASE, encoding="utf-8")
    with pytest.warns(InputWarning) as said:
        load_part(path, thickness=18.3)
    return [str(w.message) for w in said]


def test_the_warning_names_what_is_spelled_and_what_is_given_up(tmp_path):
    assert _warnings(tmp_path, "Mur-Façade Straße") == [
        "p.toml: part 'p': key 'label' (line 1): label 'Mur-Façade Straße': 'ç' engraved as"
        " 'C', 'ß' as 'SS'"]
    assert _warnings(tmp_path, "Façade 日") == [
        "p.toml: part 'p': key 'label' (line 1): label 'Façade 日': 'ç' engraved as 'C'; the"
        " engraving font has no 日: engraved as '?' (it has A-Z, 0-9, space and # ' ( ) * +"
        " , - . / : = ? _)"]


def test_the_planner_and_the_sheet_preview_engrave_the_spelled_label():
    profile = load_profile("grbl")
    box = shapely.box(0, 0, 600, 200)
    typed = Part("panel", box, label="Wand Süd ½")
    cut = Part("panel", box, label="WAND SUD 1/2")
    given_up = Part("panel", box, label="WAND S?D ?")
    strokes = [s.tolist() for s in label_strokes(typed, profile)]
    assert strokes and strokes == [s.tolist() for s in label_strokes(cut, profile)]
    assert strokes != [s.tolist() for s in label_strokes(given_up, profile)]
    svg = sheet_svg(SheetLayout(1, Stock(800, 400, 18, 10), [Placement("panel#1", typed, 20, 20)]),
                    total=1)
    (label,) = ET.fromstring(svg).findall(f".//{SVG}text[@class='label']")
    assert label.text == "WAND SUD 1/2" and label.get("data-label") == "Wand Süd ½"
    svg_cut = sheet_svg(SheetLayout(1, Stock(800, 400, 18, 10),
                                    [Placement("panel#1", cut, 20, 20)]), total=1)
    (label_cut,) = ET.fromstring(svg_cut).findall(f".//{SVG}text[@class='label']")
    assert label.get("textLength") == label_cut.get("textLength")  # as wide as engraved


_JOB = """name = "lbl"
[sheet]
width = 1220
height = 1220
thickness = 18
margin = 10
[nest]
spacing = 12
seed = 1
iterations = 3
[machine]
profile = "grbl"
[[part]]
file = "panel.toml"
quantity = 1
"""

_PANEL = '''name = "panel"
label = "{label}"

[[feature]]
type = "rectangle"
x = 0
y = 0
w = 600
h = 200
'''


def _nest(folder: Path, label: str):
    folder.mkdir()
    (folder / "panel.toml").write_text(_PANEL.format(label=label), encoding="utf-8")
    (folder / "job.toml").write_text(_JOB, encoding="utf-8")
    r = run_wikicut("nest", str(folder / "job.toml"), "-o", str(folder / "out"), "-q")
    assert r.returncode == 0, r.stderr[-2000:]
    return r, folder / "out"


def _moves(program: Path) -> list[str]:
    """The program's lines without comments: what the machine does."""
    lines = (re.sub(r"\(.*?\)|;.*", "", ln).strip()
             for ln in program.read_text(encoding="utf-8").splitlines())
    return [ln for ln in lines if ln]


def test_a_nest_engraves_a_non_ascii_label_as_its_spelling(tmp_path):
    typed, spelt = "Mur-Façade Nord ½", "MUR-FACADE NORD 1/2"
    r, out = _nest(tmp_path / "typed", typed)
    _, out_cut = _nest(tmp_path / "spelt", spelt)
    (prog,) = sorted(out.glob("sheet-*.nc"))
    (prog_cut,) = sorted(out_cut.glob("sheet-*.nc"))
    moves = _moves(prog)
    assert any("Z" in m for m in moves) and moves == _moves(prog_cut)
    (warned,) = [ln for ln in r.stderr.splitlines() if ln.startswith("warning:")]
    assert warned.endswith(f"label {typed!r}: 'ç' engraved as 'C', '½' as '1/2'"), warned
    (label,) = ET.parse(out / "sheet-001.svg").getroot().findall(f".//{SVG}text[@class='label']")
    assert label.text == spelt and label.get("data-label") == typed
    assert f"(engraved: {spelt})" in (out / "index.html").read_text(encoding="utf-8")
    with (out / "parts.csv").open(encoding="utf-8", newline="") as f:
        assert [row["label"] for row in csv.DictReader(f)] == [typed]  # the label as typed


def test_a_dxf_part_named_by_its_text_is_warned_of_as_a_part_file_is(tmp_path):
    # the drawing's TEXT names the part and wikicut engraves it with its own font: the same
    # warning as a part file's label, naming the file, the part and its outline's entity
    import ezdxf

    from wikicut.io.dxf import read_dxf_parts
    doc = ezdxf.new()
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (400, 0), (400, 300), (0, 300)], close=True,
                       dxfattribs={"layer": "OUTSIDE"})
    msp.add_text("Façade 日", dxfattribs={"height": 20, "insert": (50, 100)})
    path = tmp_path / "walls.dxf"
    doc.saveas(path)
    with pytest.warns(InputWarning) as got:
        (part,) = read_dxf_parts(path, units="mm")
    said = [str(w.message) for w in got if "label" in str(w.message)]
    assert len(said) == 1 and said[0].startswith(f"{path}: part 'Façade 日' (outline entity ")
    assert said[0].endswith(": label 'Façade 日': 'ç' engraved as 'C'; the engraving font has "
                            "no 日: engraved as '?' (it has A-Z, 0-9, space and # ' ( ) * + ,"
                            " - . / : = ? _)"), said[0]
