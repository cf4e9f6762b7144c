"""Written programs: stops for the operator, tool changes and keep-outs.

- A spindle speed the spindle's start line cannot set (ShopBot's C6, or a profile's plain
  `M3`) was written as a stop with the spindle turning and the tool at safe height, hands
  next to a spinning cutter; the check before writing refused every such job. Now: up to
  clearance, spindle off, the stop, spindle on again and its wait.
- Keep-outs with a clamp height: where the machine stands at the start of a program and
  after a tool change or a stop is not known, so the first move across from there is made
  over the clamps (clamp + safe); the verifier holds it to that, and no longer refuses a
  move straight up over a clamp at the sheet's corner (every job with a corner clamp was
  refused).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import panel_job, panel_part, profile_copy, run_rs274

from wikicut.cli import main
from wikicut.io.profiles import load_profile
from wikicut.verify import read_program, verify_program

ROOT = Path(__file__).resolve().parent.parent



def _job(folder: Path, profile: str, tools: str, extra: str = "", sheet: str = "") -> Path:
    return panel_job(folder, profile, tools, extra, sheet, drill=2.5)


def _nest(job: Path, out: Path):
    return CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "--force", "-q"])


def _programs(out: Path, profile: str) -> list[Path]:
    ext = load_profile(profile).extension.lstrip(".")
    return sorted(out.glob(f"sheet-001*.{ext}"))


def _verify(out: Path, profile: str) -> None:
    args = [*map(str, _programs(out, profile)), "--profile", profile,
            "--sheet", str(out / "sheet-001.dxf")]
    if (out / "tool.tbl").exists():
        args += ["--tool-table", str(out / "tool.tbl")]
    res = CliRunner().invoke(main, ["verify", *args])
    assert res.exit_code == 0, res.output


def _stops(text: str, profile: str) -> list[tuple[int, bool, float]]:
    """Each stop for the operator: its line, whether the spindle turns and the Z there."""
    segs, bad = read_program(text, load_profile(profile))
    assert bad == []
    return [(s.line, s.spindle, s.start[2]) for s in segs if s.kind == "change"]


@pytest.mark.parametrize("base, subs", [
    ("shopbot", []),  # C6 cannot set a speed: TR and a PAUSE
    ("grbl", [('on = "M3 S{speed}"', 'on = "M3"')]),  # a start line without the speed
])
def test_a_speed_the_spindle_line_cannot_set_stops_with_the_spindle_off(tmp_path, base,
                                                                         subs):
    prof = profile_copy(tmp_path, base, subs)
    out = tmp_path / "out"
    res = _nest(_job(tmp_path, prof, "[1, 7]" if base == "grbl" else "[2, 7]",
                     "[machine.operations.label]\nrpm = 12000"), out)
    assert res.exit_code == 0, res.output
    _verify(out, prof)
    clearance = load_profile(prof).heights.clearance
    texts = [p.read_text() for p in _programs(out, prof)]
    assert any("set the spindle to 12000 rpm" in t for t in texts)
    stops = [s for text in texts for s in _stops(text, prof)]
    assert stops
    assert all(not on and z >= clearance - 1e-3 for _, on, z in stops), stops


def _first_moves_across(text: str, profile: str) -> list[float]:
    """The Z of the first move across after the start and after every change or stop."""
    segs, _ = read_program(text, load_profile(profile))
    out, lost = [], True
    for s in segs:
        if s.kind == "change":
            lost = True
        elif lost and s.start[:2] != s.end[:2]:
            out.append(min(s.start[2], s.end[2]))
            lost = False
    return out


@pytest.mark.parametrize("base, tools", [("linuxcnc", "[1, 7]"), ("grbl", "[1, 7]"),
                                         ("shopbot", "[2, 7]")])
def test_clamps_first_move_from_an_unknown_place_is_over_them(tmp_path, base, tools, rs274):
    """Clamps at the sheet's corner and on its far edge, 60 mm high: the job is written
    (it was refused for the rise over the corner clamp), the first move across of every
    program and after every tool change is at clamp + safe, and it verifies and runs."""
    prof = profile_copy(tmp_path, base, [("clearance = 20", "clearance = 20\nclamp = 60")])
    out = tmp_path / "out"
    res = _nest(_job(tmp_path, prof, tools,
                     sheet="keepouts = [[0, 0, 100, 100], [900, 250, 1000, 350]]"), out)
    assert res.exit_code == 0, res.output
    _verify(out, prof)
    high = load_profile(prof).heights.over_keepouts
    programs = _programs(out, prof)
    for p in programs:
        firsts = _first_moves_across(p.read_text(), prof)
        assert firsts and all(z >= high - 1e-3 for z in firsts), (p.name, firsts)
    if base == "linuxcnc":
        (ngc,) = programs
        assert len(re.findall(r"^T\d+ M6$", ngc.read_text(), re.M)) == 2
        run = run_rs274(rs274, ngc, timeout=120, tool_table=out / "tool.tbl")
        assert run.returncode == 0, run.stderr


HAND = """\
G90 G94 G17
G21
G0 Z20
M3 S18000
G4 P4
G0 X{x} Y500
G0 Z5
G1 Z-1 F600
G1 X{x2} F3000
G1 Z0
G0 Z20
M5
M2
"""


@pytest.mark.parametrize("z, box, bad", [(20, (800, 0, 900, 100), True),
                                         (65, (0, 0, 100, 100), False)])
def test_verifier_holds_the_first_move_across_to_the_clamp_clearance(z, box, bad):
    """A keep-out away from the path from X0 Y0: the first move across, from where the
    machine stands, is still held to clamp + safe (it may start anywhere); a rise straight
    up over a clamp at the corner is fine."""
    from dataclasses import replace

    import shapely

    from wikicut.model import SheetLayout, Stock

    prof = load_profile("grbl").updated(heights={"clamp": 60.0})
    text = HAND.format(x=600, x2=650)
    if z != 20:
        text = text.replace("G4 P4\n", f"G4 P4\nG0 Z{z}\n")
    sheet = SheetLayout(1, replace(Stock(width=1000, height=1000, thickness=18, margin=0),
                                   keepouts=(shapely.box(*box),)), [])
    got = [v for v in verify_program(text, prof, sheet=sheet) if v.kind == "keepout"]
    assert bool(got) == bad, got


def test_shopbot_automatic_change_sets_the_new_tools_speed(tmp_path):
    """ShopBot with an automatic changer (C9) and a rack whose tools turn at different
    speeds (T7 at 18,000 rpm, T9 12 mm at about 9,000): C6 cannot set a speed, so after the
    change to the other speed the program sets it (TR) and stops for it with the spindle
    off at clearance; before, the new tool ran at the old one's speed, told only in a
    comment nobody reads at an automatic change."""
    prof = profile_copy(tmp_path, "shopbot", [('mode = "split"', 'mode = "m6"')])
    (tmp_path / "panel.toml").write_text(panel_part(2.5))
    job = _job(tmp_path, prof, "[9, 7]").read_text().replace("spacing = 12", "spacing = 30")
    (tmp_path / "job.toml").write_text(job)
    out = tmp_path / "out"
    res = _nest(tmp_path / "job.toml", out)
    assert res.exit_code == 0, res.output
    _verify(out, prof)
    (sbp,) = _programs(out, prof)
    lines = sbp.read_text().splitlines()
    changes = [k for k, ln in enumerate(lines) if ln == "C9"]
    assert len(changes) == 2
    k = changes[1]
    new = int(next(ln for ln in reversed(lines[:k]) if ln.startswith("&Tool")).split("=")[1])
    speeds = {int(m.group(1)): float(m.group(2)) for m in (
        re.match(r"' \d\. T(\d+) .*?, (\d+) rpm", ln) for ln in lines[:20]) if m}
    assert speeds[new] != speeds[next(n for n in speeds if n != new)]
    after = lines[k + 1:k + 8]
    assert f"TR,{speeds[new]:g}" in after and "PAUSE" in after
    assert after.index("PAUSE") < after.index("C6")
    stops = _stops(sbp.read_text(), prof)
    clearance = load_profile(prof).heights.clearance
    assert all(not on and z >= clearance - 1e-3 for _, on, z in stops), stops
