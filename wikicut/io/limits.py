"""Every range a number from the user must lie in, and every budget an input must keep, in one
place: the job file and the command line check the same `Range`, and a refusal names it.

The ranges are sanity limits no real job leaves (machines' own limits are in the profiles);
the budgets bound the work a small file can ask for. A whole WikiHouse is about 1,500 parts
of at most a few dozen features each, well inside every budget.
"""

from __future__ import annotations

import math
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError


@dataclass(frozen=True)
class Range:
    """Finite, and within these bounds; whole where `integer`."""

    positive: bool = False
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    def problem(self, v: float) -> str | None:
        """What is wrong with `v` (a one-line phrase), or None."""
        if not math.isfinite(v):
            return f"must be a finite number, got {v}"
        if self.integer and int(v) != v:
            return f"must be a whole number, got {v!r}"
        if self.positive and v <= 0:
            return f"must be greater than 0, got {v!r}"
        if self.minimum is not None and v < self.minimum:
            return f"must be at least {self.minimum:g}, got {v!r}"
        if self.maximum is not None and v > self.maximum:
            return f"must be at most {self.maximum:g}, got {v!r}"
        return None


TOOL_DIAMETER = Range(positive=True, maximum=100.0)  # mm
# mm: sheet goods a router cuts parts from (plywood, OSB, MDF: 3 to 50 mm); more is a typo
# (183 for 18.3) or inches or metres mixed up
THICKNESS = Range(positive=True, maximum=100.0)
SHEET_SIZE = Range(positive=True, maximum=20_000.0)  # mm
# a roll's length in strip mode is only an upper bound on the length used (sparrow's
# real-world instances give 20 to 100 m): the nester lays out no more of it than
# every part in a row needs
ROLL_LENGTH = Range(positive=True, maximum=1_000_000.0)  # mm
MARGIN = Range(minimum=0.0, maximum=1_000.0)  # mm
SPACING = Range(minimum=0.0, maximum=500.0)  # mm between parts
TIME_LIMIT = Range(positive=True, maximum=1e6)  # s
SEED = Range(integer=True, minimum=0, maximum=2**63 - 1)
ITERATIONS = Range(integer=True, minimum=1, maximum=10**12)
WORKERS = Range(integer=True, positive=True, maximum=4096)
QUANTITY = Range(integer=True, positive=True, maximum=5_000)
SHEET_COUNT = Range(integer=True, positive=True, maximum=100_000)
PRICE = Range(minimum=0.0, maximum=1e9)
COORDINATE = Range(minimum=-1e6, maximum=1e6)  # mm: keep-outs, part parameters
ANGLE = Range(minimum=-1e6, maximum=1e6)  # degrees
PORT = Range(integer=True, minimum=0, maximum=65535)  # a network port (0: any free one)

MAX_FILE_BYTES = 64 * 2**20  # a program file (the DXF reader has its own, io/dxf/entities)
MAX_TOML_BYTES = 4 * 2**20  # a job, part or profile (a 1,500-part job is ~100 KB): parsing
# is the slow step, so 1.25 M [[part]] tables are refused by size before it
MAX_PART_ENTRIES = 10_000  # [[part]] tables in a job
MAX_PARTS = 5_000  # parts after quantities (a whole house: 1,500; 5,000 take minutes)
# filler copies, counted apart: they add no sheet, and their own search (nest/fillers.py) is
# given only as many as the room left could hold, so the cap bounds reading them
MAX_FILLERS = 5_000
MAX_FEATURES = 2_000  # feature shapes of one part after repeats (a rib: a few dozen)
MAX_LABEL = 200  # characters of a part's label or name
MAX_DERIVED = 200  # derived names in one part file (each may use the ones before)


def check_regular_file(path: str | Path, shown: str | Path | None = None,
                       limit: int = MAX_FILE_BYTES) -> int:
    """The file's size, or a refusal: only regular files are read (a FIFO blocks forever,
    /dev/zero never ends) and none larger than `limit` bytes."""
    shown = shown or path
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        raise InputError("file not found", shown) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", shown) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, not a file", shown)
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file (a pipe or device): only files are read", shown)
    if st.st_size > limit:
        raise InputError(f"{st.st_size / 2**20:.1f} MB is larger than the "
                         f"{limit / 2**20:g} MB such an input file may be", shown)
    return st.st_size


def read_input_bytes(path: str | Path, shown: str | Path | None = None,
                     limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, within the size budget (check_regular_file)."""
    check_regular_file(path, shown, limit)
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", shown or path) from None
    if len(raw) > limit:  # grew since the check
        raise InputError(f"larger than the {limit / 2**20:g} MB such an input file may be",
                         shown or path)
    return raw
