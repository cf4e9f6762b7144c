"""A DXF part's thickness slots fitted to the measured stock: which ply the part was drawn
for, the part with its slots fitted (io/dxf/slots.py), and what is said about it.

The ply a part was drawn for is the one its sheet layer names (`0_SHEET_BirchPly
2440x1220x18`), or the one the user gives: for that part (`[[part]] drawn_thickness`,
`--drawn-thickness`) over its sheet layer, for the job (`[dxf] drawn_thickness`) where the
sheet layer names none. Without one, nothing is changed; parts with slots as wide as the
usual ply's (18 mm, and North America's 23/32 and 3/4 in) in stock of another thickness are
said to be cut as drawn, naming the key to set; so are such slots left out of the fitting
for the ply a part was drawn for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from shapely.geometry import Polygon

from ...errors import InputError
from ...words import counted
from .slots import NARROWER, PLIES, WIDER, Slot, SlotFitError, find_slots, fit_slots

__all__ = ["AS_DRAWN", "FIT", "SLOT_MODES", "SlotFit", "SlotRule", "fit_part_slots",
           "in_inches", "slot_warnings"]

FIT = "fit"
AS_DRAWN = "as drawn"
SLOT_MODES = (FIT, AS_DRAWN)
USUAL = 18.0  # mm: the ply WikiHouse parts are drawn for, when nothing says which
# The plies parts are drawn for when nothing says which (mm, name): WikiHouse's 18 mm and
# the North American nominal 23/32 and 3/4 in, whose slots are 18.26 and 19.05 mm wide
NOMINAL = ((USUAL, "18 mm"), (18.25625, "23/32 in"), (19.05, "3/4 in"))
SAME = 0.005  # mm: a stock this near the drawn ply is that ply (a change messages show as none)
NEAR = 0.005  # mm: a stock this near a nominal ply is given as that ply
INCH = 25.4  # mm


@dataclass(frozen=True)
class SlotRule:
    """How a DXF's slots meet the stock. `mode`: FIT them or keep them AS_DRAWN. `given`:
    the ply the parts were drawn for, over their sheet layer's; `default`: where the sheet
    layer names none. `given_key`, `default_key` and `mode_key` name where the user sets
    them, for messages ("key 'part[2].drawn_thickness'", "--drawn-thickness")."""

    mode: str = FIT
    given: float | None = None
    default: float | None = None
    given_key: str = "drawn_thickness"
    default_key: str = "drawn_thickness"
    mode_key: str = "slots"

    def drawn(self, layer_says: float | None, layer: str) -> tuple[float | None, str]:
        """(the ply drawn for, where that comes from), or (None, "") when nothing says."""
        if self.given is not None:
            return self.given, self.given_key
        if layer_says is not None:
            return layer_says, f"sheet layer '{layer}'"
        if self.default is not None:
            return self.default, self.default_key
        return None, ""


@dataclass(frozen=True)
class SlotFit:
    """One part's slots: drawn `widths` (mm) for `drawn` mm ply (None: nothing says which,
    and these are the slots as wide as a NOMINAL ply's, one sheet or two, left as drawn:
    `likely` the ply each was likely drawn for), cut from `stock` mm ply; `plies`: the
    sheets each slot takes. `missed`: (width, likely ply) of the slots as wide as a
    NOMINAL ply's but not the drawn ply's, left as drawn."""

    file: str
    part: str
    drawn: float | None
    source: str  # where `drawn` comes from
    stock: float
    widths: tuple[float, ...]
    plies: tuple[int, ...]
    likely: tuple[float, ...] = ()
    missed: tuple[tuple[float, float], ...] = ()

    @property
    def delta(self) -> float:
        """The change in width per sheet a slot takes (mm)."""
        return 0.0 if self.drawn is None else self.stock - self.drawn

    def fitted(self) -> list[tuple[float, float]]:
        """(drawn, fitted) width of each slot, mm."""
        return [(w, w + self.delta * k) for w, k in zip(self.widths, self.plies)]


def in_inches(scale: float) -> bool:
    """A drawing of `scale` mm per unit is in inches (or feet): likelier drawn for inch ply."""
    return any(abs(scale - u) <= 1e-9 for u in (INCH, 12 * INCH))


def _bands(inches: bool) -> list[tuple[float, int, float, float]]:
    """The (ply, sheets, narrowest, widest) of the slots a part may hold when nothing says
    which ply it was drawn for, likeliest first: 18 mm ply's (WikiHouse's, one sheet or two:
    none narrower than the ply, up to the clearance wider), then the inch plies', the
    thicker first. In a drawing in inches those are as 18 mm ply's, before it; in a metric
    one only a slot as wide as the inch ply itself is taken for its (Wren's 19.25 mm slots
    are a clearance test for 18 mm ply, Skylark's 37.5 and 38 mm channels no ply's)."""
    inch = sorted((p for p, _ in NOMINAL if p != USUAL), reverse=True)
    if inches:
        return [(p, k, k * p, k * p + WIDER) for p in (*inch, USUAL) for k in PLIES]
    return ([(USUAL, k, k * USUAL, k * USUAL + WIDER) for k in PLIES]
            + [(p, 1, p - NARROWER, p + NARROWER) for p in inch])


def _band_of(width: float, inches: bool, k: int | None = None) -> tuple[float, int] | None:
    """The likeliest (ply, sheets) of _bands a slot `width` mm wide (taking `k` sheets)
    fits, or None."""
    for p, n, lo, hi in _bands(inches):
        if (k is None or n == k) and lo - 1e-9 <= width <= hi + 1e-9:
            return p, n
    return None


def _nominal_slots(outline: Polygon, inches: bool) -> list[Slot]:
    """The slots of `outline` as wide as a NOMINAL ply's (_bands)."""
    out = []
    for k in PLIES:
        mine = [(lo, hi) for _p, n, lo, hi in _bands(inches) if n == k]
        if mine:
            lo, hi = min(b[0] for b in mine), max(b[1] for b in mine)
            out += [s for s in find_slots(outline, lo / k, narrower=0.0, wider=hi - lo,
                                          plies=(k,))
                    if _band_of(s.width, inches, k)]
    return out


def _likely(slot: Slot, inches: bool) -> tuple[float, int]:
    """The NOMINAL ply a slot was likely drawn for and the sheets it takes (_bands)."""
    return _band_of(slot.width, inches) or (USUAL, slot.plies)


def _as_drawn(slot: Slot, stock: float) -> bool:
    """The stock is a NOMINAL ply (as given) and the slot as wide as that ply's: nothing to
    say of it."""
    return any(abs(stock - p) <= NEAR and k * p - 1e-9 <= slot.width <= k * p + WIDER + 1e-9
               for p, _ in NOMINAL for k in PLIES)


def _same_slot(a: Slot, b: Slot) -> bool:
    return a.start == b.start and abs(a.width - b.width) <= 1e-9


def fit_part_slots(outline: Polygon, rule: SlotRule, stock: float, layer_says: float | None,
                   layer: str, file: str, part: str, *, inches: bool = False
                   ) -> tuple[Polygon, SlotFit | None]:
    """The outline with its slots fitted to `stock` mm ply, and the record of it (None when
    there is nothing to say). A slot that cannot be fitted is refused: InputError naming the
    file, the part, the slot and how to keep it as drawn. `inches`: the drawing is in
    inches, so its slots likelier drawn for inch ply."""
    if rule.mode == AS_DRAWN:
        return outline, None
    drawn, source = rule.drawn(layer_says, layer)
    if drawn is None:
        found = [s for s in _nominal_slots(outline, inches) if not _as_drawn(s, stock)]
        if not found:
            return outline, None
        likely = [_likely(s, inches) for s in found]
        return outline, SlotFit(file, part, None, "", stock, tuple(s.width for s in found),
                                tuple(k for _, k in likely), tuple(p for p, _ in likely))
    delta = stock - drawn
    if abs(delta) <= SAME:
        return outline, None
    slots = find_slots(outline, drawn)
    try:
        fitted = fit_slots(outline, slots, delta)
    except SlotFitError as exc:
        raise InputError(f"slots drawn for {drawn:g} mm ply ({source}) cannot be fitted to the"
                         f" {stock:g} mm stock: {exc} (drawing coordinates); draw the part for"
                         f" this ply, or keep its slots as drawn ({rule.mode_key} ="
                         f" \"{AS_DRAWN}\")", file, part) from None
    # a slot as wide as another usual ply's, cut as drawn: said, never silently too wide
    missed = tuple((s.width, _likely(s, inches)[0]) for s in _nominal_slots(outline, inches)
                   if not any(_same_slot(s, t) for t in slots))
    return fitted, SlotFit(file, part, drawn, source, stock, tuple(s.width for s in slots),
                           tuple(s.plies for s in slots), missed=missed)


def _setting(key: str, value: str) -> str:
    """How the user sets `key` to `value`: a flag takes it after a space, a TOML key after =."""
    return f"{key} {value}" if key.startswith("--") else f"{key} = {value}"


def _mm(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _plies(plies: list[float]) -> str:
    """'18 mm ply', '23/32 in ply (18.26 mm)', '18 mm or 3/4 in ply (19.05 mm)'."""
    names = dict(NOMINAL)
    said = [names.get(p, f"{p:g} mm") for p in plies]
    mm = ", ".join(f"{_mm(p)} mm" for p in plies if p != USUAL and p in names)
    return " or ".join(said) + " ply" + (f" ({mm})" if mm else "")


def _holding(fits: list[SlotFit], n: int, widths: list[float]) -> str:
    """'2 parts (A, B) hold 3 slots 18.26-19.05 mm wide'."""
    names = ", ".join(f.part for f in fits[:5])
    more = f" and {len(fits) - 5} more" if len(fits) > 5 else ""
    lo, hi = min(widths), max(widths)
    wide = f"{_mm(lo)} mm" if _mm(lo) == _mm(hi) else f"{_mm(lo)}-{_mm(hi)} mm"
    holds = "holds" if len(fits) == 1 else "hold"
    return (f"{counted(len(fits), 'part')} ({names}{more}) {holds} {counted(n, 'slot')}"
            f" {wide} wide")


def _by_ply(fits: list[SlotFit]) -> dict[tuple[float, str], list[SlotFit]]:
    out: dict[tuple[float, str], list[SlotFit]] = {}
    for f in fits:
        out.setdefault((f.drawn or 0.0, f.source), []).append(f)
    return dict(sorted(out.items()))


def slot_warnings(fits: list[SlotFit], rule: SlotRule) -> list[str]:
    """What to say of a job's (or a file's) slots, one line each: the slots fitted (how
    many, in how many parts, from what width to what); the slots as wide as a usual ply's
    (NOMINAL) left as drawn because nothing says which ply they were drawn for, or because
    they are not as wide as the drawn ply's; a ply given by the user when no slot at all
    was found to fit."""
    out = []
    done = [f for f in fits if f.drawn is not None and f.widths]
    if done:
        n = sum(len(f.widths) for f in done)
        moves = Counter((_mm(w), _mm(to)) for f in done for w, to in f.fitted())
        said = ", ".join(f"{a} -> {b} mm" + (f" ({k})" if len(moves) > 1 else "")
                         for (a, b), k in sorted(moves.items(), key=lambda m: (-m[1], m[0])))
        plies = sorted({(f.drawn, f.source) for f in done})
        drawn = "; ".join(f"{p:g} mm ply, as {src} says" for p, src in plies[:3])
        more = f" and {len(plies) - 3} more" if len(plies) > 3 else ""
        stocks = sorted({f.stock for f in done})
        out.append(f"fitted {counted(n, 'slot')} in {counted(len(done), 'part')} to the"
                   f" {'/'.join(f'{s:g}' for s in stocks)} mm stock: {said} wide (drawn for"
                   f" {drawn}{more}; {rule.mode_key} = \"{AS_DRAWN}\" keeps them as drawn)")
    unknown = [f for f in fits if f.drawn is None]
    if unknown:
        n = sum(len(f.widths) for f in unknown)
        every = [w for f in unknown for w in f.widths]
        plies = sorted({p for f in unknown for p in f.likely})
        two = " (one sheet or two)" if any(k > 1 for f in unknown for k in f.plies) else ""
        values = " or ".join(f"{round(p, 3):g}" for p in plies)
        out.append(f"{_holding(unknown, n, every)}, as for {_plies(plies)}{two}, cut as"
                   f" drawn in the {unknown[0].stock:g} mm stock: nothing says which ply the parts"
                   " were drawn for (no sheet layer names one); to fit them set"
                   f" {_setting(rule.default_key, values)} (the ply they were drawn for),"
                   f" or {rule.mode_key} = \"{AS_DRAWN}\" to keep them as drawn")
    for (ply, src), group in _by_ply([f for f in fits if f.missed]).items():
        n = sum(len(f.missed) for f in group)
        every = [w for f in group for w, _p in f.missed]
        plies = sorted({p for f in group for _w, p in f.missed})
        out.append(f"{_holding(group, n, every)}, as for {_plies(plies)}, cut as drawn in the"
                   f" {group[0].stock:g} mm stock: only slots {_mm(ply - NARROWER)}-"
                   f"{_mm(ply + WIDER)} mm wide (or twice the ply) are fitted,"
                   f" for the {ply:g} mm ply the parts were drawn for, as {src} says; check"
                   " which ply those slots were drawn for")
    for key in [] if done else sorted({f.source for f in fits if f.drawn is not None
                                       and not f.source.startswith("sheet layer")}):
        mine = [f for f in fits if f.source == key]
        if mine and not any(f.widths for f in mine):
            ply = mine[0].drawn or 0.0
            out.append(f"{key} = {ply:g}: no slot {_mm(ply - NARROWER)}-{_mm(ply + WIDER)} mm"
                       f" wide in {counted(len(mine), 'part')} drawn for it: nothing fitted")
    return out
