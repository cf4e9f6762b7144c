"""`wikicut diff` and a sheet's program files: a sheet cut with two tools on a machine without
a changer has one program per tool (sheet-001-1-T7.nc, sheet-001-2-T1.nc) and every one is
compared, each with its own time, cut and depth; one that is missing is bad input. Also: a
sheet that is gone is said so with its program's figures, parts that left the job are told
from parts that moved to another sheet, a resized part is not "moved", GRBL programs (no T
words) still name their tools, and sheets that come to share a program name both files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import rect_part, run_wikicut

from wikicut.io.report import program_runs

ROOT = Path(__file__).resolve().parent.parent

# a 2 mm pilot the 6 mm tool cannot drill: T7 drills it (first file), T1 cuts the outline
# (jobs with the one 6 mm tool cut the plate without it)
PLATE = rect_part("plate", 300, 200) + "[[drill]]\nx = 50\ny = 50\nd = 2\ndepth_mm = 6\n"


def job(plates: int, rack: bool, per_pass: float | None = None) -> str:
    return ('name = "small"\n[sheet]\nwidth = 800\nheight = 600\nthickness = 18\n'
            "[nest]\nspacing = 12\nrotations = [0, 90]\nseed = 1\ntime_limit = 5\n"
            '[machine]\nprofile = "grbl"\n' + ("tools = [1, 7]\n" if rack else "")
            + (f"[machine.operations.outline]\nper_pass = {per_pass}\n" if per_pass else "")
            + f'[[part]]\nfile = "{"plate" if rack else "rect"}.toml"\nquantity = {plates}\n')


@pytest.fixture(scope="module")
def outs(tmp_path_factory) -> Path:
    """rack: 3 plates on one sheet, two programs; deep: the same with 2.4 mm outline passes;
    two: 8 plates on two sheets, one tool; one: 4 plates (one sheet)."""
    tmp = tmp_path_factory.mktemp("diffprog")
    (tmp / "plate.toml").write_text(PLATE)
    (tmp / "rect.toml").write_text(rect_part("plate", 300, 200))
    jobs = {"rack": job(3, True), "deep": job(3, True, 2.4), "two": job(8, False),
            "one": job(4, False)}
    for name, text in jobs.items():
        (tmp / f"{name}.toml").write_text(text)

    def nest(name: str) -> subprocess.CompletedProcess:
        return run_wikicut("nest", str(tmp / f"{name}.toml"), "-o", str(tmp / name),
                       "--iterations", "5", "-q")

    with ThreadPoolExecutor(len(jobs)) as pool:
        for res in pool.map(nest, jobs):
            assert res.returncode == 0, res.stderr
    rep = json.loads((tmp / "rack" / "report.json").read_text())
    assert [p["file"] for p in rep["sheets"][0]["programs"]] == [
        "sheet-001-1-T7.nc", "sheet-001-2-T1.nc"]
    assert len(json.loads((tmp / "two" / "report.json").read_text())["sheets"]) == 2
    assert len(json.loads((tmp / "one" / "report.json").read_text())["sheets"]) == 1
    return tmp


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def shift_first_feed(program: Path, dx: float = 40.0) -> int:
    """Move the first G1 with an X word by dx; its line number."""
    lines = program.read_text().splitlines(keepends=True)
    k = next(i for i, ln in enumerate(lines) if re.match(r"G1 X[-\d.]+", ln))
    x = float(re.match(r"G1 X([-\d.]+)", lines[k]).group(1))
    lines[k] = re.sub(r"X[-\d.]+", f"X{x + dx:.3f}", lines[k], count=1)
    program.write_text("".join(lines))
    return k + 1


def test_a_change_in_the_second_program_of_a_sheet_is_found(outs, tmp_path):
    new = copy(outs / "rack", tmp_path / "mod")
    line = shift_first_feed(new / "sheet-001-2-T1.nc")
    res = run_wikicut("diff", str(outs / "rack"), str(new))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "program sheet-001-2-T1.nc: " in res.stdout
    assert "first differing move #" in res.stdout and f"| line {line} feed to X" in res.stdout
    assert "sheet-001-1-T7.nc" not in res.stdout  # the first program is the same
    data = json.loads(run_wikicut("diff", str(outs / "rack"), str(new), "--json").stdout)
    assert [(p["old"], p["new"]) for p in data["programs"]] == [
        ("sheet-001-1-T7.nc", "sheet-001-1-T7.nc"), ("sheet-001-2-T1.nc", "sheet-001-2-T1.nc")]
    assert data["programs"][1]["first_difference"]["new_line"] == line
    assert data["programs"][0]["first_difference"] is None and data["equal"] is False


def test_a_missing_second_program_is_bad_input(outs, tmp_path):
    new = copy(outs / "rack", tmp_path / "del")
    (new / "sheet-001-2-T1.nc").unlink()
    res = run_wikicut("diff", str(outs / "rack"), str(new))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "sheet-001-2-T1.nc: program missing or unreadable" in res.stderr


def test_each_program_of_a_sheet_has_its_own_time_cut_and_depth(outs):
    """Outline passes of 2.4 mm: T1's program takes longer; the sheet's totals are given once
    for all its programs, not filed under the first; T7's depth is not the sheet's."""
    res = run_wikicut("diff", str(outs / "rack"), str(outs / "deep"))
    assert res.returncode == 1, res.stderr
    old, new = (json.loads((outs / n / "report.json").read_text())["sheets"][0]
                for n in ("rack", "deep"))
    t1 = [next(p["est_seconds"] for p in s["programs"] if p["tools"] == [1]) for s in (old, new)]
    assert t1[0] != t1[1]
    assert (f"program sheet-001-2-T1.nc: time {t1[0] / 60:.1f} min -> {t1[1] / 60:.1f} min"
            in res.stdout)
    sheet = [s["toolpath"]["est_seconds"] for s in (old, new)]
    assert (f"all its programs: time {sheet[0] / 60:.1f} min -> {sheet[1] / 60:.1f} min"
            in res.stdout)
    data = json.loads(run_wikicut("diff", str(outs / "rack"), str(outs / "deep"), "--json").stdout)
    by_file = {p["new"]: p for p in data["programs"]}
    assert by_file["sheet-001-2-T1.nc"]["deepest_mm"][1] >= 18.0  # through the sheet
    assert by_file["sheet-001-1-T7.nc"]["tools"] == [[7], [7]]
    assert by_file["sheet-001-2-T1.nc"]["tools"] == [[1], [1]]
    assert by_file["sheet-001-2-T1.nc"]["cut_length_m"][1] > by_file[
        "sheet-001-2-T1.nc"]["cut_length_m"][0]


def test_a_removed_sheet_and_parts_that_left_the_job(outs, tmp_path):
    res = run_wikicut("diff", str(outs / "two"), str(outs / "one"), "--html",
                  str(tmp_path / "d.html"))
    assert res.returncode == 1, res.stderr
    gone = json.loads((outs / "two" / "report.json").read_text())["sheets"][1]
    t, c = gone["toolpath"]["est_seconds"], gone["toolpath"]["cut_length_m"]
    assert (f"sheet 2 removed (its program sheet-002.nc: {t / 60:.1f} min, {c:.2f} m)"
            in res.stdout)
    assert "None" not in res.stdout
    for pid in ("plate#5", "plate#6", "plate#7", "plate#8"):
        assert f"  {pid} no longer in the job" in res.stdout
        assert f"removed {pid}" not in res.stdout
    html = (tmp_path / "d.html").read_text()
    assert "Sheet 2 (removed)" in html and "plate#8 no longer in the job" in html
    data = json.loads(run_wikicut("diff", str(outs / "two"), str(outs / "one"), "--json").stdout)
    s2 = next(s for s in data["per_sheet"] if s["index"] == 2)
    assert s2["status"] == "removed" and s2["programs"] == [["sheet-002.nc"], []]
    assert "plate#8" in s2["left_job"] + next(
        s for s in data["per_sheet"] if s["index"] == 1)["left_job"]


def test_a_part_moved_to_another_sheet_is_not_said_to_leave_the_job(outs, tmp_path):
    new = copy(outs / "two", tmp_path / "swap")
    rep = json.loads((new / "report.json").read_text())
    a, b = rep["sheets"][0]["parts"], rep["sheets"][1]["parts"]
    a[0], b[0] = b[0], a[0]  # ids swap sheets, the same places
    (new / "report.json").write_text(json.dumps(rep))
    res = run_wikicut("diff", str(outs / "two"), str(new))
    assert res.returncode == 1
    assert f"removed {a[0]['id']} (to sheet 1)" in res.stdout
    assert "no longer in the job" not in res.stdout
    data = json.loads(run_wikicut("diff", str(outs / "two"), str(new), "--json").stdout)
    assert [s["left_job"] for s in data["per_sheet"]] == [[], []]


def test_grbl_programs_name_their_tools(outs, tmp_path):
    new = copy(outs / "two", tmp_path / "grbl")
    shift_first_feed(new / "sheet-001.nc")
    res = run_wikicut("diff", str(outs / "two"), str(new))
    assert res.returncode == 1 and "tools [1] -> [1]" in res.stdout, res.stdout


def test_sheets_that_come_to_share_a_program_name_both_files(outs, tmp_path):
    new = copy(outs / "two", tmp_path / "shared")
    rep = json.loads((new / "report.json").read_text())
    (new / "sheet-001.nc").rename(new / "sheet-001-x2.nc")
    for s in rep["sheets"]:
        s["file_program"] = "sheet-001-x2.nc"
    (new / "report.json").write_text(json.dumps(rep))
    res = run_wikicut("diff", str(outs / "two"), str(new))
    assert res.returncode == 1
    assert "program sheet-002.nc -> sheet-001-x2.nc: " in res.stdout
    assert "program sheet-001.nc -> sheet-001-x2.nc: " in res.stdout


def test_a_resized_part_is_not_moved(outs, tmp_path):
    """A part turned 180 degrees, 20 mm shorter: its x moves with its length, its box's
    lower-left corner stays."""
    new = copy(outs / "one", tmp_path / "short")
    rep = json.loads((new / "report.json").read_text())
    p = rep["sheets"][0]["parts"][0]
    p["rotation"], p["x"], p["bbox"][2] = 180.0, p["bbox"][2] - 20, p["bbox"][2] - 20
    old = json.loads((outs / "one" / "report.json").read_text())
    q = old["sheets"][0]["parts"][0]
    q["rotation"], q["x"] = 180.0, q["bbox"][2]
    (tmp_path / "old").mkdir()
    for f in (outs / "one").iterdir():
        shutil.copy(f, tmp_path / "old")
    (tmp_path / "old" / "report.json").write_text(json.dumps(old))
    (new / "report.json").write_text(json.dumps(rep))
    res = run_wikicut("diff", str(tmp_path / "old"), str(new))
    assert res.returncode == 1
    w, h = q["bbox"][2] - q["bbox"][0], q["bbox"][3] - q["bbox"][1]
    assert f"  {p['id']} resized {w:g} x {h:g} -> {w - 20:g} x {h:g}" in res.stdout
    assert "  moved " not in res.stdout and "sheet 1: 0 moved, 1 resized," in res.stdout


def test_top_level_programs_name_every_program_file(outs):
    """Each distinct program once: a layout cut in one file per tool lists them all
    (`files`, in run order); a one-file run is written as before."""
    rep = json.loads((outs / "rack" / "report.json").read_text())
    assert rep["programs"] == [{"file": "sheet-001-1-T7.nc", "count": 1, "sheets": [1],
                                "files": ["sheet-001-1-T7.nc", "sheet-001-2-T1.nc"]}]
    listed = {f for r in rep["programs"] for f in r.get("files", [r["file"]])}
    assert listed == {p.name for p in (outs / "rack").glob("*.nc")}
    one = json.loads((outs / "one" / "report.json").read_text())
    assert one["programs"] == [{"file": "sheet-001.nc", "count": 1, "sheets": [1]}]
    assert program_runs(one["sheets"]) == one["programs"]
