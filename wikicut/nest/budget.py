"""What a search may spend: work (layouts decoded, overlap moves) against an iteration budget
and a deadline, with progress reports at most twice a second. One object goes to every phase;
a phase given a share of it gets a child (`share`).

With the iterations fixed, a search the deadline stops before they are spent has a layout
that depends on the machine's speed: its root budget records how many it had used
(`stopped`), and so does the `Cutoffs` of a run watching (`watching`), for the pipeline to
say so."""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Report = Callable[[Any, bool], None]  # (the best layout so far, improved?)


@dataclass
class Cutoffs:
    """The searches of a run the deadline stopped with fixed iterations left: the fewest
    iterations one of them had used (None: none was stopped), of how many."""

    done: int | None = None
    of: int = 0

    def note(self, done: int, of: int) -> None:
        if self.done is None or done < self.done:
            self.done, self.of = done, of


_cutoffs: contextvars.ContextVar[Cutoffs | None] = contextvars.ContextVar(
    "wikicut_cutoffs", default=None)


@contextlib.contextmanager
def watching() -> Iterator[Cutoffs]:
    """Inside, every search stopped by the deadline before its fixed iterations is noted in
    the Cutoffs yielded (the searches of other processes by what they send back:
    workers.Found)."""
    token = _cutoffs.set(Cutoffs())
    try:
        yield _cutoffs.get()
    finally:
        _cutoffs.reset(token)


class Budget:
    """`iterations` of work before `deadline`. With `fixed` (the iterations set by the user)
    the result must not depend on time: phases split the iterations alone and all run to
    the overall deadline (which still caps the run)."""

    def __init__(self, iterations: int, deadline: float, report: Report | None = None,
                 fixed: bool = False, parent: Budget | None = None) -> None:
        self.iterations, self.deadline, self.report, self.fixed = (iterations, deadline,
                                                                   report, fixed)
        self.parent = parent  # the budget a share was taken from (None: a search's own)
        self.used = 0
        # a search's own budget, fixed: the iterations used when the deadline stopped the
        # search with some left (None: it was not stopped so)
        self.stopped: int | None = None
        self.last_report = time.monotonic()

    def live(self) -> bool:
        if self.used >= self.iterations:
            return False
        if time.monotonic() < self.deadline:
            return True
        if self.fixed:  # every phase runs to the overall deadline: it ended the search
            self._cut_short()
        return False

    def _cut_short(self) -> None:
        """The deadline stopped this budget with iterations left: its search's own budget
        notes how many the search had used (a share's use is charged to its parent only
        when the phase ends, so the shares still running count too)."""
        b, done = self, self.used
        while b.parent is not None:
            b = b.parent
            done += b.used
        b.cut_short(done)

    def cut_short(self, done: int | None) -> None:
        """Note a search of this budget's iterations stopped by the deadline after `done`
        (None: not stopped; another process's search, as it sent it back), the fewest kept."""
        if done is None:
            return
        if self.stopped is None or done < self.stopped:
            self.stopped = done
        if (seen := _cutoffs.get()) is not None:
            seen.note(done, self.iterations)

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
                      self.report if report else None, self.fixed, self)

    def spend(self, k: int) -> None:
        """Charge work done elsewhere (a child's use, or its whole share)."""
        self.used += k
