"""One run at a time on a shop's remnant inventory: two runs that both found the file
unchanged both rewrote it (one draw lost, one offcut cut twice). The OS lock beside it is
held from the read to the rewrite; another process is refused in one line, and a run that
died holding it blocks nobody. Every contender here is a process of its own."""

from __future__ import annotations

import gc
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, rect_part

from wikicut.cli import main
from wikicut.errors import InputError, WikicutError
from wikicut.io.job import load_job
from wikicut.io.remnants import inventory_lock
from wikicut.pipeline import run_nest

INVENTORY = """\
next_id = 5

[[sheet]]
id = "R0004"
material = "Plywood"
thickness = 18
width = 1000
height = 700
margin = 10
"""

JOB = """\
name = "plates"
[[sheet]]
width = 2440
height = 1220
thickness = 18
[nest]
spacing = 12
seed = 1
iterations = 30
time_limit = 30
workers = 1
[machine]
profile = "grbl"
tool_diameter = 6.35
[[part]]
file = "plate.toml"
quantity = 2
params = {{ w = {w}, h = 200 }}
[remnants]
min_width = 150
min_area_m2 = 0.05
"""

# `wikicut nest` in a process of its own, waiting `seconds` for the lock (not the default)
CONTENDER = """\
import sys
from wikicut.io.remnants import inventory_lock
inventory_lock.LOCK_SECONDS = float(sys.argv[1])
from wikicut.cli import main
main(sys.argv[2:], prog_name="wikicut")
"""

# a run that has read the job and its inventory (what `wikicut nest` does first), then
# waits for the test to close its stdin
HOLDER = """\
import sys
from wikicut.io.job import load_job
job = load_job(sys.argv[1], inventory=sys.argv[2])
print("read", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    (tmp_path / "plate.toml").write_text(rect_part("plate", 300, 200))
    (tmp_path / "job.toml").write_text(JOB.format(w=300))
    (tmp_path / "big.toml").write_text(JOB.format(w=3000))  # larger than the sheet: exit 3
    inv = tmp_path / "shop.toml"
    inv.write_text(INVENTORY)
    return inv


def nest_args(shop: Path, out: str, job: str = "job.toml") -> list[str]:
    return ["nest", str(shop.parent / job), "-o", str(shop.parent / out), "--inventory",
            str(shop), "--no-gcode", "-q"]


def contender(shop: Path, out: str, seconds: float = 0.2) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CONTENDER, str(seconds), *nest_args(shop, out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)


def locked_elsewhere(shop: Path) -> bool:
    """Whether another process finds the inventory locked (it does not wait)."""
    probe = ("import sys; from pathlib import Path; from wikicut.io.remnants import"
             " InventoryLock; from wikicut.errors import InputError\n"
             "try:\n    InventoryLock(Path(sys.argv[1]), seconds=0)\n"
             "except InputError:\n    sys.exit(7)\n")
    res = subprocess.run([sys.executable, "-c", probe, str(shop)], capture_output=True,
                         text=True, cwd=ROOT, timeout=120, check=False)
    assert res.returncode in (0, 7), res.stderr
    return res.returncode == 7


def refused_line(res_stderr: str, shop: Path) -> str:
    lines = res_stderr.strip().splitlines()
    assert len(lines) == 1, res_stderr
    assert lines[0].startswith(f"error: {shop}: another wikicut run is drawing on this"
                               " remnant inventory"), lines[0]
    assert f".{shop.name}.lock" in lines[0] and "nothing was written" in lines[0]
    return lines[0]


def test_a_run_reading_the_inventory_while_another_holds_it_is_refused_in_one_line(shop):
    """This process reads the job and its inventory (as `wikicut nest` does first), so it
    holds the lock: a `wikicut nest` process drawing on the same inventory meanwhile is
    refused (exit 2, one line naming the inventory) and writes nothing; once this run has
    rewritten the inventory, that run draws on the new one."""
    job = load_job(shop.parent / "job.toml", inventory=shop)
    res = contender(shop, "out-b")
    assert res.returncode == 2, res.stdout + res.stderr
    refused_line(res.stderr, shop)
    assert not (shop.parent / "out-b").exists() and shop.read_text() == INVENTORY

    run_nest(job, shop.parent / "out-a", gcode=False)
    after_a = shop.read_text()
    assert after_a != INVENTORY and not locked_elsewhere(shop)
    res = contender(shop, "out-b")
    assert res.returncode == 0, res.stdout + res.stderr
    # b drew on what a wrote: no id given out twice, a's remnants offered to b
    a_ids = {s["id"] for s in tomllib.loads(after_a).get("sheet", [])}
    b_new = {s["id"] for s in tomllib.loads((shop.parent / "out-b" / "remnants.toml")
                                            .read_text()).get("sheet", [])}
    assert not a_ids & b_new
    assert tomllib.loads(shop.read_text())["next_id"] > tomllib.loads(after_a)["next_id"]


def test_a_run_killed_holding_the_lock_blocks_nobody(shop, monkeypatch):
    """Another process has read the inventory and holds its lock: this run is refused in one
    line. That process is then killed (kill -9, as a crash): the lock dies with it, and the
    next run draws on the inventory at once; the lock file stays beside the inventory,
    unread, and out of the outputs."""
    monkeypatch.setattr(inventory_lock, "LOCK_SECONDS", 0.2)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(shop.parent / "job.toml"),
                               str(shop)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline() == "read\n", holder.stderr.read()
        res = CliRunner().invoke(main, nest_args(shop, "out"))
        assert res.exit_code == 2, res.output
        refused_line(res.output, shop)
        assert not (shop.parent / "out").exists() and shop.read_text() == INVENTORY
    finally:
        holder.kill()
        holder.wait(timeout=60)
    res = CliRunner().invoke(main, nest_args(shop, "out"))
    assert res.exit_code == 0, res.output
    assert shop.read_text() != INVENTORY
    assert (shop.parent / ".shop.toml.lock").exists()
    assert not any(p.name.endswith(".lock") for p in (shop.parent / "out").iterdir())


def test_the_lock_is_held_from_the_read_and_given_back_however_the_run_ends(shop):
    """Held once the job is read; given back when the run ends: refused (exit 3, nothing
    written), done, or never run (the job dropped)."""
    big = load_job(shop.parent / "big.toml", inventory=shop)
    assert locked_elsewhere(shop)
    with pytest.raises(WikicutError) as err:
        run_nest(big, shop.parent / "out-big", gcode=False)
    assert err.value.exit_code == 3 and shop.read_text() == INVENTORY
    assert not locked_elsewhere(shop)

    unrun = load_job(shop.parent / "job.toml", inventory=shop)
    assert locked_elsewhere(shop)
    del unrun
    gc.collect()
    assert not locked_elsewhere(shop)


def test_jobs_read_in_one_process_share_its_hold(shop):
    """The API may read two jobs on one inventory before running either: the second is not
    refused by the first's lock (one process), the lock stays held until both are done, and
    the second, run after the first rewrote the inventory, is refused by the check that
    nothing drew on it since."""
    a = load_job(shop.parent / "job.toml", inventory=shop)
    b = load_job(shop.parent / "job.toml", inventory=shop)
    run_nest(a, shop.parent / "out-a", gcode=False)
    assert locked_elsewhere(shop)
    with pytest.raises(InputError, match="changed while this job ran"):
        run_nest(b, shop.parent / "out-b", gcode=False)
    assert not locked_elsewhere(shop) and not (shop.parent / "out-b").exists()


def test_the_wait_is_documented():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"waits {inventory_lock.LOCK_SECONDS:g} s, then is refused" in text
