"""Arc fitting: the Numba kernel against its plain-Python reference (tests/reference_post.py)."""

from __future__ import annotations

import math
import random

from reference_post import fit_arcs_py

from wikicut.model import Move
from wikicut.post import arcfit


def _arc_moves(rng: random.Random) -> tuple[tuple[float, float, float], list[Move]]:
    """A mixture of what fit_arcs meets: polygonal arcs (some helical, some noisy), straight
    runs, plunges and rapids, with feeds that change."""
    moves: list[Move] = []
    x, y, z = rng.uniform(0, 2000), rng.uniform(0, 1000), -rng.uniform(0, 18)
    start = (x, y, z)
    for _ in range(rng.randint(3, 12)):
        kind = rng.random()
        feed = rng.choice([1000.0, 1000.0, 2000.0])
        if kind < 0.5:
            rad = rng.choice([0.3, 1.25, 3.0, 10.0, 250.0, rng.uniform(0.05, 50)])
            n = rng.randint(2, 90)
            step = rng.choice([1, -1]) * rng.uniform(0.02, 0.4)
            cx, cy = x - rad, y
            dz = rng.choice([0.0, 0.0, -0.05, 0.01])
            noise = rng.choice([0.0, 0.0, 1e-4, 0.01])
            for k in range(1, n + 1):
                a = step * k
                x = cx + rad * math.cos(a) + rng.uniform(-noise, noise)
                y = cy + rad * math.sin(a) + rng.uniform(-noise, noise)
                z += dz
                moves.append(Move("feed", x, y, z, feed))
        elif kind < 0.8:
            for _ in range(rng.randint(1, 20)):
                x += rng.uniform(-5, 5)
                y += rng.uniform(-5, 5)
                moves.append(Move("feed", x, y, z, feed))
        else:
            z = 5.0
            moves.append(Move("rapid", x, y, z))
            x, y = rng.uniform(0, 2000), rng.uniform(0, 1000)
            moves.append(Move("rapid", x, y, z))
            z = -rng.uniform(1, 18)
            moves.append(Move("feed", x, y, z, 500.0))
    return start, moves


def test_fit_arcs_kernel_matches_the_python_reference():
    rng = random.Random(5)
    arcs = 0
    for _ in range(150):
        start, moves = _arc_moves(rng)
        for tol in (0.02, 0.005):
            fast = arcfit.fit_arcs(start, moves, tol)
            assert fast == fit_arcs_py(start, moves, tol)
            arcs += sum(m.kind.startswith("arc") for m in fast)
    assert arcs > 100  # the cases do exercise arcs, not only lines


def test_fit_arcs_uncertain_tests_are_redone_in_python(monkeypatch):
    """With every kernel test 'uncertain' the Python fallback alone gives the same result."""
    rng = random.Random(9)
    start, moves = _arc_moves(rng)
    want = fit_arcs_py(start, moves, 0.02)
    calls = []
    real = arcfit.fit_from

    def spy(*a):
        calls.append(a[2])
        return real(*a)

    monkeypatch.setattr(arcfit, "fit_from", spy)
    monkeypatch.setattr(arcfit, "scan_arcs", lambda px, py, pz, feed, i, tol, best: i)
    assert arcfit.fit_arcs(start, moves, 0.02) == want
    assert calls
