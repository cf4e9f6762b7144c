"""packingsolver's users' jobs (benchmarks/bins/): what the loader reads from its JSON, what
it refuses, and the independent check of packingsolver's solutions (benchmarks/
packingsolver.py), which must find a part moved by a millimetre."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


sys.modules.pop("instances", None)
INST = _load("instances")
PS = _load("packingsolver")  # imports `instances`: the module just loaded

# sheets of packingsolver's solutions, bins' copies counted (3 on 2024-08-25_2: 1270 mm
# spacing, 5 on 2026-02-05_2; two on 2025-01-12 as one bin of copies 2)
SHEETS = {"2024-08-25_2": 3, "2025-01-12": 2, "2026-02-05_2": 5}


@pytest.mark.parametrize("name", INST.user_bin_names())
def test_packingsolvers_solutions_are_valid(name):
    job = INST.load_bins(name)
    sol = PS.load_solution(job)
    if sol is None:  # the 5,008-part jobs have none; two more are not in the snapshot
        assert name in ("2026-04-08", "2026-04-23", "2026-04-23_sub", "2026-04-23_sub_2")
        return
    assert sol.problems == ()
    assert sol.placed == job.count and sol.mirrored == 0
    assert sol.sheets == SHEETS.get(name, 1)


def _mutated(tmp_path, name, change):
    job = INST.load_bins(name)
    data = json.loads(PS.solution_path(job).read_text())
    change(data)
    p = tmp_path / f"{name}_solution.json"
    p.write_text(json.dumps(data))
    return PS.load_solution(job, p)


def test_the_check_finds_a_part_too_close(tmp_path):
    """The twelve squares 50 mm apart: one moved 0.05 in (1.27 mm) toward a neighbour."""
    def move(d):
        d["bins"][0]["items"][0]["x"] += 0.05
    sol = _mutated(tmp_path, "2024-08-25_1", move)
    assert not sol.valid
    assert any("48.7300 mm apart (spacing 50)" in p for p in sol.problems)


def test_the_check_finds_overlaps_turns_and_missing_copies(tmp_path):
    def overlap(d):  # blocks that touch (spacing 0): one pushed 0.25 mm into another
        d["bins"][0]["items"][5]["x"] += 0.25
    assert any("overlap" in p for p in _mutated(tmp_path, "2026-04-08_sub_2", overlap).problems)

    def turn(d):  # 2024-08-08's parts turn 0 or 180 only
        d["bins"][0]["items"][0]["angle"] = 90.0
    assert any("not an allowed rotation" in p
               for p in _mutated(tmp_path, "2024-08-08", turn).problems)

    def drop(d):  # a bin-packing job wants every copy
        d["bins"][0]["items"].pop()
    sol = _mutated(tmp_path, "2024-08-25_4", drop)
    assert any("placed" in p and "wanted" in p for p in sol.problems)

    def outside(d):  # past the 100 mm margin
        d["bins"][0]["items"][0]["y"] -= 0.1
    assert any("off the usable area" in p
               for p in _mutated(tmp_path, "2024-08-25_1", outside).problems)


def test_the_check_finds_nothing_in_wikicuts_layout_of_a_job():
    from wikicut.model import NestSettings
    from wikicut.nest import nest

    job = INST.load_bins("2024-08-05")
    lay = nest(job.nest_items(), job.stocks(),
               NestSettings(spacing=job.spacing, workers=1, iterations=20))
    sheets = PS.layout_sheets(job, lay)
    assert PS.check(job, sheets) == []
    moved = copy.deepcopy(sheets)
    p = moved[0].parts[0]
    far = p.__class__(p.item, p.label, shapely.affinity.translate(p.polygon, -5000, 0),
                      p.angle)
    moved[0] = moved[0].__class__(moved[0].label, moved[0].usable,
                                  (far, *moved[0].parts[1:]), 1, 0)
    assert any("off the usable area" in x for x in PS.check(job, moved))


def test_several_bin_types_polygon_bins_and_offsets():
    two = INST.load_bins("2024-09-21")  # a 50 mm and a 200 mm bin, one of each
    assert [(b.width, b.copies) for b in two.sheets] == [(50.0, 1), (200.0, 1)]
    assert [s.count for s in two.stocks()] == [1, 1]
    moved = INST.load_bins("2026-04-23")  # a polygon bin from y = -3000 to 0
    assert moved.sheets[0].origin == (0.0, -3000.0) and moved.sheet_height == 3000.0
    assert moved.sheets[0].outline is None and moved.margin == 2.0
    assert any("priority" in n for n in moved.notes)
    mirrored = INST.load_bins("2025-12-08")  # allow_mirroring: wikicut may mirror it too
    assert (0.0, 0.0, True) in mirrored.items[0].allowed
    assert mirrored.items[0].rotations == (0.0, 90.0, 180.0, 270.0)
    assert mirrored.items[0].mirror and mirrored.nest_items()[0].mirror
    assert not INST.load_bins("2024-08-25_2").items[0].mirror  # allow_mirroring false
    assert INST._mirror(((0, 0, False), (90, 90, False), (0, 0, True))) is None
    no_key = INST.load_bins("2026-04-08_sub_2")
    assert no_key.spacing == 0.0 and any("parameters.spacing" in n for n in no_key.notes)


def _job(tmp_path, **change):
    data = {"objective": "bin-packing",
            "bin_types": [{"type": "rectangle", "width": 1000.0, "height": 500.0}],
            "item_types": [{"type": "rectangle", "width": 100.0, "height": 50.0,
                            "copies": 2}]}
    for key, value in change.items():
        where, _, field = key.partition("__")
        data[where][0][field] = value
    p = tmp_path / "job.json"
    p.write_text(json.dumps(data))
    return p


def test_defects_become_keepouts_grown_by_their_spacing(tmp_path):
    square = {"type": "rectangle", "vertices": [{"x": 400, "y": 200}, {"x": 500, "y": 200},
                                                 {"x": 500, "y": 300}, {"x": 400, "y": 300}],
              "item_defect_minimum_spacing": 10.0}
    b = INST.load_bins(_job(tmp_path, bin_types__defects=[square]))
    (k,) = b.stock().keepouts
    assert k.bounds == pytest.approx((390.0, 190.0, 510.0, 310.0))
    assert not b.stock().usable.contains(shapely.Point(450, 250))


@pytest.mark.parametrize("change, message", [
    ({"bin_types__fixed_items": [{"item_type_id": 0, "bl_corner": {"x": 0, "y": 0}}]},
     r"bin_types\[0\]: fixed_items"),
    ({"item_types__copies": -1}, r"item_types\[0\]: copies -1"),
    ({"item_types__shapes": [{"type": "rectangle", "width": 1, "height": 1}] * 2},
     r"item_types\[0\]: 2 shapes"),
    ({"item_types__allowed_rotations": [{"start": 0, "end": 0, "mirror": True}]},
     r"item_types\[0\]: only mirrored rotations"),
    ({"item_types__stack": 3}, r"item_types\[0\]: stack not supported"),
])
def test_what_wikicut_cannot_do_is_refused_naming_the_key(tmp_path, change, message):
    with pytest.raises(INST.InstanceError, match=r"job.json: " + message):
        INST.load_bins(_job(tmp_path, **change))
