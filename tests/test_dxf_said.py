"""Geometry the DXF reader does not cut is said, never dropped in silence: exact copies of an
entity, closed contours that collapse to a point (a CIRCLE of radius 1e-9), and a layer map
entry (a job's [layers], --layer) that names no layer of the file(s)."""

from __future__ import annotations

import warnings
from pathlib import Path

import ezdxf
import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError, InputWarning
from wikicut.io.dxf import read_cutting_file, read_dxf_parts
from wikicut.io.items import load_job_parts
from wikicut.io.job import load_job

OUT = "6_anyTOOL_CUTTHROUGH_OUTSIDE"


def _new():
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    return doc


def _square(msp, x0, y0, size, layer="0"):
    return msp.add_lwpolyline([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size),
                               (x0, y0 + size)], close=True, dxfattribs={"layer": layer})


def _said(fn, *args, **kw):
    """What `fn` returns and its InputWarnings, one string each."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        got = fn(*args, **kw)
    return got, [str(w.message) for w in rec if issubclass(w.category, InputWarning)]


# 1. an outline drawn twice exactly

def test_a_polyline_drawn_twice_exactly_is_cut_once_and_said(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    a = _square(msp, 0, 0, 300)
    b = _square(msp, 0, 0, 300)
    _square(msp, 500, 0, 100)
    doc.saveas(tmp_path / "twice.dxf")
    parts, said = _said(read_dxf_parts, tmp_path / "twice.dxf")
    assert len(parts) == 2
    hits = [w for w in said if "drawn twice exactly" in w]
    assert len(hits) == 1, said
    assert hits[0].startswith(str(tmp_path / "twice.dxf"))
    assert "1 entity(ies) drawn twice exactly" in hits[0]
    assert f"{b.dxf.handle} on {a.dxf.handle}" in hits[0]


def test_a_line_loop_drawn_twice_is_one_warning_for_the_file(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    pts = [(0, 0), (200, 0), (200, 100), (0, 100)]
    first, second = [], []
    for copy in (first, second):
        for k in range(4):
            copy.append(msp.add_line(pts[k], pts[(k + 1) % 4], dxfattribs={"layer": OUT}))
    doc.saveas(tmp_path / "lines.dxf")
    (part,), said = _said(read_dxf_parts, tmp_path / "lines.dxf")
    assert part.outline.area == pytest.approx(20_000)
    hits = [w for w in said if "drawn twice exactly" in w]
    assert len(hits) == 1, said  # counted once per file, not once per line
    assert "4 entity(ies) drawn twice exactly" in hits[0]
    for a, b in zip(first, second):
        assert f"{b.dxf.handle} on {a.dxf.handle}" in hits[0]
    assert repr(OUT) in hits[0]


def test_a_sheet_rectangle_drawn_twice_is_one_sheet_without_a_word(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    for _ in range(2):
        _square(msp, 0, 0, 1220, layer="0_SHEET_BirchPly 2440x1220x18")
    _square(msp, 100, 100, 300, layer=OUT)
    doc.saveas(tmp_path / "sheet.dxf")
    sheets, said = _said(read_cutting_file, tmp_path / "sheet.dxf")
    assert len(sheets) == 1 and len(sheets[0].placements) == 1
    assert not [w for w in said if "drawn twice" in w], said


# 2. a closed contour that collapses to a point

def _with_dot(tmp_path: Path, where: tuple[float, float], layer: str = "0",
              radius: float = 1e-9):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 300)
    dot = msp.add_circle(where, radius, dxfattribs={"layer": layer})
    path = tmp_path / "dot.dxf"
    doc.saveas(path)
    return path, dot.dxf.handle


@pytest.mark.parametrize("layer", ["0", OUT, "3_anyTOOL_CUTTHROUGH_INSIDE",
                                   "5_anyTOOL_9mmDEEP_INSIDE", "1_anyTOOL_1mmDEEP_INSIDE"])
def test_a_collapsed_circle_on_a_part_is_named(tmp_path, layer):
    path, handle = _with_dot(tmp_path, (150, 150), layer)
    (part,), said = _said(read_dxf_parts, path)
    assert not part.outline.interiors and not part.pockets and not part.engravings
    hits = [w for w in said if "zero-area contour(s) on or inside parts not cut" in w]
    assert len(hits) == 1, said
    assert f"entity {handle}" in hits[0] and repr(layer) in hits[0]


def test_a_collapsed_circle_away_from_any_part_is_refused(tmp_path):
    path, handle = _with_dot(tmp_path, (900, 900))
    with pytest.raises(InputError) as err:
        read_dxf_parts(path)
    msg = str(err.value)
    assert msg.startswith(str(path))
    assert f"zero-area contour (entity {handle}, layer 0) at (900.000, 900.000)" in msg


def test_a_collapsed_circle_refused_by_the_cli_writes_nothing(tmp_path):
    path, handle = _with_dot(tmp_path, (900, 900))
    out = tmp_path / "p.dxf"
    res = CliRunner().invoke(main, ["part", str(path), "-o", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and f"entity {handle}" in lines[0] and str(path) in lines[0]
    assert not out.exists()


# 3. a layer map entry naming no layer

def _holes_file(tmp_path: Path, name: str = "h.dxf") -> Path:
    doc = _new()
    for n in ("OUTLINE", "Holes"):
        doc.layers.add(n)
    msp = doc.modelspace()
    _square(msp, 0, 0, 300, layer="OUTLINE")
    _square(msp, 100, 100, 50, layer="Holes")
    path = tmp_path / name
    doc.saveas(path)
    return path


def test_a_misspelt_layer_map_entry_is_said_naming_the_files_layers(tmp_path):
    path = _holes_file(tmp_path)
    (part,), said = _said(read_dxf_parts, path, layer_map={"Hoels": "pocket:9",
                                                           "holes": "inside"})
    assert len(part.outline.interiors) == 1
    hits = [w for w in said if "matches no layer" in w]
    assert len(hits) == 1, said  # "holes" matches "Holes": case is not minded
    assert hits[0].startswith(f"{path}: layer map entry 'Hoels' (key 'layers.Hoels'")
    assert "(did you mean 'Holes'?)" in hits[0]
    assert "'OUTLINE'" in hits[0] and "'Holes'" in hits[0]


def test_a_layer_map_entry_that_matches_warns_nothing(tmp_path):
    path = _holes_file(tmp_path)
    _parts, said = _said(read_dxf_parts, path, layer_map={" HOLES ": "inside"})
    assert not [w for w in said if "matches no layer" in w], said


def _job(tmp_path: Path, layers: str) -> Path:
    _holes_file(tmp_path, "a.dxf")
    doc = _new()
    doc.layers.add("Pockets")
    _square(doc.modelspace(), 0, 0, 200, layer="Pockets")
    doc.saveas(tmp_path / "b.dxf")
    job = tmp_path / "job.toml"
    job.write_text('[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18\n\n'
                   f'[layers]\n{layers}\n\n[[part]]\nfile = "a.dxf"\n\n'
                   '[[part]]\nfile = "b.dxf"\n')
    return job


def test_a_jobs_layers_key_matching_no_dxf_is_said_once_naming_the_key(tmp_path):
    job = _job(tmp_path, '"Holes" = "inside"\n"pockets" = "outside"\n"Hoels" = "pocket:9"')
    _parts, said = _said(load_job_parts, load_job(job))
    hits = [w for w in said if "matches no layer" in w]
    # Holes is in a.dxf only, Pockets in b.dxf only: neither is warned of
    assert len(hits) == 1, said
    assert hits[0].startswith(f"{job}: key 'layers.Hoels' (line 9) matches no layer of the "
                              "job's DXFs (did you mean 'Holes'?)")
    assert "'OUTLINE'" in hits[0] and "'Pockets'" in hits[0]


def test_nest_cli_warns_of_the_jobs_unused_layers_key(tmp_path):
    job = _job(tmp_path, '"CUT_OUTSIDE" = "outside"')
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out"),
                                    "--no-gcode", "--iterations", "1"])
    lines = [ln for ln in res.output.splitlines() if "matches no layer" in ln]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("warning: ") and "key 'layers.CUT_OUTSIDE'" in lines[0]


@pytest.mark.parametrize("cmd", ["part", "gcode"])
def test_layer_flag_matching_no_layer_is_said(tmp_path, cmd):
    path = _holes_file(tmp_path)
    out = tmp_path / ("p.dxf" if cmd == "part" else "out")
    args = [cmd, str(path), "--layer", "Hoels=inside", "-o", str(out)]
    if cmd == "gcode":
        args += ["--profile", "grbl"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if "matches no layer" in ln]
    assert len(lines) == 1, res.output
    assert lines[0].startswith(f"warning: {path}: layer map entry 'Hoels'")
    assert "--layer Hoels=" in lines[0] and "(did you mean 'Holes'?)" in lines[0]


# and a loose piece no longer than 0.01 mm, said with the stubs

def test_a_speck_of_a_line_is_said_with_the_stubs(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 300, layer=OUT)
    speck = msp.add_line((100, 100), (100.005, 100), dxfattribs={"layer": OUT})
    doc.saveas(tmp_path / "speck.dxf")
    (_part,), said = _said(read_dxf_parts, tmp_path / "speck.dxf")
    hits = [w for w in said if "stub(s)" in w]
    assert len(hits) == 1 and f"entity {speck.dxf.handle}" in hits[0], said


def test_a_closed_polyline_on_one_point_is_named(tmp_path):
    doc = _new()
    msp = doc.modelspace()
    _square(msp, 0, 0, 300)
    dot = msp.add_lwpolyline([(150, 150)] * 3, close=True)
    doc.saveas(tmp_path / "pt.dxf")
    (_part,), said = _said(read_dxf_parts, tmp_path / "pt.dxf")
    assert any(f"zero-area contour(s) on or inside parts not cut (entity {dot.dxf.handle}" in w
               for w in said), said


def test_a_jobs_layers_with_no_dxf_to_read_is_said(tmp_path):
    spacer = Path(__file__).resolve().parent.parent / "parts" / "spacer.toml"
    job = tmp_path / "job.toml"
    job.write_text('[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18\n\n'
                   f'[layers]\n"CUT" = "outside"\n\n[[part]]\nfile = "{spacer}"\n')
    _parts, said = _said(load_job_parts, load_job(job))
    assert [w for w in said if "key 'layers.CUT'" in w and "reads no DXF" in w], said
