"""index.html: a job on one self-contained page, built from its report and sheet SVGs."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from ..errors import InputError
from ..io.report import read_report


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
        + d.x + ', y ' + d.y + ' mm, rotated ' + d.rotation + ' deg, ' + d.size + ' mm'
        + (d.source ? ', from ' + d.source : '');
      info.hidden = false;
    });
  });
})();
</script>"""


def _programs_table(runs: list[dict]) -> str:
    """The distinct programs, each with how many times to run it and on which sheets."""
    rows = "".join(f'<tr><td><a href="{escape(r["file"], True)}">{escape(r["file"])}</a></td>'
                   f'<td class="n">cut x {r["count"]}</td><td>'
                   + ", ".join(f'<a href="#sheet-{k}">{k}</a>' for k in r["sheets"])
                   + "</td></tr>" for r in runs)
    return ('<h2 id="programs">Programs</h2><table><tr><th>program</th><th>run</th>'
            f"<th>sheets</th></tr>{rows}</table>")


def index_html(report: dict, svgs: list[str], title: str = "") -> str:
    """The job on one self-contained page (inline CSS, SVGs and a few lines of script, no
    network): summary, every sheet with links to its files (zoom and pan, a part's details
    on click), and the parts list."""
    t = report.get("totals", {})
    sheets = report.get("sheets", [])
    n = len(sheets)
    cur = report.get("settings", {}).get("currency") or ""
    name = escape(title or str(report.get("job", "")))
    last = sheets[-1]["offcut"] if sheets else None
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{name}: {t.get('sheets', 0)} sheets</title>",
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
            "p.unplaced{padding:.4em;border:1px solid #c00}</style></head><body>"),
           f"<h1>{name}</h1>",
           ('<p class="meta">Wheel to zoom, drag to pan, double-click to see the whole sheet; '
            "click a part for its placement.</p>"),
           '<ul class="summary">',
           f"<li>Sheets: {t.get('sheets', 0)}</li>",
           f"<li>Parts placed: {t.get('placed', 0)} of {t.get('parts', 0)}</li>",
           (f"<li>Utilisation: {t.get('utilisation', 0) * 100:.1f}% "
            f"({t.get('part_area_m2', 0):.2f} m&sup2; of parts on "
            f"{t.get('sheet_area_m2', 0):.2f} m&sup2; of sheet)</li>")]
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
    if t.get("cost") is not None:
        out.append(f"<li>Material cost: {t['cost']:.2f}{' ' + escape(cur) if cur else ''}</li>")
    st = report.get("settings", {})
    bits = [f"{k} {escape(str(st[k]))}" for k in ("profile", "tool_diameter", "spacing", "seed")
            if st.get(k) is not None]
    if bits:
        out.append(f'<li class="meta">Settings: {", ".join(bits)}</li>')
    out.append("</ul>")
    if report.get("unplaced"):
        out.append(f'<p class="unplaced">{len(report["unplaced"])} parts did not fit: '
                   + ", ".join(escape(u["id"]) for u in report["unplaced"]) + "</p>")
    runs = {r["file"]: r for r in report.get("programs", [])}
    if len(runs) < sum(r["count"] for r in runs.values()):  # some layouts repeat
        out.append(_programs_table(list(runs.values())))
    if sheets:
        out.append("<nav>Sheets: " + " ".join(f'<a href="#sheet-{s["index"]}">{s["index"]}</a>'
                                               for s in sheets) + "</nav>")
    for s, svg in zip(sheets, svgs):
        links = [f'<a href="{escape(s["file_dxf"], True)}">DXF</a>',
                 f'<a href="{escape(s["file_svg"], True)}">SVG</a>']
        progs = s.get("programs") or []
        if len(progs) > 1:  # one program per tool: run them in this order
            links += [f'<a href="{escape(p["file"], True)}">program {k}'
                      f' (T{"+T".join(str(t) for t in p["tools"])})</a>'
                      for k, p in enumerate(progs, 1)]
        elif s.get("file_program"):
            count = runs.get(s["file_program"], {}).get("count", 1)
            links.append(f'<a href="{escape(s["file_program"], True)}">program'
                         + (f" (cut x {count})" if count > 1 else "") + "</a>")
        tp = s.get("toolpath")
        meta = (f"{len(s['parts'])} parts, {s['utilisation'] * 100:.1f}% used"
                + (f", {tp['cut_length_m']:.1f} m of cut, {_hm(tp['est_seconds'])}" if tp else ""))
        if s.get("tools"):  # which tool to fit, in which order, for how long
            meta += "; tools in order: " + ", ".join(
                f"T{t['number']} {t['diameter']:g} mm {t['name']} ({_hm(t['est_seconds'])})"
                for t in s["tools"])
        out.append(f'<section class="sheet" id="sheet-{s["index"]}"><h2>Sheet {s["index"]} of '
                   f'{n} {" ".join(links)}</h2><p class="meta">{escape(s["stock"]["name"])}: '
                   f"{meta}</p>")
        body = svg.split("?>", 1)[-1] if svg.lstrip().startswith("<?xml") else svg
        out.append(body.strip())
        out.append("</section>")
    out.append('<h2 id="parts">Parts</h2><table><tr><th>part</th><th>source</th>'
               "<th>quantity</th><th>placed</th><th>sheets</th></tr>")
    for p in report.get("parts", []):
        cls = ' class="unplaced"' if p["placed"] < p["quantity"] else ""
        on = ", ".join(f'<a href="#sheet-{k}">{k}</a>' for k in p["sheets"])
        out.append(f"<tr{cls}><td>{escape(p['name'])}</td><td>{escape(p['source'])}</td>"
                   f'<td class="n">{p["quantity"]}</td><td class="n">{p["placed"]}</td>'
                   f"<td>{on}</td></tr>")
    out.append('</table><p id="details" hidden></p>')
    out.append(VIEW_JS)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


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
    html = index_html(report, svgs, title=str(report.get("job", "")))
    index = outdir / "index.html"
    tmp = outdir / f".index.html.{os.getpid()}.tmp"  # a plain file: the umask's permissions
    try:
        tmp.write_text(html, encoding="utf-8", newline="\n")
        os.replace(tmp, index)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return index
