"""The exact clearance test of the exact fill and the ejection chains: a placed outline at
least the spacing from every other (with no spacing: touching, never sharing interior), as
`verify_layout` judges it, less TOL."""

from __future__ import annotations

import numpy as np
import shapely

TOL = 5e-7  # mm: a position may be this short of the spacing (verify allows 1e-6)


def clashing(tree: shapely.STRtree, cands: np.ndarray, spacing: float) -> np.ndarray:
    """Indices of the outlines `cands` closer than the spacing (less TOL) to a geometry of
    `tree`, or, with no spacing, sharing interior with one (repeats possible)."""
    if spacing > TOL:
        near, _ = tree.query(cands, predicate="dwithin", distance=spacing - TOL)
        return near
    a, b = tree.query(cands, predicate="intersects")
    # interiors meet where they intersect but do not touch: a prepared predicate, far
    # cheaper than the general relate on neighbours that touch along edges
    # (results/2026-12-05-chains.md)
    return a[~shapely.touches(tree.geometries[b], cands[a])]
