"""Single-stroke font for engraving part labels: one pass of the tool per stroke.

Glyphs are data (wikicut/model/data/font.json, a 4 x 6 grid per character, cap height 6) like
vpype's Hershey fonts, read as package data so an installed wheel finds them; lower case is
engraved as capitals, characters the font lacks as '?' (engraved_text: the text as the
router writes it). It lives in the model because the planner engraves with it and the
previews lay labels out with it (model/label.py).
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


def engraved_char(ch: str) -> str:
    """The character the font engraves for `ch`: itself in capitals, '?' for a character the
    font lacks."""
    glyphs = font_data()["glyphs"]
    up = ch.upper()
    return up if up in glyphs else "?"


def unengravable(text: str) -> str:
    """The characters of `text` the font lacks (engraved as '?'), each once, in order: what
    a warning names, so that 'WAND ?RGER' on the part is no surprise."""
    return "".join(dict.fromkeys(ch for ch in text if engraved_char(ch) == "?" and ch != "?"))


def engraved_text(text: str) -> str:
    """The text as the router engraves it, one character for each of `text`'s (so as wide):
    what an operator reads on the part."""
    return "".join(engraved_char(ch) for ch in text)


def _glyph(ch: str) -> list:
    return font_data()["glyphs"][engraved_char(ch)]


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
