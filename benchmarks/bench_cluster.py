"""wikicut on a Dask cluster: jobs per hour, `wikicut nest` one job after another against
`wikicut batch` on a LocalCluster; and the whole-house job's sheets with 1, 2, 4 and 8
searches (workers) at a fixed number of iterations per search. Results as Markdown tables on
stdout (benchmarks/results/*-cluster.md).

    python benchmarks/bench_cluster.py                          # ~15 min on 2 cores
    python benchmarks/bench_cluster.py --skip-batch --workers 1 2 4 8 --house-iterations 300
    python benchmarks/bench_cluster.py --scheduler tcp://HOST:8786   # a real cluster
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOBS = ["dxf-parts", "house", "microhouse"]


def _run(args: list[str]) -> float:
    t = time.monotonic()
    subprocess.run([sys.executable, "-m", "wikicut.cli", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - t


def batch_table(jobs: list[str], iterations: int, scheduler: str | None) -> str:
    paths = [str(ROOT / "examples" / j / "job.toml") for j in jobs]
    with tempfile.TemporaryDirectory() as tmp:
        one = [_run(["nest", p, "-o", f"{tmp}/nest-{k}", "--iterations", str(iterations), "-q"])
               for k, p in enumerate(paths)]
        extra = ["--scheduler", scheduler] if scheduler else []
        together = _run(["batch", *paths, "-o", f"{tmp}/batch", "--iterations",
                         str(iterations), "-q", *extra])
    seq = sum(one)
    rows = ["| run | jobs | wall time (s) | jobs per hour |", "|---|---:|---:|---:|",
            f"| `wikicut nest`, one after another | {len(paths)} | {seq:.1f} | "
            f"{len(paths) * 3600 / seq:.0f} |",
            f"| `wikicut batch` ({'the cluster' if scheduler else 'LocalCluster'}) | "
            f"{len(paths)} | {together:.1f} | {len(paths) * 3600 / together:.0f} |"]
    per = ", ".join(f"{j} {t:.1f} s" for j, t in zip(jobs, one))
    return "\n".join(rows) + f"\n\nEach `wikicut nest` alone: {per}.\n"


def house_table(workers: list[int], iterations: int, scheduler: str | None) -> str:
    from wikicut.cluster import connect, searches_on
    from wikicut.io.items import job_items
    from wikicut.io.job import load_job
    from wikicut.nest import load_kernels, nest

    job = load_job(ROOT / "examples" / "whole-house" / "job.toml", iterations=iterations)
    items = job_items(job)
    load_kernels()
    rows = ["| workers (searches) | where | sheets | wall time (s) |", "|---:|---|---:|---:|"]
    for w in workers:
        settings = replace(job.settings, workers=w, time_limit=3600)
        t = time.monotonic()
        if w <= 2 and not scheduler:
            layout, where = nest(items, list(job.stocks), settings), "local processes"
        else:
            with connect(scheduler) as client, searches_on(client):
                n = len(client.nthreads())
                t = time.monotonic()  # the cluster's start-up is not the search's
                layout = nest(items, list(job.stocks), settings)
            where = f"Dask, {n} worker processes"
        rows.append(f"| {w} | {where} | {len(layout.sheets)} | {time.monotonic() - t:.1f} |")
        print(rows[-1], file=sys.stderr, flush=True)
    return (f"whole-house ({len(items)} parts), `iterations = {iterations}` per search:\n\n"
            + "\n".join(rows) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", nargs="+", default=JOBS, help="example folders for the batch")
    ap.add_argument("--iterations", type=int, default=300, help="per job (batch table)")
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2, 4, 8])
    ap.add_argument("--house-iterations", type=int, default=200)
    ap.add_argument("--scheduler", help="a running Dask scheduler instead of a LocalCluster")
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--skip-house", action="store_true")
    a = ap.parse_args()
    if not a.skip_batch:
        print(batch_table(a.jobs, a.iterations, a.scheduler), flush=True)
    if not a.skip_house:
        print(house_table(a.workers, a.house_iterations, a.scheduler), flush=True)


if __name__ == "__main__":
    main()
