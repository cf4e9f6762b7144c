"""A designer authoring part files from docs/parts.md: parameter ranges, the mistakes they
make (units, overrides a part does not take, marks sunk in pockets, labels with no room) and
the one-line answers that name the file, the part, the key and its line."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError, InputWarning
from wikicut.io.items import load_job_parts
from wikicut.io.job import load_job
from wikicut.io.parts import load_part, part_info

ROOT = Path(__file__).resolve().parent.parent

BOARD = """name = "board"
[params]
length = { default = 1000, min = 600, max = 2410 }
height = 100
[[feature]]
type = "rectangle"
x = 0
y = 0
w = "length"
h = "height"
"""

JOB = """name = "walk"
[sheet]
width = 2440
height = 1220
thickness = 18.3
[[part]]
file = "board.toml"
params = { PARAMS }
"""

SQUARE = """[[feature]]
type = "rectangle"
x = 0
y = 0
w = 100
h = 100
"""


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path, params: dict | None = None) -> str:
    with pytest.raises(InputError) as exc:
        load_part(path, params, thickness=18.3)
    msg = str(exc.value)
    assert "\n" not in msg and exc.value.exit_code == 2
    return msg


def test_parameter_range_gives_its_default_and_takes_a_value_within_it(tmp_path):
    path = write(tmp_path, BOARD, "board.toml")
    assert load_part(path, thickness=18.3).outline.bounds[2] == 1000
    assert load_part(path, {"length": 2410}, thickness=18.3).outline.bounds[2] == 2410


@pytest.mark.parametrize(("value", "why"), [
    (500, "length = 500 is below the minimum 600 (range 600..2410)"),
    (3000, "length = 3000 is above the maximum 2410 (range 600..2410)"),
])
def test_override_outside_its_range_is_refused_at_the_declaring_line(tmp_path, value, why):
    msg = refusal(write(tmp_path, BOARD, "board.toml"), {"length": value})
    assert msg == f"board.toml: part 'board': key 'params.length' (line 3): {why}"


@pytest.mark.parametrize(("decl", "why"), [
    ("{ default = 300, min = 600 }", "key 'params.length.default' (line 3): the default 300 is"
                                     " below the minimum 600"),
    ("{ min = 600, max = 900 }", "key 'params.length' (line 3): a parameter table needs a"
                                 " default"),
    ("{ default = 700, min = 900, max = 600 }", "min 900 is above max 600"),
    ("{ default = 700, mni = 600 }", "unknown key (did you mean 'min'?)"),
    ("{ default = 700, max = 'x' }", "must be a finite number, got 'x'"),
])
def test_bad_parameter_table_is_refused(tmp_path, decl, why):
    text = BOARD.replace("{ default = 1000, min = 600, max = 2410 }", decl)
    assert why in refusal(write(tmp_path, text, "board.toml"))


def test_job_override_outside_its_range_names_the_job_key_and_the_declaration(tmp_path):
    write(tmp_path, BOARD, "board.toml")
    job = load_job(write(tmp_path, JOB.replace("PARAMS", "length = 3000"), "job.toml"))
    with pytest.raises(InputError) as exc:
        load_job_parts(job)
    assert str(exc.value) == (
        f"{tmp_path / 'job.toml'}: part 'board': key 'part[1].params.length' (line 8): length ="
        " 3000 is above the maximum 2410 (range 600..2410) (board.toml, key 'params.length'"
        " (line 3))")


def test_job_override_of_a_parameter_the_part_lacks_names_the_job_key(tmp_path):
    write(tmp_path, BOARD, "board.toml")
    job = load_job(write(tmp_path, JOB.replace("PARAMS", "lenght = 900"), "job.toml"))
    with pytest.raises(InputError) as exc:
        load_job_parts(job)
    assert str(exc.value) == (
        f"{tmp_path / 'job.toml'}: part 'board': key 'part[1].params.lenght' (line 8): unknown"
        " parameter 'lenght' (did you mean 'length'?); parameters: length, height (board.toml)")


def test_parts_lists_each_parameter_range(tmp_path):
    write(tmp_path, BOARD.replace("height = 100", "height = { default = 100, max = 300 }"),
          "board.toml")
    out = CliRunner().invoke(main, ["parts", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "params: length=1000 (600..2410), height=100 (<= 300)" in out.output
    assert part_info(tmp_path / "board.toml")["ranges"] == {"length": (600, 2410),
                                                            "height": (None, 300)}


@pytest.mark.parametrize(("part", "params", "key"), [
    ("roof-rib.toml", {"pitch": 1}, "params.pitch"),  # birdsmouth seat ran past the rib
    ("cassette-side.toml", {"length": 300}, "params.length"),  # tenons past its ends
])
def test_shipped_part_refuses_values_that_gave_a_wrong_part(part, params, key):
    with pytest.raises(InputError, match=re.escape(f"key '{key}'")):
        load_part(ROOT / "parts" / part, params, thickness=18.3)


def test_number_with_a_unit_gets_a_millimetre_hint_and_no_python_warning(tmp_path):
    path = write(tmp_path, SQUARE.replace("w = 100", 'w = "96in"'))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Python's SyntaxWarning was a second stderr line
        msg = refusal(path)
    assert msg.endswith("key 'feature[1].w' (line 5): expression '96in' is not valid"
                        " arithmetic (part files are in mm and take no units: write inches"
                        " as N * 25.4)")


def test_parameter_default_with_a_unit_gets_the_hint(tmp_path):
    path = write(tmp_path, '[params]\nlength = "96in"\n' + SQUARE)
    assert "(part files are in mm and take no units" in refusal(path)


def test_units_key_says_part_files_are_in_millimetres(tmp_path):
    msg = refusal(write(tmp_path, 'units = "inch"\n' + SQUARE))
    assert msg.endswith("key 'units' (line 1): part files are always in mm (write inches as"
                        " N * 25.4)")


POCKET = SQUARE + """[[feature]]
type = "rectangle"
x = 10
y = 10
w = 50
h = 50
op = "pocket"
depth_mm = 10
"""


def test_blind_drill_in_a_deeper_pocket_is_refused_as_cutting_nothing(tmp_path):
    path = write(tmp_path, POCKET + "[[drill]]\nx = 30\ny = 30\nd = 8\ndepth_mm = 5\n")
    assert refusal(path).endswith(
        "key 'drill[1].depth_mm' (line 19): drill at (30, 30) is 5 mm deep, in the pocket of"
        " feature[2] cleared 10 mm deep: it would cut nothing (depth is from the top face)")


def test_drill_below_the_pocket_floor_or_through_it_is_kept(tmp_path):
    for depth in ("depth_mm = 12\n", ""):
        path = write(tmp_path, POCKET + f"[[drill]]\nx = 30\ny = 30\nd = 8\n{depth}")
        assert len(load_part(path, thickness=18.3).drills) == 1


def test_engraving_in_a_deeper_pocket_is_refused_as_cutting_nothing(tmp_path):
    path = write(tmp_path, POCKET + "[[engrave]]\npoints = [[20, 20], [40, 20]]\n")
    assert "key 'engrave[1].depth_mm'" in refusal(path)
    assert "engraving 1 mm deep lies in the pocket of feature[2] cleared 10 mm deep" in \
        refusal(path)


def test_mirrored_pocket_copy_off_the_part_is_named(tmp_path):
    path = write(tmp_path, POCKET + 'mirror = { x = 100 }\n')
    assert "pocket (copy 2 of 2) lies outside the part" in refusal(path)


def test_label_too_long_for_the_part_warns_that_it_will_not_be_engraved(tmp_path):
    path = write(tmp_path, 'label = "A VERY LONG LABEL FOR A TINY PART"\n'
                 + SQUARE.replace("w = 100", "w = 60").replace("h = 100", "h = 30"))
    with pytest.warns(InputWarning, match=r"p\.toml: part 'p': key 'label' \(line 1\): label"
                      r" 'A VERY LONG LABEL FOR A TINY PART' does not fit on the part even 4"
                      r" mm high: it will not be engraved"):
        load_part(path, thickness=18.3)


def test_label_that_fits_gives_no_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_part(write(tmp_path, 'label = "B1"\n' + SQUARE), thickness=18.3)


def test_docs_complete_example_runs_as_written_with_its_range(tmp_path):
    text = (ROOT / "docs" / "parts.md").read_text(encoding="utf-8")
    example = next(b for b in re.findall(r"```toml\n(.*?)```", text, re.S)
                   if b.startswith('name = "wall-rib"'))
    path = write(tmp_path, example, "wall-rib.toml")
    rib = load_part(path, {"length": 2000}, thickness=18.3)
    assert rib.outline.bounds[2] == 2000
    assert "above the maximum 2410" in refusal(path, {"length": 3000})


# --- a designer's slips that passed, crashed or misled (docs/parts.md) ------------------


def cli_part(tmp_path: Path, text: str) -> tuple[int, str]:
    path = write(tmp_path, text)
    out = CliRunner().invoke(main, ["part", str(path), "-o", str(tmp_path / "p.svg")])
    return out.exit_code, out.output


@pytest.mark.parametrize(("key", "value"), [("type", '["rectangle"]'), ("type", "{ a = 1 }"),
                                            ("op", '["add"]')])
def test_feature_type_or_op_not_a_string_is_one_line_naming_it(tmp_path, key, value):
    text = SQUARE + f"{key} = {value}\n" if key == "op" else \
        SQUARE.replace('type = "rectangle"', f"type = {value}")
    code, output = cli_part(tmp_path, text)
    line = 2 if key == "type" else 7
    assert code == 2 and "internal error" not in output, output
    assert output.strip().count("\n") == 0
    assert f"p.toml: part 'p': key 'feature[1].{key}' (line {line}): must be" in output
    assert "did you mean" not in output  # ['add'] is no misspelling of 'add'


def test_watch_shows_an_internal_error_in_the_page_and_keeps_serving(tmp_path, monkeypatch):
    import threading

    import wikicut.render.watch as watch

    path = write(tmp_path, SQUARE)
    real = watch.load_part

    def broken(*args, **kwargs):
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(watch, "load_part", broken)
    seen: list[tuple[str, str]] = []
    stop = threading.Event()

    def rendered(w):
        seen.append((w.error, w.svg))
        if len(seen) == 1:  # the bug is met; the designer saves again, and it renders
            monkeypatch.setattr(watch, "load_part", real)
            path.write_text(SQUARE.replace("w = 100", "w = 120"), encoding="utf-8")
        elif not w.error:
            stop.set()

    thread = threading.Thread(target=watch.watch_part, args=(path, {}, 18.3),
                              kwargs={"rendered": rendered, "stop": stop}, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), seen
    assert seen[0][0].startswith("internal error: TypeError: unhashable type: 'list' (run"
                                 " `wikicut --debug part ")
    assert "\n" not in seen[0][0]
    assert not seen[-1][0] and "<svg" in seen[-1][1]


def rounded(w: float, h: float, r: float, op: str = "add") -> str:
    return (f'[[feature]]\ntype = "rectangle"\ncx = 300\ncy = 150\nw = {w}\nh = {h}\n'
            f'radius = {r}\nop = "{op}"\n')


BASE = '[[feature]]\ntype = "rectangle"\nx = 0\ny = 0\nw = 600\nh = 300\n'


@pytest.mark.parametrize("r", [49.99999, 49.9999999, 49.999999999])
def test_rounded_rectangle_at_its_radius_limit_is_a_stadium_not_nothing(tmp_path, r):
    import math
    part = load_part(write(tmp_path, BASE.replace("h = 300", "h = 150") + rounded(300, 100, r)),
                     thickness=18.3)
    boss = part.outline.area - 600 * 150  # the half above the base
    assert boss == pytest.approx((200 * 100 + math.pi * 50 ** 2) / 2, rel=1e-3)


def test_rounded_cut_at_its_radius_limit_is_a_round_hole(tmp_path):
    import math
    part = load_part(write(tmp_path, BASE + rounded(50, 50, 24.9999, "cut")), thickness=18.3)
    assert len(part.outline.interiors) == 1
    assert 600 * 300 - part.outline.area == pytest.approx(math.pi * 25 ** 2, rel=1e-3)


POCKETED = BASE + """[[feature]]
type = "rectangle"
cx = 300
cy = 150
w = 100
h = 40
op = "pocket"
depth_mm = 6
mirror = { x = 300, y = 150 }
[[drill]]
x = 100
y = 150
d = 10
mirror = { x = 100 }
"""


def test_copies_landing_on_each_other_are_machined_once_with_a_warning(tmp_path):
    with pytest.warns(InputWarning) as said:
        part = load_part(write(tmp_path, POCKETED), thickness=18.3)
    assert len(part.pockets) == 1 and len(part.drills) == 1
    lines = [str(w.message) for w in said]
    assert lines == [
        "p.toml: part 'p': key 'feature[2].mirror' (line 15): 3 of its 4 copies coincide with"
        " another: each place is machined once",
        "p.toml: part 'p': key 'drill[1].mirror' (line 20): 1 of its 2 copies coincide with"
        " another: each place is machined once"]


def test_repeat_in_place_warns_at_the_repeat_and_copies_apart_are_kept(tmp_path):
    text = POCKETED.replace("mirror = { x = 300, y = 150 }", "repeat = { count = 3 }") \
        .replace("mirror = { x = 100 }\n", "")
    with pytest.warns(InputWarning, match=r"key 'feature\[2\].repeat' \(line 15\): 2 of its 3"):
        assert len(load_part(write(tmp_path, text), thickness=18.3).pockets) == 1
    apart = POCKETED.replace("mirror = { x = 300, y = 150 }", "mirror = { x = 200 }") \
        .replace("mirror = { x = 100 }", "mirror = { x = 300 }")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        part = load_part(write(tmp_path, apart), thickness=18.3)
    assert len(part.pockets) == 2 and len(part.drills) == 2


DRILL = "[[drill]]\nx = {x}\ny = 150\nd = {d}\n{depth}"


def test_drill_inside_a_deeper_drill_is_refused_at_load_a_counterbore_kept(tmp_path):
    text = (BASE + DRILL.format(x=100, d=10, depth="") + DRILL.format(x=101, d=6,
                                                                     depth="depth_mm = 4\n"))
    assert refusal(write(tmp_path, text)).endswith(
        "key 'drill[2].depth_mm' (line 15): the 6 mm drill at (101, 150), 4 mm deep, lies"
        " inside the 10 mm drill of drill[1] at (100, 150), through: it would cut nothing")
    twice = BASE + DRILL.format(x=100, d=8, depth="") * 2
    assert "key 'drill[2].x' (line 12): the 8 mm drill at (100, 150), through, lies inside" \
        " the 8 mm drill of drill[1]" in refusal(write(tmp_path, twice))
    # a counterbore (a through drill in a wider blind one) and overlapping drills are kept
    text = (BASE + DRILL.format(x=100, d=20, depth="depth_mm = 4\n")
            + DRILL.format(x=100, d=8, depth="") + DRILL.format(x=300, d=8, depth="")
            + DRILL.format(x=306, d=8, depth=""))
    assert len(load_part(write(tmp_path, text), thickness=18.3).drills) == 4


SLOT = '[[feature]]\ntype = "slot"\nx = {x}\ny = 300\nwidth = {w}\ndepth = 50\nangle = 270\n'


def test_slot_wider_than_the_part_is_refused_one_with_a_wall_kept(tmp_path):
    msg = refusal(write(tmp_path, BASE + SLOT.format(x=300, w=700)))
    assert msg.endswith("key 'feature[2].width' (line 11): slot is wider than the part: it"
                        " leaves no wall on either side and cuts the edge away (a notch or"
                        " rectangle cut says so; else narrow it)")
    part = load_part(write(tmp_path, BASE + SLOT.format(x=0, w=40)), thickness=18.3)
    assert part.outline.area == pytest.approx(600 * 300 - 20 * 50)


def test_circle_with_both_radius_and_diameter_is_refused(tmp_path):
    text = BASE + '[[feature]]\ntype = "circle"\ncx = 100\ncy = 100\nd = 10\nr = 5\nop = "cut"\n'
    assert refusal(write(tmp_path, text)).endswith(
        "key 'feature[2].d' (line 11): give r (radius) or d (diameter), not both")


def test_label_characters_the_font_lacks_are_named_in_one_warning(tmp_path):
    path = write(tmp_path, 'label = "Wand Ärger ½ — ø12 日本"\n' + BASE)
    with pytest.warns(InputWarning) as said:
        load_part(path, thickness=18.3)
    assert [str(w.message) for w in said] == [
        "p.toml: part 'p': key 'label' (line 1): label 'Wand Ärger ½ — ø12 日本': 'Ä'"
        " engraved as 'A', '½' as '1/2', '—' as '-', 'ø' as 'O'; the engraving font has no"
        " 日 本: engraved as '?' (it has A-Z, 0-9, space and # ' ( ) * + , - . / : = ? _)"]


def test_label_with_a_line_break_is_refused_as_a_name_is(tmp_path):
    assert refusal(write(tmp_path, 'label = "A\\nB"\n' + BASE)).endswith(
        "key 'label' (line 1): 'A\\nB' holds a line break or control character")


def test_blank_label_is_said_to_be_blank(tmp_path):
    with pytest.warns(InputWarning, match=r"key 'label' \(line 1\): label '   ' is blank:"
                      " nothing will be engraved$"):
        load_part(write(tmp_path, 'label = "   "\n' + BASE), thickness=18.3)


@pytest.mark.parametrize(("extra", "said"), [
    ('[[feature]]\ntype = "circle"\ncx = 50\ncy = 50\nr = 1e-300\nop = "cut"\n',
     "key 'feature[2].r' (line 11): 1e-300 mm: below the 0.01 mm smallest size a part file"
     " takes"),
    ("[[engrave]]\npoints = [[10, 10], [10, 10]]\n",
     "key 'engrave[1].points' (line 8): engraving is 0 mm long (its points coincide)"),
    ("angle = 1e20\n", "key 'feature[1].angle' (line 7): 1e+20 degrees is beyond 100000:"
                       " write the angle between -360 and 360"),
    (SLOT.format(x=300, w=20) + 'op = "pocket"\ndepth_mm = 5\n',
     "key 'feature[2].op' (line 14): pocket lies outside the part or over a hole (a slot runs"
     " back 1 mm past its start, its extend by default: give extend = 0 for a pocket that"
     " starts at an edge)"),
])
def test_messages_say_what_is_wrong(tmp_path, extra, said):
    assert said in refusal(write(tmp_path, BASE + extra))


def test_drills_are_capped_as_features_are(tmp_path):
    rows = "".join(f"[[drill]]\nx = 10\ny = {20 + 50 * k}\nd = 6\n"
                   "repeat = { count = 1000, dx = 0.5, dy = 0 }\n" for k in range(3))
    assert refusal(write(tmp_path, BASE + rows)).endswith(
        "key 'drill[3].repeat' (line 21): more than 2000 drills after repeats: a part file may"
        " have no more")
