"""The search's tuning constants, in one place.

Tuned on the ESICUP strip instances and the bins benchmarks (benchmarks/); values near these
are within noise. Measurements live in benchmarks/results, not here. Tests pass a changed
copy (`dataclasses.replace(DEFAULT, ...)`) to `nest(..., params=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Params:
    # order search (sheets): share of forward moves that take a part off the last sheet,
    # which is the one the next moves try to empty
    target_last: float = 0.3
    # strip order search: the first target is this much shorter than the best; the step
    # halves after stall0 + stall1 * items fruitless moves
    step0: float = 0.02
    stall0: int = 400
    stall1: int = 4
    # strips: share of the time (or budget) for the bottom-left search before overlap
    # removal, which is denser but needs a layout to start from
    bl_share: float = 0.1
    # the same on a roll too short for the first layouts: fitting everything comes first
    fit_share: float = 0.5
    # sheets: share for the order search before sheet elimination; elimination empties
    # sheets the order search rarely does, so it gets most of the time
    bins_bl_share: float = 0.05
    # stock lists: share of the time left for one sheet fewer of a kind
    tighten_share: float = 0.25
    # sheets: at most this share of the time (or budget) for cutting-stock patterns
    pattern_share: float = 0.3
    # ... and this share when the job is large (search.LEAN_DECODE): the patterns are then
    # the search's best tool, and sheet elimination's window of a few sheets among hundreds
    # gains little
    lean_pattern_share: float = 0.6
    # strips: each valid layout is followed by a target this much shorter (small steps
    # leave little overlap to remove)
    ov_shrink: float = 0.002
    ov_no_gain: int = 2000  # moves without a new least overlap end a strike
    # ... on a strip at most this many a part: a strike as long on 12 or 50 parts as on 160
    # kept a stalled search at one length for seconds a separation (gardeyn2's fine
    # rasters: 7 s each); shorter ones fail sooner and the search goes on from the pool,
    # disrupted, or from another cut (results/2026-12-04-strikes.md)
    ov_no_gain_part: int = 10
    ov_strikes: int = 3  # strikes in a row without a 2 % gain end a separation
    # strips: the second worker cuts by this much and keeps at a separation for this many
    # strikes: longer cuts, more patience. Which of the two does better varies by strip
    # (fu, jakobs2 one way, gardeyn2 the other), and the better of two unlike searches is
    # worth more than the better of two alike (results/2026-12-04-portfolio.md)
    second_shrink: float = 0.004
    second_strikes: int = 5
    ov_large: float = 0.75  # disruption swaps parts among the largest that make this share
    ov_pool: int = 16  # failed layouts kept per length ...
    ov_pool_sd: float = 0.25  # ... and |N(0, sd)| * pool size picks one
    ov_samples: int = 100  # coarse positions tried per rotation for a moved part
    ov_bump: int = 5  # moves without progress before contested cells get dearer ...
    ov_factor: float = 1.3  # ... by this factor
    # strips: moves minimise the pair loss (sparrow's) rather than weighted cells
    ov_pairs: bool = True
    # a move samples about this many of a part's rotations and its own (0: all): a part with
    # 16 rotations otherwise makes every move slow
    ov_rot_keep: int = 4
    # a moved part descends from the best sample of only this many rotations (0: all)
    ov_descents: int = 3
    # a moved part also descends from where it is, in steps from this many cells (0: not)
    ov_local: int = 4
    # strips: a moved part also samples each rotation this many times near where it is
    # (sparrow's focused samples; 0: not): the coarse samples lie a stride apart and the
    # descent from its own position stops in the first dip (30 s, 8 strips, 4 seeds: mean
    # density 82.32 -> 82.55 %; all 23 strips, 2 seeds: flat; 25 samples: slower moves,
    # no gain; results/2026-12-04-focus.md)
    ov_focus: int = 9
    ov_anchors: int = 2  # cells of a moved part that must be free for a coarse sample to count
    ov_chunk: int = 200  # moves per kernel call (between deadline checks)
    # sheet elimination: at most this many raster cells side by side (memory) ...
    ov_max_cells: int = 8_000_000
    ov_window: int = 8  # ... and at most this many sheets besides the one to empty
    ov_step0: float = 0.1  # its cuts: the first, as a share of the sheet length ...
    ov_step_min: float = 0.005  # ... and the least, before starting from the first again
    # cuts in a row that fail before the next least-filled sheets make the window
    ov_window_fails: int = 10
    bundles: bool = True  # thin designs' copies stacked into one item (bundle.py)
    pairs: bool = True  # other designs' copies paired, one turned half way (bundle.py)
    # sheet jobs: share of the time limit kept after the search for the end: bundles
    # expanded, the exact check, the sheets' compaction and its check
    finish_share: float = 0.05
    finish_per_part: float = 2e-4  # ... and this many seconds a part (the check: 0.3 s on 1500)
    # strips: this share instead, for the exact check (quick on a few hundred parts) and the
    # exact compaction (after the finest raster it gives back 0-0.4 % of the length in
    # 0.01-0.25 s, and stops at the limit): gardeyn4-7 and shirts end at 29.7-30.1 s of 30,
    # where 0.03 left 0.3-0.9 s of the limit unused
    strip_finish_share: float = 0.01
    # strips: the last share of the search runs on a raster this many times finer, from the
    # coarse search's layout (1: none): the coarse raster explores, the fine one gives back
    # the cells' slack between neighbours, which the exact compaction only finds along x and y
    strip_refine: int = 2
    strip_refine_share: float = 0.4
    # ... and then on one `strip_refine` times finer again, for this share of the time
    # (0: none): each finer raster first gives back the slack between neighbours that the
    # one before left (swim: 0.7 % of the length in 0.3 s), then stalls as the one before
    # did (results/2026-12-04-rasters.md)
    strip_refine_last: float = 0.3
    # ... where each valid layout is followed by a target this much shorter (`ov_shrink`
    # on the coarse one): the fine raster resolves smaller gains
    refine_shrink: float = 0.001
    # strips: a cut whose overlap is not removed goes back to the last valid layout and is
    # tried again, a cut of random size (a cell up to `ov_shrink`) at a random place along
    # the strip, this many times at one length before the search goes on from the pool of
    # failed layouts, disrupted ...
    ov_retries: int = 0
    # ... and this many times on the finer raster (no pool: sparrow's compression). A
    # disruption there undoes the tight layout the coarse search handed over, and its
    # overlap took the rest of the time to remove (gardeyn7: 39,000 cells, 8 s)
    refine_retries: int = 1 << 30
    # sheet jobs: share of the time limit the exact fill (exact_fill.py) gets at least, kept
    # from the search; 0.17 s on 462 chamfered blocks, 0.05 s on 9 parts 1270 mm apart
    exact_fill_share: float = 0.03
    # passes of each sheet's exact compaction: most of the slack goes in the first few,
    # and a sheet of curved parts takes about 0.05 s a pass
    compact_rounds: int = 6
    # share of the time limit kept for fillers (fillers.py) after the job's own parts
    filler_share: float = 0.2
    # share of the time limit by which bundles and pairs are made (bundle.py); designs not
    # reached by then are nested copy by copy
    bundle_share: float = 0.3

    def second_worker(self) -> Params:
        """The settings a strip's second worker searches with (`second_shrink`,
        `second_strikes`)."""
        return replace(self, ov_shrink=self.second_shrink, ov_strikes=self.second_strikes)


DEFAULT = Params()
