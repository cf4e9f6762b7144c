"""The nester's Numba kernels: small pure functions over numpy arrays (`@njit(cache=True)`,
no Python objects), one module per plain-Python driver beside this package: decode (the
bottom-left decoder), overlap (overlap removal), raster (rasterisation), compact (exact
compaction)."""
