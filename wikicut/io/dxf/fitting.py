"""A DXF part's thickness slots fitted to the measured stock: which ply the part was drawn
for, the part with its slots fitted (io/dxf/slots.py), and what is said about it.

The ply a part was drawn for is the one its sheet layer names (`0_SHEET_BirchPly
2440x1220x18`), or the one the user gives: for that part (`[[part]] drawn_thickness`,
`--drawn-thickness`) over its sheet layer, for the job (`[dxf] drawn_thickness`) where the
sheet layer names none. Without one, nothing is changed; parts with slots as wide as 18 mm
ply's in stock of another thickness are said to be cut as drawn, naming the key to set.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from shapely.geometry import Polygon

from ...errors import InputError
from ...words import counted
from .slots import NARROWER, WIDER, SlotFitError, find_slots, fit_slots

__all__ = ["AS_DRAWN", "FIT", "SLOT_MODES", "SlotFit", "SlotRule", "fit_part_slots",
           "slot_warnings"]

FIT = "fit"
AS_DRAWN = "as drawn"
SLOT_MODES = (FIT, AS_DRAWN)
USUAL = 18.0  # mm: the ply WikiHouse parts are drawn for, when nothing says which
SAME = 1e-6  # mm: a stock this near the drawn ply is that ply


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
    and these are the slots 18-19 mm wide, or 36-37 for two sheets, left as drawn), cut
    from `stock` mm ply; `plies`: the sheets each slot takes."""

    file: str
    part: str
    drawn: float | None
    source: str  # where `drawn` comes from
    stock: float
    widths: tuple[float, ...]
    plies: tuple[int, ...]

    @property
    def delta(self) -> float:
        """The change in width per sheet a slot takes (mm)."""
        return 0.0 if self.drawn is None else self.stock - self.drawn

    def fitted(self) -> list[tuple[float, float]]:
        """(drawn, fitted) width of each slot, mm."""
        return [(w, w + self.delta * k) for w, k in zip(self.widths, self.plies)]


def fit_part_slots(outline: Polygon, rule: SlotRule, stock: float, layer_says: float | None,
                   layer: str, file: str, part: str) -> tuple[Polygon, SlotFit | None]:
    """The outline with its slots fitted to `stock` mm ply, and the record of it (None when
    there is nothing to say). A slot that cannot be fitted is refused: InputError naming the
    file, the part, the slot and how to keep it as drawn."""
    if rule.mode == AS_DRAWN:
        return outline, None
    drawn, source = rule.drawn(layer_says, layer)
    if drawn is None:
        if abs(stock - USUAL) <= SAME:
            return outline, None
        found = find_slots(outline, USUAL, narrower=0.0)
        return outline, (SlotFit(file, part, None, "", stock, tuple(s.width for s in found),
                                 tuple(s.plies for s in found)) if found else None)
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
    return fitted, SlotFit(file, part, drawn, source, stock, tuple(s.width for s in slots),
                           tuple(s.plies for s in slots))


def _setting(key: str, value: str) -> str:
    """How the user sets `key` to `value`: a flag takes it after a space, a TOML key after =."""
    return f"{key} {value}" if key.startswith("--") else f"{key} = {value}"


def _mm(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def slot_warnings(fits: list[SlotFit], rule: SlotRule) -> list[str]:
    """What to say of a job's (or a file's) slots, one line each: the slots fitted (how
    many, in how many parts, from what width to what); the slots 18-19 mm wide left as
    drawn because nothing says which ply they were drawn for; a ply given by the user when
    no slot at all was found to fit."""
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
        names = ", ".join(f.part for f in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        every = [w for f in unknown for w in f.widths]
        lo, hi = min(every), max(every)
        widths = f"{_mm(lo)} mm" if _mm(lo) == _mm(hi) else f"{_mm(lo)}-{_mm(hi)} mm"
        holds = "holds" if len(unknown) == 1 else "hold"
        two = " (one sheet or two)" if any(k > 1 for f in unknown for k in f.plies) else ""
        out.append(f"{counted(len(unknown), 'part')} ({names}{more}) {holds}"
                   f" {counted(n, 'slot')} {widths} wide, as for {USUAL:g} mm ply{two}, cut as"
                   f" drawn in the {unknown[0].stock:g} mm stock: nothing says which ply the parts"
                   " were drawn for (no sheet layer names one); to fit them set"
                   f" {_setting(rule.default_key, f'{USUAL:g}')} (the ply they were drawn for),"
                   f" or {rule.mode_key} = \"{AS_DRAWN}\" to keep them as drawn")
    for key in [] if done else sorted({f.source for f in fits if f.drawn is not None
                                       and not f.source.startswith("sheet layer")}):
        mine = [f for f in fits if f.source == key]
        if mine and not any(f.widths for f in mine):
            ply = mine[0].drawn or 0.0
            out.append(f"{key} = {ply:g}: no slot {_mm(ply - NARROWER)}-{_mm(ply + WIDER)} mm"
                       f" wide in {counted(len(mine), 'part')} drawn for it: nothing fitted")
    return out
