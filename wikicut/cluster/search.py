"""One job's independent searches (seed, seed + 1, ...) as Dask tasks: the nester's
`workers.run` hands them over inside `searches_on(client)`; a search lost with its worker
is run again elsewhere (the same seed and iterations: the same result)."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator

from ..nest.interrupt import check
from ..nest.workers import Found, SearchSpec, search_spec, searching_on

RETRIES = 2


def dask_searches(client):
    """A pool for `searching_on`: every seed a task, the results in seed order."""

    def pool(spec: SearchSpec, seeds: list[int]) -> list[Found]:
        run = uuid.uuid4().hex  # keys unique on a scheduler others share
        # the spec rides in each task (not scattered): it survives any worker's loss
        futures = [client.submit(search_spec, spec, seed, pure=False, retries=RETRIES,
                                 key=f"wikicut-search-{seed}-{run}") for seed in seeds]
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
