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

__all__ = ["SHIPPED", "is_shipped_name", "shipped_dir", "shipped_names"]

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


def shipped_names(name: str) -> list[str]:
    """The names of the TOML files in the shipped folder `name` (grbl, wall-rib, ...)."""
    return sorted(p.stem for p in shipped_dir(name).glob("*.toml"))


def is_shipped_name(ref: str, suffixes: tuple[str, ...] = (".toml",)) -> bool:
    """Whether a job or the command line names a shipped file (`grbl`, `wall-rib`) rather
    than giving a path (`my-router.toml`, `../parts/rib.toml`): no folder, and none of the
    file suffixes a path to such a file ends in."""
    return not any(c in ref for c in "/\\") and Path(ref).suffix.lower() not in suffixes
