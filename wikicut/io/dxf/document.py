"""Opening a DXF file: one ezdxf document, or one InputError naming the file and saying why not.

A file is refused before ezdxf reads it when it is not a regular file, is over the size budget,
empty or binary; blank lines before the first group code are read past (CAD does); ezdxf's
log lines about what it repaired become warnings naming the file. An R12 file whose table
records carry R2000 subclass markers (DeepNestSharp's nest exports) stops ezdxf's strict loader
at a record it cannot name, though CAD opens it: such a file is read again in ezdxf's recover
mode, with one warning, and refused if that reading finds the entities damaged. A file
holding several documents one after another (OpenSCAD's export of several top-level objects)
gives each of them. LWPOLYLINEs written in R12's flat form, without subclass markers (the
woodgears.ca gear template generator), are given them, with one warning; another entity so
written is refused, named by its type and line. STYLE table records ending in an empty 1071
group (LibreCAD 2.0's dxfrw 0.5.0) are given 0 there, with one warning.
"""

from __future__ import annotations

import logging
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import ezdxf
import shapely

from ...errors import InputError, InputWarning

__all__ = ["DAMAGED", "MAX_FILE_BYTES", "Opened", "open_dxf"]

# what damaged entity data the checks did not foresee raises, inside ezdxf, shapely or here:
# each reader turns it into one InputError naming the file, never a raw exception
DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError, StopIteration,
           ArithmeticError, AssertionError, ezdxf.DXFError, shapely.errors.GEOSException)

# a budget, documented in docs/dxf.md with the reader's others
MAX_FILE_BYTES = 200 * 1024 * 1024  # a whole-house cutting file is a few MB

_HEADER_RE = re.compile(rb"SECTION\s*\r?\n\s*2\s*\r?\n\s*HEADER\b")
_LEADING_BLANKS = re.compile(rb"(?:[ \t]*\r?\n)+(?=[ \t]*0[ \t]*\r?\n)")
_DUP_HANDLE_RE = re.compile(r"non-unique entity handle #?([0-9A-Fa-f]+)")
_NEXT_DOCUMENT = re.compile(rb"[ \t\r\n]*(?:0|999)[ \t]*\r?\n")
_MISSING_SUBCLASS = re.compile(r"missing '(\w+)' subclass in (\w+)\(")
# LibreCAD 2.0's DXF library (dxfrw 0.5.0) ends each STYLE table record with a 1071 group
# (the font's flags, a 32-bit integer) whose value it leaves empty; CAD reads past it,
# ezdxf's loader stops at it ("Invalid tag (code=1071, value="")")
_EMPTY_FONT_FLAGS = re.compile(r'Invalid tag \(code=1071, value=""\)')
# Entities of DXF R2000 and later that a generator may write in R12's flat form, without
# the subclass markers ezdxf's loader needs (CAD reads them): the woodgears.ca gear template
# generator writes its gears as LWPOLYLINEs so, in a file of an ENTITIES section alone. The
# markers are added, AcDbEntity's group codes first (its layer), then the entity's own
# subclass (the closed flag, the vertices).
_FLAT_SUBCLASS = {"LWPOLYLINE": "AcDbPolyline"}
_BASE_CODES = frozenset({5, 105, 330})  # handle and owner: before any subclass marker
_ENTITY_CODES = frozenset({6, 8, 48, 60, 62, 67, 284, 347, 348, 370, 390, 410, 420, 430, 440})
# The start of the template Inkscape's R14 export writes every file with (extensions
# dxf_outlines.py and dxf14_header.txt or dxf_templates.py): before 1.2 its HEADER holds
# $ACADVER, $HANDSEED and $MEASUREMENT only; from 1.2 on $INSUNITS too. Its *ACTIVE viewport
# is record 2E.
_INKSCAPE_R14 = re.compile(
    rb"  0\r?\nSECTION\r?\n  2\r?\nHEADER\r?\n  9\r?\n\$ACADVER\r?\n  1\r?\nAC1014\r?\n"
    rb"  9\r?\n\$HANDSEED\r?\n  5\r?\nFFFF\r?\n  9\r?\n(?:\$INSUNITS\r?\n 70\r?\n *\d+\r?\n"
    rb"  9\r?\n)?\$MEASUREMENT\r?\n 70\r?\n +1\r?\n  0\r?\nENDSEC\r?\n  0\r?\nSECTION\r?\n"
    rb"  2\r?\nTABLES\r?\n  0\r?\nTABLE\r?\n  2\r?\nVPORT\r?\n  5\r?\n8\r?\n330\r?\n0\r?\n"
    rb"100\r?\nAcDbSymbolTable\r?\n 70\r?\n +4\r?\n  0\r?\nVPORT\r?\n  5\r?\n2E\r?\n")


def _read_text(data: bytes):
    """An ASCII DXF from its bytes, in the encoding its header gives (as ezdxf.readfile)."""
    import io

    from ezdxf.filemanagement import dxf_stream_info

    info = dxf_stream_info(io.StringIO(data.decode("utf-8", errors="ignore")))
    return ezdxf.read(io.StringIO(data.decode(info.encoding, errors="surrogateescape")))


class _EzdxfLog(logging.Handler):
    """While a file is read, ezdxf's log lines (one per repaired entity, printed raw on the
    terminal) are held and said in one warning naming the file: a file with its entity
    handles used twice (SketchUp's R12 export of WikiHouse StepUp) gets the copies new
    handles, so a message naming a handle may name one the file does not have."""

    def __init__(self, shown: str):
        super().__init__(logging.WARNING)
        self.shown = shown
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self):
        log = logging.getLogger("ezdxf")
        self._propagate = log.propagate
        log.addHandler(self)
        log.propagate = False
        return self

    def __exit__(self, *exc) -> None:
        log = logging.getLogger("ezdxf")
        log.removeHandler(self)
        log.propagate = self._propagate
        if exc[0] is None:
            self.say()

    def say(self) -> None:
        dup = [m.group(1).upper() for m in map(_DUP_HANDLE_RE.search, self.messages) if m]
        rest = [m for m in self.messages if not _DUP_HANDLE_RE.search(m)]
        if dup:
            more = f" and {len(dup) - 5} more" if len(dup) > 5 else ""
            warnings.warn(f"{self.shown}: {len(dup)} entity handle(s) used twice in the file "
                          f"({', '.join(dup[:5])}{more}): the copies were given new handles, "
                          "so an entity named here by handle may not be found by it in CAD",
                          InputWarning, stacklevel=5)
        if rest:
            more = f" (and {len(rest) - 1} more message(s))" if len(rest) > 1 else ""
            warnings.warn(f"{self.shown}: the DXF reader repaired the file: "
                          f"{rest[0]}{more}", InputWarning, stacklevel=5)


def _recovered(data: bytes, shown: str, why: Exception):
    """The document ezdxf's recover mode reads from `data`, said in one warning; an
    InputError when its audit finds damage it could only mend by dropping entities."""
    import io

    from ezdxf import recover

    try:
        doc, auditor = recover.read(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - as the strict loader: anything, one line
        raise InputError(f"not a readable DXF file ({type(why).__name__}: {why}; "
                         f"recover mode: {type(exc).__name__}: {exc})", shown) from None
    if auditor.has_errors:
        first = auditor.errors[0].message
        raise InputError(f"not a readable DXF file ({type(why).__name__}: {why}); read in "
                         f"recover mode it has {len(auditor.errors)} damaged record(s), the "
                         f"first: {first}", shown)
    if "name has to be a string" in str(why):
        stopped = ("a table record has no name where R12 puts it (an R12 file with R2000 "
                   "subclass markers, as DeepNestSharp writes)")
    else:
        stopped = f"the strict loader stopped ({type(why).__name__}: {why})"
    if auditor.fixes:  # say what the audit changed: a fix may be an entity taken out
        more = f" and {len(auditor.fixes) - 1} more" if len(auditor.fixes) > 1 else ""
        audit = f"its audit mended: {auditor.fixes[0].message}{more}"
    else:
        audit = "its audit found nothing damaged or mended"
    warnings.warn(f"{shown}: read in ezdxf's recover mode: {stopped}; {audit}", InputWarning,
                  stacklevel=4)
    return doc


@dataclass(frozen=True)
class Opened:
    """One DXF document of a file, as read: a file may hold several, one after another."""

    doc: object  # the ezdxf document
    has_header: bool  # ezdxf fills in $INSUNITS=6, metres, when there is no HEADER section
    shown: str  # the file in messages, with the document's number when it holds several
    number: int = 1  # the document's place in the file
    inkscape: bool = False  # written by Inkscape's "Desktop Cutting Plotter" R14 export


def open_dxf(path: Path, shown: str) -> list[Opened]:
    """Every DXF document in the file, or one InputError saying why the file is not a
    readable DXF. A file holds several, each ending in `0 EOF`, when OpenSCAD's DXF export
    is given several top-level objects (with its lazy unions on, it writes one whole document
    for each; CAD opens only the first): each is read."""
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file (a FIFO or device?), not a DXF file", shown)
        if st.st_size > MAX_FILE_BYTES:
            raise InputError(f"file of {st.st_size / 2**20:.0f} MB: over the reader's limit "
                             f"of {MAX_FILE_BYTES // 2**20} MB for a DXF", shown)
        data = path.read_bytes()
        head = data[:64]
    except FileNotFoundError:
        raise InputError("file not found", shown) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a DXF file", shown) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", shown) from None
    if not head.strip():
        raise InputError("file is empty, not a DXF file", shown)
    if b"\x00" in head and not head.startswith(b"AutoCAD Binary DXF"):
        raise InputError("binary data, not a DXF file", shown)
    if head.startswith(b"AutoCAD Binary DXF"):
        return [_open_one(data, shown, path)]
    parts = _documents(data)
    if len(parts) == 1:
        return [_open_one(data, shown, path)]
    n = len(parts)
    firsts = [1 + sum(q.count(b"\n") for q in parts[:k]) for k in range(n)]
    return [_open_one(part, f"{shown} (document {k} of {n})", None, k, first)
            for k, (part, first) in enumerate(zip(parts, firsts), 1)]


def _documents(data: bytes) -> list[bytes]:
    """The text of each DXF document written one after another in `data`: a document ends
    at its `0 EOF` pair; what follows it is another when it starts with a group code (`0`
    or a `999` comment). Anything else after the last (blank lines, a DOS end-of-file
    character, stray bytes) is not DXF and no reader reads it."""
    out, start = [], 0
    i = data.find(b"EOF")
    while i >= 0:
        end = _eof_end(data, i)
        if end is not None:
            out.append(data[start:end])
            if not _NEXT_DOCUMENT.match(data, end):
                return out
            start = end
        i = data.find(b"EOF", i + 3)
    out.append(data[start:])
    return out


def _eof_end(data: bytes, i: int) -> int | None:
    """Where the line after `EOF` at `i` starts, when that line is the value of a `0`
    group (the end of a document), else None (text that says EOF)."""
    line_start = data.rfind(b"\n", 0, i) + 1
    line_end = data.find(b"\n", i)
    line_end = len(data) if line_end < 0 else line_end
    if data[line_start:line_end].strip() != b"EOF" or line_start == 0:
        return None
    prev_start = data.rfind(b"\n", 0, line_start - 1) + 1
    if data[prev_start:line_start].strip() != b"0":
        return None
    return min(line_end + 1, len(data))


def _tags(data: bytes) -> list[tuple[int, bytes]] | None:
    """The (group code, value line) pairs of an ASCII DXF, or None when a code is not a
    number (not a plain tag stream: left to ezdxf to say)."""
    lines = data.splitlines(keepends=True)
    out = []
    for i in range(0, len(lines) - 1, 2):
        try:
            out.append((int(lines[i]), lines[i + 1]))
        except ValueError:
            return None
    return out


def _entities(tags: list[tuple[int, bytes]]) -> list[tuple[str, int, int]]:
    """Each entity (and any other 0-group record) as (type, index of its 0 tag, index
    past its last tag)."""
    starts = [k for k, (code, _v) in enumerate(tags) if code == 0] + [len(tags)]
    return [(tags[a][1].strip().decode("ascii", "replace"), a, b)
            for a, b in zip(starts, starts[1:])]


def _add_markers(data: bytes, etype: str, marker: str
                 ) -> tuple[bytes, dict[str, int], tuple[int, str] | None]:
    """`data` with the subclass markers added to every entity of a type in _FLAT_SUBCLASS
    written without any (nor 102 groups, whose place cannot be told), how many of each type,
    and the line (1-based, in `data`) of the first `etype` entity without `marker` left as
    it was, with why. ezdxf reads the markers only in a document of DXF R13 or later: a file
    without a HEADER section is given one saying R2000 (AC1015), nothing more; in a file
    whose header says R12 nothing is added."""
    tags = _tags(data)
    if tags is None:
        return data, {}, None
    nl = b"\n"  # ezdxf reads text without newline translation: CRLF lines are written LF
    values = [v.strip() for _c, v in tags]
    header = any(c == 2 and v == b"HEADER" for (c, _v), v in zip(tags, values))
    version = next((values[k + 1] for k, v in enumerate(values[:-1])
                    if v == b"$ACADVER" and tags[k][0] == 9), b"AC1009")
    repairs = not header or version > b"AC1009"
    entities = _entities(tags)
    out: list[tuple[int, bytes]] = tags[:entities[0][1]] if entities else list(tags)
    done: dict[str, int] = {}
    left = None
    for name, a, b in entities:
        if name == "SECTION" and not header and repairs:  # the first section
            out += [(0, b"SECTION" + nl), (2, b"HEADER" + nl), (9, b"$ACADVER" + nl),
                    (1, b"AC1015" + nl), (0, b"ENDSEC" + nl)]
            header = True
        body = tags[a + 1:b]
        codes = {code for code, _v in body}
        sub = _FLAT_SUBCLASS.get(name)
        if sub is None or not repairs or 100 in codes or 102 in codes:
            if left is None and name == etype and \
                    not any(c == 100 and v.strip() == marker.encode() for c, v in body):
                if sub is None:
                    why = f"the reader adds them to {', '.join(_FLAT_SUBCLASS)} only"
                elif not repairs:
                    said = version.decode(errors="replace")
                    why = f"the file's header says DXF R12 ({said}), which has no {name}"
                else:
                    why = "its subclass markers are there, out of place"
                left = (2 * a + 2, why)  # the line of the entity's type name
            out += tags[a:b]
            continue
        done[name] = done.get(name, 0) + 1
        out.append(tags[a])
        out += [t for t in body if t[0] in _BASE_CODES]
        out.append((100, b"AcDbEntity" + nl))
        out += [t for t in body if t[0] in _ENTITY_CODES]
        out.append((100, sub.encode() + nl))
        out += [t for t in body if t[0] not in _BASE_CODES | _ENTITY_CODES]
    text = b"".join(f"{code:>3}".encode() + nl + value.rstrip(b"\r\n") + nl
                    for code, value in out)
    return text, done, left


def _with_markers(data: bytes, shown: str, exc: Exception, first_line: int):
    """The document read from `data` once the entities written without subclass markers
    (see _FLAT_SUBCLASS) have them, said in one warning; an InputError naming the entity
    type and line when ezdxf's `exc` says an entity lacks a marker not added so."""
    lead = _LEADING_BLANKS.match(data)
    start = lead.end() if lead else 0
    missing = _MISSING_SUBCLASS.search(str(exc))
    fixed, done, left = _add_markers(data[start:], missing[2], missing[1]) if missing else \
        (data, {}, None)
    if left is not None or not done:
        _unsupported(data, start, first_line, exc, shown)
    what = ", ".join(f"{n} {name}(s)" for name, n in done.items())
    added = ", ".join(f"'100 {_FLAT_SUBCLASS[name]}'" for name in done)
    try:
        with _EzdxfLog(shown):
            doc = _read_text(fixed)
    except ezdxf.DXFStructureError as again:  # another entity type without markers
        _unsupported(data, start, first_line, again, shown)
    warnings.warn(f"{shown}: repaired before reading: {what} written without subclass "
                  "markers (R12's flat form, as the woodgears.ca gear template generator "
                  "writes them; ezdxf cannot read them so) were given them ('100 AcDbEntity' "
                  f"before the layer, {added} before the closed flag and vertices)",
                  InputWarning, stacklevel=4)
    return doc


def _with_font_flags(data: bytes, shown: str, exc: Exception):
    """The document read from `data` once the empty 1071 groups of its STYLE table records
    (see _EMPTY_FONT_FLAGS) say 0, no font flags, said in one warning; the refusal ezdxf's
    `exc` gave when there is none such."""
    lead = _LEADING_BLANKS.match(data)
    tags = _tags(data[lead.end() if lead else 0:]) or []
    records = _entities(tags)
    out = tags[:records[0][1]] if records else []
    styles: list[str] = []
    for name, a, b in records:
        record = tags[a:b]
        if name == "STYLE" and any(c == 1071 and not v.strip() for c, v in record):
            styles.append(next((v.strip().decode("ascii", "replace") for c, v in record
                                if c == 2), "?"))
            record = [(c, b"0" if c == 1071 and not v.strip() else v) for c, v in record]
        out += record
    if not styles:
        raise InputError(f"not a DXF file or damaged/truncated ({exc})", shown) from None
    text = b"".join(f"{code:>3}".encode() + b"\n" + value.rstrip(b"\r\n") + b"\n"
                    for code, value in out)
    try:
        with _EzdxfLog(shown):
            doc = _read_text(text)
    except ezdxf.DXFStructureError as again:
        raise InputError(f"not a DXF file or damaged/truncated ({again})", shown) from None
    warnings.warn(f"{shown}: repaired before reading: {len(styles)} text style(s) "
                  f"({', '.join(repr(n) for n in styles[:5])}) end with an empty 1071 group "
                  "(the font's flags, a number), as LibreCAD 2.0's DXF library dxfrw 0.5 "
                  "writes them, which ezdxf cannot read; each was given 1071 = 0 (no font "
                  "flags)", InputWarning, stacklevel=4)
    return doc


def _unsupported(data: bytes, start: int, first_line: int, exc: Exception,
                 shown: str) -> NoReturn:
    """Refuse the file: the entity ezdxf's `exc` names as lacking a subclass marker, by its
    type and line in the file when it is found, else as ezdxf says it."""
    missing = _MISSING_SUBCLASS.search(str(exc))
    left = _add_markers(data[start:], missing[2], missing[1])[2] if missing else None
    if missing is None or left is None:
        raise InputError(f"not a DXF file or damaged/truncated ({exc})", shown) from None
    line = first_line + data[:start].count(b"\n") + left[0] - 1
    raise InputError(f"{missing[2]} at line {line} has no '{missing[1]}' subclass marker: an "
                     "entity of DXF R2000 or later written in R12's flat form (no subclass "
                     "markers) or with its markers out of place, a structure not supported "
                     f"({left[1]}): save the file as DXF R12 or R2000 from CAD", shown)


def _open_one(data: bytes, shown: str, path: Path | None, number: int = 1,
              first_line: int = 1) -> Opened:
    """One document from its bytes (read from `path` when it is the whole file), its first
    line the file's `first_line`."""
    binary = data.startswith(b"AutoCAD Binary DXF")
    has_header = binary or bool(_HEADER_RE.search(data))
    inkscape = bool(_INKSCAPE_R14.match(data))

    def opened(doc) -> Opened:
        return Opened(doc, has_header, shown, number, inkscape)

    try:
        with _EzdxfLog(shown):
            lead = _LEADING_BLANKS.match(data)
            if lead and not binary:
                # blank lines before the first group code (a file saved through a text
                # editor or a web page): ezdxf calls it "not a DXF file"; CAD reads on
                return opened(_read_text(data[lead.end():]))
            if path is None:
                return opened(_read_text(data))
            return opened(ezdxf.readfile(path))
    except ezdxf.DXFStructureError as exc:
        if binary:
            raise InputError(f"not a DXF file or damaged/truncated ({exc})", shown) from None
        if _EMPTY_FONT_FLAGS.search(str(exc)):
            return opened(_with_font_flags(data, shown, exc))
        return opened(_with_markers(data, shown, exc, first_line))
    except ezdxf.DXFTypeError as exc:
        # a symbol-table record without a name where the strict loader looks for it
        with _EzdxfLog(shown):
            return opened(_recovered(data, shown, exc))
    except OSError as exc:  # ezdxf says "is not a DXF file" with an IOError
        why = exc.strerror or "not a DXF file"
        raise InputError(f"cannot read file: {why}", shown) from None
    except Exception as exc:  # noqa: BLE001 - damaged files make ezdxf raise anything
        raise InputError(f"not a readable DXF file ({type(exc).__name__}: {exc})",
                         shown) from None
