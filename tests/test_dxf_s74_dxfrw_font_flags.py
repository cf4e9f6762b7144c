"""LibreCAD 2.0's DXF library (dxfrw 0.5.0) ends each STYLE table record with a 1071 group
(the font's flags, a number) left empty, which stopped ezdxf's loader: such a file was
refused as "not a DXF file or damaged/truncated". It is read once the group says 0, with
one warning. The published file seen (pobot/Delta-Robot partsheet.dxf) is under an
unnamed "Open Source Hardware License": not copied; the test writes the habit itself."""

from __future__ import annotations

import re

import ezdxf
from conftest import read_said


def _dxfrw_0_5(path) -> None:
    """A 100 x 50 mm plate as an R2007 file whose STYLE records end as dxfrw 0.5.0 writes
    them: `1071` and an empty line."""
    doc = ezdxf.new("R2007")
    doc.header["$INSUNITS"] = 4
    doc.modelspace().add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True)
    doc.saveas(path)
    text = path.read_text()
    # each STYLE record runs to the next 0 group: the empty 1071 goes before it
    text, n = re.subn(r"(\n  0\nSTYLE\n(?:(?!  0\n).*\n)*?)(  0\n)",
                      lambda m: m[1] + "1071\n\n" + m[2], text)
    assert n >= 1
    path.write_text("999\ndxfrw 0.5.0\n" + text)


def test_a_dxfrw_0_5_file_is_read_with_one_warning(tmp_path):
    _dxfrw_0_5(tmp_path / "plate.dxf")
    parts, said = read_said(tmp_path / "plate.dxf")
    assert [round(p.outline.area) for p in parts] == [5000]
    repaired = [s for s in said if "repaired before reading" in s]
    assert len(repaired) == 1, said
    assert "text style(s) ('Standard'" in repaired[0]
    assert "end with an empty 1071 group (the font's flags, a number), as LibreCAD 2.0's DXF " \
        "library dxfrw 0.5 writes them" in repaired[0]
    assert "each was given 1071 = 0" in repaired[0]

