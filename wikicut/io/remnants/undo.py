"""The draw on the inventory a job's output folder records (UNDO_FILE), and undoing it:
a run that replaces the folder (--force) draws from the inventory as the replaced run read
it, so re-planning a job never spends its remnants twice."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from .files import RemnantFile, digest

UNDO_FILE = "inventory-undo.json"  # in the output folder of a job that rewrote an inventory
UNDO_SCHEMA = "wikicut-inventory-undo/1"


@dataclass(frozen=True)
class DrawRecord:
    """What a job did to the inventory, as its output folder records it (UNDO_FILE): the
    inventory's text it drew from (None: there was no file yet), the sha256 of the text it
    wrote, the ids it took and added, and the `next_id` it left."""

    folder: Path  # the output folder, as given
    inventory: Path  # resolved
    before: str | None
    sha256: str
    took: tuple[str, ...]
    added: tuple[str, ...]
    next_id: int

    def describe(self) -> str:
        return (f"took {', '.join(self.took) or 'none'},"
                f" added {', '.join(self.added) or 'none'}")


def shown_folder(folder: Path) -> str:
    """An output folder as messages name it: with its trailing slash."""
    return str(folder).rstrip("/\\") + "/"


def undo_record(inv: RemnantFile, written: str) -> str:
    """The output folder's record (UNDO_FILE) of a job that rewrites `inv` as `written`:
    enough to put the inventory back as the job read it, and to see that nothing else drew
    on it since (the sha256 of what the job wrote)."""
    after = tomllib.loads(written)
    ids = [str(t.get("id", "")) for t in after.get("sheet", [])]
    record = {"schema": UNDO_SCHEMA, "inventory": str(inv.path.resolve()),
              "before": inv.text, "sha256": digest(written.encode("utf-8")),
              "took": [i for i in inv.sources if i not in ids],
              "added": [i for i in ids if i not in inv.sources],
              "next_id": int(after.get("next_id", 1))}
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def recorded_inventory(folder: Path) -> Path | None:
    """The inventory an output folder's job rewrote (its UNDO_FILE's), or None: no record,
    or one that cannot be read (only a hint hangs on it)."""
    rec = recorded_draw(folder)
    return None if rec is None else rec.inventory


def recorded_draw(folder: Path) -> DrawRecord | None:
    """The draw an output folder records (its UNDO_FILE), or None: no record, or one that
    cannot be read (for what a run says it did, never for undoing it: read_draw)."""
    try:
        return _record(Path(folder))
    except InputError:
        return None


def read_draw(folder: Path, inventory: Path) -> DrawRecord | None:
    """The draw on `inventory` an output folder records (None: no record, or one of another
    inventory file). A record that cannot be read is refused: replacing the folder without
    it could spend its remnants twice."""
    draw = _record(folder)
    return draw if draw is not None and draw.inventory == inventory.resolve() else None


def _record(folder: Path) -> DrawRecord | None:
    """The folder's record (None: it has none); an InputError when it cannot be read."""
    p = folder / UNDO_FILE
    if not p.is_file():
        return None
    try:
        rec = json.loads(p.read_text(encoding="utf-8"))
        if rec.get("schema") != UNDO_SCHEMA:
            raise ValueError
        before = rec["before"]
        draw = DrawRecord(folder, Path(rec["inventory"]), before, str(rec["sha256"]),
                          tuple(map(str, rec["took"])), tuple(map(str, rec["added"])),
                          int(rec["next_id"]))
        if before is not None and not isinstance(before, str):
            raise ValueError
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        raise InputError(f"cannot read its {UNDO_FILE} (the draw on the remnant inventory that"
                         " replacing it would undo): write to a new folder", folder) from None
    return draw


def check_no_draw_left(outdir: Path, remedy: str | None = None) -> None:
    """Refuse to replace (--force) a folder that drew on a remnant inventory by a run given
    none: the draw would stay spent on the inventory (its remnants taken, the new ones
    listed) with its record gone. An inventory already put back as the run read it, or gone,
    is no draw to undo. `remedy`: what the refused command can do instead (a job's: give
    it the inventory)."""
    rec = _record(Path(outdir))
    if rec is None or not rec.inventory.exists() or draw_state(rec, rec.inventory) == "restored":
        return
    remedy = remedy or (f"give --inventory {rec.inventory} (or the job's [remnants] inventory)"
                        " so replacing it undoes that draw first")
    raise InputError(f"holds a draw on the inventory {rec.inventory} ({rec.describe()}):"
                     f" {remedy}; nothing was written", outdir)


def draw_state(rec: DrawRecord, path: Path) -> str:
    """"restored" (the inventory is as the recorded run read it), "undo" (as it wrote it),
    or "changed" (neither)."""
    now = path.read_bytes() if path.exists() else None
    if now == (None if rec.before is None else rec.before.encode("utf-8")):
        return "restored"  # first: a run that changed nothing wrote what it read
    return "undo" if now is not None and digest(now) == rec.sha256 else "changed"


def undo_note(inv: RemnantFile) -> str:
    """The info line of a run that undoes the draw of the folder it replaces."""
    rec = inv.undone
    if rec is None:
        return ""
    return (f"{shown_folder(rec.folder)} was cut from {inv.path} before: its draw"
            f" ({rec.describe()}) is undone first")


def check_replaced(inv: RemnantFile, outdir: Path, force: bool) -> None:
    """Refuse a run whose inventory was read for another output folder than the one it
    writes: an undone draw written elsewhere leaves the folder that made it beside an
    inventory without it, and a folder replaced without its draw undone spends its remnants
    twice (load_job's `replacing` is the folder a --force run replaces)."""
    out = Path(outdir).resolve()
    if inv.undone is not None and (not force or out != inv.replacing):
        raise InputError(f"the inventory was read undoing the draw of"
                         f" {shown_folder(inv.undone.folder)}: the job must replace that"
                         " folder (--force), nothing was written", outdir)
    if force and inv.replacing != out:
        rec = read_draw(Path(outdir), inv.path)
        if rec is not None and draw_state(rec, inv.path) != "restored":
            raise InputError(f"holds a draw on the inventory {inv.path} ({rec.describe()}):"
                             " read the job for replacing it (load_job(..., replacing=...))"
                             " so that draw is undone first; nothing was written", outdir)
