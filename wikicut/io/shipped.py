"""The folders that ship with wikicut: machine profiles, the part library and the tool rack.

They stay at the top of the repository (profiles/, parts/, tools/), where people read and
copy them; the wheel carries them inside the package as wikicut/shipped/<name> (pyproject's
force-include). An installed wikicut finds them there through importlib.resources; a source
checkout (an editable install, PYTHONPATH) has no wikicut/shipped and reads the top-level
folders beside the package.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["SHIPPED", "shipped_dir"]

SHIPPED = ("profiles", "parts", "tools")


def shipped_dir(name: str) -> Path:
    """The folder `name` (one of SHIPPED) as a path on disk."""
    if name not in SHIPPED:
        raise ValueError(f"no shipped folder {name!r}; one of {', '.join(SHIPPED)}")
    package = files("wikicut")
    inside = package / "shipped" / name
    if inside.is_dir():
        return Path(str(inside))
    return Path(str(package)).parent / name
