"""Docs that run: every command in the README and in the `--help` examples is executed as
written, in order, each source in a fresh temporary folder holding copies of the
repository's examples/, parts/, profiles/ and tools/ (so relative paths work as in a
checkout).

Two things are not the commands' own: `pip install` (the environment the tests run in is
that install) and the test command itself are left out, and the copied example jobs get a
2 s `time_limit`, as does a `--time-limit` on the command line (the small-job variant: the
same commands, a shorter search). A line is a
synopsis, not an example, when it holds a placeholder (OUTDIR, [--seed N], A|B).
`wikicut diff` may exit 1 (its documented "they differ"); a `--watch` preview must serve its
page and end with exit 0 on Ctrl-C. A plain `wikicut nest JOB -o OUT/` that another source
has already run over the same copied inputs, into a folder not there yet, is run once: its
output folder is copied in (the same command on the same files; the sources that share
one carry one xdist group, so one worker runs them all and the house is written once, not
five times).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import click
import pytest
from conftest import as_from_a_shell

from wikicut.cli import main

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b|\[|\|")
FAST_LIMIT = "time_limit = 2"
TIME_OPTION = re.compile(r"--time-limit[ =]\S+")
FAST_OPTION = "--time-limit 2"


def _commands(lines: list[str]) -> list[str]:
    """Shell commands from documentation lines: comments dropped, continuations joined,
    synopses and the install/test steps left out."""
    out: list[str] = []
    joined = " ".join(ln.strip()[:-1] if ln.rstrip().endswith("\\") else ln.strip() + "\n"
                      for ln in lines)
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line.strip())
        if not line or line.startswith("#"):
            continue
        steps = [s.strip() for s in line.split("&&")]
        steps = [s for s in steps if not s.startswith(("pip install", "python -m pytest"))]
        if steps and not PLACEHOLDER.search(" ".join(steps)):
            out.append(" && ".join(steps))
    return out


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        lines += block.splitlines()
    lines += [" ".join(m.split()) for m in re.findall(r"`(wikicut [^`]*?-[^`]*)`", text)]
    return _commands(lines)


def help_commands() -> dict[str, list[str]]:
    """Each command's --help examples (the group's first), by command."""
    out = {}
    for name, cmd in [("wikicut", main), *sorted(main.commands.items())]:
        text = click.unstyle(cmd.help or "")
        m = re.search(r"Examples?:\n(.*?)(?:\n\s*\n|\Z)", text, re.DOTALL)
        out[name] = _commands(m.group(1).splitlines()) if m else []
    return out


SOURCES = {"README": readme_commands(), **{f"{k} --help": v for k, v in help_commands().items()}}


@pytest.fixture
def workdir(tmp_path):
    for name in ("examples", "parts", "profiles", "tools"):
        shutil.copytree(ROOT / name, tmp_path / name)
    for job in (tmp_path / "examples").rglob("job.toml"):
        job.write_text(re.sub(r"^time_limit\s*=.*$", FAST_LIMIT, job.read_text(),
                              flags=re.MULTILINE))
    bindir = tmp_path / ".bin"
    bindir.mkdir()
    shim = bindir / "wikicut"  # this checkout's wikicut, whatever is installed
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m wikicut.cli "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), "BROWSER": "true"}  # --open: a browser that exits
    return tmp_path, env


def test_every_source_has_examples():
    assert len(SOURCES["README"]) >= 3
    assert all(SOURCES[f"{k} --help"] for k in main.commands), SOURCES


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^pip install -e '\.\[test\]' && python -m pytest.*$", readme,
                        re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert command and ci == command.group(0)


# the DXF reading options, given in a synopsis as [READING] (README: "READING is how a DXF
# is read")
READING = {"--units", "--join-tolerance", "--layer", "--options", "--drawn-thickness"}


def test_readme_synopsis_gives_every_option():
    """Each command's synopsis in README's Commands block names every option its --help
    lists (batch names nest's by "nest's ... ..."): an option added to a command and not to
    the README is found here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    synopsis: dict[str, str] = {}
    name = None
    for line in block.splitlines():
        m = re.match(r"wikicut (\w+)", line)
        if m:
            name = m.group(1)
        if name:
            synopsis[name] = synopsis.get(name, "") + " " + line.split("#")[0]
    missing = []
    for cmd, command in sorted(main.commands.items()):
        if cmd == "batch":
            continue
        text = synopsis.get(cmd, "")
        if "[READING]" in text:
            text += " " + " ".join(READING)
        for param in command.params:
            if not isinstance(param, click.Option) or param.name == "help":
                continue
            if not any(re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", text)
                       for o in param.opts):
                missing.append(f"{cmd} {param.opts[-1]}")
    assert not missing, missing


# `wikicut nest JOB -o OUT/` and nothing else: the nest a source runs before reading its output
PLAIN_NEST = re.compile(r"^wikicut nest (\S+\.toml) -o (\S+?)/?$")
SHARED = "docs-nest"  # the xdist group of the sources that run one PLAIN_NEST alike


def _shares_a_nest(source: str) -> bool:
    return sum(PLAIN_NEST.match(c) is not None and c in cmds
               for c in SOURCES[source] for cmds in SOURCES.values()) > 1


SLOW = {"README", "gcode --help"}  # the MicroHouse file's 27 sheets: a minute or two
# Examples that need what a temporary folder cannot hold (reported to their command's owner)
NOT_RUNNABLE: dict[str, str] = {}


def _marks(source: str) -> list:
    marks = [pytest.mark.slow] if source in SLOW else []
    if _shares_a_nest(source):
        marks.append(pytest.mark.xdist_group(SHARED))
    if source in NOT_RUNNABLE:
        marks.append(pytest.mark.xfail(reason=NOT_RUNNABLE[source], strict=False))
    return marks


def _inputs_digest(folder: Path) -> str:
    """What a nest in `folder` may read: the copied examples, parts, profiles and tools, as
    they are now (a command before it may have changed them)."""
    h = hashlib.sha256()
    for name in ("examples", "parts", "profiles", "tools"):
        for f in sorted((folder / name).rglob("*")):
            if f.is_file():
                h.update(str(f.relative_to(folder)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@pytest.fixture(scope="session")
def nests_run(tmp_path_factory) -> dict:
    """(command, inputs digest) -> the output folder its run wrote with exit 0, for this
    worker's sources."""
    return {"dir": tmp_path_factory.mktemp("docs-nests")}


@pytest.mark.parametrize("source", [pytest.param(s, marks=_marks(s)) for s in SOURCES])
def test_documented_commands_run(source, workdir, nests_run):
    """The commands of one source, in order, as a reader would type them."""
    folder, env = workdir
    for command in SOURCES[source]:
        if "--watch" in command:  # serves until Ctrl-C: it must serve its page, then stop
            _run_watch(command, folder, env)
            continue
        command = TIME_OPTION.sub(FAST_OPTION, command)
        plain = PLAIN_NEST.match(command)
        key = (command, _inputs_digest(folder)) if plain else None
        out = folder / plain.group(2) if plain else None
        if key in nests_run and not out.exists():  # this very run, done for another source
            shutil.copytree(nests_run[key], out)
            continue
        res = subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True,
                             text=True, timeout=900, check=False)
        ok = (0, 1) if command.startswith("wikicut diff") else (0,)
        assert res.returncode in ok, f"{source}: {command}\n{res.stderr[-2000:]}"
        if key is not None and key not in nests_run and out.is_dir():
            nests_run[key] = nests_run["dir"] / str(len(nests_run))
            shutil.copytree(out, nests_run[key])


def _run_watch(command: str, folder: Path, env: dict) -> None:
    proc = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=as_from_a_shell)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (command, proc.stderr.read()[-2000:])
        with urllib.request.urlopen(url, timeout=30) as page:
            assert 'class="part"' in page.read().decode("utf-8"), command
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0, (command, proc.stderr.read()[-2000:])
