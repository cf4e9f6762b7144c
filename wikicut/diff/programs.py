"""A sheet's program files compared, each read back through the verifier's simulator: cut
length, estimated time, deepest cut, tools and the first move that differs (comments and
headers do not count)."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from ..errors import InputError
from ..io.report import is_number
from ..verify import program_tools, read_program, stated_machine, stated_thickness, stated_z_zero
from .result import ProgramDiff
from .sheets import MOVE_TOL

_TOOL = re.compile(r"(?<![A-Z])T\s*(\d+)")
# "machine: GRBL [grbl], program units mm" in a wikicut header, in any comment style
_UNITS = re.compile(r"machine: .+ [\[(]\w+[\])], program units (\w+)")


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


def program_files(sheet: dict | None) -> list[dict]:
    """A sheet's program files in the order they run: file, tools (None: read them from the
    program), est_seconds and cut_length_m (None: measure it from the program's moves) and
    the sheet's thickness."""
    if not sheet:
        return []
    tp = sheet.get("toolpath") or {}
    stock = sheet.get("stock")
    thick = stock.get("thickness") if isinstance(stock, dict) else None
    thick = thick if is_number(thick) else None  # where a header does not say it
    listed = sheet.get("programs") or []
    if len(listed) > 1:  # one file per tool: the report times each, the moves give its cut
        return [{"file": p.get("file"), "tools": list(p.get("tools") or []) or None,
                 "est_seconds": p.get("est_seconds"), "cut_length_m": None,
                 "thickness": thick} for p in listed]
    name = (listed[0].get("file") if listed else None) or sheet.get("file_program")
    if not name:
        return []
    tools = (listed[0].get("tools") if listed else None) or [
        t["number"] for t in sheet.get("tools") or []]
    return [{"file": name, "tools": list(tools) or None, "est_seconds": tp.get("est_seconds"),
             "cut_length_m": tp.get("cut_length_m"), "thickness": thick}]


def pair_programs(old: list[dict], new: list[dict]) -> list[tuple[dict | None, dict | None]]:
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


class FolderPrograms:
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
            self._same_profile(text, path)
            moves, bad = read_program(text, self.profile)
            if bad:
                raise InputError(f"line {bad[0].line}: {bad[0].message}", path)
            self.cache[name] = (text, moves)
        return self.cache[name]

    def _same_profile(self, text: str, path: Path) -> None:
        """Refuse a program its header says was written for another machine, dialect,
        units or Z0 than the profile now says: read with it, every move would differ."""
        prof = self.profile
        machine = stated_machine(text)
        units = _UNITS.search("\n".join(text.splitlines()[:40]))
        said = [("machine", machine and machine[0], prof.name),
                ("dialect", machine and machine[1], prof.dialect),
                ("program units", units and {"in": "inch"}.get(units[1], units[1]),
                 prof.units),
                ("Z0", stated_z_zero(text, prof), prof.z_zero)]
        for what, was, now in said:
            if was is not None and was != now:
                raise InputError(f"written with {what} '{was}', but the job's machine profile"
                                 f" {prof.source} now says '{now}': it has changed since the"
                                 " job ran", path)

    def stock_top(self, text: str, thickness) -> float:
        """How far above Z0 the stock's top is in a program (its header's Z0 and sheet
        thickness, else the report's): depths are measured from there, as verify does."""
        if (stated_z_zero(text, self.profile) or self.profile.z_zero) != "spoilboard":
            return 0.0
        t = stated_thickness(text, self.profile)
        return t if t is not None else thickness if thickness is not None else 0.0


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


def program_diff(index: int, pair: tuple[dict | None, dict | None],
                 readers: tuple[FolderPrograms, FolderPrograms]) -> ProgramDiff:
    """One program file of sheet `index`, old and new side by side (None: not run there)."""
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
        top = r.stock_top(text, p.get("thickness"))  # Z0 on the spoilboard: not a deeper cut
        deep = round(top - min((m.end[2] for m in moves if m.kind == "feed"), default=top), 3)
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
