"""Many jobs and wider searches on a Dask cluster: a `LocalCluster` sized to the machine by
default, any running cluster given its scheduler's address (docs/cluster.md). Tasks take and
return plain data (file bytes, settings, arrays); each worker loads the Numba kernels once."""

from __future__ import annotations

from .batch import BatchResult, JobOutcome, run_batch
from .connect import connect
from .search import dask_searches, searches_on

__all__ = ["BatchResult", "JobOutcome", "connect", "dask_searches", "run_batch", "searches_on"]
