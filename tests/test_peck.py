"""Pecking: a drill or pilot cut by a library tool deeper than its depth per pass goes down a
peck at a time (the 2.5 mm long-reach T7: 1 x D, "helical or pecking entry only"), never in
one plunge; the verifier names a plunge deeper than its tool's depth per pass."""

from __future__ import annotations

import json
from pathlib import Path

import ezdxf
import pytest
from click.testing import CliRunner
from conftest import WIKIHOUSE_DXF, run_rs274
from ezdxf import bbox

from wikicut.cam.rack import resolve_tooling
from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.io.tools import load_library
from wikicut.verify import Segment, limits_from_library, program_tools, read_program
from wikicut.verify.plunges import check_plunges
from wikicut.verify.tools import limits_from_tooling

T7_LIMIT = 2.5  # mm: 1 x D in plywood (tools/library.toml)


def _job(folder: Path, dxf: Path, profile: str, width: float, height: float) -> Path:
    job = folder / "job.toml"
    job.write_text(f"""name = "peck"
[sheet]
width = {width:g}
height = {height:g}
thickness = 18
margin = 10
material = "BirchPly"
[nest]
spacing = 12
seed = 1
time_limit = 2
[machine]
profile = "{profile}"
tools = [1, 7]
[[part]]
file = "{dxf.name}"
quantity = 1
""")
    return job


def _nest(job: Path, out: Path) -> None:
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "--force", "-q"])
    assert res.exit_code == 0, res.output


def _segments(programs: list[Path], profile: str) -> list[Segment]:
    """The programs read back as the verifier reads them, each segment naming its tool."""
    prof = load_profile(profile)
    segs: list[Segment] = []
    for p in programs:
        text = p.read_text()
        found, _ = read_program(text, prof)
        listed = program_tools(text, prof)
        if len(listed) == 1 and all(s.tool == 0 for s in found):
            (n,) = listed
            found = [Segment(s.kind, s.start, s.end, s.feed, s.line, s.spindle, n, s.rpm)
                     for s in found]
        segs += found
    return segs


def _plunges(segs: list[Segment], tool: int) -> list[tuple[float, float, float, float]]:
    """Each straight move down of `tool` into new material: (x, y), how deep it cuts below
    the deepest the tool had been at that spot (or the stock top) and its feed."""
    floor: dict[tuple[float, float], float] = {}
    out = []
    for s in segs:
        if s.kind != "feed" or s.tool != tool:
            continue
        spot = (round(s.end[0], 3), round(s.end[1], 3))
        if s.start[:2] == s.end[:2] and s.end[2] < s.start[2]:
            top = min(s.start[2], 0.0, floor.get(spot, 0.0))
            if top - s.end[2] > 1e-9:
                out.append((*spot, top - s.end[2], s.feed))
        for p in (s.start, s.end):
            k = (round(p[0], 3), round(p[1], 3))
            floor[k] = min(floor.get(k, 0.0), p[2])
    return out


def _rack_part(path: Path) -> Path:
    """QA's rack part, small: a 3 mm circle on the DRILL layer (through) and a 2.5 mm one on a
    9 mm deep layer (a pilot), both the 6 mm tool cannot make."""
    doc = ezdxf.new("R2010")
    doc.units = ezdxf.units.MM
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (200, 0), (200, 150), (0, 150)], close=True,
                       dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})
    msp.add_circle((50, 50), 1.5, dxfattribs={"layer": "2_anyTOOL_DRILL"})
    msp.add_circle((150, 100), 1.25, dxfattribs={"layer": "5_anyTOOL_9mmDEEP_INSIDE"})
    doc.saveas(path)
    return path


def test_the_rack_job_pecks_the_3mm_drill_on_t7_and_verifies(tmp_path, rs274):
    """linuxcnc, rack [1, 7]: the 3 mm drill through 18 mm (18.3 with the overcut) was one
    `G1 Z-18.3`; it is pecked, each peck at most T7's 2.5 mm, at its plunge feed, back up
    between pecks; the program verifies clean and rs274 runs it."""
    out = tmp_path / "out"
    _nest(_job(tmp_path, _rack_part(tmp_path / "rackpart.dxf"), "linuxcnc", 600, 400), out)
    program = out / "sheet-001.ngc"
    segs = _segments([program], "linuxcnc")
    plunges = _plunges(segs, 7)
    assert plunges and max(d for _, _, d, _ in plunges) <= T7_LIMIT + 1e-6, plunges
    # each into new material at no more than T7's plunge feed
    tooling = resolve_tooling(load_profile("linuxcnc"), load_library(), "BirchPly", 18.0,
                              tools=(1, 7))
    assert max(f for *_, f in plunges) <= tooling.tool(7).profile.feeds.plunge
    # the through drill reaches 18.3 mm in 8 pecks, the 9 mm pilot in 4
    pecks = {}
    for x, y, _, _ in plunges:
        pecks[(x, y)] = pecks.get((x, y), 0) + 1
    deepest = {s: min(g.end[2] for g in segs if g.tool == 7 and g.kind == "feed"
                      and (round(g.end[0], 3), round(g.end[1], 3)) == s) for s in pecks}
    assert sorted((round(z, 3), pecks[s]) for s, z in deepest.items()) == [(-18.3, 8), (-9, 4)]
    lib = limits_from_library(load_library(), "BirchPly")
    assert check_plunges(segs, lib) == []
    res = CliRunner().invoke(main, ["verify", str(program), "--profile", "linuxcnc", "--sheet",
                                    str(out / "sheet-001.dxf"), "--material", "BirchPly"])
    assert res.exit_code == 0, res.output
    ran = run_rs274(rs274, program, tool_table=out / "tool.tbl")
    assert ran.returncode == 0, ran.stdout[-800:] + ran.stderr[-800:]
    assert "error" not in ran.stdout.lower().replace("error_", ""), ran.stdout[-800:]


HAND = """(a hand-written program: T7 plunged through in one move)
G17 G21 G90 G94
G0 Z20
T7 M6
M3 S18000
G0 X100 Y100
G0 Z5
G1 Z0 F1000
G1 Z-18.3
G1 Z0 F3000
G0 Z20
M5
M2
"""


def test_a_single_plunge_deeper_than_the_tools_pass_is_a_violation():
    prof = load_profile("linuxcnc")
    segs, errors = read_program(HAND, prof)
    assert errors == []
    lib = limits_from_library(load_library(), "BirchPly")
    (v,) = check_plunges(segs, lib)
    assert v.kind == "plunge" and v.line == 9, v
    assert "18.300 mm" in v.message and "T7 may cut 2.5 mm per pass" in v.message
    # the same hole pecked, down a hole already cut short of its floor: clean
    pecked = HAND.replace("G1 Z-18.3\n", "".join(
        f"G1 Z{-1.83 * k + 0.5:.3f} F3000\nG1 Z{-1.83 * (k + 1):.3f} F1000\nG1 Z0 F3000\n"
        for k in range(10)).replace("G1 Z0.500 F3000\n", ""))
    segs, errors = read_program(pecked, prof)
    assert errors == [] and check_plunges(segs, lib) == []
    # a tool whose limit is not known is not judged; T1 (12 mm a pass) may plunge 12 mm
    assert check_plunges(segs, {}) == []
    t1 = HAND.replace("T7 M6", "T1 M6").replace("Z-18.3", "Z-12")
    assert check_plunges(read_program(t1, prof)[0], lib) == []
    assert check_plunges(read_program(t1.replace("Z-12", "Z-12.1"), prof)[0], lib) != []


def test_the_job_tooling_gives_the_check_before_writing_each_tools_pass():
    prof = load_profile("linuxcnc")
    tooling = resolve_tooling(prof, load_library(), "BirchPly", 18.0, tools=(1, 7))
    limits = limits_from_tooling(tooling)
    assert limits[7].max_depth_per_pass <= T7_LIMIT and limits[7].diameter == 2.5
    assert limits[1].diameter == 6.0 and limits[1].max_depth_per_pass <= 12.0
    segs, _ = read_program(HAND, prof)
    assert [v.kind for v in check_plunges(segs, limits)] == ["plunge"]


def _microhouse_part(path: Path) -> Path:
    """One part of the MicroHouse file with its four 2 mm screw pilots (9 mm deep layer)."""
    src = ezdxf.readfile(WIKIHOUSE_DXF)
    msp = src.modelspace()
    (outline,) = [e for e in msp if e.dxf.handle == "2A10"]
    box = bbox.extents([outline])
    doc = ezdxf.new("R2010")
    doc.units = ezdxf.units.MM
    out = doc.modelspace()
    o = box.extmin
    keep = [outline] + [e for e in msp if e.dxftype() == "CIRCLE"
                        and box.inside(e.dxf.center)]
    for e in keep:
        c = e.copy()
        c.translate(-o.x, -o.y, 0)
        out.add_entity(c)
    doc.saveas(path)
    return path


def test_microhouse_pilots_on_t7_are_pecked(tmp_path):
    """The MicroHouse file's 2 mm pilots, 9 mm deep, cut by T7 (GRBL: a program of its own)
    were one `G1 Z-9`: now pecks of at most 2.5 mm, and the sheet's programs verify."""
    out = tmp_path / "out"
    _nest(_job(tmp_path, _microhouse_part(tmp_path / "mh.dxf"), "grbl", 900, 400), out)
    report = json.loads((out / "report.json").read_text())
    assert report["totals"]["placed"] == 1
    programs = sorted(out.glob("sheet-001*.nc"))
    assert [p.name for p in programs] == ["sheet-001-1-T7.nc", "sheet-001-2-T1.nc"]
    segs = _segments(programs, "grbl")
    plunges = _plunges(segs, 7)
    spots = {(x, y) for x, y, _, _ in plunges}
    assert len(spots) == 4, plunges
    assert max(d for _, _, d, _ in plunges) <= T7_LIMIT + 1e-6, plunges
    for spot in spots:
        assert min(s.end[2] for s in segs if s.tool == 7
                   and (round(s.end[0], 3), round(s.end[1], 3)) == spot) == pytest.approx(-9.0)
    assert check_plunges(segs, limits_from_library(load_library(), "BirchPly")) == []
    res = CliRunner().invoke(main, ["verify", *map(str, programs), "--profile", "grbl",
                                    "--sheet", str(out / "sheet-001.dxf"), "--material",
                                    "BirchPly"])
    assert res.exit_code == 0, res.output
