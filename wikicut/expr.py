"""Safe arithmetic expressions for part files: parsed with `ast`, walked over a whitelist.

Nothing from the file is ever passed to eval/exec: names resolve only to parameters,
`thickness` and a few maths functions.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping

from .errors import suggest

FUNCS = {"min": min, "max": max, "abs": abs, "sqrt": math.sqrt, "sin": math.sin,
         "cos": math.cos, "tan": math.tan, "atan2": math.atan2, "radians": math.radians,
         "degrees": math.degrees, "floor": math.floor, "ceil": math.ceil, "round": round}
CONSTS = {"pi": math.pi}
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
        ast.Pow: operator.pow}
_CMP = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
        ast.Eq: operator.eq, ast.NotEq: operator.ne}
MAX_LEN = 500


class ExprError(ValueError):
    """An expression that cannot be evaluated; the message says why, in a few words."""


def evaluate(text: str | int | float, names: Mapping[str, float]) -> float:
    """The value of a number or an expression string over `names`."""
    if isinstance(text, bool):
        raise ExprError(f"expected a number or expression, got {text!r}")
    if isinstance(text, (int, float)):
        v = float(text)
    else:
        if not isinstance(text, str):
            raise ExprError(f"expected a number or expression, got {text!r}")
        if len(text) > MAX_LEN:
            raise ExprError(f"expression longer than {MAX_LEN} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError:
            raise ExprError(f"expression '{text}' is not valid arithmetic") from None
        try:
            v = _eval(tree.body, names, text)
        except ZeroDivisionError:
            raise ExprError(f"expression '{text}': division by zero") from None
        except OverflowError:
            raise ExprError(f"expression '{text}': number too large") from None
        except (ValueError, TypeError) as exc:
            if isinstance(exc, ExprError):
                raise
            raise ExprError(f"expression '{text}': {exc}") from None
    if not math.isfinite(v):
        raise ExprError(f"expression '{text}' is not a finite number")
    return v


def _eval(node: ast.AST, names: Mapping[str, float], src: str) -> float:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExprError(f"expression '{src}': only numbers are allowed, not {node.value!r}")
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id in names:
            return float(names[node.id])
        if node.id in CONSTS:
            return CONSTS[node.id]
        if node.id.startswith("__"):
            raise ExprError(f"expression '{src}': attempts to reach Python are not allowed")
        raise ExprError(f"expression '{src}': unknown name '{node.id}'"
                        f"{suggest(node.id, list(names) + list(CONSTS))}")
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        a, b = _eval(node.left, names, src), _eval(node.right, names, src)
        if isinstance(node.op, ast.Pow) and (abs(b) > 64 or abs(a) > 1e12):
            raise ExprError(f"expression '{src}': power too large")
        return float(_BIN[type(node.op)](a, b))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand, names, src)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP:
        a, b = _eval(node.left, names, src), _eval(node.comparators[0], names, src)
        return 1.0 if _CMP[type(node.ops[0])](a, b) else 0.0
    if isinstance(node, ast.IfExp):
        cond = _eval(node.test, names, src)
        return _eval(node.body if cond else node.orelse, names, src)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in FUNCS and not node.keywords):
        args = [_eval(a, names, src) for a in node.args]
        if not args:
            raise ExprError(f"expression '{src}': {node.func.id}() needs arguments")
        return float(FUNCS[node.func.id](*args))
    raise ExprError(f"expression '{src}': attempts to reach Python are not allowed "
                    f"({type(node).__name__})")
