"""The batch's index.html: one row a job (sheets, utilisation, time), failures with their
one-line error, each succeeded job linked to its own index.html."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ..words import counted

if TYPE_CHECKING:
    from .batch import BatchResult

STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
         "td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}"
         "td.n{text-align:right}.fail{color:#b00}")


def batch_html(result: BatchResult) -> str:
    ok = sum(j.ok for j in result.jobs)
    rows = []
    for j in result.jobs:
        if j.ok:
            rows.append(f'<tr><td><a href="{escape(j.folder or "")}/index.html">'
                        f"{escape(j.name)}</a></td><td class=n>{j.sheets}</td>"
                        f"<td class=n>{j.utilisation * 100:.1f}%</td>"
                        f"<td class=n>{j.placed}/{j.parts}</td>"
                        f"<td class=n>{j.seconds:.1f} s</td><td></td></tr>")
        else:
            rows.append(f"<tr class=fail><td>{escape(j.name)}</td><td></td><td></td><td></td>"
                        f"<td class=n>{j.seconds:.1f} s</td>"
                        f"<td>{escape(j.error or 'failed')}</td></tr>")
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>wikicut batch</title><style>{STYLE}</style></head><body>\n"
            f"<h1>Batch: {ok} of {counted(len(result.jobs), 'job')} prepared</h1>\n"
            f"<p>{result.seconds:.1f} s on {counted(result.workers, 'worker')}</p>\n"
            "<table><tr><th>job</th><th>sheets</th><th>used</th><th>parts</th><th>time</th>"
            "<th>error</th></tr>\n" + "\n".join(rows) + "\n</table></body></html>\n")
