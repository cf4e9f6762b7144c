"""The shop's inventory: a remnant file with a `next_id`, read before a job and rewritten
after it only when the job succeeded and nothing else drew on it meanwhile (its lock held
from the read to the rewrite, inventory_lock.py)."""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path

from ...errors import InputError
from ...model import Layout, Stock
from ..toml import TomlFile
from .files import RemnantFile, digest, parse_remnants, read_remnant_file, remnants_text
from .inventory_lock import InventoryLock
from .undo import UNDO_FILE, draw_state, read_draw, shown_folder


def load_inventory(path: Path, parse_stock, replacing: Path | None = None) -> RemnantFile:
    """The shop's inventory (empty when the file does not exist yet: the first job makes it).

    `replacing`: the output folder this run replaces (--force). When it records a draw on
    this inventory (UNDO_FILE) and the file is still what that run wrote, the job draws from
    the inventory as it was before (the recorded text); when the file is as it was before
    (restored by hand), there is nothing to undo; when it is neither (other jobs drew on it
    since), the run is refused. Either way the new run's ids start past the ones the
    replaced run gave out: an id in its old remnants.toml never names another board.

    The inventory's lock (inventory_lock.py) is taken before it is read and held by the
    result (`lock`) until the job's run ends: another process drawing on it meanwhile is
    refused."""
    if not Path(path).resolve().parent.is_dir():  # said now, not after the whole nest
        raise InputError("the remnant inventory's folder does not exist (the first job"
                         " makes the file, not its folder)", path)
    hold = InventoryLock(path)
    try:
        inv = _read(path, parse_stock, replacing)
    except BaseException:
        hold.release()
        raise
    inv.lock = hold
    return inv


def _read(path: Path, parse_stock, replacing: Path | None) -> RemnantFile:
    rec = None if replacing is None else read_draw(Path(replacing), path)
    if rec is None:
        return _load(path, parse_stock)
    state = draw_state(rec, path)
    if state == "changed":
        raise InputError(f"{shown_folder(rec.folder)} was cut from this inventory"
                         f" ({rec.describe()}) and it changed since (other jobs drew on it):"
                         " that draw cannot be undone, nothing was written; write to a new"
                         " folder, or restore the inventory by hand", path)
    if state == "restored":
        inv = _load(path, parse_stock)
    else:  # the file is what the replaced run wrote: draw from what it read
        if rec.before is None:
            inv = RemnantFile(path)
        else:
            shown = f"{path} (as {shown_folder(rec.folder)} read it, {UNDO_FILE})"
            try:
                data = tomllib.loads(rec.before)
            except tomllib.TOMLDecodeError as exc:
                raise InputError(f"TOML syntax error: {exc}", shown) from None
            inv = parse_remnants(TomlFile(path, data, rec.before, shown), parse_stock)
        inv.digest = rec.sha256  # the file is checked unchanged against what is there now
        inv.undone = rec
    inv.next_id = max(inv.next_id, rec.next_id)
    inv.replacing = Path(replacing).resolve()
    return inv


def _load(path: Path, parse_stock) -> RemnantFile:
    if not path.exists():
        return RemnantFile(path)
    return read_remnant_file(path, str(path), parse_stock)


def _file_digest(path: Path) -> str:
    """The sha256 of the file as it is now ("" when there is none)."""
    return digest(path.read_bytes()) if path.exists() else ""


class InventoryIds:
    """An inventory's next ids, `R0007` on: from its `next_id`, passing over any id already
    in it (a hand-made inventory without `next_id`, or with one too low, listed R0001 twice
    after the job, and the next job refused the file)."""

    def __init__(self, inv: RemnantFile) -> None:
        self.taken = set(inv.sources)
        self.next = inv.next_id

    def __call__(self, sheet: int, piece: int) -> str:
        while f"R{self.next:04d}" in self.taken:
            self.next += 1
        self.next += 1
        return f"R{self.next - 1:04d}"


def inventory_update(inv: RemnantFile, layout: Layout, new: list[tuple[int, Stock]],
                     job_name: str, next_id: int) -> str:
    """The inventory after the job: the remnants it cut gone, the ones it left added (their
    ids already given out, below `next_id`), the others as they were."""
    used = {sh.stock.remnant for sh in layout.sheets if sh.stock.remnant}
    kept = [(s, inv.sources.get(s.remnant, "")) for s in inv.stocks if s.remnant not in used]
    added = [(s, f"{job_name} sheet {k}") for k, s in new]
    return remnants_text(kept + added, next_id, "remnant inventory")


def check_unchanged(inv: RemnantFile) -> None:
    """Refuse when the inventory changed since the job read it (another job drew on it), or
    cannot be rewritten where it is: before the outputs are written, so that nothing is."""
    if _file_digest(inv.path) != inv.digest:
        raise InputError("the remnant inventory changed while this job ran (another job?):"
                         " nothing was written; run the job again", inv.path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{inv.path.name}.tmp-", dir=inv.path.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise InputError(f"cannot write the remnant inventory's folder ({exc.strerror}):"
                         " nothing was written", inv.path) from None


def replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (a temporary file beside it, renamed over it)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror}): the outputs are written, the"
                         " inventory is as it was", path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
