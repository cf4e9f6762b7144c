"""ruff, with the rules in pyproject.toml, finds nothing: lint is part of the test command
that CI runs (ruff comes with the test extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "wikicut", "tests",
                          "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
