"""Numba kernels of the raster nester: pure functions over numpy arrays.

A shape is rasterised conservatively into per-row column intervals; the sheet keeps, per
row, a prefix sum of occupied cells, so testing an interval is two lookups.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def row_prefix(occ: np.ndarray) -> np.ndarray:
    """prefix[i, j] = number of occupied cells occ[i, :j]."""
    ny, nx = occ.shape
    pre = np.zeros((ny, nx + 1), np.int32)
    for i in range(ny):
        s = 0
        for j in range(nx):
            s += occ[i, j]
            pre[i, j + 1] = s
    return pre


@njit(cache=True)
def collides(pre: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             i0: int, j0: int) -> bool:
    """True if any interval [lo, hi] of row rows[k] (shape-local) hits an occupied cell when
    the shape's origin cell is at (i0, j0). Cells beyond the grid count as free: the spacing
    band of a part may hang over the sheet edge (the bare part is kept inside by the caller)."""
    ny = pre.shape[0]
    nx = pre.shape[1] - 1
    for k in range(rows.shape[0]):
        i = i0 + rows[k]
        if i < 0 or i >= ny:
            continue
        a = max(j0 + lo[k], 0)
        b = min(j0 + hi[k], nx - 1)
        if a > b:
            continue
        if pre[i, b + 1] - pre[i, a] > 0:
            return True
    return False


@njit(cache=True)
def first_fit(pre: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              i_min: int, i_max: int, j_min: int, j_max: int) -> tuple:
    """The first free position in bottom-left order, column by column (lowest x first, so
    the last sheet fills from one end and leaves the largest offcut). Returns (found, i, j):
    positions may be negative, as the spacing band can hang over the sheet edge."""
    for j in range(j_min, j_max + 1):
        for i in range(i_min, i_max + 1):
            if not collides(pre, rows, lo, hi, i, j):
                return True, i, j
    return False, 0, 0


@njit(cache=True)
def stamp(occ: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
          i0: int, j0: int) -> None:
    ny, nx = occ.shape
    for k in range(rows.shape[0]):
        i = i0 + rows[k]
        if i < 0 or i >= ny:
            continue
        for j in range(max(j0 + lo[k], 0), min(j0 + hi[k], nx - 1) + 1):
            occ[i, j] = 1
