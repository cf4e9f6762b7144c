"""Shared test fixtures: golden files (updated only with --update-golden) and paths."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
WIKIHOUSE_DXF = ROOT / "examples" / "microhouse" / "MicroHouse_othercomponents_v0.5.dxf"


def pytest_configure(config: pytest.Config) -> None:
    """With workers (-n 2), compile the nest kernels once here, before they start: on a fresh
    checkout each worker, and every CLI run they start before the cache is written, would
    otherwise compile them itself (36 s each)."""
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return
    from wikicut.nest import load_kernels

    load_kernels()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ files from the current output (review the diff)")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """golden(name, text): compare text to tests/golden/name; rewrite it with --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        assert path.exists(), f"golden file {path} missing: run pytest --update-golden and review"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"output differs from golden {name} (pytest --update-golden)"

    return check


@pytest.fixture
def wikihouse_dxf() -> Path:
    """The real MicroHouse cutting file; it ships in examples/, so it is always there."""
    return WIKIHOUSE_DXF


def panel_part(drill: float | None = None, pocket: float | None = None) -> str:
    """A 300 x 200 panel part file's text with an 80 x 50 hole in its middle (given a depth
    in `pocket`, a pocket that deep instead) and, given its diameter, a drill at (40, 40):
    the programs tests of stops, clamps, estimates and pocket clearing cut."""
    text = """name = "panel"
label = "P"
[[feature]]
type = "rectangle"
x = 0
y = 0
w = 300
h = 200
[[feature]]
type = "rectangle"
cx = 150
cy = 100
w = 80
h = 50
op = "cut"
"""
    if pocket is not None:
        text = text.replace('op = "cut"\n', f'op = "pocket"\ndepth_mm = {pocket:g}\n')
    return text + (f"[[drill]]\nx = 40\ny = 40\nd = {drill:g}\n" if drill is not None else "")


def panel_job(folder: Path, profile: str, tools: str = "[1]", extra: str = "", sheet: str = "",
              spacing: float = 12, drill: float | None = None, name: str = "walk") -> Path:
    """folder/job.toml: two `panel_part`s on a 1000 x 600 sheet of 18 mm birch, 5 iterations,
    on `profile` with the rack `tools` ("": the profile's tool); `extra` and `sheet` are
    lines added to [machine] and [sheet]."""
    (folder / "panel.toml").write_text(panel_part(drill))
    job = folder / "job.toml"
    rack = f"tools = {tools}" if tools else ""
    job.write_text(f"""name = "{name}"
[sheet]
width = 1000
height = 600
thickness = 18
margin = 10
material = "BirchPly"
{sheet}
[nest]
spacing = {spacing:g}
seed = 1
time_limit = 2
iterations = 5
[machine]
profile = "{profile}"
{rack}
{extra}
[[part]]
file = "panel.toml"
quantity = 2
""")
    return job


def check_layout(layout, spacing: float) -> None:
    """Every part inside its sheet's usable area, every pair at least `spacing` apart (and
    apart at all where spacing is 0 is not asked): an exact check independent of the
    nester's own."""
    from itertools import combinations

    for sh in layout.sheets:
        usable = sh.stock.usable.buffer(1e-6)
        outs = [(pl.instance, pl.placed().outline) for pl in sh.placements]
        for name, g in outs:
            assert usable.contains(g), (sh.index, name)
        for (a, ga), (b, gb) in combinations(outs, 2):
            assert ga.distance(gb) >= spacing - 1e-6, (sh.index, a, b, ga.distance(gb))
            assert not ga.intersects(gb) or spacing == 0


def rect_part(name: str = "rect", w: float = 600, h: float = 300, label: str = "") -> str:
    """A parametric rectangle part file's text (w x h by default), for jobs written by tests."""
    head = f'name = "{name}"\n' + (f'label = "{label}"\n' if label else "")
    return head + f"""[params]
w = {w:g}
h = {h:g}
[[feature]]
type = "rectangle"
x = 0
y = 0
w = "w"
h = "h"
"""


def run_wikicut(*args: str) -> subprocess.CompletedProcess:
    """The command line as an operator runs it (a process of its own, from the repository)."""
    return subprocess.run([sys.executable, "-m", "wikicut.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600, check=False)


# The example jobs several test modules nest and then only read, each run once per test worker
# (session fixtures); `pytest -n 2` runs with --dist loadgroup (pyproject.toml), and each
# fixture's tests carry its xdist_group mark, so the worker that nests a job runs all its
# readers. A fixed budget: the same outputs on any machine. A test that writes into an
# output folder copies it first (shutil.copytree).
HOUSE = ROOT / "examples" / "house" / "job.toml"
HOUSE_NEST = ("nest", str(HOUSE), "--iterations", "120", "-q")
SKYLARK = ROOT / "examples" / "skylark" / "job.toml"
SKYLARK_NEST = ("nest", str(SKYLARK), "--iterations", "3")


@pytest.fixture(scope="session")
def house_run(tmp_path_factory) -> Path:
    """The example house (71 parts, GRBL) as `wikicut HOUSE_NEST -o OUT` writes it
    (mark its tests xdist_group("house")); the output folder."""
    out = tmp_path_factory.mktemp("house") / "out"
    res = run_wikicut(*HOUSE_NEST, "-o", str(out))
    assert res.returncode == 0, res.stderr[-2000:]
    return out


@pytest.fixture(scope="session")
def skylark_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The Skylark E-XXS block (29 parts) as `wikicut SKYLARK_NEST -o OUT` writes it, not
    quiet: (the output folder, the run, whose stderr says any warning). Mark its tests
    xdist_group("skylark")."""
    out = tmp_path_factory.mktemp("skylark") / "out"
    res = run_wikicut(*SKYLARK_NEST, "-o", str(out))
    assert res.returncode == 0, res.stderr[-2000:]
    return out, res


def profile_copy(folder: Path, base: str, subs: list[tuple[str, str]],
                 name: str | None = None) -> str:
    """A shipped profile copied into `folder` (as `name`, else BASE-copy.toml) with each
    (text, replacement) of `subs` made once: every text must be there."""
    text = (ROOT / "profiles" / f"{base}.toml").read_text(encoding="utf-8")
    for a, b in subs:
        assert a in text, a
        text = text.replace(a, b, 1)
    path = folder / (name or f"{base}-copy.toml")
    path.write_text(text, encoding="utf-8")
    return str(path)


def find_rs274() -> str | None:
    """LinuxCNC's standalone interpreter, the real consumer our G-code is tested against;
    missing is a failure in CI (.ci/run installs linuxcnc-uspace), a skip elsewhere."""
    exe = shutil.which("rs274") or ("/usr/bin/rs274" if os.path.exists("/usr/bin/rs274")
                                    else None)
    if exe is None and os.environ.get("CI"):
        pytest.fail("rs274 (LinuxCNC's interpreter) is required in CI")
    return exe


def run_rs274(exe: str, program: Path | str, timeout: float = 120,
              tool_table: Path | str | None = None) -> subprocess.CompletedProcess:
    """rs274 -g on a program (with `tool_table`: -t, the tools its T words name), with a
    HOME of its own: rs274 maps $HOME/.tool.mmap shared, so two at once under one HOME crash
    each other (a bus error in parallel runs)."""
    table = ["-t", str(Path(tool_table).resolve())] if tool_table is not None else []
    with tempfile.TemporaryDirectory(prefix="rs274-home-") as home:
        env = {**os.environ, "HOME": home}
        return subprocess.run([exe, *table, "-g", str(Path(program).resolve())],
                              capture_output=True, text=True,
                              timeout=timeout, check=False, env=env, cwd=home)


def need_module(module: str):
    """A test dependency (the `test` extra): missing fails in CI, skips elsewhere."""
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} missing in CI (pip install -e '.[test]')")
        pytest.skip(f"{module} not installed (pip install -e '.[test]')")


def find_chromium() -> str:
    """Headless Chromium, the real consumer of our HTML: missing fails in CI (.ci/run
    installs it), skips elsewhere."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium missing in CI (.ci/run installs it)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return browser


def print_pdf(page: Path, tmp: Path) -> Path:
    """`page` (an index.html) printed to tmp/job.pdf by headless Chromium, as an operator
    prints it: a browser of its own (profile, HOME) so no shared lock or cache."""
    browser = find_chromium()
    pdf = tmp / "job.pdf"
    home = tmp / "home"
    home.mkdir()
    res = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={home / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "HOME": str(home)}, cwd=home)
    assert pdf.exists() and pdf.stat().st_size > 10_000, res.stderr[-2000:]
    return pdf


def as_from_a_shell() -> None:
    """A child's signals as an operator's terminal gives them (`preexec_fn`): a test run
    started in the background (`cmd &` in a script, `nohup`) ignores SIGINT (and SIGHUP),
    and a child inherits that, so a test's Ctrl-C would be lost and the child run forever."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


@pytest.fixture
def rs274() -> str:
    exe = find_rs274()
    if exe is None:
        pytest.skip("rs274 (LinuxCNC's standalone interpreter) not installed")
    return exe


def read_said(path, **kw):
    """A DXF's parts (read_dxf_parts) and every warning said while reading it."""
    from wikicut.io.dxf import read_dxf_parts

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        parts = read_dxf_parts(path, **kw)
    return parts, [str(w.message) for w in rec]
