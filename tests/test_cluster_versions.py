"""A cluster whose scheduler or workers run another wikicut, or none: a real `dask scheduler`
and `dask worker` processes on localhost, each started with this checkout's wikicut hidden
(and, for some, an older one in its place). `wikicut nest` and `wikicut batch` answered
with Dask's multi-line "Error during deserialization of the task graph" (a scheduler that
cannot read the tasks), or waited for ever (a worker that died reading one). Now: one line
naming the address and what each process runs, exit 2, nothing written."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

if not os.environ.get("CI"):
    pytest.importorskip("distributed")
from distributed import Client

import wikicut

ROOT = Path(__file__).resolve().parent.parent
DXF = ROOT / "examples" / "dxf-parts"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# `dask ...` with this checkout's wikicut off the path (and its editable-install finder
# gone), an older package's folder first when one is given
LAUNCH = """\
import sys
from pathlib import Path
root, older = Path(sys.argv[1]).resolve(), sys.argv[2]
sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != root]
sys.meta_path[:] = [f for f in sys.meta_path
                    if "editable" not in (getattr(f, "__module__", "") or "").lower()]
if older:
    sys.path.insert(0, older)
sys.argv = ["dask", *sys.argv[3:]]
from dask.cli import run_cli
run_cli()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _older(base: Path, name: str, version: str) -> Path:
    """A wikicut of `version` with none of today's modules (as released before the
    cluster existed)."""
    pkg = base / name / "wikicut"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(f'__version__ = "{version}"\n')
    return base / name


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """(address, {name: worker address}): a scheduler running wikicut 0.0.9; a worker
    without wikicut, one with a wikicut of this version but older code, and a good one."""
    base = tmp_path_factory.mktemp("mixed")
    old = _older(base, "old", "0.0.9")
    stale = _older(base, "stale", wikicut.__version__)
    address = f"tcp://127.0.0.1:{_free_port()}"
    procs: list[subprocess.Popen] = []

    def start(name: str, older: Path | None, *args: str, hidden: bool = True) -> None:
        home = base / name
        home.mkdir(exist_ok=True)
        log = open(home / "log.txt", "wb")  # noqa: SIM115 - closed by the process's end
        run = ["-c", LAUNCH, str(ROOT), str(older or "")] if hidden else ["-m", "dask"]
        procs.append(subprocess.Popen([sys.executable, *run, *args], cwd=home, stdout=log,
                                      stderr=subprocess.STDOUT, env=ENV))

    try:
        start("scheduler", old, "scheduler", "--host", "127.0.0.1", "--port",
              address.rsplit(":", 1)[1], "--no-dashboard")
        for name, older in (("none", None), ("stale", stale), ("good", None)):
            start(f"worker-{name}", older, "worker", address, "--no-nanny", "--nthreads", "1",
                  "--name", name, "--no-dashboard", hidden=name != "good")
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(3, timeout=120)
            workers = {w["name"]: a for a, w in client.scheduler_info(-1)["workers"].items()}
        yield address, workers
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def _job(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ['name = "small"', "[sheet]", "width = 1220", "height = 1220", "thickness = 18",
             "margin = 15", "[nest]", "spacing = 12", "seed = 1", "time_limit = 20",
             "iterations = 5", "workers = 3", "[machine]", 'profile = "grbl"']
    for file, qty in (("bracket.dxf", 2), ("lid.dxf", 1), ("shelf.dxf", 1)):
        lines += ["[[part]]", f'file = "{(DXF / file).as_posix()}"', f"quantity = {qty}"]
    path = folder / "small.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wikicut.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, check=False)


@pytest.mark.parametrize("command", ["nest", "batch"])
def test_a_cluster_running_other_wikicuts_is_refused_in_one_line(mixed, tmp_path, command):
    """One line, exit 2, nothing written: the address, the scheduler's wikicut 0.0.9, the
    worker without wikicut, the one whose wikicut of this version lacks the task code; the
    good worker is not named."""
    address, workers = mixed
    out = tmp_path / "out"
    res = _cli(command, str(_job(tmp_path / "jobs")), "-o", str(out), "--no-gcode",
               "--scheduler", address, *(["-q"] if command == "nest" else []))
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    line = lines[0]
    here = wikicut.__version__
    assert line.startswith(f"error: the Dask cluster at {address} runs other code than this"
                           " client: "), line
    assert f"the scheduler: wikicut 0.0.9 (the client: {here})" in line
    assert f"worker {workers['none']}: no wikicut (the client: {here})" in line
    assert (f"worker {workers['stale']}: wikicut {here} without"
            " wikicut.cluster.search.search_task") in line
    assert workers["good"] not in line
    assert not out.exists()
