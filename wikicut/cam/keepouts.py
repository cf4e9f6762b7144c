"""Keep-outs in the toolpaths: the nester keeps parts off a sheet's keep-out zones (clamps,
damaged areas), and the tool crosses them only above the clamps (heights.over_keepouts):
a rapid that would pass over one lower goes up first, across, and down again."""

from __future__ import annotations

import shapely

from ..model import P3, Move, Profile, SheetProgram


def lift_over_keepouts(program: SheetProgram, p: Profile) -> None:
    """Raise every rapid that crosses a keep-out below the clamp height (in place)."""
    zones = program.sheet.stock.keepouts
    if not zones:
        return
    area = shapely.union_all(list(zones))
    shapely.prepare(area)
    high = p.heights.over_keepouts
    pos: P3 = (0.0, 0.0, p.heights.clearance)
    for op in program.operations:
        moves: list[Move] = []
        for m in op.moves:
            low = min(pos[2], m.z) < high - 1e-9
            moved = abs(m.x - pos[0]) + abs(m.y - pos[1]) > 1e-9
            if m.kind == "rapid" and moved and low and area.intersects(
                    shapely.LineString([pos[:2], (m.x, m.y)])):
                moves += [Move("rapid", pos[0], pos[1], max(high, pos[2])),
                          Move("rapid", m.x, m.y, max(high, pos[2])),
                          Move("rapid", m.x, m.y, m.z)]
            else:
                moves.append(m)
            pos = (m.x, m.y, m.z)
        op.moves[:] = moves
