"""An inch program states its feeds in the units its moves are written in (in/min, OpenSBP
in/s), and the LinuxCNC tool table written beside it gives diameters in inches, as an inch
machine reads it, under a comment line saying so; `wikicut verify --tool-table` reads it
back so with the inch profile."""

from __future__ import annotations

import re

from click.testing import CliRunner
from conftest import panel_part, profile_copy

from wikicut.cli import main

INCH_LCNC = [('units = "mm"', 'units = "inch"'), ("G17 G21", "G17 G20"),
             ('"G64 P0.02"', '"G64 P0.0008"'), ("diameter = 6.0", "diameter = 6.35")]


def _job(folder, profile: str):
    # an 80 x 50 pocket 6 mm deep: a tool read narrower than it is leaves the pocket's
    # floor standing between its passes, and the verifier says so
    (folder / "panel.toml").write_text(panel_part(pocket=6))
    job = folder / "job.toml"
    job.write_text(f"""name = "inch"
[sheet]
width = 1000
height = 600
thickness = 18
margin = 10
material = "BirchPly"
[nest]
spacing = 12
seed = 1
iterations = 1
[machine]
profile = "{profile}"
[[part]]
file = "panel.toml"
quantity = 1
""")
    return job


def _header_feeds(text: str, units: str) -> list[str]:
    m = re.search(rf"feeds {re.escape(units)}: cut ([\d.]+), plunge ([\d.]+), ramp ([\d.]+);",
                  text)
    assert m, text[:1500]
    return list(m.groups())


def test_an_inch_linuxcnc_program_and_its_tool_table_are_in_inches(tmp_path):
    prof = profile_copy(tmp_path, "linuxcnc", INCH_LCNC)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["nest", str(_job(tmp_path, prof)), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    text = (out / "sheet-001.ngc").read_text()
    assert "mm/min" not in text
    words = set(re.findall(r"\bF([\d.]+)", text))
    cut, plunge, ramp = _header_feeds(text, "in/min")
    assert cut == "118.1" and {cut, plunge} <= words, (cut, plunge, ramp, words)
    table = (out / "tool.tbl").read_text().splitlines()
    assert table[0].startswith(";") and "inches" in table[0], table
    assert re.match(r"T1 P1 D0\.25 Z0 ;", table[1]), table
    res = CliRunner().invoke(main, ["verify", str(out / "sheet-001.ngc"), "--profile", prof,
                                    "--sheet", str(out / "sheet-001.dxf"),
                                    "--tool-table", str(out / "tool.tbl")])
    assert res.exit_code == 0, res.output


def test_a_shopbot_header_states_its_feeds_per_second(tmp_path):
    prof = profile_copy(tmp_path, "shopbot", [])
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["nest", str(_job(tmp_path, prof)), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    text = (out / "sheet-001.sbp").read_text()
    cut, plunge, ramp = _header_feeds(text, "in/s")
    assert (cut, plunge, ramp) == ("3", "1", "1.5")  # 4572, 1524, 2286 mm/min
    assert f"MS,{cut},{cut}" in text.splitlines()
