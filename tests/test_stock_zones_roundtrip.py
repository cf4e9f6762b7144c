"""An output folder keeps its sheets' keep-outs (clamps) and an offcut's material outline:
the sheet DXF draws them on DONOTCUT layers and reads them back, report.json records them,
so `wikicut verify --sheet`, `wikicut gcode` and `wikicut recut` all meet the real board."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import ezdxf
import pytest
import shapely
from click.testing import CliRunner
from conftest import rect_part

from wikicut.cli import main
from wikicut.errors import InputError
from wikicut.io.dxf import read_cutting_file

PLATE = rect_part("plate", 200, 150)

# An L-shaped offcut (its top-left 600 x 400 gone: the notch) with a square hole, and a
# clamp at the lower right
ZONED_SHEET = """\
[sheet]
thickness = 18
margin = 10
outline = [[0, 0], [1200, 0], [1200, 800], [600, 800], [600, 400], [0, 400]]
holes = [[[800, 500], [900, 500], [900, 600], [800, 600]]]
keepouts = [[1000, 0, 1200, 150]]
"""
PLAIN_SHEET = """\
[sheet]
width = 1200
height = 800
thickness = 18
margin = 10
"""
OUTLINE = shapely.Polygon([(0, 0), (1200, 0), (1200, 800), (600, 800), (600, 400), (0, 400)],
                          [[(800, 500), (900, 500), (900, 600), (800, 600)]])
CLAMP = shapely.box(1000, 0, 1200, 150)
IN_CLAMP = (1100, 75)
IN_NOTCH = (300, 600)


def nest_job(tmp: Path, sheet: str) -> Path:
    """Nest three plates on `sheet` through the CLI (a fixed, small search budget)."""
    (tmp / "plate.toml").write_text(PLATE)
    job = tmp / "job.toml"
    job.write_text(f'name = "zones"\n{sheet}[nest]\nspacing = 12\nseed = 1\ntime_limit = 10\n'
                   'iterations = 50\nworkers = 1\n[machine]\nprofile = "grbl"\n'
                   '[[part]]\nfile = "plate.toml"\nquantity = 3\n')
    out = tmp / "out"
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def zoned(tmp_path_factory) -> Path:
    return nest_job(tmp_path_factory.mktemp("zoned"), ZONED_SHEET)


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    return nest_job(tmp_path_factory.mktemp("plain"), PLAIN_SHEET)


def layers(dxf: Path) -> dict[str, int]:
    """{layer: closed polylines on it}."""
    out: dict[str, int] = {}
    for e in ezdxf.readfile(dxf).modelspace().query("LWPOLYLINE"):
        if e.closed:
            out[e.dxf.layer] = out.get(e.dxf.layer, 0) + 1
    return out


def stock_record(outdir: Path) -> dict:
    return json.loads((outdir / "report.json").read_text())["sheets"][0]["stock"]


def polygon(rings: list) -> shapely.Polygon:
    return shapely.Polygon(rings[0], rings[1:])


def test_sheet_dxf_and_report_carry_the_board_and_its_clamps(zoned, plain):
    got = layers(zoned / "sheet-001.dxf")
    assert got["DONOTCUT_MATERIAL"] == 2 and got["DONOTCUT_KEEPOUTS"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read back with no word about ignored geometry
        (sheet,) = read_cutting_file(zoned / "sheet-001.dxf")
    assert sheet.stock.outline.equals(OUTLINE)
    assert len(sheet.stock.keepouts) == 1 and sheet.stock.keepouts[0].equals(CLAMP)
    st = stock_record(zoned)
    assert list(st)[-2:] == ["outline", "keepouts"]
    assert polygon(st["outline"]).equals(OUTLINE) and len(st["outline"]) == 2
    assert all(ring[0] != ring[-1] for ring in st["outline"] + st["keepouts"])
    assert [polygon([z]).equals(CLAMP) for z in st["keepouts"]] == [True]
    # a plain sheet: neither layer in its DXF, neither key in its report
    assert not {"DONOTCUT_MATERIAL", "DONOTCUT_KEEPOUTS"} & set(layers(plain / "sheet-001.dxf"))
    assert "outline" not in stock_record(plain) and "keepouts" not in stock_record(plain)
    (flat,) = read_cutting_file(plain / "sheet-001.dxf")
    assert flat.stock.outline is None and flat.stock.keepouts == ()


def verify(program: Path, dxf: Path):
    return CliRunner().invoke(main, ["verify", str(program), "--profile", "grbl", "--sheet",
                                     str(dxf)])


def tampered(program: Path, dest: Path, at: tuple[float, float]) -> Path:
    """The program with a short cut at `at` before the spindle stops."""
    text = program.read_text()
    k = text.rindex("M5\n")
    x, y = at
    dest.write_text(text[:k] + f"G0 X{x} Y{y}\nG1 Z-2 F600\nG1 X{x + 20} F3000\nG1 Z20\n"
                    + text[k:])
    return dest


@pytest.mark.parametrize(("at", "kind"), [(IN_CLAMP, "keepout: "),
                                          (IN_NOTCH, "cutting off the offcut's material")],
                         ids=["keepout", "notch"])
def test_verify_against_the_sheet_dxf_flags_the_clamp_and_the_notch(zoned, tmp_path, at, kind):
    program, dxf = zoned / "sheet-001.nc", zoned / "sheet-001.dxf"
    res = verify(program, dxf)
    assert res.exit_code == 0, res.output
    res = verify(tampered(program, tmp_path / "bad.nc", at), dxf)
    assert res.exit_code == 3, res.output
    assert kind in res.output


def recut_at(outdir: Path, dest: Path, at: tuple[float, float]):
    return CliRunner().invoke(main, ["recut", str(outdir), "plate#1", "--at",
                                     f"{at[0]},{at[1]}", "-o", str(dest)])


@pytest.mark.parametrize("at", [(950, 20), (100, 450), (810, 510)],
                         ids=["keepout", "notch", "hole"])
def test_recut_at_a_spot_off_the_board_or_in_the_clamp_is_refused(zoned, tmp_path, at):
    res = recut_at(zoned, tmp_path / "no", at)
    assert res.exit_code == 3, res.output
    assert "does not fit at that spot" in res.output
    res = recut_at(zoned, tmp_path / "yes", (620, 20))  # on the board, clear of the clamp
    assert res.exit_code == 0, res.output
    st = stock_record(tmp_path / "yes")
    assert polygon(st["outline"]).equals(OUTLINE) and polygon(st["keepouts"]).equals(CLAMP)


def test_gcode_of_a_zoned_sheet_dxf_keeps_its_zones(zoned, tmp_path):
    """`wikicut gcode` of the sheet's own DXF plans on the same board, with the same clamps:
    they are in its report and DXF, and its program is clean against that DXF."""
    out = tmp_path / "g"
    res = CliRunner().invoke(main, ["gcode", str(zoned / "sheet-001.dxf"), "-o", str(out),
                                    "--profile", "grbl"])
    assert res.exit_code == 0, res.output
    st = stock_record(out)
    assert polygon(st["outline"]).equals(OUTLINE) and polygon(st["keepouts"]).equals(CLAMP)
    res = verify(out / "sheet-001.nc", out / "sheet-001.dxf")
    assert res.exit_code == 0, res.output
    res = verify(tampered(out / "sheet-001.nc", tmp_path / "bad.nc", IN_CLAMP),
                 out / "sheet-001.dxf")
    assert res.exit_code == 3 and "keepout: " in res.output, res.output


@pytest.mark.parametrize("layer", ["DONOTCUT_KEEPOUTS", "DONOTCUT_MATERIAL"])
def test_a_zone_ring_that_is_no_polygon_is_refused_naming_it(zoned, tmp_path, layer):
    doc = ezdxf.readfile(zoned / "sheet-001.dxf")
    bow = doc.modelspace().add_lwpolyline([(100, 100), (200, 200), (200, 100), (100, 200)],
                                          close=True, dxfattribs={"layer": layer})
    bad = tmp_path / "bad.dxf"
    doc.saveas(bad)
    with pytest.raises(InputError, match=rf"entity {bow.dxf.handle}, layer {layer}\).*valid"):
        read_cutting_file(bad)
    res = verify(zoned / "sheet-001.nc", bad)
    assert res.exit_code == 2 and bow.dxf.handle in res.output, res.output
