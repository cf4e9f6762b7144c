"""The table of bad inputs: each gives one line naming file, part and problem, an exit code,
no traceback, and no output folder."""

from __future__ import annotations

import os
import re
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
    ("job-key-twice",
     {"job.toml": JOB.replace("iterations = 1\n", "iterations = 1\nspacing = 10\n")}, [], 2,
     ["job.toml", "key 'nest.spacing' given twice (line 11, first at line 8)"]),
    ("job-unknown-key", {"job.toml": JOB.replace("spacing", "spacng")}, [], 2,
     ["job.toml", "nest.spacng", "line 8", "did you mean 'spacing'"]),
    ("job-negative-margin", {"job.toml": JOB.replace("margin = 15", "margin = -5")}, [], 2,
     ["job.toml", "sheet.margin", "must be at least 0"]),
    # a plain table's key is found under its own header, not at an earlier table's same key
    ("job-table-key-line", {"job.toml": JOB.replace("[[part]]", "[remnants]\nmargin = -1\n"
                                                    "[[part]]")}, [], 2,
     ["job.toml", "key 'remnants.margin' (line 15)", "must be at least 0"]),
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
     ["p.dxf", "narrower than", "in the part's drawing", "(102.0, 150.0)"]),
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
    ("profile-in-capitals", {}, ["--profile", "GRBL"], 2, ["unknown machine profile 'GRBL'",
                                                           "did you mean 'grbl'"]),
    ("profile-missing-value", {"m.toml": (ROOT / "profiles" / "grbl.toml").read_text()
                               .replace("diameter = 6.0\n", "")}, ["--profile", "m.toml"], 2,
     ["m.toml", "missing required key 'tool.diameter'"]),
    ("tool-override-negative", {"job.toml": JOB.replace("{machine_extra}",
                                                        "tool_diameter = -6")}, [], 2,
     ["job.toml", "machine.tool_diameter", "greater than 0"]),
]


def two_squares(gap):
    def build(msp):
        square(msp, 0, 0)
        square(msp, 300 + gap, 0)
    return build


FIFO = object()  # a named pipe: reading it would block forever
DEV_ZERO = Path("/dev/zero")  # a symlink to it: reading it would never end
GRBL = (ROOT / "profiles" / "grbl.toml").read_text()
LONG_LABEL = PART.format(w="width").replace('description',
                                            f'label = "{"x" * 100_000}"\ndescription')
REPEATS = PART.format(w="width") + "".join(
    f'[[feature]]\ntype = "circle"\nop = "cut"\ncx = {20 + k}\ncy = 20\nd = 0.5\n'
    f'repeat = {{ count = 1000, dx = 0.1, dy = 0.1 }}\n' for k in range(300))
CHAIN = PART.format(w="width") + "[derived]\n" + "d0 = 1\n" + "".join(
    f'd{k} = "d{k - 1} + 1"\n' for k in range(1, 1000))
GCODE = ["gcode", "p.dxf", "--profile", "grbl", "-o", "out"]


def JOB_WITH(old: str, new: str) -> str:  # noqa: N802 (reads as the table's constants)
    return JOB.replace(old, new)


# Issue 33: data loss, unsafe programs, unbounded work, numbers the user gives.
CASES += [
    ("outdir-is-current-folder", {}, ["-o", ".", "--force"], 2,
     [".: output folder is the current folder"]),
    ("outdir-is-parent-folder", {}, ["-o", "..", "--force"], 2,
     ["output folder contains the current folder"]),
    ("outdir-is-the-job-file", {}, ["-o", "job.toml", "--force"], 2,
     ["output folder is the input file job.toml"]),
    ("outdir-is-a-part-file", {}, ["-o", "p.toml"], 2,
     ["output folder is the input file p.toml"]),
    ("outdir-holds-a-part-file", {"parts/q.toml": PART.format(w="width"),
                                  "job.toml": JOB.replace("{part}", "parts/q.toml")},
     ["-o", "parts", "--force"], 2, ["output folder contains the input file q.toml"]),
    ("outdir-not-ours-with-force", {"mine/notes.txt": "keep"}, ["-o", "mine", "--force"], 2,
     ["not a wikicut output folder (no report.json)"]),
    ("outdir-not-empty", {"mine/notes.txt": "keep"}, ["-o", "mine"], 2,
     ["output folder exists and is not empty"]),
    ("outdir-is-a-file", {"notes.txt": "keep"}, ["-o", "notes.txt"], 2,
     ["exists and is not a folder"]),
    ("outdir-under-a-file", {"notes.txt": "keep"}, ["-o", "notes.txt/out"], 2,
     ["cannot write the output folder here"]),
    ("gcode-tool-negative", {"p.dxf": dxf_with(square)}, GCODE + ["--tool-diameter", "-6"], 2,
     ["--tool-diameter", "must be greater than 0"]),
    ("gcode-tool-zero", {"p.dxf": dxf_with(square)}, GCODE + ["--tool-diameter", "0"], 2,
     ["--tool-diameter", "must be greater than 0"]),
    ("gcode-tool-nan", {"p.dxf": dxf_with(square)}, GCODE + ["--tool-diameter", "nan"], 2,
     ["--tool-diameter", "finite"]),
    ("gcode-tool-huge", {"p.dxf": dxf_with(square)}, GCODE + ["--tool-diameter", "1e308"], 2,
     ["--tool-diameter", "at most 100"]),
    ("gcode-parts-2mm-apart", {"p.dxf": dxf_with(two_squares(2))}, GCODE, 3,
     ["p.dxf", "2.0 mm apart, closer than the 6 mm tool"]),
    ("nest-spacing-under-tool", {"job.toml": JOB.replace("spacing = 12", "spacing = 2")}, [], 3,
     ["job.toml", "nest.spacing 2 mm is less than the 6 mm tool"]),
    ("fifo-job", {"job.toml": FIFO}, [], 2, ["job.toml", "not a regular file"]),
    ("fifo-part-toml", {"p.toml": FIFO}, [], 2, ["p.toml", "not a regular file"]),
    ("fifo-part-dxf", {"p.dxf": FIFO}, [], 2, ["p.dxf", "not a regular file"]),
    ("fifo-profile", {"m.toml": FIFO}, ["--profile", "m.toml"], 2,
     ["m.toml", "not a regular file"]),
    ("fifo-program", {"a.nc": FIFO}, ["verify", "a.nc", "--profile", "grbl"], 2,
     ["a.nc", "not a regular file"]),
    ("dev-zero-part", {"p.toml": DEV_ZERO}, [], 2, ["p.toml", "not a regular file"]),
    ("dev-zero-dxf", {"p.dxf": DEV_ZERO}, ["gcode", "p.dxf", "--profile", "grbl", "-o", "out"],
     2, ["p.dxf", "not a regular file"]),
    ("file-too-large", {"p.toml": PART.format(w="width") + "#" * (4 * 2**20) + "\n"}, [], 2,
     ["p.toml", "MB is larger than the 4 MB"]),
    ("part-tables-1.25M", {"job.toml": JOB + '[[part]]\nfile = "{part}"\n' * 1_250_000}, [], 2,
     ["job.toml", "MB is larger than the 4 MB"]),
    ("label-100000-chars", {"p.toml": LONG_LABEL}, [], 2,
     ["p.toml", "key 'label'", "100000 characters: longer than the 200"]),
    ("features-after-repeats", {"p.toml": REPEATS}, [], 2,
     ["p.toml", "more than 2000 shapes after repeats"]),
    ("derived-chain-1000", {"p.toml": CHAIN}, [], 2,
     ["p.toml", "1000 derived values: more than the 200"]),
    ("quantity-100000", {"job.toml": JOB.replace("quantity = 1", "quantity = 100000")}, [], 2,
     ["job.toml", "part[1].quantity", "at most 5000"]),
    ("parts-after-quantities", {"job.toml": JOB + "".join(
        '[[part]]\nfile = "{part}"\nquantity = 5000\n' for _ in range(2))}, [], 2,
     ["job.toml", "10001 parts after quantities: more than the 5000"]),
    ("part-tables-beyond-budget", {"job.toml": JOB + '[[part]]\nfile = "{part}"\n' * 10_000},
     [], 2, ["job.toml", "10001 [[part]] tables: more than the 10000"]),
    ("spacing-1e9", {"job.toml": JOB.replace("spacing = 12", "spacing = 1e9")}, [], 2,
     ["job.toml", "nest.spacing", "at most 500"]),
    ("rotations-nan", {"job.toml": JOB.replace("iterations = 1", "iterations = 1\n"
                                               "rotations = [nan]")}, [], 2,
     ["job.toml", "nest.rotations", "finite"]),
    ("part-rotations-inf", {"job.toml": JOB.replace("{part_extra}", "rotations = [0, inf]")},
     [], 2, ["job.toml", "part[1].rotations", "finite"]),
    ("rotations-not-any", {"job.toml": JOB.replace("iterations = 1", "iterations = 1\n"
                                                   'rotations = "all"')}, [], 2,
     ["job.toml", "nest.rotations", 'or "any"', "'all'"]),
    ("grain-any", {"job.toml": JOB.replace("{part_extra}", 'grain = true\nrotations = "any"')},
     [], 2, ["job.toml", "part[1].rotations", "off its grain", "part[1].grain = true"]),
    ("grain-not-bool", {"job.toml": JOB.replace("{part_extra}", 'grain = "along"')},
     [], 2, ["job.toml", "part[1].grain", "true or false"]),
    ("tool-not-in-the-rack", {"job.toml": JOB.replace(
        "{machine_extra}", "tools = [1, 7]\n[machine.operations.pocket]\ntool = 9")}, [], 2,
     ["job.toml", "tool = 9: T9 is not in the rack (T1, T7)"]),
    ("tool-diameter-1e308", {"job.toml": JOB.replace("{machine_extra}",
                                                     "tool_diameter = 1e308")}, [], 2,
     ["job.toml", "machine.tool_diameter", "at most 100"]),
    ("keepout-nan", {"job.toml": JOB.replace("margin = 15", "margin = 15\n"
                                             "keepouts = [[0, 0, nan, 100]]")}, [], 2,
     ["job.toml", "sheet.keepouts[0]", "not a valid rectangle"]),
    ("keepout-off-the-sheet", {"job.toml": JOB.replace("margin = 15", "margin = 15\nkeepouts = "
                                                      "[[0, 0, 100, 100], [5000, 0, 5100, 100]]")},
     [], 2, ["job.toml", "sheet.keepouts[1]", "lies outside the"]),
    ("keepout-polygon-inf", {"job.toml": JOB.replace("margin = 15", "margin = 15\nkeepouts = "
                                                     "[[[0, 0], [inf, 0], [0, 9]]]")}, [], 2,
     ["job.toml", "sheet.keepouts[0]", "not a valid rectangle"]),
    ("margin-nan", {"job.toml": JOB.replace("margin = 15", "margin = nan")}, [], 2,
     ["job.toml", "sheet.margin", "finite"]),
    ("sheet-width-inf", {"job.toml": JOB.replace("width = 2440", "width = inf")}, [], 2,
     ["job.toml", "sheet.width", "finite"]),
    ("sheet-thickness-huge", {"job.toml": JOB.replace("thickness = 18", "thickness = 1e308")},
     [], 2, ["job.toml", "sheet.thickness", "not a sheet thickness"]),
    # 18.3 typed 183: the job's key, not the profile (whose Z travel it overran), is named
    ("sheet-thickness-typo", {"job.toml": JOB.replace("thickness = 18", "thickness = 183")},
     [], 2, ["job.toml", "key 'sheet.thickness' (line 5)", "183 mm", "at most 100"]),
    ("sheet-deeper-than-z-travel", {"job.toml": JOB.replace("thickness = 18", "thickness = 36")},
     [], 3, ["job.toml", "key 'sheet.thickness' (line 5)", "36 mm", "36.3 mm deep",
             "GRBL machine's Z travel (25 mm below the stock top", "profiles/grbl.toml"]),
    ("job-profile-typo", {"job.toml": JOB.replace('"{profile}"', '"grbll"')}, [], 2,
     ["job.toml", "key 'machine.profile' (line 12)", "unknown machine profile 'grbll'",
      "did you mean 'grbl'"]),
    ("job-profile-file-missing", {"job.toml": JOB.replace('"{profile}"', '"shopbot.toml"')},
     [], 2, ["job.toml", "key 'machine.profile' (line 12)", "shopbot.toml", "not found",
             "a shipped profile 'shopbot'", 'profile = "shopbot"']),
    ("profile-option-file-missing", {}, ["--profile", "shopbot.toml"], 2,
     ["--profile shopbot.toml", "file 'shopbot.toml' not found", "a shipped profile 'shopbot'",
      "--profile shopbot"]),
    ("profile-option-typo", {}, ["--profile", "shopbt"], 2,
     ["--profile shopbt", "unknown machine profile", "did you mean 'shopbot'"]),
    # no program is written, but a profile that names none is refused all the same
    ("no-gcode-profile-option-typo", {}, ["--no-gcode", "--profile", "grbll"], 2,
     ["--profile grbll: unknown machine profile 'grbll'", "did you mean 'grbl'"]),
    ("no-gcode-job-profile-typo", {"job.toml": JOB.replace('"{profile}"', '"grbll"')},
     ["--no-gcode"], 2, ["job.toml: key 'machine.profile' (line 12): unknown machine profile"
                         " 'grbll'", "did you mean 'grbl'"]),
    ("gcode-profile-file-missing", {"p.dxf": dxf_with(square)},
     ["gcode", "p.dxf", "--profile", "shopbot.toml", "-o", "out"], 2,
     ["--profile shopbot.toml", "file 'shopbot.toml' not found",
      "a shipped profile 'shopbot'"]),
    ("job-shipped-part-typo", {"job.toml": JOB.replace('"{part}"', '"wal-rib"')}, [], 2,
     ["job.toml", "key 'part[1].file' (line 15)", "no shipped part 'wal-rib'",
      "did you mean 'wall-rib'", "spacer", "relative to the job"]),
    ("job-part-file-missing-but-shipped", {"job.toml": JOB.replace('"{part}"', '"spacer.toml"')},
     [], 2, ["job.toml", "key 'part[1].file' (line 15)", "part file 'spacer.toml' not found",
             "a shipped part 'spacer'", 'file = "spacer"']),
    ("sheet-count-zero", {"job.toml": JOB.replace("margin = 15", "margin = 15\ncount = 0")},
     [], 2, ["job.toml", "sheet.count", "greater than 0"]),
    ("workers-5000", {"job.toml": JOB.replace("iterations = 1", "iterations = 1\n"
                                              "workers = 5000")}, [], 2,
     ["job.toml", "nest.workers", "at most 4096"]),
    ("job-param-nan", {"job.toml": JOB.replace("{part_extra}", "params = { width = nan }")},
     [], 2, ["job.toml", "part[1].params.width", "finite"]),
    # a parameter the part accepts but that makes a feature invalid: the job named too
    ("job-param-breaks-a-feature",
     {"job.toml": JOB.replace("{part_extra}", "params = { width = -400 }")}, [], 2,
     ["p.toml", "feature[1].w", "got -400", "with width = -400",
      "key 'part[1].params' (line 17)"]),
    ("time-limit-nan", {}, ["--time-limit", "nan"], 2, ["--time-limit", "finite"]),
    ("time-limit-negative", {}, ["--time-limit", "-1"], 2,
     ["--time-limit", "greater than 0"]),
    ("seed-negative", {}, ["--seed", "-1"], 2, ["--seed", "at least 0"]),
    ("iterations-zero", {}, ["--iterations", "0"], 2, ["--iterations", "at least 1"]),
    ("part-param-nan", {}, ["part", "p.toml", "-p", "width=nan", "-o", "out.dxf"], 2,
     ["-p width", "finite"]),
    ("profile-tool-huge", {"m.toml": GRBL.replace("diameter = 6.0", "diameter = 1e308")},
     ["--profile", "m.toml"], 2, ["m.toml", "tool.diameter", "at most 100"]),
    ("profile-limits-nan", {"m.toml": GRBL.replace("x = [-20", "x = [nan")},
     ["--profile", "m.toml"], 2, ["m.toml", "limits.x", "finite"]),
    ("profile-limits-km", {"m.toml": re.sub(r"x = \[-20, \d+\]", "x = [-20, 1000100]", GRBL)},
     ["--profile", "m.toml"], 2, ["m.toml", "limits.x", "at most 1e+06, got 1000100"]),
    ("profile-limits-reversed", {"m.toml": re.sub(r"x = \[-20, \d+\]", "x = [20, -20]", GRBL)},
     ["--profile", "m.toml"], 2, ["m.toml", "limits.x", "min < max"]),
    ("gcode-larger-than-the-machine", {"p.dxf": dxf_with(lambda msp: msp.add_lwpolyline(
        [(0, 0), (3000, 0), (3000, 500), (0, 500)], close=True))}, GCODE, 3,
     ["p.dxf", "sheet 1: its parts span 3007.0 x 507.0 mm", "travel (2580 x 1280 mm)"]),
    ("gcode-thickness-beyond-z-travel", {"p.dxf": dxf_with(square)}, [*GCODE, "-t", "36"], 3,
     ["--thickness 36 mm: a through cut 36.3 mm deep", "GRBL machine's Z travel"]),
    # the --options file's key and line, not the profile's Z limit
    ("gcode-options-thickness-beyond-z-travel",
     {"p.dxf": dxf_with(square), "o.toml": "[dxf]\n\n[sheet]\nthickness = 36\n"},
     [*GCODE, "--options", "o.toml"], 3,
     ["o.toml: key 'sheet.thickness' (line 4): 36 mm: a through cut 36.3 mm deep is beyond the"
      " GRBL machine's Z travel (25 mm below the stock top, [limits] z in profiles/grbl.toml)"]),
    ("gcode-parts-overlap", {"p.dxf": dxf_with(two_squares(-50))}, GCODE, 2,
     ["p.dxf", "contours cross each other"]),
    ("verify-thickness-nan", {"a.nc": "G0 Z5\nM5\nM2\n"},
     ["verify", "a.nc", "--profile", "grbl", "--thickness", "nan"], 2, ["--thickness", "finite"]),
    ("verify-thickness-inf", {"a.nc": "G0 Z5\nM5\nM2\n"},
     ["verify", "a.nc", "--profile", "grbl", "--thickness", "inf"], 2, ["--thickness", "finite"]),
    ("verify-tool-nan", {"a.nc": "G0 Z5\nM5\nM2\n"},
     ["verify", "a.nc", "--profile", "grbl", "--tool-diameter", "nan"], 2,
     ["--tool-diameter", "finite"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, tmp_path, monkeypatch):
    name, files, args, code, expect = case
    files = dict(files)
    part = next((f for f in files if f.startswith("p.")), "p.toml")
    files.setdefault("p.toml", PART.format(w="width"))
    job = files.pop("job.toml", JOB)
    if job is not FIFO:
        job = job.replace("{part}", part).replace("{profile}", "grbl")
        job = job.replace("{machine_extra}", "").replace("{part_extra}", "")
    if job is FIFO:
        os.mkfifo(tmp_path / "job.toml")
    else:
        (tmp_path / "job.toml").write_text(job)
    for fname, content in files.items():
        p = tmp_path / fname
        p.parent.mkdir(parents=True, exist_ok=True)
        if content is FIFO:
            os.mkfifo(p)
        elif isinstance(content, Path):
            p.symlink_to(content)
        else:
            p.write_bytes(content if isinstance(content, bytes) else content.encode())
    monkeypatch.chdir(tmp_path)
    command = args if args and args[0] in ("gcode", "verify", "part") else [
        "nest", "job.toml", "-o", "out", *args]
    res = CliRunner().invoke(main, command)
    err = res.stderr if hasattr(res, "stderr") else res.output
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert res.exit_code == code, (name, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), (name, err)
    assert "Traceback" not in err
    for s in expect:
        assert s in lines[0], (name, s, lines[0])
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
    if job is not FIFO and "job.toml" not in files:
        assert (tmp_path / "job.toml").read_text() == job  # inputs intact


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
