"""The shipped part library within its declared ranges, and what points a designer at a
mistake: the line of a key in an inline table or an array of tables, docs/parts.md's
example and library table against the shipped files, and `wikicut parts` on a folder that
also holds jobs."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.parts import load_part, part_info
from wikicut.io.toml import TomlFile

ROOT = Path(__file__).resolve().parent.parent
PARTS = ROOT / "parts"
SHIPPED = sorted(p.stem for p in PARTS.glob("*.toml"))
DOC = (ROOT / "docs" / "parts.md").read_text(encoding="utf-8")


# -- the line of a key ---------------------------------------------------------------------

def _line(tmp_path: Path, text: str, dotted: str) -> int | None:
    path = tmp_path / "f.toml"
    path.write_text(text, encoding="utf-8")
    return TomlFile.load(path).line(dotted)


MIRRORED = """name = "lm"
[params]
L = 600
H = 200

[[feature]]
type = "rectangle"
x = 0
y = 0
w = "L"
h = "H"

[[feature]]
type = "circle"
cx = 100
cy = 100
r = 10
op = "cut"
repeat = { count = 2, dx = 50, dy = 0 }
mirror = { x = "L / 2" }

[[drill]]
x = 100
y = 50
d = 8
repeat = { count = 2, dx = 50 }
mirror = { x = "Lx / 2" }
"""

LAYOUTS = """# name = "not this one": a comment naming a key
name = "t"
a.b = 1
a . "c.d" = 2
s = \"\"\"
x = 1
[[part]]
\"\"\"
lit = '''x = "not a key" '''
[params]
b = { default = 10, max = 5 }   # a = { default = 1 }
a = { default = 1, max = 5 }
[[part]]
file = "a"
lock = [{ sheet = 1, x = 0 },
        { sheet = 2, x = 5 }]
[[part]]
file = "b"  # file = "c"
[part.extra]
k = 1
[[part.sub]]
v = 1
[[part.sub]]
v = 2
points = [[0, 0],
  [10, 0],   # x = 3
  [10, 10]]
'quoted key' = 1
n = { m = { x = 1 }, x = 2 }
[machine.operations.pocket]
feed = 5000
"""


@pytest.mark.parametrize(("text", "dotted", "line"), [
    (MIRRORED, "feature[2].mirror.x", 20),   # was 23: the drill's own x
    (MIRRORED, "feature[2].repeat.dx", 19),
    (MIRRORED, "drill[1].mirror.x", 27),     # was 23
    (MIRRORED, "drill[1].x", 23),
    (MIRRORED, "feature[1].op", 6),          # not written: its table's header
    ("name = \"pl\"\n[params]\na = { default = 1, max = 5 }\nb = { default = 10, max = 5 }\n",
     "params.b.default", 4),                 # was 3: the line of a
    (LAYOUTS, "name", 2),
    (LAYOUTS, "a.b", 3),
    (LAYOUTS, 'a."c.d"', 4),
    (LAYOUTS, "lit", 9),
    (LAYOUTS, "params.b.max", 11),
    (LAYOUTS, "params.a.default", 12),
    (LAYOUTS, "part[1].file", 14),
    (LAYOUTS, "part[1].lock[1].x", 15),
    (LAYOUTS, "part[1].lock[2].x", 16),
    (LAYOUTS, "part[2].file", 18),
    (LAYOUTS, "part[2].extra.k", 20),
    (LAYOUTS, "part[2].sub[2].v", 24),
    (LAYOUTS, "part[2].sub[2].points[3]", 27),
    (LAYOUTS, "part[2].sub[2].'quoted key'", 28),
    (LAYOUTS, "part[2].sub[2].n.m.x", 29),
    (LAYOUTS, "part[2].sub[2].n.x", 29),
    (LAYOUTS, "machine.operations.pocket.feed", 31),
])
def test_key_line_is_the_keys_own(tmp_path, text, dotted, line):
    assert _line(tmp_path, text, dotted) == line


def _paths(data, pre=()):
    for k, v in data.items():
        yield (*pre, k), v
        items = v.items() if isinstance(v, dict) else \
            enumerate(v, 1) if isinstance(v, list) and all(isinstance(e, dict) for e in v) \
            else ()
        for i, e in items:
            if isinstance(v, list):
                yield (*pre, k, i), e
                yield from _paths(e, (*pre, k, i))
            elif isinstance(e, (dict, list)):
                yield from _paths({i: e}, (*pre, k))
            else:
                yield (*pre, k, i), e


def _dotted(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


TOML_FILES = sorted(p for d in ("parts", "profiles", "tools", "examples")
                    for p in (ROOT / d).rglob("*.toml"))


@pytest.mark.parametrize("path", TOML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_key_of_the_shipped_files_is_found_on_its_line(path):
    """Each key's line names it, and lies within its table: after the header of its
    [[table]] and before the next one's."""
    tf = TomlFile.load(path)
    lines = tf.text.splitlines()
    for p, _ in _paths(tf.data):
        n = tf.line(_dotted(p))
        assert n is not None, p
        if isinstance(p[-1], str):
            assert re.search(rf"(^|[\s{{,.\"'\[]){re.escape(p[-1])}[\"']?\s*[=.\]]",
                             lines[n - 1]), (p, n)
        for k, part in enumerate(p):
            if isinstance(part, int):
                assert tf.line(_dotted(p[:k + 1])) <= n, p
                after = tf.line(_dotted((*p[:k], part + 1)))
                if after is not None and after != tf.line(_dotted(p[:k])):
                    assert n < after, p


# -- the library within its ranges --------------------------------------------------------

COUNTS = {"tenons", "spacer_slots", "bowties", "purlins"}


def _ranges(name: str) -> tuple[dict, dict]:
    info = part_info(PARTS / f"{name}.toml")
    return info["parameters"], info.get("ranges", {})


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_parameter_declares_its_range(name):
    params, ranges = _ranges(name)
    assert set(ranges) == set(params)
    assert all(lo is not None and hi is not None for lo, hi in ranges.values()), ranges


def _pieces(line: shapely.LineString, part) -> list:
    g = line.intersection(part.outline)
    return sorted(getattr(g, "geoms", [g]), key=lambda q: q.bounds[0]) if not g.is_empty \
        else []


def _as_drawn(name: str, values: dict, thickness: float, base) -> list[str]:
    """What is wrong with the part at these values, against the part at its defaults."""
    try:
        part = load_part(PARTS / f"{name}.toml", values, thickness=thickness)
    except InputError as exc:
        return [str(exc)]
    o, wrong = part.outline, []
    if (len(o.interiors), len(part.drills), len(part.pockets)) != \
            (len(base.outline.interiors), len(base.drills), len(base.pockets)):
        wrong.append(f"{len(o.interiors)} holes, {len(part.drills)} drills,"
                     f" {len(part.pockets)} pockets")
    web = o.buffer(-2.5)  # 5 mm of ply at least between any two cuts, and at every edge
    if web.geom_type != "Polygon" or len(web.interiors) != len(o.interiors):
        wrong.append("a web thinner than 5 mm")
    inner = o.buffer(-2)
    wrong += [f"drill at ({d.x:g}, {d.y:g}) at an edge" for d in part.drills
              if not inner.contains(shapely.Point(d.x, d.y).buffer(d.diameter / 2))]
    wrong += ["a pocket at an edge" for pk in part.pockets if not inner.contains(pk.shape)]
    v = {**_ranges(name)[0], **values}
    x0, _, x1, y1 = o.bounds
    if name == "wall-rib":  # its spacer slots, apart, across the top edge
        gaps = shapely.LineString([(x0 + 10, y1 - 1), (x1 - 10, y1 - 1)]).difference(o)
        if len(getattr(gaps, "geoms", [gaps])) != v["spacer_slots"]:
            wrong.append("spacer slots merged")
    if name == "cassette-side":  # its tenons, apart, below the bottom edge
        tenons = _pieces(shapely.LineString([(x0 - 1, -1), (x1 + 1, -1)]), part)
        if len(tenons) != v["tenons"] or any(abs(t.length - v["tenon_width"]) > 1e-6
                                               for t in tenons):
            wrong.append(f"tenons {[round(t.length) for t in tenons]}")
    if name == "roof-rib":  # eave, between the birdsmouth and the collar-tie slot, ridge
        bottom = _pieces(shapely.LineString([(x0 - 1, 0.5), (x1 + 1, 0.5)]), part)
        if len(bottom) != 3 or min(b.length for b in bottom) < 10:
            wrong.append("the birdsmouth meets the collar-tie slot")
    return wrong


def _values(name: str) -> list[dict]:
    """Each parameter at both ends of its range, all at their lows and all at their highs,
    and a few mixtures."""
    params, ranges = _ranges(name)
    out = [{k: end} for k, r in ranges.items() for end in r]
    out += [{k: r[0] for k, r in ranges.items()}, {k: r[1] for k, r in ranges.items()}]
    rnd = random.Random(name)
    for _ in range(6):
        out.append({k: rnd.randint(int(lo), int(hi)) if k in COUNTS else
                    round(rnd.uniform(lo, hi), 2) for k, (lo, hi) in ranges.items()})
        out.append({k: rnd.choice(r) for k, r in ranges.items()})
    return out


@pytest.mark.parametrize("thickness", [9, 18.3, 30])
@pytest.mark.parametrize("name", SHIPPED)
def test_any_values_in_the_ranges_give_the_part_as_drawn(name, thickness):
    base = load_part(PARTS / f"{name}.toml", thickness=thickness)
    assert not _as_drawn(name, {}, thickness, base)
    bad = {str(v): w for v in _values(name) if (w := _as_drawn(name, v, thickness, base))}
    assert not bad, bad


@pytest.mark.parametrize("length", [600, 700, 900])
def test_a_short_cassette_side_keeps_its_three_tenons_apart(length):
    """At 700 mm the three tenons, 300 mm in from the ends, merged into one 220 mm tenon."""
    side = load_part(PARTS / "cassette-side.toml", {"length": length}, thickness=18.3)
    tenons = _pieces(shapely.LineString([(-1, -1), (length + 1, -1)]), side)
    assert [round(t.length, 6) for t in tenons] == [120] * 3
    gaps = [b.bounds[0] - a.bounds[2] for a, b in zip(tenons, tenons[1:])]
    assert min(gaps) >= 50


@pytest.mark.parametrize(("name", "params", "key"), [
    ("portal-side", {"height": 900}, "params.height"),   # the window ran out of the leg
    ("portal-side", {"leg": 161}, "params.leg"),         # "corner radius -0.5"
    ("wall-rib", {"spacer_slots": 1}, "params.spacer_slots"),   # a division by zero
    ("wall-rib", {"length": 3000}, "params.length"),
    ("roof-rib", {"pitch": 10}, "params.pitch"),
])
def test_a_value_outside_a_shipped_range_is_refused_at_the_range(name, params, key):
    with pytest.raises(InputError, match=re.escape(f"key '{key}'")):
        load_part(PARTS / f"{name}.toml", params, thickness=18.3)


# -- docs/parts.md -------------------------------------------------------------------------

def test_docs_complete_example_is_the_shipped_wall_rib():
    example = next(b for b in re.findall(r"```toml\n(.*?)```", DOC, re.S)
                   if b.startswith('name = "wall-rib"'))
    assert example == (PARTS / "wall-rib.toml").read_text(encoding="utf-8")


def test_docs_library_table_gives_the_shipped_ranges():
    rows = dict(re.findall(r"^\| `([\w-]+)\.toml` \|.*\| ([^|]*) \|$", DOC, re.M))
    assert sorted(rows) == SHIPPED
    for name, cell in rows.items():
        said = {k: (float(lo), float(hi))
                for k, lo, hi in re.findall(r"`(\w+)` ([\d.]+)\.\.([\d.]+)", cell)}
        params, ranges = _ranges(name)
        assert said == ranges and list(said) == list(params), name


JOB = """name = "walls"

[sheet]
width = 2440
height = 1220
thickness = 18.3
margin = 15

[machine]
profile = "grbl"

[[part]]
file = "wall-rib.toml"
params = { length = 3000 }
"""


def test_docs_quoted_errors_are_what_wikicut_prints(tmp_path, monkeypatch):
    quoted = [ln for ln in DOC.splitlines()
              if re.match(r"(job|wall-rib)\.toml: part 'wall-rib'", ln)]
    assert len(quoted) == 3
    text = (PARTS / "wall-rib.toml").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    Path("wall-rib.toml").write_text(text.replace('width = "slot"', 'width = "slt + 1"'))
    with pytest.raises(InputError) as typo:
        load_part("wall-rib.toml", thickness=18.3)
    open_ended = re.sub(r"spacer_slots = \{[^}]*\}", "spacer_slots = 4", text)
    Path("wall-rib.toml").write_text(open_ended)
    with pytest.raises(InputError) as zero:
        load_part("wall-rib.toml", {"spacer_slots": 1}, thickness=18.3)
    Path("wall-rib.toml").write_text(text)
    Path("job.toml").write_text(JOB)
    out = CliRunner().invoke(main, ["nest", "job.toml", "-o", "out", "--time-limit", "2"])
    assert out.exit_code == 2
    assert [str(typo.value), str(zero.value), out.output.strip().removeprefix("error: ")] \
        == quoted


# -- wikicut parts on a folder of one's own -----------------------------------------------

def test_parts_lists_part_files_only_and_counts_the_others(tmp_path):
    (tmp_path / "rib.toml").write_text((PARTS / "wall-rib.toml").read_text())
    (tmp_path / "job1.toml").write_text(JOB)
    out = CliRunner().invoke(main, ["parts", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "rib.toml" in out.output and "job1.toml " not in out.output
    assert "(1 file skipped, not parts: no [[feature]] table and keys a part file does not" \
        " take: job1.toml)" in out.output
    (tmp_path / "rib.toml").unlink()
    out = CliRunner().invoke(main, ["parts", str(tmp_path)])
    assert out.exit_code == 2
    assert "no part files in this folder: its 1 TOML file has no [[feature]] table" \
        in out.output
    (tmp_path / "rib.toml").write_text('name = "rib"\n')  # a part with no shapes yet
    out = CliRunner().invoke(main, ["parts", str(tmp_path)])
    assert out.exit_code == 0 and out.output.startswith("rib.toml ")
