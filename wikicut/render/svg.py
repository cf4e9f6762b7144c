"""SVG previews of sheets and parts, with the router's toolpaths drawn over a sheet on request.

SVGs are in mm (viewBox): opened in a browser they fit the window, printed they are to
scale (a print stylesheet gives the size in mm). y is flipped so the sheet's lower-left is
bottom-left as on the machine, marked with the origin and the axes; one <g class="part"> per
placed part (with its placement in data- attributes) so tools, tests and the page find
them, its engraved label and its id (ID_MAX) drawn on it. Output is deterministic text
(fixed number formatting) and valid XML; every user string is escaped (part names may hold
<&">).
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Sequence
from html import escape

import shapely

from ..errors import InputError
from ..io.report import portable_source
from ..model import Part, SheetLayout
from ..model.font import text_strokes, text_width
from ..model.label import LabelPlace, place_label
from ..words import counted
from .labels import (
    CHAR_W,
    ID_MAX,
    ID_MIN,
    STEM,
    deepest,
    drawn_label_width,
    fit_id,
    id_key,
    id_room,
    id_text,
    label_text,
    natural_key,
    unengraved_box,
)
from .style import (
    C_DRILL,
    C_EDGE,
    C_ENGRAVE,
    C_FILLER,
    C_HOLE,
    C_ID,
    C_KEEPOUT,
    C_LABEL,
    C_LOCKED,
    C_MARGIN,
    C_MIRROR,
    C_PART,
    C_POCKET,
    C_SHEET,
    C_UNENGRAVED,
    mm,
    mm3,
    poly_path,
    polygons,
    ring_path,
)
from .toolpaths import C_RAPID, C_TAB, Motion, rack_tools, toolpath_overlay

SVG_NS = "http://www.w3.org/2000/svg"


def _part_group(p: Part, H: float, instance: str, title: str, data: str = "",
                hover: str = "", mirrored: bool = False, label_radius: float = 0.0,
                label: LabelPlace | None | bool = True,
                box: tuple[float, float, float, bool] | None = None,
                mark: str = "", why: str = "", role: str = "") -> list[str]:
    """One placed part: filled outline (holes show through), holes, pockets, drills,
    engravings and its label, in one <g class="part">; `title` (its tooltip) and `hover`
    name it, `data` (attributes) go on its element. The label is the text the router engraves
    on it (Part.text) where it engraves it (see label_text; `label_radius`: the engraving
    tool's), so the parts on a printed sheet read as the parts off the machine. A
    part cut face down (`mirrored`) has a dashed edge, the legend says what it means; its
    label reads as engraved, never mirrored. `role`: "locked" (placed by its lock: a heavy
    edge) or "filler" (a dotted edge), so a designer tells them from the parts nested.
    `label`: its place, found already (True: find it here); `box`: where a label not
    engraved is drawn, found already; `mark`: the part's id as drawn (sheet_svg), over
    everything else of it; `why`: why the program engraves no label (sheet_svg's
    `unengraved`). A label the part's drawing engraves (its file's strokes) is drawn as
    dark and as thick as a label's letters: it is the label the part comes off the machine
    with, not a faint marking."""
    gid = "part-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in instance)
    out = [(f'<g class="part" id="{escape(gid, True)}" data-part="{escape(instance, True)}"'
           f"{data}>"),
           f"<title>{escape(title + hover)}</title>",
           (f'<path class="outline" d="{poly_path(p.outline, H)}" fill="{C_PART}" '
            f'fill-rule="evenodd" stroke="{C_EDGE}" stroke-width="1.5"/>')]
    edge = ring_path(p.outline.exterior.coords, H)
    if role == "locked":  # under a mirrored part's dashes: a lock face down shows both
        out.append(f'<path class="locked" d="{edge}" fill="none" stroke="{C_LOCKED}" '
                   'stroke-width="5" stroke-linejoin="round">'
                   f"<title>{ROLES['locked']}</title></path>")
    elif role == "filler":
        out.append(f'<path class="filler" d="{edge}" fill="none" stroke="{C_FILLER}" '
                   'stroke-width="3" stroke-dasharray="1,6" stroke-linecap="round">'
                   f"<title>{ROLES['filler']}</title></path>")
    if mirrored:
        out.append(f'<path class="mirrored" d="{edge}" '
                   f'fill="none" stroke="{C_MIRROR}" stroke-width="4" stroke-dasharray="14,8">'
                   "<title>mirrored: cut face down</title></path>")
    for hole in p.outline.interiors:
        out.append(f'<path class="hole" d="{ring_path(hole.coords, H)}" fill="none" '
                   f'stroke="{C_HOLE}" stroke-width="1.5"/>')
    for pk in p.pockets:
        for poly in polygons(pk.shape):
            out.append(f'<path class="pocket" d="{poly_path(poly, H)}" fill="{C_POCKET}" '
                       'fill-rule="evenodd" stroke="#6b4a1c" stroke-width="0.8">'
                       f"<title>pocket {mm(pk.depth)} mm deep</title></path>")
        x0, y0, x1, y1 = pk.shape.bounds
        fs = min(14.0, (x1 - x0) / 5, (y1 - y0) / 2)
        if fs >= 5:
            c = pk.shape.representative_point()
            out.append(f'<text class="depth" x="{mm(c.x)}" y="{mm(H - c.y)}" font-size="{mm(fs)}"'
                       ' font-family="sans-serif" text-anchor="middle" '
                       f'dominant-baseline="middle" fill="#fff">{mm(pk.depth)}</text>')
    for d in p.drills:
        r, cx, cy = d.diameter / 2, d.x, H - d.y
        k = r * 0.7
        depth = "through" if d.depth is None else f"{mm(d.depth)} mm deep"
        out.append(f'<g class="drill"><title>drill {mm(d.diameter)} mm, {depth}</title>'
                   f'<circle cx="{mm(cx)}" cy="{mm(cy)}" r="{mm(r)}" fill="#fff" '
                   f'stroke="{C_DRILL}" stroke-width="0.8"/><path d="M{mm(cx - k)},{mm(cy - k)} '
                   f'L{mm(cx + k)},{mm(cy + k)} M{mm(cx - k)},{mm(cy + k)} L{mm(cx + k)},'
                   f'{mm(cy - k)}" stroke="{C_DRILL}" stroke-width="0.6"/></g>')
    drawn = drawn_label_width(p)
    for e in p.engravings:
        pts = " ".join(f"{mm(x)},{mm(H - y)}" for x, y in e.path.coords)
        look = ((f'class="engraving label" points="{pts}" fill="none" stroke="{C_LABEL}" '
                 f'stroke-width="{mm(drawn)}" stroke-linecap="round" stroke-linejoin="round"')
                if e.label else
                f'class="engraving" points="{pts}" fill="none" stroke="{C_ENGRAVE}" '
                'stroke-width="0.8"')
        out.append(f"<polyline {look}/>")
    out.append(label_text(p, H, label_radius, label, box, why))
    if mark:
        out.append(mark)
    out.append("</g>")
    return out


# what a locked part and a placed filler are, in the legend and their tooltips
ROLES = {"locked": "locked: placed by its lock", "filler": "filler: only the room left"}


def _scale(W: float, H: float) -> float:
    return max(0.2, min(1.0, max(W, H) / 2440.0))  # text size follows the sheet


def _legend(W: float, H: float, title: str, toolpaths: bool, shown: set[str],
            rack: Sequence[tuple[int, float, str]] = (), whys: Sequence[str] = (),
            ids: Sequence[tuple[str, str]] = ()) -> tuple[list[str], float]:
    """Sheet n of N, stock, parts, utilisation; colour key (with a rack, `rack`: each tool's
    colour) of the things the sheet has (`shown`: _SHOWN's names) with the kinds of label
    on its parts (`whys`: why labels are not engraved, other than for room); a scale bar;
    the parts whose id stands as a key (`ids`: (key, id)). Sized to the sheet (a 2440 mm
    sheet gets 28 mm text) and wrapped to its width. (lines, band height)"""
    k = _scale(W, H)
    fs = min(28 * k, W * 0.95 / (CHAR_W * max(len(title), 1)))
    out = ['<g class="legend" font-family="sans-serif">',
           (f'<text class="legend-title" x="{mm(10 * k)}" y="{mm(H + 35 * k)}" '
            f'font-size="{mm(fs)}">{escape(title)}</text>')]
    # (name, a swatch's style, a text sample drawn as on the parts: (text, its style), or
    # None: single strokes, as a drawing's own label is drawn)
    every: list[tuple[str, str, str | tuple[str, str] | None]] = [
        ("part", "part", f'fill="{C_PART}" stroke="{C_EDGE}"'),
        ("hole", "hole", f'fill="{C_SHEET}" stroke="{C_HOLE}"'),
        ("pocket", "pocket", f'fill="{C_POCKET}" stroke="#6b4a1c"'),
        ("drill", "drill", f'fill="#fff" stroke="{C_DRILL}"'),
        ("engraving", "engraving", f'fill="none" stroke="{C_ENGRAVE}"'),
        ("margin", "margin", f'fill="{C_MARGIN}" stroke="none"'),
        ("keep-out", "keep-out", f'fill="{C_KEEPOUT}" fill-opacity="0.35" stroke="none"'),
        ("label", "label, engraved", ("AB", f'fill="{C_LABEL}"')),
        ("drawn label", "label, engraved as drawn", None),
        ("no room", "label, no room: not engraved",
         ("AB", f'fill="{C_UNENGRAVED}" font-style="italic"'))]
    keys = [(name, style) for what, name, style in every if what == "part" or what in shown]
    keys += [(f"label, not engraved: {why}",
              ("AB", f'fill="{C_UNENGRAVED}" font-style="italic"')) for why in whys]
    keys.append(("part id, not cut", ("id", f'fill="{C_ID}"')))
    if "screw" in shown:
        keys.append(("hold-down screw (numbered)", 'fill="#333" stroke="none"'))
    keys += [(name, style) for what, name, style in _edge_keys(k) if what in shown]
    if toolpaths and rack:  # each tool its colour, paler where it cuts shallower
        keys += [(f"T{t} {mm(d)} mm cut" + (" (paler: shallower)" if i == 0 else ""),
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
        if style is None:
            out.append(_stroke_sample(x + 15 * k, y + 16 * k, 14 * k))
        elif isinstance(style, tuple):
            sample, look = style
            out.append(f'<text x="{mm(x + 15 * k)}" y="{mm(y + 16 * k)}" '
                       f'font-size="{mm(20 * k)}" text-anchor="middle" {look}>{sample}</text>')
        else:  # the edge as thick as the drawing's where that is what tells it apart
            width = "" if "stroke-width" in style else f' stroke-width="{mm(1.5 * k)}"'
            out.append(f'<rect x="{mm(x)}" y="{mm(y)}" width="{mm(30 * k)}" '
                       f'height="{mm(20 * k)}" {style}{width}/>')
        out.append(f'<text x="{mm(x + 36 * k)}" y="{mm(y + 16 * k)}" font-size="{mm(20 * k)}">'
                   f"{escape(name)}</text>")
        x += step
    if x + 20 * k + bar > W - 10 * k:
        x, y = 10 * k, y + 30 * k
    bx = max(x + 20 * k, W - bar - 20 * k)
    out.append(f'<path class="scale" d="M{mm(bx)},{mm(y)} V{mm(y + 20 * k)} H{mm(bx + bar)} '
               f'V{mm(y)}" fill="none" stroke="#000" stroke-width="{mm(2 * k)}"/>')
    out.append(f'<text x="{mm(bx + bar / 2)}" y="{mm(y + 16 * k)}" font-size="{mm(18 * k)}" '
               f'text-anchor="middle">{mm(bar)} mm</text>')
    if ids:  # the keys standing for ids too long for their parts, in a row of their own
        head = "ids too long for their part:"
        x, y = 10 * k, y + 30 * k
        out.append(f'<text class="id-keys" x="{mm(x)}" y="{mm(y + 16 * k)}" '
                   f'font-size="{mm(20 * k)}">{head}</text>')
        x += (10.5 * len(head) + 10) * k
        for key, ident in ids:
            step = (12 * (len(key) + len(ident)) + 40) * k
            if x + step > W - 10 * k:
                x, y = 10 * k, y + 30 * k
            out.append(f'<text class="id-key" x="{mm(x)}" y="{mm(y + 16 * k)}" '
                       f'font-size="{mm(20 * k)}"><tspan fill="{C_ID}" font-weight="bold">'
                       f"{escape(key)}</tspan> {escape(ident)}</text>")
            x += step
    out.append("</g>")
    return out, y + 35 * k - H


def _edge_keys(k: float) -> list[tuple[str, str, str]]:
    """The parts drawn with an edge of their own (_part_group), as the legend keys them:
    (what, name, the swatch's style); locked and filler swatches as heavy as their edges."""
    return [("mirrored", "mirrored: cut face down",
             f'fill="{C_PART}" stroke="{C_MIRROR}" stroke-dasharray="6,3"'),
            ("locked", ROLES["locked"],
             f'fill="{C_PART}" stroke="{C_LOCKED}" stroke-width="{mm(4 * k)}"'),
            ("filler", ROLES["filler"],
             f'fill="{C_PART}" stroke="{C_FILLER}" stroke-width="{mm(3 * k)}" '
             f'stroke-dasharray="{mm(1 * k)},{mm(5 * k)}" stroke-linecap="round"')]


def _stroke_sample(mid: float, base: float, cap: float) -> str:
    """"AB" in the engraving font's single strokes, `cap` tall on `base` about `mid`, drawn
    as a drawing's own label is (drawn_label_width)."""
    x = mid - text_width("AB", cap) / 2
    d = " ".join("M" + " L".join(f"{mm(x + px)},{mm(base - py)}" for px, py in stroke)
                 for stroke in text_strokes("AB", cap))
    return (f'<path class="sample engraving label" d="{d}" fill="none" stroke="{C_LABEL}" '
            f'stroke-width="{mm(STEM * cap)}" stroke-linecap="round" '
            'stroke-linejoin="round"/>')


ORIGIN_PAD = 16.0  # mm left of the sheet (on a 2440 mm one): the origin mark is whole


def _origin(H: float, k: float) -> list[str]:
    """The machine's X0 Y0 (the sheet's lower-left corner) and which way X and Y run."""
    a, h = 120 * k, 12 * k
    return ['<g class="origin" stroke="#000" fill="#000" font-family="sans-serif">',
            "<title>origin X0 Y0: the sheet's lower-left corner</title>",
            f'<circle cx="0" cy="{mm(H)}" r="{mm(8 * k)}" fill="none" stroke-width="{mm(2 * k)}"/>',
            (f'<path d="M0,{mm(H)} H{mm(a)} M0,{mm(H)} V{mm(H - a)}" fill="none" '
             f'stroke-width="{mm(2.5 * k)}"/>'),
            (f'<path d="M{mm(a + h)},{mm(H)} L{mm(a)},{mm(H - h / 2)} L{mm(a)},{mm(H + h / 2)} Z '
             f'M0,{mm(H - a - h)} L{mm(-h / 2)},{mm(H - a)} L{mm(h / 2)},{mm(H - a)} Z" '
             'stroke="none"/>'),
            (f'<text x="{mm(a + h + 4 * k)}" y="{mm(H - 4 * k)}" font-size="{mm(20 * k)}" '
             'stroke="none">X</text>'),
            (f'<text x="{mm(6 * k)}" y="{mm(H - a - h)}" font-size="{mm(20 * k)}" '
             'stroke="none">Y</text>'),
            "</g>"]


PRINT_CSS = "@media print{{svg:root{{width:{w}mm;height:{h}mm}}}}"


def _svg_open(W: float, Ht: float, extra: str = "", left: float = 0.0) -> list[str]:
    """The root element: a viewBox in mm and no size, so a browser fits it to the window; the
    size in mm only for printing (svg:root: not when the SVG is inlined in index.html).
    `left`: mm shown left of x = 0 (the origin mark drawn about the sheet's corner)."""
    return [f'<svg xmlns="{SVG_NS}" viewBox="{mm(-left)} 0 {mm(W + left)} {mm(Ht)}"{extra}>',
            f"<style>{PRINT_CSS.format(w=mm(W + left), h=mm(Ht))}</style>"]


def _placement_data(p, placed: Part | None = None, role: str = "") -> tuple[str, str]:
    """A placement as data- attributes (for the page's details panel) and tooltip lines
    (`placed`: the part in sheet coordinates, when the caller has it; `role`: "locked" or
    "filler", as _part_group's). A locked part's tooltip gives its box's lower-left corner:
    the x and y its lock was given."""
    x0, y0, x1, y1 = (placed or p.placed()).outline.bounds
    vals = {"name": p.part.name, "x": mm3(p.x), "y": mm3(p.y), "rotation": mm3(p.rotation % 360),
            "size": f"{mm(x1 - x0)} x {mm(y1 - y0)}",
            "source": portable_source(p.part.source or "")}  # as report.json names it
    if p.mirrored:  # only then: previews of jobs without mirroring stay as they were
        vals["mirrored"] = "yes"
    if role:  # likewise: data-locked, data-filler
        vals[role] = "yes"
    data = "".join(f' data-{k}="{escape(v, True)}"' for k, v in vals.items())
    hover = (f"\nat x {vals['x']}, y {vals['y']} mm, rotated {vals['rotation']} deg"
             + (", mirrored (cut face down)" if p.mirrored else "")
             + f"\n{vals['size']} mm" + (f"\n{vals['source']}" if vals["source"] else ""))
    if role == "locked":
        hover += f"\n{ROLES['locked']}, its box's lower-left corner at x {mm3(x0)}, y {mm3(y0)}"
    elif role == "filler":
        hover += f"\n{ROLES['filler']}"
    return data, hover


def _sheet_title(sheet: SheetLayout, total: int | None) -> str:
    """The legend's title: "of N" only where the sheet is one of 1..N (a re-run of one sheet
    of a job, by `wikicut gcode`, keeps its number, 3, in an output of 1 sheet)."""
    st = sheet.stock
    of = f" of {total}" if total and 1 <= sheet.index <= total else ""
    used = f", strip {mm(sheet.used_length)} mm used" if sheet.used_length else ""
    return (f"Sheet {sheet.index}{of}: {st.label}, {counted(len(sheet.placements), 'part')}, "
            f"{round(sheet.utilisation, 4) * 100:.1f}% used{used}")  # as report.json rounds it


# what the legend names, each where the drawing has one: (name, how its element begins)
_SHOWN = (("hole", '<path class="hole"'), ("pocket", '<path class="pocket"'),
          ("drill", '<g class="drill">'), ("engraving", '<polyline class="engraving" '),
          ("margin", '<path class="margin"'), ("keep-out", '<path class="keepout"'),
          ("label", '<text class="label" '), ("drawn label", '<polyline class="engraving label"'),
          ("no room", '<text class="label unengraved" x='), ("screw", '<circle class="screw"'),
          ("mirrored", '<path class="mirrored"'), ("locked", '<path class="locked"'),
          ("filler", '<path class="filler"'))
_WHY = re.compile(r'<text class="label unengraved" data-why="([^"]*)"')
_KEY = re.compile(r'<text class="part-id key" [^>]*data-id="([^"]*)"[^>]*>([^<]*)</text>')


def _assemble(head: str, body: list[str], W: float, H: float, thickness: float, title: str,
              moves: Iterable[Motion] | None, tool_diameter: float,
              changes: Sequence[tuple[int, int, float]] = ()) -> str:
    """The sheet's drawing (`body`: sheet, margin, keep-outs, parts) with the toolpaths, the
    origin and the legend, under a root sized to them."""
    shown = {name for name, start in _SHOWN if any(ln.startswith(start) for ln in body)}
    whys = sorted({html.unescape(m.group(1)) for m in map(_WHY.match, body) if m})
    legend, legend_h = _legend(W, H, title, moves is not None, shown,
                               rack_tools(changes) if moves is not None else (), whys,
                               sorted(((html.unescape(m.group(2)),
                                        html.unescape(m.group(1)))
                                       for m in map(_KEY.match, body) if m),
                                      key=lambda kv: (len(kv[0]), kv[0])))
    out = [*_svg_open(W, H + legend_h, f" {head}", ORIGIN_PAD * _scale(W, H)), *body]
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
              label_radius: float | None = None, labels: dict | None = None,
              unengraved: str = "", locked: Collection[str] = (),
              fillers: Collection[str] = ()) -> str:
    """One sheet in mm: margin and keep-outs shaded, parts filled and labelled, hold-down
    screws, origin, a legend; with `moves` (the written program read back by
    wikicut.verify.simulate) the router's moves drawn over it at the tool's width
    (`changes`: render.tool_changes). `total` is the output's sheet count (said as
    "of N" where the sheet's number is within it). Labels are drawn
    where a tool of `label_radius` engraves them (None: half `tool_diameter`, the job's
    tool; a rack that engraves with another tool passes that one's). `labels`: a dict the
    caller keeps across the sheets of one layout (its parts alive meanwhile), where each
    label's place (and the room left for the part's id) is kept by part, placement and
    radius: a layout cut 26 times has its labels placed once, not 26 times (finding a place
    is most of a sheet's drawing). Each part's id is written on it (see ID_MAX).
    `unengraved`: why the sheet's program engraves none of wikicut's labels (no tool of the
    rack reaches their depth, the profile turns them off): each is then drawn grey, as one
    without room, and the legend says why; "": each engraved where it has room. `locked`
    and `fillers`: the instance ids placed by their lock and the fillers placed
    (Layout.locked, Layout.fillers), each drawn with an edge of its own."""
    st = sheet.stock
    W, H, m = st.width, st.height, st.margin
    radius = tool_diameter / 2 if label_radius is None else label_radius
    body = [f"<title>Sheet {sheet.index}: {escape(st.label)}</title>",
            (f'<rect class="sheet" x="0" y="0" width="{mm(W)}" height="{mm(H)}" '
             f'fill="{C_SHEET}" stroke="#000" stroke-width="2"/>')]
    if m > 0:
        body.append(f'<path class="margin" d="M0,0 H{mm(W)} V{mm(H)} H0 Z M{mm(m)},{mm(m)} '
                    f'V{mm(H - m)} H{mm(W - m)} V{mm(m)} Z" fill="{C_MARGIN}" '
                    'fill-opacity="0.6" fill-rule="evenodd">'
                    f"<title>margin {mm(m)} mm</title></path>")
    if st.outline is not None:  # an offcut: where there is no material
        for poly in polygons(shapely.box(0, 0, W, H).difference(st.outline)):
            body.append(f'<path class="off-stock" d="{poly_path(poly, H)}" fill="#ffffff" '
                        'stroke="#000" stroke-width="1"><title>no material (offcut)</title>'
                        "</path>")
    for z in st.keepouts:
        for poly in polygons(z):
            body.append(f'<path class="keepout" d="{poly_path(poly, H)}" fill="{C_KEEPOUT}" '
                        'fill-opacity="0.35" stroke="#a02020" stroke-dasharray="8,4">'
                        "<title>keep-out</title></path>")
    k = _scale(W, H)
    lo, hi = ID_MIN * k, ID_MAX * k
    parts = []
    for p in sheet.placements:
        placed = p.placed()
        key = (id(p.part), p.x, p.y, p.rotation, p.mirrored, radius, unengraved)
        found = labels.get(key) if labels is not None else None
        if found is None:
            place = None if unengraved else place_label(placed, radius)
            box = (None if place is not None or placed.engraves_label
                   else unengraved_box(placed))
            gap = max(0.3 * (place.height if place is not None else box[2] if box else 0.0),
                      lo / 3)
            found = (place, box, id_room(placed, place, box, gap), {})
            if labels is not None:
                labels[key] = found
        parts.append((p, placed, *found))
    # the ids too long for their parts stand as keys, given in the ids' order (the legend
    # lists them so: bowtie#2 before bowtie#10)
    long = sorted((p.instance for p, _, _, _, room, fits in parts
                   if fit_id(room, fits, len(p.instance), hi, lo) is None), key=natural_key)
    keys = {inst: id_key(n) for n, inst in enumerate(long)}
    locked, fillers = set(locked), set(fillers)
    for p, placed, place, box, room, fits in parts:
        role = ("locked" if p.instance in locked else
                "filler" if p.instance in fillers else "")
        data, hover = _placement_data(p, placed, role)
        if p.instance in keys:  # the key where it fits, no larger than the least id
            text = keys[p.instance]
            at = (fit_id(room, fits, -len(text), lo, lo / 2)
                  or (*deepest(room if not room.is_empty else placed.outline), lo / 2, False))
            mark = id_text(at, H, text, key_of=p.instance)
        else:
            mark = id_text(fit_id(room, fits, len(p.instance), hi, lo), H, p.instance)
        body += _part_group(placed, H, p.instance, f"{p.instance} {p.part.name}", data,
                            hover, p.mirrored, radius, place, box, mark, unengraved, role)
    fs, r = 30 * _scale(W, H), screw_diameter / 2
    for n, (x, y) in enumerate(screws, 1):  # numbered as the job sheet lists them
        body.append(f'<circle class="screw" cx="{mm(x)}" cy="{mm(H - y)}" '
                    f'r="{mm(r)}" fill="#333" stroke="#fff">'
                    f"<title>hold-down screw {n} at x {mm(x)}, y {mm(y)}</title></circle>")
        body.append(f'<text class="screw-n" x="{mm(x + r + 2)}" y="{mm(H - y - r)}" '
                    f'font-size="{mm(fs)}" font-family="sans-serif" fill="#333">{n}</text>')
    head = f'data-sheet="{sheet.index}" data-thickness="{mm(st.thickness)}"'
    return _assemble(head, body, W, H, st.thickness, _sheet_title(sheet, total), moves,
                     tool_diameter, changes)


_ROOT = re.compile(r'<svg [^>]*viewBox="[-\d.]+ 0 [\d.]+ [\d.]+" (data-sheet="\d+" '
                   r'data-thickness="([\d.]+)")>')
_SHEET = re.compile(r'<rect class="sheet" x="0" y="0" width="([\d.]+)" height="([\d.]+)"')
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
    W, H, t = float(sheet.group(1)), float(sheet.group(2)), float(root.group(2))
    return _assemble(root.group(1), lines[2:ends[0]], W, H, t, html.unescape(title.group(1)),
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
    info = (f"{escape(part.name)}: {mm(w)} x {mm(h)} mm, {part.area / 1e6:.3f} m2, "
            f"{counted(len(part.outline.interiors), 'hole')},"
            f" {counted(len(part.pockets), 'pocket')}, {counted(len(part.drills), 'drill')}")
    fi = max(6.0, min(max(16.0, 0.02 * big), W * 0.95 / (CHAR_W * max(len(info), 1))))
    out = [*_svg_open(W, H + max(30.0, 1.9 * fi)),
           f'<rect x="0" y="0" width="{mm(W)}" height="{mm(H)}" fill="{C_SHEET}"/>']
    out += _part_group(moved, H, part.name, part.text)
    dy, dx = pad + h + gap, pad - gap  # dimension lines below and left of the part
    t, sw = max(6.0, 0.4 * fs), max(0.8, fs / 20)  # ticks and lines as the text grows
    out.append(f'<g class="dimensions" stroke="#444" stroke-width="{mm(sw)}" fill="none">'
               f'<path d="M{mm(pad)},{mm(dy - t)} V{mm(dy + t)} M{mm(pad)},{mm(dy)} '
               f'H{mm(pad + w)} M{mm(pad + w)},{mm(dy - t)} V{mm(dy + t)}"/>'
               f'<path d="M{mm(dx - t)},{mm(pad)} H{mm(dx + t)} M{mm(dx)},{mm(pad)} '
               f'V{mm(pad + h)} M{mm(dx - t)},{mm(pad + h)} H{mm(dx + t)}"/></g>')
    out.append(f'<text class="dimension" x="{mm(pad + w / 2)}" y="{mm(dy - 4)}" '
               f'font-size="{mm(fs)}" font-family="sans-serif" text-anchor="middle">'
               f"{mm(w)} mm</text>")
    out.append(f'<text class="dimension" x="{mm(dx - 4)}" y="{mm(pad + h / 2)}" '
               f'font-size="{mm(fs)}" font-family="sans-serif" text-anchor="middle" '
               f'transform="rotate(-90 {mm(dx - 4)} {mm(pad + h / 2)})">{mm(h)} mm</text>')
    out.append(f'<text class="summary" x="{mm(pad / 4)}" y="{mm(H + 1.25 * fi)}" '
               f'font-size="{mm(fi)}" font-family="sans-serif">{info}</text></svg>')
    return "\n".join(out) + "\n"
