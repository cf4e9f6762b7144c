"""Free rotation on strip instances: density with quarter turns against `rotations = "any"`
(model.free_angles), same instance, seconds and seeds, run back to back.

    PYTHONPATH=. python benchmarks/bench_rotation.py [--only fu ...] [--seconds 20]
                                                     [--seeds 1 2 3] [--workers 1]

Every layout is checked with wikicut.nest.verify_layout (spacing 0, as bench_nest.py's strip
table); a failure prints INVALID. Density = the items' area / (used length x strip height).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import instances as I

from wikicut.model import NestItem, NestSettings, free_angles
from wikicut.nest import nest, verify_layout

QUARTERS = (0.0, 90.0, 180.0, 270.0)


def run(inst: I.StripInstance, free: bool, seconds: float, seed: int, workers: int
        ) -> tuple[float | str, float]:
    items = inst.nest_items()
    angles: dict[int, tuple[float, ...]] = {}
    out = []
    for it in items:
        rots = QUARTERS
        if free:
            rots = angles.setdefault(id(it.part), free_angles(it.part.outline))
        out.append(NestItem(it.instance, it.part, rots))
    t = time.monotonic()
    lay = nest(out, [inst.stock()], NestSettings(spacing=0.0, seed=seed, time_limit=seconds,
                                                 workers=workers))
    el = time.monotonic() - t
    problems = verify_layout(lay, 0.0)
    if problems or lay.unplaced or len(lay.sheets) != 1:
        return f"INVALID ({'; '.join(problems[:2]) or 'unplaced'})", el
    used = lay.sheets[0].used_length
    return inst.total_area / (used * inst.strip_height), el


def _pct(d: float | str) -> str:
    return f"{100 * d:.1f} %" if isinstance(d, float) else d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", default=["fu"])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args()
    print('| instance | seed | quarter turns | "any" | ratio | wall s (quarter / any) |')
    print("|---|---|---|---|---|---|")
    for name in a.only:
        inst = I.load_strip(name)
        q_all, f_all = [], []
        for seed in a.seeds:
            q, tq = run(inst, False, a.seconds, seed, a.workers)
            f, tf = run(inst, True, a.seconds, seed, a.workers)
            ok = isinstance(q, float) and isinstance(f, float)
            if ok:
                q_all.append(q)
                f_all.append(f)
            ratio = f"{f / q:.3f}" if ok else "-"
            print(f"| {name} | {seed} | {_pct(q)} | {_pct(f)} | {ratio} | {tq:.1f} / {tf:.1f} |",
                  flush=True)
        if q_all:
            print(f"| {name} | mean | {100 * statistics.mean(q_all):.1f} % | "
                  f"{100 * statistics.mean(f_all):.1f} % | "
                  f"{statistics.mean(f_all) / statistics.mean(q_all):.3f} | |")


if __name__ == "__main__":
    main()
