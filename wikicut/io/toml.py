"""Reading the TOML data files (jobs, parts, profiles) with errors that name file, key and line.

tomllib gives no positions for values, so `key_line` finds the line of a key in the source text:
good enough to point an operator at the right line of a hand-edited file.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any

from ..errors import InputError, suggest
from .limits import MAX_TOML_BYTES, Range, read_input_bytes


class TomlFile:
    """A parsed TOML file that remembers its text, to report the line of a bad key."""

    def __init__(self, path: Path, data: dict[str, Any], text: str, display: str | None = None):
        self.path = path
        self.data = data
        self.text = text
        self.display = display or str(path)

    @classmethod
    def load(cls, path: str | Path, display: str | None = None) -> TomlFile:
        path = Path(path)
        shown = display or str(path)
        raw = read_input_bytes(path, shown, MAX_TOML_BYTES)
        if not raw.strip():
            raise InputError("file is empty", shown)
        if b"\x00" in raw:
            raise InputError("binary file, not TOML text", shown)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text (byte {exc.start})", shown) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"TOML syntax error: {_given_twice(text, str(exc)) or exc}",
                             shown) from None
        return cls(path, data, text, shown)

    def line_of(self, key: str) -> int | None:
        return key_line(self.text, key)

    def where(self, dotted: str) -> str:
        """"key 'a.b' (line N)" for messages; `part[3].x` looks after the 3rd [[part]]."""
        line = self.line(dotted)
        return f"key '{dotted}'" + (f" (line {line})" if line else "")

    def line(self, dotted: str) -> int | None:
        """The 1-based line of a dotted key (see `where`), if it can be found."""
        start = 0
        m = re.match(r"^(\w+)\[(\d+)\]\.", dotted)
        if m:  # an array of tables: skip to its n-th header
            heads = [h.start() for h in re.finditer(rf"^\s*\[\[\s*{m.group(1)}\s*\]\]",
                                                    self.text, re.MULTILINE)]
            n = int(m.group(2))
            if 0 < n <= len(heads):
                start = heads[n - 1]
        else:  # a plain table's key: from its [table] header (the longest that is there)
            names = dotted.split(".")[:-1]
            for k in range(len(names), 0, -1):
                head = r"\s*\.\s*".join(re.escape(x) for x in names[:k])
                h = re.search(rf"^\s*\[\s*{head}\s*\]", self.text, re.MULTILINE)
                if h:
                    start = h.start()
                    break
        line = key_line(self.text[start:], dotted.split(".")[-1].split("[")[0])
        if line is not None:
            line += self.text.count("\n", 0, start)
        return line

    def error(self, dotted: str, what: str, part: str | None = None) -> InputError:
        return InputError(f"{self.where(dotted)}: {what}", self.display, part)


def _given_twice(text: str, said: str) -> str | None:
    """tomllib's "Cannot overwrite a value (at line N, ...)" with the key it means: the
    dotted key set again on line N, and the line it was first set on."""
    m = re.match(r"Cannot overwrite a value \(at line (\d+), column \d+\)", said)
    lines = text.splitlines()
    if m is None or not 0 < int(m.group(1)) <= len(lines):
        return None
    n = int(m.group(1))
    key = re.match(r"\s*([\w\"'.-]+)\s*=", lines[n - 1])
    if key is None:
        return None
    name = key.group(1).strip("\"'")
    table, first = "", None
    for i, line in enumerate(lines[:n - 1], 1):
        head = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if head:
            table, first = head.group(1).strip(), None
        elif re.match(rf"\s*[\"']?{re.escape(name)}[\"']?\s*=", line):
            first = i
    dotted = f"{table}.{name}" if table else name
    again = f", first at line {first}" if first else ""
    return f"key '{dotted}' given twice (line {n}{again}): keep one"


def key_line(text: str, key: str) -> int | None:
    """1-based line where `key = ...` or `[key]` first appears, if it can be found."""
    pat = re.compile(rf"^\s*(\[\[?\s*)?[\"']?{re.escape(key)}[\"']?\s*(=|\]|\.)",
                     re.MULTILINE)
    m = pat.search(text)
    if m is None:
        pat = re.compile(rf"[\s{{,][\"']?{re.escape(key)}[\"']?\s*=")
        m = pat.search(text)
    if m is None:
        return None
    return text.count("\n", 0, m.start()) + 1


def check_keys(tf: TomlFile, table: dict[str, Any], allowed: set[str] | list[str], prefix: str = "",
               part: str | None = None) -> None:
    """Refuse unknown keys, suggesting the nearest valid one (a typo must not be ignored)."""
    for key in table:
        if key not in allowed:
            dotted = f"{prefix}{key}"
            raise tf.error(dotted, f"unknown key{suggest(key, allowed)}", part)


def get_number(tf: TomlFile, table: dict[str, Any], key: str, prefix: str = "", *,
               default: float | None = None, required: bool = False, minimum: float | None = None,
               positive: bool = False, integer: bool = False, part: str | None = None,
               rng: Range | None = None) -> float | None:
    """A finite number from a table, range-checked (`rng` as on the command line, or the
    other bounds), or a one-line error naming key and line."""
    dotted = f"{prefix}{key}"
    if key not in table:
        if required:
            raise InputError(f"missing required key '{dotted}'", tf.display, part)
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise tf.error(dotted, f"must be a number, got {value!r}", part)
    if not math.isfinite(value):
        raise tf.error(dotted, f"must be finite, got {value!r}", part)
    if rng is not None and (why := rng.problem(value)):
        raise tf.error(dotted, why, part)
    integer = integer or (rng is not None and rng.integer)
    if integer and int(value) != value:
        raise tf.error(dotted, f"must be a whole number, got {value!r}", part)
    if positive and value <= 0:
        raise tf.error(dotted, f"must be greater than 0, got {value!r}", part)
    if minimum is not None and value < minimum:
        raise tf.error(dotted, f"must be at least {minimum:g}, got {value!r}", part)
    return int(value) if integer else float(value)


def get_str(tf: TomlFile, table: dict[str, Any], key: str, prefix: str = "", *,
            default: str | None = None, required: bool = False,
            choices: tuple[str, ...] | None = None, part: str | None = None) -> str | None:
    dotted = f"{prefix}{key}"
    if key not in table:
        if required:
            raise InputError(f"missing required key '{dotted}'", tf.display, part)
        return default
    value = table[key]
    if not isinstance(value, str):
        raise tf.error(dotted, f"must be a string, got {value!r}", part)
    if choices is not None and value not in choices:
        raise tf.error(dotted, f"must be one of {', '.join(choices)}, got {value!r}"
                       f"{suggest(value, choices)}", part)
    return value


def get_bool(tf: TomlFile, table: dict[str, Any], key: str, prefix: str = "", *,
             default: bool = False, part: str | None = None) -> bool:
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, bool):
        raise tf.error(f"{prefix}{key}", f"must be true or false, got {value!r}", part)
    return value


def get_table(tf: TomlFile, table: dict[str, Any], key: str, prefix: str = "",
              part: str | None = None) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise tf.error(f"{prefix}{key}", f"must be a table, got {value!r}", part)
    return value
