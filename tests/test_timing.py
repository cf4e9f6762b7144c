"""The cycle-time estimate against a program small enough to time by hand: two 100 mm
moves at 600 mm/min (10 mm/s), each from rest to rest (a right angle between them) at
500 mm/s^2: d/v + v/a = 10 + 0.02 = 10.02 s each; the spindle's dwell 4 s per start."""

from __future__ import annotations

import math

import pytest

from wikicut.io.profiles import load_profile
from wikicut.model import Move, Operation, estimate

MOVES = 2 * (100 / 10 + 10 / 500)  # 20.04 s
DWELL = 4.0


def prof(mode: str = "pause", on: str = "M3 S{speed}"):
    p = load_profile("grbl")
    return p.updated(spindle={"dwell": DWELL, "on": on, "speed": 18000.0},
                     changer={"mode": mode, "seconds": 60.0},
                     limits={"accel_x": 500.0, "accel_y": 500.0, "accel_z": 300.0})


def ops(p, first: str = "outline", second: str = "outline", rpm: float = 0.0, tool: int = 0):
    z = p.heights.clearance  # at clearance throughout: no retract to add
    return [Operation("a#1", first, [Move("feed", 100, 0, z, 600)]),
            Operation("a#1", second, [Move("feed", 100, 100, z, 600)], tool=tool, rpm=rpm)]


def test_the_moves_and_one_spindle_start():
    p = prof()
    est = estimate(ops(p), p)
    assert (est.seconds, est.stops, est.changes) == (pytest.approx(MOVES + DWELL), 0, 0)
    assert est.cut_length == pytest.approx(200)


def test_a_speed_changed_between_operations_waits_for_the_spindle_again():
    p = prof()
    est = estimate(ops(p, rpm=12000), p)
    assert est.seconds == pytest.approx(MOVES + 2 * DWELL) and est.stops == 0
    assert estimate(ops(p, rpm=18000), p).seconds == pytest.approx(MOVES + DWELL)  # the same


def test_a_speed_set_by_hand_is_a_stop_not_minutes():
    p = prof(on="M3")  # the start line cannot set a speed: the writer stops for the operator
    est = estimate(ops(p, rpm=12000), p)  # with the spindle off, and on again with its wait
    assert est.seconds == pytest.approx(MOVES + 2 * DWELL) and est.stops == 1


def test_the_screw_stop_restarts_the_spindle_and_counts_one_stop():
    p = prof()
    est = estimate(ops(p, first="pilot"), p)
    assert est.seconds == pytest.approx(MOVES + 2 * DWELL) and est.stops == 1
    assert est.tool_seconds == {0: pytest.approx(MOVES + 2 * DWELL)}


@pytest.mark.parametrize("mode,stops", [("pause", 0), ("split", 0), ("m6", 1)])
def test_a_change_after_the_pilots(mode, stops):
    """By hand (a pause, or the next program), the change is the stop for the screws; an
    automatic changer stops for them first. Either way the spindle starts once per tool and
    the change costs its 60 s."""
    p = prof(mode)
    est = estimate(ops(p, first="pilot", tool=2), p, tools=(1, 2), speeds={1: 18000, 2: 18000})
    assert (est.changes, est.stops) == (1, stops)
    assert est.seconds == pytest.approx(MOVES + 2 * DWELL + 60)
    assert est.tool_seconds == {1: pytest.approx(MOVES / 2 + DWELL),
                                2: pytest.approx(MOVES / 2 + DWELL)}


def test_a_tool_starts_at_its_own_speed():
    """After a change the spindle runs at the new tool's speed: an operation at that speed
    is no change; the other tool's speed is."""
    p = prof("m6")
    two = [o if k == 0 else Operation(o.part, o.kind, o.moves, tool=2, rpm=20000)
           for k, o in enumerate(ops(p))]
    assert estimate(two, p, tools=(1, 2), speeds={1: 18000, 2: 20000}).seconds == \
        pytest.approx(MOVES + 2 * DWELL + 60)
    assert estimate(two, p, tools=(1, 2), speeds={1: 18000, 2: 16000}).seconds == \
        pytest.approx(MOVES + 3 * DWELL + 60)


def test_the_writer_dwells_and_stops_as_counted():
    """The written program holds as many dwells and stops as the estimate counts."""
    from wikicut.model import SheetLayout, Stock
    from wikicut.model.motion import SheetProgram
    from wikicut.post import write_program

    p = prof()
    sheet = SheetLayout(1, Stock(500, 400, 18, 10), [])
    for first, rpm in (("outline", 12000), ("pilot", 0), ("pilot", 12000)):
        o = ops(p, first=first, rpm=rpm)
        est = estimate(o, p)
        text = write_program(SheetProgram(sheet, o), p)
        lines = text.splitlines()
        assert sum(ln.startswith("G4 P") for ln in lines) * DWELL == pytest.approx(
            est.seconds - MOVES), (first, rpm)
        assert sum(ln == "M0" for ln in lines) == est.stops


def test_the_moves_timed_all_at_once_equal_the_moves_timed_one_by_one():
    """motion_seconds works on arrays (a million moves a sheet without arc fitting); its
    reference times one move at a time: lines, rapids, arcs both ways (a full circle, a
    helix, a tiny radius), a move of no length, a reversal."""
    import random

    from wikicut.model import timing

    p = prof()
    rng = random.Random(7)
    moves, pos = [], (0.0, 0.0, 5.0)
    for k in range(400):
        kind = rng.choice(["feed", "feed", "rapid", "arc_cw", "arc_ccw"])
        if kind.startswith("arc"):
            i, j = rng.uniform(-40, 40), rng.uniform(-40, 40)
            full = rng.random() < 0.2
            if rng.random() < 0.1:
                i, j = 1e-4, 0.0
            cx, cy = pos[0] + i, pos[1] + j
            rad = (i * i + j * j) ** 0.5
            a = rng.uniform(0, 6.28)
            x, y = (pos[0], pos[1]) if full else (cx + rad * math.cos(a), cy + rad * math.sin(a))
            m = Move(kind, x, y, pos[2] - rng.choice([0.0, 0.0, 1.5]), rng.uniform(300, 9000),
                     i, j)
        elif k % 37 == 0:
            m = Move(kind, *pos, 0.0 if kind == "rapid" else 1000.0)  # no length
        elif k % 41 == 0:  # straight back
            m = Move(kind, pos[0] - 10, pos[1], pos[2], 0.0 if kind == "rapid" else 2000.0)
        else:
            m = Move(kind, rng.uniform(0, 2440), rng.uniform(0, 1220), rng.uniform(-19, 5),
                     0.0 if kind == "rapid" else rng.uniform(100, 12000))
        moves.append(m)
        pos = (m.x, m.y, m.z)
    got = timing.motion_seconds((0.0, 0.0, 5.0), moves, p)
    want = timing._motion_seconds_each((0.0, 0.0, 5.0), moves, p)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert timing.motion_seconds((0.0, 0.0, 5.0), [], p) == []
