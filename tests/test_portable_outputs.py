"""Outputs that do not depend on where they were made: a job whose part files are given by
absolute paths, and `wikicut gcode` on a cutting file typed from another folder or in full,
write the same bytes (report.json, parts.csv, the SVGs and index.html name a part's file as
report.json does); a sheet cut again alone keeps its number without a false "of N"; sheet
and part DXFs carry their real extents, so CAD opens them on the drawing."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import ezdxf
import pytest
import shapely
from conftest import rect_part
from ezdxf import bbox

from wikicut.io.dxf import part_dxf_text, sheet_dxf_text
from wikicut.io.report import build_report
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.render import index_html, sheet_svg

JOB = ('name = "plates"\n[sheet]\nwidth = 1200\nheight = 600\nthickness = 18\nmargin = 10\n'
       "[nest]\nspacing = 12\nrotations = [0, 90]\nseed = 1\n"
       '[machine]\nprofile = "grbl"\n'
       '[[part]]\nfile = "{plate}"\nquantity = 3\n'
       '[[part]]\nfile = "{shelf}"\nquantity = 2\n')


def _wikicut(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The command as an operator runs it from `cwd`."""
    return subprocess.run([sys.executable, "-m", "wikicut", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600, check=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _checkout(root: Path) -> Path:
    """A job whose part files are given by their absolute paths (as a job written by a tool,
    or copied between machines, gives them), in its own folder under `root`."""
    (root / "parts").mkdir(parents=True)
    plate, shelf = root / "parts" / "plate.toml", root / "parts" / "shelf.toml"
    plate.write_text(rect_part("plate", 400, 250))
    shelf.write_text(rect_part("shelf", 500, 180, label="SHELF"))
    job = root / "job.toml"
    job.write_text(JOB.format(plate=plate.as_posix(), shelf=shelf.as_posix()))
    return job


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    """The same job nested in two checkouts at different places (its output folders; the
    previews and records are the point, not the programs)."""
    tmp = tmp_path_factory.mktemp("portable")
    outs = []
    for root in (tmp / "a" / "main", tmp / "elsewhere" / "deeper" / "main"):
        job = _checkout(root)
        res = _wikicut(root, "nest", str(job), "-o", str(root / "out"), "--iterations", "5",
                       "--no-gcode", "-q")
        assert res.returncode == 0, res.stderr
        outs.append(root / "out")
    return outs[0], outs[1]


def test_a_job_with_absolute_part_paths_writes_the_same_bytes_in_any_checkout(runs):
    a, b = runs
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys() and any(k.endswith(".svg") for k in fa)
    for name in fa:
        assert fa[name] == fb[name], name
    for name, data in fa.items():
        assert b"/main/parts" not in data and str(a.parent).encode() not in data, name
    # each part's file as report.json names it: in the SVGs' data and the page's
    svg = (a / "sheet-001.svg").read_text()
    shown = set(re.findall(r'data-source="([^"]*)"', svg))
    assert shown and shown <= {"plate.toml", "shelf.toml"}
    page = (a / "index.html").read_text()
    assert set(re.findall(r'data-source="([^"]*)"', page)) == {"plate.toml", "shelf.toml"}


@pytest.fixture(scope="module")
def cut_again(runs) -> dict[str, Path]:
    """`wikicut gcode` on the job's sheet-001.dxf: typed from its output's parent, from
    inside its folder, and as an absolute path from elsewhere."""
    out = runs[0]
    root = out.parent
    made = {"relative": root / "g1", "inside": root / "g2", "absolute": root / "g3"}
    for how, cwd, dxf, dest in (("relative", root, "out/sheet-001.dxf", "g1"),
                                ("inside", out, "sheet-001.dxf", "../g2"),
                                ("absolute", Path(sys.prefix),
                                 str(out / "sheet-001.dxf"), str(made["absolute"]))):
        res = _wikicut(cwd, "gcode", dxf, "--profile", "grbl", "-o", dest, "-q")
        assert res.returncode == 0, (how, res.stderr)
    return made


def test_gcode_outputs_are_the_same_whatever_the_folder_and_the_path_typed(cut_again):
    files = {how: _files(folder) for how, folder in cut_again.items()}
    first = files["relative"]
    assert "report.json" in first and "sheet-001.svg" in first
    for how, got in files.items():
        assert got.keys() == first.keys(), how
        for name in first:
            assert got[name] == first[name], (how, name)
    report = (cut_again["relative"] / "report.json").read_text()
    assert set(re.findall(r'"source": "([^"]*)"', report)) == {"sheet-001.dxf"}


def _plate_sheet(index: int) -> SheetLayout:
    part = Part("plate", shapely.box(0, 0, 400, 250), label="PLATE")
    return SheetLayout(index, Stock(1200, 600, 18, 10),
                       [Placement("plate#1", part, 50.0, 50.0)])


def test_a_sheet_cut_again_alone_keeps_its_number_without_a_count(tmp_path):
    (tmp_path / "sheet-003.dxf").write_text(sheet_dxf_text(_plate_sheet(3)), newline="")
    res = _wikicut(tmp_path, "gcode", "sheet-003.dxf", "--profile", "grbl", "-o", "out",
                   "-q")
    assert res.returncode == 0, res.stderr
    svg = (tmp_path / "out" / "sheet-003.svg").read_text()
    title = re.search(r'<text class="legend-title"[^>]*>(.*?)</text>', svg).group(1)
    assert title.startswith("Sheet 3: "), title
    page = (tmp_path / "out" / "index.html").read_text()
    assert '<h2>Sheet 3 <span class="screen">' in page
    assert " of 1" not in title and "Sheet 3 of" not in page
    # a job's own sheets are still counted
    (tmp_path / "sheet-001.dxf").write_text(sheet_dxf_text(_plate_sheet(1)), newline="")
    res = _wikicut(tmp_path, "gcode", "sheet-001.dxf", "--profile", "grbl", "-o", "one",
                   "-q")
    assert res.returncode == 0, res.stderr
    assert "<h2>Sheet 1 of 1 " in (tmp_path / "one" / "index.html").read_text()
    assert "Sheet 1 of 1: " in (tmp_path / "one" / "sheet-001.svg").read_text()


@pytest.mark.parametrize(("indices", "said"), [((3,), ["Sheet 3"]),
                                               ((1,), ["Sheet 1 of 1"]),
                                               ((1, 2), ["Sheet 1 of 2", "Sheet 2 of 2"])])
def test_the_pages_count_sheets_only_when_they_run_from_one(indices, said):
    """The page and the SVGs as the outputs write them, for sheets numbered as given."""
    layout = Layout([_plate_sheet(k) for k in indices])
    n = len(layout.sheets)
    svgs = [sheet_svg(sh, total=n) for sh in layout.sheets]
    page = index_html(build_report("plates", layout, 12.0), svgs, title="plates")
    heads = re.findall(r'<h2>(Sheet [^<]*?) <span class="screen">', page)
    titles = [re.search(r'<text class="legend-title"[^>]*>(Sheet [^:]*):', svg).group(1)
              for svg in svgs]
    assert heads == said and titles == said


def test_the_page_counts_no_sheets_numbered_other_than_from_one():
    """Two sheets numbered 2 and 3 are not "of 2" (the page sees them all; an SVG sees its
    own number only, and counts none beyond the output's sheets)."""
    layout = Layout([_plate_sheet(2), _plate_sheet(3)])
    page = index_html(build_report("plates", layout, 12.0),
                      [sheet_svg(sh, total=2) for sh in layout.sheets], title="plates")
    heads = re.findall(r'<h2>(Sheet [^<]*?) <span class="screen">', page)
    assert heads == ["Sheet 2", "Sheet 3"]


def _extents(text: str) -> tuple[ezdxf.document.Drawing, tuple, tuple]:
    """The file read back, and its drawing's box (its lines and circles: what a label's
    text spans is the CAD program's font)."""
    doc = ezdxf.read(io.StringIO(text))
    box = bbox.extents(doc.modelspace().query("LWPOLYLINE CIRCLE"))
    return doc, tuple(box.extmin), tuple(box.extmax)


@pytest.mark.parametrize("kind", ["sheet", "part", "part made for a ply"])
def test_dxf_files_open_on_their_drawing(kind):
    sheet = _plate_sheet(1)
    text = (sheet_dxf_text(sheet) if kind == "sheet" else
            part_dxf_text(sheet.placements[0].placed(),
                          18.0 if kind == "part made for a ply" else None))
    doc, lo, hi = _extents(text)
    h = doc.header
    assert tuple(h["$EXTMIN"]) == pytest.approx(lo) and tuple(h["$EXTMAX"]) == pytest.approx(hi)
    assert tuple(h["$LIMMIN"]) == pytest.approx(lo[:2])
    assert tuple(h["$LIMMAX"]) == pytest.approx(hi[:2])
    assert hi[0] - lo[0] > 100 and hi[1] - lo[1] > 100  # a real drawing, not +-1e20
    view = doc.viewports.get_config("*Active")[0].dxf
    assert tuple(view.center)[:2] == pytest.approx(((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2))
    assert view.height >= hi[1] - lo[1]
    assert view.height * view.aspect_ratio >= hi[0] - lo[0]
