"""Tabs and common lines: no tab on a stretch two parts share (it would tie them together),
each part held to the waste by its tabs on its own stretches, or by an onion skin the
program takes off at the end when it has no room for them; no shared stretch cut twice at
full depth; and the verifier, on its own, finds a tab that ties two parts together.

The programs are judged from their text (read back by the verifier's simulator) and the
sheet's DXF, not from the planner's moves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import shapely
from click.testing import CliRunner
from conftest import rect_part

from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.verify import simulate, verify_program

T = 18.0
D = 6.0  # the grbl profile's tool
THROUGH = -T + 1e-3

RECT = rect_part(label="R {w}x{h}")


def _job(tmp_path: Path, name: str, size: tuple[int, int], spacing: float, rotations: str,
         iterations: int, part: str) -> Path:
    """A job of rectangles (rect.toml) with common lines on the grbl profile's 6 mm tool."""
    (tmp_path / "rect.toml").write_text(RECT)
    job = tmp_path / "job.toml"
    job.write_text(f"""name = "{name}"
[sheet]
width = {size[0]}
height = {size[1]}
thickness = 18
margin = 15
[nest]
spacing = {spacing:g}
rotations = {rotations}
seed = 1
iterations = {iterations}
workers = 1
common_line = true
[machine]
profile = "grbl"
[[part]]
file = "rect.toml"
{part}
""")
    return job


def grid_job(tmp_path: Path) -> Path:
    """Nine 300 x 200 parts locked in a 3 x 3 grid one tool diameter apart: the middle one
    shares all four edges, the others two or three."""
    locks = ", ".join(f"{{ sheet = 1, x = {20 + 306 * i}, y = {20 + 206 * j}, rotation = 0 }}"
                      for j in range(3) for i in range(3))
    return _job(tmp_path, "gridlock", (1000, 700), 6, "[0]", 20,
                f"quantity = 9\nparams = {{ w = 300, h = 200 }}\nlock = [{locks}]")


def g6_job(tmp_path: Path) -> Path:
    """Ten 600 x 300 parts nested with common lines: some are boxed in by neighbours."""
    return _job(tmp_path, "g6", (2440, 1220), 20, "[0, 90]", 200,
                "quantity = 10\nparams = { w = 600, h = 300 }")


def nest(job: Path, out: Path) -> dict:
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "--force"])
    assert res.exit_code == 0, res.output
    return json.loads((out / "report.json").read_text())


def parts_of(report: dict, sheet: int) -> dict[str, shapely.Polygon]:
    return {p["id"]: shapely.box(*p["bbox"]) for p in report["sheets"][sheet - 1]["parts"]}


def blocks(text: str) -> dict[str, list[int]]:
    """Program line numbers of each commented block, "(rect#5 outline)" -> its lines."""
    out: dict[str, list[int]] = {}
    name = None
    for k, line in enumerate(text.splitlines(), 1):
        m = re.fullmatch(r"\((\S+ \w+)\)", line.strip())
        if m:
            name = m.group(1)
        elif name:
            out.setdefault(name, []).append(k)
    return out


def cuts(text: str, deepest: float, upto: int | None = None):
    """The tool's sweep (a 6 mm tool) of the feed moves at `deepest` or below (whole moves:
    a ramp counts from its low end), from the program's lines before `upto` (all: None)."""
    segs = [s for s in simulate(text, load_profile("grbl")) if s.kind == "feed"
            and min(s.start[2], s.end[2]) <= deepest and (upto is None or s.line < upto)]
    lines = [shapely.LineString([s.start[:2], s.end[:2]]) if s.start[:2] != s.end[:2]
             else shapely.Point(s.start[:2]) for s in segs]
    return shapely.union_all(shapely.buffer(lines, D / 2 + 0.05, quad_segs=8)), segs


def tabs_of(part: shapely.Polygon, through) -> list:
    """The stretches of a part's outline not cut through (its tabs), longer than 1 mm."""
    left = part.exterior.difference(through)
    return [g for g in shapely.get_parts(shapely.line_merge(left)) if g.length > 1.0]


def twice_at_full_depth(parts: dict, segs) -> float:
    """mm of the parts' tool-centre rings run along by two moves or more at full depth, all
    of each move (sampled every mm; the mm or two at each crossing of grooves count too)."""
    moving = [s for s in segs if s.start[:2] != s.end[:2] and max(s.start[2], s.end[2]) <= THROUGH]
    lines = shapely.linestrings([[s.start[:2], s.end[:2]] for s in moving])
    tree = shapely.STRtree(lines)
    total = 0.0
    for poly in parts.values():
        ring = poly.buffer(D / 2, quad_segs=32).exterior
        pts = shapely.line_interpolate_point(ring, np.arange(0.5, ring.length, 1.0))
        for pt in pts:
            idx = tree.query(pt, predicate="dwithin", distance=0.05)
            if len({moving[i].line for i in idx}) >= 2:
                total += 1.0
    return total


def _xy(g) -> str:
    c = g.centroid
    return f"({c.x:.1f}, {c.y:.1f})"


def judge(out: Path, report: dict) -> dict:
    """Each sheet's program judged: verified clean, no tab near another part (on a shared
    stretch or where the grooves overlap) and every part held by >= 2 tabs (else said in
    "problems"), or by a skin the program says it leaves and takes off at the end; returns
    per part its tab count (None: held by a skin) and the mm run twice at full depth."""
    got = {"tabs": {}, "twice": 0.0, "problems": []}
    for sheet in report["sheets"]:
        nc = out / sheet["file_program"]
        dxf = out / sheet["file_dxf"]
        res = CliRunner().invoke(main, ["verify", str(nc), "--profile", "grbl",
                                        "--sheet", str(dxf)])
        assert res.exit_code == 0, res.output
        text = nc.read_text()
        parts = parts_of(report, sheet["index"])
        through, segs = cuts(text, THROUGH)
        where = blocks(text)
        for name, poly in parts.items():
            others = shapely.union_all([q for n, q in parts.items() if n != name])
            mine = tabs_of(poly, through)
            got["problems"] += [f"{name}: a tab at {_xy(tab)} within a tool of another part"
                                for tab in mine if tab.distance(others) <= D + 0.5]
            if f"{name} skin" in where:
                # held by a skin: said in the header, the outline down to the skin (not
                # through) until the skin pass at the end, which frees it
                assert re.search(rf"\(common lines: [^)]*{re.escape(name)}", text) or (
                    name in " ".join(re.findall(r"\(([^)]*)\)", text[:3000])))
                first = where[f"{name} skin"][0]
                before, _ = cuts(text, THROUGH, upto=first)
                assert poly.exterior.difference(before).length > 0.9 * poly.length / 2, (
                    f"{name}: cut free before its skin pass")
                assert not mine and first > max(k for b, ks in where.items()
                                                 if not b.endswith(" skin") for k in ks)
                got["tabs"][name] = None
            else:
                if len(mine) < 2:
                    got["problems"].append(f"{name}: held by {len(mine)} tab(s)")
                got["tabs"][name] = len(mine)
        got["twice"] += twice_at_full_depth(parts, segs)
    return got


def test_a_part_boxed_in_by_neighbours_is_held_by_a_skin_not_by_them(tmp_path):
    """The 3 x 3 grid: the middle part shares all four edges, so any tab of its would tie it
    to a neighbour (QA found three there, verified clean); it is held by a skin instead,
    every other part by its own tabs on the sheet's side."""
    report = nest(grid_job(tmp_path), tmp_path / "out")
    got = judge(tmp_path / "out", report)
    assert got["problems"] == []
    assert got["tabs"]["rect#5"] is None
    assert all(n is not None and n >= 2 for k, n in got["tabs"].items() if k != "rect#5")
    assert got["twice"] < 9 * 10.0  # the few mm at each part's ramp and groove crossings


def test_a_part_cut_whole_keeps_its_tabs_and_no_shared_edge_is_cut_twice(tmp_path):
    """Ten 600 x 300 parts: a part nearly boxed in was cut whole with one tab (of the four
    its perimeter asks for) and its shared edges recut at full depth (1.8 m of the sheet's
    cut run twice)."""
    report = nest(g6_job(tmp_path), tmp_path / "out")
    assert report["totals"].get("common_line"), "nothing shared: the case is gone"
    got = judge(tmp_path / "out", report)
    assert (got["problems"], got["twice"] < 10 * 12.0) == ([], True), got


def program(paths: list[tuple[np.ndarray, list[tuple[float, float]]]]) -> str:
    """A hand-written GRBL program cutting tool-centre paths in three passes, each pass
    from the path's start, the last lifted to a 4 mm tab over the (u0, u1) stretches (arc
    length along the path)."""
    lines = ["G90 G94 G17", "G21", "M3 S18000", "G4 P4", "G0 Z20"]
    for pts, lifts in paths:
        for z in (-6.1, -12.2, -18.3):
            lines += [f"G0 X{pts[0][0]:.3f} Y{pts[0][1]:.3f}", "G0 Z5", f"G1 Z{z} F600"]
            u = 0.0
            for a, b in zip(pts[:-1], pts[1:]):
                seg = float(np.hypot(*(np.asarray(b) - a)))
                at = sorted({0.0, seg} | {x - u for s in lifts for x in s if 0 < x - u < seg})
                for t0, t1 in zip(at[:-1], at[1:]):
                    mid = u + (t0 + t1) / 2
                    lifted = z < -14 and any(s0 <= mid <= s1 for s0, s1 in lifts)
                    p = np.asarray(a) + (np.asarray(b) - a) * (t1 / seg)
                    lines.append(f"G1 Z{-14 if lifted else z} F600")
                    lines.append(f"G1 X{p[0]:.3f} Y{p[1]:.3f} F3000")
                u += seg
            lines += ["G1 Z0 F600", "G0 Z5"]
    lines += ["G0 Z20", "M5", "M2"]
    return "\n".join(lines) + "\n"


def test_the_verifier_finds_a_tab_that_ties_two_parts_together(tmp_path):
    """Two 200 x 100 parts one tool diameter apart: the left one cut whole with a tab on
    the edge they share, the right one leaving that edge to it. Every outline is cut but at
    the tab, so only the new check sees that the tab holds the parts to each other."""
    prof = load_profile("grbl").updated(engrave={"labels": False})
    box = Part("box", shapely.box(0, 0, 200, 100), source="box.toml")
    sheet = SheetLayout(1, Stock(600, 300, T, 10),
                        [Placement("box#1", box, 50, 50), Placement("box#2", box, 256, 50)])
    r = D / 2
    left = np.array([(50 - r, 50 - r), (250 + r, 50 - r), (250 + r, 150 + r),
                     (50 - r, 150 + r), (50 - r, 50 - r)])
    right_open = np.array([(253, 150 + r), (456 + r, 150 + r), (456 + r, 50 - r),
                           (253, 50 - r)])
    # arc length along `left`: bottom 0..206, shared edge 206..312, top 312..518, side ..624
    on_shared = [(259.0 - 10.5, 259.0 + 10.5)]
    on_bottom = [(100.0 - 10.5, 100.0 + 10.5)]
    on_top = [(420.0 - 10.5, 420.0 + 10.5)]
    right_tabs = [(100.0, 121.0), (300.0, 321.0)]  # on its right and bottom edges
    bad = program([(left, on_bottom + on_shared), (right_open, right_tabs)])
    found = verify_program(bad, prof, sheet=sheet)
    assert [v.kind for v in found] == ["tab"], found
    assert "box#1" in found[0].message and "box#2" in found[0].message
    good = program([(left, on_bottom + on_top), (right_open, right_tabs)])
    assert verify_program(good, prof, sheet=sheet) == []
    # the command says so too: exit 3, from the program and the sheet's DXF
    from wikicut.io.dxf.write import sheet_dxf_text

    (tmp_path / "sheet.dxf").write_text(sheet_dxf_text(sheet))
    for text, code in ((bad, 3), (good, 0)):
        (tmp_path / "p.nc").write_text(text)
        res = CliRunner().invoke(main, ["verify", str(tmp_path / "p.nc"), "--profile", "grbl",
                                        "--sheet", str(tmp_path / "sheet.dxf")])
        assert res.exit_code == code, res.output
        assert ("tab between parts box#1 and box#2" in res.output) == (code == 3)
