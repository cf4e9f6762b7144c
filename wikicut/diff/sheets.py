"""One sheet's parts compared by id, from report.json: added, removed, moved (their box's
lower-left corner, by how much, turned by how much) and resized; and where the parts that
left a sheet went."""

from __future__ import annotations

import math

from .result import SheetDiff

MOVE_TOL = 0.001  # mm: report.json keeps 3 decimals
SIZE_TOL = 0.01  # mm: a part's box this much larger or smaller is the same size


def _corner_and_size(p: dict) -> tuple[float, float, float, float]:
    """A placed part's box: lower-left corner and size (x, y and nothing else in reports
    without one). A part turned 180 degrees keeps its box where x, y move with its length."""
    b = p.get("bbox")
    if not b:
        return p["x"], p["y"], 0.0, 0.0
    return b[0], b[1], b[2] - b[0], b[3] - b[1]


def sheet_diff(index: int, old: dict | None, new: dict | None) -> SheetDiff:
    """Sheet `index` in the old report and the new (None: not in that folder)."""
    a = {p["id"]: p for p in (old or {}).get("parts", [])}
    b = {p["id"]: p for p in (new or {}).get("parts", [])}
    d = SheetDiff(index, added=[k for k in b if k not in a], removed=[k for k in a if k not in b],
                  status="both" if old and new else "added" if new else "removed")
    for k in a.keys() & b.keys():
        pa, pb = a[k], b[k]
        (xa, ya, wa, ha), (xb, yb, wb, hb) = _corner_and_size(pa), _corner_and_size(pb)
        dx, dy = xb - xa, yb - ya
        flips = [pa.get("mirrored", False), pb.get("mirrored", False)]
        if (abs(dx) > MOVE_TOL or abs(dy) > MOVE_TOL or pa["rotation"] != pb["rotation"]
                or flips[0] != flips[1]):
            d.moved.append({"id": k, "dx": round(dx, 3), "dy": round(dy, 3),
                            "distance": round(math.hypot(dx, dy), 3),
                            "rotation": [pa["rotation"], pb["rotation"]],
                            # only where it changed (a part turned face down or up)
                            **({"mirrored": flips} if flips[0] != flips[1] else {})})
        turn = (pb["rotation"] - pa["rotation"]) % 180
        if turn in (0, 90):  # a quarter turn swaps the box's sides; other angles: unknown
            size = (wb, hb) if turn == 0 else (hb, wb)
            if abs(size[0] - wa) > SIZE_TOL or abs(size[1] - ha) > SIZE_TOL:
                d.resized.append({"id": k, "size": [[round(wa, 3), round(ha, 3)],
                                                    [round(wb, 3), round(hb, 3)]]})
    d.moved.sort(key=lambda m: (-m["distance"], m["id"]))
    d.resized.sort(key=lambda m: m["id"])
    return d


def where_parts_went(per_sheet: list[SheetDiff], reps: list[dict]) -> None:
    """Mark the parts removed from the job altogether and those new to it (distinct from
    parts moved to another sheet or left unplaced)."""
    jobs = [{p["id"] for s in r.get("sheets", []) for p in s.get("parts", [])}
            | {u["id"] for u in r.get("unplaced", [])} for r in reps]
    for s in per_sheet:
        s.left_job = [k for k in s.removed if k not in jobs[1]]
        s.new_in_job = [k for k in s.added if k not in jobs[0]]
