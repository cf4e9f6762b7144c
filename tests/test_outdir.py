"""The output folder: nothing the user had is lost, nothing half-written is left (issue 33).

OUTDIR is resolved first and refused (exit 2) when it is, or contains, an input or the
current folder; the final rename never replaces a folder that appeared meanwhile; an
unwritable place is refused before the nest; SIGTERM, SIGHUP and a double Ctrl-C end a run
as one Ctrl-C does (exit 4, no `.OUT.tmp-*`, no traceback).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import as_from_a_shell

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.staging import Staging, staged_output

ROOT = Path(__file__).resolve().parent.parent
HOUSE = ROOT / "examples" / "house" / "job.toml"

JOB = """\
[sheet]
width = 1220
height = 1220
thickness = 18
[nest]
iterations = 1
[[part]]
file = "parts/spacer.toml"
quantity = 2
"""


@pytest.fixture
def job(tmp_path, monkeypatch) -> Path:
    """tmp/work/job.toml with its part in tmp/work/parts/; the current folder is tmp/work."""
    work = tmp_path / "work"
    (work / "parts").mkdir(parents=True)
    (work / "parts" / "spacer.toml").write_text((ROOT / "parts" / "spacer.toml").read_text())
    (work / "job.toml").write_text(JOB)
    monkeypatch.chdir(work)
    return work / "job.toml"


def nest(*args: str):
    res = CliRunner().invoke(main, ["nest", "job.toml", "--no-gcode", *args])
    return res.exit_code, (res.stderr if hasattr(res, "stderr") else res.output)


def _inputs_intact(job: Path) -> None:
    assert job.read_text() == JOB
    assert (job.parent / "parts" / "spacer.toml").is_file()


@pytest.mark.parametrize("out, said", [
    (".", "is the current folder"),
    ("../work", "is the current folder"),
    ("..", "contains the current folder"),
    ("{abs}", "is the current folder"),
    ("parts", "contains the input file spacer.toml"),
    ("parts/spacer.toml", "is the input file spacer.toml"),
    ("job.toml", "is the input file job.toml"),
])
def test_outdir_holding_an_input_or_the_current_folder_is_refused(job, out, said):
    out = out.replace("{abs}", str(job.parent))
    code, err = nest("-o", out, "--force")
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and said in err, err
    _inputs_intact(job)
    assert not [p for p in job.parent.parent.rglob(".*tmp-*")]


def test_job_folder_from_elsewhere_is_refused(job, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(job.parent), "--force"])
    assert res.exit_code == 2 and "contains the input file" in res.output, res.output
    _inputs_intact(job)


def test_force_replaces_only_a_wikicut_output_folder(job):
    (job.parent / "mine").mkdir()
    (job.parent / "mine" / "notes.txt").write_text("keep me")
    code, err = nest("-o", "mine", "--force")
    assert code == 2 and "not a wikicut output folder" in err, err
    assert (job.parent / "mine" / "notes.txt").read_text() == "keep me"
    assert nest("-o", "out")[0] == 0
    assert nest("-o", "out", "--force")[0] == 0  # an earlier output is replaced
    assert sorted(p.name for p in job.parent.iterdir()) == ["job.toml", "mine", "out", "parts"]


def _appear(where: Path, what: str) -> None:
    """Another run's output (or a user's file) at `where`."""
    if what == "file":
        where.write_text("the other run's")
        return
    where.mkdir()
    (where / ("report.json" if what == "output" else "notes.txt")).write_text("the other run's")


def _meanwhile(monkeypatch, job: Path, moment: str, what: str) -> None:
    """Make OUTDIR appear at `moment`: while the layout is written into the staging folder
    (once per run, whatever the nest did before), or at the final rename itself (the
    narrowest window there is). Hooks, not sleeps: the same moment on a loaded machine."""
    out = job.parent / "out"
    if moment == "writing":
        import wikicut.pipeline.job  # where run_nest looks write_outputs up

        real = wikicut.pipeline.job.write_outputs

        def and_meanwhile(*a, **k):
            _appear(out, what)
            return real(*a, **k)

        monkeypatch.setattr(wikicut.pipeline.job, "write_outputs", and_meanwhile)
    else:
        real_rename = os.rename

        def rename(src, dst):
            if Path(dst) == out and ".tmp-" in Path(src).name:
                _appear(out, what)
            return real_rename(src, dst)

        monkeypatch.setattr("wikicut.io.staging.os.rename", rename)


@pytest.mark.parametrize("moment", ["writing", "rename"])
@pytest.mark.parametrize("what", ["output", "folder", "file"])
def test_a_folder_that_appears_during_the_run_is_never_replaced(job, monkeypatch, moment,
                                                                 what):
    """The emptiness check at the start is not enough: another run may write OUTDIR while
    this one works. Whenever it appears, the rename refuses it (exit 2, one line) and what
    is there stays."""
    _meanwhile(monkeypatch, job, moment, what)
    code, err = nest("-o", "out")
    assert code == 2 and "appeared while this run was working" in err, err
    assert [ln for ln in err.splitlines() if ln.startswith("error")] == err.splitlines()[-1:]
    out = job.parent / "out"
    if what == "file":
        assert out.read_text() == "the other run's"
    else:
        (mine,) = os.listdir(out)
        assert (out / mine).read_text() == "the other run's"
    assert sorted(p.name for p in job.parent.iterdir()) == ["job.toml", "out", "parts"]


@pytest.mark.parametrize("moment", ["writing", "rename"])
def test_force_never_replaces_a_user_folder_that_appeared(job, monkeypatch, moment):
    """--force was checked against the folder at the start; a user's folder put there since
    is refused all the same."""
    _meanwhile(monkeypatch, job, moment, "folder")
    code, err = nest("-o", "out", "--force")
    assert code == 2 and "appeared while this run was working" in err, err
    assert os.listdir(job.parent / "out") == ["notes.txt"]
    assert sorted(p.name for p in job.parent.iterdir()) == ["job.toml", "out", "parts"]


def test_force_keeps_the_earlier_output_when_the_rename_fails(job, monkeypatch):
    assert nest("-o", "out")[0] == 0
    before = sorted(os.listdir(job.parent / "out"))
    real_rename = os.rename

    def rename(src, dst):
        if Path(dst).name == "out" and ".tmp-" in Path(src).name:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_rename(src, dst)

    monkeypatch.setattr("wikicut.io.staging.os.rename", rename)
    code, err = nest("-o", "out", "--force")
    assert code == 2 and "cannot write the output folder (Permission denied)" in err, err
    assert sorted(os.listdir(job.parent / "out")) == before
    assert sorted(p.name for p in job.parent.iterdir()) == ["job.toml", "out", "parts"]


def test_staging_commit_is_atomic_and_refuses_what_appeared(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError, match="appeared"), staged_output(out, force=False) as stage:
        (stage.tmp / "a.nc").write_text("mine")
        out.mkdir()
        (out / "b.nc").write_text("theirs")
    assert os.listdir(out) == ["b.nc"]
    assert os.listdir(tmp_path) == ["out"]
    st = Staging(tmp_path / "empty", force=False)  # an empty folder made by the user is used
    (tmp_path / "empty").mkdir()
    (st.tmp / "a.nc").write_text("mine")
    st.commit()
    assert os.listdir(tmp_path / "empty") == ["a.nc"]


def test_two_runs_into_one_folder_one_wins_the_other_says_so(job):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "wikicut.cli", "nest", "job.toml", "--no-gcode", "-o", "out"]
    procs = [subprocess.Popen(cmd, cwd=job.parent, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(c for c, _ in outs)
    assert codes == [0, 2], outs
    err = next(e for c, e in outs if c == 2)
    assert "out: output folder" in err and "Traceback" not in err, err
    assert sorted(os.listdir(job.parent / "out")) == ["index.html", "parts.csv", "report.json",
                                                      "sheet-001.dxf", "sheet-001.svg"]
    assert not list(job.parent.glob(".out.*"))


def test_unwritable_place_is_refused_before_the_nest(job, monkeypatch):
    import tempfile

    import wikicut.nest

    def no_nest(*a, **k):
        raise AssertionError("nested before finding the output folder unwritable")

    def read_only(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    real_mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(wikicut.nest, "nest", no_nest)
    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    code, err = nest("-o", "ro/out")
    assert code == 2 and "cannot write the output folder here (Permission denied)" in err, err
    (job.parent / "file").write_text("")
    monkeypatch.setattr(tempfile, "mkdtemp", real_mkdtemp)
    code, err = nest("-o", "file/out")
    assert code == 2 and "cannot write the output folder here" in err, err


def test_read_only_outdir_at_the_rename_is_exit_2(job, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("wikicut.io.staging.os.rename", refuse)
    code, err = nest("-o", "out")
    assert code == 2 and "cannot write the output folder (Permission denied)" in err, err
    assert sorted(p.name for p in job.parent.iterdir()) == ["job.toml", "parts"]


@pytest.mark.parametrize("signals", [(signal.SIGTERM,), (signal.SIGHUP,),
                                     (signal.SIGINT, signal.SIGINT)],
                         ids=["sigterm", "sighup", "double-ctrl-c"])
def test_signals_end_a_run_like_ctrl_c(tmp_path, signals):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "wikicut.cli", "nest", str(HOUSE), "-o",
                             str(out), "--time-limit", "120"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=as_from_a_shell)
    first = proc.stderr.readline()  # "nest: ..." once the search runs (no terminal: a log)
    assert first.startswith("nest:"), first
    for sig in signals:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 4, err
    assert err.strip() == "interrupted: nothing was written", err
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def _nohup() -> None:
    """What `nohup` does before it runs a command: SIGHUP ignored."""
    as_from_a_shell()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def test_a_run_under_nohup_outlives_its_terminal(tmp_path):
    """`nohup wikicut nest ...`: the terminal closing (SIGHUP) while the nest runs does not
    end the run: it finishes and writes its output (an ignored signal stays ignored)."""
    out = tmp_path / "out"
    # the layout only: the signal comes during the search, where an ignored one is dropped
    # (the G-code stage after it would only add the planning of seven sheets to the test)
    proc = subprocess.Popen([sys.executable, "-m", "wikicut.cli", "nest", str(HOUSE), "-o",
                             str(out), "--time-limit", "4", "--no-gcode"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_nohup)
    first = proc.stderr.readline()  # "nest: ..." once the search runs
    assert first.startswith("nest:"), first
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert (out / "report.json").is_file()


def _drilled_job(folder: Path) -> Path:
    """Three distinct 2000 x 1000 plates of 1,805 drills each (within the 2,000 features a
    part may have): a nest of seconds, then minutes of planning (each plate when the job is
    read, and each sheet again in the G-code stage), most of it in the drills' rapid tour."""
    (folder / "parts").mkdir(parents=True)
    for k in (1, 2, 3):
        rows = "".join(f"[[drill]]\nx = {20 + k}\ny = {20 + 50 * r}\nd = 6\ndepth_mm = 6\n"
                       "repeat = { count = 95, dx = 20, dy = 0 }\n" for r in range(19))
        (folder / "parts" / f"plate-{k}.toml").write_text(
            f'name = "plate-{k}"\n[[feature]]\ntype = "rectangle"\nx = 0\ny = 0\nw = 2000\n'
            f"h = 1000\n{rows}")
    job = folder / "job.toml"
    job.write_text("[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18\nmargin = 15\n"
                   "[nest]\nspacing = 12\niterations = 1\n[machine]\nprofile = \"grbl\"\n"
                   + "".join(f'[[part]]\nfile = "parts/plate-{k}.toml"\n' for k in (1, 2, 3)))
    return job


def test_ctrl_c_while_planning_a_big_job_ends_it_at_once(tmp_path):
    """Ctrl-C while the sheets are planned (after the nest): the run ends with exit 4 and
    one line, with nothing written; the planner is not left to finish first (its rapid tours
    run a round at a time, so the signal is seen within one)."""
    import time

    job = _drilled_job(tmp_path / "job")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "wikicut.cli", "nest", str(job), "-o",
                             str(out), "-v"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=as_from_a_shell)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("gcode: sheet 2 of 3"):
            break
    assert seen and seen[-1].startswith("gcode: sheet 2 of 3"), "".join(seen)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    after = time.monotonic() - t0
    assert proc.returncode == 4, "".join(seen) + err
    assert err.strip() == "interrupted: nothing was written", err
    assert "gcode: 3 programs" not in err  # it did not plan on to the end
    assert not out.exists() and sorted(os.listdir(tmp_path)) == ["job"], after


def test_a_ctrl_c_held_for_a_kernel_is_never_dropped():
    """The nester holds Ctrl-C while a compiled kernel runs and raises it at its next check;
    one that comes after the last check is raised on the way out, not forgotten (the run
    went on to plan and write everything)."""
    from wikicut.nest.interrupt import DeferCtrlC

    # Ctrl-C as in a terminal: a test run started in the background ignores SIGINT, and
    # an ignored signal stays ignored inside DeferCtrlC too
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM,
                                                    signal.SIGHUP)}
        with pytest.raises(KeyboardInterrupt), DeferCtrlC():
            signal.raise_signal(signal.SIGINT)
            for _ in range(3):  # the handler runs between bytecodes: it only marks it
                pass
        assert {s: signal.getsignal(s) for s in before} == before
        with DeferCtrlC():  # nothing pending: nothing raised
            pass
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with DeferCtrlC():  # ignored (a background job): still ignored, nothing raised
            signal.raise_signal(signal.SIGINT)
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, outer)


def test_a_failed_run_leaves_no_folders_it_made_for_the_output(job):
    """-o new/deeper/out, and the job cannot be cut (a part larger than the sheet): exit 3,
    and neither new/ nor new/deeper/ is left behind; a folder that was there stays."""
    job.write_text(JOB.replace("width = 1220", "width = 100"))
    code, said = nest("-o", "new/deeper/out")
    assert code == 3, said
    assert not Path("new").exists()
    Path("kept").mkdir()
    code, said = nest("-o", "kept/deeper/out")
    assert code == 3, said
    assert Path("kept").is_dir() and not Path("kept/deeper").exists()
    job.write_text(JOB)
    assert nest("-o", "new/deeper/out")[0] == 0  # and a run that succeeds keeps them
    assert (Path("new/deeper/out") / "report.json").is_file()


def test_an_output_folder_holding_an_offcut_outline_or_tool_library_is_refused(job):
    """An offcut's outline read from a DXF, and a tool library or materials file beside the
    job, are inputs too: an earlier output folder holding one is never replaced by --force
    (the run would delete what it reads), and a batch sends them to its workers."""
    import ezdxf

    from wikicut.io.job import load_job
    from wikicut.pipeline import job_inputs

    assert nest("-o", "old")[0] == 0
    doc = ezdxf.new()
    doc.modelspace().add_lwpolyline([(0, 0), (1000, 0), (1000, 400), (500, 700), (0, 700)],
                                    close=True)
    doc.saveas("old/offcut.dxf")
    job.write_text(JOB.replace("width = 1220\nheight = 1220\n", 'outline = "old/offcut.dxf"\n'))
    code, said = nest("-o", "old", "--force")
    assert code == 2 and "contains the input file offcut.dxf" in said, said
    assert Path("old/offcut.dxf").is_file() and Path("old/report.json").is_file()
    assert Path("old/offcut.dxf").resolve() in [p.resolve() for p in job_inputs(load_job(job))]
    Path("lib").mkdir()
    Path("lib/tools.toml").write_text("")
    job.write_text(JOB + '[machine]\nprofile = "grbl"\nlibrary = "lib/tools.toml"\n')
    assert Path("lib/tools.toml").resolve() in [
        p.resolve() for p in job_inputs(load_job(job))]
