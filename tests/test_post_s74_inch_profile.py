"""An inch profile's header in mm numbers is a bad profile, refused when it is loaded (exit
2, nothing nested): a G21 that is not the profile's units, or LinuxCNC's G64 P0.02 kept from
the mm profile (0.02 in lets the path stray 0.508 mm). A sheet larger than a mm bed is not
told that [limits] are mm; one larger than a bed typed in inches is."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import panel_job, profile_copy

from wikicut.cli import main
from wikicut.errors import InputError, UnsafeJobError
from wikicut.io.profiles import check_stock_fits, load_profile
from wikicut.model import Stock

INCH_LCNC = [('units = "mm"', 'units = "inch"'), ("G17 G21", "G17 G20")]


def _nest(tmp_path, profile: str):
    job = panel_job(tmp_path, profile, tools="")
    return CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out"), "-q",
                                     "--iterations", "1"])


def test_a_g21_header_in_an_inch_profile_is_bad_input(tmp_path):
    prof = profile_copy(tmp_path, "grbl", [('units = "mm"', 'units = "inch"')])
    with pytest.raises(InputError) as err:
        load_profile(prof)
    assert "header" in str(err.value) and "G21" in str(err.value)
    res = _nest(tmp_path, prof)
    assert res.exit_code == 2, res.output
    assert "grbl-copy.toml" in res.output and "G21" in res.output
    assert not (tmp_path / "out").exists()


def test_a_mm_g64_tolerance_in_an_inch_linuxcnc_header_is_refused_at_load(tmp_path):
    prof = profile_copy(tmp_path, "linuxcnc", INCH_LCNC)
    with pytest.raises(InputError) as err:
        load_profile(prof)
    msg = str(err.value)
    for needle in ("linuxcnc-copy.toml", "G64 P0.02", "0.02 in = 0.508 mm", "write P0.0008"):
        assert needle in msg, msg
    res = _nest(tmp_path, prof)
    assert res.exit_code == 2 and "0.508 mm" in res.output, res.output
    # as an inch shop writes it, in inches, the same header loads
    for ok in ("P0.0008", "P0.005 Q0.001"):
        good = profile_copy(tmp_path, "linuxcnc", [*INCH_LCNC, ('"G64 P0.02"', f'"G64 {ok}"')],
                            name="good.toml")
        assert f"G64 {ok}" in load_profile(good).header


def test_only_a_bed_that_looks_typed_in_inches_is_told_limits_are_mm(tmp_path):
    sheet = Stock(2440, 1220, 18, 0)  # margin 0: the tool's radius runs past the bed's ends
    for x, y, told in (("[-5, 2441]", "[-5, 1224]", False),  # a mm bed a few mm short
                       ("[0, 96]", "[0, 48]", True)):  # a 96 x 48 in one
        prof = profile_copy(tmp_path, "shopbot", [("x = [-20, 2489]", f"x = {x}"),
                                                  ("y = [-20, 1245]", f"y = {y}")])
        with pytest.raises(UnsafeJobError) as err:
            check_stock_fits(load_profile(prof), [sheet])
        msg = str(err.value)
        assert f"x {x[1:-1].replace(', ', '..')}" in msg, msg
        assert ("[limits] are mm whatever `units` says" in msg) == told, msg
