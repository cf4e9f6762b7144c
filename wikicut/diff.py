"""Two output folders compared the way CI needs: what changed on the sheets and in the
programs, not a text diff of G-code.

Per sheet (by index): parts added, removed, and moved (by how much, turned by how much), from
report.json. Per program: cut length and estimated time (the report's), deepest cut, tools and
the first move that differs, read back through the verifier's simulator (comments and headers
do not count). `equal` when nothing of that differs.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path

from .errors import InputError, WikicutError
from .io.profiles import profile_named
from .io.report import read_report
from .verify import read_program

__all__ = ["FolderDiff", "ProgramDiff", "SheetDiff", "diff_folders", "diff_html", "diff_text"]

MOVE_TOL = 0.001  # mm: report.json keeps 3 decimals
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass
class SheetDiff:
    index: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)  # id, dx, dy, distance, rotation old/new

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.moved)


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
    programs: list[ProgramDiff]

    @property
    def equal(self) -> bool:
        return (self.sheets[0] == self.sheets[1] and self.unplaced[0] == self.unplaced[1]
                and not any(s.changed for s in self.per_sheet)
                and not any(p.changed for p in self.programs))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["equal"] = self.equal
        return out


def _sheet_diff(index: int, old: dict | None, new: dict | None) -> SheetDiff:
    a = {p["id"]: p for p in (old or {}).get("parts", [])}
    b = {p["id"]: p for p in (new or {}).get("parts", [])}
    d = SheetDiff(index, added=[k for k in b if k not in a], removed=[k for k in a if k not in b])
    for k in a.keys() & b.keys():
        pa, pb = a[k], b[k]
        dx, dy = pb["x"] - pa["x"], pb["y"] - pa["y"]
        flips = [pa.get("mirrored", False), pb.get("mirrored", False)]
        if (abs(dx) > MOVE_TOL or abs(dy) > MOVE_TOL or pa["rotation"] != pb["rotation"]
                or flips[0] != flips[1]):
            d.moved.append({"id": k, "dx": round(dx, 3), "dy": round(dy, 3),
                            "distance": round(math.hypot(dx, dy), 3),
                            "rotation": [pa["rotation"], pb["rotation"]],
                            # only where it changed (a part turned face down or up)
                            **({"mirrored": flips} if flips[0] != flips[1] else {})})
    d.moved.sort(key=lambda m: (-m["distance"], m["id"]))
    return d


_TOOL = re.compile(r"(?<![A-Z])T\s*(\d+)")


def _tools(text: str) -> list[int]:
    """The tools a program calls for, in order (T words outside comments)."""
    out: list[int] = []
    for line in text.splitlines():
        line = re.sub(r"\(.*?\)|;.*|'.*", "", line).upper()
        for t in _TOOL.findall(line):
            if not out or out[-1] != int(t):
                out.append(int(t))
    return out


def _read(folder: Path, name: str | None, profile):
    """(text, moves) of a program file of the folder, or (None, []) when there is none."""
    if not name:
        return None, []
    path = folder / Path(name).name  # never outside the folder
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError("program missing or unreadable", path) from None
    moves, bad = read_program(text, profile)
    if bad:
        raise InputError(f"line {bad[0].line}: {bad[0].message}", path)
    return text, moves


def _same(a, b) -> bool:
    return a.kind == b.kind and all(abs(p - q) <= MOVE_TOL
                                    for p, q in zip(a.end + a.start, b.end + b.start))


def _move_text(m) -> str:
    x, y, z = m.end
    return f"{m.kind} to X{x:.3f} Y{y:.3f} Z{z:.3f}"


def _program_diff(index: int, folders: tuple[Path, Path], sheets: tuple[dict, dict],
                  profiles) -> ProgramDiff:
    names = [s.get("file_program") if s else None for s in sheets]
    read = [_read(f, n, p) for f, n, p in zip(folders, names, profiles)]
    tp = [(s or {}).get("toolpath") or {} for s in sheets]
    deep = [round(-min((m.end[2] for m in moves if m.kind == "feed"), default=0.0), 3)
            if text is not None else None for text, moves in read]
    d = ProgramDiff(index, names[0], names[1],
                    cut_length_m=(tp[0].get("cut_length_m"), tp[1].get("cut_length_m")),
                    est_seconds=(tp[0].get("est_seconds"), tp[1].get("est_seconds")),
                    deepest_mm=(deep[0], deep[1]),
                    tools=(_tools(read[0][0] or ""), _tools(read[1][0] or "")))
    (_, ma), (_, mb) = read
    for k in range(max(len(ma), len(mb))):
        a = ma[k] if k < len(ma) else None
        b = mb[k] if k < len(mb) else None
        if a is None or b is None or not _same(a, b):
            d.first_difference = {"move": k + 1, "old_line": a.line if a else None,
                                  "new_line": b.line if b else None,
                                  "old": _move_text(a) if a else "(end)",
                                  "new": _move_text(b) if b else "(end)"}
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


def diff_folders(old: Path, new: Path) -> FolderDiff:
    """Compare two wikicut output folders (bad input: InputError)."""
    folders = (Path(old), Path(new))
    for f in folders:
        if not f.is_dir():
            raise InputError("not a folder", f)
    reps = [read_report(f) for f in folders]
    profiles = [_profile(r, f) for r, f in zip(reps, folders)]
    by_index = [{s["index"]: s for s in r.get("sheets", [])} for r in reps]
    indices = sorted(by_index[0].keys() | by_index[1].keys())
    per_sheet = [_sheet_diff(k, by_index[0].get(k), by_index[1].get(k)) for k in indices]
    programs = []
    if all(profiles):
        programs = [_program_diff(k, folders, (by_index[0].get(k), by_index[1].get(k)),
                                  profiles) for k in indices]
    tots = [r.get("totals", {}) for r in reps]
    return FolderDiff(str(old), str(new), (len(by_index[0]), len(by_index[1])),
                      (tots[0].get("est_seconds"), tots[1].get("est_seconds")),
                      (tots[0].get("cut_length_m"), tots[1].get("cut_length_m")),
                      ([u["id"] for u in reps[0].get("unplaced", [])],
                       [u["id"] for u in reps[1].get("unplaced", [])]),
                      per_sheet, programs)


def _change(pair, unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
    a, b = pair
    if a is None or b is None:
        return f"{a} -> {b}"
    a, b = a * scale, b * scale
    return f"{a:.{digits}f}{unit} -> {b:.{digits}f}{unit} ({b - a:+.{digits}f}{unit})"


def diff_text(d: FolderDiff) -> str:
    """The differences, one line each (empty when equal)."""
    if d.equal:
        return ""
    out = [f"sheets: {d.sheets[0]} -> {d.sheets[1]}"]
    if d.est_seconds != (None, None):
        out.append("estimated cutting time: " + _change(d.est_seconds, " min", 1 / 60))
        out.append("cut length: " + _change(d.cut_length_m, " m"))
    if d.unplaced[0] != d.unplaced[1]:
        out.append(f"unplaced: {', '.join(d.unplaced[0]) or 'none'} -> "
                   f"{', '.join(d.unplaced[1]) or 'none'}")
    progs = {p.sheet: p for p in d.programs}
    was = {k: s.index for s in d.per_sheet for k in s.removed}  # which sheet a part left
    now = {k: s.index for s in d.per_sheet for k in s.added}
    for s in d.per_sheet:
        p = progs.get(s.index)
        if not s.changed and not (p and p.changed):
            continue
        out.append(f"sheet {s.index}: {len(s.moved)} moved, {len(s.added)} added, "
                   f"{len(s.removed)} removed")
        for m in s.moved:
            turn = (f", turned {m['rotation'][0]:g} -> {m['rotation'][1]:g} deg"
                    if m["rotation"][0] != m["rotation"][1] else "")
            flip = ("" if "mirrored" not in m else ", now cut face down" if m["mirrored"][1]
                    else ", now cut face up")
            out.append(f"  moved {m['id']} by {m['distance']:.1f} mm (dx {m['dx']:+.1f}, "
                       f"dy {m['dy']:+.1f}){turn}{flip}")
        out += [f"  added {k}" + (f" (from sheet {was[k]})" if k in was else "")
                for k in s.added]
        out += [f"  removed {k}" + (f" (to sheet {now[k]})" if k in now else "")
                for k in s.removed]
        if p and p.changed:
            out.append(f"  program {p.new or p.old}: time {_change(p.est_seconds, ' min', 1 / 60)}"
                       f", cut {_change(p.cut_length_m, ' m', digits=2)}, deepest "
                       f"{_change(p.deepest_mm, ' mm', digits=2)}, tools "
                       f"{p.tools[0]} -> {p.tools[1]}")
            f = p.first_difference
            if f:
                out.append(f"  first differing move #{f['move']}: line {f['old_line']} "
                           f"{f['old']} | line {f['new_line']} {f['new']}")
    return "\n".join(out) + "\n"


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
    reps = [read_report(f) for f in folders]
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
        moved = {m["id"] for m in s.moved} | set(s.added) | set(s.removed)
        out.append(f"<h2>Sheet {k}</h2>")
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
