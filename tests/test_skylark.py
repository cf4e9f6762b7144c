"""WikiHouse Skylark: inside corners rounded below the tool radius, a part and a whole block
cut with a 6 mm tool, every program accepted by rs274 and by the simulator."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import ezdxf
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Polygon

from wikicut.cam import plan_sheet
from wikicut.cli import main
from wikicut.errors import InputError, UnsafeJobError
from wikicut.io.dxf import read_cutting_file, read_dxf_parts
from wikicut.io.items import job_items
from wikicut.io.job import load_job
from wikicut.io.profiles import load_profile
from wikicut.model import Part, Placement, SheetLayout, Stock
from wikicut.post import write_program
from wikicut.verify import verify_program


def grbl():
    return load_profile("grbl").updated(engrave={"labels": False})


def sheet_of(part: Part) -> SheetLayout:
    places = [Placement(f"{part.name}#1", part, 100, 100, 0)]
    return SheetLayout(1, Stock(1200, 800, 18.0, 15), places)


def notched(width: float, fillet: float) -> Part:
    """A plate with a notch from its top edge whose two inside corners are rounded (Skylark
    draws them with 0.25 mm radii)."""
    notch = shapely.box(100 + fillet, 60, 100 + width - fillet, 101).buffer(
        fillet, quad_segs=2, join_style="round")
    body = shapely.box(0, 0, 300, 100).difference(notch)
    return Part("rib", Polygon(body.exterior))


def test_inside_corners_rounded_below_the_tool_radius_get_dogbones():
    part = notched(12.5, 0.25)
    sheet = sheet_of(part)
    prog = plan_sheet(sheet, grbl())
    outline = next(op for op in prog.operations if op.kind == "outline")
    deepest = min(m.z for m in outline.moves)
    reach = [(m.x - 100, m.y - 100) for m in outline.moves if m.z == deepest and m.y - 100 > 60]
    # each relief takes the tool centre to within r of the rounded corner's apex
    for cx in (100.0, 112.5):
        d = min(((x - cx) ** 2 + (y - 60) ** 2) ** 0.5 for x, y in reach)
        assert d < 3.0 + 0.25 * (2 ** 0.5 - 1) + 0.01, d
    assert verify_program(write_program(prog, grbl()), grbl(), sheet=sheet) == []


def test_a_notch_narrower_than_the_tool_names_its_true_width():
    with_fillets = notched(4.5, 0.25)
    try:
        plan_sheet(sheet_of(with_fillets), grbl())
    except UnsafeJobError as e:
        assert "notch 4.50 mm wide" in str(e) or "notch 4.49 mm wide" in str(e), str(e)
    else:
        raise AssertionError("a 4.5 mm notch was cut with a 6 mm tool")


def test_a_neck_is_measured_across_its_narrowest_part():
    # a 40 mm wide notch, 4 mm wide at its mouth: the mouth is what the tool cannot pass
    notch = shapely.union_all([shapely.box(100, 40, 140, 80), shapely.box(118, 79, 122, 101)])
    body = Polygon(shapely.box(0, 0, 300, 100).difference(notch).exterior)
    try:
        plan_sheet(sheet_of(Part("rib", body)), grbl())
    except UnsafeJobError as e:
        assert "4.00 mm wide" in str(e) or "3.99 mm wide" in str(e), str(e)
    else:
        raise AssertionError("a 4 mm neck was cut with a 6 mm tool")


# --- the real Skylark files -------------------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "skylark"
BLOCK = EXAMPLE / "E-XXS_cnc"


def run(*args, tmp_path):
    """The wikicut command, in process; the result has exit_code and output."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_a_skylark_block_is_a_part_source(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text(f'[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18\n'
                   f'[[block]]\ndir = "{BLOCK}"\nquantity = 4\n')
    j = load_job(job)
    assert j.blocks == (BLOCK / "E-XXS_production.csv",)
    items = job_items(j)
    assert len(items) == 4 * 29
    labels = Counter(it.part.label for it in items)
    assert len(labels) == 19 and labels["E-XXS-D"] == 4 * 8 and labels["E-XXS-A"] == 4
    assert all(it.part.name == it.part.label for it in items)
    a = next(it.part for it in items if it.part.label == "E-XXS-A")
    assert len(a.pockets) == 5 and {pk.depth for pk in a.pockets} == {9.0}


def test_skylark_reads_the_same_without_a_layer_map():
    """R12's truncated WikiHouse names need no [layers] entry: every part of the block reads
    the same with the map the example once carried and without it."""
    mapped = {"5_ANYTOOL_HALF_MILL_9MM_IN": "pocket:9"}
    for dxf in sorted(BLOCK.glob("E-XXS-*.dxf")):
        plain, with_map = read_dxf_parts(dxf), read_dxf_parts(dxf, layer_map=mapped)
        assert len(plain) == len(with_map) == 1, dxf.name
        a, b = plain[0], with_map[0]
        assert a.outline.equals_exact(b.outline, 0), dxf.name
        assert [(p.shape.wkb, p.depth) for p in a.pockets] == \
            [(p.shape.wkb, p.depth) for p in b.pockets], dxf.name
        assert (a.drills, a.engravings) == (b.drills, b.engravings), dxf.name
    assert "\n[layers]" not in (EXAMPLE / "job.toml").read_text()


def test_a_block_without_its_production_csv_is_refused(tmp_path):
    (tmp_path / "blk").mkdir()
    job = tmp_path / "job.toml"
    job.write_text('[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18\n'
                   '[[block]]\ndir = "blk"\n')
    with pytest.raises(InputError, match="production.csv"):
        load_job(job)


@pytest.mark.parametrize("profile", ["grbl", "linuxcnc", "mach3", "shopbot"])
def test_skylark_part_a_with_a_6_mm_tool(profile, tmp_path, rs274):
    """One part with its holes and five 9 mm pockets; every program passes rs274 (G-code)
    and `wikicut verify --sheet`."""
    out = tmp_path / "out"
    r = run("gcode", BLOCK / "E-XXS-A.dxf", "--profile", profile, "--tool-diameter", 6,
            "-o", out, tmp_path=tmp_path)
    assert r.exit_code == 0, r.output
    sheets = read_cutting_file(out / "sheet-001.dxf")
    (part,) = [pl.part for s in sheets for pl in s.placements]
    assert len(part.outline.interiors) == 5
    assert len(part.pockets) == 5 and {pk.depth for pk in part.pockets} == {9.0}
    (program,) = [p for p in out.iterdir() if p.name.startswith("sheet-001.")
                  and p.suffix not in (".dxf", ".svg")]
    v = run("verify", program, "--profile", profile, "--tool-diameter", 6,
            "--sheet", out / "sheet-001.dxf", tmp_path=tmp_path)
    assert v.exit_code == 0, v.output
    if program.suffix != ".sbp":
        with tempfile.TemporaryDirectory() as home:
            rr = subprocess.run([rs274, "-g", str(program)], check=False, capture_output=True,
                                text=True,
                                env={**os.environ, "HOME": home}, timeout=600,
                                stdin=subprocess.DEVNULL)
        assert rr.returncode == 0, rr.stdout[-500:] + rr.stderr[-500:]
        assert "error" not in rr.stdout.lower().replace("error_", ""), rr.stdout[-500:]


@pytest.mark.xdist_group("skylark")
def test_the_whole_e_xxs_block_nests_and_cuts_with_a_6_mm_tool(skylark_run, tmp_path):
    """19 labels, 29 parts from the production CSV, a 6 mm tool; every program verified."""
    out, _ = skylark_run  # the example job nested and written (conftest.SKYLARK_NEST)
    report = json.loads((out / "report.json").read_text())
    assert report["totals"]["parts"] == 29 and not report["unplaced"]
    assert len(report["parts"]) == 19
    for program in sorted(out.glob("sheet-*.nc")):
        v = run("verify", program, "--profile", "grbl", "--sheet", program.with_suffix(".dxf"),
                tmp_path=tmp_path)
        assert v.exit_code == 0, v.output


def test_gcode_and_part_read_as_the_job_reads(tmp_path):
    """--options holds the job's [layers], [dxf] and [sheet] thickness; --units as a job's
    [[part]] units."""
    opts = tmp_path / "options.toml"
    opts.write_text('[sheet]\nthickness = 18\n[dxf]\njoin_tolerance = 0.2\n'
                    '[layers]\n"HATCHING" = "ignore"\n')
    r = run("part", BLOCK / "E-XXS-A.dxf", "--options", opts, "-o", tmp_path / "a.svg",
            tmp_path=tmp_path)
    assert r.exit_code == 0 and "5 holes" in r.output, r.output

    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 0  # unitless: the flag says inches
    doc.modelspace().add_lwpolyline([(0, 0), (10, 0), (10, 5), (0, 5)], close=True)
    doc.saveas(tmp_path / "board.dxf")
    r = run("part", tmp_path / "board.dxf", "--units", "inch", "-o", tmp_path / "b.dxf",
            tmp_path=tmp_path)
    assert r.exit_code == 0 and "0.032 m2" in r.output, r.output
    job = tmp_path / "job.toml"
    job.write_text('[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18\n'
                   '[[part]]\nfile = "board.dxf"\nunits = "inch"\n')
    (part,) = {it.part for it in job_items(load_job(job))}
    assert part.outline.bounds == pytest.approx((0, 0, 254, 127))
    job.write_text('[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18\n[dxf]\nunits = "in"\n'
                   '[[part]]\nfile = "board.dxf"\n')
    with pytest.raises(InputError, match="'in' is not one of .*inch"):
        load_job(job)
