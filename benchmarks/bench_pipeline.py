"""Stage times of the whole pipeline on three jobs: the garden room (examples/house), the
whole house (examples/whole-house, ~1500 parts) and the WikiHouse Microhouse cutting file
(27 drawn sheets through `wikicut gcode`).

The real entry points run (pipeline.run_nest / run_gcode, exactly what the CLI calls); each
stage function is wrapped with a timer that counts its own time only (a plan_sheet inside the
preflight counts as preflight); "check" is every written program simulated against its sheet
before anything is written (wikicut.verify). Prints one table, stages as rows, jobs as
columns.

    python benchmarks/bench_pipeline.py                    # all three, nest time limit 20 s
    python benchmarks/bench_pipeline.py --time-limit 60 --jobs whole-house
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_nest import peak_rss_mb  # noqa: E402 (the benchmarks folder is not a package)

WIKIHOUSE = (ROOT.parent / "shared" / "fixtures" / "wikihouse"
             / "MicroHouse_othercomponents_v0.5.dxf")
JOBS = {"house": ROOT / "examples" / "house" / "job.toml",
        "whole-house": ROOT / "examples" / "whole-house" / "job.toml",
        "wikihouse": WIKIHOUSE}

# (stage, module, function): the functions the pipeline looks up at call time
STAGES = [
    ("read", "wikicut.io.job", "load_job"),
    ("read", "wikicut.pipeline.job", "job_items"),
    ("read", "wikicut.io.dxf", "read_cutting_file"),
    ("preflight", "wikicut.pipeline.job", "preflight_toolpaths"),
    ("nest", "wikicut.nest", "nest"),
    ("verify", "wikicut.nest", "verify_layout"),
    ("toolpath", "wikicut.cam", "plan_sheet"),
    ("gcode", "wikicut.post", "write_program"),
    ("check", "wikicut.pipeline.outputs", "check_programs"),
    ("dxf", "wikicut.io.dxf", "write_sheet_dxf"),
    ("svg", "wikicut.render", "sheet_svg"),
    ("report", "wikicut.io.report", "build_report"),
    ("report", "wikicut.render", "index_html"),
]
ORDER = ["read", "preflight", "nest", "verify", "toolpath", "gcode", "check", "dxf", "svg",
         "report", "other", "total"]


class Timers:
    """Time per stage; a stage function called inside another stage is charged to the outer
    one (the plan_sheet calls of the preflight count as preflight)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.depth = 0

    def wrap(self, stage: str, fn):
        def timed(*args, **kwargs):
            if self.depth:
                return fn(*args, **kwargs)
            self.depth += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                self.spent[stage] = self.spent.get(stage, 0.0) + time.perf_counter() - t0
        timed.__wrapped__ = fn
        return timed


@contextlib.contextmanager
def instrumented(timers: Timers):
    saved = []
    for stage, modname, fname in STAGES:
        mod = importlib.import_module(modname)
        fn = getattr(mod, fname)
        saved.append((mod, fname, fn))
        setattr(mod, fname, timers.wrap(stage, fn))
    try:
        yield
    finally:
        for mod, fname, fn in reversed(saved):
            setattr(mod, fname, fn)


def drawn_once(dxf: Path, tmp: Path) -> Path:
    """The cutting file without the nine outlines it draws on other parts, which the reading
    refuses (the tests' copy: tests/test_gcode_cutfile.py says which and why)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_gcode_cutfile import drawn_once as once

    return once(dxf, tmp)


def run(path: Path, time_limit: float, profile: str) -> dict[str, float]:
    import wikicut.io.job
    from wikicut.io.profiles import load_profile
    from wikicut.pipeline import run_gcode, run_nest

    timers = Timers()
    with tempfile.TemporaryDirectory() as tmp, instrumented(timers):
        t0 = time.perf_counter()
        if path.suffix.lower() == ".dxf":
            prof = load_profile(profile).with_tool(2.5)
            res = run_gcode(drawn_once(path, Path(tmp)), Path(tmp) / "out", prof)
        else:
            job = wikicut.io.job.load_job(path, time_limit=time_limit)
            res = run_nest(job, Path(tmp) / "out", profile=profile)
        total = time.perf_counter() - t0
    out = dict(timers.spent)
    out["other"] = total - sum(out.values())
    out["total"] = total
    out["#sheets"] = len(res.layout.sheets)
    out["#parts"] = sum(len(sh.placements) for sh in res.layout.sheets)
    out["#moves"] = sum(len(op.moves) for p in res.programs for op in p.operations)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", default="house,whole-house,wikihouse",
                    help="comma-separated: " + ", ".join(JOBS))
    ap.add_argument("--time-limit", type=float, default=20.0, help="nest search seconds")
    ap.add_argument("--profile", default="grbl")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.jobs.split(",") if n.strip()]
    for n in names:
        if n not in JOBS:
            ap.error(f"unknown job {n!r} (choose from {', '.join(JOBS)})")
    results = {}
    for n in names:
        if not JOBS[n].exists():
            print(f"skipping {n}: {JOBS[n]} not found", file=sys.stderr)
            continue
        print(f"running {n} ...", file=sys.stderr, flush=True)
        results[n] = run(JOBS[n], args.time_limit, args.profile)
    if not results:
        return 1
    cols = list(results)
    width = max(12, *(len(c) + 2 for c in cols))
    print(f"{'stage (s)':<12}" + "".join(f"{c:>{width}}" for c in cols))
    for stage in ORDER + ["#parts", "#sheets", "#moves"]:
        if not any(stage in r for r in results.values()):
            continue
        row = f"{stage:<12}"
        for c in cols:
            v = results[c].get(stage)
            row += f"{'-':>{width}}" if v is None else (
                f"{v:>{width}.0f}" if stage.startswith("#") else f"{v:>{width}.2f}")
        print(row)
    rss = peak_rss_mb()
    print(f"peak RSS of this process (all jobs): {rss:.0f} MB; nest time limit"
          f" {args.time_limit:g} s,"
          f" profile {args.profile}, tool 2.5 mm for the cutting file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
