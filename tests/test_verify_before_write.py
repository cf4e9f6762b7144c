"""No command writes a program the simulator rejects: `nest` and `gcode` check every program
against its sheet (as `wikicut verify --sheet`) before anything is written; a violation is exit
3 naming the part, the place and the rule, and the output folder never appears."""

from __future__ import annotations

from pathlib import Path

import ezdxf
from click.testing import CliRunner

import wikicut.post
from wikicut.cli import main

SKYLARK_A = (Path(__file__).resolve().parent.parent / "examples" / "skylark" / "E-XXS_cnc"
             / "E-XXS-A.dxf")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def rectangles(path: Path, rects) -> Path:
    doc = ezdxf.new("R2010")
    doc.units = 4
    for x0, y0, x1, y1 in rects:
        doc.modelspace().add_lwpolyline([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close=True)
    doc.saveas(path)
    return path


def test_fusion_tab_rectangles_touching_the_board_are_refused(tmp_path):
    """Fusion 360 sketches draw holding tabs as rectangles on the board's edge: cut as parts,
    the tool enters the board. The reading sees it before any toolpath and names each tab."""
    tabs = [(x, y, x + 20, y + 6) for x in (60, 220) for y in (200, -6)]
    dxf = rectangles(tmp_path / "fusion.dxf", [(0, 0, 300, 200), *tabs])
    out = tmp_path / "out"
    r = run("gcode", dxf, "--profile", "grbl", "-o", out)
    assert r.exit_code == 3, r.output
    assert r.output.count(" share an edge from (") == 4 and "would gouge the other" in r.output
    assert "parts 'fusion-3' (entity 2F) and 'fusion-5' (entity 33) share an edge from " \
           "(220.0, 0.0) to (240.0, 0.0) in the drawing" in r.output
    assert "the 6 mm tool needs 6 mm" in r.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [dxf]


def test_skylark_pockets_cut_through_are_refused(tmp_path):
    """Skylark's 9 mm pockets read as outlines (the reading that wrote gouging programs): they
    lie over the part's edge, parts drawn on a part, refused as the file is read."""
    out = tmp_path / "out"
    r = run("gcode", SKYLARK_A, "--profile", "grbl", "--layer",
            "5_ANYTOOL_HALF_MILL_9MM_IN=auto", "-o", out)
    assert r.exit_code == 3, r.output
    assert r.output.count(") overlaps part 'E-XXS-A-1' (entity BC)") == 5, r.output
    assert "the file draws parts on each other" in r.output
    assert not out.exists()


def test_nest_refuses_a_program_the_simulator_rejects(tmp_path, monkeypatch):
    """A writer bug (here: a plunge into the middle of the part) never reaches the router."""
    rectangles(tmp_path / "plate.dxf", [(0, 0, 300, 200)])
    job = tmp_path / "job.toml"
    job.write_text('[sheet]\nwidth = 1200\nheight = 800\nthickness = 18\n'
                   '[nest]\niterations = 20\n[[part]]\nfile = "plate.dxf"\n')
    real = wikicut.post.write_program

    def gouging(program, profile, title=""):
        text = real(program, profile, title)
        x0, y0, x1, y1 = program.sheet.placements[0].placed().outline.bounds
        bad = f"G0 X{(x0 + x1) / 2:.3f} Y{(y0 + y1) / 2:.3f}\nG1 Z-5 F600\nG0 Z20\n"
        return text.replace("M5", bad + "M5", 1)

    monkeypatch.setattr(wikicut.post, "write_program", gouging)
    out = tmp_path / "out"
    r = run("nest", job, "-o", out)
    assert r.exit_code == 3, r.output
    assert "gouge" in r.output and "part 'plate" in r.output and "sheet 1" in r.output
    assert not out.exists()


def test_verify_checks_with_the_tool_the_program_names(tmp_path):
    """The shipped microhouse job cuts with a 2.5 mm tool on a margin-0 sheet: `wikicut verify
    --sheet` with the profile alone checked a 6 mm tool and saw gouges on every sheet."""
    rectangles(tmp_path / "board.dxf", [(0, 0, 600, 300)])
    job = tmp_path / "job.toml"
    job.write_text('[sheet]\nwidth = 1200\nheight = 300\nthickness = 18\nmargin = 0\n'
                   '[nest]\niterations = 20\n[machine]\ntool_diameter = 2.5\n'
                   '[[part]]\nfile = "board.dxf"\n')
    out = tmp_path / "out"
    assert run("nest", job, "-o", out).exit_code == 0
    prog, sheet = out / "sheet-001.nc", out / "sheet-001.dxf"
    r = run("verify", prog, "--profile", "grbl", "--sheet", sheet)
    assert r.exit_code == 0 and "clean" in r.output, r.output



def test_the_check_before_writing_judges_chip_loads_in_the_jobs_material(tmp_path, monkeypatch):
    """A library tool's programs are held to its maker's chip load in the job's material
    (as `wikicut verify --material`): here a writer bug that runs the spindle at 12,000 rpm,
    the feeds left for 18,000, takes 0.293 mm a tooth where T1 takes 0.269 at that depth."""
    rectangles(tmp_path / "plate.dxf", [(0, 0, 300, 200)])
    job = tmp_path / "job.toml"
    job.write_text('[sheet]\nwidth = 1200\nheight = 800\nthickness = 18\nmaterial = "Plywood"\n'
                   '[nest]\niterations = 20\n[machine]\ntool_diameter = 6\n'
                   '[[part]]\nfile = "plate.dxf"\n')
    real = wikicut.post.write_program

    def slow(program, profile, title=""):
        text = real(program, profile, title)
        assert "S18000" in text
        return text.replace("S18000", "S12000")

    monkeypatch.setattr(wikicut.post, "write_program", slow)
    out = tmp_path / "out"
    r = run("nest", job, "-o", out)
    assert r.exit_code == 3, r.output
    assert "fails the check before writing: tool: chip load 0.293 mm/tooth above T1's 0.269" \
        in r.output, r.output
    assert not out.exists()
