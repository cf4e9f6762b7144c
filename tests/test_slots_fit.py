"""Real DXF parts' thickness slots fitted to the measured ply (io/dxf/fitting.py): the
WikiHouse Skylark E-XXS parts, the Wren tolerance test and the MicroHouse file, through a
job ([dxf], [[part]] and [[block]] keys), `wikicut nest` end to end with its program
verified, `gcode` and `part` (--drawn-thickness, an --options file), bad keys refused."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import ezdxf
import pytest
from click.testing import CliRunner

from wikicut.cli import main
from wikicut.errors import InputError, InputWarning
from wikicut.io.dxf import SlotRule, find_slots, read_cutting_file, read_dxf_parts
from wikicut.io.items import load_job_parts
from wikicut.io.job import load_job
from wikicut.io.profiles import load_profile
from wikicut.verify import verify_program

ROOT = Path(__file__).resolve().parent.parent
SKYLARK = ROOT / "examples" / "skylark" / "E-XXS_cnc"
WREN = ROOT / "tests" / "data" / "real" / "wren" / "Wren_Tolerance-Test_CNC-cutting_v1.dxf"
MICROHOUSE = ROOT / "examples" / "microhouse" / "MicroHouse_othercomponents_v0.5.dxf"
# thickness slots per Skylark E-XXS part (18.5 mm wide: 18 mm ply + 0.5), measured
SKYLARK_SLOTS = {"A": 6, "B": 7, "C": 6, "D": 1, "F": 2, "G": 7, "H": 7, "I": 6, "J": 1,
                 "L": 1, "N": 1, "O": 1, "Q": 2}
# ... and slots for two sheets side by side (36.5 mm: two 18 mm plies + 0.5), measured
SKYLARK_DOUBLES = {"A": 1, "B": 2, "C": 1, "G": 1, "H": 2, "I": 1, "J": 2, "K": 4, "L": 2,
                   "M": 1, "R": 1}


def said(fn, *args, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        got = fn(*args, **kw)
    return got, [str(w.message) for w in rec if issubclass(w.category, InputWarning)]


def widths(outline, drawn, narrower=0.05, min_length=5.0, plies=(1,)):
    return sorted(round(s.width, 4) for s in find_slots(outline, drawn, narrower=narrower,
                                                        min_length=min_length, plies=plies))


def skylark(label: str, **kw):
    (part,) = read_dxf_parts(SKYLARK / f"E-XXS-{label}.dxf", **kw)
    return part


@pytest.mark.parametrize("label", sorted(SKYLARK_SLOTS) + ["E", "K", "M", "P", "R", "S"])
def test_skylark_slots_follow_the_ply(label):
    """Each slot moves by the stock's difference from 18 mm once per sheet it takes: 18.5
    mm slots by it, 36.5 mm ones (two sheets) by twice it; the 12.5 mm slots stay."""
    drawn = skylark(label)
    n, m = SKYLARK_SLOTS.get(label, 0), SKYLARK_DOUBLES.get(label, 0)
    assert widths(drawn.outline, 18.0) == [18.5] * n
    assert widths(drawn.outline, 18.0, plies=(2,)) == pytest.approx([36.5] * m, abs=1e-3)
    # the 12.5 mm slots: no ply's (4 mm long at least: a 5.75 mm ledge beside R's slot for
    # two sheets is 4.55 mm after it is widened)
    others = widths(drawn.outline, 12.0, narrower=0.0, min_length=4.0)
    for stock in (18.6, 17.6):
        fitted = skylark(label, thickness=stock, slots=SlotRule(default=18.0))
        assert fitted.slots_fitted == n + m
        assert widths(fitted.outline, stock) == pytest.approx([18.5 + stock - 18.0] * n)
        two = 36.5 + 2 * (stock - 18.0)
        got = widths(fitted.outline, stock, plies=(2,))
        assert sum(w == pytest.approx(two, abs=1e-3) for w in got) == m
        assert widths(fitted.outline, 18.0, plies=(2,)) == []  # none left as drawn
        assert widths(fitted.outline, 12.0, narrower=0.0, min_length=4.0) == others
        removed = drawn.outline.area - fitted.outline.area
        assert (removed > 0) == (stock > 18 and n + m > 0) and fitted.outline.is_valid
        assert fitted.pockets == drawn.pockets and fitted.drills == drawn.drills


def test_skylark_block_at_186_in_a_job(tmp_path):
    job_dir = tmp_path / "job"
    shutil.copytree(SKYLARK, job_dir / "E-XXS_cnc")
    text = ('name = "sky"\n[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18.6\n'
            '[[block]]\ndir = "E-XXS_cnc"\n')
    (job_dir / "job.toml").write_text(text)
    # nothing says which ply: one line saying so, the key to set, nothing changed
    parts, lines = said(load_job_parts, load_job(job_dir / "job.toml"))
    slot_lines = [ln for ln in lines if "slot" in ln]
    assert len(slot_lines) == 1, lines
    assert "16 parts (E-XXS-A, E-XXS-B, E-XXS-C, E-XXS-D, E-XXS-F and 11 more) hold 66 slots" \
           " 18.5-36.5 mm wide, as for 18 mm ply (one sheet or two)" in slot_lines[0]
    assert "set key 'dxf.drawn_thickness' = 18" in slot_lines[0]
    assert all(p.slots_fitted == 0 for _, p in parts)
    # the job says: every slot fitted, said once for the job
    (job_dir / "job.toml").write_text(text.replace("[[block]]", "[dxf]\ndrawn_thickness = 18\n"
                                                                "[[block]]"))
    parts, lines = said(load_job_parts, load_job(job_dir / "job.toml"))
    slot_lines = [ln for ln in lines if "slot" in ln]
    assert slot_lines == [f"{job_dir / 'job.toml'}: fitted 66 slots in 16 parts to the 18.6 mm"
                          " stock: 18.5 -> 19.1 mm (48), 36.5 -> 37.7 mm (18) wide (drawn for"
                          " 18 mm ply, as key"
                          " 'dxf.drawn_thickness' (line 7) says; dxf.slots = \"as drawn\""
                          " keeps them as drawn)"]
    assert {p.name: p.slots_fitted for _, p in parts if p.slots_fitted} == {
        f"E-XXS-{k}": SKYLARK_SLOTS.get(k, 0) + SKYLARK_DOUBLES.get(k, 0)
        for k in {*SKYLARK_SLOTS, *SKYLARK_DOUBLES}}
    # the block keeps them as drawn: over the job's key, without a word
    with_key = text.replace("[[block]]", "[dxf]\ndrawn_thickness = 18\n[[block]]")
    (job_dir / "job.toml").write_text(with_key + 'slots = "as drawn"\n')
    parts, lines = said(load_job_parts, load_job(job_dir / "job.toml"))
    assert not [ln for ln in lines if "slot" in ln]
    assert all(p.slots_fitted == 0 for _, p in parts)
    # the block's own drawn_thickness, named as the block's key
    (job_dir / "job.toml").write_text(text + "drawn_thickness = 18.2\n")
    parts, lines = said(load_job_parts, load_job(job_dir / "job.toml"))
    assert "18.5 -> 18.9 mm (48), 36.5 -> 37.3 mm (18) wide (drawn for 18.2 mm ply, as key" \
           " 'block[1].drawn_thickness' says; dxf.slots" in " ".join(lines)


@pytest.mark.parametrize("table,line,expect", [
    ("[dxf]", 'slots = "fitt"',
     "key 'dxf.slots' (line 7): must be one of fit, as drawn, got 'fitt' (did you mean 'fit'?)"),
    ("[dxf]", "drawn_thickness = -18",
     "key 'dxf.drawn_thickness' (line 7): must be greater than 0"),
    ("[dxf]", 'drawn_thickness = "18"',
     "key 'dxf.drawn_thickness' (line 7): must be a number, got '18'"),
    ("[dxf]", "drawn_thicknes = 18", "key 'dxf.drawn_thicknes' (line 7): unknown key (did you"
     " mean 'drawn_thickness'?)"),
    ("[[part]]", 'file = "E-XXS-D.dxf"\nslots = "fit all"',
     "key 'part[1].slots' (line 8): must be one of fit, as drawn, got 'fit all'"),
    ("[[part]]", 'file = "rib.toml"\ndrawn_thickness = 18',
     "key 'part[1].drawn_thickness' (line 8): a parametric part's slots follow the stock's"),
    ("[[block]]", 'dir = "E-XXS_cnc"\ndrawn_thickness = 1000',
     "key 'block[1].drawn_thickness' (line 8): "),
])
def test_bad_slot_keys_are_one_line_errors(tmp_path, table, line, expect):
    shutil.copytree(SKYLARK, tmp_path / "E-XXS_cnc")
    shutil.copy(SKYLARK / "E-XXS-D.dxf", tmp_path)
    (tmp_path / "rib.toml").write_text((ROOT / "parts" / "wall-rib.toml").read_text())
    text = ('name = "j"\n[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18.6\n'
            f'{table}\n{line}\n')
    if table == "[dxf]":
        text += '[[part]]\nfile = "E-XXS-D.dxf"\n'
    (tmp_path / "job.toml").write_text(text)
    with pytest.raises(InputError) as err:
        load_job(tmp_path / "job.toml")
    assert expect in str(err.value) and "\n" not in str(err.value)
    res = CliRunner().invoke(main, ["nest", str(tmp_path / "job.toml"), "-o",
                                    str(tmp_path / "out")])
    assert res.exit_code == 2 and not (tmp_path / "out").exists()


def test_nest_a_skylark_job_at_186_end_to_end(tmp_path):
    """`wikicut nest` on Skylark parts cut from 18.6 mm ply: one warning, the report's
    count per part, and the sheet's DXF and program as cut: slots 19.1 mm wide (37.7 for
    two sheets), the program accepted by the verifier against that sheet."""
    for k in ("D", "G", "J"):
        shutil.copy(SKYLARK / f"E-XXS-{k}.dxf", tmp_path)
    (tmp_path / "job.toml").write_text(
        'name = "sky"\n[sheet]\nwidth = 2440\nheight = 1220\nthickness = 18.6\nmargin = 10\n'
        "[nest]\nspacing = 12\nseed = 1\niterations = 20\ntime_limit = 10\n"
        '[machine]\nprofile = "grbl"\n[dxf]\ndrawn_thickness = 18\n'
        + "".join(f'[[part]]\nfile = "E-XXS-{k}.dxf"\nname = "E-XXS-{k}"\n' for k in "DGJ"))
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["nest", str(tmp_path / "job.toml"), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.stderr.splitlines() if "slot" in ln]
    assert warned == [f"warning: {tmp_path / 'job.toml'}: fitted 12 slots in 3 parts to the"
                      " 18.6 mm stock: 18.5 -> 19.1 mm (9), 36.5 -> 37.7 mm (3) wide (drawn for"
                      " 18 mm ply, as key"
                      " 'dxf.drawn_thickness' (line 15) says; dxf.slots = \"as drawn\" keeps"
                      " them as drawn)"]
    report = json.loads((out / "report.json").read_text())
    assert {r["name"]: r.get("slots_fitted") for r in report["parts"]} == {
        "E-XXS-D": 1, "E-XXS-G": 8, "E-XXS-J": 3}
    prof = load_profile("grbl")
    slots = {"E-XXS-D": (1, 0), "E-XXS-G": (7, 1), "E-XXS-J": (1, 2)}
    for sheet in report["sheets"]:
        (layout,) = read_cutting_file(out / sheet["file_dxf"])
        for pl in layout.placements:  # named by instance: E-XXS-G#1
            n, m = slots[pl.part.name.split("#")[0]]
            assert widths(pl.part.outline, 18.6) == [19.1] * n
            assert widths(pl.part.outline, 18.6, plies=(2,)).count(37.7) == m
        program = (out / sheet["file_program"]).read_text()
        assert verify_program(program, prof, sheet=layout) == []


def cutting_file(path: Path, layer: str = "0_SHEET_BirchPly 2440x1220x18") -> Path:
    """A sheet (on `layer`) holding a plate with an 18.5 mm notch and a closed 18.5 slot."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (2440, 0), (2440, 1220), (0, 1220)], close=True,
                       dxfattribs={"layer": layer})
    msp.add_lwpolyline([(100, 100), (500, 100), (500, 300), (318.5, 300), (318.5, 240),
                        (300, 240), (300, 300), (100, 300)], close=True,
                       dxfattribs={"layer": "6_anyTOOL_CUTTHROUGH_OUTSIDE"})
    msp.add_lwpolyline([(150, 150), (168.5, 150), (168.5, 250), (150, 250)], close=True,
                       dxfattribs={"layer": "3_anyTOOL_CUTTHROUGH_INSIDE"})
    doc.saveas(path)
    return path


def test_gcode_fits_a_cutting_file_to_its_measured_ply(tmp_path):
    """The sheet layer says 18 mm: at -t 18.6 both slots are fitted and said; an --options
    file's [dxf] slots = "as drawn" keeps them; without a thickness in the layer's name the
    flag gives it."""
    dxf = cutting_file(tmp_path / "sheet.dxf")
    res = CliRunner().invoke(main, ["gcode", str(dxf), "--profile", "grbl", "-t", "18.6",
                                    "-o", str(tmp_path / "a"), "-q"])
    assert res.exit_code == 0, res.output
    assert (f"warning: {dxf}: fitted 2 slots in 1 part to the 18.6 mm stock: 18.5 -> 19.1 mm"
            " wide (drawn for 18 mm ply, as sheet layer '0_SHEET_BirchPly 2440x1220x18' says;"
            in res.stderr)
    (written,) = read_cutting_file(tmp_path / "a" / "sheet-001.dxf")
    assert widths(written.placements[0].part.outline, 18.6) == [19.1, 19.1]
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["parts"][0]["slots_fitted"] == 2

    opts = tmp_path / "opts.toml"
    opts.write_text('[dxf]\nslots = "as drawn"\n')
    res = CliRunner().invoke(main, ["gcode", str(dxf), "--profile", "grbl", "-t", "18.6",
                                    "--options", str(opts), "-o", str(tmp_path / "b"), "-q"])
    assert res.exit_code == 0 and "slot" not in res.stderr, res.output
    (written,) = read_cutting_file(tmp_path / "b" / "sheet-001.dxf")
    assert widths(written.placements[0].part.outline, 18.0) == [18.5, 18.5]

    plain = cutting_file(tmp_path / "plain.dxf", layer="0_SHEET_SPRUCEPLY_2440X122")
    res = CliRunner().invoke(main, ["gcode", str(plain), "--profile", "grbl", "-t", "17.6",
                                    "-o", str(tmp_path / "c"), "-q"])
    assert res.exit_code == 0
    assert ("1 part (plain-1) holds 2 slots 18.5 mm wide, as for 18 mm ply, cut as drawn in"
            " the 17.6 mm stock" in res.stderr and "set --drawn-thickness 18 (" in res.stderr
            ), res.stderr
    res = CliRunner().invoke(main, ["gcode", str(plain), "--profile", "grbl", "-t", "17.6",
                                    "--drawn-thickness", "18", "-o", str(tmp_path / "d"), "-q"])
    assert res.exit_code == 0 and "18.5 -> 18.1 mm wide" in res.stderr, res.output
    res = CliRunner().invoke(main, ["gcode", str(dxf), "--profile", "grbl", "--drawn-thickness",
                                    "18", "-o", str(tmp_path / "f"), "-q"])
    assert res.exit_code == 0 and "--drawn-thickness 18 without the measured --thickness" \
        in res.stderr, res.output
    bad = CliRunner().invoke(main, ["gcode", str(plain), "--profile", "grbl",
                                    "--drawn-thickness", "-1", "-o", str(tmp_path / "e")])
    assert bad.exit_code == 2 and "--drawn-thickness" in bad.output


def test_part_takes_the_drawn_thickness(tmp_path):
    out = tmp_path / "d.dxf"
    res = CliRunner().invoke(main, ["part", str(SKYLARK / "E-XXS-D.dxf"), "-t", "18.6",
                                    "--drawn-thickness", "18", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "fitted 1 slot in 1 part to the 18.6 mm stock: 18.5 -> 19.1 mm" in res.stderr
    (part,) = read_dxf_parts(out)
    assert widths(part.outline, 18.6) == [19.1]


def test_wren_and_microhouse():
    """Wren's sheet layer names no thickness: its slots are said and left; given the ply,
    its 18, 18.25 and 19 mm slots follow, and its 36 and 37 mm ones for two sheets by twice
    as much; its 10 and 28 mm ones stay. MicroHouse's sheet layers name 18 mm: its three
    18 mm slots and one 36 mm follow the stock with no key."""
    drawn = read_dxf_parts(WREN)
    parts, lines = said(read_dxf_parts, WREN, thickness=18.6, slots=SlotRule())
    assert [p.outline.wkb for p in parts] == [p.outline.wkb for p in drawn]
    assert "16 parts" in lines[-1] and "48 slots 18-37 mm wide" in lines[-1]
    parts, lines = said(read_dxf_parts, WREN, thickness=18.6, slots=SlotRule(default=18.0))
    assert "fitted 48 slots in 16 parts to the 18.6 mm stock: 18 -> 18.6 mm (29), 19 -> 19.6 mm" \
           " (13), 18.25 -> 18.85 mm (2), 36 -> 37.2 mm (2), 37 -> 38.2 mm (2) wide" in lines[-1]
    # (4 mm long at least: some 10 mm recesses 5 mm long beside a slot are 4.7 mm after)
    others = [widths(p.outline, w, narrower=0.0, min_length=4.0) for p in drawn
              for w in (10.0, 28.0)]
    assert sum(map(len, others)) == 278 + 36
    assert [widths(p.outline, w, narrower=0.0, min_length=4.0) for p in parts
            for w in (10.0, 28.0)] == others
    parts, lines = said(read_dxf_parts, MICROHOUSE, thickness=18.6, slots=SlotRule())
    assert sum(p.slots_fitted for p in parts) == 4
    assert ("fitted 4 slots in 3 parts to the 18.6 mm stock: 18 -> 18.6 mm (3), 36 -> 37.2 mm"
            " (1) wide (drawn for 18 mm ply, as sheet layer '000_SHEET_MelamineFacedPly18mm'"
            " says") in lines[-1]
