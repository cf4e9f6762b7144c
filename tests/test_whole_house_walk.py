"""A micro-factory cutting a whole house (examples/whole-house: 1500 parts, 119 sheets, a
few dozen distinct layouts): repeated sheets drawn and measured once per layout, the
checking before writing reported as its own stage, and `wikicut diff` of two whole-house
runs short enough to read. Small layouts stand in for the house; timings are in
benchmarks/results/2026-12-05-wholehouse.md, not here."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import shapely

from wikicut.diff import FolderDiff, ProgramDiff, SheetDiff, diff_text
from wikicut.diff.files import file_changes
from wikicut.diff.text import GROUP_LINES, id_runs
from wikicut.io.profiles import load_profile
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.pipeline import write_outputs


def rib() -> Part:
    return Part("rib", shapely.box(0, 0, 500, 120).difference(shapely.box(100, 0, 118.3, 60)),
                source="parts/rib.toml", label="RIB")


STOCK = Stock(1220, 640, 18.3, 15, material="BirchPly")


def sheet(index: int, dx: float = 0.0, part: Part | None = None) -> SheetLayout:
    part = part or rib()
    st = STOCK  # one object, as a job's sheets share its [sheet]
    return SheetLayout(index, st, [Placement(f"rib#{2 * index - 1}", part, 20 + dx, 20, 0.0),
                                   Placement(f"rib#{2 * index}", part, 720, 20, 90.0)])


def repeated_layout() -> Layout:
    """Five sheets, four of them alike (one Part object, as a job's copies share one)."""
    part = rib()
    return Layout([sheet(1, part=part), sheet(2, part=part), sheet(3, dx=5.0, part=part),
                   sheet(4, part=part), sheet(5, part=part)])


# --- writing: a repeated layout's work done once ------------------------------------------


def test_a_repeated_layouts_labels_are_placed_once_and_drawn_alike(monkeypatch):
    """Finding a label's place was most of drawing a sheet, and a whole house drew the
    same 13 labels on 26 sheets: with the writer's `labels` memo each placement's label is
    placed once, and the SVGs are the same bytes as drawn one by one."""
    from wikicut.render import sheet_svg
    from wikicut.render import svg as svg_mod

    lay = repeated_layout()
    alone = [sheet_svg(s, tool_diameter=6.0, total=5) for s in lay.sheets]
    calls = []
    real = svg_mod.place_label

    def counted(part, radius, *a, **k):
        calls.append(part.outline.bounds)
        return real(part, radius, *a, **k)

    monkeypatch.setattr(svg_mod, "place_label", counted)
    memo: dict = {}
    shared = [sheet_svg(s, tool_diameter=6.0, total=5, labels=memo) for s in lay.sheets]
    assert shared == alone
    assert len(calls) == 3  # two places on sheets 1, 2, 4, 5; one more on sheet 3
    assert 'class="label"' in shared[0]


def test_the_cut_list_measures_each_program_once(monkeypatch, tmp_path):
    """parts.csv measured every sheet's program again (a whole house: 119 measurements of 15
    programs); now once per program, with the same lengths on every sheet it cuts."""
    from wikicut.io import cutlist

    calls = []
    real = cutlist.part_cut_lengths

    def counted(program, *a, **k):
        calls.append(id(program))
        return real(program, *a, **k)

    monkeypatch.setattr(cutlist, "part_cut_lengths", counted)
    out = tmp_path / "out"
    write_outputs("ribs", repeated_layout(), out, profile=load_profile("grbl"), spacing=12.0)
    assert len(calls) == len(set(calls)) == 2  # two distinct programs
    rows = list(csv.DictReader(io.StringIO((out / "parts.csv").read_text())))
    cut = {r["part"]: r["cut_length_m"] for r in rows}
    assert len(rows) == 10 and all(cut.values())
    for k in (2, 4, 5):  # the copies cut by sheet 1's program measure as sheet 1's do
        assert (cut[f"rib#{2 * k - 1}"], cut[f"rib#{2 * k}"]) == (cut["rib#1"], cut["rib#2"])
    assert {r["program"] for r in rows if r["sheet"] == "3"} == {"sheet-003.nc"}


def test_checking_the_programs_is_a_stage_of_its_own(tmp_path):
    """The check before writing (the longest step after the nest: 9 of 18 s of a whole
    house's writing) said nothing: `-v` and the progress bar sat on "gcode: 15 programs"
    while it ran. It is the "verify" stage now, a line per distinct layout checked."""
    heard: list[tuple[str, str]] = []
    write_outputs("ribs", repeated_layout(), tmp_path / "out", profile=load_profile("grbl"),
                  spacing=12.0, progress=lambda stage, frac, msg: heard.append((stage, msg)))
    stages = [s for s, _ in heard]
    last_gcode, first_write = (max(i for i, s in enumerate(stages) if s == "gcode"),
                               stages.index("write"))
    between = heard[last_gcode + 1:first_write]
    assert [s for s, _ in between] == ["verify"] * 3, heard
    assert [m for _, m in between] == ["sheet 1 of 5", "sheet 3 of 5",
                                       "2 programs checked for 5 sheets"]


# --- wikicut diff at the size of a house ---------------------------------------------------


def test_a_long_line_that_differs_late_is_quoted_where_it_differs(tmp_path):
    """A sheet SVG's legend line differs at character 140 ("Sheet 1 of 122" -> "of 119"):
    both quotes were cut at 57 characters and read the same."""
    head = '<text class="legend-title" x="10" y="1255" font-size="28">' + "x" * 70
    for name, total in (("a", 122), ("b", 119)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "sheet-001.svg").write_text(
            f"<svg>\n{head}Sheet 1 of {total}: BirchPly 2440x1220x18.3, 14 parts</text>\n")
    files = file_changes((tmp_path / "a", tmp_path / "b"))
    assert "122" in files[0]["old"] and "119" in files[0]["new"]
    d = FolderDiff("a", "b", (1, 1), (None, None), (None, None), ([], []),
                   [SheetDiff(1)], [], files=files)
    line = diff_text(d).splitlines()[0]
    old, new = line.split(": ", 1)[1].split(" -> ")
    assert old != new and "Sheet 1 of 122" in old and "Sheet 1 of 119" in new, line
    assert line.startswith("file sheet-001.svg changed: 1 line differs, first line 2: ")


def test_id_runs_shorten_a_parts_copies():
    assert id_runs(["wedge#3", "wedge#1", "wedge#2", "floor-panel#1", "wedge#10",
                    "odd"]) == "floor-panel#1, wedge#1-3, wedge#10, odd"


def test_parts_moved_between_many_sheets_are_a_line_per_place():
    """A whole house nested again moves most of its parts to another sheet: 2900 lines of
    "added wedge#17 (from sheet 42)". A sheet with many is said a line per sheet they came
    from or went to, the largest first, at most GROUP_LINES and a count of the rest; a
    sheet with few keeps a line per part."""
    big = SheetDiff(4, added=[f"wedge#{k}" for k in range(1, 41)],
                    removed=["bowtie#1", "bowtie#2", "rib#9"])
    small = SheetDiff(5, added=["bowtie#1", "bowtie#2"], removed=["wedge#40"])
    # where they went: wedge#1-15 from sheet 17, then 25 more from 25 sheets
    others = [SheetDiff(17, removed=[f"wedge#{k}" for k in range(1, 16)])]
    others += [SheetDiff(20 + k, removed=[f"wedge#{k}"]) for k in range(16, 40)]
    d = FolderDiff("a", "b", (60, 60), (None, None), (None, None), ([], []),
                   [big, small, *others], [])
    for s in d.per_sheet:
        s.left_job = ["rib#9"] if s is big else []
    lines = diff_text(d).splitlines()
    at = lines.index("sheet 4: 0 moved, 40 added, 3 removed")
    mine = lines[at + 1:lines.index("sheet 5: 0 moved, 2 added, 1 removed")]
    assert mine[0] == "  added 15 parts from sheet 17: wedge#1-15"
    assert "  removed 2 parts to sheet 5: bowtie#1-2" in mine
    assert len(mine) == GROUP_LINES + 1
    assert mine[-1].startswith("  and 21 more added, 1 more removed (22 more places;")
    at = lines.index("sheet 5: 0 moved, 2 added, 1 removed")
    assert lines[at + 1:at + 4] == ["  added bowtie#1 (from sheet 4)",
                                    "  added bowtie#2 (from sheet 4)",
                                    "  removed wedge#40 (to sheet 4)"]
    assert len(lines) < 70  # 60 sheets and 43 parts on the busiest


def test_a_program_cut_on_many_sheets_is_told_once():
    """A layout cut 26 times changed: its program's two lines were printed for each of the
    26 sheets; the later ones now say "as on sheet N". A program only renamed (run another
    number of times) says so instead of "+0.0 min, +0.00 m"."""
    change = dict(cut_length_m=(103.5, 113.4), est_seconds=(2687.0, 2916.0),
                  deepest_mm=(18.6, 18.6), tools=([1], [1]),
                  first_difference={"move": 2, "old_line": 18, "new_line": 21,
                                    "old": "rapid to X1", "new": "rapid to X2"})
    same = dict(cut_length_m=(103.5, 103.5), est_seconds=(2687.0, 2687.0),
                deepest_mm=(18.6, 18.6), tools=([1], [1]))
    programs = [ProgramDiff(1, "sheet-001-x16.nc", "sheet-001-x3.nc", **same),
                ProgramDiff(2, "sheet-001-x16.nc", "sheet-001-x3.nc", **same),
                ProgramDiff(4, "sheet-001-x16.nc", "sheet-004-x6.nc", **change),
                ProgramDiff(5, "sheet-001-x16.nc", "sheet-004-x6.nc", **change)]
    d = FolderDiff("a", "b", (5, 5), (None, None), (None, None), ([], []),
                   [SheetDiff(k) for k in (1, 2, 4, 5)], programs)
    lines = diff_text(d).splitlines()
    assert lines[:2] == ["sheet 1: 0 moved, 0 added, 0 removed",
                         "  program sheet-001-x16.nc -> sheet-001-x3.nc: renamed, the same moves"]
    assert lines[3] == "  program sheet-001-x16.nc -> sheet-001-x3.nc: as on sheet 1"
    assert lines[5].startswith("  program sheet-001-x16.nc -> sheet-004-x6.nc: time 44.8 min")
    assert lines[6].startswith("  first differing move #2")
    assert lines[8] == "  program sheet-001-x16.nc -> sheet-004-x6.nc: as on sheet 4"
    assert len(lines) == 9


def test_outputs_are_unchanged_by_the_memos(tmp_path):
    """The same layout written twice gives the same bytes (the memos keep nothing between
    writes)."""
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        write_outputs("ribs", repeated_layout(), out, profile=load_profile("grbl"),
                      spacing=12.0)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir())
    for n in names:
        assert (outs[0] / n).read_bytes() == (outs[1] / n).read_bytes(), n
    assert Path(outs[0] / "sheet-001-x4.nc").exists()
