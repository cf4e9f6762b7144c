"""One run at a time on a shop's inventory: an OS lock (`flock`) on a file beside it,
`.NAME.lock`, held from the job's read of the inventory to the end of its rewrite.

The inventory's digest check alone let two runs both find the file unchanged and both
rewrite it (a draw lost, one offcut cut twice). A run of another process that cannot take
the lock within LOCK_SECONDS is refused in one line before it reads anything.

`flock`, not a lock file made with O_EXCL: the OS drops the lock when the process holding it
dies (a crash, kill -9), so nothing stale ever blocks. The file is never removed (removed
while a run waits on it, a third run would lock a new file beside the waiting one) and it is
empty, hidden, and not `.toml`: nothing reads it as a remnant file, and no output depends on
it. Within one process the lock is shared (the API may read several jobs on one inventory
before running them), counted, and given back by the last holder."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import InputError

if TYPE_CHECKING:
    from .files import RemnantFile

__all__ = ["LOCK_SECONDS", "InventoryLock", "holding", "lock_path"]

LOCK_SECONDS = 5.0  # a second run waits this long for the lock, then is refused
POLL_SECONDS = 0.05

_guard = threading.Lock()
# the lock file's (device, inode): [fd, holders, the pid that took it]
_held: dict[tuple[int, int], list[int]] = {}


def lock_path(inventory: Path) -> Path:
    """The lock file of an inventory: beside the file it names, however it is spelt."""
    real = Path(inventory).resolve()
    return real.with_name(f".{real.name}.lock")


class InventoryLock:
    """A hold on an inventory's lock: taken when made (waiting at most `seconds`), given
    back by release(), or when dropped."""

    def __init__(self, inventory: Path, seconds: float | None = None) -> None:
        self.inventory = Path(inventory)
        key = _take(self.inventory, LOCK_SECONDS if seconds is None else seconds)
        self._give = weakref.finalize(self, _give_back, key)

    @property
    def held(self) -> bool:
        return self._give.alive

    def release(self) -> None:
        """Give the hold back (once; again does nothing)."""
        self._give()


@contextlib.contextmanager
def holding(inv: RemnantFile | None) -> Iterator[None]:
    """The inventory's lock held while a job draws on it: the hold load_inventory took, or
    a new one (a job run a second time); given back when the run ends, however it ends."""
    if inv is None:
        yield
        return
    if inv.lock is None or not inv.lock.held:
        inv.lock = InventoryLock(inv.path)
    try:
        yield
    finally:
        inv.lock.release()


def _take(inventory: Path, seconds: float) -> tuple[int, int]:
    path = lock_path(inventory)
    deadline = time.monotonic() + seconds
    while True:
        try:
            # read-only is enough for flock: an operator may lock a file another one made
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise InputError(f"cannot open its lock file {path.name} ({exc.strerror}): nothing"
                             " was written", inventory) from None
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        with _guard:
            if key in _held:  # this process holds it already
                _held[key][1] += 1
                os.close(fd)
                return key
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise InputError(f"another wikicut run is drawing on this remnant inventory (it"
                                 f" holds {path.name}; waited {seconds:g} s): nothing was"
                                 " written; run the job again when that one is done",
                                 inventory) from None
            time.sleep(POLL_SECONDS)
            continue
        except OSError as exc:
            os.close(fd)
            raise InputError(f"cannot lock its lock file {path.name} ({exc.strerror}): nothing"
                             " was written", inventory) from None
        try:
            now = os.stat(path)
        except FileNotFoundError:
            now = None
        if now is None or (now.st_dev, now.st_ino) != key:  # removed by hand meanwhile
            os.close(fd)
            continue
        with _guard:
            _held[key] = [fd, 1, os.getpid()]
        return key


def _give_back(key: tuple[int, int]) -> None:
    with _guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _held[key]
    fd, _, pid = entry
    # unlocked, not only closed: a process forked meanwhile (the nester's second search)
    # shares the open file, and its copy would keep the lock held for as long as it lives;
    # such a child only closes its copy, or it would unlock its parent's run
    if pid == os.getpid():
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
