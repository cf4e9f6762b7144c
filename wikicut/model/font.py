"""Single-stroke font for engraving part labels: one pass of the tool per stroke.

Glyphs are data (wikicut/model/data/font.json, a 4 x 6 grid per character, cap height 6) like
vpype's Hershey fonts, read as package data so an installed wheel finds them; lower case is
engraved as capitals, unknown characters as '?'. It lives in the model because the planner
engraves with it and the previews lay labels out with it (model/label.py).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files

import numpy as np


@lru_cache(maxsize=1)
def font_data() -> dict:
    """The font file as loaded: {"cap_height", "advance", "glyphs": {char: [strokes]}}."""
    return json.loads(files(__package__).joinpath("data", "font.json").read_text(encoding="utf-8"))


def _glyph(ch: str) -> list:
    glyphs = font_data()["glyphs"]
    return glyphs.get(ch.upper(), glyphs["?"])


def text_strokes(text: str, height: float) -> list[np.ndarray]:
    """Polylines (N, 2) in mm for `text` with cap height `height`, from (0, 0) baseline-left."""
    f = font_data()
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
    f = font_data()
    s = height / f["cap_height"]
    return ((len(text) - 1) * f["advance"] + 4) * s
