"""The toolpath stage's Numba kernels: small pure functions over numpy arrays.

Their plain-Python references live beside the tests (tests/reference_cam.py).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def clean_walk(xs, ys, zs):
    """Indices of the walk's points kept: repeats (within 1e-7) dropped, and a point that lies
    on the segment between its neighbours replaced by the next (as depth.dist3 / collinear).
    [-1] when a distance is too close to the threshold to decide as CPython would."""
    n = len(xs)
    keep = np.empty(n, np.int64)
    m = 0
    for k in range(n):
        x, y, z = xs[k], ys[k], zs[k]
        if m > 0:
            q = keep[m - 1]
            d = math.sqrt((xs[q] - x) ** 2 + (ys[q] - y) ** 2 + (zs[q] - z) ** 2)
            if abs(d - 1e-7) < 1e-12:  # x ** 2 in CPython is libm pow: may round apart
                keep[0] = -1
                return keep[:1]
            if not d > 1e-7:
                continue
        if m >= 2:
            a, b = keep[m - 2], keep[m - 1]
            abx, aby, abz = xs[b] - xs[a], ys[b] - ys[a], zs[b] - zs[a]
            acx, acy, acz = x - xs[a], y - ys[a], z - zs[a]
            nn = acx * acx + acy * acy + acz * acz
            if nn > 0:
                t = (abx * acx + aby * acy + abz * acz) / nn
                if 0 < t < 1:
                    dx, dy, dz = abx - t * acx, aby - t * acy, abz - t * acz
                    if dx * dx + dy * dy + dz * dz < 1e-18:
                        keep[m - 1] = k
                        continue
        keep[m] = k
        m += 1
    return keep[:m]


@njit(cache=True)
def two_opt_round(dist, idx):
    """One round of 2-opt on an open path from fixed node 0 (`idx`, changed in place):
    reverse a stretch wherever that shortens it; whether any did."""
    n = dist.shape[0] - 1
    improved = False
    for i in range(n - 1):
        for j in range(i + 2, n + 1):
            a, b = idx[i], idx[i + 1]
            c = idx[j]
            old = dist[a, b] + (dist[c, idx[j + 1]] if j + 1 <= n else 0.0)
            new = dist[a, c] + (dist[b, idx[j + 1]] if j + 1 <= n else 0.0)
            if new < old - 1e-9:
                idx[i + 1:j + 1] = idx[i + 1:j + 1][::-1].copy()
                improved = True
    return improved
