"""One writer for every router: a SheetProgram -> program text in the profile's dialect.

The profile is data (profiles/*.toml); the dialects differ only in small hooks: how a move, an
arc, a feed change, a comment and the start/end look. G-code (grbl, linuxcnc, mach) and native
OpenSBP (shopbot). Units are converted here, at the edge; everything before is mm.

The writer adds nothing that moves the tool below what the planner made: it only splits a
rapid that changes XY and Z so that Z goes up first (or XY first when going down), and writes
arcs as lines (chord error <= arc_tolerance) when the profile has `arcs = false`.
"""

from __future__ import annotations

import itertools
import math
import re
import textwrap

import numpy as np
from numba import njit

from .errors import UnsafeJobError
from .model import P3, Move, Profile, SheetProgram, arc_points, sheet_stem

GCODE_DIALECTS = ("grbl", "linuxcnc", "mach")
COMMENT_WIDTH = 70  # characters of comment text per line


def program_filename(index: int, profile: Profile) -> str:
    """sheet-001.nc, sheet-001.sbp ... (the profile's extension)."""
    return f"{sheet_stem(index)}.{profile.extension.lstrip('.')}"


def fmt_number(v: float, decimals: int) -> str:
    """Fixed decimals, trailing zeros trimmed, never '-0': deterministic and short."""
    s = f"{v:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", "-", ""):
        s = "0"
    return s


class Writer:
    """Line-by-line writer with modal state (last position, feed, motion word as written)."""

    def __init__(self, profile: Profile):
        self.p = profile
        self.sbp = profile.dialect == "shopbot"
        self.scale = profile.unit_scale
        self.lines: list[str] = []
        self.n = 0
        self.last: dict[str, str] = {}
        self.feed_word: str | None = None
        self.pos: P3 = (0.0, 0.0, profile.heights.clearance)
        self.known = {"X": False, "Y": False, "Z": False}

    # -- text ---------------------------------------------------------------------------------
    def num(self, mm: float) -> str:
        return fmt_number(mm * self.scale, self.p.decimals)

    def rate(self, mm_per_min: float) -> str:
        """Feed in program units: per minute for G-code, per second for OpenSBP."""
        v = min(mm_per_min, self.p.feeds.max) * self.scale
        if self.sbp:
            v /= 60.0
        return fmt_number(v, max(self.p.decimals, 1) if self.sbp else 1)

    def comment(self, text: str) -> None:
        """Comment lines, wrapped: controllers limit line length (GRBL 80, LinuxCNC 256)."""
        text = " ".join(str(text).split())
        text = text.encode("ascii", "replace").decode("ascii")
        style = "apostrophe" if self.sbp else self.p.comment_style
        if style == "paren":
            text = text.replace("(", "[").replace(")", "]")
        for chunk in textwrap.wrap(text, COMMENT_WIDTH, break_long_words=True,
                                   break_on_hyphens=False) or [""]:
            if style == "paren":
                self.raw(f"({chunk})", number=False)
            elif style == "semicolon":
                self.raw("; " + chunk, number=False)
            else:
                self.raw("' " + chunk, number=False)

    def raw(self, line: str, number: bool = True) -> None:
        if number and self.p.line_numbers and not self.sbp and line.strip() != "%":
            self.n += 10
            line = f"N{self.n} {line}"
        self.lines.append(line)

    # -- motion -------------------------------------------------------------------------------
    def words(self, x: float | None, y: float | None, z: float | None,
              force: bool = False) -> dict[str, str]:
        """Axis words that change after rounding (all given ones when forced)."""
        out = {}
        for ax, v in (("X", x), ("Y", y), ("Z", z)):
            if v is None:
                continue
            s = self.num(v)
            if force or self.last.get(ax) != s:
                out[ax] = s
        return out

    def emit_rapid(self, x: float, y: float, z: float) -> None:
        _x0, _y0, z0 = self.pos
        xy_moves = self.words(x, y, None) != {}
        z_moves = self.words(None, None, z) != {}
        if xy_moves and z_moves:  # never a diagonal rapid: up first, or across then down
            if z > z0:
                self._rapid(None, None, z)
                self._rapid(x, y, None)
            else:
                self._rapid(x, y, None)
                self._rapid(None, None, z)
        elif xy_moves or z_moves:
            self._rapid(x, y, z)
        self.pos = (x, y, z)

    def _rapid(self, x, y, z) -> None:
        w = self.words(x, y, z)
        if not w:
            return
        if self.sbp:
            if set(w) == {"Z"}:
                self.raw(f"JZ,{w['Z']}")
            else:
                self.raw("J2," + ",".join(self._full(x, y)) if "Z" not in w else
                         "J3," + ",".join(self._full(x, y, z)))
        else:
            self.raw("G0 " + " ".join(f"{k}{v}" for k, v in w.items()))
        self.last.update(w)

    def _full(self, x, y, z=None) -> list[str]:
        vals = [self.num(x), self.num(y)] + ([] if z is None else [self.num(z)])
        self.last.update({"X": vals[0], "Y": vals[1]})
        if z is not None:
            self.last["Z"] = vals[2]
        return vals

    def emit_feed(self, x: float, y: float, z: float, feed: float) -> None:
        w = self.words(x, y, z)
        self.pos = (x, y, z)
        if not w:
            return
        f = self.rate(feed)
        if self.sbp:
            if f != self.feed_word:
                self.raw(f"MS,{f},{f}")
                self.feed_word = f
            if set(w) == {"Z"}:
                self.raw(f"MZ,{w['Z']}")
            elif "Z" not in w:
                self.raw("M2," + ",".join(self._full(x, y)))
            else:
                self.raw("M3," + ",".join(self._full(x, y, z)))
            self.last.update(w)
            return
        line = "G1 " + " ".join(f"{k}{v}" for k, v in w.items())
        if f != self.feed_word:
            line += f" F{f}"
            self.feed_word = f
        self.raw(line)
        self.last.update(w)

    def emit_arc(self, m: Move) -> None:
        x0, y0, z0 = self.pos
        cx, cy = x0 + m.i, y0 + m.j
        helical = abs(m.z - z0) > 1e-9
        if not self.p.arcs or (self.sbp and helical):
            for x, y, z in arc_points(self.pos, m, self.p.arc_tolerance):
                self.emit_feed(x, y, z, m.feed)
            return
        # centre offsets from the start point as written, so rounding cannot skew the radius
        sx = float(self.last.get("X", self.num(x0))) / self.scale
        sy = float(self.last.get("Y", self.num(y0))) / self.scale
        i, j = self.num(cx - sx), self.num(cy - sy)
        f = self.rate(m.feed)
        ccw = m.kind == "arc_ccw"
        if self.sbp:
            if f != self.feed_word:
                self.raw(f"MS,{f},{f}")
                self.feed_word = f
            xs, ys = self._full(m.x, m.y)
            self.raw(f"CG,,{xs},{ys},{i},{j},T,{-1 if ccw else 1}")
        else:
            w = self.words(m.x, m.y, m.z)
            w.update({k: self.num(v) for k, v in (("X", m.x), ("Y", m.y))})
            line = f"{'G3' if ccw else 'G2'} X{w['X']} Y{w['Y']}"
            if "Z" in w:
                line += f" Z{w['Z']}"
            line += f" I{i} J{j}"
            if f != self.feed_word:
                line += f" F{f}"
                self.feed_word = f
            self.raw(line)
            self.last.update(w)
        self.pos = (m.x, m.y, m.z)


def _circle(a, b, c) -> tuple[float, float, float] | None:
    """Centre and radius of the circle through three points (None if collinear)."""
    ax, ay = a
    bx, by = b
    cx, cy = c
    d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    if abs(d) < 1e-9:
        return None
    a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    return ux, uy, math.hypot(ax - ux, ay - uy)


MIN_ARC_SEGMENTS = 4  # fewer chords than this stay lines
MAX_ARC_SEGMENTS = 64  # longer runs are split (keeps the fit linear in time)
MAX_ARC_RADIUS = 5000.0  # flatter than this is a line, not an arc


def _arc_ok(pts: list[P3], tol: float) -> tuple[float, float, float, bool] | None:
    """If the points (>= 3) are chords of one arc within `tol` (points on the circle, chord
    sagitta <= tol, one turning direction, sweep < 360, Z linear along the arc), its centre,
    radius and direction."""
    c = _circle(pts[0][:2], pts[len(pts) // 2][:2], pts[-1][:2])
    if c is None:
        return None
    ux, uy, rad = c
    if rad > MAX_ARC_RADIUS or rad < 0.05:
        return None
    sweep = 0.0
    lengths = []
    sign = 0
    for p, q in itertools.pairwise(pts):
        if abs(math.hypot(q[0] - ux, q[1] - uy) - rad) > tol / 4:
            return None
        chord = math.hypot(q[0] - p[0], q[1] - p[1])
        if chord > 2 * rad or rad - math.sqrt(max(rad * rad - chord * chord / 4, 0.0)) > tol:
            return None
        cross = (p[0] - ux) * (q[1] - uy) - (p[1] - uy) * (q[0] - ux)
        s = 1 if cross > 0 else -1
        if sign and s != sign:
            return None
        sign = s
        ang = 2 * math.asin(min(1.0, chord / (2 * rad)))
        sweep += ang
        lengths.append(ang)
    if sweep >= 2 * math.pi - 1e-6:
        return None
    z0, z1 = pts[0][2], pts[-1][2]
    acc = 0.0
    for p, a in zip(pts[1:], lengths):
        acc += a
        if abs(z0 + (z1 - z0) * acc / sweep - p[2]) > 1e-6:
            return None
    return ux, uy, rad, sign > 0


def fit_arcs(start: P3, moves: list[Move], tol: float) -> list[Move]:
    """Runs of short feed moves that are chords of one arc (offset corners, circular holes)
    as G2/G3 arcs: far shorter programs and smoother motion. Only where every chord is within
    `tol` of the arc, so the tool never strays more than the linearisation tolerance.

    The search runs in a Numba kernel (`_scan_arcs`); a test whose outcome the kernel cannot
    vouch for (a value within ARC_EPS of a threshold, where its libm hypot could round
    differently from CPython's) is redone by `_fit_one` in Python, so the result is exactly
    that of `fit_arcs_py`, byte for byte."""
    n = len(moves)
    if n == 0:
        return []
    pts = [tuple(start)] + [(m.x, m.y, m.z) for m in moves]  # pts[k]: where move k starts
    xyz = np.array(pts, dtype=float)
    px, py, pz = (np.ascontiguousarray(xyz[:, k]) for k in range(3))
    feed = np.array([m.feed if m.kind == "feed" else np.nan for m in moves])  # NaN: not a feed
    best = np.full(n, -2, dtype=np.int64)  # -1 no arc, else the last move of the arc
    i = 0
    while i < n:
        i = int(_scan_arcs(px, py, pz, feed, i, float(tol), best))
        if i < n:  # an uncertain test: this start in Python
            best[i] = _fit_one(pts, moves, i, tol)
            i = i + 1 if best[i] < 0 else int(best[i]) + 1
    best = best.tolist()
    out: list[Move] = []
    i = 0
    while i < n:
        m = moves[i]
        j = best[i]
        if j < 0:
            out.append(m)
            i += 1
            continue
        seg = pts[i:j + 2]
        ux, uy, ccw = _centre(seg)
        _emit_arc(out, seg, ux, uy, ccw, m.feed)
        i = j + 1
    return out


def _emit_arc(out: list[Move], seg: list[P3], ux: float, uy: float, ccw: bool,
              feed: float) -> None:
    """One accepted arc as G2/G3 moves, split at the middle chord point so that no single arc
    is more than 180 degrees (controllers disagree about longer ones)."""
    halves = [seg] if len(seg) < 2 * MIN_ARC_SEGMENTS else [seg[:len(seg) // 2 + 1],
                                                            seg[len(seg) // 2:]]
    for h in halves:
        a, b = h[0], h[-1]
        out.append(Move("arc_ccw" if ccw else "arc_cw", b[0], b[1], b[2], feed,
                        ux - a[0], uy - a[1]))


def _centre(seg: list[P3]) -> tuple[float, float, bool]:
    """Centre and direction of an accepted arc, computed exactly as _arc_ok does."""
    c = _circle(seg[0][:2], seg[len(seg) // 2][:2], seg[-1][:2])
    ux, uy, _rad = c
    p, q = seg[0], seg[1]
    return ux, uy, (p[0] - ux) * (q[1] - uy) - (p[1] - uy) * (q[0] - ux) > 0


def _fit_one(pts: list[P3], moves: list[Move], i: int, tol: float) -> int:
    """The last move of the longest arc starting at move i (-1 if none), in Python: the
    reference for `_scan_arcs` (pts[k] is where move k starts)."""
    m = moves[i]
    if m.kind != "feed":
        return -1
    best = -1
    j = i
    n = len(moves)
    while (j < n and j - i < MAX_ARC_SEGMENTS and moves[j].kind == "feed"
           and moves[j].feed == m.feed):
        if j - i + 1 >= MIN_ARC_SEGMENTS:
            if _arc_ok(pts[i:j + 2], tol) is None:
                break
            best = j
        j += 1
    return best


def fit_arcs_py(start: P3, moves: list[Move], tol: float) -> list[Move]:
    """fit_arcs in plain Python (the original, ~100x slower): the reference the kernel is
    tested against."""
    out: list[Move] = []
    pos = start
    i = 0
    n = len(moves)
    while i < n:
        m = moves[i]
        if m.kind != "feed":
            out.append(m)
            pos = (m.x, m.y, m.z)
            i += 1
            continue
        best = None
        j = i
        pts = [pos]
        while (j < n and j - i < MAX_ARC_SEGMENTS and moves[j].kind == "feed"
               and moves[j].feed == m.feed):
            pts.append((moves[j].x, moves[j].y, moves[j].z))
            if len(pts) - 1 >= MIN_ARC_SEGMENTS:
                fit = _arc_ok(pts, tol)
                if fit is None:
                    break
                best = (j, fit)
            j += 1
        if best is None:
            out.append(m)
            pos = (m.x, m.y, m.z)
            i += 1
            continue
        j, (ux, uy, _rad, ccw) = best
        end = moves[j]
        seg = [pos] + [(q.x, q.y, q.z) for q in moves[i:j + 1]]
        _emit_arc(out, seg, ux, uy, ccw, m.feed)
        pos = (end.x, end.y, end.z)
        i = j + 1
    return out


ARC_EPS = 1e-7  # mm (and rad): kernel values this close to a threshold are decided in Python


@njit(cache=True)
def _near(a: float, b: float) -> bool:
    return abs(a - b) < ARC_EPS


@njit(cache=True)
def _arc_test(px, py, pz, a: int, b: int, tol: float) -> int:
    """_arc_ok on points a..b (inclusive) of the arrays: 1 an arc, 0 not, 2 too close to a
    threshold to say (same operations in the same order as _arc_ok)."""
    mid = a + (b - a + 1) // 2
    ax, ay = px[a], py[a]
    bx, by = px[mid], py[mid]
    cx, cy = px[b], py[b]
    d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    if abs(d) < 1e-9:
        return 0
    a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    rad = math.hypot(ax - ux, ay - uy)
    if _near(rad, MAX_ARC_RADIUS) or _near(rad, 0.05):
        return 2
    if rad > MAX_ARC_RADIUS or rad < 0.05:
        return 0
    unsure = False
    sweep = 0.0
    sign = 0
    for k in range(a, b):
        qx, qy = px[k + 1], py[k + 1]
        dev = abs(math.hypot(qx - ux, qy - uy) - rad)
        if _near(dev, tol / 4):
            unsure = True
        elif dev > tol / 4:
            return 2 if unsure else 0
        chord = math.hypot(qx - px[k], qy - py[k])
        if _near(chord, 2 * rad):
            unsure = True
        elif chord > 2 * rad:
            return 2 if unsure else 0
        sag = rad - math.sqrt(max(rad * rad - chord * chord / 4, 0.0))
        if _near(sag, tol):
            unsure = True
        elif sag > tol:
            return 2 if unsure else 0
        cross = (px[k] - ux) * (qy - uy) - (py[k] - uy) * (qx - ux)
        if abs(cross) < ARC_EPS:
            unsure = True
        s = 1 if cross > 0 else -1
        if sign != 0 and s != sign:
            return 2 if unsure else 0
        sign = s
        sweep += 2 * math.asin(min(1.0, chord / (2 * rad)))
    if _near(sweep, 2 * math.pi - 1e-6):
        unsure = True
    elif sweep >= 2 * math.pi - 1e-6:
        return 2 if unsure else 0
    z0, z1 = pz[a], pz[b]
    acc = 0.0
    for k in range(a, b):
        chord = math.hypot(px[k + 1] - px[k], py[k + 1] - py[k])
        acc += 2 * math.asin(min(1.0, chord / (2 * rad)))
        dz = abs(z0 + (z1 - z0) * acc / sweep - pz[k + 1])
        if _near(dz, 1e-6):
            unsure = True
        elif dz > 1e-6:
            return 2 if unsure else 0
    return 2 if unsure else 1


@njit(cache=True)
def _scan_arcs(px, py, pz, feed, i: int, tol: float, best) -> int:
    """From move i on, best[k] = the last move of the longest arc starting at move k (-1: none)
    for every k where a run starts, as fit_arcs walks them. Returns len(feed) when done, or the
    start whose test was uncertain (left for Python)."""
    n = len(feed)
    while i < n:
        f = feed[i]
        if math.isnan(f):  # not a feed move
            best[i] = -1
            i += 1
            continue
        found = -1
        j = i
        while j < n and j - i < MAX_ARC_SEGMENTS and feed[j] == f:
            if j - i + 1 >= MIN_ARC_SEGMENTS:
                r = _arc_test(px, py, pz, i, j + 1, tol)
                if r == 2:
                    return i
                if r == 0:
                    break
                found = j
            j += 1
        best[i] = found
        i = i + 1 if found < 0 else found + 1
    return n


def _fill(line: str, p: Profile) -> str:
    """Profile text with {speed} / {tool} filled in."""
    return (line.replace("{speed}", fmt_number(p.spindle.speed, 0))
            .replace("{tool}", str(p.tool.number)))


def _duration(seconds: float) -> str:
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return (f"{h} h " if h else "") + f"{m} min {s} s"


def _check_units(p: Profile) -> None:
    """A header that selects the other unit system would scale every move: refuse it."""
    text = " ".join(p.header).upper()
    other = "G21" if p.units == "inch" else "G20"
    if re.search(rf"\b{other}\b", text):
        raise UnsafeJobError(f"header selects {other} but the profile's units are {p.units}",
                             p.source or None)


def write_program(program: SheetProgram, profile: Profile, title: str = "") -> str:
    """The whole program for one sheet in the profile's dialect ('\\n' line ends, final
    newline). Deterministic: same program and profile -> same bytes."""
    p = profile
    w = Writer(p)
    sheet = program.sheet
    st = sheet.stock
    unit = "in" if p.units == "inch" else "mm"
    instances = [pl.instance for pl in sheet.placements]
    w.comment(f"wikicut: {title or f'sheet {sheet.index}'}")
    w.comment(f"sheet {sheet.index}: {st.width:g} x {st.height:g} x {st.thickness:g} mm"
              f" {st.material}")
    w.comment(f"parts ({len(instances)}): {', '.join(instances)}")
    w.comment(f"machine: {p.name} ({p.dialect}), program units {unit}")
    w.comment(f"tool: T{p.tool.number} {p.tool.diameter:g} mm {p.tool.type}, {p.tool.flutes} flutes,"
              f" {p.spindle.speed:g} rpm")
    w.comment(f"feeds mm/min: cut {p.feeds.cut:g}, plunge {p.feeds.plunge:g}, ramp {p.feeds.ramp:g}"
              f"; entry {p.entry.mode}, {p.direction}")
    w.comment(f"depth: through {st.thickness + p.depth.overcut:g} mm in passes <= {p.depth.per_pass:g}"
              f" mm; tabs {'on' if p.tabs.enabled else 'off'}")
    w.comment(f"estimated time {_duration(program.est_seconds)}, cut {program.cut_length / 1000:.2f}"
              f" m, rapid {program.rapid_length / 1000:.2f} m")
    w.comment("Z0 = stock top, X0 Y0 = sheet lower-left corner")
    if w.sbp:
        _sbp_start(w, p)
    else:
        _check_units(p)
        for line in p.header:
            w.raw(_fill(line, p))
        if not re.search(r"\bG2[01]\b", " ".join(p.header).upper()):
            w.raw("G20" if p.units == "inch" else "G21")
        w.raw(f"G0 Z{w.num(p.heights.clearance)}")
        w.last["Z"] = w.num(p.heights.clearance)
        if p.spindle.on:
            w.raw(_fill(p.spindle.on, p))
        if p.spindle.dwell > 0:
            if p.dialect == "mach":
                w.comment("dwell in seconds (Mach: G4 P in seconds, not ms)")
            w.raw(f"G4 P{fmt_number(p.spindle.dwell, 2)}")
    for op in program.operations:
        w.comment(f"{op.part} {op.kind}")
        moves = fit_arcs(w.pos, op.moves, p.arc_tolerance) if p.arcs else op.moves
        for m in moves:
            if m.kind == "rapid":
                w.emit_rapid(m.x, m.y, m.z)
            elif m.kind == "feed":
                w.emit_feed(m.x, m.y, m.z, m.feed)
            else:
                w.emit_arc(m)
    # end: up to clearance, spindle off, footer
    if w.sbp:
        w.raw(f"JZ,{w.num(p.heights.clearance)}")
        if p.spindle.off:
            w.raw(_fill(p.spindle.off, p))
        for line in p.footer:
            w.raw(_fill(line, p))
        w.raw("END")
        w.raw("")
        w.raw("UNIT_ERROR:")
        w.comment(f"This file is in {'inches' if p.units == 'inch' else 'millimetres'}: set the"
                  f" ShopBot to {'inches' if p.units == 'inch' else 'millimetres'} and run again")
        w.raw("PAUSE")
        w.raw("END")
    else:
        if w.pos[2] < p.heights.clearance:
            w.emit_rapid(w.pos[0], w.pos[1], p.heights.clearance)
        if p.spindle.off:
            w.raw(_fill(p.spindle.off, p))
        for line in p.footer:
            w.raw(_fill(line, p))
    return "\n".join(w.lines) + "\n"


def _sbp_start(w: Writer, p: Profile) -> None:
    """OpenSBP start: absolute mode, a units guard (a file read in the wrong units would
    scale every move by 25.4), jog speeds, clearance, spindle on and wait."""
    w.raw("SA")
    metric = 1 if p.units == "mm" else 0
    w.raw(f"IF %(25)={1 - metric} THEN GOTO UNIT_ERROR")
    for line in p.header:
        w.raw(_fill(line, p))
    rapid = fmt_number(p.feeds.rapid * w.scale / 60.0, max(p.decimals, 1))
    w.raw(f"JS,{rapid},{rapid}")
    w.raw(f"JZ,{w.num(p.heights.clearance)}")
    w.last["Z"] = w.num(p.heights.clearance)
    if p.spindle.on:
        w.raw(_fill(p.spindle.on, p))
    if p.spindle.dwell > 0:
        w.raw(f"PAUSE {fmt_number(p.spindle.dwell, 1)}")
