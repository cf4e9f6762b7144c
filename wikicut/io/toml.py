"""Reading the TOML data files (jobs, parts, profiles) with errors that name file, key and line.

tomllib gives no positions for values, so `key_lines` scans the source text for the line of
every key by its full path (tables, arrays of tables, inline tables, array elements): an
operator is pointed at the very line of a hand-edited file that is wrong.
"""

from __future__ import annotations

import bisect
import contextlib
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
        self._lines: dict[KeyPath, int] | None = None

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
        return self.line(key)

    def where(self, dotted: str) -> str:
        """"key 'a.b' (line N)" for messages; `part[3].x` looks after the 3rd [[part]]."""
        line = self.line(dotted)
        return f"key '{dotted}'" + (f" (line {line})" if line else "")

    def line(self, dotted: str) -> int | None:
        """The 1-based line of a dotted key (see `where`), if it can be found: the key itself,
        else the nearest table or array above it the file writes (a key left to its default
        is reported at its table's header)."""
        if self._lines is None:
            self._lines = key_lines(self.text)
        path = split_dotted(dotted)
        while path:
            if (line := self._lines.get(path)) is not None:
                return line
            path = path[:-1]
        return None

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


KeyPath = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def split_dotted(dotted: str) -> KeyPath:
    """A key as messages name it, `part[3].params.length` or `layers."CUT"`, as the path
    `key_lines` keys by: ('part', 3, 'params', 'length'); indices count from 1."""
    out: list[str | int] = []
    for m in re.finditer(r'"([^"]*)"|\'([^\']*)\'|\[(\d+)\]|([^.\[\]"\']+)', dotted):
        if m.group(3) is not None:
            out.append(int(m.group(3)))
        else:
            out.append(next(g for g in (m.group(1), m.group(2), m.group(4)) if g is not None))
    return tuple(out)


def key_lines(text: str) -> dict[KeyPath, int]:
    """The 1-based line of every key, table and array element a TOML text writes, by its
    full path: `[[part]]`'s second table is ('part', 2), a key in an inline table
    `mirror = { x = 1 }` under it ('part', 2, 'mirror', 'x'), an array's third element
    (..., 3). Only this scanner knows positions (tomllib gives none); the text has already
    parsed, so it need not check the syntax, only follow strings, comments and nesting."""
    scan = _Scanner(text)
    with contextlib.suppress(IndexError, ValueError):  # not expected of parsed TOML: keep
        scan.document()                                # what was found
    return scan.lines


class _Scanner:
    def __init__(self, text: str):
        self.t = text
        self.i = 0
        self.breaks = [m.start() for m in re.finditer("\n", text)]
        self.lines: dict[KeyPath, int] = {}
        self.written: set[KeyPath] = set()  # paths a header or key names, not only implied
        self.arrays: dict[KeyPath, int] = {}  # an array of tables: the headers seen so far

    def line_at(self, i: int) -> int:
        return bisect.bisect_right(self.breaks, i - 1) + 1

    def mark(self, path: KeyPath, line: int) -> None:
        """`path` is written on `line`; the tables it lies in are implied there if nothing
        else names them."""
        if path not in self.written:
            self.lines[path] = line
            self.written.add(path)
        for k in range(1, len(path)):
            self.lines.setdefault(path[:k], line)

    def document(self) -> None:
        table: KeyPath = ()
        while True:
            self.blank(newlines=True)
            if self.i >= len(self.t):
                return
            start, line = self.i, self.line_at(self.i)
            if self.t.startswith("[[", self.i):
                self.i += 2
                keys = self.keys()
                base = self.resolve(keys[:-1]) + keys[-1:]
                self.arrays[base] = self.arrays.get(base, 0) + 1
                table = base + (self.arrays[base],)
                self.mark(table, line)
                self.i = self.t.index("]]", self.i) + 2
            elif self.t[self.i] == "[":
                self.i += 1
                table = self.resolve(self.keys())
                self.mark(table, line)
                self.i = self.t.index("]", self.i) + 1
            else:
                self.pair(table)
            if self.i == start:
                return

    def resolve(self, keys: KeyPath) -> KeyPath:
        """A header's names as a path: through an array of tables, its last table."""
        path: KeyPath = ()
        for k in keys:
            path += (k,)
            if path in self.arrays:
                path += (self.arrays[path],)
        return path

    def pair(self, table: KeyPath) -> None:
        line = self.line_at(self.i)
        path = table + self.keys()
        self.blank()
        if self.t[self.i] != "=":
            raise ValueError("no '=' after a key")
        self.i += 1
        self.mark(path, line)
        self.value(path)

    def keys(self) -> KeyPath:
        """A dotted key (bare or quoted names, spaces around the dots)."""
        out: list[str] = []
        while True:
            self.blank()
            c = self.t[self.i]
            if c in "\"'":
                s = self.i
                self.string()
                out.append(tomllib.loads(f"k = {self.t[s:self.i]}")["k"])
            else:
                m = _BARE.match(self.t, self.i)
                if m is None:
                    raise ValueError("no key")
                out.append(m.group(0))
                self.i = m.end()
            self.blank()
            if self.t[self.i] != ".":
                return tuple(out)
            self.i += 1

    def value(self, path: KeyPath) -> None:
        self.blank()
        c = self.t[self.i]
        if c in "\"'":
            self.string()
        elif c in "{[":
            self.i += 1
            n = 0
            while True:
                self.blank(newlines=True)
                if self.t[self.i] in "}]":
                    self.i += 1
                    return
                if self.t[self.i] == ",":
                    self.i += 1
                elif c == "{":
                    self.pair(path)
                else:
                    n += 1
                    self.mark(path + (n,), self.line_at(self.i))
                    self.value(path + (n,))
        else:
            m = re.compile(r"[^,\]}#\r\n]+").match(self.t, self.i)
            if m is None:
                raise ValueError("no value")
            self.i = m.end()

    def string(self) -> None:
        q = self.t[self.i]
        if self.t.startswith(q * 3, self.i):  # multi-line: ends at the first """ (or ''')
            j = self.i + 3
            while not self.t.startswith(q * 3, j):
                j += 2 if q == '"' and self.t[j] == "\\" else 1
            j += 3
            extra = 0  # a closing quote or two may end the text itself: """a "q""""

            while extra < 2 and j < len(self.t) and self.t[j] == q:
                j, extra = j + 1, extra + 1
            self.i = j
            return
        j = self.i + 1
        while self.t[j] != q:
            j += 2 if q == '"' and self.t[j] == "\\" else 1
        self.i = j + 1

    def blank(self, newlines: bool = False) -> None:
        """Past spaces (and, with `newlines`, line breaks and comments)."""
        while self.i < len(self.t):
            c = self.t[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif newlines and c == "#":
                end = self.t.find("\n", self.i)
                self.i = len(self.t) if end < 0 else end
            else:
                return


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
