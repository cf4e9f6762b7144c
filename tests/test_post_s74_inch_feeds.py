"""Feeds and spindle speeds are written rounded down at the program's precision: a job at
the machine's maximum feed is cut within it, never refused by our own verifier for a feed
the rounding put above it (8000 mm/min to the nearest tenth of an in/min is F315.0, 8001
mm/min; 7000 mm/min to the nearest 4 decimals of an in/s is 4.5932, 7000.04)."""

from __future__ import annotations

import re

from click.testing import CliRunner
from conftest import panel_job, profile_copy

from wikicut.cli import main
from wikicut.model import INCH

NUMBER = r"(\d+(?:\.\d+)?)"


def _nest(tmp_path, profile: str):
    job = panel_job(tmp_path, profile, tools="")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "-q", "--iterations", "1"])
    assert res.exit_code == 0, res.output
    return out


def test_an_inch_gcode_job_at_the_maximum_feed_and_speed_is_written_within_them(tmp_path):
    prof = profile_copy(tmp_path, "grbl", [('units = "mm"', 'units = "inch"'),
                                           ('"G21"', '"G20"'), ("cut = 3000", "cut = 8000"),
                                           ("speed = 18000", "speed = 17999.6"),
                                           ("max = 24000", "max = 17999.6")])
    text = (_nest(tmp_path, prof) / "sheet-001.nc").read_text()
    feeds = [float(f) for f in re.findall(rf"\bF{NUMBER}", text)]
    assert max(feeds) == 314.9, sorted(set(feeds))  # 314.96 in/min, down to one decimal
    assert all(f * INCH <= 8000 for f in feeds)
    speeds = set(re.findall(rf"\bS{NUMBER}", text))
    assert speeds == {"17999"}, speeds  # S18000 would be above the spindle's 17999.6


def test_an_opensbp_job_at_the_maximum_feed_and_rapid_is_written_within_them(tmp_path):
    prof = profile_copy(tmp_path, "shopbot", [("cut = 4572", "cut = 7000"),
                                              ("max = 9144", "max = 7000"),
                                              ("rapid = 9144", "rapid = 7000")])
    text = (_nest(tmp_path, prof) / "sheet-001.sbp").read_text()
    ms = [float(v) for line in text.splitlines() if line.startswith("MS,")
          for v in line.split(",")[1:]]
    js = [float(v) for line in text.splitlines() if line.startswith("JS,")
          for v in line.split(",")[1:]]
    assert max(ms) == 4.5931 and js == [4.5931, 4.5931], (sorted(set(ms)), js)
    assert all(v * INCH * 60 <= 7000 for v in ms + js)
