"""report.json: the machine-readable record of a job (schema in docs/report-schema.md)."""

from __future__ import annotations

import json

from .model import Layout, SheetProgram

SCHEMA = "wikicut-report/1"


def _r(v: float, n: int = 3) -> float:
    v = round(float(v), n)
    return 0.0 if v == 0 else v


def _offcut(sheet) -> dict:
    """The free strip at the far (high-x) end of the sheet beyond the last part."""
    st = sheet.stock
    x_end = max((p.placed().outline.bounds[2] for p in sheet.placements), default=st.margin)
    width = max(0.0, st.width - st.margin - x_end)
    return {"x_from": _r(x_end), "width": _r(width),
            "area_m2": _r(width * st.height / 1e6, 4)}


def build_report(job_name: str, layout: Layout, spacing: float,
                 programs: list[SheetProgram] | None = None,
                 program_files: list[str] | None = None, settings: dict | None = None) -> dict:
    sheets = []
    tot_cut = tot_sec = 0.0
    part_rows: dict[tuple[str, str], dict] = {}
    for k, s in enumerate(layout.sheets):
        prog = programs[k] if programs else None
        parts = []
        for p in s.placements:
            g = p.placed().outline
            parts.append({"id": p.instance, "name": p.part.name, "source": p.part.source,
                          "rotation": _r(p.rotation), "x": _r(p.x), "y": _r(p.y),
                          "bbox": [_r(v) for v in g.bounds]})
            row = part_rows.setdefault((p.part.name, p.part.source),
                                       {"name": p.part.name, "source": p.part.source,
                                        "quantity": 0, "placed": 0, "sheets": []})
            row["quantity"] += 1
            row["placed"] += 1
            if s.index not in row["sheets"]:
                row["sheets"].append(s.index)
        tp = None
        if prog is not None:
            tp = {"cut_length_m": _r(prog.cut_length / 1000, 2),
                  "rapid_length_m": _r(prog.rapid_length / 1000, 2),
                  "est_seconds": _r(prog.est_seconds, 1)}
            tot_cut += prog.cut_length
            tot_sec += prog.est_seconds
        st = s.stock
        sheets.append({
            "index": s.index, "file_dxf": f"sheet-{s.index:03d}.dxf",
            "file_svg": f"sheet-{s.index:03d}.svg",
            "file_program": program_files[k] if program_files else None,
            "stock": {"width": _r(st.width), "height": _r(st.height),
                      "thickness": _r(st.thickness), "material": st.material,
                      "margin": _r(st.margin), "price": st.price},
            "utilisation": _r(s.utilisation, 4),
            "used_length": None if s.used_length is None else _r(s.used_length),
            "offcut": _offcut(s), "parts": parts, "toolpath": tp})
    unplaced = []
    for inst in layout.unplaced:
        name = inst.split("#")[0]
        unplaced.append({"id": inst, "name": name})
        row = part_rows.setdefault((name, ""), {"name": name, "source": "", "quantity": 0,
                                                "placed": 0, "sheets": []})
        row["quantity"] += 1
    part_area = sum(p.part.area for s in layout.sheets for p in s.placements)
    sheet_area = sum(s.stock.width * s.stock.height for s in layout.sheets)
    prices = [s.stock.price for s in layout.sheets]
    placed = sum(len(s.placements) for s in layout.sheets)
    return {
        "schema": SCHEMA, "job": job_name, "settings": settings or {"spacing": spacing},
        "sheets": sheets, "unplaced": unplaced,
        "parts": sorted(part_rows.values(), key=lambda r: (r["name"], r["source"])),
        "totals": {"sheets": len(layout.sheets), "parts": placed + len(unplaced),
                   "placed": placed, "unplaced": len(unplaced),
                   "part_area_m2": _r(part_area / 1e6, 4),
                   "sheet_area_m2": _r(sheet_area / 1e6, 4),
                   "utilisation": _r(part_area / sheet_area, 4) if sheet_area else 0.0,
                   "cut_length_m": _r(tot_cut / 1000, 2), "est_seconds": _r(tot_sec, 1),
                   "cost": (_r(sum(prices), 2) if prices and all(p is not None for p in prices)
                            else None)},
    }


def dumps(report: dict) -> str:
    return json.dumps(report, indent=2) + "\n"
