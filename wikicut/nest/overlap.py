"""Overlap removal on the raster (the kernels: kernels/overlap.py), the engine of the strip's
overlap phase and of sheet elimination: the search state (`Overlap`) and one separation run
in strikes (`separate`)."""

from __future__ import annotations

import math
import random
import time

import numpy as np

from . import interrupt
from .budget import Budget
from .kernels import overlap as kernel
from .params import Params
from .problem import Problem
from .solution import Solution

# the pair loss keeps a weight for every pair of parts (8 bytes each): 32 MB at this many
PAIR_MAX_PARTS = 2000


class Overlap:
    """Overlap-search state on one raster (a strip, or sheets side by side starting at
    `offs` along u): per-cell part counts, cell weights and their row prefix sums, each
    part's variant and origin cell (variant -1: not placed yet, put in by the first run).
    With `pairs` (and `Params.ov_pairs`) moves minimise the pair loss, with a weight per
    pair of parts (kernels/pairs.py); keep-outs need the cell loss, which counts them, and
    more than PAIR_MAX_PARTS parts use it too."""

    def __init__(self, p: Problem, prm: Params, t: int, cnt: np.ndarray, var_of: np.ndarray,
                 u_of: np.ndarray, v_of: np.ndarray, item_v0: np.ndarray, item_v1: np.ndarray,
                 offs: np.ndarray, pairs: bool = False, span: int | None = None):
        self.p, self.prm, self.t, self.offs = p, prm, t, offs
        # ties go left by 0.5 over this many cells along u: the sheets' (`span`) when the
        # grid is cut shorter
        self.span = span or cnt.shape[0]
        cnt = cnt.astype(kernel.COUNT, copy=False)  # compact: see kernel.COUNT
        n = var_of.shape[0]
        n = n if pairs and prm.ov_pairs and n <= PAIR_MAX_PARTS and not cnt.any() else 0
        self.pw = np.ones((n, n))
        self.cnt, self.var_of, self.u_of, self.v_of = cnt, var_of, u_of, v_of
        self.item_v0, self.item_v1 = item_v0, item_v1
        for i in np.flatnonzero(var_of >= 0).tolist():
            sv = int(var_of[i])
            kernel.paint(cnt, p.rows, p.lo, p.hi, p.var_s0[sv], p.var_s1[sv], u_of[i],
                         v_of[i], 1)
        self.w = np.ones(cnt.shape, kernel.WEIGHT)
        self.S = np.zeros((cnt.shape[0], cnt.shape[1] + 1))
        self.mark = np.zeros(cnt.shape, kernel.MARK)
        self.reset_weights()

    def reset_weights(self) -> None:
        self.w[:] = 1.0
        self.pw[:] = 1.0
        kernel.prefix_rows(self.cnt, self.w, self.S, 0, self.cnt.shape[0] - 1)

    def state(self) -> tuple:
        return (self.cnt.copy(), self.var_of.copy(), self.u_of.copy(), self.v_of.copy())

    def restore(self, state: tuple) -> None:
        """Back to a saved layout; the weights stay."""
        self.cnt[:], self.var_of[:], self.u_of[:], self.v_of[:] = state
        kernel.prefix_rows(self.cnt, self.w, self.S, 0, self.cnt.shape[0] - 1)

    def move(self, i: int, sv: int, u: int, v: int, cap: np.ndarray) -> None:
        """Part i to variant sv at (u, v), clamped to its limits, and u to `cap` where the
        limits allow (never below the first origin: the grid has no cells there, so a part
        beyond it would overlap nothing and leave the stock). The prefix sums are left
        stale: reset_weights or restore refresh them."""
        lim = self.p.lim[self.t, sv]
        self.move_to(i, sv, int(max(min(u, lim[1], cap[sv]), lim[0])),
                     int(min(max(v, lim[2]), lim[3])))

    def move_to(self, i: int, sv: int, u: int, v: int) -> None:
        """Part i to variant sv at (u, v) as given; prefix sums left stale."""
        p = self.p
        old = int(self.var_of[i])
        kernel.paint(self.cnt, p.rows, p.lo, p.hi, p.var_s0[old], p.var_s1[old],
                     self.u_of[i], self.v_of[i], -1)
        self.var_of[i], self.u_of[i], self.v_of[i] = sv, u, v
        kernel.paint(self.cnt, p.rows, p.lo, p.hi, p.var_s0[sv], p.var_s1[sv], u, v, 1)

    def length(self) -> float:
        """How far the bare parts reach along u (a strip's length)."""
        placed = self.var_of >= 0
        return float((self.u_of[placed] * self.p.res
                      + self.p.var_right[self.var_of[placed]]).max(initial=0.0))

    def place(self, pos: np.ndarray) -> None:
        """Back to a layout given by each part's variant and origin cell (n x 3: a
        strike's `keep`, kernel.separate); the weights stay."""
        for i in range(pos.shape[0]):
            sv, u, v = int(pos[i, 0]), int(pos[i, 1]), int(pos[i, 2])
            if sv != self.var_of[i] or u != self.u_of[i] or v != self.v_of[i]:
                self.move_to(i, sv, u, v)
        kernel.prefix_rows(self.cnt, self.w, self.S, 0, self.cnt.shape[0] - 1)

    def run(self, cap: np.ndarray, moves: int, rng: random.Random, strike: np.ndarray,
            keep: np.ndarray) -> tuple[int, int]:
        """Up to `moves` moves (kernel.separate, which keeps the strike's progress in
        `strike` and its least-overlap layout in `keep`): (overlap left, moves counted,
        >= 1)."""
        p, prm = self.p, self.prm
        grid = kernel.Grid(self.cnt, self.w, self.S, self.mark, self.pw)
        parts = kernel.Parts(self.var_of, self.u_of, self.v_of, self.item_v0, self.item_v1,
                             p.item_vars)
        # focused samples only on strips: measured there (sheet elimination's cell loss
        # was not)
        tuning = kernel.Tuning(prm.ov_samples, 0.5 / self.span, prm.ov_bump,
                               prm.ov_factor, prm.ov_anchors, prm.ov_descents, prm.ov_rot_keep,
                               prm.ov_local, prm.ov_focus if p.strip else 0)
        left, used = kernel.separate(grid, parts, p.shapes(), p.lim, self.t, cap, self.offs,
                                     moves, rng.randrange(1 << 30), tuning, strike, keep)
        interrupt.check()
        return left, max(used, 1)


def separate(ov: Overlap, cap: np.ndarray, rng: random.Random, budget: Budget,
             best: Solution) -> int:
    """Overlap removal in strikes: moves until `ov_no_gain` of them (on a strip at most
    `ov_no_gain_part` a part) bring no new least overlap, then back to the least-overlap
    layout (weights kept); a strike that gains under 2 % counts, `ov_strikes` of them in a
    row give up. The least is looked at after every move (the kernel keeps it), as sparrow
    looks after every iteration. Returns the overlap left (0: a valid layout, which stays
    in `ov`); the moves count in `budget`, whose progress reports show `best`."""
    prm = ov.prm
    no_gain = prm.ov_no_gain
    if ov.p.strip and prm.ov_no_gain_part > 0:
        no_gain = min(no_gain, max(prm.ov_no_gain_part * len(ov.p.items), 1))
    # least overlap (-1: not known), moves since it last fell by 2 %, the strike's length,
    # the overlap where the last call began
    strike = np.array([-1, 0, no_gain, 0], np.int64)
    keep = np.zeros((len(ov.var_of), 3), np.int64)  # the least's layout, once it is known
    strikes = 0
    per_move = 0.0  # seconds a move took in the last chunk
    while strikes < prm.ov_strikes and budget.live():
        first = int(strike[0])  # the loss this strike starts from (-1: not known yet)
        strike[1] = 0
        while strike[1] < no_gain and budget.live():
            chunk = min(prm.ov_chunk, budget.left())
            if not budget.fixed and per_move > 0 and budget.deadline < math.inf:
                # the last chunk ends by the deadline: 200 moves of a large part take half
                # a second on a busy machine, and the second worker's late result held the
                # end (a strip's exact compaction) back by over a second
                chunk = min(chunk, max(1, int((budget.deadline - time.monotonic())
                                              / per_move)))
            t = time.monotonic()
            left, k = ov.run(cap, chunk, rng, strike, keep)
            per_move = (time.monotonic() - t) / k
            budget.tick(k, best)
            if first < 0:
                first = int(strike[3])
            if left == 0:
                return 0
        least = int(strike[0])
        strikes = strikes + 1 if first >= 0 and first * 0.98 <= least else 0
        if least >= 0:
            ov.place(keep)
    return max(int(strike[0]), 1)
