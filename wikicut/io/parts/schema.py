"""The part-file format: top-level keys, parameter and derived names (checked, ordered, with
overrides applied) and labels with `{expr}` fields."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InputError, suggest
from ..limits import MAX_DERIVED, MAX_LABEL
from ..toml import TomlFile, check_keys, get_table
from .expr import RESERVED, ExprError, evaluate, names_used, unit_hint

TOP_KEYS = {"name", "description", "label", "label_at", "label_height", "params", "derived",
            "feature", "drill", "engrave"}
OPS = ("add", "cut", "pocket")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ParamError(InputError):
    """A parameter value the part file refuses (an unknown name, a value outside its range).

    `param` is the parameter's name, `why` the problem alone and `origin` the part file's key
    that declares the range ("" for an unknown name), so that a caller who knows where the
    value was written (a job's `params` table) can name that place instead."""

    param: str = ""
    why: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Param:
    """A declared parameter: its default and the range a value must lie in (None: open)."""

    default: float
    min: float | None = None
    max: float | None = None

    def problem(self, v: float) -> str | None:
        """Why `v` is outside the range, or None."""
        if self.min is not None and v < self.min:
            return f"{v:g} is below the minimum {self.min:g}{self.span()}"
        if self.max is not None and v > self.max:
            return f"{v:g} is above the maximum {self.max:g}{self.span()}"
        return None

    def span(self) -> str:
        """' (range 600..2410)' when both ends are set, else ''."""
        return f" (range {self.min:g}..{self.max:g})" if None not in (self.min, self.max) else ""


PARAM_KEYS = {"default", "min", "max"}


def declared_params(tf: TomlFile, data: dict, name: str | None) -> dict[str, float]:
    """The [params] table's defaults, in file order."""
    return {k: p.default for k, p in declared(tf, data, name).items()}


def declared(tf: TomlFile, data: dict, name: str | None) -> dict[str, Param]:
    """The [params] table: names checked (no clash with functions), defaults numeric and
    within their ranges. A parameter is a number (its default) or a table
    `{ default = N, min = A, max = B }` (min and max optional)."""
    table = get_table(tf, data, "params", part=name)
    out: dict[str, Param] = {}
    for k, v in table.items():
        dotted = f"params.{k}"
        _check_name(tf, dotted, k, name)
        if isinstance(v, dict):
            check_keys(tf, v, PARAM_KEYS, f"{dotted}.", name)
            if "default" not in v:
                raise tf.error(dotted, "a parameter table needs a default: "
                               "{ default = N, min = A, max = B }", name)
            num = {key: _number(tf, f"{dotted}.{key}", v[key], name) for key in v}
            p = Param(num["default"], num.get("min"), num.get("max"))
            if p.min is not None and p.max is not None and p.min > p.max:
                raise tf.error(f"{dotted}.min", f"min {p.min:g} is above max {p.max:g}", name)
            if why := p.problem(p.default):
                raise tf.error(f"{dotted}.default", f"the default {why}", name)
            out[k] = p
        else:
            out[k] = Param(_number(tf, dotted, v, name, "default "))
    return out


def _number(tf: TomlFile, dotted: str, v: Any, name: str | None, what: str = "") -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        hint = unit_hint(v) if isinstance(v, str) else ""
        raise tf.error(dotted, f"{what}must be a finite number, got {v!r}{hint}", name)
    return float(v)


def _check_name(tf: TomlFile, dotted: str, k: str, name: str | None) -> None:
    if not NAME_RE.match(k) or k.startswith("__"):
        raise tf.error(dotted, f"'{k}' is not a usable name (letters, digits and _)", name)
    if k in RESERVED or k == "thickness":
        raise tf.error(dotted, f"'{k}' is reserved (a function, constant or the job's "
                       "thickness); choose another name", name)


def expression_names(tf: TomlFile, name: str, params: dict[str, float] | None, thickness: float,
           data: dict) -> dict[str, float]:
    """Every value expressions may use: thickness, parameters (overridden), derived values."""
    params_of = declared(tf, data, name)
    if isinstance(thickness, bool) or not isinstance(thickness, (int, float)) \
            or not 0 < thickness <= 1000:
        raise InputError(f"material thickness must be a number of mm in (0, 1000], got "
                         f"{thickness!r}",
                         tf.display, name)
    names: dict[str, float] = {"thickness": float(thickness),
                               **{k: p.default for k, p in params_of.items()}}
    for k, v in (params or {}).items():
        if k not in params_of:
            why = (f"unknown parameter '{k}'{suggest(k, params_of)}; parameters: "
                   f"{', '.join(params_of) or 'none'}")
            raise _param_error(tf, name, k, why)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise _param_error(tf, name, k, f"parameter '{k}' must be a finite number, got"
                               f" {v!r}")
        if why := params_of[k].problem(float(v)):
            raise _param_error(tf, name, k, f"{k} = {why}", declared_at=True)
        names[k] = float(v)
    derived = get_table(tf, data, "derived", part=name)
    if len(derived) > MAX_DERIVED:
        raise tf.error("derived", f"{len(derived)} derived values: more than the {MAX_DERIVED}"
                       " a part file may define", name)
    for k in derived:
        _check_name(tf, f"derived.{k}", k, name)
        if k in params_of:
            raise tf.error(f"derived.{k}", "redefines a parameter", name)
    for k in _derived_order(tf, name, derived):
        try:
            names[k] = evaluate(derived[k], names)
        except ExprError as exc:
            raise tf.error(f"derived.{k}", str(exc), name) from None
    return names


def _param_error(tf: TomlFile, name: str, param: str, why: str, declared_at: bool = False
                 ) -> ParamError:
    """A refused override; `declared_at`: at the part file's key that declares the
    parameter (its range)."""
    origin = tf.where(f"params.{param}") if declared_at else ""
    exc = ParamError(f"{origin}: {why}" if origin else why, tf.display, name)
    exc.param, exc.why, exc.origin = param, why, origin
    return exc


def _derived_order(tf: TomlFile, name: str, derived: dict[str, Any]) -> list[str]:
    """Derived values in an order where each comes after those it uses; cycles refused.

    File order is kept wherever it already works, so errors point at the first bad line.
    """
    deps: dict[str, list[str]] = {}
    for k, v in derived.items():
        try:
            deps[k] = sorted(n for n in names_used(v) if n in derived)
        except ExprError as exc:
            raise tf.error(f"derived.{k}", str(exc), name) from None
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    for root in derived:  # depth first, with its own stack: a long chain is not a recursion
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            k, i = stack[-1]
            if i == 0:
                if state.get(k) == 2:
                    stack.pop()
                    continue
                state[k] = 1
            if i < len(deps[k]):
                stack[-1] = (k, i + 1)
                d = deps[k][i]
                if state.get(d) == 1:
                    path = [s for s, _ in stack]
                    cycle = path[path.index(d):] + [d]
                    raise tf.error(f"derived.{d}", "derived values form a cycle: "
                                   + " -> ".join(cycle), name)
                if state.get(d) != 2:
                    stack.append((d, 0))
                continue
            state[k] = 2
            order.append(k)
            stack.pop()
    return order


_FIELD = re.compile(r"\{\{|\}\}|\{([^{}:]*)(?::([^{}]*))?\}|[{}]")
_SPEC = re.compile(r"^[<>^]?\d{0,2}(\.\d{1,2})?[fg]?$")


def fill_label(tf: TomlFile, name: str, label: Any, names: dict[str, float]) -> str:
    """The label with `{expr}` or `{expr:.1f}` filled in; `{{`/`}}` are literal braces.

    Fields go through the safe evaluator, never str.format (which can walk attributes).
    """
    if not isinstance(label, str):
        raise tf.error("label", f"must be a string, got {label!r}", name)
    if len(label) > MAX_LABEL:
        raise tf.error("label", f"{len(label)} characters: longer than the {MAX_LABEL} a label"
                       " may be", name)
    if any(not c.isprintable() for c in label):  # engraved on one line, as a name is
        raise tf.error("label", f"{label!r} holds a line break or control character", name)

    def fill(m: re.Match) -> str:
        tok = m.group(0)
        if tok in ("{{", "}}"):
            return tok[0]
        if tok in ("{", "}"):
            raise tf.error("label", "unmatched brace (write {{ or }} for a literal one)", name)
        try:
            v = evaluate(m.group(1), names)
        except ExprError as exc:
            raise tf.error("label", str(exc), name) from None
        spec = m.group(2)
        if spec is None:
            return _fmt(v)
        if not _SPEC.match(spec):
            raise tf.error("label", f"format '{spec}' not understood (try .1f)", name)
        return format(v, spec)

    text = _FIELD.sub(fill, label)
    if len(text) > MAX_LABEL:
        raise tf.error("label", f"{len(text)} characters once filled in: longer than the"
                       f" {MAX_LABEL} a label may be", name)
    return text


def _fmt(v: float) -> str:
    """Whole numbers without '.0', others with up to 2 decimals: 2400, 18.3, 33.33."""
    if abs(v - round(v)) < 1e-9:
        return str(round(v))
    return f"{v:.2f}".rstrip("0").rstrip(".")


def part_parameters(path: str | Path) -> dict[str, float]:
    """The declared parameters of a part file with their defaults, in file order."""
    tf = TomlFile.load(path)
    name = tf.data.get("name") if isinstance(tf.data.get("name"), str) else None
    return declared_params(tf, tf.data, name)


def part_info(path: str | Path) -> dict:
    """Name, description and parameters of a part file, for `wikicut parts`; "ranges" too
    when a parameter declares one."""
    tf = TomlFile.load(path)
    name = tf.data.get("name", Path(path).stem)
    desc = tf.data.get("description", "")
    if not isinstance(name, str) or not name.strip():  # as load_part refuses it
        raise tf.error("name", "must be a non-empty string")
    if not isinstance(desc, str):
        raise tf.error("description", f"must be a string, got {desc!r}", name)
    params = declared(tf, tf.data, name)
    info: dict = {"name": name, "description": desc,
                  "parameters": {k: p.default for k, p in params.items()}}
    ranges = {k: (p.min, p.max) for k, p in params.items() if (p.min, p.max) != (None, None)}
    if ranges:  # (min, max), None for an open end
        info["ranges"] = ranges
    return info
