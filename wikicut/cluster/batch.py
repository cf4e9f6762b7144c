"""`wikicut batch`: many jobs on a Dask cluster, each landing in OUTDIR/<job name>/ exactly
as `wikicut nest` writes it (all at once, as it finishes), then batch.json and index.html.
A failed job is a line in the summary, not the end of the batch.

Exit code: 0 when every job succeeded; 2 when every failure was bad input; else 3."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import EXIT_INPUT, EXIT_UNSAFE, InputError, WikicutError
from ..io.staging import check_outdir, safe_name, staged_output
from .connect import connect
from .same import environment
from .summary import batch_html
from .task import JobTask, prepare

RETRIES = 2  # a job whose worker died runs again elsewhere (errors in the job are not retried)


@dataclass
class JobOutcome:
    """One job's line in batch.json."""

    job: str
    name: str
    ok: bool
    folder: str | None = None
    sheets: int = 0
    utilisation: float = 0.0
    placed: int = 0
    parts: int = 0
    seconds: float = 0.0
    warmup: float = 0.0
    worker: str = ""
    error: str | None = None
    exit_code: int = 0


@dataclass
class BatchResult:
    jobs: list[JobOutcome]
    seconds: float
    workers: int

    @property
    def exit_code(self) -> int:
        failed = [j.exit_code for j in self.jobs if not j.ok]
        if not failed:
            return 0
        return EXIT_INPUT if all(c == EXIT_INPUT for c in failed) else EXIT_UNSAFE


def _task(path: Path, overrides: dict, options: dict, outdir: Path, force: bool,
          seen: set[str]) -> tuple[JobTask, str]:
    """The job read here first (bad input refused before any work is sent), its inputs
    as bytes; (task, output folder name)."""
    from ..io.job import load_job
    from ..pipeline import job_inputs

    job = load_job(path, **overrides)
    if job.inventory is not None:  # jobs at once cannot each draw on one file, and a worker
        # elsewhere would update its own copy of it
        raise InputError("a batch cannot draw on a remnant inventory ([remnants] inventory):"
                         " run such jobs one by one with wikicut nest", path)
    folder = safe_name(job.name)
    if folder in seen:
        raise InputError(f"another job in the batch is also named '{job.name}'", path)
    seen.add(folder)
    files = [Path(p).resolve() for p in job_inputs(job, options.get("profile"))]
    # the folder it will land in, checked as `nest` checks it, before any work is sent
    check_outdir(outdir / folder, force, files)
    inputs = {str(p): p.read_bytes() for p in files if p.is_file()}
    return JobTask(str(Path(path).resolve()), inputs, overrides, options,
                   environment()), folder


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def _land(outdir: Path, folder: str, files: dict[str, bytes], force: bool,
          inputs: list[Path]) -> None:
    with staged_output(outdir / folder, force, inputs) as stage:
        for name, data in files.items():
            dest = stage.tmp / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)


def run_batch(paths: list[Path], outdir: Path, *, address: str | None = None,
              workers: int | None = None, force: bool = False, overrides: dict | None = None,
              options: dict | None = None,
              say: Callable[[JobOutcome], None] | None = None) -> BatchResult:
    """Prepare every job on the cluster (a LocalCluster of `workers` processes without
    `address`); write each as it finishes, then the summary. `overrides` go to load_job
    (seed, time_limit, iterations, profile), `options` to run_nest (gcode, toolpaths...)."""
    from distributed import as_completed

    t0 = time.monotonic()
    overrides, options = overrides or {}, options or {}
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():  # every job would fail after its work
        raise InputError("exists and is not a folder", outdir)
    outcomes: dict[int, JobOutcome] = {}
    pending: dict[int, tuple[JobTask, str]] = {}
    seen: set[str] = set()
    for k, path in enumerate(paths):
        try:
            pending[k] = _task(Path(path), overrides, options, outdir, force, seen)
        except WikicutError as exc:
            outcomes[k] = JobOutcome(str(path), Path(path).stem, False, error=str(exc),
                                     exit_code=exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - a bug reading one job must not stop the batch
            outcomes[k] = JobOutcome(str(path), Path(path).stem, False,
                                     error=f"internal error: {type(exc).__name__}: {exc}",
                                     exit_code=1)
        if k in outcomes and say:
            say(outcomes[k])
    with connect(address, workers) as client:
        n_workers = len(client.nthreads())
        run = uuid.uuid4().hex  # keys unique on a scheduler others share
        futures = {client.submit(prepare, task, pure=False, retries=RETRIES,
                                 key=f"wikicut-job-{folder}-{run}"): k
                   for k, (task, folder) in pending.items()}
        try:
            for fut in as_completed(list(futures)):
                k = futures[fut]
                outcomes[k] = _outcome(fut, paths[k], *pending[k], outdir, force)
                if say:
                    say(outcomes[k])
        except BaseException:  # Ctrl-C: nothing more starts, nothing half-written stays
            client.cancel(list(futures))
            raise
    result = BatchResult([outcomes[k] for k in range(len(paths))], time.monotonic() - t0,
                         n_workers)
    outdir.mkdir(parents=True, exist_ok=True)  # not before: a batch refused writes nothing
    _write_atomic(outdir / "batch.json", json.dumps(
        {"seconds": round(result.seconds, 3), "workers": result.workers,
         "exit_code": result.exit_code, "jobs": [asdict(j) for j in result.jobs]}, indent=2)
        + "\n")
    _write_atomic(outdir / "index.html", batch_html(result))
    return result


def _outcome(fut, path: Path, task: JobTask, folder: str, outdir: Path,
             force: bool) -> JobOutcome:
    """A finished future's outcome, its files landed in outdir/folder when it succeeded."""
    base = JobOutcome(str(path), folder, False)
    try:
        got = fut.result()
    except Exception as exc:  # noqa: BLE001 - its workers kept dying (Dask gave up)
        base.error = f"{type(exc).__name__}: " + " ".join(str(exc).split())[:300]
        base.exit_code = EXIT_UNSAFE
        return base
    base.seconds, base.warmup = round(got["seconds"], 3), round(got["warmup"], 3)
    base.worker = got["worker"]
    if not got["ok"]:
        base.error, base.exit_code = got["error"], got["exit_code"]
        return base
    try:
        _land(outdir, folder, got["files"], force, [Path(p) for p in task.inputs])
    except WikicutError as exc:
        base.error, base.exit_code = str(exc), exc.exit_code
        return base
    base.ok, base.folder = True, folder
    for key in ("sheets", "utilisation", "placed", "parts"):
        setattr(base, key, got[key])
    return base
