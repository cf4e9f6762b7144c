"""How a count reads in a message or a page: "1 sheet", "2 sheets"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str) -> str:
    """"1 sheet", "2 sheets", "0 sheets": a count with its noun (a regular plural)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
