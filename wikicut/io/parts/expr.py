"""Safe arithmetic expressions for part files: parsed with `ast`, walked over a whitelist.

Nothing from the file is ever passed to eval/exec: names resolve only to parameters,
`thickness`, derived values and a few maths functions, and every value is a float, so no
expression can build a huge integer, a string or an object.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Mapping

from ...errors import suggest


def _round(x: float, n: float = 0.0) -> float:
    """round() with a digits count written as a float in the file (round(x, 2.0))."""
    if n != int(n):
        raise ExprError("round() digits must be a whole number")
    return float(round(x, int(n)))


# name -> (function, min args, max args)
FUNCS = {
    "min": (min, 1, 64), "max": (max, 1, 64), "abs": (abs, 1, 1), "sqrt": (math.sqrt, 1, 1),
    "sin": (math.sin, 1, 1), "cos": (math.cos, 1, 1), "tan": (math.tan, 1, 1),
    "atan2": (math.atan2, 2, 2), "radians": (math.radians, 1, 1),
    "degrees": (math.degrees, 1, 1), "floor": (math.floor, 1, 1), "ceil": (math.ceil, 1, 1),
    "round": (_round, 1, 2),
}
CONSTS = {"pi": math.pi}
RESERVED = set(FUNCS) | set(CONSTS)
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
        ast.Pow: operator.pow}
_CMP = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
        ast.Eq: operator.eq, ast.NotEq: operator.ne}
# Nodes that only make sense as a way into Python's object model, not as arithmetic.
_PYTHON = (ast.Attribute, ast.Subscript, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp, ast.Starred, ast.NamedExpr, ast.JoinedStr, ast.FormattedValue,
           ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Await, ast.Yield, ast.YieldFrom,
           ast.Slice)
MAX_LEN = 500
REACH = "attempts to reach Python are not allowed"


class ExprError(ValueError):
    """An expression that cannot be evaluated; the message says why, in a few words."""


def parse(text: str) -> ast.expr:
    """The syntax tree of an expression string, refusing anything long or malformed."""
    if len(text) > MAX_LEN:
        raise ExprError(f"expression longer than {MAX_LEN} characters")
    if not text.strip():
        raise ExprError("empty expression")
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" ('96in') is an error here
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExprError(f"expression '{text}' is not valid arithmetic{unit_hint(text)}"
                        ) from None


# a number with a unit written after it ("96in", "2 ft", "12mm"): part files take none
_UNIT = re.compile(r"""\d\s*(mm|cm|m|in|inch|inches|ft|feet|"|')(?![A-Za-z_])""")


def unit_hint(text: str) -> str:
    """A hint for a number written with a unit, else ''."""
    if _UNIT.search(text):
        return " (part files are in mm and take no units: write inches as N * 25.4)"
    return ""


def names_used(text: str | float) -> set[str]:
    """The variable names an expression refers to (for ordering derived values)."""
    if not isinstance(text, str):
        return set()
    tree = parse(text)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and not _is_func(tree, n)}


def _is_func(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(c, ast.Call) and c.func is name for c in ast.walk(tree))


def evaluate(text: str | float, names: Mapping[str, float]) -> float:
    """The value of a number or an expression string over `names`."""
    if isinstance(text, bool):
        raise ExprError(f"expected a number or expression, got {text!r}")
    if isinstance(text, (int, float)):
        try:
            v = float(text)
        except OverflowError:
            raise ExprError(f"number {text} too large") from None
    elif isinstance(text, str):
        tree = parse(text)
        try:
            v = _eval(tree, names, text)
        except ExprError:
            raise
        except ZeroDivisionError:
            raise ExprError(f"expression '{text}': division by zero") from None
        except OverflowError:
            raise ExprError(f"expression '{text}': number too large") from None
        except RecursionError:
            raise ExprError(f"expression '{text}' is nested too deeply") from None
        except (ValueError, TypeError) as exc:
            raise ExprError(f"expression '{text}': {exc}") from None
    else:
        raise ExprError(f"expected a number or expression, got {text!r}")
    if not math.isfinite(v):
        raise ExprError(f"expression '{text}' is not a finite number")
    return v


def _eval(node: ast.AST, names: Mapping[str, float], src: str) -> float:
    if isinstance(node, ast.Constant):
        return _constant(node, src)
    if isinstance(node, ast.Name):
        return _name(node, names, src)
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        a, b = _eval(node.left, names, src), _eval(node.right, names, src)
        if isinstance(node.op, ast.Pow) and a < 0 and b != int(b):
            raise ExprError(f"expression '{src}': negative number to a fractional power")
        return float(_BIN[type(node.op)](a, b))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        v = _eval(node.operand, names, src)
        if isinstance(node.op, ast.Not):
            return 0.0 if v else 1.0
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Compare) and all(type(op) in _CMP for op in node.ops):
        return _compare(node, names, src)
    if isinstance(node, ast.BoolOp):  # `and` / `or` on truth values 0 and non-0
        vals = (_eval(v, names, src) for v in node.values)
        if isinstance(node.op, ast.And):
            return 1.0 if all(vals) else 0.0
        return 1.0 if any(vals) else 0.0
    if isinstance(node, ast.IfExp):
        cond = _eval(node.test, names, src)
        return _eval(node.body if cond else node.orelse, names, src)
    if isinstance(node, ast.Call):
        return _call(node, names, src)
    if isinstance(node, _PYTHON):
        raise ExprError(f"expression '{src}': {REACH} ({type(node).__name__})")
    what = type(getattr(node, "op", node)).__name__
    raise ExprError(f"expression '{src}': {what} is not supported in part arithmetic")


def _constant(node: ast.Constant, src: str) -> float:
    if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
        raise ExprError(f"expression '{src}': {REACH} (only numbers, not "
                        f"{type(node.value).__name__} values)")
    return float(node.value)


def _name(node: ast.Name, names: Mapping[str, float], src: str) -> float:
    if node.id.startswith("__"):
        raise ExprError(f"expression '{src}': {REACH} ('{node.id}')")
    if node.id in names:
        return float(names[node.id])
    if node.id in CONSTS:
        return CONSTS[node.id]
    if node.id in FUNCS:
        raise ExprError(f"expression '{src}': '{node.id}' is a function, call it as "
                        f"{node.id}(...)")
    raise ExprError(f"expression '{src}': unknown name '{node.id}'"
                    f"{suggest(node.id, list(names) + list(CONSTS))}")


def _compare(node: ast.Compare, names: Mapping[str, float], src: str) -> float:
    """A chained comparison (a < b <= c) as 1.0 or 0.0, evaluated left to right."""
    left = _eval(node.left, names, src)
    for op, comp in zip(node.ops, node.comparators):
        right = _eval(comp, names, src)
        if not _CMP[type(op)](left, right):
            return 0.0
        left = right
    return 1.0


def _call(node: ast.Call, names: Mapping[str, float], src: str) -> float:
    if not isinstance(node.func, ast.Name) or node.func.id.startswith("__"):
        raise ExprError(f"expression '{src}': {REACH} (call)")
    fname = node.func.id
    if fname not in FUNCS:
        raise ExprError(f"expression '{src}': unknown function '{fname}'"
                        f"{suggest(fname, FUNCS)}; functions: {', '.join(FUNCS)}")
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise ExprError(f"expression '{src}': {fname}() takes plain arguments only")
    fn, lo, hi = FUNCS[fname]
    if not lo <= len(node.args) <= hi:
        n = f"{lo}" if lo == hi else f"{lo} to {hi}"
        raise ExprError(f"expression '{src}': {fname}() takes {n} argument(s), "
                        f"got {len(node.args)}")
    args = [_eval(a, names, src) for a in node.args]
    try:
        return float(fn(*args))
    except ExprError as exc:
        raise ExprError(f"expression '{src}': {exc}") from None
    except ValueError:
        raise ExprError(f"expression '{src}': {fname}() of {', '.join(f'{a:g}' for a in args)}"
                        f" is not defined") from None
