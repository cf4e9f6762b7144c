"""A Dask client: on the scheduler at `address`, or on a `LocalCluster` of processes (one
thread each: the kernels hold the GIL) sized to the machine."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from ..errors import InputError


def _missing() -> InputError:
    return InputError("the cluster needs Dask: pip install 'wikicut[cluster]'")


@contextlib.contextmanager
def connect(address: str | None = None, workers: int | None = None) -> Iterator:
    """A `distributed.Client`, closed (and its LocalCluster stopped) on the way out."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise _missing() from None
    if address:
        try:
            client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:
        # the in-process scheduler's GC timing callback: a Ctrl-C (raised by the signal
        # handler) that lands while it runs is printed and dropped, and the run goes on
        from distributed.gc import disable_gc_diagnosis

        disable_gc_diagnosis(force=True)
        yield client
