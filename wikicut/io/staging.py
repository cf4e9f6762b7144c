"""The output folder, written all at once or not at all, and file names that stay inside it.

Outputs go to a temporary sibling folder, made before any work starts (an unwritable place
is refused in seconds, not after the nest), and are renamed into place only when every file
was written: an operator can never load a half-written sheet-001.nc from a failed or
interrupted run. The folder is resolved first and refused when replacing it would delete an
input, the job's folder or the current folder; the final rename never replaces a folder that
appeared meanwhile (another run) unless --force asked for it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

__all__ = ["Staging", "check_outdir", "safe_name", "staged_output"]

MARKER = "report.json"  # every wikicut output folder has one: --force replaces only those


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_outdir(outdir: Path, force: bool, inputs: Iterable[Path] = ()) -> Path:
    """The output folder resolved, or a one-line refusal: it is (or contains) an input, the
    job's folder or the current folder; it is not a folder; it holds something and --force was
    not given; or --force would replace a folder that is not a wikicut output."""
    shown = Path(outdir)
    out = shown.resolve()
    here = Path.cwd().resolve()
    if _inside(here, out):
        what = "is" if out == here else "contains"
        raise InputError(f"output folder {what} the current folder: choose a new folder", shown)
    for p in inputs:
        p = Path(p).resolve()
        if _inside(p, out):
            what = "is" if out == p else "contains"
            kind = "the input folder" if p.is_dir() else f"the input file {p.name}"
            raise InputError(f"output folder {what} {kind}: choose a new folder", shown)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise InputError("exists and is not a folder", shown)
        try:
            full = any(out.iterdir())
        except FileNotFoundError:  # removed since: nothing to replace
            full = False
        except OSError as exc:
            raise InputError(f"cannot read the output folder ({exc.strerror})", shown) from None
        if full:
            if not force:
                raise InputError("output folder exists and is not empty (use --force to replace"
                                 " it)", shown)
            if not (out / MARKER).is_file():
                raise InputError(f"not a wikicut output folder (no {MARKER}): --force replaces"
                                 " only those; choose a new folder", shown)
    return out


class Staging:
    """A temporary folder beside the output folder; `commit` renames it into place."""

    def __init__(self, outdir: Path, force: bool, inputs: Iterable[Path] = ()):
        self.shown = Path(outdir)
        self.force = force
        self.outdir = check_outdir(self.shown, force, inputs)
        parent = self.outdir.parent
        # the folders above it this run makes: a failed run takes them away again
        self.made = [d for d in (parent, *parent.parents) if not d.exists()]
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.outdir.name}.tmp-", dir=parent))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o777 & ~umask)  # the user's permissions, not mkdtemp's 0700
        except OSError as exc:
            self._unmake()
            raise InputError(f"cannot write the output folder here ({exc.strerror})",
                             self.shown) from None

    def commit(self) -> None:
        """Rename the staged folder into place: atomic, and a folder that appeared (or filled)
        since the start is replaced only with --force, and then only a wikicut output folder.
        Every failure, whenever the other folder appeared, is a one-line refusal that leaves
        what is there as it was (a folder moved aside for --force is moved back)."""
        out, aside = self.outdir, None
        try:
            if self.force:
                aside = self._move_aside(out)
            try:
                os.rename(self.tmp, out)  # replaces nothing but an empty folder
            except OSError:
                if aside is not None:  # the run failed: the earlier output stays
                    with contextlib.suppress(OSError):
                        os.rename(aside / "x", out)
                raise
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise InputError("output folder appeared while this run was working (another"
                                 " run?): it was left as it is and nothing was written",
                                 self.shown) from None
            raise InputError(f"cannot write the output folder ({exc.strerror})",
                             self.shown) from None
        finally:
            if aside is not None:
                shutil.rmtree(aside, ignore_errors=True)

    def _move_aside(self, out: Path) -> Path | None:
        """For --force: a full output folder renamed into a temporary one beside it (None when
        there is nothing to replace). What is there now is checked again, not what was there
        at the start: another run may have put something else in its place."""
        try:
            full = any(out.iterdir())
        except (FileNotFoundError, NotADirectoryError):
            return None  # gone, or a file: the rename below refuses a file
        if not full:
            return None
        if not (out / MARKER).is_file():
            raise OSError(errno.ENOTEMPTY, "not a wikicut output folder")
        aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        try:
            os.rename(out, aside / "x")
        except FileNotFoundError:  # removed meanwhile: nothing to replace
            return aside
        except OSError:
            shutil.rmtree(aside, ignore_errors=True)
            raise
        return aside

    def discard(self) -> None:
        if self.tmp.exists():
            shutil.rmtree(self.tmp, ignore_errors=True)
        self._unmake()

    def _unmake(self) -> None:
        """The folders above the output this run made, removed while still empty (another
        run may have put something in one since)."""
        for d in self.made:  # deepest first
            try:
                d.rmdir()
            except OSError:
                break


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C (or SIGTERM) during the final rename or the clean-up would leave a half-done
    folder behind: both take milliseconds, so signals wait until they are over."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def staged_output(outdir: Path, force: bool, inputs: Iterable[Path] = ()) -> Iterator[Staging]:
    """A Staging whose folder is renamed into place if the block succeeds, removed if not."""
    stage = Staging(outdir, force, inputs)
    ok = False
    try:
        yield stage
        ok = True
    finally:
        with _signals_held():
            try:
                if ok:
                    stage.commit()
            finally:
                stage.discard()


def safe_name(name: str) -> str:
    """A file name from user text that cannot escape the output folder."""
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return keep or "part"
