"""What a search may spend: work (layouts decoded, overlap moves) against an iteration budget
and a deadline, with progress reports at most twice a second. One object goes to every phase;
a phase given a share of it gets a child (`share`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

Report = Callable[[Any, bool], None]  # (the best layout so far, improved?)


class Budget:
    """`iterations` of work before `deadline`. With `fixed` (the iterations set by the user)
    the result must not depend on time: phases split the iterations alone and all run to
    the overall deadline (which still caps the run)."""

    def __init__(self, iterations: int, deadline: float, report: Report | None = None,
                 fixed: bool = False) -> None:
        self.iterations, self.deadline, self.report, self.fixed = (iterations, deadline,
                                                                   report, fixed)
        self.used = 0
        self.last_report = time.monotonic()

    def live(self) -> bool:
        return self.used < self.iterations and time.monotonic() < self.deadline

    def left(self) -> int:
        return self.iterations - self.used

    def tick(self, k: int, best) -> None:
        self.used += k
        self.progress(best)

    def progress(self, best) -> None:
        """A report of the best so far, if the last was over half a second ago."""
        if self.report and time.monotonic() - self.last_report > 0.5:
            self.last_report = time.monotonic()
            self.report(best, False)

    def improved(self, best) -> None:
        if self.report:
            self.report(best, True)

    def phase_end(self, share: float) -> float:
        """When a phase given `share` of what is left must stop (the deadline, when fixed:
        a phase cut short by a slow or busy machine would make the result depend on it)."""
        if self.fixed:
            return self.deadline
        now = time.monotonic()
        return now + share * max(self.deadline - now, 0.0)

    def share(self, share: float, least: int = 0, report: bool = True) -> Budget:
        """A child budget: `share` of the iterations left (at least `least`) and of the time
        (`phase_end`); reports only if `report`. The parent is charged by `spend`."""
        return Budget(max(least, int(share * max(self.left(), 0))), self.phase_end(share),
                      self.report if report else None, self.fixed)

    def spend(self, k: int) -> None:
        """Charge work done elsewhere (a child's use, or its whole share)."""
        self.used += k
