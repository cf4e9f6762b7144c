"""Regression tests for the hostile inputs of issue 33 that the bad-input table cannot hold
(they check more than one line and an exit code)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from wikicut.cli import main
from wikicut.io import limits
from wikicut.io.parts import load_part

ROOT = Path(__file__).resolve().parent.parent

V_NOTCH = """\
name = "vnotch"
[[feature]]
type = "polygon"
points = [[0, 0], [300, 0], [300, 300], [160, 300], [150, 200], [140, 300], [0, 300]]
"""


def test_v_notch_gets_no_relief_down_the_notch_and_is_refused(tmp_path):
    """A V-notch 20 mm wide and 100 mm deep: a 6 mm tool reaches 70 mm down it. A dogbone at
    its apex would run 27 mm further, gouging both walls; instead the notch is refused as too
    narrow (exit 3), as a slot narrower than the tool is."""
    from wikicut.cam import plan_sheet
    from wikicut.errors import UnsafeJobError
    from wikicut.io.profiles import load_profile
    from wikicut.model import Placement, SheetLayout, Stock

    (tmp_path / "v.toml").write_text(V_NOTCH)
    part = load_part(tmp_path / "v.toml")
    sheet = SheetLayout(1, Stock(width=600, height=600, thickness=18, margin=0),
                        [Placement("v#1", part, 100, 100, 0.0)])
    try:
        plan_sheet(sheet, load_profile("grbl"))
    except UnsafeJobError as exc:
        assert "notch" in str(exc) and "narrower than the 6 mm tool" in str(exc)
    else:
        raise AssertionError("a V-notch narrower than the tool was planned")


def test_right_angle_corners_keep_their_reliefs():
    import numpy as np
    import shapely

    from wikicut.cam.offsets import relief_loop

    square = shapely.box(0, 0, 100, 100)
    ring = np.asarray(square.buffer(-3, join_style="mitre").exterior.coords)
    out = relief_loop(ring, square.boundary, 3.0, "dogbone")
    assert len(out) == len(ring) + 8  # out and back at each of the four corners


def test_a_long_chain_of_derived_names_is_no_recursion(tmp_path):
    n = limits.MAX_DERIVED
    text = V_NOTCH + "[derived]\n" + "".join(
        f'd{k} = "d{k + 1} + 1"\n' for k in range(n - 1)) + f"d{n - 1} = 1\n"
    (tmp_path / "p.toml").write_text(text)
    load_part(tmp_path / "p.toml")  # the chain is resolved in order, without recursion


def test_part_count_refused_before_any_work(tmp_path):
    """quantity = 100000 was nested for minutes; it is refused as the job is read."""
    (tmp_path / "p.toml").write_text(V_NOTCH)
    (tmp_path / "job.toml").write_text(
        '[sheet]\nwidth = 1220\nheight = 1220\nthickness = 18\n'
        '[[part]]\nfile = "p.toml"\nquantity = 4000\n[[part]]\nfile = "p.toml"\n'
        'quantity = 4000\n')
    t0 = time.monotonic()
    res = CliRunner().invoke(main, ["nest", str(tmp_path / "job.toml"), "-o",
                                    str(tmp_path / "out"), "--time-limit", "3"])
    assert res.exit_code == 2 and "8000 parts after quantities" in res.output, res.output
    assert time.monotonic() - t0 < 5


def test_program_file_from_dev_zero_is_refused(tmp_path):
    (tmp_path / "a.nc").symlink_to("/dev/zero")
    res = CliRunner().invoke(main, ["verify", str(tmp_path / "a.nc"), "--profile", "grbl"])
    assert res.exit_code == 2 and "not a regular file" in res.output


def test_counts_agree_when_parts_do_not_fit(tmp_path):
    """The house on one sheet: the last progress line, the summary and the warning give the
    same count of placed and unplaced parts (a stale first progress line said 39/71 while 23
    of 71 did not fit)."""
    job = (ROOT / "examples" / "house" / "job.toml").read_text()
    job = job.replace("../../parts", str(ROOT / "parts")).replace("[sheet]", "[sheet]\ncount = 1")
    (tmp_path / "job.toml").write_text(job)
    res = subprocess.run([sys.executable, "-m", "wikicut.cli", "nest", "job.toml", "-o", "out",
                          "--no-gcode", "--time-limit", "6", "--allow-unplaced"], check=False,
                         cwd=tmp_path,
                         capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    progress = re.findall(r"(\d+)/(\d+) placed", res.stderr)
    placed, total = map(int, progress[-1])
    summary = int(re.search(r"(\d+) parts? on 1 sheet,", res.stdout).group(1))
    unplaced = int(re.search(r"warning: job\.toml: (\d+) of 71 parts did not fit",
                             res.stderr).group(1))
    used = re.findall(r"(\d+\.\d)% used", res.stderr)[-1]
    assert f"{used}% used" in res.stdout, (res.stdout, res.stderr)
    assert placed == summary and placed + unplaced == total == 71, (res.stdout, res.stderr)


def test_the_tests_neither_flake_nor_hide(monkeypatch):
    """Case 10: rs274 runs with a HOME of its own (it maps $HOME/.tool.mmap shared, so two at
    once crash each other); no seed from hash() (salted per interpreter, not replayable); no
    skip or silent return for a project module that stops importing, nor for a tool or file
    CI has (importorskip only where CI=true fails instead); the MicroHouse file from
    examples/, not ../shared."""
    import conftest

    tests = Path(__file__).resolve().parent
    for path in sorted(tests.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for k, line in enumerate(lines):
            where = f"{path.name}:{k + 1}"
            if re.search(r"subprocess\.run\(\[rs274\b", line):
                call = "\n".join(lines[max(0, k - 3):k + 6])
                assert "HOME" in call, f"{where}: rs274 without a HOME of its own (run_rs274)"
            assert not re.search(r"(?<![\w.])hash\([^)]", line), f"{where}: hash() is salted"
            if re.search(r"except\s+(ImportError|ModuleNotFoundError)", line):
                handler = "\n".join(lines[k + 1:k + 4])
                assert 'environ.get("CI")' in handler and "return" not in handler, \
                    f"{where}: a module that stops importing is hidden"
            if "importorskip(" in line and "def " not in line:
                guard = "\n".join(lines[max(0, k - 3):k])
                assert 'environ.get("CI")' in guard, f"{where}: importorskip under CI=true"
    assert conftest.WIKIHOUSE_DXF.is_relative_to(ROOT / "examples")
    assert conftest.WIKIHOUSE_DXF.is_file()
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(conftest.shutil, "which", lambda name: None)
    monkeypatch.setattr(conftest.os.path, "exists", lambda p: False)
    import pytest

    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        conftest.find_rs274()


def test_outlines_on_a_frozen_layer_are_not_cut_and_said(tmp_path):
    """Case 2 (a layer switched off is in test_dxfio): what the designer froze is hidden in
    their CAD, so it is not cut, and the warning names the layer."""
    import ezdxf
    import pytest

    from wikicut.errors import InputWarning
    from wikicut.io.dxf import read_dxf_parts

    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    doc.layers.add("OLD-VERSION").freeze()
    msp = doc.modelspace()
    for x, layer in ((0, "0"), (400, "OLD-VERSION")):
        msp.add_lwpolyline([(x, 0), (x + 300, 0), (x + 300, 300), (x, 300)], close=True,
                           dxfattribs={"layer": layer})
    doc.saveas(tmp_path / "f.dxf")
    with pytest.warns(InputWarning, match="frozen are not cut: .*OLD-VERSION"):
        parts = read_dxf_parts(tmp_path / "f.dxf")
    assert len(parts) == 1 and parts[0].outline.bounds == (0, 0, 300, 300)
