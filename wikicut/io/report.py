"""report.json: the machine-readable record of a job (schema in docs/report-schema.md).

CI diffs it and tools read it, so it is deterministic: floats rounded to fixed decimals, lists
in layout order, no timestamps and no paths beyond the relative file names given.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from pathlib import Path, PurePath

from ..errors import InputError
from ..model import Layout, Profile, SheetLayout, SheetProgram
from ..model.tooling import OperationSettings, Tooling

SCHEMA = "wikicut-report/1"


def _r(v: float, n: int = 3) -> float:
    """Round for a stable file (and never write -0.0, which would differ from 0.0 in a diff)."""
    v = round(float(v), n)
    return 0.0 if v == 0 else v


def portable_source(shown: str) -> str:
    """A part's source as written into outputs: as given when relative, the file name alone
    when absolute, so reports and previews hold no machine-specific paths (and stay
    byte-identical across checkouts). Error messages keep the path as given."""
    if not shown:  # no file known (a part of which no copy was placed): "", never "."
        return ""
    path = PurePath(shown)
    return path.name if path.is_absolute() else path.as_posix()


def instance_name(instance: str) -> str:
    """The part name of an instance id "name#k" (names may themselves contain '#')."""
    name, sep, k = instance.rpartition("#")
    return name if sep and k.isdigit() else instance


def instance_order(instance: str) -> tuple:
    """Instance ids in natural order: by part name (its numbers read as numbers: rib-2
    before rib-10), then copy number (SHELF#5 before SHELF#10), as a reader counts them."""
    name = instance_name(instance)
    k = instance[len(name) + 1:]
    chunks = re.split(r"(\d+)", name.casefold())
    return ([int(c) if i % 2 else c for i, c in enumerate(chunks)],
            int(k) if k.isdigit() else -1, instance)


def sheet_length(sheet: SheetLayout) -> float:
    """The sheet length that counts: the strip's used length in strip mode, else the width."""
    return sheet.used_length if sheet.used_length else sheet.stock.width


def offcut(sheet: SheetLayout, spacing: float = 0.0) -> dict:
    """The free strips beyond the parts: at the far (high-x) end, and along the top (high y,
    the whole length used). Long parts stacked from y = 0 leave their offcut at the top, so
    an operator needs both to see what can be saved.

    x_from/width/area_m2 are the physical piece left after the last part (to the sheet edge),
    what an operator can saw off and keep; usable_width is the length a further part could still
    take on this sheet (less the margin and the spacing to the last part). `top` is the same
    across the sheet's top edge.
    """
    st = sheet.stock
    bounds = [p.placed().outline.bounds for p in sheet.placements]
    x_end = max((b[2] for b in bounds), default=0.0)
    y_end = max((b[3] for b in bounds), default=0.0)
    length = sheet_length(sheet)
    width = max(0.0, length - x_end)
    height = max(0.0, st.height - y_end)
    gap = spacing if bounds else 0.0
    usable = max(0.0, st.width - st.margin - max(x_end + gap, st.margin))
    usable_h = max(0.0, st.height - st.margin - max(y_end + gap, st.margin))
    return {"x_from": _r(x_end), "width": _r(width), "area_m2": _r(width * st.height / 1e6, 4),
            "usable_width": _r(usable),
            "top": {"y_from": _r(y_end), "height": _r(height),
                    "area_m2": _r(height * length / 1e6, 4), "usable_height": _r(usable_h)}}


def _stock(sheet: SheetLayout) -> dict:
    st = sheet.stock
    out = {"name": st.label, "width": _r(st.width), "height": _r(st.height),
           "thickness": _r(st.thickness), "material": st.material, "margin": _r(st.margin),
           "price": None if st.price is None else _r(st.price, 2)}
    # only where there are any, so plain jobs' reports stay as they were: `wikicut recut`
    # places a part on the same board, around the same clamps
    if st.outline is not None:
        out["outline"] = [_ring(r.coords) for r in (st.outline.exterior, *st.outline.interiors)]
    if st.keepouts:
        out["keepouts"] = [_ring(z.exterior.coords) for z in st.keepouts]
    return out


def _ring(coords) -> list[list[float]]:
    """A closed ring's points, the closing point (shapely repeats the first) left out."""
    pts = list(coords)
    return [[_r(p[0]), _r(p[1])] for p in pts[:-1]]


def _toolpath(prog: SheetProgram | None) -> dict | None:
    if prog is None:
        return None
    out = {"cut_length_m": _r(prog.cut_length / 1000, 2),
           "rapid_length_m": _r(prog.rapid_length / 1000, 2),
           "est_seconds": _r(prog.est_seconds, 1), "operations": len(prog.operations)}
    if prog.notes:  # only when there are any: reports of plain jobs stay as they were
        out["notes"] = list(prog.notes)
    if prog.stops:  # likewise: stops for the operator (screws, a speed), not in est_seconds
        out["stops"] = prog.stops
    if prog.common_line is not None:  # likewise: only where common lines left a cut out
        out["common_line"] = _common(*prog.common_line)
    return out


def _common(mm: float, seconds: float) -> dict:
    """What common lines saved: cut length and estimated time (cam/common.py)."""
    return {"cut_saved_m": _r(mm / 1000, 2), "seconds_saved": _r(seconds, 1)}


def program_runs(sheets: list[dict]) -> list[dict]:
    """Each distinct program once, with the sheets it cuts (a repeated layout is one program
    run `count` times: cam/repeats.py), in order of its first sheet. A layout cut in one file
    per tool is one run naming all its files (`files`, only there: the job sheet keeps one
    row and one page per layout, and reports of one-file jobs stay as they were)."""
    runs: dict[str, dict] = {}
    for s in sheets:
        if s["file_program"]:
            files = [p["file"] for p in s.get("programs") or []]
            run = runs.setdefault(s["file_program"], {
                "file": s["file_program"], "count": 0, "sheets": [],
                **({"files": files} if len(files) > 1 else {})})
            run["count"] += 1
            run["sheets"].append(s["index"])
    return list(runs.values())


def _tools(prog: SheetProgram | None, parts: list[tuple[str, SheetProgram]] | None) -> dict:
    """With several tools: which to fit, in which order, for how long (per tool and per
    program file). Nothing for a program with the profile's one tool."""
    if prog is None or not prog.tools:
        return {"tools": None, "programs": None, "tool_changes": None}
    est = prog.tool_seconds
    tools = [{"order": k, "number": t.number, "name": t.name, "diameter": _r(t.diameter),
              "rpm": _r(t.rpm, 0), "est_seconds": _r(est.get(t.number, 0.0), 1)}
             for k, t in enumerate(prog.tools, 1)]
    files = [{"file": name, "tools": [t.number for t in part.tools],
              "est_seconds": _r(part.est_seconds, 1)} for name, part in parts or []]
    return {"tools": tools, "programs": files,
            "tool_changes": sum(1 for a, b in zip(prog.operations, prog.operations[1:])
                                if a.tool and b.tool and a.tool != b.tool)}


def _row(rows: dict[tuple[str, str], dict], name: str, label: str, source: str) -> dict:
    """The parts row of (name, label), begun empty on first use."""
    return rows.setdefault((name, label), {"name": name, "label": label, "source": source,
                                           "quantity": 0, "placed": 0, "sheets": []})


def build_report(job_name: str, layout: Layout, spacing: float,
                 programs: list[SheetProgram] | None = None,
                 program_files: list[str] | None = None, settings: dict | None = None,
                 sources: dict[str, str] | None = None,
                 program_parts: list[list[tuple[str, SheetProgram]]] | None = None,
                 profile: Profile | None = None,
                 labels: dict[str, str] | None = None) -> dict:
    """The report of a nested (and maybe planned) layout; see docs/report-schema.md.
    `sources` (part name -> file) names the files of parts of which no copy was placed,
    `labels` (instance id -> label text) the labels of copies not placed;
    `program_parts` each sheet's program files (name, what it cuts) where it has several;
    `profile` (the machine the programs are for) adds where zero is and how the sheet is
    held to the settings, for the job sheet."""
    if programs is not None and len(programs) != len(layout.sheets):
        raise ValueError(f"{len(programs)} programs for {len(layout.sheets)} sheets")
    if program_files is not None and len(program_files) != len(layout.sheets):
        raise ValueError(f"{len(program_files)} program files for {len(layout.sheets)} sheets")
    sheets = []
    locked, fillers = set(layout.locked), set(layout.fillers)
    # (part name, label) -> parts row, in order of first appearance: one part file at two
    # lengths shares a name, not a label, and is cut and counted as two parts
    rows: dict[tuple[str, str], dict] = {}
    labels = labels or {}
    seen: dict[str, str] = {}  # part name -> source, of the parts placed
    tot_cut = tot_sec = 0.0
    common = [0.0, 0.0, False]  # mm and seconds common lines saved; any at all
    for k, s in enumerate(layout.sheets):
        parts = []
        for p in s.placements:
            src = portable_source(p.part.source)
            parts.append({"id": p.instance, "name": p.part.name, "label": p.part.text,
                          "source": src,
                          "rotation": _r(p.rotation % 360.0), "x": _r(p.x), "y": _r(p.y),
                          "bbox": [_r(v) for v in p.placed().outline.bounds],
                          **_role(p.instance, locked, fillers),
                          **({"mirrored": True} if p.mirrored else {})})
            seen.setdefault(p.part.name, src)
            row = _row(rows, p.part.name, p.part.text, src)
            row["quantity"] += 1
            row["placed"] += 1
            if s.index not in row["sheets"]:
                row["sheets"].append(s.index)
            if p.part.slots_fitted:  # a DXF part's slots fitted to the stock (io/dxf/fitting)
                row["slots_fitted"] = p.part.slots_fitted
        prog = programs[k] if programs else None
        if prog is not None:
            tot_cut += prog.cut_length
            tot_sec += prog.est_seconds
            if prog.common_line is not None:
                common = [common[0] + prog.common_line[0], common[1] + prog.common_line[1], True]
        sheets.append({
            "index": s.index, "file_dxf": f"{s.stem}.dxf",
            "file_svg": f"{s.stem}.svg",
            "file_program": program_files[k] if program_files else None,
            "stock": _stock(s), "utilisation": _r(s.utilisation, 4),
            "used_length": None if s.used_length is None else _r(s.used_length),
            "offcut": offcut(s, spacing), "parts": parts, "toolpath": _toolpath(prog),
            "screws": [[_r(x), _r(y)] for x, y in (prog.screws if prog else ())],
            **_tools(prog, program_parts[k] if program_parts else None)})

    def left_out(instances: list[str]) -> list[dict]:
        """Copies not placed, named (in natural order: instance_order), each counted as
        asked for in its parts row."""
        out = []
        for inst in sorted(instances, key=instance_order):
            name = instance_name(inst)
            src = seen.get(name) or portable_source((sources or {}).get(name, ""))
            label = labels.get(inst, name)
            out.append({"id": inst, "name": name, "label": label, "source": src})
            _row(rows, name, label, src)["quantity"] += 1
        return out

    unplaced = left_out(layout.unplaced)
    fillers_left = left_out(layout.fillers_left)  # asked for, and no fault when left out
    part_area = sum(p.part.area for s in layout.sheets for p in s.placements)
    sheet_area = sum(s.area for s in layout.sheets)
    prices = [s.stock.price for s in layout.sheets]
    placed = sum(len(s.placements) for s in layout.sheets)
    record = {"spacing": _r(spacing)}
    record.update(settings or {})
    if profile is not None:
        record.update(z_zero=profile.z_zero, work_offset=profile.work_offset or None,
                      holddown=profile.holddown.mode)
    return {
        "schema": SCHEMA, "job": job_name, "settings": record,
        "sheets": sheets, "programs": program_runs(sheets), "unplaced": unplaced,
        **({"fillers_left": fillers_left} if fillers_left else {}),
        "parts": list(rows.values()),
        "totals": {"sheets": len(layout.sheets), "parts": placed + len(unplaced),
                   "placed": placed, "unplaced": len(unplaced),
                   "part_area_m2": _r(part_area / 1e6, 4),
                   "sheet_area_m2": _r(sheet_area / 1e6, 4),
                   "utilisation": _r(part_area / sheet_area, 4) if sheet_area else 0.0,
                   "cut_length_m": _r(tot_cut / 1000, 2) if programs else None,
                   "est_seconds": _r(tot_sec, 1) if programs else None,
                   "cost": (_r(sum(prices), 2) if prices and all(p is not None for p in prices)
                            else None),
                   **_filler_totals(layout),
                   **({"common_line": _common(common[0], common[1])} if common[2] else {})},
    }


def tooling_record(tooling: Tooling, operations: Iterable[OperationSettings], material: str,
                   library: Path | None = None, materials: Path | None = None,
                   base: Path | None = None) -> dict:
    """`settings.tooling`: what `wikicut recut` needs to build the job's tooling again with
    cam.resolve_tooling (a part cut again with the job's rack, tools per operation and feeds,
    not the profile's one tool). The rack as resolved (the job's `tools`, its profile's rack,
    or the library tool of its `tool_diameter`: [] where the profile's own tool cut), the
    job's `[machine.operations]` as given, its material, and the tool library and materials
    files as paths from the job's folder `base` (null: the shipped ones)."""
    rack = [t.number for t in tooling.tools] if all(t.cutter for t in tooling.tools) else []
    ops = {o.kind: {k: getattr(o, k) for k in OPERATION_KEYS if getattr(o, k) is not None}
           for o in operations}
    return {"tools": rack, "operations": ops, "material": material,
            "library": _job_file(library, base), "materials": _job_file(materials, base)}


OPERATION_KEYS = ("tool", "feed", "plunge", "ramp", "rpm", "per_pass")  # OperationSettings'


def _job_file(path: Path | None, base: Path | None) -> str | None:
    """A file the job named, as a path from the job's folder where it lies below it, else
    by name (portable_source: no machine paths in the report)."""
    if path is None:
        return None
    if base is not None and Path(path).is_relative_to(base):
        return Path(path).relative_to(base).as_posix()
    return portable_source(str(path))


def _role(instance: str, locked: set[str], fillers: set[str]) -> dict:
    """A placed part's `locked` or `filler` flag, only where it is one (reports of jobs
    without either stay as they were)."""
    if instance in locked:
        return {"locked": True}
    if instance in fillers:
        return {"filler": True}
    return {}


def _filler_totals(layout: Layout) -> dict:
    """`totals.fillers` (placed, left out: no fault) when the job has fillers."""
    if not layout.fillers and not layout.fillers_left:
        return {}
    return {"fillers": {"placed": len(layout.fillers), "left": len(layout.fillers_left)}}


def dumps(report: dict) -> str:
    """The report as stable JSON text: keys in schema order, 2-space indent, final newline."""
    return json.dumps(report, indent=2, sort_keys=False, ensure_ascii=False,
                      allow_nan=False) + "\n"


def read_report(outdir: Path) -> dict:
    """An output folder's report.json, or a one-line refusal."""
    rep_path = Path(outdir) / "report.json"
    try:
        report = json.loads(rep_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no report.json here: not a wikicut output folder", outdir) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a readable report: {exc}", rep_path) from None
    except OSError as exc:  # a folder named report.json, no permission
        raise InputError(f"cannot read the report ({exc.strerror})", rep_path) from None
    if not isinstance(report, dict) or report.get("schema") != "wikicut-report/1":
        raise InputError("unknown report schema (expected wikicut-report/1)", rep_path)
    return report


def is_number(v) -> bool:
    """A finite number (not a bool): what a report's coordinates and sizes must be."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _table(report: dict, key: str, bad, kind=dict, required: bool = True):
    v = report.get(key)
    if v is None and not required:
        return kind()
    if not isinstance(v, kind):
        bad(f"`{key}` is not {'an object' if kind is dict else 'a list'}")
    return v


def checked_report(folder: Path) -> dict:
    """A folder's report.json, with the keys diff and the previews read checked for their
    types: a report edited by hand (or by another tool) is one line of bad input, never a
    crash deep inside (`sheets[0].index` a string, `parts` missing)."""
    rep_path = Path(folder) / "report.json"
    report = read_report(Path(folder))

    def bad(what: str):
        raise InputError(f"not a wikicut report: {what}", rep_path)

    st = _table(report, "settings", bad, required=False)
    for k in ("profile", "profile_ref", "z_zero"):  # diff loads the profile by them
        if st.get(k) is not None and not isinstance(st[k], str):
            bad(f"`settings.{k}` is not a name")
    for k in ("tool_diameter", "thickness"):
        if st.get(k) is not None and not is_number(st[k]):
            bad(f"`settings.{k}` is not a number")
    tots = _table(report, "totals", bad, required=False)
    for k in ("est_seconds", "cut_length_m"):  # diff subtracts them
        if tots.get(k) is not None and not is_number(tots[k]):
            bad(f"`totals.{k}` is not a number")
    seen: set[int] = set()
    for i, sh in enumerate(_table(report, "sheets", bad, list)):
        if not isinstance(sh, dict):
            bad(f"`sheets[{i}]` is not an object")
        if not _is_int(sh.get("index")) or sh["index"] in seen:
            bad(f"`sheets[{i}].index` is not a sheet number of its own")
        seen.add(sh["index"])
        _check_sheet(sh, f"sheets[{i}]", bad)
        # the figures diff compares (its programs' files and tools: _check_sheet)
        figures = [(f"toolpath.{k}", (sh.get("toolpath") or {}).get(k))
                   for k in ("est_seconds", "cut_length_m")]
        figures += [(f"programs[{j}].est_seconds", pr.get("est_seconds"))
                    for j, pr in enumerate(sh.get("programs") or [])]
        for k, v in figures:
            if v is not None and not is_number(v):
                bad(f"`sheets[{i}].{k}` is not a number")
    for j, u in enumerate(_table(report, "unplaced", bad, list, required=False)):
        if not isinstance(u, dict) or not isinstance(u.get("id"), str):
            bad(f"`unplaced[{j}]` is not a part with its id")
    return report


def _check_sheet(sh: dict, at: str, bad) -> None:
    """One `sheets[]` record's files, programs, tools and parts (see checked_report)."""
    for k in ("file_dxf", "file_svg", "file_program"):
        if sh.get(k) is not None and not isinstance(sh[k], str):
            bad(f"`{at}.{k}` is not a file name")
    for k, kind in (("toolpath", dict), ("programs", list), ("tools", list)):
        if sh.get(k) is not None and not isinstance(sh[k], kind):
            bad(f"`{at}.{k}` is not {'an object' if kind is dict else 'a list'}")
    for j, pr in enumerate(sh.get("programs") or []):
        if (not isinstance(pr, dict) or not isinstance(pr.get("file"), str)
                or not all(map(_is_int, pr.get("tools") or []))):
            bad(f"`{at}.programs[{j}]` is not a program file with its tools")
    for j, t in enumerate(sh.get("tools") or []):
        if not isinstance(t, dict) or not _is_int(t.get("number")):
            bad(f"`{at}.tools[{j}]` is not a tool with its number")
    parts = sh.get("parts")
    if not isinstance(parts, list):
        bad(f"`{at}.parts` is not a list")
    for j, p in enumerate(parts):
        if not (isinstance(p, dict) and isinstance(p.get("id"), str)
                and isinstance(p.get("name"), str)):
            bad(f"`{at}.parts[{j}]` is not a part with its id and name")
        if not all(is_number(p.get(k)) for k in ("x", "y", "rotation")):
            bad(f"`{at}.parts[{j}]` lacks its x, y or rotation")
        b = p.get("bbox")
        if b is not None and not (isinstance(b, list) and len(b) == 4 and all(map(is_number, b))):
            bad(f"`{at}.parts[{j}].bbox` is not [x0, y0, x1, y1]")
