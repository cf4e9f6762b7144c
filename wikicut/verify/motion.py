"""What a program does, as the simulators read it: straight segments in mm with their source
lines, and the violations found on the way."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Move, arc_points

# Chord error of arcs in the simulation: well below the 0.05 mm the sheet checks allow, so a
# chord never makes a full cut look short.
ARC_TOL = 0.005


@dataclass(frozen=True)
class Violation:
    line: int
    # travel-limit | depth | feed | rapid-in-stock | out-of-stock | gouge | uncut | syntax |
    # dialect | tool-change | tool | plunge | end | loose | rapid-low
    kind: str
    message: str


@dataclass(frozen=True)
class Segment:
    kind: str  # rapid | feed | change (a tool change or a stop for one: start == end)
    start: tuple[float, float, float]
    end: tuple[float, float, float]
    feed: float  # mm/min
    line: int
    spindle: bool = True
    tool: int = 0  # the tool in the spindle, when the program says (0: the profile's)
    rpm: float = 0.0  # the spindle speed last set (0: not set)
    # False until the program first writes a Z: till then its Z is the reader's guess (Z0),
    # where the machine stood when it started (a first Z0 written says it, and is judged)
    said: bool = True


def arc_segments(start: tuple[float, float, float], arc: Move, feed: float, line: int,
                 spindle: bool, tool: int = 0, rpm: float = 0.0, said: bool = True
                 ) -> list[Segment]:
    """An arc as short feed segments (chord error ARC_TOL)."""
    out = []
    prev = start
    for cur in arc_points(start, arc, ARC_TOL):
        out.append(Segment("feed", prev, cur, feed, line, spindle, tool, rpm, said))
        prev = cur
    return out


def with_only_tool(segs: list[Segment], changed: int | None, tool: int) -> list[Segment]:
    """Segments read with `tool` in the spindle from the start (the one tool a header lists),
    as they are where the program never changes tools: each with that tool; where it does
    (its first change made the `changed`-th segment on), the tool is known only from the
    change: the ones before it have none (0), unless no segment ever has one. Reading with
    the tool at once spares rebuilding every segment (0.1 s a sheet of arc chords)."""
    if not tool or changed is None:
        return segs
    if all(s.tool == 0 for s in segs[changed:]):
        return segs[:changed] + [Segment(s.kind, s.start, s.end, s.feed, s.line, s.spindle,
                                         tool, s.rpm, s.said) for s in segs[changed:]]
    return [Segment(s.kind, s.start, s.end, s.feed, s.line, s.spindle, 0, s.rpm, s.said)
            for s in segs[:changed]] + segs[changed:]


def program_end(segs: list[Segment], off_line: int, end_line: int, last_line: int,
                off: str, end: str) -> list[Violation]:
    """A program must stop the spindle and end after its last move: one cut short (a copy
    that stopped, a file truncated at two thirds) leaves the spindle turning and the
    controller waiting mid-job, and every line before the cut reads as safe."""
    moved = max((s.line for s in segs if s.kind != "change"), default=0)
    missing = [what for what, at in ((f"spindle off ({off})", off_line),
                                     (f"program end ({end})", end_line)) if at <= moved]
    if not missing and end_line < off_line:
        missing = [f"spindle off ({off}) before the program end ({end})"]
    if not missing:
        return []
    where = f" after the last move (line {moved})" if moved else ""
    return [Violation(max(last_line, 1), "end", f"no {' and no '.join(missing)}{where}: the"
                      " program is incomplete (cut short?)")]
