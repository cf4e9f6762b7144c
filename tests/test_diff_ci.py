"""`wikicut diff` as a CI pipeline gates on it: folders cut with the shop's own profile file
are read with that file (`settings.profile_ref`, a path from the job's folder), and refused
when it is gone or changed; depths are measured from the stock top whatever the programs'
Z0; a report of the wrong types is one line of bad input (exit 2); an internal error is never
exit 1, which says "they differ"; a settings key that is null in one report and absent from
the other says which is which."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import profile_copy, rect_part

from wikicut.cli import main

JOB = ('name = "small"\n[sheet]\nwidth = 800\nheight = 600\nthickness = 18\n'
       "[nest]\nspacing = 12\nrotations = [0, 90]\nseed = 1\ntime_limit = 5\n"
       '[machine]\nprofile = "grbl"\n[[part]]\nfile = "rect.toml"\nquantity = 2\n')
SPOILBOARD = ('# z_zero = "spoilboard"', 'z_zero = "spoilboard" #')


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The command line from `cwd` (where diff looks for a profile file first)."""
    return subprocess.run([sys.executable, "-m", "wikicut.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600, check=False)


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """jobs/small.toml nested from the folder above it, into jobs/: with grbl (a), the shop's
    profile file given on the command line (s: a ShopBot, inch programs, named "Shop
    Router"), a GRBL copy still named "GRBL" with Z0 on the spoilboard (g), and without
    programs (h)."""
    tmp = tmp_path_factory.mktemp("shop")
    (tmp / "jobs").mkdir()
    (tmp / "shop").mkdir()
    (tmp / "jobs" / "small.toml").write_text(JOB)
    (tmp / "jobs" / "rect.toml").write_text(rect_part("plate", 300, 200))
    profile_copy(tmp / "shop", "shopbot", [('name = "ShopBot"', 'name = "Shop Router"')],
                 "sb.toml")
    profile_copy(tmp / "shop", "grbl", [SPOILBOARD], "sbg.toml")
    extra = {"a": (), "s": ("--profile", "shop/sb.toml"), "g": ("--profile", "shop/sbg.toml"),
             "h": ("--no-gcode",)}

    def nest(name: str) -> subprocess.CompletedProcess:
        return run(tmp, "nest", "jobs/small.toml", "-o", f"jobs/{name}", "--iterations", "5",
                   "-q", *extra[name])

    with ThreadPoolExecutor(len(extra)) as pool:
        for res in pool.map(nest, extra):
            assert res.returncode == 0, res.stderr
    return tmp


def settings(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())["settings"]


def test_a_folder_cut_with_the_shops_profile_file_is_read_with_it(shop):
    # the command line's path, recorded from the job's folder as the schema says
    assert settings(shop / "jobs" / "s")["profile_ref"] == "../shop/sb.toml"
    res = run(shop, "diff", "jobs/s", "jobs/s")  # found beside the output folder
    assert res.returncode == 0, res.stdout + res.stderr
    assert "the same sheets, parts and moves" in res.stdout
    res = run(shop / "jobs", "diff", "s", "s")  # and from the job's folder
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("change", ["gone", "z_zero", "dialect"])
def test_a_profile_file_gone_or_changed_is_refused_naming_it(shop, tmp_path, change):
    """The copy still named "GRBL" was read with the shipped GRBL profile (Z0 on the stock)
    whatever became of the file the job ran with."""
    here = tmp_path / "shop"
    shutil.copytree(shop, here, ignore=shutil.ignore_patterns("a", "h", "s"))
    prof = here / "shop" / "sbg.toml"
    if change == "gone":
        prof.unlink()
    elif change == "z_zero":
        prof.write_text(prof.read_text().replace('z_zero = "spoilboard"', 'z_zero = "stock-top"'))
    else:
        prof.write_text(prof.read_text().replace('dialect = "grbl"', 'dialect = "linuxcnc"'))
    res = run(here, "diff", "jobs/g", "jobs/g")
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "../shop/sbg.toml" in lines[0], res.stderr
    assert ("neither here nor beside the output folder" if change == "gone"
            else "changed since the job ran") in lines[0]
    assert {"z_zero": "its z_zero is 'stock-top'", "dialect": "'linuxcnc'",
            "gone": "settings.profile_ref"}[change] in lines[0]


def test_depth_is_measured_from_the_stock_top_whatever_the_zero(shop):
    """Z0 on the spoilboard: the through cut ends at Z-0.3, 18.3 mm under the stock's top,
    as with Z0 on the stock."""
    res = run(shop, "diff", "jobs/a", "jobs/g")
    assert res.returncode == 1, res.stdout + res.stderr
    line = next(ln for ln in res.stdout.splitlines() if "program sheet-001.nc" in ln)
    deepest = line.split("deepest ")[1].split(",")[0]
    old, new = (float(v.split(" mm")[0]) for v in deepest.split(" -> "))
    assert old == new and 18.0 < old < 19.0, line
    assert 'settings.z_zero: "stock-top" -> "spoilboard"' in res.stdout


@pytest.mark.parametrize("where, value, key", [
    ("totals", "x", "`totals.est_seconds`"),
    ("toolpath", "x", "`sheets[0].toolpath.est_seconds`"),
    ("profile", 3, "`settings.profile`"),
])
def test_a_report_of_the_wrong_types_is_one_line_of_bad_input(shop, tmp_path, where, value,
                                                                key):
    bad = tmp_path / "bad"
    shutil.copytree(shop / "jobs" / "a", bad)
    rep = json.loads((bad / "report.json").read_text())
    if where == "totals":
        rep["totals"]["est_seconds"] = value
    elif where == "toolpath":
        rep["sheets"][0]["toolpath"]["est_seconds"] = value
    else:
        rep["settings"]["profile"] = value
    (bad / "report.json").write_text(json.dumps(rep))
    res = run(shop, "diff", str(shop / "jobs" / "a"), str(bad))
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and "report.json" in lines[0], res.stderr
    assert "internal error" not in res.stderr


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_is_not_exit_1(shop, monkeypatch, debug):
    """A bug in the comparison (injected here: no known input reaches one) must not read
    as "the folders differ"."""
    import wikicut.diff

    def broken(old, new):
        raise RuntimeError("comparison bug")

    monkeypatch.setattr(wikicut.diff, "diff_folders", broken)
    a = str(shop / "jobs" / "a")
    res = CliRunner().invoke(main, [*(["--debug"] if debug else []), "diff", a, a])
    assert res.exit_code not in (0, 1, 2) and res.exit_code == 5, res.output
    assert "RuntimeError: comparison bug" in res.output
    assert ("Traceback" in res.output) == debug


def test_null_and_absent_settings_are_told_apart(shop):
    """With programs, work_offset is null (they select none); without, it is not written."""
    assert settings(shop / "jobs" / "a")["work_offset"] is None
    assert "work_offset" not in settings(shop / "jobs" / "h")
    res = run(shop, "diff", "jobs/a", "jobs/h")
    assert res.returncode == 1, res.stderr
    assert "report.json settings.work_offset: null -> (absent)" in res.stdout
    res = run(shop, "diff", "jobs/a", "jobs/h", "--json")
    change = next(c for c in json.loads(res.stdout)["report"]
                  if c["key"] == "settings.work_offset")
    assert change == {"key": "settings.work_offset", "old": None, "new": None,
                      "absent": "new"}
