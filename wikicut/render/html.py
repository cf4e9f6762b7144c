"""index.html: a job on one self-contained page, built from its report and sheet SVGs."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from html import escape
from pathlib import Path

from shapely.geometry import Polygon

from ..errors import InputError
from ..io.remnants import FILE_NAME as REMNANTS
from ..io.report import read_report
from ..model import sheets_text
from ..model.font import engraved_text
from ..words import counted
from .style import mm


def _hm(seconds: float) -> str:
    s = round(seconds / 60) * 60
    return f"{int(s // 3600)}:{int(s % 3600 // 60):02d}"


# Zoom (wheel), pan (drag) and reset (double-click) each sheet by its viewBox; a click on a
# part shows its placement. Plain inline script: the page works offline, from a file.
VIEW_JS = """<script>
(() => {
  const info = document.getElementById('details');
  document.querySelectorAll('section.sheet svg').forEach(svg => {
    const b = svg.viewBox.baseVal, home = [b.x, b.y, b.width, b.height];
    let vb = home.slice(), drag = null, moved = 0;
    const set = () => svg.setAttribute('viewBox', vb.join(' '));
    const at = e => {
      const r = svg.getBoundingClientRect();
      return [vb[0] + (e.clientX - r.left) / r.width * vb[2],
              vb[1] + (e.clientY - r.top) / r.height * vb[3], r];
    };
    svg.addEventListener('wheel', e => {
      e.preventDefault();
      const [x, y] = at(e), f = e.deltaY < 0 ? 0.8 : 1.25;
      vb = [x - (x - vb[0]) * f, y - (y - vb[1]) * f, vb[2] * f, vb[3] * f];
      set();
    }, {passive: false});
    svg.addEventListener('pointerdown', e => {
      drag = [e.clientX, e.clientY, vb[0], vb[1]];
      moved = 0;
    });
    window.addEventListener('pointerup', () => { drag = null; });
    svg.addEventListener('pointermove', e => {
      if (!drag) return;
      const r = svg.getBoundingClientRect();
      moved = Math.max(moved, Math.abs(e.clientX - drag[0]) + Math.abs(e.clientY - drag[1]));
      vb[0] = drag[2] - (e.clientX - drag[0]) / r.width * vb[2];
      vb[1] = drag[3] - (e.clientY - drag[1]) / r.height * vb[3];
      set();
    });
    svg.addEventListener('dblclick', () => { vb = home.slice(); set(); });
    svg.addEventListener('click', e => {
      const g = e.target.closest('g.part');
      if (!g || moved > 4) return;
      const d = g.dataset;
      info.textContent = 'sheet ' + svg.dataset.sheet + ': ' + d.part + ' (' + d.name + ') at x '
        + d.x + ', y ' + d.y + ' mm, rotated ' + d.rotation + ' deg'
        + (d.mirrored ? ', mirrored (cut face down)' : '')
        + (d.locked ? ', locked (placed by its lock)' : '')
        + (d.filler ? ', filler (only the room left)' : '') + ', ' + d.size + ' mm'
        + (d.source ? ', from ' + d.source : '');
      info.hidden = false;
    });
  });
})();
</script>"""


def _tool(t: dict) -> str:
    """T1 6 mm and the tool's name, without its size twice when the name starts with it
    (library names do: "6 mm 2-flute compression spiral")."""
    size, name = f"{t['diameter']:g} mm", str(t["name"])
    if name == size or name.startswith(size + " "):
        name = name[len(size):].strip()
    return f"T{t['number']} {size}" + (f" {escape(name)}" if name else "")


def _run_steps(s: dict, settings: dict) -> list[str]:
    """The programs that cut a sheet, in the order to run them, each with the tool to fit."""
    tools = {t["number"]: t for t in s.get("tools") or []}
    if s.get("programs"):  # several tools: one file per tool, or one with its changes
        return [f'<a href="{escape(p["file"], True)}">{escape(p["file"])}</a>: fit '
                + ", then ".join(_tool(tools[n]) if n in tools else f"T{n}" for n in p["tools"])
                + f" ({_hm(p['est_seconds'])})" for p in s["programs"]]
    if not s.get("file_program"):
        return []
    dia = settings.get("tool_diameter")
    fit = f": fit the {dia:g} mm tool" if dia is not None else ""
    tp = s.get("toolpath")
    return [f'<a href="{escape(s["file_program"], True)}">{escape(s["file_program"])}</a>{fit}'
            + (f" ({_hm(tp['est_seconds'])})" if tp else "")]


def _zero(settings: dict, thickness: float) -> str:
    """Where zero is, as the programs' header says it."""
    if settings.get("z_zero") is None:
        return ""
    z = ("the spoilboard top (the stock top is Z" + f"{thickness:g})"
         if settings["z_zero"] == "spoilboard" else "the stock top")
    wo = settings.get("work_offset")
    return (f"X0 Y0 at the sheet's lower-left corner (the origin mark), Z0 on {z}; "
            f"measured thickness {thickness:g} mm" + (f"; work offset {escape(wo)}" if wo else ""))


def _holddown(s: dict, settings: dict) -> str:
    screws = s.get("screws") or []
    if not screws:
        mode = settings.get("holddown")
        return "none (vacuum table)" if mode == "none" else ""
    at = "; ".join(f"{k}: {x:g}, {y:g}" for k, (x, y) in enumerate(screws, 1))
    n = len(screws)
    how = {"drill": f"the program drills a pilot for each of {counted(n, 'screw')}, then"
                    " stops: drive them, then go on",
           "mark": f"the program marks {counted(n, 'screw centre')}, then stops: drill and"
                   " drive the screws, then go on"}.get(str(settings.get("holddown")),
                                             f"{counted(n, 'screw')} to drive before cutting")
    return (f"{how}; at x, y mm from X0 Y0 (the dark dots): "
            f'<span class="screws">{at}</span>')


def _engraved(label: str) -> str:
    """What the router engraves for a label whose characters its font lacks (it engraves
    '?' for each; lower case is engraved in capitals, which needs no note)."""
    cut = engraved_text(label)
    return ("" if cut == label.upper() else
            f' <span class="engraved">(engraved: {escape(cut)})</span>')


def _sort_table(s: dict) -> str:
    """The sheet's parts by the text engraved on them (and what the router engraves where
    its font lacks a character): what goes where off the machine (and how many of them came
    off face down, mirrored: their engraved face is the back)."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for p in s["parts"]:
        key = (str(p.get("label", p["name"])), str(p["name"]), str(p["source"]))
        row = rows.setdefault(key, [0, 0])
        row[0] += 1
        row[1] += bool(p.get("mirrored"))
    body = "".join(f'<tr><td class="lab">{escape(lab)}{_engraved(lab)}</td>'
                   f"<td>{escape(name)}</td>"
                   f'<td class="n">{n}{f" ({m} face down)" if m else ""}</td>'
                   f"<td>{escape(src)}</td></tr>"
                   for (lab, name, src), (n, m) in rows.items())
    return ('<table class="sort"><tr><th>label</th><th>part</th><th>per sheet</th>'
            f"<th>source</th></tr>{body}</table>")


def _sheet_card(s: dict, run: dict | None, settings: dict,
                kept: dict[int, list[dict]] | None = None) -> str:
    """What an operator needs at the machine for a sheet (or a layout cut N times): the
    programs in order with their tools, where zero is, the screws, the time, the parts to
    sort and the offcuts to keep as remnants (`kept`: sheet index -> its remnants)."""
    count = run["count"] if run else 1
    tp = s.get("toolpath")
    items = []
    steps = _run_steps(s, settings)
    if steps:
        items.append("<li><b>Run</b>" + (f" (cut x {count}: sheets "
                                         f"{sheets_text(run['sheets'])}, one at a time)"
                                         if count > 1 else "")
                     + "<ol>" + "".join(f"<li>{x}</li>" for x in steps) + "</ol></li>")
    zero = _zero(settings, s["stock"]["thickness"])
    if zero:
        items.append(f"<li><b>Zero</b> {zero}</li>")
    hold = _holddown(s, settings)
    if hold:
        items.append(f"<li><b>Hold-down</b> {hold}</li>")
    if tp:
        items.append(f"<li><b>Time</b> {_hm(tp['est_seconds'])} (h:mm) a sheet"
                     + (f", {_hm(tp['est_seconds'] * count)} for all {count}" if count > 1
                        else "") + _stops(tp) + f"; {tp['cut_length_m']:.1f} m of cut</li>")
    items.append(f"<li><b>Stock</b> {escape(s['stock']['name'])}, "
                 f"{counted(len(s['parts']), 'part')}, {s['utilisation'] * 100:.1f}% used</li>")
    keep = _keep_line(run["sheets"] if count > 1 else [s["index"]], kept or {})
    if keep:
        items.append(f"<li><b>Keep</b> {keep}</li>")
    return (f'<div class="card"><ul class="steps">{"".join(items)}</ul>'
            f'<div class="parts"><b>Parts to sort</b>{_sort_table(s)}</div></div>')


def kept_remnants(folder: Path) -> list[dict]:
    """The offcuts a job keeps as stock, as the remnants.toml in `folder` lists them (its
    [[sheet]] tables; none without the file). report.json does not hold them: the remnants
    are found after it, from the programs written."""
    f = Path(folder) / REMNANTS
    try:
        tables = tomllib.loads(f.read_text(encoding="utf-8")).get("sheet", [])
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise InputError("remnants file unreadable", f) from None
    return [t for t in tables if isinstance(t, dict)] if isinstance(tables, list) else []


def _remnant_sheet(r: dict) -> int | None:
    """The sheet a remnant was cut from: its `source` is "<job> sheet <n>"."""
    _, sep, n = str(r.get("source", "")).rpartition(" sheet ")
    return int(n) if sep and n.isdigit() else None


def _remnant_area(r: dict) -> float:
    """Its material in mm2: an irregular piece's outline less its holes, else its box."""
    if r.get("outline"):
        try:
            return float(Polygon(r["outline"], r.get("holes") or []).area)
        except (TypeError, ValueError):
            pass  # a hand-edited file: its box is all this page can say
    return float(r.get("width", 0)) * float(r.get("height", 0))


def _remnant_size(r: dict) -> str:
    """Its box (what to saw it along) and area."""
    shape = f", irregular (its outline in {REMNANTS})" if r.get("outline") else ""
    return (f"{mm(float(r.get('width', 0)))} x {mm(float(r.get('height', 0)))} mm{shape}, "
            f"{_remnant_area(r) / 1e6:.2f} m&sup2;")


def _keep_line(sheets: list[int], kept: dict[int, list[dict]]) -> str:
    """The remnants to set aside from these sheets (a layout cut N times: each sheet's,
    named by its number), by id, as remnants.toml lists them."""
    many = len(sheets) > 1
    out = [f"{f'sheet {k}: ' if many else ''}<b>{escape(str(r.get('id', '')))}</b>"
           f" {_remnant_size(r)}" for k in sheets for r in kept.get(k, [])]
    return ("; ".join(out) + f" (as stock in <a href=\"{REMNANTS}\">{REMNANTS}</a>)"
            if out else "")


def _remnants_table(remnants: Sequence[dict], indices: set[int]) -> str:
    """The offcuts the job keeps as stock for the next job: id, the sheet each comes off,
    its box and area, its stock."""
    rows = []
    for r in remnants:
        k = _remnant_sheet(r)
        where = (f'<a href="#sheet-{k}">{k}</a>' if k in indices
                 else escape(str(r.get("source", ""))))
        stock = f"{float(r.get('thickness', 0)):g} mm {escape(str(r.get('material', '')))}"
        rows.append(f'<tr><td class="lab">{escape(str(r.get("id", "")))}</td><td>{where}</td>'
                    f"<td>{_remnant_size(r)}</td><td>{stock}</td></tr>")
    return (f'<h2 id="remnants">Remnants to keep</h2><p class="meta">Offcuts kept as stock'
            f' in <a href="{REMNANTS}">{REMNANTS}</a>: the next job lists it with [[sheet]]'
            f' from = "{REMNANTS}".</p><table><tr><th>remnant</th><th>off sheet</th>'
            "<th>size (its box), area</th><th>stock</th></tr>" + "".join(rows) + "</table>")


def _stops(tp: dict) -> str:
    """The program's stops for the operator, which its time does not count."""
    n = tp.get("stops") or 0
    return (f" plus {n} stop{'s' if n > 1 else ''} for the operator (screws, a spindle speed)"
            if n else "")


def _programs_table(runs: list[dict], by_index: dict[int, dict], settings: dict) -> str:
    """The distinct programs in order, each with its tools, how many times to run it and on
    which sheets."""
    rows = []
    for r in runs:
        s = by_index.get(r["sheets"][0], {})
        # one file per tool: each with its own time
        files = ([(p["file"], f' ({_hm(p["est_seconds"])})') for p in s["programs"]]
                 if s.get("programs") and len(s["programs"]) > 1 else [(r["file"], "")])
        dia = settings.get("tool_diameter")
        tools = (", ".join(_tool(t) for t in s.get("tools") or [])
                 or (f"{dia:g} mm" if dia is not None else ""))
        tp = s.get("toolpath")
        rows.append("<tr><td>" + "<br>".join(f'<a href="{escape(f, True)}">{escape(f)}</a>{t}'
                                             for f, t in files)
                    + f'</td><td>{tools}</td><td class="n">cut x {r["count"]}</td><td>'
                    + ", ".join(f'<a href="#sheet-{k}">{k}</a>' for k in r["sheets"])
                    + f'</td><td class="n">{_hm(tp["est_seconds"]) if tp else ""}</td></tr>')
    return ('<h2 id="programs">Programs, in sheet order</h2><table><tr><th>program</th>'
            "<th>tools</th><th>run</th><th>sheets</th><th>time a sheet</th></tr>"
            + "".join(rows) + "</table>")


def _machine_lines(report: dict, tool_table: str = "") -> list[str]:
    """The job's summary beyond the totals: stock, offcut, time, cost, zero, hold-down and
    the machine, as <li> lines (`tool_table`: index_html's)."""
    t, st = report.get("totals", {}), report.get("settings", {})
    sheets = report.get("sheets", [])
    cur = st.get("currency") or ""
    last = sheets[-1]["offcut"] if sheets else None
    out: list[str] = []
    stocks: dict[str, int] = {}
    for s in sheets:
        stocks[s["stock"]["name"]] = stocks.get(s["stock"]["name"], 0) + 1
    if stocks:
        out.append("<li>Stock: " + ", ".join(f"{k} x {escape(nm)}" for nm, k in stocks.items())
                   + "</li>")
    top = (last or {}).get("top")
    if top and top["area_m2"] > last["area_m2"]:
        out.append(f"<li>Offcut on the last sheet: {top['height']:.0f} mm along the top from "
                   f"y = {top['y_from']:.0f} mm, {top['area_m2']:.2f} m&sup2;</li>")
    elif last:
        out.append(f"<li>Offcut on the last sheet: {last['width']:.0f} mm from x = "
                   f"{last['x_from']:.0f} mm, {last['area_m2']:.2f} m&sup2;</li>")
    if t.get("cut_length_m") is not None:
        out.append(f"<li>Cut length: {t['cut_length_m']:.1f} m, estimated machine time "
                   f"{_hm(t.get('est_seconds') or 0)} (h:mm)</li>")
    if com := t.get("common_line"):
        out.append(f"<li>Common lines: {com['cut_saved_m']:.1f} m of cut and "
                   f"{com['seconds_saved'] / 60:.1f} min saved</li>")
    if t.get("cost") is not None:
        out.append(f"<li>Material cost: {t['cost']:.2f}{' ' + escape(cur) if cur else ''}</li>")
    if st.get("z_zero") is not None and sheets:
        out.append(f"<li>Zero: {_zero(st, sheets[0]['stock']['thickness'])}</li>")
    if st.get("holddown") is not None:
        out.append(f"<li>Hold-down: {escape(str(st['holddown']))}"
                   + (f", {counted(sum(len(s['screws']) for s in sheets), 'screw')} in all (each "
                      "sheet's page lists its own)" if st["holddown"] != "none" else "")
                   + "</li>")
    if st.get("profile") is not None:
        dia = st.get("tool_diameter")
        rack: dict[int, dict] = {}  # the tools the programs cut with, in order of first use
        for s in sheets:
            for t in s.get("tools") or []:
                rack.setdefault(t["number"], t)
        tools = ("; tools " + "; ".join(_tool(t) for t in rack.values()) if rack
                 else f", {dia:g} mm tool" if dia is not None else "")
        if rack and tool_table:  # as the programs' header says, where G43 applies them
            tools += (f"; tool lengths in {escape(tool_table)} are 0: touch off each tool"
                      " before running")
        out.append(f"<li>Machine: profile {escape(str(st['profile']))}{tools}</li>")
    bits = [f"{k} {escape(str(st[k]))}" for k in ("spacing", "seed") if st.get(k) is not None]
    if bits:
        out.append(f'<li class="meta">Settings: {", ".join(bits)}</li>')
    return out


# On paper: the job on a first page, then a page per sheet (one per distinct layout: a
# repeated layout's page says "cut x N" and its sheets), the drawing fitted to the page
# above what to run and the parts to sort. Screen-only things are left off.
PRINT_CSS = (
    "@page{size:landscape;margin:8mm}"
    "@media print{body{margin:0;font-size:9pt}"
    ".screen,nav,#details,#parts-list{display:none!important}"
    "section.sheet{break-before:page;break-inside:avoid;margin:0}"
    "section.sheet.repeat{display:none}"
    "section.sheet h2{font-size:12pt}"
    "section.sheet svg{width:100%;height:118mm;max-width:none;border:none}"
    ".card{font-size:8pt;gap:4mm}.card table{font-size:8pt}"
    "a{color:inherit;text-decoration:none}}")


def index_html(report: dict, svgs: list[str], title: str = "",
               remnants: Sequence[dict] = (), tool_table: str = "") -> str:
    """The job on one self-contained page (inline CSS, SVGs and a few lines of script, no
    network): summary, every sheet with links to its files (zoom and pan, a part's details
    on click), what to run on it, the parts to sort and the offcuts to keep, and the parts
    list. Printed, it is the job sheet: the job on page one, then one page per sheet (per
    distinct layout). `remnants`: the job's remnants.toml tables (kept_remnants);
    `tool_table`: the tool table written beside the programs, every length 0 ("": none)."""
    t = report.get("totals", {})
    sheets = report.get("sheets", [])
    st = report.get("settings", {})
    n = len(sheets)
    name = escape(title or str(report.get("job", "")))
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{name}: {counted(t.get('sheets', 0), 'sheet')}</title>",
           ("<style>body{font-family:sans-serif;margin:1em;color:#222}"
            "section.sheet{margin:1.5em 0}section.sheet h2{margin:.2em 0}"
            "section.sheet svg{display:block;width:100%;height:auto;max-width:1400px;"
            "border:1px solid #999;background:#fff;cursor:grab;touch-action:none}"
            "g.part:hover path.outline{fill:#f6dcaa}"
            "#details{position:fixed;right:1em;bottom:1em;max-width:40em;background:#ffd;"
            "border:1px solid #999;padding:.4em .6em}"
            "nav a{margin-right:.6em}.meta{color:#555;font-size:90%}"
            "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 6px}"
            "td.n{text-align:right}tr.unplaced,p.unplaced{background:#fbb}"
            "p.unplaced{padding:.4em;border:1px solid #c00}"
            ".card{display:flex;flex-wrap:wrap;gap:1em;margin-top:.4em;font-size:90%}"
            ".card ul.steps{flex:1 1 28em;margin:0;padding-left:1.2em}.card ol{margin:0}"
            ".card .parts{flex:1 1 22em}td.lab{font-weight:bold}"
            "td.lab .engraved{font-weight:normal;color:#a00}"
            f"{PRINT_CSS}</style></head><body>"),
           f"<h1>{name}</h1>",
           ('<p class="meta screen">Wheel to zoom, drag to pan, double-click to see the whole '
            "sheet; click a part for its placement. Print this page for the job sheet: a page "
            "per sheet.</p>"),
           '<ul class="summary">',
           f"<li>Sheets: {t.get('sheets', 0)}</li>",
           f"<li>Parts placed: {t.get('placed', 0)} of {t.get('parts', 0)}</li>",
           (f"<li>Utilisation: {t.get('utilisation', 0) * 100:.1f}% "
            f"({t.get('part_area_m2', 0):.2f} m&sup2; of parts on "
            f"{t.get('sheet_area_m2', 0):.2f} m&sup2; of sheet)</li>")]
    if fil := t.get("fillers"):  # only jobs with fillers; those left out are no fault
        out.insert(-1, f"<li>Fillers: {fil['placed']} placed, "
                       + (f"{fil['left']} left out (no room left)" if fil["left"] else
                          "all wanted") + "</li>")
    lines = _machine_lines(report, tool_table)
    if remnants:  # beside the offcut and the stock, before the settings' small print
        area = sum(_remnant_area(r) for r in remnants) / 1e6
        at = next((k for k, ln in enumerate(lines) if ln.startswith('<li class="meta">')),
                  len(lines))
        lines.insert(at, f'<li>Remnants kept: <a href="#remnants">{len(remnants)}</a> ('
                     + ", ".join(escape(str(r.get("id", ""))) for r in remnants[:8])
                     + (" ..." if len(remnants) > 8 else "")
                     + f"), {area:.2f} m&sup2; in {REMNANTS}</li>")
    out += lines
    out.append("</ul>")
    if report.get("unplaced"):
        out.append(f'<p class="unplaced">{counted(len(report["unplaced"]), "part")} did not fit: '
                   + ", ".join(escape(u["id"]) for u in report["unplaced"]) + "</p>")
    runs = {r["file"]: r for r in report.get("programs", [])}
    if runs:
        out.append(_programs_table(list(runs.values()), {s["index"]: s for s in sheets}, st))
    kept: dict[int, list[dict]] = {}
    for r in remnants:
        if (k := _remnant_sheet(r)) is not None:
            kept.setdefault(k, []).append(r)
    if remnants:
        out.append(_remnants_table(remnants, {s["index"] for s in sheets}))
    if sheets:
        out.append("<nav>Sheets: " + " ".join(f'<a href="#sheet-{s["index"]}">{s["index"]}</a>'
                                               for s in sheets) + "</nav>")
    # "of N" only where the sheets are 1..N: a re-run of a job's sheet 3 alone is "Sheet 3"
    of = n if [s.get("index") for s in sheets] == list(range(1, n + 1)) else None
    for s, svg in zip(sheets, svgs):
        out += _sheet_section(s, svg, runs.get(s.get("file_program") or ""), of, st, kept)
    out.append('<div id="parts-list"><h2 id="parts">Parts</h2><table><tr><th>part</th>'
               "<th>source</th><th>quantity</th><th>placed</th><th>sheets</th></tr>")
    for p in report.get("parts", []):
        cls = ' class="unplaced"' if p["placed"] < p["quantity"] else ""
        on = ", ".join(f'<a href="#sheet-{k}">{k}</a>' for k in p["sheets"])
        out.append(f"<tr{cls}><td>{escape(p['name'])}</td><td>{escape(p['source'])}</td>"
                   f'<td class="n">{p["quantity"]}</td><td class="n">{p["placed"]}</td>'
                   f"<td>{on}</td></tr>")
    out.append('</table></div><p id="details" hidden></p>')
    out.append(VIEW_JS)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _sheet_section(s: dict, svg: str, run: dict | None, n: int | None, settings: dict,
                   kept: dict[int, list[dict]] | None = None) -> list[str]:
    """One sheet: its heading and files, the drawing, and its card. A sheet cut by the
    program of an earlier sheet is marked `repeat` (printed once, with that sheet). `n`:
    the output's sheet count, None where its sheets are not numbered 1..n."""
    count = run["count"] if run else 1
    repeat = bool(run) and run["sheets"][0] != s["index"]
    links = [f'<a href="{escape(s["file_dxf"], True)}">DXF</a>',
             f'<a href="{escape(s["file_svg"], True)}">SVG</a>']
    progs = s.get("programs") or []
    if len(progs) > 1:  # one program per tool: run them in this order
        links += [f'<a href="{escape(p["file"], True)}">program {k}'
                  f' (T{"+T".join(str(t) for t in p["tools"])})</a>'
                  for k, p in enumerate(progs, 1)]
    elif s.get("file_program"):
        links.append(f'<a href="{escape(s["file_program"], True)}">program'
                     + (f" (cut x {count})" if count > 1 else "") + "</a>")
    tp = s.get("toolpath")
    meta = (f"{counted(len(s['parts']), 'part')}, {s['utilisation'] * 100:.1f}% used"
            + (f", {tp['cut_length_m']:.1f} m of cut, {_hm(tp['est_seconds'])}{_stops(tp)}"
               if tp else ""))
    if s.get("tools"):  # which tool to fit, in which order, for how long
        meta += "; tools in order: " + ", ".join(
            f"{_tool(t)} ({_hm(t['est_seconds'])})" for t in s["tools"])
    head = f"Sheet {s['index']}" + (f" of {n}" if n else "")
    if count > 1:
        head += f", cut x {count}: sheets {sheets_text(run['sheets'])}"
    cls = "sheet repeat" if repeat else "sheet"
    body = svg.split("?>", 1)[-1] if svg.lstrip().startswith("<?xml") else svg
    return [f'<section class="{cls}" id="sheet-{s["index"]}"><h2>{head} '
            f'<span class="screen">{" ".join(links)}</span></h2>',
            f'<p class="meta screen">{escape(s["stock"]["name"])}: {meta}</p>', body.strip(),
            _sheet_card(s, run, settings, kept), "</section>"]


TOOL_TABLE = "tool.tbl"  # what pipeline.outputs writes beside LinuxCNC programs


def write_preview_folder(outdir: Path) -> Path:
    """Rebuild an output folder's index.html from its report.json and sheet SVGs (after an
    upgrade, or when index.html was lost); written atomically. Returns the index path."""
    outdir = Path(outdir)
    report = read_report(outdir)
    svgs = []
    for s in report.get("sheets", []):
        f = outdir / Path(str(s.get("file_svg", ""))).name  # never outside the folder
        try:
            svgs.append(f.read_text(encoding="utf-8"))
        except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
            raise InputError("sheet preview missing or unreadable", f) from None
    html = index_html(report, svgs, title=str(report.get("job", "")),
                      remnants=kept_remnants(outdir),
                      tool_table=TOOL_TABLE if (outdir / TOOL_TABLE).is_file() else "")
    index = outdir / "index.html"
    tmp = outdir / f".index.html.{os.getpid()}.tmp"  # a plain file: the umask's permissions
    try:
        tmp.write_text(html, encoding="utf-8", newline="\n")
        os.replace(tmp, index)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return index
