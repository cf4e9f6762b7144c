"""Large mixed jobs: sheets against the area bound and wall time against the limit.

    python benchmarks/bench_large.py [--jobs mixed user] [--sizes 500 1500] [--seconds 10]
                                     [--workers 2] [--user-file PATH] [--spyrrow [SECONDS]]

Two jobs. `mixed`: mixed.py's 24 designs from parts/ (walls, floors, roof, portal, windows,
joinery) with every design's copies scaled so the job has about `size` parts; one
2440 x 1220 sheet type, margin 15, spacing 12, wedges 0/180, the rest quarter turns (a
stand-in whose long ribs leave bands only its smallest parts fit: results/2026-12-02-large.md).
`user`: the parts of a real OpenCutList user's job sent to packingsolver (`2026-04-08`:
5,008 parts of 30 designs, blocks and brackets 84 to 600 mm, quarter turns, spacing and
margin 0, on 15000 x 3000 sheets), each design's copies scaled the same way (the first
copies of each design, so the selection is deterministic), on 2440 x 1220 sheets as issue
36 measured it; `user-own` is the whole job on its own 15000 x 3000 sheet. The file is read
from benchmarks/bins/ (`load_bins`; packingsolver's repository, MIT) or `--user-file`.
`bound` is ceil(total part area / usable sheet area); `ratio` = sheets / bound (the issue's
goal: 1,500 parts within 1.10 in 10 s). `first` is the first valid layout
(iterations=0, one worker: construction only), `sheets` the layout after the limit. The
kernels are loaded before the clock (as nest() does); the job is built before it too.

`lengths` is the layout read as one strip of the sheet's usable height: its full sheets, and
the last one up to its rightmost part, in usable sheet lengths. With `--spyrrow [SECONDS]`
(the limit's seconds when none given) sparrow packs the same parts as such a strip, with the
same spacing, rotations and workers, and its length is shown in the same unit: the state of
the art on the job, on the easier problem (a strip has no sheet edges to cut across, so n
sheets always make a strip at most n long).
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
from bench_nest import spyrrow_solve  # noqa: E402
from instances import load_bins  # noqa: E402
from mixed import DESIGNS, PARTS, THICKNESS  # noqa: E402

from wikicut.io.parts import load_part  # noqa: E402
from wikicut.model import Layout, NestItem, NestSettings, Part, Stock  # noqa: E402
from wikicut.nest import load_kernels, nest, verify_layout  # noqa: E402

SEED = 1
USER_JOB = "2026-04-08"


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


def user_job(size: int | None, path: str | None
             ) -> tuple[list[NestItem], Stock, NestSettings]:
    """The user's job: each design's first max(1, round(copies * size / 5008)) copies on a
    2440 x 1220 sheet; `size` None: all of them on the job's own sheet."""
    b = load_bins(path or USER_JOB)
    items: list[NestItem] = []
    for it in b.items:
        part = Part(name=f"{b.name}-{it.id}", outline=it.polygon, source=b.name)
        n = it.copies if size is None else max(1, round(it.copies * size / b.count))
        items += [NestItem(f"{part.name}#{k + 1}", part, it.rotations, mirror=it.mirror)
                  for k in range(n)]
    stock = (b.stock() if size is None else
             Stock(width=2440, height=1220, thickness=18.0, margin=b.margin, name=b.name))
    return items, stock, NestSettings(spacing=b.spacing)


def bound(items: list[NestItem], stock: Stock) -> int:
    area = sum(it.part.area for it in items)
    return max(1, math.ceil(area / stock.usable.area - 1e-9))


def lengths(lay: Layout) -> float:
    """The layout as one strip: its full sheets, and the last one up to its rightmost part,
    in usable sheet lengths (every sheet of one stock)."""
    last = lay.sheets[-1]
    x0, _, x1, _ = last.stock.usable.bounds
    right = max(p.placed().outline.bounds[2] for p in last.placements)
    return len(lay.sheets) - 1 + (right - x0) / (x1 - x0)


def spyrrow_lengths(items: list[NestItem], stock: Stock, spacing: float, seconds: float,
                    workers: int) -> dict:
    """sparrow on the job as a strip of the sheet's usable height (copies of a part as one
    item with its demand): its length in usable sheet lengths, the layout checked like
    ours."""
    if any(it.mirror for it in items):
        return {"status": "n/a", "detail": "sparrow does not mirror parts"}
    groups: dict[tuple, list[NestItem]] = {}
    for it in items:
        groups.setdefault((id(it.part), tuple(it.rotations)), []).append(it)
    x0, y0, x1, y1 = stock.usable.bounds
    shapes = [(str(k), its[0].part.outline, len(its), its[0].rotations)
              for k, its in enumerate(groups.values())]
    parts = {str(k): its[0].part for k, its in enumerate(groups.values())}
    strip = Stock(width=x1 - x0, height=y1 - y0, thickness=stock.thickness, margin=0.0,
                  name="strip")
    r = spyrrow_solve("job", y1 - y0, shapes, parts, strip, spacing, seconds, workers, SEED)
    if r["status"] != "ok":
        return r
    length = r.pop("solution").width
    return {**r, "lengths": length / (x1 - x0)}


def job(name: str, size: int, user_file: str | None
        ) -> tuple[list[NestItem], Stock, NestSettings]:
    if name == "mixed":
        return large_job(size)
    return user_job(None if name == "user-own" else size, user_file)


def run(jobs: list[str], sizes: list[int], seconds: float, workers: int,
        user_file: str | None = None, spyrrow: float | None = None) -> str:
    load_kernels()
    rows = []
    notes: list[str] = []
    cases = [(name, size) for name in jobs for size in ([0] if name == "user-own" else sizes)]
    for name, size in cases:
        items, stock, settings = job(name, size, user_file)
        b = bound(items, stock)
        first = nest(items, [stock], replace(settings, iterations=0, workers=1, seed=SEED,
                                             time_limit=600.0))
        s = replace(settings, time_limit=seconds, workers=workers, seed=SEED, iterations=None)
        t = time.monotonic()
        lay = nest(items, [stock], s)
        wall = time.monotonic() - t
        ok = "valid" if not verify_layout(lay, settings.spacing) else "INVALID"
        n = len(lay.sheets)
        rows.append([name, str(len(items)), f"{stock.width:g}x{stock.height:g}", str(b),
                     str(len(first.sheets)), f"{len(first.sheets) / b:.3f}", str(n),
                     f"{n / b:.3f}", f"{wall:.2f}", f"{100 * (wall / seconds - 1):+.1f} %", ok,
                     f"{lengths(lay):.2f}"])
        if spyrrow is not None:
            other = spyrrow_lengths(items, stock, settings.spacing, spyrrow, workers)
            rows[-1] += ([f"{other['lengths']:.2f}", f"{other['time']:.1f}"]
                         if other["status"] == "ok" else [other["status"], "-"])
            if other["status"] != "ok":
                notes.append(f"spyrrow on {name} {len(items)}: {other['detail']}")
        print(" ".join(rows[-1]), flush=True)
    head = ["job", "parts", "sheet", "bound", "first", "ratio", "sheets", "ratio", "wall s",
            "overrun", "layout", "lengths"]
    if spyrrow is not None:
        head += ["spyrrow lengths", "s"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    load = os.getloadavg()[0]
    against = "" if spyrrow is None else f"; spyrrow {spyrrow:g} s"
    lines = [f"Large jobs: {seconds:g} s, {workers} workers{against} (mixed: spacing 12, "
             f"margin 15; user: 0, 0; load average {load:.1f} at the end)",
             "  ".join(h.rjust(w) for h, w in zip(head, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines + notes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", nargs="+", default=["mixed", "user"],
                    choices=["mixed", "user", "user-own"])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1500])
    ap.add_argument("--user-file", help=f"the user's job ({USER_JOB}.json) if not in bins/")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--spyrrow", type=float, nargs="?", const=-1.0, metavar="SECONDS",
                    help="sparrow on each job as a strip (default: the same seconds)")
    a = ap.parse_args(argv)
    other = None if a.spyrrow is None else (a.seconds if a.spyrrow < 0 else a.spyrrow)
    print(run(a.jobs, a.sizes, a.seconds, a.workers, a.user_file, other))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
