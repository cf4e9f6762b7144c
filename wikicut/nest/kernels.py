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
    the shape's origin cell is at (i0, j0)."""
    ny = pre.shape[0]
    nx = pre.shape[1] - 1
    for k in range(rows.shape[0]):
        i = i0 + rows[k]
        a = j0 + lo[k]
        b = j0 + hi[k]
        if i < 0 or i >= ny or a < 0 or b >= nx:
            return True
        if pre[i, b + 1] - pre[i, a] > 0:
            return True
    return False


@njit(cache=True)
def first_fit(pre_parts: np.ndarray, pre_sheet: np.ndarray,
              rows_b: np.ndarray, lo_b: np.ndarray, hi_b: np.ndarray,
              rows_p: np.ndarray, lo_p: np.ndarray, hi_p: np.ndarray,
              h: int, w: int, x_first: bool) -> tuple:
    """The first position (bottom-left order) where the buffered shape misses every placed
    part and the bare shape misses every blocked sheet cell. (-1, -1) if none."""
    ny = pre_parts.shape[0]
    nx = pre_parts.shape[1] - 1
    if x_first:
        for j in range(0, nx - w + 1):
            for i in range(0, ny - h + 1):
                if not collides(pre_sheet, rows_p, lo_p, hi_p, i, j):
                    if not collides(pre_parts, rows_b, lo_b, hi_b, i, j):
                        return i, j
    else:
        for i in range(0, ny - h + 1):
            for j in range(0, nx - w + 1):
                if not collides(pre_sheet, rows_p, lo_p, hi_p, i, j):
                    if not collides(pre_parts, rows_b, lo_b, hi_b, i, j):
                        return i, j
    return -1, -1


@njit(cache=True)
def stamp(occ: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
          i0: int, j0: int) -> None:
    for k in range(rows.shape[0]):
        i = i0 + rows[k]
        for j in range(j0 + lo[k], j0 + hi[k] + 1):
            occ[i, j] = 1
