"""The output folder, written all at once or not at all, and file names that stay inside it.

Outputs go to a temporary sibling folder and are moved into place only when every file was
written: an operator can never load a half-written sheet-001.nc from a failed or interrupted run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

__all__ = ["check_outdir", "safe_name", "staged_output"]


def check_outdir(outdir: Path, force: bool) -> None:
    """Refuse to overwrite an existing output folder unless asked (--force)."""
    if outdir.exists():
        if not outdir.is_dir():
            raise InputError("exists and is not a folder", outdir)
        if any(outdir.iterdir()) and not force:
            raise InputError("output folder exists and is not empty (use --force to replace it)",
                             outdir)


@contextmanager
def staged_output(outdir: Path, force: bool) -> Iterator[Path]:
    """A temporary folder beside `outdir`, swapped into place only if the block succeeds."""
    outdir = Path(outdir)
    check_outdir(outdir, force)
    parent = outdir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.tmp-", dir=parent))
    try:
        yield tmp
        if outdir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=parent))
            os.replace(outdir, old / "x")
            os.replace(tmp, outdir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, outdir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def safe_name(name: str) -> str:
    """A file name from user text that cannot escape the output folder."""
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return keep or "part"
