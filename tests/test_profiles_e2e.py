"""Issue 4's "done when": for every shipped profile, the example house job and the job of DXF
parts give programs that LinuxCNC's interpreter accepts (G-code dialects) and that the
simulator finds clean against the sheet DXF written beside them (cut through at the kerf
offset except at tabs, no gouge, no rapid in the stock, never deeper than allowed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import find_rs274, run_rs274

from wikicut.io.dxf import read_cutting_file
from wikicut.io.items import job_items
from wikicut.io.job import load_job
from wikicut.io.profiles import load_profile
from wikicut.nest import nest
from wikicut.pipeline import job_profile, write_outputs
from wikicut.verify import verify_program

ROOT = Path(__file__).resolve().parents[1]
JOBS = {"house": ROOT / "examples" / "house" / "job.toml",
        "dxf-parts": ROOT / "examples" / "dxf-parts" / "job.toml"}
PROFILES = ["grbl", "linuxcnc", "mach3", "mach4", "shopbot"]
# one worker runs them all (-n 2, --dist loadgroup): the layouts are nested once, not per worker
pytestmark = pytest.mark.xdist_group("profiles-e2e")


@pytest.fixture(scope="module")
def layouts():
    """Each example job nested once (a small fixed budget: deterministic and quick)."""
    out = {}
    for name, path in JOBS.items():
        job = load_job(path)
        settings = replace(job.settings, iterations=20, workers=1)
        out[name] = (job, nest(job_items(job), list(job.stocks), settings))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("job_name", list(JOBS))
def test_every_profile_cuts_the_examples_cleanly(job_name, profile, layouts, tmp_path):
    job, layout = layouts[job_name]
    prof = job_profile(job, profile)
    out = tmp_path / "out"
    write_outputs(job.name, layout, out, profile=prof, spacing=job.settings.spacing)
    programs = sorted(out.glob(f"sheet-*{prof.extension}"))
    assert len(programs) == len(layout.sheets) >= 1
    exe = find_rs274()
    for prog in programs:
        text = prog.read_text(encoding="utf-8")
        sheet = read_cutting_file(prog.with_suffix(".dxf"))
        assert len(sheet) == 1
        violations = verify_program(text, prof, sheet=sheet[0], thickness=job.thickness)
        assert violations == [], f"{prog.name}: {violations[:3]}"
        if prof.dialect != "shopbot" and exe is not None:
            done = run_rs274(exe, prog)
            assert done.returncode == 0, f"{prog.name}: {done.stdout[-400:]}"
            assert "STRAIGHT_FEED" in done.stdout


def test_profiles_in_this_test_are_every_shipped_profile():
    shipped = sorted(p.stem for p in (ROOT / "profiles").glob("*.toml"))
    assert shipped == sorted(PROFILES)
    for name in shipped:
        assert load_profile(name).name
