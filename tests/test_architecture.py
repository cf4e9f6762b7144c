"""The package's shape: imports follow the pipeline, nothing reaches for another module's
private names, and the public API resolves (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wikicut

ROOT = Path(wikicut.__file__).resolve().parent

# stage -> the stages it may import (besides itself)
ALLOWED = {
    "errors": set(),
    "words": set(),
    "model": {"errors", "words"},
    "io": {"model", "errors", "words"},
    "nest": {"model", "errors", "words"},
    "cam": {"model", "errors", "words"},
    "post": {"model", "errors", "words"},
    "verify": {"model", "errors", "words"},
    "render": {"model", "errors", "words", "io"},
    "diff": {"model", "errors", "words", "io", "verify", "render"},
    "pipeline": {"model", "errors", "words", "io", "nest", "cam", "post", "verify", "render"},
    "cluster": {"model", "errors", "words", "io", "nest", "pipeline"},
    "recut": {"model", "errors", "words", "io", "nest", "cam", "post", "verify", "render",
              "pipeline"},
}


def _stage(module: str) -> str:
    """wikicut.io.dxf.read -> io; wikicut.pipeline -> pipeline."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path):
    """(absolute module, names) for every wikicut import in a source file."""
    rel = path.relative_to(ROOT.parent).with_suffix("")
    here = list(rel.parts)
    if here[-1] == "__init__":
        here = here[:-1]
        package = here
    else:
        package = here[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == "wikicut":
                yield node.lineno, module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "wikicut":
                    yield node.lineno, a.name, []


SOURCES = sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_pipeline(path):
    me = _stage(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
    if me in ("cli", "__main__", "__init__", ""):
        return  # the command (also as python -m wikicut) and the public API see everything
    bad = []
    for line, module, names in _imports(path):
        other = _stage(module)
        if other and other != me and other not in ALLOWED.get(me, set()):
            bad.append(f"line {line}: {me} imports {module}")
        if other != me or module.count(".") > 1:
            bad += [f"line {line}: private name {n} from {module}" for n in names
                    if n.startswith("_") and not n.startswith("__")]
    assert not bad, bad


def test_every_stage_is_listed():
    stages = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()
              if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert stages - {"__init__", "__main__", "cli"} <= set(ALLOWED), stages - set(ALLOWED)


def test_public_api_resolves():
    for name in wikicut.__all__:
        assert getattr(wikicut, name) is not None, name
    with pytest.raises(AttributeError):
        wikicut.no_such_name  # noqa: B018


def test_a_job_runs_through_the_public_api(tmp_path):
    from dataclasses import replace

    job = wikicut.load_job(ROOT.parent / "examples" / "dxf-parts" / "job.toml")
    job = replace(job, settings=replace(job.settings, iterations=50, workers=1))
    result = wikicut.run_job(job, tmp_path / "out")
    assert (tmp_path / "out" / "report.json").exists()
    assert result.layout.sheets and not result.layout.unplaced
    text = (tmp_path / "out" / result.layout.sheets[0].stem).with_suffix(".nc").read_text()
    assert text.rstrip().endswith("M2")
