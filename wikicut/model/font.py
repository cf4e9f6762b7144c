"""Single-stroke font for engraving part labels: one pass of the tool per stroke.

Glyphs are data (wikicut/model/data/font.json, a 4 x 6 grid per character, cap height 6) like
vpype's Hershey fonts, read as package data so an installed wheel finds them; lower case is
engraved as capitals, a character the font lacks spelled with the glyphs it has where it can
be (accents dropped, 'ß' as 'SS', '½' as '1/2'), else as '?' (engraved_text: the text as the
router writes it). It lives in the model because the planner engraves with it and the
previews lay labels out with it (model/label.py).
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from importlib.resources import files

import numpy as np

# Characters that Unicode's compatibility decomposition (NFKD) does not take apart into
# letters and accents, spelled as shops in those countries write them in capitals; the
# fraction slash is what NFKD makes of '½'. Curly double quotes become the straight one,
# which the font lacks ('?'), rather than a different sign.
_SPELLED = {
    "ß": "SS", "ẞ": "SS", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "Ø": "O", "ø": "O",
    "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2044": "/", "×": "X",
}


@lru_cache(maxsize=1)
def font_data() -> dict:
    """The font file as loaded: {"cap_height", "advance", "glyphs": {char: [strokes]}}."""
    return json.loads(files(__package__).joinpath("data", "font.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def engraved_char(ch: str) -> str:
    """What the font engraves for the character `ch`: itself in capitals; else its letters
    without their accents ('Ç' as 'C', '½' as '1/2', 'ß' as 'SS'), nothing for an accent
    typed on its own after its letter; '?' where that leaves a sign the font lacks."""
    glyphs = font_data()["glyphs"]
    up = ch.upper()
    if up in glyphs:
        return up
    if unicodedata.combining(ch):
        return ""
    spelled = _SPELLED.get(ch) or "".join(
        _SPELLED.get(c, c) for c in unicodedata.normalize("NFKD", ch)
        if not unicodedata.combining(c)).upper()
    # a spacing accent ('´') decomposes to a space and its mark: a blank is no spelling
    if spelled and (spelled.strip() or ch.isspace()) and all(c in glyphs for c in spelled):
        return spelled
    return "?"


def _chars(text: str) -> str:
    """`text` with each letter and the accents typed after it as one character (NFC), so
    that 'e' + U+0301 is spelled as 'é' is."""
    return unicodedata.normalize("NFC", text)


def unengravable(text: str) -> str:
    """The characters of `text` the font lacks and cannot spell (engraved as '?'), each once,
    in order: what a warning names, so that 'WAND ?RGER' on the part is no surprise."""
    return "".join(dict.fromkeys(ch for ch in _chars(text)
                                 if engraved_char(ch) == "?" and ch != "?"))


def spelled(text: str) -> dict[str, str]:
    """The characters of `text` the font lacks but spells with the glyphs it has, each with
    what is engraved for it, in order ({'ç': 'C', 'ß': 'SS'}): what a warning names beside
    the '?' ones. Lower case engraved in capitals is not among them, nor a space of another
    width engraved as a space (no one could tell them apart on the part)."""
    return {ch: cut for ch in _chars(text)
            if ch.upper() not in font_data()["glyphs"] and (cut := engraved_char(ch)) != "?"
            and not unicodedata.combining(ch) and not (ch.isspace() and cut == " ")}


def engraved_text(text: str) -> str:
    """The text as the router engraves it (a spelled character may take several places, so
    the width is this text's, not `text`'s): what an operator reads on the part."""
    return "".join(engraved_char(ch) for ch in _chars(text))


def text_strokes(text: str, height: float) -> list[np.ndarray]:
    """Polylines (N, 2) in mm for `text` with cap height `height`, from (0, 0) baseline-left."""
    f = font_data()
    s = height / f["cap_height"]
    out: list[np.ndarray] = []
    glyphs = f["glyphs"]
    x = 0.0
    for ch in engraved_text(text):
        for stroke in glyphs[ch]:
            pts = np.asarray(stroke, dtype=float) * s
            pts[:, 0] += x
            out.append(pts)
        x += f["advance"] * s
    return out


def text_width(text: str, height: float) -> float:
    """Width of the text as engraved (the last character without its trailing gap)."""
    cut = engraved_text(text)
    if not cut:
        return 0.0
    f = font_data()
    s = height / f["cap_height"]
    return ((len(cut) - 1) * f["advance"] + 4) * s


def engraving_said(text: str) -> str:
    """What a warning says of a label engraved otherwise than typed: the characters spelled
    with other glyphs ("'ç' engraved as 'C'") and those the font lacks (engraved as '?');
    "" when the font engraves it as typed (in capitals)."""
    said = [", ".join(f"{ch!r} {'engraved as' if i == 0 else 'as'} {cut!r}"
                      for i, (ch, cut) in enumerate(spelled(text).items()))]
    lacks = unengravable(text)
    if lacks:
        has = "".join(sorted(c for c in font_data()["glyphs"]
                             if not c.isalnum() and not c.isspace()))
        said.append(f"the engraving font has no {' '.join(lacks)}: engraved as '?' (it has "
                    f"A-Z, 0-9, space and {' '.join(has)})")
    return "; ".join(w for w in said if w)

