"""One tool against a rack: cutting time (the estimate, with acceleration and tool changes)
and tool changes for the example house (nested at fixed iterations) and the MicroHouse cutting
file (its own 27 sheets), planned with the GRBL profile.

    PYTHONPATH=. python benchmarks/bench_tools.py [--quick]

One tool is what each job could be cut with before racks: the 6 mm compression spiral (T1)
for the house, the 2.5 mm long-reach end mill (T7) for the MicroHouse file, whose 2 mm screw
pilots no 6 mm tool can make. The rack is T1 + T7. Feeds come from each tool's chip load."""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wikicut.cam import Proofs, plan_sheet, resolve_tooling  # noqa: E402
from wikicut.cam.choose import main_tool  # noqa: E402
from wikicut.io.dxf import read_cutting_file  # noqa: E402
from wikicut.io.items import job_items  # noqa: E402
from wikicut.io.job import load_job  # noqa: E402
from wikicut.io.profiles import load_profile  # noqa: E402
from wikicut.io.tools import load_library  # noqa: E402
from wikicut.model import estimate  # noqa: E402
from wikicut.nest import nest  # noqa: E402
from wikicut.pipeline import fit_machine  # noqa: E402

MICROHOUSE = Path("/work/shared/fixtures/wikihouse/MicroHouse_othercomponents_v0.5.dxf")
if not MICROHOUSE.exists():
    MICROHOUSE = ROOT.parent / "shared/fixtures/wikihouse/MicroHouse_othercomponents_v0.5.dxf"


def house_sheets(iterations: int):
    job = load_job(ROOT / "examples/house/job.toml", iterations=iterations)
    return nest(job_items(job), list(job.stocks), job.settings).sheets


def microhouse_sheets():
    return read_cutting_file(MICROHOUSE, display=MICROHOUSE.name)


def run(sheets, rack: tuple[int, ...], profile) -> dict:
    """Plan every sheet with the rack; totals of time, changes, cut length, planning time."""
    lib = load_library()
    tooling = resolve_tooling(profile, lib, "plywood", float(sheets[0].stock.thickness),
                              tools=rack)
    main = main_tool(tooling, float(sheets[0].stock.thickness)).profile
    proofs = Proofs()
    secs = changes = cut = 0.0
    t0 = time.perf_counter()
    for s in sheets:
        fitted, _ = fit_machine(s, main)
        prog = plan_sheet(fitted, main, proofs, tooling)
        est = estimate(prog.operations, main, tools=tuple(u.number for u in prog.tools))
        secs += est.seconds
        changes += est.changes
        cut += est.cut_length
    return {"sheets": len(sheets), "hours": secs / 3600, "changes": int(changes),
            "cut_m": cut / 1000, "plan_s": time.perf_counter() - t0}


def main() -> None:
    warnings.simplefilter("ignore")
    quick = "--quick" in sys.argv
    profile = load_profile("grbl")
    print("| job | tools | sheets | cutting time (h) | tool changes | cut length (m) |"
          " planning (s) |")
    print("|---|---|---|---|---|---|---|", flush=True)
    cases = [("example house", lambda: house_sheets(3 if quick else 20), ((1,), (1, 7))),
             ("MicroHouse file", microhouse_sheets, ((7,), (1, 7)))]
    for name, sheets_of, racks in cases:
        sheets = sheets_of()
        if quick:
            sheets = sheets[:4]
        for rack in racks:
            r = run(sheets, rack, profile)
            tools = " + ".join(f"T{n}" for n in rack)
            print(f"| {name} | {tools} | {r['sheets']} | {r['hours']:.2f} | {r['changes']} |"
                  f" {r['cut_m']:.0f} | {r['plan_s']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
