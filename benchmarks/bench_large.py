"""Large mixed jobs: sheets against the area bound and wall time against the limit.

    python benchmarks/bench_large.py [--sizes 500 1500] [--seconds 10] [--workers 2]

The job is mixed.py's 24 designs from parts/ (walls, floors, roof, portal, windows,
joinery) with every design's copies scaled so the job has about `size` parts; one
2440 x 1220 sheet type, margin 15, spacing 12, wedges 0/180, the rest quarter turns.
`bound` is ceil(total part area / usable sheet area); `ratio` = sheets / bound (the issue's
goal: 1,500 parts within 1.10 in 10 s). `first` is the first valid layout
(iterations=0, one worker: construction only), `sheets` the layout after the limit. The
kernels are loaded before the clock (as nest() does); the job is built before it too.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mixed import DESIGNS, PARTS, THICKNESS  # noqa: E402

from wikicut.io.parts import load_part  # noqa: E402
from wikicut.model import NestItem, NestSettings, Stock  # noqa: E402
from wikicut.nest import load_kernels, nest, verify_layout  # noqa: E402

SEED = 1


def large_job(size: int) -> tuple[list[NestItem], Stock, NestSettings]:
    """mixed.py's designs, each design's copies scaled by size / 520 (at least one)."""
    total = sum(q for _, _, q in DESIGNS)
    items: list[NestItem] = []
    for k, (name, params, qty) in enumerate(DESIGNS):
        part = load_part(PARTS / f"{name}.toml", params, THICKNESS)
        rots = (0.0, 180.0) if name == "wedge" else (0.0, 90.0, 180.0, 270.0)
        n = max(1, round(qty * size / total))
        items += [NestItem(f"{name}-{k}#{i + 1}", part, rots) for i in range(n)]
    stock = Stock(width=2440, height=1220, thickness=THICKNESS, margin=15, material="BirchPly")
    return items, stock, NestSettings(spacing=12.0)


def bound(items: list[NestItem], stock: Stock) -> int:
    area = sum(it.part.area for it in items)
    return max(1, math.ceil(area / stock.usable.area - 1e-9))


def run(sizes: list[int], seconds: float, workers: int) -> str:
    load_kernels()
    rows = []
    for size in sizes:
        items, stock, settings = large_job(size)
        b = bound(items, stock)
        first = nest(items, [stock], replace(settings, iterations=0, workers=1, seed=SEED,
                                             time_limit=600.0))
        s = replace(settings, time_limit=seconds, workers=workers, seed=SEED, iterations=None)
        t = time.monotonic()
        lay = nest(items, [stock], s)
        wall = time.monotonic() - t
        ok = "valid" if not verify_layout(lay, settings.spacing) else "INVALID"
        n = len(lay.sheets)
        rows.append([str(len(items)), str(b), str(len(first.sheets)),
                     f"{len(first.sheets) / b:.3f}", str(n), f"{n / b:.3f}",
                     f"{wall:.2f}", f"{100 * (wall / seconds - 1):+.1f} %", ok])
        print(" ".join(rows[-1]), flush=True)
    head = ["parts", "bound", "first", "ratio", "sheets", "ratio", "wall s", "overrun",
            "layout"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    load = os.getloadavg()[0]
    lines = [f"Large mixed jobs: 2440x1220, spacing 12, margin 15, {seconds:g} s, "
             f"{workers} workers (load average {load:.1f} at the end)",
             "  ".join(h.rjust(w) for h, w in zip(head, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1500])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    print(run(a.sizes, a.seconds, a.workers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
