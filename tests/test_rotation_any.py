"""Free rotation: `rotations = "any"` lets the nester turn a part by any angle (the turns
that lay its own edges along the sheet, and a uniform set); parts with grain refuse it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Polygon

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.items import job_items
from wikicut.io.job import load_job
from wikicut.model import edge_directions, free_angles
from wikicut.model.nesting import ANY_STEP

BAR = """\
name = "bar"
[params]
l = 700
w = 60
[[feature]]
type = "polygon"
points = [[0, 0], ["l", 0], ["l", "w"], [0, "w"]]
"""

TRI = """\
name = "tri"
[params]
a = 300
b = 120
[[feature]]
type = "polygon"
points = [[0, 0], ["a", 0], [0, "b"]]
"""

SQUARE = """\
[[sheet]]
width = 640
height = 640
thickness = 18
margin = 10
"""

# a triangular offcut: its long edge runs at 45 degrees
OFFCUT = """\
[[sheet]]
thickness = 18
margin = 10
outline = [[0, 0], [1000, 0], [0, 1000]]
"""


def job_text(sheet: str, parts: str, rotations: str = '"any"') -> str:
    return f"""\
name = "turn"
{sheet}
[nest]
spacing = 12
seed = 3
time_limit = 20
iterations = 120
workers = 1
rotations = {rotations}
[machine]
profile = "grbl"
tool_diameter = 6.35
{parts}"""


BARS = """\
[[part]]
file = "bar.toml"
quantity = 2
"""

LONG_BAR_AND_TRIANGLES = """\
[[part]]
file = "bar.toml"
quantity = 1
params = { l = 1100, w = 60 }
[[part]]
file = "tri.toml"
quantity = 3
"""


def write(tmp: Path, text: str, name: str = "job.toml") -> Path:
    (tmp / "bar.toml").write_text(BAR)
    (tmp / "tri.toml").write_text(TRI)
    path = tmp / name
    path.write_text(text)
    return path


def placed(report: dict, sheet: int, job: Path) -> list[tuple[str, float, Polygon]]:
    """The parts of one sheet rebuilt from the report (the part files, turned by the report's
    rotation, the bounding box's corner where it says): not the nester's own geometry."""
    items = {it.instance: it.part for it in job_items(load_job(job))}
    out = []
    for p in report["sheets"][sheet - 1]["parts"]:
        g = shapely.affinity.rotate(items[p["id"]].outline, p["rotation"], origin=(0, 0))
        out.append((p["id"], p["rotation"], shapely.affinity.translate(
            g, p["bbox"][0] - g.bounds[0], p["bbox"][1] - g.bounds[1])))
    return out


def nest(job: Path, out: Path) -> dict:
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return json.loads((out / "report.json").read_text())


def test_the_angles_tried_lay_the_part_s_own_edges_along_the_sheet():
    """A 100 x 30 right triangle: its hypotenuse (and minimum-area rectangle) laid along x
    (196.699 and its quarter turns), the quarter turns, every ANY_STEP; on a triangular
    offcut also along its 45-degree edge; all in [0, 360), rounded to the report's 0.001."""
    tri = Polygon([(0, 0), (100, 0), (0, 30)])
    angles = free_angles(tri)
    assert angles[:4] == (0.0, 90.0, 180.0, 270.0)
    for a in (196.699, 286.699, 16.699, 106.699):
        assert a in angles
    assert all(k * ANY_STEP in angles for k in range(int(360 / ANY_STEP)))
    assert all(0 <= a < 360 and round(a, 3) == a for a in angles)
    assert len(set(angles)) == len(angles)
    assert edge_directions(Polygon([(0, 0), (1000, 0), (0, 1000)])) == (0.0, 45.0)
    bar = shapely.box(0, 0, 1100, 60)
    assert {45.0, 135.0, 225.0, 315.0} <= set(free_angles(bar, (0.0, 45.0)))
    # the hypotenuse laid along the offcut's edge: 45 - 163.301
    assert 241.699 in free_angles(tri, (0.0, 45.0))


@pytest.mark.parametrize("sheet, parts, sheets", [(SQUARE, BARS, 1),
                                                   (OFFCUT, LONG_BAR_AND_TRIANGLES, 1)])
def test_parts_that_only_fit_turned_off_the_axes_are_nested_and_cut(tmp_path, sheet, parts,
                                                                     sheets):
    """700 mm bars on a 640 mm square sheet, a 1,100 mm bar on a triangular offcut 1,000 mm
    along each leg: no quarter turn fits them (refused at 0/90/180/270); with "any" they are
    placed turned off the axes, exactly inside the material less the margin and 12 mm apart
    (shapely on the part files moved as the report says), the programs pass `wikicut verify
    --sheet`, and the same job again writes the same bytes."""
    fixed = write(tmp_path, job_text(sheet, parts, "[0, 90, 180, 270]"), "fixed.toml")
    res = CliRunner().invoke(main, ["nest", str(fixed), "-o", str(tmp_path / "fixed")])
    assert res.exit_code == 3 and "larger than every sheet's usable area" in res.output
    assert not (tmp_path / "fixed" / "report.json").exists()

    job = write(tmp_path, job_text(sheet, parts))
    rep = nest(job, tmp_path / "out")
    assert len(rep["sheets"]) == sheets
    stock = load_job(job).stocks[0]
    material = stock.outline if stock.outline is not None else shapely.box(
        0, 0, stock.width, stock.height)
    inside = material.buffer(-stock.margin + 1e-6, join_style="mitre")
    parts_placed = placed(rep, 1, job)
    assert sum(len(s["parts"]) for s in rep["sheets"]) == len(job_items(load_job(job)))
    for pid, rot, g in parts_placed:
        assert inside.contains(g), pid
        if pid.startswith("bar"):
            assert rot % 90 != 0, (pid, rot)
    for i, (_, _, a) in enumerate(parts_placed):
        for _, _, b in parts_placed[i + 1:]:
            assert a.distance(b) >= 12 - 1e-6
    for s in rep["sheets"]:
        nc = tmp_path / "out" / s["file_program"]
        res = CliRunner().invoke(main, ["verify", str(nc), "--profile", "grbl", "--sheet",
                                        str(tmp_path / "out" / s["file_dxf"])])
        assert res.exit_code == 0, res.output
    # the report keeps the exact angle (a float, as nested) and the job's "any"
    assert rep["settings"]["rotations"] == "any"
    again = tmp_path / "again"
    nest(job, again)
    for f in sorted(p.name for p in (tmp_path / "out").iterdir()
                    if p.suffix in {".nc", ".dxf", ".svg", ".csv"}):
        assert (again / f).read_bytes() == (tmp_path / "out" / f).read_bytes(), f


def test_a_part_with_grain_refuses_any_naming_the_part_and_key(tmp_path):
    """`grain = true` keeps a part to half turns: "any" or a quarter turn on it is refused in
    one line naming the job, the part file and the key (exit 2, nothing written); with the
    job's "any" it takes 0/180 while the others turn freely."""
    grained = BARS + "grain = true\n"
    for rots, what in (('"any"', '"any" would turn the part off its grain'),
                       ("[0, 90]", "90 degrees turns the part off its grain")):
        job = write(tmp_path, job_text(SQUARE, grained + f"rotations = {rots}\n"))
        with pytest.raises(InputError) as e:
            load_job(job)
        line = str(e.value)
        assert "\n" not in line and "part[1].rotations" in line and "bar.toml" in line
        assert what in line
        res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out")])
        assert res.exit_code == 2 and "part[1].rotations" in res.output
        assert not (tmp_path / "out").exists()
    # on a sheet the grained bar fits along (on the square it fits only across the diagonal)
    wide = SQUARE.replace("width = 640", "width = 800")
    job = write(tmp_path, job_text(wide, grained + '[[part]]\nfile = "tri.toml"\n'))
    items = job_items(load_job(job))
    assert {it.rotations for it in items if it.part.name == "bar"} == {(0.0, 180.0)}
    (tri,) = [it for it in items if it.part.name == "tri"]
    assert len(tri.rotations) > 36 and tri.rotations == free_angles(tri.part.outline)


def test_a_copy_turned_freely_may_be_locked_at_any_angle(tmp_path):
    """A lock at 40 degrees on a part with "any" is one of its angles (refused at the quarter
    turns): it stays there, and the other copy nests around it."""
    lock = "lock = { sheet = 1, x = 40, y = 10, rotation = 40 }\n"
    job = write(tmp_path, job_text(SQUARE, BARS + lock))
    items = job_items(load_job(job))
    assert 40.0 in items[0].rotations
    rep = nest(job, tmp_path / "out")
    (first,) = [p for p in rep["sheets"][0]["parts"] if p["id"] == "bar#1"]
    assert first["rotation"] == 40.0
    assert len(rep["sheets"]) == 1 and len(rep["sheets"][0]["parts"]) == 2
    fixed = write(tmp_path, job_text(SQUARE, BARS.replace("2", "1") + lock,
                                     "[0, 90, 180, 270]"), "fixed.toml")
    with pytest.raises(InputError, match="not one of the part's rotations"):
        job_items(load_job(fixed))


def test_shipped_parts_turned_freely_on_an_offcut_cut_clean(tmp_path, rs274):
    """Bowties (drilled, labelled), spacers and a window header turned freely on a sloping
    offcut, wedges with grain beside them: the wedges keep half turns, the others take
    angles off the quarter turns too; every program passes `wikicut verify --sheet` and
    rs274, the parts rebuilt from the report lie on the material, spacing apart."""
    from tests.conftest import run_rs274

    parts = Path(__file__).resolve().parents[1] / "parts"
    offcut = """\
[[sheet]]
thickness = 18.3
margin = 10
outline = [[0, 0], [1200, 0], [1200, 250], [0, 900]]
"""
    entries = "".join(f'[[part]]\nfile = "{parts / f}.toml"\nquantity = {q}\n{extra}'
                      for f, q, extra in (("spacer", 3, ""), ("window-header", 1, ""),
                                          ("bowtie", 6, ""), ("wedge", 6, "grain = true\n")))
    job = write(tmp_path, job_text(offcut, entries))
    rep = nest(job, tmp_path / "out")
    rots = {p["id"]: p["rotation"] for s in rep["sheets"] for p in s["parts"]}
    assert len(rots) == 16
    assert all(r in (0.0, 180.0) for k, r in rots.items() if k.startswith("wedge"))
    assert any(r % 90 for k, r in rots.items() if not k.startswith("wedge"))
    stock = load_job(job).stocks[0]
    inside = stock.outline.buffer(-stock.margin + 1e-6, join_style="mitre")
    for k in range(1, len(rep["sheets"]) + 1):
        geoms = [g for _, _, g in placed(rep, k, job)]
        assert all(inside.contains(g) for g in geoms)
        assert all(a.distance(b) >= 12 - 1e-6 for i, a in enumerate(geoms)
                   for b in geoms[i + 1:])
    for s in rep["sheets"]:
        nc = tmp_path / "out" / s["file_program"]
        res = CliRunner().invoke(main, ["verify", str(nc), "--profile", "grbl", "--sheet",
                                        str(tmp_path / "out" / s["file_dxf"])])
        assert res.exit_code == 0, res.output
        got = run_rs274(rs274, nc)
        assert got.returncode == 0, got.stderr[-500:]


def test_a_part_too_big_at_every_angle_is_refused_in_one_short_line(tmp_path):
    """A 1,000 x 60 mm bar fits the 620 mm usable square at no angle (turned 45 degrees it
    spans 750 mm): refused with exit 3, one line that says so (no angle at all, not forty of
    them, nor "any of its angles" as if another might do)."""
    job = write(tmp_path, job_text(SQUARE, BARS + "params = { l = 1000 }\n"))
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    (line,) = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert "part 'bar'" in line and line.endswith("at any angle") and "would fit" not in line
    assert len(line) < 250
    assert not (tmp_path / "out").exists()


def test_a_bar_that_fits_only_across_the_diagonal_is_placed_there(tmp_path):
    """A 1100 x 40 mm bar on a 1000 x 600 sheet (980 x 580 inside the margin) fits only
    turned between 29.17 and 29.71 degrees (or the mirror of that), between the sampled
    angles: the angle it fits at is added to its free angles (the same every time), and
    it is nested there, inside the usable area."""
    sheet = SQUARE.replace("width = 640", "width = 1000").replace("height = 640", "height = 600")
    job = write(tmp_path, job_text(sheet, BARS.replace("quantity = 2", "quantity = 1")
                                   + "params = { l = 1100, w = 40 }\n"))
    (it,) = job_items(load_job(job))
    sampled = free_angles(it.part.outline)
    added = [a for a in it.rotations if a not in sampled]
    assert added and all(29.17 < a % 180 < 29.71 or 150.29 < a % 180 < 150.83 for a in added)
    assert it.rotations == job_items(load_job(job))[0].rotations
    rep = nest(job, tmp_path / "out")
    ((_, rot, g),) = placed(rep, 1, job)
    assert rot in added
    assert shapely.box(10, 10, 990, 590).buffer(1e-6).contains(g)


def test_the_angle_a_part_fits_at_is_found_exactly():
    """fitting_angle against a fine sweep on random convex parts and boxes: an angle it
    gives fits, and where the sweep finds one it finds one too."""
    import numpy as np

    from wikicut.model.nesting import fits_turned, fitting_angle

    rng = np.random.default_rng(7)
    found = 0
    for _ in range(150):
        pts = rng.uniform(0, 1, (6, 2)) * [rng.uniform(500, 1300), rng.uniform(10, 300)]
        part = shapely.MultiPoint(pts).convex_hull
        box = [(rng.uniform(300, 1000), rng.uniform(100, 700))]
        a = fitting_angle(part, box)
        sweep = fits_turned(part, np.arange(0.0, 360.0, 0.01), box).any()
        assert (a is not None) == sweep
        assert a is None or fits_turned(part, (a,), box)[0]
        found += a is not None and not fits_turned(part, free_angles(part), box).any()
    assert found  # some fit only between the sampled angles


@pytest.mark.parametrize("sheet, keys, key, fit", [
    ((800, 300), "rotations = [90, 270]\n", "part[1].rotations", "at rotations 0, 180"),
    ((300, 800), "grain = true\n", "part[1].grain", "at rotations 90, 270"),
])
def test_a_part_its_rotations_keep_off_the_sheet_is_refused_naming_the_key(
        tmp_path, sheet, keys, key, fit):
    """A 700 mm bar whose own rotations (or grain: half turns) keep it across a sheet it
    fits along: refused before the search, with exit 3, in one line naming the job file
    and the key that restricts it (with its line), and the turns that would fit."""
    w, h = sheet
    text = SQUARE.replace("width = 640", f"width = {w}").replace("height = 640", f"height = {h}")
    job = write(tmp_path, job_text(text, BARS + keys, rotations="[0, 90, 180, 270]"))
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    (line,) = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert line.startswith(f"error: {job}: part 'bar': key '{key}' (line ")
    assert line.endswith(f"it would fit {fit}") and "bar.toml" not in line
    assert not (tmp_path / "out").exists()
