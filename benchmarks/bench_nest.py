"""Nesting benchmarks: wikicut's nester beside sparrow (spyrrow) and u-nesting, same process.

    python benchmarks/bench_nest.py [--seconds N] [--only NAME ...] [--quick]
                                    [--skip-strip] [--skip-bins] [--skip-stock]
                                    [--skip-scaling] [--seeds K] [--first-seed S]
    python benchmarks/bench_nest.py --timing [--limits 5 10 20] [--only JOB ...]
    python benchmarks/bench_nest.py --users [--seconds N] [--only JOB ...]

1. strip: ESICUP strip instances, density after N s beside spyrrow's with the same seconds.
   With --seeds K each solver runs each instance with seeds 1..K (the same seeds for both;
   --first-seed S: S..S+K-1, a second table on seeds the first did not run):
   a row shows the mean density of each, their lowest and highest, and the ratio of the
   means; the time columns show the longest run. One seed decides a row where the search
   stops on whole units (jakobs2: 23.0 or 24.0 long, both solvers): results/2026-12-03.md.
2. bins: packingsolver/OpenCutList sheet jobs and examples/house: sheets used against the area
   lower bound and u-nesting's sheets.
3. stock: stock lists (offcuts listed before the full sheets): the sheets of each kind, beside
   the full sheets the job takes alone.
4. scaling: time to the first valid layout (construction only) for 50..1500 WikiHouse-like
   parts, sheets, peak RSS; each size in a fresh process so the RSS is its own.
5. timing (--timing, alone): nest()'s wall time against its time limit (house, whole house,
   a strip, the mixed 520-part job of mixed.py), reading excluded; and the kernels' cold
   start (compiled into an empty cache) against a warm one, each in a fresh process.
6. users (--users, alone): packingsolver's users' jobs (benchmarks/bins/): its solutions'
   sheets, checked independently (packingsolver.py), against wikicut's, and the wall time.

Every layout, ours and the others', is checked with wikicut.nest.verify_layout; a failure is
printed as INVALID. The machines are noisy, so each comparison runs back to back in the same
process. See benchmarks/README.md for the columns and measured results.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon

sys.path.insert(0, str(Path(__file__).resolve().parent))
import instances as I

from wikicut.model import (
    Layout,
    NestItem,
    NestSettings,
    Part,
    Placement,
    SheetLayout,
    Stock,
)
from wikicut.nest import nest, verify_layout

REPO = Path(__file__).resolve().parents[1]
HOUSE_JOB = REPO / "examples" / "house" / "job.toml"
QUICK_STRIP = ["fu", "jakobs1", "shirts"]
QUICK_BINS = ["table", "stool_x10", "chair", "house"]
SCALING_SIZES = [50, 150, 500, 1500]
QUICK_SCALING = [50, 150, 500]
SEED = 1
TIME_SLACK = 0.05  # a run's wall time may exceed its limit by this share (issue 36)


# --------------------------------------------------------------------------- output


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    """A plain aligned text table: first column left, numbers right."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]

    def line(r):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    out = [title, line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out) + "\n"


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB. Linux's VmHWM first: unlike
    getrusage (which also keeps the peak of exited threads) it restarts at /proc/self/
    clear_refs, so a measurement can leave out the JIT warm-up."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# --------------------------------------------------------------------------- strip


def wikicut_strip(inst: I.StripInstance, seconds: float, workers: int,
                  seed: int = SEED) -> dict:
    items = inst.nest_items()
    stock = inst.stock()
    t = time.monotonic()
    try:
        lay = nest(items, [stock], NestSettings(spacing=0.0, seed=seed, time_limit=seconds,
                                                workers=workers))
    except RuntimeError as exc:  # the nester's own final check refused its layout
        return {"status": "INVALID", "detail": str(exc), "time": time.monotonic() - t}
    el = time.monotonic() - t
    problems = verify_layout(lay, 0.0)
    if lay.unplaced:
        problems.append(f"{len(lay.unplaced)} unplaced")
    if problems or len(lay.sheets) != 1:
        return {"status": "INVALID", "detail": "; ".join(problems[:3]), "time": el}
    used = lay.sheets[0].used_length
    return {"status": "ok", "density": inst.total_area / (used * inst.strip_height),
            "length": used, "time": el}


def spyrrow_strip(inst: I.StripInstance, seconds: float, workers: int,
                  seed: int = SEED) -> dict:
    """sparrow on the same instance and budget; its layout is checked like ours."""
    parts = {it.id: part for it, part in zip(inst.items, inst.parts())}
    r = spyrrow_solve(inst.name, inst.strip_height,
                      [(it.id, it.polygon, it.demand, it.orientations) for it in inst.items],
                      parts, inst.stock(), 0.0, seconds, workers, seed)
    if r["status"] != "ok":
        return r
    length = r.pop("solution").width
    return {**r, "density": inst.total_area / (length * inst.strip_height), "length": length}


def spyrrow_solve(name: str, height: float, shapes: list[tuple], parts: dict, stock: Stock,
                  spacing: float, seconds: float, workers: int, seed: int) -> dict:
    """sparrow on a strip `height` high: `shapes` (id, polygon, copies, orientations), each
    id a key of `parts`. Its layout on `stock` cut to the strip's length is checked
    (`check_strip`): status ok with the solution and its time, or INVALID, or n/a when
    spyrrow is missing or fails."""
    try:
        import spyrrow
    except ImportError:
        return {"status": "n/a", "detail": "spyrrow is not installed"}
    sitems = [spyrrow.Item(i, [tuple(p) for p in poly.exterior.coords[:-1]], demand=n,
                           allowed_orientations=list(rots))
              for i, poly, n, rots in shapes]
    sinst = spyrrow.StripPackingInstance(name, height, sitems)
    cfg = spyrrow.StripPackingConfig(early_termination=True,
                                     total_computation_time=max(1, round(seconds)),
                                     num_workers=workers, seed=seed,
                                     min_items_separation=spacing or None)
    t = time.monotonic()
    try:
        sol = sinst.solve(cfg)
    except Exception as exc:  # noqa: BLE001 - a competitor's failure is a table cell
        return {"status": "n/a", "detail": f"spyrrow failed: {exc}"}
    el = time.monotonic() - t
    area = sum(parts[i].area * n for i, _, n, _ in shapes)
    problems = check_strip(sol, parts, stock, spacing, area, sum(n for _, _, n, _ in shapes))
    if problems:
        return {"status": "INVALID", "detail": "; ".join(problems[:3]), "time": el}
    return {"status": "ok", "solution": sol, "time": el}


def check_strip(sol, parts: dict, stock: Stock, spacing: float, total_area: float,
                count: int) -> list[str]:
    """sparrow's strip (`sol`: its placed items, ids keys of `parts`) as a layout on `stock`
    cut to the strip's length, checked like another solver's (`check_other`), and the parts
    it left out."""
    strip = replace(stock, width=max(sol.width, 1e-9))
    placements = [Placement(f"{p.id}#{k}", parts[p.id], float(p.translation[0]),
                            float(p.translation[1]), float(p.rotation))
                  for k, p in enumerate(sol.placed_items)]
    problems = check_other(Layout([SheetLayout(1, strip, placements, sol.width)]), spacing,
                           total_area)
    if len(placements) != count:
        problems.append(f"{count - len(placements)} unplaced")
    return problems


def check_other(lay: Layout, spacing: float, total_area: float) -> list[str]:
    """verify_layout for another solver's layout, forgiving float noise: their collision
    engines work to a tolerance, so parts that touch (spacing 0) overlap by ~1e-5 mm2. Only
    overlaps or overhangs larger than 1e-9 of the total part area, or gaps short of
    `spacing` by more than 1 micron, count."""
    if not verify_layout(lay, spacing):
        return []
    tol = 1e-9 * total_area
    real = []
    for sheet in lay.sheets:
        geoms = [p.placed().outline for p in sheet.placements]
        if not geoms:
            continue
        outside = sum(g.difference(sheet.stock.usable).area for g in geoms)
        if outside > tol:
            real.append(f"sheet {sheet.index}: {outside:.3g} mm2 outside the usable area")
        tree = shapely.STRtree(geoms)
        a, b = tree.query(np.array(geoms, dtype=object), predicate="dwithin",
                          distance=max(spacing - 1e-3, 0.0))
        for i, j in zip(a.tolist(), b.tolist()):
            if i >= j:
                continue
            gi, gj = geoms[i], geoms[j]
            ov = gi.intersection(gj).area
            if ov > tol or (spacing > 0 and gi.distance(gj) < spacing - 1e-3):
                real.append(f"sheet {sheet.index}: {sheet.placements[i].instance} and "
                            f"{sheet.placements[j].instance} {gi.distance(gj):.3f} mm apart, "
                            f"overlap {ov:.3g} mm2")
    return real


def _runs(runs: list[dict]) -> dict:
    """One solver's runs of an instance (one a seed) as one: the mean density, its lowest
    and highest, the longest time; not ok if any run was not."""
    bad = [r for r in runs if r["status"] != "ok"]
    out = dict(bad[0]) if bad else {"status": "ok"}
    times = [r["time"] for r in runs if "time" in r]
    if times:
        out["time"] = max(times)
    if not bad:
        d = [r["density"] for r in runs]
        out.update(density=sum(d) / len(d), lo=min(d), hi=max(d))
    return out


def run_strip(names: list[str], seconds: float, workers: int, seeds: int = 1,
              first: int = SEED) -> str:
    """The strip table; with `seeds` > 1 each solver runs every seed from `first` on,
    one after the other in this process, and the row shows their mean (`_runs`)."""
    from wikicut.nest import load_kernels

    load_kernels()  # compiled or loaded before the first row's clock, as nest() does
    best = I.best_known()
    rows = []
    ratios = []
    for name in names:
        inst = I.load_strip(name)
        mine, other = [], []
        for seed in range(first, first + seeds):
            mine.append(wikicut_strip(inst, seconds, workers, seed))
            other.append(spyrrow_strip(inst, seconds, workers, seed))
        ours, theirs = _runs(mine), _runs(other)
        ratio = (ours["density"] / theirs["density"]
                 if ours["status"] == theirs["status"] == "ok" else None)
        if ratio is not None:
            ratios.append((ratio, name))
        bk = best.get(name, I.BestKnown(None, None))
        over = ours["time"] / seconds - 1.0
        rows.append([
            name, str(inst.count),
            pct(ours.get("density")) if ours["status"] == "ok" else ours["status"],
            f"{ours['time']:.1f}", f"{100 * over:+.1f} %",
            "ok" if over <= TIME_SLACK else "OVER",
            pct(theirs.get("density")) if theirs["status"] == "ok" else theirs["status"],
            f"{theirs['time']:.1f}" if "time" in theirs else "n/a",
            "n/a" if ratio is None else f"{ratio:.3f}",
            "n/a" if bk.literature is None else f"{bk.literature:.2f}",
            "n/a" if bk.sparrow_record is None else f"{bk.sparrow_record:.2f}",
        ] + ([] if seeds < 2 else [spread(ours), spread(theirs)]))
        for who, r in (("wikicut", ours), ("spyrrow", theirs)):
            if r["status"] != "ok":
                print(f"  {name}: {who} {r['status']}: {r.get('detail', '')}", flush=True)
        print("  " + "  ".join(rows[-1]), flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if seeds > 1:
        each = f", mean of seeds {first}-{first + seeds - 1}"
    else:
        each = f", seed {first}" if first != SEED else ""
    out = table(f"Strip packing: density % after {seconds:g} s, {workers} workers{each} "
                f"(load average {load:.1f} at the end)",
                ["instance", "items", "wikicut%", "s", "overrun", "<= 105 %", "spyrrow%", "s",
                 "ratio", "best%", "record%"]
                + ([] if seeds < 2 else ["wikicut lo-hi", "spyrrow lo-hi"]), rows)
    if ratios:
        lo, hi = min(ratios), max(ratios)
        out += (f"mean ratio wikicut/spyrrow {sum(r for r, _ in ratios) / len(ratios):.3f} "
                f"({lo[0]:.3f} {lo[1]} .. {hi[0]:.3f} {hi[1]}), "
                f"{sum(r < 0.97 for r, _ in ratios)} of {len(ratios)} below 0.97\n")
    return out


def spread(r: dict) -> str:
    """A row's lowest and highest density over its seeds."""
    return f"{100 * r['lo']:.2f}-{100 * r['hi']:.2f}" if r["status"] == "ok" else "n/a"


# --------------------------------------------------------------------------- bins


def _house() -> tuple[list[NestItem], Stock, NestSettings]:
    from wikicut.io.items import job_items
    from wikicut.io.job import load_job

    job = load_job(HOUSE_JOB)
    return job_items(job), job.stocks[0], job.settings


def bins_problem(name: str) -> tuple[list[NestItem], Stock, float]:
    """Items, the (unlimited) sheet and the spacing of a bins job or 'house'."""
    if name == "house":
        items, stock, settings = _house()
        return items, replace(stock, count=None), settings.spacing
    b = I.load_bins(name)
    return b.nest_items(), b.stock(), b.spacing


def wikicut_bins(items: list[NestItem], stocks: list[Stock], spacing: float, seconds: float,
                 workers: int) -> dict:
    t = time.monotonic()
    try:
        lay = nest(items, stocks, NestSettings(spacing=spacing, seed=SEED,
                                               time_limit=seconds, workers=workers))
    except RuntimeError as exc:
        return {"status": "INVALID", "detail": str(exc), "time": time.monotonic() - t}
    el = time.monotonic() - t
    problems = verify_layout(lay, spacing)
    if lay.unplaced:
        problems.append(f"{len(lay.unplaced)} unplaced")
    if problems:
        return {"status": "INVALID", "detail": "; ".join(problems[:3]), "time": el}
    return {"status": "ok", "sheets": len(lay.sheets), "time": el, "layout": lay,
            "util": sum(p.part.area for s in lay.sheets for p in s.placements)
            / sum(s.stock.width * s.stock.height for s in lay.sheets)}


def unesting_bins(items: list[NestItem], stock: Stock, spacing: float, seconds: float,
                  strategy: str) -> dict:
    """u-nesting's multi-sheet solve on the same parts; its layout is checked like ours."""
    try:
        import u_nesting
    except ImportError:
        return {"status": "n/a", "detail": "u-nesting is not installed"}
    kinds: dict[int, tuple[str, Part, tuple[float, ...], int]] = {}
    for it in items:  # group instances of one part (same object) into a quantity
        k = kinds.get(id(it.part))
        kinds[id(it.part)] = (k[0], k[1], k[2], k[3] + 1) if k else (
            f"g{len(kinds)}", it.part, it.rotations, 1)
    geoms = []
    for gid, part, rots, qty in kinds.values():
        poly = part.outline
        g = {"id": gid, "polygon": [list(p) for p in poly.exterior.coords[:-1]],
             "quantity": qty}
        if poly.interiors:
            g["holes"] = [[list(p) for p in r.coords[:-1]] for r in poly.interiors]
        if tuple(rots) != (0.0,):
            g["rotations"] = [float(a) for a in rots]
        geoms.append(g)
    cfg = {"strategy": strategy, "spacing": spacing, "margin": stock.margin,
           "time_limit_ms": int(seconds * 1000), "multi_sheet": True}
    t = time.monotonic()
    try:
        r = u_nesting.solve_2d(geoms, {"width": stock.width, "height": stock.height}, cfg)
    except Exception as exc:  # noqa: BLE001 - a competitor's failure is a table cell
        return {"status": "n/a", "detail": f"u-nesting raised {exc}"}
    el = time.monotonic() - t
    if not r.get("success"):
        return {"status": "n/a", "detail": f"u-nesting refused: {r.get('code')} "
                f"{r.get('error')}", "time": el}
    by_id = {gid: part for gid, part, _, _ in kinds.values()}
    n_sheets = int(r["boundaries_used"])
    sheets = [SheetLayout(k + 1, stock, []) for k in range(max(n_sheets, 1))]
    for p in r["placements"]:
        k = int(p["boundary_index"])
        while k >= len(sheets):
            sheets.append(SheetLayout(len(sheets) + 1, stock, []))
        sheets[k].placements.append(Placement(
            f"{p['geometry_id']}#{p['instance']}", by_id[p["geometry_id"]],
            float(p["position"][0]), float(p["position"][1]),
            math.degrees(float(p["rotation"][0]))))
    problems = check_other(Layout(sheets), spacing, sum(it.part.area for it in items))
    if r.get("unplaced_count"):
        problems.append(f"{r['unplaced_count']} unplaced")
    if problems:
        return {"status": "INVALID", "detail": f"{len(problems)} problems: "
                + "; ".join(problems[:2]), "time": el, "sheets": n_sheets}
    return {"status": "ok", "sheets": n_sheets, "time": el}


def run_bins(names: list[str], seconds: float, workers: int, strategy: str) -> str:
    rows = []
    for name in names:
        items, stock, spacing = bins_problem(name)
        area = sum(it.part.area for it in items)
        lb = I.area_lower_bound(area, stock)
        ours = wikicut_bins(items, [stock], spacing, seconds, workers)
        theirs = unesting_bins(items, stock, spacing, seconds, strategy)

        def cell(r):
            return str(r["sheets"]) if r["status"] == "ok" else r["status"]

        rows.append([name, str(len(items)), f"{stock.width:.0f}x{stock.height:.0f}",
                     f"{spacing:g}/{stock.margin:g}", str(lb), cell(ours),
                     pct(ours.get("util")), f"{ours['time']:.1f}", cell(theirs),
                     f"{theirs['time']:.1f}" if "time" in theirs else "n/a"])
        for who, r in (("wikicut", ours), ("u-nesting", theirs)):
            if r["status"] != "ok":
                print(f"  {name}: {who} {r['status']}: {r.get('detail', '')}", flush=True)
        print("  " + "  ".join(rows[-1]), flush=True)
    return table(f"Sheet jobs: sheets used after {seconds:g} s ({workers} workers; "
                 f"u-nesting '{strategy}', multi_sheet)",
                 ["job", "parts", "sheet mm", "spc/mrg", "bound", "wikicut", "util%", "s",
                  "u-nest", "s"], rows)


# --------------------------------------------------------------------------- stock lists

# (job, offcut width, offcuts): offcuts as tall as the sheet, listed before the full sheets
STOCK_JOBS = [("house", 1220.0, 2), ("house", 800.0, 2), ("stool_x10", 1220.0, 1)]


def run_stock(seconds: float, workers: int) -> str:
    """Stock lists: the sheets of each kind with offcuts listed first, beside the full
    sheets the same job takes alone. An offcut should be used when it saves a full sheet and
    left alone when it does not."""
    rows = []
    for name, width, n in STOCK_JOBS:
        items, stock, spacing = bins_problem(name)
        offcut = replace(stock, width=width, count=n, name="offcut")
        alone = wikicut_bins(items, [stock], spacing, seconds, workers)
        listed = wikicut_bins(items, [offcut, stock], spacing, seconds, workers)
        if listed["status"] == "ok":
            used = sum(s.stock.name == "offcut" for s in listed["layout"].sheets)
            full, offcuts = str(listed["sheets"] - used), str(used)
        else:
            full, offcuts = listed["status"], ""
            print(f"  {name}: wikicut {listed['status']}: {listed.get('detail', '')}",
                  flush=True)
        rows.append([name, f"{n} x {width:.0f}x{stock.height:.0f}",
                     str(alone["sheets"]) if alone["status"] == "ok" else alone["status"],
                     full, offcuts, f"{listed['time']:.1f}"])
        print("  " + "  ".join(rows[-1]), flush=True)
    return table(f"Stock lists: offcuts listed before the full sheets, {seconds:g} s "
                 f"({workers} workers)",
                 ["job", "offcuts", "full alone", "full", "offcuts used", "s"], rows)


# --------------------------------------------------------------------------- scaling


def _rect_holes(rng, w, h, n, hw, hh) -> list[list[tuple[float, float]]]:
    """n rectangular through-holes of hw x hh along the part's length, inside the outline."""
    holes = []
    for k in range(n):
        cx = w * (k + 1) / (n + 1) + rng.uniform(-0.1, 0.1) * w / (n + 1)
        cy = h / 2
        holes.append([(cx - hw / 2, cy - hh / 2), (cx + hw / 2, cy - hh / 2),
                      (cx + hw / 2, cy + hh / 2), (cx - hw / 2, cy + hh / 2)])
    return holes


def _rib(rng) -> Polygon:
    """A long rib (~2400 x 300) with 18.5 mm notches cut into both long edges."""
    w, h = rng.uniform(1800, 2400), rng.uniform(250, 350)
    slot, depth = 18.5, rng.uniform(0.2, 0.3) * h  # notches stay clear of the holes
    n = int(rng.integers(3, 7))
    xs = sorted(w * (k + 1) / (n + 1) for k in range(n))
    bottom = [(0.0, 0.0)]
    for x in xs:
        bottom += [(x - slot / 2, 0.0), (x - slot / 2, depth), (x + slot / 2, depth),
                   (x + slot / 2, 0.0)]
    bottom.append((w, 0.0))
    top = [(w, h)]
    for x in reversed(xs[::2]):
        top += [(x + slot / 2, h), (x + slot / 2, h - depth), (x - slot / 2, h - depth),
                (x - slot / 2, h)]
    top.append((0.0, h))
    return Polygon(bottom + top, _rect_holes(rng, w, h, int(rng.integers(0, 3)), 150, 0.2 * h))


def _beam(rng) -> Polygon:
    w, h = rng.uniform(1000, 2300), rng.uniform(140, 250)
    return Polygon([(0, 0), (w, 0), (w, h), (0, h)],
                   _rect_holes(rng, w, h, int(rng.integers(0, 4)), 18.5, h * 0.4))


def _spacer(rng) -> Polygon:
    w, h = rng.uniform(200, 600), rng.uniform(150, 300)
    c = rng.uniform(10, 30)  # chamfered corners
    outer = [(c, 0), (w - c, 0), (w, c), (w, h - c), (w - c, h), (c, h), (0, h - c), (0, c)]
    return Polygon(outer, _rect_holes(rng, w, h, int(rng.integers(1, 3)), 40, 18.5))


def _wedge(rng) -> Polygon:
    w, a, b = rng.uniform(120, 220), rng.uniform(25, 40), rng.uniform(8, 15)
    return Polygon([(0, 0), (w, 0), (w, b), (0, a)])


def _bowtie(rng) -> Polygon:
    w, h = rng.uniform(120, 200), rng.uniform(60, 100)
    n = rng.uniform(0.25, 0.4) * h  # waist
    q = w / 2
    return Polygon([(0, 0), (q - 10, (h - n) / 2), (q + 10, (h - n) / 2), (w, 0), (w, h),
                    (q + 10, (h + n) / 2), (q - 10, (h + n) / 2), (0, h)])


MAKERS = [(_rib, 0.2), (_beam, 0.15), (_spacer, 0.3), (_wedge, 0.2), (_bowtie, 0.15)]


def wikihouse_like(n: int, seed: int = SEED) -> list[NestItem]:
    """n parts like a WikiHouse kit: a pool of about n/5 distinct designs (each repeated, as in
    a real kit), weighted towards many small connectors and a fifth long ribs."""
    rng = np.random.default_rng(seed)
    designs = []
    for k in range(max(5, n // 5)):
        maker = MAKERS[k % len(MAKERS)][0] if k < len(MAKERS) else MAKERS[
            int(rng.choice(len(MAKERS), p=[w for _, w in MAKERS]))][0]
        poly = shapely.geometry.polygon.orient(maker(rng), 1.0)
        assert poly.is_valid, maker.__name__
        designs.append(Part(name=f"{maker.__name__[1:]}-{k}", outline=poly, source="bench"))
    items = []
    counts: dict[str, int] = {}
    for i in range(n):
        part = designs[i] if i < len(designs) else designs[int(rng.integers(len(designs)))]
        counts[part.name] = counts.get(part.name, 0) + 1
        rots = (0.0, 180.0) if part.name.startswith("wedge") else (0.0, 90.0, 180.0, 270.0)
        items.append(NestItem(f"{part.name}#{counts[part.name]}", part, rots))
    return items


def scaling_one(n: int) -> dict:
    """One size, in this (fresh) process: warm the JIT up first so the time is the nester's,
    not Numba's compiler; the peak RSS is reset after the warm-up (Linux), so it is the
    resident size at the start ('base': Python, numpy, shapely, Numba) plus the nest's own."""
    stock = Stock(width=2440, height=1220, thickness=18, margin=15)
    settings = NestSettings(spacing=12.0, seed=SEED, time_limit=3600, workers=1, iterations=0)
    nest(wikihouse_like(5, seed=99), [stock], settings)
    gc.collect()
    # reset the peak to now (Linux), so compiling the kernels is not counted
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    base = peak_rss_mb()
    items = wikihouse_like(n)
    area = sum(it.part.area for it in items)
    t = time.monotonic()
    try:
        lay = nest(items, [stock], settings)
    except RuntimeError as exc:
        return {"n": n, "status": "INVALID", "detail": str(exc),
                "time": time.monotonic() - t, "rss": peak_rss_mb(), "base": base}
    el = time.monotonic() - t
    problems = verify_layout(lay, settings.spacing)
    if lay.unplaced:
        problems.append(f"{len(lay.unplaced)} unplaced")
    return {"n": n, "status": "INVALID" if problems else "ok", "detail": "; ".join(problems[:3]),
            "time": el, "sheets": len(lay.sheets), "bound": I.area_lower_bound(area, stock),
            "rss": peak_rss_mb(), "base": base}


def run_scaling(sizes: list[str]) -> str:
    rows = []
    for n in sizes:
        proc = subprocess.run([sys.executable, __file__, "--scaling-one", str(n)],
                              check=False, capture_output=True, text=True, cwd=REPO)
        try:
            r = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            r = {"n": n, "status": "ERROR",
                 "detail": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
        if r["status"] != "ok":
            print(f"  scaling {n}: {r['status']}: {r.get('detail', '')}", flush=True)
        rows.append([str(n), r["status"] if r["status"] != "ok" else "valid",
                     f"{r['time']:.2f}" if "time" in r else "n/a",
                     str(r.get("sheets", "n/a")), str(r.get("bound", "n/a")),
                     f"{r['rss']:.0f}" if "rss" in r else "n/a",
                     f"{r['base']:.0f}" if "base" in r else "n/a"])
        print("  " + "  ".join(rows[-1]), flush=True)
    return table("Scaling: first valid layout (iterations=0, 1 worker), 2440x1220, "
                 "spacing 12, margin 15",
                 ["parts", "layout", "s", "sheets", "bound", "peakMB", "baseMB"], rows)


# --------------------------------------------------------------------------- users' jobs


def _ps_cell(sol, count: int) -> str:
    """packingsolver's sheets, marked when its solution fails the check or is partial."""
    if sol is None:
        return "none"
    cell = str(sol.sheets)
    if sol.placed < count:
        cell += f" ({sol.placed}/{count} placed)"
    return cell + ("" if sol.valid else " INVALID")


def run_users(names: list[str], seconds: float, workers: int) -> str:
    """packingsolver's users' jobs (benchmarks/bins/): its solution's sheets (checked by
    benchmarks/packingsolver.py) against wikicut's after `seconds`, and nest()'s wall time
    against that limit (the job read and the kernels loaded before the clock)."""
    import packingsolver as PS

    from wikicut.nest import load_kernels

    load_kernels()
    rows, notes = [], []
    for name in names:
        try:
            job = I.load_bins(name)
            sol = PS.load_solution(job)
        except I.InstanceError as exc:
            rows.append([name, "-", "-", "-", "-", "-", "refused", "-", "-", "-", "-"])
            notes.append(f"{name}: refused: {exc}")
            print("  " + "  ".join(rows[-1]), flush=True)
            continue
        stocks = job.stocks()
        bound = job.area_bound()
        items = job.nest_items()
        t = time.monotonic()
        try:
            lay = nest(items, stocks, NestSettings(spacing=job.spacing, seed=SEED,
                                                   time_limit=seconds, workers=workers))
        except Exception as exc:  # noqa: BLE001 - a failure is a table cell
            wall = time.monotonic() - t
            lay, problems = None, [f"{type(exc).__name__}: {exc}"]
        else:
            wall = time.monotonic() - t
            problems = verify_layout(lay, job.spacing) + PS.check(
                job, PS.layout_sheets(job, lay), limits=len(job.sheets) > 1)
            if lay.unplaced:
                problems.append(f"{len(lay.unplaced)} unplaced")
        ours = "INVALID" if problems or lay is None else str(len(lay.sheets))
        vs = "n/a"
        if sol is not None and sol.valid and sol.placed == job.count and lay and not problems:
            d = len(lay.sheets) - sol.sheets
            vs = "=" if d == 0 else f"{d:+d}"
        over = 100.0 * (wall / seconds - 1.0)
        sheet = f"{job.sheet_width:.0f}x{job.sheet_height:.0f}"
        if len(job.sheets) > 1:
            sheet += f" +{len(job.sheets) - 1}"
        rows.append([name, str(job.count), sheet, f"{job.spacing:.4g}/{job.margin:.4g}",
                     _ps_cell(sol, job.count), str(bound), ours, vs, f"{wall:.2f}",
                     f"{over:+.1f} %", "ok" if wall <= 1.05 * seconds else "OVER"])
        if problems:
            notes.append(f"{name}: wikicut: {'; '.join(problems[:3])}")
        if sol is not None and not sol.valid:
            notes.append(f"{name}: packingsolver: {'; '.join(sol.problems[:3])}")
        notes += [f"{name}: {n}" for n in job.notes]
        print("  " + "  ".join(rows[-1]), flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = table(f"Users' jobs (packingsolver's repository): sheets after {seconds:g} s, "
                f"{workers} workers (load average {load:.1f} at the end)",
                ["job", "parts", "sheet mm", "spc/mrg", "packingsolver", "bound", "wikicut",
                 "vs ps", "wall s", "overrun", "<= 105 %"], rows)
    return out + ("\n" + "\n".join(notes) if notes else "")


# --------------------------------------------------------------------------- main


TIMING_JOBS = ["house", "whole-house", "swim", "mixed"]


def timing_job(name: str) -> tuple[list[NestItem], list[Stock], NestSettings]:
    """A job of the timing table, read (its reading is not timed)."""
    if name in ("house", "whole-house"):
        from wikicut.io.items import job_items
        from wikicut.io.job import load_job

        job = load_job(REPO / "examples" / name / "job.toml")
        return job_items(job), list(job.stocks), job.settings
    if name == "mixed":
        from mixed import mixed_job

        return mixed_job()
    inst = I.load_strip(name)
    return inst.nest_items(), [inst.stock()], NestSettings(spacing=0.0)


def cold_start() -> list[list[str]]:
    """load_kernels in fresh processes: into an empty Numba cache (compiling), then from it;
    its CPU seconds too (the wall clock of a shared machine says little; the process's own
    and the overlap kernels' process's, which compiles beside it on a cold start), the cache
    entries after each run (a warm run that adds some compiled them) and the load average."""
    import os
    import tempfile

    code = ("import os, time; t = time.monotonic(); import wikicut.nest as n; "
            "i = time.monotonic() - t; c = time.process_time(); k = os.times(); "
            "w = n.load_kernels(); e = os.times(); "
            "print(i, w, time.process_time() - c + (e.children_user - k.children_user) "
            "+ (e.children_system - k.children_system))")
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold (empty cache)", "warm"):
            got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                 text=True, check=True).stdout.split()
            entries = sum(1 for _ in Path(cache).rglob("*.nbc"))
            rows.append([label, f"{float(got[0]):.1f}", f"{float(got[1]):.1f}",
                         f"{float(got[2]):.1f}", str(entries), f"{os.getloadavg()[0]:.1f}"])
    return rows


def first_run() -> list[list[str]]:
    """The README's job from the command line (`wikicut nest examples/house/job.toml`, its
    programs included) in fresh processes: into an empty Numba cache, then from it. The
    difference is what the first run after an install pays for compiling; the warm run
    in the same call is its baseline."""
    import tempfile

    code = "import sys; from wikicut.cli import main; sys.exit(main())"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "numba"))
        walls = []
        for label in ("cold (empty cache)", "warm"):
            t = time.monotonic()
            subprocess.run([sys.executable, "-c", code, "nest", str(HOUSE_JOB), "-o",
                            str(Path(tmp) / "out"), "--force"], env=env, capture_output=True,
                           check=True)
            walls.append(time.monotonic() - t)
            rows.append([label, f"{walls[-1]:.1f}", f"{walls[-1] / walls[0]:.2f}",
                         f"{os.getloadavg()[0]:.1f}"])
    return rows


def run_timing(jobs: list[str], limits: list[float], workers: int) -> str:
    """Wall time of nest() against its limit, the kernels ready first (as nest() does before
    its clock starts) and the job read before the clock."""
    from wikicut.nest import load_kernels

    load_kernels()
    rows = []
    for name in jobs:
        items, stocks, settings = timing_job(name)
        for limit in limits:
            s = replace(settings, time_limit=limit, workers=workers, seed=SEED,
                        iterations=None)
            t = time.monotonic()
            lay = nest(items, stocks, s)
            wall = time.monotonic() - t
            over = 100.0 * (wall / limit - 1.0)
            rows.append([name, str(len(items)), f"{limit:g}", f"{wall:.2f}", f"{over:+.1f} %",
                         "ok" if wall <= (1 + TIME_SLACK) * limit else "OVER",
                         str(len(lay.sheets))])
            print(" ".join(rows[-1]), flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = table(f"Time limit kept ({workers} workers, load average {load:.1f} at the end)",
                ["job", "parts", "limit s", "wall s", "overrun", "<= 105 %", "sheets"], rows)
    return (out + "\n" + table("Kernels' cold start (fresh processes)",
                                ["run", "import s", "load_kernels s", "CPU s", "entries",
                                 "load"], cold_start())
            + "\n" + table("The house job from the command line, programs included (fresh "
                           "processes)", ["run", "wall s", "/ cold", "load"], first_run()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=None,
                    help="time per solver per instance (default 30; 5 with --quick)")
    ap.add_argument("--only", nargs="+", default=None, metavar="NAME",
                    help="instances/jobs to run (strip or bins names, 'house', 'stock', or "
                         "sizes)")
    ap.add_argument("--quick", action="store_true", help="a small subset, under 3 minutes")
    ap.add_argument("--skip-strip", action="store_true")
    ap.add_argument("--skip-bins", action="store_true")
    ap.add_argument("--skip-stock", action="store_true")
    ap.add_argument("--skip-scaling", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=1,
                    help="strip table: seeds per solver and instance, mean shown (default 1)")
    ap.add_argument("--first-seed", type=int, default=SEED, metavar="S",
                    help=f"strip table: the first seed (default {SEED})")
    ap.add_argument("--unesting-strategy", default="nfp")
    ap.add_argument("--timing", action="store_true",
                    help="only the time-limit table (with --only: its jobs) and cold start")
    ap.add_argument("--limits", type=float, nargs="+", default=[5.0, 10.0, 20.0])
    ap.add_argument("--users", action="store_true",
                    help="only packingsolver's users' jobs (benchmarks/bins/, with --only: "
                         "those), beside its solutions")
    ap.add_argument("--scaling-one", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.scaling_one is not None:
        print(json.dumps(scaling_one(a.scaling_one)))
        return 0
    if a.timing:
        print(run_timing(a.only or TIMING_JOBS, a.limits, a.workers))
        return 0
    if a.seeds < 1:
        ap.error("--seeds must be at least 1")
    seconds = a.seconds if a.seconds is not None else (5.0 if a.quick else 30.0)
    if a.users:
        names = I.user_bin_names()
        if a.only:
            unknown = set(a.only) - set(names)
            if unknown:
                ap.error(f"unknown users' job(s): {', '.join(sorted(unknown))}")
            names = [n for n in names if n in a.only]
        t0 = time.monotonic()
        print(run_users(names, seconds, a.workers))
        print(f"total {time.monotonic() - t0:.0f} s", flush=True)
        return 0
    strip = QUICK_STRIP if a.quick else I.strip_names() + I.real_strip_names()
    bins = QUICK_BINS if a.quick else I.bin_names() + ["house"]
    sizes = QUICK_SCALING if a.quick else SCALING_SIZES
    stock = True
    if a.only:
        only = set(a.only)
        strip = [n for n in I.strip_names() + I.real_strip_names() if n in only]
        bins = [n for n in I.bin_names() + I.user_bin_names() + ["house"] if n in only]
        sizes = [n for n in SCALING_SIZES + [int(x) for x in only if x.isdigit()]
                 if str(n) in only]
        sizes = sorted(set(sizes))
        stock = "stock" in only
        unknown = only - set(strip) - set(bins) - {str(n) for n in sizes} - {"stock"}
        if unknown:
            ap.error(f"unknown instance(s): {', '.join(sorted(unknown))}")
    out = []
    t0 = time.monotonic()
    if not a.skip_strip and strip:
        print(f"strip: {len(strip)} instances x {seconds:g} s x 2 solvers x {a.seeds} seeds",
              flush=True)
        out.append(run_strip(strip, seconds, a.workers, a.seeds, a.first_seed))
    if not a.skip_bins and bins:
        print(f"bins: {len(bins)} jobs x {seconds:g} s x 2 solvers", flush=True)
        out.append(run_bins(bins, seconds, a.workers, a.unesting_strategy))
    if not a.skip_stock and stock:
        print(f"stock: {len(STOCK_JOBS)} jobs x {seconds:g} s x 2 runs", flush=True)
        out.append(run_stock(seconds, a.workers))
    if not a.skip_scaling and sizes:
        print(f"scaling: {sizes}", flush=True)
        out.append(run_scaling(sizes))
    print()
    print("\n".join(out))
    print(f"total {time.monotonic() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
