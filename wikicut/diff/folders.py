"""Two output folders compared: their sheets, programs, report.json keys and files, in one
FolderDiff."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, WikicutError
from ..io.profiles import profile_named
from ..io.report import checked_report
from .files import explain_files, file_changes
from .programs import FolderPrograms, pair_programs, program_diff, program_files
from .report_keys import report_changes
from .result import FolderDiff
from .sheets import sheet_diff, where_parts_went


def _profile(report: dict, folder: Path):
    """The profile a folder's programs are read with (None: it was written without them)."""
    st = report.get("settings", {})
    if not st.get("profile"):
        return None
    try:
        return profile_named(st["profile"], folder).with_tool(st.get("tool_diameter"))
    except WikicutError as exc:
        raise InputError(f"cannot read its programs: {exc}", folder) from None


def diff_folders(old: Path, new: Path) -> FolderDiff:
    """Compare two wikicut output folders (bad input: InputError, a program file the report
    names and the folder lacks among them)."""
    folders = (Path(old), Path(new))
    for f in folders:
        if not f.is_dir():
            raise InputError("not a folder", f)
    reps = [checked_report(f) for f in folders]
    profiles = [_profile(r, f) for r, f in zip(reps, folders)]
    by_index = [{s["index"]: s for s in r.get("sheets", [])} for r in reps]
    indices = sorted(by_index[0].keys() | by_index[1].keys())
    per_sheet = []
    programs = []
    readers = tuple(FolderPrograms(f, p) for f, p in zip(folders, profiles))
    for k in indices:
        sheets = (by_index[0].get(k), by_index[1].get(k))
        s = sheet_diff(k, *sheets)
        files = [program_files(sh) for sh in sheets]
        s.programs = ([p["file"] for p in files[0]], [p["file"] for p in files[1]])
        tp = [(sh or {}).get("toolpath") or {} for sh in sheets]
        s.est_seconds = (tp[0].get("est_seconds"), tp[1].get("est_seconds"))
        s.cut_length_m = (tp[0].get("cut_length_m"), tp[1].get("cut_length_m"))
        per_sheet.append(s)
        if any(profiles):
            # a folder written without programs (--no-gcode) beside one with them: its
            # sheets run none, and every program of the other is a difference, not "the
            # same moves"
            files = [f if prof else [] for f, prof in zip(files, profiles)]
            programs += [program_diff(k, pair, readers) for pair in pair_programs(*files)]
    where_parts_went(per_sheet, reps)
    tots = [r.get("totals", {}) for r in reps]
    d = FolderDiff(str(old), str(new), (len(by_index[0]), len(by_index[1])),
                   (tots[0].get("est_seconds"), tots[1].get("est_seconds")),
                   (tots[0].get("cut_length_m"), tots[1].get("cut_length_m")),
                   ([u["id"] for u in reps[0].get("unplaced", [])],
                    [u["id"] for u in reps[1].get("unplaced", [])]),
                   per_sheet, programs)
    d.report = report_changes(reps, per_sheet)
    d.files = file_changes(folders)
    explain_files(d.files, d, reps)
    return d
