"""What a run records of itself, so it can be repeated and its outputs read back: a search
of fixed iterations the time limit cut short is said (warning and report), the workers are
recorded, the profile a cutting file or a recut was cut with is the one named, gouges are
reported at the move that made them, and parts left unplaced are named in natural order."""

from __future__ import annotations

import json
import os
import pickle
import time
from pathlib import Path

import pytest
import shapely
from clirun import run

from wikicut.diff import diff_folders
from wikicut.io.profiles import load_profile
from wikicut.io.report import build_report
from wikicut.model import Layout, Part, Placement, SheetLayout, Stock
from wikicut.nest import workers
from wikicut.nest.budget import Budget, watching
from wikicut.pipeline import unplaced_message
from wikicut.verify import verify_program

ROOT = Path(__file__).resolve().parent.parent
DXF = ROOT / "examples" / "dxf-parts"
WEDGE = (ROOT / "parts" / "wedge.toml").as_posix()


def _many(folder: Path, **nest) -> Path:
    """The DXF example parts, 65 of them on about four sheets: no first layout is the last."""
    lines = ['name = "many"', "[sheet]", "width = 2440", "height = 1220", "thickness = 18",
             "margin = 15", "[nest]", "spacing = 12", "seed = 1",
             *(f"{k} = {v}" for k, v in nest.items()), "[machine]", 'profile = "grbl"']
    for file, qty in (("bracket.dxf", 14), ("shelf.dxf", 13), ("lid.dxf", 12),
                      ("feet.dxf", 14), ("plate_inch.dxf", 12)):
        lines += ["[[part]]", f'file = "{(DXF / file).as_posix()}"', f"quantity = {qty}"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "many.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- fixed iterations the time limit cut short


def test_a_fixed_budget_the_deadline_stops_notes_what_its_search_had_used():
    """A share's use is charged to its parent when its phase ends: the search had used both."""
    root = Budget(1000, time.monotonic() + 3600, fixed=True)
    root.used = 100
    phase = root.share(0.5)
    phase.used = 7
    phase.deadline = time.monotonic() - 1.0  # the overall deadline, passed
    with watching() as cut:
        assert not phase.live()
    assert root.stopped == 107 and (cut.done, cut.of) == (107, 1000)
    # spent before the deadline, or only timed: nothing to say
    for b in (Budget(5, 0.0, fixed=True), Budget(1000, 0.0, fixed=False)):
        b.used = 5 if b.fixed else 0
        with watching() as cut:
            assert not b.live()
        assert b.stopped is None and cut.done is None


def test_a_search_elsewhere_sends_back_where_the_deadline_stopped_it(tmp_path):
    """A pool's (a cluster's) searches run in other processes: each result says whether the
    deadline stopped it, and the run notes it as its own."""
    from wikicut.io.items import job_items
    from wikicut.io.job import load_job
    from wikicut.nest import nest

    job = load_job(_many(tmp_path, time_limit=1, iterations=10**9))
    seen: list = []

    def pickling(spec: workers.SearchSpec, seeds: list[int]) -> list[workers.Found]:
        got = [pickle.loads(pickle.dumps(workers.search_spec(spec, s))) for s in seeds]
        seen.extend(g[4] for g in got)
        return got

    with workers.searching_on(pickling), watching() as cut:
        nest(job_items(job), list(job.stocks), job.settings)
    assert len(seen) == 2 and all(isinstance(n, int) for n in seen), seen
    assert (cut.done, cut.of) == (min(seen), 10**9)


def test_a_run_the_time_limit_cut_short_says_so_and_records_it(tmp_path):
    job = _many(tmp_path, time_limit=1, iterations=10**9)
    res = run("nest", str(job), "-o", str(tmp_path / "cut"), "--no-gcode", "-q")
    assert res.exit_code == 0, res.output
    st = json.loads((tmp_path / "cut" / "report.json").read_text())["settings"]
    assert st["iterations"] == 10**9 and 0 <= st["iterations_done"] < 10**9
    assert (f"warning: {job}: the 1 s time limit ended the search after"
            f" {st['iterations_done']} of its 1000000000 iterations") in res.output, res.output
    assert "not reproducible" in res.output
    # iterations that fit the limit: nothing said, nothing recorded
    res = run("nest", str(job), "-o", str(tmp_path / "whole"), "--no-gcode", "-q",
              "--time-limit", "60", "--iterations", "3")
    assert res.exit_code == 0 and "warning" not in res.output, res.output
    st = json.loads((tmp_path / "whole" / "report.json").read_text())["settings"]
    assert st["iterations"] == 3 and "iterations_done" not in st


# --- workers


@pytest.mark.parametrize("given", [1, 2])
def test_the_workers_a_layout_came_from_are_recorded(tmp_path, given):
    job = _many(tmp_path, time_limit=60, iterations=2)
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode", "-q",
              "--workers", str(given))
    assert res.exit_code == 0, res.output
    st = json.loads((tmp_path / "out" / "report.json").read_text())["settings"]
    assert st["workers"] == given


# --- the profile a cutting file or a recut was cut with


def _walk(base: Path) -> Path:
    """A two-wedge job in `base`, nested with grbl into base/out (programs written)."""
    base.mkdir(parents=True, exist_ok=True)
    (base / "job.toml").write_text(
        f'name = "walk"\n[sheet]\nwidth = 1220\nheight = 610\nthickness = 18\nmargin = 15\n'
        f'[nest]\nspacing = 12\ntime_limit = 30\niterations = 1\n[[part]]\nfile = "{WEDGE}"\n'
        'quantity = 2\n[machine]\nprofile = "grbl"\n')
    res = run("nest", "job.toml", "-o", "out", "-q", cwd=base)
    assert res.exit_code == 0, res.output
    return base / "out"


def test_gcode_records_the_profile_file_it_cut_with(tmp_path):
    """A profile of the shop's own (its name no shipped one's): `wikicut diff` reads the
    programs with that file, found beside the output folder, not by its display name."""
    out = _walk(tmp_path / "job")
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "router.toml").write_text((ROOT / "profiles" / "grbl.toml").read_text()
                                      .replace('name = "GRBL"', 'name = "Our router"'))
    for dest in ("a", "b"):
        res = run("gcode", str(out / "sheet-001.dxf"), "--profile", "router.toml", "-o", dest,
                  "-q", cwd=shop)
        assert res.exit_code == 0, res.output
    st = json.loads((shop / "a" / "report.json").read_text())["settings"]
    assert st["profile"] == "Our router" and st["profile_ref"] == "router.toml"
    res = run("gcode", str(out / "sheet-001.dxf"), "--profile", "grbl", "-o", "c", "-q",
              cwd=shop)
    assert json.loads((shop / "c" / "report.json").read_text())["settings"][
        "profile_ref"] == "grbl"
    old = Path.cwd()
    os.chdir(tmp_path)  # elsewhere: the file is found beside the folders
    try:
        d = diff_folders(shop / "a", shop / "b")
    finally:
        os.chdir(old)
    assert d.equal, d


def test_a_recut_with_another_profile_records_that_profile(tmp_path):
    out = _walk(tmp_path / "job")
    for dest in ("re1", "re2"):
        res = run("recut", str(out), "wedge#1", "-o", dest, "--profile", "linuxcnc",
                  cwd=tmp_path)
        assert res.exit_code == 0, res.output
    st = json.loads((tmp_path / "re1" / "report.json").read_text())["settings"]
    assert st["profile_ref"] == "linuxcnc" and st["profile"] == load_profile("linuxcnc").name
    assert diff_folders(tmp_path / "re1", tmp_path / "re2").equal
    # without --profile, the job's
    res = run("recut", str(out), "wedge#1", "-o", "re3", cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "re3" / "report.json").read_text())["settings"][
        "profile_ref"] == "grbl"


# --- gouges at the move that made them

HEAD = "G90 G94 G17\nG21\nG0 Z20\nM3 S18000\nG4 P2\n"
TAIL = "G0 Z20\nM5\nM2\n"


def test_a_gouge_into_a_part_is_reported_at_the_move_that_cut_it():
    grbl = load_profile("grbl")
    part = Part("sq", shapely.box(0, 0, 100, 100))
    sheet = SheetLayout(1, Stock(400, 300, 18, 0), [Placement("sq#1", part, 100, 100)])
    r = grbl.tool.radius
    ring = [(100 - r, 100 - r), (200 + r, 100 - r), (200 + r, 200 + r), (100 - r, 200 + r),
            (100 - r, 100 - r)]
    path = "".join(f"G1 X{x:.3f} Y{y:.3f}\n" for x, y in ring[1:])
    text = (HEAD + f"G0 X{ring[0][0]:.3f} Y{ring[0][1]:.3f}\nG1 Z-18.3 F600\n" + path
            + "G1 X150 Y150\nG1 Z5\n" + TAIL)  # into the part after its outline
    at = text.splitlines().index("G1 X150 Y150") + 1
    (v,) = [v for v in verify_program(text, grbl, sheet=sheet) if v.kind == "gouge"]
    assert v.line == at, v


def test_a_drill_cut_too_deep_is_reported_at_the_plunge():
    from tests.test_verify import _blind_drills

    sheet, prof, lines, k = _blind_drills(load_profile("grbl"))
    text = "".join(lines[:k] + ["G1 Z-6.5\n"] + lines[k + 1:])  # the pass stated: a gouge alone
    (v,) = verify_program(text, prof, sheet=sheet)
    assert (v.kind, v.line) == ("gouge", k + 1), v


# --- parts left unplaced, in natural order


def test_unplaced_parts_are_listed_in_natural_order():
    ids = ["SHELF#10", "SHELF#11", "SHELF#5", "rib-10#1", "rib-2#3"]
    want = ["rib-2#3", "rib-10#1", "SHELF#5", "SHELF#10", "SHELF#11"]
    rep = build_report("j", Layout([], unplaced=ids, fillers_left=["w#12", "w#3"]), 12.0)
    assert [u["id"] for u in rep["unplaced"]] == want
    assert [u["id"] for u in rep["fillers_left"]] == ["w#3", "w#12"]
    assert unplaced_message(ids, 9).endswith(": " + ", ".join(want))


def test_allow_unplaced_names_the_job_in_its_warning(tmp_path):
    job = _many(tmp_path, time_limit=60, iterations=2)
    job.write_text(job.read_text().replace("margin = 15", "margin = 15\ncount = 1"))
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode", "-q",
              "--allow-unplaced")
    assert res.exit_code == 0, res.output
    (line,) = [ln for ln in res.output.splitlines() if "did not fit" in ln]
    assert line.startswith(f"warning: {job}: "), line
    names = line.split(": ", 3)[3].split(" and ")[0].split(", ")
    rep = json.loads((tmp_path / "out" / "report.json").read_text())
    assert names == [u["id"] for u in rep["unplaced"]][:12]
