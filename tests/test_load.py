"""Load: a several-hundred-part job end to end, Ctrl-C during the G-code stage of the whole
house. The kernels' tests against their references are in test_arcfit and test_toolpath."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import as_from_a_shell

ROOT = Path(__file__).resolve().parent.parent
WHOLE_HOUSE = ROOT / "examples" / "whole-house" / "job.toml"


def scaled_job(tmp_path: Path, divide: int, time_limit: float,
               iterations: int | None = None) -> tuple[Path, int]:
    """The whole-house job with every quantity divided (at least 1), the given nest time and,
    given, search budget, written to tmp_path with absolute part paths. Returns (path, number
    of parts)."""
    text = WHOLE_HOUSE.read_text(encoding="utf-8")
    total = 0

    def qty(m: re.Match) -> str:
        nonlocal total
        q = max(1, int(m.group(1)) // divide)
        total += q
        return f"quantity = {q}"

    text = re.sub(r"^quantity = (\d+)", qty, text, flags=re.MULTILINE)
    parts = (ROOT / "parts").as_posix()
    text = text.replace('file = "../../parts/', f'file = "{parts}/')
    budget = f"\niterations = {iterations}" if iterations is not None else ""
    text = re.sub(r"^time_limit = .*$", f"time_limit = {time_limit:g}{budget}", text,
                  flags=re.MULTILINE)
    path = tmp_path / "job.toml"
    path.write_text(text, encoding="utf-8")
    return path, total


@pytest.mark.slow
def test_several_hundred_parts_end_to_end(tmp_path):
    """~300 parts nested and written: one program, DXF and SVG per sheet, every part placed
    once, and report counts that agree with the files and the programs."""
    # a fixed budget (the time limit only a cap): the same layout on any machine
    job, n_parts = scaled_job(tmp_path, divide=5, time_limit=60, iterations=30)
    assert 250 <= n_parts <= 350
    out = tmp_path / "out"
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "wikicut.cli", "nest", str(job), "-o", str(out),
                           "-v"], check=False, capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "nest:" in proc.stderr and "gcode:" in proc.stderr  # progress of both long stages
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    sheets = report["sheets"]
    n = len(sheets)
    assert n >= 20
    runs = {r["file"]: r for r in report["programs"]}
    assert sorted(p.name for p in out.glob("*.nc")) == sorted(runs)  # each layout once
    for k in range(1, n + 1):
        for ext in ("dxf", "svg"):
            f = out / f"sheet-{k:03d}.{ext}"
            assert f.exists() and f.stat().st_size > 0, f
        run = runs[sheets[k - 1]["file_program"]]
        first = run["sheets"][0]
        assert run["file"] == f"sheet-{first:03d}" + (f"-x{run['count']}" if run["count"] > 1
                                                      else "") + ".nc"
        assert k in run["sheets"] and len(run["sheets"]) == run["count"]
        text = (out / run["file"]).read_text(encoding="utf-8")
        assert text.endswith("M2\n")  # the grbl footer: the program is complete
        deepest = min(float(z) for z in re.findall(r"Z(-?[\d.]+)", text))
        assert -18.3 - 0.5 - 1e-9 <= deepest <= -18.3  # through the stock, within overcut
        assert sheets[k - 1]["toolpath"]["cut_length_m"] > 0
    assert not list(out.glob(f"sheet-{n + 1:03d}.*"))
    placed = [p["id"] for s in sheets for p in s["parts"]]
    assert len(placed) == n_parts == len(set(placed))
    assert report["unplaced"] == []
    print(f"\n{n_parts} parts on {n} sheets in {elapsed:.1f} s")


def _interrupt_after(args: list[str], marker: str):
    proc = subprocess.Popen([sys.executable, "-m", "wikicut.cli", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=as_from_a_shell)
    seen = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            proc.send_signal(signal.SIGINT)
            break
    _, err = proc.communicate(timeout=120)
    return proc, "".join(seen) + err


@pytest.mark.slow
def test_ctrl_c_while_writing_programs_leaves_no_output(tmp_path):
    """The whole house interrupted in the G-code stage (after the nesting is done): exit 4,
    one line, no output folder and no staging folder left behind."""
    job, _ = scaled_job(tmp_path, divide=1, time_limit=2)
    out = tmp_path / "out"
    # repeated layouts share a program, so which sheet numbers the stage names depends on
    # the layout: any program line will do
    proc, err = _interrupt_after(["nest", str(job), "-o", str(out), "-v"], "gcode: sheet ")
    assert "gcode: sheet " in err, err[-2000:]
    assert proc.returncode == 4, err[-2000:]
    assert "interrupted" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
