"""`wikicut gcode --tool-diameter D` holds the tool to the depth per pass `nest` holds it to:
a small tool under a profile's passes set for its 6 mm one is refused (exit 3), nothing
written, in one line naming the tool and the limit."""

from __future__ import annotations

import ezdxf
import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import UnsafeJobError
from wikicut.io.profiles import load_profile
from wikicut.pipeline import run_gcode


def cutting_file(path, layer_sheet: str | None = None):
    """One 300 mm square part (and a sheet rectangle on `layer_sheet`, if given)."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(20, 20), (320, 20), (320, 320), (20, 320)], close=True,
                       dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})
    if layer_sheet:
        msp.add_lwpolyline([(0, 0), (1220, 0), (1220, 2440), (0, 2440)], close=True,
                           dxfattribs={"layer": layer_sheet})
    doc.saveas(path)
    return path


def test_a_small_tool_under_the_profiles_passes_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cutting_file(tmp_path / "p.dxf")
    res = CliRunner().invoke(main, ["gcode", "p.dxf", "--profile", "grbl", "--tool-diameter",
                                    "1.5", "-o", "out"])
    err = res.stderr if hasattr(res, "stderr") else res.output
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert res.exit_code == 3, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    # grbl's 6.5 mm passes, over 1.5 x 1.5 mm for a tool the library does not rate in plywood
    for said in ("p.dxf", "1.5 mm tool", "6.5 mm", "[depth] per_pass", "2.25 mm", "plywood"):
        assert said in lines[0], lines[0]
    assert not (tmp_path / "out").exists()


def test_the_sheet_layers_material_sets_the_limit(tmp_path):
    # OSB allows one diameter a pass: grbl's 6.5 mm passes are too deep for its 6 mm tool
    path = cutting_file(tmp_path / "osb.dxf", "0_SHEET_OSB 1220x2440x18")
    with pytest.raises(UnsafeJobError) as err:
        run_gcode(path, tmp_path / "out", load_profile("grbl"))
    assert "6 mm tool" in err.value.detail and "osb" in err.value.detail, err.value.detail
    assert not (tmp_path / "out").exists()
