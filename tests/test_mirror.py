"""Parts cut face down (mirrored) where the job allows it: the placement's geometry, the job
keys and their one-line refusals, the nester's mirrored variants and pairs, toolpaths that
cut on the right side in the configured direction, readable labels, and a job nested, cut,
verified (wikicut's verifier and rs274) and read back from its DXFs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import run_rs274
from shapely import affinity
from shapely.geometry import Polygon

from wikicut.cam import plan_sheet
from wikicut.cam.labels import label_strokes
from wikicut.cli import main
from wikicut.diff import diff_folders, diff_text
from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file
from wikicut.io.items import job_items
from wikicut.io.job import load_job
from wikicut.io.profiles import load_profile
from wikicut.model import (
    Drill,
    Engraving,
    NestItem,
    NestSettings,
    Part,
    Placement,
    Pocket,
    SheetLayout,
    Stock,
    oriented_outline,
)
from wikicut.nest import bundle, nest, verify_layout
from wikicut.post import write_program
from wikicut.verify import verify_program

ROOT = Path(__file__).resolve().parent.parent
SPACING = 12.0

# shapes0's third piece (ESICUP), 30 mm to the unit: its mirror image pairs with it into a
# fuller box than a copy turned half way does
HOOK_PTS = [(0, 2), (6, 2), (6, 0), (7, 0), (11, 4), (11, 6), (8, 6), (8, 3), (2, 3), (2, 6),
            (0, 6)]
HOOK_TOML = """\
name = "hook"
label = "HOOK"
label_height = 20

[params]
k = 30

[[feature]]
type = "polygon"
points = [[0, "2 * k"], ["6 * k", "2 * k"], ["6 * k", 0], ["7 * k", 0], ["11 * k", "4 * k"],
          ["11 * k", "6 * k"], ["8 * k", "6 * k"], ["8 * k", "3 * k"], ["2 * k", "3 * k"],
          ["2 * k", "6 * k"], [0, "6 * k"]]

[[drill]]
x = "k"
y = "4 * k"
d = 10
"""
# a tray: a pocket cut into its top face, so it is never cut face down
TRAY_TOML = """\
name = "tray"

[[feature]]
type = "polygon"
points = [[0, 0], [300, 0], [300, 120], [60, 200], [0, 200]]

[[feature]]
type = "rectangle"
x = 40
y = 40
w = 150
h = 60
op = "pocket"
depth_mm = 6
"""

JOB = """\
name = "brackets"
[sheet]
width = 1600
height = 1000
thickness = 18
margin = 15
[nest]
spacing = 12
seed = 1
time_limit = 120
iterations = 150
workers = 1
mirror = true
[machine]
profile = "linuxcnc"
tool_diameter = 6
[[part]]
file = "hook.toml"
quantity = 10
[[part]]
file = "tray.toml"
quantity = 3
"""


def hook(k: float = 30.0) -> Part:
    g = affinity.scale(Polygon(HOOK_PTS), k, k, origin=(0, 0))
    slot = shapely.box(3.5 * k, 2.2 * k, 5.5 * k, 2.7 * k)  # a through slot, cut inside
    return Part("hook", Polygon(g.exterior, [slot.exterior.coords]),
                drills=(Drill(k, 4 * k, 10.0),), label="HOOK", label_at=(1.2 * k, 2.5 * k),
                label_height=12.0)


def write(tmp_path: Path, text: str = JOB) -> Path:
    (tmp_path / "hook.toml").write_text(HOOK_TOML)
    (tmp_path / "tray.toml").write_text(TRAY_TOML)
    shutil.copy(ROOT / "parts" / "wall-rib.toml", tmp_path / "wall-rib.toml")
    p = tmp_path / "job.toml"
    p.write_text(text)
    return p


def items_of(tmp_path: Path, text: str) -> list[NestItem]:
    return job_items(load_job(write(tmp_path, text)))


# --- the placement --------------------------------------------------------------------------


@pytest.mark.parametrize("rot", [0.0, 90.0, 180.0, 270.0, 33.5])
def test_a_mirrored_placement_is_the_mirror_image_turned_and_moved(rot):
    part = hook()
    pl = Placement("hook#1", part, 500.0, 300.0, rot, mirrored=True)
    got = pl.placed()

    def tr(g):
        g = affinity.scale(g, -1.0, 1.0, origin=(0, 0))
        return affinity.translate(affinity.rotate(g, rot, origin=(0, 0)), 500.0, 300.0)

    assert got.outline.equals_exact(tr(part.outline), 1e-9)
    assert got.outline.normalize().equals_exact(tr(part.outline).normalize(), 1e-9)
    (d,) = got.drills
    want = tr(shapely.Point(part.drills[0].x, part.drills[0].y))
    assert (d.x, d.y) == pytest.approx((want.x, want.y), abs=1e-9)
    lx, ly = got.label_at
    want = tr(shapely.Point(*part.label_at))
    assert (lx, ly) == pytest.approx((want.x, want.y), abs=1e-9)
    assert got.outline.contains(shapely.Point(d.x, d.y))
    # the mirror image is not the part turned: no rotation gives the same outline
    for r in (0, 90, 180, 270):
        plain = Placement("hook#1", part, 500.0, 300.0, r).placed().outline
        assert not plain.normalize().equals_exact(got.outline.normalize(), 1e-6)
    # the nester's frame agrees with the placement's
    moved = affinity.translate(oriented_outline(part.outline, rot, True), 500.0, 300.0)
    assert moved.equals_exact(got.outline, 1e-9)


def test_one_sided_parts_say_why():
    base = hook()
    assert base.one_sided(18.0) == ""
    assert base.one_sided(18.0) == replace(base, drills=(Drill(10, 10, 8.0, 18.0),)
                                           ).one_sided(18.0)
    assert "pocket" in replace(base, pockets=(Pocket(shapely.box(60, 70, 90, 80), 6.0),)
                               ).one_sided(18.0)
    assert "6 mm deep" in replace(base, drills=(Drill(10, 70, 8.0, 6.0),)).one_sided(18.0)
    assert "engraving" in replace(base, engravings=(
        Engraving(shapely.LineString([(10, 70), (50, 70)])),)).one_sided(18.0)


# --- the job keys ---------------------------------------------------------------------------


def test_the_job_mirrors_only_parts_cut_through(tmp_path):
    items = items_of(tmp_path, JOB + '[[part]]\nfile = "wall-rib.toml"\nquantity = 1\n')
    by = {it.part.name: it.mirror for it in items}
    # the tray's pocket and the wall rib's blind pilot holes are cut into one face
    assert by == {"hook": True, "tray": False, "wall-rib": False}
    # off by default, and a part may opt out or in
    items = items_of(tmp_path, JOB.replace("mirror = true\n", ""))
    assert not any(it.mirror for it in items)
    items = items_of(tmp_path, JOB.replace("mirror = true\n", "").replace(
        'quantity = 10\n', 'quantity = 10\nmirror = true\n'))
    assert {it.part.name: it.mirror for it in items} == {"hook": True, "tray": False}
    items = items_of(tmp_path, JOB.replace('quantity = 10\n', 'quantity = 10\nmirror = false\n'))
    assert not any(it.mirror for it in items)


def test_grain_keeps_mirroring_and_a_locked_copy_stays_as_drawn(tmp_path):
    text = JOB.replace('quantity = 10\n', 'quantity = 10\ngrain = true\n'
                       'lock = { sheet = 1, x = 15, y = 15 }\n')
    items = [it for it in items_of(tmp_path, text) if it.part.name == "hook"]
    assert items[0].lock is not None and not items[0].mirror
    assert all(it.mirror and it.rotations == (0.0, 180.0) for it in items[1:])


def test_a_copy_locked_face_down_stays_there_mirrored_and_its_program_verifies(tmp_path):
    # the job's mirror off: the lock itself says this copy is cut face down
    text = JOB.replace("mirror = true\n", "").replace(
        'quantity = 10\n', 'quantity = 10\nlock = { sheet = 1, x = 400, y = 300, rotation = 90,'
        ' mirror = true }\n')
    items = items_of(tmp_path, text)
    first = next(it for it in items if it.instance == "hook#1")
    assert first.lock.mirrored and not first.mirror
    out = tmp_path / "out"
    res = run("nest", str(tmp_path / "job.toml"), "-o", str(out))
    assert res.returncode == 0, res.stderr
    report = json.loads((out / "report.json").read_text())
    s = report["sheets"][0]
    (p,) = [q for q in s["parts"] if q["id"] == "hook#1"]
    assert p.get("mirrored") is True and p["rotation"] == 90.0
    # the drawn outline is the mirror image turned, its box's corner where the lock put it
    (sheet,) = read_cutting_file(out / s["file_dxf"])
    want = oriented_outline(Polygon(hook(30.0).outline.exterior), 90.0, True)
    want = affinity.translate(want, 400.0 - want.bounds[0], 300.0 - want.bounds[1])
    drawn = [pl.placed().outline for pl in sheet.placements]
    assert any(g.symmetric_difference(want).area < 1.0 for g in drawn)
    assert not any(q.get("mirrored") for t in report["sheets"] for q in t["parts"]
                   if q["id"] != "hook#1")
    res = CliRunner().invoke(main, ["verify", str(out / s["file_program"]), "--profile",
                                    "linuxcnc", "--sheet", str(out / s["file_dxf"])])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("old, new, key, part, expect", [
    ('quantity = 3\n', 'quantity = 3\nlock = { sheet = 1, x = 400, y = 300, mirror = true }\n',
     "'part[2].lock.mirror'", "tray", "cannot be cut face down"),
    # the part's mirror = false means never: a lock saying otherwise is a contradiction to
    # name, not a copy to turn over quietly
    ('quantity = 10\n', 'quantity = 10\nmirror = false\nlock = { sheet = 1, x = 400, y = 300,'
     ' mirror = true }\n', "'part[1].lock.mirror'", "hook", "mirror = false"),
])
def test_a_copy_locked_face_down_that_may_not_be_is_refused(tmp_path, old, new, key, part,
                                                             expect):
    with pytest.raises(InputError) as e:
        items_of(tmp_path, JOB.replace(old, new, 1))
    msg = str(e.value)
    assert key in msg and expect in msg, msg
    assert f"part '{part}'" in msg and "\n" not in msg


@pytest.mark.parametrize("old, new, key, expect", [
    ("mirror = true\n", "mirror = 1\n", "'nest.mirror'", "must be true or false"),
    ('quantity = 10\n', 'quantity = 10\nmirror = "yes"\n', "'part[1].mirror'",
     "must be true or false"),
    ('quantity = 3\n', 'quantity = 3\nmirror = true\n', "'part[2].mirror'",
     "cannot be cut face down, it has 1 pocket(s), cut into one face"),
    ('quantity = 3\n', 'quantity = 3\nmiror = true\n', "'part[2].miror'", "unknown key"),
])
def test_bad_mirror_keys_are_refused_in_one_line(tmp_path, old, new, key, expect):
    assert old in JOB
    with pytest.raises(InputError) as e:
        items_of(tmp_path, JOB.replace(old, new, 1))
    msg = str(e.value)
    assert f"{key}" in msg and expect in msg and "\n" not in msg, msg
    assert "job.toml" in msg
    if "pocket" in expect:
        assert "part 'tray'" in msg


def test_a_part_with_blind_drills_refuses_mirror_true(tmp_path):
    """The wall rib's cladding pilots are 6 mm deep, drilled into one face."""
    text = JOB.split("[[part]]")[0] + ('[[part]]\nfile = "wall-rib.toml"\nquantity = 1\n'
                                       'mirror = true\n')
    with pytest.raises(InputError) as e:
        items_of(tmp_path, text)
    msg = str(e.value)
    assert "'part[1].mirror'" in msg and "not through" in msg and "part 'wall-rib'" in msg, msg


# --- the nester -----------------------------------------------------------------------------


def test_the_hook_pairs_with_its_mirror_image():
    part = Part("hook", affinity.scale(Polygon(HOOK_PTS), 30, 30, origin=(0, 0)))
    items = [NestItem(f"hook#{k}", part, mirror=True) for k in range(1, 5)]
    out, bundles = bundle.make_bundles(items, [Stock()], SPACING)
    assert len(out) == 2 and all(b.mirrors == (False, True) for b in bundles.values())
    pair = out[0].part.outline
    plain_pair = bundle.make_bundles([replace(it, mirror=False) for it in items], [Stock()],
                                     SPACING)[0][0].part.outline
    # the mirrored pair's box is fuller than the half-turned pair's
    assert bundle.box_fill(pair) > bundle.box_fill(plain_pair) * 1.03
    # each bundle placed plain and mirrored, at every quarter turn, expands into copies
    # that lie inside the bundle's outline and keep the spacing
    for mirrored in (False, True):
        for rot in (0.0, 90.0, 180.0, 270.0):
            pl = Placement(out[0].instance, out[0].part, 700.0, 400.0, rot, mirrored)
            copies = bundle.expand([pl], bundles)
            assert [c.mirrored for c in copies] == [mirrored, not mirrored]
            shapes = [c.placed().outline for c in copies]
            assert shapes[0].distance(shapes[1]) >= SPACING - 1e-6
            body = pl.placed().outline.buffer(1e-6)
            assert all(body.contains(g) for g in shapes)


def test_mirrored_variants_are_used_and_the_layout_is_exact():
    """Twenty hooks on a small sheet, pairs off: the decoder's mirrored variants place
    some face down; every placement checked with shapely against the rules."""
    part = hook(20.0)
    st = Stock(1000, 700, 18, 10)
    items = [NestItem(f"hook#{k}", part, mirror=True) for k in range(1, 21)]
    s = NestSettings(spacing=8.0, seed=1, time_limit=60, iterations=150, workers=1)
    lay = nest(items, [st], s)
    pls = [p for sh in lay.sheets for p in sh.placements]
    assert len(pls) == 20 and not lay.unplaced
    assert any(p.mirrored for p in pls) and not all(p.mirrored for p in pls)
    assert verify_layout(lay, 8.0) == []
    for sh in lay.sheets:
        usable = sh.stock.usable.buffer(1e-6)
        geoms = [p.placed().outline for p in sh.placements]
        assert all(usable.contains(g) for g in geoms)
        assert all(a.distance(b) >= 8.0 - 1e-6 for a, b in combinations(geoms, 2))
    plain = nest([replace(it, mirror=False) for it in items], [st], s)
    assert not any(p.mirrored for sh in plain.sheets for p in sh.placements)


def test_a_symmetric_part_is_never_mirrored():
    """A mirror image that is one of the part's turns adds nothing: never cut face down."""
    part = Part("wedge", Polygon([(0, 0), (140, 8), (140, 28), (0, 36)]))
    items = [NestItem(f"wedge#{k}", part, mirror=True) for k in range(1, 31)]
    lay = nest(items, [Stock(800, 600, 18, 10)],
               NestSettings(spacing=6.0, time_limit=60, iterations=100, workers=1))
    assert not any(p.mirrored for sh in lay.sheets for p in sh.placements)


# --- toolpaths ------------------------------------------------------------------------------


def _loop_xy(op, z_tol: float = 1e-6) -> np.ndarray:
    """The XY points of an operation's deepest feed moves, in order."""
    zmin = min(m.z for m in op.moves)
    return np.array([(m.x, m.y) for m in op.moves
                     if m.kind != "rapid" and abs(m.z - zmin) < z_tol])


def _signed_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


@pytest.mark.parametrize("direction", ["climb", "conventional"])
def test_a_mirrored_part_is_cut_outside_its_mirrored_outline_in_the_same_direction(direction):
    prof = load_profile("grbl").with_tool(6.0)
    prof = replace(prof, direction=direction)
    r = prof.tool.radius
    part = hook()
    sheet = SheetLayout(1, Stock(1400, 700, 18, 15), [
        Placement("hook#1", part, 40.0, 200.0, 0.0),
        Placement("hook#2", part, 1100.0, 200.0, 0.0, mirrored=True),
        Placement("hook#3", part, 1350.0, 660.0, 90.0, mirrored=True)])
    prog = plan_sheet(sheet, prof)
    text = write_program(prog, prof)
    assert verify_program(text, prof, sheet=sheet) == []
    placed = {p.instance: p.placed() for p in sheet.placements}
    turn = {}
    for op in prog.operations:
        got = placed[op.part]
        xy = _loop_xy(op)
        if op.kind == "outline":
            body = Polygon(got.outline.exterior)
            pts = shapely.points(xy)
            # the kerf lies outside the part: the tool's centre a radius off its edge (nearer
            # only where a corner relief reaches into an inside corner)
            assert not np.any(shapely.intersects(body.buffer(-0.01), pts)), op.part
            d = shapely.distance(body.exterior, pts)
            assert np.median(d) == pytest.approx(r, abs=0.01), op.part
            turn[(op.part, "outline")] = np.sign(_signed_area(xy))
        elif op.kind == "hole":
            hole = Polygon(got.outline.interiors[0])
            pts = shapely.points(xy)
            assert np.all(shapely.contains(hole, pts)), op.part
            d = shapely.distance(hole.exterior, pts)
            assert np.median(d) == pytest.approx(r, abs=0.01), op.part
            turn[(op.part, "hole")] = np.sign(_signed_area(xy))
        elif op.kind == "drill":  # at the mirrored place, within the hole
            (d,) = got.drills
            assert np.all(np.hypot(xy[:, 0] - d.x, xy[:, 1] - d.y) < d.diameter / 2), op.part
    # climb: outsides clockwise and holes counter-clockwise (conventional: the reverse),
    # mirrored or not
    out_sign = -1.0 if direction == "climb" else 1.0
    for inst in placed:
        assert turn[(inst, "outline")] == out_sign, (inst, direction)
        assert turn[(inst, "hole")] == -out_sign, (inst, direction)


def test_a_mirrored_label_reads_the_right_way_round_where_the_mirror_puts_it():
    prof = load_profile("grbl").with_tool(6.0)
    part = Part("panel", Polygon([(0, 0), (400, 0), (400, 200), (120, 200), (0, 120)]),
                label="AB7", label_at=(280.0, 100.0), label_height=30.0)
    plain = Placement("panel#1", part, 100.0, 100.0).placed()
    flipped = Placement("panel#2", part, 600.0, 100.0, mirrored=True).placed()
    a, b = label_strokes(plain, prof), label_strokes(flipped, prof)
    assert a and b
    pa, pb = np.vstack(a), np.vstack(b)
    # at the mirrored anchor: x -> -x about the part's origin, then moved
    assert flipped.label_at == pytest.approx((600.0 - 280.0, 200.0))
    assert (pb.min(axis=0) + pb.max(axis=0)) / 2 == pytest.approx(flipped.label_at, abs=1e-6)
    # the same glyphs, moved: not mirrored
    assert len(a) == len(b)
    for sa, sb in zip(a, b):
        assert sa - pa.min(axis=0) == pytest.approx(sb - pb.min(axis=0), abs=1e-9)
    assert shapely.MultiLineString([s for s in b if len(s) > 1]).within(flipped.outline)


# --- a job end to end -----------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wikicut.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=900)


@pytest.mark.slow
def test_a_job_with_mirroring_is_nested_cut_and_verified(tmp_path, rs274):
    job = write(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        res = run("nest", str(job), "-o", str(out))
        assert res.returncode == 0, res.stderr
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:  # byte for byte the same from the same seed and iterations
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    report = json.loads((a / "report.json").read_text())
    assert report["settings"]["mirror"] is True and report["unplaced"] == []
    parts = [p for s in report["sheets"] for p in s["parts"]]
    hooks = [p for p in parts if p["name"] == "hook"]
    assert any(p.get("mirrored") for p in hooks)
    flips = sum(1 for p in hooks if p.get("mirrored"))
    said = f"{flips} part" + ("s" if flips > 1 else "")
    assert f"mirrored: {said} cut face down (dashed in the previews)" in res.stdout
    assert not any(p.get("mirrored") for p in parts if p["name"] == "tray")
    # the sheets as drawn in their DXFs: each mirrored hook is the mirror image, every part
    # inside the margin and the spacing from every other, exactly
    src = hook(30.0)
    for s in report["sheets"]:
        (sheet,) = read_cutting_file(a / s["file_dxf"])
        drawn = [pl.placed().outline for pl in sheet.placements]
        st = s["stock"]
        inner = shapely.box(st["margin"], st["margin"], st["width"] - st["margin"],
                            st["height"] - st["margin"]).buffer(1e-3)
        assert all(inner.contains(g) for g in drawn)
        assert all(g1.distance(g2) >= SPACING - 1e-3 for g1, g2 in combinations(drawn, 2))
        for p in s["parts"]:
            if p["name"] != "hook":
                continue
            want = affinity.translate(oriented_outline(Polygon(src.outline.exterior),
                                                       p["rotation"], p.get("mirrored", False)),
                                      p["x"], p["y"])
            assert any(g.symmetric_difference(want).area < 1.0 for g in drawn), p["id"]
        res = CliRunner().invoke(main, ["verify", str(a / s["file_program"]), "--profile",
                                        "linuxcnc", "--sheet", str(a / s["file_dxf"])])
        assert res.exit_code == 0, res.output
        got = run_rs274(rs274, a / s["file_program"], timeout=120)
        assert got.returncode == 0 and "error" not in got.stdout.lower().replace(
            "error_", ""), got.stdout[-800:]
    csv = (a / "parts.csv").read_text().splitlines()
    assert csv[0].endswith(",mirrored") and any(ln.endswith(",yes") for ln in csv[1:])
    svg = "".join((a / f"sheet-{s['index']:03d}.svg").read_text() for s in report["sheets"])
    assert 'class="mirrored"' in svg and "mirrored: cut face down" in svg
    assert " face down)</td>" in (a / "index.html").read_text()  # the job sheet's sort table
    # wikicut diff names a part turned face up again (a report edited so)
    c = tmp_path / "c"
    shutil.copytree(a, c)
    flipped = next(p for p in hooks if p.get("mirrored"))
    for s in report["sheets"]:
        for p in s["parts"]:
            if p["id"] == flipped["id"]:
                del p["mirrored"]
    (c / "report.json").write_text(json.dumps(report))
    d = diff_folders(a, c)
    (moved,) = [m for sd in d.per_sheet for m in sd.moved]
    assert moved["id"] == flipped["id"] and moved["mirrored"] == [True, False]
    assert f"moved {flipped['id']} by 0.0 mm (dx +0.0, dy +0.0), now cut face up" in (
        diff_text(d))


@pytest.mark.slow
def test_without_mirror_nothing_says_so(tmp_path):
    job = write(tmp_path, JOB.replace("mirror = true\n", ""))
    res = run("nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode", "-q")
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    report = (out / "report.json").read_text()
    assert "mirror" not in report
    assert "mirror" not in (out / "parts.csv").read_text()
    assert "mirror" not in (out / "sheet-001.svg").read_text()
    assert " face down)</td>" not in (out / "index.html").read_text()
