"""Opening a DXF file: one ezdxf document, or one InputError naming the file and saying why not.

A file is refused before ezdxf reads it when it is not a regular file, is over the size budget,
empty or binary; blank lines before the first group code are read past (CAD does); ezdxf's
log lines about what it repaired become warnings naming the file. An R12 file whose table
records carry R2000 subclass markers (DeepNestSharp's nest exports) stops ezdxf's strict loader
at a record it cannot name, though CAD opens it: such a file is read again in ezdxf's recover
mode, with one warning, and refused if that reading finds the entities damaged.
"""

from __future__ import annotations

import logging
import re
import stat
import warnings
from pathlib import Path

import ezdxf
import shapely

from ...errors import InputError, InputWarning

__all__ = ["DAMAGED", "MAX_FILE_BYTES", "open_dxf"]

# what damaged entity data the checks did not foresee raises, inside ezdxf, shapely or here:
# each reader turns it into one InputError naming the file, never a raw exception
DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError, StopIteration,
           ArithmeticError, AssertionError, ezdxf.DXFError, shapely.errors.GEOSException)

# a budget, documented in docs/dxf.md with the reader's others
MAX_FILE_BYTES = 200 * 1024 * 1024  # a whole-house cutting file is a few MB

_HEADER_RE = re.compile(rb"SECTION\s*\r?\n\s*2\s*\r?\n\s*HEADER\b")
_LEADING_BLANKS = re.compile(rb"(?:[ \t]*\r?\n)+(?=[ \t]*0[ \t]*\r?\n)")
_DUP_HANDLE_RE = re.compile(r"non-unique entity handle #?([0-9A-Fa-f]+)")


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


def open_dxf(path: Path, shown: str):
    """The ezdxf document and whether the file has a HEADER section (ezdxf fills in
    $INSUNITS=6, metres, when there is none), or one InputError saying why the file is not
    a readable DXF."""
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
    has_header = head.startswith(b"AutoCAD Binary DXF") or bool(_HEADER_RE.search(data))
    try:
        with _EzdxfLog(shown):
            lead = _LEADING_BLANKS.match(data)
            if lead and not head.startswith(b"AutoCAD Binary DXF"):
                # blank lines before the first group code (a file saved through a text
                # editor or a web page): ezdxf calls it "not a DXF file"; CAD reads on
                return _read_text(data[lead.end():]), has_header
            return ezdxf.readfile(path), has_header
    except ezdxf.DXFStructureError as exc:
        raise InputError(f"not a DXF file or damaged/truncated ({exc})", shown) from None
    except ezdxf.DXFTypeError as exc:
        # a symbol-table record without a name where the strict loader looks for it
        with _EzdxfLog(shown):
            return _recovered(data, shown, exc), has_header
    except OSError as exc:  # ezdxf says "is not a DXF file" with an IOError
        why = exc.strerror or "not a DXF file"
        raise InputError(f"cannot read file: {why}", shown) from None
    except Exception as exc:  # noqa: BLE001 - damaged files make ezdxf raise anything
        raise InputError(f"not a readable DXF file ({type(exc).__name__}: {exc})",
                         shown) from None
