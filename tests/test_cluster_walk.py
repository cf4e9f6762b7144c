"""What a shop's IT person meets putting wikicut on a few spare PCs (docs/cluster.md): a
scheduler address that is wrong, malformed or has no workers (one line, exit 2, nothing
written, no hang), searches that wait for a free worker (the time left, not the whole limit
again), and a worker that runs another wikicut (named, not silently different bytes).
In-process clusters (`processes=False`), short limits: seconds, not minutes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

if not os.environ.get("CI"):
    pytest.importorskip("distributed")
from distributed import Client, LocalCluster

import wikicut.cluster.search as cluster_search
from wikicut.cluster import connect, run_batch
from wikicut.cluster.task import JobTask, prepare
from wikicut.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
DXF = ROOT / "examples" / "dxf-parts"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# the CLI with the connect timeout cut to 1 s (a subprocess: a hang fails, never stalls the
# run); the module from sys.modules, since `import wikicut.cluster.connect as c` binds the
# package's connect() function, which shadows the module of the same name
CLI = ("import sys, wikicut.cluster.connect; c = sys.modules['wikicut.cluster.connect']; "
       "c.CONNECT_SECONDS = 1.0; "
       "from wikicut.cli import main; sys.argv[0] = 'wikicut'; main()")

connect_mod = sys.modules["wikicut.cluster.connect"]


@pytest.fixture(scope="module")
def cluster():
    """An in-process scheduler with one worker thread."""
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as lc, Client(lc) as client:
        yield lc.scheduler_address, client


def _job(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text("\n".join([
        f'name = "{name}"', "[sheet]", "width = 1220", "height = 1220", "thickness = 18",
        "margin = 15", "[nest]", "spacing = 12", "seed = 1", "time_limit = 20",
        "iterations = 5", "workers = 1", "[machine]", 'profile = "grbl"', "[[part]]",
        f'file = "{(DXF / "bracket.dxf").as_posix()}"', "quantity = 2"]) + "\n",
        encoding="utf-8")
    return path


class Silent:
    """A TCP server that accepts and never answers (a web server waiting for its request,
    the dashboard's port): Dask's Client waited on it without end."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        for c in self.conns:
            c.close()
        self.sock.close()


def _cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, *args], env=ENV, capture_output=True,
                          text=True, timeout=timeout)


def test_a_server_that_is_no_scheduler_is_refused_in_one_line(tmp_path):
    """batch and nest: exit 2, one line naming the address, no output folder, in the
    connect timeout (not a hang)."""
    job = _job(tmp_path / "jobs", "small")
    silent = Silent()
    try:
        for cmd in (["batch", str(job)], ["nest", str(job), "--workers", "3"]):
            out = tmp_path / f"out-{cmd[0]}"
            t0 = time.monotonic()
            run = _cli(*cmd, "-o", str(out), "--scheduler", silent.address)
            assert run.returncode == 2, run.stderr
            lines = run.stderr.strip().splitlines()
            assert len(lines) == 1 and silent.address in lines[0], run.stderr
            assert lines[0].startswith("error: cannot reach the Dask scheduler")
            assert "within 1 s" in lines[0]  # the CLI's cut timeout, not the default 20 s
            assert not out.exists()
            # the 1 s wait plus starting Python and importing Dask (about 3 s here)
            assert time.monotonic() - t0 < 15
    finally:
        silent.close()


@pytest.mark.parametrize("address", ["http://127.0.0.1:8787", "127.0.0.1:87x", "scheduler"])
def test_a_malformed_scheduler_address_is_bad_input_not_a_bug(address):
    with pytest.raises(InputError, match="is not a Dask scheduler's address"), \
            connect(address):
        pass


def test_a_scheduler_without_workers_is_refused_after_the_wait(monkeypatch):
    monkeypatch.setattr(connect_mod, "WORKER_SECONDS", 1.0)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as lc:
        t0 = time.monotonic()
        with pytest.raises(InputError, match="has no workers"), connect(lc.scheduler_address):
            pass
        assert time.monotonic() - t0 < 30


def test_a_batch_refused_before_work_writes_nothing(tmp_path, cluster):
    """An output path that is a file: refused at once; a folder --force may not replace:
    that job's line, found before any work is sent."""
    address, _client = cluster
    job = _job(tmp_path / "jobs", "small")
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        run_batch([job], afile, address=address)
    out = tmp_path / "out"
    (out / "small").mkdir(parents=True)
    (out / "small" / "mine.txt").write_text("not wikicut's")
    res = run_batch([job], out, address=address, force=True)
    assert res.jobs[0].error and "not a wikicut output folder" in res.jobs[0].error
    assert res.jobs[0].worker == ""  # never sent
    assert (out / "small" / "mine.txt").read_text() == "not wikicut's"


@dataclass(frozen=True)
class _Spec:
    """All of a SearchSpec the pool reads."""

    seconds: float


def test_searches_waiting_for_a_worker_get_the_time_left(cluster, monkeypatch):
    """Three searches on one worker: the second and third start a second and two late,
    and must end by the one deadline (each had the whole limit again: 4 searches on 3
    workers took twice the limit)."""
    address, client = cluster
    given: dict[int, float] = {}

    def fake(spec, seed):
        given[seed] = spec.seconds
        time.sleep(1.0)
        return seed

    monkeypatch.setattr(cluster_search, "search_spec", fake)
    pool = cluster_search.dask_searches(client)
    assert pool(_Spec(10.0), [1, 2, 3]) == [1, 2, 3]
    # each started after the one before it slept its second: that much less time each
    # (they all had the whole 10 s before)
    first, second, third = sorted(given.values(), reverse=True)
    assert first <= 10.0 and first - second > 0.9 and second - third > 0.9, given


def test_a_search_past_its_deadline_still_returns_a_layout(cluster, tmp_path):
    """The time left may be none (a search queued past the deadline, a retry): the search
    returns its first layout, and the job completes."""
    from wikicut.io.job import load_job
    from wikicut.pipeline import run_nest

    address, client = cluster
    job = load_job(_job(tmp_path / "jobs", "small"))
    job = replace(job, settings=replace(job.settings, workers=3, iterations=None,
                                        time_limit=1.0))
    with cluster_search.searches_on(client):
        res = run_nest(job, tmp_path / "out", gcode=False)
    assert res.report["totals"]["placed"] == 2


def test_a_worker_with_another_wikicut_is_named_not_trusted(tmp_path, cluster):
    """A job or a search sent to a worker whose versions differ from the client's: one
    line naming the worker and what differs (a batch job's line, exit 2; a search: the
    error), never outputs from other code."""
    job = _job(tmp_path / "jobs", "small")
    other = {"wikicut": "0.0.1"}
    got = prepare(JobTask(str(job), {}, {}, {"gcode": False}, other))
    assert not got["ok"] and got["exit_code"] == 2
    assert "runs other code than this client" in got["error"]
    assert "(the client: 0.0.1)" in got["error"] and got["worker"] in got["error"]
    with pytest.raises(InputError, match=r"wikicut .* \(the client: 0\.0\.1\)"):
        cluster_search.search_task(None, 1, 0.0, other)


def test_the_cli_names_a_mismatched_worker_in_a_batch(tmp_path, cluster, monkeypatch):
    """The batch's line for that job, and batch.json's exit code 2."""
    address, _client = cluster
    import wikicut.cluster.batch as batch

    monkeypatch.setattr(batch, "environment", lambda: {"wikicut": "9.9"})
    job = _job(tmp_path / "jobs", "small")
    res = run_batch([job], tmp_path / "out", address=address, options={"gcode": False})
    assert res.exit_code == 2 and "wikicut" in (res.jobs[0].error or "")
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert summary["jobs"][0]["exit_code"] == 2
    assert not (tmp_path / "out" / "small").exists()


def test_connect_module_limits_are_documented():
    text = (ROOT / "docs" / "cluster.md").read_text(encoding="utf-8")
    assert f"{connect_mod.CONNECT_SECONDS:g} s" in text.replace("\n", " ")
    assert f"{connect_mod.WORKER_SECONDS:g} s" in text.replace("\n", " ")
