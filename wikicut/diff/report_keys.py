"""Every key of report.json that the sheet, part and program comparisons do not already
judge, found by walking both reports at once: the records of a list (sheets, parts...) are
matched by what names them, not by their place in it."""

from __future__ import annotations

import re

from .result import SheetDiff

_GONE = object()  # a key one report lacks
_KEYS = ("index", "id", "file", "name", "label")  # what tells records apart, in that order
PART_PLACE = ("x", "y", "rotation", "bbox", "mirrored")  # judged as moved or resized


def _keyed(items: list) -> str | None:
    """The key naming each record of a list of records (sheets by index, parts by id...),
    or None for a plain list (compared as a whole value)."""
    if not items or not all(isinstance(v, dict) for v in items):
        return None
    for k in _KEYS:
        vals = [v.get(k) for v in items]
        if all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in vals) \
                and len(set(vals)) == len(vals):
            return k
    return None


def _walk(a, b, path: str, out: list[dict], skip) -> None:
    if skip(path, a, b) or a == b and type(a) is type(b):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys()):
            _walk(a.get(k, _GONE), b.get(k, _GONE), f"{path}.{k}" if path else k, out, skip)
        return
    key = None
    if isinstance(a, list) and isinstance(b, list):  # an empty list takes the other's key
        key = (_keyed(a) if _keyed(a) == _keyed(b) else None) if a and b else _keyed(a or b)
    if key is not None:
        ka = [v[key] for v in a]
        kb = [v[key] for v in b]
        both = set(ka) & set(kb)
        if [k for k in ka if k in both] != [k for k in kb if k in both]:
            out.append({"key": f"{path} (order)", "old": [k for k in ka if k in both],
                        "new": [k for k in kb if k in both]})
        ra, rb = dict(zip(ka, a)), dict(zip(kb, b))
        for k in ka + [k for k in kb if k not in ra]:
            _walk(ra.get(k, _GONE), rb.get(k, _GONE), f"{path}[{k}]", out, skip)
        return
    change = {"key": path, "old": None if a is _GONE else a, "new": None if b is _GONE else b}
    if a is _GONE or b is _GONE:  # not null: settings keys a command did not write
        change["absent"] = "old" if a is _GONE else "new"
    out.append(change)


def report_changes(reps: list[dict], per_sheet: list[SheetDiff]) -> list[dict]:
    """report.json's keys that differ and that the sheet, part and program comparisons do
    not already judge: settings, utilisation, offcuts, screws, labels, the parts table..."""
    sheets = {s.index: s for s in per_sheet}
    judged = {"totals.sheets", "totals.est_seconds", "totals.cut_length_m"}
    placed = re.compile(r"sheets\[(\d+)\]\.parts\[(.+)\]\.(\w+)$")
    sheet_key = re.compile(r"sheets\[(\d+)\](?:\.(toolpath\.est_seconds|"
                           r"toolpath\.cut_length_m|file_program|programs.*))?$")
    part = re.compile(r"sheets\[(\d+)\]\.parts\[([^\]]+)\]$")

    def skip(path: str, a, b) -> bool:
        if path in judged or (path.startswith("unplaced[") and (a is _GONE or b is _GONE)):
            return True
        if m := sheet_key.match(path):  # a sheet added or removed, its programs' figures
            return m.group(2) is not None or a is _GONE or b is _GONE
        if m := part.match(path):  # a part added to or removed from the sheet
            return a is _GONE or b is _GONE
        if m := placed.match(path):  # a part's place, where the diff says it moved
            s = sheets.get(int(m.group(1)))
            ids = {d["id"] for d in (s.moved + s.resized)} if s else set()
            return m.group(3) in PART_PLACE and m.group(2) in ids
        return False

    out: list[dict] = []
    _walk(reps[0], reps[1], "", out, skip)
    return out
