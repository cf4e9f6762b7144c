"""Every file of the two folders compared byte for byte: the first line that differs, where
that is in a DXF, and which differences the sheet, program and report comparisons account
for."""

from __future__ import annotations

from pathlib import Path

from .result import FolderDiff


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def file_changes(folders: tuple[Path, Path]) -> list[dict]:
    """Every file of the two folders that is not the same bytes in both, by its name
    relative to its folder (sorted): added, removed, or changed at which lines."""
    names = [{p.relative_to(f).as_posix() for p in f.rglob("*") if p.is_file()}
             for f in folders]
    out = []
    for name in sorted(names[0] | names[1]):
        if name not in names[0] or name not in names[1]:
            out.append({"file": name, "change": "added" if name in names[1] else "removed",
                        "explained": False, "lines": None, "line": None, "old": None,
                        "new": None, "where": None})
            continue
        a, b = ((f / name).read_bytes() for f in folders)
        if a == b:
            continue
        la, lb = _lines(a), _lines(b)
        differ = [k for k, (x, y) in enumerate(zip(la, lb)) if x != y]
        first = differ[0] if differ else min(len(la), len(lb))
        out.append({"file": name, "change": "changed", "explained": False,
                    "lines": len(differ) + abs(len(la) - len(lb)) or 1, "line": first + 1,
                    **_around(la[first] if first < len(la) else None,
                              lb[first] if first < len(lb) else None),
                    "where": _dxf_where(la, first) if name.lower().endswith(".dxf") else None})
    return out


LINE_CHARS = 120  # of a long line, this much is kept: the part round the first difference


def _around(a: str | None, b: str | None) -> dict:
    """The first differing line of each file ("old", "new"), a long one cut to LINE_CHARS
    round its first differing character (marked "..." where cut): cut from its start, two
    lines that differ only further on read the same (an SVG legend's "Sheet 1 of 122" and
    "of 119" at character 140)."""
    if a is None or b is None:
        return {"old": None if a is None else a[:LINE_CHARS],
                "new": None if b is None else b[:LINE_CHARS]}
    col = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, col - LINE_CHARS // 3) if max(len(a), len(b)) > LINE_CHARS else 0

    def cut(s: str) -> str:
        out = s[start:start + LINE_CHARS]
        return ("..." if start else "") + out + ("..." if start + LINE_CHARS < len(s) else "")

    return {"old": cut(a), "new": cut(b)}


def _dxf_where(lines: list[str], k: int) -> str | None:
    """Where line k (0-based) of a DXF is: the group code it holds a value of, the entity
    and its layer ("group 10 of a LWPOLYLINE on layer OUTSIDE_CUT")."""
    start = k - (k % 2)  # a DXF is code/value line pairs
    code = lines[start].strip() if start < len(lines) else "?"
    kind = layer = None
    j = start
    while j >= 0:  # back to the group 0 that opens the entity (9: a header variable)
        if lines[j].strip() == "9" and j + 1 < len(lines):
            return f"group {code} of header variable {lines[j + 1].strip()}"
        if lines[j].strip() == "0" and j + 1 < len(lines):
            kind = lines[j + 1].strip()
            break
        j -= 2
    if j >= 0:
        for i in range(j + 2, min(len(lines) - 1, j + 200), 2):
            if lines[i].strip() == "0":
                break
            if lines[i].strip() == "8":
                layer = lines[i + 1].strip()
                break
    if kind is None:
        return f"group {code}"
    return f"group {code} of a {kind}" + (f" on layer {layer}" if layer else "")


def explain_files(files: list[dict], d: FolderDiff, reps: list[dict]) -> None:
    """Mark the files whose difference the changes found account for: a changed sheet's
    DXF, SVG and programs, a changed program, report.json, parts.csv and index.html when the
    report says something changed."""
    known: set[str] = set()
    for p in d.programs:
        if p.changed:
            known |= {p.old, p.new} - {None}
    by_index = [{s["index"]: s for s in r.get("sheets", [])} for r in reps]
    for s in d.per_sheet:
        if s.changed:
            for sh in (by_index[0].get(s.index), by_index[1].get(s.index)):
                known |= {Path(str(sh.get(k))).name for k in ("file_dxf", "file_svg")
                          if sh and sh.get(k)}
    if reps[0] != reps[1]:
        known |= {"report.json", "parts.csv", "index.html"}
    if any(p.changed for p in d.programs):
        known.add("index.html")  # the job sheet lists the programs (and draws toolpaths)
    for f in files:
        f["explained"] = f["file"] in known
