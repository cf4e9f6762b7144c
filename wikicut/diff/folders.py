"""Two output folders compared: their sheets, programs, report.json keys and files, in one
FolderDiff."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, WikicutError
from ..io.profiles import load_profile, profile_named, resolve_profile_path
from ..io.report import checked_report
from ..io.shipped import is_shipped_name
from .files import explain_files, file_changes
from .programs import FolderPrograms, pair_programs, program_diff, program_files
from .report_keys import report_changes
from .result import FolderDiff
from .sheets import sheet_diff, where_parts_went


def _profile(report: dict, folder: Path):
    """The profile a folder's programs were written with (None: it was written without
    them): the one its job ran with, `settings.profile_ref` (a shipped profile's name, or a
    file's path from the job's folder), never another of the same display name; refused
    when that file is gone or no longer says what the report records."""
    st = report.get("settings", {})
    if not st.get("profile"):
        return None
    rep = folder / "report.json"
    ref = st.get("profile_ref")
    if not ref:  # `wikicut gcode` records only the profile's name
        try:
            prof = profile_named(st["profile"], folder)
        except WikicutError as exc:
            raise InputError(f"cannot read its programs: {exc}", folder) from None
    else:
        prof = _profile_file(ref, folder)
    said = [("name", prof.name, st["profile"])]
    for key, now in (("z_zero", prof.z_zero), ("work_offset", prof.work_offset or None),
                     ("holddown", prof.holddown.mode)):
        if key in st:  # written with the programs
            said.append((key, now, st[key]))
    for key, now, was in said:
        if now != was:
            what = (f"the job's machine profile {prof.source} has changed since the job ran"
                    if ref else f"the profile found by its name, {prof.source}, is not the"
                    " one the job ran with (the report names no file: settings.profile_ref)")
            raise InputError(f"cannot read its programs: {what} (its {key} is {_quoted(now)},"
                             f" settings.{'profile' if key == 'name' else key}"
                             f" {_quoted(was)})", rep)
    return prof.with_tool(st.get("tool_diameter"))


def _quoted(v) -> str:
    return "none" if v is None else f"'{v}'"


def _profile_file(ref: str, folder: Path):
    """The profile `settings.profile_ref` names: a shipped one, or a file from the job's
    folder, which the report does not record: looked for from here, then beside the output
    folder (where a job usually writes it), as `wikicut recut` does."""
    rep = folder / "report.json"
    if is_shipped_name(ref):
        found = ref
    else:
        found = next((p for p in (resolve_profile_path(ref),
                                  resolve_profile_path(ref, folder.resolve().parent))
                      if p.is_file()), None)
        if found is None:
            raise InputError(f"cannot read its programs: the job's machine profile '{ref}'"
                             " (settings.profile_ref, a path from the job's folder) is"
                             " neither here nor beside the output folder: run diff from"
                             " the job's folder", rep)
    try:
        return load_profile(found)
    except WikicutError as exc:
        raise InputError(f"cannot read its programs: the job's machine profile '{ref}'"
                         f" (settings.profile_ref) no longer loads: {exc}", rep) from None


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
