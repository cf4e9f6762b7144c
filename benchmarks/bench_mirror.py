"""Mirroring (parts cut face down, `[nest] mirror`): the same instances nested with and
without mirror images allowed, same seeds and budget, run back to back.

    PYTHONPATH=. python benchmarks/bench_mirror.py [--strip shapes0 ...] [--bins deer ...]
                                                   [--seconds 20] [--iterations N]
                                                   [--seeds 1 2] [--workers 1] [--pairs]

Strip rows: density = the items' area / (used length x strip height). Bin rows: sheets, and
the last sheet's utilisation (what the next part could still use). Every layout is checked
with wikicut.nest.verify_layout; a failure prints INVALID. `--pairs` prints, per design of
two copies or more, how full its pair's bounding box is turned half way and mirrored
(bundle.py), against one copy's box. `--bins hooks` is a sheet job of HOOKS brackets (the
hook of tests/test_mirror.py, 330 x 180 mm: shapes0's third piece at 30 mm to the unit) on
1220 x 1220 mm sheets, 10 mm apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import instances as I
from shapely.geometry import Polygon

from wikicut.model import NestSettings, oriented_outline
from wikicut.nest import bundle, nest, verify_layout


def _settings(spacing: float, seed: int, a) -> NestSettings:
    return NestSettings(spacing=spacing, seed=seed, time_limit=a.seconds, workers=a.workers,
                        iterations=a.iterations)


def run_strip(inst: I.StripInstance, mirror: bool, seed: int, a) -> tuple[float | str, float]:
    items = [replace(it, mirror=mirror) for it in inst.nest_items()]
    t = time.monotonic()
    lay = nest(items, [inst.stock()], _settings(0.0, seed, a))
    el = time.monotonic() - t
    problems = verify_layout(lay, 0.0)
    if problems or lay.unplaced or len(lay.sheets) != 1:
        return f"INVALID ({'; '.join(problems[:2]) or 'unplaced'})", el
    return inst.total_area / (lay.sheets[0].used_length * inst.strip_height), el


HOOKS = 60


def hooks() -> I.BinInstance:
    pts = [(0, 2), (6, 2), (6, 0), (7, 0), (11, 4), (11, 6), (8, 6), (8, 3), (2, 3), (2, 6),
           (0, 6)]
    g = Polygon([(30.0 * x, 30.0 * y) for x, y in pts])
    return I.BinInstance("hooks", "mm", (I.BinSheet(1220.0, 1220.0, None, 15.0),), 10.0,
                         (I.BinItem("hook", g, HOOKS, (0.0, 90.0, 180.0, 270.0)),))


def load_bins(name: str) -> I.BinInstance:
    return hooks() if name == "hooks" else I.load_bins(name)


def run_bins(inst: I.BinInstance, mirror: bool, seed: int, a
             ) -> tuple[tuple[int, float, int] | str, float]:
    items = [replace(it, mirror=mirror) for it in inst.nest_items()]
    t = time.monotonic()
    lay = nest(items, [inst.stock()], _settings(inst.spacing, seed, a))
    el = time.monotonic() - t
    problems = verify_layout(lay, inst.spacing)
    if problems or lay.unplaced:
        return f"INVALID ({'; '.join(problems[:2]) or 'unplaced'})", el
    flipped = sum(p.mirrored for s in lay.sheets for p in s.placements)
    return (len(lay.sheets), lay.sheets[-1].utilisation, flipped), el


def pair_rows(name: str, items: list[tuple[str, object, int]], spacing: float) -> None:
    for ident, g, copies in items:
        if copies < 2 or bundle.box_fill(g) * bundle.PAIR_GAIN > 1.0:
            continue
        fills = []
        for turn, flip in ((180.0, False), (0.0, True), (180.0, True)):
            got = bundle._pair_step(g, oriented_outline(g, turn, flip), spacing)
            fills.append(2 * g.area / got[0] if got else None)
        cells = " | ".join("-" if f is None else f"{100 * f:.1f} %" for f in fills)
        print(f"| {name} | {ident} | {copies} | {100 * bundle.box_fill(g):.1f} % | {cells} |")


def _density(d: float | str) -> str:
    return f"{100 * d:.1f} %" if isinstance(d, float) else d


def _sheets(r: tuple[int, float, int] | str) -> str:
    """sheets, the last one's utilisation and, when any, how many parts are mirrored"""
    if isinstance(r, str):
        return r
    return f"{r[0]}, {100 * r[1]:.1f} %" + (f", {r[2]}" if r[2] else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strip", nargs="*", default=["shapes0"])
    ap.add_argument("--bins", nargs="*", default=["deer"])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--iterations", type=int, default=None)
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--pairs", action="store_true")
    a = ap.parse_args()
    if a.pairs:
        print("| instance | design | copies | one copy's box | pair, half turn | pair, mirrored |"
              " pair, mirrored + half turn |")
        print("|---|---|---|---|---|---|---|")
        for name in a.strip:
            inst = I.load_strip(name)
            pair_rows(name, [(it.id, it.polygon, it.demand) for it in inst.items], 0.0)
        for name in a.bins:
            inst = load_bins(name)
            pair_rows(name, [(it.id, it.polygon, it.copies) for it in inst.items],
                      inst.spacing)
        return
    if a.strip:
        print("| strip | seed | plain | mirror allowed | ratio | wall s (plain / mirror) |")
        print("|---|---|---|---|---|---|")
    for name in a.strip:
        inst = I.load_strip(name)
        ps, ms = [], []
        for seed in a.seeds:
            p, tp = run_strip(inst, False, seed, a)
            m, tm = run_strip(inst, True, seed, a)
            ok = isinstance(p, float) and isinstance(m, float)
            if ok:
                ps.append(p)
                ms.append(m)
            print(f"| {name} | {seed} | {_density(p)} | {_density(m)} | "
                  f"{f'{m / p:.3f}' if ok else '-'} | {tp:.1f} / {tm:.1f} |", flush=True)
        if ps:
            print(f"| {name} | mean | {100 * statistics.mean(ps):.1f} % | "
                  f"{100 * statistics.mean(ms):.1f} % | "
                  f"{statistics.mean(ms) / statistics.mean(ps):.3f} | |", flush=True)
    if a.bins:
        print("| bins | seed | plain: sheets, last sheet | mirror: sheets, last sheet, parts"
              " mirrored | wall s (plain / mirror) |")
        print("|---|---|---|---|---|")
    for name in a.bins:
        inst = load_bins(name)
        for seed in a.seeds:
            p, tp = run_bins(inst, False, seed, a)
            m, tm = run_bins(inst, True, seed, a)
            print(f"| {name} | {seed} | {_sheets(p)} | {_sheets(m)} | {tp:.1f} / {tm:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()
