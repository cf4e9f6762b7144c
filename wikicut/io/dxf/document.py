"""Opening a DXF file: one ezdxf document, or one InputError naming the file and saying why not.

A file is refused before ezdxf reads it when it is not a regular file, is over the size budget,
empty or binary; blank lines before the first group code are read past (CAD does); ezdxf's
log lines about what it repaired become warnings naming the file. An R12 file whose table
records carry R2000 subclass markers (DeepNestSharp's nest exports) stops ezdxf's strict loader
at a record it cannot name, though CAD opens it: such a file is read again in ezdxf's recover
mode, with one warning, and refused if that reading finds the entities damaged. A file
holding several documents one after another (OpenSCAD's export of several top-level objects)
gives each of them.
"""

from __future__ import annotations

import logging
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

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
    return [_open_one(part, f"{shown} (document {k} of {n})", None, k)
            for k, part in enumerate(parts, 1)]


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


def _open_one(data: bytes, shown: str, path: Path | None, number: int = 1) -> Opened:
    """One document from its bytes (read from `path` when it is the whole file)."""
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
        raise InputError(f"not a DXF file or damaged/truncated ({exc})", shown) from None
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
