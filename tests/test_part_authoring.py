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
