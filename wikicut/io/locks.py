"""A [[part]]'s `lock` (where the user put it) read and checked against the stock.

`lock = { sheet = 1, x = 100, y = 200, rotation = 90 }` (or a list of such tables, one per
copy locked) puts a copy on the output's sheet `sheet`, turned by `rotation`, the lower-left
corner of its turned bounding box at (x, y) in sheet coordinates; `stock` picks the
[[sheet]] entry (from 1, default 1); `mirror = true` puts it face down (mirrored, then
turned: as the nester mirrors parts; refused for a part machined into one face).
Refused, one line naming the part and key: a lock outside its sheet's usable area
(margins, keep-outs), nearer a keep-out than half the spacing (as near as the nester puts
a part), nearer another locked part than the spacing (as near as two nested parts), at a
rotation the part may not take, on more sheets than the stock holds, or with sheet numbers
that skip one.
"""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path
from typing import Any

import shapely

from ..errors import InputError
from ..model import Lock, NestItem, Stock, locked_placement
from . import limits as lim
from .toml import TomlFile, check_keys, get_bool, get_number

LOCK_KEYS = {"sheet", "x", "y", "rotation", "stock", "mirror"}
TOL = 1e-6  # mm, as the layout check allows


def read_locks(tf: TomlFile, value: Any, key: str, n_stocks: int) -> tuple[Lock, ...]:
    """A part's `lock`: one table, or a list of tables (one per copy locked)."""
    if isinstance(value, dict):
        tables = [(value, key)]
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        tables = [(v, f"{key}[{i + 1}]") for i, v in enumerate(value)]
    else:
        raise tf.error(key, "must be a table { sheet = 1, x = ..., y = ..., rotation = ... }"
                            " or a list of them")
    out = []
    lines = _table_lines(tf, key, len(tables))
    for (table, where), line in zip(tables, lines):
        prefix = f"{where}."
        check_keys(tf, table, LOCK_KEYS, prefix)
        sheet = get_number(tf, table, "sheet", prefix, required=True, rng=lim.SHEET_COUNT)
        x = get_number(tf, table, "x", prefix, required=True, rng=lim.COORDINATE)
        y = get_number(tf, table, "y", prefix, required=True, rng=lim.COORDINATE)
        rot = get_number(tf, table, "rotation", prefix, default=0.0, rng=lim.ANGLE)
        stock = get_number(tf, table, "stock", prefix, default=1, rng=lim.SHEET_COUNT)
        if stock > n_stocks:
            raise tf.error(f"{prefix}stock", f"the job lists {n_stocks} [[sheet]] entries,"
                           f" not {stock}")
        flip = get_bool(tf, table, "mirror", prefix)
        out.append(Lock(int(sheet), float(x), float(y), float(rot) % 360.0, int(stock) - 1,
                        where, flip, line))
    return tuple(out)


def _table_lines(tf: TomlFile, key: str, n: int) -> list[int | None]:
    """The lines of the `n` inline tables a lock key gives (each copy's lock may sit on a
    line of its own), from the key's line on; the key's line where they cannot be told."""
    first = tf.line(key)
    if first is None:
        return [None] * n
    rest = "\n".join(tf.text.split("\n")[first - 1:]).split("[[", 1)[0]
    found = [first + rest.count("\n", 0, m.start()) for m in re.finditer(r"\{", rest)][:n]
    return found if len(found) == n else [first] * n


def check_locks(items: list[NestItem], stocks: tuple[Stock, ...] | list[Stock],
                spacing: float, file: str | Path) -> None:
    """Refuse locks the nester cannot keep (see the module docstring)."""
    locked = [it for it in items if it.lock is not None]
    if not locked:
        return
    sheets: dict[int, list[NestItem]] = {}
    for it in locked:
        lk = it.lock
        if not any(abs((lk.rotation - r + 180.0) % 360.0 - 180.0) < 1e-9 for r in it.rotations):
            raise InputError(f"{lk.where('.rotation')}: {lk.rotation:g} is not one of the part's"
                             f" rotations ({', '.join(f'{r:g}' for r in it.rotations)})",
                             file, it.part.name)
        sheets.setdefault(lk.sheet, []).append(it)
    for k in range(1, max(sheets) + 1):
        if k not in sheets:
            first = sheets[min(s for s in sheets if s > k)][0]
            raise InputError(f"{first.lock.where('.sheet')}: locked on sheet {first.lock.sheet},"
                             f" but no part is locked on sheet {k}: locked sheets are numbered"
                             " 1, 2, ... without a gap", file,
                             first.part.name)
    per_stock = [0] * len(stocks)
    # a lock's stock counts the job's own [[sheet]] tables, after the remnants drawn
    # (io/job.py): the messages name the table the user wrote (sheet[2] was the job's
    # only [sheet] when the inventory offered one remnant)
    n_rem = sum(1 for s in stocks if s.remnant)
    for k, its in sorted(sheets.items()):
        t = its[0].lock.stock
        for it in its[1:]:
            if it.lock.stock != t:
                raise InputError(f"{it.lock.where('.stock')}: sheet {k} is sheet[{t - n_rem + 1}]"
                                 f" for {its[0].instance}, not sheet[{it.lock.stock - n_rem + 1}]",
                                 file, it.part.name)
        per_stock[t] += 1
        st = stocks[t]
        have = 1 if st.strip else st.count
        if have is not None and per_stock[t] > have:
            raise InputError(f"{its[0].lock.where('.sheet')}: {per_stock[t]} sheets of"
                             f" sheet[{t - n_rem + 1}] hold locked parts, but it has {have}",
                             file, its[0].part.name)
        _check_sheet(its, st, k, spacing, file)


def _check_sheet(its: list[NestItem], st: Stock, k: int, spacing: float,
                 file: str | Path) -> None:
    """The locked parts of sheet k inside its usable area and the spacing apart."""
    usable = st.usable.buffer(TOL)
    placed = [locked_placement(it).placed().outline for it in its]
    for it, g in zip(its, placed):
        if not usable.contains(g):
            lk = it.lock
            raise InputError(f"{lk.where()}: at x = {lk.x:g}, y = {lk.y:g}, rotation"
                             f" {lk.rotation:g} the part is not inside sheet {k}'s usable area"
                             f" ({st.width:g} x {st.height:g} mm less the {st.margin:g} mm"
                             f" margin and keep-outs): {_where_out(g, st)}", file, it.part.name)
        _check_keepouts(it, g, st, k, spacing, file)
    for (a, ga), (b, gb) in combinations(zip(its, placed), 2):
        d = ga.distance(gb)
        if d < spacing - TOL or (d <= 0 and ga.intersection(gb).area > TOL):
            what = "overlaps" if d <= 0 else f"is {d:.3f} mm from"
            raise InputError(f"{b.lock.where()}: {b.instance} {what} {a.instance}, locked on"
                             f" sheet {k} too (spacing {spacing:g} mm)", file, b.part.name)


def _check_keepouts(it: NestItem, g, st: Stock, k: int, spacing: float,
                    file: str | Path) -> None:
    """A locked outline at least half the spacing from every keep-out, as the nester keeps
    the parts it places (each grown by spacing / 2 against the keep-outs, nest/raster.py and
    nest/compact.py): the cut around a part runs its tool's centre a radius out, and the
    spacing is never under the tool (pipeline/job.py refuses it), so the tool stays off the
    keep-out where the verifier would refuse the program only after planning it."""
    clear = spacing / 2.0
    if clear <= TOL:
        return
    for i, z in enumerate(st.keepouts):
        d = z.distance(g)
        if d < clear - TOL:
            lk = it.lock
            raise InputError(f"{lk.where()}: at x = {lk.x:g}, y = {lk.y:g}, rotation"
                             f" {lk.rotation:g} the part is {d:.3f} mm from keepouts[{i}] on"
                             f" sheet {k}, nearer than nested parts go ({clear:g} mm, half the"
                             f" {spacing:g} mm spacing, so the tool cutting round a part stays"
                             " off the keep-out)", file, it.part.name)


def _where_out(g, st: Stock) -> str:
    """Why a locked outline is off the usable area, the first that holds: off the material
    (in an L-shaped offcut's notch the message named only the box, which holds the part),
    over a keep-out, in the margin."""
    material = st.outline if st.outline is not None else shapely.box(0, 0, st.width, st.height)
    if not material.buffer(TOL).contains(g):
        return ("it lies off the offcut's material (its outline)" if st.outline is not None
                else "it lies off the sheet")
    for i, z in enumerate(st.keepouts):
        if z.intersection(g).area > TOL:
            return f"it lies over keepouts[{i}]"
    return "it lies in the margin"
