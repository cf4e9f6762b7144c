"""Re-running a job into its own output folder (--force) with a shop's remnant inventory:
the folder's own draw on the inventory (inventory-undo.json) is undone first, so the re-run
cuts the remnants the first run took, not the first run's leftovers (the QA walk's double
spend: job-b re-run with another seed left R0001 spent and cut R0002, R0001's own leftover)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.job import load_job
from wikicut.pipeline import run_nest

ROOT = Path(__file__).resolve().parent.parent
# a fixed search (byte-identical layouts run to run); the time limit only caps it, far
# above what 50 iterations take, so a busy machine cannot cut a run short and change it
UNDO_FILE = "inventory-undo.json"  # the record, named as the docs name it
RUN = ["--iterations", "50", "--workers", "1", "--time-limit", "30", "--no-gcode"]


@pytest.fixture
def here(tmp_path: Path) -> Path:
    """examples/remnants in a scratch folder, its parts at ../../parts as in the repository."""
    folder = tmp_path / "ex" / "remnants"
    folder.mkdir(parents=True)
    for name in ("job-a.toml", "job-b.toml"):
        shutil.copy(ROOT / "examples" / "remnants" / name, folder / name)
    shutil.copytree(ROOT / "parts", tmp_path / "parts")
    return folder


def nest(here: Path, job: str, out: str, *extra: str, inventory: str = "inv.toml",
         code: int = 0, gcode: bool = False) -> str:
    args = ["nest", str(here / job), "-o", str(here / out), "--inventory",
            str(here / inventory), *RUN, *extra]
    if gcode:
        args.remove("--no-gcode")
    res = CliRunner().invoke(main, args)
    assert res.exit_code == code, res.output
    # the count the write stage says is the one the summary says (remnants.toml and the
    # inventory's undo record included)
    said = re.findall(r"write: (\d+) files", res.output)
    wrote = re.findall(r"wrote (\d+) files", res.output)
    assert said == wrote, res.output
    return res.output


def cut_a_then_b(here: Path) -> tuple[str, str]:
    """The README's pair: the beams leave R0001, the joinery is cut on it and leaves R0002.
    The inventory's text after each."""
    nest(here, "job-a.toml", "out-a")
    after_a = (here / "inv.toml").read_text()
    out = nest(here, "job-b.toml", "out-b")
    assert "cut on R0001; 1 kept (R0002)" in out
    return after_a, (here / "inv.toml").read_text()


def record(folder: Path) -> dict:
    return json.loads((folder / UNDO_FILE).read_text())


def snapshot(here: Path) -> dict[str, bytes]:
    """Every file under the scratch folder (the inventory, every output folder), and no
    staging folder left beside them."""
    return {str(p.relative_to(here)): p.read_bytes() for p in sorted(here.rglob("*"))
            if p.is_file()}


def shifted(text: str) -> str:
    """One cut of job-b as the inventory holds it after a re-run: the same tables, but its
    new remnant is R0003, not the R0002 the replaced run gave out (ids are never given
    twice)."""
    assert text.count('id = "R0002"') == 1 and text.count("next_id = 3") == 1
    return text.replace('id = "R0002"', 'id = "R0003"').replace("next_id = 3", "next_id = 4")


def test_each_run_records_its_draw_on_the_inventory_in_its_folder(here):
    after_a, after_b = cut_a_then_b(here)
    a, b = record(here / "out-a"), record(here / "out-b")
    inv = str((here / "inv.toml").resolve())
    assert a == {"schema": "wikicut-inventory-undo/1", "inventory": inv, "before": None,
                 "sha256": a["sha256"], "took": [], "added": ["R0001"], "next_id": 2}
    assert b == {"schema": "wikicut-inventory-undo/1", "inventory": inv, "before": after_a,
                 "sha256": b["sha256"], "took": ["R0001"], "added": ["R0002"], "next_id": 3}
    assert b["sha256"] == hashlib.sha256(after_b.encode()).hexdigest()


def test_a_forced_rerun_undoes_its_folders_draw_and_cuts_the_remnant_again(here):
    """The QA walk: job-b re-run into out-b/ with --force read the updated inventory, so
    R0001 stayed spent and R0002 (R0001's own leftover) was offered. Now the re-run starts
    from the inventory as out-b/'s run read it: R0001 is cut again, and the inventory is
    what one cut of job-b leaves (its new remnant R0003). Again, and it is still so."""
    after_a, after_b = cut_a_then_b(here)
    out = nest(here, "job-b.toml", "out-b", "--force")
    assert (f"{here / 'out-b'}/ was cut from {here / 'inv.toml'} before: its draw (took R0001,"
            " added R0002) is undone first") in out
    assert "cut on R0001; 1 kept (R0003)" in out
    assert (here / "inv.toml").read_text() == shifted(after_b)
    assert [s["id"] for s in tomllib.loads((here / "out-b" / "remnants.toml").read_text())
            ["sheet"]] == ["R0003"]
    rec = record(here / "out-b")  # still from the inventory before job-b: undoable again
    assert (rec["before"], rec["took"], rec["added"]) == (after_a, ["R0001"], ["R0003"])

    out = nest(here, "job-b.toml", "out-b", "--force")
    assert "its draw (took R0001, added R0003) is undone first" in out
    assert "cut on R0001; 1 kept (R0004)" in out
    assert (here / "inv.toml").read_text() == shifted(after_b).replace(
        "R0003", "R0004").replace("next_id = 4", "next_id = 5")


def test_an_inventory_restored_by_hand_has_nothing_to_undo(here):
    """The operator put the inventory back as it was before out-b/: the re-run draws on it
    as it is (no undo said), its ids still past those out-b/ gave out."""
    after_a, after_b = cut_a_then_b(here)
    (here / "inv.toml").write_text(after_a)
    out = nest(here, "job-b.toml", "out-b", "--force")
    assert "undone" not in out and "cut on R0001; 1 kept (R0003)" in out
    assert (here / "inv.toml").read_text() == shifted(after_b)


def test_an_inventory_other_jobs_drew_on_since_is_refused_and_nothing_changes(here):
    """Neither what out-b/'s run wrote nor what it read: undoing would lose the other
    draws, replacing without undoing would spend R0001 twice. Exit 2, one line; the
    inventory and the folder untouched."""
    _, after_b = cut_a_then_b(here)
    other = after_b.replace("next_id = 3", "next_id = 7")  # another job gave out ids since
    (here / "inv.toml").write_text(other)
    before = snapshot(here)
    res = CliRunner().invoke(main, ["nest", str(here / "job-b.toml"), "-o", str(here / "out-b"),
                                    "--inventory", str(here / "inv.toml"), "--force", *RUN])
    assert res.exit_code == 2, res.output
    line = res.output.strip()
    assert "\n" not in line
    assert f"{here / 'inv.toml'}: {here / 'out-b'}/ was cut from this inventory" in line
    assert "(took R0001, added R0002)" in line and "changed since" in line
    assert "write to a new folder, or restore the inventory by hand" in line
    assert snapshot(here) == before
    # no staging folder left; the inventory's lock file stays (io/remnants/inventory_lock.py)
    assert sorted(p.name for p in here.iterdir()) == [".inv.toml.lock", "inv.toml", "job-a.toml",
                                                      "job-b.toml", "out-a", "out-b"]


def test_a_rerun_that_fails_leaves_the_folder_and_the_inventory_as_they_were(here):
    """A re-run refused after the undo was decided (a profile that does not exist, read in
    the run) or interrupted before its folder is in place changes nothing: out-b/ and its
    record stay, the inventory stays what out-b/'s run wrote, and the next re-run still
    undoes that draw."""
    _, after_b = cut_a_then_b(here)
    bad = (here / "job-b.toml").read_text().replace('profile = "grbl"',
                                                   'profile = "no-such-machine"')
    assert bad != (here / "job-b.toml").read_text()
    (here / "job-bad.toml").write_text(bad)
    before = snapshot(here)
    out = nest(here, "job-bad.toml", "out-b", "--force", gcode=True, code=2)
    assert "its draw (took R0001, added R0002) is undone first" in out
    assert "no-such-machine" in out
    assert snapshot(here) == before

    job = load_job(here / "job-b.toml", iterations=50, time_limit=30,
                   inventory=here / "inv.toml", replacing=here / "out-b")
    assert job.inventory.undone is not None

    def interrupt(stage, frac, msg):
        if stage == "write":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_nest(job, here / "out-b", gcode=False, force=True, progress=interrupt)
    assert snapshot(here) == before

    out = nest(here, "job-b.toml", "out-b", "--force")
    assert "its draw (took R0001, added R0002) is undone first" in out
    assert (here / "inv.toml").read_text() == shifted(after_b)


def test_a_folder_recording_another_inventory_is_simply_replaced(here):
    """out-b/ drew on inv.toml; a re-run into it with another inventory file undoes nothing
    (its draw is not on that file) and draws on that one as it is; inv.toml stays."""
    after_a, after_b = cut_a_then_b(here)
    (here / "other.toml").write_text(after_a)
    out = nest(here, "job-b.toml", "out-b", "--force", inventory="other.toml")
    assert "undone" not in out and "cut on R0001; 1 kept (R0002)" in out
    assert (here / "other.toml").read_text() == after_b  # as a first cut of job-b
    assert (here / "inv.toml").read_text() == after_b
    assert record(here / "out-b")["inventory"] == str((here / "other.toml").resolve())


def test_without_force_or_into_a_new_folder_the_inventory_is_drawn_on_as_it_is(here):
    """The record is read only by a run that replaces its folder: a new folder cuts what
    the inventory holds now (R0002, out-b/'s leftover), and out-b/ without --force is
    refused as before."""
    _, after_b = cut_a_then_b(here)
    nest(here, "job-b.toml", "out-b", code=2)
    job = load_job(here / "job-b.toml", iterations=50, time_limit=30,
                   inventory=here / "inv.toml", replacing=None)
    assert job.inventory.undone is None and "R0002" in job.inventory.sources
    assert (here / "inv.toml").read_text() == after_b


def test_the_api_refuses_a_forced_run_that_would_skip_or_misplace_the_undo(here):
    """load_job without `replacing` and run_nest(force=True) into the folder would spend
    R0001 twice; an inventory read undoing out-b/'s draw written elsewhere would leave
    out-b/ beside an inventory without its draw. Both refused before anything is written."""
    cut_a_then_b(here)
    before = snapshot(here)
    plain = load_job(here / "job-b.toml", iterations=50, inventory=here / "inv.toml")
    with pytest.raises(InputError, match="so that draw is undone first"):
        run_nest(plain, here / "out-b", gcode=False, force=True)
    undone = load_job(here / "job-b.toml", iterations=50, inventory=here / "inv.toml",
                      replacing=here / "out-b")
    with pytest.raises(InputError, match="must replace that folder"):
        run_nest(undone, here / "out-c", gcode=False, force=True)
    with pytest.raises(InputError, match="must replace that folder"):
        run_nest(undone, here / "out-b", gcode=False, force=False)
    assert snapshot(here) == before


def cut_c_from_a(here: Path):
    """Job c: job b's parts on out-a/remnants.toml (`from`) beside a sheet of its own, no
    inventory given."""
    text = (here / "job-b.toml").read_text()
    text = text.replace("[sheet]\n", "[[sheet]]\n", 1).replace(
        "[nest]", '[[sheet]]\nfrom = "out-a/remnants.toml"\n\n[nest]', 1)
    (here / "job-c.toml").write_text(text)
    return CliRunner().invoke(main, ["nest", str(here / "job-c.toml"), "-o",
                                     str(here / "out-c"), *RUN])


def test_a_remnant_file_of_an_inventory_job_listed_with_from_warns(here):
    """out-a/remnants.toml's remnants went into the inventory too: a job cutting them from
    that file, without the inventory, is told the inventory will still offer them."""
    nest(here, "job-a.toml", "out-a")
    res = cut_c_from_a(here)
    assert res.exit_code == 0, res.output
    assert "added its remnants to the inventory" in res.output and "inv.toml" in res.output
    res = CliRunner().invoke(main, ["nest", str(here / "job-c.toml"), "-o",
                                    str(here / "out-d"), "--inventory",
                                    str(here / "other.toml"), *RUN])
    assert "added its remnants to the inventory" in res.output  # another inventory: too


def test_remnants_another_job_took_from_the_inventory_since_are_not_offered(here):
    """out-a/remnants.toml's R0001 was cut since by job b, drawing on the inventory: a job
    listing the file is not offered it as a whole board (it was, with only the warning that
    the inventory would still offer it)."""
    cut_a_then_b(here)
    res = cut_c_from_a(here)
    assert res.exit_code == 0, res.output
    assert ("'out-a/remnants.toml' holds no remnants (every one taken from the inventory"
            in " ".join(res.output.split())), res.output
    report = json.loads((here / "out-c" / "report.json").read_text())
    assert not any("R0001" in json.dumps(s["stock"]) for s in report["sheets"])


def test_a_forced_rerun_given_no_inventory_is_refused_and_nothing_changes(here):
    """The folder drew on the inventory; replaced by a run given none, its record went and
    the draw stayed spent (R0001 gone, R0002 listed) with no word."""
    after_a, _ = cut_a_then_b(here)
    before = snapshot(here)
    res = CliRunner().invoke(main, ["nest", str(here / "job-b.toml"), "-o",
                                    str(here / "out-b"), "--force", *RUN])
    assert res.exit_code == 2, res.output
    line = res.output.strip()
    assert "holds a draw on the inventory" in line and "took R0001, added R0002" in line
    assert f"give --inventory {(here / 'inv.toml').resolve()}" in line and "\n" not in line
    assert snapshot(here) == before
    # with the inventory put back by hand there is nothing to undo: replaced as asked
    (here / "inv.toml").write_text(after_a)
    res = CliRunner().invoke(main, ["nest", str(here / "job-b.toml"), "-o",
                                    str(here / "out-b"), "--force", *RUN])
    assert res.exit_code == 0, res.output
