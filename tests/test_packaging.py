"""The wheel carries what a user needs: built, installed into a fresh venv and run from a
folder outside the checkout, it lists the shipped profiles and parts and nests a job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

JOB = """\
name = "wheel"

[sheet]
width = 1220
height = 610
thickness = 18

[nest]
seed = 1
iterations = 20

[[part]]
file = "spacer.toml"
quantity = 2

[[part]]
file = "wedge"  # a shipped part, by name: inside the installed package
quantity = 1
"""


def run(args: list, cwd: Path, env: dict) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    if os.environ.get("CI"):  # .ci/run installs '.[test]': a missing backend is a failure
        import hatchling  # noqa: F401
    else:
        pytest.importorskip("hatchling",
                            reason="pip install -e '.[test]' brings the build backend")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    dist, work = tmp_path / "dist", tmp_path / "work"
    work.mkdir()
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", dist, ROOT], tmp_path, env)
    (wheel,) = dist.glob("wikicut-*.whl")
    # The dependencies are those of this interpreter; pip comes from it too.
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
         tmp_path / "venv"], tmp_path, env)
    bindir = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], work, env)
    where = run([python, "-c", "import wikicut; print(wikicut.__file__)"], work, env)
    assert Path(where.strip()).is_relative_to(tmp_path / "venv"), where

    wikicut = bindir / "wikicut"
    profiles = run([wikicut, "profiles"], work, env)
    for name in ("grbl", "linuxcnc", "mach3", "mach4", "shopbot"):
        assert f"\n{name} " in "\n" + profiles
    assert str(tmp_path / "venv") in profiles  # the copy inside the installed package
    parts = run([wikicut, "parts"], work, env)
    assert "\nwall-rib " in parts and "BROKEN" not in parts
    assert f"(in {tmp_path / 'venv'}" in parts  # where a job's `file = "wall-rib"` is read

    # The wheel is under test here, not the Numba kernels: compiled afresh for a new install
    # location they take minutes on a shared machine, run as Python they take seconds.
    env["NUMBA_DISABLE_JIT"] = "1"
    (work / "job.toml").write_text(JOB, encoding="utf-8")
    (work / "spacer.toml").write_bytes((ROOT / "parts" / "spacer.toml").read_bytes())
    run([wikicut, "nest", "-q", "job.toml", "-o", "out"], work, env)
    assert (work / "out" / "sheet-001.nc").exists()
    report = (work / "out" / "report.json").read_text(encoding="utf-8")
    assert '"parts/wedge.toml"' in report  # named as the shipped profiles are


def test_io_public_names_resolve() -> None:
    import wikicut.io as io

    for name in io.__all__:
        assert getattr(io, name).__name__ == name
    with pytest.raises(AttributeError):
        io.no_such_name  # noqa: B018
