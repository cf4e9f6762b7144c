"""The engraving font: strokes inside each character's box, widths add up, unknowns as '?'."""

from __future__ import annotations

import numpy as np

from wikicut.cam.font import font_data, text_strokes, text_width


def test_every_glyph_stays_in_its_box():
    for ch, strokes in font_data()["glyphs"].items():
        for s in strokes:
            a = np.asarray(s, float)
            assert a.shape[1] == 2 and len(a) >= 2, ch
            assert a[:, 0].min() >= 0 and a[:, 0].max() <= 4, ch
            assert a[:, 1].min() >= -1 and a[:, 1].max() <= 6, ch


def test_text_scales_and_advances():
    h = 30.0
    strokes = text_strokes("AB12", h)
    pts = np.vstack(strokes)
    assert pts[:, 1].max() == h and pts[:, 1].min() == 0
    assert pts[:, 0].max() <= text_width("AB12", h) + 1e-9
    assert text_width("AB12", h) == (3 * 6 + 4) * h / 6


def test_lower_case_and_unknown_characters():
    assert [s.tolist() for s in text_strokes("rib", 6)] == \
        [s.tolist() for s in text_strokes("RIB", 6)]
    q = [s.tolist() for s in text_strokes("?", 6)]
    assert [s.tolist() for s in text_strokes("\u65e5", 6)] == q
