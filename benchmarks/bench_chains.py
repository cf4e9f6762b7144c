"""Exact fill with and without ejection chains, from fixed layouts of the 1,500-part user job.

Each layout in layouts/ is a search's result (23 sheets; which run made it is in its
file). The last sheet's parts go onto the earlier sheets by exact fill
(`nest.exact_fill.fill_last_sheets`, as `nest` calls it after the search), first with box
contact positions only (chains switched off), then as shipped (contact positions, then the
exact free regions and ejection chains, nest/chains.py). Both runs start from the same
layout and get the same deadline; the table shows the sheets each leaves, its time, and
whether the result passes `verify_layout`.

    python benchmarks/bench_chains.py [--seconds 120] [--only user1500-2mm-300s]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench_large import user_job

from wikicut.model import Layout, Placement, SheetLayout
from wikicut.nest import exact_fill, verify_layout
from wikicut.nest.problem import resolution

HERE = Path(__file__).parent / "layouts"


def load(name: str) -> tuple[Layout, list, float, str]:
    """The layout `name` of layouts/, the job's items, its cell size, and where it came
    from."""
    items, stock, settings = user_job(1500, None)
    by = {it.instance: it for it in items}
    data = json.loads((HERE / f"{name}.json").read_text())
    sheets = [SheetLayout(k + 1, stock, [Placement(i, by[i].part, x, y, r, m)
                                         for i, x, y, r, m in rows])
              for k, rows in enumerate(data["sheets"])]
    return Layout(sheets), items, settings.spacing, data["from"]


def run(name: str, seconds: float, chains: bool) -> tuple[int, float, bool]:
    lay, items, spacing, _ = load(name)
    res = resolution([lay.sheets[0].stock], items)
    keep = exact_fill._chain
    if not chains:
        exact_fill._chain = lambda *a: False
    try:
        t = time.monotonic()
        out = exact_fill.fill_last_sheets(lay, items, spacing, res, t + seconds)
        took = time.monotonic() - t
    finally:
        exact_fill._chain = keep
    return len(out.sheets), took, not verify_layout(out, spacing)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=120.0,
                    help="the fill's deadline, each run (default 120)")
    ap.add_argument("--only", nargs="+", help="layouts (file names without .json)")
    args = ap.parse_args()
    names = args.only or sorted(p.stem for p in HERE.glob("*.json"))
    rows = []
    for name in names:
        lay, _, _, src = load(name)
        last = lay.sheets[-1]
        area = sum(p.part.area for p in last.placements) / last.stock.usable.area
        a = run(name, args.seconds, chains=False)
        b = run(name, args.seconds, chains=True)
        rows.append((name, len(lay.sheets), len(last.placements), area, *a, *b))
        print(f"{name}: {src}", flush=True)
    print(f"\nExact fill of the last sheet, deadline {args.seconds:g} s a run")
    head = ("layout", "sheets", "last: parts", "area", "contacts", "s", "valid",
            "+ chains", "s", "valid")
    w = max(len(r[0]) for r in rows)
    print(f"{head[0]:<{w}}  " + "  ".join(f"{h:>11}" for h in head[1:]))
    for r in rows:
        cells = (r[1], r[2], f"{r[3]:.3f}", r[4], f"{r[5]:.1f}", r[6], r[7], f"{r[8]:.1f}",
                 r[9])
        print(f"{r[0]:<{w}}  " + "  ".join(f"{str(c):>11}" for c in cells))

if __name__ == "__main__":
    main()
