"""What each controller makes of the words we write, read by its own rules (the sources are in
docs/machines.md): the dwell as Mach4 reads it, line numbers as RS274/NGC and Mach take them,
comments that LinuxCNC and Mach run as commands, and the message ShopBot's PAUSE shows."""

from __future__ import annotations

import re

from conftest import run_rs274

from tests.test_gcode import profile, sample_sheet
from tests.test_holddown_pilots import held, small_job
from tests.test_tool_changes import multi_text
from wikicut.cam import plan_sheet
from wikicut.post import write_program


def mach4_dwell_seconds(line: str) -> float:
    """G4 P as Mach4 reads it: milliseconds without a decimal point, seconds with one (Mach4
    Mill Programming Guide v1.1, G04)."""
    p = re.search(r"\bP([\d.]+)", line).group(1)
    return float(p) if "." in p else float(p) / 1000.0


def test_mach_waits_for_the_spindle_in_seconds():
    """Each spindle start waits the profile's dwell as Mach4 reads it: "G4 P4" was 4 ms there,
    and the cut began before the spindle was at speed."""
    for name in ("mach3", "mach4"):
        prof = profile(name)
        text = write_program(plan_sheet(sample_sheet(), prof), prof)
        dwells = [ln for ln in text.splitlines() if re.match(r"(N\d+ )?G4\b", ln)]
        assert dwells, name
        assert all(mach4_dwell_seconds(ln) == prof.spindle.dwell for ln in dwells), dwells


def test_line_numbers_keep_to_five_digits():
    """RS274/NGC (Mach's language) allows N0 to N99999: a program of 12,000 numbered lines
    starts its count again after N99990, as the CAM posts for Mach do, instead of N100000."""
    prof = profile("mach3", arcs=False, depth={"per_pass": 0.5})
    text = write_program(plan_sheet(sample_sheet(), prof), prof)
    numbers = [int(n) for n in re.findall(r"^N(\d+) ", text, re.M)]
    assert len(numbers) > 10_000
    assert max(numbers) == 99990 and all(len(str(n)) <= 5 for n in numbers)
    assert numbers[numbers.index(99990) + 1] == 10
    assert numbers[-1] == numbers[-2] + 10


def test_a_comment_never_reads_as_a_command(rs274, tmp_path):
    """LinuxCNC runs a comment that opens "(ABORT," "(MSG," "(PY," ... as a command: a job
    whose name wraps so that a comment line opens "abort," ended the program in rs274 before
    its first move. Such a line is written "(- abort, ...)" and the program runs to its end."""
    prof = profile("linuxcnc")
    title = "A" * 59 + " abort, then msg, then py, for the yard"
    text = write_program(plan_sheet(sample_sheet(), prof), prof, title=title)
    comments = [ln for ln in text.splitlines() if ln.startswith("(")]
    assert not any(re.match(r"\(\s*[a-z]+,", c, re.I) for c in comments), comments[:3]
    assert "(- abort, then msg, then py, for the yard)" in comments
    f = tmp_path / "sheet.ngc"
    f.write_text(text)
    run = run_rs274(rs274, f, timeout=60)
    assert run.returncode == 0, run.stdout[-800:] + run.stderr[-800:]
    assert "PROGRAM_END" in run.stdout and "ARC_FEED" in run.stdout


def pause_messages(text: str) -> list[str]:
    """What ShopBot shows at each bare PAUSE: the comment line just above it, that line only
    (FabMo-Engine runtime/opensbp/opensbp.js, "pause")."""
    lines = text.splitlines()
    return [lines[k - 1] for k, ln in enumerate(lines) if ln == "PAUSE"]


def test_shopbot_pause_shows_the_whole_message():
    """A tool change by hand: the dialog shows the tool to fit and what to do after, not the
    end of a message wrapped over two comment lines; the same for the stop to drive screws."""
    changes = pause_messages(multi_text("shopbot", mode="pause"))
    assert changes[0] == ("' tool change: fit T1 6.35 mm \"6 mm compression\", spindle at 18000"
                          " rpm, re-zero Z on the stock top (C2), then continue")
    prof = held("shopbot", mode="mark")
    screws = pause_messages(write_program(plan_sheet(small_job(), prof), prof))
    assert screws[0] == ("' fit the screws: drill a pilot at each mark, drive a hold-down screw"
                         " into each pilot, then resume")
    assert all(m.startswith("' ") for m in changes + screws)


def test_every_tool_change_says_to_zero_z_where_the_header_puts_z0():
    """A program with Z0 on the spoilboard: each change (by hand or at the start) says to zero
    on the spoilboard, as the header does. Told "the stock top", the operator would zero the
    new tool a sheet's thickness too high and cut in the air."""
    from tests.test_tool_changes import flat, multi_program

    for name in ("grbl", "linuxcnc", "mach3", "shopbot"):
        for mode in ("pause", "m6"):
            prof = profile(name).updated(changer={"mode": mode}, z_zero="spoilboard")
            text = write_program(multi_program(name), prof, title="multi (1)")
            said = re.findall(r"zero Z on (the \w+ top)", flat(text))
            assert "Z0 = spoilboard top" in text, name
            if mode == "pause":
                assert said, (name, mode)
            assert set(said) <= {"the spoilboard top"}, (name, mode, said)
