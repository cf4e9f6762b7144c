"""The order search on sheets: a walk (walk.py) over the order and rotations, judged by the
decoder's layout, until the area bound is reached."""

from __future__ import annotations

import random

from ..budget import Budget
from ..params import Params
from ..problem import Problem, lower
from ..solution import Solution
from ..walk import Walk


class _OrderWalk(Walk):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.bound = lower(self.p)

    def done(self) -> bool:
        key = self.best.key
        return key.unplaced == 0 and key.sheets == self.bound


def search_order(p: Problem, best: Solution, rng: random.Random, budget: Budget,
                 prm: Params) -> Solution:
    """The best layout the order search finds from `best`."""
    return _OrderWalk(p, best, rng, budget, prm).run()
