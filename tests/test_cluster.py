"""wikicut on a real Dask cluster: a scheduler and workers as separate processes on
localhost (each in its own folder, on free ports), a batch with a failing job and a worker
killed mid-run, and a job's searches spread over the cluster. Outputs must equal those of
`wikicut nest` run alone, byte for byte (`iterations` set)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

if not os.environ.get("CI"):
    pytest.importorskip("distributed")
from distributed import Client

from wikicut.cluster import connect, searches_on
from wikicut.io.job import load_job
from wikicut.pipeline import run_nest

ROOT = Path(__file__).resolve().parent.parent
DXF = ROOT / "examples" / "dxf-parts"
ITER = "40"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Processes started in their own sessions, each killed with its children at the end."""

    def __init__(self, base: Path):
        self.base, self.procs = base, []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        home = self.base / name
        home.mkdir(parents=True, exist_ok=True)
        log = open(home / "log.txt", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=home, env=ENV,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        proc.log = log
        self.procs.append(proc)
        return proc

    def worker(self, address: str, name: str) -> subprocess.Popen:
        return self.start(name, "worker", address, "--nworkers", "1", "--nthreads", "1",
                          "--name", name, "--no-dashboard",
                          "--local-directory", str(self.base / name))

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the nanny and its worker process
        proc.wait()
        proc.log.close()

    def close(self) -> None:
        for proc in reversed(self.procs):
            self.kill(proc)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, Processes): a scheduler and two workers, waited for."""
    procs = Processes(tmp_path_factory.mktemp("dask"))
    try:
        address = f"tcp://127.0.0.1:{_free_port()}"
        procs.start("scheduler", "scheduler", "--host", "127.0.0.1", "--port",
                    address.rsplit(":", 1)[1], "--no-dashboard")
        for k in (1, 2):
            procs.worker(address, f"worker-{k}")
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, procs
    finally:
        procs.close()


def _job(folder: Path, name: str, seed: int, parts: dict[str, int], width: int = 1220) -> Path:
    """A small job over the example DXF parts."""
    lines = [f'name = "{name}"', "[sheet]", f"width = {width}", "height = 1220",
             "thickness = 18", "margin = 15", "[nest]", "spacing = 12", f"seed = {seed}",
             "time_limit = 60", "[machine]", 'profile = "grbl"']
    for file, qty in parts.items():
        lines += ["[[part]]", f'file = "{(DXF / file).as_posix()}"', f"quantity = {qty}"]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _jobs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [_job(folder, f"small-{k}", k, parts) for k, parts in enumerate(
        [{"bracket.dxf": 2, "lid.dxf": 1}, {"shelf.dxf": 2}, {"feet.dxf": 2, "bracket.dxf": 1},
         {"plate_inch.dxf": 3}, {"lid.dxf": 2, "plate_inch.dxf": 1}], start=1)]
    # a sheet narrower than the shelf: refused on the worker (exit 3), the others go on
    jobs.insert(2, _job(folder, "too-small", 1, {"shelf.dxf": 1}, width=300))
    return jobs


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _alone(job: Path, out: Path, **settings) -> dict[str, bytes]:
    """What `wikicut nest JOB --iterations ITER --no-gcode` writes (the function it calls)."""
    loaded = load_job(job, iterations=int(ITER))
    if settings:
        loaded = replace(loaded, settings=replace(loaded.settings, **settings))
    run_nest(loaded, out, gcode=False)
    return _files(out)


def _run_killing(address: str, procs: Processes, victim: str, args: list[str]):
    """Run `wikicut ARGS`, killing the worker `victim` (started here) once it holds a task;
    (completed process, whether it was killed)."""
    with Client(address, timeout="60s") as client:
        before = len(client.nthreads())
        proc = procs.worker(address, victim)
        client.wait_for_workers(before + 1, timeout=120)
        run = subprocess.Popen([sys.executable, "-m", "wikicut.cli", *args], env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            killed = False
            deadline = time.monotonic() + 120
            while not killed and run.poll() is None and time.monotonic() < deadline:
                names = {a: w.get("name") for a, w in client.scheduler_info(-1)["workers"].items()}
                if any(names.get(a) == victim and keys
                       for a, keys in client.processing().items()):
                    Processes.kill(proc)
                    killed = True
                time.sleep(0.05)
            out, err = run.communicate(timeout=240)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    return subprocess.CompletedProcess(run.args, run.returncode, out, err), killed


def test_a_batch_survives_a_failing_job_and_a_killed_worker(cluster, tmp_path):
    address, procs = cluster
    jobs = _jobs(tmp_path / "jobs")
    out = tmp_path / "out"
    run, killed = _run_killing(address, procs, "victim", [
        "batch", *map(str, jobs), "-o", str(out), "--scheduler", address, "--iterations", ITER,
        "--no-gcode"])
    stderr = run.stderr
    assert killed, "the victim worker never ran a job"
    assert run.returncode == 3, stderr
    summary = json.loads((out / "batch.json").read_text())
    by_name = {j["name"]: j for j in summary["jobs"]}
    assert [j["ok"] for j in summary["jobs"]] == [True, True, False, True, True, True]
    assert "too-small" in stderr and by_name["too-small"]["exit_code"] == 3
    assert "\n" not in by_name["too-small"]["error"]
    html = (out / "index.html").read_text()
    assert "5 of 6 jobs" in html and "too-small" in html
    # nothing half-written: the job folders, the summary, no staging left-overs
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["batch.json", "index.html", *(n for n, j in by_name.items() if j["ok"])])
    for job in jobs:
        name = job.stem
        if by_name[name]["ok"]:
            assert _files(out / name) == _alone(job, tmp_path / "alone" / name), name


def test_a_jobs_searches_give_the_same_bytes_locally_and_on_the_cluster(cluster, tmp_path):
    """... and a worker killed during a search costs only that search, run again."""
    address, procs = cluster
    job = _jobs(tmp_path / "jobs")[0]
    local2 = _alone(job, tmp_path / "local-2")  # workers = 2: the two local processes
    with connect(address) as client, searches_on(client):
        assert _alone(job, tmp_path / "cluster-2") == local2
    cli, killed = _run_killing(address, procs, "victim-2", [
        "nest", str(job), "-o", str(tmp_path / "cluster-4"), "--iterations", ITER,
        "--no-gcode", "--workers", "4", "--scheduler", address, "-q"])
    assert killed, "the victim worker never ran a search"
    assert cli.returncode == 0, cli.stderr
    with connect(None, 2) as client, searches_on(client):  # a LocalCluster
        assert _files(tmp_path / "cluster-4") == _alone(job, tmp_path / "local-4", workers=4)


def test_a_bug_reading_one_job_is_that_jobs_line(cluster, tmp_path, monkeypatch):
    """A job that crashes the reader on the client (a bug, not bad input) is reported as its
    own failure; the other jobs still run and land."""
    import wikicut.io.job as job_io
    from wikicut.cluster.batch import run_batch

    address, _procs = cluster
    jobs = _jobs(tmp_path / "jobs")[:2]
    real = job_io.load_job

    def load(path, **kw):
        if Path(path).stem == "small-2":
            raise RuntimeError("reader bug")
        return real(path, **kw)

    monkeypatch.setattr(job_io, "load_job", load)
    res = run_batch(jobs, tmp_path / "out", address=address, overrides={"iterations": 5},
                    options={"gcode": False})
    assert [j.ok for j in res.jobs] == [True, False]
    assert res.jobs[1].error == "internal error: RuntimeError: reader bug"
    assert res.exit_code == 3
    assert (tmp_path / "out" / "small-1" / "report.json").exists()
    assert not (tmp_path / "out" / "small-2").exists()


def test_a_rolls_searches_refine_on_the_cluster_as_they_do_locally(tmp_path):
    """A strip (a roll) ends each search on finer rasters, the second worker with its own
    settings: on a cluster too, so the result is the two local processes' byte for byte."""
    job = _job(tmp_path, "roll", 1, {"bracket.dxf": 3, "lid.dxf": 2}, width=6000)
    job.write_text(job.read_text().replace("margin = 15", "margin = 15\nstrip = true"))
    local2 = _alone(job, tmp_path / "local-2")
    with connect(None, 2) as client, searches_on(client):  # a LocalCluster
        assert _alone(job, tmp_path / "cluster-2") == local2
