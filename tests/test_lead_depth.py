"""Lead arcs take no more than a pass of new material sideways ([entry] lead_in = "arc"):
the lead-out leaves the loop into waste no pass has cut, so it is cut one pass level deeper
each time before it leaves at the loop's depth. An independent checker reads the written
G-code, sweeps the tool over a height map of the stock and measures, for every move across,
how thick a layer of material never cut before it takes; and a job cut with a library tool
and arc leads is written and verifies clean (it was refused for a 3 x D side cut)."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT
from tests.test_holddown_pilots import small_job
from wikicut.cam import plan_sheet
from wikicut.io.profiles import load_profile
from wikicut.post import write_program

CELL = 0.2  # mm: the height map's grid
SLIVER = 0.2  # mm beside an earlier cut a move may take at any depth: two passes of a loop
#             # are fitted to arcs apart, and so thin a strip is no pass
CHORD = 0.005  # mm: arcs are swept as chords no further than this from them
WORD = re.compile(r"([A-Z])\s*([-+]?(?:\d+\.?\d*|\.\d+))")


def moves(text: str) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """(start, end) of every straight piece the program moves the tool along, in mm and
    absolute coordinates (G90 G21 G17 as wikicut's G-code is), arcs as short chords."""
    pos = (0.0, 0.0, 50.0)
    mode = 0
    out = []
    for raw in text.splitlines():
        line = re.sub(r"\(.*?\)|;.*", "", raw).upper()
        words = dict.fromkeys("XYZIJ")
        for letter, value in WORD.findall(line):
            if letter == "G" and float(value) in (0, 1, 2, 3):
                mode = int(float(value))
            elif letter in words:
                words[letter] = float(value)
        if all(words[a] is None for a in "XYZ"):
            continue
        end = tuple(pos[k] if words[a] is None else words[a] for k, a in enumerate("XYZ"))
        if mode in (2, 3):
            out += _chords(pos, end, pos[0] + (words["I"] or 0.0),
                           pos[1] + (words["J"] or 0.0), mode == 3)
        else:
            out.append((pos, end))
        pos = end
    return out


def _chords(a, b, cx, cy, ccw):
    r = math.hypot(a[0] - cx, a[1] - cy)
    a0 = math.atan2(a[1] - cy, a[0] - cx)
    a1 = math.atan2(b[1] - cy, b[0] - cx)
    sweep = (a1 - a0) % (2 * math.pi) if ccw else -((a0 - a1) % (2 * math.pi))
    if abs(sweep) < 1e-12:
        sweep = 2 * math.pi if ccw else -2 * math.pi
    n = max(1, math.ceil(abs(sweep) / (2 * math.acos(max(1 - CHORD / max(r, CHORD), -1)))))
    pts = [(cx + r * math.cos(a0 + sweep * k / n), cy + r * math.sin(a0 + sweep * k / n),
            a[2] + (b[2] - a[2]) * k / n) for k in range(n + 1)]
    pts[-1] = b
    return list(zip(pts[:-1], pts[1:]))


class Stock:
    """The stock's top surface as a height map (0 = uncut), lowered by every move of a tool of
    radius r to the lowest its end reaches over each cell."""

    def __init__(self, pieces, r: float):
        below = [p for ab in pieces for p in ab if p[2] < 0]
        xy = np.array([p[:2] for p in below])
        self.lo = xy.min(axis=0) - r - 1
        hi = xy.max(axis=0) + r + 1
        self.h = np.zeros(tuple(np.ceil((hi - self.lo) / CELL).astype(int) + 1))
        self.r = r

    def _cells(self, a, b, rad):
        """The cells within rad of the piece a-b (indices) and the lowest its tool end is
        while within rad of each (exact for a straight piece and Z linear along it)."""
        x0 = np.floor((min(a[0], b[0]) - rad - self.lo[0]) / CELL).astype(int)
        x1 = np.ceil((max(a[0], b[0]) + rad - self.lo[0]) / CELL).astype(int)
        y0 = np.floor((min(a[1], b[1]) - rad - self.lo[1]) / CELL).astype(int)
        y1 = np.ceil((max(a[1], b[1]) + rad - self.lo[1]) / CELL).astype(int)
        ix, iy = np.meshgrid(np.arange(max(x0, 0), min(x1, self.h.shape[0] - 1) + 1),
                             np.arange(max(y0, 0), min(y1, self.h.shape[1] - 1) + 1),
                             indexing="ij")
        px = self.lo[0] + ix * CELL - a[0]
        py = self.lo[1] + iy * CELL - a[1]
        dx, dy = b[0] - a[0], b[1] - a[1]
        qa = dx * dx + dy * dy
        qb = -2 * (px * dx + py * dy)
        qc = px * px + py * py - rad * rad
        if qa < 1e-18:
            inside = qc <= 0
            z = np.full(inside.shape, min(a[2], b[2]))
        else:
            disc = qb * qb - 4 * qa * qc
            root = np.sqrt(np.maximum(disc, 0))
            t0 = np.clip((-qb - root) / (2 * qa), 0, 1)
            t1 = np.clip((-qb + root) / (2 * qa), 0, 1)
            inside = (disc >= 0) & (-qb + root >= 0) & (-qb - root <= 2 * qa)
            z = a[2] + (b[2] - a[2]) * np.minimum(t0, t1) if b[2] >= a[2] else (
                a[2] + (b[2] - a[2]) * np.maximum(t0, t1))
        return ix[inside], iy[inside], z[inside]

    def cut(self, a, b) -> float:
        """Lower the map under the piece a-b; return the thickest layer of material no move
        had cut before that it takes (0 for a move straight up or down: a plunge is no pass)."""
        if max(a[2], b[2]) >= 0 and min(a[2], b[2]) >= 0:
            return 0.0
        taken = 0.0
        if math.hypot(b[0] - a[0], b[1] - a[1]) > 1e-9:
            ix, iy, z = self._cells(a, b, self.r - SLIVER)
            if len(z):
                taken = float(np.max(self.h[ix, iy] - z, initial=0.0))
        ix, iy, z = self._cells(a, b, self.r)
        self.h[ix, iy] = np.minimum(self.h[ix, iy], z)
        return taken


def deepest_pass(text: str, r: float) -> tuple[float, tuple]:
    """The thickest layer of new material any move across takes, and that move."""
    pieces = moves(text)
    stock = Stock(pieces, r)
    worst, where = 0.0, None
    for a, b in pieces:
        taken = stock.cut(a, b)
        if taken > worst:
            worst, where = taken, (a, b)
    return worst, where


def leads(name: str, **entry):
    return load_profile(name).updated(engrave={"labels": False},
                                      entry={"lead_in": "arc", **entry})


@pytest.mark.parametrize(("name", "entry"), [("grbl", {}), ("linuxcnc", {}),
                                             ("grbl", {"mode": "plunge", "lead_radius": 8.0})])
def test_no_lead_takes_more_than_a_pass_of_new_material(name, entry):
    slot = "G0 X10 Y10 Z5\nG1 Z-18.3 F600\nG1 X40 F3000\nG1 Z-6\nG1 X60\nG0 Z5\nM2\n"
    worst, where = deepest_pass(slot, 3.0)  # the checker sees a slot cut in one pass
    assert worst == pytest.approx(18.3) and where[1][:2] == (40.0, 10.0)
    assert deepest_pass(slot.replace("X40 F3000\nG1 Z-6", "Z-6 F3000"), 3.0)[0] == (
        pytest.approx(6.0))
    prof = leads(name, **entry)
    text = write_program(plan_sheet(small_job(), prof), prof)
    worst, where = deepest_pass(text, prof.tool.radius)
    assert worst <= prof.depth.per_pass + 0.01, (worst, where)
    assert worst > prof.depth.per_pass / 2  # the checker sees the passes themselves


def wikicut(*args, cwd):
    return subprocess.run([sys.executable, "-m", "wikicut", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_arc_leads_with_a_library_tool_are_written_and_verify_clean(tmp_path):
    shipped = (ROOT / "profiles" / "grbl.toml").read_text()
    assert '# lead_in = "none"' in shipped
    (tmp_path / "leads.toml").write_text(shipped.replace('# lead_in = "none"',
                                                         'lead_in = "arc"'))
    (tmp_path / "job.toml").write_text(
        'name = "lead"\n[sheet]\nwidth = 1220\nheight = 1220\nthickness = 18\nmargin = 15\n'
        '[nest]\nspacing = 14\nseed = 1\ntime_limit = 3\n'
        '[machine]\nprofile = "leads.toml"\ntools = [1]\n'
        '[[part]]\nfile = "spacer"\nquantity = 2\n')
    res = wikicut("nest", "job.toml", "-o", "out", "-q", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    nc = tmp_path / "out" / "sheet-001.nc"
    res = wikicut("verify", str(nc), "--profile", "leads.toml", "--sheet",
                  str(nc.with_suffix(".dxf")), "--material", "plywood", cwd=tmp_path)
    assert res.returncode == 0 and "clean" in res.stdout, res.stdout + res.stderr
    text = nc.read_text()
    assert re.search(r"^G[23] ", text, re.M)  # the leads are there
    tool = re.search(r"^\(tool: T1 ([\d.]+) mm", text, re.M)
    per_pass = re.search(r"in passes <= ([\d.]+) mm", text)
    worst, where = deepest_pass(text, float(tool.group(1)) / 2)
    assert worst <= float(per_pass.group(1)) + 0.01, (worst, where)
