"""Running the CLI in-process for tests that read what an operator sees: the output and the
exit code, from a given folder."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from wikicut.cli import main


def run(*args: str, cwd: Path | None = None):
    """`wikicut ARGS` in-process, from `cwd` (the paths a job names are read from there)."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)


def one_line_error(res, code: int, *needles: str) -> str:
    """The run's one error line: exit `code`, no traceback, no internal error, the needles
    in it."""
    out = res.output
    assert res.exit_code == code, out
    assert "Traceback" not in out and "internal error" not in out, out
    lines = [ln for ln in out.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, out
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]
