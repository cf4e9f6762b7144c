"""Nesting: irregular parts with holes onto as few sheets as possible.

Each part at each allowed rotation is rasterised conservatively (raster.py): cell-disjoint
parts are at least `spacing` apart, holes stay free so small parts nest inside big ones. A
whole layout is then one Numba call (kernels/decode.py): items in a given order, each placed
bottom-left on the first open sheet that takes it. Because a decode costs milliseconds, the
search can afford thousands of them: a local search (walk.py) over the order and the
rotation of each item (swaps, moves to the front, rotation changes), keeping the best layout
by `solution.Key`: fewest sheets first, then the emptiest last sheet, which the next moves
try to empty completely and which otherwise leaves the largest offcut. When the first
layouts leave parts out (a roll too short, too few sheets in stock), the search first tries
to fit them. With a stock list (offcuts first), sheets count kind by kind, the last-listed
kind first (`solution.sheets_rank`), and the search tries one sheet fewer of each kind in
use (phases/fit.py).

Thin designs in several copies (curved ribs) are first stacked into bundles, one item each,
and expanded again at the end (bundle.py): the raster search rarely finds the one offset at
which two such arcs nest. Other designs pair up, a copy with one turned half way, where the
pair fills its bounding box better (chamfered blocks, chamfer to chamfer); parts the job lets
be cut face down (`NestItem.mirror`) also pair with their mirror image, and the decoder tries
their mirror images at every rotation beside the plain ones (problem.py).

Jobs of few designs in many copies (a house kit) are also solved as a cutting-stock problem
(phases/patterns.py): one-sheet layouts from the same decoder, priced by a linear program,
combined by an integer program; kept when they beat the order search's first layout.

Then overlap removal (overlap.py) takes over from the best layout: parts placed on the
raster where they may overlap, moved one at a time to where they overlap least, with
guided-local-search weights on cells that stay contested. Sheets (phases/eliminate.py): when
the layout is above the area bound, most of the time goes to emptying the least-filled sheet
into the others (laid side by side in one grid; with a stock list, among the sheets of the
last-listed kind in use, the offcuts' layouts staying as they are). Strips
(phases/strip.py): after a tenth of the time, the strip is shortened 0.2 % at a time, as
sparrow explores (a cut through the middle, failed layouts pooled and disrupted by swapping
two large parts), and for the last `strip_refine_share` of the search on a raster twice as
fine, each worker from its own coarse layout carried over exactly (phases/refine.py), and for
the last `strip_refine_last` of the time on one twice as fine again: the coarse raster
explores, each finer one closes the gaps a cell of the one before leaves between
neighbours. A layout with no overlap left is valid exactly as a decoded one is. In strip
mode the result is finally compacted in exact coordinates (compact.py: every part
slid left and down), which gives back the raster's slack between neighbours. A sheet job's
last sheet is emptied into the others in exact coordinates where that fits
(exact_fill.py: exact fits the raster cannot see, such as columns that fill the sheet's
width to the micron); then every sheet is compacted the same way, the last first, so each
sheet's free material lies along its far end and top, where it is sawn off and kept.

The time limit covers everything from the call on: bundles, the raster, the search (until
`finish_share` of the limit is left, and `finish_per_part` more a part) and the end (the exact
check, compaction, which stops at the limit, the check again). Only the kernels'
compilation, or loading from Numba's cache, comes before the clock starts (warmup.py), once
per process.

search.py runs the phases in turn, each given the one `Budget` (budget.py) or a share of it;
their tuning is `params.Params`. Two workers (each its own seed: workers.worker_seed) search in
parallel when `settings.workers` > 1 (on a cluster, `workers` of them: wikicut.cluster); the
best result wins, ties to the first. With `settings.iterations` set (counting decodes and
overlap moves), the result depends only on the inputs and the seed. The exact shapely check
(`verify_layout`) has the last word before a layout is returned.

Parts the user locked in place and fillers (parts that only take the room left) are set
aside first, the search runs on the others around them (locked.py, fillers.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import shapely

from ..model import Layout, NestItem, NestSettings, Stock, placed_outlines
from . import bundle, workers
from .budget import Budget
from .compact import compact, compact_sheet
from .exact_fill import fill_last_sheets
from .feasibility import check_fits, warn_fillers
from .fillers import fill
from .interrupt import DeferCtrlC
from .locked import locked_stocks, place_locked
from .params import DEFAULT, Params
from .problem import Problem, build, resolution
from .raster import tile_resolution
from .roll import cut_rolls, on_rolls
from .solution import Solution, to_layout
from .warmup import load_kernels

__all__ = ["NestProgress", "Params", "check_fits", "load_kernels", "nest", "placed_outlines",
           "resolution", "verify_layout"]


@dataclass(frozen=True)
class NestProgress:
    """A progress report: the best layout so far, and whether it just improved."""

    sheets: int
    utilisation: float
    elapsed: float
    placed: int
    total: int
    improved: bool
    area: float = 0.0  # mm2 of material the sheets (or the strip so far) counted take


def nest(items: list[NestItem], stocks: list[Stock], settings: NestSettings,
         progress: Callable[[NestProgress], None] | None = None, *,
         params: Params = DEFAULT) -> Layout:
    """Nest items onto the fewest sheets; see the module docstring. `params`: the search's
    tuning (tests). The time limit counts from after the kernels are ready
    (`load_kernels`)."""
    if not items:
        return Layout([])
    if any(it.lock is not None or it.filler for it in items):
        return _nest_around(items, stocks, settings, progress, params)
    load_kernels()
    t0 = time.monotonic()
    end = t0 + settings.time_limit
    strip = any(s.strip for s in stocks)
    # kept from the search: a sheet job's exact check and exact fill; a strip's check and
    # exact compaction
    fill_time = settings.time_limit * params.exact_fill_share
    keep = (settings.time_limit * params.strip_finish_share if strip
            else settings.time_limit * params.finish_share + fill_time)
    search_end = end - (keep + len(items) * params.finish_per_part)
    check_fits(items, stocks)
    res = resolution(stocks, items)
    given, stocks = stocks, cut_rolls(items, stocks, settings.spacing, res)
    parts = items
    # no pairs on a strip: its overlap search interlocks copies itself, and a pair's closed
    # outline and fixed offset only take arrangements away (30 s, 2 workers: gardeyn5 54.9
    # -> 60.6 %, swim 66.2 -> 69.8, shapes1 66.3 -> 72.5 without them)
    pairs = params.pairs and not strip
    # bundles and pairs by a share of the limit: on a busy machine pairing 30 designs took
    # 9 s of 10 and left the search none (the first layout and the check then overran)
    # (not with `iterations` set: the result must not depend on the clock more than before)
    bundle_end = (search_end if settings.iterations is not None
                  else min(search_end, t0 + settings.time_limit * params.bundle_share))
    items, bundles = (bundle.make_bundles(items, stocks, settings.spacing, bundle_end, pairs)
                      if params.bundles else (items, {}))
    res = tile_resolution(res, items, stocks, settings.spacing)
    mult = bundle.counts(items, bundles)  # parts per item
    p = build(items, stocks, settings.spacing, res)
    if bundles:  # a bundle counts its copies' parts and area (its outline closes the gaps)
        p.item_mult = mult
        p.item_area = np.array([sum(c.part.area for c in bundles[it.instance].items)
                                if it.instance in bundles else it.part.area for it in items])

    def report(s: Solution, improved: bool) -> None:
        if progress:
            sheet, stock, maxx = s.out.sheet, s.out.stock, s.out.maxx
            if p.strip and stock.shape[0]:  # a strip is used up to its length so far
                st = p.stocks[int(stock[0])]
                area = (float(maxx.max()) + 2 * st.margin) * st.height
            else:
                area = sum(p.stocks[t].width * p.stocks[t].height for t in stock.tolist())
            used = int(stock.shape[0])
            # a locked sheet is cut whatever the search does with it (locked.py)
            idle = [st for t, st in enumerate(p.stocks) if st.locked and t not in stock]
            area += sum(st.width * st.height for st in idle)
            area = area or 1.0
            placed = int(mult[sheet >= 0].sum())
            util = float(p.item_area[sheet >= 0].sum()) / area
            progress(NestProgress(used + len(idle), util, time.monotonic() - t0, placed,
                                  len(parts), improved, area))

    fixed = settings.iterations is not None
    budget = Budget(settings.iterations if fixed else 10**12, search_end, report, fixed)
    spec = workers.SearchSpec(items, stocks, settings.spacing, res, p.item_mult,
                              p.item_area if bundles else None, params, budget.iterations,
                              fixed, max(search_end - time.monotonic(), 0.0))
    with DeferCtrlC():
        p, best = _search(p, settings, params, budget, spec)
    raw = to_layout(p, best)
    layout = bundle.expand_layout(raw, bundles)
    problems = verify_layout(layout, settings.spacing)
    if problems:
        raise RuntimeError("nester produced an invalid layout: " + "; ".join(problems[:3]))
    if p.strip and layout.sheets:  # the raster's slack between neighbours, given back exactly
        tight = compact(layout, settings.spacing, p.res, end)
        if (tight.sheets[0].used_length < layout.sheets[0].used_length
                and not verify_layout(tight, settings.spacing)):
            layout = tight
    elif layout.sheets:
        # exact fits the raster cannot see: the last sheet emptied into the others, a
        # bundle as one part (a pair's copies keep their interlock), in half the time left
        # (the other half is the sheets' compaction's), and in the time kept for it
        # even when the search ran late
        now = time.monotonic()
        fill_end = now + max((end - now) / 2, fill_time)
        fewer = fill_last_sheets(raw, items, settings.spacing, p.res, fill_end, bundles,
                                 stocks)
        if len(fewer.sheets) < len(raw.sheets):
            fewer = bundle.expand_layout(fewer, bundles)
            if not verify_layout(fewer, settings.spacing):
                layout = fewer
        layout = _compact_sheets(layout, settings.spacing, p.res, params.compact_rounds,
                                 end)
    return on_rolls(layout, stocks, given)


def _compact_sheets(layout: Layout, spacing: float, res: float, rounds: int,
                    end: float) -> Layout:
    """Every sheet's parts slid left and down in exact coordinates (compact.py): each sheet's
    free material gathers along its far end and top, where it is sawn off and kept (a larger
    offcut, fewer pockets too small to keep). The last sheet first (its offcut is the
    largest), then the others in order, none begun that would end after `end` by the last
    one's time a part; each compacted sheet is kept only if it passes the exact check."""
    sheets = list(layout.sheets)
    per_part = 0.0  # seconds the last sheet's compaction and check took, a part
    for k in [len(sheets) - 1, *range(len(sheets) - 1)]:
        sheet = sheets[k]
        t = time.monotonic()
        if t + per_part * len(sheet.placements) >= end:
            break
        tight = compact_sheet(sheet, spacing, res, rounds, end)
        # a sheet compaction left as it was (no time for a pass) was checked with the layout
        if tight is not sheet and not verify_layout(replace(layout, sheets=[tight]), spacing):
            sheets[k] = tight
        per_part = (time.monotonic() - t) / max(len(sheet.placements), 1)
    return replace(layout, sheets=sheets)


def _search(p: Problem, settings: NestSettings, params: Params, budget: Budget,
            spec: workers.SearchSpec) -> tuple[Problem, Solution]:
    """The workers' search on `p`'s raster: (that problem, the best layout). Strips: each
    worker goes on for the last `strip_refine_share` of the budget on a raster
    `strip_refine` times finer, from its own layout (`workers.refining`), and for the last
    `strip_refine_last` on one finer again, the second worker (on a pool: every other one)
    with cuts of `second_shrink` and `second_strikes` strikes; then (the finest raster's
    problem, the best layout there). Sheet jobs stay on one raster:
    sheet elimination ended on a finer one (the last 40 %) emptied no sheet on the sheet and
    users' jobs, and lost one on sofa_structure_r180 (results/2026-12-02-refine.md)."""
    n = max(1, settings.workers)
    if not (p.strip and params.strip_refine > 1):
        return p, workers.run(p, n, settings.seed, budget, params, spec)
    # a pool's searches run the same chain where they run (workers.search_spec)
    spec = replace(spec, refine=True, seed0=settings.seed)
    fine, chain = workers.strip_chain(spec, p)
    return fine, workers.run(fine, n, settings.seed, budget, params, spec, searcher=chain,
                             second=params.second_worker())


def _nest_around(items: list[NestItem], stocks: list[Stock], settings: NestSettings,
                 progress: Callable[[NestProgress], None] | None, params: Params) -> Layout:
    """The items not locked and not fillers nested around the locked ones (locked.py), then
    the fillers into the room left (fillers.py), each search a share of the time limit."""
    t0 = time.monotonic()
    locked = [it for it in items if it.lock is not None]
    fillers = [it for it in items if it.lock is None and it.filler]
    warn_fillers(fillers, stocks)
    free = [it for it in items if it.lock is None and not it.filler]
    res = resolution(stocks, items)
    search, sheet_of = locked_stocks(locked, stocks, settings.spacing, res)
    share = settings.time_limit * (1.0 - params.filler_share) if fillers else settings.time_limit
    if progress is not None and locked:
        progress = _with_locked(progress, locked)
    layout = nest(free, search, replace(settings, time_limit=share), progress, params=params)
    if locked:
        layout = place_locked(layout, locked, stocks, sheet_of)
    left = max(settings.time_limit - (time.monotonic() - t0), 1e-3)
    layout = fill(layout, fillers, settings.spacing, res,
                  lambda its, sts: nest(its, sts, replace(settings, time_limit=left),
                                        params=params))
    problems = verify_layout(layout, settings.spacing)
    if problems:
        raise RuntimeError("nester produced an invalid layout: " + "; ".join(problems[:3]))
    return layout


def _with_locked(progress: Callable[[NestProgress], None], locked: list[NestItem]
                 ) -> Callable[[NestProgress], None]:
    """`progress` told of the locked parts too: the search's reports count only the parts it
    places, against sheets the locked parts share (the fillers come after, counted apart)."""
    n, a = len(locked), sum(it.part.area for it in locked)

    def told(pr: NestProgress) -> None:
        progress(replace(pr, placed=pr.placed + n, total=pr.total + n,
                         utilisation=pr.utilisation + a / pr.area))
    return told


def verify_layout(layout: Layout, spacing: float,
                  pair_ok: Callable[[object, object], bool] | None = None,
                  why: str = "") -> list[str]:
    """Exact check: every part inside its sheet's usable area, every pair >= spacing apart,
    or accepted by `pair_ok` where a layout allows closer pairs (common-line cutting: `why`
    ends its message)."""
    problems: list[str] = []
    for sheet in layout.sheets:
        usable = sheet.stock.usable.buffer(1e-6)
        pls = sheet.placements
        geoms = placed_outlines(pls)
        for k in np.flatnonzero(~shapely.contains(usable, geoms)).tolist():
            problems.append(f"sheet {sheet.index}: {pls[k].instance} outside the usable area")
        if len(geoms) < 2:
            continue
        tree = shapely.STRtree(geoms)
        a, b = tree.query(geoms, predicate="dwithin", distance=max(spacing - 1e-6, 0.0))
        keep = a < b
        a, b = a[keep], b[keep]
        order = np.lexsort((b, a))
        a, b = a[order], b[order]
        d = shapely.distance(geoms[a], geoms[b])
        if pair_ok is None:  # nearer than the spacing, or (none) sharing more than a touch:
            # all pairs at once (5,008 parts touching each other took seconds one by one)
            bad = d < spacing - 1e-6
            touch = np.flatnonzero(~bad & (d <= 0))
            if touch.size:
                over = shapely.area(shapely.intersection(geoms[a[touch]], geoms[b[touch]]))
                bad[touch] = over > 1e-6
        else:
            bad = np.array([not pair_ok(geoms[i], geoms[j])
                            for i, j in zip(a.tolist(), b.tolist())], np.bool_)
        for k in np.flatnonzero(bad).tolist():
            problems.append(f"sheet {sheet.index}: {pls[a[k]].instance} and "
                            f"{pls[b[k]].instance} are {d[k]:.3f} mm apart{why}")
    return problems

