"""A FolderDiff as a page: both layouts of every sheet overlaid, drawn from the parts'
outlines in the folders' SVG previews, above the text of the differences."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

from ..errors import InputError
from ..io.report import checked_report
from .result import FolderDiff
from .text import diff_text

SVG_NS = "{http://www.w3.org/2000/svg}"


def _outlines(folder: Path, sheet: dict | None) -> tuple[list[tuple[str, str]], str | None]:
    """(part id, outline path) of a sheet's SVG, and its sheet rectangle's size."""
    if not sheet:
        return [], None
    path = folder / Path(str(sheet.get("file_svg", ""))).name
    try:
        root = ET.fromstring(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ET.ParseError):
        raise InputError("sheet preview missing or unreadable", path) from None
    out = []
    for g in root.iter(f"{SVG_NS}g"):
        if g.get("class") == "part":
            o = next((e for e in g.iter(f"{SVG_NS}path") if e.get("class") == "outline"), None)
            if o is not None:
                out.append((g.get("data-part", ""), o.get("d", "")))
    rect = next((e for e in root.iter(f"{SVG_NS}rect") if e.get("class") == "sheet"), None)
    size = f"0 0 {rect.get('width')} {rect.get('height')}" if rect is not None else None
    return out, size


def diff_html(d: FolderDiff) -> str:
    """A page with both layouts of every sheet overlaid (old red dashed, new blue; moved
    parts highlighted) and the text of the differences."""
    folders = (Path(d.old), Path(d.new))
    reps = [checked_report(f) for f in folders]
    by_index = [{s["index"]: s for s in r.get("sheets", [])} for r in reps]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>wikicut diff: {escape(d.old)} -> {escape(d.new)}</title>",
           ("<style>body{font-family:sans-serif;margin:1em}svg{width:100%;height:auto;"
           "max-width:1400px;border:1px solid #999;background:#fbf6ec}"
           ".old{fill:#d04040;fill-opacity:.12;stroke:#c00;stroke-dasharray:8,5}"
           ".new{fill:#2060c0;fill-opacity:.12;stroke:#036}.moved{fill-opacity:.35}"
           "pre{background:#f4f4f4;padding:.5em}</style></head><body>"),
           f"<h1>{escape(d.old)} (red, dashed) &rarr; {escape(d.new)} (blue)</h1>",
           f"<p>{'equal' if d.equal else 'different'}</p>",
           f"<pre>{escape(diff_text(d))}</pre>"]
    for s in d.per_sheet:
        k = s.index
        old, box = _outlines(folders[0], by_index[0].get(k))
        new, box2 = _outlines(folders[1], by_index[1].get(k))
        moved = ({m["id"] for m in s.moved} | {r["id"] for r in s.resized} | set(s.added)
                 | set(s.removed))
        out.append(f"<h2>Sheet {k}{'' if s.status == 'both' else f' ({s.status})'}</h2>")
        out.append(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box or box2}" '
                   f'data-sheet="{k}" stroke-width="2">')
        for cls, parts in (("old", old), ("new", new)):
            for pid, path in parts:
                extra = " moved" if pid in moved else ""
                out.append(f'<path class="{cls}{extra}" data-part="{escape(pid, True)}" '
                           f'd="{escape(path, True)}" fill-rule="evenodd">'
                           f"<title>{escape(pid)} ({cls})</title></path>")
        out.append("</svg>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
