"""report.json: docs/report-schema.md and build_report name exactly the same keys at every
level (the doc's tables and its JSON example are parsed), totals add up, output is stable."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import shapely

from wikicut.cam import plan_sheet
from wikicut.io.profiles import load_profile
from wikicut.io.report import SCHEMA, build_report, dumps, offcut
from wikicut.model import Drill, Layout, Part, Placement, Pocket, SheetLayout, Stock
from wikicut.post import program_filename

DOC = Path(__file__).resolve().parent.parent / "docs" / "report-schema.md"
SETTINGS = {"seed": 1, "time_limit": 10.0, "iterations": None, "spacing": 12.0,
            "rotations": [0.0, 90.0], "thickness": 18.3, "profile": "GRBL",
            "tool_diameter": 6.0, "currency": "GBP"}

# doc heading -> how to reach that object from the report (lists: every element)
SECTIONS = {
    "Top level": lambda r: [r],
    "settings": lambda r: [r["settings"]],
    "sheets[]": lambda r: r["sheets"],
    "sheets[].stock": lambda r: [s["stock"] for s in r["sheets"]],
    "sheets[].offcut": lambda r: [s["offcut"] for s in r["sheets"]],
    "sheets[].offcut.top": lambda r: [s["offcut"]["top"] for s in r["sheets"]],
    "sheets[].parts[]": lambda r: [p for s in r["sheets"] for p in s["parts"]],
    "sheets[].toolpath": lambda r: [s["toolpath"] for s in r["sheets"] if s["toolpath"]],
    "programs[]": lambda r: r["programs"],
    "unplaced[]": lambda r: r["unplaced"],
    "parts[]": lambda r: r["parts"],
    "totals": lambda r: [r["totals"]],
}


def shelf() -> Part:
    return Part("shelf", shapely.box(0, 0, 600, 300).difference(shapely.box(250, 100, 350, 118.3)),
                pockets=(Pocket(shapely.box(40, 40, 120, 100), 9.0),),
                drills=(Drill(500, 150, 8.0),), source="parts/shelf.toml")


def shelves() -> Layout:
    """The example of the doc: two shelves on one priced sheet, a third left over."""
    st = Stock(1220, 640, 18.3, 15, price=31.25, material="BirchPly")
    sheet = SheetLayout(1, st, [Placement("shelf#1", shelf(), 20, 20, 0.0),
                                Placement("shelf#2", shelf(), 950, 20, 90.0)])
    return Layout([sheet], unplaced=["shelf#3"])


@pytest.fixture(scope="module")
def planned() -> dict:
    lay = shelves()
    prof = load_profile("grbl")
    programs = [plan_sheet(s, prof) for s in lay.sheets]
    files = [program_filename(s.index, prof) for s in lay.sheets]
    return build_report("shelves", lay, 12.0, programs=programs, program_files=files,
                        settings=SETTINGS)


def doc_tables() -> dict[str, list[str]]:
    """{section heading: keys listed in its table, in order} from the schema doc."""
    out: dict[str, list[str]] = {}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        h = re.match(r"^## (?:`([^`]+)`|(.+))$", line)
        if h:
            section = h.group(1) or h.group(2).strip()
            continue
        row = re.match(r"^\| `([^`]+)` \|", line)
        if row and section is not None:
            out.setdefault(section, []).append(row.group(1))
    return out


def optional_keys() -> dict[str, set[str]]:
    """{section heading: keys its table says are absent when empty (or false)}."""
    out: dict[str, set[str]] = {}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        h = re.match(r"^## (?:`([^`]+)`|(.+))$", line)
        if h:
            section = h.group(1) or h.group(2).strip()
            continue
        row = re.match(r"^\| `([^`]+)` \|[^|]*\|[^|]*\| absent when (empty|false) \|", line)
        if row and section is not None:
            out.setdefault(section, set()).add(row.group(1))
    return out


OPTIONAL = optional_keys()


def doc_example() -> dict:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "the doc must hold exactly one JSON example"
    return json.loads(blocks[0])


def test_doc_lists_every_section():
    assert set(doc_tables()) == set(SECTIONS)


@pytest.mark.parametrize("with_programs", [True, False])
def test_doc_tables_name_exactly_the_keys_written(planned, with_programs):
    rep = planned if with_programs else build_report("shelves", shelves(), 12.0)
    tables = doc_tables()
    for section, reach in SECTIONS.items():
        objs = reach(rep)
        if section == "sheets[].toolpath" and not with_programs:
            assert objs == [] and all(s["toolpath"] is None for s in rep["sheets"])
            continue
        if section == "programs[]" and not with_programs:
            assert objs == []
            continue
        assert objs, section
        for obj in objs:
            if section == "settings":  # an open record: a subset, spacing always there
                assert "spacing" in obj and set(obj) <= set(tables[section]), obj
            else:  # exact keys, and in the documented order (those "absent when empty" may be)
                optional = OPTIONAL.get(section, set())
                assert list(obj) == [k for k in tables[section]
                                     if k in obj or k not in optional], section


def test_locked_and_filler_keys_are_written_where_documented():
    """A layout with a locked part and fillers: the optional keys appear, in order."""
    lay = shelves()
    first = lay.sheets[0].placements
    lay.locked, lay.fillers, lay.fillers_left = [first[0].instance], [first[1].instance], ["x#1"]
    rep = build_report("shelves", lay, 12.0)
    tables = doc_tables()
    parts = rep["sheets"][0]["parts"]
    assert parts[0]["locked"] is True and "filler" not in parts[0]
    assert parts[1]["filler"] is True and "locked" not in parts[1]
    assert list(parts[0]) == [k for k in tables["sheets[].parts[]"]
                              if k not in ("filler", "mirrored")]
    assert list(parts[1]) == [k for k in tables["sheets[].parts[]"]
                              if k not in ("locked", "mirrored")]
    assert rep["totals"]["fillers"] == {"placed": 1, "left": 1}
    # a filler left out was asked for: its row counts it (placed less than quantity)
    row = next(r for r in rep["parts"] if r["name"] == "x")
    assert (row["quantity"], row["placed"], row["sheets"]) == (1, 0, [])
    assert list(rep["totals"]) == [k for k in tables["totals"] if k != "common_line"]
    # ... and is named, apart from the unplaced (no fault)
    assert rep["fillers_left"] == [{"id": "x#1", "name": "x", "label": "x", "source": ""}]
    assert list(rep) == [k for k in tables["Top level"]]
    assert OPTIONAL["totals"] == {"fillers", "common_line"}


def test_mirrored_key_is_written_where_documented():
    """A part cut face down says so after its role keys; the others have no such key."""
    lay = shelves()
    first = lay.sheets[0].placements
    lay.sheets[0].placements = [first[0], Placement("shelf#2", plain(), 950, 20, 90.0, True)]
    lay.locked = [first[0].instance]
    rep = build_report("shelves", lay, 12.0)
    tables = doc_tables()
    parts = rep["sheets"][0]["parts"]
    assert "mirrored" not in parts[0] and parts[1]["mirrored"] is True
    assert list(parts[1]) == [k for k in tables["sheets[].parts[]"]
                              if k not in ("locked", "filler")]
    # the box is the mirrored outline's: x -> -x, turned a quarter, moved
    x0, y0, x1, y1 = shapely.affinity.rotate(shapely.affinity.scale(
        plain().outline, -1, 1, origin=(0, 0)), 90, origin=(0, 0)).bounds
    assert parts[1]["bbox"] == [950 + x0, 20 + y0, 950 + x1, 20 + y1]
    assert "mirrored" in OPTIONAL["sheets[].parts[]"]


def plain() -> Part:
    """The shelf without its pocket (a part that may be cut face down)."""
    return Part("plain", shelf().outline, drills=shelf().drills, source="parts/plain.toml")


def _shape(v):
    """The key structure of a JSON value (dict keys in order, list elements' shapes)."""
    if isinstance(v, dict):
        return {k: _shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_shape(x) for x in v]
    return type(v).__name__ if v is not None else None


def test_doc_example_is_the_real_report(planned):
    ex = doc_example()
    assert _shape(ex) == _shape(planned)
    # everything but the toolpath figures (they follow the toolpath planner) is exact
    strip = ("cut_length_m", "est_seconds")
    ex_s, real_s = dict(ex), dict(planned)
    for r in (ex_s, real_s):
        r["sheets"] = [{k: v for k, v in s.items() if k != "toolpath"} for s in r["sheets"]]
        r["totals"] = {k: v for k, v in r["totals"].items() if k not in strip}
    assert ex_s == real_s
    assert set(doc_tables()["settings"]) >= set(ex["settings"]) | {"turned_sheets"}


def test_totals_add_up(planned):
    rep = planned
    t = rep["totals"]
    assert rep["schema"] == SCHEMA
    assert t["placed"] == sum(len(s["parts"]) for s in rep["sheets"]) == 2
    assert t["unplaced"] == len(rep["unplaced"]) == 1
    assert t["parts"] == sum(p["quantity"] for p in rep["parts"]) == 3
    assert sum(p["placed"] for p in rep["parts"]) == t["placed"]
    assert t["cut_length_m"] == pytest.approx(sum(s["toolpath"]["cut_length_m"]
                                                  for s in rep["sheets"]), abs=0.01)
    assert t["cut_length_m"] > 2 * 2 * (0.6 + 0.3)  # two outlines at least, several passes
    assert t["cost"] == 31.25
    assert t["utilisation"] == pytest.approx(t["part_area_m2"] / t["sheet_area_m2"], abs=1e-4)
    assert rep["sheets"][0]["file_program"] == "sheet-001.nc"
    no_prog = build_report("shelves", shelves(), 12.0)
    assert no_prog["totals"]["cut_length_m"] is None and no_prog["totals"]["est_seconds"] is None
    assert no_prog["sheets"][0]["file_program"] is None


def test_cost_is_null_unless_every_sheet_has_a_price():
    lay = shelves()
    lay.sheets.append(SheetLayout(2, Stock(1220, 640, 18.3, 15),
                                  [Placement("shelf#3", shelf(), 20, 20, 0.0)]))
    lay.unplaced = []
    rep = build_report("x", lay, 12.0)
    assert rep["totals"]["cost"] is None
    assert rep["sheets"][1]["stock"]["price"] is None
    assert rep["parts"][0]["sheets"] == [1, 2] and rep["parts"][0]["quantity"] == 3


def test_rounding_and_no_negative_zero():
    part = Part("tri", shapely.Polygon([(0, 0), (100, 0), (0, 100.0 / 3)]), source="t.toml")
    st = Stock(1000, 500, 18, 10)
    sheet = SheetLayout(1, st, [Placement("tri#1", part, 100 / 3, 200 / 3, -0.0),
                                Placement("tri#2", part, 500.0000001, 10.0, 360.0)])
    rep = build_report("r", Layout([sheet]), 1e-12)
    p1, p2 = rep["sheets"][0]["parts"]
    assert (p1["x"], p1["y"], p1["rotation"]) == (33.333, 66.667, 0.0)
    assert (p2["x"], p2["rotation"]) == (500.0, 0.0)
    assert rep["sheets"][0]["utilisation"] == round(2 * part.area / 500000, 4)
    assert p1["bbox"] == [33.333, 66.667, 133.333, 100.0]
    text = dumps(rep)
    assert "-0.0" not in text and rep["settings"]["spacing"] == 0.0
    for num in re.findall(r"-?\d+\.\d+", text):
        assert len(num.split(".")[1]) <= 4, num


def test_offcut_and_strip_mode():
    st = Stock(3000, 600, 18, 10, strip=True)
    sheet = SheetLayout(1, st, [Placement("shelf#1", shelf(), 10, 10, 0.0)], used_length=640.0)
    rep = build_report("strip", Layout([sheet]), 12.0)
    s = rep["sheets"][0]
    assert s["used_length"] == 640.0
    assert s["offcut"] == {"x_from": 610.0, "width": 30.0, "area_m2": 0.018,
                           "usable_width": 2368.0,
                           "top": {"y_from": 310.0, "height": 290.0, "area_m2": 0.1856,
                                   "usable_height": 268.0}}
    assert rep["totals"]["sheet_area_m2"] == 0.384
    empty = SheetLayout(2, Stock(1000, 500, 18, 10), [])
    assert offcut(empty) == {"x_from": 0.0, "width": 1000.0, "area_m2": 0.5,
                             "usable_width": 980.0,
                             "top": {"y_from": 0.0, "height": 500.0, "area_m2": 0.5,
                                     "usable_height": 480.0}}


def test_offcut_along_the_top_of_long_parts_stacked_from_the_bottom():
    """Two full-length boards at the bottom of the sheet leave no room at the far end but a
    strip the whole length of the sheet above them; the report gives both."""
    st = Stock(2440, 1220, 18, 10)
    board = Part("board", shapely.box(0, 0, 2400, 250))
    sheet = SheetLayout(1, st, [Placement("board#1", board, 10, 10, 0.0),
                                Placement("board#2", board, 10, 272, 0.0)])
    cut = offcut(sheet, 12.0)
    assert cut["width"] == 30.0 and cut["usable_width"] == 8.0
    assert cut["top"] == {"y_from": 522.0, "height": 698.0, "area_m2": 1.7031,
                          "usable_height": 676.0}


def test_dumps_is_deterministic_and_round_trips(planned, golden):
    a = dumps(build_report("shelves", shelves(), 12.0, settings=SETTINGS))
    b = dumps(build_report("shelves", shelves(), 12.0, settings=dict(SETTINGS)))
    assert a == b and a.endswith("}\n") and json.loads(a) == json.loads(b)
    assert json.loads(dumps(planned)) == planned
    golden("report_small.json", a)


def test_mismatched_programs_are_refused():
    with pytest.raises(ValueError):
        build_report("x", shelves(), 12.0, programs=[])



def test_part_sources_hold_no_absolute_paths():
    """A part read through an absolute path is reported by its file name only: outputs must
    not depend on where the checkout lives (error messages keep the path as given)."""
    from dataclasses import replace

    lay = shelves()
    absolute = replace(shelf(), source="/home/op/jobs/parts/shelf.toml")
    sheet = lay.sheets[0]
    sheet = SheetLayout(1, sheet.stock, [replace(p, part=absolute) for p in sheet.placements])
    rep = build_report("shelves", Layout([sheet], unplaced=["shelf#3"]), 12.0,
                       settings=SETTINGS)
    assert {p["source"] for p in rep["sheets"][0]["parts"]} == {"shelf.toml"}
    assert rep["unplaced"][0]["source"] == rep["parts"][0]["source"] == "shelf.toml"
    assert "/home/op" not in dumps(rep)


def test_unplaced_parts_name_their_file_even_with_no_copy_placed():
    lay = Layout(shelves().sheets, unplaced=["shelf#3", "beam#1", "beam#2"])
    rep = build_report("shelves", lay, 12.0, settings=SETTINGS,
                       sources={"beam": "parts/beam.toml", "shelf": "parts/other.toml"})
    by_id = {u["id"]: u["source"] for u in rep["unplaced"]}
    # a placed copy names the file it came from; a part with none placed, the job's file
    assert by_id == {"shelf#3": "parts/shelf.toml", "beam#1": "parts/beam.toml",
                     "beam#2": "parts/beam.toml"}
    beam = next(r for r in rep["parts"] if r["name"] == "beam")
    assert beam["source"] == "parts/beam.toml" and beam["quantity"] == 2 and beam["placed"] == 0


def test_a_report_that_cannot_be_read_is_one_line(tmp_path):
    from wikicut.errors import InputError
    from wikicut.io.report import read_report

    (tmp_path / "report.json").mkdir()
    with pytest.raises(InputError, match="cannot read the report"):
        read_report(tmp_path)


def test_one_part_file_at_two_lengths_is_two_rows():
    """Wall ribs 2400 and 1800 long share a part name, not a label: each length is a row of
    its own (asked for, placed, sheets), not one row of all the ribs."""
    lay = shelves()
    long_, short = replace(shelf(), label="SHELF 600"), replace(shelf(), label="SHELF 400")
    sheet = lay.sheets[0]
    pls = [replace(sheet.placements[0], part=long_), replace(sheet.placements[1], part=short,
                                                             instance="shelf#3")]
    lay = Layout([SheetLayout(1, sheet.stock, pls)], unplaced=["shelf#2", "shelf#4"])
    labels = {"shelf#1": "SHELF 600", "shelf#2": "SHELF 600", "shelf#3": "SHELF 400",
              "shelf#4": "SHELF 400"}
    rep = build_report("shelves", lay, 12.0, settings=SETTINGS, labels=labels)
    rows = {(r["name"], r["label"]): (r["quantity"], r["placed"], r["sheets"])
            for r in rep["parts"]}
    assert rows == {("shelf", "SHELF 600"): (2, 1, [1]), ("shelf", "SHELF 400"): (2, 1, [1])}
    assert [u["label"] for u in rep["unplaced"]] == ["SHELF 600", "SHELF 400"]
