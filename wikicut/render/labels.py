"""A part's label and id on a preview: where they fit (inside the part, clear of its pockets,
drills, engravings and of each other) and how they are written, so a printed sheet reads as
the parts off the machine: the label as the router engraves it (or grey where it does not),
the id in teal (never cut), a short key where the id has no room."""

from __future__ import annotations

import re
from html import escape

import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon

from ..model import Part
from ..model.font import engraved_text
from ..model.label import LabelPlace, place_label
from .style import C_ID, C_LABEL, C_UNENGRAVED, mm


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


def _fit_text(poly, n: int, max_size: float, min_size: float, tall: float = 0.8
              ) -> tuple[float, float, float, bool] | None:
    """Where `n` characters fit inside `poly` at the largest size from `max_size` down to
    `min_size`: (x, y, font size, vertical?), or None. Tries the middle of the longest
    straight run through the widest inscribed circle (a point deep inside, even in an L, a
    ring or a bowtie), across and up; the text's box must lie inside, shrinking until it
    does; `tall`: the box's height in em."""
    if poly.is_empty:
        return None
    circle = shapely.maximum_inscribed_circle(poly)
    (cx, cy), _ = circle.coords
    best = (0.0, cx, cy, False)
    for vertical in (False, True):
        seg = _chord(poly, cx, cy, vertical)
        if seg is None:
            continue
        mid = seg.interpolate(0.5, normalized=True)
        for x, y in ((mid.x, mid.y), (cx, cy)):
            size = min(max_size, seg.length * 0.92 / (CHAR_W * n))
            while size > best[0] and size >= min_size:
                hw, hh = CHAR_W * n * size / 2, tall * size / 2
                if vertical:
                    hw, hh = hh, hw
                if poly.contains(shapely.box(x - hw, y - hh, x + hw, y + hh)):
                    best = (size, x, y, vertical)
                    break
                size *= 0.85
    size, x, y, vertical = best
    return None if size == 0.0 else (x, y, size, vertical)


def label_box(poly, text: str, max_size: float = 40.0) -> tuple[float, float, float, bool]:
    """Where a label fits inside a part: (x, y, font size, vertical?); tall narrow parts get
    their label turned 90 degrees (see _fit_text). Where nothing fits at 3 mm (a sliver, a
    disc named by a long file name), it is drawn smaller, down to what the part's widest
    circle holds: read by zooming in, never spilt across the neighbours and off the sheet."""
    n = max(len(text), 1)
    fit = _fit_text(poly, n, max_size, 3.0) or _fit_text(poly, n, 3.0, 0.1)
    if fit is None:
        (cx, cy), (ex, ey) = shapely.maximum_inscribed_circle(poly).coords
        r = ((ex - cx) ** 2 + (ey - cy) ** 2) ** 0.5
        return cx, cy, 1.8 * r / (CHAR_W * n + 0.8), False
    return fit


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


def unengraved_box(p: Part) -> tuple[float, float, float, bool]:
    """Where a label with no room to be engraved is drawn: the part's widest place."""
    return label_box(_label_area(p), p.text)


def label_text(p: Part, H: float, radius: float, place: LabelPlace | None | bool = True,
                box: tuple[float, float, float, bool] | None = None, why: str = "") -> str:
    """The part's label as the planner engraves it (model.place_label, for a tool of
    `radius`): at the centre of the strokes' box, set where the font sets them (as wide,
    capitals as tall), turned as they are. A label with no room to be engraved is drawn
    grey at the part's widest place (`box`, when the caller found it), so the part can
    still be told on the sheet. Where the font lacks a character of the label it engraves
    '?' (font.engraved_text), and so does the drawing, in capitals as engraved; the text as
    typed is then in data-label. `place`: the label's place when the caller found it
    already (True: find it here); `why`: why the program engraves no label, where that is
    not for want of room (in data-why, for the legend)."""
    if place is True:
        place = place_label(p, radius)
    if place is None and p.engraves_label:
        return ""  # its drawing's label: drawn with its engravings
    if place is None:
        x, y, size, vertical = box or unengraved_box(p)
        turn = f' transform="rotate(-90 {mm(x)} {mm(H - y)})"' if vertical else ""
        data = f' data-why="{escape(why, True)}"' if why else ""
        return (f'<text class="label unengraved"{data} x="{mm(x)}" y="{mm(H - y)}" '
                f'font-size="{mm(size)}"{turn} font-family="sans-serif" text-anchor="middle" '
                f'dominant-baseline="middle" font-style="italic" fill="{C_UNENGRAVED}">'
                + escape(p.text) + "</text>")
    x, y, h = place.x, H - place.y, place.height
    turn = f' transform="rotate({mm(-place.angle)} {mm(x)} {mm(y)})"' if place.angle else ""
    sx, sy = place.start
    return (f'<text class="label" x="{mm(x)}" y="{mm(y)}" dx="{mm(sx)}" dy="{mm(-sy)}" '
            f'font-size="{mm(h / CAP)}" textLength="{mm(place.width)}" '
            f'lengthAdjust="spacingAndGlyphs"{turn}{_as_engraved(place.text)} '
            f'font-family="sans-serif" fill="{C_LABEL}">' + escape(engraved_text(place.text))
            + "</text>")


# A part's id (its instance, "wall-rib#3") written on it, as nesting programs print their
# sheets: a printed sheet tells which shape is which. Teal, never the black of an engraved
# label or the grey italic of one not engraved: the router cuts no id. From ID_MAX down to
# ID_MIN mm (on a 2440 mm sheet; smaller sheets scale them as their legend) at the part's
# roomiest place clear of its label, holes, pockets and drills; an id that does not fit
# there is replaced by a short key (a, b, ... lower case: engraved labels are capitals,
# screws are numbered), which the legend lists with the id.
ID_MAX, ID_MIN = 28.0, 16.0
ID_TALL = 1.1  # em a line of lower case and figures takes (ascenders, descenders)


def _label_zone(p: Part, place: LabelPlace | None,
                box: tuple[float, float, float, bool] | None, gap: float):
    """Where the part's drawn label lies (`place`, else the grey `box`; neither: its
    drawing's own, among its engravings), `gap` around."""
    if place is None and box is None:
        return shapely.Polygon()
    if place is not None:
        sx, sy, h = *place.start, place.height  # the text's box about its centre, turned
        zone = affinity.rotate(shapely.box(sx, sy - 0.25 * h, sx + place.width, sy + h),
                               place.angle, origin=(0, 0))
        zone = affinity.translate(zone, place.x, place.y)
    else:
        x, y, size, vertical = box
        hw, hh = CHAR_W * max(len(p.text), 1) * size / 2, 0.5 * size
        if vertical:
            hw, hh = hh, hw
        zone = shapely.box(x - hw, y - hh, x + hw, y + hh)
    return zone.buffer(gap, join_style="mitre")


def id_room(p: Part, place: LabelPlace | None,
             box: tuple[float, float, float, bool] | None, gap: float):
    """Where the part's id may be written: the part less its pockets, drills, engravings
    and its label, `gap` from the label and a third of it from the part's edges."""
    room = _label_area(p).difference(_label_zone(p, place, box, gap))
    if p.engravings:
        room = room.difference(shapely.union_all([e.path.buffer(gap / 2)
                                                  for e in p.engravings]))
    return room.buffer(-gap / 3, join_style="mitre")


def fit_id(room, fits: dict, n: int, hi: float, lo: float):
    """_fit_text for `n` characters (a key's: -n), kept in `fits`: a repeated layout's ids
    are mostly as long as its first sheet's."""
    if n not in fits:
        fits[n] = _fit_text(room, abs(n), hi, lo, ID_TALL)
    return fits[n]


def natural_key(text: str) -> list:
    """A sort key reading the numbers in `text` as numbers (wedge#2 before wedge#10)."""
    return [int(t) if i % 2 else t for i, t in enumerate(re.split(r"([0-9]+)", text))]


def deepest(geom) -> tuple[float, float]:
    """The point of `geom` farthest inside it (its widest inscribed circle's centre)."""
    (x, y), _ = shapely.maximum_inscribed_circle(geom).coords
    return x, y


def id_key(n: int) -> str:
    """The n-th short key (0-based): a .. z, aa, ab, ..."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def id_text(fit: tuple[float, float, float, bool], H: float, text: str,
             key_of: str | None = None) -> str:
    """The id (or, with `key_of`, the key standing for that id) as drawn."""
    x, y, size, vertical = fit
    turn = f' transform="rotate(-90 {mm(x)} {mm(H - y)})"' if vertical else ""
    cls, data = (("part-id key", f' data-id="{escape(key_of, True)}"') if key_of is not None
                 else ("part-id", ""))
    return (f'<text class="{cls}" x="{mm(x)}" y="{mm(H - y)}" font-size="{mm(size)}"{turn}'
            f'{data} font-family="sans-serif" text-anchor="middle" dominant-baseline="middle" '
            f'fill="{C_ID}">{escape(text)}</text>')


STEM = 0.12  # a sans-serif capital's stem, in cap heights: how thick a drawn label is drawn


def drawn_label_width(p: Part) -> float:
    """The stroke width a label the part's drawing engraves is drawn at: its letters' stem
    in the font the previews write labels in (the line's height, across its strokes' least
    box), so it reads as a label; 0 without one."""
    lines = [e.path for e in p.engravings if e.label]
    if not lines:
        return 0.0
    box = shapely.MultiLineString(lines).minimum_rotated_rectangle
    if not isinstance(box, Polygon):
        return 0.8
    (ax, ay), (bx, by), (cx, cy) = list(box.exterior.coords)[:3]
    tall = min(((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5, ((cx - bx) ** 2 + (cy - by) ** 2) ** 0.5)
    return min(max(STEM * tall, 0.8), 6.0)
