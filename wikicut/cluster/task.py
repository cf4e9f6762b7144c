"""One job prepared where a worker runs it: its input files arrive as bytes, its outputs
leave as bytes (nothing is written on the worker but a temporary folder)."""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WikicutError
from .same import check_same


@dataclass(frozen=True)
class JobTask:
    """A job as plain data: its file, every file it reads (absolute path -> bytes), and the
    `wikicut nest` options it runs with."""

    path: str
    inputs: dict[str, bytes]
    overrides: dict = field(default_factory=dict)  # load_job's seed, time_limit, ...
    options: dict = field(default_factory=dict)  # run_nest's gcode, toolpaths, ...
    environment: dict = field(default_factory=dict)  # the client's (same.environment)


def _same_here(inputs: dict[str, bytes]) -> bool:
    """Whether every input is on this machine as sent (a shared folder, the same checkout)."""
    for name, data in inputs.items():
        try:
            here = Path(name).read_bytes()
        except OSError:
            return False
        if hashlib.sha256(here).digest() != hashlib.sha256(data).digest():
            return False
    return True


def _materialise(task: JobTask, tmp: Path) -> Path:
    """The job's file to load: its own path when the inputs are here, else a copy of them
    under `tmp` at the same absolute paths (relative references keep working)."""
    if _same_here(task.inputs):
        return Path(task.path)
    root = tmp / "in"
    for name, data in task.inputs.items():
        dest = root / Path(name).relative_to(Path(name).anchor)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return root / Path(task.path).relative_to(Path(task.path).anchor)


def prepare(task: JobTask) -> dict:
    """Run one job as `wikicut nest` would; its outputs' bytes and summary, or its one-line
    error. Errors are results (a failed job is not retried); a lost worker is (Dask)."""
    from ..io.job import load_job
    from ..nest import load_kernels
    from ..pipeline import run_nest

    t0 = time.monotonic()
    where = f"{socket.gethostname()}:{os.getpid()}"
    try:
        check_same(task.environment, where)
    except WikicutError as exc:  # before the kernels: another wikicut's may not even load
        return {"ok": False, "error": str(exc), "exit_code": exc.exit_code, "worker": where,
                "seconds": time.monotonic() - t0, "warmup": 0.0}
    warm = load_kernels()
    try:
        with tempfile.TemporaryDirectory(prefix="wikicut-job-") as tmp:
            job = load_job(_materialise(task, Path(tmp)), **task.overrides)
            out = Path(tmp) / "out"
            res = run_nest(job, out, **task.options)
            files = {p.relative_to(out).as_posix(): p.read_bytes()
                     for p in sorted(out.rglob("*")) if p.is_file()}
    except WikicutError as exc:
        return {"ok": False, "error": str(exc), "exit_code": exc.exit_code, "worker": where,
                "seconds": time.monotonic() - t0 - warm, "warmup": warm}
    except Exception as exc:  # noqa: BLE001 - a bug in one job must not stop the batch
        return {"ok": False, "error": f"internal error: {type(exc).__name__}: {exc}",
                "exit_code": 1, "worker": where,
                "seconds": time.monotonic() - t0 - warm, "warmup": warm}
    tot = res.report.get("totals", {})
    return {"ok": True, "files": files, "sheets": tot.get("sheets", 0),
            "utilisation": tot.get("utilisation", 0.0), "placed": tot.get("placed", 0),
            "parts": tot.get("parts", 0), "worker": where,
            "seconds": time.monotonic() - t0 - warm, "warmup": warm}
