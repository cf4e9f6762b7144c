"""A mixed job of about 500 parts from the parts library (parts/*.toml): 24 designs (walls,
floors, roof, portal, windows and joinery at several sizes), a few to 80 copies each. Many
copies of few designs, so the sheet patterns (cutting stock, its integer program) run: the
job behind the time-limit measurements (bench_nest.py --timing)."""

from __future__ import annotations

from pathlib import Path

from wikicut.io.parts import load_part
from wikicut.model import NestItem, NestSettings, Stock

PARTS = Path(__file__).resolve().parents[1] / "parts"
THICKNESS = 18.3
# (file, params, quantity)
DESIGNS = [
    ("wall-rib", {"length": 2400}, 30), ("wall-rib", {"length": 2100}, 16),
    ("wall-rib", {"length": 1800}, 12), ("wall-rib", {"length": 1200}, 8),
    ("spacer", {"length": 560}, 60), ("spacer", {"length": 400}, 30),
    ("floor-beam", {"length": 2200}, 16), ("floor-beam", {"length": 1600}, 10),
    ("cassette-side", {"length": 2300}, 16), ("cassette-side", {"length": 1900}, 10),
    ("roof-rib", {}, 20), ("roof-rib", {"span": 1100}, 12),
    ("portal-side", {}, 6), ("portal-side", {"height": 2000, "width": 700}, 6),
    ("window-header", {}, 12), ("window-header", {"span": 600}, 10),
    ("floor-panel", {"width": 1100, "depth": 560}, 12),
    ("floor-panel", {"width": 800, "depth": 500}, 8),
    ("bowtie", {}, 80), ("bowtie", {"length": 140, "ends": 70}, 30),
    ("wedge", {}, 60), ("wedge", {"length": 110}, 30),
    ("spacer", {"length": 300, "height": 150}, 20), ("roof-rib", {"span": 800}, 6),
]


def mixed_job() -> tuple[list[NestItem], list[Stock], NestSettings]:
    """The items (instance ids design-k#n), one 2440 x 1220 sheet type, spacing 12."""
    items: list[NestItem] = []
    for k, (name, params, qty) in enumerate(DESIGNS):
        part = load_part(PARTS / f"{name}.toml", params, THICKNESS)
        rots = (0.0, 180.0) if name == "wedge" else (0.0, 90.0, 180.0, 270.0)
        items += [NestItem(f"{name}-{k}#{n + 1}", part, rots) for n in range(qty)]
    stock = Stock(width=2440, height=1220, thickness=THICKNESS, margin=15, material="BirchPly")
    return items, [stock], NestSettings(spacing=12.0)
