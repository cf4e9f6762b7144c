"""SVG previews of sheets and parts, and index.html with every sheet of a job.

SVGs are to scale (mm), y flipped so the sheet's lower-left is bottom-left as on the machine;
one <g class="part"> per placed part so tools and tests can find them.
"""

from __future__ import annotations

from html import escape

from .model import Part, SheetLayout, SheetProgram


def _f(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _ring(coords, H: float) -> str:
    pts = list(coords)
    return "M" + " L".join(f"{_f(x)},{_f(H - y)}" for x, y in pts[:-1]) + " Z"


def _poly_d(poly, H: float) -> str:
    return " ".join([_ring(poly.exterior.coords, H)] + [_ring(r.coords, H) for r in poly.interiors])


def _part_group(p: Part, H: float, instance: str, title: str) -> list[str]:
    gid = "part-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in instance)
    out = [f'<g class="part" id="{escape(gid, True)}" data-part="{escape(instance, True)}">',
           f"<title>{escape(title)}</title>",
           f'<path d="{_poly_d(p.outline, H)}" fill="#e8c990" fill-rule="evenodd" '
           'stroke="#5a3d10" stroke-width="1.5"/>']
    for pk in p.pockets:
        out.append(f'<path d="{_poly_d(pk.shape, H)}" fill="#b08040" fill-rule="evenodd" '
                   f'stroke="#6b4a1c" stroke-width="0.8"><title>pocket {_f(pk.depth)} mm'
                   '</title></path>')
    for d in p.drills:
        r = d.diameter / 2
        out.append(f'<circle cx="{_f(d.x)}" cy="{_f(H - d.y)}" r="{_f(r)}" fill="#fff" '
                   'stroke="#a00" stroke-width="0.8"/>')
    for e in p.engravings:
        pts = " ".join(f"{_f(x)},{_f(H - y)}" for x, y in e.path.coords)
        out.append(f'<polyline points="{pts}" fill="none" stroke="#333" stroke-width="0.8"/>')
    x0, y0, x1, y1 = p.outline.bounds
    size = max(8.0, min(40.0, (x1 - x0) / max(len(title), 1) * 1.6, (y1 - y0) * 0.35))
    ax, ay = p.label_anchor()
    out.append(f'<text x="{_f(ax)}" y="{_f(H - ay)}" font-size="{_f(size)}" '
               'font-family="sans-serif" text-anchor="middle" dominant-baseline="middle" '
               f'fill="#222">{escape(title)}</text>')
    out.append("</g>")
    return out


def sheet_svg(sheet: SheetLayout, program: SheetProgram | None = None, spacing: float = 0.0,
              toolpaths: bool = False, total: int | None = None) -> str:
    st = sheet.stock
    W, H = st.width, st.height
    m = st.margin
    legend_h = 60.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(W)}mm" '
           f'height="{_f(H + legend_h)}mm" viewBox="0 0 {_f(W)} {_f(H + legend_h)}">',
           f'<rect x="0" y="0" width="{_f(W)}" height="{_f(H)}" fill="#f4ead8" '
           'stroke="#000" stroke-width="2"/>']
    if m > 0:
        out.append(f'<path d="M0,0 H{_f(W)} V{_f(H)} H0 Z M{_f(m)},{_f(m)} V{_f(H - m)} '
                   f'H{_f(W - m)} V{_f(m)} Z" fill="#c8c8c8" fill-opacity="0.6" '
                   'fill-rule="evenodd"><title>margin</title></path>')
    for z in st.keepouts:
        out.append(f'<path d="{_poly_d(z, H)}" fill="#d04040" fill-opacity="0.35">'
                   "<title>keep-out</title></path>")
    for p in sheet.placements:
        out += _part_group(p.placed(), H, p.instance, f"{p.instance} {p.part.name}")
    if toolpaths and program is not None:
        out.append('<g class="toolpaths" fill="none">')
        n = 0
        for op in program.operations:
            pts: list[str] = []
            prev = None
            for mv in op.moves:
                if prev is not None and mv.kind == "rapid":
                    out.append(f'<line x1="{_f(prev[0])}" y1="{_f(H - prev[1])}" x2="{_f(mv.x)}"'
                               f' y2="{_f(H - mv.y)}" stroke="#08f" stroke-width="0.6" '
                               'stroke-dasharray="6,4"/>')
                elif mv.z < 0:
                    pts.append(f"{_f(mv.x)},{_f(H - mv.y)}")
                prev = (mv.x, mv.y)
            if pts:
                n += 1
                out.append(f'<polyline points="{" ".join(pts)}" stroke="#c00" '
                           'stroke-width="0.5"/>')
                x, y = pts[0].split(",")
                out.append(f'<text x="{x}" y="{y}" font-size="14" fill="#c00">{n}</text>')
            for tx, ty in op.tabs:
                out.append(f'<circle cx="{_f(tx)}" cy="{_f(H - ty)}" r="4" fill="#0a0"/>')
        out.append("</g>")
    of = f" of {total}" if total else ""
    out.append(f'<text class="legend" x="10" y="{_f(H + 40)}" font-size="30" '
               f'font-family="sans-serif">Sheet {sheet.index}{of}: {escape(st.label)}, '
               f"{len(sheet.placements)} parts, {sheet.utilisation * 100:.1f}% used</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def part_svg(part: Part) -> str:
    x0, y0, x1, y1 = part.outline.bounds
    pad = 20.0
    W, H = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    moved = part.transformed(0.0, pad - x0, pad - y0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(W)}mm" height="{_f(H + 30)}mm"'
           f' viewBox="0 0 {_f(W)} {_f(H + 30)}">']
    out += _part_group(moved, H, part.name, part.text)
    out.append(f'<text x="{_f(pad)}" y="{_f(H + 20)}" font-size="16" font-family="sans-serif">'
               f"{escape(part.name)}: {_f(x1 - x0)} x {_f(y1 - y0)} mm, "
               f"{part.area / 1e6:.3f} m2</text></svg>")
    return "\n".join(out) + "\n"


def index_html(report: dict, svgs: list[str], title: str = "") -> str:
    t = report.get("totals", {})
    name = escape(title or str(report.get("job", "")))
    secs = t.get("est_seconds") or 0
    last = report["sheets"][-1]["offcut"] if report.get("sheets") else None
    rows = []
    for p in report.get("parts", []):
        cls = ' class="unplaced"' if p["placed"] < p["quantity"] else ""
        rows.append(f"<tr{cls}><td>{escape(p['name'])}</td><td>{escape(p['source'])}</td>"
                    f"<td>{p['quantity']}</td><td>{p['placed']}</td>"
                    f"<td>{', '.join(str(s) for s in p['sheets'])}</td></tr>")
    cost = t.get("cost")
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{name}: {t.get('sheets', 0)} sheets</title>",
           "<style>body{font-family:sans-serif;margin:1em}section.sheet{margin:1em 0}"
           "section.sheet svg{width:100%;height:auto;max-width:1400px;border:1px solid #999}"
           "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 6px}"
           "tr.unplaced{background:#fbb}</style></head><body>",
           f"<h1>{name}</h1>", '<ul class="summary">',
           f"<li>Sheets: {t.get('sheets', 0)}</li>",
           f"<li>Parts placed: {t.get('placed', 0)} of {t.get('parts', 0)}</li>",
           f"<li>Utilisation: {t.get('utilisation', 0) * 100:.1f}%</li>"]
    if last:
        out.append(f"<li>Offcut on the last sheet: {last['width']:.0f} mm, "
                   f"{last['area_m2']:.2f} m&sup2;</li>")
    if t.get("cut_length_m") is not None:
        out.append(f"<li>Cut length: {t['cut_length_m']:.1f} m, estimated machine time "
                   f"{int(secs // 3600)}:{int(secs % 3600 // 60):02d}</li>")
    if cost is not None:
        out.append(f"<li>Material cost: {cost:.2f}</li>")
    out.append("</ul>")
    if report.get("unplaced"):
        out.append('<p class="unplaced">Unplaced: '
                   + ", ".join(escape(u["id"]) for u in report["unplaced"]) + "</p>")
    for s, svg in zip(report.get("sheets", []), svgs):
        links = [f'<a href="{escape(s["file_dxf"])}">DXF</a>']
        if s.get("file_program"):
            links.append(f'<a href="{escape(s["file_program"])}">program</a>')
        out.append(f'<section class="sheet" id="sheet-{s["index"]}"><h2>Sheet {s["index"]} '
                   f'({s["utilisation"] * 100:.1f}%) {" ".join(links)}</h2>')
        out.append(svg.split("?>", 1)[-1])
        out.append("</section>")
    out.append("<h2>Parts</h2><table><tr><th>part</th><th>source</th><th>quantity</th>"
               "<th>placed</th><th>sheets</th></tr>")
    out += rows
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"
