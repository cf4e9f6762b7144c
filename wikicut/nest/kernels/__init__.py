"""The nester's Numba kernels: small pure functions over numpy arrays (`@njit(cache=True)`,
no Python objects), one module per plain-Python driver beside this package: decode (the
bottom-left decoder), overlap (overlap removal; pairs, its loss per pair of parts on
strips), raster (rasterisation), compact (exact compaction).

Each kernel is compiled once per install (into its cache, see nest/warmup.py), for one set
of argument types: callers pass the same dtypes every time, and no literal where a kernel
calls a kernel (Numba compiles a kernel again for each literal value it is given). Helpers
of a few lines are inlined into their callers (`inline="always"`): no compile and no cache
entry of their own."""
