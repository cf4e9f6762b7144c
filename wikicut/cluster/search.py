"""One job's independent searches (a seed a worker: nest.workers.worker_seed) as Dask tasks:
the nester's `workers.run` hands them over inside `searches_on(client)`; a search lost with its
worker is run again elsewhere (the same seed and iterations: the same result, in the time
left).

The time limit is one deadline for all of them, kept on the scheduler's clock (each worker
knows its own clock's offset to it): a search that waited for a free worker, or runs again
after its worker died, gets the time left, not the whole limit again (4 searches on 3
workers took twice the limit)."""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

from ..nest.interrupt import check
from ..nest.workers import Found, SearchSpec, search_spec, searching_on
from .same import check_same, environment

RETRIES = 2


def scheduler_clock(client) -> float:
    """The scheduler's clock (`distributed.metrics.time`) now, read from the client."""
    from distributed.metrics import time as wall

    t = time.monotonic()
    then = client.run_on_scheduler(wall)
    return then + (time.monotonic() - t) / 2


def seconds_left(deadline: float) -> float:
    """Seconds to `deadline` (the scheduler's clock) where this task runs."""
    from distributed import get_worker
    from distributed.metrics import time as wall

    try:
        offset = get_worker().scheduler_delay
    except ValueError:  # not on a worker (a test calling the task itself)
        offset = 0.0
    return deadline - (wall() + offset)


def search_task(spec: SearchSpec, seed: int, deadline: float,
                expected: dict[str, str]) -> Found:
    """One search on a worker, in the time left to `deadline` (never more than the limit:
    a clock offset misread cannot lengthen it); kernels are loaded on top, as locally."""
    check_same(expected, f"{socket.gethostname()}:{os.getpid()}")
    seconds = min(spec.seconds, max(seconds_left(deadline), 0.0))
    return search_spec(replace(spec, seconds=seconds), seed)


def dask_searches(client):
    """A pool for `searching_on`: every seed a task, the results in seed order."""

    def pool(spec: SearchSpec, seeds: list[int]) -> list[Found]:
        run = uuid.uuid4().hex  # keys unique on a scheduler others share
        deadline = scheduler_clock(client) + spec.seconds
        # the spec rides in each task (not scattered): it survives any worker's loss
        futures = [client.submit(search_task, spec, seed, deadline, environment(), pure=False,
                                 retries=RETRIES, key=f"wikicut-search-{seed}-{run}")
                   for seed in seeds]
        try:
            while not all(f.done() for f in futures):
                check()  # Ctrl-C is held (DeferCtrlC) while the nester waits here
                time.sleep(0.1)
            return client.gather(futures)
        except BaseException:
            client.cancel(futures)
            raise

    return pool


@contextlib.contextmanager
def searches_on(client) -> Iterator[None]:
    """Inside, the nester runs its `workers` searches on the client's cluster."""
    with searching_on(dask_searches(client)):
        yield
