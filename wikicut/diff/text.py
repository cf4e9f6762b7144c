"""A FolderDiff as text, a line for each difference: what `wikicut diff` prints and CI logs."""

from __future__ import annotations

import json

from .result import FolderDiff, ProgramDiff, SheetDiff

REPORT_LINES = 20  # report.json keys named one a line; the rest counted


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


def _program_lines(p: ProgramDiff, said: dict[tuple, int] | None = None) -> list[str]:
    """A program file's change; one said for an earlier sheet (`said`: the change -> that
    sheet), the same files and figures, as "as on sheet N"."""
    if said is not None and p.old is not None and p.new is not None:
        key = (p.old, p.new, p.cut_length_m, p.est_seconds, p.deepest_mm,
               tuple(p.tools[0]), tuple(p.tools[1]), str(p.first_difference))
        if key in said:
            name = p.new if p.old == p.new else f"{p.old} -> {p.new}"
            return [f"  program {name}: as on sheet {said[key]}"]
        said[key] = p.sheet
    if p.new is None:
        return [f"  program {p.old} no longer run"
                f" (was {_figures(p.est_seconds[0], p.cut_length_m[0])})"]
    if p.old is None:
        return [f"  program {p.new} added ({_figures(p.est_seconds[1], p.cut_length_m[1])}"
                f", deepest {_value(p.deepest_mm[1], ' mm', digits=2)}, tools {p.tools[1]})"]
    name = p.new if p.old == p.new else f"{p.old} -> {p.new}"
    if p.first_difference is None and not any(a != b for a, b in (
            p.cut_length_m, p.est_seconds, p.deepest_mm, p.tools)):
        return [f"  program {name}: renamed, the same moves"]  # run another number of times
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
    came = [(k, "new in the job" if k in s.new_in_job else
             f"from sheet {was[k]}" if k in was else
             "was unplaced" if k in unplaced[0] else "") for k in s.added]
    went = [(k, "no longer in the job" if k in s.left_job else
             f"to sheet {now[k]}" if k in now else
             "now unplaced" if k in unplaced[1] else "") for k in s.removed]
    if len(came) + len(went) <= PART_LINES:
        return out + [_part_line("added", [k], why) for k, why in came] + [
            _part_line("removed", [k], why) for k, why in went]
    groups = _grouped("added", came) + _grouped("removed", went)
    groups.sort(key=lambda g: -g[0])  # the largest first (a stable sort: added first)
    out += [line for _, line, _ in groups[:GROUP_LINES]]
    rest = groups[GROUP_LINES:]
    if rest:
        n = [sum(g[0] for g in rest if g[2] == verb) for verb in ("added", "removed")]
        out.append("  and " + ", ".join(f"{k} more {verb}" for k, verb in
                                        zip(n, ("added", "removed")) if k)
                   + f" ({len(rest)} more places; --json lists them all)")
    return out


PART_LINES = 12  # a sheet's parts added and removed, a line each; more: a line per origin,
GROUP_LINES = 6  # the largest this many


def _part_line(verb: str, ids: list[str], why: str) -> str:
    """"added wedge#3 (from sheet 17)", "added 9 parts from sheet 17: wedge#1-9",
    "plate#8 no longer in the job", "4 parts no longer in the job: plate#5-8"."""
    one = len(ids) == 1
    what = ids[0] if one else f"{len(ids)} parts"
    if why.endswith("in the job"):
        return f"  {what} {why}" + ("" if one else f": {id_runs(ids)}")
    if one:
        return f"  {verb} {what}" + (f" ({why})" if why else "")
    if why.startswith(("from ", "to ")):
        return f"  {verb} {what} {why}: {id_runs(ids)}"
    return f"  {verb} {what}" + (f" ({why})" if why else "") + f": {id_runs(ids)}"


def _grouped(verb: str, parts: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """Parts added to (or removed from) a sheet, a line for those that came from (or went
    to) one place: a layout nested again moves most parts of a whole house to another
    sheet, 2900 lines of one part each. (parts, line, verb) for each place."""
    groups: dict[str, list[str]] = {}
    for k, why in parts:
        groups.setdefault(why, []).append(k)
    return [(len(ids), _part_line(verb, ids, why), verb) for why, ids in groups.items()]


def id_runs(ids: list[str]) -> str:
    """Instance ids in short: "wedge#1-3, wedge#10, spacer#4" (runs of one part's copies)."""
    by_name: dict[str, list[int]] = {}
    other: list[str] = []
    for k in ids:
        name, sep, n = k.rpartition("#")
        if sep and n.isdigit():
            by_name.setdefault(name, []).append(int(n))
        else:
            other.append(k)
    out = []
    for name in sorted(by_name):
        nums = sorted(by_name[name])
        start = prev = nums[0]
        for n in [*nums[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            out.append(f"{name}#{start}" + (f"-{prev}" if prev != start else ""))
            if n is not None:
                start = prev = n
    return ", ".join(out + sorted(other))


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
    said: dict[tuple, int] = {}  # a program change told once (a layout cut 26 times)
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
                out += _program_lines(p, said)
    out += _report_lines(d.report) + _file_lines(d.files)
    return "\n".join(out) + "\n"


def _json_value(v, absent: bool = False) -> str:
    """A report value as JSON (null as `null`); a key the report lacks as "(absent)": in
    `settings` the two differ (work_offset null: the programs select no offset; absent:
    written without programs)."""
    if absent:
        return "(absent)"
    text = json.dumps(v, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _report_lines(changes: list[dict]) -> list[str]:
    out = [f"report.json {c['key']}: {_json_value(c['old'], c.get('absent') == 'old')} -> "
           f"{_json_value(c['new'], c.get('absent') == 'new')}" for c in changes[:REPORT_LINES]]
    if len(changes) > REPORT_LINES:
        out.append(f"report.json: and {len(changes) - REPORT_LINES} more keys changed"
                   " (--json lists them all)")
    return out


QUOTE_CHARS = 60  # of a changed line quoted in the text


def _quote(line: str | None, col: int = 0) -> str:
    """A line quoted, a long one cut to QUOTE_CHARS round character `col` (where it differs
    from the other file's) so the two quotes show what differs."""
    if line is None:
        return "(end of file)"
    if len(line) > QUOTE_CHARS:
        start = max(0, min(col - 20, len(line) - QUOTE_CHARS + 3))
        end = start + QUOTE_CHARS - 3 - (3 if start else 0)
        line = ("..." if start else "") + line[start:end] + ("..." if end < len(line) else "")
    return json.dumps(line, ensure_ascii=False)


def _quotes(a: str | None, b: str | None) -> str:
    """The two files' first differing lines, each cut round their first difference."""
    col = 0
    if a is not None and b is not None:
        col = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"{_quote(a, col)} -> {_quote(b, col)}"


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
                       + _quotes(f["old"], f["new"]))
    also = [f["file"] for f in files if f["explained"]]
    if also:
        out.append(f"files changed with them: {', '.join(also[:8])}"
                   + (f" and {len(also) - 8} more" if len(also) > 8 else ""))
    return out
