"""Two output folders compared the way CI needs: what changed on the sheets and in the
programs, not a text diff of G-code.

Per sheet (by index): the sheet added or removed, parts added, removed (to another sheet, left
unplaced, or no longer in the job), moved (their box's lower-left corner, by how much, turned
by how much) and resized, from report.json. Per program file of each sheet (a sheet cut with
several tools has one per tool, `sheets[].programs`; every one is compared): cut length and
estimated time, deepest cut, tools and the first move that differs, read back through the
verifier's simulator (comments and headers do not count). Then everything else, for CI: every
key of report.json those do not already judge (`report`), and every file of the folders, byte
for byte (`files`: a DXF, an SVG, parts.csv, a comment in a program, a file added or removed).
`equal` only when the folders hold the same files with the same bytes.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path

from .errors import InputError, WikicutError
from .io.profiles import profile_named
from .io.report import checked_report
from .verify import program_tools, read_program

__all__ = ["FolderDiff", "ProgramDiff", "SheetDiff", "diff_folders", "diff_html", "diff_text"]

MOVE_TOL = 0.001  # mm: report.json keeps 3 decimals
SIZE_TOL = 0.01  # mm: a part's box this much larger or smaller is the same size
SVG_NS = "{http://www.w3.org/2000/svg}"


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
    # report.json keys the above do not judge: {key, old, new} (old/new null: not there)
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


def _corner_and_size(p: dict) -> tuple[float, float, float, float]:
    """A placed part's box: lower-left corner and size (x, y and nothing else in reports
    without one). A part turned 180 degrees keeps its box where x, y move with its length."""
    b = p.get("bbox")
    if not b:
        return p["x"], p["y"], 0.0, 0.0
    return b[0], b[1], b[2] - b[0], b[3] - b[1]


def _sheet_diff(index: int, old: dict | None, new: dict | None) -> SheetDiff:
    a = {p["id"]: p for p in (old or {}).get("parts", [])}
    b = {p["id"]: p for p in (new or {}).get("parts", [])}
    d = SheetDiff(index, added=[k for k in b if k not in a], removed=[k for k in a if k not in b],
                  status="both" if old and new else "added" if new else "removed")
    for k in a.keys() & b.keys():
        pa, pb = a[k], b[k]
        (xa, ya, wa, ha), (xb, yb, wb, hb) = _corner_and_size(pa), _corner_and_size(pb)
        dx, dy = xb - xa, yb - ya
        flips = [pa.get("mirrored", False), pb.get("mirrored", False)]
        if (abs(dx) > MOVE_TOL or abs(dy) > MOVE_TOL or pa["rotation"] != pb["rotation"]
                or flips[0] != flips[1]):
            d.moved.append({"id": k, "dx": round(dx, 3), "dy": round(dy, 3),
                            "distance": round(math.hypot(dx, dy), 3),
                            "rotation": [pa["rotation"], pb["rotation"]],
                            # only where it changed (a part turned face down or up)
                            **({"mirrored": flips} if flips[0] != flips[1] else {})})
        turn = (pb["rotation"] - pa["rotation"]) % 180
        if turn in (0, 90):  # a quarter turn swaps the box's sides; other angles: unknown
            size = (wb, hb) if turn == 0 else (hb, wb)
            if abs(size[0] - wa) > SIZE_TOL or abs(size[1] - ha) > SIZE_TOL:
                d.resized.append({"id": k, "size": [[round(wa, 3), round(ha, 3)],
                                                    [round(wb, 3), round(hb, 3)]]})
    d.moved.sort(key=lambda m: (-m["distance"], m["id"]))
    d.resized.sort(key=lambda m: m["id"])
    return d


_TOOL = re.compile(r"(?<![A-Z])T\s*(\d+)")


def _tools(text: str, profile) -> list[int]:
    """The tools a program calls for, in order: the tools its header lists (a wikicut
    program's, GRBL ones included, which have no T words), else its T words."""
    listed = list(program_tools(text, profile))
    if listed:
        return listed
    out: list[int] = []
    for line in text.splitlines():
        line = re.sub(r"\(.*?\)|;.*|'.*", "", line).upper()
        for t in _TOOL.findall(line):
            if not out or out[-1] != int(t):
                out.append(int(t))
    return out


def _files(sheet: dict | None) -> list[dict]:
    """A sheet's program files in the order they run: file, tools (None: read them from the
    program), est_seconds and cut_length_m (None: measure it from the program's moves)."""
    if not sheet:
        return []
    tp = sheet.get("toolpath") or {}
    listed = sheet.get("programs") or []
    if len(listed) > 1:  # one file per tool: the report times each, the moves give its cut
        return [{"file": p.get("file"), "tools": list(p.get("tools") or []) or None,
                 "est_seconds": p.get("est_seconds"), "cut_length_m": None} for p in listed]
    name = (listed[0].get("file") if listed else None) or sheet.get("file_program")
    if not name:
        return []
    tools = (listed[0].get("tools") if listed else None) or [
        t["number"] for t in sheet.get("tools") or []]
    return [{"file": name, "tools": list(tools) or None, "est_seconds": tp.get("est_seconds"),
             "cut_length_m": tp.get("cut_length_m")}]


def _pair(old: list[dict], new: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """A sheet's old and new program files side by side: by their tools where those tell
    them apart (the T7 file with the T7 file), the rest in run order."""
    def key(p):
        return tuple(p["tools"] or ())

    ka, kb = Counter(map(key, old)), Counter(map(key, new))
    match: dict[int, int] = {}
    for i, p in enumerate(old):
        if key(p) and ka[key(p)] == 1 and kb[key(p)] == 1:
            match[i] = next(j for j, q in enumerate(new) if key(q) == key(p))
    rest = [j for j in range(len(new)) if j not in match.values()]
    for i, j in zip([i for i in range(len(old)) if i not in match], rest):
        match[i] = j
    pairs = [(old[i], new[match[i]] if i in match else None) for i in range(len(old))]
    pairs += [(None, new[j]) for j in range(len(new)) if j not in match.values()]
    # in the new run order, files no longer run where they were
    place = {id(q): j for j, q in enumerate(new)} | {id(q): i - 0.5 for i, q in enumerate(old)}
    return sorted(pairs, key=lambda ab: place[id(ab[1] if ab[1] is not None else ab[0])])


class _Programs:
    """The program files of one folder, each read and simulated once (a program cut on many
    sheets is compared for each of them)."""

    def __init__(self, folder: Path, profile):
        self.folder, self.profile, self.cache = folder, profile, {}

    def read(self, name: str) -> tuple[str, list]:
        if name not in self.cache:
            path = self.folder / Path(name).name  # never outside the folder
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                raise InputError("program missing or unreadable", path) from None
            moves, bad = read_program(text, self.profile)
            if bad:
                raise InputError(f"line {bad[0].line}: {bad[0].message}", path)
            self.cache[name] = (text, moves)
        return self.cache[name]


def _same(a, b) -> bool:
    """The same move: kind, ends, feed rate (a feed move's), spindle, tool and speed."""
    return (a.kind == b.kind and all(abs(p - q) <= MOVE_TOL
                                     for p, q in zip(a.end + a.start, b.end + b.start))
            and (a.kind != "feed" or abs(a.feed - b.feed) <= MOVE_TOL)
            and (a.spindle, a.tool, a.rpm) == (b.spindle, b.tool, b.rpm))


def _move_text(m, other=None) -> str:
    """A move as one line; its tool, speed and spindle too where they differ from `other`."""
    x, y, z = m.end
    out = f"{m.kind} to X{x:.3f} Y{y:.3f} Z{z:.3f}"
    if m.kind == "feed":
        out += f" F{m.feed:g}"
    if other is not None and m.tool != other.tool:
        out += f" tool T{m.tool}"
    if other is not None and m.rpm != other.rpm:
        out += f" S{m.rpm:g}"
    if other is not None and m.spindle != other.spindle:
        out += " spindle on" if m.spindle else " spindle off"
    return out


def _program_diff(index: int, pair: tuple[dict | None, dict | None],
                  readers: tuple[_Programs, _Programs]) -> ProgramDiff:
    figures = []
    for p, r in zip(pair, readers):
        if p is None:
            figures.append((None, None, None, [], []))
            continue
        text, moves = r.read(p["file"])
        cut = p["cut_length_m"]
        if cut is None:
            cut = round(sum(math.dist(m.start, m.end) for m in moves if m.kind == "feed")
                        / 1000, 2)
        deep = round(-min((m.end[2] for m in moves if m.kind == "feed"), default=0.0), 3)
        figures.append((cut, p["est_seconds"], deep, p["tools"] or _tools(text, r.profile),
                        moves))
    (ca, ea, da, ta, ma), (cb, eb, db, tb, mb) = figures
    d = ProgramDiff(index, pair[0] and pair[0]["file"], pair[1] and pair[1]["file"],
                    cut_length_m=(ca, cb), est_seconds=(ea, eb), deepest_mm=(da, db),
                    tools=(ta, tb))
    for k in range(max(len(ma), len(mb))):
        a = ma[k] if k < len(ma) else None
        b = mb[k] if k < len(mb) else None
        if a is None or b is None or not _same(a, b):
            d.first_difference = {"move": k + 1, "old_line": a.line if a else None,
                                  "new_line": b.line if b else None,
                                  "old": _move_text(a, b) if a else "(end)",
                                  "new": _move_text(b, a) if b else "(end)"}
            break
    return d


def _profile(report: dict, folder: Path):
    st = report.get("settings", {})
    if not st.get("profile"):
        return None
    try:
        return profile_named(st["profile"], folder).with_tool(st.get("tool_diameter"))
    except WikicutError as exc:
        raise InputError(f"cannot read its programs: {exc}", folder) from None


def _where_parts_went(per_sheet: list[SheetDiff], reps: list[dict]) -> None:
    """Mark the parts removed from the job altogether and those new to it (distinct from
    parts moved to another sheet or left unplaced)."""
    jobs = [{p["id"] for s in r.get("sheets", []) for p in s.get("parts", [])}
            | {u["id"] for u in r.get("unplaced", [])} for r in reps]
    for s in per_sheet:
        s.left_job = [k for k in s.removed if k not in jobs[1]]
        s.new_in_job = [k for k in s.added if k not in jobs[0]]


_GONE = object()  # a key one report lacks
_KEYS = ("index", "id", "file", "name")  # what tells a list's records apart, in that order
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
    out.append({"key": path, "old": None if a is _GONE else a,
                "new": None if b is _GONE else b})


def _report_changes(reps: list[dict], per_sheet: list[SheetDiff]) -> list[dict]:
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


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def _file_changes(folders: tuple[Path, Path]) -> list[dict]:
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
                    "old": la[first][:120] if first < len(la) else None,
                    "new": lb[first][:120] if first < len(lb) else None,
                    "where": _dxf_where(la, first) if name.lower().endswith(".dxf") else None})
    return out


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


def _explain(files: list[dict], d: FolderDiff, reps: list[dict]) -> None:
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
    readers = tuple(_Programs(f, p) for f, p in zip(folders, profiles))
    for k in indices:
        sheets = (by_index[0].get(k), by_index[1].get(k))
        s = _sheet_diff(k, *sheets)
        files = [_files(sh) for sh in sheets]
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
            programs += [_program_diff(k, pair, readers) for pair in _pair(*files)]
    _where_parts_went(per_sheet, reps)
    tots = [r.get("totals", {}) for r in reps]
    d = FolderDiff(str(old), str(new), (len(by_index[0]), len(by_index[1])),
                   (tots[0].get("est_seconds"), tots[1].get("est_seconds")),
                   (tots[0].get("cut_length_m"), tots[1].get("cut_length_m")),
                   ([u["id"] for u in reps[0].get("unplaced", [])],
                    [u["id"] for u in reps[1].get("unplaced", [])]),
                   per_sheet, programs)
    d.report = _report_changes(reps, per_sheet)
    d.files = _file_changes(folders)
    _explain(d.files, d, reps)
    return d


def _value(v, unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
    return "none" if v is None else f"{v * scale:.{digits}f}{unit}"


def _change(pair, unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
    a, b = pair
    if a is None or b is None:
        return f"{_value(a, unit, scale, digits)} -> {_value(b, unit, scale, digits)}"
    a, b = a * scale, b * scale
    return f"{a:.{digits}f}{unit} -> {b:.{digits}f}{unit} ({b - a:+.{digits}f}{unit})"


def _figures(seconds, metres) -> str:
    return f"{_value(seconds, ' min', 1 / 60)}, {_value(metres, ' m', digits=2)}"


def _its(progs: list[ProgramDiff], side: int) -> str:
    """" (its program sheet-007.nc: 34.8 min, 79.24 m)" of a sheet only one folder has."""
    got = [(p.new if side else p.old, p.est_seconds[side], p.cut_length_m[side])
           for p in progs if (p.new if side else p.old)]
    if not got:
        return ""
    return (f" (its program{'s' if len(got) > 1 else ''} "
            + "; ".join(f"{f}: {_figures(t, c)}" for f, t, c in got) + ")")


def _mm(v: float) -> str:
    return f"{round(v, 1):g}"


def _program_lines(p: ProgramDiff) -> list[str]:
    if p.new is None:
        return [f"  program {p.old} no longer run"
                f" (was {_figures(p.est_seconds[0], p.cut_length_m[0])})"]
    if p.old is None:
        return [f"  program {p.new} added ({_figures(p.est_seconds[1], p.cut_length_m[1])}"
                f", deepest {_value(p.deepest_mm[1], ' mm', digits=2)}, tools {p.tools[1]})"]
    name = p.new if p.old == p.new else f"{p.old} -> {p.new}"
    out = [f"  program {name}: time {_change(p.est_seconds, ' min', 1 / 60)}"
           f", cut {_change(p.cut_length_m, ' m', digits=2)}, deepest "
           f"{_change(p.deepest_mm, ' mm', digits=2)}, tools {p.tools[0]} -> {p.tools[1]}"]
    f = p.first_difference
    if f:
        out.append(f"  first differing move #{f['move']}: line {f['old_line']} "
                   f"{f['old']} | line {f['new_line']} {f['new']}")
    return out


def _part_lines(s: SheetDiff, was: dict, now: dict, unplaced: list[set[str]]) -> list[str]:
    """A sheet's parts moved, resized, added (from where) and removed (to where)."""
    out = []
    for m in s.moved:
        turn = (f", turned {m['rotation'][0]:g} -> {m['rotation'][1]:g} deg"
                if m["rotation"][0] != m["rotation"][1] else "")
        flip = ("" if "mirrored" not in m else ", now cut face down" if m["mirrored"][1]
                else ", now cut face up")
        out.append(f"  moved {m['id']} by {m['distance']:.1f} mm (dx {m['dx']:+.1f}, "
                   f"dy {m['dy']:+.1f}){turn}{flip}")
    for r in s.resized:
        (wa, ha), (wb, hb) = r["size"]
        out.append(f"  {r['id']} resized {_mm(wa)} x {_mm(ha)} -> {_mm(wb)} x {_mm(hb)}")
    for k in s.added:
        out.append(f"  {k} new in the job" if k in s.new_in_job else f"  added {k}" + (
            f" (from sheet {was[k]})" if k in was
            else " (was unplaced)" if k in unplaced[0] else ""))
    for k in s.removed:
        out.append(f"  {k} no longer in the job" if k in s.left_job else f"  removed {k}" + (
            f" (to sheet {now[k]})" if k in now
            else " (now unplaced)" if k in unplaced[1] else ""))
    return out


def diff_text(d: FolderDiff) -> str:
    """The differences, one line each (empty when equal)."""
    if d.equal:
        return ""
    out = [f"sheets: {d.sheets[0]} -> {d.sheets[1]}"] if d.sheets[0] != d.sheets[1] else []
    if d.est_seconds[0] != d.est_seconds[1]:
        out.append("estimated cutting time: " + _change(d.est_seconds, " min", 1 / 60))
    if d.cut_length_m[0] != d.cut_length_m[1]:
        out.append("cut length: " + _change(d.cut_length_m, " m", digits=2))
    if d.unplaced[0] != d.unplaced[1]:
        out.append(f"unplaced: {', '.join(d.unplaced[0]) or 'none'} -> "
                   f"{', '.join(d.unplaced[1]) or 'none'}")
    progs: dict[int, list[ProgramDiff]] = {}
    for p in d.programs:
        progs.setdefault(p.sheet, []).append(p)
    was = {k: s.index for s in d.per_sheet for k in s.removed}  # which sheet a part left
    now = {k: s.index for s in d.per_sheet for k in s.added}
    unplaced = [set(u) for u in d.unplaced]
    for s in d.per_sheet:
        ps = progs.get(s.index, [])
        if not s.changed and not any(p.changed for p in ps):
            continue
        if s.status == "removed":
            out.append(f"sheet {s.index} removed{_its(ps, 0)}")
        elif s.status == "added":
            out.append(f"sheet {s.index} added{_its(ps, 1)}")
        else:
            out.append(f"sheet {s.index}: {len(s.moved)} moved, "
                       + (f"{len(s.resized)} resized, " if s.resized else "")
                       + f"{len(s.added)} added, {len(s.removed)} removed")
        out += _part_lines(s, was, now, unplaced)
        if s.status != "both":
            continue
        several = max(len(s.programs[0]), len(s.programs[1])) > 1
        if several and (s.est_seconds[0] != s.est_seconds[1]
                        or s.cut_length_m[0] != s.cut_length_m[1]):
            out.append(f"  all its programs: time {_change(s.est_seconds, ' min', 1 / 60)}"
                       f", cut {_change(s.cut_length_m, ' m', digits=2)}")
        for p in ps:
            if p.changed:
                out += _program_lines(p)
    out += _report_lines(d.report) + _file_lines(d.files)
    return "\n".join(out) + "\n"


REPORT_LINES = 20  # report.json keys named one a line; the rest counted


def _json_value(v) -> str:
    if v is None:
        return "(none)"
    text = json.dumps(v, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _report_lines(changes: list[dict]) -> list[str]:
    out = [f"report.json {c['key']}: {_json_value(c['old'])} -> {_json_value(c['new'])}"
           for c in changes[:REPORT_LINES]]
    if len(changes) > REPORT_LINES:
        out.append(f"report.json: and {len(changes) - REPORT_LINES} more keys changed"
                   " (--json lists them all)")
    return out


def _quote(line: str | None) -> str:
    if line is None:
        return "(end of file)"
    return json.dumps(line if len(line) <= 60 else line[:57] + "...", ensure_ascii=False)


def _file_lines(files: list[dict]) -> list[str]:
    """A line for each file whose difference nothing above accounts for; one line naming
    the files that changed with the changes above."""
    out = []
    for f in files:
        if f["explained"]:
            continue
        if f["change"] != "changed":
            out.append(f"file {f['file']} {f['change']}")
        else:
            n = f["lines"]
            out.append(f"file {f['file']} changed: {n} line{'s' if n != 1 else ''} differ"
                       f"{'s' if n == 1 else ''}, first line {f['line']}"
                       + (f" ({f['where']})" if f.get("where") else "") + ": "
                       f"{_quote(f['old'])} -> {_quote(f['new'])}")
    also = [f["file"] for f in files if f["explained"]]
    if also:
        out.append(f"files changed with them: {', '.join(also[:8])}"
                   + (f" and {len(also) - 8} more" if len(also) > 8 else ""))
    return out


def _outlines(folder: Path, sheet: dict | None) -> tuple[list[tuple[str, str]], str | None]:
    """(part id, outline path) of a sheet's SVG, and its sheet rectangle's size."""
    if not sheet:
        return [], None
    path = folder / Path(str(sheet.get("file_svg", ""))).name
    try:
        root = ET.fromstring(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ET.ParseError):
        raise InputError("sheet preview missing or unreadable", path) from None
    out = []
    for g in root.iter(f"{SVG_NS}g"):
        if g.get("class") == "part":
            o = next((e for e in g.iter(f"{SVG_NS}path") if e.get("class") == "outline"), None)
            if o is not None:
                out.append((g.get("data-part", ""), o.get("d", "")))
    rect = next((e for e in root.iter(f"{SVG_NS}rect") if e.get("class") == "sheet"), None)
    size = f"0 0 {rect.get('width')} {rect.get('height')}" if rect is not None else None
    return out, size


def diff_html(d: FolderDiff) -> str:
    """A page with both layouts of every sheet overlaid (old red dashed, new blue; moved
    parts highlighted) and the text of the differences."""
    folders = (Path(d.old), Path(d.new))
    reps = [checked_report(f) for f in folders]
    by_index = [{s["index"]: s for s in r.get("sheets", [])} for r in reps]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>wikicut diff: {escape(d.old)} -> {escape(d.new)}</title>",
           ("<style>body{font-family:sans-serif;margin:1em}svg{width:100%;height:auto;"
           "max-width:1400px;border:1px solid #999;background:#fbf6ec}"
           ".old{fill:#d04040;fill-opacity:.12;stroke:#c00;stroke-dasharray:8,5}"
           ".new{fill:#2060c0;fill-opacity:.12;stroke:#036}.moved{fill-opacity:.35}"
           "pre{background:#f4f4f4;padding:.5em}</style></head><body>"),
           f"<h1>{escape(d.old)} (red, dashed) &rarr; {escape(d.new)} (blue)</h1>",
           f"<p>{'equal' if d.equal else 'different'}</p>",
           f"<pre>{escape(diff_text(d))}</pre>"]
    for s in d.per_sheet:
        k = s.index
        old, box = _outlines(folders[0], by_index[0].get(k))
        new, box2 = _outlines(folders[1], by_index[1].get(k))
        moved = ({m["id"] for m in s.moved} | {r["id"] for r in s.resized} | set(s.added)
                 | set(s.removed))
        out.append(f"<h2>Sheet {k}{'' if s.status == 'both' else f' ({s.status})'}</h2>")
        out.append(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box or box2}" '
                   f'data-sheet="{k}" stroke-width="2">')
        for cls, parts in (("old", old), ("new", new)):
            for pid, path in parts:
                extra = " moved" if pid in moved else ""
                out.append(f'<path class="{cls}{extra}" data-part="{escape(pid, True)}" '
                           f'd="{escape(path, True)}" fill-rule="evenodd">'
                           f"<title>{escape(pid)} ({cls})</title></path>")
        out.append("</svg>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
