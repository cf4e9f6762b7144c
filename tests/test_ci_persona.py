"""The CI pipeline's walk: it regenerates a job's programs on every change and fails on any
unexpected change (`wikicut diff OLD NEW`, exit 1 when they differ). Every kind of change
a CI must see exits 1 with one line naming it: a feed rate, an SVG, a DXF, report.json keys
the sheet and part comparison does not judge, parts.csv, a file added or removed; identical
folders exit 0 and say nothing else; `--json` is stable and lists every file that differs.
Also the batch summary's fields that vary from run to run are the documented ones."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import run_wikicut

from wikicut.cluster.batch import BatchResult, JobOutcome
from wikicut.cluster.summary import batch_html

ROOT = Path(__file__).resolve().parent.parent
JOB = ROOT / "examples" / "dxf-parts" / "job.toml"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ci") / "base"
    res = run_wikicut("nest", str(JOB), "-o", str(out), "--iterations", "5", "-q")
    assert res.returncode == 0, res.stderr
    return out


def changed(base: Path, tmp_path: Path, name: str, edit) -> Path:
    new = tmp_path / name
    shutil.copytree(base, new)
    edit(new)
    return new


def sub_once(path: Path, pattern: str, repl: str) -> None:
    text = path.read_text()
    new = re.sub(pattern, repl, text, count=1, flags=re.MULTILINE)
    assert new != text, pattern
    path.write_text(new)


def test_identical_folders_are_equal_and_say_only_so(base, tmp_path):
    same = changed(base, tmp_path, "same", lambda p: None)
    res = run_wikicut("diff", str(base), str(same))
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == f"{base} and {same}: the same sheets, parts and moves"
    data = json.loads(run_wikicut("diff", str(base), str(same), "--json").stdout)
    assert data["equal"] is True and data["files"] == [] and data["report"] == []


def test_a_feed_rate_changed_is_a_difference(base, tmp_path):
    """Moves were compared by their ends only: F3000 -> F2900 on one line was "the same"."""
    def edit(p):
        text = (p / "sheet-001.nc").read_text()
        feed = re.search(r"^G1 X[-\d.]+.* F(\d+)$", text, re.MULTILINE)
        sub_once(p / "sheet-001.nc", rf"^(G1 X[-\d.]+.*) F{feed.group(1)}$",
                 rf"\g<1> F{int(feed.group(1)) - 100}")

    new = changed(base, tmp_path, "feed", edit)
    res = run_wikicut("diff", str(base), str(new))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "program sheet-001.nc: " in res.stdout
    first = next(ln for ln in res.stdout.splitlines() if "first differing move" in ln)
    old_f, new_f = re.findall(r" F(\d+)", first)
    assert int(old_f) - int(new_f) == 100


def test_one_z_changed_names_the_move(base, tmp_path):
    new = changed(base, tmp_path, "z", lambda p: sub_once(
        p / "sheet-001.nc", r"^(G1 .*)Z(-[\d.]+)", r"\g<1>Z-0.123"))
    res = run_wikicut("diff", str(base), str(new))
    assert res.returncode == 1 and "Z-0.123" in res.stdout, res.stdout + res.stderr


@pytest.mark.parametrize("name, edit, needle", [
    ("svg", lambda p: sub_once(p / "sheet-001.svg", r"<title>", "<title>X"),
     "file sheet-001.svg changed: 1 line differs, first line"),
    ("csv", lambda p: sub_once(p / "parts.csv", r"^([^,\n]+),", r"\g<1>;"),
     "file parts.csv changed: 1 line differs, first line 1"),
    ("added", lambda p: shutil.copy(p / "sheet-001.svg", p / "sheet-002.svg"),
     "file sheet-002.svg added"),
    ("removed", lambda p: (p / "parts.csv").unlink(), "file parts.csv removed"),
    ("comment", lambda p: sub_once(p / "sheet-001.nc", r"^\(wikicut: ", "(wikicut:  "),
     "file sheet-001.nc changed: 1 line differs, first line 1:"),
])
def test_a_file_only_change_is_a_difference(base, tmp_path, name, edit, needle):
    """An SVG, parts.csv, a comment, a file added or removed: "the same", exit 0."""
    new = changed(base, tmp_path, name, edit)
    res = run_wikicut("diff", str(base), str(new))
    assert res.returncode == 1, res.stdout + res.stderr
    assert needle in res.stdout, res.stdout
    assert len(res.stdout.splitlines()) == 1, res.stdout  # one line for one change
    data = json.loads(run_wikicut("diff", str(base), str(new), "--json").stdout)
    assert data["equal"] is False and len(data["files"]) == 1


def test_a_dxf_change_names_the_entity_and_layer(base, tmp_path):
    def edit(p):
        lines = (p / "sheet-001.dxf").read_text().split("\n")
        k = next(i for i, ln in enumerate(lines) if ln.strip() == "LWPOLYLINE")
        k = next(i for i in range(k, len(lines), 1) if lines[i].strip() == "10")
        lines[k + 1] = f"{float(lines[k + 1]) + 5:.4f}"
        (p / "sheet-001.dxf").write_text("\n".join(lines))

    new = changed(base, tmp_path, "dxf", edit)
    res = run_wikicut("diff", str(base), str(new))
    assert res.returncode == 1, res.stdout + res.stderr
    assert re.fullmatch(r"file sheet-001\.dxf changed: 1 line differs, first line \d+ "
                        r"\(group 10 of a LWPOLYLINE on layer \S+\): \S+ -> \S+\n",
                        res.stdout), res.stdout


def test_report_only_changes_are_named_by_key(base, tmp_path):
    def edit(p):
        rep = json.loads((p / "report.json").read_text())
        rep["settings"]["seed"] = 99
        rep["sheets"][0]["utilisation"] = 0.1
        rep["sheets"][0]["parts"][0]["label"] = "ZZ"
        (p / "report.json").write_text(json.dumps(rep, indent=2) + "\n")

    new = changed(base, tmp_path, "rep", edit)
    res = run_wikicut("diff", str(base), str(new))
    assert res.returncode == 1, res.stdout + res.stderr
    rep = json.loads((base / "report.json").read_text())
    pid = rep["sheets"][0]["parts"][0]["id"]
    assert "report.json settings.seed: 1 -> 99" in res.stdout
    assert (f"report.json sheets[1].utilisation: {rep['sheets'][0]['utilisation']} -> 0.1"
            in res.stdout)
    assert f"report.json sheets[1].parts[{pid}].label: " in res.stdout
    assert "sheets: 1 -> 1" not in res.stdout and "(+0.0 min)" not in res.stdout


def test_json_is_stable_and_sorted(base, tmp_path):
    def edit(p):
        sub_once(p / "sheet-001.svg", r"<title>", "<title>X")
        sub_once(p / "parts.csv", r"^([^,\n]+),", r"\g<1>;")
        shutil.copy(p / "sheet-001.svg", p / "extra.svg")

    new = changed(base, tmp_path, "many", edit)
    one = run_wikicut("diff", str(base), str(new), "--json").stdout
    assert one == run_wikicut("diff", str(base), str(new), "--json").stdout
    data = json.loads(one)
    names = [f["file"] for f in data["files"]]
    assert names == sorted(names) == ["extra.svg", "parts.csv", "sheet-001.svg"]
    assert one == json.dumps(data, indent=1, sort_keys=True) + "\n"


def test_unchanged_totals_are_not_lines(base, tmp_path):
    """A program changed and nothing else: no "sheets: 1 -> 1", no "+0.0 min" totals."""
    new = changed(base, tmp_path, "z2", lambda p: sub_once(
        p / "sheet-001.nc", r"^(G1 .*)Z(-[\d.]+)", r"\g<1>Z-0.123"))
    res = run_wikicut("diff", str(base), str(new))
    assert res.returncode == 1
    assert not res.stdout.startswith("sheets: ") and "estimated cutting time" not in res.stdout
    assert "files changed with them: sheet-001.nc" in res.stdout


def test_batch_summary_says_which_fields_vary(tmp_path):
    """index.html of a batch showed only timings to vary; batch_html itself must be a
    function of the outcomes (no clock, no host)."""
    jobs = [JobOutcome("a/job.toml", "a", True, "a", 1, 0.5, 3, 3, 1.25, 0.0, "h:1"),
            JobOutcome("b/job.toml", "job", False, error="b/job.toml: bad", exit_code=2)]
    page = batch_html(BatchResult(jobs, 3.0, 2))
    assert page == batch_html(BatchResult(jobs, 3.0, 2))
    assert "h:1" not in page
    doc = (ROOT / "docs" / "cluster.md").read_text()
    assert "`worker`" in doc and "differ from run to run" in doc


def test_batch_json_times_are_rounded_as_the_total(tmp_path):
    """batch.json gave the batch's seconds to 0.001 and each job's to 17 digits."""
    from wikicut.cluster.batch import _outcome

    class Done:
        def result(self):
            return {"ok": False, "error": "x: bad", "exit_code": 2, "worker": "h:1",
                    "seconds": 1.23456789, "warmup": 0.98765432}

    got = _outcome(Done(), Path("x.toml"), None, "x", tmp_path, False)
    assert (got.seconds, got.warmup, got.worker, got.exit_code) == (1.235, 0.988, "h:1", 2)
