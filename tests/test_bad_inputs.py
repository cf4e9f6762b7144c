"""The table of bad inputs: each gives one line naming file, part and problem, an exit code,
no traceback, and no output folder."""

from __future__ import annotations

from pathlib import Path

import ezdxf
import pytest
from click.testing import CliRunner

from wikicut.cli import main

ROOT = Path(__file__).resolve().parent.parent
PARTS = ROOT / "parts"

JOB = """\
name = "bad"
[sheet]
width = 2440
height = 1220
thickness = 18
margin = 15
[nest]
spacing = 12
time_limit = 2
iterations = 1
[machine]
profile = "{profile}"
{machine_extra}
[[part]]
file = "{part}"
quantity = 1
{part_extra}
"""

PART = """\
name = "plate"
description = "a test plate"
[params]
width = 400
height = 300
[[feature]]
type = "rectangle"
x = 0
y = 0
w = "{w}"
h = "height"
"""


def dxf_with(build) -> bytes:
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    build(doc.modelspace())
    import io

    s = io.StringIO()
    doc.write(s)
    return s.getvalue().encode()


def square(msp, x=0, y=0, s=300, layer="6_anyTOOL_CUTTHROUGH_OUTSIDE"):
    return msp.add_lwpolyline([(x, y), (x + s, y), (x + s, y + s), (x, y + s)], close=True,
                              dxfattribs={"layer": layer})


def open_contour(msp):
    for a, b in [((0, 0), (300, 0)), ((300, 0), (300, 300)), ((300, 300), (0, 300))]:
        msp.add_line(a, b, dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})


def bowtie(msp):
    msp.add_lwpolyline([(0, 0), (300, 300), (300, 0), (0, 300)], close=True,
                       dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})


def face3d(msp):
    square(msp)
    msp.add_3dface([(10, 10, 0), (50, 10, 0), (50, 50, 0)],
                   dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})


def huge(msp):
    square(msp, s=3e9)


def long_beam(msp):
    msp.add_lwpolyline([(0, 0), (3000, 0), (3000, 200), (0, 200)], close=True,
                       dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})


def narrow_slot(msp):
    square(msp)
    msp.add_lwpolyline([(100, 100), (104, 100), (104, 200), (100, 200)], close=True,
                       dxfattribs={"layer": "3_anyTOOL_CUTTHROUGH_INSIDE"})


def zero_area(msp):
    square(msp)
    msp.add_lwpolyline([(600, 0), (900, 0), (600, 0)], close=True,
                       dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})


def inch_header_mm_numbers(msp):
    """Declared inches, drawn in mm (as SketchUp exports WikiHouse files): 2000 "inches" is a
    50 m part, 2000 mm a beam."""
    msp.doc.header["$INSUNITS"] = 1
    msp.add_lwpolyline([(0, 0), (2000, 0), (2000, 20), (0, 20)], close=True,
                       dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})


# (id, files, extra args, exit code, substrings the one line must hold)
CASES = [
    ("job-toml-syntax", {"job.toml": "[sheet\nwidth = 1"}, [], 2,
     ["job.toml", "TOML syntax error", "line 1"]),
    ("job-unknown-key", {"job.toml": JOB.replace("spacing", "spacng")}, [], 2,
     ["job.toml", "nest.spacng", "line 8", "did you mean 'spacing'"]),
    ("job-negative-margin", {"job.toml": JOB.replace("margin = 15", "margin = -5")}, [], 2,
     ["job.toml", "sheet.margin", "must be at least 0"]),
    ("job-missing-value", {"job.toml": JOB.replace("thickness = 18\n", "")}, [], 2,
     ["job.toml", "missing required key 'sheet.thickness'"]),
    ("job-missing-part-file", {"job.toml": JOB.replace("{part}", "nope.toml")}, [], 2,
     ["job.toml", "part[1].file", "'nope.toml' not found"]),
    ("not-a-dxf", {"p.dxf": b"hello, I am not a drawing\n"}, [], 2, ["p.dxf", "DXF"]),
    ("empty-dxf", {"p.dxf": b""}, [], 2, ["p.dxf", "empty"]),
    ("binary-dxf", {"p.dxf": bytes(range(256)) * 8}, [], 2, ["p.dxf"]),
    ("open-contour", {"p.dxf": dxf_with(open_contour)}, [], 2,
     ["p.dxf", "open", "6_anyTOOL_CUTTHROUGH_OUTSIDE"]),
    ("self-intersecting", {"p.dxf": dxf_with(bowtie)}, [], 2,
     ["p.dxf", "self-intersect", "6_anyTOOL_CUTTHROUGH_OUTSIDE"]),
    ("unsupported-entity", {"p.dxf": dxf_with(face3d)}, [], 2, ["p.dxf", "3DFACE"]),
    ("absurd-coordinates", {"p.dxf": dxf_with(huge)}, [], 2, ["p.dxf", "unit"]),
    ("zero-area-entity", {"p.dxf": dxf_with(zero_area)}, [], 2,
     ["p.dxf", "zero-area contour", "6_anyTOOL_CUTTHROUGH_OUTSIDE"]),
    ("part-larger-than-sheets", {"p.dxf": dxf_with(long_beam)}, [], 3,
     ["p.dxf", "larger than every sheet"]),
    ("slot-narrower-than-tool", {"p.dxf": dxf_with(narrow_slot)}, [], 3,
     ["p.dxf", "narrower than"]),
    ("expr-division-by-zero", {"p.toml": PART.format(w="width / (height - 300)")}, [], 2,
     ["p.toml", "division by zero"]),
    ("expr-unknown-name", {"p.toml": PART.format(w="widht * 2")}, [], 2,
     ["p.toml", "widht", "width"]),
    ("expr-reaches-python", {"p.toml": PART.format(w="__import__('os').system('true')")}, [], 2,
     ["p.toml", "not allowed"]),
    ("part-unknown-key", {"p.toml": PART.format(w="width") + "colour = 'red'\n"}, [], 2,
     ["p.toml", "colour"]),
    ("unknown-profile", {}, ["--profile", "grbll"], 2, ["unknown machine profile 'grbll'",
                                                       "did you mean 'grbl'"]),
    ("profile-missing-value", {"m.toml": (ROOT / "profiles" / "grbl.toml").read_text()
                               .replace("diameter = 6.0\n", "")}, ["--profile", "m.toml"], 2,
     ["m.toml", "missing required key 'tool.diameter'"]),
    ("tool-override-negative", {"job.toml": JOB.replace("{machine_extra}",
                                                        "tool_diameter = -6")}, [], 2,
     ["job.toml", "machine.tool_diameter", "greater than 0"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, tmp_path, monkeypatch):
    name, files, args, code, expect = case
    files = dict(files)
    part = next((f for f in files if f.startswith("p.")), "p.toml")
    files.setdefault("p.toml", PART.format(w="width"))
    job = files.pop("job.toml", JOB)
    job = job.replace("{part}", part).replace("{profile}", "grbl")
    job = job.replace("{machine_extra}", "").replace("{part_extra}", "")
    (tmp_path / "job.toml").write_text(job)
    for fname, content in files.items():
        p = tmp_path / fname
        p.write_bytes(content if isinstance(content, bytes) else content.encode())
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["nest", "job.toml", "-o", "out", *args])
    err = res.stderr if hasattr(res, "stderr") else res.output
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert res.exit_code == code, (name, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), (name, err)
    assert "Traceback" not in err
    for s in expect:
        assert s in lines[0], (name, s, lines[0])
    assert not (tmp_path / "out").exists()


def test_a_unit_mix_up_is_read_as_mm_and_said(tmp_path, monkeypatch):
    """Declared inches but sized in mm (the shipped MicroHouse file is one): read as mm, as
    every WikiHouse maker does, with one warning line naming the file; the job goes on."""
    (tmp_path / "p.dxf").write_bytes(dxf_with(inch_header_mm_numbers))
    job = JOB.replace("{part}", "p.dxf").replace("{profile}", "grbl")
    (tmp_path / "job.toml").write_text(job.replace("{machine_extra}", "")
                                       .replace("{part_extra}", ""))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["nest", "job.toml", "-o", "out", "--no-gcode"])
    err = res.stderr if hasattr(res, "stderr") else res.output
    assert res.exit_code == 0, err
    warned = [ln for ln in err.splitlines() if ln.startswith("warning:")]
    assert len(warned) == 1 and "p.dxf" in warned[0] and "read as millimetres" in warned[0]
    import json

    report = json.loads((tmp_path / "out" / "report.json").read_text())
    x0, y0, x1, y1 = report["sheets"][0]["parts"][0]["bbox"]
    assert {round(x1 - x0), round(y1 - y0)} == {2000, 20}  # mm, not 50800 x 508
