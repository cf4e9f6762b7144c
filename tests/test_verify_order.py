"""A sheet's programs checked as the operator runs them: nothing is cut inside a part once its
outline has cut it free (a label engraved after the pass that frees the part), the
programs of a sheet split one per tool are checked in the order their headers state, and
one of them missing is said (refused when the sheet is checked)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import panel_job, profile_copy, run_wikicut

from wikicut.io.dxf import read_cutting_file
from wikicut.io.profiles import profile_named
from wikicut.verify import verify_program

pytestmark = pytest.mark.xdist_group("verify_order")

LABELS, PARTS = "sheet-001-1-T10.nc", "sheet-001-2-T1.nc"


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> tuple[Path, str]:
    """Two labelled panels on GRBL without tabs (each outline cut through all round), a
    V-bit for the labels: LABELS engraves them, then PARTS cuts the holes and the parts
    free. (The output folder, the profile's path.)"""
    folder = tmp_path_factory.mktemp("order")
    prof = profile_copy(folder, "grbl", [("enabled = true", "enabled = false")])
    res = run_wikicut("nest", str(panel_job(folder, prof, tools="[1, 10]")), "-o",
                      str(folder / "out"), "-q")
    assert res.returncode == 0, res.stderr[-2000:]
    out = folder / "out"
    assert "(program 1 of 2 for this sheet" in (out / LABELS).read_text()
    return out, prof


def _verify(out: Path, prof: str, *names: str, sheet: bool = True):
    return run_wikicut("verify", *(str(out / n) for n in names), "--profile", prof,
                       *(["--sheet", str(out / "sheet-001.dxf")] if sheet else []))


def test_labels_engraved_after_the_parts_are_cut_free_are_refused(split):
    out, prof = split
    profile = profile_named(prof)
    layout = read_cutting_file(out / "sheet-001.dxf")[0]
    labels, parts = (out / LABELS).read_text(), (out / PARTS).read_text()
    assert not verify_program(labels + parts, profile, sheet=layout)
    bad = verify_program(parts + labels, profile, sheet=layout)
    loose = [v for v in bad if v.kind == "loose"]
    n = parts.count("\n")
    assert {v.message.split(":")[0] for v in loose} == {"panel#1", "panel#2"}, bad
    lines = (parts + labels).splitlines()
    for v in loose:
        assert v.line > n and lines[v.line - 1].startswith("G1")  # a label's cut
        freed = int(re.search(r"cut through all round \(no tab or skin left\) at line (\d+)",
                              v.message).group(1))
        assert freed <= n and re.match(r"G[123] ", lines[freed - 1])  # the last pass's


def test_a_set_given_out_of_order_is_checked_in_the_order_its_headers_state(split):
    out, prof = split
    res = _verify(out, prof, PARTS, LABELS)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "given out of the order their headers state" in res.stderr
    assert res.stdout.startswith(f"{out / LABELS}, {out / PARTS}: clean"), res.stdout


def test_a_cut_in_a_freed_part_is_named_in_its_own_file(split, tmp_path):
    """Programs whose headers state no order (the "program k of n" lines taken out) are
    run as given: the labels after the parts are cut free."""
    out, prof = split
    for name in (LABELS, PARTS):
        text = (out / name).read_text()
        (tmp_path / name).write_text(re.sub(r"\(program \d of 2 [^\n]*\n", "", text))
    res = run_wikicut("verify", str(tmp_path / PARTS), str(tmp_path / LABELS), "--profile",
                      prof, "--sheet", str(out / "sheet-001.dxf"))
    assert res.returncode == 3, res.stdout + res.stderr
    said = [ln for ln in res.stdout.splitlines() if ": loose: " in ln]
    assert len(said) == 2, res.stdout
    parts = (tmp_path / PARTS).read_text().splitlines()
    labels = (tmp_path / LABELS).read_text().splitlines()
    for line in said:
        m = re.match(rf"{re.escape(str(tmp_path / LABELS))}:(\d+): loose: (panel#\d): cut"
                     rf" inside the part after .* at {re.escape(str(tmp_path / PARTS))}:(\d+):",
                     line)
        assert m, line
        assert labels[int(m.group(1)) - 1].startswith("G1")
        assert re.match(r"G[123] ", parts[int(m.group(3)) - 1])


def test_a_program_of_the_set_missing_is_said(split):
    out, prof = split
    res = _verify(out, prof, PARTS)
    assert res.returncode == 2, res.stdout + res.stderr
    assert (f"error: {out / PARTS}: program 2 of 2 for its sheet, given without program 1"
            f" ({out / LABELS})") in res.stderr
    assert not res.stdout
    res = _verify(out, prof, PARTS, sheet=False)
    assert res.returncode == 0, res.stdout + res.stderr
    warned = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert warned == [f"warning: {out / PARTS}: program 2 of 2 for its sheet, given without"
                      f" program 1 ({out / LABELS}): checked without it; run all of them,"
                      " in order"], res.stderr


def test_a_program_of_the_set_given_twice_is_refused(split):
    out, prof = split
    res = _verify(out, prof, LABELS, PARTS, LABELS)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "each says it is program 1 of 2 of the same sheet" in res.stderr
