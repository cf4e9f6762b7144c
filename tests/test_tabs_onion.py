"""Onion skin instead of tabs ([tabs] mode = "onion", [onion] skin, final_pass): outlines
stop the skin above the through depth, holes still go through, an optional pass at the end
takes the skin off; the header, the report and the verifier know the skin; rs274 reads the
programs; golden files for grbl and linuxcnc."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.test_gcode import canonical_moves
from tests.test_holddown_pilots import T, small_job
from tests.test_tool_changes import flat
from wikicut.cam import plan_sheet
from wikicut.cam.rack import resolve_tooling
from wikicut.cli import main
from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import PROFILE_DIR, load_profile
from wikicut.io.tools import load_library
from wikicut.model import Layout
from wikicut.pipeline import write_outputs
from wikicut.post import write_program, write_sheet_programs
from wikicut.verify import verify_program


def onion(name: str, final_pass: bool = False, skin: float = 0.5, **kw):
    return load_profile(name).updated(engrave={"labels": False}, tabs={"mode": "onion"},
                                      onion={"skin": skin, "final_pass": final_pass}, **kw)


def deepest(op) -> float:
    return min(m.z for m in op.moves)


@pytest.mark.parametrize("final_pass", [False, True])
@pytest.mark.parametrize("name", ["grbl", "linuxcnc"])
def test_outlines_leave_the_skin_and_the_programs_are_clean(name, final_pass, golden, rs274,
                                                             tmp_path):
    prof = onion(name, final_pass)
    sheet = small_job()
    prog = plan_sheet(sheet, prof)
    through = T + prof.depth.overcut
    outlines = [op for op in prog.operations if op.kind == "outline"]
    assert len(outlines) == 2 and all(op.tabs == [] for op in outlines)
    assert all(deepest(op) == pytest.approx(-(T - 0.5)) for op in outlines)
    assert [deepest(op) for op in prog.operations if op.kind == "hole"] == [
        pytest.approx(-through)]
    skins = [op for op in prog.operations if op.kind == "skin"]
    if final_pass:
        assert [op.kind for op in prog.operations[-2:]] == ["skin", "skin"]
        assert sorted(op.part for op in skins) == sorted(op.part for op in outlines)
        assert all(deepest(op) == pytest.approx(-through) for op in skins)
    else:
        assert skins == []
    text = write_program(prog, prof, title="onion (1)")
    assert text == write_program(plan_sheet(small_job(), prof), prof, title="onion (1)")
    golden(f"sheet-onion{'-pass' if final_pass else ''}-{name}.{prof.extension}", text)
    note = ("onion skin 0.5 mm: taken off by a final pass" if final_pass
            else "onion skin 0.5 mm: break out by hand")
    assert prog.notes == (note,) and note in flat(text)
    assert "onion skin 0.5 mm, no tabs" in flat(text)
    moves = canonical_moves(rs274, text, tmp_path)
    assert min(m[3] for m in moves) == pytest.approx(-through)
    assert verify_program(text, prof, sheet=sheet) == []
    # judged as a program with tabs and no skin, the outlines are uncut unless the skin went
    tabbed = verify_program(text, load_profile(name), sheet=sheet)
    assert (tabbed == []) == final_pass
    assert all(v.kind == "uncut" and "outline is not cut through" in v.message for v in tabbed)


def test_the_verifier_wants_the_outline_down_to_the_skin():
    """A program leaving 1 mm where the profile says 0.5 mm: uncut."""
    sheet = small_job()
    thick = onion("grbl", skin=1.0)
    text = write_program(plan_sheet(sheet, thick), thick)
    bad = verify_program(text, onion("grbl"), sheet=sheet)
    assert {v.message.split(":")[0] for v in bad} == {"plate#1", "cleat#1"}
    assert all("not cut down to the 0.5 mm onion skin" in v.message for v in bad)


def test_a_skin_not_within_the_stock_is_refused():
    with pytest.raises(UnsafeJobError, match="onion.skin 18 mm is not within the 18 mm stock"):
        plan_sheet(small_job(), onion("grbl", skin=18.0))


def test_with_a_rack_each_skin_is_taken_off_by_its_outline_tool():
    prof = onion("grbl", True, spindle={"min": 3000})
    sheet = small_job()
    tooling = resolve_tooling(prof, load_library(), "BirchPly", T, tools=(1, 7))
    prog = plan_sheet(sheet, prof, tooling=tooling)
    tool_of = {op.part: op.tool for op in prog.operations if op.kind == "outline"}
    skins = [op for op in prog.operations if op.kind == "skin"]
    assert {op.part: op.tool for op in skins} == tool_of
    files = write_sheet_programs(prog, prof)
    assert verify_program("".join(f.text for f in files), prof, sheet=sheet) == []


def test_report_and_cli_verify_know_the_skin(tmp_path):
    text = (PROFILE_DIR / "grbl.toml").read_text()
    text = text.replace("min_perimeter = 0\n", 'min_perimeter = 0\nmode = "onion"\n', 1)
    custom = tmp_path / "onion.toml"
    custom.write_text(text + "\n[onion]\nskin = 0.5\nfinal_pass = false\n")
    prof = load_profile(custom)
    assert prof.tabs.mode == "onion" and prof.onion.skin == 0.5
    out = tmp_path / "out"
    write_outputs("onion", Layout([small_job()]), out, profile=prof, spacing=10.0)
    report = json.loads((out / "report.json").read_text())
    assert report["sheets"][0]["toolpath"]["notes"] == ["onion skin 0.5 mm: break out by hand"]
    args = ["verify", str(out / "sheet-001.nc"), "--sheet", str(out / "sheet-001.dxf")]
    res = CliRunner().invoke(main, [*args, "--profile", str(custom)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, [*args, "--profile", "grbl"])
    assert res.exit_code == 3 and "uncut" in res.output


@pytest.mark.parametrize("table, key, value, message", [
    ("tabs", "mode", '"onions"', "tabs.mode"),
    ("entry", "lead_in", '"arcs"', "entry.lead_in"),
    ("holddown", "mode", '"drll"', "holddown.mode"),
    ("onion", "skin", "0", "onion.skin"),
    ("holddown", "pilot_depth", "-1", "holddown.pilot_depth"),
])
def test_the_new_profile_keys_are_checked(table, key, value, message, tmp_path):
    """A bad value of a key of these features: one line naming the file and the key."""
    from wikicut.errors import InputError

    bad = tmp_path / "bad.toml"
    bad.write_text((PROFILE_DIR / "grbl.toml").read_text() + f"\n[{table}]\n{key} = {value}\n"
                   if table in ("onion", "holddown") else
                   (PROFILE_DIR / "grbl.toml").read_text().replace(
                       f"[{table}]\n", f"[{table}]\n{key} = {value}\n", 1))
    with pytest.raises(InputError, match=message) as err:
        load_profile(bad)
    assert "bad.toml" in str(err.value) and "\n" not in str(err.value)
