"""`wikicut diff` for CI: two runs of the example house with different seeds name the parts
that moved and the change in cutting time (exit 1); two identical runs are equal (exit 0);
bad input is exit 2."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import HOUSE_NEST, run_wikicut


@pytest.fixture(scope="module")
def runs(tmp_path_factory, house_run):
    """The house at its seed 1 (twice: conftest's run and one here) and at seed 7, a fixed
    search budget: deterministic. Folders a, b and c."""
    tmp = tmp_path_factory.mktemp("runs")
    (tmp / "a").symlink_to(house_run, target_is_directory=True)
    more = {"b": (), "c": ("--seed", "7")}

    def one(name: str) -> subprocess.CompletedProcess:
        return run_wikicut(*HOUSE_NEST, "-o", str(tmp / name), *more[name])

    with ThreadPoolExecutor(2) as pool:
        for res in pool.map(one, more):
            assert res.returncode == 0, res.stderr
    return tmp


@pytest.mark.xdist_group("house")
def test_identical_runs_are_equal(runs):
    res = run_wikicut("diff", str(runs / "a"), str(runs / "b"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "the same sheets, parts and moves" in res.stdout
    res = run_wikicut("diff", str(runs / "a"), str(runs / "b"), "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["equal"] is True


@pytest.mark.xdist_group("house")
def test_other_seed_names_moved_parts_and_the_change_in_cutting_time(runs, tmp_path):
    old, new = runs / "a", runs / "c"
    page = tmp_path / "diff.html"
    res = run_wikicut("diff", str(old), str(new), "--html", str(page))
    assert res.returncode == 1, res.stderr
    ra = json.loads((old / "report.json").read_text())
    rc = json.loads((new / "report.json").read_text())
    minutes = (ra["totals"]["est_seconds"] / 60, rc["totals"]["est_seconds"] / 60)
    assert minutes[0] != minutes[1]
    assert (f"estimated cutting time: {minutes[0]:.1f} min -> {minutes[1]:.1f} min "
            f"({minutes[1] - minutes[0]:+.1f} min)") in res.stdout
    # a part that stayed on its sheet but moved is named with the distance
    pos = {(s["index"], p["id"]): (p["x"], p["y"]) for s in ra["sheets"] for p in s["parts"]}
    moved = [(k, p["id"]) for s in rc["sheets"] for p in s["parts"]
             for k in [s["index"]] if (k, p["id"]) in pos
             and abs(pos[k, p["id"]][0] - p["x"]) + abs(pos[k, p["id"]][1] - p["y"]) > 0.01]
    assert moved
    for _, pid in moved:
        assert f"  moved {pid} by " in res.stdout
    assert "first differing move" in res.stdout and "program sheet-001.nc: time" in res.stdout
    data = json.loads(run_wikicut("diff", str(old), str(new), "--json").stdout)
    assert data["equal"] is False and data["sheets"] == [len(ra["sheets"]), len(rc["sheets"])]
    got = {(s["index"], m["id"]) for s in data["per_sheet"] for m in s["moved"]}
    assert got == set(moved)
    # the page overlays both layouts of each sheet
    html = page.read_text()
    svgs = [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", html, re.DOTALL)]
    assert len(svgs) == max(len(ra["sheets"]), len(rc["sheets"]))
    paths = {(e.get("class").split()[0], e.get("data-part")) for e in svgs[0]}
    assert {p for c, p in paths if c == "old"} == {p["id"] for p in ra["sheets"][0]["parts"]}
    assert {p for c, p in paths if c == "new"} == {p["id"] for p in rc["sheets"][0]["parts"]}


@pytest.mark.xdist_group("house")
def test_bad_input_is_exit_2(runs, tmp_path):
    res = run_wikicut("diff", str(runs / "a"), str(tmp_path / "nope"))
    assert res.returncode == 2 and "not a folder" in res.stderr
    res = run_wikicut("diff", str(runs / "a"), str(tmp_path))
    assert res.returncode == 2 and "not a wikicut output folder" in res.stderr


def test_parts_rows_of_one_name_are_told_apart_by_label():
    """Wall ribs 2400 and 1800 long are two rows of one name: a change in one names it."""
    from wikicut.diff.report_keys import report_changes

    def rep(short: int) -> dict:
        return {"parts": [{"name": "wall-rib", "label": "WALL RIB 2400", "quantity": 8},
                          {"name": "wall-rib", "label": "WALL RIB 1800", "quantity": short}]}

    changes = report_changes([rep(4), rep(5)], [])
    assert changes == [{"key": "parts[WALL RIB 1800].quantity", "old": 4, "new": 5}]
