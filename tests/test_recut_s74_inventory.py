"""`wikicut recut --on ID` draws on the shop's inventory as a job does: the remnant it cut
leaves the inventory (what is left of it joins with a new id), under the inventory's lock,
recorded in the recut's folder for a --force re-run to undo, only once the outputs are
written; and a remnant a job would not be offered (another thickness or material) is
refused."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from clirun import one_line_error, run
from shapely.geometry import Polygon
from test_loose_ends import job_text

from wikicut.errors import EXIT_INPUT, EXIT_UNSAFE
from wikicut.io.remnants import UNDO_FILE, inventory_lock

ROOT = Path(__file__).resolve().parent.parent
WEDGE = (ROOT / "parts" / "wedge.toml").as_posix()  # 140 x 36 mm

JOB = job_text(f'[[part]]\nfile = "{WEDGE}"\nquantity = 2\n')  # the loose-ends job's sheet


def remnant(rid: str, width: float, height: float, thickness: float = 18,
            material: str = "Plywood") -> str:
    return (f'\n[[sheet]]\nid = "{rid}"\nsource = "an earlier job sheet 1"\nmaterial ='
            f' "{material}"\nthickness = {thickness:g}\nwidth = {width:g}\nheight = {height:g}'
            "\nmargin = 10\n")


# R0003 leaves a 400 x 240-odd piece after a wedge; R0004 only a strip under 100 mm wide;
# R0006 is too small for a wedge
INVENTORY = ("next_id = 7\n" + remnant("R0003", 400, 300) + remnant("R0004", 200, 100)
             + remnant("R0006", 100, 100))


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> Path:
    """A small job's output folder (no inventory of its own)."""
    base = tmp_path_factory.mktemp("recut_s74")
    (base / "job.toml").write_text(JOB)
    res = run("nest", str(base / "job.toml"), "-o", str(base / "cut"), "-q")
    assert res.exit_code == 0, res.output
    return base / "cut"


def ids(inv: Path) -> list[str]:
    return [s["id"] for s in tomllib.loads(inv.read_text())["sheet"]]


def recut(job: Path, inv: Path, rid: str, dest: Path, *more: str):
    return run("recut", str(job), "wedge#1", "--on", rid, "--inventory", str(inv), "-o",
               str(dest), *more)


def test_the_remnant_cut_leaves_the_inventory_and_what_is_left_joins_it(job, tmp_path):
    inv = tmp_path / "inv.toml"
    inv.write_text(INVENTORY)
    # a recut refused (the part fits no spot of R0006) changes nothing
    res = recut(job, inv, "R0006", tmp_path / "no")
    one_line_error(res, EXIT_UNSAFE, "does not fit")
    assert inv.read_text() == INVENTORY and not (tmp_path / "no").exists()

    res = recut(job, inv, "R0003", tmp_path / "re")
    assert res.exit_code == 0, res.output
    data = tomllib.loads(inv.read_text())
    assert [s["id"] for s in data["sheet"]] == ["R0004", "R0006", "R0007"]
    assert data["next_id"] == 8
    left = data["sheet"][2]
    assert left["source"] == "recut wedge#1 sheet 1" and left["thickness"] == 18
    # the board less the wedge and the cut round it: an irregular piece in R0003's box
    area = Polygon(left["outline"]).area
    assert (left["width"], left["height"]) == (400, 300) and area < 400 * 300 - 140 * 36
    note = [ln for ln in res.output.splitlines() if ln.startswith("inventory ")]
    assert note == [f"inventory {inv.resolve()}: R0003 taken out, what is left of it added as"
                    " R0007"], res.output
    rec = json.loads((tmp_path / "re" / UNDO_FILE).read_text())
    assert (rec["before"], rec["took"], rec["added"]) == (INVENTORY, ["R0003"], ["R0007"])
    assert ids(tmp_path / "re" / "remnants.toml") == ["R0007"]


def test_a_remnant_with_nothing_worth_keeping_left_is_only_taken_out(job, tmp_path):
    inv = tmp_path / "inv.toml"
    inv.write_text(INVENTORY)
    res = recut(job, inv, "R0004", tmp_path / "re")
    assert res.exit_code == 0, res.output
    assert ids(inv) == ["R0003", "R0006"]
    assert f"inventory {inv.resolve()}: R0004 taken out, nothing left of it to keep" \
        in res.output


def test_a_remnant_recut_once_is_not_offered_again(job, tmp_path):
    inv = tmp_path / "inv.toml"
    inv.write_text(INVENTORY)
    assert recut(job, inv, "R0003", tmp_path / "a").exit_code == 0
    res = recut(job, inv, "R0003", tmp_path / "b")
    one_line_error(res, EXIT_INPUT, "inv.toml", "--on R0003",
                   "remnant R0003 is no longer in the inventory")
    assert not (tmp_path / "b").exists()


def test_a_force_recut_into_the_same_folder_undoes_its_draw_first(job, tmp_path):
    inv = tmp_path / "inv.toml"
    inv.write_text(INVENTORY)
    assert recut(job, inv, "R0003", tmp_path / "re").exit_code == 0
    res = recut(job, inv, "R0003", tmp_path / "re", "--force")
    assert res.exit_code == 0, res.output
    # R0003 taken once; what is left gets a new id (R0007 was given out: never twice)
    assert ids(inv) == ["R0004", "R0006", "R0008"]
    assert tomllib.loads(inv.read_text())["next_id"] == 9


def test_a_force_recut_elsewhere_on_the_folder_of_a_draw_is_refused(job, tmp_path):
    """Replaced by a recut at a spot of a fresh sheet, the folder's draw would stay spent on
    the inventory with its record gone."""
    inv = tmp_path / "inv.toml"
    inv.write_text(INVENTORY)
    assert recut(job, inv, "R0003", tmp_path / "re").exit_code == 0
    drawn = inv.read_text()
    res = run("recut", str(job), "wedge#1", "--at", "100,100", "-o", str(tmp_path / "re"),
              "--force")
    one_line_error(res, EXIT_INPUT, "holds a draw on the inventory", "took R0003",
                   "write to a new folder")
    assert inv.read_text() == drawn and (tmp_path / "re" / UNDO_FILE).is_file()


def test_a_recut_waits_for_the_inventory_lock(job, tmp_path, monkeypatch):
    inv = tmp_path / "inv.toml"
    inv.write_text(INVENTORY)
    lock = inventory_lock.lock_path(inv)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time;"
         f" fd = os.open({str(lock)!r}, os.O_RDONLY | os.O_CREAT, 0o666);"
         " fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(inventory_lock, "LOCK_SECONDS", 0.3)
        res = recut(job, inv, "R0003", tmp_path / "re")
    finally:
        holder.kill()
        holder.wait()
    one_line_error(res, EXIT_INPUT, "another wikicut run is drawing on this remnant inventory")
    assert inv.read_text() == INVENTORY and not (tmp_path / "re").exists()


@pytest.mark.parametrize("thickness, material, needle", [
    (12, "Plywood", "remnant is 12 mm thick Plywood, the job's sheets 18 mm thick Plywood"),
    (18.3, "Plywood", "remnant is 18.3 mm thick Plywood, the job's sheets 18 mm thick Plywood"),
    (18, "OSB", "remnant is 18 mm thick OSB, the job's sheets 18 mm thick Plywood"),
])
def test_a_remnant_of_another_thickness_or_material_is_refused(job, tmp_path, thickness,
                                                               material, needle):
    inv = tmp_path / "inv.toml"
    text = "next_id = 3\n" + remnant("R0002", 400, 300, thickness, material)
    inv.write_text(text)
    res = recut(job, inv, "R0002", tmp_path / "re")
    one_line_error(res, EXIT_INPUT, "inv.toml", "--on R0002", needle)
    assert inv.read_text() == text and not (tmp_path / "re").exists()
    # the material as a job's draw matches it: but for case and spaces
    inv.write_text("next_id = 3\n" + remnant("R0002", 400, 300, 18, "  plywood"))
    res = recut(job, inv, "R0002", tmp_path / "ok")
    assert res.exit_code == 0, res.output
