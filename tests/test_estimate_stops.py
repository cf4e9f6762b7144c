"""The time estimate counts what the writer writes at stops and changes.

`model.timing.estimate` missed what post/writer.py adds: at a spindle-speed stop (a speed the
spindle's start line cannot set: ShopBot's C6, or a plain `M3`) the rise to clearance and the
restart with its wait; at an automatic change on such a spindle the stop for the speed; the
rise over the clamps (`heights.over_keepouts`) before the first move across at the start,
after a change and after a stop; and a rapid changing XY and Z, which the writer splits (up
first, or across then down). The estimate's lengths are now the written program's, read back
by the verifier's simulator. A sheet cut in one program per tool gave each tool two times in
report.json (`sheets[].tools[]` from where the tool before left the machine, `programs[]`
from X0 Y0); each program is now measured from where the one before leaves it, as they run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import panel_job, profile_copy

from wikicut.io.job import load_job
from wikicut.io.profiles import load_profile
from wikicut.model import Move, Operation, estimate
from wikicut.pipeline import job_profile_of, job_tooling, run_nest
from wikicut.verify import simulate

ROOT = Path(__file__).resolve().parent.parent


CLAMPS = "keepouts = [[0, 0, 100, 100], [900, 250, 1000, 350]]"


def _job(folder: Path, profile: str, tools: str, extra: str = "", sheet: str = "") -> Path:
    return panel_job(folder, profile, tools, extra, sheet, spacing=30,
                     drill=3 if tools else 6, name="est")


def _lengths(text: str, prof) -> tuple[float, float]:
    """Cut and rapid length of a program as the simulator reads it (it starts at Z0, the
    estimate at clearance: the first rise is left out)."""
    cut = rapid = 0.0
    for k, s in enumerate(simulate(text, prof)):
        if k == 0 and s.start == (0.0, 0.0, 0.0) and s.start[:2] == s.end[:2]:
            continue
        d = math.dist(s.start, s.end)
        if s.kind == "rapid":
            rapid += d
        elif s.kind == "feed":
            cut += d
    return cut, rapid


def _nest(folder: Path, base: str, subs, tools: str, extra: str = "", sheet: str = ""):
    prof = profile_copy(folder, base, subs, f"{base}-est.toml")
    job = load_job(_job(folder, prof, tools, extra, sheet))
    out = folder / "out"
    res = run_nest(job, out, force=True)
    return res, job_profile_of(job_tooling(job), job), out


SPEED_BY_HAND = [('on = "M3 S{speed}"', 'on = "M3"')]
CLAMP_HEIGHT = [("clearance = 20", "clearance = 20\nclamp = 60")]
M6 = [('mode = "split"', 'mode = "m6"')]
LABEL_RPM = "[machine.operations.label]\nrpm = 12000"


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("base, subs, tools, extra, sheet, stops", [
    ("grbl", SPEED_BY_HAND, "", LABEL_RPM, "", True),  # speed stops, the profile's tool
    ("grbl", SPEED_BY_HAND + CLAMP_HEIGHT, "", LABEL_RPM, CLAMPS, True),
    ("grbl", CLAMP_HEIGHT, "[1, 7]", "", CLAMPS, False),  # one program per tool
    ("linuxcnc", CLAMP_HEIGHT, "[1, 7]", "", CLAMPS, False),  # M6
    ("shopbot", [], "[2, 7]", LABEL_RPM, "", True),  # C6: TR and a PAUSE
    ("shopbot", M6 + CLAMP_HEIGHT, "[9, 7]", "", CLAMPS, True),  # C9 to another speed
], ids=["grbl-M3", "grbl-M3-clamps", "grbl-rack-clamps", "linuxcnc-m6-clamps",
        "shopbot-C6", "shopbot-C9-clamps"])
def test_the_estimate_moves_are_the_written_programs(tmp_path, base, subs, tools, extra,
                                                     sheet, stops):
    res, prof, out = _nest(tmp_path, base, subs, tools, extra, sheet)
    ext = prof.extension.lstrip(".")
    for k, program in enumerate(res.programs, 1):
        files = sorted(out.glob(f"sheet-{k:03d}*.{ext}"))
        text = "".join(f.read_text() for f in files)  # run in order, as one
        cut, rapid = _lengths(text, prof)
        # arcs are read back as chords: the cut to a tenth of a mm; rapids are lines
        assert program.cut_length == pytest.approx(cut, abs=0.1), (files, cut)
        assert program.rapid_length == pytest.approx(rapid, abs=0.01), (files, rapid)
        assert bool(program.stops) == stops


def _report_tools(out: Path) -> list[tuple[dict, dict]]:
    report = json.loads((out / "report.json").read_text())
    sheets = [s for s in report["sheets"] if s["tools"]]
    assert sheets
    return [(s, {p["file"]: p for p in s["programs"]}) for s in sheets]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("clamps", [False, True])
def test_report_tool_and_program_times_agree_for_one_program_per_tool(tmp_path, clamps):
    """grbl, a rack of T1 and T7 (3 mm drills: T7 is used), one program per tool: each
    tool's time and its program's are the same number, and the sheet's time is theirs plus
    the changes."""
    res, prof, out = _nest(tmp_path, "grbl", CLAMP_HEIGHT if clamps else [], "[1, 7]",
                           sheet=CLAMPS if clamps else "")
    for sheet, programs in _report_tools(out):
        assert len(programs) == len(sheet["tools"]) == 2
        for t in sheet["tools"]:
            (p,) = [p for p in programs.values() if p["tools"] == [t["number"]]]
            assert t["est_seconds"] == pytest.approx(p["est_seconds"], abs=0.11), (t, p)
        whole = sum(p["est_seconds"] for p in programs.values())
        whole += sheet["tool_changes"] * prof.changer.change_seconds
        assert sheet["toolpath"]["est_seconds"] == pytest.approx(whole, abs=0.2)


def test_a_speed_stop_rises_to_clearance_and_waits_for_the_spindle_again():
    """A plain `M3` (no speed on its start line) and an operation at another speed: the
    writer goes up from safe height to clearance, stops the spindle, stops for the operator
    and starts the spindle again with its wait."""
    p = load_profile("grbl").updated(spindle={"on": "M3", "dwell": 4.0})
    safe, clear = p.heights.safe, p.heights.clearance
    ops = [Operation("a#1", "outline", [Move("rapid", 100, 0, clear), Move("rapid", 100, 0, safe)]),
           Operation("a#1", "label", [Move("rapid", 200, 0, safe)], rpm=12000)]
    same = [ops[0], Operation("a#1", "label", ops[1].moves)]
    est, plain = estimate(ops, p), estimate(same, p)
    assert (est.stops, plain.stops) == (1, 0)
    # up to clearance and down again to safe height, on top of the plain run's moves
    assert est.rapid_length == pytest.approx(plain.rapid_length + 2 * (clear - safe))
    assert est.seconds > plain.seconds + p.spindle.dwell


def test_the_first_move_across_goes_over_the_clamps():
    p = load_profile("grbl").updated(heights={"clamp": 60.0})
    high, clear = p.heights.over_keepouts, p.heights.clearance
    ops = [Operation("a#1", "outline", [Move("rapid", 100, 100, clear)])]
    assert estimate(ops, p).rapid_length == pytest.approx(math.hypot(100, 100))
    assert estimate(ops, p, high=high).rapid_length == pytest.approx(
        math.hypot(100, 100) + 2 * (high - clear))
