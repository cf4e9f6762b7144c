"""Single-stroke font for engraving part labels: one pass of the tool per stroke.

Glyphs are data (wikicut/data/font.json, a 4 x 6 grid per character, cap height 6) like
vpype's Hershey fonts; lower case is engraved as capitals, unknown characters as '?'.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

FONT_FILE = Path(__file__).resolve().parent / "data" / "font.json"


@lru_cache(maxsize=1)
def _font() -> dict:
    return json.loads(FONT_FILE.read_text(encoding="utf-8"))


def _glyph(ch: str) -> list:
    glyphs = _font()["glyphs"]
    return glyphs.get(ch.upper(), glyphs["?"])


def text_strokes(text: str, height: float) -> list[np.ndarray]:
    """Polylines (N, 2) in mm for `text` with cap height `height`, from (0, 0) baseline-left."""
    f = _font()
    s = height / f["cap_height"]
    out: list[np.ndarray] = []
    x = 0.0
    for ch in text:
        for stroke in _glyph(ch):
            pts = np.asarray(stroke, dtype=float) * s
            pts[:, 0] += x
            out.append(pts)
        x += f["advance"] * s
    return out


def text_width(text: str, height: float) -> float:
    """Width of the text as drawn (the last character without its trailing gap)."""
    if not text:
        return 0.0
    f = _font()
    s = height / f["cap_height"]
    return ((len(text) - 1) * f["advance"] + 4) * s
