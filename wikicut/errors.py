"""One exception type for user-facing problems, so the CLI can print one line and exit.

Exit codes (documented in the README):
  2  bad input: a file cannot be read or says something invalid
  3  the job cannot be cut safely (part larger than every sheet, slot narrower than the tool...)
  4  interrupted (Ctrl-C); nothing was written
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

EXIT_INPUT = 2
EXIT_UNSAFE = 3
EXIT_INTERRUPTED = 4


@dataclass
class WikicutError(Exception):
    """A problem the user can fix: names the file, the part and what is wrong."""

    detail: str
    file: str | Path | None = None
    part: str | None = None
    exit_code: int = EXIT_INPUT

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        bits = []
        if self.file:
            bits.append(str(self.file))
        if self.part:
            bits.append(f"part '{self.part}'")
        bits.append(self.detail)
        return ": ".join(bits)

    def __str__(self) -> str:  # one line, always
        return " ".join(self.message.split())


class InputError(WikicutError):
    """Bad input: a file cannot be read or says something invalid (exit code 2)."""


class UnsafeJobError(WikicutError):
    """The job cannot be cut safely and is refused, never 'fixed' (exit code 3)."""

    def __init__(self, detail: str, file: str | Path | None = None, part: str | None = None):
        super().__init__(detail, file, part, EXIT_UNSAFE)


def suggest(name: str, valid: list[str] | tuple[str, ...] | set[str]) -> str:
    """' (did you mean 'x'?)' for the nearest valid key, or '' when nothing is close."""
    same = [v for v in sorted(valid) if v.lower() == name.lower()]  # GRBL for grbl
    close = same or difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


class InputWarning(UserWarning):
    """Input read on an assumption the operator should know about (a DXF's declared units
    overruled by its sizes): the CLI prints it as one `warning:` line and goes on."""
