"""The shipped MicroHouse example (issue 2: every part of the real WikiHouse cutting file
re-nested onto standard sheets) cut with its rack (issue 32): T1, the 6 mm compression spiral,
for outlines, holes and pockets; T7, the 2.5 mm end mill, for the 2 mm screw pilots and what
the 6 mm cannot reach. Every sheet's programs, in order, must pass `wikicut verify` against
the sheet, and rs274 (with the written tool table where the dialect changes tools by M6)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_rs274

from wikicut.cli import main

ROOT = Path(__file__).resolve().parent.parent
MICROHOUSE = ROOT / "examples" / "microhouse" / "job.toml"
RACK = {"T1": 6.0, "T7": 2.5}


def _nest(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wikicut.cli", "nest", str(MICROHOUSE), "-o",
                           str(out), "--time-limit", "10", "--iterations", "5", "-q", *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)


def _check_layout(out: Path) -> dict:
    """Every part once, spacing and margin kept: read back from the written sheet DXFs."""
    from wikicut.io.dxf import read_cutting_file
    from wikicut.model import Layout
    from wikicut.nest import verify_layout

    report = json.loads((out / "report.json").read_text())
    sheets = []
    for s in report["sheets"]:
        (sheet,) = read_cutting_file(out / s["file_dxf"])
        sheet.stock = type(sheet.stock)(**{**sheet.stock.__dict__,
                                           "margin": s["stock"]["margin"]})
        assert len(sheet.placements) == len(s["parts"]), s["file_dxf"]
        sheets.append(sheet)
    assert verify_layout(Layout(sheets), 12.0 - 0.01) == []
    assert report["unplaced"] == [] and report["totals"]["placed"] == 103
    assert sorted({p["name"] for s in report["sheets"] for p in s["parts"]}) == sorted(
        f"MicroHouse_othercomponents_v0.5-{k}" for k in range(1, 104))
    assert 20 <= report["totals"]["sheets"] <= 27  # the original file lays them out on 27
    return report


def _rs274_clean(exe: str, program: Path, table: Path | None) -> None:
    res = run_rs274(exe, program, timeout=300, tool_table=table)
    assert res.returncode == 0, f"{program.name}: {res.stdout[-800:]}{res.stderr[-800:]}"
    assert "error" not in res.stdout.lower().replace("error_", ""), res.stdout[-800:]


@pytest.mark.slow
def test_microhouse_cuts_with_its_rack_one_program_per_tool(tmp_path, rs274):
    """GRBL has no M6: a sheet with 2 mm pilots is two programs, T7's pilots (and labels)
    first, then T1's outlines, checked together against the sheet (one alone is refused,
    naming the other: its contours would be left uncut); a sheet without is one program,
    T1's, labels included."""
    out = tmp_path / "out"
    res = _nest(out)
    assert res.returncode == 0, res.stderr
    assert [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")] == [
        ln for ln in res.stderr.splitlines() if ln.strip()]  # the reading notices only
    report = _check_layout(out)
    racks = []
    for k in range(1, report["totals"]["sheets"] + 1):
        progs = sorted(out.glob(f"sheet-{k:03d}*.nc"))
        tools = [re.search(r"\(tool: (T\d+) ([\d.]+) mm ", p.read_text()[:1500]).groups()
                 for p in progs]
        assert all(RACK[n] == float(d) for n, d in tools), tools
        racks.append([n for n, _ in tools])
        for p in progs:
            _rs274_clean(rs274, p, None)
        res = CliRunner().invoke(main, ["verify", *map(str, progs), "--profile", "grbl",
                                        "--sheet", str(out / f"sheet-{k:03d}.dxf"),
                                        "--material", "plywood"])
        assert res.exit_code == 0, res.output
        if len(progs) > 1:
            alone = CliRunner().invoke(main, ["verify", str(progs[0]), "--profile", "grbl",
                                              "--sheet", str(out / f"sheet-{k:03d}.dxf")])
            # the outlines are T1's: one program of the set alone is refused, naming the other
            assert alone.exit_code == 2 and "given without program 2" in alone.output
    assert ["T7", "T1"] in racks  # the pilots need T7 on some sheets
    assert {tuple(r) for r in racks} <= {("T7", "T1"), ("T1",)}  # no change for labels alone


@pytest.mark.slow
def test_microhouse_rack_with_a_tool_changer(tmp_path, rs274):
    """LinuxCNC: one program a sheet, T7 M6 then T1 M6 where the sheet has pilots, with the
    tool table written beside them; rs274 runs each with that table and the verifier reads
    the diameters from it."""
    out = tmp_path / "out"
    res = _nest(out, "--profile", "linuxcnc")
    assert res.returncode == 0, res.stderr
    report = _check_layout(out)
    table = out / "tool.tbl"
    assert [ln.split()[0] for ln in table.read_text().splitlines()] == ["T1", "T7"]
    for k in range(1, report["totals"]["sheets"] + 1):
        prog = out / f"sheet-{k:03d}.ngc"
        text = prog.read_text()
        assert re.findall(r"^T(\d+) M6", text, re.MULTILINE) in (["7", "1"], ["1"]), prog.name
        _rs274_clean(rs274, prog, table)
        res = CliRunner().invoke(main, ["verify", str(prog), "--profile", "linuxcnc",
                                        "--sheet", str(out / f"sheet-{k:03d}.dxf"),
                                        "--tool-table", str(table), "--material", "plywood"])
        assert res.exit_code == 0, res.output
