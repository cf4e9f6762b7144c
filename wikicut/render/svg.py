"""SVG previews of sheets and parts, with the router's toolpaths drawn over a sheet on request.

SVGs are in mm (viewBox): opened in a browser they fit the window, printed they are to
scale (a print stylesheet gives the size in mm). y is flipped so the sheet's lower-left is
bottom-left as on the machine, marked with the origin and the axes; one <g class="part"> per
placed part (with its placement in data- attributes) so tools, tests and the page find
them. Output is deterministic text (fixed number formatting) and valid XML; every user
string is escaped (part names may hold <&">).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from html import escape

import shapely
from shapely.geometry import LineString, Polygon

from ..errors import InputError
from ..model import Part, SheetLayout
from ..model.font import engraved_text
from ..model.label import LabelPlace, place_label
from .toolpaths import C_RAPID, C_TAB, Motion, rack_tools, toolpath_overlay

SVG_NS = "http://www.w3.org/2000/svg"

# colours: one place, so the legend always matches the drawing
C_SHEET, C_MARGIN, C_KEEPOUT = "#f4ead8", "#c8c8c8", "#d04040"
C_PART, C_EDGE, C_HOLE = "#e8c990", "#5a3d10", "#1f5fa0"
C_POCKET, C_DRILL, C_ENGRAVE = "#a8763a", "#a00000", "#333333"
C_MIRROR = "#6a1b9a"  # the dashed edge of a part cut face down


def _f(v: float) -> str:
    """A number as short fixed text (2 decimals, trailing zeros trimmed, never -0)."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _f3(v: float) -> str:
    """A placement as report.json gives it (3 decimals)."""
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _ring(coords, H: float) -> str:
    pts = list(coords)
    return "M" + " L".join(f"{_f(x)},{_f(H - y)}" for x, y in pts[:-1]) + " Z"


def _poly_d(poly: Polygon, H: float) -> str:
    return " ".join([_ring(poly.exterior.coords, H)] + [_ring(r.coords, H) for r in poly.interiors])


def _polys(geom) -> list[Polygon]:
    return [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]


def _chord(poly: Polygon, cx: float, cy: float, vertical: bool) -> LineString | None:
    """The straight run inside the part through (cx, cy): where a label has room."""
    x0, y0, x1, y1 = poly.bounds
    line = (LineString([(cx, y0 - 1), (cx, y1 + 1)]) if vertical
            else LineString([(x0 - 1, cy), (x1 + 1, cy)]))
    pt = shapely.Point(cx, cy)
    inter = line.intersection(poly)
    for seg in getattr(inter, "geoms", [inter]):
        if isinstance(seg, LineString) and not seg.is_empty and seg.distance(pt) < 1e-6:
            return seg
    return None


CHAR_W = 0.68  # average advance of a sans-serif character, in em (generous: labels stay in)


def label_box(poly, text: str, max_size: float = 40.0) -> tuple[float, float, float, bool]:
    """Where a label fits inside a part: (x, y, font size, vertical?).

    Tries the middle of the longest straight run through the widest inscribed circle (a point
    deep inside, even in an L, a ring or a bowtie), across and up; the text's box must lie
    inside the part, shrinking until it does. Tall narrow parts get their label turned 90
    degrees.
    """
    circle = shapely.maximum_inscribed_circle(poly)
    (cx, cy), _ = circle.coords
    n = max(len(text), 1)
    best = (0.0, cx, cy, False)
    for vertical in (False, True):
        seg = _chord(poly, cx, cy, vertical)
        if seg is None:
            continue
        mid = seg.interpolate(0.5, normalized=True)
        for x, y in ((mid.x, mid.y), (cx, cy)):
            size = min(max_size, seg.length * 0.92 / (CHAR_W * n))
            while size > best[0] and size >= 3.0:
                hw, hh = CHAR_W * n * size / 2, 0.4 * size
                if vertical:
                    hw, hh = hh, hw
                if poly.contains(shapely.box(x - hw, y - hh, x + hw, y + hh)):
                    best = (size, x, y, vertical)
                    break
                size *= 0.85
    size, x, y, vertical = best
    if size == 0.0:  # nothing fits (a sliver): a small label at the deepest point
        return cx, cy, 3.0, False
    return x, y, size, vertical


def _label_area(p: Part):
    """The part less its pockets and drills: where its label can be read."""
    cut = [pk.shape for pk in p.pockets] + [shapely.Point(d.x, d.y).buffer(d.diameter / 2 + 2)
                                            for d in p.drills]
    if not cut:
        return p.outline
    free = p.outline.difference(shapely.union_all(cut))
    return free if free.area > 0.05 * p.outline.area else p.outline


CAP = 0.72  # cap height of a sans-serif font, in em: the drawn capitals as tall as engraved


def _as_engraved(text: str) -> str:
    """The label as typed, as an attribute, where the router engraves it otherwise (in
    capitals, '?' for a character its font lacks: the drawing shows what is engraved)."""
    cut = engraved_text(text)
    return "" if cut == text else f' data-label="{escape(text, True)}"'


def _label_text(p: Part, H: float, radius: float, place: LabelPlace | None | bool = True
                ) -> str:
    """The part's label as the planner engraves it (model.place_label, for a tool of
    `radius`): at the centre of the strokes' box, set where the font sets them (as wide,
    capitals as tall), turned as they are. A label with no room to be engraved is drawn
    grey at the part's widest place, so the part can still be told on the sheet. Where the
    font lacks a character of the label it engraves '?' (font.engraved_text), and so does
    the drawing, in capitals as engraved; the text as typed is then in data-label.
    `place`: the label's place when the caller found it already (True: find it here)."""
    if place is True:
        place = place_label(p, radius)
    if place is None:
        x, y, size, vertical = label_box(_label_area(p), p.text)
        turn = f' transform="rotate(-90 {_f(x)} {_f(H - y)})"' if vertical else ""
        return (f'<text class="label unengraved" x="{_f(x)}" y="{_f(H - y)}" '
                f'font-size="{_f(size)}"{turn} font-family="sans-serif" text-anchor="middle" '
                'dominant-baseline="middle" font-style="italic" fill="#777">'
                + escape(p.text) + "</text>")
    x, y, h = place.x, H - place.y, place.height
    turn = f' transform="rotate({_f(-place.angle)} {_f(x)} {_f(y)})"' if place.angle else ""
    sx, sy = place.start
    return (f'<text class="label" x="{_f(x)}" y="{_f(y)}" dx="{_f(sx)}" dy="{_f(-sy)}" '
            f'font-size="{_f(h / CAP)}" textLength="{_f(place.width)}" '
            f'lengthAdjust="spacingAndGlyphs"{turn}{_as_engraved(place.text)} '
            'font-family="sans-serif" fill="#222">' + escape(engraved_text(place.text))
            + "</text>")


def _part_group(p: Part, H: float, instance: str, title: str, data: str = "",
                hover: str = "", mirrored: bool = False, label_radius: float = 0.0,
                label: LabelPlace | None | bool = True) -> list[str]:
    """One placed part: filled outline (holes show through), holes, pockets, drills,
    engravings and its label, in one <g class="part">; `title` (its tooltip) and `hover`
    name it, `data` (attributes) go on its element. The label is the text the router engraves
    on it (Part.text) where it engraves it (see _label_text; `label_radius`: the engraving
    tool's), so the parts on a printed sheet read as the parts off the machine. A
    part cut face down (`mirrored`) has a dashed edge, the legend says what it means; its
    label reads as engraved, never mirrored. `label`: its place, found already (True:
    find it here)."""
    gid = "part-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in instance)
    out = [(f'<g class="part" id="{escape(gid, True)}" data-part="{escape(instance, True)}"'
           f"{data}>"),
           f"<title>{escape(title + hover)}</title>",
           (f'<path class="outline" d="{_poly_d(p.outline, H)}" fill="{C_PART}" '
            f'fill-rule="evenodd" stroke="{C_EDGE}" stroke-width="1.5"/>')]
    if mirrored:
        out.append(f'<path class="mirrored" d="{_ring(p.outline.exterior.coords, H)}" '
                   f'fill="none" stroke="{C_MIRROR}" stroke-width="4" stroke-dasharray="14,8">'
                   "<title>mirrored: cut face down</title></path>")
    for hole in p.outline.interiors:
        out.append(f'<path class="hole" d="{_ring(hole.coords, H)}" fill="none" '
                   f'stroke="{C_HOLE}" stroke-width="1.5"/>')
    for pk in p.pockets:
        for poly in _polys(pk.shape):
            out.append(f'<path class="pocket" d="{_poly_d(poly, H)}" fill="{C_POCKET}" '
                       'fill-rule="evenodd" stroke="#6b4a1c" stroke-width="0.8">'
                       f"<title>pocket {_f(pk.depth)} mm deep</title></path>")
        x0, y0, x1, y1 = pk.shape.bounds
        fs = min(14.0, (x1 - x0) / 5, (y1 - y0) / 2)
        if fs >= 5:
            c = pk.shape.representative_point()
            out.append(f'<text class="depth" x="{_f(c.x)}" y="{_f(H - c.y)}" font-size="{_f(fs)}"'
                       ' font-family="sans-serif" text-anchor="middle" '
                       f'dominant-baseline="middle" fill="#fff">{_f(pk.depth)}</text>')
    for d in p.drills:
        r, cx, cy = d.diameter / 2, d.x, H - d.y
        k = r * 0.7
        depth = "through" if d.depth is None else f"{_f(d.depth)} mm deep"
        out.append(f'<g class="drill"><title>drill {_f(d.diameter)} mm, {depth}</title>'
                   f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}" fill="#fff" '
                   f'stroke="{C_DRILL}" stroke-width="0.8"/><path d="M{_f(cx - k)},{_f(cy - k)} '
                   f'L{_f(cx + k)},{_f(cy + k)} M{_f(cx - k)},{_f(cy + k)} L{_f(cx + k)},'
                   f'{_f(cy - k)}" stroke="{C_DRILL}" stroke-width="0.6"/></g>')
    for e in p.engravings:
        pts = " ".join(f"{_f(x)},{_f(H - y)}" for x, y in e.path.coords)
        out.append(f'<polyline class="engraving" points="{pts}" fill="none" stroke="{C_ENGRAVE}"'
                   ' stroke-width="0.8"/>')
    out.append(_label_text(p, H, label_radius, label))
    out.append("</g>")
    return out


def _scale(W: float, H: float) -> float:
    return max(0.2, min(1.0, max(W, H) / 2440.0))  # text size follows the sheet


def _legend(W: float, H: float, title: str, toolpaths: bool,
            screws: bool = False, mirrored: bool = False,
            rack: Sequence[tuple[int, float, str]] = ()) -> tuple[list[str], float]:
    """Sheet n of N, stock, parts, utilisation; colour key (with a rack, `rack`: each tool's
    colour); a scale bar. Sized to the sheet (a 2440 mm sheet gets 28 mm text) and wrapped
    to its width. (lines, band height)"""
    k = _scale(W, H)
    fs = min(28 * k, W * 0.95 / (CHAR_W * max(len(title), 1)))
    out = ['<g class="legend" font-family="sans-serif">',
           (f'<text class="legend-title" x="{_f(10 * k)}" y="{_f(H + 35 * k)}" '
            f'font-size="{_f(fs)}">{escape(title)}</text>')]
    keys = [("part", f'fill="{C_PART}" stroke="{C_EDGE}"'),
            ("hole", f'fill="{C_SHEET}" stroke="{C_HOLE}"'),
            ("pocket", f'fill="{C_POCKET}" stroke="#6b4a1c"'),
            ("drill", f'fill="#fff" stroke="{C_DRILL}"'),
            ("engraving", f'fill="none" stroke="{C_ENGRAVE}"'),
            ("margin", f'fill="{C_MARGIN}" stroke="none"'),
            ("keep-out", f'fill="{C_KEEPOUT}" fill-opacity="0.35" stroke="none"')]
    if screws:
        keys.append(("hold-down screw (numbered)", 'fill="#333" stroke="none"'))
    if mirrored:
        keys.append(("mirrored: cut face down",
                     f'fill="{C_PART}" stroke="{C_MIRROR}" stroke-dasharray="6,3"'))
    if toolpaths and rack:  # each tool its colour, paler where it cuts shallower
        keys += [(f"T{t} {_f(d)} mm cut" + (" (paler: shallower)" if i == 0 else ""),
                  f'fill="{c}" fill-opacity="0.5" stroke="none"')
                 for i, (t, d, c) in enumerate(rack)]
    elif toolpaths:
        keys += [("cut at tool width (orange shallow, red through)",
                  'fill="#c00000" fill-opacity="0.5" stroke="none"')]
    if toolpaths:
        keys += [("tab (material left)", f'fill="{C_TAB}" stroke="none"'),
                 ("rapid", f'fill="none" stroke="{C_RAPID}" stroke-dasharray="6,4"')]
    bar = 500.0 if W >= 1200 else 100.0 if W >= 250 else 10.0
    x, y = 10 * k, H + 55 * k
    for name, style in keys:
        step = (36 + 11 * len(name) + 30) * k
        if x + step > W - 10 * k:
            x, y = 10 * k, y + 30 * k
        out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(30 * k)}" height="{_f(20 * k)}" '
                   f'{style} stroke-width="{_f(1.5 * k)}"/>')
        out.append(f'<text x="{_f(x + 36 * k)}" y="{_f(y + 16 * k)}" font-size="{_f(20 * k)}">'
                   f"{escape(name)}</text>")
        x += step
    if x + 20 * k + bar > W - 10 * k:
        x, y = 10 * k, y + 30 * k
    bx = max(x + 20 * k, W - bar - 20 * k)
    out.append(f'<path class="scale" d="M{_f(bx)},{_f(y)} V{_f(y + 20 * k)} H{_f(bx + bar)} '
               f'V{_f(y)}" fill="none" stroke="#000" stroke-width="{_f(2 * k)}"/>')
    out.append(f'<text x="{_f(bx + bar / 2)}" y="{_f(y + 16 * k)}" font-size="{_f(18 * k)}" '
               f'text-anchor="middle">{_f(bar)} mm</text>')
    out.append("</g>")
    return out, y + 35 * k - H


def _origin(H: float, k: float) -> list[str]:
    """The machine's X0 Y0 (the sheet's lower-left corner) and which way X and Y run."""
    a, h = 120 * k, 12 * k
    return ['<g class="origin" stroke="#000" fill="#000" font-family="sans-serif">',
            "<title>origin X0 Y0: the sheet's lower-left corner</title>",
            f'<circle cx="0" cy="{_f(H)}" r="{_f(8 * k)}" fill="none" stroke-width="{_f(2 * k)}"/>',
            (f'<path d="M0,{_f(H)} H{_f(a)} M0,{_f(H)} V{_f(H - a)}" fill="none" '
             f'stroke-width="{_f(2.5 * k)}"/>'),
            (f'<path d="M{_f(a + h)},{_f(H)} L{_f(a)},{_f(H - h / 2)} L{_f(a)},{_f(H + h / 2)} Z '
             f'M0,{_f(H - a - h)} L{_f(-h / 2)},{_f(H - a)} L{_f(h / 2)},{_f(H - a)} Z" '
             'stroke="none"/>'),
            (f'<text x="{_f(a + h + 4 * k)}" y="{_f(H - 4 * k)}" font-size="{_f(20 * k)}" '
             'stroke="none">X</text>'),
            (f'<text x="{_f(6 * k)}" y="{_f(H - a - h)}" font-size="{_f(20 * k)}" '
             'stroke="none">Y</text>'),
            "</g>"]


PRINT_CSS = "@media print{{svg:root{{width:{w}mm;height:{h}mm}}}}"


def _svg_open(W: float, Ht: float, extra: str = "") -> list[str]:
    """The root element: a viewBox in mm and no size, so a browser fits it to the window; the
    size in mm only for printing (svg:root: not when the SVG is inlined in index.html)."""
    return [f'<svg xmlns="{SVG_NS}" viewBox="0 0 {_f(W)} {_f(Ht)}"{extra}>',
            f"<style>{PRINT_CSS.format(w=_f(W), h=_f(Ht))}</style>"]


def _placement_data(p, placed: Part | None = None) -> tuple[str, str]:
    """A placement as data- attributes (for the page's details panel) and tooltip lines
    (`placed`: the part in sheet coordinates, when the caller has it)."""
    x0, y0, x1, y1 = (placed or p.placed()).outline.bounds
    vals = {"name": p.part.name, "x": _f3(p.x), "y": _f3(p.y), "rotation": _f3(p.rotation % 360),
            "size": f"{_f(x1 - x0)} x {_f(y1 - y0)}", "source": p.part.source or ""}
    if p.mirrored:  # only then: previews of jobs without mirroring stay as they were
        vals["mirrored"] = "yes"
    data = "".join(f' data-{k}="{escape(v, True)}"' for k, v in vals.items())
    hover = (f"\nat x {vals['x']}, y {vals['y']} mm, rotated {vals['rotation']} deg"
             + (", mirrored (cut face down)" if p.mirrored else "")
             + f"\n{vals['size']} mm" + (f"\n{vals['source']}" if vals["source"] else ""))
    return data, hover


def _sheet_title(sheet: SheetLayout, total: int | None) -> str:
    st = sheet.stock
    of = f" of {total}" if total else ""
    used = f", strip {_f(sheet.used_length)} mm used" if sheet.used_length else ""
    return (f"Sheet {sheet.index}{of}: {st.label}, {len(sheet.placements)} parts, "
            f"{round(sheet.utilisation, 4) * 100:.1f}% used{used}")  # as report.json rounds it


def _assemble(head: str, body: list[str], W: float, H: float, thickness: float, title: str,
              moves: Iterable[Motion] | None, tool_diameter: float,
              changes: Sequence[tuple[int, int, float]] = ()) -> str:
    """The sheet's drawing (`body`: sheet, margin, keep-outs, parts) with the toolpaths, the
    origin and the legend, under a root sized to them."""
    legend, legend_h = _legend(W, H, title, moves is not None,
                               any(ln.startswith('<circle class="screw"') for ln in body),
                               any(ln.startswith('<path class="mirrored"') for ln in body),
                               rack_tools(changes) if moves is not None else ())
    out = [*_svg_open(W, H + legend_h, f" {head}"), *body]
    if moves is not None:
        out += toolpath_overlay(moves, H, thickness, tool_diameter, changes)
    out += _origin(H, _scale(W, H))
    out += legend
    out.append("</svg>")
    return "\n".join(out) + "\n"


def sheet_svg(sheet: SheetLayout, moves: Iterable[Motion] | None = None,
              tool_diameter: float = 0.0, spacing: float = 0.0, total: int | None = None,
              changes: Sequence[tuple[int, int, float]] = (),
              screws: Iterable[tuple[float, float]] = (), screw_diameter: float = 10.0,
              label_radius: float | None = None, labels: dict | None = None) -> str:
    """One sheet in mm: margin and keep-outs shaded, parts filled and labelled, hold-down
    screws, origin, a legend; with `moves` (the written program read back by
    wikicut.verify.simulate) the router's moves drawn over it at the tool's width
    (`changes`: render.tool_changes). `total` is the job's sheet count. Labels are drawn
    where a tool of `label_radius` engraves them (None: half `tool_diameter`, the job's
    tool; a rack that engraves with another tool passes that one's). `labels`: a dict the
    caller keeps across the sheets of one layout (its parts alive meanwhile), where each
    label's place is kept by part, placement and radius: a layout cut 26 times has its
    labels placed once, not 26 times (finding a place is most of a sheet's drawing)."""
    st = sheet.stock
    W, H, m = st.width, st.height, st.margin
    radius = tool_diameter / 2 if label_radius is None else label_radius
    body = [f"<title>Sheet {sheet.index}: {escape(st.label)}</title>",
            (f'<rect class="sheet" x="0" y="0" width="{_f(W)}" height="{_f(H)}" '
             f'fill="{C_SHEET}" stroke="#000" stroke-width="2"/>')]
    if m > 0:
        body.append(f'<path class="margin" d="M0,0 H{_f(W)} V{_f(H)} H0 Z M{_f(m)},{_f(m)} '
                    f'V{_f(H - m)} H{_f(W - m)} V{_f(m)} Z" fill="{C_MARGIN}" '
                    'fill-opacity="0.6" fill-rule="evenodd">'
                    f"<title>margin {_f(m)} mm</title></path>")
    if st.outline is not None:  # an offcut: where there is no material
        for poly in _polys(shapely.box(0, 0, W, H).difference(st.outline)):
            body.append(f'<path class="off-stock" d="{_poly_d(poly, H)}" fill="#ffffff" '
                        'stroke="#000" stroke-width="1"><title>no material (offcut)</title>'
                        "</path>")
    for z in st.keepouts:
        for poly in _polys(z):
            body.append(f'<path class="keepout" d="{_poly_d(poly, H)}" fill="{C_KEEPOUT}" '
                        'fill-opacity="0.35" stroke="#a02020" stroke-dasharray="8,4">'
                        "<title>keep-out</title></path>")
    for p in sheet.placements:
        placed = p.placed()
        data, hover = _placement_data(p, placed)
        label: LabelPlace | None | bool = True
        if labels is not None:
            key = (id(p.part), p.x, p.y, p.rotation, p.mirrored, radius)
            if key not in labels:
                labels[key] = place_label(placed, radius)
            label = labels[key]
        body += _part_group(placed, H, p.instance, f"{p.instance} {p.part.name}", data,
                            hover, p.mirrored, radius, label)
    fs, r = 30 * _scale(W, H), screw_diameter / 2
    for n, (x, y) in enumerate(screws, 1):  # numbered as the job sheet lists them
        body.append(f'<circle class="screw" cx="{_f(x)}" cy="{_f(H - y)}" '
                    f'r="{_f(r)}" fill="#333" stroke="#fff">'
                    f"<title>hold-down screw {n} at x {_f(x)}, y {_f(y)}</title></circle>")
        body.append(f'<text class="screw-n" x="{_f(x + r + 2)}" y="{_f(H - y - r)}" '
                    f'font-size="{_f(fs)}" font-family="sans-serif" fill="#333">{n}</text>')
    head = f'data-sheet="{sheet.index}" data-thickness="{_f(st.thickness)}"'
    return _assemble(head, body, W, H, st.thickness, _sheet_title(sheet, total), moves,
                     tool_diameter, changes)


_ROOT = re.compile(r'<svg [^>]*viewBox="0 0 ([\d.]+) [\d.]+" (data-sheet="\d+" '
                   r'data-thickness="([\d.]+)")>')
_SHEET = re.compile(r'<rect class="sheet" x="0" y="0" width="[\d.]+" height="([\d.]+)"')
_TITLE = re.compile(r'<text class="legend-title"[^>]*>(.*?)</text>')


def with_toolpaths(svg: str, moves: Iterable[Motion], tool_diameter: float,
                   changes: Sequence[tuple[int, int, float]] = ()) -> str:
    """A sheet SVG written by sheet_svg, its toolpaths (re)drawn from `moves`: an output
    folder's previews follow its programs without the layout (byte-identical to drawing them
    when the folder was written)."""
    root, sheet, title = _ROOT.search(svg), _SHEET.search(svg), _TITLE.search(svg)
    lines = svg.splitlines()
    ends = [k for k, ln in enumerate(lines) if ln.startswith(('<g class="toolpaths"',
                                                                '<g class="origin"'))]
    if not (root and sheet and title and ends and lines[1].startswith("<style>")):
        raise InputError("not a sheet preview written by this version of wikicut (run the "
                         "job again)")
    W, H, t = float(root.group(1)), float(sheet.group(1)), float(root.group(3))
    return _assemble(root.group(2), lines[2:ends[0]], W, H, t, html.unescape(title.group(1)),
                     moves, tool_diameter, changes)


def part_svg(part: Part) -> str:
    """A designer's quick look at one part, to scale: outline, holes, pockets, drills, its
    label, overall dimension lines and a one-line summary."""
    x0, y0, x1, y1 = part.outline.bounds
    w, h = x1 - x0, y1 - y0
    # text follows the part's size (a 2.3 m portal side shrunk to a window gets 46 mm text,
    # as readable as a bowtie's 7 mm), and the margins follow the text
    big = max(w, h)
    fs = max(6.0, min(0.04 * big, max(16.0, 0.02 * big)))
    gap = max(20.0, fs + 8.0)  # from the part to a dimension line, the figure between them
    pad = max(40.0, gap + fs + 8.0)
    W, H = w + 2 * pad, h + 2 * pad
    moved = part.transformed(0.0, pad - x0, pad - y0)
    info = (f"{escape(part.name)}: {_f(w)} x {_f(h)} mm, {part.area / 1e6:.3f} m2, "
            f"{len(part.outline.interiors)} holes, {len(part.pockets)} pockets, "
            f"{len(part.drills)} drills")
    fi = max(6.0, min(max(16.0, 0.02 * big), W * 0.95 / (CHAR_W * max(len(info), 1))))
    out = [*_svg_open(W, H + max(30.0, 1.9 * fi)),
           f'<rect x="0" y="0" width="{_f(W)}" height="{_f(H)}" fill="{C_SHEET}"/>']
    out += _part_group(moved, H, part.name, part.text)
    dy, dx = pad + h + gap, pad - gap  # dimension lines below and left of the part
    t, sw = max(6.0, 0.4 * fs), max(0.8, fs / 20)  # ticks and lines as the text grows
    out.append(f'<g class="dimensions" stroke="#444" stroke-width="{_f(sw)}" fill="none">'
               f'<path d="M{_f(pad)},{_f(dy - t)} V{_f(dy + t)} M{_f(pad)},{_f(dy)} '
               f'H{_f(pad + w)} M{_f(pad + w)},{_f(dy - t)} V{_f(dy + t)}"/>'
               f'<path d="M{_f(dx - t)},{_f(pad)} H{_f(dx + t)} M{_f(dx)},{_f(pad)} '
               f'V{_f(pad + h)} M{_f(dx - t)},{_f(pad + h)} H{_f(dx + t)}"/></g>')
    out.append(f'<text class="dimension" x="{_f(pad + w / 2)}" y="{_f(dy - 4)}" '
               f'font-size="{_f(fs)}" font-family="sans-serif" text-anchor="middle">'
               f"{_f(w)} mm</text>")
    out.append(f'<text class="dimension" x="{_f(dx - 4)}" y="{_f(pad + h / 2)}" '
               f'font-size="{_f(fs)}" font-family="sans-serif" text-anchor="middle" '
               f'transform="rotate(-90 {_f(dx - 4)} {_f(pad + h / 2)})">{_f(h)} mm</text>')
    out.append(f'<text class="summary" x="{_f(pad / 4)}" y="{_f(H + 1.25 * fi)}" '
               f'font-size="{_f(fi)}" font-family="sans-serif">{info}</text></svg>')
    return "\n".join(out) + "\n"
