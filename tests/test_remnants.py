"""Remnants: offcuts a job leaves, written as stock (remnants.toml, a shop's inventory) and
cut by the next job on irregular sheets; and rolls of any length in strip mode."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import ezdxf
import pytest
import shapely
from click.testing import CliRunner
from conftest import rect_part, run_rs274
from shapely.geometry import Polygon

from wikicut.cli import main
from wikicut.errors import InputError, InputWarning
from wikicut.io.job import load_job
from wikicut.io.remnants import RemnantRules, remnant_pieces
from wikicut.model import Layout, NestItem, NestSettings, Part, Placement, SheetLayout, Stock
from wikicut.nest import nest, verify_layout
from wikicut.pipeline import job_profile, run_nest
from wikicut.verify import verify_program

PLATE = rect_part("plate", 300, 200)

SHEET = """\
[[sheet]]
width = 2440
height = 1220
thickness = 18
"""


def job_text(name: str, w: float, h: float, quantity: int, sheet: str = SHEET,
             extra: str = "") -> str:
    return f"""\
name = "{name}"
{sheet}
[nest]
spacing = 12
seed = 1
time_limit = 10
iterations = 200
workers = 1
[machine]
profile = "grbl"
tool_diameter = 6.35
[[part]]
file = "plate.toml"
quantity = {quantity}
params = {{ w = {w}, h = {h} }}
[remnants]
min_width = 150
min_area_m2 = 0.1
{extra}"""


def write(tmp: Path, name: str, text: str) -> Path:
    (tmp / "plate.toml").write_text(PLATE)
    path = tmp / name
    path.write_text(text)
    return path


def rect(name: str, w: float, h: float) -> Part:
    return Part(name, shapely.box(0, 0, w, h))


def check_exactly(sheet: SheetLayout, spacing: float) -> None:
    """Every part inside the sheet's material less its margin, and `spacing` apart: shapely
    on the placed outlines, not the nester's own check."""
    st = sheet.stock
    material = st.outline if st.outline is not None else shapely.box(0, 0, st.width, st.height)
    inside = material.buffer(-st.margin + 1e-6, join_style="mitre")
    geoms = [p.placed().outline for p in sheet.placements]
    for p, g in zip(sheet.placements, geoms):
        assert inside.contains(g), f"{p.instance} off the material of {st.label}"
    for i, a in enumerate(geoms):
        for b in geoms[i + 1:]:
            assert a.distance(b) >= spacing - 1e-6


# --- pieces of material a sheet leaves ------------------------------------------------------


def test_a_sheet_cut_along_one_side_leaves_the_rest_as_one_rectangle():
    """A part across the full height at x = 0..400: the rest, less the cut around the part
    (12 mm, grown so its polygonal corners cover the round ones: 0.2 mm), is one 588 x 600
    rectangle."""
    st = Stock(width=1000, height=600, margin=0, thickness=18)
    sheet = SheetLayout(1, st, [Placement("a#1", rect("a", 400, 600), 0, 0)])
    (piece,) = remnant_pieces(sheet, 12.0, RemnantRules(min_width=100, min_area_m2=0.01))
    assert shapely.box(412, 0, 1000, 600).contains(piece)
    assert piece.contains(shapely.box(412.2, 0, 1000, 600))
    assert len(piece.exterior.coords) == 5


def test_pieces_are_material_only_no_sliver_narrower_than_min_width_and_large_enough():
    """Parts scattered on a sheet: every piece kept lies in the sheet less each part grown
    by the cut, holds no strip narrower than min_width (an opening by it changes nothing)
    and has min_area at least; the 40 mm gaps between parts are not kept."""
    st = Stock(width=1500, height=1000, margin=10, thickness=18)
    places = [Placement(f"p#{k}", rect("p", 300, 400), 20 + 340 * k, 20) for k in range(3)]
    places.append(Placement("q#1", rect("q", 200, 200), 700, 600))
    sheet = SheetLayout(1, st, places)
    rules = RemnantRules(min_width=120, min_area_m2=0.05)
    pieces = remnant_pieces(sheet, 12.0, rules)
    assert pieces
    gone = shapely.union_all([p.placed().outline.buffer(12.0) for p in places])
    material = shapely.box(0, 0, 1500, 1000).difference(gone)
    for piece in pieces:
        assert material.buffer(1e-6).contains(piece)
        assert piece.area >= 0.05e6
        r = rules.min_width / 2 - 1e-3
        opened = piece.buffer(-r, join_style="mitre").buffer(r, join_style="mitre")
        assert piece.difference(opened).area < 1.0
    # a gap between two plates (40 mm less the cuts) is in no piece
    gap = shapely.box(321, 100, 359, 300)
    assert all(not p.intersects(gap) for p in pieces)


# --- irregular sheets in the nester ----------------------------------------------------------


def test_the_nester_keeps_parts_on_an_l_shaped_offcut_and_out_of_its_notch():
    """An L-shaped offcut (1200 x 800 less a 700 x 500 notch at the top right): 14 plates of
    200 x 150, all placed on the material less its margin, spacing kept, none in the notch."""
    outline = Polygon([(0, 0), (1200, 0), (1200, 300), (500, 300), (500, 800), (0, 800)])
    st = Stock(width=1200, height=800, margin=10, thickness=18, outline=outline, remnant="R1")
    items = [NestItem(f"p#{k}", rect("p", 200, 150), (0.0, 90.0)) for k in range(14)]
    lay = nest(items, [st], NestSettings(spacing=8, time_limit=10, workers=1, iterations=200))
    assert not lay.unplaced and len(lay.sheets) == 1
    assert verify_layout(lay, 8) == []
    check_exactly(lay.sheets[0], 8)
    notch = shapely.box(500, 300, 1200, 800)
    assert all(not p.placed().outline.intersects(notch.buffer(-1))
               for p in lay.sheets[0].placements)


def test_a_job_sheet_takes_an_outline_as_points_or_from_a_dxf(tmp_path):
    pts = "[[100, 50], [1300, 50], [1300, 400], [700, 400], [700, 900], [100, 900]]"
    job = load_job(write(tmp_path, "a.toml", job_text("a", 200, 100, 2, sheet=f"""\
[sheet]
thickness = 18
outline = {pts}
holes = [[[200, 150], [300, 150], [300, 250], [200, 250]]]
""")))
    (st,) = job.stocks
    assert (st.width, st.height) == (1200, 850)  # moved to its lower-left bound at 0, 0
    assert st.outline.area == pytest.approx(1200 * 350 + 600 * 500 - 100 * 100)
    doc = ezdxf.new("R2010")
    doc.units = ezdxf.units.MM
    doc.modelspace().add_lwpolyline([(0, 0), (900, 0), (900, 300), (400, 300), (400, 700),
                                     (0, 700)], close=True, dxfattribs={"layer": "0_OUTLINE"})
    doc.saveas(tmp_path / "offcut.dxf")
    job = load_job(write(tmp_path, "b.toml", job_text("b", 200, 100, 2, sheet="""\
[sheet]
thickness = 18
outline = "offcut.dxf"
""")))
    (st,) = job.stocks
    assert (st.width, st.height) == (900, 700)
    assert st.outline.area == pytest.approx(900 * 300 + 400 * 400)


def test_an_offcut_drawn_in_a_dxf_is_read_with_the_jobs_dxf_and_layers_tables(tmp_path):
    """The outline's DXF is read as the job's part DXFs are: [dxf] units for a file that
    does not say its own, [layers] for a layer that is not the offcut (a dimension line
    drawn beside it)."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 0  # unitless
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (40, 0), (40, 30), (0, 30)], close=True)
    msp.add_line((0, -2), (40, -2), dxfattribs={"layer": "DIM"})
    doc.saveas(tmp_path / "offcut.dxf")
    sheet = '[sheet]\nthickness = 18\noutline = "offcut.dxf"\n'
    tables = '[dxf]\nunits = "inch"\n[layers]\n"DIM" = "ignore"\n'
    (st,) = load_job(write(tmp_path, "job.toml", job_text("j", 200, 100, 1, sheet=sheet,
                                                          extra=tables))).stocks
    assert (st.width, st.height) == pytest.approx((40 * 25.4, 30 * 25.4))


def test_an_offcut_drawn_as_a_sheet_is_read_by_the_layer_map_and_said_how(tmp_path):
    """An offcut drawn on a SHEET layer (a sheet boundary, so refused as not a rectangle)
    says how an outline is read; mapped to a cut layer in [layers] it is the offcut, and
    that [layers] key is not said to be unused (it was: "the job reads no DXF")."""
    import warnings

    from wikicut.io.items import job_items

    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    doc.modelspace().add_lwpolyline([(0, 0), (900, 0), (900, 300), (400, 500), (0, 500)],
                                    close=True, dxfattribs={"layer": "SHEET"})
    doc.saveas(tmp_path / "offcut.dxf")
    sheet = '[sheet]\nthickness = 18\noutline = "offcut.dxf"\n'
    with pytest.raises(InputError) as e:
        load_job(write(tmp_path, "job.toml", job_text("j", 200, 100, 1, sheet=sheet)))
    assert "an offcut's outline is read as a part's" in str(e.value)
    assert '[layers] ("LAYER" = "outside")' in str(e.value)
    job = load_job(write(tmp_path, "job.toml", job_text(
        "j", 200, 100, 1, sheet=sheet, extra='[layers]\n"SHEET" = "outside"\n')))
    assert job.stocks[0].outline.area == pytest.approx(shapely.Polygon(
        [(0, 0), (900, 0), (900, 300), (400, 500), (0, 500)]).area)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        job_items(job)
    assert not [w for w in said if "layers.SHEET" in str(w.message)], said
    # read once: what its reading says (a gap closed) is said once, not again for the map
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    pts = [(0, 0), (900, 0), (900, 300), (400, 500), (0, 500), (0, 0.2)]
    for a, b in zip(pts, pts[1:]):
        doc.modelspace().add_line(a, b, dxfattribs={"layer": "SHEET"})
    doc.saveas(tmp_path / "offcut.dxf")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        job_items(load_job(tmp_path / "job.toml"))
    assert len([w for w in said if "closed 1 gap(s)" in str(w.message)]) == 1, said


@pytest.mark.parametrize("sheet, what", [
    ('[sheet]\nthickness = 18\noutline = [[0, 0], [100, 100], [100, 0], [0, 100]]\n',
     "sheet.outline"),  # edges crossing
    ('[sheet]\nthickness = 18\noutline = [[0, 0], [1]]\n', "sheet.outline"),
    ('[sheet]\nthickness = 18\noutline = "missing.dxf"\n', "sheet.outline"),
    ('[sheet]\nthickness = 18\nwidth = 500\noutline = [[0, 0], [900, 0], [900, 300]]\n',
     "sheet.outline"),  # width given that is not the outline's
    ('[sheet]\nwidth = 900\nheight = 500\nthickness = 18\nholes = [[[1, 1], [2, 1], [2, 2]]]\n',
     "sheet.holes"),
    ('[sheet]\nthickness = 18\nstrip = true\noutline = [[0, 0], [900, 0], [900, 300]]\n',
     "sheet.strip"),
])
def test_bad_outlines_are_refused_in_one_line_naming_the_key(tmp_path, sheet, what):
    with pytest.raises(InputError) as e:
        load_job(write(tmp_path, "job.toml", job_text("j", 200, 100, 1, sheet=sheet)))
    assert what in str(e.value) and "\n" not in str(e.value)


L_SHEET = ("[sheet]\nthickness = 18\noutline = [[0, 0], [1200, 0], [1200, 300], [500, 300],"
           " [500, 800], [0, 800]]\n")


@pytest.mark.parametrize("sheet", [
    L_SHEET + "keepouts = [[800, 500, 900, 600]]\n",  # in the L's notch
    L_SHEET + "holes = [[[100, 100], [300, 100], [300, 250], [100, 250]]]\n"
    "keepouts = [[150, 150, 250, 200]]\n",  # inside a hole
], ids=["notch", "hole"])
def test_a_keepout_off_an_offcuts_material_is_refused_as_one_off_its_box_is(tmp_path, sheet):
    """A clamp drawn where the offcut has no material (its notch, a hole) keeps nothing out
    where the clamp really is: refused in one line naming the keep-out."""
    with pytest.raises(InputError) as e:
        load_job(write(tmp_path, "job.toml", job_text("j", 200, 100, 1, sheet=sheet)))
    msg = str(e.value)
    assert "sheet.keepouts[0]" in msg and "material" in msg and "\n" not in msg
    # on the material, the same keep-out is taken
    (st,) = load_job(write(tmp_path, "job.toml", job_text(
        "j", 200, 100, 1, sheet=L_SHEET + "keepouts = [[800, 100, 900, 200]]\n"))).stocks
    assert len(st.keepouts) == 1


# --- remnant files and the inventory ---------------------------------------------------------


INVENTORY = """\
next_id = 10

[[sheet]]
id = "R0003"
source = "old job sheet 2"
material = "Plywood"
thickness = 12
width = 1200
height = 800
margin = 15

[[sheet]]
id = "R0004"
material = "OSB"
thickness = 18
width = 1200
height = 800
margin = 15

[[sheet]]
id = "R0005"
material = "Plywood"
thickness = 18
width = 1000
height = 700
margin = 15
outline = [[0, 0], [1000, 0], [1000, 300], [400, 300], [400, 700], [0, 700]]
"""


def test_the_job_is_offered_only_remnants_of_its_thickness_and_material_first(tmp_path):
    (tmp_path / "shop.toml").write_text(INVENTORY)
    job = load_job(write(tmp_path, "job.toml", job_text("j", 200, 100, 1)),
                   inventory=tmp_path / "shop.toml")
    assert [s.remnant for s in job.stocks] == ["R0005", ""]  # 12 mm ply and OSB are not
    assert job.stocks[0].outline is not None and job.stocks[0].count == 1
    # a remnant file listed with from: its remnants of the job's thickness, first too
    (tmp_path / "rem.toml").write_text(INVENTORY.replace("R000", "X"))
    job = load_job(write(tmp_path, "job.toml", job_text(
        "j", 200, 100, 1, sheet=SHEET + '[[sheet]]\nfrom = "rem.toml"\n')))
    assert [s.remnant for s in job.stocks] == ["X5", ""]
    job = load_job(write(tmp_path, "job.toml", job_text(
        "j", 200, 100, 1, sheet='[[sheet]]\nfrom = "rem.toml"\nthickness = 12\n')))
    assert [s.remnant for s in job.stocks] == ["X3"]


EMPTY_REMNANTS = '# wikicut remnants: offcuts kept as stock.\n'


def test_a_remnant_file_holding_no_remnants_is_said_to_hold_none(tmp_path):
    """A job that kept no remnant writes a file of none: drawing on it alone is refused
    saying so (not as a file of several thicknesses); beside a sheet of the job's own, the
    job cuts that sheet."""
    (tmp_path / "none.toml").write_text(EMPTY_REMNANTS)
    for extra in ("", "thickness = 18\n"):
        with pytest.raises(InputError) as e:
            load_job(write(tmp_path, "job.toml", job_text(
                "j", 200, 100, 1, sheet=f'[[sheet]]\nfrom = "none.toml"\n{extra}')))
        msg = str(e.value)
        assert "sheet[1].from" in msg and "holds no remnants" in msg, msg
        assert "several" not in msg and "\n" not in msg
    with pytest.warns(InputWarning, match="'none.toml' holds no remnants"):
        job = load_job(write(tmp_path, "job.toml", job_text(
            "j", 200, 100, 1, sheet=SHEET + '[[sheet]]\nfrom = "none.toml"\n')))
    assert [s.remnant for s in job.stocks] == [""]


def test_an_inventory_in_a_folder_that_does_not_exist_is_refused_before_the_nest(tmp_path):
    """The first job makes the inventory file, not its folder: a mistyped folder is said
    when the job is read, not after the whole nest."""
    with pytest.raises(InputError, match="folder does not exist"):
        load_job(write(tmp_path, "job.toml", job_text("j", 200, 100, 1)),
                 inventory=tmp_path / "no-such-folder" / "shop.toml")
    job = load_job(write(tmp_path, "job.toml", job_text("j", 200, 100, 1)),
                   inventory=tmp_path / "shop.toml")  # the file itself may be missing
    assert job.inventory is not None and not job.inventory.stocks


def test_an_id_listed_twice_or_the_inventory_listed_with_from_is_refused(tmp_path):
    (tmp_path / "shop.toml").write_text(INVENTORY)
    (tmp_path / "rem.toml").write_text(INVENTORY)
    with pytest.raises(InputError, match="R0005.*listed twice"):
        load_job(write(tmp_path, "job.toml", job_text(
            "j", 200, 100, 1, sheet=SHEET + '[[sheet]]\nfrom = "rem.toml"\n')),
            inventory=tmp_path / "shop.toml")
    with pytest.raises(InputError, match="inventory"):
        load_job(write(tmp_path, "job.toml", job_text(
            "j", 200, 100, 1, sheet=SHEET + '[[sheet]]\nfrom = "shop.toml"\n')),
            inventory=tmp_path / "shop.toml")


@pytest.mark.parametrize("next_id", ["", "next_id = 1\n"])
def test_new_remnant_ids_pass_over_the_ids_an_inventory_already_lists(tmp_path, next_id):
    """A hand-made inventory (no next_id, or one at or below an id it lists): the job's
    remnants get ids it does not list. They were counted from next_id alone: R0001 listed
    twice after the job, and the next job refused the inventory."""
    shop = tmp_path / "shop.toml"
    shop.write_text(next_id + "[[sheet]]" + INVENTORY.split("[[sheet]]")[1].replace(
        "R0003", "R0001"))  # a 12 mm remnant: not offered to the job
    a = write(tmp_path, "a.toml", job_text("job-a", 900, 500, 3))
    run_nest(load_job(a, inventory=shop), tmp_path / "outA", gcode=False)
    data = tomllib.loads(shop.read_text())
    ids = [s["id"] for s in data["sheet"]]
    assert len(ids) > 1 and len(set(ids)) == len(ids) and "R0001" in ids
    assert all(int(i[1:]) < data["next_id"] for i in ids if i != "R0001")
    load_job(write(tmp_path, "b.toml", job_text("job-b", 400, 300, 6)), inventory=shop)


def _sheets_of(inventory: Path) -> dict[str, dict]:
    data = tomllib.loads(inventory.read_text())
    return {s["id"]: s for s in data.get("sheet", [])}


def test_job_a_leaves_remnants_and_job_b_cuts_its_small_parts_on_them(tmp_path, rs274):
    """End to end: job A (three 900 x 500 plates on a full sheet) leaves an L-shaped remnant
    in the shop's inventory (and its remnants.toml); job B (six 400 x 300 plates) cuts them
    all on that remnant, not on a new sheet: placed exactly on its material, spacing kept,
    every program clean against the real irregular sheet and through `wikicut verify
    --sheet`; the inventory loses the remnant used and gains what B leaves, new ids, the
    12 mm remnant kept as it was."""
    shop = tmp_path / "shop.toml"
    shop.write_text(INVENTORY.split("[[sheet]]")[0] + "[[sheet]]"
                    + INVENTORY.split("[[sheet]]")[1])  # next_id 10 and the 12 mm R0003
    a = write(tmp_path, "a.toml", job_text("job-a", 900, 500, 3))
    res_a = run_nest(load_job(a, inventory=shop), tmp_path / "outA")
    assert len(res_a.layout.sheets) == 1 and not res_a.layout.sheets[0].stock.remnant
    inv = _sheets_of(shop)
    new_ids = sorted(set(inv) - {"R0003"})
    assert new_ids and new_ids[0] == "R0010"
    assert inv["R0003"]["thickness"] == 12 and inv["R0003"]["source"] == "old job sheet 2"
    written = tomllib.loads((tmp_path / "outA" / "remnants.toml").read_text())
    assert [s["id"] for s in written["sheet"]] == new_ids
    big = inv["R0010"]
    assert big["thickness"] == 18 and big["material"] == "Plywood" and "outline" in big
    assert tomllib.loads(shop.read_text())["next_id"] == 10 + len(new_ids)

    b = write(tmp_path, "b.toml", job_text("job-b", 400, 300, 6))
    job_b = load_job(b, inventory=shop)
    assert job_b.stocks[0].remnant == "R0010"
    res_b = run_nest(job_b, tmp_path / "outB")
    (sheet,) = res_b.layout.sheets
    assert sheet.stock.remnant == "R0010" and len(sheet.placements) == 6
    check_exactly(sheet, 12)
    # the parts lie where job A left material, none where its plates were cut out
    cut_a = shapely.union_all([p.placed().outline for p in res_a.layout.sheets[0].placements])
    assert all(not p.placed().outline.intersects(cut_a) for p in sheet.placements)
    prof = job_profile(job_b)
    for f in sorted((tmp_path / "outB").glob("sheet-*.nc")):
        assert verify_program(f.read_text(), prof, sheet=sheet) == []
        res = CliRunner().invoke(main, ["verify", str(f), "--profile", "grbl", "--sheet",
                                        str(f.with_suffix(".dxf"))])
        assert res.exit_code == 0, res.output
        # LinuxCNC's interpreter reads it, and every move below the top stays over the
        # remnant's material (within the tool radius and half a millimetre)
        run = run_rs274(rs274, f, timeout=60)
        assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-1500:]
        feeds = re.findall(r"STRAIGHT_FEED\((-?[\d.]+), (-?[\d.]+), (-?[\d.]+)", run.stdout)
        low = [(float(x), float(y)) for x, y, z in feeds if float(z) < -0.01]
        assert low
        material = sheet.stock.outline.buffer(prof.tool.radius + 0.5)
        assert all(material.contains(shapely.Point(pt)) for pt in low)
    after = _sheets_of(shop)
    assert "R0010" not in after and after["R0003"] == inv["R0003"]
    assert set(new_ids[1:]) <= set(after)  # A's other remnants, untouched
    added = sorted(set(after) - set(inv))
    assert added == [f"R{10 + len(new_ids) + k:04d}" for k in range(len(added))]
    for rid in added:
        assert after[rid]["source"] == "job-b sheet 1" and after[rid]["thickness"] == 18


def test_the_program_is_refused_on_a_sheet_whose_material_it_leaves(tmp_path):
    """verify_program against the offcut: the same program on an offcut whose material ends
    short of where it cuts is refused (out-of-stock), though the box around it is the same."""
    shop = tmp_path / "shop.toml"
    shop.write_text(INVENTORY)
    job = load_job(write(tmp_path, "job.toml", job_text("j", 200, 150, 3)), inventory=shop)
    res = run_nest(job, tmp_path / "out")
    (sheet,) = res.layout.sheets
    assert sheet.stock.remnant == "R0005"
    text = (tmp_path / "out" / "sheet-001.nc").read_text()
    prof = job_profile(job)
    assert verify_program(text, prof, sheet=sheet) == []
    x1 = max(p.placed().outline.bounds[2] for p in sheet.placements)
    short = shapely.box(0, 0, x1 - 50, sheet.stock.height)
    sheet.stock = type(sheet.stock)(**{**sheet.stock.__dict__, "outline": short})
    kinds = {v.kind for v in verify_program(text, prof, sheet=sheet)}
    assert "out-of-stock" in kinds


def test_a_failed_job_leaves_the_inventory_as_it_was(tmp_path):
    """Parts that fit nowhere: exit 3, no output folder, the inventory byte for byte."""
    shop = tmp_path / "shop.toml"
    shop.write_text(INVENTORY)
    b = write(tmp_path, "b.toml", job_text("b", 400, 300, 40, sheet=SHEET + "count = 1\n"))
    res = CliRunner().invoke(main, ["nest", str(b), "-o", str(tmp_path / "out"), "--inventory",
                                    str(shop), "-q"])
    assert res.exit_code == 3, res.output
    assert shop.read_text() == INVENTORY and not (tmp_path / "out").exists()


def test_an_inventory_changed_during_the_job_is_not_overwritten(tmp_path):
    """Another job drew on the inventory while this one ran: this one is refused (exit 2),
    writes nothing, and the other's inventory stays."""
    shop = tmp_path / "shop.toml"
    shop.write_text(INVENTORY)
    job = load_job(write(tmp_path, "job.toml", job_text("j", 200, 150, 2)), inventory=shop)
    other = INVENTORY.replace("next_id = 10", "next_id = 11")

    def meanwhile(stage, frac, msg):
        if stage == "nest" and shop.read_text() != other:
            shop.write_text(other)

    with pytest.raises(InputError, match="changed while this job ran"):
        run_nest(job, tmp_path / "out", progress=meanwhile)
    assert shop.read_text() == other and not (tmp_path / "out").exists()


def test_without_remnants_table_no_remnant_file_is_written(tmp_path):
    text = job_text("j", 200, 150, 2).split("[remnants]")[0]
    res = run_nest(load_job(write(tmp_path, "job.toml", text)), tmp_path / "out",
                   gcode=False)
    assert "remnants.toml" not in res.files and not (tmp_path / "out" / "remnants.toml").exists()


def test_a_remnant_file_written_by_a_job_is_read_back_by_the_next(tmp_path):
    """remnants.toml as a job writes it is stock the next job lists with from: the same
    outlines, ids and thickness."""
    a = write(tmp_path, "a.toml", job_text("job-a", 900, 500, 3))
    res = run_nest(load_job(a), tmp_path / "outA", gcode=False)
    written = tomllib.loads((tmp_path / "outA" / "remnants.toml").read_text())
    ids = [s["id"] for s in written["sheet"]]
    assert ids and ids[0] == "job-a-001-1"
    b = write(tmp_path, "b.toml", job_text("job-b", 400, 300, 1, sheet=SHEET
                                           + '[[sheet]]\nfrom = "outA/remnants.toml"\n'))
    job = load_job(b)
    got = [s for s in job.stocks if s.remnant]
    assert [s.remnant for s in got] == ids
    pieces = remnant_pieces(res.layout.sheets[0], 12.0, job.remnants)
    assert got[0].outline.area == pytest.approx(pieces[0].area, rel=1e-5)


# --- rolls -----------------------------------------------------------------------------------


def test_a_strip_job_on_a_60_m_roll_works_and_a_60_m_sheet_is_still_refused(tmp_path):
    roll = "[sheet]\nwidth = 60000\nheight = 1220\nthickness = 18\nstrip = true\n"
    job = load_job(write(tmp_path, "job.toml", job_text("roll", 500, 370, 12, sheet=roll)))
    res = run_nest(job, tmp_path / "out", gcode=False)
    (sheet,) = res.layout.sheets
    assert sheet.stock.width == 60000 and not res.layout.unplaced
    # twelve 500 x 370 plates, three across the roll (1190 mm inside the margins): 2,063 mm
    assert sheet.used_length < 2200
    assert verify_layout(res.layout, 12) == []
    assert res.report["sheets"][0]["stock"]["width"] == 60000
    with pytest.raises(InputError, match="units mixed up"):
        load_job(write(tmp_path, "job.toml", job_text("s", 500, 400, 1,
                                                      sheet=roll.replace("strip = true\n", ""))))
    with pytest.raises(InputError, match="units mixed up"):
        load_job(write(tmp_path, "job.toml", job_text(
            "s", 500, 400, 1, sheet=roll.replace("height = 1220", "height = 60000"))))


def test_a_long_roll_is_laid_out_as_a_short_one_would_be():
    """The nester cuts a roll to what the parts need in a row: a 60 m roll gives the layout
    a 6 m one does (same seed, same iterations)."""
    items = [NestItem(f"p#{k}", rect("p", 400 + 37 * (k % 5), 300), (0.0, 90.0))
             for k in range(12)]
    s = NestSettings(spacing=10, time_limit=20, workers=1, iterations=300)
    long_ = nest(items, [Stock(width=60000, height=1220, margin=10, strip=True)], s)
    short = nest(items, [Stock(width=6000, height=1220, margin=10, strip=True)], s)
    assert long_.sheets[0].used_length == short.sheets[0].used_length
    assert ([(p.instance, p.x, p.y, p.rotation) for p in long_.sheets[0].placements]
            == [(p.instance, p.x, p.y, p.rotation) for p in short.sheets[0].placements])
    assert long_.sheets[0].stock.width == 60000


def test_layout_helpers_accept_an_empty_layout():
    assert remnant_pieces(SheetLayout(1, Stock(width=500, height=400, margin=0)), 12.0,
                          RemnantRules(min_width=100, min_area_m2=0.01))[0].area == 500 * 400
    assert verify_layout(Layout([]), 1) == []


def test_a_lock_names_the_jobs_own_sheet_when_remnants_come_first(tmp_path):
    """Remnants drawn go before the job's sheets in the stock list; a lock's `stock` still
    counts the job's own [[sheet]] entries, so the locked plate stays on the full sheet."""
    shop = tmp_path / "shop.toml"
    shop.write_text(INVENTORY)
    text = job_text("j", 200, 150, 2).replace(
        "params = { w = 200, h = 150 }", "params = { w = 200, h = 150 }\n"
        "lock = { sheet = 1, x = 1000, y = 100 }")
    job = load_job(write(tmp_path, "job.toml", text), inventory=shop)
    assert [s.remnant for s in job.stocks] == ["R0005", ""]
    (lk,) = job.parts[0].locks
    assert lk.stock == 1
    res = run_nest(job, tmp_path / "out", gcode=False)
    placed = {p.instance: (sh.stock.remnant, p.x, p.y) for sh in res.layout.sheets
              for p in sh.placements}
    assert placed["plate#1"] == ("", 1000, 100)


def test_the_readme_example_pair_cuts_job_b_on_job_a_s_remnant(tmp_path):
    """examples/remnants as the README tells: the beams leave R0001, the joinery is cut on
    it (no new sheet), and the inventory then holds what the joinery left instead."""
    from dataclasses import replace

    here = Path(__file__).resolve().parent.parent / "examples" / "remnants"
    shop = tmp_path / "shop-remnants.toml"

    def job(name):
        j = load_job(here / name, inventory=shop)
        return replace(j, settings=replace(j.settings, iterations=100, workers=1))

    run_nest(job("job-a.toml"), tmp_path / "out-a", gcode=False)
    assert list(_sheets_of(shop)) == ["R0001"]
    res = run_nest(job("job-b.toml"), tmp_path / "out-b", gcode=False)
    assert [s.stock.remnant for s in res.layout.sheets] == ["R0001"]
    check_exactly(res.layout.sheets[0], 12)
    assert "R0001" not in _sheets_of(shop)


def test_recut_on_an_irregular_offcut_places_the_part_on_its_material(tmp_path):
    """`wikicut recut --on` an L-shaped offcut (its lower-left 600 x 400 gone): the part goes
    to the first spot on the material, not into the notch the box's first spot is in; the
    program is verified against the offcut before it is written."""
    from wikicut.recut import recut

    job = load_job(write(tmp_path, "job.toml", job_text("j", 300, 200, 1).split("[remnants]")[0]))
    run_nest(job, tmp_path / "out")
    (tmp_path / "offcut.toml").write_text(
        "[sheet]\nthickness = 18\nmargin = 10\n"
        "outline = [[0, 400], [600, 400], [600, 0], [1200, 0], [1200, 800], [0, 800]]\n")
    res = recut(tmp_path / "out", "plate#1", tmp_path / "again", offcut=tmp_path / "offcut.toml")
    (sheet,) = res.layout.sheets
    assert sheet.stock.outline is not None
    check_exactly(sheet, 12)
    assert sheet.placements[0].placed().outline.bounds[0] >= 610 - 1e-6


def test_the_nest_command_says_which_remnants_it_cut_and_kept(tmp_path):
    shop = tmp_path / "shop.toml"
    shop.write_text(INVENTORY)
    job = write(tmp_path, "job.toml", job_text("j", 200, 150, 3))
    res = CliRunner().invoke(main, ["nest", str(job), "-o", str(tmp_path / "out"), "--no-gcode",
                                    "--inventory", str(shop)])
    assert res.exit_code == 0, res.output
    kept = [s for s in _sheets_of(shop) if s not in ("R0003", "R0004")]
    assert f"remnants: cut on R0005; {len(kept)} kept" in res.output
    assert f"and the inventory {shop}" in res.output


def test_a_batch_refuses_a_job_that_draws_on_an_inventory(tmp_path):
    """Jobs of a batch run at once (and maybe elsewhere): one inventory cannot serve them,
    so such a job is refused before any work is sent, naming the job."""
    from wikicut.cluster.batch import _task

    job = write(tmp_path, "job.toml", job_text("j", 200, 150, 1,
                                               extra='inventory = "shop.toml"\n'))
    with pytest.raises(InputError, match="batch cannot draw on a remnant inventory") as e:
        _task(job, {}, {}, tmp_path / "out", False, set())
    assert "job.toml" in str(e.value)
    _task(write(tmp_path, "plain.toml", job_text("k", 200, 150, 1)), {}, {}, tmp_path / "out",
          False, set())  # [remnants] without an inventory: remnants.toml per job, fine


def test_an_offcut_is_used_as_much_as_its_material_not_its_box():
    """An L-shaped offcut, three quarters of its 1000 x 800 box: a 300 x 400 part uses 20 %
    of it, where the box made it 15 % (the summary, the SVG's title and report.json)."""
    from wikicut.io.report import build_report
    from wikicut.pipeline import nest_summary

    ell = Polygon([(0, 0), (1000, 0), (1000, 400), (500, 400), (500, 800), (0, 800)])
    stock = Stock(width=1000, height=800, outline=ell, margin=10)
    part = Part("plate", shapely.box(0, 0, 300, 400), source="plate.toml")
    sheet = SheetLayout(1, stock, [Placement("plate#1", part, 20, 20)])
    assert sheet.area == pytest.approx(600_000)
    assert sheet.utilisation == pytest.approx(0.2)
    assert "20.0% used" in nest_summary(Layout([sheet]), 1)
    totals = build_report("j", Layout([sheet]), 10.0)["totals"]
    assert totals["sheet_area_m2"] == 0.6 and totals["utilisation"] == 0.2


def test_remnants_of_the_material_in_another_case_are_offered_and_none_offered_is_said(
        tmp_path):
    """"plywood" in the inventory is the job's "Plywood" (the remnant was silently left out);
    a remnant file of which nothing is offered (18.2 mm measured for an 18 mm job) says so
    in a warning, where the job used to cut new sheets beside it without a word."""
    from wikicut.errors import InputWarning

    (tmp_path / "shop.toml").write_text(INVENTORY.replace('"Plywood"', '"plywood "'))
    job = load_job(write(tmp_path, "job.toml", job_text("j", 200, 100, 1)),
                   inventory=tmp_path / "shop.toml")
    assert [s.remnant for s in job.stocks] == ["R0005", ""]
    (tmp_path / "rem.toml").write_text(INVENTORY.replace("thickness = 18", "thickness = 18.2"))
    with pytest.warns(InputWarning, match=r"rem.toml: none of its 3 remnants is 18 mm Plywood"
                                          r" \(they are 12 mm Plywood, 18.2 mm OSB, 18.2 mm"
                                          r" Plywood\): none offered"):
        job = load_job(write(tmp_path, "job.toml", job_text(
            "j", 200, 100, 1, sheet=SHEET + '[[sheet]]\nfrom = "rem.toml"\n')))
    assert [s.remnant for s in job.stocks] == [""]
