"""A Dask client: on the scheduler at `address`, or on a `LocalCluster` of processes (one
thread each: the kernels hold the GIL) sized to the machine.

A scheduler address is tried first with a bounded handshake: Dask's own `Client` waits
without end for an answer from a server that accepts the connection but is no scheduler
(the dashboard's port, any web server), and calls a malformed address an internal error.
Then the scheduler and its workers are asked what code they run (same.check_cluster)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator

from ..errors import InputError
from .same import check_cluster

CONNECT_SECONDS = 20.0  # to reach the scheduler and hear it answer (docs/cluster.md)
WORKER_SECONDS = 60.0  # for a first worker on a scheduler that has none (docs/cluster.md)


def _missing() -> InputError:
    return InputError("the cluster needs Dask: pip install 'wikicut[cluster]'")


def check_scheduler(address: str) -> None:
    """A one-line refusal unless a Dask scheduler answers at `address` in CONNECT_SECONDS."""
    from distributed.comm import connect as open_comm

    seconds = CONNECT_SECONDS

    async def hello() -> None:
        comm = await asyncio.wait_for(open_comm(address, timeout=seconds), seconds)
        await comm.close()

    try:
        asyncio.run(hello())
    except (OSError, TimeoutError):
        raise InputError(f"cannot reach the Dask scheduler at {address} within {seconds:g} s"
                         " (is it running, and is this its address and port?)") from None
    except ValueError as exc:  # no port, an unknown scheme (http://)
        raise InputError(f"'{address}' is not a Dask scheduler's address"
                         f" ({' '.join(str(exc).split())}; e.g. tcp://10.0.0.5:8786)") from None
    except Exception:  # noqa: BLE001 - it answered, but not in Dask's protocol
        raise InputError(f"what answers at {address} is not a Dask scheduler (the dashboard's"
                         " port? the scheduler's is 8786 by default)") from None


@contextlib.contextmanager
def connect(address: str | None = None, workers: int | None = None) -> Iterator:
    """A `distributed.Client`, closed (and its LocalCluster stopped) on the way out; on a
    scheduler, once it has a worker (refused after WORKER_SECONDS without one)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise _missing() from None
    if address:
        check_scheduler(address)
        try:
            client = Client(address, timeout=f"{CONNECT_SECONDS}s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with client:
            try:
                client.wait_for_workers(1, timeout=WORKER_SECONDS)
            except TimeoutError:
                raise InputError(f"the Dask scheduler at {address} has no workers (waited"
                                 f" {WORKER_SECONDS:g} s): start them with 'dask worker"
                                 f" {address} --nthreads 1'") from None
            check_cluster(client, address)
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
