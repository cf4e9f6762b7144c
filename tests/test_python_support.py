"""The Python versions wikicut claims are those it runs on: the package reads TOML with the
standard library's tomllib and types with typing.Self, both new in 3.11, so pyproject's
requires-python admits nothing older and the README says the same floor."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
FLOOR = (3, 11)  # tomllib, typing.Self


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_requires_python_admits_no_version_without_tomllib():
    spec = SpecifierSet(_project()["requires-python"])
    older = [f"3.{minor}.{patch}" for minor in range(6, FLOOR[1]) for patch in (0, 99)]
    assert not [v for v in older if v in spec], spec
    assert f"{FLOOR[0]}.{FLOOR[1]}.0" in spec


def test_the_package_uses_what_sets_the_floor():
    """The floor is real: the package imports tomllib and typing.Self without a fallback."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "wikicut").rglob("*.py"))
    assert re.search(r"^import tomllib$", text, re.MULTILINE)
    assert re.search(r"^from typing import .*\bSelf\b", text, re.MULTILINE)
    assert "tomli" not in re.sub(r"tomllib", "", text)
    # no dependency left for versions below the floor (a `python_version < '3.11'` marker)
    deps = _project()["dependencies"]
    assert not [d for d in deps if ";" in d and "python_version" in d], deps


def test_readme_states_the_same_floor():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = set(re.findall(r"Python (3\.\d+)\+", readme))
    assert said == {f"{FLOOR[0]}.{FLOOR[1]}"}, said
    floor = re.fullmatch(r">=\s*(3\.\d+)", _project()["requires-python"].strip())
    assert floor is not None and floor.group(1) in said
