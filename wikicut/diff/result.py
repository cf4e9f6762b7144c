"""What a comparison of two output folders finds: each sheet's, each program file's and
the folders' differences, each able to say whether anything changed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class SheetDiff:
    index: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)  # id, dx, dy, distance, rotation old/new
    resized: list[dict] = field(default_factory=list)  # id, size [[w, h] old, [w, h] new]
    status: str = "both"  # "added" or "removed": the sheet is in one folder only
    left_job: list[str] = field(default_factory=list)  # removed, and in no sheet nor unplaced
    new_in_job: list[str] = field(default_factory=list)  # added, and not in the old job at all
    programs: tuple[list[str], list[str]] = ([], [])  # the sheet's program files, run order
    est_seconds: tuple[float | None, float | None] = (None, None)  # the sheet's, all files
    cut_length_m: tuple[float | None, float | None] = (None, None)

    @property
    def changed(self) -> bool:
        return bool(self.status != "both" or self.added or self.removed or self.moved
                    or self.resized)


@dataclass
class ProgramDiff:
    sheet: int
    old: str | None
    new: str | None
    cut_length_m: tuple[float | None, float | None] = (None, None)
    est_seconds: tuple[float | None, float | None] = (None, None)
    deepest_mm: tuple[float | None, float | None] = (None, None)
    tools: tuple[list[int], list[int]] = ([], [])
    first_difference: dict | None = None  # old_line, new_line, old, new (moves)

    @property
    def changed(self) -> bool:
        return (self.old != self.new or self.first_difference is not None
                or any(a != b for a, b in (self.cut_length_m, self.est_seconds,
                                           self.deepest_mm, self.tools)))


@dataclass
class FolderDiff:
    old: str
    new: str
    sheets: tuple[int, int]
    est_seconds: tuple[float | None, float | None]
    cut_length_m: tuple[float | None, float | None]
    unplaced: tuple[list[str], list[str]]
    per_sheet: list[SheetDiff]
    programs: list[ProgramDiff]  # every program file of every sheet, in sheet and run order
    # report.json keys the above do not judge: {key, old, new}, and absent ("old" or
    # "new") when one report lacks the key (its value is then given as null)
    report: list[dict] = field(default_factory=list)
    # every file that differs, by name: {file, change (added|removed|changed), explained
    # (the changes above account for it), lines (changed lines), line, old, new (the first)}
    files: list[dict] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return (self.sheets[0] == self.sheets[1] and self.unplaced[0] == self.unplaced[1]
                and not any(s.changed for s in self.per_sheet)
                and not any(p.changed for p in self.programs)
                and not self.report and not self.files)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["equal"] = self.equal
        return out
